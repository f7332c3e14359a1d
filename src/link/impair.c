/* placeholder: replaced by the device layer */
typedef int hk_impair_placeholder;

/* placeholder: replaced by the device layer */
typedef int hk_dev_open_placeholder;

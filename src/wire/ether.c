/* placeholder: replaced by the wire layer */
typedef int hk_wire_ether_placeholder;

/* placeholder until the link layer lands */
#include "link/ether.h"
void hk_ether_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb) { (void)s; (void)ifc; hk_pbuf_free(pb); }
int hk_ether_output(struct hk_stack *s, struct hk_iface *ifc, const uint8_t dst[6], uint16_t t, struct hk_pbuf *pb) { (void)dst; (void)t; return hk_stack_xmit(s, ifc, pb); }

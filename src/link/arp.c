/* placeholder until the link layer lands */
#include "link/arp.h"
int hk_arp_init(struct hk_stack *s) { (void)s; return 0; }
void hk_arp_fini(struct hk_stack *s) { (void)s; }
int hk_arp_iface_up(struct hk_stack *s, struct hk_iface *ifc) { (void)s; (void)ifc; return 0; }
void hk_arp_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb) { (void)s; (void)ifc; hk_pbuf_free(pb); }
int hk_arp_output(struct hk_stack *s, struct hk_iface *ifc, hk_ip4_t nh, struct hk_pbuf *pb) { (void)s; (void)ifc; (void)nh; hk_pbuf_free(pb); return -1; }

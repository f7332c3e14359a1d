/* placeholder until the network layer lands */
#include "net/ipv4.h"
int hk_ipv4_init(struct hk_stack *s) { (void)s; return 0; }
void hk_ipv4_fini(struct hk_stack *s) { (void)s; }
void hk_ipv4_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb) { (void)s; (void)ifc; hk_pbuf_free(pb); }

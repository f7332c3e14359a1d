/* placeholder until the network layer lands */
#include "net/udp.h"
int hk_udp_init(struct hk_stack *s) { (void)s; return 0; }
void hk_udp_fini(struct hk_stack *s) { (void)s; }

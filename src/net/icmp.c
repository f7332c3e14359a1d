/* placeholder until the network layer lands */
#include "net/icmp.h"
int hk_icmp_init(struct hk_stack *s) { (void)s; return 0; }
void hk_icmp_fini(struct hk_stack *s) { (void)s; }

/* placeholder until TCP lands */
#include "tcp/tcp.h"
int hk_tcp_init(struct hk_stack *s) { (void)s; return 0; }
void hk_tcp_fini(struct hk_stack *s) { (void)s; }
void hk_tcp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb) { (void)s; (void)ip; hk_pbuf_free(pb); }
void hk_tcp_icmp_error(struct hk_stack *s, const struct hk_icmp_err *e) { (void)s; (void)e; }
void hk_tcp_flush(struct hk_stack *s) { (void)s; }

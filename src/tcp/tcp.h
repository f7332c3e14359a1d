/* hokuto tcp — what the rest of the stack calls into TCP for. */
#ifndef HOKUTO_TCP_TCP_H
#define HOKUTO_TCP_TCP_H

#include "net/icmp.h"

int hk_tcp_init(struct hk_stack *s);
void hk_tcp_fini(struct hk_stack *s);
/* pb->data at the TCP header, pb->len the TCP length; consumes pb. */
void hk_tcp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb);
void hk_tcp_icmp_error(struct hk_stack *s, const struct hk_icmp_err *e);
/* Called once per poll after input and timers: sends what is pending
 * (one ACK per batch, queued data). */
void hk_tcp_flush(struct hk_stack *s);

#endif

/* hokuto net — UDP input (RFC 768). The socket API is in hokuto/udp.h. */
#ifndef HOKUTO_NET_UDP_H
#define HOKUTO_NET_UDP_H

#include "net/icmp.h"

int hk_udp_init(struct hk_stack *s);
void hk_udp_fini(struct hk_stack *s);
void hk_udp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb);
void hk_udp_icmp_error(struct hk_stack *s, const struct hk_icmp_err *e);

#endif

/* hokuto net — IPv4 input, output, routing (RFC 791, RFC 1122 3.2). */
#ifndef HOKUTO_NET_IPV4_H
#define HOKUTO_NET_IPV4_H

#include "core/stack_internal.h"

/* What a transport sees of the IP packet it is handed. */
struct hk_ip_rx {
	struct hk_iface *ifc;
	hk_ip4_t src, dst;
	uint8_t proto, ttl, tos;
	bool evil;              /* RFC 3514 */
	bool df;
	bool broadcast;         /* dst was a broadcast address */
	bool link_broadcast;    /* came in a link-layer broadcast/multicast frame */
	const uint8_t *ip_hdr;  /* the IP header (still inside the pbuf) */
	size_t ip_hdr_len;
};

/* What a transport asks for when it sends. */
struct hk_ip_tx {
	hk_ip4_t src;           /* 0: the address of the outgoing interface */
	hk_ip4_t dst;
	uint8_t proto;
	uint8_t ttl;            /* 0: 64 */
	uint8_t tos;
	bool df;
	bool evil;
};

int hk_ipv4_init(struct hk_stack *s);
void hk_ipv4_fini(struct hk_stack *s);
/* pb->data at the IP header; consumes pb. */
void hk_ipv4_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb);
/* The same, saying whether the frame was a link-layer broadcast (RFC 1122
 * 3.2.2: no ICMP error about such a datagram). */
void hk_ipv4_input_l2(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb, bool link_broadcast);
/* pb->data at the transport header; prepends the IP header, routes,
 * fragments to the MTU when DF is clear; consumes pb. 0 or -errno
 * (-EHOSTUNREACH no route, -EMSGSIZE too big with DF, -ENOBUFS). */
int hk_ipv4_output(struct hk_stack *s, const struct hk_ip_tx *tx, struct hk_pbuf *pb);
/* The same from flat memory: the payload is hdr followed by data (up to
 * 65515 bytes together, so larger than one pbuf); copies it into as many
 * fragments as the MTU needs. Returns 0 or -errno as above. */
int hk_ipv4_output_gather(struct hk_stack *s, const struct hk_ip_tx *tx, const void *hdr, size_t hdr_len,
			  const void *data, size_t data_len);
/* The source address hokuto would use towards dst, 0 when unroutable. */
hk_ip4_t hk_ipv4_source_for(const struct hk_stack *s, hk_ip4_t dst);
/* The MTU of the route towards dst (path MTU when one was learnt). */
uint32_t hk_ipv4_mtu_for(const struct hk_stack *s, hk_ip4_t dst);
/* Lowers the path MTU towards dst (RFC 1191). */
void hk_ipv4_pmtu_update(struct hk_stack *s, hk_ip4_t dst, uint32_t mtu);
bool hk_ipv4_is_local(const struct hk_stack *s, hk_ip4_t addr);

#endif

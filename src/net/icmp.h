/* hokuto net — ICMP (RFC 792, RFC 1122 3.2.2). */
#ifndef HOKUTO_NET_ICMP_H
#define HOKUTO_NET_ICMP_H

#include "net/ipv4.h"

/* An ICMP error, as handed to the transport it is about. */
struct hk_icmp_err {
	uint8_t type, code;
	uint16_t next_mtu;          /* fragmentation needed */
	hk_ip4_t src, dst;          /* of the original packet (src is us) */
	uint8_t proto;
	const uint8_t *l4;          /* first bytes of the original transport header */
	size_t l4_len;              /* at least 8 */
};

int hk_icmp_init(struct hk_stack *s);
void hk_icmp_fini(struct hk_stack *s);
/* pb->data at the ICMP header; consumes pb. */
void hk_icmp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb);
/* Destination unreachable about the packet described by ip whose transport
 * header is at l4 (RFC 1122 3.2.2: never about an ICMP error, a broadcast,
 * or a non-first fragment). */
void hk_icmp_send_unreach(struct hk_stack *s, uint8_t code, const struct hk_ip_rx *ip,
			  const uint8_t *l4, size_t l4_len);
/* Any ICMP error (type, code, and the 32-bit word after the checksum)
 * about that packet, with the same rules and a rate limit; quotes its IP
 * header and the first 8 bytes of l4. */
void hk_icmp_send_error(struct hk_stack *s, uint8_t type, uint8_t code, uint32_t rest,
			const struct hk_ip_rx *ip, const uint8_t *l4, size_t l4_len);
/* One of our own packets (pkt at its IP header) could not leave: ARP got
 * no answer. Tells its sender as a "host unreachable" from ourselves would
 * (TCP, UDP, ping), without sending anything. */
void hk_icmp_local_unreach(struct hk_stack *s, const uint8_t *pkt, size_t len);

#endif

/* hokuto net — ICMP state shared by icmp.c and ping.c. */
#ifndef HOKUTO_NET_ICMP_PRIV_H
#define HOKUTO_NET_ICMP_PRIV_H

#include "hokuto/ping.h"
#include "hokuto/wire/icmp.h"
#include "net/icmp.h"

#define HK_PING_SENT 64   /* requests remembered to check the echoed data */
#define HK_PING_QUEUE 32  /* replies waiting for hk_ping_recv */

struct hk_ping_sent {
	bool used;
	uint16_t id, seq;
	hk_ip4_t dst;
	uint32_t len;
	uint64_t hash;       /* of the data sent */
	hk_time_t tx_time;
};

struct hk_ping_state {
	struct hk_ping_sent sent[HK_PING_SENT];
	uint32_t sent_next;  /* ring: the oldest is overwritten */
	struct hk_echo_reply q[HK_PING_QUEUE];
	uint32_t q_head, q_len;
};

/* Errors are limited by a token bucket (RFC 1812 4.3.2.8, RFC 1122
 * 3.2.2 "SHOULD limit"). */
#define HK_ICMP_ERR_BURST 50
#define HK_ICMP_ERR_TOKEN_USEC 1000 /* one token a millisecond */

struct hk_icmp_state {
	uint32_t tokens;
	hk_time_t refilled;
	struct hk_ping_state ping;
};

void hk_ping_on_reply(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_icmp_hdr *h);
void hk_ping_on_error(struct hk_stack *s, hk_ip4_t from, uint8_t ttl, const struct hk_icmp_err *e);

#endif

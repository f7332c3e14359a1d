/* hokuto — ICMP echo (RFC 792) for `hokuto ping`.
 *
 *   hk_ping_send(s, dst, id, seq, data, len);
 *   ... hk_stack_poll ...
 *   struct hk_echo_reply r;
 *   while (hk_ping_recv(s, id, &r) == 0) ...
 *
 * Replies wait in a small bounded queue (the oldest goes when it is full);
 * each is matched with the request it answers to say whether the data came
 * back intact. ICMP errors about our requests (destination unreachable,
 * time exceeded), and a local "host unreachable" when ARP gets no answer,
 * are queued the same way with icmp_type set. */
#ifndef HOKUTO_PING_H
#define HOKUTO_PING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hokuto/types.h"

struct hk_stack;

#define HK_PING_MAX_DATA 65507 /* 65535 - IPv4 header - ICMP header */

struct hk_echo_reply {
	hk_ip4_t from;      /* who answered (the reporter, for an error) */
	uint16_t id, seq;
	uint8_t ttl;        /* of the received packet */
	size_t len;         /* echoed data bytes (0 for an error) */
	hk_time_t rx_time;  /* stack time it arrived */
	bool data_ok;       /* the echoed data equals what was sent */
	uint8_t icmp_type;  /* 0 echo reply, 3 destination unreachable, 11 time exceeded */
	uint8_t icmp_code;
	hk_time_t tx_time;  /* when the request with this id/seq was sent, 0 if unknown */
};

/* Sends an echo request carrying len bytes of data (at most
 * HK_PING_MAX_DATA; fragmented when larger than the MTU). 0 or -errno:
 * -EMSGSIZE too long, -EHOSTUNREACH no route, -ENOBUFS. */
int hk_ping_send(struct hk_stack *s, hk_ip4_t dst, uint16_t id, uint16_t seq, const void *data, size_t len);
/* Takes the oldest queued reply (or error) for id: 0, or -EAGAIN when
 * none is queued. */
int hk_ping_recv(struct hk_stack *s, uint16_t id, struct hk_echo_reply *out);

#endif

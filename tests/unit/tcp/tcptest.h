/* Segment-in / segment-out test harness for TCP: one stack on a fake L3
 * device (bare IPv4, no ARP) at explicit virtual times. The test plays the
 * peer: it crafts segments with the wire layer, injects them, polls the
 * stack, and inspects the exact segments the stack sent. */
#ifndef HOKUTO_TESTS_TCPTEST_H
#define HOKUTO_TESTS_TCPTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/stack_internal.h"
#include "hokuto/socket.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"
#include "tcp/tcp_int.h"

#define US HK_IP4(192, 0, 2, 1)
#define PEER HK_IP4(192, 0, 2, 2)
#define PEER_PORT 40000
#define TT_MAX 1024
#define TT_T0 HK_SEC(1000)
#define ANY 0xdeadbeefu /* tt_expect: any sequence number */

#define F_SYN HK_TCP_SYN
#define F_ACK HK_TCP_ACK
#define F_FIN HK_TCP_FIN
#define F_RST HK_TCP_RST
#define F_PSH HK_TCP_PSH
#define F_URG HK_TCP_URG

struct tt_dev {
	struct hk_dev dev;
	uint8_t *tx[TT_MAX];
	size_t tx_len[TT_MAX];
	hk_time_t tx_time[TT_MAX];
	int tx_head, tx_tail;
	uint8_t *rx[TT_MAX];
	size_t rx_len[TT_MAX];
	int rx_head, rx_tail;
};

/* A segment the peer sends or the stack sent. */
struct tt_seg {
	hk_ip4_t src, dst;     /* 0: PEER -> US when sending */
	uint16_t sport, dport; /* 0: PEER_PORT -> t->port */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;       /* sending: 0 means 65535 unless zero_window */
	bool zero_window;
	uint16_t urg;
	bool dth;
	struct hk_tcp_opts opts;
	const uint8_t *data;   /* sending */
	size_t len;
	uint8_t payload[9000]; /* received */
	uint8_t ttl;           /* received */
	uint8_t tos;           /* sent and received */
	bool df;               /* received */
	hk_time_t at;          /* received: when the stack sent it */
	const uint8_t *raw_opts; /* sending: raw option bytes instead of opts */
	size_t raw_opts_len;
};

struct tt {
	struct hk_stack *s;
	struct tt_dev *dev;
	hk_time_t now;
	uint16_t port;         /* our port */
	int lfd, fd;
	uint32_t iss, irs;     /* the stack's ISS, the peer's ISS */
	uint32_t snd, rcv;     /* peer's next seq to send, next seq it expects */
};

/* cfg tweaks: any field left 0 keeps the default. */
struct tt_cfg {
	hk_time_t msl, rto_initial, rto_min, delack;
	uint32_t snd_buf, rcv_buf, max_syn_backlog, syn_retries, data_retries, mtu;
	const char *cc;
};

void tt_init(struct tt *t, const struct tt_cfg *cfg);
void tt_fini(struct tt *t);
/* Polls the stack at t->now. */
void tt_poll(struct tt *t);
/* Moves time forward by dt, polling at every timer deadline on the way. */
void tt_advance(struct tt *t, hk_time_t dt);
/* Injects a segment (fields as in struct tt_seg) and polls. */
void tt_send(struct tt *t, const struct tt_seg *g);
/* Queues a segment for the next poll without polling (several segments
 * then arrive in one batch). */
void tt_queue(struct tt *t, const struct tt_seg *g);
/* A raw IPv4 packet. */
void tt_inject_ip(struct tt *t, const uint8_t *pkt, size_t len);
/* Builds an IPv4+TCP packet from g into buf; returns its length. */
size_t tt_build(struct tt *t, const struct tt_seg *g, uint8_t *buf);
/* Pops the next segment the stack sent; false when none. */
bool tt_recv(struct tt *t, struct tt_seg *out);
int tt_queued(const struct tt *t);
void tt_drain(struct tt *t);
/* Asserts the next sent segment has these flags/seq/ack and returns it. */
void tt_expect(struct tt *t, struct tt_seg *out, uint8_t flags, uint32_t seq, uint32_t ack);
void tt_expect_none(struct tt *t);

/* Listens on port, handshakes from the peer with the given SYN options
 * (NULL: MSS 1460, WS 7, SACK-permitted, TS), accepts; t->fd is set and the
 * SYN,ACK is returned in synack. */
void tt_passive_open(struct tt *t, uint16_t port, const struct hk_tcp_opts *syn_opts, struct tt_seg *synack);
/* Connects to the peer; answers with a SYN,ACK carrying opts (NULL: MSS
 * 1460 only); t->fd is set, the SYN is returned in syn. */
void tt_active_open(struct tt *t, uint16_t port, const struct hk_tcp_opts *synack_opts, struct tt_seg *syn);
/* Peer data at t->snd with ACK t->rcv; advances t->snd. */
void tt_peer_data(struct tt *t, const void *data, size_t len, uint8_t extra_flags);
/* Pure ACK from the peer: seq t->snd, ack, window. */
void tt_peer_ack(struct tt *t, uint32_t ack, uint16_t window);
int tt_state(const struct tt *t, int fd);
struct hk_tcp_conn *tt_conn(const struct tt *t, int fd);
uint64_t tt_stat(const struct tt *t, enum hk_stat st);

#endif

/* hokuto tcp — RFC 9401 (the Death flag) inside TCP: the per-connection
 * and per-stack state, and the hooks the TCP files call. The behaviour is
 * described in include/hokuto/dth_socket.h and docs/DTH.md; everything is
 * in tcp_dth.c (send side, marking), tcp_dth_rx.c (receive side, events,
 * Hokuto-Shinken) and src/api/sockopt_dth.c (options and calls). */
#ifndef HOKUTO_TCP_DTH_H
#define HOKUTO_TCP_DTH_H

#include "core/timer.h"
#include "hokuto/dth_socket.h"
#include "hokuto/wire/tcp.h"

#define HK_TCP_DTH_TX_RANGES 16   /* marked byte ranges of the send queue */
#define HK_TCP_DTH_RX_RANGES 8    /* received DTH byte ranges not yet read */
#define HK_TCP_DTH_EVQ 8          /* queued events per socket */
#define HK_TCP_DTH_AUTO_LOOKBACK 1024 /* bytes of the current line kept for matching */
#define HK_TCP_DTH_TROUBLE_HOLD HK_SEC(10) /* a memory refusal counts as trouble this long */

/* opts bits */
enum {
	DTHO_ALL = 1u << 0,       /* HK_TCP_DTH */
	DTHO_TEASE = 1u << 1,     /* HK_TCP_DTH_TEASE */
	DTHO_AUTO = 1u << 2,      /* HK_TCP_DTH_AUTO */
	DTHO_TROUBLE = 1u << 3,   /* HK_TCP_DTH_ON_TROUBLE */
	DTHO_SHINKEN = 1u << 4,   /* HK_TCP_HOKUTO_SHINKEN */
};

struct hk_tcp_dth_range {
	uint32_t start, end;      /* [start, end) in sequence space */
};

struct hk_tcp_dth_conn {
	uint32_t opts;
	uint32_t zombie_ms;
	/* send side */
	struct hk_tcp_dth_range tx[HK_TCP_DTH_TX_RANGES];
	uint8_t n_tx;
	bool fin_dth;             /* our FIN carries DTH (tease) */
	bool bare_sent;           /* a pure DTH ACK went out with ack number bare_ack */
	bool deferred;            /* a pure DTH ACK waits for a segment that is no duplicate */
	bool sndbuf_refused;      /* the send buffer was full at the last send */
	uint32_t bare_ack;
	uint32_t auto_line;       /* seq where the current line of sent data starts */
	/* receive side */
	struct hk_tcp_dth_range rx[HK_TCP_DTH_RX_RANGES];
	uint8_t n_rx;
	bool rx_evil;             /* the IPv4 packet being processed had the evil bit */
	bool pure_seen;           /* a pure DTH ACK arrived since the last read */
	uint8_t zombie;           /* 0 none, 1 half-zombie, 2 over */
	bool peer_dead;
	struct hk_timer t_zombie;
	struct hk_dth_event evq[HK_TCP_DTH_EVQ];
	uint8_t ev_head, ev_len;
	struct hk_dth_info info;
};

/* Stack-wide: the matcher of HK_TCP_DTH_AUTO and the memory-trouble watch. */
struct hk_tcp_dth_stack {
	struct hk_dth_matcher *matcher;   /* NULL: built lazily from the built-in list */
	uint64_t mem_limit_seen;          /* tcp_mem_limit counter at the last look */
	hk_time_t trouble_until;
};

struct hk_stack;
struct hk_tcp_conn;
struct hk_ip_rx;

/* tcp_dth.c: state */
void tcp_dth_init(struct hk_tcp_conn *c);
void tcp_dth_cancel(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_dth_fini(struct hk_stack *s);
void tcp_dth_inherit(struct hk_tcp_conn *c, const struct hk_tcp_conn *listener);

/* tcp_dth.c: send side */
/* tcp_user_send before anything is queued: <0 refuse with that error, 0 go
 * on, >0 handled (the call returns 0). */
int tcp_dth_send_check(struct hk_stack *s, struct hk_tcp_conn *c, size_t len, int flags);
/* hk_send(len 0, HK_MSG_DTH) on a synchronized connection; returns 0. */
int tcp_dth_send_bare(struct hk_stack *s, struct hk_tcp_conn *c, int flags);
/* n bytes of buf were queued at sequence start (want were offered). */
void tcp_dth_queued(struct hk_stack *s, struct hk_tcp_conn *c, const void *buf, uint32_t start, uint32_t n,
		    size_t want, int flags);
/* The send buffer had no room at all. */
void tcp_dth_sndbuf_full(struct hk_stack *s, struct hk_tcp_conn *c);
/* Segment building: shortens len so marked bytes never share a URG segment. */
uint32_t tcp_dth_clip(const struct hk_tcp_conn *c, uint32_t seq, uint32_t len);
/* Does the segment [seq, seq+len) (+FIN, +URG) carry DTH? May clear *fin
 * (no piggybacking, half-zombie). */
bool tcp_dth_segment(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t seq, uint32_t len, bool *fin, bool urg);
/* A pure ACK with ack number ack is being built: does it carry DTH? */
bool tcp_dth_bare_ack(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t ack);
/* SYN or SYN,ACK: DTH only with TEASE and HK_TCP_DTH. */
bool tcp_dth_syn(struct hk_stack *s, struct hk_tcp_conn *c);
/* A segment with DTH was handed to IP. */
void tcp_dth_sent(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, uint32_t len);
/* SND.UNA moved: forget marks below it. */
void tcp_dth_acked(struct hk_tcp_conn *c);
/* Our FIN waits (half-zombie). */
bool tcp_dth_fin_held(const struct hk_tcp_conn *c);
/* Range-set helpers (shared with tcp_dth_rx.c). */
bool tcp_dth_range_covers(const struct hk_tcp_dth_range *r, unsigned n, uint32_t seq, uint32_t len);
/* Adds [start, end); when full, merges the two closest neighbours. Returns
 * false when a merge widened a range. */
bool tcp_dth_range_add(struct hk_tcp_dth_range *r, uint8_t *n, unsigned max, uint32_t start, uint32_t end);

/* tcp_dth_rx.c: receive side */
/* hk_tcp_input, every parsed segment: global counters, log. */
void tcp_dth_input(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h);
/* tcp_segment_arrives, a connection was found. */
void tcp_dth_arrive(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_ip_rx *ip,
		    const struct hk_tcp_hdr *h);
/* An acceptable segment (after the ACK checks, before its text). */
void tcp_dth_rx(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h);
/* The peer's FIN was consumed. */
void tcp_dth_fin_in(struct hk_stack *s, struct hk_tcp_conn *c);
/* The half-zombie timer. */
void tcp_dth_zombie_fire(struct hk_stack *s, struct hk_timer *t);
/* RECEIVE: out-flags for the bytes [start, end) being returned (end ==
 * start: nothing returned); forgets what was read unless peek. */
int tcp_dth_recv_flags(struct hk_tcp_conn *c, uint32_t start, uint32_t end, bool peek);
/* hk_poll */
short tcp_dth_poll(const struct hk_tcp_conn *c);
void tcp_dth_event_push(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_dth_event *ev);

/* src/api/sockopt_dth.c */
bool tcp_dth_is_opt(int opt);
int tcp_dth_setsockopt(struct hk_stack *s, struct hk_tcp_conn *c, int opt, const void *val, size_t len);
int tcp_dth_getsockopt(struct hk_stack *s, struct hk_tcp_conn *c, int opt, void *val, size_t *len);
/* The stack matcher, built on first use. */
const struct hk_dth_matcher *tcp_dth_matcher(struct hk_stack *s);

#endif

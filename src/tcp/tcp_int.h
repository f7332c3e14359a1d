/* hokuto tcp — the inside of TCP, shared by its files: the connection
 * record (TCB, RFC 9293 3.3.1), the per-stack table, and the functions the
 * files call on each other. Nothing outside src/tcp and src/api uses this. */
#ifndef HOKUTO_TCP_INT_H
#define HOKUTO_TCP_INT_H

#include "hokuto/socket.h"
#include "hokuto/wire/tcp.h"
#include "net/ipv4.h"
#include "tcp/tcp.h"
#include "tcp/tcp_asm.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_dth.h"
#include "tcp/tcp_isn.h"
#include "tcp/tcp_ring.h"
#include "tcp/tcp_rtt.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

#define HK_TCP_DEFAULT_MSS 536          /* RFC 9293 MUST-15 (IPv4) */
#define HK_TCP_MIN_MSS 64               /* smallest send MSS we honour */
#define HK_TCP_MAX_WSCALE 14            /* RFC 7323 2.3 */
#define HK_TCP_CHALLENGE_PER_SEC 10     /* RFC 5961 7: challenge ACKs per connection per second */
#define HK_TCP_MAX_BACKLOG 4096
#define HK_TCP_KEEPIDLE_DEFAULT HK_SEC(7200) /* RFC 9293 MUST-28: at least two hours */
#define HK_TCP_KEEPINTVL_DEFAULT HK_SEC(75)
#define HK_TCP_KEEPCNT_DEFAULT 9
#define HK_TCP_R1 3                     /* RFC 9293 SHLD-10: R1 = 3 retransmissions */
#define HK_TCP_PAWS_IDLE HK_SEC(24u * 24 * 3600) /* RFC 7323 5.5: 24 days */
#define HK_TCP_LISTEN_BUCKETS 64

/* conn->flags */
enum {
	TF_ACK_NOW = 1u << 0,       /* send an ACK at the next output */
	TF_PASSIVE = 1u << 1,       /* came from a passive OPEN (MUST-11) */
	TF_FIN_QUEUED = 1u << 2,    /* CLOSE/shutdown(WR): FIN after the queued data */
	TF_FIN_SENT = 1u << 3,      /* our FIN has been sent at least once */
	TF_FIN_ACKED = 1u << 4,
	TF_RCVD_FIN = 1u << 5,      /* the peer's FIN is consumed (rcv_nxt is past it) */
	TF_OOO_FIN = 1u << 6,       /* a FIN arrived beyond rcv_nxt; its seq is ooo_fin_seq */
	TF_NODELAY = 1u << 7,
	TF_KEEPALIVE = 1u << 8,
	TF_WS_OK = 1u << 9,         /* window scaling agreed (RFC 7323) */
	TF_TS_OK = 1u << 10,        /* timestamps agreed */
	TF_SACK_OK = 1u << 11,      /* SACK permitted both ways (RFC 2018) */
	TF_RECOVERY = 1u << 12,     /* in fast recovery */
	TF_PERSIST = 1u << 13,      /* the retransmit timer is the persist timer */
	TF_RD_SHUT = 1u << 14,      /* shutdown(RD): incoming data discarded */
	TF_USER_CLOSED = 1u << 15,  /* the application closed its handle (orphan) */
	TF_IN_ACCEPTQ = 1u << 16,
	TF_BOUND = 1u << 17,        /* local address/port chosen by bind() */
	TF_COOKIE = 1u << 18,       /* created from a SYN cookie */
	TF_ZOMBIE = 1u << 19,       /* on the free list */
	TF_DTH_ACK = 1u << 20,      /* send one pure ACK with DTH */
	TF_RTT_TIMING = 1u << 21,   /* rtt_seq is being timed (no timestamps) */
	TF_WAS_CONNECTED = 1u << 22,
	TF_RCV_DTH = 1u << 23,      /* a pure ACK with DTH arrived since the last read */
	TF_RCV_PSH = 1u << 24,
	TF_URG_VALID = 1u << 25,    /* rcv_up holds an urgent pointer */
	TF_SND_URG = 1u << 26,      /* snd_up holds an urgent pointer */
	TF_FORCE = 1u << 27,        /* next output sends one segment regardless of windows */
	TF_TLP_ARMED = 1u << 28,    /* the retransmit timer is a tail loss probe (RFC 8985 7) */
	TF_TLP_DONE = 1u << 29,     /* a probe went out; none again until SND.UNA moves */
	TF_NO_TLP = 1u << 30,       /* HK_TCP_TLP off */
};

/* conn->ecn (RFC 3168) */
enum {
	ECN_OK = 1u << 0,           /* negotiated in the handshake */
	ECN_ECE = 1u << 1,          /* CE seen: our ACKs carry ECE until a CWR arrives */
	ECN_CWR = 1u << 2,          /* we reduced the window: the next data segment carries CWR */
};
#define HK_TCP_ECN_OFF 0
#define HK_TCP_ECN_ON 1             /* request in our SYN and accept */
#define HK_TCP_ECN_PASSIVE 2        /* accept when the peer asks (default, as Linux) */

struct hk_tcp_conn {
	struct hk_stack *s;
	/* table linkage */
	struct hk_tcp_conn *hnext;         /* 4-tuple bucket, or listener bucket */
	struct hk_tcp_conn *all_prev, *all_next;
	struct hk_tcp_conn *pend_next;     /* output pending list */
	bool pending, hashed;
	struct hk_tcp_conn *zombie_next;

	/* listener relations */
	struct hk_tcp_conn *parent;        /* listener this half-open/unaccepted conn came from */
	struct hk_tcp_conn *acc_next;      /* accept queue (on the listener) */
	struct hk_tcp_conn *acc_head, *acc_tail; /* listener: established, not yet accepted */
	uint32_t acc_len, backlog, syn_count;
	hk_time_t cookie_time;             /* listener: last SYN cookie sent */

	int fd;                            /* socket handle, -1 when none */
	int state;                         /* enum hk_tcp_state */
	uint32_t flags;
	int err;                           /* pending hard error (positive errno) for the app */
	int err_final;                     /* the error that ended the connection (sticky) */
	int soft_err;                      /* last soft ICMP error (positive errno) */

	hk_ip4_t laddr, raddr;
	uint16_t lport, rport;

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, snd_up;
	uint32_t max_snd_wnd;
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, rcv_up;
	uint32_t ooo_fin_seq;
	uint32_t rcv_read_seq;             /* seq of the next byte the app reads */
	uint32_t rcv_psh_seq;              /* a PSH segment ended before this seq */

	/* options */
	uint16_t peer_mss;                 /* MSS option received (536 when none) */
	uint16_t adv_mss;                  /* MSS option we sent */
	uint32_t eff_mss;                  /* effective send MSS without per-segment options (MUST-16) */
	uint32_t rcv_mss;                  /* estimate of the peer's segment size (delayed ACKs) */
	uint8_t snd_wscale, rcv_wscale;
	uint32_t ts_recent, ts_off;
	hk_time_t ts_recent_time;
	uint32_t last_ack_sent;

	/* buffers */
	struct hk_ring sndbuf, rcvbuf;
	uint32_t sndbuf_size, rcvbuf_size;
	struct hk_asm asmb;

	/* timers */
	struct hk_timer t_rexmt;           /* SYN/data/FIN retransmission, or persist */
	struct hk_timer t_delack;
	struct hk_timer t_keep;
	struct hk_timer t_state;           /* TIME-WAIT 2*MSL, orphan FIN-WAIT-2 */
	struct hk_rtt rtt;
	uint32_t rtt_seq;
	hk_time_t rtt_start;
	uint32_t retries;                  /* consecutive timeouts of the current segment */
	hk_time_t open_time;               /* first SYN sent or received */
	uint32_t max_retries;              /* R2 for data (0: stack default) */
	uint32_t max_syn_retries;          /* R2 for SYN (0: stack default) */
	uint32_t rcv_unacked;              /* bytes received since our last ACK */
	hk_time_t last_rx;                 /* for keep-alives */
	hk_time_t last_tx;                 /* last new data sent (RFC 5681 4.1) */
	uint32_t keep_probes;
	hk_time_t keep_idle, keep_intvl;
	uint32_t keep_cnt;
	hk_time_t chal_time;               /* RFC 5961 7 rate limit window start */
	uint32_t chal_count;

	/* congestion control and loss recovery */
	struct hk_tcp_cc cc;
	uint32_t dupacks;
	uint32_t recover;                  /* RFC 6582 / RFC 6675 RecoveryPoint */
	uint32_t high_rxt;                 /* RFC 6675 HighRxt */
	struct hk_sack_board sack;

	uint8_t ttl, tos;
	uint8_t ecn, ecn_mode;             /* ECN_* state, HK_TCP_ECN_* policy */
	uint32_t ecn_recover;              /* one window reduction per window */

	/* statistics for hk_tcp_info */
	uint64_t total_retrans, bytes_sent, bytes_acked, bytes_received;

	struct hk_tcp_dth_conn dth;        /* RFC 9401 (tcp_dth.h) */
};

struct hk_tcp_state {
	struct hk_tcp_conn **hash;         /* 4-tuple buckets */
	uint32_t hash_mask;
	struct hk_tcp_conn *listeners[HK_TCP_LISTEN_BUCKETS];
	struct hk_tcp_conn *all;           /* every connection record */
	struct hk_tcp_conn *pend_head;
	struct hk_tcp_conn *zombies;
	uint32_t n_conns, n_hashed;
	uint64_t mem_used;
	uint32_t eph_counter;
	const struct hk_tcp_cc_ops *default_cc;
	/* socket handles */
	struct hk_tcp_conn **fds;
	int n_fds;
	uint8_t rx_tos;                    /* TOS byte of the segment being processed */
	struct hk_tcp_dth_stack dth;       /* RFC 9401 (tcp_dth.h) */
};

static inline struct hk_tcp_state *tcp_st(const struct hk_stack *s) { return s->tcp; }
static inline bool tcp_has(const struct hk_tcp_conn *c, uint32_t f) { return (c->flags & f) != 0; }
static inline bool tcp_synchronized(int st)
{
	return st >= HK_TCP_ESTABLISHED;
}
/* Sequence number just past the last queued data byte (where our FIN
 * goes; once the FIN is acknowledged SND.UNA is one past it). */
static inline uint32_t tcp_data_end(const struct hk_tcp_conn *c)
{
	return c->snd_una + hk_ring_len(&c->sndbuf) - ((c->flags & TF_FIN_ACKED) ? 1u : 0u);
}
static inline uint32_t tcp_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t tcp_max(uint32_t a, uint32_t b) { return a > b ? a : b; }
/* Timestamp clock: milliseconds (RFC 7323 5.4 wants 1 ms .. 1 s per tick). */
static inline uint32_t tcp_ts_now(const struct hk_tcp_conn *c)
{
	return (uint32_t)(c->s->now / 1000u) + c->ts_off;
}

/* tcp_conn.c: records, table, memory */
struct hk_tcp_conn *tcp_conn_new(struct hk_stack *s);
struct hk_tcp_conn *tcp_conn_lookup(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport,
				    hk_ip4_t raddr, uint16_t rport);
struct hk_tcp_conn *tcp_listener_lookup(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport);
int tcp_conn_hash(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_conn_unhash(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_listener_add(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_listener_remove(struct hk_stack *s, struct hk_tcp_conn *c);
/* Allocates ring storage within the global memory limit. 0 or -ENOBUFS. */
int tcp_conn_buffers(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_ring_free(struct hk_stack *s, struct hk_ring *r);
/* Connection ended: state CLOSED, timers off, unhashed; err (positive
 * errno, 0 for a normal end) is kept for the application. Frees the record
 * later when no handle refers to it. */
void tcp_conn_closed(struct hk_stack *s, struct hk_tcp_conn *c, int err);
/* Frees the record if it is CLOSED and unreferenced (deferred to flush). */
void tcp_conn_maybe_free(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_conn_free_zombies(struct hk_stack *s);
void tcp_conn_destroy(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_set_state(struct hk_stack *s, struct hk_tcp_conn *c, int state);
void tcp_mark_pending(struct hk_stack *s, struct hk_tcp_conn *c);
bool tcp_port_in_use(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport, hk_ip4_t raddr, uint16_t rport);
/* Sets eff_mss from the peer's MSS and the path MTU (RFC 9293 3.7.1 MUST-16). */
void tcp_update_mss(struct hk_stack *s, struct hk_tcp_conn *c);
uint16_t tcp_adv_mss(struct hk_stack *s, hk_ip4_t raddr);
/* Picks ISS and the timestamp offset for a new connection (RFC 6528). */
void tcp_conn_init_seq(struct hk_stack *s, struct hk_tcp_conn *c);
/* Initialises congestion control once the connection is synchronized. */
void tcp_conn_established(struct hk_stack *s, struct hk_tcp_conn *c);
/* Takes the options of a received SYN (MSS, WS, SACK-permitted, TS). */
void tcp_syn_options(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, bool passive);
uint8_t tcp_choose_wscale(uint32_t buf);

/* tcp_output.c */
void tcp_output(struct hk_stack *s, struct hk_tcp_conn *c);
int tcp_send_syn(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_send_ack(struct hk_stack *s, struct hk_tcp_conn *c);
/* Sends a segment of the send queue starting at seq (retransmission or
 * new data) with at most maxlen bytes; returns the sequence space used. */
uint32_t tcp_send_seq(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t seq, uint32_t maxlen,
		      bool new_data);
/* RST for the connection (<SEQ=SND.NXT><CTL=RST>). */
void tcp_send_rst_conn(struct hk_stack *s, struct hk_tcp_conn *c);
/* RST in answer to seg, with no connection (RFC 9293 3.10.7.1). */
void tcp_send_rst_reply(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h);
/* A bare control segment with explicit fields (keep-alive, cookie SYN-ACK). */
int tcp_send_ctl(struct hk_stack *s, hk_ip4_t src, hk_ip4_t dst, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
		 const struct hk_tcp_opts *opts, uint8_t ttl, uint8_t tos);
/* RFC 5961 challenge ACK, rate limited per connection. */
void tcp_challenge_ack(struct hk_stack *s, struct hk_tcp_conn *c);
/* Receive window to advertise now, unscaled, with receiver SWS avoidance. */
uint32_t tcp_rcv_window(struct hk_tcp_conn *c);
uint32_t tcp_rcv_space(const struct hk_tcp_conn *c);
/* After the application read: send a window update if it opened enough (MUST-39). */
void tcp_window_update(struct hk_stack *s, struct hk_tcp_conn *c);

/* tcp_timer.c */
void tcp_timers_init(struct hk_tcp_conn *c);
void tcp_timers_cancel(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_rexmt_arm(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_rexmt_restart(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_rexmt_stop(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_persist_arm(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_delack_schedule(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_keepalive_reset(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_timewait_start(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_finwait2_timer(struct hk_stack *s, struct hk_tcp_conn *c);
uint32_t tcp_data_r2(const struct hk_stack *s, const struct hk_tcp_conn *c);

/* tcp_input.c */
void tcp_segment_arrives(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_tcp_hdr *h);

/* tcp_ack.c: ACK processing, RTT samples, loss recovery (RFC 5681/6582/6675) */
/* Fifth step for an ACK that is within SND.UNA .. SND.MAX; returns bytes newly
 * acknowledged (SYN/FIN included). */
uint32_t tcp_ack_process(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h,
			 uint32_t seg_len);
/* Sends what RFC 6675 allows while in SACK recovery. */
void tcp_sack_output(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_enter_rto(struct hk_stack *s, struct hk_tcp_conn *c);
uint32_t tcp_flight(const struct hk_tcp_conn *c);

/* tcp_listen.c */
/* iss_floor: when a SYN reuses a TIME-WAIT 4-tuple, the new ISS must be
 * above it (RFC 9293 3.6.1); NULL otherwise. */
void tcp_listen_input(struct hk_stack *s, struct hk_tcp_conn *l, const struct hk_ip_rx *ip,
		      const struct hk_tcp_hdr *h, const uint32_t *iss_floor);
/* A child finished its handshake: move it to the listener's accept queue. */
void tcp_child_established(struct hk_stack *s, struct hk_tcp_conn *c);
/* Detaches c from its listener (half-open count or accept queue). */
void tcp_child_detach(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_listener_close(struct hk_stack *s, struct hk_tcp_conn *l);
/* RFC 9293 3.10.7.1: segment to a CLOSED port. */
void tcp_closed_input(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h);

/* tcp_user.c: the user calls of RFC 9293 3.9.1 on a connection record */
int tcp_user_connect(struct hk_stack *s, struct hk_tcp_conn *c, hk_ip4_t raddr, uint16_t rport);
int tcp_user_listen(struct hk_stack *s, struct hk_tcp_conn *c, int backlog);
ssize_t tcp_user_send(struct hk_stack *s, struct hk_tcp_conn *c, const void *buf, size_t len, int flags);
ssize_t tcp_user_recv(struct hk_stack *s, struct hk_tcp_conn *c, void *buf, size_t len, int flags,
		      int *out_flags);
int tcp_user_shutdown(struct hk_stack *s, struct hk_tcp_conn *c, int how);
void tcp_user_close(struct hk_stack *s, struct hk_tcp_conn *c);
void tcp_user_abort(struct hk_stack *s, struct hk_tcp_conn *c);
int tcp_user_set_cc(struct hk_stack *s, struct hk_tcp_conn *c, const char *name);
void tcp_user_info(const struct hk_tcp_conn *c, struct hk_tcp_info *info);
bool tcp_addr_is_special(const struct hk_stack *s, hk_ip4_t a);

#endif

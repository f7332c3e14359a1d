/* hokuto — the socket API: BSD-sockets-shaped, non-blocking, handles are
 * small ints, errors are negative errno values.
 *
 *   int fd = hk_socket(s, HK_SOCK_STREAM);
 *   struct hk_sockaddr peer = { HK_IP4(192, 0, 2, 2), 80 };
 *   hk_connect(s, fd, &peer);              // -EINPROGRESS
 *   ... hk_stack_poll(s, now) until hk_poll() says HK_POLLOUT (or HK_POLLERR)
 *   hk_send(s, fd, "hi", 2, 0);            // bytes queued, or -EAGAIN
 *   hk_recv(s, fd, buf, sizeof(buf), 0);   // bytes, 0 at the peer's FIN,
 *                                          // -EAGAIN, -ECONNRESET, -ETIMEDOUT
 *   hk_close(s, fd);
 *
 * Nothing here blocks except the *_wait helpers at the end, which drive the
 * stack on the real clock themselves (for simple programs). Addresses and
 * ports are in host byte order. */
#ifndef HOKUTO_SOCKET_H
#define HOKUTO_SOCKET_H

#include <sys/types.h>

#include "hokuto/types.h"

struct hk_stack;

#define HK_SOCK_STREAM 1

struct hk_sockaddr {
	hk_ip4_t addr;
	uint16_t port;
};

/* send flags */
#define HK_MSG_OOB 0x01      /* urgent data: the urgent pointer ends after these bytes (RFC 9293 3.8.5) */
#define HK_MSG_DTH 0x02      /* RFC 9401: segments carrying these bytes get the Death flag;
			      * with len 0 one pure ACK carries it */
#define HK_MSG_PEEK 0x04     /* recv: do not consume */
/* recv out-flags (hk_recv_ex) */
#define HK_MSG_DTH_SEEN 0x100  /* the peer sent the Death flag on these bytes (or a pure ACK
				* with it arrived since the last read) */
#define HK_MSG_URG 0x200       /* some of these bytes are urgent data (before the urgent pointer) */
#define HK_MSG_PSH 0x400       /* the peer pushed: a PSH segment ended within these bytes */

#define HK_SHUT_RD 0
#define HK_SHUT_WR 1
#define HK_SHUT_RDWR 2

/* Socket options (hk_setsockopt / hk_getsockopt). Integer options take an int.
 * 0x0900..0x09ff are the RFC 9401 options of hokuto/dth_socket.h. */
enum hk_sockopt {
	HK_TCP_NODELAY = 1,       /* int: disable Nagle (RFC 9293 MUST-17) */
	HK_SO_KEEPALIVE,          /* int: keep-alives on/off (default off, MUST-24/25) */
	HK_TCP_KEEPIDLE,          /* int seconds of idleness before the first probe (default 7200) */
	HK_TCP_KEEPINTVL,         /* int seconds between probes (default 75) */
	HK_TCP_KEEPCNT,           /* int unanswered probes before the connection is dropped (default 9) */
	HK_SO_SNDBUF,             /* int bytes; only before the buffer is first used */
	HK_SO_RCVBUF,             /* int bytes; only before connect/listen */
	HK_TCP_CONGESTION,        /* string "newreno" / "cubic" */
	HK_SO_ERROR,              /* get only, int: the pending error (positive errno), cleared */
	HK_TCP_INFO,              /* get only, struct hk_tcp_info */
	HK_TCP_SOFT_ERROR,        /* get only, int: last soft ICMP error (positive errno), cleared
				   * (RFC 9293 MUST-47, SHLD-25) */
	HK_TCP_URG_PENDING,       /* get only, int: urgent bytes not yet read (MUST-33) */
	HK_TCP_USER_TIMEOUT,      /* int: R2 as retransmissions of data (0: stack default) (MUST-21) */
	HK_TCP_SYN_RETRIES,       /* int: R2 for SYNs (0: stack default) */
	HK_IP_TTL,                /* int 1..255 (MUST-49) */
	HK_IP_TOS,                /* int 0..255, the Diffserv/TOS byte (MUST-48) */
	HK_TCP_DTH_RECV,          /* get only, int: segments received with the Death flag */
	HK_TCP_TLP,               /* int: tail loss probes (RFC 8985 7), default on with SACK */
	HK_TCP_ECN,               /* int: ECN (RFC 3168): 0 off, 1 request and accept,
				   * 2 accept when asked (default) */
};

enum hk_tcp_state_id {
	HK_TCP_CLOSED,
	HK_TCP_LISTEN,
	HK_TCP_SYN_SENT,
	HK_TCP_SYN_RECEIVED,
	HK_TCP_ESTABLISHED,
	HK_TCP_FIN_WAIT_1,
	HK_TCP_FIN_WAIT_2,
	HK_TCP_CLOSE_WAIT,
	HK_TCP_CLOSING,
	HK_TCP_LAST_ACK,
	HK_TCP_TIME_WAIT,
};
const char *hk_tcp_state_name(int state);

struct hk_tcp_info {
	int state;                /* enum hk_tcp_state_id */
	uint32_t snd_mss, rcv_mss;
	uint32_t rtt_us, rttvar_us, rto_us;
	uint32_t cwnd, ssthresh;  /* bytes */
	uint32_t snd_wnd, rcv_wnd;
	uint32_t unacked;         /* bytes in flight */
	uint32_t retransmits;     /* consecutive retransmissions of the current segment */
	uint64_t total_retrans;   /* segments retransmitted over the connection */
	uint64_t bytes_sent, bytes_acked, bytes_received;
	uint8_t snd_wscale, rcv_wscale;
	bool ts_ok, sack_ok, in_recovery, ecn_ok;
	char cc[16];
};

#define HK_POLLIN 0x001
#define HK_POLLPRI 0x002     /* urgent data pending (MUST-32) */
#define HK_POLLOUT 0x004
#define HK_POLLERR 0x008
#define HK_POLLHUP 0x010
#define HK_POLLNVAL 0x020
#define HK_POLLRDHUP 0x2000
/* 0x1000 is HK_POLLDTH (hokuto/dth_socket.h, RFC 9401 events) */

struct hk_pollfd {
	int fd;
	short events;
	short revents;
};

int hk_socket(struct hk_stack *s, int type);
int hk_bind(struct hk_stack *s, int fd, const struct hk_sockaddr *addr);
int hk_listen(struct hk_stack *s, int fd, int backlog);
/* A new handle for a completed connection, or -EAGAIN. */
int hk_accept(struct hk_stack *s, int fd, struct hk_sockaddr *peer);
/* -EINPROGRESS; the result comes through hk_poll (HK_POLLOUT or HK_POLLERR)
 * and hk_getsockopt(HK_SO_ERROR). */
int hk_connect(struct hk_stack *s, int fd, const struct hk_sockaddr *addr);
/* After hk_connect returned -EINPROGRESS: 0 once the connection is
 * established (or already past it), -EINPROGRESS while the handshake runs,
 * -errno when it failed (-ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH ...). */
int hk_connect_status(struct hk_stack *s, int fd);
ssize_t hk_send(struct hk_stack *s, int fd, const void *buf, size_t len, int flags);
ssize_t hk_recv(struct hk_stack *s, int fd, void *buf, size_t len, int flags);
/* hk_recv that also reports HK_MSG_DTH_SEEN / HK_MSG_URG / HK_MSG_PSH in *out_flags. */
ssize_t hk_recv_ex(struct hk_stack *s, int fd, void *buf, size_t len, int flags, int *out_flags);
int hk_shutdown(struct hk_stack *s, int fd, int how);
/* Graceful close (FIN after the queued data; RST when unread data would be
 * lost, RFC 9293 SHLD-3). The handle is gone; the connection finishes on its own. */
int hk_close(struct hk_stack *s, int fd);
/* Abortive close: RST, queued data discarded, handle released. */
int hk_abort(struct hk_stack *s, int fd);
int hk_setsockopt(struct hk_stack *s, int fd, int opt, const void *val, size_t len);
/* *len: size of val in, bytes written out. */
int hk_getsockopt(struct hk_stack *s, int fd, int opt, void *val, size_t *len);
int hk_getpeername(struct hk_stack *s, int fd, struct hk_sockaddr *addr);
int hk_getsockname(struct hk_stack *s, int fd, struct hk_sockaddr *addr);
/* Readiness now, never blocks; returns how many entries have revents != 0. */
int hk_poll(struct hk_stack *s, struct hk_pollfd *fds, int n);

/* Blocking helpers for simple programs: they drive the stack on the real
 * clock (hk_stack_poll / hk_stack_wait / hk_clock_now) until the operation
 * completes or `timeout` microseconds pass (HK_TIME_NEVER: no limit).
 * They return -ETIMEDOUT on timeout and -EINTR when interrupted. */
int hk_connect_wait(struct hk_stack *s, int fd, const struct hk_sockaddr *addr, hk_time_t timeout);
int hk_accept_wait(struct hk_stack *s, int fd, struct hk_sockaddr *peer, hk_time_t timeout);
/* Sends everything (or fails); returns len or -errno. */
ssize_t hk_send_all(struct hk_stack *s, int fd, const void *buf, size_t len, hk_time_t timeout);
/* Waits until at least one byte (or EOF / an error) is there. */
ssize_t hk_recv_wait(struct hk_stack *s, int fd, void *buf, size_t len, hk_time_t timeout);
/* Waits until any of fds is ready (or timeout); returns like hk_poll. */
int hk_poll_wait(struct hk_stack *s, struct hk_pollfd *fds, int n, hk_time_t timeout);

#endif

/* TCP opening: CLOSED and LISTEN (RFC 9293 3.10.7.1-2), SYN-SENT
 * (3.10.7.3), SYN-RECEIVED, simultaneous open, options in the handshake,
 * SYN retransmission, backlog and SYN cookies, address validation. */
#include <errno.h>

#include "tcptest.h"

/* 3.10.7.1: a segment to a closed port gets a RST (never a RST for a RST). */
static void closed_port_resets(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 81;
	struct tt_seg g;
	/* no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
	tt_send(&t, &(struct tt_seg){ .seq = 1000, .flags = F_SYN });
	tt_expect(&t, &g, F_RST | F_ACK, 0, 1001);
	assert_int_equal(g.sport, 81);
	assert_int_equal(g.dport, PEER_PORT);
	uint8_t data[10] = { 0 };
	tt_send(&t, &(struct tt_seg){ .seq = 5000, .flags = F_PSH, .data = data, .len = 10 });
	tt_expect(&t, NULL, F_RST | F_ACK, 0, 5010);
	/* ACK: <SEQ=SEG.ACK><CTL=RST> */
	tt_send(&t, &(struct tt_seg){ .seq = 1, .ack = 777, .flags = F_ACK });
	tt_expect(&t, &g, F_RST, 777, 0);
	/* a RST is never answered */
	tt_send(&t, &(struct tt_seg){ .seq = 1, .ack = 777, .flags = F_RST | F_ACK });
	tt_expect_none(&t);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_no_conn), 4);
	tt_fini(&t);
}

/* Passive open with every option (MUST-14, RFC 7323, RFC 2018). */
static void passive_open_options(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct tt_seg sa;
	tt_passive_open(&t, 80, NULL, &sa);
	assert_true(sa.opts.has_mss);
	assert_int_equal(sa.opts.mss, 1460); /* MUST-67: MTU 1500 - 40 */
	assert_true(sa.opts.has_wscale);
	assert_int_equal(sa.opts.wscale, 3); /* 256 KiB buffer */
	assert_true(sa.opts.sack_permitted);
	assert_true(sa.opts.has_ts);
	assert_int_equal(sa.opts.ts_ecr, 1000);
	assert_int_equal(sa.window, 65535); /* the SYN window is not scaled */
	assert_true(sa.df);
	assert_int_equal(sa.ttl, 64);
	struct hk_tcp_info info;
	size_t len = sizeof(info);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_TCP_INFO, &info, &len), 0);
	assert_true(info.ts_ok && info.sack_ok);
	assert_int_equal(info.snd_wscale, 7);
	assert_int_equal(info.rcv_wscale, 3);
	assert_int_equal(info.snd_mss, 1460 - 12); /* MUST-16: less the timestamp option */
	struct hk_sockaddr a;
	assert_int_equal(hk_getsockname(t.s, t.fd, &a), 0);
	assert_int_equal(a.addr, US);
	assert_int_equal(a.port, 80);
	assert_int_equal(hk_getpeername(t.s, t.fd, &a), 0);
	assert_int_equal(a.addr, PEER);
	assert_int_equal(a.port, PEER_PORT);
	tt_fini(&t);
}

/* A SYN without options: only MSS comes back; the send MSS is 536 (MUST-15). */
static void passive_open_no_options(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts none;
	memset(&none, 0, sizeof(none));
	struct tt_seg sa;
	tt_passive_open(&t, 80, &none, &sa);
	assert_true(sa.opts.has_mss);
	assert_false(sa.opts.has_wscale);
	assert_false(sa.opts.sack_permitted);
	assert_false(sa.opts.has_ts);
	uint8_t buf[1200];
	memset(buf, 'x', sizeof(buf));
	hk_setsockopt(t.s, t.fd, HK_TCP_NODELAY, &(int){ 1 }, sizeof(int));
	assert_int_equal(hk_send(t.s, t.fd, buf, sizeof(buf), 0), 1200);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 536);
	assert_false(g.opts.has_mss); /* MUST-65 */
	tt_expect(&t, &g, F_ACK, t.rcv + 536, t.snd);
	assert_int_equal(g.len, 536);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 1072, t.snd); /* MUST-61: PSH on the last */
	assert_int_equal(g.len, 128);
	tt_fini(&t);
}

/* MUST-64: options at any alignment; MUST-6: unknown ones skipped. */
static void unaligned_and_unknown_options(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 }), 0);
	assert_int_equal(hk_listen(t.s, t.lfd, 4), 0);
	/* NOP, unknown kind 99 len 3, MSS 1000 (odd offset), EOL, pad */
	static const uint8_t raw[] = { 1, 99, 3, 0xaa, 2, 4, 0x03, 0xe8, 0, 0, 0, 0 };
	tt_send(&t, &(struct tt_seg){ .seq = 500, .flags = F_SYN, .raw_opts = raw, .raw_opts_len = sizeof(raw) });
	struct tt_seg sa;
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 501);
	tt_send(&t, &(struct tt_seg){ .seq = 501, .ack = sa.seq + 1, .flags = F_ACK });
	int fd = hk_accept(t.s, t.lfd, NULL);
	assert_true(fd >= 0);
	assert_int_equal(tt_conn(&t, fd)->peer_mss, 1000);
	assert_int_equal(tt_conn(&t, fd)->eff_mss, 1000);
	tt_fini(&t);
}

/* MUST-7: an illegal option length gets the segment dropped. */
static void illegal_option_length_dropped(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 }), 0);
	assert_int_equal(hk_listen(t.s, t.lfd, 4), 0);
	static const uint8_t raw[] = { 2, 0, 5, 0xb4 }; /* MSS with length 0 */
	tt_send(&t, &(struct tt_seg){ .seq = 500, .flags = F_SYN, .raw_opts = raw, .raw_opts_len = sizeof(raw) });
	tt_expect_none(&t);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_bad_options), 1);
	tt_fini(&t);
}

/* Active open: our SYN offers every option; the SYN,ACK completes it. */
static void active_open(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1400, .has_wscale = true, .wscale = 2,
				 .sack_permitted = true, .has_ts = true, .ts_val = 555 };
	struct tt_seg syn;
	/* before the SYN,ACK: not writable, send is -EAGAIN */
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT }), -EINPROGRESS);
	assert_int_equal(hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT }), -EALREADY);
	assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), -EAGAIN);
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLOUT | HK_POLLIN };
	assert_int_equal(hk_poll(t.s, &p, 1), 0);
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	assert_true(syn.opts.has_mss && syn.opts.mss == 1460);
	assert_true(syn.opts.has_wscale && syn.opts.wscale == 3);
	assert_true(syn.opts.sack_permitted);
	assert_true(syn.opts.has_ts && syn.opts.ts_ecr == 0);
	assert_true(syn.sport >= HK_EPHEMERAL_MIN); /* RFC 6056 range */
	assert_int_equal(syn.dport, PEER_PORT);
	t.port = syn.sport;
	t.iss = syn.seq;
	struct tt_seg sa = { .seq = 9000, .ack = t.iss + 1, .flags = F_SYN | F_ACK, .opts = o, .window = 1000 };
	tt_send(&t, &sa);
	tt_expect(&t, NULL, F_ACK, t.iss + 1, 9001);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	assert_int_equal(hk_poll(t.s, &p, 1), 1);
	assert_int_equal(p.revents, HK_POLLOUT);
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	assert_int_equal(c->snd_wnd, 1000); /* not scaled in the SYN,ACK */
	assert_int_equal(c->snd_wscale, 2);
	assert_int_equal(c->eff_mss, 1400 - 12);
	int err = -1;
	size_t len = sizeof(err);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_SO_ERROR, &err, &len), 0);
	assert_int_equal(err, 0);
	tt_fini(&t);
}

/* A RST,ACK to our SYN: -ECONNREFUSED through poll and SO_ERROR. */
static void connect_refused(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT }), -EINPROGRESS);
	struct tt_seg syn;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	t.port = syn.sport;
	/* a RST without ACK is not acceptable in SYN-SENT */
	tt_send(&t, &(struct tt_seg){ .seq = 0, .flags = F_RST });
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT);
	/* neither is one whose ACK does not cover our SYN; it is dropped */
	tt_send(&t, &(struct tt_seg){ .seq = 0, .ack = syn.seq, .flags = F_RST | F_ACK });
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT);
	tt_expect_none(&t);
	tt_send(&t, &(struct tt_seg){ .seq = 0, .ack = syn.seq + 1, .flags = F_RST | F_ACK });
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLOUT | HK_POLLIN };
	assert_int_equal(hk_poll(t.s, &p, 1), 1);
	assert_true(p.revents & HK_POLLERR);
	assert_true(p.revents & HK_POLLHUP);
	assert_false(p.revents & HK_POLLOUT);
	int err = 0;
	size_t len = sizeof(err);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_SO_ERROR, &err, &len), 0);
	assert_int_equal(err, ECONNREFUSED);
	char b[4];
	assert_int_equal(hk_recv(t.s, t.fd, b, 4, 0), -ECONNREFUSED);
	assert_int_equal(hk_close(t.s, t.fd), 0);
	tt_poll(&t);
	assert_int_equal(t.s->tcp->n_conns, 0);
	tt_fini(&t);
}

/* 3.10.7.3 first: an unacceptable ACK in SYN-SENT gets <SEQ=SEG.ACK><CTL=RST>. */
static void syn_sent_bad_ack(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	t.port = syn.sport;
	tt_send(&t, &(struct tt_seg){ .seq = 100, .ack = syn.seq + 5, .flags = F_SYN | F_ACK });
	tt_expect(&t, NULL, F_RST, syn.seq + 5, 0);
	tt_send(&t, &(struct tt_seg){ .seq = 100, .ack = syn.seq, .flags = F_ACK });
	tt_expect(&t, NULL, F_RST, syn.seq, 0);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT);
	/* the real SYN,ACK still works */
	tt_send(&t, &(struct tt_seg){ .seq = 100, .ack = syn.seq + 1, .flags = F_SYN | F_ACK });
	tt_expect(&t, NULL, F_ACK, syn.seq + 1, 101);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_fini(&t);
}

/* MUST-10: simultaneous open; MUST-11: SYN-RECEIVED from an active OPEN. */
static void simultaneous_open(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn, sa;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	t.port = syn.sport;
	/* the peer's own SYN crosses ours */
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1000 };
	tt_send(&t, &(struct tt_seg){ .seq = 7000, .flags = F_SYN, .opts = o });
	tt_expect(&t, &sa, F_SYN | F_ACK, syn.seq, 7001);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_RECEIVED);
	assert_false(sa.opts.has_ts); /* the peer offered none */
	/* its SYN,ACK for our SYN completes the open (RFC 9293 figure 8) */
	tt_send(&t, &(struct tt_seg){ .seq = 7000, .ack = syn.seq + 1, .flags = F_SYN | F_ACK, .opts = o });
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	assert_int_equal(tt_conn(&t, t.fd)->eff_mss, 1000);
	/* a RST now is a reset, not a refusal */
	tt_send(&t, &(struct tt_seg){ .seq = 7001, .flags = F_RST });
	char b[1];
	assert_int_equal(hk_recv(t.s, t.fd, b, 1, 0), -ECONNRESET);
	tt_fini(&t);
}

/* MUST-11: a RST in SYN-RECEIVED from a passive OPEN goes back to LISTEN. */
static void synrcvd_rst_back_to_listen(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	hk_listen(t.s, t.lfd, 4);
	struct tt_seg sa;
	tt_send(&t, &(struct tt_seg){ .seq = 100, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
	assert_int_equal(t.s->tcp->n_conns, 2);
	/* an in-window but inexact RST: challenge ACK (RFC 5961 3.2) */
	tt_send(&t, &(struct tt_seg){ .seq = 102, .flags = F_RST });
	tt_expect(&t, NULL, F_ACK, sa.seq + 1, 101);
	tt_send(&t, &(struct tt_seg){ .seq = 101, .flags = F_RST });
	tt_expect_none(&t);
	tt_poll(&t);
	assert_int_equal(t.s->tcp->n_conns, 1); /* only the listener */
	assert_int_equal(hk_accept(t.s, t.lfd, NULL), -EAGAIN);
	/* and the listener still answers */
	tt_send(&t, &(struct tt_seg){ .seq = 300, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 301);
	tt_fini(&t);
}

/* SYN-RECEIVED: an ACK that does not acknowledge our SYN gets a RST;
 * a retransmitted SYN gets the SYN,ACK again; the SYN,ACK is retransmitted. */
static void synrcvd_rules(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	hk_listen(t.s, t.lfd, 4);
	struct tt_seg sa, g;
	tt_send(&t, &(struct tt_seg){ .seq = 100, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
	tt_send(&t, &(struct tt_seg){ .seq = 101, .ack = sa.seq + 7, .flags = F_ACK });
	tt_expect(&t, NULL, F_RST, sa.seq + 7, 0);
	tt_send(&t, &(struct tt_seg){ .seq = 100, .flags = F_SYN });
	tt_expect(&t, &g, F_SYN | F_ACK, sa.seq, 101);
	/* RTO: 1 s, then 2 s more */
	hk_time_t t0 = t.now;
	tt_advance(&t, HK_SEC(4));
	tt_expect(&t, &g, F_SYN | F_ACK, sa.seq, 101);
	assert_int_equal(g.at - t0, HK_SEC(1));
	tt_expect(&t, &g, F_SYN | F_ACK, sa.seq, 101);
	assert_int_equal(g.at - t0, HK_SEC(3));
	tt_send(&t, &(struct tt_seg){ .seq = 101, .ack = sa.seq + 1, .flags = F_ACK });
	assert_true(hk_accept(t.s, t.lfd, NULL) >= 0);
	tt_fini(&t);
}

/* MUST-20/22/23: SYNs back off and give up only after R2, which for a SYN
 * is at least 3 minutes (scaled with the initial RTO). */
static void syn_retransmit_and_give_up(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg g;
	hk_time_t t0 = t.now;
	tt_expect(&t, &g, F_SYN, ANY, 0);
	uint32_t iss = g.seq;
	hk_time_t expect[] = { 1, 3, 7, 15, 31, 63, 123 };
	tt_advance(&t, HK_SEC(179));
	for (int i = 0; i < 7; i++) {
		tt_expect(&t, &g, F_SYN, iss, 0);
		assert_int_equal((g.at - t0) / HK_SEC(1), expect[i]);
	}
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT); /* still trying at 179 s */
	tt_advance(&t, HK_SEC(3));
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT);
	tt_advance(&t, HK_SEC(1)); /* 183 s: the 8th timeout gives up */
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	char b[1];
	assert_int_equal(hk_recv(t.s, t.fd, b, 1, 0), -ETIMEDOUT);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_timeout_drops), 1);
	tt_fini(&t);
}

/* MUST-21: the application sets R2 (here for SYNs). */
static void syn_retries_option(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_SYN_RETRIES, &(int){ 2 }, sizeof(int)), 0);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	tt_advance(&t, HK_SEC(8));
	assert_int_equal(tt_queued(&t), 3); /* SYN + 2 retransmissions */
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	int err = 0;
	size_t len = sizeof(err);
	hk_getsockopt(t.s, t.fd, HK_SO_ERROR, &err, &len);
	assert_int_equal(err, ETIMEDOUT);
	tt_fini(&t);
}

/* Listen backlog: a full accept queue drops further SYNs. */
static void backlog_full(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	assert_int_equal(hk_listen(t.s, t.lfd, 1), 0);
	struct tt_seg sa;
	tt_send(&t, &(struct tt_seg){ .sport = 1001, .seq = 100, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
	tt_send(&t, &(struct tt_seg){ .sport = 1001, .seq = 101, .ack = sa.seq + 1, .flags = F_ACK });
	struct hk_pollfd p = { .fd = t.lfd, .events = HK_POLLIN };
	assert_int_equal(hk_poll(t.s, &p, 1), 1);
	tt_send(&t, &(struct tt_seg){ .sport = 1002, .seq = 100, .flags = F_SYN });
	tt_expect_none(&t);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_listen_overflow), 1);
	struct hk_sockaddr peer;
	int fd = hk_accept(t.s, t.lfd, &peer);
	assert_true(fd >= 0);
	assert_int_equal(peer.port, 1001);
	tt_send(&t, &(struct tt_seg){ .sport = 1002, .seq = 100, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
	tt_fini(&t);
}

/* SYN flood: past max_syn_backlog half-open connections, SYN cookies. */
static void syn_cookies(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .max_syn_backlog = 2 });
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	hk_listen(t.s, t.lfd, 16);
	struct tt_seg sa;
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 5, .sack_permitted = true };
	for (uint16_t p = 1; p <= 2; p++) {
		tt_send(&t, &(struct tt_seg){ .sport = p, .seq = 100, .flags = F_SYN, .opts = o });
		tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
		assert_true(sa.opts.has_ts);
	}
	uint32_t before = t.s->tcp->n_conns;
	tt_send(&t, &(struct tt_seg){ .sport = 3, .seq = 100, .flags = F_SYN, .opts = o });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 101);
	assert_int_equal(t.s->tcp->n_conns, before); /* no state kept */
	assert_true(sa.opts.has_mss);
	assert_false(sa.opts.has_ts); /* the cookie carries only the MSS */
	assert_false(sa.opts.sack_permitted);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_syncookies_sent), 1);
	/* a forged ACK is refused */
	tt_send(&t, &(struct tt_seg){ .sport = 3, .seq = 101, .ack = sa.seq + 2, .flags = F_ACK });
	tt_expect(&t, NULL, F_RST, sa.seq + 2, 0);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_syncookies_failed), 1);
	/* the right one makes the connection, data included */
	tt_send(&t, &(struct tt_seg){ .sport = 3, .seq = 101, .ack = sa.seq + 1, .flags = F_ACK | F_PSH,
				     .data = (const uint8_t *)"hi", .len = 2 });
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_syncookies_ok), 1);
	struct hk_sockaddr peer;
	int fd = hk_accept(t.s, t.lfd, &peer);
	assert_true(fd >= 0);
	assert_int_equal(peer.port, 3);
	char b[4];
	assert_int_equal(hk_recv(t.s, fd, b, sizeof(b), 0), 2);
	assert_memory_equal(b, "hi", 2);
	assert_int_equal(tt_conn(&t, fd)->peer_mss, 1460);
	tt_fini(&t);
}

/* MUST-57 / MUST-63: SYNs to broadcast or from multicast are dropped. */
static void address_validation(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	hk_listen(t.s, t.lfd, 4);
	tt_send(&t, &(struct tt_seg){ .src = HK_IP4(224, 0, 0, 1), .seq = 1, .flags = F_SYN });
	tt_send(&t, &(struct tt_seg){ .src = HK_IP4(192, 0, 2, 255), .seq = 1, .flags = F_SYN });
	tt_expect_none(&t);
	assert_true(tt_stat(&t, HK_STAT_tcp_rx_bad_addr) + tt_stat(&t, HK_STAT_ip_rx_bad_source) >= 2);
	/* MUST-46: no OPEN to a broadcast or multicast address */
	int fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_connect(t.s, fd, &(struct hk_sockaddr){ HK_IP4(255, 255, 255, 255), 80 }), -EINVAL);
	assert_int_equal(hk_connect(t.s, fd, &(struct hk_sockaddr){ HK_IP4(192, 0, 2, 255), 80 }), -EINVAL);
	assert_int_equal(hk_connect(t.s, fd, &(struct hk_sockaddr){ HK_IP4(239, 1, 2, 3), 80 }), -EINVAL);
	/* MUST-43: a local address that is not ours is refused */
	assert_int_equal(hk_bind(t.s, fd, &(struct hk_sockaddr){ HK_IP4(192, 0, 2, 9), 0 }), -EADDRNOTAVAIL);
	/* and a port held by a listener */
	assert_int_equal(hk_bind(t.s, fd, &(struct hk_sockaddr){ 0, 80 }), -EADDRINUSE);
	tt_fini(&t);
}

/* MUST-42: LISTEN on a port while a connection from it is in SYN-SENT;
 * MUST-41: the passive OPEN leaves that connection alone. */
static void listen_while_connecting(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	int c = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_bind(t.s, c, &(struct hk_sockaddr){ US, 3333 }), 0);
	hk_connect(t.s, c, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn, sa;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	assert_int_equal(syn.sport, 3333);
	t.port = 3333;
	int l = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_bind(t.s, l, &(struct hk_sockaddr){ 0, 3333 }), 0);
	assert_int_equal(hk_listen(t.s, l, 4), 0);
	/* two unused sockets may not share a port */
	int x = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_bind(t.s, x, &(struct hk_sockaddr){ 0, 3333 }), -EADDRINUSE);
	/* another peer reaches the listener */
	tt_send(&t, &(struct tt_seg){ .sport = 40001, .seq = 50, .flags = F_SYN });
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 51);
	assert_int_equal(sa.dport, 40001);
	assert_int_equal(tt_state(&t, c), HK_TCP_SYN_SENT);
	/* and the connecting one completes */
	tt_send(&t, &(struct tt_seg){ .seq = 900, .ack = syn.seq + 1, .flags = F_SYN | F_ACK });
	tt_expect(&t, NULL, F_ACK, syn.seq + 1, 901);
	assert_int_equal(tt_state(&t, c), HK_TCP_ESTABLISHED);
	tt_fini(&t);
}

/* MAY-2: a new SYN with a higher sequence number ends TIME-WAIT. */
static void timewait_accepts_new_syn(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts none;
	memset(&none, 0, sizeof(none));
	tt_passive_open(&t, 80, &none, NULL);
	/* we close first: FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT */
	hk_shutdown(t.s, t.fd, HK_SHUT_WR);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv, t.snd);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	tt_peer_data(&t, NULL, 0, F_FIN);
	tt_expect(&t, NULL, F_ACK, t.rcv + 1, t.snd);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_TIME_WAIT);
	hk_close(t.s, t.fd);
	/* an old duplicate SYN does not */
	tt_send(&t, &(struct tt_seg){ .seq = t.irs, .flags = F_SYN });
	struct tt_seg g;
	assert_true(tt_recv(&t, &g));
	assert_int_equal(g.flags, F_ACK); /* unacceptable: ACK */
	tt_send(&t, &(struct tt_seg){ .seq = t.snd + 100000, .flags = F_SYN });
	tt_expect(&t, &g, F_SYN | F_ACK, ANY, t.snd + 100001);
	assert_true(hk_seq_gt(g.seq, t.rcv + 1)); /* the new ISS is above the old sequence space */
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_timewait_reuse), 1);
	tt_fini(&t);
}

/* SHLD-4 (RFC 6191): with timestamps, a newer TSval lets a SYN end
 * TIME-WAIT even when its sequence number is not above the old one. */
static void timewait_reuse_by_timestamp(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL); /* timestamps on, peer TSval 1000/1001 */
	hk_shutdown(t.s, t.fd, HK_SHUT_WR);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv, t.snd);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	tt_peer_data(&t, NULL, 0, F_FIN);
	tt_drain(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_TIME_WAIT);
	hk_close(t.s, t.fd);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1460, .has_ts = true, .ts_val = 5 };
	tt_send(&t, &(struct tt_seg){ .seq = t.irs - 5000, .flags = F_SYN, .opts = o }); /* old TSval */
	struct tt_seg g;
	assert_true(tt_recv(&t, &g));
	assert_int_equal(g.flags, F_ACK);
	o.ts_val = 900000;
	tt_send(&t, &(struct tt_seg){ .seq = t.irs - 5000, .flags = F_SYN, .opts = o });
	tt_expect(&t, &g, F_SYN | F_ACK, ANY, t.irs - 4999);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_timewait_reuse), 1);
	tt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_port_resets),
		cmocka_unit_test(passive_open_options),
		cmocka_unit_test(passive_open_no_options),
		cmocka_unit_test(unaligned_and_unknown_options),
		cmocka_unit_test(illegal_option_length_dropped),
		cmocka_unit_test(active_open),
		cmocka_unit_test(connect_refused),
		cmocka_unit_test(syn_sent_bad_ack),
		cmocka_unit_test(simultaneous_open),
		cmocka_unit_test(synrcvd_rst_back_to_listen),
		cmocka_unit_test(synrcvd_rules),
		cmocka_unit_test(syn_retransmit_and_give_up),
		cmocka_unit_test(syn_retries_option),
		cmocka_unit_test(backlog_full),
		cmocka_unit_test(syn_cookies),
		cmocka_unit_test(address_validation),
		cmocka_unit_test(listen_while_connecting),
		cmocka_unit_test(timewait_accepts_new_syn),
		cmocka_unit_test(timewait_reuse_by_timestamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

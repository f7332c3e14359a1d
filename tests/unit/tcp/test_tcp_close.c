/* TCP closing and resets: active, passive and simultaneous close, half
 * close, TIME-WAIT (RFC 9293 3.6), RST processing and the RFC 5961 checks,
 * SYN in synchronized states, close with unread data, abort. */
#include <errno.h>

#include "tcptest.h"

static const struct hk_tcp_opts no_opts;

static void expect_closed_soon(struct tt *t)
{
	tt_poll(t);
	assert_int_equal(t->s->tcp->n_conns, t->lfd >= 0 ? 1 : 0);
}

/* ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED (MUST-13). */
static void active_close(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .msl = HK_SEC(10) });
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_close(t.s, t.lfd);
	t.lfd = -1;
	assert_int_equal(hk_shutdown(t.s, t.fd, HK_SHUT_WR), 0);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv, t.snd);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_FIN_WAIT_1);
	assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), -EPIPE);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_FIN_WAIT_2);
	/* MAY-1: half-close, the other direction still carries data */
	tt_peer_data(&t, "late", 4, F_PSH);
	char b[8];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 4);
	tt_peer_data(&t, NULL, 0, F_FIN);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv + 1, t.snd);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_TIME_WAIT);
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 0); /* MUST-12: a normal close */
	hk_close(t.s, t.fd);
	/* a retransmitted FIN is ACKed again and restarts the 2 MSL */
	tt_advance(&t, HK_SEC(15));
	t.snd -= 1;
	tt_peer_data(&t, NULL, 0, F_FIN);
	tt_expect(&t, &g, F_ACK, t.rcv + 1, t.snd);
	hk_time_t restart = t.now;
	tt_advance(&t, HK_SEC(19));
	assert_int_equal(t.s->tcp->n_conns, 1);
	tt_advance(&t, HK_SEC(1));
	assert_int_equal(t.now - restart, HK_SEC(20));
	assert_int_equal(t.s->tcp->n_conns, 0);
	tt_expect_none(&t);
	assert_int_equal(t.s->pool.in_use, 0);
	tt_fini(&t);
}

/* ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED. */
static void passive_close(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_peer_data(&t, "data", 4, F_FIN);
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd); /* the FIN is ACKed at once */
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSE_WAIT);
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLIN | HK_POLLRDHUP | HK_POLLOUT };
	hk_poll(t.s, &p, 1);
	assert_int_equal(p.revents, HK_POLLIN | HK_POLLRDHUP | HK_POLLOUT);
	char b[8];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 4);
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 0);
	/* CLOSE-WAIT can still send */
	assert_int_equal(hk_send(t.s, t.fd, "reply", 5, 0), 5);
	tt_expect(&t, NULL, F_ACK | F_PSH, t.rcv, t.snd);
	hk_close(t.s, t.fd);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv + 5, t.snd);
	tt_peer_ack(&t, t.rcv + 6, 65535);
	expect_closed_soon(&t);
	tt_fini(&t);
}

/* FIN-WAIT-1 -> CLOSING -> TIME-WAIT: both FINs cross. */
static void simultaneous_close(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_shutdown(t.s, t.fd, HK_SHUT_WR);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv, t.snd);
	tt_peer_data(&t, NULL, 0, F_FIN); /* its FIN does not ACK ours */
	tt_expect(&t, NULL, F_ACK, t.rcv + 1, t.snd);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSING);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_TIME_WAIT);
	tt_fini(&t);
}

/* A FIN that arrives before the data in front of it waits for it. */
static void out_of_order_fin(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	uint32_t base = t.snd;
	t.snd = base + 5;
	tt_peer_data(&t, "world", 5, F_FIN);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_drain(&t);
	t.snd = base;
	tt_peer_data(&t, "hello", 5, 0);
	tt_expect(&t, NULL, F_ACK, t.rcv, base + 11);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSE_WAIT);
	char b[16];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 10);
	assert_memory_equal(b, "helloworld", 10);
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 0);
	tt_fini(&t);
}

/* RFC 5961 3.2 / RFC 9293 3.10.7.4 second: exact RST resets (ECONNRESET,
 * MUST-12), in-window RST gets a challenge ACK, out-of-window is dropped. */
static void rst_rules(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd + 5000000, .flags = F_RST });
	tt_expect_none(&t);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd + 100, .flags = F_RST });
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_rst_challenge), 1);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	/* SHLD-2: a RST may carry data */
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .flags = F_RST, .data = (const uint8_t *)"why", .len = 3 });
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLIN };
	hk_poll(t.s, &p, 1);
	assert_true(p.revents & HK_POLLERR);
	assert_true(p.revents & HK_POLLHUP);
	char b[4];
	assert_int_equal(hk_recv(t.s, t.fd, b, 4, 0), -ECONNRESET);
	assert_int_equal(hk_send(t.s, t.fd, b, 4, 0), -EPIPE);
	tt_fini(&t);
}

/* MUST-66: with a zero receive window a RST at RCV.NXT still resets. */
static void rst_with_zero_window(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .rcv_buf = 2048 });
	tt_passive_open(&t, 80, &no_opts, NULL);
	static uint8_t d[2048];
	tt_peer_data(&t, d, 536, 0);
	tt_peer_data(&t, d, 536, 0);
	tt_peer_data(&t, d, 536, 0);
	tt_peer_data(&t, d, 440, 0);
	tt_advance(&t, HK_MSEC(50));
	struct tt_seg g;
	while (tt_recv(&t, &g))
		;
	assert_int_equal(g.window, 0);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .flags = F_RST });
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	tt_fini(&t);
}

/* RFC 5961 4: a SYN in a synchronized state gets a challenge ACK. */
static void syn_in_established(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd + 10, .flags = F_SYN });
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd - 1000, .flags = F_SYN });
	struct tt_seg g;
	assert_true(tt_recv(&t, &g)); /* out of window: the plain ACK of the acceptability test */
	assert_int_equal(g.ack, t.snd);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_syn_challenge), 1);
	tt_fini(&t);
}

/* RFC 5961 5 (MAY-12) and 3.10.7.4 fifth: ACKs for unsent data or far too
 * old ones are answered with an ACK and dropped; the rate limit (RFC 5961 7). */
static void ack_checks(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_send(t.s, t.fd, "abc", 3, 0);
	tt_drain(&t);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv + 100, .flags = F_ACK, .data = (const uint8_t *)"zz",
				     .len = 2 });
	tt_expect(&t, NULL, F_ACK, t.rcv + 3, t.snd);
	char b[4];
	assert_int_equal(hk_recv(t.s, t.fd, b, 4, 0), -EAGAIN); /* its data was dropped */
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv - 200000, .flags = F_ACK });
	tt_expect(&t, NULL, F_ACK, t.rcv + 3, t.snd);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_ack_future), 1);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_ack_challenge), 1);
	/* at most 10 challenge ACKs a second per connection */
	for (int i = 0; i < 15; i++)
		tt_send(&t, &(struct tt_seg){ .seq = t.snd + 5, .flags = F_RST });
	assert_int_equal(tt_queued(&t), 8);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_challenge_limited), 7);
	tt_peer_ack(&t, t.rcv + 3, 65535);
	tt_drain(&t);
	tt_advance(&t, HK_SEC(1));
	tt_send(&t, &(struct tt_seg){ .seq = t.snd + 5, .flags = F_RST });
	assert_int_equal(tt_queued(&t), 1);
	tt_fini(&t);
}

/* SHLD-3: CLOSE with unread data sends a RST; data after CLOSE too. */
static void close_with_unread_data(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_peer_data(&t, "unread", 6, 0);
	tt_drain(&t);
	hk_close(t.s, t.fd);
	tt_expect(&t, NULL, F_RST, t.rcv, 0);
	expect_closed_soon(&t);
	/* the other case: closed cleanly, then data comes */
	t.irs += 1000;
	t.fd = -1;
	tt_send(&t, &(struct tt_seg){ .sport = 5555, .seq = t.irs, .flags = F_SYN });
	struct tt_seg sa;
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, t.irs + 1);
	tt_send(&t, &(struct tt_seg){ .sport = 5555, .seq = t.irs + 1, .ack = sa.seq + 1, .flags = F_ACK });
	int fd = hk_accept(t.s, t.lfd, NULL);
	hk_close(t.s, fd);
	tt_expect(&t, NULL, F_FIN | F_ACK, sa.seq + 1, t.irs + 1);
	tt_send(&t, &(struct tt_seg){ .sport = 5555, .seq = t.irs + 1, .ack = sa.seq + 2, .flags = F_ACK,
				     .data = (const uint8_t *)"more", .len = 4 });
	tt_expect(&t, NULL, F_RST, sa.seq + 2, 0);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_data_after_close), 1);
	expect_closed_soon(&t);
	tt_fini(&t);
}

/* ABORT: RST, queued data discarded. */
static void abort_sends_rst(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_send(t.s, t.fd, "abc", 3, 0);
	tt_drain(&t);
	assert_int_equal(hk_abort(t.s, t.fd), 0);
	tt_expect(&t, NULL, F_RST, t.rcv + 3, 0);
	assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), -EBADF);
	expect_closed_soon(&t);
	tt_fini(&t);
}

/* Closing a listener resets the connections nobody accepted. */
static void listener_close_resets_queue(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_send(&t, &(struct tt_seg){ .sport = 7777, .seq = 1, .flags = F_SYN });
	struct tt_seg sa;
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, 2);
	tt_send(&t, &(struct tt_seg){ .sport = 7777, .seq = 2, .ack = sa.seq + 1, .flags = F_ACK });
	hk_close(t.s, t.lfd);
	tt_expect(&t, &sa, F_RST, sa.seq + 1, 0);
	assert_int_equal(sa.dport, 7777);
	tt_poll(&t);
	assert_int_equal(t.s->tcp->n_conns, 1); /* the accepted one */
	tt_fini(&t);
}

/* An orphan in FIN-WAIT-2 whose peer never closes goes away after 2 MSL. */
static void orphan_finwait2_timeout(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .msl = HK_SEC(5) });
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_close(t.s, t.lfd);
	t.lfd = -1;
	hk_close(t.s, t.fd);
	tt_expect(&t, NULL, F_FIN | F_ACK, t.rcv, t.snd);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	tt_poll(&t);
	assert_int_equal(t.s->tcp->n_conns, 1);
	tt_advance(&t, HK_SEC(10));
	assert_int_equal(t.s->tcp->n_conns, 0);
	tt_fini(&t);
}

/* The FIN is retransmitted like data (LAST-ACK). */
static void fin_retransmitted(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	tt_peer_data(&t, NULL, 0, F_FIN);
	tt_drain(&t);
	hk_close(t.s, t.fd);
	struct tt_seg g;
	tt_expect(&t, &g, F_FIN | F_ACK, t.rcv, t.snd);
	hk_time_t t0 = g.at;
	tt_advance(&t, HK_SEC(2));
	tt_expect(&t, &g, F_FIN | F_ACK, t.rcv, t.snd);
	assert_int_equal(g.at - t0, HK_SEC(1));
	tt_peer_ack(&t, t.rcv + 1, 65535);
	expect_closed_soon(&t);
	tt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(active_close),
		cmocka_unit_test(passive_close),
		cmocka_unit_test(simultaneous_close),
		cmocka_unit_test(out_of_order_fin),
		cmocka_unit_test(rst_rules),
		cmocka_unit_test(rst_with_zero_window),
		cmocka_unit_test(syn_in_established),
		cmocka_unit_test(ack_checks),
		cmocka_unit_test(close_with_unread_data),
		cmocka_unit_test(abort_sends_rst),
		cmocka_unit_test(listener_close_resets_queue),
		cmocka_unit_test(orphan_finwait2_timeout),
		cmocka_unit_test(fin_retransmitted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

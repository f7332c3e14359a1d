/* RFC 9401 on hokuto's TCP, receiving side: the application is told (an
 * event with peer, sequence number and stream offset, HK_POLLDTH, and
 * HK_MSG_DTH_SEEN on exactly the bytes that came under the flag), the
 * connection is not closed, DTH on a FIN is ignored — except in
 * Hokuto-Shinken mode, with its half-zombie period — and the evil bit of
 * RFC 3514 is read independently. */
#include <errno.h>

#include "dthtest.h"

static short poll_of(struct tt *t, int fd, short events)
{
	struct hk_pollfd p = { .fd = fd, .events = events };
	hk_poll(t->s, &p, 1);
	return p.revents;
}

/* One event per DTH segment; the flag on the bytes it carried only; the
 * connection stays open until the FIN. */
static void event_and_seen_flag(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	uint32_t irs = t.irs;
	tt_peer_data(&t, "plain", 5, F_PSH);
	dt_no_event(&t, t.fd);
	assert_int_equal(poll_of(&t, t.fd, HK_POLLDTH), 0);
	dt_peer_dth(&t, "dth!", 4, F_PSH);
	tt_peer_data(&t, "more", 4, F_PSH);
	assert_int_equal(poll_of(&t, t.fd, HK_POLLDTH | HK_POLLIN), HK_POLLDTH | HK_POLLIN);
	assert_int_equal(poll_of(&t, t.fd, HK_POLLIN), HK_POLLIN); /* only when asked */
	struct hk_dth_event ev = dt_event(&t, t.fd);
	assert_int_equal(ev.kind, HK_DTH_EV_DATA);
	assert_int_equal(ev.peer.addr, PEER);
	assert_int_equal(ev.peer.port, PEER_PORT);
	assert_int_equal(ev.seq, irs + 1 + 5);
	assert_int_equal(ev.offset, 5);
	assert_int_equal(ev.len, 4);
	assert_int_equal(ev.tcp_flags, F_ACK | F_PSH);
	assert_false(ev.evil);
	assert_int_equal(ev.at, t.now);
	dt_no_event(&t, t.fd);
	assert_int_equal(poll_of(&t, t.fd, HK_POLLDTH), 0);
	char text[200];
	hk_dth_event_str(&ev, text, sizeof(text));
	assert_string_equal(text, "DTH from 192.0.2.2:40000 seq=268435462 offset=5 len=4 "
				  "(the peer expects this connection to end soon)");
	uint8_t b[16];
	int of = -1;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 5, 0, &of), 5);
	assert_false(of & HK_MSG_DTH_SEEN);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 2, HK_MSG_PEEK, &of), 2);
	assert_true(of & HK_MSG_DTH_SEEN);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 3, 0, &of), 3);
	assert_true(of & HK_MSG_DTH_SEEN);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 16, 0, &of), 5); /* the last DTH byte and "more" */
	assert_true(of & HK_MSG_DTH_SEEN);
	tt_peer_data(&t, "tail", 4, F_PSH);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 16, 0, &of), 4);
	assert_false(of & HK_MSG_DTH_SEEN);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 1);
	assert_int_equal(dt_get(&t, t.fd, HK_TCP_DTH_RECV), 1);
	/* 3.1: the receiver does not close; it waits for FIN or RST. Nothing
	 * but ACKs was sent, and much later it is still open. */
	struct tt_seg g;
	tt_advance(&t, HK_SEC(600));
	while (tt_recv(&t, &g))
		assert_int_equal(g.flags, F_ACK);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_peer_data(&t, NULL, 0, F_FIN);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSE_WAIT);
	tt_fini(&t);
}

/* A retransmitted DTH segment is not reported twice; out of order, the
 * event comes when the segment arrives and the flag with its bytes. */
static void retransmission_and_reordering(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	uint32_t s0 = t.snd;
	dt_peer_dth(&t, "abc", 3, F_PSH);
	t.snd = s0;
	dt_peer_dth(&t, "abc", 3, F_PSH); /* again (old: not even acceptable) */
	assert_int_equal(dt_event(&t, t.fd).offset, 0);
	dt_no_event(&t, t.fd);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 2);
	/* a gap: 10 plain bytes missing, then 5 DTH bytes, twice */
	uint32_t gap = t.snd;
	t.snd = gap + 10;
	dt_peer_dth(&t, "later", 5, F_PSH);
	t.snd = gap + 10;
	dt_peer_dth(&t, "later", 5, F_PSH);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_dup), 1);
	struct hk_dth_event ev = dt_event(&t, t.fd);
	dt_no_event(&t, t.fd);
	assert_int_equal(ev.offset, 13);
	assert_int_equal(ev.seq, gap + 10);
	t.snd = gap;
	tt_peer_data(&t, "0123456789", 10, 0);
	dt_no_event(&t, t.fd);
	uint8_t b[32];
	int of;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 3, 0, &of), 3);
	assert_true(of & HK_MSG_DTH_SEEN); /* "abc" */
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 10, 0, &of), 10);
	assert_false(of & HK_MSG_DTH_SEEN);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 10, 0, &of), 5);
	assert_true(of & HK_MSG_DTH_SEEN);
	tt_fini(&t);
}

/* A pure ACK with DTH: an event, and HK_MSG_DTH_SEEN on the next read. */
static void pure_ack(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	dt_peer_dth(&t, NULL, 0, 0);
	struct hk_dth_event ev = dt_event(&t, t.fd);
	assert_int_equal(ev.kind, HK_DTH_EV_ACK);
	assert_int_equal(ev.len, 0);
	uint8_t b[8];
	int of = 0;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), -EAGAIN);
	assert_int_equal(of, HK_MSG_DTH_SEEN);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), -EAGAIN);
	assert_int_equal(of, 0);
	tt_expect_none(&t); /* "does not need an acknowledgment" */
	tt_fini(&t);
}

/* 3.3: "A recipient SHOULD silently ignore DTH on a FIN". */
static void fin_ignored(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	dt_peer_dth(&t, "bye", 3, F_FIN | F_PSH);
	dt_no_event(&t, t.fd);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_on_fin_ignored), 1);
	assert_int_equal(dt_info(&t, t.fd).rx_ignored_on_fin, 1);
	assert_int_equal(dt_get(&t, t.fd, HK_TCP_DTH_RECV), 0);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSE_WAIT);
	uint8_t b[8];
	int of = -1;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 3);
	assert_int_equal(of & HK_MSG_DTH_SEEN, 0);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 0);
	/* our side closes whenever the application says so */
	assert_int_equal(hk_shutdown(t.s, t.fd, HK_SHUT_WR), 0);
	tt_drain(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_LAST_ACK);
	tt_fini(&t);
}

/* 3.3: "... unless the recipient is an expert at Hokuto-Shinken": the
 * application hears the peer is already dead; for the half-zombie period
 * the connection still ACKs, reads and sends, our FIN waits (even after a
 * shutdown); then it goes and the connection ends normally. */
static void hokuto_shinken(void **state)
{
	(void)state;
	struct tt t;
	for (int app_closes = 0; app_closes < 2; app_closes++) {
		tt_init(&t, NULL);
		dt_open_plain(&t, 1460);
		dt_set(&t, t.fd, HK_TCP_HOKUTO_SHINKEN, 1);
		dt_set(&t, t.fd, HK_TCP_HOKUTO_ZOMBIE_MS, 2000);
		hk_time_t t0 = t.now;
		tt_peer_data(&t, "hi", 2, F_PSH);
		dt_peer_dth(&t, "bye", 3, F_FIN | F_PSH);
		struct hk_dth_event ev = dt_event(&t, t.fd);
		assert_int_equal(ev.kind, HK_DTH_EV_ALREADY_DEAD);
		assert_int_equal(ev.offset, 5); /* where the FIN is */
		assert_int_equal(ev.len, 3);
		assert_int_equal(ev.zombie_ms, 2000);
		assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_already_dead), 1);
		assert_int_equal(tt_stat(&t, HK_STAT_dth_zombies), 1);
		assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSE_WAIT);
		assert_int_equal(dt_info(&t, t.fd).zombie, 1);
		assert_true(dt_info(&t, t.fd).peer_dead);
		char text[300];
		assert_non_null(strstr(hk_dth_event_str(&ev, text, sizeof(text)), "お前はもう死んでいる"));
		struct tt_seg g;
		tt_advance(&t, HK_MSEC(100));
		tt_expect(&t, &g, F_ACK, t.rcv, t.snd); /* it still ACKs */
		uint8_t b[8];
		int of;
		assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 5);
		assert_true(of & HK_MSG_DTH_SEEN); /* the FIN's data counts here */
		assert_int_equal(hk_send(t.s, t.fd, "last", 4, 0), 4);
		tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
		tt_peer_ack(&t, t.rcv + 4, 65535);
		if (app_closes) {
			assert_int_equal(hk_close(t.s, t.fd), 0);
		}
		tt_advance(&t, t0 + HK_MSEC(1990) - t.now);
		tt_expect_none(&t); /* the FIN is held */
		tt_advance(&t, HK_MSEC(20));
		tt_expect(&t, &g, F_ACK | F_FIN, t.rcv + 4, t.snd);
		assert_false(g.dth);
		assert_true(g.at >= t0 + HK_MSEC(2000));
		if (!app_closes) {
			assert_int_equal(tt_state(&t, t.fd), HK_TCP_LAST_ACK);
			assert_int_equal(dt_event(&t, t.fd).kind, HK_DTH_EV_ZOMBIE_END);
			assert_int_equal(dt_info(&t, t.fd).zombie, 2);
			assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), -EPIPE);
		}
		tt_peer_ack(&t, t.rcv + 5, 65535);
		if (!app_closes) {
			assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
			assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 0);
		}
		tt_expect_none(&t);
		tt_fini(&t);
	}
}

/* Hokuto-Shinken after we closed first: told, no half-zombie period. */
static void hokuto_shinken_after_our_fin(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	dt_set(&t, t.fd, HK_TCP_HOKUTO_SHINKEN, 1);
	assert_int_equal(hk_shutdown(t.s, t.fd, HK_SHUT_WR), 0);
	tt_expect(&t, NULL, F_ACK | F_FIN, t.rcv, t.snd);
	tt_peer_ack(&t, t.rcv + 1, 65535);
	dt_peer_dth(&t, NULL, 0, F_FIN);
	assert_int_equal(dt_event(&t, t.fd).kind, HK_DTH_EV_ALREADY_DEAD);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_TIME_WAIT);
	assert_int_equal(dt_info(&t, t.fd).zombie, 0);
	tt_fini(&t);
}

/* 3.4 / RFC 3514: the evil bit and DTH "MUST be interpreted independently". */
static void evil_bit_independent(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	struct tt_seg g = { .seq = t.snd, .ack = t.rcv, .flags = F_ACK | F_PSH, .data = (const uint8_t *)"evil",
			    .len = 4 };
	dt_send_evil(&t, &g); /* evil, no DTH: counted, nothing reported */
	t.snd += 4;
	dt_no_event(&t, t.fd);
	assert_int_equal(tt_stat(&t, HK_STAT_evil_rx), 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 0);
	g.seq = t.snd;
	g.dth = true;
	g.data = (const uint8_t *)"both";
	dt_send_evil(&t, &g); /* both */
	t.snd += 4;
	struct hk_dth_event ev = dt_event(&t, t.fd);
	assert_int_equal(ev.kind, HK_DTH_EV_DATA);
	assert_true(ev.evil);
	assert_int_equal(ev.offset, 4);
	dt_peer_dth(&t, "dth", 3, F_PSH); /* DTH only: the same event, evil false */
	ev = dt_event(&t, t.fd);
	assert_int_equal(ev.kind, HK_DTH_EV_DATA);
	assert_false(ev.evil);
	assert_int_equal(tt_stat(&t, HK_STAT_evil_rx), 2);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 2);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_with_evil), 1);
	struct hk_dth_info info = dt_info(&t, t.fd);
	assert_int_equal(info.rx_evil, 2);
	assert_int_equal(info.rx_dth_and_evil, 1);
	assert_int_equal(info.rx_segments, 2);
	uint8_t b[16];
	int of;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 4, 0, &of), 4);
	assert_false(of & HK_MSG_DTH_SEEN); /* evil alone is not DTH */
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 16, 0, &of), 7);
	assert_true(of & HK_MSG_DTH_SEEN);
	tt_fini(&t);
}

/* DTH on the SYN,ACK (the peer should not, 3.3): reported, counted, the
 * handshake goes on; on a SYN to a listener: counted. */
static void dth_in_handshake(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	struct hk_sockaddr to = { PEER, PEER_PORT };
	assert_int_equal(hk_connect(t.s, t.fd, &to), -EINPROGRESS);
	tt_poll(&t);
	struct tt_seg syn;
	assert_true(tt_recv(&t, &syn));
	t.port = syn.sport;
	struct tt_seg sa = { .seq = t.irs, .ack = syn.seq + 1, .flags = F_SYN | F_ACK, .dth = true };
	tt_send(&t, &sa);
	tt_expect(&t, NULL, F_ACK, syn.seq + 1, t.irs + 1);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	struct hk_dth_event ev = dt_event(&t, t.fd);
	assert_int_equal(ev.kind, HK_DTH_EV_HANDSHAKE);
	assert_int_equal(ev.seq, t.irs);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_handshake), 1);
	tt_fini(&t);

	tt_init(&t, NULL);
	int l = hk_socket(t.s, HK_SOCK_STREAM);
	struct hk_sockaddr a = { 0, 80 };
	hk_bind(t.s, l, &a);
	hk_listen(t.s, l, 4);
	t.port = 80;
	struct tt_seg s2 = { .seq = t.irs, .flags = F_SYN, .dth = true };
	tt_send(&t, &s2);
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, t.irs + 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_handshake), 1);
	tt_fini(&t);
}

/* The queue is bounded: a peer marking every segment keeps the newest. */
static void event_queue_bounded(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	for (int i = 0; i < 20; i++)
		dt_peer_dth(&t, "z", 1, F_PSH);
	assert_int_equal(dt_event(&t, t.fd).offset, 20 - HK_TCP_DTH_EVQ);
	int n = 1;
	while (hk_dth_event_next(t.s, t.fd, NULL) == 1)
		n++;
	assert_int_equal(n, HK_TCP_DTH_EVQ);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx_events_dropped), 20 - HK_TCP_DTH_EVQ);
	assert_int_equal(dt_info(&t, t.fd).events_dropped, 20 - HK_TCP_DTH_EVQ);
	uint8_t b[32];
	int of;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 20);
	assert_true(of & HK_MSG_DTH_SEEN);
	tt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_and_seen_flag),
		cmocka_unit_test(retransmission_and_reordering),
		cmocka_unit_test(pure_ack),
		cmocka_unit_test(fin_ignored),
		cmocka_unit_test(hokuto_shinken),
		cmocka_unit_test(hokuto_shinken_after_our_fin),
		cmocka_unit_test(evil_bit_independent),
		cmocka_unit_test(dth_in_handshake),
		cmocka_unit_test(event_queue_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

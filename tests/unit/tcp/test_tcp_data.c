/* TCP data transfer: delayed ACKs, out-of-order data and SACK, Nagle,
 * windows (scaling, zero window probing, receiver SWS), retransmission
 * timeouts with Karn and R1/R2, fast retransmit / NewReno / SACK recovery,
 * PAWS, urgent data and the Death flag. */
#include <errno.h>

#include "tcptest.h"

static uint8_t pat[65536];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + (i >> 8));
}

static const struct hk_tcp_opts no_opts;
static const struct hk_tcp_opts mss1000 = { .has_mss = true, .mss = 1000 };

/* SHLD-18, MUST-40: an ACK for one segment waits for the delayed-ACK timer. */
static void delayed_ack(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	tt_peer_data(&t, pat, 100, F_PSH);
	tt_expect_none(&t);
	tt_advance(&t, HK_MSEC(39));
	tt_expect_none(&t);
	tt_advance(&t, HK_MSEC(1));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_true(g.opts.has_ts);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_delayed_acks), 1);
	uint8_t b[200];
	int of = 0;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 100);
	assert_memory_equal(b, pat, 100);
	assert_true(of & HK_MSG_PSH);
	tt_fini(&t);
}

/* MUST-40: a configured delay of 1 s is capped below 0.5 s (at 200 ms). */
static void delayed_ack_cap(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .delack = HK_SEC(1) });
	tt_passive_open(&t, 80, NULL, NULL);
	hk_time_t t0 = t.now;
	tt_peer_data(&t, pat, 10, 0);
	tt_advance(&t, HK_SEC(1));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.at - t0, HK_MSEC(200));
	tt_fini(&t);
}

/* SHLD-19: at least every second full-sized segment is acknowledged at once. */
static void ack_every_second_segment(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	tt_peer_data(&t, pat, 1448, 0);
	tt_expect_none(&t);
	tt_peer_data(&t, pat + 1448, 1448, 0);
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd);
	tt_expect_none(&t);
	tt_fini(&t);
}

/* SHLD-31, MAY-13, RFC 2018: out-of-order data is held and answered at once
 * with a duplicate ACK carrying a SACK block; the gap fill is ACKed at once. */
static void out_of_order_and_sack(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	fill();
	tt_passive_open(&t, 80, NULL, NULL);
	uint32_t base = t.snd;
	t.snd = base + 1000;
	tt_peer_data(&t, pat + 1000, 1000, 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, base);
	assert_int_equal(g.opts.n_sack, 1);
	assert_int_equal(g.opts.sack[0].left, base + 1000);
	assert_int_equal(g.opts.sack[0].right, base + 2000);
	t.snd = base + 3000;
	tt_peer_data(&t, pat + 3000, 500, 0);
	tt_expect(&t, &g, F_ACK, t.rcv, base);
	assert_int_equal(g.opts.n_sack, 2);
	assert_int_equal(g.opts.sack[0].left, base + 3000); /* the newest first */
	assert_int_equal(g.opts.sack[1].left, base + 1000);
	uint8_t b[4000];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), -EAGAIN);
	t.snd = base;
	tt_peer_data(&t, pat, 1000, 0);
	tt_expect(&t, &g, F_ACK, t.rcv, base + 2000);
	assert_int_equal(g.opts.n_sack, 1);
	t.snd = base + 2000;
	tt_peer_data(&t, pat + 2000, 1000, 0);
	tt_expect(&t, &g, F_ACK, t.rcv, base + 3500);
	assert_int_equal(g.opts.n_sack, 0);
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 3500);
	assert_memory_equal(b, pat, 3500);
	tt_fini(&t);
}

/* A retransmission of data already received is answered with an ACK. */
static void duplicate_data_acked(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	tt_peer_data(&t, pat, 100, 0);
	tt_advance(&t, HK_MSEC(50));
	tt_drain(&t);
	t.snd -= 100;
	tt_peer_data(&t, pat, 100, 0);
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_dup_data), 1);
	tt_fini(&t);
}

/* SHLD-7, MUST-17: Nagle holds a small segment while data is unacknowledged;
 * TCP_NODELAY turns it off. */
static void nagle_and_nodelay(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	assert_int_equal(hk_send(t.s, t.fd, "aaaaaaaaaa", 10, 0), 10);
	tt_expect(&t, NULL, F_ACK | F_PSH, t.rcv, t.snd);
	assert_int_equal(hk_send(t.s, t.fd, "bbbbbbbbbb", 10, 0), 10);
	assert_int_equal(hk_send(t.s, t.fd, "cccccccccc", 10, 0), 10);
	tt_expect_none(&t);
	tt_peer_ack(&t, t.rcv + 10, 65535);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 10, t.snd);
	assert_int_equal(g.len, 20); /* coalesced */
	int one = 1;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_NODELAY, &one, sizeof(one)), 0);
	assert_int_equal(hk_send(t.s, t.fd, "d", 1, 0), 1);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 30, t.snd);
	assert_int_equal(hk_send(t.s, t.fd, "e", 1, 0), 1);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 31, t.snd);
	tt_fini(&t);
}

/* MUST-58/59: segments that arrive together are all processed, then one
 * ACK answers them; out-of-order segments are the exception (RFC 5681 4.2:
 * one duplicate ACK each, so the sender can count them). */
static void ack_aggregation(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &(struct hk_tcp_opts){ .has_mss = true, .mss = 1000, .sack_permitted = true }, NULL);
	/* four out-of-order segments, each of which alone gets an immediate ACK */
	for (uint32_t i = 1; i <= 4; i++)
		tt_queue(&t, &(struct tt_seg){ .seq = t.snd + 1000 * i, .ack = t.rcv, .flags = F_ACK,
					       .data = pat, .len = 500 });
	tt_poll(&t);
	for (uint32_t i = 1; i <= 4; i++) {
		struct tt_seg g;
		tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
		assert_int_equal(g.opts.n_sack, i); /* newest first (RFC 2018 4) */
		assert_int_equal(g.opts.sack[0].left, t.snd + 1000 * i);
	}
	tt_expect_none(&t);
	/* and a batch of in-order segments: one ACK for all */
	for (uint32_t i = 0; i < 5; i++)
		tt_queue(&t, &(struct tt_seg){ .seq = t.snd + 1000 * i, .ack = t.rcv, .flags = F_ACK,
					       .data = pat, .len = 1000 });
	tt_poll(&t);
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd + 5000);
	tt_expect_none(&t);
	tt_fini(&t);
}

/* MUST-38: the sender does not send a small segment into a small window
 * while data waits; the persist timer overrides after an RTO. */
static void sender_sws(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &mss1000, NULL); /* largest window seen: 65535 */
	tt_peer_ack(&t, t.rcv, 300);
	assert_int_equal(hk_send(t.s, t.fd, pat, 2000, 0), 2000);
	tt_expect_none(&t);
	tt_advance(&t, HK_MSEC(999));
	tt_expect_none(&t);
	tt_advance(&t, HK_MSEC(1));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 300);
	/* a window of at least half the largest one is used at once */
	tt_peer_ack(&t, t.rcv + 300, 40000);
	tt_expect(&t, &g, F_ACK, t.rcv + 300, t.snd);
	assert_int_equal(g.len, 1000);
	tt_expect_none(&t); /* the 700-byte rest: Nagle waits for the ACK */
	tt_peer_ack(&t, t.rcv + 1300, 40000);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 1300, t.snd);
	assert_int_equal(g.len, 700);
	tt_fini(&t);
}

/* Window scaling (RFC 7323): the peer's window is shifted by its scale. */
static void window_scaling(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL); /* peer scale 7 */
	tt_peer_ack(&t, t.rcv, 100);
	struct hk_tcp_info info;
	size_t len = sizeof(info);
	hk_getsockopt(t.s, t.fd, HK_TCP_INFO, &info, &len);
	assert_int_equal(info.snd_wnd, 12800);
	/* and ours: 256 KiB buffer, scale 3 */
	tt_peer_data(&t, pat, 10, 0);
	tt_advance(&t, HK_MSEC(40));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.window, (256 * 1024 - 10) >> 3);
	tt_fini(&t);
}

/* MUST-36/37, SHLD-29/30: a zero window is probed after one RTO, then with
 * exponential backoff, for as long as the peer answers. */
static void zero_window_probing(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	fill();
	tt_passive_open(&t, 80, &mss1000, NULL);
	tt_peer_ack(&t, t.rcv, 0);
	assert_int_equal(hk_send(t.s, t.fd, pat, 3000, 0), 3000);
	tt_expect_none(&t);
	hk_time_t t0 = t.now;
	hk_time_t gaps[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60 };
	hk_time_t at = 0;
	for (int i = 0; i < 20; i++) {
		at += gaps[i];
		tt_advance(&t, t0 + HK_SEC(at) - t.now);
		struct tt_seg g;
		tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
		assert_int_equal(g.len, 1);
		assert_int_equal(g.payload[0], pat[0]);
		assert_int_equal(g.at, t0 + HK_SEC(at));
		tt_peer_ack(&t, t.rcv, 0); /* still closed */
	}
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED); /* 16 minutes later */
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_persist_probes), 20);
	/* the window opens: everything goes, from SND.UNA */
	tt_peer_ack(&t, t.rcv, 65535);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 1000);
	tt_expect(&t, &g, F_ACK, t.rcv + 1000, t.snd);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 2000, t.snd);
	assert_memory_equal(g.payload, pat + 2000, 1000);
	tt_fini(&t);
}

/* MUST-34/35: the peer shrinks its window to zero with data in flight: the
 * retransmission timer turns into probing and the connection lives on. */
static void window_shrinks_in_flight(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .data_retries = 3 });
	tt_passive_open(&t, 80, &mss1000, NULL);
	hk_send(t.s, t.fd, pat, 2000, 0);
	tt_drain(&t);
	tt_peer_ack(&t, t.rcv + 1000, 0);
	/* 30 probes, each answered with the window still closed: far more
	 * than R2 = 3 timeouts, and the connection stays */
	hk_time_t start = t.now;
	for (int i = 0; i < 30; i++) {
		struct tt_seg g;
		for (int k = 0; k < 70 && !tt_queued(&t); k++)
			tt_advance(&t, HK_SEC(1));
		assert_true(tt_recv(&t, &g));
		assert_int_equal(g.seq, t.rcv + 1000);
		assert_int_equal(g.len, 1);
		tt_drain(&t);
		tt_peer_ack(&t, t.rcv + 1000, 0);
	}
	assert_true(t.now - start > HK_SEC(1200));
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_fini(&t);
}

/* MUST-19/20/21, RFC 6298 5.5: the RTO doubles; after R2 the connection is
 * dropped with ETIMEDOUT; R1 leaves a soft error (SHLD-9). */
static void rto_backoff_and_r2(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &mss1000, NULL);
	int r2 = 4;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_USER_TIMEOUT, &r2, sizeof(r2)), 0);
	hk_time_t t0 = t.now;
	hk_send(t.s, t.fd, pat, 100, 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	tt_advance(&t, HK_SEC(7) + 1);
	hk_time_t at[] = { 1, 3, 7 };
	for (int i = 0; i < 3; i++) {
		tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
		assert_int_equal(g.at - t0, HK_SEC(at[i]));
		assert_int_equal(g.len, 100);
	}
	int soft = 0;
	size_t len = sizeof(soft);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_TCP_SOFT_ERROR, &soft, &len), 0);
	assert_int_equal(soft, ETIMEDOUT); /* R1 = 3 */
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_advance(&t, HK_SEC(8));
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd); /* the 4th at 15 s */
	assert_int_equal(g.at - t0, HK_SEC(15));
	tt_advance(&t, HK_SEC(16));
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	/* MUST-12: an abort, not a normal close */
	uint8_t b[4];
	assert_int_equal(hk_recv(t.s, t.fd, b, 4, 0), -ETIMEDOUT);
	assert_int_equal(hk_recv(t.s, t.fd, b, 4, 0), -ETIMEDOUT);
	assert_int_equal(hk_send(t.s, t.fd, b, 4, 0), -EPIPE);
	tt_fini(&t);
}

/* MUST-18 (Karn): no RTT sample from a retransmitted segment. */
static void karn(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &mss1000, NULL);
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	hk_time_t srtt0 = c->rtt.srtt;
	hk_send(t.s, t.fd, pat, 100, 0);
	tt_advance(&t, HK_MSEC(1500)); /* retransmitted at 1 s */
	tt_drain(&t);
	tt_peer_ack(&t, t.rcv + 100, 65535);
	assert_int_equal(c->rtt.srtt, srtt0);
	hk_send(t.s, t.fd, pat, 100, 0);
	tt_advance(&t, HK_MSEC(80));
	tt_peer_ack(&t, t.rcv + 200, 65535);
	assert_true(c->rtt.srtt > srtt0);
	assert_int_equal(c->rtt.srtt, (7 * srtt0 + HK_MSEC(80)) / 8);
	tt_fini(&t);
}

/* RFC 5681 3.2 + RFC 6582: three duplicate ACKs retransmit; a partial ACK
 * retransmits the next hole; the full ACK ends recovery. */
static void fast_retransmit_newreno(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &mss1000, NULL);
	assert_int_equal(hk_send(t.s, t.fd, pat, 10000, 0), 10000);
	for (int i = 0; i < 10; i++)
		tt_expect(&t, NULL, i == 9 ? F_ACK | F_PSH : F_ACK, t.rcv + 1000u * (uint32_t)i, t.snd);
	tt_expect_none(&t);
	uint32_t una = t.rcv + 1000;
	tt_peer_ack(&t, una, 65535);
	for (int i = 0; i < 2; i++)
		tt_peer_ack(&t, una, 65535);
	tt_expect_none(&t);
	tt_peer_ack(&t, una, 65535); /* third duplicate */
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, una, t.snd);
	assert_int_equal(g.len, 1000);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_fast_retransmits), 1);
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	assert_true(tcp_has(c, TF_RECOVERY));
	tt_peer_ack(&t, una + 1000, 65535); /* partial */
	tt_expect(&t, &g, F_ACK, una + 1000, t.snd);
	assert_int_equal(g.len, 1000);
	assert_true(tcp_has(c, TF_RECOVERY));
	tt_peer_ack(&t, t.rcv + 10000, 65535); /* full */
	assert_false(tcp_has(c, TF_RECOVERY));
	tt_expect_none(&t);
	tt_fini(&t);
}

/* RFC 3042 (RFC 5681 3.2): limited transmit sends one new segment for
 * each of the first two duplicate ACKs. */
static void limited_transmit(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &mss1000, NULL);
	assert_int_equal(hk_send(t.s, t.fd, pat, 13000, 0), 13000);
	for (int i = 0; i < 10; i++)
		tt_expect(&t, NULL, F_ACK, t.rcv + 1000u * (uint32_t)i, t.snd);
	tt_expect_none(&t); /* the initial window is full */
	tt_peer_ack(&t, t.rcv, 65535);
	tt_expect(&t, NULL, F_ACK, t.rcv + 10000, t.snd);
	tt_peer_ack(&t, t.rcv, 65535);
	tt_expect(&t, NULL, F_ACK, t.rcv + 11000, t.snd);
	tt_expect_none(&t);
	tt_peer_ack(&t, t.rcv, 65535); /* third: fast retransmit */
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 1000);
	tt_fini(&t);
}

/* RFC 8985 7: a lost tail is probed after PTO (here 2*SRTT = 0 plus the
 * 200 ms delayed-ACK allowance for one segment in flight), not after the
 * RTO; only one probe per episode; HK_TCP_TLP turns it off. */
static void tail_loss_probe(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1000, .sack_permitted = true };
	tt_passive_open(&t, 80, &o, NULL);
	hk_send(t.s, t.fd, pat, 3000, 0);
	tt_drain(&t);
	tt_peer_ack(&t, t.rcv + 2000, 65535);
	hk_time_t t0 = t.now;
	tt_advance(&t, HK_MSEC(1500));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 2000, t.snd); /* the last segment again */
	assert_int_equal(g.at - t0, HK_MSEC(200));
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_tlp_probes), 1);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 2000, t.snd); /* then the RTO, 1 s later */
	assert_int_equal(g.at - t0, HK_MSEC(1200));
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rto), 1);
	tt_peer_ack(&t, t.rcv + 3000, 65535);
	/* switched off: the RTO alone */
	int off = 0;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_TLP, &off, sizeof(off)), 0);
	hk_send(t.s, t.fd, pat, 1000, 0);
	tt_drain(&t);
	t0 = t.now;
	tt_advance(&t, HK_MSEC(2500));
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 3000, t.snd);
	assert_true(g.at - t0 >= HK_SEC(1));
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_tlp_probes), 1);
	tt_fini(&t);
}

/* SHLD-8, RFC 3168: ECN negotiated by the peer's ECN-setup SYN; ECT(0) on
 * new data only; CE answered with ECE until CWR; ECE halves the window once
 * and our next data segment carries CWR. */
static void ecn(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.port = 80;
	t.lfd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_bind(t.s, t.lfd, &(struct hk_sockaddr){ 0, 80 });
	hk_listen(t.s, t.lfd, 4);
	struct tt_seg sa, g;
	tt_send(&t, &(struct tt_seg){ .seq = t.irs, .flags = F_SYN | HK_TCP_ECE | HK_TCP_CWR, .opts = mss1000 });
	tt_expect(&t, &sa, F_SYN | F_ACK | HK_TCP_ECE, ANY, t.irs + 1);
	assert_int_equal(sa.tos & 3, 0); /* not on the SYN,ACK */
	t.snd = t.irs + 1;
	t.rcv = sa.seq + 1;
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv, .flags = F_ACK });
	t.fd = hk_accept(t.s, t.lfd, NULL);
	struct hk_tcp_info info;
	size_t len = sizeof(info);
	hk_getsockopt(t.s, t.fd, HK_TCP_INFO, &info, &len);
	assert_true(info.ecn_ok);
	hk_send(t.s, t.fd, pat, 4000, 0);
	for (int i = 0; i < 4; i++) {
		tt_expect(&t, &g, i == 3 ? F_ACK | F_PSH : F_ACK, t.rcv + 1000u * (uint32_t)i, t.snd);
		assert_int_equal(g.tos & 3, 2); /* ECT(0) */
	}
	/* CE on incoming data: ACKs carry ECE until the peer's CWR */
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv, .flags = F_ACK, .tos = 3, .data = pat, .len = 10 });
	tt_expect(&t, &g, F_ACK | HK_TCP_ECE, t.rcv + 4000, t.snd + 10);
	assert_int_equal(g.tos & 3, 0); /* a pure ACK is not ECT */
	t.snd += 10;
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv, .flags = F_ACK | HK_TCP_CWR, .data = pat, .len = 10 });
	tt_advance(&t, HK_MSEC(40));
	tt_expect(&t, &g, F_ACK, t.rcv + 4000, t.snd + 10); /* CWR seen: no ECE */
	t.snd += 10;
	/* ECE from the peer: one reduction for the window, CWR on the next data */
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	uint32_t cwnd = c->cc.cwnd;
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv + 2000, .flags = F_ACK | HK_TCP_ECE });
	assert_true(c->cc.cwnd < cwnd);
	uint32_t reduced = c->cc.cwnd;
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv + 3000, .flags = F_ACK | HK_TCP_ECE });
	assert_int_equal(c->cc.cwnd, reduced); /* same window: no second cut */
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_ecn_reductions), 1);
	tt_drain(&t);
	hk_send(t.s, t.fd, pat, 100, 0);
	tt_drain(&t);
	tt_send(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv + 4000, .flags = F_ACK });
	tt_expect(&t, &g, F_ACK | F_PSH | HK_TCP_CWR, t.rcv + 4000, t.snd);
	tt_fini(&t);
}

/* An active open asks for ECN when told to (HK_TCP_ECN 1). */
static void ecn_active(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_ECN, &(int){ 1 }, sizeof(int)), 0);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn;
	tt_expect(&t, &syn, F_SYN | HK_TCP_ECE | HK_TCP_CWR, ANY, 0);
	t.port = syn.sport;
	tt_send(&t, &(struct tt_seg){ .seq = 50, .ack = syn.seq + 1, .flags = F_SYN | F_ACK | HK_TCP_ECE });
	tt_expect(&t, NULL, F_ACK, syn.seq + 1, 51);
	assert_true(tt_conn(&t, t.fd)->ecn & ECN_OK);
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_ECN, &(int){ 0 }, sizeof(int)), -EISCONN);
	tt_fini(&t);
}

/* RFC 6675: SACK blocks show what was lost; only that is retransmitted. */
static void sack_recovery(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1000, .sack_permitted = true };
	tt_passive_open(&t, 80, &o, NULL);
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	assert_true(tcp_has(c, TF_SACK_OK));
	hk_send(t.s, t.fd, pat, 10000, 0);
	tt_drain(&t);
	uint32_t b = t.rcv;
	/* segment 2 (b+1000) is lost; 3..6 arrive */
	struct tt_seg a = { .seq = t.snd, .ack = b + 1000, .flags = F_ACK };
	tt_send(&t, &a);
	for (uint32_t k = 2; k <= 4; k++) {
		a.opts.n_sack = 1;
		a.opts.sack[0].left = b + 2000;
		a.opts.sack[0].right = b + 1000 * (k + 1);
		tt_send(&t, &a);
	}
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, b + 1000, t.snd);
	assert_int_equal(g.len, 1000);
	tt_expect_none(&t); /* nothing else is lost */
	a.ack = b + 10000;
	a.opts.n_sack = 0;
	tt_send(&t, &a);
	assert_false(tcp_has(c, TF_RECOVERY));
	tt_fini(&t);
}

/* RFC 7323 5 (PAWS): a segment with an old timestamp is dropped and ACKed. */
static void paws(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	struct hk_tcp_conn *c = tt_conn(&t, t.fd);
	struct tt_seg d = { .seq = t.snd, .ack = t.rcv, .flags = F_ACK, .data = pat, .len = 10 };
	d.opts.has_ts = true;
	d.opts.ts_val = 5000;
	tt_send(&t, &d);
	assert_int_equal(c->ts_recent, 5000);
	d.seq += 10;
	d.opts.ts_val = 4000;
	tt_send(&t, &d);
	tt_expect(&t, NULL, F_ACK, t.rcv, t.snd + 10);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_paws), 1);
	uint8_t b[100];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), 10);
	tt_fini(&t);
}

/* MUST-39: the window reopens only by min(RCV.BUFF/2, MSS) at a time. */
static void receiver_sws(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .rcv_buf = 4096 });
	tt_passive_open(&t, 80, &mss1000, NULL);
	for (int i = 0; i < 4; i++)
		tt_peer_data(&t, pat + 1000 * i, 1000, 0);
	tt_peer_data(&t, pat + 4000, 96, 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd - 2096); /* every second segment */
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd - 96);
	tt_advance(&t, HK_MSEC(40));
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.window, 0); /* the 4 KiB buffer is full */
	uint8_t b[4096];
	assert_int_equal(hk_recv(t.s, t.fd, b, 100, 0), 100);
	tt_expect_none(&t); /* 100 bytes is below the threshold: no update */
	/* what the peer sends anyway is taken as far as it fits */
	tt_peer_data(&t, pat + 4096, 200, 0);
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd - 100);
	assert_int_equal(g.window, 0);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_beyond_buffer), 1);
	t.snd -= 100;
	assert_int_equal(hk_recv(t.s, t.fd, b, 999, 0), 999);
	tt_expect_none(&t);
	assert_int_equal(hk_recv(t.s, t.fd, b, 1, 0), 1);
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd); /* 1000 free: update */
	assert_int_equal(g.window, 1000);
	tt_fini(&t);
}

/* MUST-30/31/32/33/62: urgent data, both directions, delivered inline. */
static void urgent_data(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	struct tt_seg d = { .seq = t.snd, .ack = t.rcv, .flags = F_ACK | F_URG, .urg = 5, .data = pat, .len = 10 };
	tt_send(&t, &d);
	t.snd += 10;
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLIN | HK_POLLPRI };
	assert_int_equal(hk_poll(t.s, &p, 1), 1);
	assert_int_equal(p.revents, HK_POLLIN | HK_POLLPRI);
	int n = 0;
	size_t len = sizeof(n);
	hk_getsockopt(t.s, t.fd, HK_TCP_URG_PENDING, &n, &len);
	assert_int_equal(n, 5);
	uint8_t b[20];
	int of;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 3, 0, &of), 3);
	assert_true(of & HK_MSG_URG);
	hk_getsockopt(t.s, t.fd, HK_TCP_URG_PENDING, &n, &len);
	assert_int_equal(n, 2);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 20, 0, &of), 7);
	assert_true(of & HK_MSG_URG);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, 20, 0, &of), -EAGAIN);
	hk_getsockopt(t.s, t.fd, HK_TCP_URG_PENDING, &n, &len);
	assert_int_equal(n, 0);
	assert_int_equal(hk_poll(t.s, &p, 1), 0);
	tt_drain(&t); /* the window update after reading */
	/* sending: the pointer is the first octet after the urgent data */
	assert_int_equal(hk_send(t.s, t.fd, "abcdef", 6, HK_MSG_OOB), 6);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH | F_URG, t.rcv, t.snd);
	assert_int_equal(g.urg, 6);
	tt_fini(&t);
}

/* RFC 9401: the Death flag on the bytes the application marked, never on a
 * FIN; a received one is reported to the application. */
static void death_flag(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	assert_int_equal(hk_send(t.s, t.fd, "plain", 5, 0), 5);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_false(g.dth);
	assert_int_equal(hk_send(t.s, t.fd, "last words", 10, HK_MSG_DTH), 10);
	assert_int_equal(hk_shutdown(t.s, t.fd, HK_SHUT_WR), 0);
	tt_expect_none(&t); /* Nagle */
	tt_peer_ack(&t, t.rcv + 5, 65535);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 5, t.snd);
	assert_true(g.dth);
	assert_int_equal(g.len, 10);
	tt_expect(&t, &g, F_ACK | F_FIN, t.rcv + 15, t.snd);
	assert_false(g.dth);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx), 1);
	/* a retransmission carries the same bits */
	tt_advance(&t, HK_MSEC(1100));
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 5, t.snd);
	assert_true(g.dth);
	tt_drain(&t);
	/* receiving */
	struct tt_seg d = { .seq = t.snd, .ack = t.rcv + 16, .flags = F_ACK | F_PSH, .dth = true,
			    .data = (const uint8_t *)"bye", .len = 3 };
	tt_send(&t, &d);
	t.snd += 3;
	uint8_t b[10];
	int of = 0;
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 3);
	assert_true(of & HK_MSG_DTH_SEEN);
	int n = 0;
	size_t len = sizeof(n);
	hk_getsockopt(t.s, t.fd, HK_TCP_DTH_RECV, &n, &len);
	assert_int_equal(n, 1);
	/* on a FIN it is ignored (RFC 9401 3.3) */
	d.seq = t.snd;
	d.flags = F_ACK | F_FIN;
	d.len = 0;
	tt_send(&t, &d);
	hk_getsockopt(t.s, t.fd, HK_TCP_DTH_RECV, &n, &len);
	assert_int_equal(n, 1);
	assert_int_equal(hk_recv_ex(t.s, t.fd, b, sizeof(b), 0, &of), 0);
	assert_int_equal(of, 0);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_rx), 2);
	tt_fini(&t);
}

/* A pure ACK with the Death flag on request (len 0 + HK_MSG_DTH). */
static void death_flag_pure_ack(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	assert_int_equal(hk_send(t.s, t.fd, NULL, 0, HK_MSG_DTH), 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_true(g.dth);
	assert_int_equal(g.len, 0);
	tt_expect_none(&t);
	tt_fini(&t);
}

int main(void)
{
	fill();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delayed_ack),
		cmocka_unit_test(delayed_ack_cap),
		cmocka_unit_test(ack_every_second_segment),
		cmocka_unit_test(out_of_order_and_sack),
		cmocka_unit_test(duplicate_data_acked),
		cmocka_unit_test(nagle_and_nodelay),
		cmocka_unit_test(ack_aggregation),
		cmocka_unit_test(sender_sws),
		cmocka_unit_test(window_scaling),
		cmocka_unit_test(zero_window_probing),
		cmocka_unit_test(window_shrinks_in_flight),
		cmocka_unit_test(rto_backoff_and_r2),
		cmocka_unit_test(karn),
		cmocka_unit_test(fast_retransmit_newreno),
		cmocka_unit_test(limited_transmit),
		cmocka_unit_test(tail_loss_probe),
		cmocka_unit_test(sack_recovery),
		cmocka_unit_test(ecn),
		cmocka_unit_test(ecn_active),
		cmocka_unit_test(paws),
		cmocka_unit_test(receiver_sws),
		cmocka_unit_test(urgent_data),
		cmocka_unit_test(death_flag),
		cmocka_unit_test(death_flag_pure_ack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

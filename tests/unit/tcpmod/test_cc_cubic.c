/* Unit tests: CUBIC (RFC 9438) — the window after a loss follows
 * W_cubic(t) = C (t-K)^3 + W_max (concave up to W_max at K, convex after),
 * the Reno-friendly estimate wins when it is larger, fast convergence,
 * timeout, floors. Driven by a simple ACK clock in virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/tcp_cc.h"

#define MSS 1000u

static double absd(double x) { return x < 0 ? -x : x; }

static void cu_init(struct hk_tcp_cc *cc)
{
	cc->ops = &hk_tcp_cc_cubic;
	cc->ops->init(cc, MSS, 0);
}

/* Puts the controller in congestion avoidance at w segments, then a loss
 * with the window full and the end of recovery. */
static void loss_at(struct hk_tcp_cc *cc, uint32_t w, hk_time_t now)
{
	cc->cwnd = w * MSS;
	cc->ssthresh = w * MSS;
	cc->ops->on_loss(cc, w * MSS, now);
	cc->ops->on_recovery_end(cc, now);
}

/* One RTT of a full window: cwnd/MSS ACKs of one segment, evenly spread. */
static void one_rtt(struct hk_tcp_cc *cc, hk_time_t *now, hk_time_t rtt)
{
	uint32_t n = cc->cwnd / MSS;
	if (n == 0)
		n = 1;
	hk_time_t step = rtt / n, start = *now;
	for (uint32_t i = 0; i < n; i++) {
		cc->ops->on_ack(cc, MSS, cc->cwnd, *now, rtt);
		*now += step;
	}
	*now = start + rtt;
}

static double segs(const struct hk_tcp_cc *cc) { return (double)cc->cwnd / MSS; }

static void slow_start_like_reno(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	assert_int_equal(cc.cwnd, 10 * MSS);
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	cc.ops->on_ack(&cc, MSS, cc.cwnd, 1000, 100000);
	assert_int_equal(cc.cwnd, 11 * MSS);
	cc.ops->on_ack(&cc, 5 * MSS, cc.cwnd, 2000, 100000);
	assert_int_equal(cc.cwnd, 13 * MSS); /* ABC: at most 2*SMSS per ACK */
	/* application-limited: nothing */
	cc.ops->on_ack(&cc, MSS, MSS, 3000, 100000);
	assert_int_equal(cc.cwnd, 13 * MSS);
	assert_ptr_equal(hk_tcp_cc_find("cubic"), &hk_tcp_cc_cubic);
	assert_string_equal(hk_tcp_cc_cubic.name, "cubic");
}

static void follows_the_curve(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	hk_time_t now = HK_SEC(10), rtt = HK_MSEC(100);
	loss_at(&cc, 1000, now);
	/* 4.6: ssthresh = 0.7 * flight, cwnd = ssthresh; W_max = 1000 */
	assert_int_equal(cc.ssthresh, 700 * MSS);
	assert_int_equal(cc.cwnd, 700 * MSS);
	assert_true(absd(cc.w_max - 1000) < 1e-9);
	/* the epoch starts with the first ACK: K = cbrt(1000 * 0.3 / 0.4) */
	hk_time_t t0 = now;
	one_rtt(&cc, &now, rtt);
	assert_true(absd(cc.k - 9.085602964160698) < 1e-9);
	double k = cc.k;
	/* sample cwnd at t = 0 (above), K/2, K, 3K/2, 2K */
	double w[5];
	w[0] = 700;
	for (int i = 1; i <= 4; i++) {
		hk_time_t until = t0 + (hk_time_t)(k * i / 2 * 1e6);
		while (now < until) {
			double before = segs(&cc);
			one_rtt(&cc, &now, rtt);
			/* never faster than 1.5x per RTT, never shrinking */
			assert_true(segs(&cc) <= before * 1.5 + 1);
			assert_true(segs(&cc) >= before);
			/* the Reno estimate never exceeds the window */
			assert_true(cc.w_est <= segs(&cc) + 1);
		}
		w[i] = segs(&cc);
	}
	print_message("cwnd at 0, K/2, K, 3K/2, 2K: %.0f %.0f %.0f %.0f %.0f\n",
		      w[0], w[1], w[2], w[3], w[4]);
	/* W_cubic(K) = W_max, W_cubic(2K) = C K^3 + W_max = 1300, within 3% */
	assert_true(absd(w[2] - 1000) < 30);
	assert_true(absd(w[4] - 1300) < 39);
	/* W_cubic(K/2) = 1000 - 300/8 = 962.5, W_cubic(3K/2) = 1037.5 */
	assert_true(absd(w[1] - 962.5) < 29);
	assert_true(absd(w[3] - 1037.5) < 31);
	/* concave before K, convex after */
	assert_true(w[1] - w[0] > w[2] - w[1]);
	assert_true(w[4] - w[3] > w[3] - w[2]);
	/* and far above what Reno would have reached (0.53..1 seg per RTT) */
	assert_true(cc.w_est < w[4] - 300);
}

static void reno_friendly_region(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	hk_time_t now = HK_SEC(1), rtt = HK_MSEC(10);
	loss_at(&cc, 20, now);
	assert_int_equal(cc.cwnd, 14 * MSS);
	hk_time_t t0 = now;
	for (int r = 0; r < 50; r++)
		one_rtt(&cc, &now, rtt);
	/* K = cbrt(20 * 0.3 / 0.4) = 2.466 s: at t = 0.5 s the cubic curve is
	 * at 0.4 (0.5 - 2.466)^3 + 20 = 16.96 segments */
	double t = (double)(now - t0) / 1e6, d = t - 2.46621207433047;
	double cubic = 0.4 * d * d * d + 20;
	assert_true(cubic < 17.5);
	/* W_est: +alpha = 0.529 per RTT up to cwnd_prior = 20 (11.3 RTTs),
	 * then +1 per RTT: 20 + 38.7 = 58.7 after 50 RTTs; cwnd takes it */
	print_message("after 50 RTTs: cwnd %.1f, W_est %.1f, W_cubic %.1f\n", segs(&cc), cc.w_est, cubic);
	assert_true(absd(segs(&cc) - 58.7) < 3);
	assert_true(segs(&cc) > cubic);
	assert_true(absd(segs(&cc) - cc.w_est) < 1);
}

static void fast_convergence(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	loss_at(&cc, 1000, HK_SEC(1));
	assert_true(absd(cc.w_max - 1000) < 1e-9);
	assert_true(absd(cc.w_last_max - 1000) < 1e-9);
	/* a second loss below the previous maximum: W_max = 900 (1 + 0.7) / 2 */
	cc.cwnd = 900 * MSS;
	cc.ops->on_loss(&cc, 800 * MSS, HK_SEC(2));
	assert_true(absd(cc.w_max - 765) < 1e-9);
	assert_true(absd(cc.w_last_max - 900) < 1e-9);
	assert_int_equal(cc.ssthresh, 560 * MSS); /* 0.7 * flight */
	assert_int_equal(cc.cwnd, 560 * MSS);
	/* a loss above it: plain W_max = cwnd */
	cc.cwnd = 800 * MSS;
	cc.ops->on_loss(&cc, 800 * MSS, HK_SEC(3));
	assert_true(absd(cc.w_max - 800) < 1e-9);
	/* floors: 2 segments */
	cc.ops->on_loss(&cc, MSS, HK_SEC(4));
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, 2 * MSS);
}

static void timeout_resets(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	hk_time_t now = HK_SEC(1), rtt = HK_MSEC(100);
	loss_at(&cc, 100, now);
	one_rtt(&cc, &now, rtt);
	/* RTO: ssthresh from beta, cwnd = 1 SMSS (4.8) */
	cc.ops->on_rto(&cc, 100 * MSS, now);
	assert_int_equal(cc.cwnd, MSS);
	assert_int_equal(cc.ssthresh, 70 * MSS);
	/* slow start back to ssthresh */
	int rtts = 0;
	while (cc.cwnd < cc.ssthresh) {
		one_rtt(&cc, &now, rtt);
		rtts++;
	}
	assert_true(rtts <= 8);
	/* first congestion avoidance ACK: K = 0, W_max = the window then */
	double w0 = segs(&cc);
	one_rtt(&cc, &now, rtt);
	assert_true(absd(cc.k) < 1e-12);
	assert_true(cc.w_max >= 70 && cc.w_max <= w0);
	/* convex from the start: slow at first, faster later */
	double a = segs(&cc);
	for (int i = 0; i < 10; i++)
		one_rtt(&cc, &now, rtt);
	double b = segs(&cc);
	for (int i = 0; i < 10; i++)
		one_rtt(&cc, &now, rtt);
	double c = segs(&cc);
	assert_true(c - b >= b - a);
}

static void application_limited(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	cu_init(&cc);
	hk_time_t now = HK_SEC(1), rtt = HK_MSEC(100);
	loss_at(&cc, 1000, now);
	one_rtt(&cc, &now, rtt);
	uint32_t w = cc.cwnd;
	/* a long quiet period with little in flight: no growth */
	for (int i = 0; i < 1000; i++) {
		now += HK_MSEC(10);
		cc.ops->on_ack(&cc, MSS, 10 * MSS, now, rtt);
	}
	assert_int_equal(cc.cwnd, w);
	/* back to full windows: growth resumes from the current point of the
	 * curve (t does not include the idle time): the slope there is
	 * 3 C K^2 = 98 segments/s, about 10 per RTT; counting the 10 s idle
	 * would jump to the 1.5x cap (+350) */
	one_rtt(&cc, &now, rtt);
	assert_true(cc.cwnd < w + 15 * MSS);
	assert_true(cc.cwnd > w + 5 * MSS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slow_start_like_reno),
		cmocka_unit_test(follows_the_curve),
		cmocka_unit_test(reno_friendly_region),
		cmocka_unit_test(fast_convergence),
		cmocka_unit_test(timeout_resets),
		cmocka_unit_test(application_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

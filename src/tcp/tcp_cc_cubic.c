/* hokuto tcp — CUBIC window arithmetic (RFC 9438). Windows in the formulas
 * are in segments and t in seconds; cwnd itself stays in bytes. Slow start
 * is Reno's (4.10); congestion avoidance follows the cubic curve
 *   W_cubic(t) = C (t - K)^3 + W_max,  K = cbrt((W_max - cwnd_epoch) / C)
 * with the Reno-friendly estimate W_est as a floor (4.3). */
#include "tcp/tcp_cc.h"
#include "tcp/tcp_cc_util.h"

#define CUBIC_C 0.4          /* 5.1 */
#define CUBIC_BETA 0.7       /* 5.1 */
/* 4.3 eq. 5: alpha_cubic = 3 (1 - beta) / (1 + beta) */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))

/* Cube root of x >= 0 by Newton's method (keeps libm out of the library). */
static double cube_root(double x)
{
	if (x <= 0)
		return 0;
	double y = x > 1 ? x : 1;
	for (int i = 0; i < 200; i++) {
		double next = (2 * y + x / (y * y)) / 3;
		if (next >= y) /* decreasing from above until it settles */
			break;
		y = next;
	}
	return y;
}

static double w_cubic(const struct hk_tcp_cc *cc, double t)
{
	double d = t - cc->k;
	return CUBIC_C * d * d * d + cc->w_max; /* eq. 1 */
}

static void cubic_init(struct hk_tcp_cc *cc, uint32_t mss, hk_time_t now)
{
	(void)now;
	cc->mss = mss ? mss : 536;
	cc->cwnd = hk_cc_initial_window(cc->mss);
	cc->ssthresh = UINT32_MAX;
	cc->bytes_acked = 0;
	cc->w_max = cc->w_last_max = cc->k = cc->w_est = cc->cwnd_frac = 0;
	cc->epoch_start = 0;
}

/* Start of a congestion avoidance stage (4.2, 4.3, 4.8). */
static void cubic_epoch(struct hk_tcp_cc *cc, hk_time_t now)
{
	double epoch_w = (double)cc->cwnd / cc->mss;
	cc->epoch_start = now ? now : 1;
	cc->cwnd_frac = 0;
	if (cc->w_max <= epoch_w) {
		/* after a timeout (or above the old maximum): K = 0 and W_max =
		 * the window at the start of this stage (4.8) */
		cc->w_max = epoch_w;
		cc->k = 0;
	} else {
		cc->k = cube_root((cc->w_max - epoch_w) / CUBIC_C); /* eq. 2 */
	}
	cc->w_est = epoch_w; /* 4.3: W_est starts at cwnd_epoch */
}

static void cubic_on_ack(struct hk_tcp_cc *cc, uint32_t bytes_acked, uint32_t flight_before,
			 hk_time_t now, hk_time_t srtt)
{
	if (bytes_acked == 0)
		return;
	if (!hk_cc_cwnd_limited(cc, flight_before)) {
		/* 4.2: t must not include application-limited periods; the next
		 * stage restarts the curve from the current window */
		cc->epoch_start = 0;
		return;
	}
	if (cc->cwnd < cc->ssthresh) {
		hk_cc_reno_grow(cc, bytes_acked); /* 4.10: slow start */
		cc->epoch_start = 0;
		return;
	}
	if (cc->epoch_start == 0)
		cubic_epoch(cc, now);
	double mss = cc->mss;
	double cwnd = cc->cwnd / mss;
	double acked = bytes_acked / mss;
	double t = (double)(now - cc->epoch_start) / 1e6;
	double rtt = (double)srtt / 1e6;

	/* 4.3: Reno-friendly estimate; alpha becomes 1 once W_est reaches
	 * cwnd_prior */
	double alpha = cc->w_est >= cc->w_last_max ? 1.0 : CUBIC_ALPHA;
	cc->w_est += alpha * acked / cwnd; /* eq. 4 */
	if (w_cubic(cc, t) < cc->w_est) {
		/* Reno-friendly region: cwnd = W_est */
		double w = cc->w_est * mss;
		if (w > cc->cwnd)
			cc->cwnd = w >= UINT32_MAX ? UINT32_MAX : (uint32_t)w;
		return;
	}
	/* 4.2: target = W_cubic(t + RTT), bounded to [cwnd, 1.5 cwnd];
	 * 4.4/4.5: cwnd += (target - cwnd) / cwnd per segment acked */
	double target = w_cubic(cc, t + rtt);
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	cc->cwnd_frac += (target - cwnd) / cwnd * acked * mss;
	if (cc->cwnd_frac >= 1) {
		double whole = (double)(uint64_t)cc->cwnd_frac;
		cc->cwnd_frac -= whole;
		cc->cwnd = hk_cc_sat_add(cc->cwnd, whole >= UINT32_MAX ? UINT32_MAX : (uint32_t)whole);
	}
}

/* 4.6 multiplicative decrease with 4.7 fast convergence. */
static void cubic_reduce(struct hk_tcp_cc *cc, uint32_t flight)
{
	double cwnd = (double)cc->cwnd / cc->mss;
	cc->w_last_max = cwnd; /* cwnd_prior */
	if (cwnd < cc->w_max)
		cc->w_max = cwnd * (1.0 + CUBIC_BETA) / 2.0; /* 4.7: release some */
	else
		cc->w_max = cwnd;
	double ss = (double)flight * CUBIC_BETA; /* ssthresh = flight_size * beta */
	uint32_t two = hk_cc_sat_add(cc->mss, cc->mss);
	cc->ssthresh = ss < two ? two : (uint32_t)ss;
	cc->epoch_start = 0;
	cc->bytes_acked = 0;
	cc->cwnd_frac = 0;
}

static void cubic_on_loss(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now)
{
	(void)now;
	cubic_reduce(cc, flight);
	cc->cwnd = cc->ssthresh; /* cwnd = max(ssthresh, 2) */
}

static void cubic_on_recovery_end(struct hk_tcp_cc *cc, hk_time_t now)
{
	(void)now;
	cc->cwnd = cc->ssthresh;
	cc->epoch_start = 0; /* congestion avoidance starts with the next ACK */
}

static void cubic_on_rto(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now)
{
	(void)now;
	/* 4.8: ssthresh as in 4.6, cwnd as Reno (1 SMSS); the next stage
	 * starts its curve from its own window with K = 0 */
	cubic_reduce(cc, flight);
	cc->cwnd = cc->mss;
	cc->w_max = 0;
}

const struct hk_tcp_cc_ops hk_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_recovery_end = cubic_on_recovery_end,
	.on_rto = cubic_on_rto,
};

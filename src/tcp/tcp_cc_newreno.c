/* hokuto tcp — NewReno window arithmetic: RFC 5681 slow start and
 * congestion avoidance with RFC 3465 byte counting (L = 2*SMSS), RFC 6582
 * recovery exit, RFC 6928 initial window. Loss detection and the
 * recovery-time inflation are the core's. */
#include "tcp/tcp_cc.h"
#include "tcp/tcp_cc_util.h"

uint32_t hk_cc_initial_window(uint32_t mss)
{
	/* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)) */
	uint64_t two = 2 * (uint64_t)mss, ten = 10 * (uint64_t)mss;
	uint64_t iw = two > 14600 ? two : 14600;
	if (iw > ten)
		iw = ten;
	return iw > UINT32_MAX ? UINT32_MAX : (uint32_t)iw;
}

uint32_t hk_cc_sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

bool hk_cc_cwnd_limited(const struct hk_tcp_cc *cc, uint32_t flight_before)
{
	/* RFC 7661 idea (as Linux does it): only a window the sender was
	 * actually using may grow. Slow start: at least half of it in flight;
	 * congestion avoidance: within one segment of full. */
	if (cc->cwnd < cc->ssthresh)
		return (uint64_t)flight_before * 2 >= cc->cwnd;
	return (uint64_t)flight_before + cc->mss >= cc->cwnd;
}

void hk_cc_reno_grow(struct hk_tcp_cc *cc, uint32_t bytes_acked)
{
	if (cc->cwnd < cc->ssthresh) {
		/* RFC 5681 3.1 eq. 2 with RFC 3465 ABC: +min(N, L), L = 2*SMSS */
		uint32_t l = hk_cc_sat_add(cc->mss, cc->mss);
		cc->cwnd = hk_cc_sat_add(cc->cwnd, bytes_acked < l ? bytes_acked : l);
		return;
	}
	/* RFC 5681 3.1 / RFC 3465 2.1: +SMSS once a cwnd's worth is acked */
	cc->bytes_acked = hk_cc_sat_add(cc->bytes_acked, bytes_acked);
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd = hk_cc_sat_add(cc->cwnd, cc->mss);
	}
}

uint32_t hk_cc_reno_ssthresh(const struct hk_tcp_cc *cc, uint32_t flight)
{
	/* RFC 5681 eq. 4: max(FlightSize / 2, 2*SMSS) */
	uint32_t half = flight / 2, two = hk_cc_sat_add(cc->mss, cc->mss);
	return half > two ? half : two;
}

static void newreno_init(struct hk_tcp_cc *cc, uint32_t mss, hk_time_t now)
{
	(void)now;
	cc->mss = mss ? mss : 536; /* RFC 9293 3.7.1 default */
	cc->cwnd = hk_cc_initial_window(cc->mss);
	cc->ssthresh = UINT32_MAX; /* RFC 5681 3.1: arbitrarily high */
	cc->bytes_acked = 0;
	cc->w_max = cc->w_last_max = cc->k = cc->w_est = cc->cwnd_frac = 0;
	cc->epoch_start = 0;
}

static void newreno_on_ack(struct hk_tcp_cc *cc, uint32_t bytes_acked, uint32_t flight_before,
			   hk_time_t now, hk_time_t srtt)
{
	(void)now;
	(void)srtt;
	if (bytes_acked == 0 || !hk_cc_cwnd_limited(cc, flight_before))
		return;
	hk_cc_reno_grow(cc, bytes_acked);
}

static void newreno_on_loss(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now)
{
	(void)now;
	cc->ssthresh = hk_cc_reno_ssthresh(cc, flight);
	cc->cwnd = cc->ssthresh; /* RFC 5681 3.2 step 3 without the +3*SMSS (core) */
	cc->bytes_acked = 0;
}

static void newreno_on_recovery_end(struct hk_tcp_cc *cc, hk_time_t now)
{
	(void)now;
	cc->cwnd = cc->ssthresh; /* RFC 6582 3.2 step 3, option (2): deflate */
	cc->bytes_acked = 0;
}

static void newreno_on_rto(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now)
{
	(void)now;
	cc->ssthresh = hk_cc_reno_ssthresh(cc, flight);
	cc->cwnd = cc->mss; /* RFC 5681 3.1: loss window = 1 SMSS */
	cc->bytes_acked = 0;
}

const struct hk_tcp_cc_ops hk_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_recovery_end = newreno_on_recovery_end,
	.on_rto = newreno_on_rto,
};

/* hokuto tcp — RFC 6298 retransmission timeout estimator. Integer
 * microseconds; alpha = 1/8, beta = 1/4, K = 4, G = 1 ms (section 2). */
#include "tcp/tcp_rtt.h"

#define RTT_G HK_MSEC(1)
#define RTT_K 4

static hk_time_t clamp(const struct hk_rtt *r, hk_time_t t)
{
	if (t < r->rto_min)
		t = r->rto_min;
	if (t > r->rto_max)
		t = r->rto_max;
	return t;
}

void hk_rtt_init(struct hk_rtt *r, hk_time_t initial, hk_time_t min, hk_time_t max)
{
	r->srtt = 0;
	r->rttvar = 0;
	r->rto_min = min;
	r->rto_max = max < min ? min : max;
	r->rto = clamp(r, initial); /* 2.1 */
	r->have_sample = false;
	r->backoff = 0;
}

void hk_rtt_sample(struct hk_rtt *r, hk_time_t m)
{
	if (!r->have_sample) {
		/* 2.2: SRTT <- R, RTTVAR <- R/2 */
		r->srtt = m;
		r->rttvar = m / 2;
		r->have_sample = true;
	} else {
		/* 2.3: RTTVAR first, with the old SRTT */
		hk_time_t diff = r->srtt > m ? r->srtt - m : m - r->srtt;
		r->rttvar = (3 * r->rttvar + diff) / 4;   /* (1 - 1/4) RTTVAR + 1/4 |SRTT - R'| */
		r->srtt = (7 * r->srtt + m) / 8;          /* (1 - 1/8) SRTT + 1/8 R' */
	}
	/* RTO <- SRTT + max(G, K*RTTVAR), then 2.4/2.5 bounds */
	hk_time_t var = RTT_K * r->rttvar;
	r->rto = clamp(r, r->srtt + (var > RTT_G ? var : RTT_G));
	r->backoff = 0;
}

hk_time_t hk_rtt_timeout(const struct hk_rtt *r)
{
	hk_time_t t = r->rto;
	for (unsigned i = 0; i < r->backoff && t < r->rto_max; i++)
		t = t > r->rto_max / 2 ? r->rto_max : t * 2;
	return t > r->rto_max ? r->rto_max : t;
}

void hk_rtt_backoff(struct hk_rtt *r)
{
	/* 5.5: RTO <- RTO * 2; the count saturates (the timeout does at rto_max) */
	if (r->backoff < UINT8_MAX)
		r->backoff++;
}

/* hokuto tcp — the retransmission timer's estimator (RFC 6298). Karn's rule
 * (no samples from retransmitted segments) is the caller's job. */
#ifndef HOKUTO_TCP_RTT_H
#define HOKUTO_TCP_RTT_H

#include "hokuto/types.h"

struct hk_rtt {
	hk_time_t srtt, rttvar;
	hk_time_t rto;            /* without backoff */
	hk_time_t rto_min, rto_max;
	bool have_sample;
	uint8_t backoff;          /* backoffs since the last sample (saturates at
				   * 255; the timeout itself stops at rto_max) */
};

/* RFC 6298 2.1: before any sample the RTO is `initial`. */
void hk_rtt_init(struct hk_rtt *r, hk_time_t initial, hk_time_t min, hk_time_t max);
/* RFC 6298 2.2/2.3 with G = 1 ms clock granularity; clamps to [min, max];
 * clears the backoff (5.7 is the caller's choice, sampling after backoff
 * collapses it here). */
void hk_rtt_sample(struct hk_rtt *r, hk_time_t measured);
/* The timeout to arm now: rto << backoff, clamped to rto_max (5.5). */
hk_time_t hk_rtt_timeout(const struct hk_rtt *r);
/* RFC 6298 5.5: doubles the timeout (saturating at rto_max). */
void hk_rtt_backoff(struct hk_rtt *r);

#endif

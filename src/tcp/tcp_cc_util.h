/* hokuto tcp — window arithmetic shared by the congestion controllers
 * (internal to tcp_cc_*.c; defined in tcp_cc_newreno.c). */
#ifndef HOKUTO_TCP_CC_UTIL_H
#define HOKUTO_TCP_CC_UTIL_H

#include "tcp/tcp_cc.h"

/* RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
uint32_t hk_cc_initial_window(uint32_t mss);
uint32_t hk_cc_sat_add(uint32_t a, uint32_t b);
/* Whether the window was in use enough to grow (RFC 7661 idea). */
bool hk_cc_cwnd_limited(const struct hk_tcp_cc *cc, uint32_t flight_before);
/* RFC 5681 slow start / congestion avoidance with RFC 3465 counting. */
void hk_cc_reno_grow(struct hk_tcp_cc *cc, uint32_t bytes_acked);
/* RFC 5681 eq. 4: max(flight/2, 2*SMSS). */
uint32_t hk_cc_reno_ssthresh(const struct hk_tcp_cc *cc, uint32_t flight);

#endif

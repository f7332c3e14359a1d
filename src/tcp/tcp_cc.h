/* hokuto tcp — congestion control behind a small ops struct (the window
 * arithmetic only; loss detection and recovery live in the TCP core).
 * NewReno: RFC 5681 + RFC 6582; CUBIC: RFC 9438. */
#ifndef HOKUTO_TCP_CC_H
#define HOKUTO_TCP_CC_H

#include "hokuto/types.h"

struct hk_tcp_cc;

struct hk_tcp_cc_ops {
	const char *name;
	/* Initial window (RFC 5681 3.1 / RFC 6928 IW10 is fine), ssthresh large. */
	void (*init)(struct hk_tcp_cc *cc, uint32_t mss, hk_time_t now);
	/* New data acknowledged while NOT in recovery: grow cwnd (slow start /
	 * congestion avoidance; RFC 3465 byte counting limited to 2*MSS per ACK). */
	void (*on_ack)(struct hk_tcp_cc *cc, uint32_t bytes_acked, uint32_t flight_before,
		       hk_time_t now, hk_time_t srtt);
	/* Loss detected by duplicate ACKs/SACK: ssthresh = f(flight), cwnd = ssthresh
	 * (the core adds its own inflation/pipe logic during recovery). */
	void (*on_loss)(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now);
	/* Fast recovery finished (RFC 6582 full ACK): cwnd settles. */
	void (*on_recovery_end)(struct hk_tcp_cc *cc, hk_time_t now);
	/* Retransmission timeout (RFC 5681 eq. 4): ssthresh = max(flight/2, 2*MSS),
	 * cwnd = 1 MSS (loss window). */
	void (*on_rto)(struct hk_tcp_cc *cc, uint32_t flight, hk_time_t now);
	/* Spurious/undo hooks are not needed now. */
};

struct hk_tcp_cc {
	const struct hk_tcp_cc_ops *ops;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t mss;
	uint32_t bytes_acked;   /* RFC 3465 counter for congestion avoidance */
	/* CUBIC state (RFC 9438 4.x) */
	double w_max;           /* in segments; 0: none (take cwnd at epoch start) */
	double w_last_max;      /* cwnd_prior: cwnd (segments) at the last reduction */
	double k;               /* seconds */
	double w_est;           /* Reno-friendly estimate, segments */
	hk_time_t epoch_start;  /* 0: no epoch */
	double cwnd_frac;       /* fractional bytes of growth accumulated */
};

extern const struct hk_tcp_cc_ops hk_tcp_cc_newreno;
extern const struct hk_tcp_cc_ops hk_tcp_cc_cubic;
/* "newreno" / "cubic" -> ops, NULL when unknown. */
const struct hk_tcp_cc_ops *hk_tcp_cc_find(const char *name);

#endif

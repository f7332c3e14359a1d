/* hokuto tcp — what an acceptable ACK does (RFC 9293 3.10.7.4 "fifth"):
 * advance SND.UNA, update the send window, take RTT samples (RFC 6298,
 * RFC 7323 4), and detect and recover from loss: fast retransmit and
 * NewReno fast recovery (RFC 5681 3.2, RFC 6582) or SACK-based recovery
 * (RFC 6675) with the scoreboard. Window arithmetic is tcp_cc's. */
#include "tcp/tcp_int.h"

uint32_t tcp_flight(const struct hk_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static void rtt_sample(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, uint32_t ack)
{
	if (tcp_has(c, TF_TS_OK) && h->opts.has_ts && h->opts.ts_ecr) {
		/* RFC 7323 4.1: RTTM from the echoed timestamp (Karn-safe) */
		uint32_t ms = tcp_ts_now(c) - h->opts.ts_ecr;
		if (ms < 600000u)
			hk_rtt_sample(&c->rtt, HK_MSEC(ms));
		return;
	}
	if (tcp_has(c, TF_RTT_TIMING) && hk_seq_geq(ack, c->rtt_seq)) {
		c->flags &= ~TF_RTT_TIMING;
		hk_rtt_sample(&c->rtt, s->now - c->rtt_start);
	}
}

/* RFC 6582 3.2 step 5 / RFC 5681 3.2 step 3: retransmit the first
 * unacknowledged segment. */
static void retransmit_first(struct hk_stack *s, struct hk_tcp_conn *c)
{
	uint32_t used = tcp_send_seq(s, c, c->snd_una, c->eff_mss, false);
	if (tcp_has(c, TF_SACK_OK) && hk_seq_gt(c->snd_una + used, c->high_rxt))
		c->high_rxt = c->snd_una + used;
}

static void enter_recovery(struct hk_stack *s, struct hk_tcp_conn *c)
{
	HK_STAT_INC(s, tcp_fast_retransmits);
	c->flags |= TF_RECOVERY;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->cc.ops->on_loss(&c->cc, tcp_flight(c), s->now);
	c->flags &= ~TF_RTT_TIMING;
	retransmit_first(s, c);
	if (!tcp_has(c, TF_SACK_OK))
		c->cc.cwnd = c->cc.ssthresh + 3 * c->eff_mss; /* RFC 5681 3.2 step 4: inflate */
}

static void exit_recovery(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags &= ~TF_RECOVERY;
	c->dupacks = 0;
	c->cc.ops->on_recovery_end(&c->cc, s->now);
	/* RFC 6582 3.2 step 3 option 1: no burst larger than flight + 1 MSS */
	uint32_t lim = tcp_flight(c) + c->eff_mss;
	if (c->cc.cwnd > lim && c->cc.cwnd > c->cc.ssthresh)
		c->cc.cwnd = tcp_max(lim, c->cc.ssthresh);
}

void tcp_enter_rto(struct hk_stack *s, struct hk_tcp_conn *c)
{
	/* RFC 5681 3.1 eq. 4 (+ RFC 6582 4: recover = highest sent) */
	c->cc.ops->on_rto(&c->cc, tcp_flight(c), s->now);
	c->flags &= ~(TF_RECOVERY | TF_RTT_TIMING);
	c->dupacks = 0;
	c->recover = c->snd_max;
	/* RFC 6675 5.1: the receiver may have reneged; start afresh */
	hk_sack_reset(&c->sack);
	c->high_rxt = c->snd_una;
	c->snd_nxt = c->snd_una; /* go back: slow start resends the rest */
}

uint32_t tcp_ack_process(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, uint32_t seg_len)
{
	uint32_t ack = h->ack;
	uint32_t acked = ack - c->snd_una;
	uint32_t flight_before = tcp_flight(c);
	uint32_t newly_sacked = 0;
	if (tcp_has(c, TF_SACK_OK) && h->opts.n_sack)
		newly_sacked = hk_sack_update(&c->sack, ack, c->snd_max, h->opts.sack, h->opts.n_sack);

	if (acked > 0) {
		uint32_t ring = hk_ring_len(&c->sndbuf);
		uint32_t data = acked < ring ? acked : ring;
		hk_ring_consume(&c->sndbuf, data);
		if (acked > ring && tcp_has(c, TF_FIN_SENT))
			c->flags |= TF_FIN_ACKED;
		c->snd_una = ack;
		if (hk_seq_lt(c->snd_nxt, ack))
			c->snd_nxt = ack;
		c->bytes_acked += data;
		tcp_dth_acked(c); /* RFC 9401 marks below SND.UNA go */
		if (tcp_has(c, TF_SND_URG) && hk_seq_leq(c->snd_up, ack))
			c->flags &= ~TF_SND_URG;
		hk_sack_ack(&c->sack, ack);
		rtt_sample(s, c, h, ack);
		c->retries = 0;
		c->flags &= ~TF_TLP_DONE; /* a new probe episode may start */
		/* RFC 6298 5.2 / 5.3 */
		if (c->snd_una == c->snd_max)
			tcp_rexmt_stop(s, c);
		else
			tcp_rexmt_restart(s, c);
	}

	/* 3.10.7.4 fifth: update the window when the segment is newer */
	uint32_t wnd = (uint32_t)h->window << c->snd_wscale; /* MUST-1, REC-1: 32-bit unsigned */
	bool wnd_changed = wnd != c->snd_wnd;
	if (hk_seq_lt(c->snd_wl1, h->seq) || (c->snd_wl1 == h->seq && hk_seq_leq(c->snd_wl2, ack))) {
		c->snd_wnd = wnd;
		c->snd_wl1 = h->seq;
		c->snd_wl2 = ack;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
	} else {
		wnd_changed = false;
	}

	if (tcp_has(c, TF_PERSIST)) {
		c->retries = 0; /* MUST-37: the peer is alive */
		if (c->snd_wnd > 0) {
			tcp_rexmt_stop(s, c);
			c->rtt.backoff = 0;
			/* probe bytes past the old window were most likely dropped:
			 * send again from SND.UNA */
			c->snd_nxt = c->snd_una;
		}
	}

	if (!tcp_synchronized(c->state) || c->cc.ops == NULL || c->cc.cwnd == 0)
		return acked;

	/* RFC 3168 6.1.2: ECN-Echo halves the window, at most once per window
	 * of data, with no retransmission; our next new segment says CWR */
	if ((c->ecn & ECN_OK) && (h->flags & HK_TCP_ECE) && !tcp_has(c, TF_RECOVERY) &&
	    hk_seq_geq(ack, c->ecn_recover) && flight_before > 0) {
		HK_STAT_INC(s, tcp_ecn_reductions);
		c->cc.ops->on_loss(&c->cc, flight_before, s->now);
		c->ecn_recover = c->snd_max;
		c->ecn |= ECN_CWR;
		return acked;
	}

	/* RFC 5681 2 "duplicate acknowledgment"; RFC 6675 2: an ACK with new
	 * SACK information counts too */
	bool dup = acked == 0 && seg_len == 0 && flight_before > 0 && c->snd_wnd > 0 &&
		   !tcp_has(c, TF_PERSIST) && /* window probes are answered like this */
		   !(h->flags & (HK_TCP_SYN | HK_TCP_FIN)) && (!wnd_changed || newly_sacked > 0);

	if (!tcp_has(c, TF_RECOVERY)) {
		if (acked > 0) {
			c->dupacks = 0;
			c->cc.ops->on_ack(&c->cc, acked, flight_before, s->now, c->rtt.srtt);
		} else if (dup) {
			c->dupacks++;
			bool lost = c->dupacks >= HK_SACK_DUPTHRESH;
			if (tcp_has(c, TF_SACK_OK) && !lost)
				lost = hk_sack_is_lost(&c->sack, c->snd_una, c->eff_mss); /* RFC 6675 5 (a) */
			/* RFC 6582 3.2 step 2: not again for losses of the same window */
			if (lost && hk_seq_gt(ack, c->recover))
				enter_recovery(s, c);
			else if (lost)
				c->dupacks = 0;
		}
	} else if (acked > 0 && hk_seq_geq(ack, c->recover)) {
		exit_recovery(s, c); /* full acknowledgment */
	} else if (acked > 0) {
		/* partial acknowledgment */
		if (!tcp_has(c, TF_SACK_OK)) {
			retransmit_first(s, c);
			/* RFC 6582 3.2 step 5: deflate by the amount acked, add back one MSS */
			uint32_t cw = c->cc.cwnd > acked ? c->cc.cwnd - acked : 0;
			if (acked >= c->eff_mss)
				cw += c->eff_mss;
			c->cc.cwnd = tcp_max(cw, c->eff_mss);
		}
	} else if (dup && !tcp_has(c, TF_SACK_OK)) {
		c->cc.cwnd += c->eff_mss; /* RFC 5681 3.2 step 4 */
	}
	return acked;
}

/* RFC 6675 5 (C): while cwnd - pipe >= 1 SMSS send by NextSeg, new data
 * under rule 2. */
void tcp_sack_output(struct hk_stack *s, struct hk_tcp_conn *c)
{
	for (int guard = 0; guard < 1024; guard++) {
		if (hk_seq_lt(c->high_rxt, c->snd_una))
			c->high_rxt = c->snd_una;
		uint32_t pipe = hk_sack_pipe(&c->sack, c->snd_una, c->snd_max, c->high_rxt, c->eff_mss);
		if (pipe + c->eff_mss > c->cc.cwnd)
			return;
		uint32_t seq, len;
		if (hk_sack_next_seg(&c->sack, c->snd_una, c->snd_max, c->high_rxt, c->eff_mss, &seq, &len) == 0) {
			uint32_t used = tcp_send_seq(s, c, seq, len, false);
			if (used == 0)
				return;
			c->high_rxt = seq + used;
			continue;
		}
		/* rule 2: new data within the receiver's window */
		uint32_t data_end = tcp_data_end(c);
		uint32_t avail = hk_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		bool fin_left = tcp_has(c, TF_FIN_QUEUED) && !tcp_has(c, TF_FIN_ACKED) &&
				hk_seq_leq(c->snd_nxt, data_end);
		int32_t usable = (int32_t)(c->snd_una + c->snd_wnd - c->snd_nxt);
		uint32_t n = usable > 0 ? tcp_min(avail, (uint32_t)usable) : 0;
		if (n > 0 || (fin_left && avail == 0)) {
			uint32_t used = tcp_send_seq(s, c, c->snd_nxt, n, true);
			if (used == 0)
				return;
			c->snd_nxt += used;
			continue;
		}
		/* rule 3: no new data may go; resend what is not yet known lost */
		if (hk_sack_next_seg_rule3(&c->sack, c->snd_una, c->snd_max, c->high_rxt, c->eff_mss, &seq, &len) < 0)
			return;
		uint32_t used = tcp_send_seq(s, c, seq, len, false);
		if (used == 0)
			return;
		c->high_rxt = seq + used;
	}
}

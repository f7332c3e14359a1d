/* hokuto tcp — SEGMENT ARRIVES, RFC 9293 3.10.7, step by step, with the
 * RFC 5961 defences (RST, SYN and ACK checks with challenge ACKs) and PAWS
 * (RFC 7323 5). LISTEN and CLOSED are in tcp_listen.c, the ACK in tcp_ack.c. */
#include <errno.h>

#include "tcp/tcp_int.h"

static uint32_t seg_length(const struct hk_tcp_hdr *h)
{
	return (uint32_t)h->payload_len + ((h->flags & HK_TCP_SYN) ? 1 : 0) + ((h->flags & HK_TCP_FIN) ? 1 : 0);
}

static void other_states(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h);

static void ack_soon(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags |= TF_ACK_NOW;
	tcp_mark_pending(s, c);
}

/* 3.10.7.3 SYN-SENT */
static void syn_sent(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	bool ack = h->flags & HK_TCP_ACK;
	/* first: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless
	 * the RST bit is set, if so drop the segment and return)" */
	if (ack && (hk_seq_leq(h->ack, c->iss) || hk_seq_gt(h->ack, c->snd_max))) {
		HK_STAT_INC(s, tcp_rx_bad_synack);
		if (!(h->flags & HK_TCP_RST))
			tcp_send_ctl(s, c->laddr, c->raddr, c->lport, c->rport, h->ack, 0, HK_TCP_RST, 0, NULL,
				     c->ttl, c->tos);
		return;
	}
	/* second: a RST is acceptable when its ACK acknowledges our SYN */
	if (h->flags & HK_TCP_RST) {
		if (ack) {
			HK_STAT_INC(s, tcp_rx_rst);
			tcp_conn_closed(s, c, ECONNREFUSED); /* "error: connection reset" */
		} else {
			HK_STAT_INC(s, tcp_rx_unexpected);
		}
		return;
	}
	/* fourth: SYN */
	if (!(h->flags & HK_TCP_SYN)) {
		HK_STAT_INC(s, tcp_rx_unexpected); /* fifth: neither SYN nor RST */
		return;
	}
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	tcp_syn_options(s, c, h, false);
	c->rcv_adv = c->rcv_nxt + tcp_min(tcp_rcv_space(c), 65535); /* what our SYN offered */
	/* RFC 7323 2.2: the window of a SYN segment is not scaled */
	c->snd_wnd = h->window;
	c->max_snd_wnd = h->window;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	if (!ack) {
		/* MUST-10 simultaneous open: SYN-RECEIVED, send <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
		tcp_set_state(s, c, HK_TCP_SYN_RECEIVED);
		tcp_send_syn(s, c);
		return;
	}
	/* our SYN is acknowledged: ESTABLISHED */
	c->snd_una = h->ack;
	if (tcp_has(c, TF_TS_OK) && h->opts.has_ts && h->opts.ts_ecr) {
		hk_rtt_sample(&c->rtt, HK_MSEC(tcp_ts_now(c) - h->opts.ts_ecr));
	} else if (tcp_has(c, TF_RTT_TIMING)) {
		hk_rtt_sample(&c->rtt, s->now - c->rtt_start);
	}
	c->flags &= ~TF_RTT_TIMING;
	c->retries = 0;
	tcp_rexmt_stop(s, c);
	tcp_set_state(s, c, HK_TCP_ESTABLISHED);
	tcp_conn_established(s, c);
	ack_soon(s, c);
	if (tcp_has(c, TF_FIN_QUEUED))
		tcp_set_state(s, c, HK_TCP_FIN_WAIT_1);
	/* "If there are other controls or text in the segment, then continue
	 * processing at the sixth step" */
	if (h->payload_len > 0 || (h->flags & HK_TCP_FIN)) {
		struct hk_tcp_hdr rest = *h;
		rest.flags &= (uint8_t)~HK_TCP_SYN;
		rest.seq += 1;
		other_states(s, c, &rest);
	}
}

/* 3.10.7.4 seventh: segment text, into the receive ring; out-of-order
 * data is written ahead and remembered in tcp_asm (SHLD-31). */
static void receive_text(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h,
			 uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint32_t off = seq - c->rcv_nxt;
	if (len > c->rcv_mss && len <= c->adv_mss)
		c->rcv_mss = len;
	if (off > 0) {
		if (hk_asm_add(&c->asmb, off, len) < 0) {
			HK_STAT_INC(s, tcp_rx_ooo_full);
		} else {
			hk_ring_write_ahead(&c->rcvbuf, off, data, len);
			HK_STAT_INC(s, tcp_rx_ooo);
		}
		/* RFC 5681 4.2 / MAY-13: a duplicate ACK at once, one per
		 * out-of-order segment (not aggregated: the sender counts them
		 * and reads the SACK blocks of each) */
		tcp_send_ack(s, c);
		return;
	}
	bool had_gap = !hk_asm_empty(&c->asmb);
	uint32_t n = hk_ring_write(&c->rcvbuf, data, len);
	c->rcv_nxt += n;
	hk_asm_advance(&c->asmb, n);
	uint32_t more = hk_asm_front(&c->asmb);
	if (more) {
		hk_ring_commit(&c->rcvbuf, more);
		hk_asm_advance(&c->asmb, more);
		c->rcv_nxt += more;
	}
	c->bytes_received += n + more;
	if (h->flags & HK_TCP_PSH)
		c->rcv_psh_seq = c->rcv_nxt;
	if (tcp_has(c, TF_RD_SHUT)) {
		/* shutdown(RD): acknowledged and thrown away */
		hk_ring_consume(&c->rcvbuf, hk_ring_len(&c->rcvbuf));
		c->rcv_read_seq = c->rcv_nxt;
	}
	if (had_gap) {
		ack_soon(s, c); /* RFC 5681 4.2: a gap filled, ACK at once */
		return;
	}
	/* SHLD-18/19: delay, but ACK at least every second full-sized segment */
	c->rcv_unacked += n;
	if (c->rcv_unacked >= 2 * c->rcv_mss)
		ack_soon(s, c);
	else
		tcp_delack_schedule(s, c);
}

/* 3.10.7.4 eighth: the FIN, once everything before it has arrived. */
static void receive_fin(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags &= ~TF_OOO_FIN;
	c->flags |= TF_RCVD_FIN;
	c->rcv_nxt += 1;
	ack_soon(s, c);
	tcp_dth_fin_in(s, c); /* RFC 9401 3.3: Hokuto-Shinken */
	switch (c->state) {
	case HK_TCP_SYN_RECEIVED:
	case HK_TCP_ESTABLISHED:
		tcp_set_state(s, c, HK_TCP_CLOSE_WAIT);
		break;
	case HK_TCP_FIN_WAIT_1:
		if (tcp_has(c, TF_FIN_ACKED))
			tcp_timewait_start(s, c);
		else
			tcp_set_state(s, c, HK_TCP_CLOSING);
		break;
	case HK_TCP_FIN_WAIT_2:
		tcp_timewait_start(s, c);
		break;
	default:
		break;
	}
}

/* 3.10.7.4 second: RST (RFC 5961 3.2: only an exact match resets). */
static void receive_rst(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	if (h->seq != c->rcv_nxt) {
		HK_STAT_INC(s, tcp_rx_rst_challenge);
		tcp_challenge_ack(s, c);
		return;
	}
	HK_STAT_INC(s, tcp_rx_rst);
	switch (c->state) {
	case HK_TCP_SYN_RECEIVED:
		/* MUST-11: from a passive OPEN back to LISTEN (the listener
		 * lives on, this record goes); from an active one, refused */
		tcp_conn_closed(s, c, tcp_has(c, TF_PASSIVE) ? ECONNRESET : ECONNREFUSED);
		break;
	case HK_TCP_ESTABLISHED:
	case HK_TCP_FIN_WAIT_1:
	case HK_TCP_FIN_WAIT_2:
	case HK_TCP_CLOSE_WAIT:
		tcp_conn_closed(s, c, ECONNRESET); /* MUST-12: the app learns it was an abort */
		break;
	default: /* CLOSING, LAST-ACK, TIME-WAIT */
		tcp_conn_closed(s, c, 0);
		break;
	}
}

/* 3.10.7.4 fifth, SYN-RECEIVED: the ACK that completes the handshake. */
static bool synrcvd_ack(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	if (!(hk_seq_lt(c->snd_una, h->ack) && hk_seq_leq(h->ack, c->snd_max))) {
		tcp_send_ctl(s, c->laddr, c->raddr, c->lport, c->rport, h->ack, 0, HK_TCP_RST, 0, NULL, c->ttl,
			     c->tos);
		return false;
	}
	if (tcp_conn_buffers(s, c) < 0) {
		tcp_send_rst_conn(s, c);
		tcp_conn_closed(s, c, ENOBUFS);
		return false;
	}
	c->snd_una = h->ack;
	if (tcp_has(c, TF_TS_OK) && h->opts.has_ts && h->opts.ts_ecr)
		hk_rtt_sample(&c->rtt, HK_MSEC(tcp_ts_now(c) - h->opts.ts_ecr));
	else if (tcp_has(c, TF_RTT_TIMING))
		hk_rtt_sample(&c->rtt, s->now - c->rtt_start);
	c->flags &= ~TF_RTT_TIMING;
	c->retries = 0;
	tcp_rexmt_stop(s, c);
	c->snd_wnd = (uint32_t)h->window << c->snd_wscale;
	c->max_snd_wnd = tcp_max(c->max_snd_wnd, c->snd_wnd);
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	tcp_set_state(s, c, HK_TCP_ESTABLISHED);
	tcp_conn_established(s, c);
	if (c->parent)
		tcp_child_established(s, c);
	if (tcp_has(c, TF_FIN_QUEUED))
		tcp_set_state(s, c, HK_TCP_FIN_WAIT_1);
	return true;
}

/* RFC 7323 5.3 R1: PAWS. True when the segment must be dropped. */
static bool paws_reject(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	if (!tcp_has(c, TF_TS_OK) || !h->opts.has_ts || (h->flags & HK_TCP_RST))
		return false;
	if (!hk_seq_lt(h->opts.ts_val, c->ts_recent))
		return false;
	if (s->now - c->ts_recent_time > HK_TCP_PAWS_IDLE)
		return false; /* 5.5: TS.Recent is too old to trust */
	return true;
}

/* 3.10.7.4 first: the four cases of the acceptability test. */
static bool acceptable(const struct hk_tcp_conn *c, uint32_t seq, uint32_t seg_len, uint32_t wnd)
{
	uint32_t nxt = c->rcv_nxt;
	if (seg_len == 0)
		return wnd == 0 ? seq == nxt : hk_seq_in(nxt, seq, nxt + wnd);
	if (wnd == 0)
		return false;
	return hk_seq_in(nxt, seq, nxt + wnd) || hk_seq_in(nxt, seq + seg_len - 1, nxt + wnd);
}

static void other_states(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	uint8_t fl = h->flags;
	uint32_t seq = h->seq;
	uint32_t seg_len = seg_length(h);

	if (c->state == HK_TCP_SYN_RECEIVED && (fl & HK_TCP_SYN) && !(fl & HK_TCP_RST) && seq == c->irs) {
		if (!(fl & HK_TCP_ACK)) {
			/* a retransmitted SYN while our SYN,ACK is outstanding: resend it */
			tcp_send_syn(s, c);
			return;
		}
		/* simultaneous open (RFC 9293 figure 8): the peer's SYN,ACK
		 * acknowledges our SYN; its SYN is the one we already have */
		struct hk_tcp_hdr rest = *h;
		rest.flags &= (uint8_t)~HK_TCP_SYN;
		rest.seq += 1;
		other_states(s, c, &rest);
		return;
	}
	if (paws_reject(s, c, h)) {
		HK_STAT_INC(s, tcp_rx_paws);
		ack_soon(s, c);
		return;
	}
	/* first: sequence number. RCV.WND is what we offered, or the room
	 * we really have if that is more. */
	uint32_t offered = hk_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t wnd = tcp_max(offered, tcp_synchronized(c->state) ? tcp_rcv_space(c) : 0);
	if (c->state == HK_TCP_SYN_RECEIVED || c->state == HK_TCP_TIME_WAIT)
		wnd = tcp_max(offered, 1);
	if (!acceptable(c, seq, seg_len, wnd)) {
		/* MUST-66: with a zero window the ACK, URG and RST of a segment
		 * at RCV.NXT still count (its text is dropped below) */
		if (!(wnd == 0 && seq == c->rcv_nxt)) {
			if (!(fl & HK_TCP_RST)) {
				/* wholly below RCV.NXT: a duplicate of data we hold */
				if (h->payload_len > 0 && hk_seq_leq(seq + seg_len, c->rcv_nxt))
					HK_STAT_INC(s, tcp_rx_dup_data);
				else
					HK_STAT_INC(s, tcp_rx_not_acceptable);
				ack_soon(s, c);
				if (c->state == HK_TCP_TIME_WAIT && (fl & HK_TCP_FIN))
					tcp_timewait_start(s, c); /* restart the 2 MSL timeout */
			} else {
				HK_STAT_INC(s, tcp_rx_rst_out_of_window);
			}
			return;
		}
	}
	/* RFC 7323 4.3: TS.Recent from the segment that covers Last.ACK.sent */
	if (tcp_has(c, TF_TS_OK) && h->opts.has_ts && hk_seq_leq(seq, c->last_ack_sent) &&
	    !hk_seq_lt(h->opts.ts_val, c->ts_recent)) {
		c->ts_recent = h->opts.ts_val;
		c->ts_recent_time = s->now;
	}
	if (fl & HK_TCP_RST) { /* second */
		receive_rst(s, c, h);
		return;
	}
	/* third: security/compartment is not implemented (RFC 9293 3.10.7.4) */
	if (fl & HK_TCP_SYN) { /* fourth: RFC 5961 4, challenge ACK whatever the seq */
		HK_STAT_INC(s, tcp_rx_syn_challenge);
		tcp_challenge_ack(s, c);
		return;
	}
	if (!(fl & HK_TCP_ACK)) { /* fifth */
		HK_STAT_INC(s, tcp_rx_no_ack);
		return;
	}
	/* RFC 5961 5 (MAY-12): SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.NXT */
	if (hk_seq_gt(h->ack, c->snd_max)) {
		if (c->state == HK_TCP_SYN_RECEIVED) {
			synrcvd_ack(s, c, h); /* sends the reset */
			return;
		}
		HK_STAT_INC(s, tcp_rx_ack_future);
		tcp_challenge_ack(s, c);
		return;
	}
	if (hk_seq_lt(h->ack, c->snd_una - c->max_snd_wnd)) {
		HK_STAT_INC(s, tcp_rx_ack_challenge);
		tcp_challenge_ack(s, c);
		return;
	}
	c->last_rx = s->now;
	c->keep_probes = 0;
	if (c->ecn & ECN_OK) { /* RFC 3168 6.1.3 */
		if (fl & HK_TCP_CWR)
			c->ecn &= (uint8_t)~ECN_ECE;
		if ((tcp_st(s)->rx_tos & 3) == 3) {
			HK_STAT_INC(s, tcp_ecn_ce);
			c->ecn |= ECN_ECE;
			ack_soon(s, c);
		}
	}
	if (c->state == HK_TCP_SYN_RECEIVED && !synrcvd_ack(s, c, h))
		return;
	if (c->state == HK_TCP_TIME_WAIT) {
		if (fl & HK_TCP_FIN) { /* the remote FIN again: ACK, restart 2 MSL */
			ack_soon(s, c);
			tcp_timewait_start(s, c);
		}
		return;
	}
	if (hk_seq_geq(h->ack, c->snd_una))
		tcp_ack_process(s, c, h, (uint32_t)h->payload_len + ((fl & HK_TCP_FIN) ? 1 : 0));
	tcp_mark_pending(s, c); /* the ACK may open the window for more */
	switch (c->state) {
	case HK_TCP_FIN_WAIT_1:
		if (tcp_has(c, TF_FIN_ACKED)) {
			tcp_set_state(s, c, HK_TCP_FIN_WAIT_2);
			tcp_finwait2_timer(s, c);
		}
		break;
	case HK_TCP_CLOSING:
		if (tcp_has(c, TF_FIN_ACKED))
			tcp_timewait_start(s, c);
		return;
	case HK_TCP_LAST_ACK:
		if (tcp_has(c, TF_FIN_ACKED))
			tcp_conn_closed(s, c, 0);
		return;
	default:
		break;
	}

	bool text_ok = c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_FIN_WAIT_1 ||
		       c->state == HK_TCP_FIN_WAIT_2;
	/* sixth: URG (MUST-30/31/62: the pointer is the first non-urgent octet) */
	if ((fl & HK_TCP_URG) && text_ok && h->urgent) {
		uint32_t up = seq + h->urgent;
		if (!tcp_has(c, TF_URG_VALID) || hk_seq_gt(up, c->rcv_up)) {
			c->rcv_up = up;
			c->flags |= TF_URG_VALID;
		}
	}
	if (h->dth)
		tcp_dth_rx(s, c, h); /* RFC 9401: tell the application */
	/* trim what was received before and what does not fit */
	const uint8_t *data = h->payload;
	uint32_t dlen = (uint32_t)h->payload_len;
	uint32_t dseq = seq;
	bool fin = fl & HK_TCP_FIN;
	if (hk_seq_lt(dseq, c->rcv_nxt)) {
		uint32_t old = c->rcv_nxt - dseq;
		if (old > dlen) {
			fin = false; /* the FIN is old too */
			old = dlen;
		}
		if (old > 0 && old == dlen && dlen > 0) {
			HK_STAT_INC(s, tcp_rx_dup_data);
			ack_soon(s, c); /* a duplicate: tell the sender where we are */
		}
		data += old;
		dlen -= old;
		dseq += old;
	}
	uint32_t room = text_ok ? tcp_rcv_space(c) : 0;
	uint32_t off = dseq - c->rcv_nxt;
	if (dlen > 0 && (off >= room || dlen > room - off)) {
		uint32_t keep = off >= room ? 0 : room - off;
		if (keep < dlen) {
			if (text_ok)
				HK_STAT_INC(s, tcp_rx_beyond_buffer);
			else
				HK_STAT_INC(s, tcp_rx_data_ignored);
			dlen = keep;
			fin = false;
			ack_soon(s, c);
		}
	}
	if (dlen > 0 && text_ok) { /* seventh */
		if (tcp_has(c, TF_USER_CLOSED)) {
			/* SHLD-3: the application is gone, the data would be lost */
			HK_STAT_INC(s, tcp_rx_data_after_close);
			tcp_send_rst_conn(s, c);
			tcp_conn_closed(s, c, ECONNABORTED);
			return;
		}
		receive_text(s, c, h, dseq, data, dlen);
	}
	/* eighth: FIN */
	if (fin && text_ok) {
		uint32_t fin_seq = seq + (uint32_t)h->payload_len;
		if (fin_seq == c->rcv_nxt) {
			receive_fin(s, c);
		} else if (hk_seq_gt(fin_seq, c->rcv_nxt)) {
			c->flags |= TF_OOO_FIN;
			c->ooo_fin_seq = fin_seq;
		}
	}
	if (tcp_has(c, TF_OOO_FIN) && c->ooo_fin_seq == c->rcv_nxt &&
	    (c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_FIN_WAIT_1 || c->state == HK_TCP_FIN_WAIT_2))
		receive_fin(s, c);
}

/* MAY-2 (RFC 9293 3.6.1, RFC 6191): a new SYN may end TIME-WAIT when its
 * sequence number (or timestamp) is above the old connection's. */
static bool timewait_reuse(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_ip_rx *ip,
			   const struct hk_tcp_hdr *h)
{
	if ((h->flags & (HK_TCP_SYN | HK_TCP_ACK | HK_TCP_RST)) != HK_TCP_SYN)
		return false;
	bool newer = tcp_has(c, TF_TS_OK) && h->opts.has_ts ? hk_seq_gt(h->opts.ts_val, c->ts_recent)
							     : hk_seq_gt(h->seq, c->rcv_nxt);
	if (!newer)
		return false;
	struct hk_tcp_conn *l = tcp_listener_lookup(s, ip->dst, h->dport);
	if (!l)
		return false;
	uint32_t floor = c->snd_max + 65536;
	HK_STAT_INC(s, tcp_timewait_reuse);
	tcp_conn_closed(s, c, 0);
	tcp_listen_input(s, l, ip, h, &floor);
	return true;
}

void tcp_segment_arrives(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_tcp_hdr *h)
{
	tcp_st(s)->rx_tos = ip->tos;
	struct hk_tcp_conn *c = tcp_conn_lookup(s, ip->dst, h->dport, ip->src, h->sport);
	if (!c) {
		struct hk_tcp_conn *l = tcp_listener_lookup(s, ip->dst, h->dport);
		if (l)
			tcp_listen_input(s, l, ip, h, NULL); /* 3.10.7.2 */
		else
			tcp_closed_input(s, ip, h); /* 3.10.7.1 */
		return;
	}
	tcp_dth_arrive(s, c, ip, h); /* RFC 9401 / RFC 3514 */
	if (c->state == HK_TCP_SYN_SENT) {
		syn_sent(s, c, h);
		return;
	}
	if (c->state == HK_TCP_TIME_WAIT && timewait_reuse(s, c, ip, h))
		return;
	other_states(s, c, h);
}

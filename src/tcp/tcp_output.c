/* hokuto tcp — output: building segments, segmentation to the effective
 * send MSS (RFC 9293 3.7.1), window advertisement with receiver SWS
 * avoidance (3.8.6.2.2), sender SWS avoidance and Nagle (3.7.4, 3.8.6.2.1),
 * PSH (3.9.1.2), resets (3.10.7.1) and the Death flag (RFC 9401). */
#include <errno.h>
#include <string.h>

#include "hokuto/wire/ipv4.h"
#include "tcp/tcp_int.h"

uint32_t tcp_rcv_space(const struct hk_tcp_conn *c)
{
	uint32_t cap = c->rcvbuf.buf ? c->rcvbuf.cap : c->rcvbuf_size;
	uint32_t used = hk_ring_len(&c->rcvbuf);
	return cap > used ? cap - used : 0;
}

static uint32_t rcv_cap(const struct hk_tcp_conn *c)
{
	return c->rcvbuf.buf ? c->rcvbuf.cap : c->rcvbuf_size;
}

/* RFC 9293 3.8.6.2.2: move the right edge only by at least
 * min(RCV.BUFF/2, Eff.MSS) at a time; never move it left (SHLD-14). */
uint32_t tcp_rcv_window(struct hk_tcp_conn *c)
{
	uint8_t ws = tcp_has(c, TF_WS_OK) ? c->rcv_wscale : 0;
	uint32_t maxw = 65535u << ws;
	uint32_t space = tcp_min(tcp_rcv_space(c), maxw);
	uint32_t cur = hk_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t wnd = cur;
	if (space > cur) {
		uint32_t thresh = tcp_min(rcv_cap(c) / 2, c->rcv_mss);
		if (space - cur >= thresh)
			wnd = space;
	}
	wnd = tcp_min(wnd, maxw);
	uint32_t field = wnd >> ws;
	/* round up when the space is really there, so scaling never shrinks */
	if ((field << ws) < wnd && field < 65535 && ((field + 1) << ws) <= space)
		field++;
	uint32_t edge = c->rcv_nxt + (field << ws);
	if (hk_seq_gt(edge, c->rcv_adv))
		c->rcv_adv = edge;
	return field;
}

void tcp_window_update(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (!tcp_synchronized(c->state) || tcp_has(c, TF_RCVD_FIN))
		return;
	uint8_t ws = tcp_has(c, TF_WS_OK) ? c->rcv_wscale : 0;
	uint32_t space = tcp_min(tcp_rcv_space(c), 65535u << ws);
	uint32_t cur = hk_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t thresh = tcp_min(rcv_cap(c) / 2, c->rcv_mss);
	/* only when the peer may be held back: the offered window is below
	 * half the buffer and would grow by the SWS threshold */
	if (space > cur && space - cur >= thresh && cur < rcv_cap(c) / 2) {
		c->flags |= TF_ACK_NOW;
		tcp_output(s, c);
	}
}

static void add_ts(struct hk_tcp_conn *c, struct hk_tcp_opts *o)
{
	if (!tcp_has(c, TF_TS_OK))
		return;
	o->has_ts = true;
	o->ts_val = tcp_ts_now(c);
	o->ts_ecr = c->ts_recent;
}

/* RFC 2018 4: SACK blocks of what we hold beyond rcv_nxt, newest first. */
static void add_sack(struct hk_tcp_conn *c, struct hk_tcp_opts *o)
{
	if (!tcp_has(c, TF_SACK_OK) || hk_asm_empty(&c->asmb))
		return;
	int max = o->has_ts ? 3 : 4;
	o->n_sack = (uint8_t)hk_asm_sack_blocks(&c->asmb, c->rcv_nxt, o->sack, max);
}

static size_t opts_len(const struct hk_tcp_opts *o)
{
	uint8_t tmp[40];
	return hk_tcp_opts_emit(o, tmp);
}

struct seg {
	uint32_t seq, ack;
	uint8_t flags;
	bool dth, ect;
	uint16_t window, urg;
	uint32_t data_off, len; /* bytes from the send ring */
	struct hk_tcp_opts opts;
};

static int xmit(struct hk_stack *s, struct hk_tcp_conn *c, const struct seg *g)
{
	struct hk_tcp_hdr h;
	memset(&h, 0, sizeof(h));
	h.sport = c->lport;
	h.dport = c->rport;
	h.seq = g->seq;
	h.ack = (g->flags & HK_TCP_ACK) ? g->ack : 0;
	h.flags = g->flags;
	h.dth = g->dth;
	h.window = g->window;
	h.urgent = g->urg;
	h.opts = g->opts;
	size_t hl = hk_tcp_hdr_len(&h);
	struct hk_pbuf *pb = hk_stack_pbuf(s);
	if (!pb) {
		HK_STAT_INC(s, tcp_tx_failed);
		return -ENOBUFS;
	}
	uint8_t *p = hk_pbuf_put(pb, hl + g->len);
	if (!p) {
		hk_pbuf_free(pb);
		HK_STAT_INC(s, tcp_tx_failed);
		return -EMSGSIZE;
	}
	if (g->len)
		hk_ring_peek(&c->sndbuf, g->data_off, p + hl, g->len);
	hk_tcp_emit(&h, p, g->len, c->laddr, c->raddr); /* MUST-2: checksum always */
	struct hk_ip_tx tx = {
		.src = c->laddr, .dst = c->raddr, .proto = HK_IPPROTO_TCP,
		.ttl = c->ttl, .tos = c->tos, .df = true, /* RFC 1191 path MTU discovery */
	};
	if (c->ecn & ECN_OK) /* RFC 3168 6.1.1: ECT(0) on new data only */
		tx.tos = (uint8_t)((c->tos & ~3u) | (g->ect ? 2u : 0u));
	HK_STAT_INC(s, tcp_tx_segments);
	if (g->dth)
		tcp_dth_sent(s, c, &h, g->len); /* RFC 9401 */
	if (g->flags & HK_TCP_RST)
		HK_STAT_INC(s, tcp_tx_rst);
	int rc = hk_ipv4_output(s, &tx, pb);
	if (rc == -EMSGSIZE)
		tcp_update_mss(s, c); /* the path MTU shrank under us */
	if (rc < 0)
		HK_STAT_INC(s, tcp_tx_failed);
	if (g->flags & HK_TCP_ACK) {
		/* this segment carries our ACK: nothing else is owed */
		c->last_ack_sent = g->ack;
		c->rcv_unacked = 0;
		c->flags &= ~TF_ACK_NOW;
		hk_timer_cancel(s, &c->t_delack);
	}
	return rc;
}

static void fill_ack(struct hk_tcp_conn *c, struct seg *g)
{
	g->flags |= HK_TCP_ACK;
	if (c->ecn & ECN_ECE)
		g->flags |= HK_TCP_ECE; /* RFC 3168 6.1.3: until the sender's CWR */
	g->ack = c->rcv_nxt;
	g->window = (uint16_t)tcp_rcv_window(c);
	add_ts(c, &g->opts);
	add_sack(c, &g->opts);
}

uint32_t tcp_send_seq(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t seq, uint32_t maxlen, bool new_data)
{
	struct seg g;
	memset(&g, 0, sizeof(g));
	fill_ack(c, &g);
	uint32_t data_end = tcp_data_end(c);
	/* MUST-16 with the options of this very segment (SACK blocks vary) */
	uint32_t room = c->eff_mss;
	size_t ol = opts_len(&g.opts) - (g.opts.has_ts ? 12 : 0);
	room = room > ol + 1 ? room - (uint32_t)ol : 1;
	uint32_t len = 0;
	if (hk_seq_lt(seq, data_end))
		len = tcp_min(tcp_min(data_end - seq, maxlen), room);
	len = tcp_dth_clip(c, seq, len); /* RFC 9401 3.3: marked bytes never in a URG segment */
	bool fin = tcp_has(c, TF_FIN_QUEUED) && seq + len == data_end &&
		   (new_data || tcp_has(c, TF_FIN_SENT));
	if (tcp_has(c, TF_SND_URG) && hk_seq_gt(c->snd_up, seq)) {
		/* MUST-62: the pointer is the offset of the first non-urgent octet */
		uint32_t up = c->snd_up - seq;
		g.flags |= HK_TCP_URG;
		g.urg = (uint16_t)(up > 65535 ? 65535 : up);
	}
	/* RFC 9401: the Death flag (not on a FIN, not with URG: tcp_dth.c) */
	g.dth = tcp_dth_segment(s, c, seq, len, &fin, (g.flags & HK_TCP_URG) != 0);
	if (len == 0 && !fin)
		return 0;
	if (fin)
		g.flags |= HK_TCP_FIN;
	if (len > 0 && seq + len == data_end)
		g.flags |= HK_TCP_PSH; /* MUST-61: PSH on the last queued segment */
	g.seq = seq;
	g.data_off = seq - c->snd_una;
	g.len = len;
	bool rexmit = hk_seq_lt(seq, c->snd_max);
	if ((c->ecn & ECN_OK) && len > 0 && !rexmit && !tcp_has(c, TF_FORCE)) {
		g.ect = true; /* not on retransmissions or probes (RFC 3168 6.1.5, 6.1.6) */
		if (c->ecn & ECN_CWR) {
			g.flags |= HK_TCP_CWR;
			c->ecn &= (uint8_t)~ECN_CWR;
		}
	}
	xmit(s, c, &g);
	uint32_t used = len + (fin ? 1 : 0);
	if (rexmit) {
		HK_STAT_INC(s, tcp_retransmits);
		c->total_retrans++;
		/* Karn (MUST-18): no RTT sample from a retransmitted segment */
		if (tcp_has(c, TF_RTT_TIMING) && hk_seq_lt(seq, c->rtt_seq))
			c->flags &= ~TF_RTT_TIMING;
	} else if (len > 0 && !tcp_has(c, TF_TS_OK | TF_RTT_TIMING)) {
		c->flags |= TF_RTT_TIMING;
		c->rtt_seq = seq + len;
		c->rtt_start = s->now;
	}
	c->bytes_sent += len;
	if (fin)
		c->flags |= TF_FIN_SENT;
	if (hk_seq_gt(seq + used, c->snd_max))
		c->snd_max = seq + used;
	if (tcp_has(c, TF_PERSIST) && !tcp_has(c, TF_FORCE))
		tcp_rexmt_stop(s, c);
	tcp_rexmt_arm(s, c);
	return used;
}

/* SYN (SYN-SENT) or SYN,ACK (SYN-RECEIVED) with our options (RFC 9293
 * 3.7.1 MSS, RFC 7323 WS/TS, RFC 2018 SACK-permitted). */
int tcp_send_syn(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct seg g;
	memset(&g, 0, sizeof(g));
	bool active = c->state == HK_TCP_SYN_SENT;
	c->adv_mss = tcp_adv_mss(s, c->raddr);
	g.opts.has_mss = true; /* MAY-3: always */
	g.opts.mss = c->adv_mss;
	if (active) {
		c->rcv_wscale = tcp_choose_wscale(c->rcvbuf_size);
		g.opts.has_wscale = true;
		g.opts.wscale = c->rcv_wscale;
		g.opts.sack_permitted = true;
		g.opts.has_ts = true;
		g.opts.ts_val = tcp_ts_now(c);
		g.opts.ts_ecr = 0;
		if (c->ecn_mode == HK_TCP_ECN_ON)
			g.flags = HK_TCP_ECE | HK_TCP_CWR;
	} else {
		if (c->ecn & ECN_OK)
			g.flags = HK_TCP_ECE;
		if (tcp_has(c, TF_WS_OK)) {
			g.opts.has_wscale = true;
			g.opts.wscale = c->rcv_wscale;
		}
		g.opts.sack_permitted = tcp_has(c, TF_SACK_OK);
		if (tcp_has(c, TF_TS_OK)) {
			g.opts.has_ts = true;
			g.opts.ts_val = tcp_ts_now(c);
			g.opts.ts_ecr = c->ts_recent;
		}
		g.flags |= HK_TCP_ACK;
		g.ack = c->rcv_nxt;
	}
	g.flags |= HK_TCP_SYN;
	g.dth = tcp_dth_syn(s, c); /* RFC 9401 3.3: only when teasing */
	g.seq = c->iss;
	/* RFC 7323 2.2: the window of a SYN is never scaled */
	uint32_t w = tcp_min(tcp_rcv_space(c), 65535);
	g.window = (uint16_t)w;
	if (hk_seq_gt(c->rcv_nxt + w, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + w;
	if (c->snd_max == c->iss && !tcp_has(c, TF_TS_OK)) {
		c->flags |= TF_RTT_TIMING; /* the handshake gives the first RTT sample */
		c->rtt_seq = c->iss + 1;
		c->rtt_start = s->now;
	}
	int rc = xmit(s, c, &g);
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	tcp_rexmt_arm(s, c);
	return rc;
}

void tcp_send_ack(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct seg g;
	memset(&g, 0, sizeof(g));
	fill_ack(c, &g);
	/* SND.NXT, except while retransmitting after a timeout: a bare ACK
	 * carries the next new sequence number so the peer finds it
	 * acceptable (the BSD rule) */
	g.seq = c->snd_max;
	g.dth = tcp_dth_bare_ack(s, c, g.ack); /* RFC 9401: at most one in a row */
	xmit(s, c, &g);
}

void tcp_send_rst_conn(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct seg g;
	memset(&g, 0, sizeof(g));
	g.seq = c->snd_max;
	g.flags = HK_TCP_RST;
	xmit(s, c, &g);
}

int tcp_send_ctl(struct hk_stack *s, hk_ip4_t src, hk_ip4_t dst, uint16_t sport, uint16_t dport,
		 uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
		 const struct hk_tcp_opts *opts, uint8_t ttl, uint8_t tos)
{
	struct hk_tcp_hdr h;
	memset(&h, 0, sizeof(h));
	h.sport = sport;
	h.dport = dport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.window = window;
	if (opts)
		h.opts = *opts;
	struct hk_pbuf *pb = hk_stack_pbuf(s);
	if (!pb) {
		HK_STAT_INC(s, tcp_tx_failed);
		return -ENOBUFS;
	}
	size_t hl = hk_tcp_hdr_len(&h);
	uint8_t *p = hk_pbuf_put(pb, hl);
	hk_tcp_emit(&h, p, 0, src, dst);
	struct hk_ip_tx tx = { .src = src, .dst = dst, .proto = HK_IPPROTO_TCP, .ttl = ttl, .tos = tos, .df = true };
	HK_STAT_INC(s, tcp_tx_segments);
	if (flags & HK_TCP_RST)
		HK_STAT_INC(s, tcp_tx_rst);
	int rc = hk_ipv4_output(s, &tx, pb);
	if (rc < 0)
		HK_STAT_INC(s, tcp_tx_failed);
	return rc;
}

/* RFC 9293 3.10.7.1: "If the state is CLOSED ... a reset is sent in response
 * to any incoming segment except another reset." */
void tcp_send_rst_reply(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h)
{
	if (h->flags & HK_TCP_RST)
		return;
	if (h->flags & HK_TCP_ACK) {
		tcp_send_ctl(s, ip->dst, ip->src, h->dport, h->sport, h->ack, 0, HK_TCP_RST, 0, NULL, 64, 0);
	} else {
		uint32_t seg_len = (uint32_t)h->payload_len + ((h->flags & HK_TCP_SYN) ? 1 : 0) +
				   ((h->flags & HK_TCP_FIN) ? 1 : 0);
		tcp_send_ctl(s, ip->dst, ip->src, h->dport, h->sport, 0, h->seq + seg_len,
			     HK_TCP_RST | HK_TCP_ACK, 0, NULL, 64, 0);
	}
}

void tcp_challenge_ack(struct hk_stack *s, struct hk_tcp_conn *c)
{
	/* RFC 5961 7: a per-connection limit (a global one leaks state, CVE-2016-5696) */
	if (s->now - c->chal_time >= HK_SEC(1) || c->chal_time == 0) {
		c->chal_time = s->now ? s->now : 1;
		c->chal_count = 0;
	}
	if (c->chal_count >= HK_TCP_CHALLENGE_PER_SEC) {
		HK_STAT_INC(s, tcp_challenge_limited);
		return;
	}
	c->chal_count++;
	c->flags |= TF_ACK_NOW;
	tcp_mark_pending(s, c);
}

/* Sender SWS avoidance + Nagle (RFC 9293 3.8.6.2.1, 3.7.4) for a segment of
 * len new bytes out of avail queued ones. */
static bool may_send_small(const struct hk_tcp_conn *c, uint32_t len, uint32_t avail)
{
	if (len >= c->eff_mss)
		return true;
	if (len == avail && (tcp_has(c, TF_NODELAY) || c->snd_max == c->snd_una))
		return true; /* all queued data, pushed; Nagle: nothing unacknowledged */
	if (c->max_snd_wnd && len >= c->max_snd_wnd / 2)
		return true; /* Fs = 1/2 of the largest window offered */
	return false;
}

/* RFC 5681 4.1: after an idle period longer than the RTO, restart from
 * no more than the initial window (RFC 6928 size). */
static void restart_after_idle(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (c->snd_max != c->snd_una || !c->last_tx || s->now - c->last_tx <= hk_rtt_timeout(&c->rtt))
		return;
	uint32_t iw = tcp_min(10 * c->eff_mss, tcp_max(2 * c->eff_mss, 14600));
	if (c->cc.cwnd > iw)
		c->cc.cwnd = iw;
}

static void output_data(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (tcp_has(c, TF_FIN_ACKED))
		return; /* everything, FIN included, is acknowledged */
	for (int guard = 0; guard < 4096; guard++) {
		uint32_t data_end = tcp_data_end(c);
		bool fin_left = tcp_has(c, TF_FIN_QUEUED) && hk_seq_leq(c->snd_nxt, data_end);
		uint32_t avail = hk_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		if (avail == 0 && !fin_left)
			return;
		uint32_t cwnd = c->cc.cwnd;
		if (!tcp_has(c, TF_RECOVERY) && c->dupacks > 0 && c->dupacks < HK_SACK_DUPTHRESH)
			cwnd += c->dupacks * c->eff_mss; /* RFC 3042 limited transmit */
		uint32_t wnd = tcp_min(c->snd_wnd, cwnd);
		int32_t usable = (int32_t)(c->snd_una + wnd - c->snd_nxt); /* MUST-34: may be < 0 */
		uint32_t len = avail;
		if (usable <= 0)
			len = 0;
		else if ((uint32_t)usable < len)
			len = (uint32_t)usable;
		if (len > c->eff_mss)
			len = c->eff_mss;
		if (tcp_dth_clip(c, c->snd_nxt, len) < len)
			len = avail = tcp_dth_clip(c, c->snd_nxt, len); /* RFC 9401 3.3: URG ends here */
		bool retransmission = hk_seq_lt(c->snd_nxt, c->snd_max);
		if (avail > 0 && len == 0)
			return; /* window closed: the persist timer takes over */
		if (len > 0 && !retransmission && !may_send_small(c, len, avail))
			return;
		if (len == 0 && fin_left && tcp_flight(c) > 0 && wnd <= tcp_flight(c) && !retransmission &&
		    c->snd_wnd > 0)
			return; /* a bare FIN still waits for cwnd room */
		if (!retransmission && len > 0)
			restart_after_idle(s, c);
		uint32_t used = tcp_send_seq(s, c, c->snd_nxt, len, !retransmission);
		if (used == 0)
			return;
		c->snd_nxt += used;
		if (!retransmission && len > 0)
			c->last_tx = s->now;
	}
}

void tcp_output(struct hk_stack *s, struct hk_tcp_conn *c)
{
	switch (c->state) {
	case HK_TCP_CLOSED:
	case HK_TCP_LISTEN:
		return;
	case HK_TCP_SYN_SENT:
		c->flags &= ~TF_ACK_NOW; /* nothing to acknowledge yet */
		return;
	case HK_TCP_SYN_RECEIVED:
	case HK_TCP_TIME_WAIT:
		if (tcp_has(c, TF_ACK_NOW))
			tcp_send_ack(s, c);
		return;
	default:
		break;
	}
	if (tcp_has(c, TF_FORCE)) {
		/* persist timer: one segment past the closed window (MUST-36) */
		uint32_t data_end = tcp_data_end(c);
		if (!tcp_has(c, TF_FIN_ACKED) && (hk_seq_lt(c->snd_una, data_end) || tcp_has(c, TF_FIN_QUEUED))) {
			uint32_t want = c->snd_wnd ? tcp_min(c->snd_wnd, c->eff_mss) : 1;
			bool fresh = !hk_seq_lt(c->snd_una, c->snd_max);
			uint32_t used = tcp_send_seq(s, c, c->snd_una, want, fresh);
			if (hk_seq_gt(c->snd_una + used, c->snd_nxt))
				c->snd_nxt = c->snd_una + used;
		}
		c->flags &= ~TF_FORCE;
	} else if (tcp_has(c, TF_RECOVERY) && tcp_has(c, TF_SACK_OK)) {
		tcp_sack_output(s, c);
	} else {
		output_data(s, c);
	}
	if (tcp_has(c, TF_ACK_NOW | TF_DTH_ACK))
		tcp_send_ack(s, c);
	/* data waiting, nothing in flight and no timer: probe/override later */
	bool unsent = !tcp_has(c, TF_FIN_ACKED) &&
		      (hk_seq_lt(c->snd_nxt, tcp_data_end(c)) ||
		       (tcp_has(c, TF_FIN_QUEUED) && !tcp_has(c, TF_FIN_SENT) && !tcp_dth_fin_held(c)));
	if (unsent && c->snd_max == c->snd_una && !hk_timer_armed(&c->t_rexmt))
		tcp_persist_arm(s, c);
}

/* hokuto tcp — RFC 9401 (the Death flag), sending side: which bytes of the
 * send queue are marked, which segments carry the flag, and the RFC's
 * SHOULD NOTs (3.3). The rules are summed up in hokuto/dth_socket.h.
 *
 * Marks live in sequence space (a bounded set of byte ranges of the send
 * queue), so every segment that carries a marked byte has DTH whatever the
 * segmentation, and a retransmission — after a timeout, fast retransmit or
 * SACK recovery, all built by tcp_send_seq — carries the flag again. */
#include <errno.h>
#include <string.h>

#include "tcp/tcp_int.h"

/* ---- byte ranges in sequence space ------------------------------------- */

bool tcp_dth_range_covers(const struct hk_tcp_dth_range *r, unsigned n, uint32_t seq, uint32_t len)
{
	if (len == 0)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (hk_seq_lt(seq, r[i].end) && hk_seq_gt(seq + len, r[i].start))
			return true;
	return false;
}

bool tcp_dth_range_add(struct hk_tcp_dth_range *r, uint8_t *n, unsigned max, uint32_t start, uint32_t end)
{
	if (!hk_seq_lt(start, end))
		return true;
	struct hk_tcp_dth_range out[HK_TCP_DTH_TX_RANGES + 1];
	unsigned j = 0;
	bool placed = false;
	/* the set is sorted and its ranges neither overlap nor touch */
	for (unsigned i = 0; i < *n; i++) {
		if (hk_seq_lt(r[i].end, start)) {
			out[j++] = r[i];
		} else if (hk_seq_lt(end, r[i].start)) {
			if (!placed) {
				out[j].start = start;
				out[j++].end = end;
				placed = true;
			}
			out[j++] = r[i];
		} else {
			if (hk_seq_lt(r[i].start, start))
				start = r[i].start;
			if (hk_seq_gt(r[i].end, end))
				end = r[i].end;
		}
	}
	if (!placed) {
		out[j].start = start;
		out[j++].end = end;
	}
	bool exact = true;
	/* bounded: join the two ranges with the smallest gap between them */
	while (j > max) {
		unsigned k = 0;
		for (unsigned i = 1; i + 1 < j; i++)
			if (out[i + 1].start - out[i].end < out[k + 1].start - out[k].end)
				k = i;
		out[k].end = out[k + 1].end;
		memmove(&out[k + 1], &out[k + 2], (j - k - 2) * sizeof(out[0]));
		j--;
		exact = false;
	}
	memcpy(r, out, j * sizeof(out[0]));
	*n = (uint8_t)j;
	return exact;
}

/* ---- state -------------------------------------------------------------- */

void tcp_dth_init(struct hk_tcp_conn *c)
{
	memset(&c->dth, 0, sizeof(c->dth));
	c->dth.zombie_ms = HK_TCP_HOKUTO_ZOMBIE_MS_DEFAULT;
	hk_timer_init(&c->dth.t_zombie, tcp_dth_zombie_fire);
}

void tcp_dth_cancel(struct hk_stack *s, struct hk_tcp_conn *c)
{
	hk_timer_cancel(s, &c->dth.t_zombie);
}

void tcp_dth_inherit(struct hk_tcp_conn *c, const struct hk_tcp_conn *l)
{
	c->dth.opts = l->dth.opts;
	c->dth.zombie_ms = l->dth.zombie_ms;
}

void tcp_dth_fini(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	hk_dth_matcher_free(ts->dth.matcher);
	ts->dth.matcher = NULL;
}

const struct hk_dth_matcher *tcp_dth_matcher(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!ts->dth.matcher)
		ts->dth.matcher = hk_dth_matcher_new(); /* the built-in list */
	return ts->dth.matcher;
}

/* ---- marking ------------------------------------------------------------ */

static void mark(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t start, uint32_t end)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (!hk_seq_lt(start, end))
		return;
	d->info.tx_marked_bytes += end - start;
	if (!tcp_dth_range_add(d->tx, &d->n_tx, HK_TCP_DTH_TX_RANGES, start, end))
		HK_STAT_INC(s, dth_tx_ranges_merged); /* bounded: a few unmarked bytes got marked */
}

/* RFC 9401 3.2: "the sender notices resource trouble (memory ...)". The
 * global TCP memory limit refused something lately, or 7/8 of it is used. */
static bool memory_trouble(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	uint64_t refusals = s->stats.v[HK_STAT_tcp_mem_limit];
	if (refusals != ts->dth.mem_limit_seen) {
		ts->dth.mem_limit_seen = refusals;
		ts->dth.trouble_until = s->now + HK_TCP_DTH_TROUBLE_HOLD;
	}
	if (s->now < ts->dth.trouble_until)
		return true;
	uint64_t lim = s->cfg.tcp.mem_limit;
	return lim && ts->mem_used >= lim - lim / 8;
}

static int refuse(struct hk_stack *s, struct hk_tcp_conn *c, const char *why)
{
	HK_STAT_INC(s, dth_tx_refused);
	hk_info(s, "tcp %u->%u: DTH refused: %s (RFC 9401 3.3; HK_TCP_DTH_TEASE allows it)", c->lport, c->rport,
		why);
	return -EPROTO;
}

int tcp_dth_send_check(struct hk_stack *s, struct hk_tcp_conn *c, size_t len, int flags)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	bool tease = d->opts & DTHO_TEASE;
	bool want = flags & HK_MSG_DTH;
	bool oob = flags & HK_MSG_OOB;
	int st = c->state;
	if (tcp_has(c, TF_FIN_QUEUED))
		return 0; /* the send fails anyway (EPIPE) */
	if (st == HK_TCP_SYN_SENT || st == HK_TCP_SYN_RECEIVED) {
		/* 3.3: "Using DTH in the early state of a connection (the
		 * handshake) is NOT RECOMMENDED" */
		if (!want)
			return 0;
		if (!tease)
			return refuse(s, c, "during the handshake");
		if (len == 0) {
			c->flags |= TF_DTH_ACK; /* on the ACK that completes the handshake */
			return 1;
		}
		return 0; /* data waits for ESTABLISHED (EAGAIN) */
	}
	if (st != HK_TCP_ESTABLISHED && st != HK_TCP_CLOSE_WAIT)
		return 0;
	/* 3.3: "DTH SHOULD NOT be sent together with URG" */
	if (oob && !tease && len > 0) {
		if (want || (d->opts & DTHO_ALL))
			return refuse(s, c, "urgent data would carry it");
		if (d->n_tx > 0)
			return refuse(s, c, "unacknowledged marked bytes would ride in URG segments");
	}
	return 0;
}

int tcp_dth_send_bare(struct hk_stack *s, struct hk_tcp_conn *c, int flags)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (!(flags & HK_MSG_DTH))
		return 0;
	/* Several pure ACKs with the same acknowledgment number are duplicate
	 * ACKs to the peer (RFC 5681 2): a third would make it retransmit. So
	 * one pure DTH ACK per acknowledgment number; a second request waits
	 * for a segment that is no duplicate (new data, or an ACK of new data). */
	if (d->bare_sent && d->bare_ack == c->rcv_nxt) {
		if (!d->deferred) {
			d->deferred = true;
			d->info.tx_bare_deferred++;
			HK_STAT_INC(s, dth_tx_bare_deferred);
		}
	} else {
		c->flags |= TF_DTH_ACK;
	}
	tcp_output(s, c);
	return 0;
}

/* HK_TCP_DTH_AUTO: finds the death-flag lines in the bytes just queued (and
 * the start of their line still in the queue) and marks each whole line. */
static void auto_mark(struct hk_stack *s, struct hk_tcp_conn *c, const uint8_t *buf, uint32_t start, uint32_t n)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	const struct hk_dth_matcher *m = tcp_dth_matcher(s);
	if (!m)
		return;
	uint32_t lb = d->auto_line;
	if (hk_seq_lt(lb, c->snd_una))
		lb = c->snd_una; /* acknowledged bytes are gone from the queue */
	if (hk_seq_gt(lb, start) || start - lb > HK_TCP_DTH_AUTO_LOOKBACK)
		lb = start - tcp_min(start - c->snd_una, HK_TCP_DTH_AUTO_LOOKBACK);
	uint8_t look[HK_TCP_DTH_AUTO_LOOKBACK];
	uint32_t nlb = hk_ring_peek(&c->sndbuf, lb - c->snd_una, look, start - lb);
	lb = start - nlb;
	size_t total = (size_t)nlb + n;
	size_t pos = 0; /* where the search resumes, at a line start */
	while (pos < total) {
		struct hk_dth_span v[2];
		size_t nv = 0;
		if (pos < nlb)
			v[nv++] = (struct hk_dth_span){look + pos, nlb - pos};
		size_t b0 = pos > nlb ? pos - nlb : 0;
		v[nv++] = (struct hk_dth_span){buf + b0, n - b0};
		struct hk_dth_hit hit;
		if (!hk_dth_matchv(m, v, nv, &hit))
			break;
		/* the whole line around the match: from the line break before it
		 * to the one after it (or the end of what we have) */
		size_t a = pos + hit.off, e = pos + hit.end;
		while (a > pos) {
			uint8_t ch = a - 1 < nlb ? look[a - 1] : buf[a - 1 - nlb];
			if (ch == '\n' || ch == '\r')
				break;
			a--;
		}
		while (e < total) {
			uint8_t ch = e < nlb ? look[e] : buf[e - nlb];
			if (ch == '\n' || ch == '\r')
				break;
			e++;
		}
		mark(s, c, lb + (uint32_t)a, lb + (uint32_t)e);
		d->info.tx_auto_lines++;
		HK_STAT_INC(s, dth_tx_auto_lines);
		hk_info(s, "tcp %u->%u: death-flag line \"%s\" in sent data: %u bytes marked", c->lport, c->rport,
			hk_dth_matcher_phrase(m, hit.phrase) ? hk_dth_matcher_phrase(m, hit.phrase) : "?",
			(unsigned)(e - a));
		d->auto_line = lb + (uint32_t)e; /* never match this line again */
		pos = e > pos ? e : pos + 1;
	}
	/* the next search starts at the last line break of these bytes */
	for (uint32_t i = n; i > 0; i--) {
		if (buf[i - 1] == '\n' || buf[i - 1] == '\r') {
			if (hk_seq_lt(d->auto_line, start + i))
				d->auto_line = start + i;
			break;
		}
	}
}

void tcp_dth_queued(struct hk_stack *s, struct hk_tcp_conn *c, const void *buf, uint32_t start, uint32_t n,
		    size_t want, int flags)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (n == 0)
		return;
	bool oob = flags & HK_MSG_OOB;
	bool shortw = n < want;
	if ((flags & HK_MSG_DTH) || (d->opts & DTHO_ALL)) {
		mark(s, c, start, start + n);
	} else if (!oob) {
		/* neither auto nor trouble marks urgent data (3.3) */
		if ((d->opts & DTHO_TROUBLE) && (d->sndbuf_refused || shortw || memory_trouble(s))) {
			mark(s, c, start, start + n);
			d->info.tx_trouble_marks++;
			HK_STAT_INC(s, dth_tx_trouble);
		}
		if (d->opts & DTHO_AUTO)
			auto_mark(s, c, buf, start, n);
	}
	d->sndbuf_refused = shortw;
}

void tcp_dth_sndbuf_full(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (!(d->opts & DTHO_TROUBLE) || d->sndbuf_refused)
		return;
	/* the connection's memory limit is reached: the queued bytes not
	 * yet sent (their last segment's worth) carry the news */
	d->sndbuf_refused = true;
	uint32_t end = tcp_data_end(c);
	uint32_t from = hk_seq_gt(c->snd_max, c->snd_nxt) ? c->snd_max : c->snd_nxt;
	if (hk_seq_lt(from, end) && !(tcp_has(c, TF_SND_URG) && hk_seq_gt(c->snd_up, from))) {
		if (end - from > c->eff_mss)
			from = end - c->eff_mss;
		mark(s, c, from, end);
		d->info.tx_trouble_marks++;
		HK_STAT_INC(s, dth_tx_trouble);
	}
}

/* ---- segments ----------------------------------------------------------- */

uint32_t tcp_dth_clip(const struct hk_tcp_conn *c, uint32_t seq, uint32_t len)
{
	/* URG is on every segment that starts before the urgent pointer: end
	 * such a segment at the pointer when marked bytes follow it */
	if (len == 0 || !tcp_has(c, TF_SND_URG) || (c->dth.opts & DTHO_TEASE) || c->dth.n_tx == 0)
		return len;
	if (hk_seq_gt(c->snd_up, seq) && hk_seq_gt(seq + len, c->snd_up) &&
	    tcp_dth_range_covers(c->dth.tx, c->dth.n_tx, c->snd_up, seq + len - c->snd_up))
		return c->snd_up - seq;
	return len;
}

bool tcp_dth_segment(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t seq, uint32_t len, bool *fin, bool urg)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	bool tease = d->opts & DTHO_TEASE;
	bool dth = tcp_dth_range_covers(d->tx, d->n_tx, seq, len);
	if (len > 0 && !dth && (tcp_has(c, TF_DTH_ACK) || d->deferred) && !hk_seq_lt(seq, c->snd_max) &&
	    (!urg || tease)) {
		/* a pure DTH ACK was asked for: new data carries it instead
		 * (and keeps it when retransmitted) */
		mark(s, c, seq, seq + len);
		c->flags &= ~TF_DTH_ACK;
		d->deferred = false;
		dth = true;
	}
	if (dth && urg && !tease) {
		dth = false; /* cannot happen: refused at send time, clipped above */
		HK_STAT_INC(s, dth_tx_refused);
	}
	if (*fin && d->fin_dth) {
		if (len == 0)
			dth = true; /* hk_dth_fin (tease), also when retransmitted */
		else if (!dth)
			*fin = false; /* unmarked data goes first, then the DTH FIN */
	}
	if (dth && *fin && len > 0) {
		if (tease) {
			d->fin_dth = true;
		} else {
			/* 3.3: "DTH SHOULD NOT be piggybacked on FIN": the FIN
			 * goes alone in the next segment */
			*fin = false;
			HK_STAT_INC(s, dth_tx_fin_split);
		}
	}
	if (*fin && tcp_dth_fin_held(c))
		*fin = false; /* half-zombie: our FIN waits */
	return dth;
}

bool tcp_dth_bare_ack(struct hk_stack *s, struct hk_tcp_conn *c, uint32_t ack)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	bool dth = false;
	if (tcp_has(c, TF_DTH_ACK)) {
		c->flags &= ~TF_DTH_ACK;
		dth = true;
	} else if (d->deferred && !(d->bare_sent && d->bare_ack == ack)) {
		d->deferred = false; /* this ACK acknowledges something new */
		dth = true;
	}
	if (dth) {
		d->bare_sent = true;
		d->bare_ack = ack;
		d->info.tx_bare_acks++;
		HK_STAT_INC(s, dth_tx_bare_acks);
	}
	return dth;
}

bool tcp_dth_syn(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if ((c->dth.opts & (DTHO_TEASE | DTHO_ALL)) != (DTHO_TEASE | DTHO_ALL))
		return false;
	HK_STAT_INC(s, dth_tx_handshake);
	return true;
}

void tcp_dth_sent(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, uint32_t len)
{
	HK_STAT_INC(s, dth_tx);
	c->dth.info.tx_segments++;
	if (h->flags & HK_TCP_FIN)
		HK_STAT_INC(s, dth_tx_on_fin);
	if (h->flags & HK_TCP_URG)
		HK_STAT_INC(s, dth_tx_with_urg);
	if (hk_log_enabled(s, HK_LOG_INFO)) {
		char fl[48], a[16];
		hk_info(s, "tcp %u->%s:%u: sent [%s] seq=%u ack=%u len=%u (RFC 9401 Death flag)", c->lport,
			hk_ip4_str(c->raddr, a), c->rport, hk_tcp_flags_str(h->flags, true, fl, sizeof(fl)), h->seq,
			h->ack, len);
	}
}

void tcp_dth_acked(struct hk_tcp_conn *c)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	unsigned j = 0;
	for (unsigned i = 0; i < d->n_tx; i++)
		if (hk_seq_gt(d->tx[i].end, c->snd_una))
			d->tx[j++] = d->tx[i];
	d->n_tx = (uint8_t)j;
	if (hk_ring_len(&c->sndbuf) == 0)
		d->sndbuf_refused = false; /* the queue drained: the trouble is over */
}

bool tcp_dth_fin_held(const struct hk_tcp_conn *c)
{
	return c->dth.zombie == 1;
}

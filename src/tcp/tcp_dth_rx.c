/* hokuto tcp — RFC 9401 (the Death flag), receiving side: counting, the
 * per-socket event queue, HK_MSG_DTH_SEEN for the bytes that came under the
 * flag, DTH on a FIN (ignored, 3.3) and the Hokuto-Shinken exception with
 * its half-zombie period. The evil bit of RFC 3514 is counted here too,
 * apart from DTH (3.4: "MUST be interpreted independently"). */
#include <stddef.h>
#include <string.h>

#include "tcp/tcp_int.h"

void tcp_dth_event_push(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_dth_event *ev)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (d->ev_len == HK_TCP_DTH_EVQ) {
		/* bounded: the oldest goes (a peer marking every segment of a
		 * bulk transfer must not grow anything) */
		d->ev_head = (uint8_t)((d->ev_head + 1) % HK_TCP_DTH_EVQ);
		d->ev_len--;
		d->info.events_dropped++;
		HK_STAT_INC(s, dth_rx_events_dropped);
	}
	d->evq[(d->ev_head + d->ev_len) % HK_TCP_DTH_EVQ] = *ev;
	d->ev_len++;
}

/* Stream offset of sequence number seq (0 = the first byte after the SYN). */
static uint64_t stream_offset(const struct hk_tcp_conn *c, uint32_t seq)
{
	int64_t off = (int64_t)c->bytes_received + (int32_t)(seq - c->rcv_nxt);
	return off > 0 ? (uint64_t)off : 0;
}

static void event_init(struct hk_stack *s, const struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, int kind,
		       struct hk_dth_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->peer.addr = c->raddr;
	ev->peer.port = c->rport;
	ev->at = s->now;
	ev->evil = c->dth.rx_evil;
	if (h) {
		ev->seq = h->seq;
		ev->len = (uint32_t)h->payload_len;
		ev->tcp_flags = h->flags;
		ev->offset = stream_offset(c, h->seq);
	}
}

void tcp_dth_input(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h)
{
	if (ip->evil)
		HK_STAT_INC(s, evil_rx); /* RFC 3514, whatever the DTH bit says */
	if (!h->dth)
		return;
	HK_STAT_INC(s, dth_rx);
	if (ip->evil)
		HK_STAT_INC(s, dth_rx_with_evil);
	if (h->flags & HK_TCP_SYN)
		HK_STAT_INC(s, dth_rx_handshake);
	if (hk_log_enabled(s, HK_LOG_INFO)) {
		char fl[48], a[16];
		hk_info(s, "tcp %s:%u->%u: received [%s] seq=%u len=%zu (RFC 9401 Death flag)%s", hk_ip4_str(ip->src, a),
			h->sport, h->dport, hk_tcp_flags_str(h->flags, true, fl, sizeof(fl)), h->seq, h->payload_len,
			ip->evil ? ", evil bit set too (RFC 3514)" : "");
	}
}

void tcp_dth_arrive(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_ip_rx *ip,
		    const struct hk_tcp_hdr *h)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	d->rx_evil = ip->evil;
	if (ip->evil)
		d->info.rx_evil++;
	/* DTH on the SYN,ACK that answers ours: reported (3.3 says the peer
	 * should not, not that we should hide it) */
	if (h->dth && c->state == HK_TCP_SYN_SENT && (h->flags & (HK_TCP_SYN | HK_TCP_ACK | HK_TCP_RST)) ==
							     (HK_TCP_SYN | HK_TCP_ACK) &&
	    hk_seq_gt(h->ack, c->iss) && hk_seq_leq(h->ack, c->snd_max)) {
		struct hk_dth_event ev;
		event_init(s, c, h, HK_DTH_EV_HANDSHAKE, &ev);
		ev.offset = 0;
		d->info.rx_segments++;
		if (d->rx_evil)
			d->info.rx_dth_and_evil++;
		tcp_dth_event_push(s, c, &ev);
	}
}

static bool contains(const struct hk_tcp_dth_range *r, unsigned n, uint32_t start, uint32_t end)
{
	for (unsigned i = 0; i < n; i++)
		if (hk_seq_leq(r[i].start, start) && hk_seq_geq(r[i].end, end))
			return true;
	return false;
}

void tcp_dth_rx(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	struct hk_dth_event ev;
	uint32_t len = (uint32_t)h->payload_len;
	uint32_t end = h->seq + len;
	if (d->rx_evil)
		d->info.rx_dth_and_evil++;
	if ((h->flags & HK_TCP_FIN) && !(d->opts & DTHO_SHINKEN)) {
		/* 3.3: "A recipient SHOULD silently ignore DTH on a FIN" */
		d->info.rx_ignored_on_fin++;
		HK_STAT_INC(s, dth_rx_on_fin_ignored);
		return;
	}
	d->info.rx_segments++;
	if (h->flags & HK_TCP_FIN) {
		/* 3.3: "... unless the recipient is an expert at Hokuto-Shinken:
		 * the sender is already dead" */
		if (len > 0 && hk_seq_gt(end, c->rcv_nxt))
			tcp_dth_range_add(d->rx, &d->n_rx, HK_TCP_DTH_RX_RANGES,
					  hk_seq_lt(h->seq, c->rcv_nxt) ? c->rcv_nxt : h->seq, end);
		if (d->peer_dead)
			return; /* the FIN again */
		d->peer_dead = true;
		HK_STAT_INC(s, dth_rx_already_dead);
		event_init(s, c, h, HK_DTH_EV_ALREADY_DEAD, &ev);
		ev.offset = stream_offset(c, end);
		ev.zombie_ms = d->zombie_ms;
		tcp_dth_event_push(s, c, &ev);
		hk_info(s, "tcp %u->%u: DTH on the peer's FIN: omae wa mou shindeiru (Hokuto-Shinken)", c->lport,
			c->rport);
		return;
	}
	if (len == 0) {
		d->pure_seen = true;
		event_init(s, c, h, HK_DTH_EV_ACK, &ev);
		tcp_dth_event_push(s, c, &ev);
		return;
	}
	/* a retransmission of DTH data already reported is not news */
	if (hk_seq_leq(end, c->rcv_nxt) || contains(d->rx, d->n_rx, h->seq, end)) {
		HK_STAT_INC(s, dth_rx_dup);
		return;
	}
	uint32_t from = hk_seq_lt(h->seq, c->rcv_nxt) ? c->rcv_nxt : h->seq;
	if (!tcp_dth_range_add(d->rx, &d->n_rx, HK_TCP_DTH_RX_RANGES, from, end))
		HK_STAT_INC(s, dth_rx_ranges_merged);
	event_init(s, c, h, HK_DTH_EV_DATA, &ev);
	tcp_dth_event_push(s, c, &ev);
}

void tcp_dth_fin_in(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	if (!(d->opts & DTHO_SHINKEN) || !d->peer_dead || d->zombie)
		return;
	/* the half-zombie period only holds our FIN back while we have not
	 * closed; in FIN-WAIT the connection simply ends */
	if (c->state != HK_TCP_ESTABLISHED && c->state != HK_TCP_SYN_RECEIVED)
		return;
	d->zombie = 1;
	d->info.zombie = 1;
	HK_STAT_INC(s, dth_zombies);
	hk_timer_arm(s, &d->t_zombie, s->now + HK_MSEC(d->zombie_ms));
}

void tcp_dth_zombie_fire(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_tcp_conn *c =
		(struct hk_tcp_conn *)(void *)((char *)t - offsetof(struct hk_tcp_conn, dth.t_zombie));
	struct hk_tcp_dth_conn *d = &c->dth;
	d->zombie = 2;
	d->info.zombie = 2;
	struct hk_dth_event ev;
	event_init(s, c, NULL, HK_DTH_EV_ZOMBIE_END, &ev);
	ev.seq = c->rcv_nxt;
	ev.offset = c->bytes_received;
	tcp_dth_event_push(s, c, &ev);
	hk_info(s, "tcp %u->%u: the half-zombie period is over: sending our FIN", c->lport, c->rport);
	if (c->state == HK_TCP_CLOSE_WAIT && !tcp_has(c, TF_FIN_QUEUED))
		tcp_user_shutdown(s, c, HK_SHUT_WR); /* the peer is dead: we close too */
	else
		tcp_output(s, c); /* the FIN the application queued was held */
}

int tcp_dth_recv_flags(struct hk_tcp_conn *c, uint32_t start, uint32_t end, bool peek)
{
	struct hk_tcp_dth_conn *d = &c->dth;
	int out = 0;
	if (start != end && tcp_dth_range_covers(d->rx, d->n_rx, start, end - start))
		out |= HK_MSG_DTH_SEEN;
	if (d->pure_seen) {
		out |= HK_MSG_DTH_SEEN; /* a pure ACK with DTH since the last read */
		if (!peek)
			d->pure_seen = false;
	}
	if (!peek && start != end) {
		unsigned j = 0;
		for (unsigned i = 0; i < d->n_rx; i++) {
			if (!hk_seq_gt(d->rx[i].end, end))
				continue; /* read */
			if (hk_seq_lt(d->rx[i].start, end))
				d->rx[i].start = end;
			d->rx[j++] = d->rx[i];
		}
		d->n_rx = (uint8_t)j;
	}
	return out;
}

short tcp_dth_poll(const struct hk_tcp_conn *c)
{
	return c->dth.ev_len ? HK_POLLDTH : 0;
}

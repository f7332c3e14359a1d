/* hokuto tcp — passive open: LISTEN (RFC 9293 3.10.7.2), the bounded
 * half-open queue with SYN cookies when it is full (RFC 4987 3.6), the
 * accept queue (listen backlog), and segments to CLOSED ports (3.10.7.1). */
#include <errno.h>

#include "tcp/tcp_int.h"

#define COOKIE_WINDOW HK_SEC(128) /* two 64-second counter periods */

void tcp_closed_input(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h)
{
	HK_STAT_INC(s, tcp_rx_no_conn);
	tcp_send_rst_reply(s, ip, h);
}

static struct hk_four_tuple tuple_of(const struct hk_ip_rx *ip, const struct hk_tcp_hdr *h)
{
	struct hk_four_tuple t = { .laddr = ip->dst, .raddr = ip->src, .lport = h->dport, .rport = h->sport };
	return t;
}

/* A child takes the listener's socket options. */
static void inherit(struct hk_tcp_conn *c, const struct hk_tcp_conn *l)
{
	c->flags |= l->flags & (TF_NODELAY | TF_KEEPALIVE | TF_NO_TLP);
	c->sndbuf_size = l->sndbuf_size;
	c->rcvbuf_size = l->rcvbuf_size;
	c->keep_idle = l->keep_idle;
	c->keep_intvl = l->keep_intvl;
	c->keep_cnt = l->keep_cnt;
	c->ttl = l->ttl;
	c->tos = l->tos;
	c->cc.ops = l->cc.ops;
	c->max_retries = l->max_retries;
	c->max_syn_retries = l->max_syn_retries;
	c->ecn_mode = l->ecn_mode;
	tcp_dth_inherit(c, l);
}

static void send_cookie(struct hk_stack *s, struct hk_tcp_conn *l, const struct hk_ip_rx *ip,
			const struct hk_tcp_hdr *h)
{
	struct hk_four_tuple t = tuple_of(ip, h);
	uint16_t mss = h->opts.has_mss && h->opts.mss ? h->opts.mss : HK_TCP_DEFAULT_MSS;
	uint32_t cookie = hk_syncookie_make(s->secret, &t, h->seq, mss, s->now);
	/* The cookie holds only the MSS: no scaling, SACK or timestamps. */
	struct hk_tcp_opts o = { .has_mss = true, .mss = tcp_adv_mss(s, ip->src) };
	uint16_t wnd = (uint16_t)tcp_min(l->rcvbuf_size, 65535);
	tcp_send_ctl(s, ip->dst, ip->src, h->dport, h->sport, cookie, h->seq + 1, HK_TCP_SYN | HK_TCP_ACK,
		     wnd, &o, l->ttl, l->tos);
	l->cookie_time = s->now ? s->now : 1;
	HK_STAT_INC(s, tcp_syncookies_sent);
}

/* The ACK of a cookie SYN,ACK: rebuild the connection from it. */
static bool cookie_accept(struct hk_stack *s, struct hk_tcp_conn *l, const struct hk_ip_rx *ip,
			  const struct hk_tcp_hdr *h)
{
	if (!l->cookie_time || s->now - l->cookie_time > COOKIE_WINDOW)
		return false;
	struct hk_four_tuple t = tuple_of(ip, h);
	uint16_t mss;
	if (hk_syncookie_check(s->secret, &t, h->seq - 1, h->ack - 1, s->now, &mss) < 0)
		return false;
	if (l->acc_len >= l->backlog) {
		HK_STAT_INC(s, tcp_listen_overflow);
		return true; /* valid, but no room: the peer retries */
	}
	struct hk_tcp_conn *c = tcp_conn_new(s);
	if (!c)
		return true;
	inherit(c, l);
	c->laddr = ip->dst;
	c->lport = h->dport;
	c->raddr = ip->src;
	c->rport = h->sport;
	c->flags |= TF_PASSIVE | TF_COOKIE;
	tcp_conn_init_seq(s, c);
	c->iss = h->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = h->ack;
	c->recover = c->high_rxt = c->ecn_recover = c->iss;
	c->irs = h->seq - 1;
	c->rcv_nxt = h->seq;
	c->rcv_adv = c->rcv_nxt + tcp_min(c->rcvbuf_size, 65535);
	c->last_ack_sent = c->rcv_nxt;
	c->peer_mss = mss;
	c->adv_mss = tcp_adv_mss(s, c->raddr);
	c->snd_wnd = h->window;
	c->max_snd_wnd = h->window;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->open_time = s->now;
	if (tcp_conn_buffers(s, c) < 0 || tcp_conn_hash(s, c) < 0) {
		tcp_conn_closed(s, c, ENOBUFS);
		return true;
	}
	c->parent = l;
	tcp_set_state(s, c, HK_TCP_ESTABLISHED);
	tcp_conn_established(s, c);
	tcp_child_established(s, c);
	HK_STAT_INC(s, tcp_syncookies_ok);
	HK_STAT_INC(s, tcp_conn_passive);
	return true;
}

void tcp_listen_input(struct hk_stack *s, struct hk_tcp_conn *l, const struct hk_ip_rx *ip,
		      const struct hk_tcp_hdr *h, const uint32_t *iss_floor)
{
	/* "first, check for a RST": ignore it */
	if (h->flags & HK_TCP_RST) {
		HK_STAT_INC(s, tcp_rx_unexpected);
		return;
	}
	/* "second, check for an ACK": reset, unless it answers one of our cookies */
	if (h->flags & HK_TCP_ACK) {
		if (!(h->flags & HK_TCP_SYN) && cookie_accept(s, l, ip, h)) {
			struct hk_tcp_conn *c = tcp_conn_lookup(s, ip->dst, h->dport, ip->src, h->sport);
			if (c && c->state != HK_TCP_CLOSED) {
				/* the rest of the segment (data, FIN) as for ESTABLISHED */
				struct hk_tcp_hdr rest = *h;
				tcp_segment_arrives(s, ip, &rest);
			}
			return;
		}
		if (l->cookie_time && s->now - l->cookie_time <= COOKIE_WINDOW)
			HK_STAT_INC(s, tcp_syncookies_failed);
		else
			HK_STAT_INC(s, tcp_rx_no_conn);
		tcp_send_rst_reply(s, ip, h);
		return;
	}
	/* "third, check for a SYN" */
	if (!(h->flags & HK_TCP_SYN)) {
		HK_STAT_INC(s, tcp_rx_unexpected);
		return;
	}
	if (l->acc_len >= l->backlog) {
		HK_STAT_INC(s, tcp_listen_overflow);
		return;
	}
	uint32_t max_half = s->cfg.tcp.max_syn_backlog ? s->cfg.tcp.max_syn_backlog : 256;
	if (l->syn_count >= max_half) {
		send_cookie(s, l, ip, h); /* no state kept */
		return;
	}
	struct hk_tcp_conn *c = tcp_conn_new(s);
	if (!c)
		return;
	inherit(c, l);
	c->laddr = ip->dst;
	c->lport = h->dport;
	c->raddr = ip->src;
	c->rport = h->sport;
	c->flags |= TF_PASSIVE; /* MUST-11 */
	tcp_conn_init_seq(s, c);
	if (iss_floor && hk_seq_leq(c->iss, *iss_floor)) {
		c->iss = *iss_floor + 1;
		c->snd_una = c->snd_nxt = c->snd_max = c->iss;
		c->recover = c->high_rxt = c->ecn_recover = c->iss;
	}
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1; /* text in the SYN is not taken; the peer resends it */
	c->rcv_adv = c->rcv_nxt;
	tcp_syn_options(s, c, h, true);
	/* RFC 7323 2.2: the SYN's window is not scaled */
	c->snd_wnd = h->window;
	c->max_snd_wnd = h->window;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = c->iss;
	c->open_time = s->now;
	if (tcp_conn_hash(s, c) < 0) {
		tcp_conn_closed(s, c, 0);
		return;
	}
	c->parent = l;
	l->syn_count++;
	tcp_set_state(s, c, HK_TCP_SYN_RECEIVED);
	HK_STAT_INC(s, tcp_conn_passive);
	tcp_send_syn(s, c); /* <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> */
}

void tcp_child_established(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_conn *l = c->parent;
	(void)s;
	if (!l || tcp_has(c, TF_IN_ACCEPTQ))
		return;
	if (!tcp_has(c, TF_COOKIE) && l->syn_count)
		l->syn_count--;
	c->flags |= TF_IN_ACCEPTQ;
	c->acc_next = NULL;
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	l->acc_len++;
}

void tcp_child_detach(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_conn *l = c->parent;
	(void)s;
	if (!l)
		return;
	if (tcp_has(c, TF_IN_ACCEPTQ)) {
		struct hk_tcp_conn *prev = NULL;
		for (struct hk_tcp_conn *x = l->acc_head; x; prev = x, x = x->acc_next) {
			if (x != c)
				continue;
			if (prev)
				prev->acc_next = c->acc_next;
			else
				l->acc_head = c->acc_next;
			if (l->acc_tail == c)
				l->acc_tail = prev;
			l->acc_len--;
			break;
		}
		c->flags &= ~TF_IN_ACCEPTQ;
		c->acc_next = NULL;
	} else if (!tcp_has(c, TF_COOKIE) && l->syn_count) {
		l->syn_count--;
	}
	c->parent = NULL;
}

/* Closing a listener resets what it had not handed out yet. */
void tcp_listener_close(struct hk_stack *s, struct hk_tcp_conn *l)
{
	for (struct hk_tcp_conn *c = tcp_st(s)->all; c; c = c->all_next) {
		if (c->parent != l)
			continue;
		tcp_send_rst_conn(s, c);
		tcp_conn_closed(s, c, ECONNABORTED);
	}
	if (l->hashed)
		tcp_listener_remove(s, l);
	tcp_set_state(s, l, HK_TCP_CLOSED);
	l->acc_head = l->acc_tail = NULL;
	l->acc_len = 0;
	l->syn_count = 0;
	tcp_conn_maybe_free(s, l);
}

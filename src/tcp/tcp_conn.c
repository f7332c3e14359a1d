/* hokuto tcp — connection records and the tables that find them: an O(1)
 * hash on the 4-tuple (keyed, so a peer cannot aim at one bucket), listeners
 * by port, and the memory accounting for every TCP buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_int.h"

#define HASH_INITIAL 1024u

static uint32_t tuple_hash(const struct hk_stack *s, hk_ip4_t laddr, uint16_t lport, hk_ip4_t raddr,
			   uint16_t rport)
{
	struct hk_four_tuple t = { .laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport };
	return (uint32_t)hk_siphash(s->secret, &t, sizeof(t));
}

int tcp_table_init(struct hk_stack *s);
int tcp_table_init(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	ts->hash = calloc(HASH_INITIAL, sizeof(*ts->hash));
	if (!ts->hash)
		return -ENOMEM;
	ts->hash_mask = HASH_INITIAL - 1;
	return 0;
}

/* Doubles the bucket array when the chains get long (not on the per-packet path). */
static void table_grow(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	uint32_t n = (ts->hash_mask + 1) * 2;
	struct hk_tcp_conn **h = calloc(n, sizeof(*h));
	if (!h)
		return; /* keep the longer chains */
	for (uint32_t i = 0; i <= ts->hash_mask; i++) {
		struct hk_tcp_conn *c = ts->hash[i];
		while (c) {
			struct hk_tcp_conn *next = c->hnext;
			uint32_t b = tuple_hash(s, c->laddr, c->lport, c->raddr, c->rport) & (n - 1);
			c->hnext = h[b];
			h[b] = c;
			c = next;
		}
	}
	free(ts->hash);
	ts->hash = h;
	ts->hash_mask = n - 1;
}

struct hk_tcp_conn *tcp_conn_lookup(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport,
				    hk_ip4_t raddr, uint16_t rport)
{
	struct hk_tcp_state *ts = tcp_st(s);
	uint32_t b = tuple_hash(s, laddr, lport, raddr, rport) & ts->hash_mask;
	for (struct hk_tcp_conn *c = ts->hash[b]; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && c->laddr == laddr && c->raddr == raddr)
			return c;
	return NULL;
}

int tcp_conn_hash(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (c->hashed)
		return 0;
	if (tcp_conn_lookup(s, c->laddr, c->lport, c->raddr, c->rport))
		return -EADDRINUSE;
	if (ts->n_hashed >= 2 * (ts->hash_mask + 1))
		table_grow(s);
	uint32_t b = tuple_hash(s, c->laddr, c->lport, c->raddr, c->rport) & ts->hash_mask;
	c->hnext = ts->hash[b];
	ts->hash[b] = c;
	c->hashed = true;
	ts->n_hashed++;
	return 0;
}

void tcp_conn_unhash(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!c->hashed)
		return;
	if (c->state == HK_TCP_LISTEN) {
		tcp_listener_remove(s, c);
		return;
	}
	uint32_t b = tuple_hash(s, c->laddr, c->lport, c->raddr, c->rport) & ts->hash_mask;
	for (struct hk_tcp_conn **pp = &ts->hash[b]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hnext = NULL;
	c->hashed = false;
	ts->n_hashed--;
}

void tcp_listener_add(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	uint32_t b = c->lport % HK_TCP_LISTEN_BUCKETS;
	c->hnext = ts->listeners[b];
	ts->listeners[b] = c;
	c->hashed = true;
}

void tcp_listener_remove(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	uint32_t b = c->lport % HK_TCP_LISTEN_BUCKETS;
	for (struct hk_tcp_conn **pp = &ts->listeners[b]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	c->hnext = NULL;
	c->hashed = false;
}

/* The listener for (laddr, lport): one bound to that address first, else a
 * wildcard one. */
struct hk_tcp_conn *tcp_listener_lookup(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport)
{
	struct hk_tcp_state *ts = tcp_st(s);
	struct hk_tcp_conn *wild = NULL;
	for (struct hk_tcp_conn *c = ts->listeners[lport % HK_TCP_LISTEN_BUCKETS]; c; c = c->hnext) {
		if (c->lport != lport)
			continue;
		if (c->laddr == laddr)
			return c;
		if (c->laddr == 0)
			wild = c;
	}
	return wild;
}

bool tcp_port_in_use(struct hk_stack *s, hk_ip4_t laddr, uint16_t lport, hk_ip4_t raddr, uint16_t rport)
{
	if (tcp_conn_lookup(s, laddr, lport, raddr, rport))
		return true;
	struct hk_tcp_state *ts = tcp_st(s);
	for (struct hk_tcp_conn *c = ts->listeners[lport % HK_TCP_LISTEN_BUCKETS]; c; c = c->hnext)
		if (c->lport == lport)
			return true;
	return false;
}

struct hk_tcp_conn *tcp_conn_new(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (ts->mem_used + sizeof(struct hk_tcp_conn) > s->cfg.tcp.mem_limit) {
		HK_STAT_INC(s, tcp_mem_limit);
		return NULL;
	}
	struct hk_tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	ts->mem_used += sizeof(*c);
	c->s = s;
	c->fd = -1;
	c->state = HK_TCP_CLOSED;
	tcp_timers_init(c);
	const struct hk_tcp_config *cfg = &s->cfg.tcp;
	hk_rtt_init(&c->rtt, cfg->rto_initial ? cfg->rto_initial : HK_SEC(1),
		    cfg->rto_min ? cfg->rto_min : HK_SEC(1), cfg->rto_max ? cfg->rto_max : HK_SEC(60));
	c->sndbuf_size = cfg->snd_buf ? cfg->snd_buf : 256 * 1024;
	c->rcvbuf_size = cfg->rcv_buf ? cfg->rcv_buf : 256 * 1024;
	c->keep_idle = HK_TCP_KEEPIDLE_DEFAULT;
	c->keep_intvl = HK_TCP_KEEPINTVL_DEFAULT;
	c->keep_cnt = HK_TCP_KEEPCNT_DEFAULT;
	c->ttl = 64;
	c->ecn_mode = HK_TCP_ECN_PASSIVE;
	c->peer_mss = HK_TCP_DEFAULT_MSS;
	c->eff_mss = HK_TCP_DEFAULT_MSS;
	c->rcv_mss = HK_TCP_DEFAULT_MSS;
	hk_asm_init(&c->asmb);
	hk_sack_reset(&c->sack);
	c->cc.ops = ts->default_cc;
	c->all_next = ts->all;
	if (ts->all)
		ts->all->all_prev = c;
	ts->all = c;
	ts->n_conns++;
	return c;
}

static int ring_alloc(struct hk_stack *s, struct hk_ring *r, uint32_t size)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (r->buf)
		return 0;
	if (ts->mem_used + size > s->cfg.tcp.mem_limit) {
		HK_STAT_INC(s, tcp_mem_limit);
		return -ENOBUFS;
	}
	if (hk_ring_reserve(r, size) < 0)
		return -ENOBUFS;
	ts->mem_used += r->cap;
	return 0;
}

int tcp_conn_buffers(struct hk_stack *s, struct hk_tcp_conn *c)
{
	int rc = ring_alloc(s, &c->sndbuf, c->sndbuf_size);
	if (rc == 0)
		rc = ring_alloc(s, &c->rcvbuf, c->rcvbuf_size);
	return rc;
}

void tcp_ring_free(struct hk_stack *s, struct hk_ring *r)
{
	if (!r->buf)
		return;
	tcp_st(s)->mem_used -= r->cap;
	hk_ring_release(r);
	memset(r, 0, sizeof(*r));
}

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

const char *hk_tcp_state_name(int state)
{
	if (state < 0 || state > HK_TCP_TIME_WAIT)
		return "?";
	return state_names[state];
}

void tcp_set_state(struct hk_stack *s, struct hk_tcp_conn *c, int state)
{
	if (c->state == state)
		return;
	hk_debug(s, "tcp %u->%u: %s -> %s", c->lport, c->rport, hk_tcp_state_name(c->state),
		 hk_tcp_state_name(state));
	c->state = state;
}

void tcp_mark_pending(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (c->pending || c->state == HK_TCP_CLOSED)
		return;
	c->pending = true;
	c->pend_next = ts->pend_head;
	ts->pend_head = c;
}

void tcp_conn_maybe_free(struct hk_stack *s, struct hk_tcp_conn *c)
{
	if (c->state != HK_TCP_CLOSED || c->fd >= 0 || tcp_has(c, TF_IN_ACCEPTQ | TF_ZOMBIE))
		return;
	c->flags |= TF_ZOMBIE;
	c->zombie_next = tcp_st(s)->zombies;
	tcp_st(s)->zombies = c;
}

void tcp_conn_closed(struct hk_stack *s, struct hk_tcp_conn *c, int err)
{
	if (c->parent)
		tcp_child_detach(s, c);
	tcp_timers_cancel(s, c);
	tcp_conn_unhash(s, c);
	tcp_set_state(s, c, HK_TCP_CLOSED);
	if (err) {
		c->err = err;
		c->err_final = err;
		tcp_ring_free(s, &c->rcvbuf); /* an abort flushes the queues (RFC 9293 3.10.7.4) */
	}
	tcp_ring_free(s, &c->sndbuf);
	if (c->fd < 0 || tcp_has(c, TF_USER_CLOSED))
		tcp_ring_free(s, &c->rcvbuf);
	tcp_conn_maybe_free(s, c);
}

void tcp_conn_destroy(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	tcp_timers_cancel(s, c);
	if (c->state == HK_TCP_LISTEN || c->hashed)
		tcp_conn_unhash(s, c);
	tcp_ring_free(s, &c->sndbuf);
	tcp_ring_free(s, &c->rcvbuf);
	if (c->all_prev)
		c->all_prev->all_next = c->all_next;
	else
		ts->all = c->all_next;
	if (c->all_next)
		c->all_next->all_prev = c->all_prev;
	ts->mem_used -= sizeof(*c);
	ts->n_conns--;
	free(c);
}

void tcp_conn_free_zombies(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	while (ts->zombies) {
		struct hk_tcp_conn *c = ts->zombies;
		ts->zombies = c->zombie_next;
		tcp_conn_destroy(s, c);
	}
}

uint16_t tcp_adv_mss(struct hk_stack *s, hk_ip4_t raddr)
{
	uint32_t mtu = hk_ipv4_mtu_for(s, raddr);
	if (mtu < 68)
		mtu = 576;
	uint32_t mss = mtu - 40; /* MUST-67: MMS_R - 20 (IP and TCP headers without options) */
	return (uint16_t)(mss > 65535 ? 65535 : mss);
}

void tcp_update_mss(struct hk_stack *s, struct hk_tcp_conn *c)
{
	uint32_t mtu = hk_ipv4_mtu_for(s, c->raddr);
	if (mtu < 68)
		mtu = 576;
	/* MUST-16: Eff.snd.MSS = min(SendMSS+20, MMS_S) - TCPhdrsize - IPoptionsize */
	uint32_t mss = tcp_min((uint32_t)c->peer_mss + 20, mtu - 20) - 20;
	if (tcp_has(c, TF_TS_OK))
		mss -= 12; /* the timestamp option rides on every segment */
	if (mss < HK_TCP_MIN_MSS)
		mss = HK_TCP_MIN_MSS;
	c->eff_mss = mss;
	if (c->cc.mss && c->cc.mss != mss)
		c->cc.mss = mss;
}

void tcp_conn_init_seq(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_four_tuple t = { .laddr = c->laddr, .raddr = c->raddr, .lport = c->lport, .rport = c->rport };
	/* RFC 9293 3.4.1 / RFC 6528: M + F(4-tuple, secret) */
	c->iss = hk_tcp_isn(s->secret, &t, s->now);
	/* RFC 7323 5.4: a per-connection random offset for TSval */
	c->ts_off = (uint32_t)(hk_siphash(s->secret, &t, sizeof(t)) >> 32);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->recover = c->iss; /* RFC 6582 3.2 step 1 */
	c->ecn_recover = c->iss;
	c->high_rxt = c->iss;
}

void tcp_conn_established(struct hk_stack *s, struct hk_tcp_conn *c)
{
	tcp_update_mss(s, c);
	if (!c->cc.ops)
		c->cc.ops = &hk_tcp_cc_newreno;
	c->cc.ops->init(&c->cc, c->eff_mss, s->now);
	c->flags |= TF_WAS_CONNECTED;
	c->last_rx = s->now;
	c->rcv_read_seq = c->rcv_nxt;
	c->rcv_psh_seq = c->rcv_nxt;
	HK_STAT_INC(s, tcp_conn_established);
	tcp_keepalive_reset(s, c);
}

uint8_t tcp_choose_wscale(uint32_t buf)
{
	uint8_t ws = 0;
	while (ws < HK_TCP_MAX_WSCALE && (65535u << ws) < buf)
		ws++;
	return ws;
}

void tcp_syn_options(struct hk_stack *s, struct hk_tcp_conn *c, const struct hk_tcp_hdr *h, bool passive)
{
	const struct hk_tcp_opts *o = &h->opts;
	c->last_ack_sent = c->rcv_nxt; /* for the TS.Recent rule (RFC 7323 4.3) */
	/* MUST-14/15: the peer's MSS, 536 when it sent none */
	c->peer_mss = o->has_mss && o->mss ? o->mss : HK_TCP_DEFAULT_MSS;
	/* RFC 7323 2.2: scaling only when both SYNs carry the option */
	if (o->has_wscale) {
		c->flags |= TF_WS_OK;
		c->snd_wscale = o->wscale > HK_TCP_MAX_WSCALE ? HK_TCP_MAX_WSCALE : o->wscale;
		if (passive)
			c->rcv_wscale = tcp_choose_wscale(c->rcvbuf_size);
	} else {
		c->flags &= ~TF_WS_OK;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (o->sack_permitted)
		c->flags |= TF_SACK_OK;
	else
		c->flags &= ~TF_SACK_OK;
	/* RFC 7323 3.2: timestamps when both SYNs carry them */
	if (o->has_ts) {
		c->flags |= TF_TS_OK;
		c->ts_recent = o->ts_val;
		c->ts_recent_time = s->now;
	} else {
		c->flags &= ~TF_TS_OK;
	}
	/* RFC 3168 6.1.1: ECN-setup SYN (ECE+CWR) and SYN,ACK (ECE alone) */
	uint8_t ecn = h->flags & (HK_TCP_ECE | HK_TCP_CWR);
	if (passive)
		c->ecn = ecn == (HK_TCP_ECE | HK_TCP_CWR) && c->ecn_mode != HK_TCP_ECN_OFF ? ECN_OK : 0;
	else
		c->ecn = ecn == HK_TCP_ECE && c->ecn_mode == HK_TCP_ECN_ON ? ECN_OK : 0;
	tcp_update_mss(s, c);
}

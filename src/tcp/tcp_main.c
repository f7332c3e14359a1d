/* hokuto tcp — the entry points the rest of the stack calls: init/fini,
 * segment input (validation before RFC 9293 3.10.7), ICMP errors
 * (RFC 9293 3.9.2.2, RFC 5927, RFC 1191) and the once-per-poll flush. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "tcp/tcp_int.h"

int tcp_table_init(struct hk_stack *s);

int hk_tcp_init(struct hk_stack *s)
{
	struct hk_tcp_state *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	s->tcp = ts;
	if (tcp_table_init(s) < 0)
		return -ENOMEM;
	ts->default_cc = hk_tcp_cc_find(s->cfg.tcp.cc ? s->cfg.tcp.cc : "newreno");
	if (!ts->default_cc)
		ts->default_cc = &hk_tcp_cc_newreno;
	if (!s->cfg.tcp.mem_limit)
		s->cfg.tcp.mem_limit = 256u * 1024 * 1024;
	return 0;
}

void hk_tcp_fini(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!ts)
		return;
	ts->pend_head = NULL;
	ts->zombies = NULL;
	while (ts->all) {
		ts->all->pending = false;
		tcp_conn_destroy(s, ts->all);
	}
	tcp_dth_fini(s);
	free(ts->hash);
	free(ts->fds);
	free(ts);
	s->tcp = NULL;
}

/* Addresses no segment may come from (MUST-63) or a SYN be sent to (MUST-57). */
bool tcp_addr_is_special(const struct hk_stack *s, hk_ip4_t a)
{
	if (a == 0 || a == 0xffffffffu || (a >> 28) == 0xe || (a >> 28) == 0xf)
		return true;
	for (int i = 0; i < s->n_ifaces; i++) {
		const struct hk_iface *ifc = &s->ifaces[i];
		if (ifc->prefix < 31 && a == (ifc->addr | ~ifc->mask))
			return true;
	}
	return false;
}

void hk_tcp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb)
{
	struct hk_tcp_hdr h;
	HK_STAT_INC(s, tcp_rx_segments);
	int rc = hk_tcp_parse(pb->data, pb->len, ip->src, ip->dst, true, &h);
	if (rc == HK_TCP_ERR_CHECKSUM) {
		HK_STAT_INC(s, tcp_rx_bad_checksum); /* MUST-3 */
		goto drop;
	}
	if (rc != HK_TCP_OK) {
		HK_STAT_INC(s, tcp_rx_malformed);
		goto drop;
	}
	if (h.opts.malformed) {
		/* MUST-7: an illegal option length; we drop the segment (the
		 * peer retransmits; a broken peer never gets far). */
		HK_STAT_INC(s, tcp_rx_bad_options);
		hk_debug(s, "tcp: dropped segment with illegal option length");
		goto drop;
	}
	/* RFC 9293 3.9.2.3: MUST-57 (to broadcast/multicast) and MUST-63 (bad source) */
	if (ip->broadcast || tcp_addr_is_special(s, ip->dst) || tcp_addr_is_special(s, ip->src) ||
	    h.sport == 0 || h.dport == 0) {
		HK_STAT_INC(s, tcp_rx_bad_addr);
		goto drop;
	}
	tcp_dth_input(s, ip, &h); /* RFC 9401 / RFC 3514 counters */
	tcp_segment_arrives(s, ip, &h);
drop:
	hk_pbuf_free(pb);
}

static void icmp_soft(struct hk_stack *s, struct hk_tcp_conn *c, int err)
{
	/* MUST-56: never abort on a soft error; SHLD-25: keep it for the app */
	c->soft_err = err;
	HK_STAT_INC(s, tcp_icmp_soft);
}

void hk_tcp_icmp_error(struct hk_stack *s, const struct hk_icmp_err *e)
{
	if (e->l4_len < 8 || e->proto != HK_IPPROTO_TCP) {
		HK_STAT_INC(s, tcp_icmp_ignored);
		return;
	}
	uint16_t sport = (uint16_t)(e->l4[0] << 8 | e->l4[1]);
	uint16_t dport = (uint16_t)(e->l4[2] << 8 | e->l4[3]);
	uint32_t seq = (uint32_t)e->l4[4] << 24 | (uint32_t)e->l4[5] << 16 | (uint32_t)e->l4[6] << 8 | e->l4[7];
	struct hk_tcp_conn *c = tcp_conn_lookup(s, e->src, sport, e->dst, dport);
	/* RFC 5927 4.1: the quoted sequence number must be in flight */
	if (!c || c->state == HK_TCP_LISTEN || !hk_seq_leq(c->snd_una, seq) || !hk_seq_lt(seq, c->snd_max + 1)) {
		HK_STAT_INC(s, tcp_icmp_ignored);
		return;
	}
	switch (e->type) {
	case HK_ICMP_DEST_UNREACH:
		if (e->code == HK_ICMP_UNREACH_FRAG_NEEDED) {
			/* RFC 1191: lower the path MTU and the MSS, resend what was lost */
			uint32_t mtu = e->next_mtu ? e->next_mtu : 576;
			if (mtu < 68)
				return;
			hk_ipv4_pmtu_update(s, c->raddr, mtu);
			uint32_t old = c->eff_mss;
			tcp_update_mss(s, c);
			if (c->eff_mss < old && tcp_synchronized(c->state)) {
				HK_STAT_INC(s, tcp_pmtu_updates);
				c->snd_nxt = c->snd_una;
				c->flags &= ~TF_RTT_TIMING;
				tcp_mark_pending(s, c);
			}
			return;
		}
		if (e->code == HK_ICMP_UNREACH_PROTOCOL || e->code == HK_ICMP_UNREACH_PORT) {
			/* SHLD-26 hard errors: abort while connecting; later only
			 * recorded (RFC 5927 4.2 attack resistance) */
			if (c->state == HK_TCP_SYN_SENT) {
				HK_STAT_INC(s, tcp_icmp_hard);
				tcp_conn_closed(s, c, ECONNREFUSED);
				return;
			}
			icmp_soft(s, c, ECONNREFUSED);
			return;
		}
		icmp_soft(s, c, e->code == 0 ? ENETUNREACH : EHOSTUNREACH);
		return;
	case 4: /* source quench: MUST-55 silently discard */
		return;
	case HK_ICMP_TIME_EXCEEDED:
		icmp_soft(s, c, EHOSTUNREACH);
		return;
	case HK_ICMP_PARAM_PROBLEM:
		icmp_soft(s, c, EPROTO);
		return;
	default:
		HK_STAT_INC(s, tcp_icmp_ignored);
		return;
	}
}

void hk_tcp_flush(struct hk_stack *s)
{
	struct hk_tcp_state *ts = tcp_st(s);
	/* MUST-58/59: every queued segment was processed first; now one
	 * output pass per connection sends the aggregated ACK with any data. */
	for (int round = 0; round < 4 && ts->pend_head; round++) {
		struct hk_tcp_conn *list = ts->pend_head;
		ts->pend_head = NULL;
		while (list) {
			struct hk_tcp_conn *c = list;
			list = c->pend_next;
			c->pend_next = NULL;
			c->pending = false;
			if (c->state != HK_TCP_CLOSED && c->state != HK_TCP_LISTEN)
				tcp_output(s, c);
		}
	}
	/* Anything still pending (very unlikely) waits for the next poll;
	 * zombies on that list are taken off before they are freed. */
	for (struct hk_tcp_conn **pp = &ts->pend_head; *pp;) {
		if (tcp_has(*pp, TF_ZOMBIE)) {
			(*pp)->pending = false;
			*pp = (*pp)->pend_next;
		} else {
			pp = &(*pp)->pend_next;
		}
	}
	tcp_conn_free_zombies(s);
}

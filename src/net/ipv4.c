/* hokuto net — IPv4 input: validation, delivery to the transports
 * (RFC 791, RFC 1122 3.2.1). Output is in ipv4_output.c, routing in
 * ipv4_route.c, reassembly in ipv4_reasm.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/wire/icmp.h"
#include "net/icmp.h"
#include "net/ipv4_priv.h"
#include "net/udp.h"
#include "tcp/tcp.h"

int hk_ipv4_init(struct hk_stack *s)
{
	struct hk_ipv4_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->next_id = (uint16_t)hk_rng_u32(&s->rng);
	hk_timer_init(&st->loop_timer, hk_ipv4_loop_fire);
	s->ipv4 = st;
	return 0;
}

void hk_ipv4_fini(struct hk_stack *s)
{
	struct hk_ipv4_state *st = s->ipv4;
	if (!st)
		return;
	hk_ipv4_reasm_fini(s);
	hk_timer_cancel(s, &st->loop_timer);
	hk_pbuf_queue_clear(&st->loop);
	free(st);
	s->ipv4 = NULL;
}

static void count_parse_error(struct hk_stack *s, int err, const struct hk_pbuf *pb)
{
	/* A total length beyond what arrived is a truncated packet; one below
	 * the header length is simply wrong. */
	if (err == HK_IPV4_ERR_TOTAL_LEN && pb->len >= HK_IPV4_HDR_LEN && hk_rd16(pb->data + 2) > pb->len)
		err = HK_IPV4_ERR_TRUNCATED;
	switch (err) {
	case HK_IPV4_ERR_TRUNCATED:
		HK_STAT_INC(s, ip_rx_truncated);
		break;
	case HK_IPV4_ERR_VERSION:
		HK_STAT_INC(s, ip_rx_bad_version);
		break;
	case HK_IPV4_ERR_IHL:
		HK_STAT_INC(s, ip_rx_bad_ihl);
		break;
	case HK_IPV4_ERR_TOTAL_LEN:
		HK_STAT_INC(s, ip_rx_bad_total_length);
		break;
	default:
		HK_STAT_INC(s, ip_rx_bad_checksum);
		break;
	}
}

/* Addressed to us: one of our addresses (RFC 1122 3.3.4.2 lets a
 * multihomed host take any of them) or a broadcast of the receiving
 * interface. We join no multicast group. */
static bool for_us(const struct hk_stack *s, const struct hk_iface *ifc, hk_ip4_t dst, bool *bcast)
{
	*bcast = false;
	if (hk_ipv4_is_local(s, dst))
		return true;
	if (hk_ipv4_is_bcast(ifc, dst)) {
		*bcast = true;
		return true;
	}
	return false;
}

static void deliver(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb, bool bcast, bool link_bcast)
{
	/* The header was validated before; a reassembled one was rebuilt. */
	const uint8_t *hp = pb->data;
	size_t hlen = (size_t)(hp[0] & 0x0f) * 4;
	struct hk_ip_rx rx = {
		.ifc = ifc,
		.src = hk_rd32(hp + 12),
		.dst = hk_rd32(hp + 16),
		.proto = hp[9],
		.ttl = hp[8],
		.tos = hp[1],
		.evil = (hp[6] & 0x80) != 0,
		.df = (hp[6] & 0x40) != 0,
		.broadcast = bcast,
		.link_broadcast = link_bcast,
		.ip_hdr = hp,
		.ip_hdr_len = hlen,
	};
	/* Options were skipped with the header: nothing here acts on them. */
	hk_pbuf_pull(pb, hlen);
	switch (rx.proto) {
	case HK_IPPROTO_ICMP:
		hk_icmp_input(s, &rx, pb);
		return;
	case HK_IPPROTO_UDP:
		hk_udp_input(s, &rx, pb);
		return;
	case HK_IPPROTO_TCP:
		hk_tcp_input(s, &rx, pb);
		return;
	default:
		/* RFC 1122 3.2.2.1: protocol unreachable. */
		HK_STAT_INC(s, ip_rx_unknown_protocol);
		hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PROTOCOL, &rx, pb->data, pb->len);
		hk_pbuf_free(pb);
		return;
	}
}

static void input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb, bool looped, bool link_bcast)
{
	HK_STAT_INC(s, ip_rx_packets);
	struct hk_ipv4_hdr h;
	int rc = hk_ipv4_parse(pb->data, pb->len, true, &h);
	if (rc != HK_IPV4_OK) {
		count_parse_error(s, rc, pb);
		hk_debug(s, "ipv4: drop: %s", hk_ipv4_err_str(rc));
		goto drop;
	}
	/* Link-layer padding (Ethernet minimum frame) follows the datagram. */
	hk_pbuf_trim(pb, h.total_len);
	/* RFC 1122 3.2.1.3: discard a source that is not a single host, and
	 * one that claims to be us (spoofed, or our own echo). */
	bool shared = hk_ipv4_iface_shared(ifc); /* rawip: the host uses our address too */
	bool host_lo = shared && (h.src >> 24) == 127 && (ifc->addr >> 24) == 127;
	if ((hk_ipv4_is_martian_src(h.src) && !host_lo) || hk_ipv4_is_bcast(ifc, h.src) ||
	    (!looped && !shared && hk_ipv4_is_local(s, h.src))) {
		HK_STAT_INC(s, ip_rx_bad_source);
		goto drop;
	}
	bool bcast;
	if (!for_us(s, ifc, h.dst, &bcast)) {
		HK_STAT_INC(s, ip_rx_not_for_us);
		goto drop;
	}
	if ((h.flags & HK_IPV4_FLAG_MF) || h.frag_off) {
		HK_STAT_INC(s, ip_rx_fragments);
		pb = hk_ipv4_reasm(s, ifc, &h, pb);
		if (!pb)
			return;
	}
	deliver(s, ifc, pb, bcast, link_bcast);
	return;
drop:
	hk_pbuf_free(pb);
}

void hk_ipv4_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	input(s, ifc, pb, false, false);
}

void hk_ipv4_input_l2(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb, bool link_broadcast)
{
	input(s, ifc, pb, false, link_broadcast);
}

void hk_ipv4_input_loop(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	input(s, ifc, pb, true, false);
}

/* Delivers what was sent to our own addresses. Bounded by the queue; a
 * packet sent while delivering waits for the next run (same time). */
void hk_ipv4_loop_fire(struct hk_stack *s, struct hk_timer *t)
{
	(void)t;
	struct hk_pbuf_queue q = s->ipv4->loop;
	memset(&s->ipv4->loop, 0, sizeof(s->ipv4->loop));
	struct hk_pbuf *pb;
	while ((pb = hk_pbuf_queue_pop(&q)) != NULL) {
		int idx = (int)pb->ts;
		if (idx >= s->n_ifaces) {
			hk_pbuf_free(pb);
			continue;
		}
		hk_ipv4_input_loop(s, &s->ifaces[idx], pb);
	}
}

/* hokuto net — IPv4 output: header, routing, fragmentation (RFC 791 3.2,
 * RFC 1122 3.3.1), link hand-off. */
#include <errno.h>
#include <string.h>

#include "link/arp.h"
#include "net/ipv4_priv.h"

struct out_ctx {
	struct hk_route rt;
	hk_ip4_t src;
	uint32_t mtu;
	uint16_t id;
};

/* Route, source and MTU for a datagram carrying payload_len bytes. */
static int prepare(struct hk_stack *s, const struct hk_ip_tx *tx, size_t payload_len, struct out_ctx *o)
{
	if (payload_len > HK_IP_MAX_LEN - HK_IPV4_HDR_LEN)
		return -EMSGSIZE;
	if (hk_ipv4_route(s, tx->dst, &o->rt) < 0) {
		HK_STAT_INC(s, ip_tx_no_route);
		return -EHOSTUNREACH;
	}
	o->src = tx->src ? tx->src : o->rt.ifc->addr;
	o->mtu = hk_ipv4_route_mtu(s, &o->rt, tx->dst);
	/* RFC 791: the identification is unique per (src, dst, proto) while
	 * the datagram may be alive; a counter from a random start does. */
	o->id = s->ipv4->next_id++;
	if (HK_IPV4_HDR_LEN + payload_len > o->mtu && tx->df) {
		HK_STAT_INC(s, ip_tx_too_big_df);
		return -EMSGSIZE;
	}
	return 0;
}

/* Prepends the header and hands the packet to the link; consumes pb. */
static int emit(struct hk_stack *s, const struct hk_ip_tx *tx, const struct out_ctx *o, struct hk_pbuf *pb,
		uint16_t frag_off, bool mf)
{
	uint8_t *p = hk_pbuf_push(pb, HK_IPV4_HDR_LEN);
	if (!p) {
		HK_STAT_INC(s, ip_tx_no_buffer);
		hk_pbuf_free(pb);
		return -ENOBUFS;
	}
	struct hk_ipv4_hdr h = {
		.version = 4,
		.ihl = 5,
		.tos = tx->tos,
		.total_len = (uint16_t)pb->len,
		.id = o->id,
		.flags = (uint8_t)((tx->df ? HK_IPV4_FLAG_DF : 0) | (mf ? HK_IPV4_FLAG_MF : 0) |
				   (tx->evil ? HK_IPV4_FLAG_EVIL : 0)),
		.frag_off = frag_off,
		.ttl = tx->ttl ? tx->ttl : 64,
		.proto = tx->proto,
		.src = o->src,
		.dst = tx->dst,
	};
	hk_ipv4_emit(&h, p);

	struct hk_iface *ifc = o->rt.ifc;
	if (o->rt.local) {
		/* To ourselves: no wire, but through the normal input path. */
		struct hk_ipv4_state *st = s->ipv4;
		if (st->loop.len >= HK_LOOP_QUEUE) {
			HK_STAT_INC(s, ip_tx_loop_overflow);
			hk_pbuf_free(pb);
			return -ENOBUFS;
		}
		HK_STAT_INC(s, ip_tx_loopback);
		pb->ts = (hk_time_t)ifc->index;
		hk_pbuf_queue_push(&st->loop, pb);
		if (!hk_timer_armed(&st->loop_timer))
			hk_timer_arm(s, &st->loop_timer, s->now);
		return 0;
	}
	if (ifc->dev->link == HK_LINK_IPV4)
		return hk_stack_xmit(s, ifc, pb);
	return hk_arp_output(s, ifc, o->rt.nexthop, pb);
}

/* Copies bytes [off, off+n) of the concatenation a|b to out. */
static void copy_range(uint8_t *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t off, size_t n)
{
	if (off < alen) {
		size_t k = alen - off < n ? alen - off : n;
		memcpy(out, a + off, k);
		out += k;
		n -= k;
		off = 0;
	} else {
		off -= alen;
	}
	if (n)
		memcpy(out, b + off, n);
}

/* Sends hdr|data as one packet or as fragments of at most o->mtu bytes
 * (RFC 791 3.2 "Fragmentation"): every fragment but the last carries a
 * multiple of 8 payload bytes. */
static int send_copied(struct hk_stack *s, const struct hk_ip_tx *tx, const struct out_ctx *o, const uint8_t *hdr,
		       size_t hdr_len, const uint8_t *data, size_t data_len)
{
	size_t total = hdr_len + data_len;
	size_t chunk = total;
	if (HK_IPV4_HDR_LEN + total > o->mtu)
		chunk = (o->mtu - HK_IPV4_HDR_LEN) & ~(size_t)7;
	int rc = 0;
	for (size_t off = 0; off < total || off == 0; off += chunk) {
		size_t n = total - off < chunk ? total - off : chunk;
		struct hk_pbuf *pb = hk_stack_pbuf(s);
		if (!pb) {
			HK_STAT_INC(s, ip_tx_no_buffer);
			return -ENOBUFS;
		}
		uint8_t *p = hk_pbuf_put(pb, n);
		if (!p) {
			HK_STAT_INC(s, ip_tx_no_buffer);
			hk_pbuf_free(pb);
			return -ENOBUFS;
		}
		copy_range(p, hdr, hdr_len, data, off, n);
		bool frag = chunk < total;
		if (frag)
			HK_STAT_INC(s, ip_frag_created);
		int r = emit(s, tx, o, pb, (uint16_t)(off / 8), frag && off + n < total);
		if (r < 0 && rc == 0)
			rc = r;
		if (total == 0)
			break;
	}
	HK_STAT_INC(s, ip_tx_packets);
	return rc;
}

int hk_ipv4_output(struct hk_stack *s, const struct hk_ip_tx *tx, struct hk_pbuf *pb)
{
	struct out_ctx o;
	int rc = prepare(s, tx, pb->len, &o);
	if (rc < 0) {
		hk_pbuf_free(pb);
		return rc;
	}
	if (HK_IPV4_HDR_LEN + pb->len <= o.mtu) {
		HK_STAT_INC(s, ip_tx_packets);
		return emit(s, tx, &o, pb, 0, false);
	}
	rc = send_copied(s, tx, &o, pb->data, pb->len, NULL, 0);
	hk_pbuf_free(pb);
	return rc;
}

int hk_ipv4_output_gather(struct hk_stack *s, const struct hk_ip_tx *tx, const void *hdr, size_t hdr_len,
			  const void *data, size_t data_len)
{
	struct out_ctx o;
	int rc = prepare(s, tx, hdr_len + data_len, &o);
	if (rc < 0)
		return rc;
	return send_copied(s, tx, &o, hdr, hdr_len, data, data_len);
}

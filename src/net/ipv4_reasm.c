/* hokuto net — IPv4 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2).
 *
 * Bounded: HK_REASM_SLOTS datagrams and HK_REASM_MAX_BYTES payload in
 * progress; a datagram must fit one packet buffer. A fragment overlapping
 * one already held kills the whole datagram (as RFC 5722 asks for IPv6,
 * and Linux does for IPv4); an exact duplicate is dropped alone. */
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/icmp.h"
#include "net/icmp.h"
#include "net/ipv4_priv.h"

#define HDR_ROOM 60 /* largest IPv4 header: the payload starts this far in */

static void slot_kill(struct hk_stack *s, struct hk_reasm_slot *r)
{
	hk_timer_cancel(s, &r->timer);
	hk_pbuf_free(r->buf);
	r->buf = NULL;
	s->ipv4->reasm_bytes -= r->bytes;
	r->bytes = 0;
	r->used = false;
}

void hk_ipv4_reasm_fini(struct hk_stack *s)
{
	for (int i = 0; i < HK_REASM_SLOTS; i++)
		if (s->ipv4->reasm[i].used)
			slot_kill(s, &s->ipv4->reasm[i]);
}

/* RFC 792 / RFC 1122 3.3.2: time exceeded (code 1) when the first
 * fragment had come, so the sender learns why. */
static void on_timeout(struct hk_stack *s, struct hk_timer *t)
{
	struct hk_reasm_slot *r = (struct hk_reasm_slot *)t;
	HK_STAT_INC(s, ip_reasm_timeout);
	if (r->have_first) {
		uint8_t *payload = r->buf->data + HDR_ROOM;
		const uint8_t *hp = payload - r->hdr_len;
		struct hk_ip_rx rx = {
			.ifc = r->ifc,
			.src = r->src,
			.dst = r->dst,
			.proto = r->proto,
			.ttl = hp[8],
			.tos = hp[1],
			.broadcast = hk_ipv4_is_bcast(r->ifc, r->dst),
			.ip_hdr = hp,
			.ip_hdr_len = r->hdr_len,
		};
		/* The first fragment held at least 8 payload bytes (it had MF). */
		hk_icmp_send_error(s, HK_ICMP_TIME_EXCEEDED, 1, 0, &rx, payload, 8);
	}
	slot_kill(s, r);
}

static struct hk_reasm_slot *find(struct hk_ipv4_state *st, const struct hk_ipv4_hdr *h)
{
	for (int i = 0; i < HK_REASM_SLOTS; i++) {
		struct hk_reasm_slot *r = &st->reasm[i];
		if (r->used && r->id == h->id && r->src == h->src && r->dst == h->dst && r->proto == h->proto)
			return r;
	}
	return NULL;
}

static struct hk_reasm_slot *oldest(struct hk_ipv4_state *st)
{
	struct hk_reasm_slot *o = NULL;
	for (int i = 0; i < HK_REASM_SLOTS; i++) {
		struct hk_reasm_slot *r = &st->reasm[i];
		if (r->used && (!o || r->created < o->created))
			o = r;
	}
	return o;
}

/* A new slot; when all are taken (or the byte bound is reached) the
 * oldest datagram gives way, so a flood of partial datagrams cannot lock
 * reassembly out. */
static struct hk_reasm_slot *create(struct hk_stack *s, struct hk_iface *ifc, const struct hk_ipv4_hdr *h,
				    uint32_t plen)
{
	struct hk_ipv4_state *st = s->ipv4;
	struct hk_reasm_slot *r = NULL;
	for (int i = 0; i < HK_REASM_SLOTS && !r; i++)
		if (!st->reasm[i].used)
			r = &st->reasm[i];
	while (!r || st->reasm_bytes + plen > HK_REASM_MAX_BYTES) {
		struct hk_reasm_slot *o = oldest(st);
		if (!o)
			break;
		HK_STAT_INC(s, ip_reasm_no_memory);
		slot_kill(s, o);
		if (!r)
			r = o;
	}
	struct hk_pbuf *buf = hk_stack_pbuf(s);
	if (!buf) {
		HK_STAT_INC(s, ip_reasm_no_memory);
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	hk_timer_init(&r->timer, on_timeout);
	r->stack = s;
	r->used = true;
	r->id = h->id;
	r->src = h->src;
	r->dst = h->dst;
	r->proto = h->proto;
	r->ifc = ifc;
	r->buf = buf;
	r->created = s->now;
	hk_timer_arm(s, &r->timer, s->now + HK_REASM_TIMEOUT);
	return r;
}

static bool complete(const struct hk_reasm_slot *r)
{
	if (!r->have_first || !r->have_last)
		return false;
	uint32_t at = 0;
	for (uint32_t i = 0; i < r->nfrags; i++) {
		if (r->frags[i].off != at)
			return false;
		at = r->frags[i].end;
	}
	return at == r->total;
}

/* Detaches the finished datagram with a header that describes it whole. */
static struct hk_pbuf *finish(struct hk_stack *s, struct hk_reasm_slot *r)
{
	struct hk_pbuf *pb = r->buf;
	r->buf = NULL;
	pb->data += HDR_ROOM - r->hdr_len;
	pb->len = r->hdr_len + r->total;
	uint8_t *hp = pb->data;
	hk_wr16(hp + 2, (uint16_t)pb->len);
	hp[6] &= 0xc0; /* keep the reserved bit and DF; MF and offset clear */
	hp[7] = 0;
	hk_wr16(hp + 10, 0);
	hk_wr16(hp + 10, hk_csum(hp, r->hdr_len));
	HK_STAT_INC(s, ip_reasm_ok);
	slot_kill(s, r);
	return pb;
}

struct hk_pbuf *hk_ipv4_reasm(struct hk_stack *s, struct hk_iface *ifc, const struct hk_ipv4_hdr *h,
			      struct hk_pbuf *pb)
{
	uint32_t hlen = (uint32_t)h->ihl * 4;
	uint32_t plen = h->total_len - hlen;
	uint32_t off = (uint32_t)h->frag_off * 8;
	uint32_t end = off + plen;
	bool mf = (h->flags & HK_IPV4_FLAG_MF) != 0;

	/* RFC 791: all but the last fragment carry a non-zero multiple of 8
	 * bytes; no datagram exceeds 65535 bytes ("ping of death"). */
	if ((mf && (plen == 0 || plen % 8 != 0)) || hlen + end > HK_IP_MAX_LEN) {
		HK_STAT_INC(s, ip_reasm_bad_fragment);
		goto drop;
	}
	/* RFC 1858 3.2: a TCP fragment at offset 8 could rewrite the header's
	 * flags; a first fragment must hold the whole 20-byte TCP header. */
	if (h->proto == HK_IPPROTO_TCP && (h->frag_off == 1 || (off == 0 && mf && plen < 20))) {
		HK_STAT_INC(s, ip_reasm_tiny);
		goto drop;
	}

	struct hk_reasm_slot *r = find(s->ipv4, h);
	if (!r) {
		r = create(s, ifc, h, plen);
		if (!r)
			goto drop;
	}
	if (end > hk_pbuf_tailroom(r->buf) - HDR_ROOM) {
		HK_STAT_INC(s, ip_reasm_too_big);
		goto kill;
	}
	/* The last fragment fixes the length; nothing may lie beyond it. */
	if ((r->have_last && (end > r->total || (!mf && end != r->total))) ||
	    (!mf && r->nfrags && r->frags[r->nfrags - 1].end > end)) {
		HK_STAT_INC(s, ip_reasm_bad_fragment);
		goto kill;
	}
	uint32_t pos = 0;
	for (uint32_t i = 0; i < r->nfrags; i++) {
		const struct hk_reasm_frag *f = &r->frags[i];
		if (off < f->end && f->off < end) {
			if (off == f->off && end == f->end) {
				HK_STAT_INC(s, ip_reasm_duplicate);
				goto drop;
			}
			HK_STAT_INC(s, ip_reasm_overlap);
			goto kill;
		}
		if (f->off < off)
			pos = i + 1;
	}
	if (r->nfrags >= HK_REASM_MAX_FRAGS || s->ipv4->reasm_bytes + plen > HK_REASM_MAX_BYTES) {
		HK_STAT_INC(s, ip_reasm_no_memory);
		goto kill;
	}
	memmove(&r->frags[pos + 1], &r->frags[pos], (r->nfrags - pos) * sizeof(r->frags[0]));
	r->frags[pos] = (struct hk_reasm_frag){.off = off, .end = end};
	r->nfrags++;
	uint8_t *payload = r->buf->data + HDR_ROOM;
	memcpy(payload + off, pb->data + hlen, plen);
	r->bytes += plen;
	s->ipv4->reasm_bytes += plen;
	if (off == 0) {
		/* RFC 791: the first fragment's header (with its options) becomes
		 * the datagram's. */
		r->have_first = true;
		r->hdr_len = (uint8_t)hlen;
		memcpy(payload - hlen, pb->data, hlen);
	}
	if (!mf) {
		r->have_last = true;
		r->total = end;
	}
	hk_pbuf_free(pb);
	return complete(r) ? finish(s, r) : NULL;
kill:
	slot_kill(s, r);
drop:
	hk_pbuf_free(pb);
	return NULL;
}

/* hokuto net — ICMP (RFC 792, RFC 1122 3.2.2): echo, errors out and in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "net/icmp_priv.h"
#include "net/ipv4_priv.h"
#include "net/udp.h"
#include "tcp/tcp.h"

int hk_icmp_init(struct hk_stack *s)
{
	s->icmp = calloc(1, sizeof(*s->icmp));
	if (!s->icmp)
		return -ENOMEM;
	s->icmp->tokens = HK_ICMP_ERR_BURST;
	s->icmp->refilled = s->now;
	return 0;
}

void hk_icmp_fini(struct hk_stack *s)
{
	free(s->icmp);
	s->icmp = NULL;
}

/* RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence
 * and all of its data; only the type and checksum change. */
static void echo_reply(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb)
{
	/* MAY ignore a request to a broadcast address (3.2.2.6); we do, as
	 * Linux does by default. */
	if (ip->broadcast) {
		HK_STAT_INC(s, icmp_rx_echo_broadcast);
		hk_pbuf_free(pb);
		return;
	}
	struct hk_ip_tx tx = {.src = ip->dst, .dst = ip->src, .proto = HK_IPPROTO_ICMP, .tos = ip->tos};
	uint8_t *p = pb->data;
	p[0] = HK_ICMP_ECHO_REPLY;
	p[1] = 0;
	hk_wr16(p + 2, 0);
	hk_wr16(p + 2, hk_csum(p, pb->len));
	HK_STAT_INC(s, icmp_tx_echo_replies);
	hk_ipv4_output(s, &tx, pb);
}

static bool is_error_type(uint8_t t)
{
	return t == HK_ICMP_DEST_UNREACH || t == 4 /* source quench */ || t == 5 /* redirect */ ||
	       t == HK_ICMP_TIME_EXCEEDED || t == HK_ICMP_PARAM_PROBLEM;
}

/* Hands an error to the transport the quoted packet belongs to. */
static void dispatch_error(struct hk_stack *s, hk_ip4_t from, uint8_t ttl, const struct hk_icmp_err *e)
{
	/* RFC 1191: learn the path MTU. TCP checks that the quoted segment
	 * is plausible (RFC 5927) and updates it itself. */
	if (e->type == HK_ICMP_DEST_UNREACH && e->code == HK_ICMP_UNREACH_FRAG_NEEDED && e->next_mtu &&
	    e->proto != HK_IPPROTO_TCP)
		hk_ipv4_pmtu_update(s, e->dst, e->next_mtu);
	switch (e->proto) {
	case HK_IPPROTO_TCP:
		hk_tcp_icmp_error(s, e);
		break;
	case HK_IPPROTO_UDP:
		hk_udp_icmp_error(s, e);
		break;
	case HK_IPPROTO_ICMP:
		if (e->l4[0] == HK_ICMP_ECHO_REQUEST)
			hk_ping_on_error(s, from, ttl, e);
		break;
	default:
		break;
	}
}

/* An error received: the payload quotes our IP header and at least 8
 * bytes after it (RFC 792). */
static void error_input(struct hk_stack *s, const struct hk_ip_rx *ip, const struct hk_icmp_hdr *h)
{
	const uint8_t *q = h->payload;
	size_t qlen = h->payload_len;
	if (qlen < HK_IPV4_HDR_LEN || (q[0] >> 4) != 4 || (q[0] & 0x0f) < 5 ||
	    qlen < (size_t)(q[0] & 0x0f) * 4 + 8) {
		HK_STAT_INC(s, icmp_rx_malformed);
		return;
	}
	size_t qhlen = (size_t)(q[0] & 0x0f) * 4;
	struct hk_icmp_err e = {
		.type = h->type,
		.code = h->code,
		.next_mtu = h->type == HK_ICMP_DEST_UNREACH ? h->next_mtu : 0,
		.src = hk_rd32(q + 12),
		.dst = hk_rd32(q + 16),
		.proto = q[9],
		.l4 = q + qhlen,
		.l4_len = qlen - qhlen,
	};
	if (!hk_ipv4_is_local(s, e.src)) {
		HK_STAT_INC(s, icmp_rx_error_not_ours);
		return;
	}
	dispatch_error(s, ip->src, ip->ttl, &e);
}

void hk_icmp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb)
{
	HK_STAT_INC(s, icmp_rx);
	struct hk_icmp_hdr h;
	if (hk_icmp_parse(pb->data, pb->len, &h) < 0) {
		HK_STAT_INC(s, icmp_rx_malformed);
		goto out;
	}
	switch (h.type) {
	case HK_ICMP_ECHO_REQUEST:
		echo_reply(s, ip, pb);
		return;
	case HK_ICMP_ECHO_REPLY:
		HK_STAT_INC(s, icmp_rx_echo_replies);
		hk_ping_on_reply(s, ip, &h);
		break;
	case HK_ICMP_DEST_UNREACH:
		HK_STAT_INC(s, icmp_rx_unreachable);
		error_input(s, ip, &h);
		break;
	case HK_ICMP_TIME_EXCEEDED:
		HK_STAT_INC(s, icmp_rx_time_exceeded);
		error_input(s, ip, &h);
		break;
	case HK_ICMP_PARAM_PROBLEM:
		HK_STAT_INC(s, icmp_rx_other);
		error_input(s, ip, &h);
		break;
	default:
		/* Source quench is to be ignored (RFC 6633); redirects are for
		 * hosts with a routing table to change; the rest is obsolete. */
		HK_STAT_INC(s, icmp_rx_other);
		break;
	}
out:
	hk_pbuf_free(pb);
}

static bool error_allowed(struct hk_stack *s)
{
	struct hk_icmp_state *st = s->icmp;
	uint64_t add = (s->now - st->refilled) / HK_ICMP_ERR_TOKEN_USEC;
	if (add) {
		uint64_t t = st->tokens + add;
		st->tokens = t > HK_ICMP_ERR_BURST ? HK_ICMP_ERR_BURST : (uint32_t)t;
		st->refilled += add * HK_ICMP_ERR_TOKEN_USEC;
	}
	if (!st->tokens)
		return false;
	st->tokens--;
	return true;
}

void hk_icmp_send_error(struct hk_stack *s, uint8_t type, uint8_t code, uint32_t rest,
			const struct hk_ip_rx *ip, const uint8_t *l4, size_t l4_len)
{
	/* RFC 1122 3.2.2: never about an ICMP error, a datagram to a
	 * broadcast or multicast address or sent as a link-layer broadcast, a
	 * non-first fragment, or one whose source is not a single host.
	 * Unknown ICMP types count as errors. */
	bool frag = ip->ip_hdr_len >= HK_IPV4_HDR_LEN && (hk_rd16(ip->ip_hdr + 6) & 0x1fff) != 0;
	bool about_error = ip->proto == HK_IPPROTO_ICMP && (l4_len < 1 || is_error_type(l4[0]) || l4[0] > 18);
	if (frag || about_error || ip->broadcast || ip->link_broadcast || (ip->dst >> 28) == 0xe ||
	    hk_ipv4_is_martian_src(ip->src) || ip->ip_hdr_len < HK_IPV4_HDR_LEN) {
		HK_STAT_INC(s, icmp_error_suppressed);
		return;
	}
	if (!error_allowed(s)) {
		HK_STAT_INC(s, icmp_error_ratelimited);
		return;
	}
	size_t quote = l4_len < 8 ? l4_len : 8;
	struct hk_pbuf *pb = hk_stack_pbuf(s);
	if (!pb)
		return;
	uint8_t *p = hk_pbuf_put(pb, HK_ICMP_HDR_LEN + ip->ip_hdr_len + quote);
	if (!p) {
		hk_pbuf_free(pb);
		return;
	}
	memcpy(p + HK_ICMP_HDR_LEN, ip->ip_hdr, ip->ip_hdr_len);
	memcpy(p + HK_ICMP_HDR_LEN + ip->ip_hdr_len, l4, quote);
	p[0] = type;
	p[1] = code;
	hk_wr16(p + 2, 0);
	hk_wr16(p + 4, (uint16_t)(rest >> 16));
	hk_wr16(p + 6, (uint16_t)rest);
	hk_wr16(p + 2, hk_csum(p, pb->len));
	if (type == HK_ICMP_DEST_UNREACH)
		HK_STAT_INC(s, icmp_tx_unreachable);
	else if (type == HK_ICMP_TIME_EXCEEDED)
		HK_STAT_INC(s, icmp_tx_time_exceeded);
	struct hk_ip_tx tx = {
		.src = hk_ipv4_is_local(s, ip->dst) ? ip->dst : 0,
		.dst = ip->src,
		.proto = HK_IPPROTO_ICMP,
	};
	hk_ipv4_output(s, &tx, pb);
}

void hk_icmp_send_unreach(struct hk_stack *s, uint8_t code, const struct hk_ip_rx *ip,
			  const uint8_t *l4, size_t l4_len)
{
	hk_icmp_send_error(s, HK_ICMP_DEST_UNREACH, code, 0, ip, l4, l4_len);
}

void hk_icmp_local_unreach(struct hk_stack *s, const uint8_t *pkt, size_t len)
{
	if (len < HK_IPV4_HDR_LEN)
		return;
	size_t hlen = (size_t)(pkt[0] & 0x0f) * 4;
	/* Only the first fragment says whose packet it was. */
	if (hlen < HK_IPV4_HDR_LEN || len < hlen + 8 || (hk_rd16(pkt + 6) & 0x1fff) != 0)
		return;
	struct hk_icmp_err e = {
		.type = HK_ICMP_DEST_UNREACH,
		.code = HK_ICMP_UNREACH_HOST,
		.src = hk_rd32(pkt + 12),
		.dst = hk_rd32(pkt + 16),
		.proto = pkt[9],
		.l4 = pkt + hlen,
		.l4_len = len - hlen,
	};
	dispatch_error(s, e.src, 64, &e);
}

/* hokuto net — UDP (RFC 768, RFC 1122 4.1): input, ports, and the socket
 * API of hokuto/udp.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/udp.h"
#include "hokuto/wire/checksum.h"
#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/udp.h"
#include "net/ipv4_priv.h"
#include "net/udp.h"

#define UDP_SOCKETS 64
#define UDP_RXQ_MAX 32        /* datagrams queued per socket */
#define UDP_RXQ_TOTAL 512     /* over all sockets: each holds a pbuf */
#define UDP_EPHEMERAL_LO 49152 /* RFC 6335 dynamic ports */
#define UDP_EPHEMERAL_N 16384

struct udp_sock {
	bool used;
	uint16_t port;
	struct hk_pbuf_queue rxq; /* pb->data at the payload, pb->ts = src << 16 | sport */
};

struct hk_udp_state {
	uint32_t rx_total;
	struct udp_sock socks[UDP_SOCKETS];
};

int hk_udp_init(struct hk_stack *s)
{
	s->udp = calloc(1, sizeof(*s->udp));
	return s->udp ? 0 : -ENOMEM;
}

void hk_udp_fini(struct hk_stack *s)
{
	if (!s->udp)
		return;
	for (int i = 0; i < UDP_SOCKETS; i++)
		hk_pbuf_queue_clear(&s->udp->socks[i].rxq);
	free(s->udp);
	s->udp = NULL;
}

static struct udp_sock *by_port(struct hk_udp_state *st, uint16_t port)
{
	for (int i = 0; i < UDP_SOCKETS; i++)
		if (st->socks[i].used && st->socks[i].port == port)
			return &st->socks[i];
	return NULL;
}

static struct udp_sock *by_handle(const struct hk_stack *s, int h)
{
	if (!s->udp || h < 0 || h >= UDP_SOCKETS || !s->udp->socks[h].used)
		return NULL;
	return &s->udp->socks[h];
}

void hk_udp_input(struct hk_stack *s, const struct hk_ip_rx *ip, struct hk_pbuf *pb)
{
	HK_STAT_INC(s, udp_rx);
	struct hk_udp_hdr h;
	int rc = hk_udp_parse(pb->data, pb->len, ip->src, ip->dst, &h);
	if (rc == -EBADMSG) {
		HK_STAT_INC(s, udp_rx_bad_checksum);
		goto drop;
	}
	if (rc < 0) {
		HK_STAT_INC(s, udp_rx_malformed);
		goto drop;
	}
	struct udp_sock *u = by_port(s->udp, h.dport);
	if (!u) {
		/* RFC 1122 4.1.3.1: port unreachable (ICMP leaves out broadcasts). */
		HK_STAT_INC(s, udp_rx_no_port);
		hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PORT, ip, pb->data, pb->len);
		goto drop;
	}
	if (u->rxq.len >= UDP_RXQ_MAX || s->udp->rx_total >= UDP_RXQ_TOTAL) {
		HK_STAT_INC(s, udp_rx_queue_full);
		goto drop;
	}
	hk_pbuf_trim(pb, h.len);
	hk_pbuf_pull(pb, HK_UDP_HDR_LEN);
	pb->ts = ((hk_time_t)ip->src << 16) | h.sport;
	hk_pbuf_queue_push(&u->rxq, pb);
	s->udp->rx_total++;
	return;
drop:
	hk_pbuf_free(pb);
}

void hk_udp_icmp_error(struct hk_stack *s, const struct hk_icmp_err *e)
{
	/* Unconnected sockets have no one to tell (as with Linux); count it. */
	HK_STAT_INC(s, udp_rx_icmp_errors);
	hk_debug(s, "udp: icmp %u/%u about port %u", e->type, e->code, e->l4_len >= 4 ? hk_rd16(e->l4 + 2) : 0);
}

int hk_udp_open(struct hk_stack *s, uint16_t port)
{
	struct hk_udp_state *st = s->udp;
	int free_slot = -1;
	for (int i = 0; i < UDP_SOCKETS; i++) {
		if (!st->socks[i].used) {
			free_slot = i;
			break;
		}
	}
	if (free_slot < 0)
		return -EMFILE;
	if (port && by_port(st, port))
		return -EADDRINUSE;
	if (!port) {
		/* RFC 6056 3.3.1: a random start, then the next free port. */
		uint32_t start = hk_rng_below(&s->rng, UDP_EPHEMERAL_N);
		for (uint32_t k = 0; k < UDP_EPHEMERAL_N && !port; k++) {
			uint16_t p = (uint16_t)(UDP_EPHEMERAL_LO + (start + k) % UDP_EPHEMERAL_N);
			if (!by_port(st, p))
				port = p;
		}
		if (!port)
			return -EADDRNOTAVAIL;
	}
	struct udp_sock *u = &st->socks[free_slot];
	memset(u, 0, sizeof(*u));
	u->used = true;
	u->port = port;
	return free_slot;
}

int hk_udp_port(const struct hk_stack *s, int h)
{
	const struct udp_sock *u = by_handle(s, h);
	return u ? u->port : -EBADF;
}

int hk_udp_sendto(struct hk_stack *s, int h, hk_ip4_t dst, uint16_t dport, const void *buf, size_t len)
{
	struct udp_sock *u = by_handle(s, h);
	if (!u)
		return -EBADF;
	if (!dst || !dport || (len && !buf))
		return -EINVAL;
	if (len > HK_UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	hk_ip4_t src = hk_ipv4_source_for(s, dst);
	if (!src) {
		HK_STAT_INC(s, ip_tx_no_route);
		return -EHOSTUNREACH;
	}
	uint16_t ulen = (uint16_t)(HK_UDP_HDR_LEN + len);
	uint8_t hdr[HK_UDP_HDR_LEN];
	hk_wr16(hdr, u->port);
	hk_wr16(hdr + 2, dport);
	hk_wr16(hdr + 4, ulen);
	hk_wr16(hdr + 6, 0);
	uint32_t sum = hk_csum_add(hk_csum_pseudo(src, dst, HK_IPPROTO_UDP, ulen), hdr, sizeof(hdr));
	if (len)
		sum = hk_csum_add(sum, buf, len);
	uint16_t csum = hk_csum_finish(sum);
	hk_wr16(hdr + 6, csum ? csum : 0xffff); /* RFC 768: a computed 0 is sent as all ones */
	struct hk_ip_tx tx = {.src = src, .dst = dst, .proto = HK_IPPROTO_UDP};
	int rc = hk_ipv4_output_gather(s, &tx, hdr, sizeof(hdr), buf, len);
	if (rc < 0)
		return rc;
	HK_STAT_INC(s, udp_tx);
	return (int)len;
}

ssize_t hk_udp_recvfrom(struct hk_stack *s, int h, void *buf, size_t cap, hk_ip4_t *src, uint16_t *sport)
{
	struct udp_sock *u = by_handle(s, h);
	if (!u)
		return -EBADF;
	struct hk_pbuf *pb = hk_pbuf_queue_pop(&u->rxq);
	if (!pb)
		return -EAGAIN;
	s->udp->rx_total--;
	size_t n = pb->len < cap ? pb->len : cap;
	if (n)
		memcpy(buf, pb->data, n);
	if (src)
		*src = (hk_ip4_t)(pb->ts >> 16);
	if (sport)
		*sport = (uint16_t)pb->ts;
	hk_pbuf_free(pb);
	return (ssize_t)n;
}

int hk_udp_close(struct hk_stack *s, int h)
{
	struct udp_sock *u = by_handle(s, h);
	if (!u)
		return -EBADF;
	s->udp->rx_total -= u->rxq.len;
	hk_pbuf_queue_clear(&u->rxq);
	u->used = false;
	return 0;
}

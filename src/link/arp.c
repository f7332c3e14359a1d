/* hokuto link — ARP resolution and cache (RFC 826, RFC 1122 2.3.2).
 *
 * One small cache per interface. An entry is INCOMPLETE while requests are
 * out (one per second, at most ARP_MAX_REQUESTS, RFC 1122 2.3.2.1) and holds
 * the packets waiting for the answer in a bounded queue; REACHABLE for
 * ARP_REACHABLE_TIME after the last word from the peer, then it goes away.
 * Shortly before that a unicast request is sent to refresh a used entry. */
#include "link/arp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/wire/arp.h"
#include "hokuto/wire/ether.h"
#include "hokuto/wire/ipv4.h"
#include "link/ether.h"
#include "net/icmp.h"

#define ARP_CACHE_SIZE 64
#define ARP_REACHABLE_TIME HK_SEC(60)
#define ARP_REFRESH_BEFORE HK_SEC(5)   /* refresh a used entry this long before expiry */
#define ARP_RETRY_INTERVAL HK_SEC(1)   /* RFC 1122 2.3.2.1: at most 1 request/s/address */
#define ARP_MAX_REQUESTS 3
#define ARP_PENDING_PER_ENTRY 16
#define ARP_PENDING_TOTAL 128          /* over all interfaces */

enum arp_entry_state { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	struct hk_timer timer; /* retry (INCOMPLETE) or expiry (REACHABLE) */
	struct hk_arp_cache *cache;
	hk_ip4_t ip;
	uint8_t mac[6];
	uint8_t state;
	uint8_t requests;      /* requests sent since the last answer */
	hk_time_t expires;     /* REACHABLE: when the entry is dropped */
	hk_time_t last_request;
	struct hk_pbuf_queue pending;
};

struct hk_arp_cache {
	struct hk_iface *ifc;
	uint32_t hint; /* index of the last hit */
	struct arp_entry e[ARP_CACHE_SIZE];
};

struct hk_arp_state {
	uint32_t pending_total;
};

static const uint8_t zero_mac[6];

int hk_arp_init(struct hk_stack *s)
{
	s->arp = calloc(1, sizeof(*s->arp));
	return s->arp ? 0 : -ENOMEM;
}

static void entry_drop_pending(struct hk_stack *s, struct arp_entry *e)
{
	if (s->arp)
		s->arp->pending_total -= e->pending.len;
	hk_pbuf_queue_clear(&e->pending);
}

void hk_arp_fini(struct hk_stack *s)
{
	for (int i = 0; i < s->n_ifaces; i++) {
		struct hk_arp_cache *c = s->ifaces[i].arp;
		if (!c)
			continue;
		for (int j = 0; j < ARP_CACHE_SIZE; j++) {
			hk_timer_cancel(s, &c->e[j].timer);
			entry_drop_pending(s, &c->e[j]);
		}
		free(c);
		s->ifaces[i].arp = NULL;
	}
	free(s->arp);
	s->arp = NULL;
}

static int arp_send(struct hk_stack *s, struct hk_iface *ifc, uint16_t op, const uint8_t eth_dst[6],
		    const uint8_t tha[6], hk_ip4_t spa, hk_ip4_t tpa)
{
	struct hk_pbuf *pb = hk_stack_pbuf(s);
	if (!pb)
		return -ENOBUFS;
	struct hk_arp_pkt p = {.op = op, .spa = spa, .tpa = tpa};
	memcpy(p.sha, ifc->mac, 6);
	memcpy(p.tha, tha, 6);
	hk_arp_emit(&p, hk_pbuf_put(pb, HK_ARP_LEN));
	return hk_ether_output(s, ifc, eth_dst, HK_ETHERTYPE_ARP, pb);
}

/* A request for e->ip: broadcast while resolving, unicast to the known MAC
 * when refreshing a REACHABLE entry (RFC 1122 2.3.2.1). */
static void send_request(struct hk_stack *s, struct arp_entry *e)
{
	struct hk_iface *ifc = e->cache->ifc;
	const uint8_t *dst = e->state == ARP_REACHABLE ? e->mac : hk_ether_broadcast;
	e->requests++;
	e->last_request = s->now;
	HK_STAT_INC(s, arp_tx_requests);
	arp_send(s, ifc, HK_ARP_OP_REQUEST, dst, zero_mac, ifc->addr, e->ip);
}

int hk_arp_iface_up(struct hk_stack *s, struct hk_iface *ifc)
{
	if (!ifc->arp) {
		struct hk_arp_cache *c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->ifc = ifc;
		for (int i = 0; i < ARP_CACHE_SIZE; i++)
			c->e[i].cache = c;
		ifc->arp = c;
	}
	/* Gratuitous ARP, an "announcement" (RFC 5227 3): sender and target
	 * are both our address, so neighbours refresh what they hold. */
	if (ifc->addr) {
		HK_STAT_INC(s, arp_tx_gratuitous);
		arp_send(s, ifc, HK_ARP_OP_REQUEST, hk_ether_broadcast, zero_mac, ifc->addr, ifc->addr);
	}
	return 0;
}

static void entry_free(struct hk_stack *s, struct arp_entry *e)
{
	hk_timer_cancel(s, &e->timer);
	entry_drop_pending(s, e);
	e->state = ARP_FREE;
	e->ip = 0;
	e->requests = 0;
}

static struct arp_entry *lookup(struct hk_arp_cache *c, hk_ip4_t ip)
{
	struct arp_entry *h = &c->e[c->hint];
	if (h->state != ARP_FREE && h->ip == ip)
		return h;
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
		if (c->e[i].state != ARP_FREE && c->e[i].ip == ip) {
			c->hint = i;
			return &c->e[i];
		}
	}
	return NULL;
}

static void on_timer(struct hk_stack *s, struct hk_timer *t);

/* A free slot, or the REACHABLE entry closest to expiry; an INCOMPLETE
 * entry is only taken when nothing else is left. */
static struct arp_entry *alloc_entry(struct hk_stack *s, struct hk_arp_cache *c, hk_ip4_t ip)
{
	struct arp_entry *victim = NULL;
	for (uint32_t i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &c->e[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		if (!victim || (victim->state == ARP_INCOMPLETE && e->state == ARP_REACHABLE) ||
		    (victim->state == e->state && e->expires < victim->expires))
			victim = e;
	}
	if (victim->state != ARP_FREE) {
		HK_STAT_INC(s, arp_cache_evicted);
		HK_STAT_ADD(s, arp_pending_overflow, victim->pending.len);
		entry_free(s, victim);
	}
	memset(victim, 0, sizeof(*victim));
	victim->cache = c;
	hk_timer_init(&victim->timer, on_timer);
	victim->ip = ip;
	return victim;
}

static void make_reachable(struct hk_stack *s, struct arp_entry *e, const uint8_t mac[6])
{
	memcpy(e->mac, mac, 6);
	e->state = ARP_REACHABLE;
	e->requests = 0;
	e->expires = s->now + ARP_REACHABLE_TIME;
	hk_timer_arm(s, &e->timer, e->expires);

	/* Send what waited; detach first so nothing below sees a half queue. */
	struct hk_pbuf_queue q = e->pending;
	memset(&e->pending, 0, sizeof(e->pending));
	s->arp->pending_total -= q.len;
	uint8_t dst[6];
	memcpy(dst, mac, 6);
	struct hk_iface *ifc = e->cache->ifc;
	struct hk_pbuf *pb;
	while ((pb = hk_pbuf_queue_pop(&q)) != NULL)
		hk_ether_output(s, ifc, dst, HK_ETHERTYPE_IPV4, pb);
}

/* No answer after ARP_MAX_REQUESTS: the waiting packets are dropped and
 * their senders told, as if a router had said "host unreachable". */
static void resolve_failed(struct hk_stack *s, struct arp_entry *e)
{
	struct hk_pbuf_queue q = e->pending;
	memset(&e->pending, 0, sizeof(e->pending));
	s->arp->pending_total -= q.len;
	entry_free(s, e);
	struct hk_pbuf *pb;
	while ((pb = hk_pbuf_queue_pop(&q)) != NULL) {
		HK_STAT_INC(s, arp_resolve_failed);
		hk_icmp_local_unreach(s, pb->data, pb->len);
		hk_pbuf_free(pb);
	}
}

static void on_timer(struct hk_stack *s, struct hk_timer *t)
{
	struct arp_entry *e = (struct arp_entry *)t;
	if (e->state == ARP_INCOMPLETE) {
		if (e->requests >= ARP_MAX_REQUESTS) {
			resolve_failed(s, e);
			return;
		}
		send_request(s, e);
		hk_timer_arm(s, &e->timer, s->now + ARP_RETRY_INTERVAL);
	} else if (e->state == ARP_REACHABLE) {
		entry_free(s, e);
	}
}

static bool bad_sender(hk_ip4_t ip)
{
	return ip == 0xffffffffu || (ip >> 28) == 0xe || (ip >> 24) == 127;
}

void hk_arp_input(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	struct hk_arp_pkt p;
	struct hk_arp_cache *c = ifc->arp;
	if (!c || hk_arp_parse(pb->data, pb->len, &p) < 0 || hk_mac_is_multicast(p.sha) ||
	    (p.spa != 0 && bad_sender(p.spa))) {
		HK_STAT_INC(s, arp_rx_malformed);
		goto out;
	}
	/* The sender's hardware address must be the frame's source (the
	 * Ethernet header is still in front of pb->data): ARP has no checksum
	 * of its own, and a forged or damaged one would poison the cache. */
	if (hk_pbuf_headroom(pb) >= HK_ETHER_HDR_LEN && memcmp(pb->data - HK_ETHER_HDR_LEN + 6, p.sha, 6) != 0) {
		HK_STAT_INC(s, arp_rx_sha_mismatch);
		goto out;
	}
	if (p.op == HK_ARP_OP_REQUEST)
		HK_STAT_INC(s, arp_rx_requests);
	else if (p.op == HK_ARP_OP_REPLY)
		HK_STAT_INC(s, arp_rx_replies);
	if (memcmp(p.sha, ifc->mac, 6) == 0)
		goto out; /* our own packet, looped back */
	if (ifc->addr && p.spa == ifc->addr) {
		/* Someone else claims our address (RFC 5227 2.4): never cache it. */
		HK_STAT_INC(s, arp_rx_conflict);
		if (s->stats.v[HK_STAT_arp_rx_conflict] == 1)
			hk_warn(s, "arp: another host claims our address on %s", ifc->dev->name);
		goto out;
	}
	bool for_us = ifc->addr && p.tpa == ifc->addr;

	/* RFC 826 "Packet Reception": merge the sender into an existing entry,
	 * then, if we are the target, add it when it was not there. */
	if (p.spa != 0) {
		struct arp_entry *e = lookup(c, p.spa);
		if (e)
			make_reachable(s, e, p.sha);
		else if (for_us)
			make_reachable(s, alloc_entry(s, c, p.spa), p.sha);
	}
	if (!for_us) {
		HK_STAT_INC(s, arp_rx_not_for_us);
		goto out;
	}
	if (p.op == HK_ARP_OP_REQUEST) {
		/* Reply straight to the asker; a probe (sender 0.0.0.0, RFC 5227
		 * 2.1.1) gets a reply with target address 0. */
		HK_STAT_INC(s, arp_tx_replies);
		arp_send(s, ifc, HK_ARP_OP_REPLY, p.sha, p.sha, ifc->addr, p.spa);
	}
out:
	hk_pbuf_free(pb);
}

/* RFC 1112 6.4: IPv4 multicast onto 01:00:5e plus the low 23 bits. */
static void multicast_mac(hk_ip4_t ip, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((ip >> 16) & 0x7f);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

int hk_arp_output(struct hk_stack *s, struct hk_iface *ifc, hk_ip4_t nexthop, struct hk_pbuf *pb)
{
	struct hk_arp_cache *c = ifc->arp;
	if (!c || nexthop == 0) {
		hk_pbuf_free(pb);
		return -EHOSTUNREACH;
	}
	if (nexthop == 0xffffffffu || (ifc->prefix < 31 && nexthop == (ifc->addr | ~ifc->mask)))
		return hk_ether_output(s, ifc, hk_ether_broadcast, HK_ETHERTYPE_IPV4, pb);
	if ((nexthop >> 28) == 0xe) {
		uint8_t mac[6];
		multicast_mac(nexthop, mac);
		return hk_ether_output(s, ifc, mac, HK_ETHERTYPE_IPV4, pb);
	}

	struct arp_entry *e = lookup(c, nexthop);
	if (e && e->state == ARP_REACHABLE) {
		if (s->now + ARP_REFRESH_BEFORE >= e->expires && e->requests < ARP_MAX_REQUESTS &&
		    s->now >= e->last_request + ARP_RETRY_INTERVAL)
			send_request(s, e);
		return hk_ether_output(s, ifc, e->mac, HK_ETHERTYPE_IPV4, pb);
	}
	if (e && e->pending.len >= ARP_PENDING_PER_ENTRY) {
		/* RFC 1122 2.3.2.2: keep the latest packets; the oldest goes. */
		HK_STAT_INC(s, arp_pending_overflow);
		hk_pbuf_free(hk_pbuf_queue_pop(&e->pending));
		s->arp->pending_total--;
	} else if (s->arp->pending_total >= ARP_PENDING_TOTAL) {
		HK_STAT_INC(s, arp_pending_overflow);
		hk_pbuf_free(pb);
		return -ENOBUFS;
	}
	if (!e) {
		e = alloc_entry(s, c, nexthop);
		e->state = ARP_INCOMPLETE;
		send_request(s, e);
		hk_timer_arm(s, &e->timer, s->now + ARP_RETRY_INTERVAL);
	}
	/* The rate limit holds here: queued packets never trigger a request,
	 * only the one-second timer does. */
	hk_pbuf_queue_push(&e->pending, pb);
	s->arp->pending_total++;
	return 0;
}

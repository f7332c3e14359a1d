/* hokuto net — what the IPv4 files share among themselves. */
#ifndef HOKUTO_NET_IPV4_PRIV_H
#define HOKUTO_NET_IPV4_PRIV_H

#include "hokuto/wire/ipv4.h"
#include "net/ipv4.h"

#define HK_IP_MAX_LEN 65535u
#define HK_IP_MIN_MTU 68u /* RFC 791: every host must take 68 unfragmented */

/* Path MTU table (RFC 1191): small, bounded, entries age out. */
#define HK_PMTU_ENTRIES 16
#define HK_PMTU_AGE HK_SEC(600) /* RFC 1191 6.3: 10 minutes */

struct hk_pmtu_entry {
	hk_ip4_t dst;
	uint32_t mtu;
	hk_time_t expires; /* 0: slot unused */
};

/* Reassembly (RFC 791 3.2, RFC 815): bounded slots, one pbuf each. */
#define HK_REASM_SLOTS 16
#define HK_REASM_MAX_FRAGS 64
#define HK_REASM_MAX_BYTES (256u * 1024u)
#define HK_REASM_TIMEOUT HK_SEC(30)

struct hk_reasm_frag {
	uint32_t off, end; /* payload bytes [off, end) */
};

struct hk_reasm_slot {
	struct hk_timer timer;   /* first: the timer callback casts back */
	struct hk_stack *stack;
	bool used;
	bool have_first, have_last;
	uint8_t proto;
	uint8_t hdr_len;         /* of the first fragment */
	uint16_t id;
	hk_ip4_t src, dst;
	struct hk_iface *ifc;
	struct hk_pbuf *buf;     /* payload at buf->data + 60, header just before */
	uint32_t total;          /* payload length, known once the last fragment came */
	uint32_t bytes;          /* payload bytes held */
	hk_time_t created;
	uint32_t nfrags;
	struct hk_reasm_frag frags[HK_REASM_MAX_FRAGS]; /* sorted by off */
};

#define HK_LOOP_QUEUE 64

/* A rawip interface shares its address with the host (seed 000: hokuto
 * and a kernel server both on 127.0.0.1): packets to that address go out
 * on the device, packets from it come from the host's own stack. The
 * device's name is its spec, "rawip:ADDR" (kept by the impairment layer). */
bool hk_ipv4_iface_shared(const struct hk_iface *ifc);

struct hk_ipv4_state {
	uint16_t next_id;
	struct hk_pmtu_entry pmtu[HK_PMTU_ENTRIES];
	uint32_t reasm_bytes;
	struct hk_reasm_slot reasm[HK_REASM_SLOTS];
	/* Packets to our own addresses, delivered from a timer due at once. */
	struct hk_pbuf_queue loop;
	struct hk_timer loop_timer;
};

struct hk_route {
	struct hk_iface *ifc;
	hk_ip4_t nexthop;
	bool local;      /* dst is one of our addresses: loop back */
};

/* Route lookup: connected subnets (longest prefix), then the gateway, then
 * a point-to-point (HK_LINK_IPV4) interface. 0 or -EHOSTUNREACH. */
int hk_ipv4_route(const struct hk_stack *s, hk_ip4_t dst, struct hk_route *rt);
/* The MTU towards dst over rt: the interface's, lowered by a path MTU. */
uint32_t hk_ipv4_route_mtu(const struct hk_stack *s, const struct hk_route *rt, hk_ip4_t dst);
/* dst is a broadcast address of ifc's subnet, or the limited broadcast. */
bool hk_ipv4_is_bcast(const struct hk_iface *ifc, hk_ip4_t dst);
/* 0.0.0.0, 255.255.255.255, multicast, class E, loopback: never a host. */
bool hk_ipv4_is_martian_src(hk_ip4_t a);

/* Reassembly: pb->data at a fragment's IP header (len = total length);
 * consumes pb. Returns the whole datagram (data at a rewritten IP header
 * with MF and offset clear) when this fragment completed it, else NULL. */
struct hk_pbuf *hk_ipv4_reasm(struct hk_stack *s, struct hk_iface *ifc, const struct hk_ipv4_hdr *h,
			      struct hk_pbuf *pb);
void hk_ipv4_reasm_fini(struct hk_stack *s);

/* Input of a looped-back packet (our own source address is fine there). */
void hk_ipv4_input_loop(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb);
void hk_ipv4_loop_fire(struct hk_stack *s, struct hk_timer *t);

static inline uint16_t hk_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t hk_rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void hk_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif

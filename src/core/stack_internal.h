/* hokuto core — the inside of struct hk_stack, shared by all layers.
 * Each protocol keeps its own state behind an opaque pointer that its
 * module allocates in its init function. */
#ifndef HOKUTO_CORE_STACK_INTERNAL_H
#define HOKUTO_CORE_STACK_INTERNAL_H

#include "hokuto/stack.h"
#include "core/log.h"
#include "core/pbuf.h"
#include "core/rng.h"
#include "core/timer.h"

#define HK_MAX_IFACES 4
#define HK_RX_BATCH 256 /* frames read per device per poll */

struct hk_arp_cache;

struct hk_iface {
	struct hk_stack *stack;
	int index;
	struct hk_dev *dev;
	hk_ip4_t addr;
	uint8_t prefix;
	hk_ip4_t mask;
	uint8_t mac[6];
	uint32_t mtu;
	struct hk_arp_cache *arp; /* owned by link/arp.c */
};

struct hk_arp_state;
struct hk_ipv4_state;
struct hk_icmp_state;
struct hk_udp_state;
struct hk_tcp_state;
struct hk_pcap;

struct hk_stack {
	struct hk_stack_config cfg;
	hk_time_t now;
	struct hk_rng rng;
	uint8_t secret[16]; /* keyed-hash secret (ISNs, SYN cookies, ports) */
	struct hk_stats stats;
	struct hk_pbuf_pool pool;
	struct hk_timer_heap timers;
	struct hk_iface ifaces[HK_MAX_IFACES];
	int n_ifaces;
	hk_ip4_t gateway;
	struct hk_pcap *pcap;

	struct hk_arp_state *arp;
	struct hk_ipv4_state *ipv4;
	struct hk_icmp_state *icmp;
	struct hk_udp_state *udp;
	struct hk_tcp_state *tcp;
};

#define HK_STAT_INC(s, name) ((s)->stats.v[HK_STAT_##name]++)
#define HK_STAT_ADD(s, name, n) ((s)->stats.v[HK_STAT_##name] += (n))

/* A buffer from the stack's pool with room for every header in front;
 * counts pbuf_exhausted and returns NULL when the pool is empty. */
struct hk_pbuf *hk_stack_pbuf(struct hk_stack *s);
/* Hands a finished frame to the interface's device (and the pcap);
 * consumes pb. Returns 0 or -errno. */
int hk_stack_xmit(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb);

#endif

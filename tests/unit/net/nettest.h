/* Test helpers for the net layer: a capture device that records every frame
 * the stack sends and hands it frames the test injects, plus builders for
 * the frames a peer would send. Time is virtual: the test passes `now`. */
#ifndef HOKUTO_TESTS_NETTEST_H
#define HOKUTO_TESTS_NETTEST_H

#include <stdint.h>
#include <string.h>

#include "core/stack_internal.h"
#include "hokuto/wire/arp.h"
#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ether.h"
#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/udp.h"

#define FAKE_MAX 512
#define FAKE_FRAME 10000

struct fake_dev {
	struct hk_dev dev;
	/* frames the stack sent, in order */
	uint8_t *tx[FAKE_MAX];
	size_t tx_len[FAKE_MAX];
	int n_tx;
	/* frames waiting to be received by the stack */
	uint8_t *rx[FAKE_MAX];
	size_t rx_len[FAKE_MAX];
	int rx_head, rx_tail;
};

extern const uint8_t OUR_MAC[6];
extern const uint8_t PEER_MAC[6];
#define OUR_IP HK_IP4(192, 0, 2, 1)
#define PEER_IP HK_IP4(192, 0, 2, 2)

struct fake_dev *fake_dev_new(enum hk_link link, const uint8_t mac[6], uint32_t mtu);
void fake_inject(struct fake_dev *fd, const void *frame, size_t len);
void fake_clear_tx(struct fake_dev *fd);

/* A stack (seed 1) with one Ethernet interface 192.0.2.1/24 on a fake
 * device; the gratuitous ARP it sends at start is cleared. */
struct hk_stack *net_stack(struct fake_dev **fd, uint32_t mtu);
/* The same on an HK_LINK_IPV4 device (no Ethernet, no ARP). */
struct hk_stack *net_stack_l3(struct fake_dev **fd, hk_ip4_t addr, uint8_t prefix);
/* Teaches the stack PEER_MAC for PEER_IP (a request from the peer). */
void learn_peer(struct hk_stack *s, struct fake_dev *fd, hk_time_t now);

/* Builders: write into buf, return the length. */
size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
size_t build_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], hk_ip4_t spa, const uint8_t tha[6],
		 hk_ip4_t tpa, const uint8_t eth_dst[6]);
/* An IPv4 header with no options in front of payload (buf gets both). */
size_t build_ip(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t id, uint8_t flags,
		uint16_t frag_off, const void *payload, size_t len);
/* Ethernet (PEER_MAC -> OUR_MAC) + IPv4 + payload. */
size_t build_eth_ip(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t id, uint8_t flags,
		    uint16_t frag_off, const void *payload, size_t len);
/* A UDP datagram (header + data, checksum over the pseudo-header). */
size_t build_udp(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint16_t sport, uint16_t dport, const void *data,
		 size_t len);
/* An ICMP echo (type 8 or 0) with checksum. */
size_t build_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t len);

/* Parses frame i the stack sent as Ethernet + IPv4; returns a pointer to
 * the IP payload and fills ip (asserts the frame is well-formed). */
const uint8_t *sent_ip(struct fake_dev *fd, int i, struct hk_ipv4_hdr *ip, size_t *payload_len);
/* Counts frames of an EtherType the stack sent. */
int count_sent(struct fake_dev *fd, uint16_t type);

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

#endif

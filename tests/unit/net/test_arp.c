/* Unit tests: Ethernet demux and ARP (RFC 826, RFC 1122 2.3.2) on a
 * capture device in virtual time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hokuto/ping.h"
#include "hokuto/udp.h"
#include "nettest.h"

static const uint8_t ZERO[6];
static const uint8_t OTHER_MAC[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x07};

#define ST(s, name) hk_stack_stat((s), HK_STAT_##name)

/* Parses frame i as an ARP packet; checks the Ethernet destination. */
static void sent_arp(struct fake_dev *fd, int i, const uint8_t eth_dst[6], struct hk_arp_pkt *p)
{
	assert_true(i < fd->n_tx);
	struct hk_ether_hdr eh;
	assert_int_equal(hk_ether_parse(fd->tx[i], fd->tx_len[i], &eh), 0);
	assert_int_equal(eh.type, HK_ETHERTYPE_ARP);
	assert_memory_equal(eh.dst, eth_dst, 6);
	assert_memory_equal(eh.src, OUR_MAC, 6);
	assert_int_equal(hk_arp_parse(fd->tx[i] + HK_ETHER_HDR_LEN, fd->tx_len[i] - HK_ETHER_HDR_LEN, p), 0);
}

static int send_udp(struct hk_stack *s, int h, hk_ip4_t dst, uint8_t tag)
{
	uint8_t d[16];
	memset(d, tag, sizeof(d));
	return hk_udp_sendto(s, h, dst, 7, d, sizeof(d));
}

static void gratuitous_arp_on_up(void **state)
{
	(void)state;
	struct hk_stack *s = hk_stack_new(NULL);
	struct fake_dev *fd = fake_dev_new(HK_LINK_ETHERNET, OUR_MAC, 1500);
	assert_int_equal(hk_stack_add_iface(s, &fd->dev, OUR_IP, 24), 0);
	assert_int_equal(fd->n_tx, 1);
	struct hk_arp_pkt p;
	sent_arp(fd, 0, hk_ether_broadcast, &p);
	assert_int_equal(p.op, HK_ARP_OP_REQUEST);
	assert_int_equal(p.spa, OUR_IP);
	assert_int_equal(p.tpa, OUR_IP);
	assert_memory_equal(p.sha, OUR_MAC, 6);
	assert_memory_equal(p.tha, ZERO, 6);
	assert_int_equal(ST(s, arp_tx_gratuitous), 1);
	hk_stack_free(s);
}

static void request_gets_reply_and_caches(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, ZERO, OUR_IP, hk_ether_broadcast);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(fd->n_tx, 1);
	struct hk_arp_pkt p;
	sent_arp(fd, 0, PEER_MAC, &p);
	assert_int_equal(p.op, HK_ARP_OP_REPLY);
	assert_memory_equal(p.sha, OUR_MAC, 6);
	assert_int_equal(p.spa, OUR_IP);
	assert_memory_equal(p.tha, PEER_MAC, 6);
	assert_int_equal(p.tpa, PEER_IP);
	assert_int_equal(ST(s, arp_rx_requests), 1);
	assert_int_equal(ST(s, arp_tx_replies), 1);
	fake_clear_tx(fd);

	/* RFC 826: the requester was added, so IP goes out without a request. */
	int h = hk_udp_open(s, 1000);
	assert_true(h >= 0);
	assert_int_equal(send_udp(s, h, PEER_IP, 1), 16);
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	sent_ip(fd, 0, &ip, &plen);
	assert_memory_equal(fd->tx[0], PEER_MAC, 6);
	assert_int_equal(ST(s, arp_tx_requests), 0);
	hk_stack_free(s);
}

static void request_for_someone_else(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REQUEST, OTHER_MAC, HK_IP4(192, 0, 2, 7), ZERO, HK_IP4(192, 0, 2, 50),
			     hk_ether_broadcast);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(fd->n_tx, 0);
	assert_int_equal(ST(s, arp_rx_not_for_us), 1);
	/* Not the target and not cached before: not added (RFC 826). */
	int h = hk_udp_open(s, 0);
	assert_int_equal(send_udp(s, h, HK_IP4(192, 0, 2, 7), 1), 16);
	assert_int_equal(fd->n_tx, 1);
	struct hk_arp_pkt p;
	sent_arp(fd, 0, hk_ether_broadcast, &p);
	assert_int_equal(p.op, HK_ARP_OP_REQUEST);
	assert_int_equal(p.tpa, HK_IP4(192, 0, 2, 7));
	hk_stack_free(s);
}

static void queue_until_reply_rate_limited(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 1000);
	hk_stack_poll(s, HK_SEC(10));
	for (uint8_t i = 0; i < 4; i++) {
		assert_int_equal(send_udp(s, h, PEER_IP, i), 16);
		hk_stack_poll(s, HK_SEC(10) + HK_MSEC(200) * i);
	}
	/* one broadcast request for the four packets, nothing else yet */
	assert_int_equal(fd->n_tx, 1);
	struct hk_arp_pkt p;
	sent_arp(fd, 0, hk_ether_broadcast, &p);
	assert_int_equal(p.op, HK_ARP_OP_REQUEST);
	assert_int_equal(p.spa, OUR_IP);
	assert_int_equal(p.tpa, PEER_IP);
	assert_memory_equal(p.tha, ZERO, 6);
	assert_int_equal(ST(s, arp_tx_requests), 1);
	fake_clear_tx(fd);

	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(10) + HK_MSEC(900));
	assert_int_equal(ST(s, arp_rx_replies), 1);
	assert_int_equal(fd->n_tx, 4);
	for (int i = 0; i < 4; i++) {
		struct hk_ipv4_hdr ip;
		size_t plen;
		const uint8_t *u = sent_ip(fd, i, &ip, &plen);
		assert_memory_equal(fd->tx[i], PEER_MAC, 6);
		assert_int_equal(plen, 24);
		assert_int_equal(u[8], i); /* in the order they were sent */
	}
	/* no retry after the answer */
	fake_clear_tx(fd);
	hk_stack_poll(s, HK_SEC(13));
	assert_int_equal(fd->n_tx, 0);
	hk_stack_free(s);
}

static void drop_after_three_requests(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 1000);
	hk_ip4_t ghost = HK_IP4(192, 0, 2, 9);
	hk_stack_poll(s, HK_SEC(100));
	assert_int_equal(send_udp(s, h, ghost, 1), 16);
	assert_int_equal(send_udp(s, h, ghost, 2), 16);
	hk_stack_poll(s, HK_SEC(100) + HK_MSEC(999));
	assert_int_equal(ST(s, arp_tx_requests), 1);
	hk_stack_poll(s, HK_SEC(101));
	assert_int_equal(ST(s, arp_tx_requests), 2);
	hk_stack_poll(s, HK_SEC(101) + HK_MSEC(500));
	assert_int_equal(ST(s, arp_tx_requests), 2);
	hk_stack_poll(s, HK_SEC(102));
	assert_int_equal(ST(s, arp_tx_requests), 3);
	assert_int_equal(ST(s, arp_resolve_failed), 0);
	hk_stack_poll(s, HK_SEC(103));
	assert_int_equal(ST(s, arp_tx_requests), 3);
	assert_int_equal(ST(s, arp_resolve_failed), 2);
	hk_stack_poll(s, HK_SEC(110));
	assert_int_equal(ST(s, arp_tx_requests), 3);
	assert_int_equal(fd->n_tx, 3); /* only the requests; no IP left */
	for (int i = 0; i < 3; i++) {
		struct hk_arp_pkt p;
		sent_arp(fd, i, hk_ether_broadcast, &p);
		assert_int_equal(p.tpa, ghost);
	}
	/* a new packet starts a fresh round */
	assert_int_equal(send_udp(s, h, ghost, 3), 16);
	assert_int_equal(ST(s, arp_tx_requests), 4);
	hk_stack_free(s);
}

static void ping_learns_host_unreachable(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	hk_ip4_t ghost = HK_IP4(192, 0, 2, 9);
	assert_int_equal(hk_ping_send(s, ghost, 77, 1, "abcd", 4), 0);
	struct hk_echo_reply r;
	for (int ms = 0; ms < 3000; ms += 500) {
		hk_stack_poll(s, HK_MSEC(ms));
		assert_int_equal(hk_ping_recv(s, 77, &r), -EAGAIN);
	}
	hk_stack_poll(s, HK_SEC(3));
	assert_int_equal(hk_ping_recv(s, 77, &r), 0);
	assert_int_equal(r.icmp_type, HK_ICMP_DEST_UNREACH);
	assert_int_equal(r.icmp_code, HK_ICMP_UNREACH_HOST);
	assert_int_equal(r.from, OUR_IP);
	assert_int_equal(r.seq, 1);
	assert_int_equal(hk_ping_recv(s, 77, &r), -EAGAIN);
	hk_stack_free(s);
}

static void pending_queue_bounded(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 1000);
	for (int i = 0; i < 20; i++)
		assert_int_equal(send_udp(s, h, PEER_IP, (uint8_t)i), 16);
	/* RFC 1122 2.3.2.2: the latest are kept */
	assert_int_equal(ST(s, arp_pending_overflow), 4);
	assert_int_equal(s->pool.in_use, 16);
	/* the total bound across addresses */
	for (int a = 10; a < 30; a++)
		for (int i = 0; i < 16; i++)
			send_udp(s, h, HK_IP4(192, 0, 2, a), 0);
	assert_int_equal(ST(s, arp_pending_overflow), 4 + 20 * 16 - (128 - 16));
	assert_int_equal(s->pool.in_use, 128);
	/* the bound frees up when requests fail */
	for (int sec = 1; sec <= 3; sec++)
		hk_stack_poll(s, HK_SEC(sec));
	assert_int_equal(ST(s, arp_resolve_failed), 128);
	assert_int_equal(send_udp(s, h, PEER_IP, 0), 16);
	assert_int_equal(s->pool.in_use, 1);
	/* an answer sends the latest ones, in order */
	for (int i = 0; i < 20; i++)
		send_udp(s, h, PEER_IP, (uint8_t)(100 + i));
	fake_clear_tx(fd);
	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(3) + HK_MSEC(1));
	assert_int_equal(fd->n_tx, 16);
	for (int i = 0; i < 16; i++) {
		struct hk_ipv4_hdr ip;
		size_t plen;
		const uint8_t *u = sent_ip(fd, i, &ip, &plen);
		assert_int_equal(u[8], 104 + i);
	}
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void expiry_and_refresh(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	int h = hk_udp_open(s, 1000);
	/* Used near the end of its life: one unicast request to refresh. */
	hk_stack_poll(s, HK_SEC(57));
	assert_int_equal(send_udp(s, h, PEER_IP, 1), 16);
	assert_int_equal(fd->n_tx, 2);
	struct hk_arp_pkt p;
	sent_arp(fd, 0, PEER_MAC, &p);
	assert_int_equal(p.op, HK_ARP_OP_REQUEST);
	assert_int_equal(p.tpa, PEER_IP);
	assert_memory_equal(fd->tx[1], PEER_MAC, 6); /* the data still went out */
	fake_clear_tx(fd);
	/* not again within a second */
	assert_int_equal(send_udp(s, h, PEER_IP, 2), 16);
	assert_int_equal(fd->n_tx, 1);
	fake_clear_tx(fd);
	/* no answer: the entry goes at 61 s; then a broadcast request again */
	hk_stack_poll(s, HK_SEC(61));
	assert_int_equal(send_udp(s, h, PEER_IP, 3), 16);
	assert_int_equal(fd->n_tx, 1);
	sent_arp(fd, 0, hk_ether_broadcast, &p);
	fake_clear_tx(fd);
	/* an answer refreshes: 60 s from now */
	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REPLY, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP, OUR_MAC);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(62));
	assert_int_equal(fd->n_tx, 1);
	fake_clear_tx(fd);
	hk_stack_poll(s, HK_SEC(100));
	assert_int_equal(send_udp(s, h, PEER_IP, 4), 16);
	assert_int_equal(fd->n_tx, 1);
	assert_memory_equal(fd->tx[0], PEER_MAC, 6);
	hk_stack_free(s);
}

static void merge_updates_known_sender(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	/* The peer moved to another MAC and says so in a request to someone
	 * else: the existing entry is updated (RFC 826 merge). */
	uint8_t f[64];
	size_t n = build_arp(f, HK_ARP_OP_REQUEST, OTHER_MAC, PEER_IP, ZERO, HK_IP4(192, 0, 2, 99),
			     hk_ether_broadcast);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	int h = hk_udp_open(s, 1000);
	assert_int_equal(send_udp(s, h, PEER_IP, 1), 16);
	assert_int_equal(fd->n_tx, 1);
	assert_memory_equal(fd->tx[0], OTHER_MAC, 6);
	hk_stack_free(s);
}

static void conflict_and_malformed(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[64];
	/* someone claims our address */
	size_t n = build_arp(f, HK_ARP_OP_REQUEST, OTHER_MAC, OUR_IP, ZERO, OUR_IP, hk_ether_broadcast);
	fake_inject(fd, f, n);
	/* truncated ARP */
	n = build_arp(f, HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, ZERO, OUR_IP, hk_ether_broadcast);
	fake_inject(fd, f, n - 4);
	/* wrong hardware type */
	f[HK_ETHER_HDR_LEN + 1] = 6;
	fake_inject(fd, f, n);
	/* multicast sender hardware address */
	n = build_arp(f, HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, ZERO, OUR_IP, hk_ether_broadcast);
	f[HK_ETHER_HDR_LEN + 8] = 0x01;
	fake_inject(fd, f, n);
	/* sender MAC not the frame's source */
	n = build_arp(f, HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, ZERO, OUR_IP, hk_ether_broadcast);
	memcpy(f + 6, OTHER_MAC, 6);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, arp_rx_sha_mismatch), 1);
	assert_int_equal(ST(s, arp_rx_conflict), 1);
	assert_int_equal(ST(s, arp_rx_malformed), 3);
	assert_int_equal(fd->n_tx, 0);
	hk_stack_free(s);
}

static void ether_filters(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[64] = {0};
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	build_eth(f, OTHER_MAC, PEER_MAC, HK_ETHERTYPE_IPV4);
	fake_inject(fd, f, 60);
	build_eth(f, mcast, PEER_MAC, HK_ETHERTYPE_IPV4);
	fake_inject(fd, f, 60);
	build_eth(f, OUR_MAC, PEER_MAC, 0x86dd);
	fake_inject(fd, f, 60);
	fake_inject(fd, f, 10);
	build_eth(f, hk_ether_broadcast, OUR_MAC, HK_ETHERTYPE_ARP);
	fake_inject(fd, f, 60);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, eth_rx_not_for_us), 1);
	assert_int_equal(ST(s, eth_rx_multicast), 1);
	assert_int_equal(ST(s, eth_rx_unknown_type), 1);
	assert_int_equal(ST(s, eth_rx_short), 1);
	assert_int_equal(ST(s, eth_rx_from_self), 1);
	assert_int_equal(ST(s, ip_rx_packets), 0);
	assert_int_equal(ST(s, arp_rx_requests) + ST(s, arp_rx_malformed), 0);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gratuitous_arp_on_up),
		cmocka_unit_test(request_gets_reply_and_caches),
		cmocka_unit_test(request_for_someone_else),
		cmocka_unit_test(queue_until_reply_rate_limited),
		cmocka_unit_test(drop_after_three_requests),
		cmocka_unit_test(ping_learns_host_unreachable),
		cmocka_unit_test(pending_queue_bounded),
		cmocka_unit_test(expiry_and_refresh),
		cmocka_unit_test(merge_updates_known_sender),
		cmocka_unit_test(conflict_and_malformed),
		cmocka_unit_test(ether_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: IPv4 validation, routing, fragmentation and reassembly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hokuto/ping.h"
#include "hokuto/udp.h"
#include "net/ipv4.h"
#include "nettest.h"

#define ST(s, name) hk_stack_stat((s), HK_STAT_##name)

/* An echo request from the peer, as an IP packet (no Ethernet). */
static size_t echo_ip(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst)
{
	uint8_t icmp[64];
	size_t n = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 1, 1, "hello", 5);
	return build_ip(buf, src, dst, HK_IPPROTO_ICMP, 1234, 0, 0, icmp, n);
}

static void inject_ip(struct fake_dev *fd, const uint8_t *ip, size_t len)
{
	uint8_t f[2048];
	size_t n = build_eth(f, OUR_MAC, PEER_MAC, HK_ETHERTYPE_IPV4);
	memcpy(f + n, ip, len);
	fake_inject(fd, f, n + len);
}

static void fix_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	ip[10] = ip[11] = 0;
	uint16_t c = hk_csum(ip, hl);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

static void each_validation_error_counted(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t p[128];
	size_t n;

	n = echo_ip(p, PEER_IP, OUR_IP);
	inject_ip(fd, p, 12); /* shorter than a header */
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_truncated), 1);

	n = echo_ip(p, PEER_IP, OUR_IP);
	p[0] = 0x65;
	fix_csum(p);
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_bad_version), 1);

	n = echo_ip(p, PEER_IP, OUR_IP);
	p[0] = 0x44;
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_bad_ihl), 1);

	n = echo_ip(p, PEER_IP, OUR_IP);
	p[3] = (uint8_t)(n + 1); /* total length beyond the frame: truncated */
	fix_csum(p);
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_truncated), 2);
	n = echo_ip(p, PEER_IP, OUR_IP);
	p[3] = 16; /* total length shorter than the header */
	fix_csum(p);
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_bad_total_length), 1);

	n = echo_ip(p, PEER_IP, OUR_IP);
	p[11] ^= 0x40;
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_bad_checksum), 1);

	static const hk_ip4_t bad_src[] = {
		0, 0xffffffffu, HK_IP4(192, 0, 2, 255), HK_IP4(224, 0, 0, 1), HK_IP4(127, 0, 0, 1), OUR_IP,
	};
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		n = echo_ip(p, bad_src[i], OUR_IP);
		inject_ip(fd, p, n);
	}
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_bad_source), 6);

	n = echo_ip(p, PEER_IP, HK_IP4(192, 0, 2, 3));
	inject_ip(fd, p, n);
	n = echo_ip(p, PEER_IP, HK_IP4(224, 0, 0, 1));
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_rx_not_for_us), 2);

	/* nothing above reached ICMP, nothing was sent, nothing leaked */
	assert_int_equal(ST(s, icmp_rx), 0);
	assert_int_equal(fd->n_tx, 0);
	assert_int_equal(ST(s, ip_rx_packets), 14);
	assert_int_equal(s->pool.in_use, 0);

	/* and a good one still works */
	n = echo_ip(p, PEER_IP, OUR_IP);
	inject_ip(fd, p, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, icmp_tx_echo_replies), 1);
	hk_stack_free(s);
}

static void padding_trimmed_options_skipped(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	/* 33-byte packet in a 60-byte frame: the padding must not be echoed */
	uint8_t f[128] = {0};
	uint8_t icmp[16];
	size_t in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 9, 3, "abcde", 5);
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, in);
	assert_int_equal(n, 14 + 33);
	memset(f + n, 0xee, 60 - n);
	fake_inject(fd, f, 60);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(plen, 13);
	assert_memory_equal(r + 8, "abcde", 5);
	fake_clear_tx(fd);

	/* IHL 7: 8 bytes of options (NOPs and an unknown one) are skipped */
	uint8_t p[128];
	p[0] = 0x47;
	p[1] = 0;
	p[2] = 0;
	p[3] = (uint8_t)(28 + in);
	memset(p + 4, 0, 4);
	p[8] = 64;
	p[9] = HK_IPPROTO_ICMP;
	p[12] = 192, p[13] = 0, p[14] = 2, p[15] = 2;
	p[16] = 192, p[17] = 0, p[18] = 2, p[19] = 1;
	p[20] = 1, p[21] = 1, p[22] = 0x88, p[23] = 4, p[24] = 0, p[25] = 0, p[26] = 0, p[27] = 0;
	memcpy(p + 28, icmp, in);
	fix_csum(p);
	inject_ip(fd, p, 28 + in);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 1);
	r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(plen, 13);
	assert_int_equal(r[0], HK_ICMP_ECHO_REPLY);
	assert_memory_equal(r + 8, "abcde", 5);
	hk_stack_free(s);
}

static void fragments_4000_bytes(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	int h = hk_udp_open(s, 4444);
	uint8_t data[4000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(hk_udp_sendto(s, h, PEER_IP, 5555, data, sizeof(data)), 4000);
	assert_int_equal(fd->n_tx, 3);
	assert_int_equal(ST(s, ip_frag_created), 3);
	assert_int_equal(ST(s, ip_tx_packets), 1);
	static const size_t want_len[3] = {1480, 1480, 1048};
	uint8_t whole[4008];
	uint16_t id = 0;
	for (int i = 0; i < 3; i++) {
		struct hk_ipv4_hdr ip;
		size_t plen;
		const uint8_t *p = sent_ip(fd, i, &ip, &plen);
		assert_int_equal(plen, want_len[i]);
		assert_int_equal(ip.frag_off, i * 185);
		assert_int_equal(!!(ip.flags & HK_IPV4_FLAG_MF), i < 2);
		assert_false(ip.flags & HK_IPV4_FLAG_DF);
		assert_int_equal(ip.proto, HK_IPPROTO_UDP);
		if (i == 0)
			id = ip.id;
		assert_int_equal(ip.id, id);
		memcpy(whole + ip.frag_off * 8, p, plen);
	}
	struct hk_udp_hdr u;
	assert_int_equal(hk_udp_parse(whole, sizeof(whole), OUR_IP, PEER_IP, &u), 0);
	assert_int_not_equal(u.checksum, 0);
	assert_int_equal(u.sport, 4444);
	assert_int_equal(u.dport, 5555);
	assert_memory_equal(u.payload, data, sizeof(data));

	/* the next datagram gets the next identification */
	fake_clear_tx(fd);
	hk_udp_sendto(s, h, PEER_IP, 5555, "x", 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(ip.id, (uint16_t)(id + 1));
	hk_stack_free(s);
}

static void df_and_path_mtu(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	struct hk_pbuf *pb = hk_stack_pbuf(s);
	memset(hk_pbuf_put(pb, 2000), 0, 2000);
	struct hk_ip_tx tx = {.dst = PEER_IP, .proto = 253, .df = true};
	assert_int_equal(hk_ipv4_output(s, &tx, pb), -EMSGSIZE);
	assert_int_equal(ST(s, ip_tx_too_big_df), 1);
	assert_int_equal(fd->n_tx, 0);

	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 1500);
	hk_ipv4_pmtu_update(s, PEER_IP, 1000);
	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 1000);
	hk_ipv4_pmtu_update(s, PEER_IP, 1400); /* never raised by a report */
	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 1000);
	hk_ipv4_pmtu_update(s, PEER_IP, 20); /* RFC 1191: not below 68 */
	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 68);
	assert_int_equal(hk_ipv4_mtu_for(s, HK_IP4(192, 0, 2, 3)), 1500);

	/* fragments follow the path MTU: 48 payload bytes each at 68 */
	int h = hk_udp_open(s, 0);
	uint8_t d[100] = {0};
	hk_udp_sendto(s, h, PEER_IP, 9, d, sizeof(d));
	assert_int_equal(fd->n_tx, 3);
	for (int i = 0; i < 3; i++)
		assert_true(fd->tx_len[i] - HK_ETHER_HDR_LEN <= 68);
	/* RFC 1191 6.3: the estimate ages out */
	hk_stack_poll(s, HK_SEC(1) + HK_SEC(601));
	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 1500);
	hk_stack_free(s);
}

static void routing(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 0);
	hk_ip4_t far = HK_IP4(203, 0, 113, 5);
	assert_int_equal(hk_ipv4_source_for(s, far), 0);
	assert_int_equal(hk_udp_sendto(s, h, far, 9, "x", 1), -EHOSTUNREACH);
	assert_int_equal(ST(s, ip_tx_no_route), 1);
	assert_int_equal(hk_stack_set_gateway(s, HK_IP4(192, 0, 2, 254)), 0);
	assert_int_equal(hk_ipv4_source_for(s, far), OUR_IP);
	assert_int_equal(hk_udp_sendto(s, h, far, 9, "x", 1), 1);
	/* the next hop is the gateway: ARP asks for it, not for far */
	assert_int_equal(fd->n_tx, 1);
	struct hk_arp_pkt p;
	assert_int_equal(hk_arp_parse(fd->tx[0] + 14, fd->tx_len[0] - 14, &p), 0);
	assert_int_equal(p.tpa, HK_IP4(192, 0, 2, 254));
	assert_false(hk_ipv4_is_local(s, far));
	assert_true(hk_ipv4_is_local(s, OUR_IP));
	/* loopback addresses are never routed */
	assert_int_equal(hk_udp_sendto(s, h, HK_IP4(127, 0, 0, 1), 9, "x", 1), -EHOSTUNREACH);
	/* a broadcast goes out as an Ethernet broadcast without ARP */
	fake_clear_tx(fd);
	assert_int_equal(hk_udp_sendto(s, h, HK_IP4(192, 0, 2, 255), 9, "x", 1), 1);
	assert_int_equal(fd->n_tx, 1);
	assert_memory_equal(fd->tx[0], hk_ether_broadcast, 6);
	hk_stack_free(s);
}

static void l3_device_no_ethernet(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack_l3(&fd, HK_IP4(198, 51, 100, 1), 32);
	/* point-to-point: anything goes out on it, as a bare IPv4 packet */
	int h = hk_udp_open(s, 0);
	assert_int_equal(hk_udp_sendto(s, h, HK_IP4(198, 51, 100, 2), 9, "abc", 3), 3);
	assert_int_equal(fd->n_tx, 1);
	assert_int_equal(fd->tx[0][0], 0x45);
	assert_int_equal(fd->tx_len[0], 20 + 8 + 3);
	/* and bare IPv4 comes in */
	uint8_t p[128];
	size_t n = echo_ip(p, HK_IP4(198, 51, 100, 2), HK_IP4(198, 51, 100, 1));
	fake_inject(fd, p, n);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(fd->n_tx, 2);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 1, &ip, &plen);
	assert_int_equal(r[0], HK_ICMP_ECHO_REPLY);
	assert_int_equal(ip.dst, HK_IP4(198, 51, 100, 2));
	hk_stack_free(s);
}

static void loopback_ping(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t d[3000];
	memset(d, 0x5a, sizeof(d));
	assert_int_equal(hk_ping_send(s, OUR_IP, 5, 1, d, sizeof(d)), 0);
	hk_stack_poll(s, HK_SEC(1));
	struct hk_echo_reply r;
	assert_int_equal(hk_ping_recv(s, 5, &r), 0);
	assert_int_equal(r.from, OUR_IP);
	assert_int_equal(r.len, sizeof(d));
	assert_true(r.data_ok);
	assert_int_equal(fd->n_tx, 0); /* nothing on the wire */
	assert_true(ST(s, ip_tx_loopback) >= 4);
	hk_stack_free(s);
}

/* Splits a UDP datagram to OUR_IP:port into fragments of `chunk` bytes. */
static int make_frags(uint8_t frags[][1600], size_t *lens, uint16_t id, uint16_t port, const uint8_t *data,
		      size_t len, size_t chunk)
{
	static uint8_t udp[10000];
	size_t ul = build_udp(udp, PEER_IP, OUR_IP, 3333, port, data, len);
	int k = 0;
	for (size_t off = 0; off < ul; off += chunk, k++) {
		size_t n = ul - off < chunk ? ul - off : chunk;
		lens[k] = build_eth_ip(frags[k], PEER_IP, OUR_IP, HK_IPPROTO_UDP, id,
				       off + n < ul ? HK_IPV4_FLAG_MF : 0, (uint16_t)(off / 8), udp + off, n);
	}
	return k;
}

static uint8_t frags[16][1600];
static size_t flen[16];

static void reassembly_in_and_out_of_order(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 4000);
	uint8_t data[4000], got[5000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	int k = make_frags(frags, flen, 1, 4000, data, sizeof(data), 1480);
	assert_int_equal(k, 3);
	for (int i = 0; i < k; i++)
		fake_inject(fd, frags[i], flen[i]);
	hk_stack_poll(s, HK_SEC(1));
	hk_ip4_t src;
	uint16_t sport;
	assert_int_equal(hk_udp_recvfrom(s, h, got, sizeof(got), &src, &sport), 4000);
	assert_memory_equal(got, data, 4000);
	assert_int_equal(src, PEER_IP);
	assert_int_equal(sport, 3333);
	assert_int_equal(ST(s, ip_reasm_ok), 1);
	assert_int_equal(ST(s, ip_rx_fragments), 3);

	/* reversed, smaller fragments, with one duplicate */
	k = make_frags(frags, flen, 2, 4000, data, sizeof(data), 504);
	assert_int_equal(k, 8);
	for (int i = k - 1; i >= 0; i--) {
		fake_inject(fd, frags[i], flen[i]);
		if (i == 4)
			fake_inject(fd, frags[i], flen[i]);
	}
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(hk_udp_recvfrom(s, h, got, sizeof(got), NULL, NULL), 4000);
	assert_memory_equal(got, data, 4000);
	assert_int_equal(ST(s, ip_reasm_duplicate), 1);
	assert_int_equal(ST(s, ip_reasm_ok), 2);
	assert_int_equal(hk_udp_recvfrom(s, h, got, sizeof(got), NULL, NULL), -EAGAIN);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void overlapping_fragments_drop_datagram(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 4000);
	uint8_t data[2000] = {0}, got[3000];
	int k = make_frags(frags, flen, 7, 4000, data, sizeof(data), 1024);
	assert_int_equal(k, 2);
	/* a third fragment at offset 512 overlaps the first */
	uint8_t evil[1600];
	size_t en = build_eth_ip(evil, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 7, HK_IPV4_FLAG_MF, 64, data, 600);
	fake_inject(fd, frags[0], flen[0]);
	fake_inject(fd, evil, en);
	fake_inject(fd, frags[1], flen[1]);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, ip_reasm_overlap), 1);
	assert_int_equal(ST(s, ip_reasm_ok), 0);
	assert_int_equal(hk_udp_recvfrom(s, h, got, sizeof(got), NULL, NULL), -EAGAIN);
	/* the first fragment is gone for good: resending it alone and the
	 * last never completes a datagram holding the overlap */
	assert_int_equal(s->pool.in_use, 1); /* frags[1] started a new one */
	hk_stack_free(s);
}

static void reassembly_timeout(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	int h = hk_udp_open(s, 4000);
	uint8_t data[4000] = {0}, got[5000];
	int k = make_frags(frags, flen, 3, 4000, data, sizeof(data), 1480);
	fake_inject(fd, frags[0], flen[0]);
	fake_inject(fd, frags[1], flen[1]);
	hk_stack_poll(s, HK_SEC(10));
	hk_stack_poll(s, HK_SEC(39));
	assert_int_equal(ST(s, ip_reasm_timeout), 0);
	assert_int_equal(fd->n_tx, 0);
	hk_stack_poll(s, HK_SEC(40));
	assert_int_equal(ST(s, ip_reasm_timeout), 1);
	/* RFC 792: time exceeded, fragment reassembly, quoting the first */
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(ip.proto, HK_IPPROTO_ICMP);
	assert_int_equal(ip.dst, PEER_IP);
	assert_int_equal(r[0], HK_ICMP_TIME_EXCEEDED);
	assert_int_equal(r[1], 1);
	assert_int_equal(plen, 8 + 20 + 8);
	assert_memory_equal(r + 8, frags[0] + 14, 28);
	/* the last fragment alone makes nothing */
	fake_inject(fd, frags[k - 1], flen[k - 1]);
	hk_stack_poll(s, HK_SEC(41));
	assert_int_equal(hk_udp_recvfrom(s, h, got, sizeof(got), NULL, NULL), -EAGAIN);
	hk_stack_poll(s, HK_SEC(80));
	assert_int_equal(ST(s, ip_reasm_timeout), 2);
	assert_int_equal(fd->n_tx, 1); /* no first fragment: no ICMP */
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void bad_and_tiny_fragments(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[1600], d[1600] = {0};
	size_t n;
	/* non-last fragment not a multiple of 8 */
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, HK_IPV4_FLAG_MF, 0, d, 12);
	fake_inject(fd, f, n);
	/* beyond 65535 bytes ("ping of death") */
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 2, 0, 8189, d, 100);
	fake_inject(fd, f, n);
	/* RFC 1858: TCP at offset 8, and a TCP first fragment of 16 bytes */
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_TCP, 3, 0, 1, d, 40);
	fake_inject(fd, f, n);
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_TCP, 4, HK_IPV4_FLAG_MF, 0, d, 16);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, ip_reasm_bad_fragment), 2);
	assert_int_equal(ST(s, ip_reasm_tiny), 2);
	assert_int_equal(s->pool.in_use, 0);

	/* a datagram larger than a packet buffer is refused and counted */
	for (int i = 0; i < 7; i++) {
		n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 5, HK_IPV4_FLAG_MF, (uint16_t)(i * 185), d,
				 1480);
		fake_inject(fd, f, n);
	}
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, ip_reasm_too_big), 1);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void reassembly_memory_bounded(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	uint8_t f[1600], d[1600] = {0};
	for (int i = 0; i < 40; i++) {
		size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, (uint16_t)(100 + i), HK_IPV4_FLAG_MF, 0,
					d, 1480);
		fake_inject(fd, f, n);
	}
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, ip_reasm_no_memory), 40 - 16);
	assert_int_equal(s->pool.in_use, 16);
	/* unknown protocol on a whole packet: protocol unreachable */
	learn_peer(s, fd, HK_SEC(2));
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, 253, 9, 0, 0, "0123456789abcdef", 16);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(3));
	assert_int_equal(ST(s, ip_rx_unknown_protocol), 1);
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(r[0], HK_ICMP_DEST_UNREACH);
	assert_int_equal(r[1], HK_ICMP_UNREACH_PROTOCOL);
	assert_int_equal(plen, 8 + 20 + 8);
	assert_memory_equal(r + 8, f + 14, 28);
	hk_stack_free(s);
}

/* Mutated frames of every kind: nothing crashes (run under ASan in
 * `make check`), and once timers have run no buffer is left behind. */
static void mutated_frames_leak_nothing(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	struct hk_rng rng;
	hk_rng_seed(&rng, 42);
	static uint8_t tmpl[6][1600];
	size_t tlen[6];
	uint8_t body[1400], icmp[1500];
	memset(body, 0xab, sizeof(body));
	static const uint8_t zero[6];
	tlen[0] = build_arp(tmpl[0], HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, zero, OUR_IP, hk_ether_broadcast);
	size_t in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 1, 1, body, 100);
	tlen[1] = build_eth_ip(tmpl[1], PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, in);
	in = build_udp(icmp, PEER_IP, OUR_IP, 1, 2, body, 200);
	tlen[2] = build_eth_ip(tmpl[2], PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, icmp, in);
	tlen[3] = build_eth_ip(tmpl[3], PEER_IP, OUR_IP, HK_IPPROTO_UDP, 7, HK_IPV4_FLAG_MF, 0, body, 1024);
	tlen[4] = build_eth_ip(tmpl[4], PEER_IP, OUR_IP, HK_IPPROTO_UDP, 7, 0, 128, body, 300);
	icmp[0] = HK_ICMP_DEST_UNREACH;
	icmp[1] = 3;
	memset(icmp + 2, 0, 6);
	build_ip(icmp + 8, OUR_IP, PEER_IP, HK_IPPROTO_UDP, 1, 0, 0, body, 8);
	uint16_t c = hk_csum(icmp, 36);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	tlen[5] = build_eth_ip(tmpl[5], PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, 36);
	hk_time_t now = HK_SEC(2);
	uint8_t f[1600];
	for (int i = 0; i < 20000; i++) {
		int k = (int)hk_rng_below(&rng, 6);
		size_t n = tlen[k];
		memcpy(f, tmpl[k], n);
		int flips = (int)hk_rng_below(&rng, 4);
		for (int j = 0; j < flips; j++) {
			/* mostly headers */
			size_t at = hk_rng_below(&rng, 4) ? hk_rng_below(&rng, 48) : hk_rng_below(&rng, (uint32_t)n);
			f[at] = (uint8_t)hk_rng_u32(&rng);
		}
		if (hk_rng_below(&rng, 8) == 0)
			n = hk_rng_below(&rng, (uint32_t)n + 1);
		fake_inject(fd, f, n);
		if (i % 64 == 0) {
			hk_stack_poll(s, now);
			fake_clear_tx(fd);
			now += HK_MSEC(50);
		}
	}
	hk_stack_poll(s, now);
	for (int i = 0; i < 200; i++) {
		now += HK_SEC(1);
		hk_stack_poll(s, now);
		fake_clear_tx(fd);
	}
	if (getenv("HK_VERBOSE"))
		hk_stats_print(hk_stack_stats(s), stderr);
	assert_true(ST(s, ip_rx_packets) > 1000);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_validation_error_counted),
		cmocka_unit_test(padding_trimmed_options_skipped),
		cmocka_unit_test(fragments_4000_bytes),
		cmocka_unit_test(df_and_path_mtu),
		cmocka_unit_test(routing),
		cmocka_unit_test(l3_device_no_ethernet),
		cmocka_unit_test(loopback_ping),
		cmocka_unit_test(reassembly_in_and_out_of_order),
		cmocka_unit_test(overlapping_fragments_drop_datagram),
		cmocka_unit_test(reassembly_timeout),
		cmocka_unit_test(bad_and_tiny_fragments),
		cmocka_unit_test(reassembly_memory_bounded),
		cmocka_unit_test(mutated_frames_leak_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

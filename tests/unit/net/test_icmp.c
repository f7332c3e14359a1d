/* Unit tests: ICMP echo, errors sent and received, the ping API. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hokuto/ping.h"
#include "hokuto/udp.h"
#include "net/icmp.h"
#include "nettest.h"

#define ST(s, name) hk_stack_stat((s), HK_STAT_##name)
#define ROUTER HK_IP4(192, 0, 2, 254)

static uint8_t big[70000];

static void echo_reply_echoes_data(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t data[1000], icmp[1100], f[1200];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 1);
	size_t in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 0x1234, 7, data, sizeof(data));
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, in);
	f[15] = 0x10; /* TOS */
	f[24] = f[25] = 0;
	uint16_t c = hk_csum(f + 14, 20);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(ip.src, OUR_IP);
	assert_int_equal(ip.dst, PEER_IP);
	assert_int_equal(ip.proto, HK_IPPROTO_ICMP);
	assert_int_equal(ip.tos, 0x10);
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(r, plen, &h), 0); /* checksum right */
	assert_int_equal(h.type, HK_ICMP_ECHO_REPLY);
	assert_int_equal(h.code, 0);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.payload_len, sizeof(data));
	assert_memory_equal(h.payload, data, sizeof(data));
	assert_int_equal(ST(s, icmp_tx_echo_replies), 1);

	/* bad checksum, too short, and to a broadcast: no reply */
	fake_clear_tx(fd);
	in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 1, 1, data, 10);
	icmp[9] ^= 1;
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 2, 0, 0, icmp, in);
	fake_inject(fd, f, n);
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 3, 0, 0, icmp, 4);
	fake_inject(fd, f, n);
	in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 1, 1, data, 10);
	n = build_eth_ip(f, PEER_IP, HK_IP4(192, 0, 2, 255), HK_IPPROTO_ICMP, 4, 0, 0, icmp, in);
	memcpy(f, hk_ether_broadcast, 6);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(3));
	assert_int_equal(ST(s, icmp_rx_malformed), 2);
	assert_int_equal(ST(s, icmp_rx_echo_broadcast), 1);
	assert_int_equal(fd->n_tx, 0);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void big_echo_reassembled_and_refragmented(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t data[4000], icmp[4100], f[1600];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	size_t in = build_echo(icmp, HK_ICMP_ECHO_REQUEST, 3, 9, data, sizeof(data));
	for (size_t off = 0; off < in; off += 1480) {
		size_t k = in - off < 1480 ? in - off : 1480;
		size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 77, off + k < in ? HK_IPV4_FLAG_MF : 0,
					(uint16_t)(off / 8), icmp + off, k);
		fake_inject(fd, f, n);
	}
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 3);
	uint8_t whole[4100];
	size_t total = 0;
	for (int i = 0; i < 3; i++) {
		struct hk_ipv4_hdr ip;
		size_t plen;
		const uint8_t *p = sent_ip(fd, i, &ip, &plen);
		memcpy(whole + ip.frag_off * 8, p, plen);
		total += plen;
	}
	assert_int_equal(total, in);
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(whole, total, &h), 0);
	assert_int_equal(h.type, HK_ICMP_ECHO_REPLY);
	assert_memory_equal(h.payload, data, sizeof(data));
	hk_stack_free(s);
}

static void port_unreachable_quotes_header(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t u[64], f[256];
	size_t un = build_udp(u, PEER_IP, OUR_IP, 1111, 9999, "payload!payload!", 16);
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 5, 0, 0, u, un);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, udp_rx_no_port), 1);
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, 0, &ip, &plen);
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(r, plen, &h), 0);
	assert_int_equal(h.type, HK_ICMP_DEST_UNREACH);
	assert_int_equal(h.code, HK_ICMP_UNREACH_PORT);
	assert_int_equal(h.rest, 0);
	assert_int_equal(h.payload_len, 20 + 8);
	assert_memory_equal(h.payload, f + 14, 28);
	assert_int_equal(ip.dst, PEER_IP);
	assert_int_equal(ip.src, OUR_IP);
	assert_int_equal(ST(s, icmp_tx_unreachable), 1);

	/* a reassembled datagram is one datagram: the error quotes a header
	 * with no fragment offset */
	fake_clear_tx(fd);
	uint8_t data[2000] = {0}, udp[2100];
	un = build_udp(udp, PEER_IP, OUR_IP, 1111, 9999, data, sizeof(data));
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 6, HK_IPV4_FLAG_MF, 0, udp, 96);
	fake_inject(fd, f, n);
	static uint8_t f2[2100];
	n = build_eth_ip(f2, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 6, 0, 12, udp + 96, un - 96);
	fake_inject(fd, f2, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 1);
	r = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(hk_icmp_parse(r, plen, &h), 0);
	assert_int_equal(h.code, HK_ICMP_UNREACH_PORT);
	assert_int_equal(rd16(h.payload + 2), 20 + un);
	assert_int_equal(rd16(h.payload + 6), 0);
	assert_memory_equal(h.payload + 20, udp, 8);
	hk_stack_free(s);
}

static void no_error_about_error_broadcast_fragment(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t u[64], f[128];
	/* UDP to a closed port, sent to the broadcast address */
	size_t un = build_udp(u, PEER_IP, HK_IP4(192, 0, 2, 255), 1111, 9999, "x", 1);
	size_t n = build_eth_ip(f, PEER_IP, HK_IP4(192, 0, 2, 255), HK_IPPROTO_UDP, 5, 0, 0, u, un);
	memcpy(f, hk_ether_broadcast, 6);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, udp_rx_no_port), 1);
	assert_int_equal(ST(s, icmp_error_suppressed), 1);
	/* to our address, but in an Ethernet broadcast frame */
	un = build_udp(u, PEER_IP, OUR_IP, 1111, 9999, "x", 1);
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 5, 0, 0, u, un);
	memcpy(f, hk_ether_broadcast, 6);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, udp_rx_no_port), 2);
	assert_int_equal(ST(s, icmp_error_suppressed), 2);

	/* about an ICMP error (a destination unreachable we got) */
	uint8_t ip_hdr[20];
	build_ip(ip_hdr, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 9, 0, 0, NULL, 0);
	uint8_t err[8] = {HK_ICMP_DEST_UNREACH, 3, 0, 0, 0, 0, 0, 0};
	struct hk_ip_rx rx = {
		.ifc = &s->ifaces[0],
		.src = PEER_IP,
		.dst = OUR_IP,
		.proto = HK_IPPROTO_ICMP,
		.ttl = 64,
		.ip_hdr = ip_hdr,
		.ip_hdr_len = 20,
	};
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PROTOCOL, &rx, err, sizeof(err));
	assert_int_equal(ST(s, icmp_error_suppressed), 3);
	/* ... and about an unknown ICMP type, which counts as an error */
	err[0] = 42;
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PROTOCOL, &rx, err, sizeof(err));
	assert_int_equal(ST(s, icmp_error_suppressed), 4);
	/* about a non-first fragment */
	build_ip(ip_hdr, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 9, 0, 100, NULL, 0);
	rx.proto = HK_IPPROTO_UDP;
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PORT, &rx, u, 8);
	assert_int_equal(ST(s, icmp_error_suppressed), 5);
	/* about a multicast destination, and from a source that is no host */
	build_ip(ip_hdr, PEER_IP, HK_IP4(224, 0, 0, 9), HK_IPPROTO_UDP, 9, 0, 0, NULL, 0);
	rx.dst = HK_IP4(224, 0, 0, 9);
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PORT, &rx, u, 8);
	rx.dst = OUR_IP;
	rx.src = 0;
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PORT, &rx, u, 8);
	assert_int_equal(ST(s, icmp_error_suppressed), 7);
	assert_int_equal(fd->n_tx, 0);
	/* but an echo request's packet may get one */
	rx.src = PEER_IP;
	rx.proto = HK_IPPROTO_ICMP;
	build_ip(ip_hdr, PEER_IP, OUR_IP, HK_IPPROTO_ICMP, 9, 0, 0, NULL, 0);
	err[0] = HK_ICMP_ECHO_REQUEST;
	hk_icmp_send_unreach(s, HK_ICMP_UNREACH_PROTOCOL, &rx, err, sizeof(err));
	assert_int_equal(fd->n_tx, 1);
	hk_stack_free(s);
}

static void errors_rate_limited(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t u[64], f[128];
	size_t un = build_udp(u, PEER_IP, OUR_IP, 1111, 9999, "x", 1);
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 5, 0, 0, u, un);
	for (int i = 0; i < 60; i++)
		fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(fd->n_tx, 50);
	assert_int_equal(ST(s, icmp_error_ratelimited), 10);
	for (int i = 0; i < 60; i++)
		fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2) + HK_MSEC(10)); /* 10 new tokens */
	assert_int_equal(fd->n_tx, 60);
	hk_stack_free(s);
}

/* The echo request frame i as sent: returns its ICMP payload. */
static struct hk_icmp_hdr sent_echo(struct fake_dev *fd, int i)
{
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *r = sent_ip(fd, i, &ip, &plen);
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(r, plen, &h), 0);
	assert_int_equal(h.type, HK_ICMP_ECHO_REQUEST);
	assert_int_equal(ip.dst, PEER_IP);
	return h;
}

static void inject_echo_reply(struct fake_dev *fd, hk_ip4_t from, uint16_t id, uint16_t seq, const void *data,
			      size_t len)
{
	uint8_t icmp[256], f[300];
	size_t in = build_echo(icmp, HK_ICMP_ECHO_REPLY, id, seq, data, len);
	size_t n = build_eth_ip(f, from, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, in);
	fake_inject(fd, f, n);
}

static void ping_api(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	uint8_t data[56];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	assert_int_equal(hk_ping_send(s, PEER_IP, 42, 1, data, sizeof(data)), 0);
	assert_int_equal(hk_ping_send(s, PEER_IP, 42, 2, data, sizeof(data)), 0);
	assert_int_equal(fd->n_tx, 2);
	struct hk_icmp_hdr h = sent_echo(fd, 0);
	assert_int_equal(h.id, 42);
	assert_int_equal(h.seq, 1);
	assert_memory_equal(h.payload, data, sizeof(data));
	assert_int_equal(ST(s, icmp_tx_echo_requests), 2);

	struct hk_echo_reply r;
	assert_int_equal(hk_ping_recv(s, 42, &r), -EAGAIN);
	inject_echo_reply(fd, PEER_IP, 42, 1, data, sizeof(data));
	uint8_t bad[56];
	memcpy(bad, data, sizeof(bad));
	bad[30] ^= 0xff;
	inject_echo_reply(fd, PEER_IP, 42, 2, bad, sizeof(bad));
	inject_echo_reply(fd, PEER_IP, 43, 1, data, sizeof(data)); /* not ours */
	hk_stack_poll(s, HK_SEC(1) + HK_MSEC(5));
	assert_int_equal(ST(s, icmp_rx_echo_unmatched), 1);
	assert_int_equal(hk_ping_recv(s, 43, &r), -EAGAIN);
	assert_int_equal(hk_ping_recv(s, 42, &r), 0);
	assert_int_equal(r.from, PEER_IP);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.ttl, 64);
	assert_int_equal(r.len, 56);
	assert_int_equal(r.icmp_type, HK_ICMP_ECHO_REPLY);
	assert_true(r.data_ok);
	assert_int_equal(r.rx_time, HK_SEC(1) + HK_MSEC(5));
	assert_int_equal(r.tx_time, HK_SEC(1));
	assert_int_equal(hk_ping_recv(s, 42, &r), 0);
	assert_int_equal(r.seq, 2);
	assert_false(r.data_ok);
	assert_int_equal(hk_ping_recv(s, 42, &r), -EAGAIN);

	/* the queue is bounded; the oldest go */
	for (int i = 0; i < 40; i++)
		inject_echo_reply(fd, PEER_IP, 42, 1, data, sizeof(data));
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, icmp_ping_queue_full), 8);
	int got = 0;
	while (hk_ping_recv(s, 42, &r) == 0)
		got++;
	assert_int_equal(got, 32);

	assert_int_equal(hk_ping_send(s, PEER_IP, 1, 1, big, HK_PING_MAX_DATA + 1), -EMSGSIZE);
	hk_stack_free(s);
}

static void ping_largest(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i % 251);
	assert_int_equal(hk_ping_send(s, PEER_IP, 1, 1, big, HK_PING_MAX_DATA), 0);
	assert_int_equal(fd->n_tx, 45); /* 65515 bytes in 1480-byte pieces */
	static uint8_t whole[65536];
	size_t total = 0;
	for (int i = 0; i < fd->n_tx; i++) {
		struct hk_ipv4_hdr ip;
		size_t plen;
		const uint8_t *p = sent_ip(fd, i, &ip, &plen);
		memcpy(whole + ip.frag_off * 8, p, plen);
		total += plen;
	}
	assert_int_equal(total, 8 + HK_PING_MAX_DATA);
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(whole, total, &h), 0);
	assert_memory_equal(h.payload, big, HK_PING_MAX_DATA);
	hk_stack_free(s);
}

/* An ICMP error from `from` quoting the IP packet q (qlen bytes). */
static void inject_error(struct fake_dev *fd, hk_ip4_t from, uint8_t type, uint8_t code, uint16_t mtu,
			 const uint8_t *q, size_t qlen)
{
	uint8_t icmp[256], f[300];
	icmp[0] = type;
	icmp[1] = code;
	icmp[2] = icmp[3] = icmp[4] = icmp[5] = 0;
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, q, qlen);
	uint16_t c = hk_csum(icmp, 8 + qlen);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	size_t n = build_eth_ip(f, from, OUR_IP, HK_IPPROTO_ICMP, 1, 0, 0, icmp, 8 + qlen);
	fake_inject(fd, f, n);
}

static void errors_received(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	assert_int_equal(hk_ping_send(s, PEER_IP, 42, 5, "abcdefgh", 8), 0);
	/* the router says host unreachable, quoting our request */
	inject_error(fd, ROUTER, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_HOST, 0, fd->tx[0] + 14, 28);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, icmp_rx_unreachable), 1);
	struct hk_echo_reply r;
	assert_int_equal(hk_ping_recv(s, 42, &r), 0);
	assert_int_equal(r.icmp_type, HK_ICMP_DEST_UNREACH);
	assert_int_equal(r.icmp_code, HK_ICMP_UNREACH_HOST);
	assert_int_equal(r.from, ROUTER);
	assert_int_equal(r.seq, 5);

	/* time exceeded is reported the same way */
	inject_error(fd, ROUTER, HK_ICMP_TIME_EXCEEDED, 0, 0, fd->tx[0] + 14, 28);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(hk_ping_recv(s, 42, &r), 0);
	assert_int_equal(r.icmp_type, HK_ICMP_TIME_EXCEEDED);

	/* an error quoting a packet someone else sent */
	uint8_t q[28];
	build_ip(q, PEER_IP, HK_IP4(192, 0, 2, 3), HK_IPPROTO_UDP, 1, 0, 0, "12345678", 8);
	inject_error(fd, ROUTER, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_PORT, 0, q, 28);
	/* quoting too little */
	inject_error(fd, ROUTER, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_PORT, 0, q, 24);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, icmp_rx_error_not_ours), 1);
	assert_int_equal(ST(s, icmp_rx_malformed), 1);

	/* fragmentation needed about a UDP datagram: the path MTU drops */
	build_ip(q, OUR_IP, PEER_IP, HK_IPPROTO_UDP, 1, HK_IPV4_FLAG_DF, 0, "12345678", 8);
	inject_error(fd, ROUTER, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_FRAG_NEEDED, 1200, q, 28);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(hk_ipv4_mtu_for(s, PEER_IP), 1200);
	assert_int_equal(ST(s, udp_rx_icmp_errors), 1);
	assert_int_equal(fd->n_tx, 1); /* no answer to any error */
	hk_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(echo_reply_echoes_data),
		cmocka_unit_test(big_echo_reassembled_and_refragmented),
		cmocka_unit_test(port_unreachable_quotes_header),
		cmocka_unit_test(no_error_about_error_broadcast_fragment),
		cmocka_unit_test(errors_rate_limited),
		cmocka_unit_test(ping_api),
		cmocka_unit_test(ping_largest),
		cmocka_unit_test(errors_received),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: UDP sockets, checksums, queues (RFC 768). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hokuto/udp.h"
#include "nettest.h"

#define ST(s, name) hk_stack_stat((s), HK_STAT_##name)

static void open_close_ports(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int a = hk_udp_open(s, 5000);
	assert_true(a >= 0);
	assert_int_equal(hk_udp_port(s, a), 5000);
	assert_int_equal(hk_udp_open(s, 5000), -EADDRINUSE);
	int e1 = hk_udp_open(s, 0), e2 = hk_udp_open(s, 0);
	assert_true(e1 >= 0 && e2 >= 0 && e1 != e2);
	assert_true(hk_udp_port(s, e1) >= 49152);
	assert_true(hk_udp_port(s, e2) >= 49152);
	assert_int_not_equal(hk_udp_port(s, e1), hk_udp_port(s, e2));
	assert_int_equal(hk_udp_close(s, a), 0);
	assert_int_equal(hk_udp_close(s, a), -EBADF);
	assert_int_equal(hk_udp_port(s, a), -EBADF);
	assert_int_equal(hk_udp_sendto(s, a, PEER_IP, 1, "x", 1), -EBADF);
	assert_int_equal(hk_udp_sendto(s, 999, PEER_IP, 1, "x", 1), -EBADF);
	assert_int_equal(hk_udp_sendto(s, -1, PEER_IP, 1, "x", 1), -EBADF);
	char buf[4];
	assert_int_equal(hk_udp_recvfrom(s, a, buf, sizeof(buf), NULL, NULL), -EBADF);
	a = hk_udp_open(s, 5000);
	assert_true(a >= 0);
	/* all sockets taken */
	int n = 3, rc;
	while ((rc = hk_udp_open(s, 0)) >= 0)
		n++;
	assert_int_equal(rc, -EMFILE);
	assert_int_equal(n, 64);
	hk_stack_free(s);
}

static void send_builds_datagram(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	learn_peer(s, fd, HK_SEC(1));
	int h = hk_udp_open(s, 5000);
	assert_int_equal(hk_udp_sendto(s, h, PEER_IP, 53, "hello world", 11), 11);
	assert_int_equal(fd->n_tx, 1);
	struct hk_ipv4_hdr ip;
	size_t plen;
	const uint8_t *p = sent_ip(fd, 0, &ip, &plen);
	assert_int_equal(ip.proto, HK_IPPROTO_UDP);
	assert_int_equal(ip.src, OUR_IP);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(plen, 19);
	struct hk_udp_hdr u;
	assert_int_equal(hk_udp_parse(p, plen, OUR_IP, PEER_IP, &u), 0); /* checksum verifies */
	assert_int_not_equal(u.checksum, 0);
	assert_int_equal(u.sport, 5000);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.len, 19);
	assert_memory_equal(u.payload, "hello world", 11);
	/* the same bytes the wire layer would emit */
	uint8_t ref[64];
	build_udp(ref, OUR_IP, PEER_IP, 5000, 53, "hello world", 11);
	assert_memory_equal(p, ref, 19);
	assert_int_equal(ST(s, udp_tx), 1);

	/* an empty datagram is fine */
	assert_int_equal(hk_udp_sendto(s, h, PEER_IP, 53, NULL, 0), 0);
	assert_int_equal(fd->n_tx, 2);
	p = sent_ip(fd, 1, &ip, &plen);
	assert_int_equal(plen, 8);
	assert_int_equal(hk_udp_parse(p, plen, OUR_IP, PEER_IP, &u), 0);

	static uint8_t big[HK_UDP_MAX_PAYLOAD + 1];
	assert_int_equal(hk_udp_sendto(s, h, PEER_IP, 53, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(hk_udp_sendto(s, h, 0, 53, "x", 1), -EINVAL);
	assert_int_equal(hk_udp_sendto(s, h, PEER_IP, 0, "x", 1), -EINVAL);
	hk_stack_free(s);
}

static void inject_udp(struct fake_dev *fd, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	uint8_t u[2048], f[2100];
	size_t un = build_udp(u, PEER_IP, OUR_IP, sport, dport, data, len);
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, un);
	fake_inject(fd, f, n);
}

static void receive_and_checksums(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 7000);
	char buf[64];
	hk_ip4_t src;
	uint16_t sport;
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), &src, &sport), -EAGAIN);
	inject_udp(fd, 1234, 7000, "first", 5);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), &src, &sport), 5);
	assert_memory_equal(buf, "first", 5);
	assert_int_equal(src, PEER_IP);
	assert_int_equal(sport, 1234);

	uint8_t u[64], f[128];
	/* bad checksum */
	size_t un = build_udp(u, PEER_IP, OUR_IP, 1234, 7000, "second", 6);
	u[9] ^= 0x20;
	size_t n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, un);
	fake_inject(fd, f, n);
	/* no checksum (0) is accepted (RFC 768) */
	un = build_udp(u, PEER_IP, OUR_IP, 1234, 7000, "third", 5);
	u[6] = u[7] = 0;
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, un);
	fake_inject(fd, f, n);
	/* UDP length beyond the IP payload */
	un = build_udp(u, PEER_IP, OUR_IP, 1234, 7000, "fourth", 6);
	u[5] = 40;
	u[6] = u[7] = 0;
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, un);
	fake_inject(fd, f, n);
	/* shorter than a UDP header */
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, 6);
	fake_inject(fd, f, n);
	/* UDP length shorter than the IP payload: the rest is not data */
	un = build_udp(u, PEER_IP, OUR_IP, 1234, 7000, "fifth", 5);
	memcpy(u + un, "JUNK", 4);
	n = build_eth_ip(f, PEER_IP, OUR_IP, HK_IPPROTO_UDP, 1, 0, 0, u, un + 4);
	fake_inject(fd, f, n);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(ST(s, udp_rx_bad_checksum), 1);
	assert_int_equal(ST(s, udp_rx_malformed), 2);
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), NULL, NULL), 5);
	assert_memory_equal(buf, "third", 5);
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), NULL, NULL), 5);
	assert_memory_equal(buf, "fifth", 5);
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), NULL, NULL), -EAGAIN);

	/* a short buffer takes the head of the datagram; the rest is gone */
	inject_udp(fd, 1, 7000, "0123456789", 10);
	hk_stack_poll(s, HK_SEC(3));
	assert_int_equal(hk_udp_recvfrom(s, h, buf, 4, NULL, NULL), 4);
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(hk_udp_recvfrom(s, h, buf, sizeof(buf), NULL, NULL), -EAGAIN);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void queue_bounded(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int h = hk_udp_open(s, 7000);
	for (uint8_t i = 0; i < 40; i++)
		inject_udp(fd, 1, 7000, &i, 1);
	hk_stack_poll(s, HK_SEC(1));
	assert_int_equal(ST(s, udp_rx_queue_full), 8);
	assert_int_equal(ST(s, udp_rx), 40);
	uint8_t b;
	for (uint8_t i = 0; i < 32; i++) {
		assert_int_equal(hk_udp_recvfrom(s, h, &b, 1, NULL, NULL), 1);
		assert_int_equal(b, i); /* the first ones were kept, in order */
	}
	assert_int_equal(hk_udp_recvfrom(s, h, &b, 1, NULL, NULL), -EAGAIN);
	/* closing frees what is queued */
	inject_udp(fd, 1, 7000, "z", 1);
	hk_stack_poll(s, HK_SEC(2));
	assert_int_equal(s->pool.in_use, 1);
	assert_int_equal(hk_udp_close(s, h), 0);
	assert_int_equal(s->pool.in_use, 0);
	hk_stack_free(s);
}

static void to_ourselves(void **state)
{
	(void)state;
	struct fake_dev *fd;
	struct hk_stack *s = net_stack(&fd, 1500);
	int a = hk_udp_open(s, 0), b = hk_udp_open(s, 9000);
	static uint8_t data[5000], got[6000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	assert_int_equal(hk_udp_sendto(s, a, OUR_IP, 9000, data, sizeof(data)), 5000);
	hk_stack_poll(s, HK_SEC(1));
	hk_ip4_t src;
	uint16_t sport;
	assert_int_equal(hk_udp_recvfrom(s, b, got, sizeof(got), &src, &sport), 5000);
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(src, OUR_IP);
	assert_int_equal(sport, hk_udp_port(s, a));
	assert_int_equal(fd->n_tx, 0);
	hk_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_close_ports),
		cmocka_unit_test(send_builds_datagram),
		cmocka_unit_test(receive_and_checksums),
		cmocka_unit_test(queue_bounded),
		cmocka_unit_test(to_ourselves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

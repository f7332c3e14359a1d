/* Unit test: seed 002's hand-made SYN, built from its fields with the wire
 * builders (IP checksum 0x0aff, TCP checksum 0x2c83) and parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/ether.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"

static const uint8_t seed_frame[54] = {
	/* Ethernet */
	0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x08, 0x00,
	/* IPv4 */
	0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06, 0x0a, 0xff,
	0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01,
	/* TCP */
	0x30, 0x39, 0xd4, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0xfa, 0xf0, 0x2c, 0x83, 0x00, 0x00,
};

static void build_seed_syn_from_fields(void **state)
{
	(void)state;
	uint8_t f[54];
	memset(f, 0xcc, sizeof(f));
	hk_ip4_t src = HK_IP4(192, 0, 2, 2), dst = HK_IP4(192, 0, 2, 1);

	struct hk_ether_hdr eh = {.dst = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01},
				  .src = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02},
				  .type = HK_ETHERTYPE_IPV4};
	hk_ether_emit(&eh, f);

	struct hk_tcp_hdr th = {.sport = 12345, .dport = 54321, .seq = 0, .ack = 0,
				.flags = HK_TCP_SYN, .window = 64240, .urgent = 0};
	size_t thl = hk_tcp_hdr_len(&th);
	assert_int_equal(thl, 20);
	assert_int_equal(hk_tcp_emit(&th, f + 14 + 20, 0, src, dst), 20);

	struct hk_ipv4_hdr ih = {.version = 4, .ihl = 5, .tos = 0, .total_len = (uint16_t)(20 + thl),
				 .id = 0xabcd, .flags = HK_IPV4_FLAG_DF, .frag_off = 0, .ttl = 64,
				 .proto = HK_IPPROTO_TCP, .src = src, .dst = dst};
	assert_int_equal(hk_ipv4_emit(&ih, f + 14), 20);

	assert_memory_equal(f, seed_frame, sizeof(seed_frame));
	assert_int_equal((f[24] << 8) | f[25], 0x0aff);
	assert_int_equal((f[50] << 8) | f[51], 0x2c83);
}

static void parse_seed_syn(void **state)
{
	(void)state;
	struct hk_ether_hdr eh;
	assert_int_equal(hk_ether_parse(seed_frame, sizeof(seed_frame), &eh), 0);
	assert_int_equal(eh.type, HK_ETHERTYPE_IPV4);
	struct hk_ipv4_hdr ih;
	assert_int_equal(hk_ipv4_parse(seed_frame + 14, sizeof(seed_frame) - 14, true, &ih), HK_IPV4_OK);
	assert_int_equal(ih.checksum, 0x0aff);
	assert_int_equal(ih.flags, HK_IPV4_FLAG_DF);
	struct hk_tcp_hdr th;
	assert_int_equal(hk_tcp_parse(seed_frame + 14 + ih.ihl * 4, ih.total_len - ih.ihl * 4u,
				      ih.src, ih.dst, true, &th), HK_TCP_OK);
	assert_int_equal(th.sport, 12345);
	assert_int_equal(th.dport, 54321);
	assert_int_equal(th.seq, 0);
	assert_int_equal(th.flags, HK_TCP_SYN);
	assert_int_equal(th.window, 64240);
	assert_int_equal(th.checksum, 0x2c83);
	assert_int_equal(th.data_off, 20);
	assert_false(th.dth);
	assert_int_equal(th.payload_len, 0);
	/* every single-bit error in the TCP part is caught by its checksum */
	uint8_t f[54];
	for (size_t bit = 0; bit < 20 * 8; bit++) {
		memcpy(f, seed_frame, sizeof(f));
		f[34 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int r = hk_tcp_parse(f + 34, 20, ih.src, ih.dst, true, &th);
		assert_true(r == HK_TCP_ERR_CHECKSUM || r == HK_TCP_ERR_DATA_OFF || r == HK_TCP_ERR_TRUNCATED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_seed_syn_from_fields),
		cmocka_unit_test(parse_seed_syn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

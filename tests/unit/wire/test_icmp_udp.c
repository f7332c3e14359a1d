/* Unit tests: ICMP (RFC 792) and UDP (RFC 768) parse/emit. Reference bytes
 * were produced independently (scapy). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/udp.h"

#define SRC 0xc0000202u /* 192.0.2.2 */
#define DST 0xc0000201u /* 192.0.2.1 */

static const uint8_t echo_bytes[] = {0x08, 0x00, 0x21, 0x04, 0x12, 0x34, 0x00, 0x01,
				     0x61, 0x62, 0x63, 0x64};
static const uint8_t unreach_hdr[] = {0x03, 0x04, 0x40, 0xbf, 0x00, 0x00, 0x05, 0x78};
static const uint8_t udp_bytes[] = {0x14, 0xe9, 0x00, 0x35, 0x00, 0x0d, 0x22, 0xe0,
				    0x68, 0x65, 0x6c, 0x6c, 0x6f};

static void icmp_parse_echo(void **state)
{
	(void)state;
	struct hk_icmp_hdr h;
	assert_int_equal(hk_icmp_parse(echo_bytes, sizeof(echo_bytes), &h), 0);
	assert_int_equal(h.type, HK_ICMP_ECHO_REQUEST);
	assert_int_equal(h.code, 0);
	assert_int_equal(h.checksum, 0x2104);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.seq, 1);
	assert_int_equal(h.rest, 0x12340001);
	assert_int_equal(h.payload_len, 4);
	assert_memory_equal(h.payload, "abcd", 4);
}

static void icmp_emit_echo_and_unreach(void **state)
{
	(void)state;
	uint8_t out[64];
	struct hk_icmp_hdr h = {.type = HK_ICMP_ECHO_REQUEST, .id = 0x1234, .seq = 1,
				.rest = 0xdeadbeef, .payload = (const uint8_t *)"abcd", .payload_len = 4};
	assert_int_equal(hk_icmp_emit(&h, out), 12);
	assert_memory_equal(out, echo_bytes, sizeof(echo_bytes));

	uint8_t quoted[28];
	for (int i = 0; i < 28; i++)
		quoted[i] = (uint8_t)i;
	struct hk_icmp_hdr u = {.type = HK_ICMP_DEST_UNREACH, .code = HK_ICMP_UNREACH_FRAG_NEEDED,
				.next_mtu = 1400, .id = 9, .seq = 9, .payload = quoted, .payload_len = 28};
	assert_int_equal(hk_icmp_emit(&u, out), 36);
	assert_memory_equal(out, unreach_hdr, 8);
	assert_memory_equal(out + 8, quoted, 28);
	struct hk_icmp_hdr p;
	assert_int_equal(hk_icmp_parse(out, 36, &p), 0);
	assert_int_equal(p.next_mtu, 1400);

	/* other types take the raw word */
	struct hk_icmp_hdr t = {.type = HK_ICMP_PARAM_PROBLEM, .rest = 0x14000000};
	assert_int_equal(hk_icmp_emit(&t, out), 8);
	assert_int_equal(out[4], 0x14);
	assert_int_equal(out[5], 0);
	assert_int_equal(hk_csum(out, 8), 0);

	/* payload already in place right after the header */
	memcpy(out + 8, "xyz", 3);
	struct hk_icmp_hdr r = {.type = HK_ICMP_ECHO_REPLY, .id = 1, .seq = 2,
				.payload = out + 8, .payload_len = 3};
	assert_int_equal(hk_icmp_emit(&r, out), 11);
	assert_memory_equal(out + 8, "xyz", 3);
	assert_int_equal(hk_icmp_parse(out, 11, &p), 0);
}

static void icmp_bad_checksum_and_truncation(void **state)
{
	(void)state;
	struct hk_icmp_hdr h;
	uint8_t b[sizeof(echo_bytes)];
	memcpy(b, echo_bytes, sizeof(b));
	b[11] ^= 0x01;
	assert_int_equal(hk_icmp_parse(b, sizeof(b), &h), -EBADMSG);
	for (size_t n = 0; n < HK_ICMP_HDR_LEN; n++) {
		uint8_t *e = malloc(n ? n : 1);
		memcpy(e, echo_bytes, n);
		assert_int_equal(hk_icmp_parse(e, n, &h), -EINVAL);
		free(e);
	}
	/* a truncated payload changes the sum: checksum error, never a read past the end */
	for (size_t n = HK_ICMP_HDR_LEN; n < sizeof(echo_bytes); n++) {
		uint8_t *e = malloc(n);
		memcpy(e, echo_bytes, n);
		assert_int_equal(hk_icmp_parse(e, n, &h), -EBADMSG);
		free(e);
	}
}

static void udp_parse_known_bytes(void **state)
{
	(void)state;
	struct hk_udp_hdr h;
	assert_int_equal(hk_udp_parse(udp_bytes, sizeof(udp_bytes), SRC, DST, &h), 0);
	assert_int_equal(h.sport, 5353);
	assert_int_equal(h.dport, 53);
	assert_int_equal(h.len, 13);
	assert_int_equal(h.checksum, 0x22e0);
	assert_int_equal(h.payload_len, 5);
	assert_memory_equal(h.payload, "hello", 5);
	/* the pseudo-header matters: other addresses fail */
	assert_int_equal(hk_udp_parse(udp_bytes, sizeof(udp_bytes), DST, SRC + 1, &h), -EBADMSG);
}

static void udp_emit_known_bytes(void **state)
{
	(void)state;
	uint8_t out[13];
	memcpy(out + 8, "hello", 5);
	assert_int_equal(hk_udp_emit(out, 5353, 53, 5, SRC, DST), 13);
	assert_memory_equal(out, udp_bytes, sizeof(udp_bytes));
}

static void udp_zero_checksum(void **state)
{
	(void)state;
	struct hk_udp_hdr h;
	uint8_t b[sizeof(udp_bytes)];
	memcpy(b, udp_bytes, sizeof(b));
	b[6] = b[7] = 0; /* "none": accepted without verification */
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), 0);
	assert_int_equal(h.checksum, 0);
	b[9] ^= 0xff;
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), 0);

	/* find a payload whose checksum computes to zero: it must go out as 0xffff */
	uint8_t out[10];
	bool found = false;
	for (unsigned v = 0; v <= 0xffff && !found; v++) {
		out[8] = (uint8_t)(v >> 8);
		out[9] = (uint8_t)v;
		hk_udp_emit(out, 1, 2, 2, SRC, DST);
		/* the sum of everything but the checksum field is 0xffff exactly
		 * when the computed value would have been 0 */
		out[6] = out[7] = 0;
		uint32_t s = hk_csum_add(hk_csum_pseudo(SRC, DST, HK_IPPROTO_UDP, 10), out, 10);
		if (hk_csum_finish(s) == 0) {
			hk_udp_emit(out, 1, 2, 2, SRC, DST);
			assert_int_equal(out[6], 0xff);
			assert_int_equal(out[7], 0xff);
			assert_int_equal(hk_udp_parse(out, 10, SRC, DST, &h), 0);
			found = true;
		}
	}
	assert_true(found);
}

static void udp_bad_lengths_and_truncation(void **state)
{
	(void)state;
	struct hk_udp_hdr h;
	for (size_t n = 0; n < sizeof(udp_bytes); n++) {
		uint8_t *e = malloc(n ? n : 1);
		memcpy(e, udp_bytes, n);
		assert_int_equal(hk_udp_parse(e, n, SRC, DST, &h), -EINVAL);
		free(e);
	}
	uint8_t b[16] = {0};
	memcpy(b, udp_bytes, sizeof(udp_bytes));
	/* bytes after the UDP length (IP padding) are ignored */
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), 0);
	assert_int_equal(h.payload_len, 5);
	b[5] = 7; /* length below the header */
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), -EINVAL);
	b[5] = 17; /* longer than the buffer */
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), -EINVAL);
	b[5] = 13;
	b[12] ^= 0x20;
	assert_int_equal(hk_udp_parse(b, sizeof(b), SRC, DST, &h), -EBADMSG);
}

static void udp_round_trip_odd_payloads(void **state)
{
	(void)state;
	uint8_t buf[8 + 300];
	for (size_t n = 0; n < 300; n += 7) {
		for (size_t i = 0; i < n; i++)
			buf[8 + i] = (uint8_t)(i * 31 + n);
		assert_int_equal(hk_udp_emit(buf, 40000, 7, n, SRC, DST), 8 + n);
		struct hk_udp_hdr h;
		assert_int_equal(hk_udp_parse(buf, 8 + n, SRC, DST, &h), 0);
		assert_int_equal(h.payload_len, n);
		assert_int_not_equal(h.checksum, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(icmp_parse_echo),
		cmocka_unit_test(icmp_emit_echo_and_unreach),
		cmocka_unit_test(icmp_bad_checksum_and_truncation),
		cmocka_unit_test(udp_parse_known_bytes),
		cmocka_unit_test(udp_emit_known_bytes),
		cmocka_unit_test(udp_zero_checksum),
		cmocka_unit_test(udp_bad_lengths_and_truncation),
		cmocka_unit_test(udp_round_trip_odd_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

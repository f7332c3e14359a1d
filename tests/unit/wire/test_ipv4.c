/* Unit tests: IPv4 header parse/emit (RFC 791), the evil bit (RFC 3514). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"

/* seed 002's IPv4 header */
static const uint8_t seed_ip[20] = {0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06,
				    0x0a, 0xff, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01};

static int parse_exact(const uint8_t *src, size_t n, bool verify, struct hk_ipv4_hdr *h)
{
	uint8_t *b = malloc(n ? n : 1); /* exact size: ASan catches over-reads */
	memcpy(b, src, n);
	int r = hk_ipv4_parse(b, n, verify, h);
	free(b);
	return r;
}

static void parse_seed_header(void **state)
{
	(void)state;
	struct hk_ipv4_hdr h;
	uint8_t pkt[40] = {0}; /* header + the 20-byte TCP part the total length counts */
	memcpy(pkt, seed_ip, 20);
	assert_int_equal(hk_ipv4_parse(pkt, sizeof(pkt), true, &h), HK_IPV4_OK);
	assert_int_equal(h.version, 4);
	assert_int_equal(h.ihl, 5);
	assert_int_equal(h.tos, 0);
	assert_int_equal(h.total_len, 40);
	assert_int_equal(h.id, 0xabcd);
	assert_int_equal(h.flags, HK_IPV4_FLAG_DF);
	assert_int_equal(h.frag_off, 0);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.proto, HK_IPPROTO_TCP);
	assert_int_equal(h.checksum, 0x0aff);
	assert_int_equal(h.src, 0xc0000202);
	assert_int_equal(h.dst, 0xc0000201);
	assert_null(h.options);
	assert_int_equal(h.options_len, 0);
}

static void emit_seed_header_from_fields(void **state)
{
	(void)state;
	struct hk_ipv4_hdr h = {.version = 4, .ihl = 5, .total_len = 40, .id = 0xabcd,
				.flags = HK_IPV4_FLAG_DF, .ttl = 64, .proto = HK_IPPROTO_TCP,
				.src = 0xc0000202, .dst = 0xc0000201};
	uint8_t out[20];
	memset(out, 0xee, sizeof(out));
	assert_int_equal(hk_ipv4_emit(&h, out), 20);
	assert_memory_equal(out, seed_ip, 20);
	assert_int_equal(out[10], 0x0a);
	assert_int_equal(out[11], 0xff);
	/* version and ihl default when left zero */
	h.version = 0;
	h.ihl = 0;
	assert_int_equal(hk_ipv4_emit(&h, out), 20);
	assert_memory_equal(out, seed_ip, 20);
}

static void flags_and_fragment_offset(void **state)
{
	(void)state;
	struct hk_ipv4_hdr h = {.ihl = 5, .total_len = 20, .ttl = 1, .proto = 17,
				.flags = HK_IPV4_FLAG_EVIL | HK_IPV4_FLAG_MF, .frag_off = 0x1abc,
				.src = 1, .dst = 2};
	uint8_t out[20];
	hk_ipv4_emit(&h, out);
	/* evil = the top bit of byte 6 (RFC 3514), MF = 0x20 */
	assert_int_equal(out[6], 0x80 | 0x20 | 0x1a);
	assert_int_equal(out[7], 0xbc);
	struct hk_ipv4_hdr p;
	assert_int_equal(hk_ipv4_parse(out, 20, true, &p), HK_IPV4_OK);
	assert_int_equal(p.flags, HK_IPV4_FLAG_EVIL | HK_IPV4_FLAG_MF);
	assert_true(p.flags & HK_IPV4_FLAG_EVIL);
	assert_false(p.flags & HK_IPV4_FLAG_DF);
	assert_int_equal(p.frag_off, 0x1abc);

	/* the seed header with the evil bit set */
	uint8_t evil[40] = {0};
	memcpy(evil, seed_ip, 20);
	evil[6] |= 0x80;
	assert_int_equal(hk_ipv4_parse(evil, 40, false, &p), HK_IPV4_OK);
	assert_int_equal(p.flags, HK_IPV4_FLAG_EVIL | HK_IPV4_FLAG_DF);
	assert_int_equal(hk_ipv4_parse(evil, 40, true, &p), HK_IPV4_ERR_CHECKSUM);
}

static void options_round_trip_and_padding(void **state)
{
	(void)state;
	/* a 5-byte option (padded to 8 with zeros): IHL 7 */
	const uint8_t opt[5] = {0x94, 0x04, 0x00, 0x00, 0x01};
	struct hk_ipv4_hdr h = {.ihl = 0, .total_len = 28, .id = 7, .ttl = 64, .proto = 1,
				.src = 0xc0000201, .dst = 0xc0000202, .options = opt, .options_len = 5};
	uint8_t out[60];
	memset(out, 0xee, sizeof(out));
	assert_int_equal(hk_ipv4_emit(&h, out), 28);
	assert_int_equal(out[0], 0x47);
	assert_memory_equal(out + 20, opt, 5);
	assert_int_equal(out[25], 0);
	assert_int_equal(out[26], 0);
	assert_int_equal(out[27], 0);
	assert_int_equal(hk_csum(out, 28), 0);
	struct hk_ipv4_hdr p;
	assert_int_equal(hk_ipv4_parse(out, 28, true, &p), HK_IPV4_OK);
	assert_int_equal(p.ihl, 7);
	assert_int_equal(p.options_len, 8);
	assert_ptr_equal(p.options, out + 20);
	/* a larger ihl than the options need is honoured */
	h.ihl = 15;
	h.total_len = 60;
	assert_int_equal(hk_ipv4_emit(&h, out), 60);
	assert_int_equal(out[0], 0x4f);
	assert_int_equal(out[59], 0);
	assert_int_equal(hk_ipv4_parse(out, 60, true, &p), HK_IPV4_OK);
	assert_int_equal(p.options_len, 40);
}

static void truncated_at_every_length(void **state)
{
	(void)state;
	struct hk_ipv4_hdr h;
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(parse_exact(seed_ip, n, true, &h), HK_IPV4_ERR_TRUNCATED);
	/* with options: shorter than IHL*4 */
	uint8_t b[24];
	struct hk_ipv4_hdr e = {.ihl = 6, .total_len = 24, .ttl = 1, .src = 1, .dst = 2};
	hk_ipv4_emit(&e, b);
	for (size_t n = 20; n < 24; n++)
		assert_int_equal(parse_exact(b, n, true, &h), HK_IPV4_ERR_TRUNCATED);
	assert_int_equal(parse_exact(b, 24, true, &h), HK_IPV4_OK);
	/* total length larger than what we have */
	assert_int_equal(parse_exact(seed_ip, 20, true, &h), HK_IPV4_ERR_TOTAL_LEN);
}

static void rejects_bad_fields(void **state)
{
	(void)state;
	uint8_t b[40] = {0};
	memcpy(b, seed_ip, 20);
	struct hk_ipv4_hdr h;
	assert_int_equal(hk_ipv4_parse(b, 40, true, &h), HK_IPV4_OK);
	/* trailing bytes beyond total length (Ethernet padding) are fine */
	uint8_t pad[60] = {0};
	memcpy(pad, seed_ip, 20);
	assert_int_equal(hk_ipv4_parse(pad, 60, true, &h), HK_IPV4_OK);
	assert_int_equal(h.total_len, 40);

	b[0] = 0x65;
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_ERR_VERSION);
	b[0] = 0x44;
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_ERR_IHL);
	b[0] = 0x40;
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_ERR_IHL);
	b[0] = 0x45;
	b[3] = 19; /* total < header */
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_ERR_TOTAL_LEN);
	b[3] = 41; /* total > buffer */
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_ERR_TOTAL_LEN);
	b[3] = 40;
	b[8] = 63; /* ttl changed, checksum now wrong */
	assert_int_equal(hk_ipv4_parse(b, 40, true, &h), HK_IPV4_ERR_CHECKSUM);
	assert_int_equal(hk_ipv4_parse(b, 40, false, &h), HK_IPV4_OK);
	assert_int_equal(h.ttl, 63);
	assert_string_equal(hk_ipv4_err_str(HK_IPV4_ERR_CHECKSUM), "bad header checksum");
	assert_string_equal(hk_ipv4_err_str(HK_IPV4_ERR_TRUNCATED), "truncated");
}

static void round_trip_many_fields(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		struct hk_ipv4_hdr h = {.ihl = 5, .tos = (uint8_t)(i * 13), .total_len = 20,
					.id = (uint16_t)(i * 977), .flags = (uint8_t)(i & 7),
					.frag_off = (uint16_t)((i * 31) & 0x1fff), .ttl = (uint8_t)i,
					.proto = (uint8_t)(i * 3), .src = i * 0x01020304u,
					.dst = ~(i * 0x01010101u)};
		uint8_t out[20];
		hk_ipv4_emit(&h, out);
		struct hk_ipv4_hdr p;
		assert_int_equal(hk_ipv4_parse(out, 20, true, &p), HK_IPV4_OK);
		assert_int_equal(p.tos, h.tos);
		assert_int_equal(p.id, h.id);
		assert_int_equal(p.flags, h.flags);
		assert_int_equal(p.frag_off, h.frag_off);
		assert_int_equal(p.ttl, h.ttl);
		assert_int_equal(p.proto, h.proto);
		assert_int_equal(p.src, h.src);
		assert_int_equal(p.dst, h.dst);
		uint8_t again[20];
		p.options = NULL;
		hk_ipv4_emit(&p, again);
		assert_memory_equal(again, out, 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_seed_header),
		cmocka_unit_test(emit_seed_header_from_fields),
		cmocka_unit_test(flags_and_fragment_offset),
		cmocka_unit_test(options_round_trip_and_padding),
		cmocka_unit_test(truncated_at_every_length),
		cmocka_unit_test(rejects_bad_fields),
		cmocka_unit_test(round_trip_many_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

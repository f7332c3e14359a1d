/* Unit tests: the Internet checksum (RFC 1071). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"

/* RFC 1071 1.3's example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void rfc1071_example(void **state)
{
	(void)state;
	const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	assert_int_equal(hk_csum_add(0, d, sizeof(d)), 0xddf2);
	assert_int_equal(hk_csum_finish(0xddf2), 0x220d);
	assert_int_equal(hk_csum(d, sizeof(d)), 0x220d);
}

static void odd_length_pads_with_zero(void **state)
{
	(void)state;
	const uint8_t odd[] = {0x12, 0x34, 0x56};
	const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
	assert_int_equal(hk_csum_add(0, odd, 3), 0x6834);
	assert_int_equal(hk_csum(odd, 3), hk_csum(even, 4));
	assert_int_equal(hk_csum_add(0, odd, 0), 0);
	assert_int_equal(hk_csum(odd, 0), 0xffff);
}

/* The word-at-a-time sum agrees with the plain RFC 1071 byte-pair loop for
 * every length and alignment, including all-0xff data (carries). */
static uint32_t reference_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		acc += ((uint32_t)p[i] << 8) | p[i + 1];
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static void fast_sum_matches_reference(void **state)
{
	(void)state;
	static uint8_t buf[3000];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = round == 2 ? 0xff : (uint8_t)x;
		}
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len + off <= sizeof(buf); len += (len < 70 ? 1 : 97))
				assert_int_equal(hk_csum_add(0x1234, buf + off, len),
						 reference_sum(0x1234, buf + off, len));
	}
}

static void chained_sums_equal_one_sum(void **state)
{
	(void)state;
	uint8_t d[1000];
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 3);
	uint32_t s = hk_csum_add(0, d, 400);
	s = hk_csum_add(s, d + 400, 600);
	assert_int_equal(hk_csum_finish(s), hk_csum(d, sizeof(d)));
	/* the partial sum is folded to 16 bits */
	assert_true(s <= 0xffff);
}

static void carries_fold_around(void **state)
{
	(void)state;
	uint8_t ff[64];
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(hk_csum_add(0, ff, sizeof(ff)), 0xffff);
	assert_int_equal(hk_csum(ff, sizeof(ff)), 0);
	assert_int_equal(hk_csum_finish(0x2f4fe), 0x0aff); /* seed 002's IP sum */
	assert_int_equal(hk_csum_finish(0x3d379), 0x2c83); /* seed 002's TCP sum */
}

static void header_with_its_checksum_sums_to_zero(void **state)
{
	(void)state;
	uint8_t h[] = {0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06,
		       0x0a, 0xff, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01};
	assert_int_equal(hk_csum(h, sizeof(h)), 0);
	h[11] ^= 1;
	assert_int_not_equal(hk_csum(h, sizeof(h)), 0);
}

static void pseudo_header(void **state)
{
	(void)state;
	/* c000 0202 c000 0201 0006 0014 */
	uint32_t p = hk_csum_pseudo(0xc0000202, 0xc0000201, HK_IPPROTO_TCP, 20);
	const uint8_t bytes[] = {0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x06, 0x00, 0x14};
	assert_int_equal(p, hk_csum_add(0, bytes, sizeof(bytes)));
	assert_int_equal(p, (0xc000 + 0x0202 + 0xc000 + 0x0201 + 6 + 20) % 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1071_example),
		cmocka_unit_test(odd_length_pads_with_zero),
		cmocka_unit_test(fast_sum_matches_reference),
		cmocka_unit_test(chained_sums_equal_one_sum),
		cmocka_unit_test(carries_fold_around),
		cmocka_unit_test(header_with_its_checksum_sums_to_zero),
		cmocka_unit_test(pseudo_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

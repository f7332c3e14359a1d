/* Unit tests: sequence-number comparisons wrap modulo 2^32 (RFC 9293 3.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/tcp_seq.h"

static void plain_order(void **state)
{
	(void)state;
	assert_true(hk_seq_lt(1, 2));
	assert_false(hk_seq_lt(2, 2));
	assert_false(hk_seq_lt(3, 2));
	assert_true(hk_seq_leq(2, 2));
	assert_true(hk_seq_leq(1, 2));
	assert_false(hk_seq_leq(3, 2));
	assert_true(hk_seq_gt(3, 2));
	assert_false(hk_seq_gt(2, 2));
	assert_true(hk_seq_geq(2, 2));
	assert_false(hk_seq_geq(1, 2));
}

static void wraps_at_2_32(void **state)
{
	(void)state;
	/* 0xfffffff0 comes before 0x10 once the space wraps */
	assert_true(hk_seq_lt(0xfffffff0u, 0x10u));
	assert_true(hk_seq_gt(0x10u, 0xfffffff0u));
	assert_true(hk_seq_lt(UINT32_MAX, 0));
	assert_true(hk_seq_gt(0, UINT32_MAX));
	assert_true(hk_seq_leq(UINT32_MAX, 0));
	assert_false(hk_seq_geq(UINT32_MAX, 0));
	/* the comparison is relative: shifting both operands keeps the answer */
	for (uint32_t base = 0; base < 64; base++) {
		uint32_t b = 0xffffffe0u + base;
		assert_true(hk_seq_lt(b, b + 1));
		assert_true(hk_seq_lt(b, b + 0x7fffffffu));
		assert_true(hk_seq_gt(b, b - 0x7fffffffu));
		assert_true(hk_seq_gt(b + 100, b));
	}
	/* just under half the space away is "after"; just over is "before" */
	assert_true(hk_seq_gt(0x7fffffffu, 0));
	assert_true(hk_seq_lt(0x80000001u, 0));
}

static void in_window(void **state)
{
	(void)state;
	assert_true(hk_seq_in(10, 10, 20));
	assert_true(hk_seq_in(10, 19, 20));
	assert_false(hk_seq_in(10, 20, 20));
	assert_false(hk_seq_in(10, 9, 20));
	/* empty window holds nothing */
	assert_false(hk_seq_in(10, 10, 10));
	/* a window straddling the wrap */
	uint32_t lo = 0xfffffff0u, hi = 0x20u;
	assert_true(hk_seq_in(lo, 0xfffffff0u, hi));
	assert_true(hk_seq_in(lo, UINT32_MAX, hi));
	assert_true(hk_seq_in(lo, 0, hi));
	assert_true(hk_seq_in(lo, 0x1f, hi));
	assert_false(hk_seq_in(lo, 0x20, hi));
	assert_false(hk_seq_in(lo, 0xffffffefu, hi));
}

static void min_max(void **state)
{
	(void)state;
	assert_int_equal(hk_seq_max(5, 9), 9);
	assert_int_equal(hk_seq_min(5, 9), 5);
	assert_int_equal(hk_seq_max(0xfffffffeu, 3), 3);
	assert_int_equal(hk_seq_min(0xfffffffeu, 3), 0xfffffffeu);
	assert_int_equal(hk_seq_max(7, 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_order),
		cmocka_unit_test(wraps_at_2_32),
		cmocka_unit_test(in_window),
		cmocka_unit_test(min_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

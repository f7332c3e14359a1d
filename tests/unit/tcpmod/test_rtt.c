/* Unit tests: RFC 6298 estimator with exact numbers (alpha 1/8, beta 1/4,
 * K 4, G 1 ms), clamping, and exponential backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/tcp_rtt.h"

static void initial_rto(void **state)
{
	(void)state;
	struct hk_rtt r;
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_SEC(60));
	assert_false(r.have_sample);
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(1)); /* 2.1 */
	/* an initial value outside the bounds is clamped */
	hk_rtt_init(&r, HK_SEC(100), HK_MSEC(200), HK_SEC(60));
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(60));
}

static void first_and_later_samples(void **state)
{
	(void)state;
	struct hk_rtt r;
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_SEC(60));
	/* 2.2: SRTT = R = 100 ms, RTTVAR = 50 ms, RTO = 100 + 4*50 = 300 ms */
	hk_rtt_sample(&r, HK_MSEC(100));
	assert_true(r.have_sample);
	assert_int_equal(r.srtt, 100000);
	assert_int_equal(r.rttvar, 50000);
	assert_int_equal(r.rto, 300000);
	/* 2.3: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5 ms (old SRTT used),
	 * SRTT = 7/8*100 + 1/8*200 = 112.5 ms, RTO = 112.5 + 250 = 362.5 ms */
	hk_rtt_sample(&r, HK_MSEC(200));
	assert_int_equal(r.rttvar, 62500);
	assert_int_equal(r.srtt, 112500);
	assert_int_equal(r.rto, 362500);
	assert_int_equal(hk_rtt_timeout(&r), 362500);
	/* a shorter sample: RTTVAR = 3/4*62.5 + 1/4*|112.5-40| = 65 ms,
	 * SRTT = 7/8*112.5 + 1/8*40 = 103.4375 ms, RTO = 103.4375 + 260 */
	hk_rtt_sample(&r, HK_MSEC(40));
	assert_int_equal(r.rttvar, 65000);
	assert_int_equal(r.srtt, 103437);  /* 103437.5 truncated */
	assert_int_equal(r.rto, 103437 + 260000);
}

static void granularity_floor(void **state)
{
	(void)state;
	struct hk_rtt r;
	hk_rtt_init(&r, HK_SEC(1), 0, HK_SEC(60));
	/* constant 10 ms samples: RTTVAR decays to 0, RTO -> SRTT + G */
	for (int i = 0; i < 100; i++)
		hk_rtt_sample(&r, HK_MSEC(10));
	assert_int_equal(r.srtt, 10000);
	assert_int_equal(r.rttvar, 0);
	assert_int_equal(r.rto, 10000 + 1000);
	/* K*RTTVAR just above G wins: RTTVAR = 1/4*|10 - 11| ms = 250 us,
	 * K*RTTVAR = 1000 us = G; one more: larger */
	hk_rtt_sample(&r, HK_MSEC(11));
	assert_int_equal(r.rttvar, 250);
	assert_int_equal(r.srtt, 10125);
	assert_int_equal(r.rto, 10125 + 1000);
	hk_rtt_sample(&r, HK_MSEC(12));
	/* RTTVAR = (3*250 + 1875)/4 = 656, SRTT = (7*10125 + 12000)/8 = 10359 */
	assert_int_equal(r.rttvar, 656);
	assert_int_equal(r.srtt, 10359);
	assert_int_equal(r.rto, 10359 + 4 * 656);
}

static void clamps(void **state)
{
	(void)state;
	struct hk_rtt r;
	/* 2.4: below the minimum rounds up */
	hk_rtt_init(&r, HK_SEC(1), HK_SEC(1), HK_SEC(60));
	hk_rtt_sample(&r, HK_MSEC(5));
	assert_int_equal(r.srtt, 5000);
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(1));
	/* 2.5: above the maximum is capped */
	hk_rtt_init(&r, HK_SEC(1), HK_SEC(1), HK_SEC(60));
	hk_rtt_sample(&r, HK_SEC(30)); /* 30 + 4*15 = 90 s */
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(60));
	/* a zero sample still gives min */
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_SEC(60));
	hk_rtt_sample(&r, 0);
	assert_int_equal(hk_rtt_timeout(&r), HK_MSEC(200));
}

static void backoff_doubles_to_max(void **state)
{
	(void)state;
	struct hk_rtt r;
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_SEC(60));
	hk_rtt_sample(&r, HK_MSEC(100)); /* RTO 300 ms */
	hk_time_t want = HK_MSEC(300);
	for (int i = 0; i < 300; i++) {
		assert_int_equal(hk_rtt_timeout(&r), want);
		hk_rtt_backoff(&r); /* 5.5 */
		want = want * 2 > HK_SEC(60) ? HK_SEC(60) : want * 2;
	}
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(60));
	assert_int_equal(r.backoff, 255);   /* saturates, no wrap to 0 */
	assert_int_equal(r.rto, HK_MSEC(300)); /* the base RTO is kept */
	/* a new sample collapses the backoff */
	hk_rtt_sample(&r, HK_MSEC(100));
	assert_int_equal(r.backoff, 0);
	assert_int_equal(hk_rtt_timeout(&r), r.rto);
	/* backoff before any sample doubles the initial RTO */
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_SEC(60));
	hk_rtt_backoff(&r);
	hk_rtt_backoff(&r);
	assert_int_equal(hk_rtt_timeout(&r), HK_SEC(4));
	/* a huge maximum does not overflow */
	hk_rtt_init(&r, HK_SEC(1), HK_MSEC(200), HK_TIME_NEVER - 1);
	for (int i = 0; i < 100; i++)
		hk_rtt_backoff(&r);
	assert_int_equal(hk_rtt_timeout(&r), HK_TIME_NEVER - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_rto),
		cmocka_unit_test(first_and_later_samples),
		cmocka_unit_test(granularity_floor),
		cmocka_unit_test(clamps),
		cmocka_unit_test(backoff_doubles_to_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

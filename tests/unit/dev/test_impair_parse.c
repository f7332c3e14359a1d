/* Unit tests: impairment specs parse into the right values, and bad specs
 * are refused with a message that says what was wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dev.h"

static void accepts_full_spec(void **state)
{
	(void)state;
	struct hk_impair_spec sp;
	char err[200];
	assert_int_equal(hk_impair_parse("loss=0.02,dup=0.01,reorder=0.05,delay=2ms,jitter=1ms,"
					 "corrupt=0.001,rate=100mbit,seed=7",
					 &sp, err, sizeof(err)),
			 0);
	assert_true(sp.loss == 0.02);
	assert_true(sp.dup == 0.01);
	assert_true(sp.reorder == 0.05);
	assert_true(sp.corrupt == 0.001);
	assert_int_equal(sp.delay, 2000);
	assert_int_equal(sp.jitter, 1000);
	assert_int_equal(sp.rate_bps, 100000000);
	assert_int_equal(sp.queue_limit, 0);
	assert_int_equal(sp.seed, 7);
}

static void units_and_forms(void **state)
{
	(void)state;
	struct hk_impair_spec sp;
	char err[200];
	assert_int_equal(hk_impair_parse("delay=500us,jitter=1s", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.delay, 500);
	assert_int_equal(sp.jitter, 1000000);
	assert_int_equal(hk_impair_parse("delay=1.5ms,rate=10kbit", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.delay, 1500);
	assert_int_equal(sp.rate_bps, 10000);
	assert_int_equal(hk_impair_parse("rate=1gbit,queue=50", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.rate_bps, 1000000000);
	assert_int_equal(sp.queue_limit, 50);
	assert_int_equal(hk_impair_parse("rate=64000", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.rate_bps, 64000);
	assert_int_equal(hk_impair_parse("loss=2%,delay=0", &sp, err, sizeof(err)), 0);
	assert_true(sp.loss > 0.0199 && sp.loss < 0.0201);
	assert_int_equal(sp.delay, 0);
	assert_int_equal(hk_impair_parse("seed=0x10, loss=1", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.seed, 16);
	assert_true(sp.loss == 1.0);
	/* empty spec: nothing impaired */
	sp.loss = 0.5;
	assert_int_equal(hk_impair_parse("", &sp, err, sizeof(err)), 0);
	assert_true(sp.loss == 0.0);
	assert_int_equal(hk_impair_parse(NULL, &sp, err, sizeof(err)), 0);
}

static void expect_error(const char *spec, const char *message)
{
	struct hk_impair_spec sp;
	memset(&sp, 0xab, sizeof(sp));
	struct hk_impair_spec before = sp;
	char err[200] = "";
	assert_true(hk_impair_parse(spec, &sp, err, sizeof(err)) < 0);
	if (!strstr(err, message))
		fail_msg("spec '%s': got '%s', wanted '%s'", spec, err, message);
	/* the output is untouched on failure */
	assert_memory_equal(&sp, &before, sizeof(sp));
}

static void rejects_bad_specs(void **state)
{
	(void)state;
	expect_error("los=0.1", "impair: unknown key 'los'");
	expect_error("loss=1.5", "impair: loss must be in [0,1]");
	expect_error("dup=-0.1", "impair: dup must be in [0,1]");
	expect_error("reorder=abc", "impair: reorder needs a number in [0,1], got 'abc'");
	expect_error("corrupt=0.1x", "impair: corrupt needs a number");
	expect_error("loss", "impair: 'loss' needs a value");
	expect_error("loss=", "impair: loss has an empty value");
	expect_error("delay=2", "impair: delay needs a unit: us, ms or s");
	expect_error("delay=2min", "impair: delay needs a unit");
	expect_error("jitter=-1ms", "impair: jitter needs a time");
	expect_error("delay=2h", "impair: delay needs a unit");
	expect_error("delay=5000s", "impair: delay must be at most 1 hour");
	expect_error("rate=100mbps", "impair: rate unit must be bit, kbit, mbit or gbit");
	expect_error("rate=fast", "impair: rate needs bits/s");
	expect_error("queue=0", "impair: queue must be at least 1 frame");
	expect_error("queue=-3", "impair: queue needs a non-negative integer");
	expect_error("seed=12abc", "impair: seed needs a non-negative integer");
	expect_error("seed=99999999999999999999999", "impair: seed needs a non-negative integer");
	expect_error("loss=0.1,,delay=1ms,bogus=1", "impair: unknown key 'bogus'");
	expect_error("loss=nan", "impair: loss must be in [0,1]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_full_spec),
		cmocka_unit_test(units_and_forms),
		cmocka_unit_test(rejects_bad_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the timer heap fires in deadline order, once, and re-arms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/stack_internal.h"

static int fired[64];
static int n_fired;

struct probe {
	struct hk_timer t;
	int id;
};

static void on_fire(struct hk_stack *s, struct hk_timer *t)
{
	(void)s;
	struct probe *p = (struct probe *)t;
	fired[n_fired++] = p->id;
}

static void fires_in_deadline_order(void **state)
{
	(void)state;
	struct hk_stack *s = hk_stack_new(NULL);
	struct probe p[40];
	n_fired = 0;
	/* deadlines in a scrambled order */
	for (int i = 0; i < 40; i++) {
		p[i].id = i;
		hk_timer_init(&p[i].t, on_fire);
		assert_int_equal(hk_timer_arm(s, &p[i].t, (hk_time_t)((i * 17) % 40) + 100), 0);
	}
	/* cancel a few, re-arm one later */
	hk_timer_cancel(s, &p[3].t);
	hk_timer_cancel(s, &p[20].t);
	hk_timer_arm(s, &p[5].t, 1000);
	assert_int_equal(hk_timers_next(s), 100);
	hk_timers_run(s, 139);
	assert_int_equal(n_fired, 37);
	for (int i = 1; i < n_fired; i++)
		assert_true((p[fired[i - 1]].t.deadline == HK_TIME_NEVER));
	int prev = -1;
	for (int i = 0; i < n_fired; i++) {
		int d = (fired[i] * 17) % 40;
		assert_true(d >= prev);
		prev = d;
		assert_int_not_equal(fired[i], 3);
		assert_int_not_equal(fired[i], 20);
		assert_int_not_equal(fired[i], 5);
	}
	assert_int_equal(hk_timers_next(s), 1000);
	hk_timers_run(s, 1000);
	assert_int_equal(n_fired, 38);
	assert_int_equal(fired[37], 5);
	assert_int_equal(hk_timers_next(s), HK_TIME_NEVER);
	hk_stack_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fires_in_deadline_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

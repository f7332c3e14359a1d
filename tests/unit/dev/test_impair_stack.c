/* Unit tests: the impairment layer under real stacks, driven only by the
 * deadlines hk_stack_poll returns (no fixed time step): held frames must
 * be reported through next_deadline, or the run stalls. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/ping.h"
#include "hokuto/stack.h"

#define IP_A HK_IP4(192, 0, 2, 1)
#define IP_B HK_IP4(192, 0, 2, 2)

struct pair {
	struct hk_stack *a, *b;
	struct hk_dev *wrapped;
	hk_time_t now;
	int polls;
};

static void pair_up(struct pair *p, const char *spec_text)
{
	struct hk_dev *da, *db;
	assert_int_equal(hk_sim_wire_new(&da, &db, 1500), 0);
	struct hk_impair_spec spec;
	char err[128];
	assert_int_equal(hk_impair_parse(spec_text, &spec, err, sizeof(err)), 0);
	p->wrapped = da = hk_impair_wrap(da, &spec);
	assert_non_null(da);
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.pbuf_count = 256;
	cfg.seed = 1;
	p->a = hk_stack_new(&cfg);
	cfg.seed = 2;
	p->b = hk_stack_new(&cfg);
	assert_non_null(p->a);
	assert_non_null(p->b);
	p->now = HK_SEC(100);
	p->polls = 0;
	assert_true(hk_stack_add_iface(p->a, da, IP_A, 24) >= 0);
	assert_true(hk_stack_add_iface(p->b, db, IP_B, 24) >= 0);
	hk_stack_poll(p->a, p->now);
	hk_stack_poll(p->b, p->now);
}

/* Polls both stacks at p->now (a twice, so it reads what b just sent at
 * this instant); returns the earlier of their next deadlines. */
static hk_time_t poll_all(struct pair *p)
{
	hk_stack_poll(p->a, p->now);
	hk_time_t nb = hk_stack_poll(p->b, p->now);
	hk_time_t na = hk_stack_poll(p->a, p->now);
	p->polls++;
	return na < nb ? na : nb;
}

/* Sends one echo request and runs, jumping from deadline to deadline,
 * until its reply is in or timeout passes. */
static bool ping(struct pair *p, uint16_t seq, struct hk_echo_reply *r, hk_time_t timeout)
{
	assert_int_equal(hk_ping_send(p->a, IP_B, 0x4b48, seq, "hokuto", 6), 0);
	hk_time_t until = p->now + timeout;
	for (;;) {
		hk_time_t next = poll_all(p);
		if (hk_ping_recv(p->a, 0x4b48, r) == 0)
			return true;
		if (p->now >= until)
			return false;
		assert_true(p->polls < 100000);
		if (next > p->now) /* else something is due now: poll again */
			p->now = next < until ? next : until;
	}
}

static void delay_sets_the_round_trip(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, "delay=10ms");
	struct hk_echo_reply r;
	/* first ping: ARP resolution (or the gratuitous ARPs) adds a round
	 * trip at most; every hop crosses a's 10 ms delay once */
	assert_true(ping(&p, 1, &r, HK_SEC(1)));
	assert_true(r.data_ok);
	assert_in_range(r.rx_time - r.tx_time, HK_MSEC(20), HK_MSEC(40));
	assert_true(ping(&p, 2, &r, HK_SEC(1)));
	assert_int_equal(r.rx_time - r.tx_time, HK_MSEC(20));
	/* deadline-driven: a handful of polls per hop, not one per µs */
	assert_true(p.polls < 100);
	hk_stack_free(p.a);
	hk_stack_free(p.b);
}

static void rate_adds_serialisation_time(void **state)
{
	(void)state;
	struct pair p;
	/* 1 Mbit/s: every frame takes 8 µs per byte at the bottleneck */
	pair_up(&p, "rate=1mbit");
	struct hk_echo_reply r;
	assert_true(ping(&p, 1, &r, HK_SEC(1)));
	assert_true(ping(&p, 2, &r, HK_SEC(1)));
	/* echo request and reply each cross the bottleneck once: 2 frames of
	 * 14 + 20 + 8 + 6 bytes at 8 µs per byte, and nothing else */
	assert_int_equal(r.rx_time - r.tx_time, 2 * 48 * 8);
	hk_stack_free(p.a);
	hk_stack_free(p.b);
}

static void total_loss_and_its_counters(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, "loss=1");
	struct hk_echo_reply r;
	assert_false(ping(&p, 1, &r, HK_SEC(5)) && r.icmp_type == 0);
	struct hk_impair_stats st;
	hk_impair_get_stats(p.wrapped, &st);
	assert_true(st.tx.lost >= 1);          /* ARP requests never left */
	assert_int_equal(st.tx.passed, 0);
	assert_int_equal(hk_stack_stat(p.b, HK_STAT_dev_rx_frames), 0);
	hk_stack_free(p.a);
	hk_stack_free(p.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delay_sets_the_round_trip),
		cmocka_unit_test(rate_adds_serialisation_time),
		cmocka_unit_test(total_loss_and_its_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

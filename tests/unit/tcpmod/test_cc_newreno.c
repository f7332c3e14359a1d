/* Unit tests: NewReno window arithmetic (RFC 5681, RFC 3465, RFC 6928)
 * and the controller lookup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp/tcp_cc.h"

#define MSS 1460u

static void nr_init(struct hk_tcp_cc *cc, uint32_t mss)
{
	cc->ops = &hk_tcp_cc_newreno;
	cc->ops->init(cc, mss, 0);
}

static void initial_window(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, 1460);
	assert_int_equal(cc.cwnd, 14600);          /* min(14600, max(2920, 14600)) */
	assert_int_equal(cc.ssthresh, UINT32_MAX);
	assert_int_equal(cc.mss, 1460);
	nr_init(&cc, 536);
	assert_int_equal(cc.cwnd, 5360);           /* 10*MSS is the smaller */
	nr_init(&cc, 1000);
	assert_int_equal(cc.cwnd, 10000);
	nr_init(&cc, 1461);
	assert_int_equal(cc.cwnd, 14600);          /* 14600 < 10*1461 */
	nr_init(&cc, 9000);
	assert_int_equal(cc.cwnd, 18000);          /* 2*MSS is the larger */
}

static void slow_start(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	uint32_t w = cc.cwnd;
	/* one full segment acked: +SMSS */
	cc.ops->on_ack(&cc, MSS, w, 0, 0);
	assert_int_equal(cc.cwnd, w + MSS);
	w = cc.cwnd;
	/* a delayed ACK for two segments: +2*SMSS (ABC, L = 2) */
	cc.ops->on_ack(&cc, 2 * MSS, w, 0, 0);
	assert_int_equal(cc.cwnd, w + 2 * MSS);
	w = cc.cwnd;
	/* a stretch ACK for ten segments: limited to +2*SMSS */
	cc.ops->on_ack(&cc, 10 * MSS, w, 0, 0);
	assert_int_equal(cc.cwnd, w + 2 * MSS);
	w = cc.cwnd;
	/* a partial segment counts its bytes */
	cc.ops->on_ack(&cc, 100, w, 0, 0);
	assert_int_equal(cc.cwnd, w + 100);
	w = cc.cwnd;
	/* nothing acked, nothing grows */
	cc.ops->on_ack(&cc, 0, w, 0, 0);
	assert_int_equal(cc.cwnd, w);
	/* a full window acked segment by segment doubles it */
	nr_init(&cc, MSS);
	w = cc.cwnd;
	for (uint32_t i = 0; i < w / MSS; i++)
		cc.ops->on_ack(&cc, MSS, w, 0, 0);
	assert_int_equal(cc.cwnd, 2 * w);
}

static void congestion_avoidance(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	cc.ssthresh = 10 * MSS;
	cc.cwnd = 10 * MSS;
	/* +1 SMSS per cwnd of bytes acked */
	for (int i = 0; i < 9; i++) {
		cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
		assert_int_equal(cc.cwnd, 10 * MSS);
	}
	cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 11 * MSS);
	assert_int_equal(cc.bytes_acked, 0);
	/* delayed ACKs: 11 segments at 2 per ACK -> 6 ACKs, remainder kept */
	for (int i = 0; i < 5; i++)
		cc.ops->on_ack(&cc, 2 * MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 11 * MSS);
	cc.ops->on_ack(&cc, 2 * MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 12 * MSS);
	assert_int_equal(cc.bytes_acked, MSS);
	/* over many RTTs: one SMSS per window */
	for (int rtt = 0; rtt < 20; rtt++) {
		uint32_t start = cc.cwnd;
		uint32_t acked = 0;
		while (acked < start) {
			cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
			acked += MSS;
		}
		assert_true(cc.cwnd == start + MSS || cc.cwnd == start);
	}
	assert_true(cc.cwnd >= 30 * MSS && cc.cwnd <= 32 * MSS);
}

static void application_limited(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	uint32_t w = cc.cwnd;
	/* slow start with less than half the window in flight: no growth */
	cc.ops->on_ack(&cc, MSS, w / 2 - 1, 0, 0);
	assert_int_equal(cc.cwnd, w);
	cc.ops->on_ack(&cc, MSS, w / 2, 0, 0);
	assert_int_equal(cc.cwnd, w + MSS);
	/* congestion avoidance: the window must be (nearly) full */
	cc.ssthresh = cc.cwnd = 10 * MSS;
	for (int i = 0; i < 20; i++)
		cc.ops->on_ack(&cc, MSS, 5 * MSS, 0, 0);
	assert_int_equal(cc.cwnd, 10 * MSS);
	for (int i = 0; i < 10; i++)
		cc.ops->on_ack(&cc, MSS, 9 * MSS, 0, 0);
	assert_int_equal(cc.cwnd, 11 * MSS);
}

static void loss_and_recovery(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	cc.cwnd = 40 * MSS;
	/* RFC 5681 eq. 4 on FlightSize, not cwnd */
	cc.ops->on_loss(&cc, 30 * MSS, 0);
	assert_int_equal(cc.ssthresh, 15 * MSS);
	assert_int_equal(cc.cwnd, 15 * MSS);
	/* the core inflates during recovery; the end deflates to ssthresh */
	cc.cwnd += 3 * MSS + 7 * MSS;
	cc.ops->on_recovery_end(&cc, 0);
	assert_int_equal(cc.cwnd, 15 * MSS);
	/* after recovery it is congestion avoidance */
	for (int i = 0; i < 15; i++)
		cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 16 * MSS);
	/* a small flight: floor of 2*SMSS */
	cc.ops->on_loss(&cc, 3 * MSS, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, 2 * MSS);
	cc.ops->on_loss(&cc, 0, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
}

static void timeout(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	cc.cwnd = 20 * MSS;
	cc.ops->on_rto(&cc, 20 * MSS, 0);
	assert_int_equal(cc.ssthresh, 10 * MSS);
	assert_int_equal(cc.cwnd, MSS); /* loss window */
	/* slow start again up to ssthresh, then linear */
	while (cc.cwnd < cc.ssthresh)
		cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 10 * MSS);
	cc.ops->on_ack(&cc, MSS, cc.cwnd, 0, 0);
	assert_int_equal(cc.cwnd, 10 * MSS);
	/* a second timeout with a tiny flight keeps ssthresh >= 2*SMSS */
	cc.ops->on_rto(&cc, MSS, 0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, MSS);
}

static void no_overflow(void **state)
{
	(void)state;
	struct hk_tcp_cc cc;
	nr_init(&cc, MSS);
	cc.cwnd = UINT32_MAX - 10;
	cc.ops->on_ack(&cc, 2 * MSS, UINT32_MAX, 0, 0);
	assert_int_equal(cc.cwnd, UINT32_MAX);
	cc.ssthresh = 1000;
	cc.bytes_acked = UINT32_MAX - 5;
	cc.ops->on_ack(&cc, MSS, UINT32_MAX, 0, 0);
	assert_int_equal(cc.cwnd, UINT32_MAX);
}

static void lookup(void **state)
{
	(void)state;
	assert_ptr_equal(hk_tcp_cc_find("newreno"), &hk_tcp_cc_newreno);
	assert_string_equal(hk_tcp_cc_newreno.name, "newreno");
	assert_null(hk_tcp_cc_find("reno2"));
	assert_null(hk_tcp_cc_find(""));
	assert_null(hk_tcp_cc_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initial_window),
		cmocka_unit_test(slow_start),
		cmocka_unit_test(congestion_avoidance),
		cmocka_unit_test(application_limited),
		cmocka_unit_test(loss_and_recovery),
		cmocka_unit_test(timeout),
		cmocka_unit_test(no_overflow),
		cmocka_unit_test(lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

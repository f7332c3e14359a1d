/* Unit tests: the sim wire passes frames both ways, in order, honours
 * timestamps, bounds its queues and counts what it drops. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dev.h"

static size_t make_frame(uint8_t *f, uint32_t seq, size_t len)
{
	memset(f, 0, len);
	f[12] = 0x08; /* EtherType IPv4 */
	memcpy(f + 14, &seq, 4);
	for (size_t i = 18; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	return len;
}

static uint32_t frame_seq(const uint8_t *f)
{
	uint32_t seq;
	memcpy(&seq, f + 14, 4);
	return seq;
}

static void passes_frames_both_ways_in_order(void **state)
{
	(void)state;
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 0), 0);
	assert_int_equal(a->link, HK_LINK_ETHERNET);
	assert_int_equal(a->mtu, 1500);
	assert_memory_not_equal(a->mac, b->mac, 6);
	assert_int_equal(a->mac[0] & 0x03, 0x02); /* locally administered unicast */
	assert_int_equal(b->mac[0] & 0x03, 0x02);
	assert_int_equal(a->ops->fd(a), -1);

	uint8_t f[1514], got[1514];
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(a->ops->tx(a, f, make_frame(f, i, 60 + i), 10), 0);
		assert_int_equal(b->ops->tx(b, f, make_frame(f, 1000 + i, 100), 10), 0);
	}
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(b->ops->rx(b, got, sizeof(got), 10), 60 + i);
		make_frame(f, i, 60 + i);
		assert_memory_equal(got, f, 60 + i);
		assert_int_equal(a->ops->rx(a, got, sizeof(got), 10), 100);
		assert_int_equal(frame_seq(got), 1000 + i);
	}
	assert_int_equal(a->ops->rx(a, got, sizeof(got), 10), 0);
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 10), 0);
	assert_true(a->ops->next_deadline(a) == HK_TIME_NEVER);
	hk_dev_close(a);
	hk_dev_close(b);
}

static void honours_timestamps(void **state)
{
	(void)state;
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 1500), 0);
	uint8_t f[64], got[64];
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 7, 64), 500), 0);
	assert_int_equal(b->ops->next_deadline(b), 500);
	/* the receiver's clock is behind the sender's: not yet */
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 499), 0);
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 500), 64);
	assert_int_equal(frame_seq(got), 7);
	assert_true(b->ops->next_deadline(b) == HK_TIME_NEVER);
	hk_dev_close(b);
	hk_dev_close(a);
}

static void queue_is_bounded_and_counts_drops(void **state)
{
	(void)state;
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 1500), 0);
	uint8_t f[64], got[64];
	for (uint32_t i = 0; i < HK_SIM_QUEUE_LEN; i++)
		assert_int_equal(a->ops->tx(a, f, make_frame(f, i, 64), 0), 0);
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 99999, 64), 0), -ENOBUFS);
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 99999, 64), 0), -ENOBUFS);
	assert_int_equal(hk_sim_drops(b), 2);
	assert_int_equal(hk_sim_drops(a), 0);
	/* the queue still holds the first frames, in order */
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 0), 64);
	assert_int_equal(frame_seq(got), 0);
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 5000, 64), 0), 0);
	uint32_t n = 1, last = 0;
	while (b->ops->rx(b, got, sizeof(got), 0) == 64) {
		last = frame_seq(got);
		n++;
	}
	assert_int_equal(n, HK_SIM_QUEUE_LEN + 1);
	assert_int_equal(last, 5000);
	hk_dev_close(a);
	hk_dev_close(b);
}

static void oversize_and_truncation(void **state)
{
	(void)state;
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 576), 0);
	uint8_t f[1000], got[100];
	/* 576 IP + 18 link overhead fits, one more byte does not */
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 1, 594), 0), 0);
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 2, 595), 0), -EMSGSIZE);
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 3, 80), 0), 0);
	/* a frame longer than the buffer is truncated and consumed */
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 0), -EMSGSIZE);
	assert_int_equal(frame_seq(got), 1);
	assert_int_equal(b->ops->rx(b, got, sizeof(got), 0), 80);
	assert_int_equal(frame_seq(got), 3);
	assert_int_equal(hk_sim_wire_new(&a, &b, 20), -EINVAL);
	hk_dev_close(a);
	hk_dev_close(b);
}

static void closing_one_end_leaves_the_other_working(void **state)
{
	(void)state;
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 1500), 0);
	uint8_t f[64], got[64];
	assert_int_equal(a->ops->tx(a, f, make_frame(f, 1, 64), 0), 0);
	hk_dev_close(b);
	/* nobody listens: the frame falls off the wire, no error, no growth */
	for (int i = 0; i < 3 * HK_SIM_QUEUE_LEN; i++)
		assert_int_equal(a->ops->tx(a, f, make_frame(f, 2, 64), 0), 0);
	assert_int_equal(a->ops->rx(a, got, sizeof(got), 0), 0);
	assert_int_equal(hk_sim_drops(a), 0);
	hk_dev_close(a); /* frees the wire (ASan checks) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passes_frames_both_ways_in_order),
		cmocka_unit_test(honours_timestamps),
		cmocka_unit_test(queue_is_bounded_and_counts_drops),
		cmocka_unit_test(oversize_and_truncation),
		cmocka_unit_test(closing_one_end_leaves_the_other_working),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

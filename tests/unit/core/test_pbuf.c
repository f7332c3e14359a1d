/* Unit tests: packet buffer pool and queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/pbuf.h"

static void pool_hands_out_every_buffer_then_none(void **state)
{
	(void)state;
	struct hk_pbuf_pool pool;
	assert_int_equal(hk_pbuf_pool_init(&pool, 3, 256), 0);
	struct hk_pbuf *a = hk_pbuf_alloc(&pool, 64), *b = hk_pbuf_alloc(&pool, 64), *c = hk_pbuf_alloc(&pool, 64);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_null(hk_pbuf_alloc(&pool, 64));
	assert_int_equal(pool.in_use, 3);
	hk_pbuf_free(b);
	assert_ptr_equal(hk_pbuf_alloc(&pool, 64), b);
	hk_pbuf_free(a);
	hk_pbuf_free(b);
	hk_pbuf_free(c);
	assert_int_equal(pool.in_use, 0);
	hk_pbuf_pool_fini(&pool);
}

static void push_pull_put_respect_bounds(void **state)
{
	(void)state;
	struct hk_pbuf_pool pool;
	assert_int_equal(hk_pbuf_pool_init(&pool, 1, 100), 0);
	struct hk_pbuf *pb = hk_pbuf_alloc(&pool, 20);
	assert_int_equal(hk_pbuf_headroom(pb), 20);
	assert_int_equal(hk_pbuf_tailroom(pb), 80);
	assert_non_null(hk_pbuf_put(pb, 80));
	assert_null(hk_pbuf_put(pb, 1));
	assert_non_null(hk_pbuf_push(pb, 20));
	assert_null(hk_pbuf_push(pb, 1));
	assert_int_equal(pb->len, 100);
	assert_non_null(hk_pbuf_pull(pb, 30));
	assert_int_equal(pb->len, 70);
	assert_null(hk_pbuf_pull(pb, 71));
	hk_pbuf_trim(pb, 10);
	assert_int_equal(pb->len, 10);
	hk_pbuf_free(pb);
	hk_pbuf_pool_fini(&pool);
}

static void queue_is_fifo(void **state)
{
	(void)state;
	struct hk_pbuf_pool pool;
	assert_int_equal(hk_pbuf_pool_init(&pool, 4, 64), 0);
	struct hk_pbuf_queue q = {0};
	struct hk_pbuf *p[3];
	for (int i = 0; i < 3; i++) {
		p[i] = hk_pbuf_alloc(&pool, 0);
		hk_pbuf_queue_push(&q, p[i]);
	}
	assert_int_equal(q.len, 3);
	assert_ptr_equal(hk_pbuf_queue_pop(&q), p[0]);
	hk_pbuf_free(p[0]);
	hk_pbuf_queue_clear(&q);
	assert_int_equal(q.len, 0);
	assert_null(hk_pbuf_queue_pop(&q));
	assert_int_equal(pool.in_use, 0);
	hk_pbuf_pool_fini(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pool_hands_out_every_buffer_then_none),
		cmocka_unit_test(push_pull_put_respect_bounds),
		cmocka_unit_test(queue_is_fifo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

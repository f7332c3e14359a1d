/* Unit tests: the TCP byte ring wraps at every position, takes data written
 * ahead of its readable end, and matches a plain linear model under random
 * operations (seeded, deterministic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "tcp/tcp_ring.h"

static void lazy_storage(void **state)
{
	(void)state;
	struct hk_ring r = {0};
	uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8}, o[8];
	/* no storage yet: nothing fits, nothing to read */
	assert_null(r.buf);
	assert_int_equal(hk_ring_space(&r), 0);
	assert_int_equal(hk_ring_write(&r, b, 8), 0);
	assert_int_equal(hk_ring_write_ahead(&r, 0, b, 8), 0);
	assert_int_equal(hk_ring_read(&r, o, 8), 0);
	assert_int_equal(hk_ring_reserve(&r, 0), -EINVAL);
	assert_int_equal(hk_ring_reserve(&r, 5), 0);
	assert_non_null(r.buf);
	assert_int_equal(hk_ring_space(&r), 5);
	/* a second reserve keeps the storage */
	uint8_t *keep = r.buf;
	assert_int_equal(hk_ring_reserve(&r, 100), 0);
	assert_ptr_equal(r.buf, keep);
	assert_int_equal(r.cap, 5);
	assert_int_equal(hk_ring_write(&r, b, 8), 5);
	assert_int_equal(hk_ring_len(&r), 5);
	assert_int_equal(hk_ring_space(&r), 0);
	assert_int_equal(hk_ring_read(&r, o, 8), 5);
	assert_memory_equal(o, b, 5);
	hk_ring_release(&r);
	assert_null(r.buf);
	assert_int_equal(hk_ring_len(&r), 0);
	assert_int_equal(hk_ring_space(&r), 0);
	hk_ring_release(&r); /* twice is harmless */
}

/* Puts the ring at head position h with `len` readable bytes (values from
 * `first` upwards) by writing and consuming filler. */
static void position(struct hk_ring *r, uint32_t h, uint32_t len, uint8_t first)
{
	uint8_t fill[64];
	memset(fill, 0xee, sizeof(fill));
	hk_ring_consume(r, hk_ring_len(r));
	while (r->head != h) {
		assert_int_equal(hk_ring_write(r, fill, 1), 1);
		hk_ring_consume(r, 1);
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t v = (uint8_t)(first + i);
		assert_int_equal(hk_ring_write(r, &v, 1), 1);
	}
}

/* For small capacities, every head position x every fill level x every
 * write length: write, write-ahead, peek at every offset, read. */
static void every_boundary(void **state)
{
	(void)state;
	static const uint32_t caps[] = {1, 2, 3, 4, 5, 7, 8, 9, 13};
	uint8_t src[32], dst[32];
	for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]); ci++) {
		uint32_t cap = caps[ci];
		struct hk_ring r = {0};
		assert_int_equal(hk_ring_reserve(&r, cap), 0);
		for (uint32_t h = 0; h < cap; h++) {
			for (uint32_t len = 0; len <= cap; len++) {
				for (uint32_t n = 0; n <= cap + 1; n++) {
					/* plain write */
					position(&r, h, len, 0);
					for (uint32_t i = 0; i < n; i++)
						src[i] = (uint8_t)(100 + i);
					uint32_t want = n < cap - len ? n : cap - len;
					assert_int_equal(hk_ring_write(&r, src, n), want);
					assert_int_equal(hk_ring_len(&r), len + want);
					uint32_t total = len + want;
					for (uint32_t off = 0; off <= total; off++) {
						memset(dst, 0, sizeof(dst));
						uint32_t got = hk_ring_peek(&r, off, dst, cap + 1);
						assert_int_equal(got, total - off);
						for (uint32_t i = 0; i < got; i++) {
							uint32_t k = off + i;
							uint8_t e = k < len ? (uint8_t)k : (uint8_t)(100 + k - len);
							assert_int_equal(dst[i], e);
						}
					}
					memset(dst, 0, sizeof(dst));
					assert_int_equal(hk_ring_read(&r, dst, total), total);
					assert_int_equal(hk_ring_len(&r), 0);
					assert_int_equal(r.head, (h + total) % cap);

					/* write ahead at every offset, then commit */
					for (uint32_t off = 0; off <= cap; off++) {
						position(&r, h, len, 0);
						uint32_t room = cap - len;
						uint32_t w = off >= room ? 0 : (n < room - off ? n : room - off);
						assert_int_equal(hk_ring_write_ahead(&r, off, src, n), w);
						assert_int_equal(hk_ring_len(&r), len);
						if (w == 0)
							continue;
						/* fill the hole in order, then the ahead bytes become readable */
						uint8_t gap[32];
						for (uint32_t i = 0; i < off; i++)
							gap[i] = (uint8_t)(200 + i);
						assert_int_equal(hk_ring_write_ahead(&r, 0, gap, off), off);
						hk_ring_commit(&r, off + w);
						assert_int_equal(hk_ring_len(&r), len + off + w);
						memset(dst, 0, sizeof(dst));
						assert_int_equal(hk_ring_peek(&r, 0, dst, 32), len + off + w);
						for (uint32_t i = 0; i < len; i++)
							assert_int_equal(dst[i], i);
						for (uint32_t i = 0; i < off; i++)
							assert_int_equal(dst[len + i], 200 + i);
						for (uint32_t i = 0; i < w; i++)
							assert_int_equal(dst[len + off + i], 100 + i);
					}
				}
			}
		}
		hk_ring_release(&r);
	}
}

static void clipping(void **state)
{
	(void)state;
	struct hk_ring r = {0};
	uint8_t b[16], o[16];
	for (int i = 0; i < 16; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(hk_ring_reserve(&r, 10), 0);
	assert_int_equal(hk_ring_write(&r, b, 4), 4);
	/* ahead of the end: offset 0 is right after the 4 readable bytes */
	assert_int_equal(hk_ring_write_ahead(&r, 3, b, 16), 3);   /* 4+3+3 = 10 */
	assert_int_equal(hk_ring_write_ahead(&r, 6, b, 1), 0);    /* starts at cap */
	assert_int_equal(hk_ring_write_ahead(&r, 100, b, 1), 0);
	assert_int_equal(hk_ring_len(&r), 4);
	/* peek past the readable end gives nothing */
	assert_int_equal(hk_ring_peek(&r, 4, o, 1), 0);
	assert_int_equal(hk_ring_peek(&r, 99, o, 1), 0);
	assert_int_equal(hk_ring_peek(&r, 2, o, 16), 2);
	assert_int_equal(o[0], 2);
	assert_int_equal(o[1], 3);
	/* commit is clipped to the capacity */
	hk_ring_commit(&r, 1000);
	assert_int_equal(hk_ring_len(&r), 10);
	assert_int_equal(hk_ring_space(&r), 0);
	/* consume more than held drops what is there */
	hk_ring_consume(&r, 11);
	assert_int_equal(hk_ring_len(&r), 0);
	hk_ring_release(&r);
}

/* Reference model: a linear byte stream. Absolute positions [base,
 * base+len) are readable; ahead[] marks bytes written past the readable end. */
#define MODEL_SIZE (1u << 20)
struct model {
	uint8_t *data;
	uint8_t *valid;
	uint64_t base, len;
	uint32_t cap;
};

static void random_against_model(void **state)
{
	(void)state;
	static const uint32_t caps[] = {1, 3, 16, 17, 100, 1000, 4093};
	struct hk_rng rng;
	hk_rng_seed(&rng, 0x7cb0d);
	uint8_t *src = malloc(8192), *dst = malloc(8192);
	struct model m;
	m.data = malloc(MODEL_SIZE);
	m.valid = malloc(MODEL_SIZE);
	assert_non_null(src);
	assert_non_null(dst);
	assert_non_null(m.data);
	assert_non_null(m.valid);
	for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]); ci++) {
		struct hk_ring r = {0};
		m.cap = caps[ci];
		m.base = m.len = 0;
		memset(m.valid, 0, MODEL_SIZE);
		assert_int_equal(hk_ring_reserve(&r, m.cap), 0);
		uint32_t maxn = m.cap + m.cap / 2 + 2;
		for (int op = 0; op < 20000 && m.base + 2 * (uint64_t)m.cap < MODEL_SIZE; op++) {
			uint32_t n = hk_rng_below(&rng, maxn + 1);
			uint32_t kind = hk_rng_below(&rng, 6);
			for (uint32_t i = 0; i < n; i++)
				src[i] = (uint8_t)hk_rng_u32(&rng);
			uint64_t end = m.base + m.len;
			uint32_t room = m.cap - (uint32_t)m.len;
			switch (kind) {
			case 0: { /* write */
				uint32_t w = n < room ? n : room;
				assert_int_equal(hk_ring_write(&r, src, n), w);
				memcpy(m.data + end, src, w);
				memset(m.valid + end, 1, w);
				m.len += w;
				break;
			}
			case 1: { /* write ahead at a random offset */
				uint32_t off = hk_rng_below(&rng, m.cap + 2);
				uint32_t w = off >= room ? 0 : (n < room - off ? n : room - off);
				assert_int_equal(hk_ring_write_ahead(&r, off, src, n), w);
				memcpy(m.data + end + off, src, w);
				memset(m.valid + end + off, 1, w);
				break;
			}
			case 2: { /* commit the contiguous ahead bytes, or part of them */
				uint32_t c = 0;
				while (c < room && m.valid[end + c])
					c++;
				if (c)
					c = 1 + hk_rng_below(&rng, c);
				hk_ring_commit(&r, c);
				m.len += c;
				break;
			}
			case 3: { /* peek at a random offset */
				uint32_t off = hk_rng_below(&rng, m.cap + 2);
				uint32_t want = off >= m.len ? 0 : (n < m.len - off ? n : (uint32_t)m.len - off);
				assert_int_equal(hk_ring_peek(&r, off, dst, n), want);
				assert_memory_equal(dst, m.data + m.base + off, want);
				break;
			}
			case 4: { /* read */
				uint32_t want = n < m.len ? n : (uint32_t)m.len;
				assert_int_equal(hk_ring_read(&r, dst, n), want);
				assert_memory_equal(dst, m.data + m.base, want);
				m.base += want;
				m.len -= want;
				break;
			}
			default: { /* consume */
				uint32_t want = n < m.len ? n : (uint32_t)m.len;
				hk_ring_consume(&r, n);
				m.base += want;
				m.len -= want;
				break;
			}
			}
			assert_int_equal(hk_ring_len(&r), m.len);
			assert_int_equal(hk_ring_space(&r), m.cap - m.len);
			assert_true(r.head < r.cap);
		}
		/* the ring drained in full still matches */
		uint32_t all = (uint32_t)m.len;
		assert_int_equal(hk_ring_read(&r, dst, 8192), all);
		assert_memory_equal(dst, m.data + m.base, all);
		hk_ring_release(&r);
	}
	free(m.data);
	free(m.valid);
	free(src);
	free(dst);
}

/* Send-ring use: retransmission peeks at offsets of unacked data while new
 * data is appended and ACKs consume from the front, across the wrap. */
static void send_ring_retransmit(void **state)
{
	(void)state;
	struct hk_ring r = {0};
	assert_int_equal(hk_ring_reserve(&r, 1000), 0);
	uint8_t seg[300], out[300];
	uint32_t next_val = 0, una_val = 0;
	for (int round = 0; round < 50; round++) {
		uint32_t n = (uint32_t)(100 + round * 7 % 200);
		for (uint32_t i = 0; i < n; i++)
			seg[i] = (uint8_t)(next_val + i);
		uint32_t w = hk_ring_write(&r, seg, n);
		next_val += w;
		/* retransmit from the middle of the unacked data */
		uint32_t off = hk_ring_len(&r) / 3;
		uint32_t got = hk_ring_peek(&r, off, out, 300);
		for (uint32_t i = 0; i < got; i++)
			assert_int_equal(out[i], (uint8_t)(una_val + off + i));
		/* an ACK for half */
		uint32_t ack = hk_ring_len(&r) / 2;
		hk_ring_consume(&r, ack);
		una_val += ack;
	}
	hk_ring_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lazy_storage),
		cmocka_unit_test(every_boundary),
		cmocka_unit_test(clipping),
		cmocka_unit_test(random_against_model),
		cmocka_unit_test(send_ring_retransmit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

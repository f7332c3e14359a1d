/* Unit tests: out-of-order bookkeeping merges ranges, refuses past its
 * bound, rebases on advance, and reports SACK blocks in RFC 2018 section 4
 * order; random operations are checked against a bitmap model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/rng.h"
#include "tcp/tcp_asm.h"
#include "tcp/tcp_seq.h"

static void assert_range(const struct hk_asm *a, uint32_t i, uint32_t s, uint32_t e)
{
	assert_true(i < a->n);
	assert_int_equal(a->r[i].start, s);
	assert_int_equal(a->r[i].end, e);
}

static void merge_rules(void **state)
{
	(void)state;
	struct hk_asm a;
	hk_asm_init(&a);
	assert_true(hk_asm_empty(&a));
	assert_int_equal(hk_asm_add(&a, 100, 0), 0); /* empty: nothing */
	assert_true(hk_asm_empty(&a));
	assert_int_equal(hk_asm_add(&a, 100, 50), 0);
	assert_int_equal(hk_asm_add(&a, 300, 50), 0);
	assert_int_equal(a.n, 2);
	/* adjacent on the left and right merge */
	assert_int_equal(hk_asm_add(&a, 150, 10), 0);
	assert_int_equal(a.n, 2);
	assert_range(&a, 0, 100, 160);
	assert_int_equal(hk_asm_add(&a, 90, 10), 0);
	assert_range(&a, 0, 90, 160);
	/* a gap of one byte keeps ranges apart */
	assert_int_equal(hk_asm_add(&a, 161, 10), 0);
	assert_int_equal(a.n, 3);
	/* one segment bridging several ranges */
	assert_int_equal(hk_asm_add(&a, 120, 200), 0);
	assert_int_equal(a.n, 1);
	assert_range(&a, 0, 90, 350);
	/* a duplicate inside changes nothing */
	assert_int_equal(hk_asm_add(&a, 200, 10), 0);
	assert_int_equal(a.n, 1);
	assert_range(&a, 0, 90, 350);
	assert_int_equal(hk_asm_front(&a), 0);
	assert_int_equal(hk_asm_add(&a, 0, 90), 0);
	assert_int_equal(hk_asm_front(&a), 350);
	hk_asm_advance(&a, 350);
	assert_true(hk_asm_empty(&a));
	assert_int_equal(hk_asm_front(&a), 0);
}

static void bound_refuses(void **state)
{
	(void)state;
	struct hk_asm a;
	hk_asm_init(&a);
	for (uint32_t i = 0; i < HK_ASM_MAX_RANGES; i++)
		assert_int_equal(hk_asm_add(&a, 10 + 20 * i, 10), 0);
	assert_int_equal(a.n, HK_ASM_MAX_RANGES);
	struct hk_asm before = a;
	/* a new separate range: refused, state untouched */
	assert_int_equal(hk_asm_add(&a, 5000, 10), -ENOSPC);
	assert_int_equal(hk_asm_add(&a, 0, 5), -ENOSPC);
	assert_memory_equal(&a, &before, sizeof(a));
	/* extending or joining existing ranges still works */
	assert_int_equal(hk_asm_add(&a, 20, 5), 0);
	assert_int_equal(a.n, HK_ASM_MAX_RANGES);
	assert_int_equal(hk_asm_add(&a, 0, 10), 0);  /* adjacent to [10,25) */
	assert_int_equal(a.n, HK_ASM_MAX_RANGES);
	assert_int_equal(hk_asm_add(&a, 20, 20), 0); /* joins two */
	assert_int_equal(a.n, HK_ASM_MAX_RANGES - 1);
	assert_int_equal(hk_asm_add(&a, 5000, 10), 0);
}

static void advance_trims(void **state)
{
	(void)state;
	struct hk_asm a;
	hk_asm_init(&a);
	hk_asm_add(&a, 10, 10);  /* [10,20) */
	hk_asm_add(&a, 30, 10);  /* [30,40) */
	hk_asm_add(&a, 50, 10);  /* [50,60) */
	/* in-order data covered up to 35: [10,20) gone, [30,40) trimmed */
	hk_asm_advance(&a, 35);
	assert_int_equal(a.n, 2);
	assert_range(&a, 0, 0, 5);
	assert_range(&a, 1, 15, 25);
	assert_int_equal(hk_asm_front(&a), 5);
	struct hk_tcp_sack_block b[4];
	assert_int_equal(hk_asm_sack_blocks(&a, 1000, b, 4), 2);
	/* newest first: [50,60) was added last */
	assert_int_equal(b[0].left, 1015);
	assert_int_equal(b[0].right, 1025);
	assert_int_equal(b[1].left, 1000);
	assert_int_equal(b[1].right, 1005);
	hk_asm_advance(&a, 5);
	assert_int_equal(a.n, 1);
	assert_int_equal(hk_asm_sack_blocks(&a, 1005, b, 4), 1);
	assert_int_equal(b[0].left, 1015);
	hk_asm_advance(&a, 0);
	assert_int_equal(a.n, 1);
	hk_asm_advance(&a, 1000);
	assert_true(hk_asm_empty(&a));
	assert_int_equal(hk_asm_sack_blocks(&a, 1005, b, 4), 0);
}

/* RFC 2018 section 4 / appendix-style example: segments of 100 bytes,
 * 0 lost, then 2, 4, 6, 8 arrive; each ACK leads with the newest block. */
static void rfc2018_order(void **state)
{
	(void)state;
	struct hk_asm a;
	hk_asm_init(&a);
	const uint32_t nxt = 0xffffff00u; /* the blocks wrap past 2^32 */
	struct hk_tcp_sack_block b[4];
	uint32_t segs[] = {200, 400, 600, 800, 1000};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(hk_asm_add(&a, segs[i], 100), 0);
		int k = hk_asm_sack_blocks(&a, nxt, b, 4);
		assert_int_equal(k, i + 1 < 4 ? i + 1 : 4);
		for (int j = 0; j < k; j++) {
			assert_int_equal(b[j].left, nxt + segs[i - j]);
			assert_int_equal(b[j].right, nxt + segs[i - j] + 100);
		}
	}
	/* segment 3 fills between 2 and 4: the merged block leads, 1000 next */
	assert_int_equal(hk_asm_add(&a, 300, 100), 0);
	int k = hk_asm_sack_blocks(&a, nxt, b, 3);
	assert_int_equal(k, 3);
	assert_int_equal(b[0].left, nxt + 200);
	assert_int_equal(b[0].right, nxt + 500);
	assert_int_equal(b[1].left, nxt + 1000);
	assert_int_equal(b[2].left, nxt + 800);
	/* a duplicate of 600 is the newest segment: its block moves first */
	assert_int_equal(hk_asm_add(&a, 650, 10), 0);
	k = hk_asm_sack_blocks(&a, nxt, b, 4);
	assert_int_equal(k, 4);
	assert_int_equal(b[0].left, nxt + 600);
	assert_int_equal(b[1].left, nxt + 200);
	assert_int_equal(b[2].left, nxt + 1000);
	assert_int_equal(b[3].left, nxt + 800);
	/* the hole at 0..200 fills and is acked: the blocks that went below
	 * rcv_nxt are never reported again */
	assert_int_equal(hk_asm_add(&a, 0, 200), 0);
	uint32_t f = hk_asm_front(&a);
	assert_int_equal(f, 500);
	hk_asm_advance(&a, f);
	k = hk_asm_sack_blocks(&a, nxt + f, b, 4);
	assert_int_equal(k, 3);
	assert_int_equal(b[0].left, nxt + 600);
	assert_int_equal(b[1].left, nxt + 1000);
	assert_int_equal(b[2].left, nxt + 800);
	for (int j = 0; j < k; j++)
		assert_true(hk_seq_gt(b[j].left, nxt + f));
	assert_int_equal(hk_asm_sack_blocks(&a, nxt + f, b, 0), 0);
}

/* Bitmap model: held[i] for absolute offset i from the initial rcv_nxt
 * (acked bytes stay held); brk[i] when a run must not join across i-1|i
 * (rcv_nxt advanced to i while no range straddled it: the range below was
 * dropped, a later one starting at i is new). hist[] holds the last byte of
 * every accepted segment, newest last. A range's recency is its newest
 * segment's, even when that segment itself is already acked. */
#define SPACE 6000
#define WIN 700
static uint8_t held[SPACE + 4 * WIN];
static uint8_t brk[SPACE + 4 * WIN];
static uint32_t hist[200000];

/* The range containing absolute position p. */
static void run_of(uint32_t p, uint32_t *s, uint32_t *e)
{
	*s = p;
	while (*s > 0 && held[*s - 1] && !brk[*s])
		(*s)--;
	*e = p;
	while (held[*e] && (*e == p || !brk[*e]))
		(*e)++;
}

static uint32_t count_runs(uint32_t from, uint32_t to)
{
	uint32_t runs = 0;
	for (uint32_t i = from; i < to; i++)
		if (held[i] && (i == from || !held[i - 1] || brk[i]))
			runs++;
	return runs;
}

static void model_advance(struct hk_asm *a, uint32_t *base, uint32_t f)
{
	hk_asm_advance(a, f);
	*base += f;
	if (!(held[*base - 1] && held[*base]))
		brk[*base] = 1;
}

static void random_against_bitmap(void **state)
{
	(void)state;
	struct hk_rng rng;
	int refused = 0, max_n = 0;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		hk_rng_seed(&rng, seed);
		memset(held, 0, sizeof(held));
		memset(brk, 0, sizeof(brk));
		struct hk_asm a;
		hk_asm_init(&a);
		uint32_t base = 0;                          /* rcv_nxt, absolute */
		uint32_t isn = hk_rng_u32(&rng);            /* seq of absolute 0 */
		uint32_t nh = 0;
		while (base < SPACE && nh < sizeof(hist) / sizeof(hist[0])) {
			uint32_t op = hk_rng_below(&rng, 10);
			if (op < 7) {
				uint32_t off = hk_rng_below(&rng, WIN);
				uint32_t len = 1 + hk_rng_below(&rng, 20);
				if (off + len > WIN)
					len = WIN - off;
				/* would the model need too many runs? */
				uint8_t save[WIN];
				memcpy(save, held + base, WIN);
				memset(held + base + off, 1, len);
				uint32_t runs = count_runs(base, base + WIN + 1);
				int rc = hk_asm_add(&a, off, len);
				if (runs > HK_ASM_MAX_RANGES) {
					assert_int_equal(rc, -ENOSPC);
					memcpy(held + base, save, WIN);
					refused++;
				} else {
					assert_int_equal(rc, 0);
					hist[nh++] = base + off + len - 1;
				}
			} else if (op < 9) {
				/* the core: advance over what is contiguous at rcv_nxt */
				uint32_t f = hk_asm_front(&a);
				uint32_t mf = 0;
				while (held[base + mf] && (mf == 0 || !brk[base + mf]))
					mf++;
				assert_int_equal(f, mf);
				if (f == 0) {
					/* in-order data not recorded in asm (may straddle ranges) */
					f = 1 + hk_rng_below(&rng, 60);
				}
				model_advance(&a, &base, f);
			} else {
				/* in-order data that may overlap held ranges: add at 0 */
				uint32_t len = 1 + hk_rng_below(&rng, 100);
				uint8_t save[100];
				memcpy(save, held + base, len);
				memset(held + base, 1, len);
				uint32_t runs = count_runs(base, base + WIN + 1);
				int rc = hk_asm_add(&a, 0, len);
				if (runs > HK_ASM_MAX_RANGES) {
					/* full: the core advances over in-order data instead */
					assert_int_equal(rc, -ENOSPC);
					memcpy(held + base, save, len);
					model_advance(&a, &base, len);
				} else {
					assert_int_equal(rc, 0);
					hist[nh++] = base + len - 1;
					uint32_t f = hk_asm_front(&a);
					assert_true(f >= len);
					model_advance(&a, &base, f);
				}
			}
			/* structure equals the model's ranges above base */
			uint32_t i = 0;
			for (uint32_t p = base; p < base + WIN + 1; p++) {
				if (held[p] && (p == base || !held[p - 1] || brk[p])) {
					uint32_t s, e;
					run_of(p, &s, &e);
					if (s < base)
						s = base;
					assert_true(i < a.n);
					assert_int_equal(a.r[i].start, s - base);
					assert_int_equal(a.r[i].end, e - base);
					i++;
				}
			}
			assert_int_equal(a.n, i);
			assert_int_equal(a.n_recent, a.n);
			if ((int)a.n > max_n)
				max_n = (int)a.n;
			/* SACK order: distinct ranges of the newest segments first */
			struct hk_tcp_sack_block want[HK_ASM_MAX_RANGES];
			int nw = 0;
			for (uint32_t h = nh; h-- > 0 && nw < HK_ASM_MAX_RANGES;) {
				uint32_t s, e;
				run_of(hist[h], &s, &e);
				if (e <= base)
					continue; /* cumulatively acked: never reported */
				if (s < base)
					s = base;
				int dup = 0;
				for (int j = 0; j < nw; j++)
					if (want[j].left == isn + s)
						dup = 1;
				if (!dup) {
					want[nw].left = isn + s;
					want[nw].right = isn + e;
					nw++;
				}
			}
			assert_int_equal(nw, (int)a.n);
			int max = 1 + (int)hk_rng_below(&rng, 4);
			struct hk_tcp_sack_block got[4];
			int k = hk_asm_sack_blocks(&a, isn + base, got, max);
			assert_int_equal(k, nw < max ? nw : max);
			for (int j = 0; j < k; j++) {
				assert_int_equal(got[j].left, want[j].left);
				assert_int_equal(got[j].right, want[j].right);
				assert_true(hk_seq_geq(got[j].left, isn + base));
			}
		}
	}
	/* the bound was exercised */
	print_message("refused %d, most ranges %d\n", refused, max_n);
	assert_true(refused > 100);
	assert_int_equal(max_n, HK_ASM_MAX_RANGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_rules),
		cmocka_unit_test(bound_refuses),
		cmocka_unit_test(advance_trims),
		cmocka_unit_test(rfc2018_order),
		cmocka_unit_test(random_against_bitmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

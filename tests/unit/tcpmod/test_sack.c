/* Unit tests: SACK scoreboard and the RFC 6675 helpers (IsLost, SetPipe,
 * NextSeg), from the RFC's example and against a byte-level model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/rng.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_seq.h"

static uint32_t add1(struct hk_sack_board *b, uint32_t una, uint32_t nxt, uint32_t l, uint32_t r)
{
	struct hk_tcp_sack_block blk = {l, r};
	return hk_sack_update(b, una, nxt, &blk, 1);
}

static void validity(void **state)
{
	(void)state;
	struct hk_sack_board b;
	hk_sack_reset(&b);
	const uint32_t una = 0xfffffc00u, nxt = una + 4000; /* wraps past 2^32 */
	/* fully below snd_una (a D-SACK): ignored */
	assert_int_equal(add1(&b, una, nxt, una - 500, una), 0);
	/* above snd_nxt: ignored */
	assert_int_equal(add1(&b, una, nxt, nxt - 100, nxt + 1), 0);
	assert_int_equal(add1(&b, una, nxt, nxt + 100, nxt + 200), 0);
	/* empty and inverted: ignored */
	assert_int_equal(add1(&b, una, nxt, una + 100, una + 100), 0);
	assert_int_equal(add1(&b, una, nxt, una + 200, una + 100), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(hk_sack_high(&b, una), una);
	/* valid, straddling 2^32 */
	assert_int_equal(add1(&b, una, nxt, una + 1000, una + 2000), 1000);
	assert_int_equal(b.n, 1);
	assert_true(hk_sack_is_sacked(&b, una + 1000));
	assert_true(hk_sack_is_sacked(&b, una + 1999));
	assert_false(hk_sack_is_sacked(&b, una + 2000));
	assert_false(hk_sack_is_sacked(&b, una + 999));
	assert_int_equal(hk_sack_high(&b, una), una + 2000);
	/* the same again: nothing new; overlapping: only the new part */
	assert_int_equal(add1(&b, una, nxt, una + 1000, una + 2000), 0);
	assert_int_equal(add1(&b, una, nxt, una + 1500, una + 2500), 500);
	/* up to snd_nxt exactly is fine */
	assert_int_equal(add1(&b, una, nxt, una + 3000, nxt), 1000);
	assert_int_equal(b.n, 2);
	/* a block partly below snd_una counts only above it */
	assert_int_equal(add1(&b, una, nxt, una - 100, una + 100), 100);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.r[0].left, una);
	/* several blocks in one ACK, one bridging two ranges */
	struct hk_tcp_sack_block blks[3] = {
		{una + 2500, una + 3000}, {una + 100, una + 1000}, {nxt, nxt + 10}};
	assert_int_equal(hk_sack_update(&b, una, nxt, blks, 3), 1400);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.r[0].left, una);
	assert_int_equal(b.r[0].right, nxt);
	/* empty window: nothing is taken */
	hk_sack_reset(&b);
	assert_int_equal(add1(&b, una, una, una, una + 10), 0);
}

static void ack_trims(void **state)
{
	(void)state;
	struct hk_sack_board b;
	hk_sack_reset(&b);
	uint32_t una = 1000, nxt = 10000;
	add1(&b, una, nxt, 2000, 3000);
	add1(&b, una, nxt, 4000, 5000);
	add1(&b, una, nxt, 6000, 7000);
	assert_int_equal(b.n, 3);
	hk_sack_ack(&b, 4500);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.r[0].left, 4500);
	assert_int_equal(b.r[0].right, 5000);
	hk_sack_ack(&b, 5000);
	assert_int_equal(b.n, 1);
	/* an update with a higher snd_una trims first */
	assert_int_equal(add1(&b, 7000, nxt, 8000, 9000), 1000);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.r[0].left, 8000);
	hk_sack_ack(&b, nxt);
	assert_int_equal(b.n, 0);
}

static void bounded(void **state)
{
	(void)state;
	struct hk_sack_board b;
	hk_sack_reset(&b);
	uint32_t una = 0, nxt = 100000;
	for (uint32_t i = 0; i < HK_SACK_MAX_RANGES; i++)
		assert_int_equal(add1(&b, una, nxt, 100 + 200 * i, 200 + 200 * i), 100);
	assert_int_equal(b.n, HK_SACK_MAX_RANGES);
	/* one more separate range is ignored */
	assert_int_equal(add1(&b, una, nxt, 50000, 50100), 0);
	assert_int_equal(b.n, HK_SACK_MAX_RANGES);
	assert_false(hk_sack_is_sacked(&b, 50000));
	/* extending one still works */
	assert_int_equal(add1(&b, una, nxt, 200, 250), 50);
	assert_int_equal(b.n, HK_SACK_MAX_RANGES);
	/* joining two frees a slot */
	assert_int_equal(add1(&b, una, nxt, 250, 300), 50);
	assert_int_equal(b.n, HK_SACK_MAX_RANGES - 1);
	assert_int_equal(add1(&b, una, nxt, 50000, 50100), 100);
}

/* RFC 6675's setting: 10 segments of SMSS, segment 1 acked, 2-4 lost,
 * SACKs arrive for 5..10 one by one. Segment k is [B + (k-1)*MSS, B + k*MSS). */
#define MSS 1000u
#define B 0xfffff000u
#define SEG(k) (B + ((k) - 1) * MSS)

static void rfc6675_example(void **state)
{
	(void)state;
	struct hk_sack_board b;
	hk_sack_reset(&b);
	uint32_t una = SEG(2), nxt = SEG(11);
	uint32_t seq, len;
	/* nothing SACKed: nothing lost, all in flight */
	assert_false(hk_sack_is_lost(&b, SEG(2), MSS));
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 9 * MSS);
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, una, MSS, &seq, &len), -1);
	assert_int_equal(hk_sack_next_seg_rule3(&b, una, nxt, una, MSS, &seq, &len), -1);
	/* first duplicate ACK, SACK 5 */
	assert_int_equal(add1(&b, una, nxt, SEG(5), SEG(6)), MSS);
	assert_false(hk_sack_is_lost(&b, SEG(2), MSS));
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 8 * MSS);
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, una, MSS, &seq, &len), -1);
	/* rule 3 (no new data): the first unSACKed segment below the SACK */
	assert_int_equal(hk_sack_next_seg_rule3(&b, una, nxt, una, MSS, &seq, &len), 0);
	assert_int_equal(seq, SEG(2));
	assert_int_equal(len, MSS);
	/* second, SACK 5-6: 2*SMSS is not more than (DupThresh-1)*SMSS */
	add1(&b, una, nxt, SEG(6), SEG(7));
	assert_false(hk_sack_is_lost(&b, SEG(2), MSS));
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 7 * MSS);
	/* third, SACK 5-7: segments 2..4 are lost */
	add1(&b, una, nxt, SEG(7), SEG(8));
	for (int k = 2; k <= 4; k++) {
		assert_true(hk_sack_is_lost(&b, SEG(k), MSS));
		assert_true(hk_sack_is_lost(&b, SEG(k) + MSS - 1, MSS));
	}
	assert_false(hk_sack_is_lost(&b, SEG(8), MSS));
	/* pipe: 2..4 lost (0), 5..7 SACKed, 8..10 in flight */
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 3 * MSS);
	/* the rest of the SACKs */
	for (int k = 8; k <= 10; k++)
		add1(&b, una, nxt, SEG(k), SEG(k + 1));
	assert_int_equal(b.n, 1);
	assert_int_equal(hk_sack_high(&b, una), nxt);
	assert_true(hk_sack_is_lost(&b, SEG(2), MSS));
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 0);
	/* NextSeg picks 2, then 3, then 4; each retransmission enters pipe */
	uint32_t high_rxt = una;
	for (int k = 2; k <= 4; k++) {
		assert_int_equal(hk_sack_next_seg(&b, una, nxt, high_rxt, MSS, &seq, &len), 0);
		assert_int_equal(seq, SEG(k));
		assert_int_equal(len, MSS);
		high_rxt = seq + len;
		assert_int_equal(hk_sack_pipe(&b, una, nxt, high_rxt, MSS), (uint32_t)(k - 1) * MSS);
	}
	/* all retransmitted: rule 1 and rule 3 have nothing; rule 2 is new data */
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, high_rxt, MSS, &seq, &len), -1);
	assert_int_equal(hk_sack_next_seg_rule3(&b, una, nxt, high_rxt, MSS, &seq, &len), -1);
	/* the retransmission of 2 is acked: snd_una moves, 3 and 4 stay in pipe */
	una = SEG(3);
	hk_sack_ack(&b, una);
	assert_int_equal(hk_sack_pipe(&b, una, nxt, high_rxt, MSS), 2 * MSS);
}

static void lost_by_count_and_bytes(void **state)
{
	(void)state;
	struct hk_sack_board b;
	hk_sack_reset(&b);
	uint32_t una = 0, nxt = 10000, seq, len;
	/* small discontiguous SACKed pieces: DupThresh of them make a loss */
	add1(&b, una, nxt, 1000, 1100);
	add1(&b, una, nxt, 2000, 2100);
	assert_false(hk_sack_is_lost(&b, 0, MSS));
	add1(&b, una, nxt, 3000, 3100);
	assert_true(hk_sack_is_lost(&b, 0, MSS));
	assert_true(hk_sack_is_lost(&b, 999, MSS));
	assert_false(hk_sack_is_lost(&b, 1100, MSS)); /* only two above */
	/* NextSeg never reaches into SACKed data: the hole is 1000 bytes */
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, una, 1460, &seq, &len), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(len, 1000);
	/* starting from high_rxt in the middle of the hole */
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, 700, 1460, &seq, &len), 0);
	assert_int_equal(seq, 700);
	assert_int_equal(len, 300);
	/* the next hole is not lost: rule 1 stops, rule 3 offers it */
	assert_int_equal(hk_sack_next_seg(&b, una, nxt, 1000, MSS, &seq, &len), -1);
	assert_int_equal(hk_sack_next_seg_rule3(&b, una, nxt, 1000, MSS, &seq, &len), 0);
	assert_int_equal(seq, 1100);
	assert_int_equal(len, 900);
	/* above the highest SACK is never offered (1.b) */
	assert_int_equal(hk_sack_next_seg_rule3(&b, una, nxt, 3000, MSS, &seq, &len), -1);
	/* pipe: hole 0..1000 lost; 1100..2000 and 2100..3000 not; 3100..10000 not */
	assert_int_equal(hk_sack_pipe(&b, una, nxt, una, MSS), 900 + 900 + 6900);
	/* bytes: just more than 2*SMSS in one range above */
	hk_sack_reset(&b);
	add1(&b, una, nxt, 5000, 7000);
	assert_false(hk_sack_is_lost(&b, 0, MSS));
	add1(&b, una, nxt, 7000, 7001);
	assert_true(hk_sack_is_lost(&b, 0, MSS));
	/* seq inside a SACKed range counts only the bytes above it */
	assert_false(hk_sack_is_lost(&b, 5000, MSS));
}

/* Byte-level model: sacked[i] for offset i from snd_una's start value. */
#define WIN 2500
#define SMSS 100
static uint8_t sacked[WIN * 8];

static uint32_t runs_in(uint32_t from, uint32_t to)
{
	uint32_t n = 0;
	for (uint32_t i = from; i < to; i++)
		if (sacked[i] && (i == from || !sacked[i - 1]))
			n++;
	return n;
}

/* IsLost for every offset in [una, nxt) from suffix sums: SACKed bytes
 * and SACKed ranges strictly above each offset. */
static uint8_t lost_at[WIN * 8];

static void model_lost_all(uint32_t una, uint32_t nxt)
{
	uint32_t ranges = 0, bytes = 0;
	for (uint32_t i = nxt; i-- > una;) {
		lost_at[i] = ranges >= HK_SACK_DUPTHRESH || bytes > (HK_SACK_DUPTHRESH - 1) * SMSS;
		if (sacked[i]) {
			bytes++;
			if (i == una || !sacked[i - 1])
				ranges++;
		}
	}
}

static void random_against_model(void **state)
{
	(void)state;
	struct hk_rng rng;
	hk_rng_seed(&rng, 6675);
	int ignored = 0, found = 0;
	for (int run = 0; run < 10; run++) {
		memset(sacked, 0, sizeof(sacked));
		struct hk_sack_board b;
		hk_sack_reset(&b);
		uint32_t base = hk_rng_u32(&rng); /* seq of offset 0 */
		uint32_t una = 0, nxt = WIN;      /* offsets */
		while (nxt + WIN < sizeof(sacked)) {
			uint32_t op = hk_rng_below(&rng, 8);
			if (op < 6) {
				/* an ACK with 1..4 blocks, some invalid */
				struct hk_tcp_sack_block blk[4];
				int nb = 1 + (int)hk_rng_below(&rng, 4);
				uint32_t want = 0;
				for (int j = 0; j < nb; j++) {
					uint32_t l = una + hk_rng_below(&rng, nxt - una + 200) - 100;
					/* small blocks on odd runs fill the board to its bound */
					uint32_t len = 1 + hk_rng_below(&rng, run % 2 ? 12 : 3 * SMSS);
					blk[j].left = base + l;
					blk[j].right = base + l + len;
				}
				for (int j = 0; j < nb; j++) {
					uint32_t l = blk[j].left - base, r = blk[j].right - base;
					if ((int32_t)(r - una) <= 0 || (int32_t)(r - nxt) > 0)
						continue;
					if ((int32_t)(l - una) < 0)
						l = una;
					uint8_t save[3 * SMSS + 200];
					memcpy(save, sacked + l, r - l);
					uint32_t fresh = 0;
					for (uint32_t i = l; i < r; i++) {
						fresh += !sacked[i];
						sacked[i] = 1;
					}
					if (runs_in(una, nxt + 1) > HK_SACK_MAX_RANGES) {
						memcpy(sacked + l, save, r - l);
						ignored++;
						continue;
					}
					want += fresh;
				}
				assert_int_equal(hk_sack_update(&b, base + una, base + nxt, blk, nb), want);
			} else if (op == 6) {
				/* a cumulative ACK; new data sent */
				uint32_t adv = hk_rng_below(&rng, 4 * SMSS);
				if (una + adv > nxt)
					adv = nxt - una;
				una += adv;
				nxt = una + WIN;
				hk_sack_ack(&b, base + una);
			} else {
				/* the core's snd_una jumped past SACKed data */
				uint32_t s = una;
				while (s < nxt && !sacked[s])
					s++;
				while (s < nxt && sacked[s])
					s++;
				una = s;
				hk_sack_ack(&b, base + una);
			}
			/* board equals model */
			assert_true(b.n <= HK_SACK_MAX_RANGES);
			uint32_t hi = una;
			for (uint32_t i = una; i < nxt; i++) {
				assert_int_equal(hk_sack_is_sacked(&b, base + i), sacked[i]);
				if (sacked[i])
					hi = i + 1;
			}
			assert_int_equal(hk_sack_high(&b, base + una), base + hi);
			assert_int_equal(b.n, runs_in(una, nxt));
			/* IsLost, pipe and NextSeg against the per-byte definitions */
			uint32_t high_rxt = una + hk_rng_below(&rng, nxt - una + 1);
			uint32_t pipe = 0;
			model_lost_all(una, nxt);
			for (uint32_t i = una; i < nxt; i++) {
				if (sacked[i])
					continue;
				bool lost = lost_at[i];
				if (i % 97 == 0)
					assert_int_equal(hk_sack_is_lost(&b, base + i, SMSS), lost);
				pipe += !lost;
				pipe += i < high_rxt;
			}
			assert_int_equal(hk_sack_pipe(&b, base + una, base + nxt, base + high_rxt, SMSS), pipe);
			for (int rule = 1; rule <= 3; rule += 2) {
				int64_t want = -1;
				for (uint32_t i = high_rxt; i < hi; i++) {
					if (!sacked[i] && (rule == 3 || lost_at[i])) {
						want = i;
						break;
					}
				}
				uint32_t seq = 0, len = 0;
				int rc = rule == 1
					? hk_sack_next_seg(&b, base + una, base + nxt, base + high_rxt, SMSS, &seq, &len)
					: hk_sack_next_seg_rule3(&b, base + una, base + nxt, base + high_rxt, SMSS, &seq, &len);
				if (want < 0) {
					assert_int_equal(rc, -1);
					continue;
				}
				assert_int_equal(rc, 0);
				found++;
				assert_int_equal(seq, base + (uint32_t)want);
				uint32_t wl = 0;
				while (wl < SMSS && !sacked[want + wl])
					wl++;
				assert_int_equal(len, wl);
			}
		}
	}
	/* the bound and NextSeg were exercised */
	print_message("ignored %d blocks, NextSeg found %d\n", ignored, found);
	assert_true(ignored > 0);
	assert_true(found > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validity),
		cmocka_unit_test(ack_trims),
		cmocka_unit_test(bounded),
		cmocka_unit_test(rfc6675_example),
		cmocka_unit_test(lost_by_count_and_bytes),
		cmocka_unit_test(random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

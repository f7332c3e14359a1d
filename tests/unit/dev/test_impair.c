/* Unit tests: the impairment layer with fixed seeds, in virtual time. Each
 * impairment does what it says, in both directions, and nothing else. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dev.h"

#define NFRAMES 10000

static size_t make_frame(uint8_t *f, uint32_t seq, size_t len)
{
	memset(f, 0, len);
	f[12] = 0x08;
	memcpy(f + 14, &seq, 4);
	for (size_t i = 18; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	return len;
}

static uint32_t frame_seq(const uint8_t *f)
{
	uint32_t seq;
	memcpy(&seq, f + 14, 4);
	return seq;
}

/* A wire whose end `a` is wrapped (tx direction impaired) or whose end `b`
 * is wrapped (rx direction impaired). */
struct rig {
	struct hk_dev *a, *b;   /* what the test sends on / receives from */
	struct hk_dev *wrapped; /* the impair device */
};

static void rig_init(struct rig *r, const char *spec_text, bool wrap_rx_side)
{
	struct hk_impair_spec spec;
	char err[128];
	assert_int_equal(hk_impair_parse(spec_text, &spec, err, sizeof(err)), 0);
	assert_int_equal(hk_sim_wire_new(&r->a, &r->b, 1500), 0);
	if (wrap_rx_side) {
		r->b = r->wrapped = hk_impair_wrap(r->b, &spec);
		assert_non_null(r->b);
	} else {
		r->a = r->wrapped = hk_impair_wrap(r->a, &spec);
		assert_non_null(r->a);
	}
}

static void rig_fini(struct rig *r)
{
	hk_dev_close(r->a);
	hk_dev_close(r->b);
}

static struct hk_impair_dir_stats rig_stats(const struct rig *r, bool rx)
{
	struct hk_impair_stats st;
	hk_impair_get_stats(r->wrapped, &st);
	return rx ? st.rx : st.tx;
}

/* Receives everything due at `now` on r->b; returns how many, seqs in out. */
static size_t recv_due(struct rig *r, hk_time_t now, uint32_t *out, size_t max)
{
	uint8_t got[1600];
	size_t n = 0;
	ssize_t len;
	while ((len = r->b->ops->rx(r->b, got, sizeof(got), now)) > 0) {
		assert_true(n < max);
		out[n++] = frame_seq(got);
	}
	assert_int_equal(len, 0);
	return n;
}

/* Sends NFRAMES frames 100 µs apart and collects what arrives until the
 * layer has nothing left. */
static size_t run_stream(struct rig *r, uint32_t *out, size_t max, size_t len)
{
	uint8_t f[1600];
	size_t n = 0;
	hk_time_t now = 0;
	for (uint32_t i = 0; i < NFRAMES; i++, now += 100) {
		assert_int_equal(r->a->ops->tx(r->a, f, make_frame(f, i, len), now), 0);
		n += recv_due(r, now, out + n, max - n);
	}
	for (int guard = 0; guard < 100000; guard++) {
		hk_time_t d = r->wrapped->ops->next_deadline(r->wrapped);
		if (d == HK_TIME_NEVER)
			break;
		if (d > now)
			now = d;
		/* the tx side flushes from rx or tx calls on the wrapper */
		if (r->wrapped == r->a) {
			uint8_t scratch[64];
			r->a->ops->rx(r->a, scratch, sizeof(scratch), now);
		}
		n += recv_due(r, now, out + n, max - n);
	}
	return n;
}

static void loss_rate_within_tolerance(void **state)
{
	(void)state;
	for (int rx = 0; rx < 2; rx++) {
		struct rig r;
		rig_init(&r, "loss=0.1,seed=42", rx);
		static uint32_t got[NFRAMES];
		size_t n = run_stream(&r, got, NFRAMES, 100);
		size_t lost = NFRAMES - n;
		/* binomial(10000, 0.1): sd 30; 900..1100 is over 3 sd */
		assert_in_range(lost, 900, 1100);
		struct hk_impair_dir_stats st = rig_stats(&r, rx);
		assert_int_equal(st.frames, NFRAMES);
		assert_int_equal(st.lost, lost);
		assert_int_equal(st.passed, n);
		/* what survives keeps its order */
		for (size_t i = 1; i < n; i++)
			assert_true(got[i] > got[i - 1]);
		rig_fini(&r);
	}
}

static void dup_produces_duplicates(void **state)
{
	(void)state;
	for (int rx = 0; rx < 2; rx++) {
		struct rig r;
		rig_init(&r, "dup=0.2,seed=3", rx);
		static uint32_t got[2 * NFRAMES];
		size_t n = run_stream(&r, got, 2 * NFRAMES, 80);
		assert_in_range(n - NFRAMES, 1800, 2200);
		static uint8_t seen[NFRAMES];
		memset(seen, 0, sizeof(seen));
		size_t dups = 0;
		for (size_t i = 0; i < n; i++) {
			assert_true(got[i] < NFRAMES);
			if (seen[got[i]]++)
				dups++;
			/* the copy follows right behind the original */
			if (seen[got[i]] == 2)
				assert_int_equal(got[i - 1], got[i]);
		}
		for (size_t i = 0; i < NFRAMES; i++)
			assert_in_range(seen[i], 1, 2);
		assert_int_equal(rig_stats(&r, rx).duplicated, dups);
		rig_fini(&r);
	}
}

static void reorder_changes_order_loses_nothing(void **state)
{
	(void)state;
	for (int rx = 0; rx < 2; rx++) {
		struct rig r;
		rig_init(&r, "reorder=0.05,seed=11", rx);
		static uint32_t got[NFRAMES];
		size_t n = run_stream(&r, got, NFRAMES, 200);
		assert_int_equal(n, NFRAMES);
		static uint8_t seen[NFRAMES];
		memset(seen, 0, sizeof(seen));
		size_t inversions = 0;
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(seen[got[i]]++, 0);
			if (i && got[i] < got[i - 1])
				inversions++;
		}
		struct hk_impair_dir_stats st = rig_stats(&r, rx);
		assert_in_range(st.reordered, 400, 600);
		/* a held frame is passed by the ~10 frames of the next ms */
		assert_true(inversions > 300);
		rig_fini(&r);
	}
}

static void delay_and_jitter_in_virtual_time(void **state)
{
	(void)state;
	uint8_t f[100], got[1600];
	uint32_t seqs[8];
	/* tx direction: the wrapper holds the frame and reports its deadline */
	struct rig r;
	rig_init(&r, "delay=2ms", false);
	assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, 1, 100), 1000), 0);
	assert_int_equal(r.a->ops->next_deadline(r.a), 3000);
	assert_int_equal(r.a->ops->rx(r.a, got, sizeof(got), 2999), 0);
	assert_int_equal(recv_due(&r, 2999, seqs, 8), 0);
	assert_int_equal(r.a->ops->rx(r.a, got, sizeof(got), 3000), 0); /* flushes */
	assert_true(r.a->ops->next_deadline(r.a) == HK_TIME_NEVER);
	assert_int_equal(recv_due(&r, 3000, seqs, 8), 1);
	assert_int_equal(seqs[0], 1);
	rig_fini(&r);

	/* rx direction */
	rig_init(&r, "delay=500us", true);
	assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, 2, 100), 0), 0);
	assert_int_equal(r.b->ops->rx(r.b, got, sizeof(got), 0), 0);
	assert_int_equal(r.b->ops->next_deadline(r.b), 500);
	assert_int_equal(r.b->ops->rx(r.b, got, sizeof(got), 499), 0);
	assert_int_equal(r.b->ops->rx(r.b, got, sizeof(got), 500), 100);
	assert_int_equal(frame_seq(got), 2);
	rig_fini(&r);

	/* jitter: every frame within [delay, delay + jitter], order kept */
	rig_init(&r, "delay=1ms,jitter=3ms,seed=5", true);
	hk_time_t sent[200];
	for (uint32_t i = 0; i < 200; i++) {
		sent[i] = (hk_time_t)i * 50;
		assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, i, 100), sent[i]), 0);
	}
	uint32_t next = 0, spread = 0;
	for (hk_time_t now = 0; now < 20000; now++) {
		ssize_t len;
		while ((len = r.b->ops->rx(r.b, got, sizeof(got), now)) > 0) {
			uint32_t s = frame_seq(got);
			assert_int_equal(s, next++);
			/* in order, yet never later than delay + jitter:
			 * a predecessor was sent earlier */
			assert_true(now >= sent[s] + 1000 && now <= sent[s] + 4000);
			if (now > sent[s] + 2500)
				spread++;
		}
	}
	assert_int_equal(next, 200);
	assert_true(spread > 20);
	rig_fini(&r);
}

static void rate_caps_throughput(void **state)
{
	(void)state;
	uint8_t f[1000];
	uint32_t seqs[200];
	/* 1000-byte frames at 1 Mbit/s: 8 ms each */
	struct rig r;
	rig_init(&r, "rate=1mbit", true);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, i, 1000), 0), 0);
	size_t n = 0;
	hk_time_t last = 0;
	for (hk_time_t now = 0; now <= HK_SEC(2); now += 100) {
		size_t k = recv_due(&r, now, seqs + n, 200 - n);
		if (k)
			last = now;
		/* never ahead of the bottleneck */
		n += k;
		assert_true(n <= now / 8000);
	}
	assert_int_equal(n, 100);
	assert_int_equal(last, 800000); /* 100 * 8 ms */
	assert_int_equal(rig_stats(&r, true).queue_drops, 0);
	rig_fini(&r);

	/* tail drop: room for 10 frames at the bottleneck */
	rig_init(&r, "rate=1mbit,queue=10", false);
	for (uint32_t i = 0; i < 50; i++)
		assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, i, 1000), 0), 0);
	struct hk_impair_dir_stats st = rig_stats(&r, false);
	assert_int_equal(st.queue_drops, 40);
	assert_int_equal(st.passed, 10);
	/* once the first frame has left, one more fits */
	assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, 50, 1000), 8000), 0);
	assert_int_equal(rig_stats(&r, false).queue_drops, 40);
	assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, 51, 1000), 8000), 0);
	assert_int_equal(rig_stats(&r, false).queue_drops, 41);
	rig_fini(&r);
}

static void corruption_flips_one_byte_past_the_header(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, "corrupt=1,seed=9", false);
	uint8_t f[200], want[200], got[200];
	size_t hit_lo = 200, hit_hi = 0;
	for (uint32_t i = 0; i < 500; i++) {
		make_frame(want, i, 200);
		memcpy(f, want, 200);
		assert_int_equal(r.a->ops->tx(r.a, f, 200, 0), 0);
		assert_memory_equal(f, want, 200); /* the caller's buffer is untouched */
		assert_int_equal(r.b->ops->rx(r.b, got, sizeof(got), 0), 200);
		int diffs = 0;
		for (size_t k = 0; k < 200; k++) {
			if (got[k] != want[k]) {
				diffs++;
				assert_true(k >= 14);
				hit_lo = k < hit_lo ? k : hit_lo;
				hit_hi = k > hit_hi ? k : hit_hi;
			}
		}
		assert_int_equal(diffs, 1);
	}
	assert_true(hit_lo < 30 && hit_hi > 180); /* spread over the frame */
	assert_int_equal(rig_stats(&r, false).corrupted, 500);
	rig_fini(&r);
}

static void same_seed_same_run(void **state)
{
	(void)state;
	static uint32_t g1[2 * NFRAMES], g2[2 * NFRAMES], g3[2 * NFRAMES];
	const char *spec = "loss=0.05,dup=0.05,reorder=0.05,corrupt=0.01,delay=1ms,jitter=1ms,seed=";
	char text[128];
	size_t n[3];
	uint32_t *g[3] = {g1, g2, g3};
	for (int k = 0; k < 3; k++) {
		struct rig r;
		strcpy(text, spec);
		strcat(text, k < 2 ? "77" : "78");
		rig_init(&r, text, false);
		n[k] = run_stream(&r, g[k], 2 * NFRAMES, 100);
		rig_fini(&r);
	}
	/* one seed, one run; another seed, another run */
	assert_int_equal(n[0], n[1]);
	assert_memory_equal(g1, g2, n[0] * sizeof(uint32_t));
	assert_true(n[0] != n[2] || memcmp(g1, g3, n[0] * sizeof(uint32_t)) != 0);
}

static void memory_is_bounded(void **state)
{
	(void)state;
	/* queue=10 gives a pool of 2*10+64 slots; a long delay fills it */
	struct rig r;
	rig_init(&r, "delay=1s,queue=10", false);
	uint8_t f[100];
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, i, 100), 0), 0);
	struct hk_impair_dir_stats st = rig_stats(&r, false);
	assert_int_equal(st.passed, 84);
	assert_int_equal(st.pool_drops, 116);
	uint32_t seqs[200];
	uint8_t scratch[64];
	r.a->ops->rx(r.a, scratch, sizeof(scratch), HK_SEC(1));
	assert_int_equal(recv_due(&r, HK_SEC(1), seqs, 200), 84);
	assert_int_equal(seqs[83], 83);
	/* the slots came back */
	for (uint32_t i = 0; i < 84; i++)
		assert_int_equal(r.a->ops->tx(r.a, f, make_frame(f, i, 100), HK_SEC(1)), 0);
	assert_int_equal(rig_stats(&r, false).pool_drops, 116);
	/* oversize frames are refused, not truncated */
	uint8_t big[1600];
	assert_int_equal(r.a->ops->tx(r.a, big, sizeof(big), HK_SEC(1)), -EMSGSIZE);
	rig_fini(&r);
}

static void passthrough_keeps_identity(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, "", false);
	assert_memory_equal(r.a->name, "sim:a", 6);
	assert_int_equal(r.a->mtu, 1500);
	assert_int_equal(r.a->link, HK_LINK_ETHERNET);
	assert_int_equal(r.a->mac[5], 0x0a);
	assert_int_equal(r.a->ops->fd(r.a), -1);
	static uint32_t got[NFRAMES];
	assert_int_equal(run_stream(&r, got, NFRAMES, 64), NFRAMES);
	for (uint32_t i = 0; i < NFRAMES; i++)
		assert_int_equal(got[i], i);
	struct hk_impair_stats st;
	hk_impair_get_stats(r.b, &st); /* not an impair device: zeroes */
	assert_int_equal(st.tx.frames + st.rx.frames, 0);
	rig_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loss_rate_within_tolerance),
		cmocka_unit_test(dup_produces_duplicates),
		cmocka_unit_test(reorder_changes_order_loses_nothing),
		cmocka_unit_test(delay_and_jitter_in_virtual_time),
		cmocka_unit_test(rate_caps_throughput),
		cmocka_unit_test(corruption_flips_one_byte_past_the_header),
		cmocka_unit_test(same_seed_same_run),
		cmocka_unit_test(memory_is_bounded),
		cmocka_unit_test(passthrough_keeps_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

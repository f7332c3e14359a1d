/* hokuto tcp — out-of-order reassembly bookkeeping (see tcp_asm.h).
 * Ranges are offsets past rcv_nxt, kept sorted, disjoint and non-adjacent;
 * recent[] orders them by last touch for SACK (RFC 2018 section 4). */
#include "tcp/tcp_asm.h"

#include <errno.h>
#include <string.h>

/* Removes the recency entry whose range start is s (if any). */
static void recent_remove(struct hk_asm *a, uint32_t s)
{
	for (uint32_t i = 0; i < a->n_recent; i++) {
		if (a->recent[i] == s) {
			memmove(&a->recent[i], &a->recent[i + 1],
				(a->n_recent - i - 1) * sizeof(a->recent[0]));
			a->n_recent--;
			return;
		}
	}
}

static void recent_push_front(struct hk_asm *a, uint32_t s)
{
	if (a->n_recent == HK_ASM_MAX_RANGES)
		a->n_recent--; /* cannot happen while n_recent == n <= MAX */
	memmove(&a->recent[1], &a->recent[0], a->n_recent * sizeof(a->recent[0]));
	a->recent[0] = s;
	a->n_recent++;
}

int hk_asm_add(struct hk_asm *a, uint32_t off, uint32_t len)
{
	if (len == 0)
		return 0;
	uint32_t end = len > UINT32_MAX - off ? UINT32_MAX : off + len;
	/* ranges [lo, hi) of r[] touch [off, end] (overlap or adjacency) */
	uint32_t lo = 0;
	while (lo < a->n && a->r[lo].end < off)
		lo++;
	uint32_t hi = lo;
	while (hi < a->n && a->r[hi].start <= end)
		hi++;
	if (hi == lo && a->n == HK_ASM_MAX_RANGES)
		return -ENOSPC; /* would need one range more than the bound */
	struct hk_asm_range m = {off, end};
	for (uint32_t i = lo; i < hi; i++) {
		if (a->r[i].start < m.start)
			m.start = a->r[i].start;
		if (a->r[i].end > m.end)
			m.end = a->r[i].end;
		recent_remove(a, a->r[i].start);
	}
	/* replace r[lo..hi) by m */
	uint32_t k = hi - lo;
	if (k != 1)
		memmove(&a->r[lo + 1], &a->r[hi], (a->n - hi) * sizeof(a->r[0]));
	a->r[lo] = m;
	a->n = a->n - k + 1;
	/* the block holding the newest segment goes first (RFC 2018 section 4) */
	recent_push_front(a, m.start);
	return 0;
}

uint32_t hk_asm_front(const struct hk_asm *a)
{
	return a->n > 0 && a->r[0].start == 0 ? a->r[0].end : 0;
}

void hk_asm_advance(struct hk_asm *a, uint32_t n)
{
	if (n == 0)
		return;
	/* recency entries first, while the old starts are still in r[] */
	uint32_t w = 0;
	for (uint32_t i = 0; i < a->n_recent; i++) {
		uint32_t s = a->recent[i];
		if (s >= n) {
			a->recent[w++] = s - n;
			continue;
		}
		for (uint32_t j = 0; j < a->n; j++) {
			if (a->r[j].start == s) {
				if (a->r[j].end > n)
					a->recent[w++] = 0; /* trimmed, still held */
				break;
			}
		}
	}
	a->n_recent = w;
	/* ranges: drop those wholly below n, trim a straddling one, rebase */
	w = 0;
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->r[i].end <= n)
			continue;
		struct hk_asm_range x = a->r[i];
		x.start = x.start > n ? x.start - n : 0;
		x.end -= n;
		a->r[w++] = x;
	}
	a->n = w;
}

int hk_asm_sack_blocks(const struct hk_asm *a, uint32_t rcv_nxt,
		       struct hk_tcp_sack_block *out, int max)
{
	int k = 0;
	for (uint32_t i = 0; i < a->n_recent && k < max; i++) {
		for (uint32_t j = 0; j < a->n; j++) {
			if (a->r[j].start == a->recent[i]) {
				out[k].left = rcv_nxt + a->r[j].start;
				out[k].right = rcv_nxt + a->r[j].end;
				k++;
				break;
			}
		}
	}
	return k;
}

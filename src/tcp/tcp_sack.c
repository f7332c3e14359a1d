/* hokuto tcp — sender SACK scoreboard and RFC 6675 loss-recovery helpers.
 * Ranges are kept in sequence space; comparisons are done on offsets from
 * snd_una so the 2^32 wrap never matters. */
#include "tcp/tcp_sack.h"

#include <string.h>

#include "tcp/tcp_seq.h"

void hk_sack_ack(struct hk_sack_board *b, uint32_t snd_una)
{
	uint32_t w = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		struct hk_tcp_sack_block x = b->r[i];
		if (hk_seq_leq(x.right, snd_una))
			continue; /* now cumulatively acknowledged */
		if (hk_seq_lt(x.left, snd_una))
			x.left = snd_una;
		b->r[w++] = x;
	}
	b->n = w;
}

/* Merges [l, r) (offsets from una) into the board; returns new bytes. */
static uint32_t board_add(struct hk_sack_board *b, uint32_t una, uint32_t l, uint32_t r)
{
	uint32_t lo = 0;
	while (lo < b->n && b->r[lo].right - una < l)
		lo++;
	uint32_t hi = lo;
	while (hi < b->n && b->r[hi].left - una <= r)
		hi++;
	if (hi == lo && b->n == HK_SACK_MAX_RANGES)
		return 0; /* no room for another range: ignore (see header) */
	uint32_t covered = 0, ml = l, mr = r;
	for (uint32_t i = lo; i < hi; i++) {
		uint32_t il = b->r[i].left - una, ir = b->r[i].right - una;
		uint32_t ol = il > l ? il : l, or_ = ir < r ? ir : r;
		if (or_ > ol)
			covered += or_ - ol;
		if (il < ml)
			ml = il;
		if (ir > mr)
			mr = ir;
	}
	uint32_t k = hi - lo;
	if (k != 1)
		memmove(&b->r[lo + 1], &b->r[hi], (b->n - hi) * sizeof(b->r[0]));
	b->r[lo].left = una + ml;
	b->r[lo].right = una + mr;
	b->n = b->n - k + 1;
	return (r - l) - covered;
}

uint32_t hk_sack_update(struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
			const struct hk_tcp_sack_block *blocks, int n)
{
	hk_sack_ack(b, snd_una);
	uint32_t fresh = 0;
	uint32_t win = snd_nxt - snd_una;
	if ((int32_t)win <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		uint32_t l = blocks[i].left - snd_una, r = blocks[i].right - snd_una;
		/* RFC 2018 / 6675: only (snd_una, snd_nxt]; below snd_una is a
		 * D-SACK (RFC 2883) or stale and carries nothing for loss recovery */
		if (hk_seq_leq(blocks[i].right, blocks[i].left))
			continue;
		if (!hk_seq_gt(blocks[i].right, snd_una) || r > win)
			continue;
		if (hk_seq_lt(blocks[i].left, snd_una))
			l = 0;
		fresh += board_add(b, snd_una, l, r);
	}
	return fresh;
}

bool hk_sack_is_sacked(const struct hk_sack_board *b, uint32_t seq)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (hk_seq_in(b->r[i].left, seq, b->r[i].right))
			return true;
	return false;
}

uint32_t hk_sack_high(const struct hk_sack_board *b, uint32_t snd_una)
{
	return b->n ? b->r[b->n - 1].right : snd_una;
}

/* RFC 6675 IsLost over ranges: DupThresh SACKed ranges (each holds at least
 * one segment) or more than (DupThresh-1)*SMSS SACKed bytes above seq. */
static bool lost_given(uint32_t ranges_above, uint64_t bytes_above, uint32_t mss)
{
	return ranges_above >= HK_SACK_DUPTHRESH ||
	       bytes_above > (uint64_t)(HK_SACK_DUPTHRESH - 1) * mss;
}

bool hk_sack_is_lost(const struct hk_sack_board *b, uint32_t seq, uint32_t mss)
{
	uint32_t ranges = 0;
	uint64_t bytes = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		const struct hk_tcp_sack_block *x = &b->r[i];
		if (hk_seq_gt(x->left, seq)) {
			ranges++;
			bytes += x->right - x->left;
		} else if (hk_seq_gt(x->right, seq + 1)) {
			bytes += x->right - (seq + 1); /* seq inside a SACKed range */
		}
	}
	return lost_given(ranges, bytes, mss);
}

/* Within one hole (unSACKed bytes between ranges) IsLost has one value:
 * every SACKed byte above one of its bytes is above all of them. Visits
 * the holes in [snd_una, snd_nxt) with that value. */
struct hole {
	uint32_t start, end; /* offsets from snd_una */
	bool lost;
	bool below_high;     /* below the highest SACKed byte (NextSeg 1.b) */
};

static uint32_t holes(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		      uint32_t mss, struct hole *out)
{
	uint32_t win = snd_nxt - snd_una;
	if ((int32_t)win <= 0)
		return 0;
	/* the ranges as offsets in [0, win], clipped (robust to a board not yet
	 * trimmed to this snd_una) */
	struct hk_tcp_sack_block o[HK_SACK_MAX_RANGES];
	uint32_t m = 0;
	uint64_t bytes_above = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		if (!hk_seq_gt(b->r[i].right, snd_una))
			continue;
		uint32_t l = hk_seq_lt(b->r[i].left, snd_una) ? 0 : b->r[i].left - snd_una;
		uint32_t r = b->r[i].right - snd_una;
		if (l >= win)
			break;
		o[m].left = l;
		o[m].right = r < win ? r : win;
		bytes_above += o[m].right - o[m].left;
		m++;
	}
	uint32_t prev = 0, k = 0;
	for (uint32_t i = 0; i <= m; i++) {
		uint32_t end = i < m ? o[i].left : win;
		if (end > prev) {
			out[k].start = prev;
			out[k].end = end;
			out[k].lost = lost_given(m - i, bytes_above, mss);
			out[k].below_high = i < m;
			k++;
		}
		if (i < m) {
			bytes_above -= o[i].right - o[i].left;
			prev = o[i].right;
		}
	}
	return k;
}

static uint32_t rxt_off(uint32_t snd_una, uint32_t high_rxt)
{
	return hk_seq_gt(high_rxt, snd_una) ? high_rxt - snd_una : 0;
}

uint32_t hk_sack_pipe(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		      uint32_t high_rxt, uint32_t mss)
{
	struct hole h[HK_SACK_MAX_RANGES + 1];
	uint32_t n = holes(b, snd_una, snd_nxt, mss, h);
	uint32_t rxt = rxt_off(snd_una, high_rxt);
	uint64_t pipe = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!h[i].lost)
			pipe += h[i].end - h[i].start;        /* (a) not lost: in flight */
		if (rxt > h[i].start)                         /* (b) retransmitted */
			pipe += (rxt < h[i].end ? rxt : h[i].end) - h[i].start;
	}
	return pipe > UINT32_MAX ? UINT32_MAX : (uint32_t)pipe;
}

static int next_seg(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		    uint32_t high_rxt, uint32_t mss, bool need_lost, uint32_t *seq, uint32_t *len)
{
	struct hole h[HK_SACK_MAX_RANGES + 1];
	uint32_t n = holes(b, snd_una, snd_nxt, mss, h);
	uint32_t rxt = rxt_off(snd_una, high_rxt);
	for (uint32_t i = 0; i < n; i++) {
		if (!h[i].below_high)
			break;                                 /* 1.b / 3.b */
		uint32_t s = h[i].start > rxt ? h[i].start : rxt; /* 1.a */
		if (s >= h[i].end || (need_lost && !h[i].lost))    /* 1.c */
			continue;
		uint32_t l = h[i].end - s;
		*seq = snd_una + s;
		*len = mss && l > mss ? mss : l;
		return 0;
	}
	return -1;
}

int hk_sack_next_seg(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		     uint32_t high_rxt, uint32_t mss, uint32_t *seq, uint32_t *len)
{
	return next_seg(b, snd_una, snd_nxt, high_rxt, mss, true, seq, len);
}

int hk_sack_next_seg_rule3(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
			   uint32_t high_rxt, uint32_t mss, uint32_t *seq, uint32_t *len)
{
	return next_seg(b, snd_una, snd_nxt, high_rxt, mss, false, seq, len);
}

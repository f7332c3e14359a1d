/* hokuto tcp — the sender's SACK scoreboard and the loss-recovery helpers
 * of RFC 6675 (IsLost, SetPipe, NextSeg). Bounded; sequence-space ranges. */
#ifndef HOKUTO_TCP_SACK_H
#define HOKUTO_TCP_SACK_H

#include "hokuto/wire/tcp.h"

#define HK_SACK_MAX_RANGES 32
#define HK_SACK_DUPTHRESH 3

struct hk_sack_board {
	uint32_t n;
	struct hk_tcp_sack_block r[HK_SACK_MAX_RANGES]; /* sorted, disjoint, all above snd_una */
};

static inline void hk_sack_reset(struct hk_sack_board *b) { b->n = 0; }
/* Merges the blocks of an incoming ACK; ignores blocks outside
 * (snd_una, snd_nxt] (RFC 2018 / RFC 6675 validity) and drops what is now
 * cumulatively acknowledged. Returns the number of newly SACKed bytes.
 * A block that would need a range beyond HK_SACK_MAX_RANGES is ignored
 * (conservative: those bytes may be retransmitted needlessly). */
uint32_t hk_sack_update(struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
			const struct hk_tcp_sack_block *blocks, int n);
/* Drops ranges below the new snd_una. */
void hk_sack_ack(struct hk_sack_board *b, uint32_t snd_una);
bool hk_sack_is_sacked(const struct hk_sack_board *b, uint32_t seq);
/* Highest SACKed sequence number + 1 (snd_una when none). */
uint32_t hk_sack_high(const struct hk_sack_board *b, uint32_t snd_una);
/* RFC 6675 IsLost(seq): DupThresh discontiguous SACKed segments, or more
 * than (DupThresh-1)*mss SACKed bytes, above seq. */
bool hk_sack_is_lost(const struct hk_sack_board *b, uint32_t seq, uint32_t mss);
/* RFC 6675 SetPipe: bytes believed in flight. high_rxt is the END
 * (exclusive) of what has been retransmitted in this recovery (snd_una when
 * nothing yet): unSACKed bytes below it count once more (rule b). */
uint32_t hk_sack_pipe(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		      uint32_t high_rxt, uint32_t mss);
/* RFC 6675 NextSeg rule 1: the next unSACKed, lost range at or above
 * high_rxt and below the highest SACK, at most mss long (and never into
 * SACKed data). 0 with *seq and *len set, -1 when there is none (the caller
 * then sends new data, rule 2, and failing that asks rule 3 below). */
int hk_sack_next_seg(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		     uint32_t high_rxt, uint32_t mss, uint32_t *seq, uint32_t *len);
/* RFC 6675 NextSeg rule 3 (SHOULD): as rule 1 without the IsLost test; for
 * when rule 1 found nothing and there is no new data to send. */
int hk_sack_next_seg_rule3(const struct hk_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
			   uint32_t high_rxt, uint32_t mss, uint32_t *seq, uint32_t *len);

#endif

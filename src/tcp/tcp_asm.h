/* hokuto tcp — receive-side reassembly bookkeeping: which byte ranges
 * beyond rcv_nxt are already held (the data itself sits in the receive ring,
 * written ahead). Offsets are relative to rcv_nxt. Bounded: at most
 * HK_ASM_MAX_RANGES separate ranges; a segment that would need more is
 * refused (the caller drops it and counts). Also yields SACK blocks in the
 * order RFC 2018 section 4 asks for (the most recently changed first). */
#ifndef HOKUTO_TCP_ASM_H
#define HOKUTO_TCP_ASM_H

#include <stdint.h>

#include "hokuto/wire/tcp.h"

#define HK_ASM_MAX_RANGES 16

struct hk_asm_range {
	uint32_t start, end; /* [start, end) offsets past rcv_nxt */
};

struct hk_asm {
	uint32_t n;
	struct hk_asm_range r[HK_ASM_MAX_RANGES]; /* sorted, disjoint, non-adjacent */
	/* recency order for SACK: starts of all ranges (n_recent == n), the
	 * most recently touched first, so any number of blocks can be reported
	 * in RFC 2018 section 4 order */
	uint32_t recent[HK_ASM_MAX_RANGES];
	uint32_t n_recent;
};

static inline void hk_asm_init(struct hk_asm *a) { a->n = 0; a->n_recent = 0; }
/* Records [off, off+len) as held, merging with neighbours. 0, or -ENOSPC
 * when it would need more ranges than the bound. In-order data (off 0) may
 * be recorded here too, but when that is refused the caller just advances
 * by its length and then takes hk_asm_front(). */
int hk_asm_add(struct hk_asm *a, uint32_t off, uint32_t len);
/* Length of the range starting at offset 0 (0 if none). */
uint32_t hk_asm_front(const struct hk_asm *a);
/* rcv_nxt advanced by n bytes: drops what is now below 0 and rebases. */
void hk_asm_advance(struct hk_asm *a, uint32_t n);
/* Writes up to max SACK blocks (absolute sequence numbers, rcv_nxt + off),
 * newest first; returns how many. */
int hk_asm_sack_blocks(const struct hk_asm *a, uint32_t rcv_nxt,
		       struct hk_tcp_sack_block *out, int max);
static inline int hk_asm_empty(const struct hk_asm *a) { return a->n == 0; }

#endif

/* hokuto tcp — sequence-number arithmetic. Every comparison wraps modulo
 * 2^32 (RFC 9293 3.4); never compare sequence numbers with a plain `<`. */
#ifndef HOKUTO_TCP_SEQ_H
#define HOKUTO_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool hk_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool hk_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool hk_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool hk_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }
/* lo <= x < hi, in sequence space. */
static inline bool hk_seq_in(uint32_t lo, uint32_t x, uint32_t hi)
{
	return hk_seq_leq(lo, x) && hk_seq_lt(x, hi);
}
static inline uint32_t hk_seq_max(uint32_t a, uint32_t b) { return hk_seq_gt(a, b) ? a : b; }
static inline uint32_t hk_seq_min(uint32_t a, uint32_t b) { return hk_seq_lt(a, b) ? a : b; }

#endif

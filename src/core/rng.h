/* hokuto core — seeded pseudo-random numbers (xoshiro256**), so a run
 * replays exactly from its seed. Not for secrets: the ISN key is separate. */
#ifndef HOKUTO_CORE_RNG_H
#define HOKUTO_CORE_RNG_H

#include "hokuto/types.h"

struct hk_rng {
	uint64_t s[4];
};

void hk_rng_seed(struct hk_rng *r, uint64_t seed);
uint64_t hk_rng_u64(struct hk_rng *r);
uint32_t hk_rng_u32(struct hk_rng *r);
/* Uniform in [0, n), n > 0. */
uint32_t hk_rng_below(struct hk_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double hk_rng_double(struct hk_rng *r);

#endif

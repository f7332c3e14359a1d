/* hokuto core — xoshiro256** seeded through splitmix64. */
#include "core/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void hk_rng_seed(struct hk_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

uint64_t hk_rng_u64(struct hk_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint32_t hk_rng_u32(struct hk_rng *r)
{
	return (uint32_t)(hk_rng_u64(r) >> 32);
}

uint32_t hk_rng_below(struct hk_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the bias is below 2^-32 and irrelevant here. */
	return (uint32_t)(((uint64_t)hk_rng_u32(r) * n) >> 32);
}

double hk_rng_double(struct hk_rng *r)
{
	return (double)(hk_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* hokuto tcp — keyed hashes: SipHash-2-4 (Aumasson & Bernstein, 2012),
 * RFC 6528 initial sequence numbers, RFC 6056 ephemeral ports, SYN cookies. */
#include "tcp/tcp_isn.h"


static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* One SipRound: the ARX network of the paper, section 2. */
#define SIPROUND(v0, v1, v2, v3)                                              \
	do {                                                                  \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);     \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                        \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                        \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);     \
	} while (0)

uint64_t hk_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	/* initialization: the key xor "somepseudorandomlygeneratedbytes" */
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	/* compression: c = 2 rounds per 8-byte little-endian word */
	size_t full = len - len % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = load_le64(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	/* last word: the remaining bytes, zero padded, length mod 256 on top */
	uint64_t m = (uint64_t)(len & 0xff) << 56;
	for (size_t i = 0; i < len % 8; i++)
		m |= (uint64_t)in[full + i] << (8 * i);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	/* finalization: d = 4 rounds */
	v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Fixed byte layout of what is hashed (no struct padding); the first byte
 * separates the uses of the one key. */
static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static size_t put_tuple(uint8_t *p, const struct hk_four_tuple *t)
{
	size_t n = put32(p, t->laddr);
	n += put32(p + n, t->raddr);
	n += put32(p + n, ((uint32_t)t->lport << 16) | t->rport);
	return n;
}

uint32_t hk_tcp_isn(const uint8_t key[16], const struct hk_four_tuple *t, hk_time_t now)
{
	/* RFC 6528 section 3: ISN = M + F(localip, localport, remoteip,
	 * remoteport, secretkey), M ticking every 4 microseconds */
	uint8_t b[16];
	b[0] = 'I';
	size_t n = 1 + put_tuple(b + 1, t);
	uint32_t f = (uint32_t)hk_siphash(key, b, n);
	uint32_t m = (uint32_t)(now / 4);
	return m + f;
}

uint16_t hk_tcp_ephemeral_port(const uint8_t key[16], hk_ip4_t laddr, hk_ip4_t raddr,
			       uint16_t rport, uint32_t *counter,
			       bool (*in_use)(void *ctx, uint16_t port), void *ctx)
{
	/* RFC 6056 3.3.3: offset = F(local_IP, remote_IP, remote_port, key);
	 * port = min + (next_ephemeral + offset) % num, next_ephemeral++ */
	const uint32_t num = HK_EPHEMERAL_MAX - HK_EPHEMERAL_MIN + 1;
	uint8_t b[16];
	b[0] = 'P';
	size_t n = 1 + put32(b + 1, laddr);
	n += put32(b + n, raddr);
	b[n++] = (uint8_t)(rport >> 8);
	b[n++] = (uint8_t)rport;
	uint32_t offset = (uint32_t)(hk_siphash(key, b, n) % num);
	for (uint32_t count = num; count > 0; count--) {
		uint16_t port = (uint16_t)(HK_EPHEMERAL_MIN + (uint32_t)(((uint64_t)*counter + offset) % num));
		(*counter)++;
		if (!in_use || !in_use(ctx, port))
			return port;
	}
	return 0;
}

/* SYN cookies. Layout of the 32-bit cookie:
 *   bits 31..27  time counter (now / 64 s) mod 32
 *   bits 26..24  index into the MSS table
 *   bits 23..0   SipHash(key, tuple, peer ISN, full counter, index) */
#define COOKIE_PERIOD HK_SEC(64)
#define COOKIE_MAX_AGE 2
static const uint16_t cookie_mss[8] = {216, 536, 1200, 1360, 1400, 1440, 1460, 8960};

static uint32_t cookie_mac(const uint8_t key[16], const struct hk_four_tuple *t,
			   uint32_t peer_isn, uint64_t counter, unsigned idx)
{
	uint8_t b[32];
	b[0] = 'C';
	size_t n = 1 + put_tuple(b + 1, t);
	n += put32(b + n, peer_isn);
	n += put32(b + n, (uint32_t)(counter >> 32));
	n += put32(b + n, (uint32_t)counter);
	b[n++] = (uint8_t)idx;
	return (uint32_t)hk_siphash(key, b, n) & 0xffffffu;
}

uint32_t hk_syncookie_make(const uint8_t key[16], const struct hk_four_tuple *t,
			   uint32_t peer_isn, uint16_t mss, hk_time_t now)
{
	unsigned idx = 0;
	for (unsigned i = 1; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	uint64_t c = now / COOKIE_PERIOD;
	return ((uint32_t)(c & 31) << 27) | ((uint32_t)idx << 24) |
	       cookie_mac(key, t, peer_isn, c, idx);
}

int hk_syncookie_check(const uint8_t key[16], const struct hk_four_tuple *t,
		       uint32_t peer_isn, uint32_t cookie, hk_time_t now, uint16_t *mss)
{
	uint64_t c = now / COOKIE_PERIOD;
	unsigned idx = (cookie >> 24) & 7;
	for (uint64_t age = 0; age <= COOKIE_MAX_AGE && age <= c; age++) {
		uint64_t made = c - age;
		if ((made & 31) != cookie >> 27)
			continue;
		if (cookie_mac(key, t, peer_isn, made, idx) != (cookie & 0xffffffu))
			return -1;
		*mss = cookie_mss[idx];
		return 0;
	}
	return -1;
}

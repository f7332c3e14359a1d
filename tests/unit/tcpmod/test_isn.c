/* Unit tests: SipHash-2-4 against the reference vectors, RFC 6528 ISNs,
 * RFC 6056 algorithm 3 ephemeral ports, SYN cookies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tcp/tcp_isn.h"

static const uint8_t key_a[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t key_b[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x8f};

/* SipHash-2-4 of bytes 00 01 .. (n-1) under key 00 .. 0f, n = 0..63: the
 * reference implementation's vectors (here produced with OpenSSL 3's
 * independent SIPHASH MAC; entry 15 is the paper's appendix A example). */
static const uint64_t sip_vectors[64] = {
	0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
	0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
	0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
	0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
	0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
	0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
	0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
	0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
	0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
	0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
	0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
	0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
	0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
	0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
	0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
	0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static void siphash_vectors(void **state)
{
	(void)state;
	uint8_t msg[64];
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t n = 0; n < 64; n++)
		assert_int_equal(hk_siphash(key_a, msg, n), sip_vectors[n]);
	/* unaligned input gives the same answer */
	uint8_t shifted[65];
	memcpy(shifted + 1, msg, 64);
	assert_int_equal(hk_siphash(key_a, shifted + 1, 15), 0xa129ca6149be45e5ull);
	/* the key matters */
	assert_int_not_equal(hk_siphash(key_b, msg, 15), 0xa129ca6149be45e5ull);
}

static const struct hk_four_tuple tup = {
	.laddr = HK_IP4(192, 0, 2, 1), .raddr = HK_IP4(198, 51, 100, 7), .lport = 80, .rport = 50000};

static void isn_clock_and_tuple(void **state)
{
	(void)state;
	hk_time_t t0 = HK_SEC(1000); /* a multiple of 4 us */
	uint32_t a = hk_tcp_isn(key_a, &tup, t0);
	/* deterministic */
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0), a);
	/* M ticks every 4 us: +1 per tick, same within a tick */
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0 + 3), a);
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0 + 4), a + 1);
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0 + 4000), a + 1000);
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0 + HK_SEC(1)), a + 250000);
	/* the clock wraps the 32-bit space after 4 * 2^32 us */
	assert_int_equal(hk_tcp_isn(key_a, &tup, t0 + 4ull * 0x100000000ull), a);
	/* every field of the 4-tuple and the key change the offset F */
	struct hk_four_tuple v[5] = {tup, tup, tup, tup, tup};
	v[0].laddr++;
	v[1].raddr++;
	v[2].lport++;
	v[3].rport++;
	v[4].lport = tup.rport; /* swapped ports */
	v[4].rport = tup.lport;
	for (int i = 0; i < 5; i++)
		assert_int_not_equal(hk_tcp_isn(key_a, &v[i], t0), a);
	assert_int_not_equal(hk_tcp_isn(key_b, &tup, t0), a);
	/* F spreads: 2000 neighbouring tuples, no two equal offsets */
	static uint32_t seen[2000];
	for (int i = 0; i < 2000; i++) {
		struct hk_four_tuple x = tup;
		x.rport = (uint16_t)(40000 + i);
		seen[i] = hk_tcp_isn(key_a, &x, 0);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(seen[i], seen[j]);
	}
}

struct ports {
	uint8_t used[65536];
	int calls;
};

static bool port_in_use(void *ctx, uint16_t port)
{
	struct ports *p = ctx;
	p->calls++;
	assert_true(port >= HK_EPHEMERAL_MIN);
	return p->used[port] != 0;
}

static void ephemeral_ports(void **state)
{
	(void)state;
	static struct ports p;
	memset(&p, 0, sizeof(p));
	hk_ip4_t la = HK_IP4(192, 0, 2, 1), ra = HK_IP4(203, 0, 113, 9);
	uint32_t counter = 0;
	/* free table: consecutive calls walk on from the hashed offset */
	uint16_t first = hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, port_in_use, &p);
	assert_true(first >= HK_EPHEMERAL_MIN);
	assert_int_equal(counter, 1);
	uint16_t second = hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, port_in_use, &p);
	assert_int_equal(second, first == HK_EPHEMERAL_MAX ? HK_EPHEMERAL_MIN : first + 1);
	/* the same counter for another destination starts elsewhere */
	uint32_t c2 = 0, c3 = 0;
	uint16_t other = hk_tcp_ephemeral_port(key_a, la, HK_IP4(203, 0, 113, 10), 443, &c2, NULL, NULL);
	assert_int_not_equal(other, first);
	assert_int_not_equal(hk_tcp_ephemeral_port(key_a, la, ra, 444, &c3, NULL, NULL), first);
	/* and another key too */
	c2 = 0;
	assert_int_not_equal(hk_tcp_ephemeral_port(key_b, la, ra, 443, &c2, NULL, NULL), first);
	/* ports in use are skipped */
	counter = 0;
	p.used[first] = 1;
	p.used[first == HK_EPHEMERAL_MAX ? HK_EPHEMERAL_MIN : first + 1] = 1;
	uint16_t got = hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, port_in_use, &p);
	assert_int_equal(counter, 3);
	assert_false(p.used[got]);
	assert_int_equal(got, HK_EPHEMERAL_MIN + (first - HK_EPHEMERAL_MIN + 2) % 16384);
	/* many calls stay in range, and wrap around the top */
	counter = 0;
	for (int i = 0; i < 40000; i++) {
		uint16_t q = hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, NULL, NULL);
		assert_true(q >= HK_EPHEMERAL_MIN); /* and <= 65535 by type */
	}
	/* a counter near 2^32 still lands in range */
	counter = UINT32_MAX - 2;
	for (int i = 0; i < 6; i++) {
		uint16_t q = hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, NULL, NULL);
		assert_true(q >= HK_EPHEMERAL_MIN); /* and <= 65535 by type */
	}
	/* all but one in use: that one is found */
	for (uint32_t q = HK_EPHEMERAL_MIN; q <= HK_EPHEMERAL_MAX; q++)
		p.used[q] = 1;
	p.used[50000] = 0;
	p.calls = 0;
	counter = 7;
	assert_int_equal(hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, port_in_use, &p), 50000);
	/* all in use: 0, after trying each port exactly once */
	p.used[50000] = 1;
	p.calls = 0;
	assert_int_equal(hk_tcp_ephemeral_port(key_a, la, ra, 443, &counter, port_in_use, &p), 0);
	assert_int_equal(p.calls, 16384);
}

static void cookie_round_trip(void **state)
{
	(void)state;
	hk_time_t now = HK_SEC(100000);
	uint32_t peer_isn = 0x12345678;
	static const struct {
		uint16_t in, out;
	} mss[] = {
		{1460, 1460}, {1440, 1440}, {1400, 1400}, {1360, 1360}, {1200, 1200}, {536, 536},
		{216, 216}, {8960, 8960}, {65495, 8960}, {1459, 1440}, {1300, 1200}, {600, 536},
		{535, 216}, {100, 216}, {0, 216},
	};
	for (size_t i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		uint32_t c = hk_syncookie_make(key_a, &tup, peer_isn, mss[i].in, now);
		uint16_t got = 0;
		assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now, &got), 0);
		assert_int_equal(got, mss[i].out);
		/* deterministic */
		assert_int_equal(hk_syncookie_make(key_a, &tup, peer_isn, mss[i].in, now), c);
	}
}

static void cookie_rejects(void **state)
{
	(void)state;
	hk_time_t now = HK_SEC(64) * 1000 + HK_SEC(10);
	uint32_t peer_isn = 0xfedcba98;
	uint32_t c = hk_syncookie_make(key_a, &tup, peer_isn, 1460, now);
	uint16_t m = 0;
	/* still valid in its period and the two after it */
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(53), &m), 0);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(64), &m), 0);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(128), &m), 0);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(64 * 2 + 53), &m), 0);
	/* more than two periods old */
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(64 * 3), &m), -1);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(64 * 32), &m), -1);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now + HK_SEC(64 * 64), &m), -1);
	/* from the future */
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c, now - HK_SEC(64), &m), -1);
	/* another 4-tuple, another peer ISN, another key */
	struct hk_four_tuple v[4] = {tup, tup, tup, tup};
	v[0].laddr ^= 1;
	v[1].raddr ^= 1;
	v[2].lport ^= 1;
	v[3].rport ^= 1;
	for (int i = 0; i < 4; i++)
		assert_int_equal(hk_syncookie_check(key_a, &v[i], peer_isn, c, now, &m), -1);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn + 1, c, now, &m), -1);
	assert_int_equal(hk_syncookie_check(key_b, &tup, peer_isn, c, now, &m), -1);
	/* any single flipped bit */
	for (int bit = 0; bit < 32; bit++)
		assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c ^ (1u << bit), now, &m), -1);
	/* valid cookies near time zero (no negative periods) */
	uint32_t c0 = hk_syncookie_make(key_a, &tup, peer_isn, 536, 0);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c0, 0, &m), 0);
	assert_int_equal(m, 536);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c0, HK_SEC(64 * 2), &m), 0);
	assert_int_equal(hk_syncookie_check(key_a, &tup, peer_isn, c0, HK_SEC(64 * 3), &m), -1);
	/* guessing: of 2^16 random-looking cookies almost none pass (24-bit MAC) */
	int pass = 0;
	for (uint32_t g = 0; g < 65536; g++)
		pass += hk_syncookie_check(key_a, &tup, peer_isn, g * 0x9e3779b1u, now, &m) == 0;
	assert_true(pass <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_vectors),
		cmocka_unit_test(isn_clock_and_tuple),
		cmocka_unit_test(ephemeral_ports),
		cmocka_unit_test(cookie_round_trip),
		cmocka_unit_test(cookie_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

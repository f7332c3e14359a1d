/* Unit tests: transmit segmentation offload (dev_util.c hk_dev_tso_*) —
 * consecutive TCP segments gathered into one super-segment that splits
 * back into exactly the segments that went in; what must not be gathered
 * is refused and what does not continue a run ends it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum_ref.h"
#include "link/dev_kinds.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20
#define CWR 0x80
#define DTH 0x01 /* RFC 9401: the Death flag, a reserved bit of byte 12 */

static uint32_t pseudo(const uint8_t *ip)
{
	return sum(0, ip + 12, 8) + 6 + (uint32_t)(get16(ip + 2) - 20);
}

/* A complete, valid Ethernet/IPv4/TCP frame with timestamps: the i-th
 * segment of a run starting at seq 1000 with pieces of mss bytes. */
static size_t seg(uint8_t *f, uint32_t i, size_t mss, size_t payload, uint8_t flags, uint8_t b12_extra)
{
	memset(f, 0, 14 + 52 + payload);
	f[12] = 0x08;
	memset(f, 0xaa, 6);
	memset(f + 6, 0x02, 6);
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(52 + payload));
	put16(ip + 4, (uint16_t)(300 + i)); /* ids counting up, as GSO makes them */
	ip[6] = 0x40;                       /* DF */
	ip[8] = 64;
	ip[9] = 6;
	const uint8_t src[4] = {192, 0, 2, 2}, dst[4] = {192, 0, 2, 1};
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, (uint16_t)~fold(sum(0, ip, 20)));
	uint8_t *th = ip + 20;
	put16(th, 40000);
	put16(th + 2, 5201);
	uint32_t seq = 1000 + i * (uint32_t)mss;
	th[4] = (uint8_t)(seq >> 24), th[5] = (uint8_t)(seq >> 16), th[6] = (uint8_t)(seq >> 8), th[7] = (uint8_t)seq;
	th[11] = 9;
	th[12] = (uint8_t)(8 << 4 | b12_extra);
	th[13] = flags;
	put16(th + 14, 4000);
	th[20] = 1, th[21] = 1, th[22] = 8, th[23] = 10; /* NOP NOP timestamps */
	th[27] = 42;                                     /* TSval */
	for (size_t k = 0; k < payload; k++)
		th[32 + k] = (uint8_t)((seq + k) * 7);
	put16(th + 16, (uint16_t)~fold(sum(pseudo(ip), th, 32 + payload)));
	return 14 + 52 + payload;
}

static uint8_t gather[14 + HK_DEV_TSO_MAX_IP];

static void tso_init(struct hk_dev_tso *t)
{
	memset(t, 0, sizeof(*t));
	t->buf = gather;
}

static void round_trip(void **state)
{
	(void)state;
	static uint8_t orig[6][14 + 52 + 1448], out[2000];
	size_t lens[6];
	struct hk_dev_tso t;
	tso_init(&t);
	for (uint32_t i = 0; i < 6; i++) {
		/* five full pieces and a short last one with PSH; DTH on all */
		lens[i] = seg(orig[i], i, 1448, i < 5 ? 1448 : 700, (uint8_t)(ACK | (i == 5 ? PSH : 0)), DTH);
		assert_false(hk_dev_tso_full(&t));
		assert_int_equal(hk_dev_tso_add(&t, orig[i], lens[i]), 1);
	}
	assert_true(hk_dev_tso_full(&t)); /* PSH ends the run */
	uint32_t segs = 0;
	size_t len = hk_dev_tso_finish(&t, &segs);
	assert_int_equal(segs, 6);
	assert_int_equal(len, 14 + 52 + 5 * 1448 + 700);
	assert_int_equal(t.mss, 1448);
	assert_int_equal(t.hdr, 14 + 52);
	uint8_t *ip = gather + 14;
	assert_int_equal(get16(ip + 2), len - 14);
	assert_int_equal(fold(sum(0, ip, 20)), 0xffff);
	/* CHECKSUM_PARTIAL: the field is the pseudo-header sum of the whole */
	assert_int_equal(get16(ip + 36), fold(pseudo(ip)));
	assert_int_equal(ip[20 + 13], ACK | PSH);
	/* what the kernel does with it: cut at gso_size, fix up every piece */
	struct hk_dev_tcp_splitter sp;
	assert_int_equal(hk_dev_tcp_split_begin(&sp, gather, len, 14, t.mss, 1500), 0);
	for (int i = 0; i < 6; i++) {
		ssize_t n = hk_dev_tcp_split_next(&sp, out, sizeof(out));
		assert_int_equal(n, lens[i]);
		assert_memory_equal(out, orig[i], lens[i]); /* byte for byte, DTH kept */
	}
	assert_int_equal(hk_dev_tcp_split_next(&sp, out, sizeof(out)), 0);
	/* emptied */
	assert_int_equal(hk_dev_tso_finish(&t, &segs), 0);
	assert_int_equal(segs, 0);
}

static void one_frame_goes_unchanged(void **state)
{
	(void)state;
	static uint8_t f[14 + 52 + 1448];
	size_t n = seg(f, 0, 1448, 1448, ACK, 0);
	struct hk_dev_tso t;
	tso_init(&t);
	assert_int_equal(hk_dev_tso_add(&t, f, n), 1);
	uint32_t segs = 0;
	assert_int_equal(hk_dev_tso_finish(&t, &segs), n);
	assert_int_equal(segs, 1);
	assert_memory_equal(gather, f, n); /* checksums left complete */
}

static void refuses_what_must_stay_alone(void **state)
{
	(void)state;
	static uint8_t f[14 + 52 + 100];
	struct hk_dev_tso t;
	tso_init(&t);
	const uint8_t bad_flags[] = {ACK | FIN, SYN, ACK | RST, ACK | URG, ACK | CWR};
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		size_t n = seg(f, 0, 100, 100, bad_flags[i], 0);
		assert_int_equal(hk_dev_tso_add(&t, f, n), -1);
	}
	assert_int_equal(hk_dev_tso_add(&t, f, seg(f, 0, 100, 0, ACK, 0)), -1); /* a pure ACK */
	size_t n = seg(f, 0, 100, 100, ACK, 0);
	f[14 + 6] = 0; /* no DF */
	assert_int_equal(hk_dev_tso_add(&t, f, n), -1);
	n = seg(f, 0, 100, 100, ACK, 0);
	f[14] = 0x46; /* IP options */
	assert_int_equal(hk_dev_tso_add(&t, f, n), -1);
	n = seg(f, 0, 100, 100, ACK, 0);
	f[12] = 0x86, f[13] = 0xdd; /* not IPv4 */
	assert_int_equal(hk_dev_tso_add(&t, f, n), -1);
	n = seg(f, 0, 100, 100, ACK, 0);
	assert_int_equal(hk_dev_tso_add(&t, f, n - 1), -1); /* IP length disagrees */
	assert_int_equal(hk_dev_tso_add(&t, f, 40), -1);    /* truncated */
	assert_int_equal(t.len, 0);
}

/* Starts a run of one full 1000-byte piece, then offers f. */
static int offer_after_one(uint8_t *f, size_t n)
{
	static uint8_t first[14 + 52 + 1000];
	struct hk_dev_tso t;
	tso_init(&t);
	assert_int_equal(hk_dev_tso_add(&t, first, seg(first, 0, 1000, 1000, ACK, 0)), 1);
	return hk_dev_tso_add(&t, f, n);
}

static void ends_a_run_on_any_difference(void **state)
{
	(void)state;
	static uint8_t f[14 + 52 + 1200];
	assert_int_equal(offer_after_one(f, seg(f, 1, 1000, 1000, ACK, 0)), 1);       /* continues */
	assert_int_equal(offer_after_one(f, seg(f, 2, 1000, 1000, ACK, 0)), 0);       /* sequence gap */
	assert_int_equal(offer_after_one(f, seg(f, 1, 1000, 1000, ACK, DTH)), 0);     /* DTH differs */
	assert_int_equal(offer_after_one(f, seg(f, 1, 1000, 1001, ACK, 0)), 0);       /* above the MSS */
	size_t n = seg(f, 1, 1000, 1000, ACK, 0);
	f[14 + 20 + 27] = 43; /* another TSval */
	assert_int_equal(offer_after_one(f, n), 0);
	n = seg(f, 1, 1000, 1000, ACK, 0);
	f[14 + 20 + 15] = 1; /* another window */
	assert_int_equal(offer_after_one(f, n), 0);
	n = seg(f, 1, 1000, 1000, ACK, 0);
	f[14 + 20 + 11] = 10; /* another ACK number */
	assert_int_equal(offer_after_one(f, n), 0);
	n = seg(f, 1, 1000, 1000, ACK, 0);
	f[14 + 20 + 1] ^= 1; /* another source port */
	assert_int_equal(offer_after_one(f, n), 0);
	n = seg(f, 1, 1000, 1000, ACK, 0);
	f[14 + 1] = 2; /* another TOS (ECN) */
	assert_int_equal(offer_after_one(f, n), 0);
	n = seg(f, 1, 1000, 1000, ACK, 0);
	f[0] = 0xbb; /* another destination MAC */
	assert_int_equal(offer_after_one(f, n), 0);
}

static void nothing_follows_a_short_piece_and_size_is_bounded(void **state)
{
	(void)state;
	static uint8_t f[14 + 52 + 1448];
	struct hk_dev_tso t;
	tso_init(&t);
	assert_int_equal(hk_dev_tso_add(&t, f, seg(f, 0, 1448, 1448, ACK, 0)), 1);
	assert_int_equal(hk_dev_tso_add(&t, f, seg(f, 1, 1448, 500, ACK, 0)), 1);
	assert_true(hk_dev_tso_full(&t));
	assert_int_equal(hk_dev_tso_add(&t, f, seg(f, 2, 1448, 1448, ACK, 0)), 0);
	uint32_t segs;
	hk_dev_tso_finish(&t, &segs);
	assert_int_equal(segs, 2);
	/* full pieces until the IP packet would pass 65535 bytes or 44 pieces */
	uint32_t i = 0;
	while (!hk_dev_tso_full(&t)) {
		assert_int_equal(hk_dev_tso_add(&t, f, seg(f, i, 1448, 1448, ACK, 0)), 1);
		i++;
	}
	assert_true(i <= HK_DEV_TSO_MAX_SEGS);
	assert_true(t.len - 14 <= HK_DEV_TSO_MAX_IP);
	assert_true(t.len - 14 + 1448 > HK_DEV_TSO_MAX_IP || i == HK_DEV_TSO_MAX_SEGS);
	assert_int_equal(hk_dev_tso_add(&t, f, seg(f, i, 1448, 1448, ACK, 0)), 0);
	size_t len = hk_dev_tso_finish(&t, &segs);
	assert_int_equal(segs, i);
	assert_int_equal(len, 14 + 52 + (size_t)i * 1448);
	/* small pieces stop at the segment count */
	static uint8_t g[14 + 52 + 100];
	for (i = 0; i < HK_DEV_TSO_MAX_SEGS; i++)
		assert_int_equal(hk_dev_tso_add(&t, g, seg(g, i, 100, 100, ACK, 0)), 1);
	assert_true(hk_dev_tso_full(&t));
	assert_int_equal(hk_dev_tso_add(&t, g, seg(g, i, 100, 100, ACK, 0)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(one_frame_goes_unchanged),
		cmocka_unit_test(refuses_what_must_stay_alone),
		cmocka_unit_test(ends_a_run_on_any_difference),
		cmocka_unit_test(nothing_follows_a_short_piece_and_size_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: repair of Linux receive offloads (dev_util.c) — partial
 * checksums completed, TCP super-segments split into valid segments. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "csum_ref.h"
#include "link/dev_kinds.h"

/* The pseudo-header sum of the IPv4 packet at ip. */
static uint32_t pseudo(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	return sum(0, ip + 12, 8) + ip[9] + (uint32_t)(get16(ip + 2) - ihl);
}

static bool ip_ok(const uint8_t *ip)
{
	return fold(sum(0, ip, (size_t)(ip[0] & 15) * 4)) == 0xffff;
}

static bool l4_ok(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	return fold(sum(pseudo(ip), ip + ihl, get16(ip + 2) - ihl)) == 0xffff;
}

/* Ethernet + IPv4 (20) + TCP with 12 option bytes + payload. */
static size_t build_tcp(uint8_t *f, size_t payload, uint8_t flags)
{
	memset(f, 0, 14 + 20 + 32 + payload);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + 32 + payload));
	put16(ip + 4, 77);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	const uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, (uint16_t)~fold(sum(0, ip, 20)));
	uint8_t *th = ip + 20;
	put16(th, 5000);
	put16(th + 2, 80);
	th[4] = 0, th[5] = 0, th[6] = 0x03, th[7] = 0xe8; /* seq 1000 */
	th[11] = 9;                                        /* ack 9 */
	th[12] = 8 << 4;
	th[13] = flags;
	put16(th + 14, 65535);
	th[20] = 1, th[21] = 1, th[22] = 8, th[23] = 10; /* NOP NOP timestamps */
	for (size_t i = 0; i < payload; i++)
		th[32 + i] = (uint8_t)(i * 31 + 7);
	/* what CHECKSUM_PARTIAL leaves: the pseudo-header sum */
	put16(th + 16, fold(pseudo(ip)));
	return 14 + 20 + 32 + payload;
}

#define FIN 0x01
#define PSH 0x08
#define ACK 0x10
#define CWR 0x80

static void splits_a_super_segment(void **state)
{
	(void)state;
	static uint8_t big[14 + 52 + 5000], orig[sizeof(big)], out[2000];
	size_t len = build_tcp(big, 5000, ACK | PSH | FIN | CWR);
	memcpy(orig, big, len);
	for (int pass = 0; pass < 2; pass++) {
		struct hk_dev_tcp_splitter sp;
		/* pass 0: gso_size given; pass 1: derived from the MTU */
		assert_int_equal(hk_dev_tcp_split_begin(&sp, big, len, 14, pass ? 0 : 1448, 1500), 0);
		size_t off = 0;
		for (int i = 0; i < 4; i++) {
			ssize_t n = hk_dev_tcp_split_next(&sp, out, sizeof(out));
			size_t want = i < 3 ? 1448 : 5000 - 3 * 1448;
			assert_int_equal(n, 14 + 52 + want);
			uint8_t *ip = out + 14, *th = ip + 20;
			assert_memory_equal(out, orig, 14);
			assert_int_equal(get16(ip + 2), 52 + want);
			assert_int_equal(get16(ip + 4), 77 + i);
			assert_true(ip_ok(ip));
			assert_true(l4_ok(ip));
			uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
			assert_int_equal(seq, 1000 + off);
			uint8_t fl = th[13];
			assert_int_equal(!!(fl & FIN), i == 3);
			assert_int_equal(!!(fl & PSH), i == 3);
			assert_int_equal(!!(fl & CWR), i == 0);
			assert_true(fl & ACK);
			assert_memory_equal(th + 20, orig + 14 + 40, 12); /* options copied */
			assert_memory_equal(th + 32, orig + 14 + 52 + off, want);
			off += want;
		}
		assert_int_equal(hk_dev_tcp_split_next(&sp, out, sizeof(out)), 0);
		assert_false(sp.active);
		assert_memory_equal(big, orig, len); /* the source is not modified */
	}
	/* a larger gso_size than the MTU allows is capped */
	struct hk_dev_tcp_splitter sp;
	assert_int_equal(hk_dev_tcp_split_begin(&sp, big, len, 14, 4000, 1000), 0);
	assert_int_equal(hk_dev_tcp_split_next(&sp, out, sizeof(out)), 14 + 1000);
	/* too small an output buffer: that piece is skipped, the rest go on */
	assert_int_equal(hk_dev_tcp_split_next(&sp, out, 100), -EMSGSIZE);
	assert_int_equal(hk_dev_tcp_split_next(&sp, out, sizeof(out)), 14 + 1000);
}

static void refuses_what_it_cannot_split(void **state)
{
	(void)state;
	uint8_t f[200];
	struct hk_dev_tcp_splitter sp;
	size_t len = build_tcp(f, 100, ACK);
	f[14 + 9] = 17; /* UDP */
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, len, 14, 0, 1500), -EINVAL);
	len = build_tcp(f, 100, ACK);
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, len - 1, 14, 0, 1500), -EINVAL); /* truncated */
	f[14 + 6] |= 0x20;                                                                  /* MF */
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, len, 14, 0, 1500), -EINVAL);
	len = build_tcp(f, 10, ACK);
	f[14 + 20 + 12] = 15 << 4; /* data offset beyond the packet */
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, len, 14, 0, 1500), -EINVAL);
	len = build_tcp(f, 100, ACK);
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, len, 14, 0, 52), -EINVAL); /* no room for data */
	assert_false(sp.active);
	assert_int_equal(hk_dev_tcp_split_next(&sp, f, sizeof(f)), 0);
	/* short or garbage input */
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, 10, 14, 0, 1500), -EINVAL);
	memset(f, 0xff, sizeof(f));
	assert_int_equal(hk_dev_tcp_split_begin(&sp, f, sizeof(f), 14, 0, 1500), -EINVAL);
}

static void completes_partial_checksums(void **state)
{
	(void)state;
	uint8_t f[200], keep[200];
	/* TCP, through the virtio header's csum_start/csum_offset */
	size_t len = build_tcp(f, 100, ACK);
	assert_false(l4_ok(f + 14));
	assert_int_equal(hk_dev_csum_complete(f, len, 34, 16), 0);
	assert_true(l4_ok(f + 14));
	assert_int_equal(hk_dev_csum_complete(f, len, len, 16), -EINVAL);
	assert_int_equal(hk_dev_csum_complete(f, len, 34, len - 35), -EINVAL);

	/* TCP, recognised by its pseudo-header pattern (rawip, l2 = 0) */
	len = build_tcp(f, 101, ACK);
	assert_int_equal(hk_dev_csum_fix_partial(f + 14, len - 14, 0), 1);
	assert_true(l4_ok(f + 14));
	memcpy(keep, f, len);
	assert_int_equal(hk_dev_csum_fix_partial(f + 14, len - 14, 0), 0); /* already right */
	assert_memory_equal(f, keep, len);
	/* a genuinely wrong checksum stays wrong, for the stack to count */
	f[14 + 20 + 40] ^= 0x55;
	memcpy(keep, f, len);
	assert_int_equal(hk_dev_csum_fix_partial(f, len, 14), 0);
	assert_memory_equal(f, keep, len);

	/* UDP: partial fixed; zero (no checksum) left alone */
	len = build_tcp(f, 30, ACK);
	uint8_t *ip = f + 14;
	ip[9] = 17;
	put16(ip + 2, 20 + 8 + 30);
	put16(ip + 20 + 4, 8 + 30);
	put16(ip + 20 + 6, fold(pseudo(ip)));
	len = 14 + 20 + 8 + 30;
	assert_int_equal(hk_dev_csum_fix_partial(f, len, 14), 1);
	assert_true(l4_ok(ip));
	put16(ip + 20 + 6, 0);
	assert_int_equal(hk_dev_csum_fix_partial(f, len, 14), 0);
	assert_int_equal(get16(ip + 20 + 6), 0);
	/* ICMP and truncated packets are not touched */
	ip[9] = 1;
	assert_int_equal(hk_dev_csum_fix_partial(f, len, 14), 0);
	assert_int_equal(hk_dev_csum_fix_partial(f, 30, 14), 0);
}

static void generated_macs(void **state)
{
	(void)state;
	uint8_t a[6], b[6], c[6];
	hk_dev_gen_mac(1, NULL, a);
	hk_dev_gen_mac(1, NULL, b);
	hk_dev_gen_mac(2, NULL, c);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_int_equal(a[0] & 3, 2);
	assert_int_equal(c[0] & 3, 2);
	hk_dev_gen_mac(1, a, b); /* must differ from the one to avoid */
	assert_memory_not_equal(a, b, 6);
	assert_int_equal(b[0] & 3, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(splits_a_super_segment),
		cmocka_unit_test(refuses_what_it_cannot_split),
		cmocka_unit_test(completes_partial_checksums),
		cmocka_unit_test(generated_macs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

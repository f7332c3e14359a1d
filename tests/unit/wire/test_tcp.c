/* Unit tests: TCP header and options (RFC 9293 3.1/3.2, RFC 7323, RFC 2018)
 * and the DTH flag (RFC 9401). Reference bytes were produced with scapy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"

#define SRC 0xc0000202u
#define DST 0xc0000201u

/* PSH,ACK with MSS 1460, SACK-permitted, TS 100/200, NOP, WS 7 and a payload */
static const uint8_t opt_seg[] = {
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0, 0xa0, 0x18,
	0x01, 0xf6, 0xed, 0x05, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8, 0x01, 0x03, 0x03, 0x07, 0x47, 0x45,
	0x54, 0x20, 0x2f, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a};
#define OPT_SEG_HDR 40

/* seed 002's SYN with DTH set (scapy: TCP(reserved=4)) */
static const uint8_t dth_syn[] = {0x30, 0x39, 0xd4, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				  0x00, 0x00, 0x58, 0x02, 0xfa, 0xf0, 0x24, 0x83, 0x00, 0x00};

static int parse_exact(const uint8_t *src, size_t n, bool verify, struct hk_tcp_hdr *h)
{
	uint8_t *b = malloc(n ? n : 1); /* exact size: ASan catches over-reads */
	memcpy(b, src, n);
	int r = hk_tcp_parse(b, n, SRC, DST, verify, h);
	free(b);
	return r;
}

static void parse_options_segment(void **state)
{
	(void)state;
	struct hk_tcp_hdr h;
	assert_int_equal(hk_tcp_parse(opt_seg, sizeof(opt_seg), SRC, DST, true, &h), HK_TCP_OK);
	assert_int_equal(h.sport, 40000);
	assert_int_equal(h.dport, 80);
	assert_int_equal(h.seq, 0x01020304);
	assert_int_equal(h.ack, 0xa0b0c0d0);
	assert_int_equal(h.data_off, 40);
	assert_false(h.dth);
	assert_int_equal(h.reserved, 0);
	assert_int_equal(h.flags, HK_TCP_PSH | HK_TCP_ACK);
	assert_int_equal(h.window, 502);
	assert_int_equal(h.checksum, 0xed05);
	assert_int_equal(h.urgent, 0);
	assert_true(h.opts.has_mss);
	assert_int_equal(h.opts.mss, 1460);
	assert_true(h.opts.sack_permitted);
	assert_true(h.opts.has_ts);
	assert_int_equal(h.opts.ts_val, 100);
	assert_int_equal(h.opts.ts_ecr, 200);
	assert_true(h.opts.has_wscale);
	assert_int_equal(h.opts.wscale, 7);
	assert_int_equal(h.opts.n_sack, 0);
	assert_false(h.opts.malformed);
	assert_int_equal(h.opts.n_unknown, 0);
	assert_int_equal(h.payload_len, 16);
	assert_ptr_equal(h.payload, opt_seg + OPT_SEG_HDR);
}

static void emit_options_segment_from_fields(void **state)
{
	(void)state;
	struct hk_tcp_hdr h = {.sport = 40000, .dport = 80, .seq = 0x01020304, .ack = 0xa0b0c0d0,
			       .flags = HK_TCP_PSH | HK_TCP_ACK, .window = 502};
	h.opts.has_mss = true;
	h.opts.mss = 1460;
	h.opts.sack_permitted = true;
	h.opts.has_ts = true;
	h.opts.ts_val = 100;
	h.opts.ts_ecr = 200;
	h.opts.has_wscale = true;
	h.opts.wscale = 7;
	assert_int_equal(hk_tcp_hdr_len(&h), OPT_SEG_HDR);
	uint8_t out[sizeof(opt_seg)];
	memset(out, 0xee, OPT_SEG_HDR);
	memcpy(out + OPT_SEG_HDR, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(hk_tcp_emit(&h, out, 16, SRC, DST), OPT_SEG_HDR);
	assert_memory_equal(out, opt_seg, sizeof(opt_seg));
}

static void dth_bit_position_and_checksum(void **state)
{
	(void)state;
	struct hk_tcp_hdr h = {.sport = 12345, .dport = 54321, .flags = HK_TCP_SYN,
			       .window = 64240, .dth = true};
	uint8_t out[20];
	assert_int_equal(hk_tcp_emit(&h, out, 0, SRC, DST), 20);
	/* RFC 9401: DTH is 0x08 of byte 12; the data offset still reads 5 */
	assert_int_equal(out[12], 0x58);
	assert_memory_equal(out, dth_syn, sizeof(dth_syn));
	struct hk_tcp_hdr p;
	assert_int_equal(hk_tcp_parse(out, 20, SRC, DST, true, &p), HK_TCP_OK);
	assert_true(p.dth);
	assert_int_equal(p.data_off, 20);
	assert_int_equal(p.reserved, 0);
	assert_int_equal(p.flags, HK_TCP_SYN);
	/* the checksum covers the bit: flipping it changes the checksum */
	h.dth = false;
	uint8_t plain[20];
	hk_tcp_emit(&h, plain, 0, SRC, DST);
	assert_int_equal(plain[12], 0x50);
	assert_int_not_equal((plain[16] << 8) | plain[17], (out[16] << 8) | out[17]);
	assert_int_equal((plain[16] << 8) | plain[17], 0x2c83);
	assert_int_equal((out[16] << 8) | out[17], 0x2483);
	/* and a received segment whose DTH bit was flipped in transit fails */
	out[12] ^= HK_TCP_DTH_BYTE12;
	assert_int_equal(hk_tcp_parse(out, 20, SRC, DST, true, &p), HK_TCP_ERR_CHECKSUM);
	assert_int_equal(hk_tcp_parse(out, 20, SRC, DST, false, &p), HK_TCP_OK);
	assert_false(p.dth);
}

static void dth_with_options_and_reserved_bits(void **state)
{
	(void)state;
	/* DTH does not disturb a larger data offset, and the three reserved bits
	 * (0x07, the old NS/AE bit included) go through on their own */
	for (uint8_t res = 0; res < 8; res++) {
		for (int dth = 0; dth < 2; dth++) {
			struct hk_tcp_hdr h = {.sport = 1, .dport = 2, .seq = 3, .ack = 4,
					       .flags = HK_TCP_ACK | HK_TCP_FIN, .window = 5,
					       .dth = dth, .reserved = res};
			h.opts.has_ts = true;
			h.opts.ts_val = 11;
			h.opts.ts_ecr = 12;
			uint8_t out[40];
			size_t hl = hk_tcp_emit(&h, out, 0, SRC, DST);
			assert_int_equal(hl, 32);
			assert_int_equal(out[12], 0x80 | (dth ? 0x08 : 0) | res);
			struct hk_tcp_hdr p;
			assert_int_equal(hk_tcp_parse(out, hl, SRC, DST, true, &p), HK_TCP_OK);
			assert_int_equal(p.data_off, 32);
			assert_int_equal(p.dth, dth);
			assert_int_equal(p.reserved, res);
			assert_true(p.opts.has_ts);
			assert_int_equal(p.opts.ts_val, 11);
		}
	}
}

static void truncated_at_every_length(void **state)
{
	(void)state;
	struct hk_tcp_hdr h;
	for (size_t n = 0; n < OPT_SEG_HDR; n++) {
		int r = parse_exact(opt_seg, n, false, &h);
		assert_int_equal(r, HK_TCP_ERR_TRUNCATED);
	}
	/* past the header, unverified parses succeed with a shorter payload;
	 * verified ones fail the checksum */
	for (size_t n = OPT_SEG_HDR; n < sizeof(opt_seg); n++) {
		assert_int_equal(parse_exact(opt_seg, n, false, &h), HK_TCP_OK);
		assert_int_equal(h.payload_len, n - OPT_SEG_HDR);
		assert_int_equal(parse_exact(opt_seg, n, true, &h), HK_TCP_ERR_CHECKSUM);
	}
	assert_int_equal(parse_exact(opt_seg, sizeof(opt_seg), true, &h), HK_TCP_OK);
}

static void bad_data_offset(void **state)
{
	(void)state;
	uint8_t b[sizeof(dth_syn)];
	memcpy(b, dth_syn, sizeof(b));
	struct hk_tcp_hdr h;
	for (uint8_t off = 0; off < 5; off++) {
		b[12] = (uint8_t)(off << 4);
		assert_int_equal(hk_tcp_parse(b, sizeof(b), SRC, DST, false, &h), HK_TCP_ERR_DATA_OFF);
	}
	b[12] = 0x60; /* 24 bytes claimed, 20 present */
	assert_int_equal(hk_tcp_parse(b, sizeof(b), SRC, DST, false, &h), HK_TCP_ERR_TRUNCATED);
	b[12] = 0xf8; /* 60 bytes claimed, DTH set */
	assert_int_equal(hk_tcp_parse(b, sizeof(b), SRC, DST, false, &h), HK_TCP_ERR_TRUNCATED);
}

/* Builds a segment header with the given raw option bytes (padded with EOL). */
static size_t with_opts(uint8_t *out, const uint8_t *opts, size_t n)
{
	size_t olen = (n + 3) & ~(size_t)3;
	memset(out, 0, 20 + olen);
	out[12] = (uint8_t)(((20 + olen) / 4) << 4);
	out[13] = HK_TCP_ACK;
	memcpy(out + 20, opts, n);
	return 20 + olen;
}

static struct hk_tcp_opts parse_opts(const uint8_t *opts, size_t n)
{
	uint8_t seg[60];
	size_t len = with_opts(seg, opts, n);
	struct hk_tcp_hdr h;
	/* parse from an exact-size copy so over-reads are caught */
	assert_int_equal(parse_exact(seg, len, false, &h), HK_TCP_OK);
	return h.opts;
}

static void options_unaligned_and_unknown(void **state)
{
	(void)state;
	/* MSS at an odd offset after one NOP, an unknown kind 30 of length 5,
	 * then timestamps unaligned */
	const uint8_t o[] = {1, 2, 4, 0x05, 0xb4, 30, 5, 9, 9, 9, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0};
	struct hk_tcp_opts p = parse_opts(o, sizeof(o));
	assert_false(p.malformed);
	assert_true(p.has_mss);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.n_unknown, 1);
	assert_true(p.has_ts);
	assert_int_equal(p.ts_val, 1);
	assert_int_equal(p.ts_ecr, 2);

	/* EOL ends parsing: what follows is ignored */
	const uint8_t e[] = {0, 2, 4, 0x05, 0xb4};
	p = parse_opts(e, sizeof(e));
	assert_false(p.has_mss);
	assert_false(p.malformed);
}

static void options_sack_blocks(void **state)
{
	(void)state;
	const uint8_t o[] = {1, 1, 5, 26, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40,
			     0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5};
	struct hk_tcp_opts p = parse_opts(o, sizeof(o));
	assert_false(p.malformed);
	assert_int_equal(p.n_sack, 3);
	assert_int_equal(p.sack[0].left, 10);
	assert_int_equal(p.sack[0].right, 20);
	assert_int_equal(p.sack[1].left, 30);
	assert_int_equal(p.sack[1].right, 40);
	assert_int_equal(p.sack[2].left, 0xfffffff0);
	assert_int_equal(p.sack[2].right, 5);

	/* emit: NOP NOP SACK(2+8n), parsed back equal */
	struct hk_tcp_hdr h = {.sport = 1, .dport = 2, .flags = HK_TCP_ACK};
	h.opts = p;
	h.opts.has_ts = true;
	h.opts.ts_val = 7;
	uint8_t out[60];
	size_t hl = hk_tcp_emit(&h, out, 0, SRC, DST);
	assert_int_equal(hl, 20 + 12 + 4 + 24);
	struct hk_tcp_hdr q;
	assert_int_equal(hk_tcp_parse(out, hl, SRC, DST, true, &q), HK_TCP_OK);
	assert_int_equal(q.opts.n_sack, 3);
	assert_memory_equal(q.opts.sack, p.sack, 3 * sizeof(p.sack[0]));
	/* four blocks with timestamps do not fit: three go out (RFC 2018 3) */
	h.opts.n_sack = 4;
	h.opts.sack[3].left = 50;
	h.opts.sack[3].right = 60;
	hl = hk_tcp_emit(&h, out, 0, SRC, DST);
	assert_true(hl <= 60);
	assert_int_equal(hk_tcp_parse(out, hl, SRC, DST, true, &q), HK_TCP_OK);
	assert_int_equal(q.opts.n_sack, 3);
	/* without timestamps all four fit */
	h.opts.has_ts = false;
	hl = hk_tcp_emit(&h, out, 0, SRC, DST);
	assert_int_equal(hl, 20 + 4 + 32);
	assert_int_equal(hk_tcp_parse(out, hl, SRC, DST, true, &q), HK_TCP_OK);
	assert_int_equal(q.opts.n_sack, 4);
	assert_int_equal(q.opts.sack[3].right, 60);
}

static void options_illegal_lengths_are_malformed(void **state)
{
	(void)state;
	/* RFC 9293 MUST-7: zero/one length, past the header, wrong fixed sizes */
	static const struct {
		uint8_t bytes[12];
		size_t n;
	} bad[] = {
		{{30, 0}, 2},                         /* unknown kind, length 0 */
		{{30, 1}, 2},                         /* length 1 */
		{{2, 0, 0, 0}, 4},                    /* MSS length 0 */
		{{1, 1, 1, 2}, 4},                    /* kind with no room for its length */
		{{30, 9, 0, 0}, 4},                   /* runs past the header */
		{{2, 3, 5, 0}, 4},                    /* MSS must be 4 */
		{{2, 5, 5, 0xb4, 0}, 5},              /* MSS must be 4 */
		{{3, 4, 7, 0}, 4},                    /* WS must be 3 */
		{{3, 2, 1, 1}, 4},                    /* WS must be 3 */
		{{4, 3, 0, 0}, 4},                    /* SACK-perm must be 2 */
		{{8, 8, 0, 0, 0, 1, 0, 0}, 8},        /* TS must be 10 */
		{{5, 2, 0, 0}, 4},                    /* SACK needs a block */
		{{5, 6, 0, 0, 0, 1, 0, 0}, 8},        /* SACK 2+8n */
		{{5, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}, 11}, /* SACK 2+8n */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hk_tcp_opts p = parse_opts(bad[i].bytes, bad[i].n);
		if (!p.malformed)
			fail_msg("case %zu not flagged malformed", i);
	}
	/* parsing stops at the bad option: a good one after it is not seen,
	 * a good one before it is */
	const uint8_t before[] = {2, 4, 0x05, 0xb4, 3, 2, 1, 1, 4, 2, 0, 0};
	struct hk_tcp_opts p = parse_opts(before, sizeof(before));
	assert_true(p.malformed);
	assert_true(p.has_mss);
	assert_false(p.sack_permitted);
	/* an option ending exactly at the header end is fine */
	const uint8_t exact[] = {30, 4, 0, 0};
	p = parse_opts(exact, sizeof(exact));
	assert_false(p.malformed);
	assert_int_equal(p.n_unknown, 1);
}

static void options_emit_layouts(void **state)
{
	(void)state;
	uint8_t b[40];
	struct hk_tcp_opts o = {0};
	assert_int_equal(hk_tcp_opts_emit(&o, b), 0);
	o.sack_permitted = true;
	assert_int_equal(hk_tcp_opts_emit(&o, b), 4);
	const uint8_t sp[] = {1, 1, 4, 2};
	assert_memory_equal(b, sp, 4);
	o.sack_permitted = false;
	o.has_wscale = true;
	o.wscale = 14;
	assert_int_equal(hk_tcp_opts_emit(&o, b), 4);
	const uint8_t ws[] = {1, 3, 3, 14};
	assert_memory_equal(b, ws, 4);
	o.has_wscale = false;
	o.has_ts = true;
	o.ts_val = 0x01020304;
	o.ts_ecr = 0x05060708;
	assert_int_equal(hk_tcp_opts_emit(&o, b), 12);
	const uint8_t ts[] = {1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8};
	assert_memory_equal(b, ts, 12);
	/* every option at once never exceeds 40 bytes and is a multiple of 4 */
	o.has_mss = o.has_wscale = o.sack_permitted = true;
	o.n_sack = 4;
	size_t n = hk_tcp_opts_emit(&o, b);
	assert_true(n <= 40);
	assert_int_equal(n % 4, 0);
}

static void flags_str(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(hk_tcp_flags_str(HK_TCP_SYN | HK_TCP_ACK, false, buf, sizeof(buf)), "SYN,ACK");
	assert_string_equal(hk_tcp_flags_str(HK_TCP_PSH | HK_TCP_ACK, true, buf, sizeof(buf)), "PSH,ACK,DTH");
	assert_string_equal(hk_tcp_flags_str(0xff, true, buf, sizeof(buf)), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,DTH");
	assert_string_equal(hk_tcp_flags_str(0, false, buf, sizeof(buf)), "");
	assert_string_equal(hk_tcp_flags_str(0, true, buf, sizeof(buf)), "DTH");
	/* a short buffer is cut, still terminated */
	char small[6];
	hk_tcp_flags_str(HK_TCP_SYN | HK_TCP_ACK, false, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

static void round_trip_random_headers(void **state)
{
	(void)state;
	uint32_t x = 12345;
	for (int i = 0; i < 500; i++) {
		x = x * 1103515245u + 12345u;
		struct hk_tcp_hdr h = {.sport = (uint16_t)x, .dport = (uint16_t)(x >> 16),
				       .seq = x * 7, .ack = x * 13, .flags = (uint8_t)(x >> 8),
				       .window = (uint16_t)(x >> 5), .urgent = (uint16_t)(x >> 11),
				       .dth = (x >> 3) & 1, .reserved = (x >> 20) & 7};
		h.opts.has_mss = (x >> 21) & 1;
		h.opts.mss = (uint16_t)(x >> 9);
		h.opts.has_wscale = (x >> 22) & 1;
		h.opts.wscale = (uint8_t)(x >> 27) & 15;
		h.opts.sack_permitted = (x >> 23) & 1;
		h.opts.has_ts = (x >> 24) & 1;
		h.opts.ts_val = x ^ 0x5a5a5a5a;
		h.opts.ts_ecr = x ^ 0xa5a5a5a5;
		uint8_t out[60 + 33];
		size_t hl = hk_tcp_hdr_len(&h);
		size_t plen = (x >> 2) % 33;
		for (size_t k = 0; k < plen; k++)
			out[hl + k] = (uint8_t)(k + i);
		assert_int_equal(hk_tcp_emit(&h, out, plen, SRC, DST), hl);
		struct hk_tcp_hdr p;
		assert_int_equal(hk_tcp_parse(out, hl + plen, SRC, DST, true, &p), HK_TCP_OK);
		assert_int_equal(p.sport, h.sport);
		assert_int_equal(p.dport, h.dport);
		assert_int_equal(p.seq, h.seq);
		assert_int_equal(p.ack, h.ack);
		assert_int_equal(p.flags, h.flags);
		assert_int_equal(p.window, h.window);
		assert_int_equal(p.urgent, h.urgent);
		assert_int_equal(p.dth, h.dth);
		assert_int_equal(p.reserved, h.reserved);
		assert_int_equal(p.data_off, hl);
		assert_int_equal(p.opts.has_mss, h.opts.has_mss);
		if (h.opts.has_mss)
			assert_int_equal(p.opts.mss, h.opts.mss);
		assert_int_equal(p.opts.has_wscale, h.opts.has_wscale);
		if (h.opts.has_wscale)
			assert_int_equal(p.opts.wscale, h.opts.wscale);
		assert_int_equal(p.opts.sack_permitted, h.opts.sack_permitted);
		assert_int_equal(p.opts.has_ts, h.opts.has_ts);
		if (h.opts.has_ts) {
			assert_int_equal(p.opts.ts_val, h.opts.ts_val);
			assert_int_equal(p.opts.ts_ecr, h.opts.ts_ecr);
		}
		assert_false(p.opts.malformed);
		assert_int_equal(p.payload_len, plen);
		/* the wrong pseudo-header fails */
		assert_int_equal(hk_tcp_parse(out, hl + plen, SRC, DST + 1, true, &p), HK_TCP_ERR_CHECKSUM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_options_segment),
		cmocka_unit_test(emit_options_segment_from_fields),
		cmocka_unit_test(dth_bit_position_and_checksum),
		cmocka_unit_test(dth_with_options_and_reserved_bits),
		cmocka_unit_test(truncated_at_every_length),
		cmocka_unit_test(bad_data_offset),
		cmocka_unit_test(options_unaligned_and_unknown),
		cmocka_unit_test(options_sack_blocks),
		cmocka_unit_test(options_illegal_lengths_are_malformed),
		cmocka_unit_test(options_emit_layouts),
		cmocka_unit_test(flags_str),
		cmocka_unit_test(round_trip_random_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

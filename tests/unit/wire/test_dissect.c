/* Unit tests: the dissector (apps/dissect.c) over known frames, and over
 * every truncation and many random mutations without reading out of
 * bounds or overflowing its output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dissect.h"

static const uint8_t seed_frame[54] = {
	0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06, 0x0a, 0xff,
	0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01,
	0x30, 0x39, 0xd4, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0xfa, 0xf0, 0x2c, 0x83, 0x00, 0x00,
};

/* IPv4 (raw) PSH,ACK with DTH, MSS/SACK-perm/TS/NOP/WS and "GET / HTTP/1.1\r\n..." (scapy) */
static const uint8_t dth_http[] = {
	0x45, 0x00, 0x00, 0x57, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x06, 0x0a, 0xd0, 0xc0, 0x00, 0x02, 0x02,
	0xc0, 0x00, 0x02, 0x01, 0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x07,
	0xa8, 0x18, 0x20, 0x00, 0x16, 0x55, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0xc8, 0x01, 0x03, 0x03, 0x07, 0x47, 0x45, 0x54, 0x20,
	0x2f, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x48, 0x6f, 0x73, 0x74,
	0x3a, 0x20, 0x78, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* Ethernet ICMP port unreachable quoting a UDP datagram, and an ARP request */
static const uint8_t icmp_unreach[] = {
	0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0xf6, 0xc0, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00,
	0x02, 0x02, 0x03, 0x03, 0xfc, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x00, 0x01,
	0x00, 0x00, 0x40, 0x11, 0xf6, 0xca, 0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x01,
	0x00, 0x35, 0x00, 0x0a, 0x00, 0x00,
};
static const uint8_t arp_req[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02,
	0xc0, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
};

static char out[65536];

static void seed_syn_fields(void **state)
{
	(void)state;
	size_t n = hk_dissect(HK_LINK_ETHERNET, seed_frame, sizeof(seed_frame), out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_non_null(strstr(out, "Ethernet II, Src: 00:00:5e:00:53:02, Dst: 00:00:5e:00:53:01\n"));
	assert_non_null(strstr(out, "Internet Protocol Version 4, Src: 192.0.2.2, Dst: 192.0.2.1\n"));
	assert_non_null(strstr(out, "    Identification: 0xabcd (43981)\n"));
	assert_non_null(strstr(out, "Flags: 0x2, Don't fragment\n"));
	assert_non_null(strstr(out, "    Header Checksum: 0x0aff [correct]\n"));
	assert_non_null(strstr(out, "Src Port: 12345, Dst Port: 54321, Seq: 0, Len: 0\n"));
	assert_non_null(strstr(out, "    Flags: 0x002 (SYN)\n"));
	assert_non_null(strstr(out, "    Window: 64240\n"));
	assert_non_null(strstr(out, "    Checksum: 0x2c83 [correct]\n"));
	assert_null(strstr(out, "DTH\n"));
}

static void wrong_checksums_say_what_they_should_be(void **state)
{
	(void)state;
	uint8_t f[sizeof(seed_frame)];
	memcpy(f, seed_frame, sizeof(f));
	f[24] = 0x12; /* IP checksum */
	f[50] = 0x00; /* TCP checksum */
	f[51] = 0x01;
	hk_dissect(HK_LINK_ETHERNET, f, sizeof(f), out, sizeof(out));
	assert_non_null(strstr(out, "Header Checksum: 0x12ff [incorrect, should be 0x0aff]\n"));
	assert_non_null(strstr(out, "    Checksum: 0x0001 [incorrect, should be 0x2c83]\n"));
}

static void dth_options_and_http(void **state)
{
	(void)state;
	hk_dissect(HK_LINK_IPV4, dth_http, sizeof(dth_http), out, sizeof(out));
	assert_non_null(strstr(out, "    Flags: 0x018 (PSH, ACK) DTH\n"));
	assert_non_null(strstr(out, "1... .... .... = Death (DTH, RFC 9401): Set\n"));
	assert_non_null(strstr(out, "1010 .... = Header Length: 40 bytes (10)\n"));
	assert_non_null(strstr(out, "TCP Option - Maximum segment size: 1460 bytes\n"));
	assert_non_null(strstr(out, "TCP Option - SACK permitted\n"));
	assert_non_null(strstr(out, "TCP Option - Timestamps: TSval 100, TSecr 200\n"));
	assert_non_null(strstr(out, "TCP Option - No-Operation (NOP)\n"));
	assert_non_null(strstr(out, "TCP Option - Window scale: 7 (multiply by 128)\n"));
	assert_non_null(strstr(out, "Checksum: 0x1655 [correct]\n"));
	assert_non_null(strstr(out, "Hypertext Transfer Protocol\n    GET / HTTP/1.1\\r\\n\n"));
}

static void icmp_error_and_arp(void **state)
{
	(void)state;
	hk_dissect(HK_LINK_ETHERNET, icmp_unreach, sizeof(icmp_unreach), out, sizeof(out));
	assert_non_null(strstr(out, "Type: 3 (Destination unreachable)\n"));
	assert_non_null(strstr(out, "Code: 3 (Port unreachable)\n"));
	assert_non_null(strstr(out, "    Checksum: 0xfcbc [correct]\n"));
	/* the quoted datagram is shown, without claiming its checksum */
	assert_non_null(strstr(out, "User Datagram Protocol, Src Port: 1, Dst Port: 53\n"));
	hk_dissect(HK_LINK_ETHERNET, arp_req, sizeof(arp_req), out, sizeof(out));
	assert_non_null(strstr(out, "Address Resolution Protocol (request)\n"));
	assert_non_null(strstr(out, "Sender IP address: 192.0.2.2\n"));
	assert_non_null(strstr(out, "Target IP address: 192.0.2.1\n"));
	assert_non_null(strstr(out, "Destination: ff:ff:ff:ff:ff:ff (broadcast)\n"));
	char s[200];
	hk_dissect_summary(HK_LINK_ETHERNET, arp_req, sizeof(arp_req), s, sizeof(s));
	assert_string_equal(s, "ARP request who has 192.0.2.1? tell 192.0.2.2");
	hk_dissect_summary(HK_LINK_ETHERNET, seed_frame, sizeof(seed_frame), s, sizeof(s));
	assert_string_equal(s, "192.0.2.2:12345 -> 192.0.2.1:54321 TCP [SYN] seq=0 ack=0 win=64240 len=0");
	hk_dissect_summary(HK_LINK_IPV4, dth_http, sizeof(dth_http), s, sizeof(s));
	assert_string_equal(s, "192.0.2.2:12345 -> 192.0.2.1:80 TCP [PSH,ACK,DTH] seq=5 ack=7 win=8192 len=27");
}

static void hexdump_format(void **state)
{
	(void)state;
	hk_hexdump(seed_frame, sizeof(seed_frame), out, sizeof(out));
	const char *want =
		"0000  00 00 5e 00 53 01 00 00 5e 00 53 02 08 00 45 00   ..^.S...^.S...E.\n"
		"0010  00 28 ab cd 40 00 40 06 0a ff c0 00 02 02 c0 00   .(..@.@.........\n"
		"0020  02 01 30 39 d4 31 00 00 00 00 00 00 00 00 50 02   ..09.1........P.\n"
		"0030  fa f0 2c 83 00 00                                 ..,...\n";
	assert_string_equal(out, want);
}

/* Runs the dissector on a copy of exactly n bytes (ASan catches over-reads)
 * into several output sizes; the output is always a terminated string of
 * the returned length within the cap. */
static void run_all(enum hk_link link, const uint8_t *src, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	memcpy(b, src, n);
	static const size_t caps[] = {0, 1, 6, 7, 8, 40, 300, 65536};
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		char *o = malloc(caps[c] ? caps[c] : 1);
		size_t r = hk_dissect(link, b, n, o, caps[c]);
		if (caps[c]) {
			assert_true(r < caps[c]);
			assert_int_equal(strlen(o), r);
		} else {
			assert_int_equal(r, 0);
		}
		r = hk_dissect_summary(link, b, n, o, caps[c]);
		if (caps[c])
			assert_int_equal(strlen(o), r);
		r = hk_hexdump(b, n, o, caps[c]);
		if (caps[c])
			assert_int_equal(strlen(o), r);
		free(o);
	}
	free(b);
}

static void every_truncation(void **state)
{
	(void)state;
	for (size_t n = 0; n <= sizeof(seed_frame); n++)
		run_all(HK_LINK_ETHERNET, seed_frame, n);
	for (size_t n = 0; n <= sizeof(dth_http); n++)
		run_all(HK_LINK_IPV4, dth_http, n);
	for (size_t n = 0; n <= sizeof(icmp_unreach); n++)
		run_all(HK_LINK_ETHERNET, icmp_unreach, n);
	for (size_t n = 0; n <= sizeof(arp_req); n++)
		run_all(HK_LINK_ETHERNET, arp_req, n);
	/* a cut capture is labelled as such */
	hk_dissect(HK_LINK_IPV4, dth_http, 70, out, sizeof(out));
	assert_non_null(strstr(out, "Total Length: 87 [only 70 bytes captured]\n"));
	assert_non_null(strstr(out, "[unverified"));
}

static void random_mutations(void **state)
{
	(void)state;
	const struct {
		enum hk_link link;
		const uint8_t *b;
		size_t n;
	} base[] = {
		{HK_LINK_ETHERNET, seed_frame, sizeof(seed_frame)},
		{HK_LINK_IPV4, dth_http, sizeof(dth_http)},
		{HK_LINK_ETHERNET, icmp_unreach, sizeof(icmp_unreach)},
		{HK_LINK_ETHERNET, arp_req, sizeof(arp_req)},
	};
	uint32_t x = 2463534242u;
	uint8_t f[128];
	for (int i = 0; i < 10000; i++) {
		size_t k = (size_t)i % 4;
		memcpy(f, base[k].b, base[k].n);
		int flips = 1 + i % 6;
		for (int j = 0; j < flips; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			f[x % base[k].n] = (uint8_t)(x >> 8);
		}
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t n = base[k].n - (x % 4 == 0 ? x % base[k].n : 0);
		run_all(base[k].link, f, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_syn_fields),
		cmocka_unit_test(wrong_checksums_say_what_they_should_be),
		cmocka_unit_test(dth_options_and_http),
		cmocka_unit_test(icmp_error_and_arp),
		cmocka_unit_test(hexdump_format),
		cmocka_unit_test(every_truncation),
		cmocka_unit_test(random_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: Ethernet II header and ARP (RFC 826) parse/emit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/wire/arp.h"
#include "hokuto/wire/ether.h"

static const uint8_t mac1[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
static const uint8_t mac2[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};

/* seed 002's Ethernet header */
static const uint8_t eth_bytes[14] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00,
				      0x5e, 0x00, 0x53, 0x02, 0x08, 0x00};

/* An ARP request "who has 192.0.2.1? tell 192.0.2.2" from mac2. */
static const uint8_t arp_bytes[28] = {
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* htype ptype hlen plen op */
	0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0xc0, 0x00, 0x02, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x01,
};

static void ether_parse_known_bytes(void **state)
{
	(void)state;
	struct hk_ether_hdr h;
	assert_int_equal(hk_ether_parse(eth_bytes, sizeof(eth_bytes), &h), 0);
	assert_memory_equal(h.dst, mac1, 6);
	assert_memory_equal(h.src, mac2, 6);
	assert_int_equal(h.type, HK_ETHERTYPE_IPV4);
}

static void ether_emit_known_bytes(void **state)
{
	(void)state;
	struct hk_ether_hdr h = {.type = HK_ETHERTYPE_IPV4};
	memcpy(h.dst, mac1, 6);
	memcpy(h.src, mac2, 6);
	uint8_t out[14];
	hk_ether_emit(&h, out);
	assert_memory_equal(out, eth_bytes, 14);
	h.type = HK_ETHERTYPE_ARP;
	hk_ether_emit(&h, out);
	assert_int_equal(out[12], 0x08);
	assert_int_equal(out[13], 0x06);
}

static void ether_truncated_at_every_length(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(eth_bytes); n++) {
		uint8_t *b = malloc(n ? n : 1); /* exact size: ASan catches over-reads */
		memcpy(b, eth_bytes, n);
		struct hk_ether_hdr h;
		assert_int_equal(hk_ether_parse(b, n, &h), -EINVAL);
		free(b);
	}
}

static void mac_classes(void **state)
{
	(void)state;
	assert_true(hk_mac_is_broadcast(hk_ether_broadcast));
	assert_true(hk_mac_is_multicast(hk_ether_broadcast));
	assert_false(hk_mac_is_broadcast(mac1));
	assert_false(hk_mac_is_multicast(mac1));
	const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	assert_true(hk_mac_is_multicast(mcast));
	assert_false(hk_mac_is_broadcast(mcast));
}

static void arp_parse_known_bytes(void **state)
{
	(void)state;
	struct hk_arp_pkt p;
	assert_int_equal(hk_arp_parse(arp_bytes, sizeof(arp_bytes), &p), 0);
	assert_int_equal(p.op, HK_ARP_OP_REQUEST);
	assert_memory_equal(p.sha, mac2, 6);
	assert_int_equal(p.spa, 0xc0000202);
	assert_int_equal(p.tpa, 0xc0000201);
	const uint8_t zero[6] = {0};
	assert_memory_equal(p.tha, zero, 6);
}

static void arp_emit_round_trip(void **state)
{
	(void)state;
	struct hk_arp_pkt p = {.op = HK_ARP_OP_REQUEST, .spa = 0xc0000202, .tpa = 0xc0000201};
	memcpy(p.sha, mac2, 6);
	uint8_t out[HK_ARP_LEN];
	memset(out, 0xaa, sizeof(out));
	hk_arp_emit(&p, out);
	assert_memory_equal(out, arp_bytes, HK_ARP_LEN);

	struct hk_arp_pkt r = {.op = HK_ARP_OP_REPLY, .spa = 0xc0000201, .tpa = 0xc0000202};
	memcpy(r.sha, mac1, 6);
	memcpy(r.tha, mac2, 6);
	hk_arp_emit(&r, out);
	struct hk_arp_pkt q;
	assert_int_equal(hk_arp_parse(out, sizeof(out), &q), 0);
	assert_int_equal(q.op, HK_ARP_OP_REPLY);
	assert_memory_equal(q.sha, mac1, 6);
	assert_memory_equal(q.tha, mac2, 6);
	assert_int_equal(q.spa, r.spa);
	assert_int_equal(q.tpa, r.tpa);
}

static void arp_rejects_other_hardware_or_protocol(void **state)
{
	(void)state;
	struct hk_arp_pkt p;
	/* each of htype, ptype, hlen, plen wrong in turn */
	const size_t idx[] = {1, 2, 4, 5};
	for (size_t i = 0; i < 4; i++) {
		uint8_t b[28];
		memcpy(b, arp_bytes, sizeof(b));
		b[idx[i]] ^= 0x10;
		assert_int_equal(hk_arp_parse(b, sizeof(b), &p), -EINVAL);
	}
	/* trailing padding (a 60-byte minimum frame) is fine */
	uint8_t padded[46] = {0};
	memcpy(padded, arp_bytes, sizeof(arp_bytes));
	assert_int_equal(hk_arp_parse(padded, sizeof(padded), &p), 0);
}

static void arp_truncated_at_every_length(void **state)
{
	(void)state;
	for (size_t n = 0; n < sizeof(arp_bytes); n++) {
		uint8_t *b = malloc(n ? n : 1);
		memcpy(b, arp_bytes, n);
		struct hk_arp_pkt p;
		assert_int_equal(hk_arp_parse(b, n, &p), -EINVAL);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ether_parse_known_bytes),
		cmocka_unit_test(ether_emit_known_bytes),
		cmocka_unit_test(ether_truncated_at_every_length),
		cmocka_unit_test(mac_classes),
		cmocka_unit_test(arp_parse_known_bytes),
		cmocka_unit_test(arp_emit_round_trip),
		cmocka_unit_test(arp_rejects_other_hardware_or_protocol),
		cmocka_unit_test(arp_truncated_at_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

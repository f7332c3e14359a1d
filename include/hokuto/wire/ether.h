/* hokuto wire — Ethernet II header. */
#ifndef HOKUTO_WIRE_ETHER_H
#define HOKUTO_WIRE_ETHER_H

#include "hokuto/types.h"

#define HK_ETHER_HDR_LEN 14
#define HK_ETHERTYPE_IPV4 0x0800
#define HK_ETHERTYPE_ARP 0x0806

struct hk_ether_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type; /* host order */
};

extern const uint8_t hk_ether_broadcast[6];

/* 0 or -EINVAL (too short). */
int hk_ether_parse(const uint8_t *buf, size_t len, struct hk_ether_hdr *out);
/* Writes 14 bytes. */
void hk_ether_emit(const struct hk_ether_hdr *h, uint8_t *buf);
bool hk_mac_is_broadcast(const uint8_t mac[6]);
bool hk_mac_is_multicast(const uint8_t mac[6]);

#endif

/* hokuto wire — ARP for IPv4 over Ethernet (RFC 826). */
#ifndef HOKUTO_WIRE_ARP_H
#define HOKUTO_WIRE_ARP_H

#include "hokuto/types.h"

#define HK_ARP_LEN 28
#define HK_ARP_OP_REQUEST 1
#define HK_ARP_OP_REPLY 2

struct hk_arp_pkt {
	uint16_t op;
	uint8_t sha[6]; /* sender hardware address */
	hk_ip4_t spa;   /* sender protocol address */
	uint8_t tha[6];
	hk_ip4_t tpa;
};

/* 0, or -EINVAL when short or not Ethernet/IPv4 (htype 1, ptype 0x0800,
 * hlen 6, plen 4). */
int hk_arp_parse(const uint8_t *buf, size_t len, struct hk_arp_pkt *out);
/* Writes HK_ARP_LEN bytes. */
void hk_arp_emit(const struct hk_arp_pkt *p, uint8_t *buf);

#endif

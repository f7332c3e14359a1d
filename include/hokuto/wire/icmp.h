/* hokuto wire — ICMP for IPv4 (RFC 792). */
#ifndef HOKUTO_WIRE_ICMP_H
#define HOKUTO_WIRE_ICMP_H

#include "hokuto/types.h"

#define HK_ICMP_HDR_LEN 8
#define HK_ICMP_ECHO_REPLY 0
#define HK_ICMP_DEST_UNREACH 3
#define HK_ICMP_ECHO_REQUEST 8
#define HK_ICMP_TIME_EXCEEDED 11
#define HK_ICMP_PARAM_PROBLEM 12

#define HK_ICMP_UNREACH_NET 0
#define HK_ICMP_UNREACH_HOST 1
#define HK_ICMP_UNREACH_PROTOCOL 2
#define HK_ICMP_UNREACH_PORT 3
#define HK_ICMP_UNREACH_FRAG_NEEDED 4

struct hk_icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t checksum;
	/* the "rest of header" word, interpreted per type */
	uint16_t id;        /* echo */
	uint16_t seq;       /* echo */
	uint16_t next_mtu;  /* unreachable / fragmentation needed (RFC 1191) */
	uint32_t rest;      /* the raw 32-bit word, host order */
	const uint8_t *payload;
	size_t payload_len;
};

/* 0, or -EINVAL when shorter than 8 bytes, -EBADMSG on a bad checksum. */
int hk_icmp_parse(const uint8_t *buf, size_t len, struct hk_icmp_hdr *out);
/* Writes header + payload (copied from h->payload) with checksum; returns
 * bytes written (8 + payload_len). `rest` is taken from id/seq for echo
 * types, from next_mtu for unreachable, else from h->rest. */
size_t hk_icmp_emit(const struct hk_icmp_hdr *h, uint8_t *buf);

#endif

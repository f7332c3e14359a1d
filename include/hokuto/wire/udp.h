/* hokuto wire — UDP header (RFC 768). */
#ifndef HOKUTO_WIRE_UDP_H
#define HOKUTO_WIRE_UDP_H

#include "hokuto/types.h"

#define HK_UDP_HDR_LEN 8

struct hk_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;       /* header + data */
	uint16_t checksum;  /* as on the wire; 0 means none */
	const uint8_t *payload;
	size_t payload_len;
};

/* Parses and, when the checksum field is non-zero, verifies it against the
 * pseudo-header. 0, -EINVAL (short / bad length), -EBADMSG (checksum). */
int hk_udp_parse(const uint8_t *buf, size_t len, hk_ip4_t src, hk_ip4_t dst, struct hk_udp_hdr *out);
/* Writes the 8-byte header in front of payload_len bytes already at
 * buf+8, computing the checksum (0 becomes 0xffff). Returns 8+payload_len. */
size_t hk_udp_emit(uint8_t *buf, uint16_t sport, uint16_t dport, size_t payload_len, hk_ip4_t src, hk_ip4_t dst);

#endif

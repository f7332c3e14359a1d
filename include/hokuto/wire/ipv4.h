/* hokuto wire — IPv4 header (RFC 791). */
#ifndef HOKUTO_WIRE_IPV4_H
#define HOKUTO_WIRE_IPV4_H

#include "hokuto/types.h"

#define HK_IPV4_HDR_LEN 20
#define HK_IPPROTO_ICMP 1
#define HK_IPPROTO_TCP 6
#define HK_IPPROTO_UDP 17

#define HK_IPV4_FLAG_EVIL 0x4 /* RFC 3514, the reserved bit */
#define HK_IPV4_FLAG_DF 0x2
#define HK_IPV4_FLAG_MF 0x1

struct hk_ipv4_hdr {
	uint8_t version;
	uint8_t ihl;          /* in 32-bit words */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint8_t flags;        /* HK_IPV4_FLAG_* */
	uint16_t frag_off;    /* in 8-byte units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t checksum;    /* as found on the wire (host order) */
	hk_ip4_t src;
	hk_ip4_t dst;
	const uint8_t *options; /* points into the parsed buffer, or NULL */
	uint8_t options_len;
};

enum hk_ipv4_parse_err {
	HK_IPV4_OK = 0,
	HK_IPV4_ERR_TRUNCATED = -1,    /* buffer shorter than 20 or than IHL*4 */
	HK_IPV4_ERR_VERSION = -2,
	HK_IPV4_ERR_IHL = -3,          /* IHL < 5 */
	HK_IPV4_ERR_TOTAL_LEN = -4,    /* total length < IHL*4 or > buffer */
	HK_IPV4_ERR_CHECKSUM = -5,
};

/* Validates and parses; never reads past len. Checks the header checksum
 * when verify_csum is true. Returns HK_IPV4_OK or an error above. */
int hk_ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum, struct hk_ipv4_hdr *out);
/* Writes the header (ihl*4 bytes: options from h->options, padded with
 * zeros) with a freshly computed checksum. Returns bytes written. */
size_t hk_ipv4_emit(const struct hk_ipv4_hdr *h, uint8_t *buf);
const char *hk_ipv4_err_str(int err);

#endif

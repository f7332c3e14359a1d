/* hokuto wire — TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018),
 * with the Death flag of RFC 9401. */
#ifndef HOKUTO_WIRE_TCP_H
#define HOKUTO_WIRE_TCP_H

#include "hokuto/types.h"

#define HK_TCP_HDR_LEN 20
#define HK_TCP_MAX_HDR_LEN 60

/* Control bits, byte 13. */
#define HK_TCP_FIN 0x01
#define HK_TCP_SYN 0x02
#define HK_TCP_RST 0x04
#define HK_TCP_PSH 0x08
#define HK_TCP_ACK 0x10
#define HK_TCP_URG 0x20
#define HK_TCP_ECE 0x40
#define HK_TCP_CWR 0x80
/* RFC 9401: DTH is bit 0x08 of byte 12, right after the data offset. */
#define HK_TCP_DTH_BYTE12 0x08

#define HK_TCP_OPT_EOL 0
#define HK_TCP_OPT_NOP 1
#define HK_TCP_OPT_MSS 2
#define HK_TCP_OPT_WSCALE 3
#define HK_TCP_OPT_SACK_PERM 4
#define HK_TCP_OPT_SACK 5
#define HK_TCP_OPT_TIMESTAMP 8

#define HK_TCP_MAX_SACK_BLOCKS 4

struct hk_tcp_sack_block {
	uint32_t left, right; /* [left, right) in sequence space */
};

/* Options found in / to put into a segment. */
struct hk_tcp_opts {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;
	bool sack_permitted;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t n_sack;
	struct hk_tcp_sack_block sack[HK_TCP_MAX_SACK_BLOCKS];
	bool malformed;        /* an option with an illegal length was seen (RFC 9293 MUST-7) */
	uint8_t n_unknown;     /* unknown options skipped */
};

struct hk_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t data_off;      /* header length in bytes (20..60) */
	uint8_t reserved;      /* the three reserved bits left of DTH (0..7) */
	bool dth;              /* RFC 9401 Death flag */
	uint8_t flags;         /* HK_TCP_FIN ... HK_TCP_CWR */
	uint16_t window;       /* as on the wire (unscaled) */
	uint16_t checksum;     /* as on the wire */
	uint16_t urgent;
	struct hk_tcp_opts opts;
	const uint8_t *payload;
	size_t payload_len;
};

enum hk_tcp_parse_err {
	HK_TCP_OK = 0,
	HK_TCP_ERR_TRUNCATED = -1,   /* shorter than 20 or than the data offset */
	HK_TCP_ERR_DATA_OFF = -2,    /* data offset < 5 */
	HK_TCP_ERR_CHECKSUM = -3,
};

/* Parses header and options (unaligned, unknown ones skipped, illegal
 * lengths stop option parsing and set opts.malformed). Verifies the checksum
 * over the pseudo-header when verify_csum. Never reads past len. */
int hk_tcp_parse(const uint8_t *buf, size_t len, hk_ip4_t src, hk_ip4_t dst,
		 bool verify_csum, struct hk_tcp_hdr *out);
/* Encodes options into buf (at most 40 bytes, padded to a multiple of 4
 * with NOP/EOL); returns the length. */
size_t hk_tcp_opts_emit(const struct hk_tcp_opts *o, uint8_t *buf);
/* Writes the header (with h->opts encoded, data_off computed) in front of
 * payload_len bytes already placed right after it, and the checksum over
 * pseudo-header + header + payload. Returns the header length. Use
 * hk_tcp_hdr_len() first to know where the payload goes. */
size_t hk_tcp_emit(const struct hk_tcp_hdr *h, uint8_t *buf, size_t payload_len, hk_ip4_t src, hk_ip4_t dst);
size_t hk_tcp_hdr_len(const struct hk_tcp_hdr *h);
/* "SYN,ACK,DTH" style names of the flags; returns buf. */
const char *hk_tcp_flags_str(uint8_t flags, bool dth, char *buf, size_t len);

#endif

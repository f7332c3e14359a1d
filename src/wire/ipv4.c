/* hokuto wire — IPv4 header (RFC 791). */
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "wire/be.h"

int hk_ipv4_parse(const uint8_t *buf, size_t len, bool verify_csum, struct hk_ipv4_hdr *out)
{
	if (len < HK_IPV4_HDR_LEN)
		return HK_IPV4_ERR_TRUNCATED;
	uint8_t version = buf[0] >> 4, ihl = buf[0] & 0x0f;
	if (version != 4)
		return HK_IPV4_ERR_VERSION;
	if (ihl < 5)
		return HK_IPV4_ERR_IHL;
	size_t hlen = (size_t)ihl * 4;
	if (len < hlen)
		return HK_IPV4_ERR_TRUNCATED;
	uint16_t total = hk_be16(buf + 2);
	/* RFC 791 3.1: total length counts header and data */
	if (total < hlen || total > len)
		return HK_IPV4_ERR_TOTAL_LEN;
	if (verify_csum && hk_csum(buf, hlen) != 0)
		return HK_IPV4_ERR_CHECKSUM;

	out->version = version;
	out->ihl = ihl;
	out->tos = buf[1];
	out->total_len = total;
	out->id = hk_be16(buf + 4);
	/* the three flag bits, from the top: reserved ("evil", RFC 3514), DF, MF */
	out->flags = (uint8_t)(buf[6] >> 5);
	out->frag_off = hk_be16(buf + 6) & 0x1fff;
	out->ttl = buf[8];
	out->proto = buf[9];
	out->checksum = hk_be16(buf + 10);
	out->src = hk_be32(buf + 12);
	out->dst = hk_be32(buf + 16);
	out->options_len = (uint8_t)(hlen - HK_IPV4_HDR_LEN);
	out->options = out->options_len ? buf + HK_IPV4_HDR_LEN : NULL;
	return HK_IPV4_OK;
}

size_t hk_ipv4_emit(const struct hk_ipv4_hdr *h, uint8_t *buf)
{
	size_t olen = h->options ? h->options_len : 0;
	if (olen > 40)
		olen = 40;
	/* the header must hold the options; ihl may ask for more (zero padding) */
	unsigned ihl = h->ihl;
	unsigned need = 5 + (unsigned)(olen + 3) / 4;
	if (ihl < need)
		ihl = need;
	if (ihl > 15)
		ihl = 15;
	size_t hlen = (size_t)ihl * 4;

	buf[0] = (uint8_t)(((h->version ? h->version : 4) << 4) | ihl);
	buf[1] = h->tos;
	hk_put_be16(buf + 2, h->total_len);
	hk_put_be16(buf + 4, h->id);
	hk_put_be16(buf + 6, (uint16_t)(((unsigned)(h->flags & 0x7) << 13) | (h->frag_off & 0x1fff)));
	buf[8] = h->ttl;
	buf[9] = h->proto;
	hk_put_be16(buf + 10, 0);
	hk_put_be32(buf + 12, h->src);
	hk_put_be32(buf + 16, h->dst);
	if (olen)
		memcpy(buf + HK_IPV4_HDR_LEN, h->options, olen);
	memset(buf + HK_IPV4_HDR_LEN + olen, 0, hlen - HK_IPV4_HDR_LEN - olen);
	hk_put_be16(buf + 10, hk_csum(buf, hlen));
	return hlen;
}

const char *hk_ipv4_err_str(int err)
{
	switch (err) {
	case HK_IPV4_OK:
		return "ok";
	case HK_IPV4_ERR_TRUNCATED:
		return "truncated";
	case HK_IPV4_ERR_VERSION:
		return "version is not 4";
	case HK_IPV4_ERR_IHL:
		return "header length below 20 bytes";
	case HK_IPV4_ERR_TOTAL_LEN:
		return "bad total length";
	case HK_IPV4_ERR_CHECKSUM:
		return "bad header checksum";
	default:
		return "unknown error";
	}
}

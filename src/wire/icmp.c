/* hokuto wire — ICMP for IPv4 (RFC 792). */
#include <errno.h>
#include <string.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/icmp.h"
#include "wire/be.h"

int hk_icmp_parse(const uint8_t *buf, size_t len, struct hk_icmp_hdr *out)
{
	if (len < HK_ICMP_HDR_LEN)
		return -EINVAL;
	/* RFC 792: the checksum covers the whole ICMP message */
	if (hk_csum(buf, len) != 0)
		return -EBADMSG;
	out->type = buf[0];
	out->code = buf[1];
	out->checksum = hk_be16(buf + 2);
	out->rest = hk_be32(buf + 4);
	out->id = hk_be16(buf + 4);
	out->seq = hk_be16(buf + 6);
	out->next_mtu = hk_be16(buf + 6); /* RFC 1191 4 */
	out->payload = buf + HK_ICMP_HDR_LEN;
	out->payload_len = len - HK_ICMP_HDR_LEN;
	return 0;
}

size_t hk_icmp_emit(const struct hk_icmp_hdr *h, uint8_t *buf)
{
	uint32_t rest;
	switch (h->type) {
	case HK_ICMP_ECHO_REQUEST:
	case HK_ICMP_ECHO_REPLY:
		rest = ((uint32_t)h->id << 16) | h->seq;
		break;
	case HK_ICMP_DEST_UNREACH:
		rest = h->next_mtu; /* high 16 bits unused (RFC 1191 4) */
		break;
	default:
		rest = h->rest;
		break;
	}
	buf[0] = h->type;
	buf[1] = h->code;
	hk_put_be16(buf + 2, 0);
	hk_put_be32(buf + 4, rest);
	if (h->payload_len)
		memmove(buf + HK_ICMP_HDR_LEN, h->payload, h->payload_len);
	size_t n = HK_ICMP_HDR_LEN + h->payload_len;
	hk_put_be16(buf + 2, hk_csum(buf, n));
	return n;
}

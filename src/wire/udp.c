/* hokuto wire — UDP header (RFC 768). */
#include <errno.h>

#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/udp.h"
#include "wire/be.h"

int hk_udp_parse(const uint8_t *buf, size_t len, hk_ip4_t src, hk_ip4_t dst, struct hk_udp_hdr *out)
{
	if (len < HK_UDP_HDR_LEN)
		return -EINVAL;
	uint16_t ulen = hk_be16(buf + 4);
	/* RFC 768: length counts header and data; bytes beyond it are padding */
	if (ulen < HK_UDP_HDR_LEN || ulen > len)
		return -EINVAL;
	uint16_t csum = hk_be16(buf + 6);
	/* a zero checksum means the sender computed none (RFC 768) */
	if (csum != 0 &&
	    hk_csum_finish(hk_csum_add(hk_csum_pseudo(src, dst, HK_IPPROTO_UDP, ulen), buf, ulen)) != 0)
		return -EBADMSG;
	out->sport = hk_be16(buf);
	out->dport = hk_be16(buf + 2);
	out->len = ulen;
	out->checksum = csum;
	out->payload = buf + HK_UDP_HDR_LEN;
	out->payload_len = (size_t)ulen - HK_UDP_HDR_LEN;
	return 0;
}

size_t hk_udp_emit(uint8_t *buf, uint16_t sport, uint16_t dport, size_t payload_len, hk_ip4_t src, hk_ip4_t dst)
{
	size_t n = HK_UDP_HDR_LEN + payload_len;
	uint16_t ulen = (uint16_t)n;
	hk_put_be16(buf, sport);
	hk_put_be16(buf + 2, dport);
	hk_put_be16(buf + 4, ulen);
	hk_put_be16(buf + 6, 0);
	uint16_t csum = hk_csum_finish(hk_csum_add(hk_csum_pseudo(src, dst, HK_IPPROTO_UDP, ulen), buf, n));
	/* RFC 768: a computed zero is sent as all ones */
	hk_put_be16(buf + 6, csum ? csum : 0xffff);
	return n;
}

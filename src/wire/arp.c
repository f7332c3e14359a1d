/* hokuto wire — ARP for IPv4 over Ethernet (RFC 826). */
#include <errno.h>
#include <string.h>

#include "hokuto/wire/arp.h"
#include "hokuto/wire/ether.h"
#include "wire/be.h"

#define ARP_HTYPE_ETHER 1

int hk_arp_parse(const uint8_t *buf, size_t len, struct hk_arp_pkt *out)
{
	if (len < HK_ARP_LEN)
		return -EINVAL;
	if (hk_be16(buf) != ARP_HTYPE_ETHER || hk_be16(buf + 2) != HK_ETHERTYPE_IPV4 ||
	    buf[4] != 6 || buf[5] != 4)
		return -EINVAL;
	out->op = hk_be16(buf + 6);
	memcpy(out->sha, buf + 8, 6);
	out->spa = hk_be32(buf + 14);
	memcpy(out->tha, buf + 18, 6);
	out->tpa = hk_be32(buf + 24);
	return 0;
}

void hk_arp_emit(const struct hk_arp_pkt *p, uint8_t *buf)
{
	hk_put_be16(buf, ARP_HTYPE_ETHER);
	hk_put_be16(buf + 2, HK_ETHERTYPE_IPV4);
	buf[4] = 6;
	buf[5] = 4;
	hk_put_be16(buf + 6, p->op);
	memcpy(buf + 8, p->sha, 6);
	hk_put_be32(buf + 14, p->spa);
	memcpy(buf + 18, p->tha, 6);
	hk_put_be32(buf + 24, p->tpa);
}

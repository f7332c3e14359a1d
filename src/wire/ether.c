/* hokuto wire — Ethernet II header. */
#include <errno.h>
#include <string.h>

#include "hokuto/wire/ether.h"
#include "wire/be.h"

const uint8_t hk_ether_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

int hk_ether_parse(const uint8_t *buf, size_t len, struct hk_ether_hdr *out)
{
	if (len < HK_ETHER_HDR_LEN)
		return -EINVAL;
	memcpy(out->dst, buf, 6);
	memcpy(out->src, buf + 6, 6);
	out->type = hk_be16(buf + 12);
	return 0;
}

void hk_ether_emit(const struct hk_ether_hdr *h, uint8_t *buf)
{
	memcpy(buf, h->dst, 6);
	memcpy(buf + 6, h->src, 6);
	hk_put_be16(buf + 12, h->type);
}

bool hk_mac_is_broadcast(const uint8_t mac[6])
{
	return memcmp(mac, hk_ether_broadcast, 6) == 0;
}

/* The I/G bit: least significant bit of the first octet (IEEE 802). */
bool hk_mac_is_multicast(const uint8_t mac[6])
{
	return (mac[0] & 0x01) != 0;
}

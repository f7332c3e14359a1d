/* hokuto wire — the Internet checksum (RFC 1071). */
#include "hokuto/wire/checksum.h"

#include <string.h>

/* Folds carries above bit 15 back in (end-around carry, RFC 1071 4.1). */
static uint32_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

/* RFC 1071 2(B): the one's-complement sum does not depend on byte order,
 * so we add native 32-bit words into a 64-bit accumulator (no carries lost
 * below 2^32 words) and swap the folded 16 bits to network order once. */
static uint32_t sum_native(const uint8_t *p, size_t len)
{
	uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	for (; len >= 16; p += 16, len -= 16) {
		uint32_t w[4];
		memcpy(w, p, sizeof(w)); /* unaligned-safe load */
		a0 += w[0];
		a1 += w[1];
		a2 += w[2];
		a3 += w[3];
	}
	uint64_t sum = a0 + a1 + a2 + a3; /* each term < 2^60: no overflow */
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		sum += h;
	}
	uint32_t folded = fold(sum);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = (uint32_t)(((folded & 0xff) << 8) | (folded >> 8));
#endif
	if (len) /* odd length: pad with a zero byte */
		folded += (uint32_t)p[0] << 8;
	return folded;
}

uint32_t hk_csum_add(uint32_t initial, const void *data, size_t len)
{
	return fold((uint64_t)initial + sum_native(data, len));
}

uint16_t hk_csum_finish(uint32_t sum)
{
	return (uint16_t)~fold(sum);
}

uint16_t hk_csum(const void *data, size_t len)
{
	return hk_csum_finish(hk_csum_add(0, data, len));
}

uint32_t hk_csum_pseudo(hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t len)
{
	uint64_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	sum += proto;
	sum += len;
	return fold(sum);
}

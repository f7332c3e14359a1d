/* hokuto wire — the Internet checksum (RFC 1071). */
#include "hokuto/wire/checksum.h"

/* Folds carries above bit 15 back in (end-around carry, RFC 1071 4.1). */
static uint32_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t hk_csum_add(uint32_t initial, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t sum = initial;
	size_t i = 0;
	/* big-endian 16-bit words; a 64-bit accumulator cannot overflow for
	 * any buffer that fits in memory before the final fold */
	for (; i + 1 < len; i += 2)
		sum += ((uint32_t)p[i] << 8) | p[i + 1];
	if (i < len) /* odd length: pad with a zero byte */
		sum += (uint32_t)p[i] << 8;
	return fold(sum);
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

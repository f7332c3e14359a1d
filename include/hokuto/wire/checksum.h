/* hokuto wire — the Internet checksum (RFC 1071). */
#ifndef HOKUTO_WIRE_CHECKSUM_H
#define HOKUTO_WIRE_CHECKSUM_H

#include "hokuto/types.h"

/* One's-complement sum of data folded to 16 bits, added to `initial`
 * (a partial sum from an earlier call), NOT complemented. Odd lengths are
 * padded with a zero byte as RFC 1071 says. */
uint32_t hk_csum_add(uint32_t initial, const void *data, size_t len);
/* Folds a partial sum and complements it: the value to put in a header,
 * in host order (store it big-endian). */
uint16_t hk_csum_finish(uint32_t sum);
/* hk_csum_finish(hk_csum_add(0, data, len)). A header whose checksum field
 * is correct sums to 0 with this function. */
uint16_t hk_csum(const void *data, size_t len);
/* Partial sum of the IPv4 pseudo-header (RFC 9293 3.1): src, dst, zero,
 * protocol, length (of the transport header plus data). */
uint32_t hk_csum_pseudo(hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t len);

#endif

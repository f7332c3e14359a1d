/* hokuto — basic types shared by every layer. */
#ifndef HOKUTO_TYPES_H
#define HOKUTO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Time is injected by the caller: microseconds on a monotonic clock.
 * The core never reads a clock itself; tests run it in virtual time. */
typedef uint64_t hk_time_t;
#define HK_TIME_NEVER UINT64_MAX
#define HK_USEC(x) ((hk_time_t)(x))
#define HK_MSEC(x) ((hk_time_t)(x) * 1000u)
#define HK_SEC(x) ((hk_time_t)(x) * 1000000u)

/* IPv4 addresses and ports are kept in HOST byte order everywhere above the
 * wire layer; the wire layer converts when it parses or emits. */
typedef uint32_t hk_ip4_t;

#define HK_IP4(a, b, c, d) \
	((hk_ip4_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))

/* "192.0.2.1" -> 0 and *out set, or -EINVAL. */
int hk_ip4_parse(const char *text, hk_ip4_t *out);
/* "192.0.2.1/24" -> address and prefix; prefix defaults to 32 when absent. */
int hk_ip4_parse_cidr(const char *text, hk_ip4_t *addr, uint8_t *prefix);
/* Writes dotted-quad into buf (at least 16 bytes); returns buf. */
const char *hk_ip4_str(hk_ip4_t ip, char *buf);
hk_ip4_t hk_ip4_mask(uint8_t prefix);

/* "00:00:5e:00:53:01" -> 0, or -EINVAL. */
int hk_mac_parse(const char *text, uint8_t mac[6]);
/* Writes "xx:xx:xx:xx:xx:xx" into buf (at least 18 bytes); returns buf. */
const char *hk_mac_str(const uint8_t mac[6], char *buf);

#endif

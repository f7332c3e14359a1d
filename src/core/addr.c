/* hokuto core — IPv4 and MAC address text forms. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/types.h"

int hk_ip4_parse(const char *text, hk_ip4_t *out)
{
	uint32_t v = 0;
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned long part = 0;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			part = part * 10 + (unsigned long)(*p - '0');
			if (++digits > 3 || part > 255)
				return -EINVAL;
			p++;
		}
		v = (v << 8) | (uint32_t)part;
		if (i < 3 && *p++ != '.')
			return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int hk_ip4_parse_cidr(const char *text, hk_ip4_t *addr, uint8_t *prefix)
{
	char buf[32];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (hk_ip4_parse(buf, addr) < 0)
		return -EINVAL;
	*prefix = 32;
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || p < 0 || p > 32)
			return -EINVAL;
		*prefix = (uint8_t)p;
	}
	return 0;
}

const char *hk_ip4_str(hk_ip4_t ip, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)((ip >> 16) & 255),
		 (unsigned)((ip >> 8) & 255), (unsigned)(ip & 255));
	return buf;
}

hk_ip4_t hk_ip4_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : (hk_ip4_t)(0xffffffffu << (32 - (prefix > 32 ? 32 : prefix)));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hk_mac_parse(const char *text, uint8_t mac[6])
{
	const char *p = text;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(p[0]), lo = hexval(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i < 5) {
			if (*p != ':' && *p != '-')
				return -EINVAL;
			p++;
		}
	}
	return *p == '\0' ? 0 : -EINVAL;
}

const char *hk_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

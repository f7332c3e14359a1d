/* hokuto HTTP — http:// URLs (RFC 3986 subset, RFC 9110 4.2.1), redirect
 * targets, /etc/hosts lookup (hosts(5)) and request-path decoding. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_parse.h"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

const char *http_url_strerror(int err)
{
	switch (err) {
	case HTTP_URL_OK: return "ok";
	case HTTP_URL_SCHEME: return "only http:// URLs are supported";
	case HTTP_URL_HOST: return "missing or invalid host";
	case HTTP_URL_PORT: return "port must be 1..65535";
	case HTTP_URL_TOO_LONG: return "URL too long";
	case HTTP_URL_USERINFO: return "user:password@ in URLs is not supported";
	case HTTP_URL_BAD_CHAR: return "space or control character in URL";
	default: return "invalid URL";
	}
}

/* Appends path bytes to out, percent-encoding non-ASCII bytes; rejects
 * spaces and controls. Stops at '#' (the fragment is not sent). */
static int copy_path(const char *in, char *out, size_t out_size, size_t *pos)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *in && *in != '#'; in++) {
		unsigned char b = (unsigned char)*in;
		if (b <= 0x20 || b == 0x7f)
			return HTTP_URL_BAD_CHAR;
		if (b >= 0x80) {
			if (*pos + 3 >= out_size)
				return HTTP_URL_TOO_LONG;
			out[(*pos)++] = '%';
			out[(*pos)++] = hex[b >> 4];
			out[(*pos)++] = hex[b & 15];
			continue;
		}
		if (*pos + 1 >= out_size)
			return HTTP_URL_TOO_LONG;
		out[(*pos)++] = (char)b;
	}
	out[*pos] = '\0';
	return HTTP_URL_OK;
}

/* RFC 3986 5.2.4 remove_dot_segments, in place, on the path part (before
 * any '?'). */
static void remove_dot_segments(char *path)
{
	char *q = strchr(path, '?');
	size_t plen = q ? (size_t)(q - path) : strlen(path);
	char out[2048];
	size_t o = 0;
	size_t i = 0;
	while (i < plen) {
		const char *in = path + i;
		size_t left = plen - i;
		if (left >= 3 && memcmp(in, "../", 3) == 0) {
			i += 3;
		} else if (left >= 2 && memcmp(in, "./", 2) == 0) {
			i += 2;
		} else if (left >= 3 && memcmp(in, "/./", 3) == 0) {
			i += 2;
		} else if (left == 2 && memcmp(in, "/.", 2) == 0) {
			path[i + 1] = '/';
			i += 1;
		} else if (left >= 4 && memcmp(in, "/../", 4) == 0) {
			i += 3;
			while (o > 0 && out[--o] != '/')
				;
		} else if (left == 3 && memcmp(in, "/..", 3) == 0) {
			i += 2;
			path[i] = '/';
			while (o > 0 && out[--o] != '/')
				;
		} else if ((left == 1 && in[0] == '.') || (left == 2 && memcmp(in, "..", 2) == 0)) {
			i = plen;
		} else {
			/* move the first segment (with its leading '/') */
			size_t j = 0;
			if (in[0] == '/')
				j = 1;
			while (j < left && in[j] != '/')
				j++;
			if (o + j < sizeof(out)) {
				memcpy(out + o, in, j);
				o += j;
			}
			i += j;
		}
	}
	if (o == 0)
		out[o++] = '/';
	size_t qlen = q ? strlen(q) : 0;
	if (o + qlen + 1 > 2048)
		qlen = 2048 - o - 1;
	memmove(path + o, q ? q : "", qlen);
	memcpy(path, out, o);
	path[o + qlen] = '\0';
}

int http_url_parse(const char *text, struct http_url *u)
{
	memset(u, 0, sizeof(*u));
	u->port = 80;
	const char *p = text;
	const char *colon = strstr(text, "://");
	if (colon) {
		/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
		if (!(colon - text == 4 && http_memeq_ci(text, 4, "http")))
			return HTTP_URL_SCHEME;
		p = colon + 3;
	}
	/* authority = [ userinfo "@" ] host [ ":" port ] */
	size_t alen = strcspn(p, "/?#");
	const char *auth = p;
	if (memchr(auth, '@', alen))
		return HTTP_URL_USERINFO;
	const char *pc = NULL;
	for (size_t i = 0; i < alen; i++) {
		if (auth[i] == ':')
			pc = auth + i;
	}
	size_t hlen = pc ? (size_t)(pc - auth) : alen;
	if (hlen == 0 || hlen >= sizeof(u->host))
		return HTTP_URL_HOST;
	for (size_t i = 0; i < hlen; i++) {
		char c = auth[i];
		if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'))
			return HTTP_URL_HOST;
	}
	memcpy(u->host, auth, hlen);
	u->host[hlen] = '\0';
	if (pc && pc + 1 < auth + alen) {
		unsigned long port = 0;
		for (const char *d = pc + 1; d < auth + alen; d++) {
			if (!is_digit(*d) || (port = port * 10 + (unsigned long)(*d - '0')) > 65535)
				return HTTP_URL_PORT;
		}
		if (port == 0)
			return HTTP_URL_PORT;
		u->port = (uint16_t)port;
	}
	p = auth + alen;
	size_t pos = 0;
	if (*p != '/') {
		u->path[pos++] = '/'; /* empty path: "/" (RFC 9110 4.2.1) */
		u->path[pos] = '\0';
	}
	int rc = copy_path(p, u->path, sizeof(u->path), &pos);
	if (rc != HTTP_URL_OK)
		return rc;
	remove_dot_segments(u->path);
	return HTTP_URL_OK;
}

int http_url_resolve(const struct http_url *base, const char *location, struct http_url *out)
{
	while (*location == ' ' || *location == '\t')
		location++;
	/* absolute URI: scheme ":" ... */
	const char *s = location;
	if (is_alpha(*s)) {
		while (is_alpha(*s) || is_digit(*s) || *s == '+' || *s == '-' || *s == '.')
			s++;
		if (*s == ':') {
			if (strncmp(s, "://", 3) != 0)
				return HTTP_URL_SCHEME;
			return http_url_parse(location, out);
		}
	}
	if (location[0] == '/' && location[1] == '/') {
		char buf[2400];
		if ((size_t)snprintf(buf, sizeof(buf), "http:%s", location) >= sizeof(buf))
			return HTTP_URL_TOO_LONG;
		return http_url_parse(buf, out);
	}
	*out = *base;
	size_t pos = 0;
	if (location[0] == '/') {
		/* absolute path */
	} else {
		/* merge (RFC 3986 5.2.3): base path up to its last '/', or the
		 * base path without its query for a "?query" reference */
		size_t blen = strcspn(base->path, "?");
		if (location[0] != '?' && location[0] != '\0') {
			while (blen > 0 && base->path[blen - 1] != '/')
				blen--;
		}
		if (location[0] == '\0' || location[0] == '#')
			blen = strlen(base->path);
		memcpy(out->path, base->path, blen);
		pos = blen;
		out->path[pos] = '\0';
		if (location[0] == '#')
			return HTTP_URL_OK;
	}
	int rc = copy_path(location, out->path, sizeof(out->path), &pos);
	if (rc != HTTP_URL_OK)
		return rc;
	if (out->path[0] != '/') {
		if (pos + 2 > sizeof(out->path))
			return HTTP_URL_TOO_LONG;
		memmove(out->path + 1, out->path, pos + 1);
		out->path[0] = '/';
	}
	remove_dot_segments(out->path);
	return HTTP_URL_OK;
}

/* ---- /etc/hosts ---- */

int http_hosts_find(const char *text, size_t len, const char *name, hk_ip4_t *ip)
{
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		size_t line_end = end;
		for (size_t k = i; k < end; k++) {
			if (text[k] == '#') {
				line_end = k;
				break;
			}
		}
		/* split into whitespace-separated fields */
		size_t k = i;
		int field = 0;
		bool addr_ok = false;
		hk_ip4_t addr = 0;
		while (k < line_end) {
			while (k < line_end && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
				k++;
			size_t ts = k;
			while (k < line_end && text[k] != ' ' && text[k] != '\t' && text[k] != '\r')
				k++;
			size_t tl = k - ts;
			if (tl == 0)
				break;
			if (field == 0) {
				char buf[16];
				if (tl < sizeof(buf)) {
					memcpy(buf, text + ts, tl);
					buf[tl] = '\0';
					addr_ok = hk_ip4_parse(buf, &addr) == 0;
				}
				if (!addr_ok)
					break; /* IPv6 or garbage: skip the line */
			} else if (http_memeq_ci(text + ts, tl, name)) {
				*ip = addr;
				return 0;
			}
			field++;
		}
		i = end + 1;
	}
	return -ENOENT;
}

int http_hosts_lookup(const char *path, const char *name, hk_ip4_t *ip)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[65536];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0 || (len += (size_t)n) == sizeof(buf))
			break;
	}
	close(fd);
	return http_hosts_find(buf, len, name, ip);
}

int http_resolve_host(const char *hosts_path, const char *host, hk_ip4_t *ip)
{
	if (hk_ip4_parse(host, ip) == 0)
		return 0;
	return http_hosts_lookup(hosts_path ? hosts_path : "/etc/hosts", host, ip);
}

/* ---- request paths ---- */

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

long http_pct_decode_path(const char *target, size_t len, char *out, size_t out_size)
{
	size_t o = 0;
	for (size_t i = 0; i < len && target[i] != '?' && target[i] != '#'; i++) {
		char c = target[i];
		if (c == '%') {
			int hi = i + 1 < len ? hexval(target[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(target[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi * 16 + lo);
			if (c == '\0')
				return -EINVAL;
			i += 2;
		} else if (c == '\0') {
			return -EINVAL;
		}
		if (o + 1 >= out_size)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	if (out_size == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (long)o;
}

int http_path_check(const char *p)
{
	if (p[0] != '/')
		return -EINVAL;
	/* every segment between slashes; ".." anywhere is refused, as is a
	 * backslash segment that some file systems would treat as one */
	const char *seg = p + 1;
	for (;;) {
		size_t n = strcspn(seg, "/");
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return -EINVAL;
		if (seg[n] == '\0')
			break;
		seg += n + 1;
	}
	return 0;
}

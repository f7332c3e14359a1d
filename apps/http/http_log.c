/* hokuto HTTP server — dates, the Common Log Format access line and
 * Content-Type by extension. Formats by hand: strftime depends on the
 * locale, and these formats are fixed English (RFC 9110 5.6.7). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http_server.h"

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const days[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

static void utc(time_t t, struct tm *tm)
{
	if (!gmtime_r(&t, tm))
		memset(tm, 0, sizeof(*tm));
	if (tm->tm_mon < 0 || tm->tm_mon > 11)
		tm->tm_mon = 0;
	if (tm->tm_wday < 0 || tm->tm_wday > 6)
		tm->tm_wday = 0;
}

void http_clf_date(time_t t, char *buf, size_t size)
{
	struct tm tm;
	utc(t, &tm);
	snprintf(buf, size, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void http_imf_date(time_t t, char *buf, size_t size)
{
	struct tm tm;
	utc(t, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t http_clf_line(char *buf, size_t size, hk_ip4_t peer, time_t t, const char *request, int status,
		     uint64_t bytes)
{
	static const char hex[] = "0123456789abcdef";
	char ip[16], date[40], req[1024 + 16];
	size_t o = 0;
	const char *p = request;
	/* escape the request so that a client cannot forge log lines */
	for (; *p && o < 1024; p++) {
		unsigned char b = (unsigned char)*p;
		if (b == '"' || b == '\\') {
			req[o++] = '\\';
			req[o++] = (char)b;
		} else if (b < 0x20 || b >= 0x7f) {
			req[o++] = '\\';
			req[o++] = 'x';
			req[o++] = hex[b >> 4];
			req[o++] = hex[b & 15];
		} else {
			req[o++] = (char)b;
		}
	}
	if (*p) {
		memcpy(req + o, "...", 3); /* truncated */
		o += 3;
	}
	req[o] = '\0';
	http_clf_date(t, date, sizeof(date));
	char nbytes[24];
	if (bytes)
		snprintf(nbytes, sizeof(nbytes), "%" PRIu64, bytes);
	else
		strcpy(nbytes, "-");
	int n = snprintf(buf, size, "%s - - [%s] \"%s\" %d %s\n", hk_ip4_str(peer, ip), date, req, status, nbytes);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{"html", "text/html; charset=utf-8"},
	{"htm", "text/html; charset=utf-8"},
	{"txt", "text/plain; charset=utf-8"},
	{"css", "text/css"},
	{"js", "text/javascript"},
	{"mjs", "text/javascript"},
	{"json", "application/json"},
	{"xml", "application/xml"},
	{"csv", "text/csv"},
	{"md", "text/markdown"},
	{"png", "image/png"},
	{"jpg", "image/jpeg"},
	{"jpeg", "image/jpeg"},
	{"gif", "image/gif"},
	{"svg", "image/svg+xml"},
	{"ico", "image/x-icon"},
	{"webp", "image/webp"},
	{"wasm", "application/wasm"},
	{"pdf", "application/pdf"},
	{"zip", "application/zip"},
	{"gz", "application/gzip"},
	{"tar", "application/x-tar"},
	{"mp4", "video/mp4"},
	{"mp3", "audio/mpeg"},
	{"woff2", "font/woff2"},
	{"pcap", "application/vnd.tcpdump.pcap"},
};

const char *http_mime_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	if (dot && dot != base) {
		for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++) {
			if (http_streq_ci(dot + 1, mime_types[i].ext))
				return mime_types[i].type;
		}
	}
	return "application/octet-stream";
}

void http_server_stats_print(const struct http_server_stats *st, FILE *out)
{
#define X(name, desc) fprintf(out, "%-28s %12" PRIu64 "  # http: %s\n", "http_" #name, st->name, desc);
	HTTP_SERVER_STATS(X)
#undef X
}

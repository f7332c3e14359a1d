/* hokuto HTTP/1.1 — pure protocol logic: an incremental message parser
 * (requests and responses, RFC 9112), the chunked decoder, header lookup,
 * the http:// URL parser, percent-decoding and /etc/hosts lookup.
 *
 * Nothing here does I/O or allocates: the caller feeds bytes as they arrive
 * (one at a time or all at once, the result is the same) and gives the
 * parser the storage it copies the message head into.
 *
 *   struct http_parser p;
 *   http_parser_init(&p, HTTP_PARSE_REQUEST, &limits, arena, sizeof arena);
 *   while (len) {
 *       struct http_event ev;
 *       size_t n = http_parser_feed(&p, data, len, &ev);
 *       data += n; len -= n;
 *       switch (ev.type) { ... HTTP_EV_HEAD, HTTP_EV_BODY, HTTP_EV_DONE ... }
 *   }
 *
 * After HTTP_EV_DONE the parser consumes nothing more until
 * http_parser_reset(): the bytes after a message are the next (pipelined)
 * message. After HTTP_EV_ERROR it stays in error: p.err says why and
 * http_error_status() maps that to the status to answer with. */
#ifndef HOKUTO_APPS_HTTP_PARSE_H
#define HOKUTO_APPS_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hokuto/types.h"

/* Why a message was rejected. Each maps to one status (http_error_status). */
enum http_error {
	HTTP_ERR_NONE = 0,
	HTTP_ERR_METHOD,              /* 400: method is not a token, or too long */
	HTTP_ERR_REQUEST_LINE,        /* 400: not "method SP target SP version" */
	HTTP_ERR_TARGET,              /* 400: bad byte or form of request-target */
	HTTP_ERR_URI_TOO_LONG,        /* 414: request-target over the limit */
	HTTP_ERR_VERSION,             /* 400: not "HTTP/" DIGIT "." DIGIT */
	HTTP_ERR_VERSION_UNSUPPORTED, /* 505: major version other than 1 */
	HTTP_ERR_BARE_CR,             /* 400: CR not followed by LF */
	HTTP_ERR_HEADER_NAME,         /* 400: bad field name, or space before ':' */
	HTTP_ERR_HEADER_VALUE,        /* 400: control byte in a field value */
	HTTP_ERR_OBS_FOLD,            /* 400: line folding in a request */
	HTTP_ERR_HEAD_TOO_LARGE,      /* 431: head over max_head bytes */
	HTTP_ERR_TOO_MANY_HEADERS,    /* 431: more than max_headers fields */
	HTTP_ERR_HOST,                /* 400: HTTP/1.1 without exactly one valid Host */
	HTTP_ERR_CONTENT_LENGTH,      /* 400: bad or conflicting Content-Length */
	HTTP_ERR_CL_AND_TE,           /* 400: both Content-Length and Transfer-Encoding */
	HTTP_ERR_TE_UNKNOWN,          /* 501: a transfer coding we do not implement */
	HTTP_ERR_TE_NOT_CHUNKED,      /* 400: chunked absent, not last, or twice */
	HTTP_ERR_TE_HTTP10,           /* 400: Transfer-Encoding in an HTTP/1.0 message */
	HTTP_ERR_BODY_TOO_LARGE,      /* 413: body over max_body */
	HTTP_ERR_CHUNK,               /* 400: malformed chunk size, extension or CRLF */
	HTTP_ERR_STATUS_LINE,         /* response: malformed status line */
	HTTP_ERR_TRUNCATED,           /* the stream ended inside a message */
	HTTP_ERR__COUNT
};

/* The status a server answers an error with (400, 413, 414, 431, 501, 505). */
int http_error_status(enum http_error e);
/* A short English description ("Content-Length is not a number"). */
const char *http_error_str(enum http_error e);
/* The reason phrase for a status code ("Not Found"); "Unknown" otherwise. */
const char *http_status_reason(int status);

enum http_parse_mode { HTTP_PARSE_REQUEST, HTTP_PARSE_RESPONSE };

struct http_limits {
	size_t max_target;   /* request-target bytes (414); default 4096 */
	size_t max_head;     /* start line + fields + CRLFs (431); default 8192 */
	size_t max_headers;  /* number of fields, at most HTTP_MAX_HEADERS (431) */
	uint64_t max_body;   /* decoded body bytes (413); UINT64_MAX for none */
};
#define HTTP_MAX_HEADERS 100
void http_limits_default(struct http_limits *l);

/* One header field; name and value are NUL-terminated strings in the
 * arena, value with surrounding whitespace removed. */
struct http_header {
	const char *name;
	const char *value;
	uint16_t name_len;
	uint16_t value_len;
};

enum http_framing {
	HTTP_BODY_NONE,      /* no body (length 0, HEAD response, 1xx/204/304) */
	HTTP_BODY_LENGTH,    /* Content-Length bytes */
	HTTP_BODY_CHUNKED,   /* chunked transfer coding */
	HTTP_BODY_CLOSE,     /* response delimited by the end of the connection */
};

/* The parsed head: valid from HTTP_EV_HEAD until reset. */
struct http_msg {
	/* request */
	const char *method;
	const char *target;
	size_t target_len;
	/* response */
	int status;
	const char *reason;
	/* both */
	uint8_t version_major;
	uint8_t version_minor;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	enum http_framing framing;
	uint64_t content_length;  /* for HTTP_BODY_LENGTH */
	bool keep_alive;          /* RFC 9112 9.3: the connection persists after */
	bool expect_continue;     /* request had "Expect: 100-continue" */
	bool expect_unknown;      /* request had another Expect value (417) */
	size_t head_bytes;        /* bytes of the head on the wire */
};

enum http_ev_type {
	HTTP_EV_NEED_MORE, /* all input consumed, nothing to report */
	HTTP_EV_HEAD,      /* head complete: p->msg is filled in */
	HTTP_EV_BODY,      /* ev.data/ev.len: decoded body bytes (point into the input) */
	HTTP_EV_DONE,      /* the message is complete */
	HTTP_EV_ERROR,     /* p->err says why; the message cannot be continued */
};

struct http_event {
	enum http_ev_type type;
	const uint8_t *data;
	size_t len;
};

/* Chunked transfer coding decoder (RFC 9112 7.1), usable on its own. */
enum http_chunk_state {
	HTTP_CH_SIZE,        /* hex digits of chunk-size */
	HTTP_CH_SIZE_WS,     /* BWS after the size, before ';' or CRLF */
	HTTP_CH_EXT,         /* chunk-ext, skipped */
	HTTP_CH_EXT_QUOTED,  /* quoted-string inside chunk-ext */
	HTTP_CH_EXT_QUOTED_ESC,
	HTTP_CH_SIZE_LF,     /* CR seen, LF expected */
	HTTP_CH_DATA,
	HTTP_CH_DATA_CR,
	HTTP_CH_DATA_LF,
	HTTP_CH_TRAILER_START, /* at the start of a trailer line (or final CRLF) */
	HTTP_CH_TRAILER,     /* inside a trailer field line, skipped */
	HTTP_CH_TRAILER_LF,
	HTTP_CH_FINAL_LF,
	HTTP_CH_DONE,
	HTTP_CH_ERROR,
};

struct http_chunked {
	enum http_chunk_state state;
	uint64_t remaining;   /* bytes left in the current chunk */
	uint64_t total;       /* decoded bytes so far */
	uint64_t max_body;    /* limit on total */
	size_t size_digits;
	size_t ext_bytes;     /* bytes of extension on this line */
	size_t trailer_bytes; /* bytes of trailer section */
	size_t max_trailer;
	enum http_error err;
};

void http_chunked_init(struct http_chunked *c, uint64_t max_body, size_t max_trailer);
/* Decodes from data: returns bytes consumed. When body bytes are found it
 * stops and sets *out and *out_len to them (they point into data); it also
 * stops at the end of the chunked body (state HTTP_CH_DONE) or on an error
 * (state HTTP_CH_ERROR, err set). */
size_t http_chunked_feed(struct http_chunked *c, const uint8_t *data, size_t len, const uint8_t **out,
			 size_t *out_len);

enum http_parse_state {
	HTTP_PS_START,      /* before the first byte (leading CRLFs ignored) */
	HTTP_PS_LINE,       /* inside the start line */
	HTTP_PS_LINE_LF,    /* CR of the start line seen */
	HTTP_PS_FIELD_START,/* at the start of a field line or the final CRLF */
	HTTP_PS_NAME,
	HTTP_PS_OWS,        /* whitespace after ':' */
	HTTP_PS_VALUE,
	HTTP_PS_VALUE_LF,   /* CR of a field line seen */
	HTTP_PS_FIELD_LF,   /* CR of the final empty line seen */
	HTTP_PS_BODY,
	HTTP_PS_DONE,
	HTTP_PS_ERROR,
};

struct http_parser {
	enum http_parse_mode mode;
	enum http_parse_state state;
	enum http_error err;
	struct http_limits limits;
	bool is_head_response;  /* response to HEAD: no body whatever the fields */
	char *arena;
	size_t arena_size;
	size_t arena_used;
	size_t line_start;      /* arena offset of the current line */
	size_t value_end;       /* arena offset after last non-blank value byte */
	size_t head_bytes;      /* wire bytes of the head so far */
	size_t leading_crlf;
	size_t line_spaces;     /* SPs so far in the request line */
	size_t method_len;      /* bytes of method so far */
	size_t target_len;      /* bytes of request-target so far */
	uint64_t body_left;     /* Content-Length bytes still to come */
	struct http_chunked chunked;
	struct http_msg msg;
};

/* arena must hold at least limits->max_head + 64 bytes (the parser NUL-
 * terminates the strings it stores); returns 0 or -EINVAL. */
int http_parser_init(struct http_parser *p, enum http_parse_mode mode, const struct http_limits *limits,
		     char *arena, size_t arena_size);
/* Ready for the next message on the same connection. */
void http_parser_reset(struct http_parser *p);
/* Responses only: the request was HEAD, so the response has no body. */
void http_parser_set_head_request(struct http_parser *p, bool head);
size_t http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len, struct http_event *ev);
/* The peer closed its side. A close-delimited response ends here
 * (HTTP_EV_DONE); anything else unfinished is HTTP_ERR_TRUNCATED.
 * Before the first byte of a message it reports HTTP_EV_NEED_MORE. */
void http_parser_finish(struct http_parser *p, struct http_event *ev);
/* True when no byte of a new message has been consumed yet. */
bool http_parser_idle(const struct http_parser *p);

/* Case-insensitive header lookup: the first field named name, or NULL. */
const struct http_header *http_msg_header(const struct http_msg *m, const char *name);
/* Does the comma-separated list in the fields named `name` contain token
 * (case-insensitive)? e.g. http_msg_has_token(m, "Connection", "close"). */
bool http_msg_has_token(const struct http_msg *m, const char *name, const char *token);

/* Case-insensitive ASCII comparisons. */
bool http_streq_ci(const char *a, const char *b);
bool http_memeq_ci(const char *a, size_t alen, const char *b);

/* ---- URLs ---- */

struct http_url {
	char host[256];       /* as written (name or dotted quad), no port */
	uint16_t port;        /* default 80 */
	char path[2048];      /* origin-form: "/" when absent, with any query */
};

enum http_url_error {
	HTTP_URL_OK = 0,
	HTTP_URL_SCHEME = -1,     /* not http:// (https is not supported) */
	HTTP_URL_HOST = -2,       /* empty or invalid host */
	HTTP_URL_PORT = -3,       /* port not 1..65535 */
	HTTP_URL_TOO_LONG = -4,
	HTTP_URL_USERINFO = -5,   /* user:pass@ is not supported */
	HTTP_URL_BAD_CHAR = -6,   /* control byte or space */
};
/* Parses "http://HOST[:PORT][/path][?query][#frag]" (scheme case-insensitive,
 * fragment dropped). Returns HTTP_URL_OK or a negative http_url_error. */
int http_url_parse(const char *text, struct http_url *u);
const char *http_url_strerror(int err);
/* Resolves a Location value against the URL it came from (RFC 3986 5.2 for
 * the common forms: absolute http URL, "//authority/path", "/path",
 * "relative"). Returns an http_url_error. */
int http_url_resolve(const struct http_url *base, const char *location, struct http_url *out);

/* ---- /etc/hosts ---- */

/* Looks name up in hosts-file text (lines "ADDR NAME [ALIAS...]", '#'
 * comments, names case-insensitive, IPv6 lines skipped, first match wins).
 * Returns 0 and *ip, or -ENOENT. */
int http_hosts_find(const char *text, size_t len, const char *name, hk_ip4_t *ip);
/* The same on a file (normally "/etc/hosts"); -errno when it cannot be read. */
int http_hosts_lookup(const char *path, const char *name, hk_ip4_t *ip);
/* A dotted quad is used as is; otherwise the hosts file is asked. */
int http_resolve_host(const char *hosts_path, const char *host, hk_ip4_t *ip);

/* ---- paths ---- */

/* Percent-decodes the path part of an origin-form target (up to '?') into
 * out (NUL-terminated). Rejects malformed escapes, %00 and results over
 * out_size. Returns the decoded length or -EINVAL / -ENAMETOOLONG. */
long http_pct_decode_path(const char *target, size_t len, char *out, size_t out_size);
/* Checks a decoded absolute path for serving from a directory: it must
 * start with '/', and no segment may be "..". Returns 0 or -EINVAL. */
int http_path_check(const char *decoded);

#endif

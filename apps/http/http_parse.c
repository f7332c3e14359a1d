/* hokuto HTTP — incremental HTTP/1.1 message parser (RFC 9112).
 *
 * The head (start line and field lines) is parsed one byte at a time and
 * copied, without CR/LF/':' and with NULs added, into the caller's arena;
 * the body is handed back as spans of the input. Feeding a message in one
 * piece or byte by byte gives the same events. */
#include <errno.h>
#include <string.h>

#include "http_parse.h"

#define METHOD_MAX 32

void http_limits_default(struct http_limits *l)
{
	l->max_target = 4096;
	l->max_head = 8192;
	l->max_headers = HTTP_MAX_HEADERS;
	l->max_body = UINT64_MAX;
}

static const struct {
	int status;
	const char *text;
} error_info[HTTP_ERR__COUNT] = {
	[HTTP_ERR_NONE] = {200, "no error"},
	[HTTP_ERR_METHOD] = {400, "method is not a token"},
	[HTTP_ERR_REQUEST_LINE] = {400, "malformed request line"},
	[HTTP_ERR_TARGET] = {400, "malformed request-target"},
	[HTTP_ERR_URI_TOO_LONG] = {414, "request-target too long"},
	[HTTP_ERR_VERSION] = {400, "malformed HTTP version"},
	[HTTP_ERR_VERSION_UNSUPPORTED] = {505, "HTTP major version not supported"},
	[HTTP_ERR_BARE_CR] = {400, "CR not followed by LF"},
	[HTTP_ERR_HEADER_NAME] = {400, "malformed field name"},
	[HTTP_ERR_HEADER_VALUE] = {400, "control character in field value"},
	[HTTP_ERR_OBS_FOLD] = {400, "obsolete line folding"},
	[HTTP_ERR_HEAD_TOO_LARGE] = {431, "header section too large"},
	[HTTP_ERR_TOO_MANY_HEADERS] = {431, "too many header fields"},
	[HTTP_ERR_HOST] = {400, "missing, repeated or invalid Host"},
	[HTTP_ERR_CONTENT_LENGTH] = {400, "invalid Content-Length"},
	[HTTP_ERR_CL_AND_TE] = {400, "both Content-Length and Transfer-Encoding"},
	[HTTP_ERR_TE_UNKNOWN] = {501, "transfer coding not implemented"},
	[HTTP_ERR_TE_NOT_CHUNKED] = {400, "chunked is not the final transfer coding"},
	[HTTP_ERR_TE_HTTP10] = {400, "Transfer-Encoding in an HTTP/1.0 message"},
	[HTTP_ERR_BODY_TOO_LARGE] = {413, "body too large"},
	[HTTP_ERR_CHUNK] = {400, "malformed chunked body"},
	[HTTP_ERR_STATUS_LINE] = {502, "malformed status line"},
	[HTTP_ERR_TRUNCATED] = {400, "connection closed inside a message"},
};

int http_error_status(enum http_error e)
{
	if ((unsigned)e >= HTTP_ERR__COUNT)
		return 400;
	return error_info[e].status;
}

const char *http_error_str(enum http_error e)
{
	if ((unsigned)e >= HTTP_ERR__COUNT)
		return "unknown error";
	return error_info[e].text;
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* ---- character classes (RFC 9110 5.6.2, 5.5) ---- */

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static bool is_tchar(uint8_t b)
{
	if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
		return true;
	return b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL;
}

/* field-vchar = VCHAR / obs-text */
static bool is_field_vchar(uint8_t b)
{
	return (b >= 0x21 && b <= 0x7e) || b >= 0x80;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool http_memeq_ci(const char *a, size_t alen, const char *b)
{
	size_t i;
	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' || lower(a[i]) != lower(b[i]))
			return false;
	}
	return b[i] == '\0';
}

bool http_streq_ci(const char *a, const char *b)
{
	return http_memeq_ci(a, strlen(a), b);
}

/* ---- parser ---- */

int http_parser_init(struct http_parser *p, enum http_parse_mode mode, const struct http_limits *limits,
		     char *arena, size_t arena_size)
{
	struct http_limits l;
	if (limits)
		l = *limits;
	else
		http_limits_default(&l);
	if (l.max_headers > HTTP_MAX_HEADERS)
		l.max_headers = HTTP_MAX_HEADERS;
	if (!arena || arena_size < l.max_head + 64 || l.max_head == 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->limits = l;
	p->arena = arena;
	p->arena_size = arena_size;
	http_parser_reset(p);
	return 0;
}

void http_parser_reset(struct http_parser *p)
{
	p->state = HTTP_PS_START;
	p->err = HTTP_ERR_NONE;
	p->arena_used = 0;
	p->line_start = 0;
	p->value_end = 0;
	p->head_bytes = 0;
	p->leading_crlf = 0;
	p->line_spaces = 0;
	p->method_len = 0;
	p->target_len = 0;
	p->body_left = 0;
	memset(&p->msg, 0, sizeof(p->msg));
}

void http_parser_set_head_request(struct http_parser *p, bool head)
{
	p->is_head_response = head;
}

bool http_parser_idle(const struct http_parser *p)
{
	return p->state == HTTP_PS_START;
}

static void fail(struct http_parser *p, enum http_error e)
{
	p->state = HTTP_PS_ERROR;
	p->err = e;
}

static bool put(struct http_parser *p, char c)
{
	if (p->arena_used >= p->arena_size) {
		fail(p, HTTP_ERR_HEAD_TOO_LARGE);
		return false;
	}
	p->arena[p->arena_used++] = c;
	return true;
}

/* "HTTP/" DIGIT "." DIGIT; RFC 9112 2.3 (HTTP-name is case-sensitive). */
static int parse_version(const char *v, size_t len, uint8_t *major, uint8_t *minor)
{
	if (len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9')
		return -1;
	*major = (uint8_t)(v[5] - '0');
	*minor = (uint8_t)(v[7] - '0');
	return 0;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3) */
static void end_request_line(struct http_parser *p)
{
	char *line = p->arena + p->line_start;
	size_t len = p->arena_used - p->line_start;
	char *sp1 = memchr(line, ' ', len);
	if (!sp1) {
		fail(p, HTTP_ERR_REQUEST_LINE);
		return;
	}
	char *rest = sp1 + 1;
	size_t rest_len = len - (size_t)(rest - line);
	char *sp2 = memchr(rest, ' ', rest_len);
	if (!sp2 || sp2 == rest) {
		fail(p, HTTP_ERR_REQUEST_LINE); /* HTTP/0.9 or a double space */
		return;
	}
	char *ver = sp2 + 1;
	size_t ver_len = len - (size_t)(ver - line);
	if (memchr(ver, ' ', ver_len)) {
		fail(p, HTTP_ERR_REQUEST_LINE);
		return;
	}
	size_t mlen = (size_t)(sp1 - line);
	for (size_t i = 0; i < mlen; i++) {
		if (!is_tchar((uint8_t)line[i])) {
			fail(p, HTTP_ERR_METHOD);
			return;
		}
	}
	size_t tlen = (size_t)(sp2 - rest);
	for (size_t i = 0; i < tlen; i++) {
		uint8_t b = (uint8_t)rest[i];
		if (b <= 0x20 || b >= 0x7f) {
			fail(p, HTTP_ERR_TARGET);
			return;
		}
	}
	/* origin-form "/...", asterisk-form "*", absolute-form "scheme:...",
	 * authority-form "host:port" (CONNECT): RFC 9112 3.2 */
	uint8_t t0 = (uint8_t)rest[0];
	if (!(t0 == '/' || (t0 == '*' && tlen == 1) || (t0 >= 'a' && t0 <= 'z') || (t0 >= 'A' && t0 <= 'Z'))) {
		fail(p, HTTP_ERR_TARGET);
		return;
	}
	if (parse_version(ver, ver_len, &p->msg.version_major, &p->msg.version_minor) < 0) {
		fail(p, HTTP_ERR_VERSION);
		return;
	}
	if (p->msg.version_major != 1) {
		fail(p, HTTP_ERR_VERSION_UNSUPPORTED);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	p->msg.method = line;
	p->msg.target = rest;
	p->msg.target_len = tlen;
	put(p, '\0');
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4);
 * a missing SP after the code is tolerated. */
static void end_status_line(struct http_parser *p)
{
	char *line = p->arena + p->line_start;
	size_t len = p->arena_used - p->line_start;
	if (len < 12 || line[8] != ' ' || parse_version(line, 8, &p->msg.version_major, &p->msg.version_minor) < 0 ||
	    p->msg.version_major != 1) {
		fail(p, HTTP_ERR_STATUS_LINE);
		return;
	}
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9') {
			fail(p, HTTP_ERR_STATUS_LINE);
			return;
		}
		status = status * 10 + (line[i] - '0');
	}
	if (status < 100 || status > 599 || (len > 12 && line[12] != ' ')) {
		fail(p, HTTP_ERR_STATUS_LINE);
		return;
	}
	if (!put(p, '\0'))
		return;
	line[8] = '\0';
	p->msg.status = status;
	p->msg.reason = len > 12 ? line + 13 : line + len;
}

static void end_field(struct http_parser *p, bool folded)
{
	p->arena_used = p->value_end;
	if (!put(p, '\0'))
		return;
	if (folded) {
		struct http_header *h = &p->msg.headers[p->msg.n_headers - 1];
		h->value_len = (uint16_t)(p->value_end - (size_t)(h->value - p->arena));
		return;
	}
	struct http_header *h = &p->msg.headers[p->msg.n_headers];
	h->value = p->arena + p->line_start;
	h->value_len = (uint16_t)(p->value_end - p->line_start);
	p->msg.n_headers++;
}

/* Iterates the comma-separated elements of every field named `name`
 * (RFC 9110 5.6.1), trimmed of OWS; empty elements are skipped. Returns
 * false when done. *hi and *pos hold the position between calls. */
static bool list_next(const struct http_msg *m, const char *name, size_t *hi, size_t *pos, const char **elem,
		      size_t *elen)
{
	for (; *hi < m->n_headers; (*hi)++, *pos = 0) {
		const struct http_header *h = &m->headers[*hi];
		if (!http_memeq_ci(h->name, h->name_len, name))
			continue;
		while (*pos < h->value_len) {
			size_t s = *pos, e;
			while (s < h->value_len && (h->value[s] == ' ' || h->value[s] == '\t'))
				s++;
			e = s;
			while (e < h->value_len && h->value[e] != ',')
				e++;
			*pos = e < h->value_len ? e + 1 : e;
			size_t t = e;
			while (t > s && (h->value[t - 1] == ' ' || h->value[t - 1] == '\t'))
				t--;
			if (t > s) {
				*elem = h->value + s;
				*elen = t - s;
				return true;
			}
		}
	}
	return false;
}

const struct http_header *http_msg_header(const struct http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->n_headers; i++) {
		if (http_memeq_ci(m->headers[i].name, m->headers[i].name_len, name))
			return &m->headers[i];
	}
	return NULL;
}

bool http_msg_has_token(const struct http_msg *m, const char *name, const char *token)
{
	size_t hi = 0, pos = 0, elen;
	const char *elem;
	while (list_next(m, name, &hi, &pos, &elem, &elen)) {
		/* a parameter (";q=...") is not part of the token */
		const char *semi = memchr(elem, ';', elen);
		size_t tl = semi ? (size_t)(semi - elem) : elen;
		while (tl > 0 && (elem[tl - 1] == ' ' || elem[tl - 1] == '\t'))
			tl--;
		if (http_memeq_ci(elem, tl, token))
			return true;
	}
	return false;
}

static size_t count_fields(const struct http_msg *m, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_headers; i++)
		n += http_memeq_ci(m->headers[i].name, m->headers[i].name_len, name);
	return n;
}

/* Content-Length = 1*DIGIT; a list of identical values is accepted
 * (RFC 9110 8.6). Returns 0 and *out, 1 when absent, -1 when invalid. */
static int content_length(const struct http_msg *m, uint64_t *out)
{
	size_t hi = 0, pos = 0, elen;
	const char *elem;
	bool seen = false;
	uint64_t val = 0;
	if (count_fields(m, "Content-Length") == 0)
		return 1;
	while (list_next(m, "Content-Length", &hi, &pos, &elem, &elen)) {
		uint64_t v = 0;
		for (size_t i = 0; i < elen; i++) {
			if (elem[i] < '0' || elem[i] > '9' || v > (UINT64_MAX / 2 - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(elem[i] - '0');
		}
		if (seen && v != val)
			return -1;
		seen = true;
		val = v;
	}
	if (!seen)
		return -1; /* "Content-Length:" with an empty value */
	*out = val;
	return 0;
}

/* Transfer-Encoding: RFC 9112 6.1. Returns HTTP_ERR_NONE with *chunked
 * telling whether chunked is the final coding; *unknown is set when some
 * other coding is present. Errors: chunked applied twice. */
static enum http_error transfer_codings(const struct http_msg *m, bool *chunked, bool *unknown, bool *empty)
{
	size_t hi = 0, pos = 0, elen;
	const char *elem;
	bool last_chunked = false;
	size_t n_chunked = 0, n = 0;
	*unknown = false;
	while (list_next(m, "Transfer-Encoding", &hi, &pos, &elem, &elen)) {
		const char *semi = memchr(elem, ';', elen);
		size_t tl = semi ? (size_t)(semi - elem) : elen;
		while (tl > 0 && (elem[tl - 1] == ' ' || elem[tl - 1] == '\t'))
			tl--;
		n++;
		if (http_memeq_ci(elem, tl, "chunked")) {
			n_chunked++;
			last_chunked = true;
		} else {
			*unknown = true;
			last_chunked = false;
		}
	}
	*empty = n == 0;
	*chunked = last_chunked;
	/* "A sender MUST NOT apply the chunked transfer coding more than once" */
	if (n_chunked > 1)
		return HTTP_ERR_TE_NOT_CHUNKED;
	return HTTP_ERR_NONE;
}

/* Host = uri-host [ ":" port ] (RFC 9110 7.2): reg-name, IPv4 or IP-literal
 * characters only. */
static bool host_valid(const struct http_header *h)
{
	for (size_t i = 0; i < h->value_len; i++) {
		uint8_t b = (uint8_t)h->value[i];
		if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
			continue;
		if (strchr("-._~!$&'()*+,;=:[]%", b) == NULL || b == 0)
			return false;
	}
	return true;
}

/* RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with
 * "keep-alive". */
static bool persistent(const struct http_msg *m)
{
	if (http_msg_has_token(m, "Connection", "close"))
		return false;
	if (m->version_minor >= 1)
		return true;
	return http_msg_has_token(m, "Connection", "keep-alive");
}

/* Message body length, RFC 9112 6.3, for a request. */
static void request_framing(struct http_parser *p)
{
	struct http_msg *m = &p->msg;
	bool is11 = m->version_minor >= 1;
	/* RFC 9112 3.2: exactly one Host in HTTP/1.1 */
	size_t nhost = count_fields(m, "Host");
	if (is11 ? nhost != 1 : nhost > 1) {
		fail(p, HTTP_ERR_HOST);
		return;
	}
	const struct http_header *host = http_msg_header(m, "Host");
	if (host && !host_valid(host)) {
		fail(p, HTTP_ERR_HOST);
		return;
	}
	bool has_te = count_fields(m, "Transfer-Encoding") > 0;
	uint64_t cl = 0;
	int clr = content_length(m, &cl);
	if (has_te) {
		bool chunked, unknown, empty;
		/* 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing */
		if (!is11) {
			fail(p, HTTP_ERR_TE_HTTP10);
			return;
		}
		enum http_error e = transfer_codings(m, &chunked, &unknown, &empty);
		if (e == HTTP_ERR_NONE && unknown)
			e = HTTP_ERR_TE_UNKNOWN; /* 6.1: SHOULD respond 501 */
		if (e == HTTP_ERR_NONE && !chunked)
			e = HTTP_ERR_TE_NOT_CHUNKED; /* 6.3 rule 4: 400 and close */
		/* 6.3 rule 3: both fields "ought to be handled as an error" */
		if (e == HTTP_ERR_NONE && clr != 1)
			e = HTTP_ERR_CL_AND_TE;
		if (e != HTTP_ERR_NONE) {
			fail(p, e);
			return;
		}
		m->framing = HTTP_BODY_CHUNKED;
	} else if (clr < 0) {
		fail(p, HTTP_ERR_CONTENT_LENGTH); /* 6.3 rule 5 */
		return;
	} else if (clr == 0 && cl > 0) {
		if (cl > p->limits.max_body) {
			fail(p, HTTP_ERR_BODY_TOO_LARGE);
			return;
		}
		m->framing = HTTP_BODY_LENGTH;
		m->content_length = cl;
	} else {
		m->framing = HTTP_BODY_NONE; /* 6.3 rule 7 */
	}
	m->keep_alive = persistent(m);
	const struct http_header *ex = http_msg_header(m, "Expect");
	if (ex && is11) {
		/* RFC 9110 10.1.1 */
		if (http_memeq_ci(ex->value, ex->value_len, "100-continue"))
			m->expect_continue = true;
		else
			m->expect_unknown = true;
	}
}

/* Message body length, RFC 9112 6.3, for a response. */
static void response_framing(struct http_parser *p)
{
	struct http_msg *m = &p->msg;
	m->keep_alive = persistent(m);
	/* rule 1: HEAD responses, 1xx, 204 and 304 have no body */
	if (p->is_head_response || m->status < 200 || m->status == 204 || m->status == 304) {
		m->framing = HTTP_BODY_NONE;
		return;
	}
	if (count_fields(m, "Transfer-Encoding") > 0) {
		bool chunked, unknown, empty;
		/* rule 3: TE overrides CL; rule 4: not chunked-final means
		 * the body runs to the close. HTTP/1.0 framing is faulty. */
		if (transfer_codings(m, &chunked, &unknown, &empty) != HTTP_ERR_NONE) {
			fail(p, HTTP_ERR_TE_NOT_CHUNKED);
			return;
		}
		if (chunked && m->version_minor >= 1) {
			m->framing = HTTP_BODY_CHUNKED;
		} else {
			m->framing = HTTP_BODY_CLOSE;
			m->keep_alive = false;
		}
		return;
	}
	uint64_t cl = 0;
	int clr = content_length(m, &cl);
	if (clr < 0) {
		fail(p, HTTP_ERR_CONTENT_LENGTH); /* rule 5: unrecoverable */
		return;
	}
	if (clr == 0) {
		if (cl > p->limits.max_body) {
			fail(p, HTTP_ERR_BODY_TOO_LARGE);
			return;
		}
		m->framing = cl ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
		m->content_length = cl;
		return;
	}
	m->framing = HTTP_BODY_CLOSE; /* rule 8 */
	m->keep_alive = false;
}

static void end_head(struct http_parser *p)
{
	p->msg.head_bytes = p->head_bytes;
	if (p->mode == HTTP_PARSE_REQUEST)
		request_framing(p);
	else
		response_framing(p);
	if (p->state == HTTP_PS_ERROR)
		return;
	switch (p->msg.framing) {
	case HTTP_BODY_NONE:
		p->state = HTTP_PS_DONE;
		break;
	case HTTP_BODY_LENGTH:
		p->body_left = p->msg.content_length;
		p->state = HTTP_PS_BODY;
		break;
	case HTTP_BODY_CHUNKED:
		http_chunked_init(&p->chunked, p->limits.max_body, p->limits.max_head);
		p->state = HTTP_PS_BODY;
		break;
	case HTTP_BODY_CLOSE:
		p->state = HTTP_PS_BODY;
		break;
	}
}

static void end_start_line(struct http_parser *p)
{
	if (p->mode == HTTP_PARSE_REQUEST)
		end_request_line(p);
	else
		end_status_line(p);
	if (p->state != HTTP_PS_ERROR)
		p->state = HTTP_PS_FIELD_START;
}

/* One byte of the head. Returns true when the head is complete. */
static bool head_byte(struct http_parser *p, uint8_t b)
{
	p->head_bytes++;
	switch (p->state) {
	case HTTP_PS_START:
		/* RFC 9112 2.2: ignore at least one empty line before the
		 * request-line */
		if (b == '\r' || b == '\n') {
			if (++p->leading_crlf > 8)
				fail(p, HTTP_ERR_REQUEST_LINE);
			return false;
		}
		p->head_bytes = 1;
		p->state = HTTP_PS_LINE;
		p->line_start = 0;
		/* FALLTHROUGH */
	case HTTP_PS_LINE:
		if (b == '\r') {
			p->state = HTTP_PS_LINE_LF;
			return false;
		}
		if (b == '\n') {
			end_start_line(p);
			return false;
		}
		if (b == 0 || (b < 0x20 && b != '\t') || b == 0x7f) {
			fail(p, p->mode == HTTP_PARSE_REQUEST ? HTTP_ERR_REQUEST_LINE : HTTP_ERR_STATUS_LINE);
			return false;
		}
		/* The method and target are measured while the line streams
		 * in, so that a huge target is refused with 414 as soon as it
		 * passes the limit (RFC 9112 3). */
		if (p->mode == HTTP_PARSE_REQUEST) {
			if (b == ' ') {
				p->line_spaces++;
			} else if (p->line_spaces == 0 && ++p->method_len > METHOD_MAX) {
				fail(p, HTTP_ERR_METHOD);
				return false;
			} else if (p->line_spaces == 1 && ++p->target_len > p->limits.max_target) {
				fail(p, HTTP_ERR_URI_TOO_LONG);
				return false;
			}
		}
		if (p->head_bytes > p->limits.max_head) {
			fail(p, HTTP_ERR_HEAD_TOO_LARGE);
			return false;
		}
		put(p, (char)b);
		return false;
	case HTTP_PS_LINE_LF:
		if (b != '\n') {
			fail(p, HTTP_ERR_BARE_CR);
			return false;
		}
		end_start_line(p);
		return false;
	default:
		break;
	}

	if (p->head_bytes > p->limits.max_head) {
		fail(p, HTTP_ERR_HEAD_TOO_LARGE);
		return false;
	}
	switch (p->state) {
	case HTTP_PS_FIELD_START:
		if (b == '\r') {
			p->state = HTTP_PS_FIELD_LF;
			return false;
		}
		if (b == '\n') {
			end_head(p);
			return true;
		}
		if (b == ' ' || b == '\t') {
			/* RFC 9112 5.2: a server rejects obs-fold with 400; a
			 * user agent replaces it with SP. Whitespace before the
			 * first field is never valid (2.2). */
			if (p->mode == HTTP_PARSE_REQUEST) {
				fail(p, HTTP_ERR_OBS_FOLD);
				return false;
			}
			if (p->msg.n_headers == 0) {
				fail(p, HTTP_ERR_HEADER_NAME);
				return false;
			}
			struct http_header *h = &p->msg.headers[p->msg.n_headers - 1];
			p->arena_used = (size_t)(h->value - p->arena) + h->value_len;
			p->value_end = p->arena_used;
			p->line_start = (size_t)-1; /* marks a continuation */
			p->state = HTTP_PS_OWS;
			return false;
		}
		if (!is_tchar(b)) {
			fail(p, HTTP_ERR_HEADER_NAME);
			return false;
		}
		if (p->msg.n_headers >= p->limits.max_headers) {
			fail(p, HTTP_ERR_TOO_MANY_HEADERS);
			return false;
		}
		p->msg.headers[p->msg.n_headers].name = p->arena + p->arena_used;
		p->line_start = p->arena_used;
		put(p, (char)b);
		p->state = HTTP_PS_NAME;
		return false;
	case HTTP_PS_NAME:
		if (b == ':') {
			struct http_header *h = &p->msg.headers[p->msg.n_headers];
			h->name_len = (uint16_t)(p->arena_used - p->line_start);
			if (!put(p, '\0'))
				return false;
			p->line_start = p->arena_used;
			p->value_end = p->arena_used;
			p->state = HTTP_PS_OWS;
			return false;
		}
		/* RFC 9112 5.1: no whitespace between name and colon */
		if (!is_tchar(b)) {
			fail(p, HTTP_ERR_HEADER_NAME);
			return false;
		}
		put(p, (char)b);
		return false;
	case HTTP_PS_OWS:
	case HTTP_PS_VALUE: {
		bool folded = p->line_start == (size_t)-1;
		if (b == '\r') {
			p->state = HTTP_PS_VALUE_LF;
			return false;
		}
		if (b == '\n') {
			end_field(p, folded);
			p->state = p->state == HTTP_PS_ERROR ? HTTP_PS_ERROR : HTTP_PS_FIELD_START;
			return false;
		}
		if (b == ' ' || b == '\t') {
			if (p->state == HTTP_PS_VALUE)
				put(p, (char)b);
			return false;
		}
		if (!is_field_vchar(b)) {
			fail(p, HTTP_ERR_HEADER_VALUE);
			return false;
		}
		if (p->state == HTTP_PS_OWS && folded && p->value_end > 0 &&
		    p->arena_used > (size_t)(p->msg.headers[p->msg.n_headers - 1].value - p->arena)) {
			if (!put(p, ' '))
				return false;
		}
		p->state = HTTP_PS_VALUE;
		if (put(p, (char)b))
			p->value_end = p->arena_used;
		return false;
	}
	case HTTP_PS_VALUE_LF:
		if (b != '\n') {
			fail(p, HTTP_ERR_BARE_CR);
			return false;
		}
		end_field(p, p->line_start == (size_t)-1);
		if (p->state != HTTP_PS_ERROR)
			p->state = HTTP_PS_FIELD_START;
		return false;
	case HTTP_PS_FIELD_LF:
		if (b != '\n') {
			fail(p, HTTP_ERR_BARE_CR);
			return false;
		}
		end_head(p);
		return true;
	default:
		return false;
	}
}

size_t http_parser_feed(struct http_parser *p, const uint8_t *data, size_t len, struct http_event *ev)
{
	ev->type = HTTP_EV_NEED_MORE;
	ev->data = NULL;
	ev->len = 0;
	switch (p->state) {
	case HTTP_PS_ERROR:
		ev->type = HTTP_EV_ERROR;
		return 0;
	case HTTP_PS_DONE:
		ev->type = HTTP_EV_DONE;
		return 0;
	case HTTP_PS_BODY:
		break;
	default:
		for (size_t i = 0; i < len; i++) {
			bool done = head_byte(p, data[i]);
			if (p->state == HTTP_PS_ERROR) {
				ev->type = HTTP_EV_ERROR;
				return i + 1;
			}
			if (done) {
				ev->type = HTTP_EV_HEAD;
				return i + 1;
			}
		}
		return len;
	}

	/* body */
	switch (p->msg.framing) {
	case HTTP_BODY_LENGTH: {
		size_t n = len;
		if (n > p->body_left)
			n = (size_t)p->body_left;
		if (n == 0)
			return 0;
		p->body_left -= n;
		if (p->body_left == 0)
			p->state = HTTP_PS_DONE;
		ev->type = HTTP_EV_BODY;
		ev->data = data;
		ev->len = n;
		return n;
	}
	case HTTP_BODY_CHUNKED: {
		const uint8_t *out;
		size_t out_len;
		size_t n = http_chunked_feed(&p->chunked, data, len, &out, &out_len);
		if (p->chunked.state == HTTP_CH_ERROR) {
			fail(p, p->chunked.err);
			ev->type = HTTP_EV_ERROR;
			return n;
		}
		if (p->chunked.state == HTTP_CH_DONE)
			p->state = HTTP_PS_DONE;
		if (out_len) {
			ev->type = HTTP_EV_BODY;
			ev->data = out;
			ev->len = out_len;
		} else if (p->state == HTTP_PS_DONE) {
			ev->type = HTTP_EV_DONE;
		}
		return n;
	}
	case HTTP_BODY_CLOSE:
		if (len == 0)
			return 0;
		if (len > p->limits.max_body - p->body_left) {
			fail(p, HTTP_ERR_BODY_TOO_LARGE);
			ev->type = HTTP_EV_ERROR;
			return 0;
		}
		p->body_left += len; /* bytes so far */
		ev->type = HTTP_EV_BODY;
		ev->data = data;
		ev->len = len;
		return len;
	case HTTP_BODY_NONE:
		break;
	}
	p->state = HTTP_PS_DONE;
	ev->type = HTTP_EV_DONE;
	return 0;
}

void http_parser_finish(struct http_parser *p, struct http_event *ev)
{
	ev->type = HTTP_EV_NEED_MORE;
	ev->data = NULL;
	ev->len = 0;
	switch (p->state) {
	case HTTP_PS_DONE:
		ev->type = HTTP_EV_DONE;
		return;
	case HTTP_PS_ERROR:
		ev->type = HTTP_EV_ERROR;
		return;
	case HTTP_PS_START:
		return; /* closed between messages */
	case HTTP_PS_BODY:
		if (p->msg.framing == HTTP_BODY_CLOSE) {
			p->state = HTTP_PS_DONE;
			ev->type = HTTP_EV_DONE;
			return;
		}
		break;
	default:
		break;
	}
	fail(p, HTTP_ERR_TRUNCATED);
	ev->type = HTTP_EV_ERROR;
}

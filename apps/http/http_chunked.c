/* hokuto HTTP — chunked transfer coding decoder (RFC 9112 7.1).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*("0") [ chunk-ext ] CRLF
 *
 * Extensions are parsed (so a quoted ';' or CRLF cannot confuse framing)
 * and ignored; trailer fields are skipped (RFC 9112 7.1.2: a recipient may
 * discard them). A bare LF is accepted where CRLF is expected (RFC 9112
 * 2.2); a bare CR is an error. */
#include "http_parse.h"

/* A chunk-size of 15 hex digits already exceeds any body we accept; more
 * would overflow 64 bits. */
#define CHUNK_SIZE_MAX_DIGITS 15
/* Extensions have no use here: bound them so a peer cannot stream an
 * endless one (RFC 9112 7.1.1: a server ought to limit them). */
#define CHUNK_EXT_MAX 4096

static int hexval(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	if (b >= 'A' && b <= 'F')
		return b - 'A' + 10;
	return -1;
}

/* Control bytes other than HTAB are never valid inside a line here. */
static bool is_bad_ctl(uint8_t b)
{
	return (b < 0x20 && b != '\t') || b == 0x7f;
}

void http_chunked_init(struct http_chunked *c, uint64_t max_body, size_t max_trailer)
{
	*c = (struct http_chunked){
		.state = HTTP_CH_SIZE,
		.max_body = max_body,
		.max_trailer = max_trailer,
	};
}

static void ch_fail(struct http_chunked *c, enum http_error e)
{
	c->state = HTTP_CH_ERROR;
	c->err = e;
}

/* The CRLF ending a chunk-size line. */
static void ch_size_line_done(struct http_chunked *c)
{
	if (c->remaining == 0) {
		c->state = HTTP_CH_TRAILER_START;
		return;
	}
	if (c->remaining > c->max_body || c->total > c->max_body - c->remaining) {
		ch_fail(c, HTTP_ERR_BODY_TOO_LARGE);
		return;
	}
	c->state = HTTP_CH_DATA;
}

size_t http_chunked_feed(struct http_chunked *c, const uint8_t *data, size_t len, const uint8_t **out,
			 size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	size_t i = 0;
	while (i < len && c->state != HTTP_CH_DONE && c->state != HTTP_CH_ERROR) {
		if (c->state == HTTP_CH_DATA) {
			size_t n = len - i;
			if (n > c->remaining)
				n = (size_t)c->remaining;
			*out = data + i;
			*out_len = n;
			c->remaining -= n;
			c->total += n;
			if (c->remaining == 0)
				c->state = HTTP_CH_DATA_CR;
			return i + n;
		}
		uint8_t b = data[i++];
		switch (c->state) {
		case HTTP_CH_SIZE: {
			int v = hexval(b);
			if (v >= 0) {
				if (++c->size_digits > CHUNK_SIZE_MAX_DIGITS) {
					ch_fail(c, HTTP_ERR_BODY_TOO_LARGE);
					break;
				}
				c->remaining = c->remaining * 16 + (uint64_t)v;
			} else if (c->size_digits == 0) {
				ch_fail(c, HTTP_ERR_CHUNK); /* chunk-size = 1*HEXDIG */
			} else if (b == ';') {
				c->state = HTTP_CH_EXT;
			} else if (b == ' ' || b == '\t') {
				c->state = HTTP_CH_SIZE_WS; /* BWS before chunk-ext */
			} else if (b == '\r') {
				c->state = HTTP_CH_SIZE_LF;
			} else if (b == '\n') {
				ch_size_line_done(c);
			} else {
				ch_fail(c, HTTP_ERR_CHUNK);
			}
			break;
		}
		case HTTP_CH_SIZE_WS:
			if (b == ' ' || b == '\t')
				break;
			if (b == ';')
				c->state = HTTP_CH_EXT;
			else if (b == '\r')
				c->state = HTTP_CH_SIZE_LF;
			else if (b == '\n')
				ch_size_line_done(c);
			else
				ch_fail(c, HTTP_ERR_CHUNK);
			break;
		case HTTP_CH_EXT:
		case HTTP_CH_EXT_QUOTED:
		case HTTP_CH_EXT_QUOTED_ESC:
			if (++c->ext_bytes > CHUNK_EXT_MAX) {
				ch_fail(c, HTTP_ERR_CHUNK);
				break;
			}
			if (c->state == HTTP_CH_EXT_QUOTED_ESC) {
				/* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) */
				c->state = is_bad_ctl(b) ? HTTP_CH_ERROR : HTTP_CH_EXT_QUOTED;
				if (c->state == HTTP_CH_ERROR)
					c->err = HTTP_ERR_CHUNK;
			} else if (c->state == HTTP_CH_EXT_QUOTED) {
				if (b == '\\')
					c->state = HTTP_CH_EXT_QUOTED_ESC;
				else if (b == '"')
					c->state = HTTP_CH_EXT;
				else if (is_bad_ctl(b))
					ch_fail(c, HTTP_ERR_CHUNK);
			} else if (b == '"') {
				c->state = HTTP_CH_EXT_QUOTED;
			} else if (b == '\r') {
				c->state = HTTP_CH_SIZE_LF;
			} else if (b == '\n') {
				ch_size_line_done(c);
			} else if (is_bad_ctl(b)) {
				ch_fail(c, HTTP_ERR_CHUNK);
			}
			break;
		case HTTP_CH_SIZE_LF:
			if (b == '\n')
				ch_size_line_done(c);
			else
				ch_fail(c, HTTP_ERR_BARE_CR);
			break;
		case HTTP_CH_DATA_CR:
			if (b == '\r')
				c->state = HTTP_CH_DATA_LF;
			else if (b == '\n')
				goto next_chunk;
			else
				ch_fail(c, HTTP_ERR_CHUNK); /* chunk-data longer than its size */
			break;
		case HTTP_CH_DATA_LF:
			if (b != '\n') {
				ch_fail(c, HTTP_ERR_BARE_CR);
				break;
			}
		next_chunk:
			c->state = HTTP_CH_SIZE;
			c->size_digits = 0;
			c->ext_bytes = 0;
			c->remaining = 0;
			break;
		case HTTP_CH_TRAILER_START:
			if (b == '\r') {
				c->state = HTTP_CH_FINAL_LF;
				break;
			}
			if (b == '\n') {
				c->state = HTTP_CH_DONE;
				break;
			}
			c->state = HTTP_CH_TRAILER;
			/* fall through: count and check this byte */
			/* FALLTHROUGH */
		case HTTP_CH_TRAILER:
			if (b == '\r') {
				c->state = HTTP_CH_TRAILER_LF;
			} else if (b == '\n') {
				c->state = HTTP_CH_TRAILER_START;
			} else if (++c->trailer_bytes > c->max_trailer) {
				ch_fail(c, HTTP_ERR_HEAD_TOO_LARGE);
			} else if (is_bad_ctl(b)) {
				ch_fail(c, HTTP_ERR_HEADER_VALUE);
			}
			break;
		case HTTP_CH_TRAILER_LF:
			if (b == '\n')
				c->state = HTTP_CH_TRAILER_START;
			else
				ch_fail(c, HTTP_ERR_BARE_CR);
			break;
		case HTTP_CH_FINAL_LF:
			if (b == '\n')
				c->state = HTTP_CH_DONE;
			else
				ch_fail(c, HTTP_ERR_BARE_CR);
			break;
		case HTTP_CH_DATA:
		case HTTP_CH_DONE:
		case HTTP_CH_ERROR:
			break;
		}
	}
	return i;
}

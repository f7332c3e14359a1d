/* Unit tests: the HTTP/1.1 message parser (RFC 9112) on valid, invalid,
 * pipelined, chunked and oversized input, each fed in one piece, byte by
 * byte and in odd-sized pieces — the events must be the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http_parse.h"

/* What a whole stream of messages produced. */
struct result {
	int heads;
	int dones;
	enum http_error err;       /* HTTP_ERR_NONE when no error */
	char body[4][8192];        /* per message */
	size_t body_len[4];
	char method[4][16];
	char target[4][256];
	int status[4];
	enum http_framing framing[4];
	bool keep_alive[4];
	char host[4][64];
	size_t consumed;
};

static char arena[8192 + 64 + 4096];

/* Feeds text in pieces of `step` bytes (0: all at once); after each
 * DONE, resets the parser for the next message. */
static void run(enum http_parse_mode mode, const struct http_limits *lim, const char *text, size_t len, size_t step,
		struct result *r, bool head_req, bool eof)
{
	struct http_parser p;
	struct http_limits l;
	if (lim)
		l = *lim;
	else
		http_limits_default(&l);
	memset(r, 0, sizeof(*r));
	assert_int_equal(http_parser_init(&p, mode, &l, arena, sizeof(arena)), 0);
	http_parser_set_head_request(&p, head_req);
	size_t off = 0;
	int msg = 0;
	while (off < len) {
		size_t piece = step ? step : len;
		if (piece > len - off)
			piece = len - off;
		const uint8_t *data = (const uint8_t *)text + off;
		size_t left = piece;
		for (;;) {
			struct http_event ev;
			size_t n = http_parser_feed(&p, data, left, &ev);
			assert_true(n <= left);
			data += n;
			left -= n;
			off += n;
			if (ev.type == HTTP_EV_NEED_MORE) {
				assert_int_equal(left, 0);
				break;
			}
			if (ev.type == HTTP_EV_ERROR) {
				r->err = p.err;
				r->consumed = off;
				return;
			}
			assert_true(msg < 4);
			if (ev.type == HTTP_EV_HEAD) {
				r->heads++;
				if (mode == HTTP_PARSE_REQUEST) {
					snprintf(r->method[msg], 16, "%s", p.msg.method);
					snprintf(r->target[msg], 256, "%.*s", (int)p.msg.target_len, p.msg.target);
					const struct http_header *h = http_msg_header(&p.msg, "host");
					if (h)
						snprintf(r->host[msg], 64, "%s", h->value);
				}
				r->status[msg] = p.msg.status;
				r->framing[msg] = p.msg.framing;
				r->keep_alive[msg] = p.msg.keep_alive;
			} else if (ev.type == HTTP_EV_BODY) {
				assert_true(ev.len > 0);
				assert_true(r->body_len[msg] + ev.len <= sizeof(r->body[msg]));
				memcpy(r->body[msg] + r->body_len[msg], ev.data, ev.len);
				r->body_len[msg] += ev.len;
			} else if (ev.type == HTTP_EV_DONE) {
				r->dones++;
				msg++;
				http_parser_reset(&p);
				http_parser_set_head_request(&p, head_req);
			}
		}
	}
	if (eof) {
		struct http_event ev;
		http_parser_finish(&p, &ev);
		if (ev.type == HTTP_EV_DONE)
			r->dones++;
		else if (ev.type == HTTP_EV_ERROR)
			r->err = p.err;
	}
	r->consumed = off;
}

/* Runs in one piece, byte by byte and in 7-byte pieces; the results must
 * agree. Returns the one-piece result. */
static void run3(enum http_parse_mode mode, const struct http_limits *lim, const char *text, struct result *r,
		 bool head_req, bool eof)
{
	static struct result a;
	size_t len = strlen(text);
	run(mode, lim, text, len, 0, r, head_req, eof);
	size_t steps[] = {1, 7};
	for (size_t i = 0; i < 2; i++) {
		run(mode, lim, text, len, steps[i], &a, head_req, eof);
		assert_int_equal(a.heads, r->heads);
		assert_int_equal(a.dones, r->dones);
		assert_int_equal(a.err, r->err);
		assert_int_equal(a.consumed, r->consumed);
		for (int m = 0; m < 4; m++) {
			assert_int_equal(a.body_len[m], r->body_len[m]);
			assert_memory_equal(a.body[m], r->body[m], r->body_len[m]);
			assert_string_equal(a.target[m], r->target[m]);
		}
	}
}

static enum http_error req_err(const char *text)
{
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL, text, &r, false, false);
	return r.err;
}

static int req_status(const char *text)
{
	enum http_error e = req_err(text);
	assert_int_not_equal(e, HTTP_ERR_NONE);
	return http_error_status(e);
}

/* ---- valid requests ---- */

static void simple_get(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL,
	     "GET /index.html?x=1 HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", &r,
	     false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.heads, 1);
	assert_int_equal(r.dones, 1);
	assert_string_equal(r.method[0], "GET");
	assert_string_equal(r.target[0], "/index.html?x=1");
	assert_string_equal(r.host[0], "192.0.2.2");
	assert_int_equal(r.framing[0], HTTP_BODY_NONE);
	assert_true(r.keep_alive[0]);
}

static void header_fields_are_trimmed_and_found_case_insensitively(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_event ev;
	const char *t = "GET / HTTP/1.1\r\nHOST:   a.example  \r\nX-Empty:\r\nX-Tab:\tv 1\t\r\n"
			"Connection: Upgrade, CLOSE\r\n\r\n";
	assert_int_equal(http_parser_init(&p, HTTP_PARSE_REQUEST, NULL, arena, sizeof(arena)), 0);
	size_t n = http_parser_feed(&p, (const uint8_t *)t, strlen(t), &ev);
	assert_int_equal(ev.type, HTTP_EV_HEAD);
	assert_int_equal(n, strlen(t));
	assert_int_equal(p.msg.n_headers, 4);
	const struct http_header *h = http_msg_header(&p.msg, "host");
	assert_non_null(h);
	assert_string_equal(h->name, "HOST");
	assert_string_equal(h->value, "a.example");
	assert_int_equal(h->value_len, 9);
	assert_string_equal(http_msg_header(&p.msg, "x-empty")->value, "");
	assert_string_equal(http_msg_header(&p.msg, "X-TAB")->value, "v 1");
	assert_null(http_msg_header(&p.msg, "Content-Length"));
	assert_true(http_msg_has_token(&p.msg, "connection", "close"));
	assert_true(http_msg_has_token(&p.msg, "Connection", "upgrade"));
	assert_false(http_msg_has_token(&p.msg, "Connection", "keep-alive"));
	assert_false(p.msg.keep_alive);
	assert_int_equal(p.msg.head_bytes, strlen(t));
}

static void post_with_content_length(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL,
	     "POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	     "Content-Length: 11\r\n\r\nname=hokuto",
	     &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.framing[0], HTTP_BODY_LENGTH);
	assert_int_equal(r.body_len[0], 11);
	assert_memory_equal(r.body[0], "name=hokuto", 11);
}

static void post_chunked_with_extensions_and_trailers(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL,
	     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5\r\nHello\r\n"
	     "7;name=\"a;b\\\"c\";x\r\n, World\r\n"
	     "A \t; x=y\r\n!!!!!!!!!!\r\n"
	     "000\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n",
	     &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.framing[0], HTTP_BODY_CHUNKED);
	assert_int_equal(r.body_len[0], 22);
	assert_memory_equal(r.body[0], "Hello, World!!!!!!!!!!", 22);
}

static void pipelined_requests(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL,
	     "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	     "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
	     "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
	     "HEAD /d HTTP/1.0\r\n\r\n",
	     &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.heads, 4);
	assert_int_equal(r.dones, 4);
	assert_string_equal(r.target[0], "/a");
	assert_string_equal(r.target[1], "/b");
	assert_string_equal(r.target[2], "/c");
	assert_string_equal(r.target[3], "/d");
	assert_string_equal(r.method[3], "HEAD");
	assert_memory_equal(r.body[1], "xyz", 3);
	assert_memory_equal(r.body[2], "ok", 2);
	assert_int_equal(r.body_len[0], 0);
	assert_false(r.keep_alive[3]); /* HTTP/1.0 without keep-alive */
}

static void parser_stops_at_message_boundary(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_event ev;
	const char *t = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET";
	size_t len = strlen(t);
	assert_int_equal(http_parser_init(&p, HTTP_PARSE_REQUEST, NULL, arena, sizeof(arena)), 0);
	size_t n = http_parser_feed(&p, (const uint8_t *)t, len, &ev);
	assert_int_equal(ev.type, HTTP_EV_HEAD);
	size_t n2 = http_parser_feed(&p, (const uint8_t *)t + n, len - n, &ev);
	assert_int_equal(ev.type, HTTP_EV_BODY);
	assert_int_equal(n2, 2);
	/* done: nothing more consumed until reset */
	size_t n3 = http_parser_feed(&p, (const uint8_t *)t + n + n2, len - n - n2, &ev);
	assert_int_equal(ev.type, HTTP_EV_DONE);
	assert_int_equal(n3, 0);
	n3 = http_parser_feed(&p, (const uint8_t *)t + n + n2, len - n - n2, &ev);
	assert_int_equal(ev.type, HTTP_EV_DONE);
	assert_int_equal(n3, 0);
	http_parser_reset(&p);
	assert_true(http_parser_idle(&p));
	n3 = http_parser_feed(&p, (const uint8_t *)t + n + n2, len - n - n2, &ev);
	assert_int_equal(n3, 3);
	assert_int_equal(ev.type, HTTP_EV_NEED_MORE);
	assert_false(http_parser_idle(&p));
}

static void leniencies(void **state)
{
	(void)state;
	static struct result r;
	/* leading empty lines, bare LF line ends (RFC 9112 2.2) */
	run3(HTTP_PARSE_REQUEST, NULL, "\r\n\nGET / HTTP/1.1\nHost: h\n\n", &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.dones, 1);
	/* HTTP/1.0 needs no Host; absolute-form target; higher minor */
	assert_int_equal(req_err("GET / HTTP/1.0\r\n\r\n"), HTTP_ERR_NONE);
	assert_int_equal(req_err("GET http://h/x HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_NONE);
	assert_int_equal(req_err("GET / HTTP/1.9\r\nHost: h\r\n\r\n"), HTTP_ERR_NONE);
	/* an empty Host is valid (RFC 9110 7.2) as is host:port */
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost:\r\n\r\n"), HTTP_ERR_NONE);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n"), HTTP_ERR_NONE);
	/* Content-Length list of equal values (RFC 9110 8.6); zero length */
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), HTTP_ERR_NONE);
	run3(HTTP_PARSE_REQUEST, NULL,
	     "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nab", &r, false,
	     false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.body_len[0], 2);
	/* obs-text in a field value */
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n"), HTTP_ERR_NONE);
}

static void keep_alive_rules(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r, false, false);
	assert_true(r.keep_alive[0]);
	run3(HTTP_PARSE_REQUEST, NULL, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &r, false, false);
	assert_false(r.keep_alive[0]);
	run3(HTTP_PARSE_REQUEST, NULL, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &r, false, false);
	assert_true(r.keep_alive[0]);
}

static void expect_continue(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_event ev;
	const char *t = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n";
	http_parser_init(&p, HTTP_PARSE_REQUEST, NULL, arena, sizeof(arena));
	http_parser_feed(&p, (const uint8_t *)t, strlen(t), &ev);
	assert_int_equal(ev.type, HTTP_EV_HEAD);
	assert_true(p.msg.expect_continue);
	assert_false(p.msg.expect_unknown);
	t = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\n";
	http_parser_init(&p, HTTP_PARSE_REQUEST, NULL, arena, sizeof(arena));
	http_parser_feed(&p, (const uint8_t *)t, strlen(t), &ev);
	assert_true(p.msg.expect_unknown);
}

/* ---- invalid requests: every status ---- */

static void bad_request_400(void **state)
{
	(void)state;
	/* request line */
	assert_int_equal(req_err("GET\r\n\r\n"), HTTP_ERR_REQUEST_LINE);
	assert_int_equal(req_err("GET /\r\n\r\n"), HTTP_ERR_REQUEST_LINE); /* HTTP/0.9 */
	assert_int_equal(req_err("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_REQUEST_LINE);
	assert_int_equal(req_err("GET / HTTP/1.1 x\r\nHost: h\r\n\r\n"), HTTP_ERR_REQUEST_LINE);
	assert_int_equal(req_err("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_METHOD);
	assert_int_equal(req_err("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_REQUEST_LINE);
	assert_int_equal(req_err("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_REQUEST_LINE);
	assert_int_equal(req_err("GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_TARGET);
	assert_int_equal(req_err("GET ./x HTTP/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_TARGET);
	assert_int_equal(req_err("GET / http/1.1\r\nHost: h\r\n\r\n"), HTTP_ERR_VERSION);
	assert_int_equal(req_err("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), HTTP_ERR_VERSION);
	assert_int_equal(req_err("GET / HTTP/1\r\nHost: h\r\n\r\n"), HTTP_ERR_VERSION);
	assert_int_equal(req_err("GET / HTTP/1.1\rHost: h\r\n\r\n"), HTTP_ERR_BARE_CR);
	/* fields */
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), HTTP_ERR_HEADER_NAME);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), HTTP_ERR_HEADER_NAME);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n"), HTTP_ERR_HEADER_NAME);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHo\"st: h\r\n\r\n"), HTTP_ERR_HEADER_NAME);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n"), HTTP_ERR_HEADER_VALUE);
	{
		/* a NUL inside a value (strlen cannot carry it: explicit length) */
		static const char nul[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0z\r\n\r\n";
		static struct result rn;
		run(HTTP_PARSE_REQUEST, NULL, nul, sizeof(nul) - 1, 1, &rn, false, false);
		assert_int_equal(rn.err, HTTP_ERR_HEADER_VALUE);
		run(HTTP_PARSE_REQUEST, NULL, "GET /\0 HTTP/1.1\r\n\r\n", 20, 0, &rn, false, false);
		assert_int_equal(rn.err, HTTP_ERR_REQUEST_LINE);
	}
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\nX: a\rz\r\n\r\n"), HTTP_ERR_BARE_CR);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"), HTTP_ERR_OBS_FOLD);
	assert_int_equal(req_err("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), HTTP_ERR_OBS_FOLD);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n"), HTTP_ERR_BARE_CR);
	/* Host (RFC 9112 3.2) */
	assert_int_equal(req_err("GET / HTTP/1.1\r\n\r\n"), HTTP_ERR_HOST);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), HTTP_ERR_HOST);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), HTTP_ERR_HOST);
	assert_int_equal(req_err("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), HTTP_ERR_HOST);
	/* Content-Length */
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"), HTTP_ERR_CONTENT_LENGTH);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n"), HTTP_ERR_CONTENT_LENGTH);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"), HTTP_ERR_CONTENT_LENGTH);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"), HTTP_ERR_CONTENT_LENGTH);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
			 HTTP_ERR_CONTENT_LENGTH);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
			 HTTP_ERR_CONTENT_LENGTH);
	/* Transfer-Encoding framing (RFC 9112 6.1, 6.3) */
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
			 HTTP_ERR_CL_AND_TE);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
			 HTTP_ERR_TE_NOT_CHUNKED);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n"), HTTP_ERR_TE_NOT_CHUNKED);
	assert_int_equal(req_err("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), HTTP_ERR_TE_HTTP10);
	/* chunked syntax */
	const char *pre = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
	const char *bad_chunks[] = {
		"x\r\n",            /* not hex */
		"\r\n",             /* no size */
		";ext\r\n",         /* extension without size */
		"3\r\nabcd\r\n",    /* data longer than size */
		"3\r\nabc\rX",      /* bare CR after data */
		"3 x\r\n",          /* junk after BWS */
		"3;a=\"\x01\"\r\n", /* control in quoted string */
		"0\r\nX: \x01\r\n\r\n", /* control in a trailer */
		"2\r\r\n",          /* bare CR */
	};
	for (size_t i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s%s", pre, bad_chunks[i]);
		enum http_error e = req_err(buf);
		assert_int_not_equal(e, HTTP_ERR_NONE);
		assert_int_equal(http_error_status(e), 400);
	}
	assert_int_equal(req_status("GET / HTTP/1.1\r\n\r\n"), 400);
}

static void statuses_413_414_431_501_505(void **state)
{
	(void)state;
	struct http_limits l;
	static struct result r;
	static char big[20000];
	http_limits_default(&l);
	l.max_body = 10;
	/* 413: Content-Length over the limit, refused at the head */
	run3(HTTP_PARSE_REQUEST, &l, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_BODY_TOO_LARGE);
	assert_int_equal(http_error_status(r.err), 413);
	run3(HTTP_PARSE_REQUEST, &l, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", &r, false,
	     false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	/* 413: chunked body growing over the limit */
	run3(HTTP_PARSE_REQUEST, &l,
	     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n",
	     &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_BODY_TOO_LARGE);
	assert_int_equal(r.body_len[0], 6);
	/* 413: a chunk size too big for 64 bits */
	http_limits_default(&l);
	run3(HTTP_PARSE_REQUEST, &l,
	     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", &r, false, false);
	assert_int_equal(http_error_status(r.err), 413);

	/* 414: target over max_target, detected while streaming */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 5000);
	strcpy(big + 5005, " HTTP/1.1\r\nHost: h\r\n\r\n");
	run3(HTTP_PARSE_REQUEST, NULL, big, &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_URI_TOO_LONG);
	assert_int_equal(http_error_status(r.err), 414);
	assert_int_equal(r.consumed, 4 + 4097); /* stops at the first byte over */

	/* 431: one huge field, and too many fields */
	strcpy(big, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
	size_t o = strlen(big);
	memset(big + o, 'b', 9000);
	strcpy(big + o + 9000, "\r\n\r\n");
	run3(HTTP_PARSE_REQUEST, NULL, big, &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_HEAD_TOO_LARGE);
	assert_int_equal(http_error_status(r.err), 431);
	assert_int_equal(r.consumed, 8193);
	http_limits_default(&l);
	l.max_headers = 5;
	run3(HTTP_PARSE_REQUEST, &l, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", &r,
	     false, false);
	assert_int_equal(r.err, HTTP_ERR_TOO_MANY_HEADERS);
	assert_int_equal(http_error_status(r.err), 431);
	run3(HTTP_PARSE_REQUEST, &l, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", &r, false,
	     false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	/* many small fields add up to 431 too */
	o = 0;
	o += (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < 90; i++)
		o += (size_t)sprintf(big + o, "X-Field-%02d: %090d\r\n", i, i);
	strcpy(big + o, "\r\n");
	assert_int_equal(req_status(big), 431);

	/* 501: a transfer coding we do not implement */
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n"), 501);
	assert_int_equal(req_err("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n"),
			 HTTP_ERR_TE_UNKNOWN);
	/* chunked but not last: unknown coding wins (501) */
	assert_int_equal(req_status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 501);

	/* 505: another major version */
	assert_int_equal(req_err("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), HTTP_ERR_VERSION_UNSUPPORTED);
	assert_int_equal(req_status("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505);
	assert_int_equal(req_status("GET / HTTP/3.0\r\n\r\n"), 505);

	/* a method longer than any we know */
	assert_int_equal(req_err("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n\r\n"), HTTP_ERR_METHOD);
}

static void error_is_sticky_and_finish_reports_truncation(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_event ev;
	http_parser_init(&p, HTTP_PARSE_REQUEST, NULL, arena, sizeof(arena));
	const char *t = "GET / HTTP/1.1\r\nHo st: x\r\n\r\n";
	http_parser_feed(&p, (const uint8_t *)t, strlen(t), &ev);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	assert_int_equal(http_parser_feed(&p, (const uint8_t *)"GET", 3, &ev), 0);
	assert_int_equal(ev.type, HTTP_EV_ERROR);
	/* EOF inside a head, inside a body, and between messages */
	static struct result r;
	run3(HTTP_PARSE_REQUEST, NULL, "GET / HTTP/1.1\r\nHost", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_TRUNCATED);
	run3(HTTP_PARSE_REQUEST, NULL, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_TRUNCATED);
	run3(HTTP_PARSE_REQUEST, NULL, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.dones, 1);
}

static void init_checks_arena(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_limits l;
	char small[100];
	http_limits_default(&l);
	assert_int_equal(http_parser_init(&p, HTTP_PARSE_REQUEST, &l, small, sizeof(small)), -22);
	l.max_head = 36;
	assert_int_equal(http_parser_init(&p, HTTP_PARSE_REQUEST, &l, small, sizeof(small)), 0);
}

static void error_mapping(void **state)
{
	(void)state;
	for (int e = 1; e < HTTP_ERR__COUNT; e++) {
		int s = http_error_status((enum http_error)e);
		assert_true(s >= 400 && s <= 505);
		assert_true(strlen(http_error_str((enum http_error)e)) > 3);
	}
	assert_int_equal(http_error_status(HTTP_ERR_TE_UNKNOWN), 501);
	assert_int_equal(http_error_status(HTTP_ERR_VERSION_UNSUPPORTED), 505);
	assert_string_equal(http_status_reason(404), "Not Found");
	assert_string_equal(http_status_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_status_reason(799), "Unknown");
}

/* ---- responses (the client side): all three framings ---- */

static void response_content_length(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_RESPONSE, NULL,
	     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello World!\n", &r, false,
	     false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.status[0], 200);
	assert_int_equal(r.framing[0], HTTP_BODY_LENGTH);
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.body_len[0], 13);
	assert_memory_equal(r.body[0], "Hello World!\n", 13);
	assert_true(r.keep_alive[0]);
}

static void response_chunked(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_RESPONSE, NULL,
	     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1000\r\n\r\n"
	     "d\r\nHello World!\n\r\n0\r\n\r\n",
	     &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.framing[0], HTTP_BODY_CHUNKED); /* TE overrides CL */
	assert_int_equal(r.dones, 1);
	assert_int_equal(r.body_len[0], 13);
	assert_memory_equal(r.body[0], "Hello World!\n", 13);
}

static void response_close_delimited(void **state)
{
	(void)state;
	static struct result r;
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nHello World!\nmore", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.framing[0], HTTP_BODY_CLOSE);
	assert_false(r.keep_alive[0]);
	assert_int_equal(r.dones, 1); /* at EOF */
	assert_int_equal(r.body_len[0], 17);
	/* TE without chunked last: also to the close */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz", &r, false, true);
	assert_int_equal(r.framing[0], HTTP_BODY_CLOSE);
	assert_int_equal(r.body_len[0], 3);
	/* without EOF, it is never done */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 200 OK\r\n\r\nabc", &r, false, false);
	assert_int_equal(r.dones, 0);
	assert_int_equal(r.body_len[0], 3);
}

static void response_without_body(void **state)
{
	(void)state;
	static struct result r;
	/* HEAD: Content-Length describes what GET would send */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n", &r, true, false);
	assert_int_equal(r.framing[0], HTTP_BODY_NONE);
	assert_int_equal(r.dones, 1);
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n", &r, false,
	     false);
	assert_int_equal(r.dones, 2);
	assert_int_equal(r.status[1], 304);
	/* 100 Continue, then the final response */
	run3(HTTP_PARSE_RESPONSE, NULL,
	     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", &r, false, false);
	assert_int_equal(r.dones, 2);
	assert_int_equal(r.status[0], 100);
	assert_int_equal(r.status[1], 201);
	assert_memory_equal(r.body[1], "ok", 2);
	/* status line without reason phrase */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", &r, false, false);
	assert_int_equal(r.err, HTTP_ERR_NONE);
	assert_int_equal(r.status[0], 404);
}

static void response_obs_fold_is_unfolded(void **state)
{
	(void)state;
	struct http_parser p;
	struct http_event ev;
	const char *t = "HTTP/1.1 200 OK\r\nX-Long: part one\r\n   part two\r\n\tthree\r\nContent-Length: 0\r\n\r\n";
	http_parser_init(&p, HTTP_PARSE_RESPONSE, NULL, arena, sizeof(arena));
	http_parser_feed(&p, (const uint8_t *)t, strlen(t), &ev);
	assert_int_equal(ev.type, HTTP_EV_HEAD);
	const struct http_header *h = http_msg_header(&p.msg, "x-long");
	assert_non_null(h);
	assert_string_equal(h->value, "part one part two three");
	assert_int_equal(h->value_len, strlen("part one part two three"));
	assert_string_equal(http_msg_header(&p.msg, "content-length")->value, "0");
	assert_string_equal(p.msg.reason, "OK");
}

static void response_errors(void **state)
{
	(void)state;
	static struct result r;
	const char *bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 099 x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run3(HTTP_PARSE_RESPONSE, NULL, bad[i], &r, false, false);
		assert_int_not_equal(r.err, HTTP_ERR_NONE);
	}
	/* chunked response cut short */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_TRUNCATED);
	/* Content-Length response cut short */
	run3(HTTP_PARSE_RESPONSE, NULL, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", &r, false, true);
	assert_int_equal(r.err, HTTP_ERR_TRUNCATED);
}

/* ---- the chunked decoder on its own ---- */

static void chunked_decoder_alone(void **state)
{
	(void)state;
	struct http_chunked c;
	const char *t = "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\nNEXT";
	char out[64];
	size_t o = 0, off = 0, len = strlen(t);
	http_chunked_init(&c, UINT64_MAX, 1024);
	while (off < len && c.state != HTTP_CH_DONE) {
		const uint8_t *d;
		size_t dl;
		off += http_chunked_feed(&c, (const uint8_t *)t + off, 1, &d, &dl);
		if (dl)
			memcpy(out + o, d, dl);
		o += dl;
		assert_int_not_equal(c.state, HTTP_CH_ERROR);
	}
	assert_int_equal(c.state, HTTP_CH_DONE);
	assert_int_equal(o, 23);
	assert_memory_equal(out, "Wikipedia in\r\n\r\nchunks.", 23);
	assert_string_equal(t + off, "NEXT"); /* stops at the end */
	assert_int_equal(c.total, 23);
	/* trailer section bounded */
	http_chunked_init(&c, UINT64_MAX, 8);
	const uint8_t *d;
	size_t dl;
	t = "0\r\nX-Long-Trailer: 1\r\n\r\n";
	http_chunked_feed(&c, (const uint8_t *)t, strlen(t), &d, &dl);
	assert_int_equal(c.state, HTTP_CH_ERROR);
	assert_int_equal(http_error_status(c.err), 431);
}

/* ---- property: any input, any split, same result ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*, seeded per test: reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* Feeds `len` bytes split at random points; returns a digest of events. */
static void run_split(enum http_parse_mode mode, const uint8_t *in, size_t len, bool random_split, struct result *r)
{
	struct http_parser p;
	memset(r, 0, sizeof(*r));
	struct http_limits l;
	http_limits_default(&l);
	l.max_head = 1024;
	l.max_target = 256;
	l.max_headers = 8;
	l.max_body = 3000;
	assert_int_equal(http_parser_init(&p, mode, &l, arena, sizeof(arena)), 0);
	size_t off = 0;
	int msg = 0;
	while (off < len && r->err == HTTP_ERR_NONE && msg < 4) {
		size_t piece = random_split ? 1 + rnd(9) : len - off;
		if (piece > len - off)
			piece = len - off;
		const uint8_t *d = in + off;
		size_t left = piece;
		for (;;) {
			struct http_event ev;
			size_t n = http_parser_feed(&p, d, left, &ev);
			assert_true(n <= left);
			d += n;
			left -= n;
			off += n;
			if (ev.type == HTTP_EV_NEED_MORE)
				break;
			if (ev.type == HTTP_EV_ERROR) {
				r->err = p.err;
				assert_int_not_equal(p.err, HTTP_ERR_NONE);
				break;
			}
			if (ev.type == HTTP_EV_HEAD) {
				r->heads++;
				assert_true(p.msg.n_headers <= 8);
				for (size_t i = 0; i < p.msg.n_headers; i++)
					assert_int_equal(strlen(p.msg.headers[i].value), p.msg.headers[i].value_len);
			} else if (ev.type == HTTP_EV_BODY) {
				assert_true(ev.data >= in && ev.data + ev.len <= in + len);
				if (r->body_len[msg] + ev.len <= sizeof(r->body[msg]))
					memcpy(r->body[msg] + r->body_len[msg], ev.data, ev.len);
				r->body_len[msg] += ev.len;
				assert_true(r->body_len[msg] <= 3000);
			} else if (ev.type == HTTP_EV_DONE) {
				r->dones++;
				if (++msg == 4)
					break;
				http_parser_reset(&p);
			}
		}
	}
	r->consumed = off;
}

static void random_inputs_any_split_same_events(void **state)
{
	(void)state;
	static const char *seeds[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;e=\"q\"\r\nabc\r\n0\r\nT: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: a\r\n b\r\n\r\n1\r\nz\r\n0\r\n\r\n",
	};
	static uint8_t buf[4096];
	static struct result a, b;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int iter = 0; iter < 4000; iter++) {
		const char *s = seeds[rnd(5)];
		size_t len = strlen(s);
		memcpy(buf, s, len);
		/* pipeline a copy, then mutate: flip, insert, delete bytes */
		if (rnd(2) && 2 * len < sizeof(buf)) {
			memcpy(buf + len, s, len);
			len *= 2;
		}
		int muts = (int)rnd(4);
		for (int m = 0; m < muts; m++) {
			size_t at = rnd((uint32_t)len);
			switch (rnd(3)) {
			case 0:
				buf[at] = (uint8_t)rnd(256);
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = "\r\n :;0aZ\"\\\t"[rnd(12)];
					len++;
				}
				break;
			default:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			}
		}
		enum http_parse_mode mode = buf[0] == 'H' && buf[1] == 'T' ? HTTP_PARSE_RESPONSE : HTTP_PARSE_REQUEST;
		run_split(mode, buf, len, false, &a);
		run_split(mode, buf, len, true, &b);
		if (a.heads != b.heads || a.dones != b.dones || a.err != b.err || a.consumed != b.consumed)
			fail_msg("iteration %d: split changed the result", iter);
		for (int m = 0; m < 4; m++) {
			assert_int_equal(a.body_len[m], b.body_len[m]);
			size_t n = a.body_len[m] < sizeof(a.body[m]) ? a.body_len[m] : sizeof(a.body[m]);
			assert_memory_equal(a.body[m], b.body[m], n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple_get),
		cmocka_unit_test(header_fields_are_trimmed_and_found_case_insensitively),
		cmocka_unit_test(post_with_content_length),
		cmocka_unit_test(post_chunked_with_extensions_and_trailers),
		cmocka_unit_test(pipelined_requests),
		cmocka_unit_test(parser_stops_at_message_boundary),
		cmocka_unit_test(leniencies),
		cmocka_unit_test(keep_alive_rules),
		cmocka_unit_test(expect_continue),
		cmocka_unit_test(bad_request_400),
		cmocka_unit_test(statuses_413_414_431_501_505),
		cmocka_unit_test(error_is_sticky_and_finish_reports_truncation),
		cmocka_unit_test(init_checks_arena),
		cmocka_unit_test(error_mapping),
		cmocka_unit_test(response_content_length),
		cmocka_unit_test(response_chunked),
		cmocka_unit_test(response_close_delimited),
		cmocka_unit_test(response_without_body),
		cmocka_unit_test(response_obs_fold_is_unfolded),
		cmocka_unit_test(response_errors),
		cmocka_unit_test(chunked_decoder_alone),
		cmocka_unit_test(random_inputs_any_split_same_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* hokuto HTTP client — request building and the response side of one
 * exchange (RFC 9112): Content-Length, chunked and close-delimited bodies,
 * interim 1xx responses skipped, redirects reported to the caller. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "http_client.h"

size_t http_build_request(char *buf, size_t size, const char *method, const struct http_url *u, const char *data,
			  size_t data_len)
{
	char host[300];
	/* RFC 9110 7.2: Host carries the port when it is not the default */
	if (u->port == 80)
		snprintf(host, sizeof(host), "%s", u->host);
	else
		snprintf(host, sizeof(host), "%s:%u", u->host, (unsigned)u->port);
	int n;
	if (data) {
		/* like curl --data */
		n = snprintf(buf, size,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " HTTP_USER_AGENT "\r\nAccept: */*\r\n"
			     "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n",
			     method, u->path, host, data_len);
	} else {
		n = snprintf(buf, size,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " HTTP_USER_AGENT "\r\nAccept: */*\r\n"
			     "Connection: close\r\n\r\n",
			     method, u->path, host);
	}
	if (n < 0 || (size_t)n >= size || (data && data_len > size - (size_t)n))
		return 0;
	if (data && data_len)
		memcpy(buf + n, data, data_len);
	return (size_t)n + (data ? data_len : 0);
}

bool http_is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

const char *http_redirect_method(int status, const char *method)
{
	if (status == 303 && strcmp(method, "HEAD") != 0)
		return "GET";
	if ((status == 301 || status == 302) && strcmp(method, "POST") == 0)
		return "GET";
	return method;
}

void http_client_init(struct http_client *c, const struct http_io *io, void *io_ctx, const char *req,
		      size_t req_len, bool is_head, FILE *out, bool include_headers, bool follow)
{
	memset(c, 0, offsetof(struct http_client, parser));
	c->io = io;
	c->io_ctx = io_ctx;
	c->req = req;
	c->req_len = req_len;
	c->out = out;
	c->include_headers = include_headers;
	c->follow = follow;
	c->state = HTTP_CL_SENDING;
	struct http_limits l;
	http_limits_default(&l);
	l.max_head = HTTP_CLIENT_HEAD_MAX;
	http_parser_init(&c->parser, HTTP_PARSE_RESPONSE, &l, c->arena, sizeof(c->arena));
	http_parser_set_head_request(&c->parser, is_head);
}

bool http_client_redirect(const struct http_client *c)
{
	return c->state == HTTP_CL_DONE && http_is_redirect(c->status) && c->location[0];
}

int http_client_exit_status(const struct http_client *c)
{
	if (c->out_failed)
		return HTTP_EXIT_OUTPUT;
	if (c->state == HTTP_CL_FAILED)
		return c->perr != HTTP_ERR_NONE ? HTTP_EXIT_PROTOCOL : HTTP_EXIT_NETWORK;
	if (c->state != HTTP_CL_DONE)
		return HTTP_EXIT_NETWORK;
	return c->status >= 200 && c->status <= 299 ? HTTP_EXIT_OK : HTTP_EXIT_STATUS;
}

static void emit(struct http_client *c, const void *data, size_t len)
{
	if (!len || c->out_failed || !c->out)
		return;
	if (fwrite(data, 1, len, c->out) != len)
		c->out_failed = true;
}

static bool discarding(const struct http_client *c)
{
	return c->follow && http_is_redirect(c->status) && c->location[0];
}

static void on_head(struct http_client *c)
{
	const struct http_msg *m = &c->parser.msg;
	c->status = m->status;
	snprintf(c->status_line, sizeof(c->status_line), "HTTP/%u.%u %d %s", m->version_major, m->version_minor,
		 m->status, m->reason ? m->reason : "");
	const struct http_header *loc = http_msg_header(m, "Location");
	c->location[0] = '\0';
	if (loc && loc->value_len < sizeof(c->location))
		memcpy(c->location, loc->value, (size_t)loc->value_len + 1);
	/* interim responses (RFC 9110 15.2) are neither printed nor final */
	if (m->status < 200 || !c->include_headers)
		return;
	char line[400];
	int n = snprintf(line, sizeof(line), "%s\r\n", c->status_line);
	emit(c, line, (size_t)n);
	for (size_t i = 0; i < m->n_headers; i++) {
		const struct http_header *h = &m->headers[i];
		emit(c, h->name, h->name_len);
		emit(c, ": ", 2);
		emit(c, h->value, h->value_len);
		emit(c, "\r\n", 2);
	}
	emit(c, "\r\n", 2);
}

static void fail_io(struct http_client *c, int err)
{
	c->state = HTTP_CL_FAILED;
	c->err = err;
}

static void fail_parse(struct http_client *c)
{
	c->state = HTTP_CL_FAILED;
	c->perr = c->parser.err;
}

/* Feeds received bytes to the parser. */
static void consume(struct http_client *c, const uint8_t *data, size_t len)
{
	for (;;) {
		struct http_event ev;
		size_t n = http_parser_feed(&c->parser, data, len, &ev);
		data += n;
		len -= n;
		switch (ev.type) {
		case HTTP_EV_NEED_MORE:
			return;
		case HTTP_EV_HEAD:
			on_head(c);
			break;
		case HTTP_EV_BODY:
			if (c->status >= 200 && !discarding(c)) {
				emit(c, ev.data, ev.len);
				c->body_bytes += ev.len;
			}
			break;
		case HTTP_EV_DONE:
			if (c->status < 200) {
				/* 1xx: the final response follows */
				bool head = c->parser.is_head_response;
				http_parser_reset(&c->parser);
				http_parser_set_head_request(&c->parser, head);
				c->status = 0;
				break;
			}
			c->state = HTTP_CL_DONE;
			return; /* anything after the response is ignored */
		case HTTP_EV_ERROR:
			fail_parse(c);
			return;
		}
	}
}

static enum http_client_state run(struct http_client *c);

enum http_client_state http_client_run(struct http_client *c)
{
	uint64_t before = c->req_off + c->body_bytes;
	enum http_client_state st0 = c->state;
	enum http_client_state st = run(c);
	if (st != st0 || c->req_off + c->body_bytes != before || c->got_bytes)
		c->activity++;
	c->got_bytes = false;
	return st;
}

static enum http_client_state run(struct http_client *c)
{
	for (;;) {
		if (c->state == HTTP_CL_SENDING) {
			if (c->req_off == c->req_len) {
				c->state = HTTP_CL_RECEIVING;
				continue;
			}
			long n = c->io->send(c->io_ctx, c->req + c->req_off, c->req_len - c->req_off);
			if (n > 0) {
				c->req_off += (size_t)n;
				continue;
			}
			if (n == -EAGAIN || n == 0)
				return c->state;
			/* the server may answer early and close (e.g. 413): try
			 * to read that answer before giving up */
			if (n == -EPIPE || n == -ECONNRESET) {
				c->state = HTTP_CL_RECEIVING;
				c->err = (int)n;
				continue;
			}
			fail_io(c, (int)n);
			return c->state;
		}
		if (c->state != HTTP_CL_RECEIVING)
			return c->state;
		uint8_t buf[16384];
		long n = c->io->recv(c->io_ctx, buf, sizeof(buf));
		if (n > 0) {
			c->got_bytes = true;
			consume(c, buf, (size_t)n);
			continue;
		}
		if (n == -EAGAIN)
			return c->state;
		if (n == 0) {
			struct http_event ev;
			http_parser_finish(&c->parser, &ev);
			if (ev.type == HTTP_EV_DONE && c->status >= 200)
				c->state = HTTP_CL_DONE;
			else if (ev.type == HTTP_EV_ERROR)
				fail_parse(c);
			else
				fail_io(c, c->err ? c->err : -ECONNRESET); /* closed before any response */
			return c->state;
		}
		fail_io(c, (int)n);
		return c->state;
	}
}

/* Unit tests: the HTTP client on scripted bytes — the exact request it
 * sends, responses in all three body framings (Content-Length, chunked,
 * close-delimited) fed whole and byte by byte, -i output, redirects,
 * interim 1xx, and truncated or reset responses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_client.h"

struct fake {
	const char *in;
	size_t in_len, in_off;
	size_t recv_max;
	int end;           /* after in: 0 = EOF, else this error (e.g. -EAGAIN) */
	char sent[8192];
	size_t sent_len;
	size_t send_max;
	int send_err;
};

static long f_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;
	if (f->in_off < f->in_len) {
		size_t n = f->in_len - f->in_off;
		if (n > len)
			n = len;
		if (f->recv_max && n > f->recv_max)
			n = f->recv_max;
		memcpy(buf, f->in + f->in_off, n);
		f->in_off += n;
		return (long)n;
	}
	return f->end;
}

static long f_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;
	if (f->send_err)
		return f->send_err;
	if (f->send_max && len > f->send_max)
		len = f->send_max;
	assert_true(f->sent_len + len <= sizeof(f->sent));
	memcpy(f->sent + f->sent_len, buf, len);
	f->sent_len += len;
	return (long)len;
}

static void f_shutdown(void *ctx)
{
	(void)ctx;
}

static const struct http_io fake_io = {f_recv, f_send, f_shutdown};

struct run_result {
	enum http_client_state state;
	int exit;
	int status;
	char out[4096];
	size_t out_len;
	char status_line[300];
	bool redirect;
	char location[2048];
};

static const char *GET_REQ = "GET / HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: hokuto/0.1\r\nAccept: */*\r\n"
			     "Connection: close\r\n\r\n";

/* Runs one exchange; recv_max 1 feeds the response byte by byte. */
static void exchange(const char *response, size_t recv_max, bool head, bool include, bool follow, int end,
		     struct run_result *r)
{
	static struct http_client c;
	struct fake f = {.in = response, .in_len = strlen(response), .recv_max = recv_max, .end = end};
	char *buf = NULL;
	size_t blen = 0;
	FILE *out = open_memstream(&buf, &blen);
	http_client_init(&c, &fake_io, &f, GET_REQ, strlen(GET_REQ), head, out, include, follow);
	for (int i = 0; i < 100000; i++) {
		enum http_client_state s = http_client_run(&c);
		if (s == HTTP_CL_DONE || s == HTTP_CL_FAILED)
			break;
		if (f.in_off == f.in_len && end == -EAGAIN)
			break;
	}
	fclose(out);
	memset(r, 0, sizeof(*r));
	r->state = c.state;
	r->exit = http_client_exit_status(&c);
	r->status = c.status;
	assert_true(blen < sizeof(r->out));
	memcpy(r->out, buf, blen);
	r->out_len = blen;
	snprintf(r->status_line, sizeof(r->status_line), "%s", c.status_line);
	r->redirect = http_client_redirect(&c);
	snprintf(r->location, sizeof(r->location), "%s", c.location);
	free(buf);
	assert_int_equal(f.sent_len, strlen(GET_REQ));
	assert_memory_equal(f.sent, GET_REQ, f.sent_len);
}

/* Same exchange whole and byte by byte; the results must agree. */
static void exchange2(const char *response, bool head, bool include, bool follow, int end, struct run_result *r)
{
	static struct run_result b;
	exchange(response, 0, head, include, follow, end, r);
	exchange(response, 1, head, include, follow, end, &b);
	assert_int_equal(r->state, b.state);
	assert_int_equal(r->exit, b.exit);
	assert_int_equal(r->out_len, b.out_len);
	assert_memory_equal(r->out, b.out, r->out_len);
}

static void builds_requests_like_curl(void **state)
{
	(void)state;
	char buf[1024];
	struct http_url u;
	assert_int_equal(http_url_parse("http://192.0.2.2/", &u), 0);
	size_t n = http_build_request(buf, sizeof(buf), "GET", &u, NULL, 0);
	assert_int_equal(n, strlen(GET_REQ));
	assert_memory_equal(buf, GET_REQ, n);
	assert_int_equal(http_url_parse("http://web.test:8080/form?a=1", &u), 0);
	n = http_build_request(buf, sizeof(buf), "POST", &u, "name=hokuto&x=1", 15);
	const char *want = "POST /form?a=1 HTTP/1.1\r\nHost: web.test:8080\r\nUser-Agent: hokuto/0.1\r\nAccept: */*\r\n"
			   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 15\r\n"
			   "Connection: close\r\n\r\nname=hokuto&x=1";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	/* empty data still sends Content-Length: 0 */
	n = http_build_request(buf, sizeof(buf), "POST", &u, "", 0);
	assert_non_null(strstr(buf, "Content-Length: 0\r\n"));
	/* too small a buffer */
	assert_int_equal(http_build_request(buf, 40, "GET", &u, NULL, 0), 0);
	assert_int_equal(http_build_request(buf, 200, "POST", &u, want, 150), 0);
}

static void content_length_response(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello World!\nIGNORED", false,
		  false, false, -EAGAIN, &r);
	assert_int_equal(r.state, HTTP_CL_DONE);
	assert_int_equal(r.exit, HTTP_EXIT_OK);
	assert_int_equal(r.out_len, 13);
	assert_memory_equal(r.out, "Hello World!\n", 13);
	assert_string_equal(r.status_line, "HTTP/1.1 200 OK");
}

static void chunked_response(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nHello \r\n7;x=y\r\nWorld!\n\r\n0\r\nT: 1\r\n\r\n",
		  false, false, false, -EAGAIN, &r);
	assert_int_equal(r.state, HTTP_CL_DONE);
	assert_int_equal(r.exit, 0);
	assert_int_equal(r.out_len, 13);
	assert_memory_equal(r.out, "Hello World!\n", 13);
}

static void close_delimited_response(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\n\r\nHello World!\n", false, false, false, 0, &r);
	assert_int_equal(r.state, HTTP_CL_DONE);
	assert_int_equal(r.exit, 0);
	assert_int_equal(r.out_len, 13);
	assert_memory_equal(r.out, "Hello World!\n", 13);
	/* without the close it is not finished */
	exchange("HTTP/1.0 200 OK\r\n\r\nabc", 0, false, false, false, -EAGAIN, &r);
	assert_int_equal(r.state, HTTP_CL_RECEIVING);
}

static void include_headers(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\n\r\nok", false, true, false, 0, &r);
	const char *want = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\n\r\nok";
	assert_int_equal(r.out_len, strlen(want));
	assert_memory_equal(r.out, want, r.out_len);
}

static void non_2xx_status(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n", false, false, false, 0, &r);
	assert_int_equal(r.state, HTTP_CL_DONE);
	assert_int_equal(r.exit, HTTP_EXIT_STATUS);
	assert_string_equal(r.status_line, "HTTP/1.1 404 Not Found");
	assert_int_equal(r.out_len, 10); /* the body is still printed, like curl */
	exchange2("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", false, false, false, 0, &r);
	assert_int_equal(r.exit, HTTP_EXIT_STATUS);
}

static void redirects(void **state)
{
	(void)state;
	static struct run_result r;
	const char *resp = "HTTP/1.1 301 Moved Permanently\r\nLocation: /new/\r\nContent-Length: 5\r\n\r\nmoved";
	/* -L: the body of the redirect is not printed */
	exchange2(resp, false, false, true, 0, &r);
	assert_true(r.redirect);
	assert_string_equal(r.location, "/new/");
	assert_int_equal(r.out_len, 0);
	/* without -L it is printed, and the exit status says "not 2xx" */
	exchange2(resp, false, false, false, 0, &r);
	assert_true(r.redirect);
	assert_int_equal(r.exit, HTTP_EXIT_STATUS);
	assert_int_equal(r.out_len, 5);
	/* a 3xx without Location is not a redirect to follow */
	exchange2("HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", false, false, true, 0, &r);
	assert_false(r.redirect);
	assert_string_equal(http_redirect_method(303, "POST"), "GET");
	assert_string_equal(http_redirect_method(303, "HEAD"), "HEAD");
	assert_string_equal(http_redirect_method(302, "POST"), "GET");
	assert_string_equal(http_redirect_method(301, "POST"), "GET");
	assert_string_equal(http_redirect_method(307, "POST"), "POST");
	assert_string_equal(http_redirect_method(308, "POST"), "POST");
	assert_string_equal(http_redirect_method(301, "GET"), "GET");
	assert_true(http_is_redirect(308));
	assert_false(http_is_redirect(304));
}

static void interim_and_head(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, true, false, 0,
		  &r);
	assert_int_equal(r.exit, 0);
	const char *want = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	assert_int_equal(r.out_len, strlen(want));
	assert_memory_equal(r.out, want, r.out_len);
	/* HEAD: Content-Length without a body, done without waiting */
	exchange2("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n", true, false, false, -EAGAIN, &r);
	assert_int_equal(r.state, HTTP_CL_DONE);
	assert_int_equal(r.out_len, 0);
}

static void broken_responses(void **state)
{
	(void)state;
	static struct run_result r;
	exchange2("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", false, false, false, 0, &r);
	assert_int_equal(r.state, HTTP_CL_FAILED);
	assert_int_equal(r.exit, HTTP_EXIT_PROTOCOL);
	assert_int_equal(r.out_len, 5);
	exchange2("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc", false, false, false, 0, &r);
	assert_int_equal(r.exit, HTTP_EXIT_PROTOCOL);
	exchange2("SSH-2.0-OpenSSH_9.2\r\n", false, false, false, 0, &r);
	assert_int_equal(r.exit, HTTP_EXIT_PROTOCOL);
	exchange2("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false, false, false, 0, &r);
	assert_int_equal(r.exit, HTTP_EXIT_PROTOCOL);
	/* closed before a byte of response; reset */
	exchange2("", false, false, false, 0, &r);
	assert_int_equal(r.exit, HTTP_EXIT_NETWORK);
	exchange2("HTTP/1.1 200 OK\r\n", false, false, false, -ECONNRESET, &r);
	assert_int_equal(r.state, HTTP_CL_FAILED);
	assert_int_equal(r.exit, HTTP_EXIT_NETWORK);
}

static void partial_sends_and_early_answer(void **state)
{
	(void)state;
	static struct http_client c;
	const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct fake f = {.in = resp, .in_len = strlen(resp), .send_max = 3};
	http_client_init(&c, &fake_io, &f, GET_REQ, strlen(GET_REQ), false, NULL, false, false);
	assert_int_equal(http_client_run(&c), HTTP_CL_DONE);
	assert_int_equal(f.sent_len, strlen(GET_REQ));
	/* the server answered (413) and closed before taking the body */
	resp = "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
	struct fake g = {.in = resp, .in_len = strlen(resp), .send_err = -EPIPE};
	http_client_init(&c, &fake_io, &g, GET_REQ, strlen(GET_REQ), false, NULL, false, false);
	assert_int_equal(http_client_run(&c), HTTP_CL_DONE);
	assert_int_equal(c.status, 413);
	assert_int_equal(http_client_exit_status(&c), HTTP_EXIT_STATUS);
	/* and a send error with nothing to read */
	struct fake h = {.in = "", .send_err = -ENETUNREACH};
	http_client_init(&c, &fake_io, &h, GET_REQ, strlen(GET_REQ), false, NULL, false, false);
	assert_int_equal(http_client_run(&c), HTTP_CL_FAILED);
	assert_int_equal(c.err, -ENETUNREACH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builds_requests_like_curl),
		cmocka_unit_test(content_length_response),
		cmocka_unit_test(chunked_response),
		cmocka_unit_test(close_delimited_response),
		cmocka_unit_test(include_headers),
		cmocka_unit_test(non_2xx_status),
		cmocka_unit_test(redirects),
		cmocka_unit_test(interim_and_head),
		cmocka_unit_test(broken_responses),
		cmocka_unit_test(partial_sends_and_early_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

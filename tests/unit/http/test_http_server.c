/* Unit tests: the HTTP server's connection state machine on a scripted
 * byte stream (no network): exact responses, keep-alive and pipelining,
 * every error status, timeouts in virtual time, partial writes, static
 * files with path-traversal attempts, and the access log format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "http_server.h"

#define T0 HK_SEC(1000)
#define WALL 1795255200 /* Sat, 21 Nov 2026 10:00:00 GMT */
#define DATE_HDR "Date: Sat, 21 Nov 2026 10:00:00 GMT\r\n"

struct fake {
	char in[200000];
	size_t in_len, in_off;
	size_t recv_max;     /* bytes per recv (0: any) */
	bool eof;            /* recv returns 0 once in is drained */
	int recv_err;        /* returned once in is drained (before eof) */
	char *out;
	size_t out_len, out_cap;
	size_t send_max;     /* bytes per send (0: any) */
	size_t send_budget;  /* bytes accepted until -EAGAIN */
	int send_err;
	bool shut;
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
	if (f->recv_err)
		return f->recv_err;
	return f->eof ? 0 : -EAGAIN;
}

static long f_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;
	assert_false(f->shut); /* nothing is sent after the FIN */
	if (f->send_err)
		return f->send_err;
	if (f->send_budget == 0)
		return -EAGAIN;
	size_t n = len;
	if (f->send_max && n > f->send_max)
		n = f->send_max;
	if (n > f->send_budget)
		n = f->send_budget;
	if (f->out_len + n + 1 > f->out_cap) {
		f->out_cap = (f->out_len + n + 1) * 2;
		f->out = realloc(f->out, f->out_cap);
		assert_non_null(f->out);
	}
	memcpy(f->out + f->out_len, buf, n);
	f->out_len += n;
	f->out[f->out_len] = '\0';
	f->send_budget -= n;
	return (long)n;
}

static void f_shutdown(void *ctx)
{
	struct fake *f = ctx;
	f->shut = true;
}

static const struct http_io fake_io = {f_recv, f_send, f_shutdown};

static time_t fixed_wall(void *ctx)
{
	(void)ctx;
	return WALL;
}

struct env {
	struct http_server srv;
	struct http_server_config cfg;
	struct fake f;
	char *log;
	size_t log_len;
	FILE *logf;
	struct http_conn *c;
	char dir[64];
};

static struct env *env_new(const char *dir, void (*tweak)(struct http_server_config *))
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	http_server_config_default(&e->cfg);
	e->cfg.wall_clock = fixed_wall;
	e->logf = open_memstream(&e->log, &e->log_len);
	e->cfg.access_log = e->logf;
	e->cfg.dir = dir;
	if (tweak)
		tweak(&e->cfg);
	assert_int_equal(http_server_init(&e->srv, &e->cfg), 0);
	e->f.send_budget = SIZE_MAX;
	e->c = http_conn_new(&e->srv, &fake_io, &e->f, HK_IP4(192, 0, 2, 1), T0);
	assert_non_null(e->c);
	return e;
}

static void env_free(struct env *e)
{
	if (e->c)
		http_conn_free(e->c);
	http_server_fini(&e->srv);
	fclose(e->logf);
	free(e->log);
	free(e->f.out);
	free(e);
}

static void feed(struct env *e, const char *s)
{
	size_t n = strlen(s);
	assert_true(e->f.in_len + n <= sizeof(e->f.in));
	memcpy(e->f.in + e->f.in_len, s, n);
	e->f.in_len += n;
}

static hk_time_t run(struct env *e, hk_time_t now)
{
	return http_conn_run(e->c, now);
}

static const char *logtext(struct env *e)
{
	fflush(e->logf);
	return e->log ? e->log : "";
}

static const char *out(struct env *e)
{
	return e->f.out ? e->f.out : "";
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- default body ---- */

static void get_returns_hello_world_exactly(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "GET / HTTP/1.1\r\nHost: 192.0.2.2\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
	hk_time_t next = run(e, T0);
	assert_string_equal(out(e), "HTTP/1.1 200 OK\r\nServer: hokuto/0.1\r\n" DATE_HDR
				    "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello World!\n");
	assert_string_equal(logtext(e), "192.0.2.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 13\n");
	/* kept alive, idle: no buffers held, next deadline is the idle timeout */
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_READING);
	assert_false(e->f.shut);
	assert_false(http_conn_has_buffers(e->c));
	assert_int_equal(next, T0 + HK_SEC(15));
	assert_int_equal(e->srv.stats.requests, 1);
	assert_int_equal(e->srv.stats.status_2xx, 1);
	env_free(e);
}

static void head_and_post(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
	run(e, T0);
	assert_string_equal(out(e), "HTTP/1.1 200 OK\r\nServer: hokuto/0.1\r\n" DATE_HDR
				    "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\n");
	e->f.out_len = 0;
	feed(e, "POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\nname=abcd");
	feed(e, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
	run(e, T0 + 1);
	assert_int_equal(count(out(e), "HTTP/1.1 200 OK\r\n"), 2);
	assert_int_equal(count(out(e), "Hello World!\n"), 2);
	assert_int_equal(e->srv.stats.body_bytes_in, 12);
	const char *log = logtext(e);
	assert_non_null(strstr(log, "\"HEAD / HTTP/1.1\" 200 -\n"));
	assert_non_null(strstr(log, "\"POST /form HTTP/1.1\" 200 13\n"));
	assert_non_null(strstr(log, "\"POST /c HTTP/1.1\" 200 13\n"));
	env_free(e);
}

static void custom_body(struct http_server_config *cfg)
{
	cfg->body = "custom text";
}

static void body_option(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, custom_body);
	feed(e, "GET /any/path HTTP/1.1\r\nHost: h\r\n\r\n");
	run(e, T0);
	assert_non_null(strstr(out(e), "Content-Length: 11\r\n\r\ncustom text"));
	env_free(e);
}

static const char *pipeline = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
			      "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
			      "HEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n"
			      "GET /4 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
			      "GET /5 HTTP/1.1\r\nHost: h\r\n\r\n"; /* after close: ignored */

static void pipelined_requests_answered_in_order(void **state)
{
	(void)state;
	/* in one read, one byte per read, and with one byte per write */
	for (int mode = 0; mode < 3; mode++) {
		struct env *e = env_new(NULL, NULL);
		feed(e, pipeline);
		if (mode == 1)
			e->f.recv_max = 1;
		if (mode == 2)
			e->f.send_max = 1;
		for (int i = 0; i < 5000 && http_conn_phase(e->c) == HTTP_CONN_READING; i++)
			run(e, T0);
		const char *o = out(e);
		assert_int_equal(count(o, "HTTP/1.1 200 OK\r\n"), 4);
		assert_int_equal(count(o, "Hello World!\n"), 3); /* not for HEAD */
		assert_int_equal(count(o, "Connection: close\r\n"), 1);
		/* the close comes with the 4th response, the last bytes sent */
		const char *last = strstr(o, "Connection: close\r\n");
		assert_non_null(last);
		assert_string_equal(last, "Connection: close\r\n\r\nHello World!\n");
		const char *log = logtext(e);
		const char *p1 = strstr(log, "GET /1 "), *p2 = strstr(log, "POST /2 "), *p3 = strstr(log, "HEAD /3 "),
			   *p4 = strstr(log, "GET /4 ");
		assert_true(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4);
		assert_null(strstr(log, "/5 "));
		/* half-closed after the last response, lingering */
		assert_true(e->f.shut);
		assert_int_equal(http_conn_phase(e->c), HTTP_CONN_LINGER);
		e->f.eof = true;
		run(e, T0 + 1);
		assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
		env_free(e);
	}
}

static void http10_keep_alive_and_close(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	run(e, T0);
	assert_non_null(strstr(out(e), "Connection: keep-alive\r\n"));
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_READING);
	feed(e, "GET / HTTP/1.0\r\n\r\n");
	run(e, T0);
	assert_non_null(strstr(out(e), "Connection: close\r\n"));
	assert_true(e->f.shut);
	/* lingering ends by timeout if the peer never closes */
	assert_int_equal(run(e, T0 + HK_SEC(1)), T0 + HK_SEC(2));
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_LINGER);
	feed(e, "junk after close is discarded");
	run(e, T0 + HK_SEC(2));
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	assert_int_equal(e->srv.stats.linger_timeouts, 1);
	env_free(e);
}

/* ---- errors ---- */

/* Sends one raw request; returns the status of the response. */
static int status_of(struct env *e, const char *req)
{
	e->f.out_len = 0;
	if (e->f.out)
		e->f.out[0] = '\0';
	feed(e, req);
	run(e, T0);
	int st = 0;
	assert_int_equal(sscanf(out(e), "HTTP/1.1 %d ", &st), 1);
	return st;
}

static void error_statuses(void **state)
{
	(void)state;
	struct {
		const char *req;
		int status;
		bool closes;
	} cases[] = {
		{"GET / HTTP/1.1\r\n\r\n", 400, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true},
		{"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, true},
		{"GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400, true},
		{"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n", 400, true},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400, true},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true},
		{"GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, true},
		{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n", 413, true},
		{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, true},
		{"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, true},
		{"DELETE / HTTP/1.1\r\nHost: h\r\n\r\n", 405, false},
		{"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 405, false},
		{"BREW / HTTP/1.1\r\nHost: h\r\n\r\n", 405, false},
		{"POST / HTTP/1.1\r\nHost: h\r\nExpect: tea\r\nContent-Length: 1\r\n\r\n", 417, true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = env_new(NULL, NULL);
		int st = status_of(e, cases[i].req);
		if (st != cases[i].status)
			fail_msg("case %zu: got %d, want %d: %s", i, st, cases[i].status, out(e));
		assert_int_equal(e->f.shut, cases[i].closes);
		assert_int_equal(count(out(e), "Connection: close\r\n"), cases[i].closes ? 1 : 0);
		/* the body names the status */
		char want[64];
		snprintf(want, sizeof(want), "\r\n\r\n%d ", st);
		assert_non_null(strstr(out(e), want));
		if (st == 405)
			assert_non_null(strstr(out(e), "Allow: GET, HEAD, POST\r\n"));
		/* the access log has the line too */
		char logst[16];
		snprintf(logst, sizeof(logst), "\" %d ", st);
		assert_non_null(strstr(logtext(e), logst));
		env_free(e);
	}
}

static void long_target_414_and_big_head_431(void **state)
{
	(void)state;
	static char req[20000];
	struct env *e = env_new(NULL, NULL);
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', 6000);
	strcpy(req + 6005, " HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(status_of(e, req), 414);
	assert_non_null(strstr(logtext(e), "\"-\" 414 "));
	env_free(e);

	e = env_new(NULL, NULL);
	strcpy(req, "GET / HTTP/1.1\r\nHost: h\r\nCookie: ");
	memset(req + strlen(req), 'c', 10000);
	strcat(req, "\r\n\r\n");
	assert_int_equal(status_of(e, req), 431);
	assert_non_null(strstr(logtext(e), "\"GET / HTTP/1.1\" 431 "));
	env_free(e);
}

static void expect_100_continue(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
	run(e, T0);
	assert_string_equal(out(e), "HTTP/1.1 100 Continue\r\n\r\n");
	feed(e, "hello");
	run(e, T0);
	assert_non_null(strstr(out(e), "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
	env_free(e);

	/* a final error status instead of 100: the body is never read */
	e = env_new(NULL, NULL);
	feed(e, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
	run(e, T0);
	assert_int_equal(strncmp(out(e), "HTTP/1.1 405 ", 13), 0);
	assert_non_null(strstr(out(e), "Connection: close\r\n"));
	assert_true(e->f.shut);
	env_free(e);
}

/* ---- timeouts ---- */

static void slowloris_gets_408(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "GET / HTTP/1.1\r\n");
	hk_time_t next = run(e, T0);
	assert_int_equal(next, T0 + HK_SEC(10));
	/* trickling one header byte per second does not extend the deadline */
	const char *drip = "X-a: b\r\n";
	for (int i = 1; i < 10; i++) {
		char b[2] = {drip[i % 8], 0};
		feed(e, b);
		next = run(e, T0 + HK_SEC(i));
		assert_int_equal(next, T0 + HK_SEC(10));
		assert_int_equal(e->f.out_len, 0);
	}
	run(e, T0 + HK_SEC(10));
	assert_int_equal(strncmp(out(e), "HTTP/1.1 408 Request Timeout\r\n", 30), 0);
	assert_non_null(strstr(out(e), "Connection: close\r\n"));
	assert_true(e->f.shut);
	assert_int_equal(e->srv.stats.header_timeouts, 1);
	assert_non_null(strstr(logtext(e), "\"GET / HTTP/1.1\" 408 "));
	env_free(e);
}

static void idle_connections_close_quietly(void **state)
{
	(void)state;
	/* a connection that never sends a byte */
	struct env *e = env_new(NULL, NULL);
	assert_int_equal(run(e, T0), T0 + HK_SEC(10));
	run(e, T0 + HK_SEC(10) - 1);
	assert_false(e->f.shut);
	run(e, T0 + HK_SEC(10));
	assert_true(e->f.shut);
	assert_int_equal(e->f.out_len, 0); /* no 408 for a request never begun */
	assert_int_equal(e->srv.stats.idle_closes, 1);
	env_free(e);

	/* idle keep-alive after a request */
	e = env_new(NULL, NULL);
	feed(e, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	run(e, T0);
	size_t len = e->f.out_len;
	assert_int_equal(run(e, T0 + HK_SEC(5)), T0 + HK_SEC(15));
	run(e, T0 + HK_SEC(15));
	assert_true(e->f.shut);
	assert_int_equal(e->f.out_len, len);
	e->f.eof = true;
	run(e, T0 + HK_SEC(15));
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	env_free(e);
}

static void stalled_body_gets_408(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345");
	assert_int_equal(run(e, T0), T0 + HK_SEC(15));
	feed(e, "6");
	assert_int_equal(run(e, T0 + HK_SEC(10)), T0 + HK_SEC(25)); /* progress extends it */
	run(e, T0 + HK_SEC(25));
	assert_int_equal(strncmp(out(e), "HTTP/1.1 408 ", 13), 0);
	assert_int_equal(e->srv.stats.body_timeouts, 1);
	env_free(e);
}

static void peer_that_stops_reading_is_aborted(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	e->f.send_budget = 0;
	feed(e, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(run(e, T0), T0 + HK_SEC(15));
	assert_true(http_conn_wants_write(e->c));
	run(e, T0 + HK_SEC(15));
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	assert_int_equal(e->srv.stats.send_stalls, 1);
	env_free(e);
}

static void reset_and_eof(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	feed(e, "GET / HT");
	e->f.recv_err = -ECONNRESET;
	run(e, T0);
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	assert_int_equal(e->srv.stats.io_errors, 1);
	env_free(e);

	/* requests then FIN: all answered, then closed */
	e = env_new(NULL, NULL);
	feed(e, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
	e->f.eof = true;
	run(e, T0);
	assert_int_equal(count(out(e), "200 OK"), 2);
	assert_true(e->f.shut);
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	env_free(e);

	/* a send error aborts */
	e = env_new(NULL, NULL);
	e->f.send_err = -EPIPE;
	feed(e, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	run(e, T0);
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
	env_free(e);
}

static void big_body(struct http_server_config *cfg)
{
	static char body[100000];
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	cfg->body = body;
	cfg->body_len = sizeof(body);
}

static void large_body_streams_under_backpressure(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, big_body);
	feed(e, "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
	e->f.send_budget = 1000;
	run(e, T0);
	assert_int_equal(e->f.out_len, 1000);
	for (int i = 0; i < 1000 && e->srv.stats.requests < 2; i++) {
		e->f.send_budget = 3333;
		run(e, T0);
	}
	e->f.send_budget = SIZE_MAX;
	run(e, T0);
	const char *o = out(e);
	assert_int_equal(count(o, "Content-Length: 100000\r\n"), 2);
	const char *b = strstr(o, "\r\n\r\n") + 4;
	for (size_t i = 0; i < 100000; i++) {
		if (b[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	}
	assert_non_null(strstr(logtext(e), "200 100000\n"));
	env_free(e);
}

static void many_connections(void **state)
{
	(void)state;
	/* 1000 connections at once on one server: each gets its answer, and
	 * idle ones give their buffers back */
	enum { N = 1000 };
	struct env *e = env_new(NULL, NULL);
	static struct fake fk[N];
	static struct http_conn *cs[N];
	for (int i = 0; i < N; i++) {
		memset(&fk[i], 0, sizeof(fk[i]));
		fk[i].send_budget = SIZE_MAX;
		cs[i] = http_conn_new(&e->srv, &fake_io, &fk[i], HK_IP4(192, 0, 2, 10), T0);
		assert_non_null(cs[i]);
	}
	for (int i = 0; i < N; i++) {
		const char *r = (i % 2) ? "GET / HTTP/1.1\r\nHost: h\r\n\r\n" : "GET / HTTP/1.1\r\nHost: h\r\nConnection: cl";
		memcpy(fk[i].in, r, strlen(r));
		fk[i].in_len = strlen(r);
		http_conn_run(cs[i], T0);
	}
	int held = 0;
	for (int i = 0; i < N; i++) {
		held += http_conn_has_buffers(cs[i]);
		if (i % 2)
			assert_non_null(strstr(fk[i].out, "Hello World!\n"));
		else
			assert_int_equal(fk[i].out_len, 0);
	}
	assert_int_equal(held, N / 2); /* only the half-way requests */
	for (int i = 0; i < N; i++) {
		http_conn_free(cs[i]);
		free(fk[i].out);
	}
	assert_int_equal(e->srv.stats.requests, N / 2);
	assert_true(e->srv.pool_n <= HTTP_POOL_MAX);
	env_free(e);
}

/* ---- static files ---- */

static char root[256], outside[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int files_setup(void **state)
{
	(void)state;
	char base[] = "/tmp/hk-http-testXXXXXX";
	assert_non_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/www", base);
	snprintf(outside, sizeof(outside), "%s/secret.txt", base);
	char p[512];
	mkdir(root, 0755);
	write_file(outside, "SECRET\n");
	snprintf(p, sizeof(p), "%s/index.html", root);
	write_file(p, "<h1>hokuto</h1>\n");
	snprintf(p, sizeof(p), "%s/a.txt", root);
	write_file(p, "file a\n");
	snprintf(p, sizeof(p), "%s/sub", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/style.css", root);
	write_file(p, "body{}\n");
	snprintf(p, sizeof(p), "%s/with space.json", root);
	write_file(p, "{}\n");
	snprintf(p, sizeof(p), "%s/escape", root);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/escape-dir", root);
	assert_int_equal(symlink("..", p), 0);
	snprintf(p, sizeof(p), "%s/inside", root);
	assert_int_equal(symlink("a.txt", p), 0);
	snprintf(p, sizeof(p), "%s/big.bin", root);
	FILE *f = fopen(p, "w");
	for (int i = 0; i < 300000; i++)
		fputc(i * 7 % 251, f);
	fclose(f);
	return 0;
}

static int files_teardown(void **state)
{
	(void)state;
	char cmd[600];
	char *slash = strrchr(root, '/');
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *get_file(struct env *e, const char *target, int *status)
{
	char req[600];
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", target);
	*status = status_of(e, req);
	const char *b = strstr(out(e), "\r\n\r\n");
	return b ? b + 4 : "";
}

static void static_files(void **state)
{
	(void)state;
	struct env *e = env_new(root, NULL);
	int st;
	assert_string_equal(get_file(e, "/", &st), "<h1>hokuto</h1>\n");
	assert_int_equal(st, 200);
	assert_non_null(strstr(out(e), "Content-Type: text/html; charset=utf-8\r\nContent-Length: 16\r\n"));
	assert_string_equal(get_file(e, "/a.txt", &st), "file a\n");
	assert_non_null(strstr(out(e), "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_string_equal(get_file(e, "/sub/style.css", &st), "body{}\n");
	assert_non_null(strstr(out(e), "Content-Type: text/css\r\n"));
	assert_string_equal(get_file(e, "/with%20space.json?x=1", &st), "{}\n");
	assert_non_null(strstr(out(e), "Content-Type: application/json\r\n"));
	assert_string_equal(get_file(e, "/inside", &st), "file a\n"); /* symlink within the root */
	assert_string_equal(get_file(e, "/sub//style.css", &st), "body{}\n");
	assert_string_equal(get_file(e, "http://h/a.txt", &st), "file a\n"); /* absolute-form */
	/* a directory without its slash is redirected */
	get_file(e, "/sub?q=1", &st);
	assert_int_equal(st, 301);
	assert_non_null(strstr(out(e), "Location: /sub/?q=1\r\n"));
	get_file(e, "/sub/", &st); /* no index.html there */
	assert_int_equal(st, 404);
	get_file(e, "/missing.txt", &st);
	assert_int_equal(st, 404);
	get_file(e, "/a.txt/x", &st);
	assert_int_equal(st, 404);
	/* the keep-alive connection survived all of that */
	assert_int_equal(http_conn_phase(e->c), HTTP_CONN_READING);
	env_free(e);
}

static void path_traversal_is_refused(void **state)
{
	(void)state;
	const struct {
		const char *target;
		int status;
	} cases[] = {
		{"/../secret.txt", 400},
		{"/sub/../../secret.txt", 400},
		{"/%2e%2e/secret.txt", 400},
		{"/%2E%2e%2fsecret.txt", 400},
		{"/sub/..%2f..%2fsecret.txt", 400},
		{"/..", 400},
		{"/a.txt%00.html", 400},
		{"/%zz", 400},
		{"/escape", 404},               /* symlink to a file outside */
		{"/escape-dir/secret.txt", 404}, /* symlink to the parent */
		{"/escape-dir/", 404},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct env *e = env_new(root, NULL);
		int st;
		get_file(e, cases[i].target, &st);
		if (st != cases[i].status)
			fail_msg("%s: got %d want %d", cases[i].target, st, cases[i].status);
		assert_null(strstr(out(e), "SECRET"));
		env_free(e);
	}
}

static void files_head_post_and_large(void **state)
{
	(void)state;
	struct env *e = env_new(root, NULL);
	assert_int_equal(status_of(e, "HEAD /a.txt HTTP/1.1\r\nHost: h\r\n\r\n"), 200);
	assert_non_null(strstr(out(e), "Content-Length: 7\r\n\r\n"));
	assert_null(strstr(out(e), "file a"));
	assert_int_equal(status_of(e, "POST /a.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx"), 405);
	assert_non_null(strstr(out(e), "Allow: GET, HEAD\r\n"));
	/* 300 kB through a 16 kB write buffer, with partial writes */
	e->f.send_max = 1000;
	assert_int_equal(status_of(e, "GET /big.bin HTTP/1.1\r\nHost: h\r\n\r\n"), 200);
	for (int i = 0; i < 1000 && e->srv.stats.requests < 4; i++)
		run(e, T0);
	const char *b = strstr(out(e), "\r\n\r\n") + 4;
	assert_int_equal(e->f.out_len - (size_t)(b - out(e)), 300000);
	for (int i = 0; i < 300000; i++) {
		if ((unsigned char)b[i] != i * 7 % 251)
			fail_msg("byte %d differs", i);
	}
	assert_non_null(strstr(out(e), "Content-Type: application/octet-stream\r\n"));
	assert_non_null(strstr(logtext(e), "\"GET /big.bin HTTP/1.1\" 200 300000\n"));
	env_free(e);
}

/* ---- formats ---- */

static void clf_and_dates(void **state)
{
	(void)state;
	char buf[2048];
	size_t n = http_clf_line(buf, sizeof(buf), HK_IP4(192, 0, 2, 1), WALL, "GET / HTTP/1.1", 200, 13);
	assert_string_equal(buf, "192.0.2.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 13\n");
	assert_int_equal(n, strlen(buf));
	http_clf_line(buf, sizeof(buf), HK_IP4(203, 0, 113, 250), 0, "GET /\"x\\\n HTTP/1.1", 404, 0);
	assert_string_equal(buf, "203.0.113.250 - - [01/Jan/1970:00:00:00 +0000] \"GET /\\\"x\\\\\\x0a HTTP/1.1\" 404 -\n");
	static char longreq[3000];
	memset(longreq, 'x', sizeof(longreq) - 1);
	http_clf_line(buf, sizeof(buf), 0, WALL, longreq, 414, 0);
	assert_non_null(strstr(buf, "xxx...\" 414 -\n"));
	n = http_clf_line(buf, 10, HK_IP4(192, 0, 2, 1), WALL, "GET /", 200, 1);
	assert_int_equal(n, 9);
	http_imf_date(784111777, buf, sizeof(buf));
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT"); /* RFC 9110 5.6.7 */
	http_clf_date(784111777, buf, sizeof(buf));
	assert_string_equal(buf, "06/Nov/1994:08:49:37 +0000");
	assert_string_equal(http_mime_type("/x/INDEX.HTM"), "text/html; charset=utf-8");
	assert_string_equal(http_mime_type("/x.tar.gz"), "application/gzip");
	assert_string_equal(http_mime_type("/.png"), "application/octet-stream");
	assert_string_equal(http_mime_type("/dir.d/noext"), "application/octet-stream");
	assert_string_equal(http_mime_type("pic.PNG"), "image/png");
}

static void config_checks(void **state)
{
	(void)state;
	struct http_server srv;
	struct http_server_config cfg;
	http_server_config_default(&cfg);
	cfg.dir = "/nonexistent/dir";
	assert_int_equal(http_server_init(&srv, &cfg), -ENOENT);
	cfg.dir = "/etc/hostname";
	assert_true(http_server_init(&srv, &cfg) < 0);
	cfg.dir = NULL;
	assert_int_equal(http_server_init(&srv, &cfg), 0);
	assert_int_equal(srv.cfg.body_len, 13);
	http_server_fini(&srv);
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* Mutated request streams: never a crash (ASan in `make check`), every
 * answer is a well-formed status line, and how the bytes are split across
 * reads and writes does not change a byte of the output. */
static void garbage_in_never_crashes_and_split_does_not_matter(void **state)
{
	(void)state;
	static const char *seeds[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\nHEAD /x HTTP/1.0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n2\r\nab\r\n0\r\n\r\n",
		"GET /%2e%2e/a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
	};
	static char in[1024];
	rng_state = 42;
	for (int iter = 0; iter < 1500; iter++) {
		const char *s = seeds[rnd(4)];
		size_t len = strlen(s);
		memcpy(in, s, len);
		int muts = (int)rnd(4);
		for (int m = 0; m < muts; m++) {
			size_t at = rnd((uint32_t)len);
			if (rnd(2))
				in[at] = (char)rnd(256);
			else if (len + 1 < sizeof(in)) {
				memmove(in + at + 1, in + at, len - at);
				in[at] = "\r\n :0\t"[rnd(6)];
				len++;
			}
		}
		char *outs[2];
		size_t lens[2];
		for (int split = 0; split < 2; split++) {
			struct env *e = env_new(NULL, NULL);
			memcpy(e->f.in, in, len);
			e->f.in_len = len;
			e->f.eof = true;
			if (split) {
				e->f.recv_max = 1 + rnd(5);
				e->f.send_max = 1 + rnd(50);
			}
			for (int t = 0; t < 5000 && http_conn_phase(e->c) != HTTP_CONN_DONE; t++)
				run(e, T0 + HK_SEC(t / 100));
			assert_int_equal(http_conn_phase(e->c), HTTP_CONN_DONE);
			outs[split] = malloc(e->f.out_len + 1);
			memcpy(outs[split], out(e), e->f.out_len + 1);
			lens[split] = e->f.out_len;
			if (lens[split])
				assert_int_equal(strncmp(outs[split], "HTTP/1.1 ", 9), 0);
			env_free(e);
		}
		if (lens[0] != lens[1] || memcmp(outs[0], outs[1], lens[0]) != 0)
			fail_msg("iteration %d: output depends on the split:\n%s\n----\n%s", iter, outs[0], outs[1]);
		free(outs[0]);
		free(outs[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_returns_hello_world_exactly),
		cmocka_unit_test(head_and_post),
		cmocka_unit_test(body_option),
		cmocka_unit_test(pipelined_requests_answered_in_order),
		cmocka_unit_test(http10_keep_alive_and_close),
		cmocka_unit_test(error_statuses),
		cmocka_unit_test(long_target_414_and_big_head_431),
		cmocka_unit_test(expect_100_continue),
		cmocka_unit_test(slowloris_gets_408),
		cmocka_unit_test(idle_connections_close_quietly),
		cmocka_unit_test(stalled_body_gets_408),
		cmocka_unit_test(peer_that_stops_reading_is_aborted),
		cmocka_unit_test(reset_and_eof),
		cmocka_unit_test(large_body_streams_under_backpressure),
		cmocka_unit_test(many_connections),
		cmocka_unit_test(static_files),
		cmocka_unit_test(path_traversal_is_refused),
		cmocka_unit_test(files_head_post_and_large),
		cmocka_unit_test(clf_and_dates),
		cmocka_unit_test(config_checks),
		cmocka_unit_test(garbage_in_never_crashes_and_split_does_not_matter),
	};
	return cmocka_run_group_tests(tests, files_setup, files_teardown);
}

/* hokuto HTTP client — one request/response exchange over an abstract
 * byte stream (struct http_io), with no network.
 *
 * The command connects a socket, builds the request with
 * http_build_request(), runs a struct http_client until it is done, and
 * follows redirects itself (http_redirect_method, http_url_resolve). The
 * unit tests run the same code on scripted bytes. */
#ifndef HOKUTO_APPS_HTTP_CLIENT_H
#define HOKUTO_APPS_HTTP_CLIENT_H

#include <stdio.h>

#include "http_io.h"
#include "http_parse.h"

#define HTTP_USER_AGENT "hokuto/0.1"
#define HTTP_MAX_REDIRECTS 5

/* Exit statuses of http-get / http-post. */
enum http_client_exit {
	HTTP_EXIT_OK = 0,        /* 2xx */
	HTTP_EXIT_STATUS = 1,    /* any other status, or too many redirects */
	HTTP_EXIT_USAGE = 2,
	HTTP_EXIT_RESOLVE = 3,   /* bad URL or unknown host */
	HTTP_EXIT_NETWORK = 4,   /* refused, reset, timed out */
	HTTP_EXIT_PROTOCOL = 5,  /* malformed or truncated response */
	HTTP_EXIT_OUTPUT = 6,    /* cannot write the output */
};

/* Builds the request: request line, Host (with the port unless 80),
 * User-Agent, Accept, Content-Type/Content-Length when data is given
 * (data may be empty but not NULL for POST), Connection: close, and the
 * body. Returns the length, or 0 when it does not fit. */
size_t http_build_request(char *buf, size_t size, const char *method, const struct http_url *u, const char *data,
			  size_t data_len);

/* RFC 9110 15.4: 303 turns any method but HEAD into GET; 301 and 302 turn
 * POST into GET (what user agents do); 307 and 308 keep the method. */
const char *http_redirect_method(int status, const char *method);
bool http_is_redirect(int status);

enum http_client_state {
	HTTP_CL_SENDING,
	HTTP_CL_RECEIVING,
	HTTP_CL_DONE,    /* complete response read */
	HTTP_CL_FAILED,  /* see err / perr */
};

#define HTTP_CLIENT_HEAD_MAX 32768

struct http_client {
	const struct http_io *io;
	void *io_ctx;
	FILE *out;               /* body (and headers with -i) */
	bool include_headers;
	bool follow;             /* discard redirect bodies: we move on */
	const char *req;
	size_t req_len, req_off;
	enum http_client_state state;
	int err;                 /* -errno of a failed recv/send, or 0 */
	enum http_error perr;    /* parser error, or HTTP_ERR_NONE */
	bool out_failed;         /* writing to out failed */
	int status;
	char status_line[300];   /* "HTTP/1.1 404 Not Found" */
	char location[2048];     /* Location of a 3xx, "" when none */
	uint64_t body_bytes;
	uint64_t activity;       /* bumped whenever bytes move or the state changes */
	bool got_bytes;
	struct http_parser parser;
	char arena[HTTP_CLIENT_HEAD_MAX + 64];
};

/* req must stay valid until done; is_head: the request was HEAD. */
void http_client_init(struct http_client *c, const struct http_io *io, void *io_ctx, const char *req,
		      size_t req_len, bool is_head, FILE *out, bool include_headers, bool follow);
/* Sends and receives what it can now; returns the state. */
enum http_client_state http_client_run(struct http_client *c);
/* This response is a redirect that the caller should follow. */
bool http_client_redirect(const struct http_client *c);
/* The exit status for the final response. */
int http_client_exit_status(const struct http_client *c);

#endif

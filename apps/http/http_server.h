/* hokuto HTTP server — one connection's state machine, with no network.
 *
 * A connection reads requests through an abstract byte stream (struct
 * http_io: recv/send/shutdown with -EAGAIN for "not now"), parses them
 * (pipelined requests one after the other), builds responses into its
 * write buffer (the configured body, or files under a directory), writes
 * what the stream takes, and keeps the connection alive or closes it
 * (RFC 9112 9.3, 9.6). Time comes in as an argument: the connection
 * returns the next deadline it needs to be run at, and enforces
 *   - the header timeout (slowloris): a request whose head is not complete
 *     within header_timeout of its first byte gets 408 and a close;
 *   - the idle timeout between keep-alive requests (closed quietly), for a
 *     stalled body (408) and for a peer that stops reading (aborted);
 *   - a lingering close: after its last response it half-closes and reads
 *     and discards until the peer closes or linger_timeout passes.
 *
 * The command glues struct http_io to hokuto sockets; the unit tests glue
 * it to scripted buffers. */
#ifndef HOKUTO_APPS_HTTP_SERVER_H
#define HOKUTO_APPS_HTTP_SERVER_H

#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "http_io.h"
#include "http_parse.h"

#define HTTP_SERVER_NAME "hokuto/0.1"
#define HTTP_DEFAULT_BODY "Hello World!\n"

struct http_server_config {
	const char *body;           /* default HTTP_DEFAULT_BODY */
	size_t body_len;            /* 0 with body set: strlen(body) */
	const char *body_type;      /* default "text/plain" */
	const char *dir;            /* serve files from here instead of body */
	struct http_limits limits;  /* max_body default 1 MiB */
	hk_time_t header_timeout;   /* default 10 s */
	hk_time_t idle_timeout;     /* default 15 s */
	hk_time_t linger_timeout;   /* default 2 s */
	unsigned max_requests;      /* per connection; 0 = no limit */
	FILE *access_log;           /* one CLF line per request; NULL: none */
	/* Wall clock for Date and the log; default time(NULL). */
	time_t (*wall_clock)(void *ctx);
	void *wall_ctx;
};

void http_server_config_default(struct http_server_config *cfg);

#define HTTP_SERVER_STATS(X)                                                \
	X(conns_opened, "connections accepted")                             \
	X(conns_closed, "connections closed")                               \
	X(requests, "requests answered")                                    \
	X(status_2xx, "2xx responses")                                      \
	X(status_3xx, "3xx responses")                                      \
	X(status_4xx, "4xx responses")                                      \
	X(status_5xx, "5xx responses")                                      \
	X(bad_requests, "requests rejected by the parser")                  \
	X(header_timeouts, "408: head not complete in time (slowloris)")    \
	X(body_timeouts, "408: body stalled")                               \
	X(idle_closes, "keep-alive connections closed idle")                \
	X(send_stalls, "connections aborted: peer stopped reading")         \
	X(io_errors, "connections aborted: reset or send error")            \
	X(linger_timeouts, "lingering close ended by timeout")              \
	X(body_bytes_in, "request body bytes received")                     \
	X(body_bytes_out, "response body bytes sent")

struct http_server_stats {
#define X(name, desc) uint64_t name;
	HTTP_SERVER_STATS(X)
#undef X
};
void http_server_stats_print(const struct http_server_stats *st, FILE *out);

#define HTTP_POOL_MAX 64

struct http_server {
	struct http_server_config cfg;
	char root[PATH_MAX];        /* realpath(cfg.dir), when set */
	size_t root_len;
	size_t block_size;          /* per-connection buffers, in one block */
	void *pool[HTTP_POOL_MAX];  /* free blocks, reused */
	size_t pool_n;
	time_t date_sec;            /* cached formatted dates */
	char date_http[40];
	char date_clf[40];
	struct http_server_stats stats;
};

/* Returns 0, or -errno when dir cannot be resolved (-ENOENT, -ENOTDIR). */
int http_server_init(struct http_server *srv, const struct http_server_config *cfg);
void http_server_fini(struct http_server *srv);

enum http_conn_phase {
	HTTP_CONN_READING,  /* reading, answering requests */
	HTTP_CONN_CLOSING,  /* last response being written */
	HTTP_CONN_LINGER,   /* half-closed, discarding input until the peer closes */
	HTTP_CONN_DONE,     /* finished: close the socket and free */
};

struct http_conn;

/* peer: the client's address, for the log. NULL on allocation failure. */
struct http_conn *http_conn_new(struct http_server *srv, const struct http_io *io, void *io_ctx, hk_ip4_t peer,
				hk_time_t now);
void http_conn_free(struct http_conn *c);
/* Does everything possible now; returns the next deadline. */
hk_time_t http_conn_run(struct http_conn *c, hk_time_t now);
/* Counts the runs that moved anything (bytes in or out, a state change):
 * a poll loop that sees it change goes round again before it sleeps. */
uint64_t http_conn_activity(const struct http_conn *c);
enum http_conn_phase http_conn_phase(const struct http_conn *c);
/* Whether the connection would use readable input or writable space now
 * (for a poll loop). */
bool http_conn_wants_read(const struct http_conn *c);
bool http_conn_wants_write(const struct http_conn *c);
/* Holds per-connection buffers right now (false while idle). */
bool http_conn_has_buffers(const struct http_conn *c);

/* ---- pieces, exposed for tests ---- */

/* "[21/Nov/2026:10:00:00 +0000]" without brackets, UTC. */
void http_clf_date(time_t t, char *buf, size_t size);
/* IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". */
void http_imf_date(time_t t, char *buf, size_t size);
/* One access-log line in Common Log Format, with '\n':
 *   host - - [date] "request" status bytes
 * request is escaped (", \ and control bytes); bytes 0 is written "-".
 * Returns the length written (truncated to size). */
size_t http_clf_line(char *buf, size_t size, hk_ip4_t peer, time_t t, const char *request, int status,
		     uint64_t bytes);
/* Content-Type for a file name, from its extension. */
const char *http_mime_type(const char *path);

#endif

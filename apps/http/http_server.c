/* hokuto HTTP server — the per-connection state machine (see
 * http_server.h). Requests are handled one at a time in arrival order,
 * which is what pipelining requires (RFC 9112 9.3.2): while a response is
 * being written, later requests wait in the read buffer. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_server.h"

#define RBUF_SIZE 8192
#define WBUF_SIZE 16384
/* Free write-buffer space needed before the next request is parsed: room
 * for its response head (and a 100 Continue). */
#define HEAD_ROOM 6144
#define EXTRA_MAX 4608
/* Loop turns per run before yielding to other connections. */
#define RUN_TURNS 64

struct http_resp {
	bool active;          /* head queued, body being queued */
	int status;
	bool keep_alive;
	bool no_body;         /* HEAD request (or a status without body) */
	const char *ctype;
	const char *mem;      /* body from memory */
	size_t mem_len, mem_off;
	int fd;               /* body from a file */
	uint64_t file_len, file_left;
	uint64_t body_sent;
	char extra[EXTRA_MAX]; /* extra header lines, each with CRLF */
	char errbody[96];
};

struct http_conn {
	struct http_server *srv;
	const struct http_io *io;
	void *io_ctx;
	hk_ip4_t peer;
	enum http_conn_phase phase;
	uint8_t *block;
	uint8_t *rbuf, *wbuf;
	size_t rlen, roff, wlen, woff;
	bool parser_init;
	bool peer_eof;
	unsigned requests;
	uint64_t activity;
	hk_time_t now;
	hk_time_t last_activity; /* accept, or the end of the last response */
	hk_time_t req_start;     /* first byte of the current request */
	hk_time_t last_read;
	hk_time_t last_write;
	hk_time_t linger_start;
	struct http_resp resp;
	struct http_parser parser;
};

void http_server_config_default(struct http_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->body = HTTP_DEFAULT_BODY;
	cfg->body_type = "text/plain";
	http_limits_default(&cfg->limits);
	cfg->limits.max_body = 1024 * 1024;
	cfg->header_timeout = HK_SEC(10);
	cfg->idle_timeout = HK_SEC(15);
	cfg->linger_timeout = HK_SEC(2);
}

static time_t default_wall_clock(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

int http_server_init(struct http_server *srv, const struct http_server_config *cfg)
{
	memset(srv, 0, sizeof(*srv));
	srv->cfg = *cfg;
	if (!srv->cfg.body)
		srv->cfg.body = HTTP_DEFAULT_BODY;
	if (!srv->cfg.body_len)
		srv->cfg.body_len = strlen(srv->cfg.body);
	if (!srv->cfg.body_type)
		srv->cfg.body_type = "text/plain";
	if (!srv->cfg.wall_clock)
		srv->cfg.wall_clock = default_wall_clock;
	if (srv->cfg.limits.max_headers > HTTP_MAX_HEADERS)
		srv->cfg.limits.max_headers = HTTP_MAX_HEADERS;
	if (srv->cfg.limits.max_head < 256 || srv->cfg.limits.max_head > 60000 || srv->cfg.limits.max_target == 0)
		return -EINVAL;
	if (cfg->dir) {
		struct stat st;
		if (!realpath(cfg->dir, srv->root))
			return -errno;
		if (stat(srv->root, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		srv->root_len = strlen(srv->root);
		if (srv->root_len == 1)
			srv->root_len = 0; /* "/": every path is under it */
	}
	srv->block_size = RBUF_SIZE + WBUF_SIZE + srv->cfg.limits.max_head + 64;
	srv->date_sec = (time_t)-1;
	return 0;
}

void http_server_fini(struct http_server *srv)
{
	for (size_t i = 0; i < srv->pool_n; i++)
		free(srv->pool[i]);
	srv->pool_n = 0;
}

static void refresh_dates(struct http_server *srv)
{
	time_t t = srv->cfg.wall_clock(srv->cfg.wall_ctx);
	if (t == srv->date_sec)
		return;
	srv->date_sec = t;
	http_imf_date(t, srv->date_http, sizeof(srv->date_http));
	http_clf_date(t, srv->date_clf, sizeof(srv->date_clf));
}

/* ---- buffers ---- */

static bool acquire(struct http_conn *c)
{
	if (c->block)
		return true;
	struct http_server *srv = c->srv;
	void *b = srv->pool_n ? srv->pool[--srv->pool_n] : malloc(srv->block_size);
	if (!b)
		return false;
	c->block = b;
	c->rbuf = c->block;
	c->wbuf = c->block + RBUF_SIZE;
	char *arena = (char *)c->block + RBUF_SIZE + WBUF_SIZE;
	size_t arena_size = srv->block_size - RBUF_SIZE - WBUF_SIZE;
	if (!c->parser_init) {
		http_parser_init(&c->parser, HTTP_PARSE_REQUEST, &srv->cfg.limits, arena, arena_size);
		c->parser_init = true;
	} else {
		c->parser.arena = arena; /* idle parser: nothing stored in it */
	}
	c->rlen = c->roff = c->wlen = c->woff = 0;
	return true;
}

static void release(struct http_conn *c)
{
	if (!c->block)
		return;
	struct http_server *srv = c->srv;
	if (srv->pool_n < HTTP_POOL_MAX)
		srv->pool[srv->pool_n++] = c->block;
	else
		free(c->block);
	c->block = c->rbuf = c->wbuf = NULL;
	c->rlen = c->roff = c->wlen = c->woff = 0;
}

static bool idle(const struct http_conn *c)
{
	return c->phase == HTTP_CONN_READING && !c->resp.active && c->roff == c->rlen && c->woff == c->wlen &&
	       (!c->parser_init || http_parser_idle(&c->parser));
}

/* ---- connection ---- */

struct http_conn *http_conn_new(struct http_server *srv, const struct http_io *io, void *io_ctx, hk_ip4_t peer,
				hk_time_t now)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->srv = srv;
	c->io = io;
	c->io_ctx = io_ctx;
	c->peer = peer;
	c->phase = HTTP_CONN_READING;
	c->now = now;
	c->last_activity = c->last_read = c->last_write = now;
	c->resp.fd = -1;
	srv->stats.conns_opened++;
	return c;
}

static void resp_clear(struct http_resp *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->active = false;
	r->status = 0;
	r->no_body = false;
	r->ctype = NULL;
	r->mem = NULL;
	r->mem_len = r->mem_off = 0;
	r->file_len = r->file_left = 0;
	r->body_sent = 0;
	r->extra[0] = '\0';
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	resp_clear(&c->resp);
	release(c);
	c->srv->stats.conns_closed++;
	free(c);
}

uint64_t http_conn_activity(const struct http_conn *c)
{
	return c->activity;
}

enum http_conn_phase http_conn_phase(const struct http_conn *c)
{
	return c->phase;
}

bool http_conn_wants_read(const struct http_conn *c)
{
	if (c->phase == HTTP_CONN_LINGER)
		return true;
	return c->phase == HTTP_CONN_READING && !c->peer_eof && (!c->block || c->rlen < RBUF_SIZE || c->roff > 0);
}

bool http_conn_wants_write(const struct http_conn *c)
{
	return c->wlen > c->woff;
}

bool http_conn_has_buffers(const struct http_conn *c)
{
	return c->block != NULL;
}

static void compact_wbuf(struct http_conn *c)
{
	if (c->woff == 0)
		return;
	memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
	c->wlen -= c->woff;
	c->woff = 0;
}

static bool wbuf_put(struct http_conn *c, const char *s, size_t n)
{
	compact_wbuf(c);
	if (n > WBUF_SIZE - c->wlen)
		return false;
	if (c->wlen == c->woff)
		c->last_write = c->now;
	memcpy(c->wbuf + c->wlen, s, n);
	c->wlen += n;
	return true;
}

/* ---- deciding the response ---- */

static void resp_error(struct http_conn *c, int status)
{
	struct http_resp *r = &c->resp;
	bool no_body = r->no_body;
	char extra[sizeof(r->extra)];
	/* keep an Allow header set by the caller */
	memcpy(extra, r->extra, sizeof(extra));
	resp_clear(r);
	memcpy(r->extra, extra, sizeof(extra));
	r->status = status;
	r->no_body = no_body;
	r->ctype = "text/plain";
	snprintf(r->errbody, sizeof(r->errbody), "%d %s\n", status, http_status_reason(status));
	r->mem = r->errbody;
	r->mem_len = strlen(r->errbody);
}

static void route_file(struct http_conn *c, const char *path, size_t plen)
{
	struct http_server *srv = c->srv;
	struct http_resp *r = &c->resp;
	char dec[PATH_MAX];
	long n = http_pct_decode_path(path, plen, dec, sizeof(dec));
	if (n == -ENAMETOOLONG) {
		resp_error(c, 414);
		return;
	}
	/* decode %xx first, then refuse ".." segments (so %2e%2e is caught) */
	if (n < 0 || http_path_check(dec) < 0) {
		resp_error(c, 400);
		return;
	}
	char full[PATH_MAX + 16];
	bool dir_req = dec[n - 1] == '/';
	if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)srv->root_len, srv->root, dec,
			     dir_req ? "index.html" : "") >= sizeof(full)) {
		resp_error(c, 414);
		return;
	}
	char real[PATH_MAX];
	if (!realpath(full, real)) {
		resp_error(c, errno == EACCES ? 403 : 404);
		return;
	}
	/* no symlink may lead outside the root */
	if (srv->root_len && (strncmp(real, srv->root, srv->root_len) != 0 ||
			      (real[srv->root_len] != '/' && real[srv->root_len] != '\0'))) {
		resp_error(c, 404);
		return;
	}
	struct stat st;
	if (stat(real, &st) < 0) {
		resp_error(c, 404);
		return;
	}
	if (S_ISDIR(st.st_mode) && !dir_req) {
		/* "/sub" names a directory: send the client to "/sub/" so its
		 * relative links resolve (the target is already encoded) */
		const char *q = memchr(path, '?', plen);
		size_t before = q ? (size_t)(q - path) : plen;
		snprintf(r->extra, sizeof(r->extra), "Location: %.*s/%.*s\r\n", (int)before, path,
			 (int)(plen - before), path + before);
		resp_error(c, 301);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		resp_error(c, 404);
		return;
	}
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		resp_error(c, errno == EACCES ? 403 : 404);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		resp_error(c, 404);
		return;
	}
	r->status = 200;
	r->fd = fd;
	r->file_len = (uint64_t)st.st_size;
	r->ctype = http_mime_type(full);
}

/* RFC 9112 3.2: origin-form "/path?q", or absolute-form
 * "http://authority/path?q" (which a server MUST accept, 3.2.2).
 * Returns the path part's start, or NULL for other forms. */
static const char *origin_path(const char *target, size_t len, size_t *plen)
{
	if (target[0] == '/') {
		*plen = len;
		return target;
	}
	size_t skip = 0;
	if (len >= 7 && http_memeq_ci(target, 7, "http://"))
		skip = 7;
	else if (len >= 8 && http_memeq_ci(target, 8, "https://"))
		skip = 8;
	if (!skip)
		return NULL;
	const char *p = memchr(target + skip, '/', len - skip);
	if (!p) {
		*plen = 1;
		return "/";
	}
	*plen = len - (size_t)(p - target);
	return p;
}

/* Chooses the response when a request head arrives. */
static void route(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	const struct http_msg *m = &c->parser.msg;
	struct http_resp *r = &c->resp;
	resp_clear(r);
	r->keep_alive = m->keep_alive;
	bool is_get = strcmp(m->method, "GET") == 0;
	bool is_head = strcmp(m->method, "HEAD") == 0;
	bool is_post = strcmp(m->method, "POST") == 0;
	r->no_body = is_head;
	if (m->expect_unknown) {
		resp_error(c, 417); /* RFC 9110 10.1.1 */
		return;
	}
	if (!(is_get || is_head || (is_post && !srv->cfg.dir))) {
		/* RFC 9110 15.5.6: 405 carries Allow */
		snprintf(r->extra, sizeof(r->extra), "Allow: %s\r\n", srv->cfg.dir ? "GET, HEAD" : "GET, HEAD, POST");
		resp_error(c, 405);
		return;
	}
	size_t plen;
	const char *path = origin_path(m->target, m->target_len, &plen);
	if (!path) {
		resp_error(c, 400);
		return;
	}
	if (srv->cfg.dir) {
		route_file(c, path, plen);
		return;
	}
	r->status = 200;
	r->ctype = srv->cfg.body_type;
	r->mem = srv->cfg.body;
	r->mem_len = srv->cfg.body_len;
}

/* ---- producing the response ---- */

static void start_response(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	struct http_resp *r = &c->resp;
	const struct http_msg *m = &c->parser.msg;
	if (srv->cfg.max_requests && c->requests + 1 >= srv->cfg.max_requests)
		r->keep_alive = false;
	if (r->status >= 400 && r->status != 404 && r->status != 405 && r->status != 403)
		r->keep_alive = false; /* errors in framing or timing: close */
	uint64_t clen = r->fd >= 0 ? r->file_len : r->mem_len;
	const char *conn_hdr = "";
	if (!r->keep_alive)
		conn_hdr = "Connection: close\r\n";
	else if (m->method && m->version_minor == 0)
		conn_hdr = "Connection: keep-alive\r\n";
	refresh_dates(srv);
	char head[EXTRA_MAX + 512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: " HTTP_SERVER_NAME "\r\nDate: %s\r\n"
			 "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n%s%s\r\n",
			 r->status, http_status_reason(r->status), srv->date_http, r->ctype ? r->ctype : "text/plain",
			 clen, r->extra, conn_hdr);
	if (n < 0 || (size_t)n >= sizeof(head) || !wbuf_put(c, head, (size_t)n)) {
		c->phase = HTTP_CONN_DONE; /* cannot happen with HEAD_ROOM free */
		return;
	}
	r->active = true;
	if (r->no_body) {
		r->mem_len = r->mem_off = 0;
		if (r->fd >= 0)
			close(r->fd);
		r->fd = -1;
		r->file_left = 0;
	} else {
		r->file_left = r->fd >= 0 ? r->file_len : 0;
	}
}

static void log_request(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	const struct http_msg *m = &c->parser.msg;
	if (!srv->cfg.access_log)
		return;
	char req[4200];
	if (m->method && m->target)
		snprintf(req, sizeof(req), "%s %.*s HTTP/%u.%u", m->method, (int)m->target_len, m->target,
			 m->version_major, m->version_minor);
	else
		strcpy(req, "-");
	char line[1200];
	refresh_dates(srv);
	size_t n = http_clf_line(line, sizeof(line), c->peer, srv->date_sec, req, c->resp.status, c->resp.body_sent);
	fwrite(line, 1, n, srv->cfg.access_log);
}

static void finish_response(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	struct http_resp *r = &c->resp;
	log_request(c);
	srv->stats.requests++;
	srv->stats.body_bytes_out += r->body_sent;
	if (r->status >= 500)
		srv->stats.status_5xx++;
	else if (r->status >= 400)
		srv->stats.status_4xx++;
	else if (r->status >= 300)
		srv->stats.status_3xx++;
	else
		srv->stats.status_2xx++;
	c->requests++;
	c->last_activity = c->now;
	bool keep = r->keep_alive && c->phase == HTTP_CONN_READING;
	resp_clear(r);
	if (keep)
		http_parser_reset(&c->parser);
	else if (c->phase == HTTP_CONN_READING)
		c->phase = HTTP_CONN_CLOSING;
}

/* An answer that ends the connection (parser error, timeout, 417 ...). */
static void respond_and_close(struct http_conn *c, int status)
{
	resp_error(c, status);
	c->resp.keep_alive = false;
	start_response(c);
}

/* Moves body bytes into the write buffer; finishes the response when all
 * are queued. */
static bool fill_body(struct http_conn *c)
{
	struct http_resp *r = &c->resp;
	if (!r->active)
		return false;
	bool progress = false;
	compact_wbuf(c);
	size_t room = WBUF_SIZE - c->wlen;
	if (r->mem_off < r->mem_len && room) {
		size_t n = r->mem_len - r->mem_off;
		if (n > room)
			n = room;
		if (c->wlen == c->woff)
			c->last_write = c->now;
		memcpy(c->wbuf + c->wlen, r->mem + r->mem_off, n);
		c->wlen += n;
		r->mem_off += n;
		r->body_sent += n;
		progress = true;
	} else if (r->file_left && room) {
		size_t want = room;
		if (want > r->file_left)
			want = (size_t)r->file_left;
		ssize_t n = read(r->fd, c->wbuf + c->wlen, want);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return false;
		if (n <= 0) {
			/* the file shrank or failed under us: the promised
			 * Content-Length cannot be kept, so abort */
			c->srv->stats.io_errors++;
			c->phase = HTTP_CONN_DONE;
			return true;
		}
		if (c->wlen == c->woff)
			c->last_write = c->now;
		c->wlen += (size_t)n;
		r->file_left -= (uint64_t)n;
		r->body_sent += (uint64_t)n;
		progress = true;
	}
	if (r->mem_off == r->mem_len && r->file_left == 0) {
		finish_response(c);
		progress = true;
	}
	return progress;
}

static void on_head(struct http_conn *c)
{
	const struct http_msg *m = &c->parser.msg;
	route(c);
	struct http_resp *r = &c->resp;
	bool has_body = m->framing != HTTP_BODY_NONE;
	if (r->status == 417) {
		respond_and_close(c, 417);
		return;
	}
	if (m->expect_continue && has_body) {
		/* RFC 9110 10.1.1: either 100 Continue, or the final status
		 * now (then the body is never read, so close). */
		if (r->status >= 300) {
			int st = r->status;
			r->keep_alive = false;
			resp_error(c, st);
			start_response(c);
			return;
		}
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		wbuf_put(c, cont, sizeof(cont) - 1);
	}
}

static bool process_input(struct http_conn *c)
{
	bool progress = false;
	while (c->phase == HTTP_CONN_READING && !c->resp.active) {
		bool was_idle = http_parser_idle(&c->parser);
		if (was_idle && c->wlen - c->woff > WBUF_SIZE - HEAD_ROOM)
			break; /* let the pending output drain first */
		struct http_event ev;
		size_t n = http_parser_feed(&c->parser, c->rbuf + c->roff, c->rlen - c->roff, &ev);
		c->roff += n;
		if (n)
			progress = true;
		if (was_idle && !http_parser_idle(&c->parser))
			c->req_start = c->now;
		if (ev.type == HTTP_EV_NEED_MORE)
			break;
		progress = true;
		switch (ev.type) {
		case HTTP_EV_HEAD:
			on_head(c);
			break;
		case HTTP_EV_BODY:
			c->srv->stats.body_bytes_in += ev.len;
			break;
		case HTTP_EV_DONE:
			start_response(c);
			break;
		case HTTP_EV_ERROR:
			c->srv->stats.bad_requests++;
			respond_and_close(c, http_error_status(c->parser.err));
			break;
		case HTTP_EV_NEED_MORE:
			break;
		}
	}
	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
	if (c->peer_eof && c->roff == c->rlen && c->phase == HTTP_CONN_READING && !c->resp.active) {
		/* the peer is gone: a message cut short cannot be answered */
		c->phase = HTTP_CONN_CLOSING;
		progress = true;
	}
	return progress;
}

static void abort_conn(struct http_conn *c)
{
	c->srv->stats.io_errors++;
	c->phase = HTTP_CONN_DONE;
}

static bool read_input(struct http_conn *c)
{
	if (c->phase == HTTP_CONN_LINGER) {
		/* RFC 9112 9.6: read and discard so that our last response is
		 * not destroyed by a reset */
		long n = c->io->recv(c->io_ctx, c->rbuf, RBUF_SIZE);
		if (n > 0)
			return true;
		if (n == -EAGAIN)
			return false;
		c->phase = HTTP_CONN_DONE;
		return true;
	}
	if (c->phase != HTTP_CONN_READING || c->peer_eof)
		return false;
	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen == RBUF_SIZE)
		return false;
	long n = c->io->recv(c->io_ctx, c->rbuf + c->rlen, RBUF_SIZE - c->rlen);
	if (n > 0) {
		c->rlen += (size_t)n;
		c->last_read = c->now;
		return true;
	}
	if (n == 0) {
		c->peer_eof = true;
		return true;
	}
	if (n == -EAGAIN)
		return false;
	abort_conn(c);
	return true;
}

static bool flush(struct http_conn *c)
{
	bool progress = false;
	while (c->woff < c->wlen) {
		long n = c->io->send(c->io_ctx, c->wbuf + c->woff, c->wlen - c->woff);
		if (n > 0) {
			c->woff += (size_t)n;
			c->last_write = c->now;
			progress = true;
			continue;
		}
		if (n == -EAGAIN || n == 0)
			break;
		abort_conn(c);
		return true;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	return progress;
}

static hk_time_t deadline(const struct http_conn *c)
{
	const struct http_server_config *cfg = &c->srv->cfg;
	switch (c->phase) {
	case HTTP_CONN_DONE:
		return HK_TIME_NEVER;
	case HTTP_CONN_LINGER:
		return c->linger_start + cfg->linger_timeout;
	default:
		break;
	}
	if (c->wlen > c->woff)
		return c->last_write + cfg->idle_timeout; /* peer not reading */
	if (c->resp.active || c->phase != HTTP_CONN_READING)
		return c->now; /* more to do right away */
	if (http_parser_idle(&c->parser) && c->roff == c->rlen)
		return c->last_activity + (c->requests ? cfg->idle_timeout : cfg->header_timeout);
	if (c->parser.state < HTTP_PS_BODY)
		return c->req_start + cfg->header_timeout;
	return c->last_read + cfg->idle_timeout;
}

/* Acts on an expired deadline; false when there was nothing to do. */
static bool on_timeout(struct http_conn *c)
{
	struct http_server_stats *st = &c->srv->stats;
	if (c->phase == HTTP_CONN_LINGER) {
		st->linger_timeouts++;
		c->phase = HTTP_CONN_DONE;
	} else if (c->wlen > c->woff) {
		st->send_stalls++;
		c->phase = HTTP_CONN_DONE;
	} else if (c->phase != HTTP_CONN_READING || c->resp.active) {
		return false;
	} else if (http_parser_idle(&c->parser) && c->roff == c->rlen) {
		st->idle_closes++; /* nothing of a request yet: close quietly */
		c->phase = HTTP_CONN_CLOSING;
	} else if (c->parser.state < HTTP_PS_BODY) {
		st->header_timeouts++; /* slowloris */
		respond_and_close(c, 408);
	} else {
		st->body_timeouts++;
		respond_and_close(c, 408);
	}
	return true;
}

hk_time_t http_conn_run(struct http_conn *c, hk_time_t now)
{
	c->now = now;
	int turns;
	for (turns = 0; turns < RUN_TURNS && c->phase != HTTP_CONN_DONE; turns++) {
		if (!acquire(c)) {
			abort_conn(c); /* out of memory: drop this connection */
			break;
		}
		/* Build every response that can be built now (pipelined
		 * requests included) before writing: one send per batch, so a
		 * head and its body leave in one segment rather than two that
		 * Nagle and delayed ACKs would hold apart. */
		bool progress = false, more;
		do {
			more = fill_body(c);
			if (c->phase == HTTP_CONN_DONE)
				break;
			more |= process_input(c);
			progress |= more;
		} while (more && c->phase != HTTP_CONN_DONE);
		if (c->phase == HTTP_CONN_DONE)
			break;
		progress |= flush(c);
		if (c->phase == HTTP_CONN_DONE)
			break;
		if (c->phase == HTTP_CONN_CLOSING && c->wlen == c->woff && !c->resp.active) {
			/* last response written: half-close, then linger */
			c->io->shutdown(c->io_ctx);
			c->phase = c->peer_eof ? HTTP_CONN_DONE : HTTP_CONN_LINGER;
			c->linger_start = now;
			progress = true;
		}
		progress |= read_input(c);
		if (progress)
			c->activity++;
		if (!progress) {
			if (now >= deadline(c) && on_timeout(c)) {
				c->activity++;
				continue;
			}
			break;
		}
	}
	if (idle(c))
		release(c);
	if (c->phase == HTTP_CONN_DONE)
		return HK_TIME_NEVER;
	if (turns == RUN_TURNS)
		return now; /* more to do: come back soon */
	return deadline(c);
}

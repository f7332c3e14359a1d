/* hokuto http-server — an HTTP/1.1 server on hokuto's own TCP.
 *
 * The protocol lives in apps/http/http_server.c (struct http_conn, tested
 * without a network); this file only glues it to hokuto sockets: accept,
 * readiness, the deadlines each connection asks for, and the access log on
 * stdout. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hokuto/socket.h"
#include "dth_opts.h"
#include "http/http_server.h"

int hk_cmd_http_server(struct hk_cli *cli, int argc, char **argv);

struct srv_conn {
	struct hk_stack *s;
	int fd;
	struct http_conn *hc;
	hk_time_t deadline;
};

static long sock_recv(void *ctx, void *buf, size_t len)
{
	struct srv_conn *sc = ctx;
	return (long)hk_recv(sc->s, sc->fd, buf, len, 0);
}

static long sock_send(void *ctx, const void *buf, size_t len)
{
	struct srv_conn *sc = ctx;
	return (long)hk_send(sc->s, sc->fd, buf, len, 0);
}

static void sock_shutdown(void *ctx)
{
	struct srv_conn *sc = ctx;
	hk_shutdown(sc->s, sc->fd, HK_SHUT_WR);
}

static const struct http_io sock_io = {sock_recv, sock_send, sock_shutdown};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] http-server [--port N] [--body TEXT | --dir DIR] [options]\n"
		"\n"
		"HTTP/1.1 server on hokuto's TCP: GET, HEAD and POST, keep-alive and\n"
		"pipelining, chunked request bodies. Answers every path with the body\n"
		"(default \"Hello World!\\n\"), or serves the files under DIR. Writes one\n"
		"access-log line per request (Common Log Format) to stdout.\n"
		"\n"
		"  -p, --port N            TCP port (default 80)\n"
		"  -b, --body TEXT         the body to answer with\n"
		"  -d, --dir DIR           serve files from DIR (no listing, no escape)\n"
		"      --max-conns N       concurrent connections (default 2048)\n"
		"      --header-timeout S  a request head must arrive within S s (408; default 10)\n"
		"      --idle-timeout S    close idle keep-alive connections after S s (default 15)\n"
		"      --max-body BYTES    largest request body (413; default 1048576)\n"
		"      --max-head BYTES    largest request head (431; default 8192)\n"
		"      --max-target BYTES  longest request-target (414; default 4096)\n"
		"      --sndbuf BYTES      TCP send buffer per connection (default 65536)\n"
		"      --rcvbuf BYTES      TCP receive buffer per connection (default 32768)\n"
		"  -q, --quiet             no access log\n"
		HK_DTH_CLI_USAGE
		"  -h, --help              this help\n"
		"\n"
		"Example: sudo %s http-server --port 80   # then: curl http://192.0.2.2/\n",
		prog, prog);
}

static bool parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

struct server {
	struct hk_cli *cli;
	struct http_server http;
	int lfd;
	struct srv_conn **conns;
	size_t n, max;
	struct hk_pollfd *pfds;
};

static void conn_close(struct server *sv, size_t i)
{
	struct srv_conn *sc = sv->conns[i];
	http_conn_free(sc->hc);
	hk_close(sc->s, sc->fd);
	free(sc);
	sv->conns[i] = sv->conns[--sv->n];
}

/* Returns whether a connection was accepted. */
static bool accept_all(struct server *sv, hk_time_t now)
{
	struct hk_stack *s = sv->cli->stack;
	bool any = false;
	while (sv->n < sv->max) {
		struct hk_sockaddr peer;
		int fd = hk_accept(s, sv->lfd, &peer);
		if (fd < 0) {
			if (fd != -EAGAIN)
				fprintf(stderr, "%s http-server: accept: %s\n", sv->cli->prog, strerror(-fd));
			return any;
		}
		any = true;
		struct srv_conn *sc = calloc(1, sizeof(*sc));
		if (sc) {
			sc->s = s;
			sc->fd = fd;
			sc->hc = http_conn_new(&sv->http, &sock_io, sc, peer.addr, now);
		}
		if (!sc || !sc->hc) {
			free(sc);
			hk_abort(s, fd);
			continue;
		}
		/* responses leave whole (one send per batch): no need to
		 * hold the last small segment back (Nagle) */
		int one = 1;
		hk_setsockopt(s, fd, HK_TCP_NODELAY, &one, sizeof(one));
		sc->deadline = now; /* run it this turn */
		sv->conns[sv->n++] = sc;
	}
	return any;
}

/* One turn over the connections: runs those that are ready or due.
 * Sets *next to the earliest deadline; returns whether anything moved. */
static bool serve_turn(struct server *sv, hk_time_t now, hk_time_t *next_out)
{
	bool work = false;
	struct hk_stack *s = sv->cli->stack;
	for (size_t i = 0; i < sv->n; i++) {
		struct http_conn *hc = sv->conns[i]->hc;
		short ev = 0;
		if (http_conn_wants_read(hc))
			ev |= HK_POLLIN;
		if (http_conn_wants_write(hc))
			ev |= HK_POLLOUT;
		sv->pfds[i] = (struct hk_pollfd){.fd = sv->conns[i]->fd, .events = ev};
	}
	if (sv->n)
		hk_poll(s, sv->pfds, (int)sv->n);
	hk_time_t next = HK_TIME_NEVER;
	/* walk backwards: conn_close moves the last entry into slot i */
	for (size_t i = sv->n; i-- > 0;) {
		struct srv_conn *sc = sv->conns[i];
		hk_dth_cli_report(s, sc->fd); /* RFC 9401: "DTH from ADDR:PORT ..." */
		if (sv->pfds[i].revents || sc->deadline <= now) {
			uint64_t before = http_conn_activity(sc->hc);
			sc->deadline = http_conn_run(sc->hc, now);
			if (http_conn_phase(sc->hc) == HTTP_CONN_DONE) {
				conn_close(sv, i);
				work = true;
				continue;
			}
			if (http_conn_activity(sc->hc) != before)
				work = true;
		}
		if (sc->deadline < next)
			next = sc->deadline;
	}
	*next_out = next;
	return work;
}

/* Waits for device input or `until`, capped at a second so that a signal
 * landing just before the wait is noticed soon. Unlike hk_cli_step it
 * does not poll the stack first: the loop has just polled it and looked
 * at every socket, so anything new must wake this wait rather than be
 * processed and then slept on. */
static void wait_input(struct hk_cli *cli, hk_time_t until)
{
	hk_time_t cap = hk_clock_now() + HK_SEC(1);
	if (!hk_cli_stop)
		hk_stack_wait(cli->stack, until < cap ? until : cap);
}

int hk_cmd_http_server(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"port", required_argument, NULL, 'p'},
		{"body", required_argument, NULL, 'b'},
		{"dir", required_argument, NULL, 'd'},
		{"max-conns", required_argument, NULL, 'M'},
		{"header-timeout", required_argument, NULL, 'H'},
		{"idle-timeout", required_argument, NULL, 'I'},
		{"max-body", required_argument, NULL, 'B'},
		{"max-head", required_argument, NULL, 'E'},
		{"max-target", required_argument, NULL, 'T'},
		{"sndbuf", required_argument, NULL, 'S'},
		{"rcvbuf", required_argument, NULL, 'R'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct http_server_config cfg;
	http_server_config_default(&cfg);
	cfg.access_log = stdout;
	unsigned long long port = 80, max_conns = 2048, v;
	unsigned long long sndbuf = 64 * 1024, rcvbuf = 32 * 1024;
	struct server sv = {.cli = cli, .lfd = -1};
	struct hk_dth_cli dthc;
	argc = hk_dth_cli_parse(argc, argv, &dthc, cli->prog); /* --dth, --dth-auto, ... */
	if (argc < 0)
		return 2;
	int c;
	while ((c = getopt_long(argc, argv, "p:b:d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_num(optarg, 65535, &port) || port == 0) {
				fprintf(stderr, "%s http-server: --port must be 1..65535\n", cli->prog);
				return 2;
			}
			break;
		case 'b':
			cfg.body = optarg;
			cfg.body_len = strlen(optarg);
			break;
		case 'd':
			cfg.dir = optarg;
			break;
		case 'M':
			if (!parse_num(optarg, 1000000, &max_conns) || max_conns == 0) {
				fprintf(stderr, "%s http-server: --max-conns must be 1..1000000\n", cli->prog);
				return 2;
			}
			break;
		case 'H':
		case 'I':
			if (!parse_num(optarg, 86400, &v) || v == 0) {
				fprintf(stderr, "%s http-server: timeouts are 1..86400 seconds\n", cli->prog);
				return 2;
			}
			if (c == 'H')
				cfg.header_timeout = HK_SEC(v);
			else
				cfg.idle_timeout = HK_SEC(v);
			break;
		case 'B':
			if (!parse_num(optarg, UINT64_MAX, &v)) {
				fprintf(stderr, "%s http-server: bad --max-body '%s'\n", cli->prog, optarg);
				return 2;
			}
			cfg.limits.max_body = v;
			break;
		case 'E':
			if (!parse_num(optarg, 60000, &v) || v < 256) {
				fprintf(stderr, "%s http-server: --max-head must be 256..60000\n", cli->prog);
				return 2;
			}
			cfg.limits.max_head = (size_t)v;
			break;
		case 'T':
			if (!parse_num(optarg, 60000, &v) || v == 0) {
				fprintf(stderr, "%s http-server: --max-target must be 1..60000\n", cli->prog);
				return 2;
			}
			cfg.limits.max_target = (size_t)v;
			break;
		case 'S':
		case 'R':
			if (!parse_num(optarg, 16 * 1024 * 1024, &v) || v < 1024) {
				fprintf(stderr, "%s http-server: socket buffers are 1024..16777216 bytes\n", cli->prog);
				return 2;
			}
			*(c == 'S' ? &sndbuf : &rcvbuf) = v;
			break;
		case 'q':
			cfg.access_log = NULL;
			break;
		case 'h':
			usage(stdout, cli->prog);
			return 0;
		default:
			usage(stderr, cli->prog);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s http-server: unexpected argument '%s'\n", cli->prog, argv[optind]);
		return 2;
	}
	int rc = http_server_init(&sv.http, &cfg);
	if (rc < 0) {
		if (cfg.dir)
			fprintf(stderr, "%s http-server: --dir %s: %s\n", cli->prog, cfg.dir, strerror(-rc));
		else
			fprintf(stderr, "%s http-server: invalid limits\n", cli->prog);
		return 2;
	}
	sv.max = (size_t)max_conns;
	sv.conns = calloc(sv.max, sizeof(*sv.conns));
	sv.pfds = calloc(sv.max, sizeof(*sv.pfds));
	if (!sv.conns || !sv.pfds) {
		fprintf(stderr, "%s http-server: out of memory\n", cli->prog);
		rc = 1;
		goto out_free;
	}
	rc = hk_cli_open_stack(cli);
	if (rc)
		goto out_free;
	struct hk_stack *s = cli->stack;
	sv.lfd = hk_socket(s, HK_SOCK_STREAM);
	if (sv.lfd < 0) {
		fprintf(stderr, "%s http-server: socket: %s\n", cli->prog, strerror(-sv.lfd));
		rc = 1;
		goto out_stack;
	}
	/* accepted connections inherit the listener's buffer sizes: small
	 * ones let a thousand connections fit in the stack's TCP memory */
	int sz = (int)sndbuf;
	int e = hk_setsockopt(s, sv.lfd, HK_SO_SNDBUF, &sz, sizeof(sz));
	sz = (int)rcvbuf;
	if (e == 0)
		e = hk_setsockopt(s, sv.lfd, HK_SO_RCVBUF, &sz, sizeof(sz));
	if (e < 0) {
		fprintf(stderr, "%s http-server: socket buffers: %s\n", cli->prog, strerror(-e));
		rc = 1;
		goto out_stack;
	}
	e = hk_bind(s, sv.lfd, &(struct hk_sockaddr){0, (uint16_t)port});
	if (e == 0)
		e = hk_listen(s, sv.lfd, 1024);
	if (e < 0) {
		fprintf(stderr, "%s http-server: port %llu: %s\n", cli->prog, port, strerror(-e));
		rc = 1;
		goto out_stack;
	}
	hk_dth_cli_apply(s, sv.lfd, &dthc); /* RFC 9401; accepted sockets inherit it */
	char ip[16];
	fprintf(stderr, "%s http-server: listening on %s:%llu (%s); Ctrl-C to stop\n", cli->prog,
		hk_ip4_str(hk_stack_addr(s), ip), port, cfg.dir ? sv.http.root : "fixed body");

	while (!hk_cli_stop) {
		hk_time_t now = hk_clock_now();
		hk_time_t next = hk_stack_poll(s, now), conn_next;
		bool work = accept_all(&sv, now);
		work |= serve_turn(&sv, now, &conn_next);
		if (cfg.access_log)
			fflush(cfg.access_log);
		/* something moved: poll again (to flush, and for what the
		 * peers sent meanwhile) before sleeping */
		if (!work)
			wait_input(cli, conn_next < next ? conn_next : next);
	}

	/* stop: close every connection gracefully, give the FINs a moment */
	while (sv.n)
		conn_close(&sv, sv.n - 1);
	hk_close(s, sv.lfd);
	sv.lfd = -1;
	hk_cli_stop = 0;
	hk_cli_run(cli, NULL, NULL, hk_clock_now() + HK_MSEC(200));
	if (cli->stats)
		http_server_stats_print(&sv.http.stats, stderr);
	rc = 0;
out_stack:
	if (sv.lfd >= 0)
		hk_close(s, sv.lfd);
	hk_cli_close_stack(cli);
out_free:
	free(sv.conns);
	free(sv.pfds);
	http_server_fini(&sv.http);
	return rc;
}

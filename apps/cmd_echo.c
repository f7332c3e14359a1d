/* hokuto echo-server — the echo service (RFC 862) over hokuto's TCP:
 * every connection gets back what it sends, many connections at once,
 * until SIGINT/SIGTERM. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hokuto/socket.h"

int hk_cmd_echo(struct hk_cli *cli, int argc, char **argv);

#define ECHO_BUF 16384
#define ECHO_MAX_CONNS 1024

struct echo_conn {
	int fd;
	uint8_t buf[ECHO_BUF]; /* received, not yet sent back */
	size_t len, off;
	bool eof;
};

static void echo_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] echo-server [--port PORT]\n"
		"\n"
		"Echoes every byte each TCP connection sends (RFC 862), many connections\n"
		"at once, until SIGINT or SIGTERM.\n"
		"\n"
		"  -p, --port PORT   port to listen on (default 7)\n"
		"  -h, --help        this help\n"
		"\n"
		"Example: sudo %s echo-server --port 7   # then: nc 192.0.2.2 7\n",
		prog, prog);
}

/* Moves data for one connection; false when it is finished. */
static bool serve_one(struct hk_stack *s, struct echo_conn *e, bool verbose, const char *prog)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		if (e->off < e->len) {
			ssize_t w = hk_send(s, e->fd, e->buf + e->off, e->len - e->off, 0);
			if (w == -EAGAIN)
				return true;
			if (w < 0)
				goto gone;
			e->off += (size_t)w;
			if (e->off < e->len)
				return true;
			e->off = e->len = 0;
		}
		if (e->eof)
			break;
		ssize_t r = hk_recv(s, e->fd, e->buf, sizeof(e->buf), 0);
		if (r == -EAGAIN)
			return true;
		if (r < 0)
			goto gone;
		if (r == 0) {
			e->eof = true;
			break;
		}
		e->len = (size_t)r;
	}
	if (!e->eof)
		return true;
	hk_close(s, e->fd); /* FIN after the echoed data */
	return false;
gone:
	if (verbose)
		fprintf(stderr, "%s echo-server: connection %d ended abnormally\n", prog, e->fd);
	hk_close(s, e->fd);
	return false;
}

int hk_cmd_echo(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long port = 7;
	int c;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno || port == 0 || port > 65535) {
				fprintf(stderr, "%s echo-server: --port %s: not a port number (1..65535)\n", cli->prog,
					optarg);
				return 2;
			}
			break;
		}
		case 'h':
			echo_usage(stdout, cli->prog);
			return 0;
		default:
			echo_usage(stderr, cli->prog);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s echo-server: unexpected argument '%s'\n", cli->prog, argv[optind]);
		return 2;
	}
	int rc = hk_cli_open_stack(cli);
	if (rc)
		return rc;
	struct hk_stack *s = cli->stack;
	int lfd = hk_socket(s, HK_SOCK_STREAM);
	if (lfd < 0)
		return 2;
	if (cli->cc && hk_setsockopt(s, lfd, HK_TCP_CONGESTION, cli->cc, strlen(cli->cc) + 1) < 0) {
		fprintf(stderr, "%s: --cc %s: unknown congestion control (newreno, cubic)\n", cli->prog, cli->cc);
		return 2;
	}
	int r = hk_bind(s, lfd, &(struct hk_sockaddr){ 0, (uint16_t)port });
	if (r == 0)
		r = hk_listen(s, lfd, 128);
	if (r < 0) {
		fprintf(stderr, "%s echo-server: port %lu: %s\n", cli->prog, port, strerror(-r));
		return 2;
	}
	char ip[16];
	printf("hokuto: echo server on %s:%lu; Ctrl-C to stop\n", hk_ip4_str(hk_stack_addr(s), ip), port);
	fflush(stdout);

	struct echo_conn **conns = calloc(ECHO_MAX_CONNS, sizeof(*conns));
	if (!conns)
		return 2;
	int n = 0;
	uint64_t served = 0;
	while (!hk_cli_stop) {
		for (;;) {
			int fd = hk_accept(s, lfd, NULL);
			if (fd < 0)
				break;
			struct echo_conn *e = n < ECHO_MAX_CONNS ? calloc(1, sizeof(*e)) : NULL;
			if (!e) {
				hk_abort(s, fd); /* full: refuse it clearly */
				continue;
			}
			e->fd = fd;
			conns[n++] = e;
			served++;
		}
		for (int i = 0; i < n;) {
			if (serve_one(s, conns[i], cli->verbose > 0, cli->prog)) {
				i++;
				continue;
			}
			free(conns[i]);
			conns[i] = conns[--n];
		}
		hk_cli_step(cli, HK_TIME_NEVER);
	}
	for (int i = 0; i < n; i++) {
		hk_close(s, conns[i]->fd);
		free(conns[i]);
	}
	free(conns);
	hk_close(s, lfd);
	printf("hokuto: stopped after %llu connection%s\n", (unsigned long long)served, served == 1 ? "" : "s");
	return 0;
}

/* hokuto nc — netcat over hokuto's own TCP: copy stdin to the connection
 * and the connection to stdout. At stdin EOF the sending half is closed
 * (FIN) and nc keeps reading until the peer closes. When the peer closes
 * first, what stdin still delivers is sent (half-close); stdin that stays
 * silent for NC_QUIET after that ends too. Exit 0 on a clean
 * close; 1 with a message on refusal, reset or timeout; 2 on usage errors. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http/http_parse.h" /* http_resolve_host: address or /etc/hosts name */
#include "dth_opts.h"
#include "hokuto/socket.h"

int hk_cmd_nc(struct hk_cli *cli, int argc, char **argv);

#define NC_BUF 65536
#define NC_WRITE_MAX 4096   /* PIPE_BUF: a write after POLLOUT never blocks */
#define NC_LINGER HK_SEC(3) /* after Ctrl-C: how long to wait for our FIN */
#define NC_QUIET HK_SEC(1) /* after the peer's FIN: silent stdin ends too */
#define NC_DRAIN HK_SEC(300) /* at most this long for queued data to be acknowledged */

struct nc {
	struct hk_cli *cli;
	int fd;
	uint8_t in[NC_BUF];     /* stdin -> connection */
	size_t in_len, in_off;
	bool in_eof, shut;
	uint8_t out[NC_BUF];    /* connection -> stdout */
	size_t out_len, out_off;
	bool net_eof, stdout_gone;
	hk_time_t in_active;     /* since when we wait on stdin, or the peer's FIN if later */
	struct hk_dth_cli dth;  /* RFC 9401 options */
};

static void nc_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] nc [-w SECONDS] HOST PORT\n"
		"       %s [OPTIONS] nc -l PORT\n"
		"\n"
		"Connects to HOST:PORT (or, with -l, waits for one connection on PORT)\n"
		"over hokuto's TCP and copies stdin to it and it to stdout. At the end of\n"
		"stdin the sending side is closed (FIN) and nc reads on until the peer closes.\n"
		"When the peer closes first, nc still sends what stdin delivers (half-close)\n"
		"and ends once stdin reaches its end or stays silent for a second.\n"
		"HOST is an IPv4 address or a name from /etc/hosts.\n"
		"\n"
		"  -l           listen for one connection instead of connecting\n"
		"  -w SECONDS   give up connecting after SECONDS (default: TCP's own limit)\n"
		HK_DTH_CLI_USAGE
		"  -h, --help   this help\n"
		"\n"
		"Exit status: 0 on a clean close, 1 when the connection was refused, reset\n"
		"or timed out, 2 on a usage or setup error.\n"
		"Example: echo hello | sudo %s nc 192.0.2.1 7\n",
		prog, prog, prog);
}

static int parse_port(const char *text, uint16_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (!isdigit((unsigned char)text[0]) || *end || errno || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static const char *err_text(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset by peer";
	case ETIMEDOUT:
		return "connection timed out";
	case ENETUNREACH:
	case EHOSTUNREACH:
		return "no route to host";
	default:
		return strerror(err);
	}
}

static int fail(struct nc *n, int err)
{
	fprintf(stderr, "%s nc: %s\n", n->cli->prog, err_text(err));
	return 1;
}

static int apply_cc(struct hk_cli *cli, int fd)
{
	if (!cli->cc)
		return 0;
	int rc = hk_setsockopt(cli->stack, fd, HK_TCP_CONGESTION, cli->cc, strlen(cli->cc) + 1);
	if (rc < 0)
		fprintf(stderr, "%s: --cc %s: unknown congestion control (newreno, cubic)\n", cli->prog, cli->cc);
	return rc;
}

/* Waits for the connection to complete; 0 or a positive errno. */
static int wait_connected(struct nc *n, hk_time_t deadline)
{
	struct hk_stack *s = n->cli->stack;
	for (;;) {
		int rc = hk_connect_status(s, n->fd);
		if (rc != -EINPROGRESS)
			return -rc;
		if (hk_cli_stop)
			return EINTR;
		if (deadline != HK_TIME_NEVER && hk_clock_now() >= deadline)
			return ETIMEDOUT;
		hk_cli_step(n->cli, deadline);
	}
}

static int wait_accepted(struct nc *n, int lfd)
{
	struct hk_stack *s = n->cli->stack;
	for (;;) {
		struct hk_sockaddr peer;
		int fd = hk_accept(s, lfd, &peer);
		if (fd >= 0) {
			if (n->cli->verbose) {
				char ip[16];
				fprintf(stderr, "%s nc: connection from %s:%u\n", n->cli->prog, hk_ip4_str(peer.addr, ip),
					peer.port);
			}
			return fd;
		}
		if (fd != -EAGAIN)
			return fd;
		if (hk_cli_stop)
			return -EINTR;
		hk_cli_step(n->cli, HK_TIME_NEVER);
	}
}

/* After our FIN: wait until everything we sent, FIN included, is
 * acknowledged, so no queued byte is lost when the stack goes away. Returns
 * 0, or a positive errno when the connection failed or `limit` passed. */
static int linger(struct nc *n, hk_time_t limit)
{
	struct hk_stack *s = n->cli->stack;
	/* Hokuto-Shinken: our FIN waits out the half-zombie period (RFC 9401 3.3). */
	hk_time_t end = hk_clock_now() + limit + (n->dth.shinken ? HK_MSEC(HK_TCP_HOKUTO_ZOMBIE_MS_DEFAULT) : 0);
	for (;;) {
		hk_dth_cli_report(s, n->fd);
		struct hk_tcp_info info;
		size_t len = sizeof(info);
		if (hk_getsockopt(s, n->fd, HK_TCP_INFO, &info, &len) < 0)
			return 0;
		if (info.state == HK_TCP_TIME_WAIT || info.state == HK_TCP_FIN_WAIT_2)
			return 0;
		if (info.state == HK_TCP_CLOSED) {
			int err = 0;
			len = sizeof(err);
			hk_getsockopt(s, n->fd, HK_SO_ERROR, &err, &len);
			return err;
		}
		if (hk_cli_stop)
			return EINTR;
		if (hk_clock_now() >= end)
			return ETIMEDOUT;
		hk_cli_step(n->cli, end);
	}
}

/* The copy loop; returns the exit status. */
static int copy(struct nc *n)
{
	struct hk_stack *s = n->cli->stack;
	for (;;) {
		hk_dth_cli_report(s, n->fd); /* RFC 9401: "DTH from ADDR:PORT ..." */
		if (hk_cli_stop) {
			hk_shutdown(s, n->fd, HK_SHUT_WR);
			linger(n, NC_LINGER);
			return 130;
		}
		if (!n->net_eof && n->out_len == 0) {
			ssize_t r = hk_recv(s, n->fd, n->out, sizeof(n->out), 0);
			if (r > 0) {
				n->out_len = (size_t)r;
				n->out_off = 0;
			} else if (r == 0) {
				n->net_eof = true;
				n->in_active = hk_clock_now();
			} else if (r != -EAGAIN) {
				return fail(n, (int)-r);
			}
		}
		while (n->in_off < n->in_len) {
			ssize_t r = hk_send(s, n->fd, n->in + n->in_off, n->in_len - n->in_off, 0);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				if (r == -EPIPE && n->net_eof)
					break; /* the peer is gone; what is left cannot go */
				return fail(n, (int)-r);
			}
			n->in_off += (size_t)r;
		}
		if (n->in_len > 0 && n->in_off == n->in_len) {
			n->in_off = n->in_len = 0;
			n->in_active = hk_clock_now(); /* stdin's silence counts from here */
		}
		/* The peer has closed its half and stdin has had nothing to say
		 * for NC_QUIET: take that as the end of stdin too. */
		hk_time_t until = HK_TIME_NEVER;
		if (n->net_eof && !n->in_eof && n->in_len == 0) {
			until = n->in_active + NC_QUIET;
			if (hk_clock_now() >= until)
				n->in_eof = true;
		}
		if (n->in_eof && n->in_len == 0 && !n->shut) {
			hk_shutdown(s, n->fd, HK_SHUT_WR);
			n->shut = true;
		}
		/* The peer's FIN only closes its sending half (RFC 9293 3.6,
		 * half-close): the rest of stdin still goes out, then our FIN. */
		if (n->net_eof && n->out_len == 0 && n->shut) {
			int err = linger(n, NC_DRAIN);
			return err ? fail(n, err) : 0;
		}
		struct pollfd ex[2];
		int ne = 0, in_at = -1, out_at = -1;
		if (!n->in_eof && n->in_len == 0) {
			in_at = ne;
			ex[ne++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		}
		if (n->out_len > 0) {
			out_at = ne;
			ex[ne++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
		}
		hk_cli_step_fds(n->cli, until, ex, ne);
		if (in_at >= 0 && (ex[in_at].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(STDIN_FILENO, n->in, sizeof(n->in));
			if (r > 0) {
				n->in_len = (size_t)r;
				n->in_active = hk_clock_now();
			}
			else if (r == 0 || (errno != EAGAIN && errno != EINTR))
				n->in_eof = true;
		}
		if (out_at >= 0 && (ex[out_at].revents & (POLLOUT | POLLERR | POLLHUP))) {
			size_t want = n->out_len - n->out_off;
			if (want > NC_WRITE_MAX)
				want = NC_WRITE_MAX;
			ssize_t w = n->stdout_gone ? (ssize_t)want : write(STDOUT_FILENO, n->out + n->out_off, want);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				n->stdout_gone = true; /* keep draining the connection */
				w = (ssize_t)want;
			}
			if (w > 0) {
				n->out_off += (size_t)w;
				if (n->out_off == n->out_len)
					n->out_off = n->out_len = 0;
			}
		}
	}
}

int hk_cmd_nc(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool listen_mode = false;
	hk_time_t wait = HK_TIME_NEVER;
	struct hk_dth_cli dth;
	argc = hk_dth_cli_parse(argc, argv, &dth, cli->prog); /* --dth, --dth-auto, ... */
	if (argc < 0)
		return 2;
	int c;
	while ((c = getopt_long(argc, argv, "lw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_mode = true;
			break;
		case 'w': {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0) || v > 1e6) {
				fprintf(stderr, "%s nc: -w %s: must be a number of seconds above 0\n", cli->prog, optarg);
				return 2;
			}
			wait = (hk_time_t)(v * 1e6);
			break;
		}
		case 'h':
			nc_usage(stdout, cli->prog);
			return 0;
		default:
			nc_usage(stderr, cli->prog);
			return 2;
		}
	}
	int want = listen_mode ? 1 : 2;
	if (argc - optind != want) {
		fprintf(stderr, "%s nc: give %s (try %s nc --help)\n", cli->prog, listen_mode ? "-l PORT" : "HOST PORT",
			cli->prog);
		return 2;
	}
	hk_ip4_t host = 0;
	uint16_t port;
	const char *port_text = argv[argc - 1];
	if (parse_port(port_text, &port) < 0) {
		fprintf(stderr, "%s nc: %s: not a port number (1..65535)\n", cli->prog, port_text);
		return 2;
	}
	if (!listen_mode && http_resolve_host(NULL, argv[optind], &host) < 0) {
		fprintf(stderr, "%s nc: %s: Name or service not known\n", cli->prog, argv[optind]);
		return 2;
	}
	struct nc *n = calloc(1, sizeof(*n));
	if (!n) {
		fprintf(stderr, "%s nc: out of memory\n", cli->prog);
		return 2;
	}
	n->cli = cli;
	n->fd = -1;
	n->dth = dth;
	int rc = hk_cli_open_stack(cli);
	if (rc)
		goto out;
	struct hk_stack *s = cli->stack;
	if (listen_mode) {
		int lfd = hk_socket(s, HK_SOCK_STREAM);
		if (lfd < 0 || apply_cc(cli, lfd) < 0 || hk_dth_cli_apply(s, lfd, &n->dth) < 0) {
			rc = 2;
			goto out;
		}
		int r = hk_bind(s, lfd, &(struct hk_sockaddr){ 0, port });
		if (r == 0)
			r = hk_listen(s, lfd, 1);
		if (r < 0) {
			fprintf(stderr, "%s nc: port %u: %s\n", cli->prog, port, strerror(-r));
			rc = 2;
			goto out;
		}
		if (cli->verbose) {
			char ip[16];
			fprintf(stderr, "%s nc: listening on %s:%u\n", cli->prog, hk_ip4_str(hk_stack_addr(s), ip), port);
		}
		n->fd = wait_accepted(n, lfd);
		hk_close(s, lfd);
		if (n->fd < 0) {
			rc = n->fd == -EINTR ? 130 : fail(n, -n->fd);
			goto out;
		}
	} else {
		n->fd = hk_socket(s, HK_SOCK_STREAM);
		if (n->fd < 0 || apply_cc(cli, n->fd) < 0 || hk_dth_cli_apply(s, n->fd, &n->dth) < 0) {
			rc = 2;
			goto out;
		}
		int r = hk_connect(s, n->fd, &(struct hk_sockaddr){ host, port });
		if (r != -EINPROGRESS) {
			rc = fail(n, -r);
			goto out;
		}
		int err = wait_connected(n, wait == HK_TIME_NEVER ? HK_TIME_NEVER : hk_clock_now() + wait);
		if (err) {
			rc = err == EINTR ? 130 : fail(n, err);
			goto out;
		}
	}
	rc = copy(n);
out:
	if (n->fd >= 0 && cli->stack)
		hk_close(cli->stack, n->fd);
	hk_dth_cli_free(&n->dth);
	free(n);
	return rc;
}

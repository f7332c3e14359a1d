/* hokuto http-get / http-post — an HTTP/1.1 client on hokuto's own TCP.
 *
 * The exchange itself is apps/http/http_client.c (tested without a
 * network); this file resolves the URL (a dotted quad, or a name from
 * /etc/hosts), connects a hokuto socket, runs the exchange on it and
 * follows redirects with -L. Exit status: 0 on 2xx, otherwise non-zero
 * with the status line (or the error) on stderr; see enum
 * http_client_exit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hokuto/socket.h"
#include "http/http_client.h"
#include "dth_opts.h"

int hk_cmd_http_get(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_http_post(struct hk_cli *cli, int argc, char **argv);

struct cl_sock {
	struct hk_stack *s;
	int fd;
};

static long sock_recv(void *ctx, void *buf, size_t len)
{
	struct cl_sock *cs = ctx;
	return (long)hk_recv(cs->s, cs->fd, buf, len, 0);
}

static long sock_send(void *ctx, const void *buf, size_t len)
{
	struct cl_sock *cs = ctx;
	return (long)hk_send(cs->s, cs->fd, buf, len, 0);
}

static void sock_shutdown(void *ctx)
{
	struct cl_sock *cs = ctx;
	hk_shutdown(cs->s, cs->fd, HK_SHUT_WR);
}

static const struct http_io sock_io = {sock_recv, sock_send, sock_shutdown};

static void usage(FILE *out, const char *prog, bool post)
{
	fprintf(out,
		"usage: %s [OPTIONS] %s URL%s [-i] [-o FILE] [-L] [--timeout S]\n"
		"\n"
		"HTTP/1.1 client on hokuto's TCP. URL is http://ADDR[:PORT]/path with an\n"
		"IPv4 address, or a host name listed in /etc/hosts. The body goes to\n"
		"stdout; the exit status is 0 for a 2xx answer, otherwise non-zero with\n"
		"the status line on stderr (1: HTTP status, 3: URL or host, 4: network,\n"
		"5: malformed response, 6: output).\n"
		"\n"
		"%s"
		"  -i, --include        print the response headers too\n"
		"  -o, --output FILE    write to FILE instead of stdout\n"
		"  -L, --location       follow redirects (at most %d)\n"
		"  -t, --timeout S      give up on a connection after S seconds (default 30)\n"
		"      --hosts FILE     the hosts file (default /etc/hosts)\n"
		HK_DTH_CLI_USAGE
		"  -h, --help           this help\n"
		"\n"
		"Example: sudo %s %s http://192.0.2.1/%s\n",
		prog, post ? "http-post" : "http-get", post ? " --data DATA" : "",
		post ? "  -d, --data DATA      the body, sent as application/x-www-form-urlencoded;\n"
		       "                       @FILE reads it from FILE\n"
		     : "",
		HTTP_MAX_REDIRECTS, prog, post ? "http-post" : "http-get", post ? " --data name=hokuto" : "");
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Waits for device input or `until`, capped at a second so that a signal
 * landing just before the wait is noticed soon. Unlike hk_cli_step it
 * does not poll the stack first: the caller has just polled it and looked
 * at its socket, so anything new must wake this wait rather than be
 * processed and then slept on. */
static void wait_input(struct hk_cli *cli, hk_time_t until)
{
	hk_time_t cap = hk_clock_now() + HK_SEC(1);
	if (!hk_cli_stop)
		hk_stack_wait(cli->stack, until < cap ? until : cap);
}

/* Waits for the connection; returns 0 or -errno. */
static int connect_wait(struct hk_cli *cli, int fd, const struct hk_sockaddr *to, hk_time_t deadline)
{
	struct hk_stack *s = cli->stack;
	int rc = hk_connect(s, fd, to);
	if (rc != -EINPROGRESS)
		return rc;
	for (;;) {
		hk_time_t next = hk_stack_poll(s, hk_clock_now());
		rc = hk_connect_status(s, fd);
		if (rc != -EINPROGRESS)
			return rc;
		if (hk_cli_stop)
			return -EINTR;
		if (hk_clock_now() >= deadline)
			return -ETIMEDOUT;
		wait_input(cli, next < deadline ? next : deadline);
	}
}

/* Runs the exchange on fd until done, failed, interrupted or deadline. */
static int exchange(struct hk_cli *cli, struct http_client *hc, hk_time_t deadline)
{
	for (;;) {
		hk_time_t next = hk_stack_poll(cli->stack, hk_clock_now());
		uint64_t before = hc->activity;
		enum http_client_state st = http_client_run(hc);
		hk_dth_cli_report(cli->stack, ((struct cl_sock *)hc->io_ctx)->fd); /* RFC 9401 */
		if (st == HTTP_CL_DONE || st == HTTP_CL_FAILED)
			return 0;
		if (hk_cli_stop)
			return -EINTR;
		if (hk_clock_now() >= deadline)
			return -ETIMEDOUT;
		/* bytes moved: poll again (window updates, ACKs) before sleeping */
		if (hc->activity == before)
			wait_input(cli, next < deadline ? next : deadline);
	}
}

static int run(struct hk_cli *cli, int argc, char **argv, bool post)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"include", no_argument, NULL, 'i'},
		{"output", required_argument, NULL, 'o'},
		{"location", no_argument, NULL, 'L'},
		{"timeout", required_argument, NULL, 't'},
		{"hosts", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = post ? "http-post" : "http-get";
	const char *data_arg = NULL, *output = NULL, *hosts = "/etc/hosts";
	bool include = false, follow = false;
	unsigned long timeout_s = 30;
	struct hk_dth_cli dthc;
	argc = hk_dth_cli_parse(argc, argv, &dthc, cli->prog); /* --dth, --dth-auto, ... */
	if (argc < 0)
		return HTTP_EXIT_USAGE;
	int c;
	while ((c = getopt_long(argc, argv, post ? "d:io:Lt:h" : "io:Lt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!post) {
				fprintf(stderr, "%s %s: --data is for http-post\n", cli->prog, cmd);
				return HTTP_EXIT_USAGE;
			}
			data_arg = optarg;
			break;
		case 'i':
			include = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'L':
			follow = true;
			break;
		case 't': {
			char *end;
			timeout_s = strtoul(optarg, &end, 10);
			if (*end || timeout_s == 0 || timeout_s > 86400) {
				fprintf(stderr, "%s %s: --timeout must be 1..86400 seconds\n", cli->prog, cmd);
				return HTTP_EXIT_USAGE;
			}
			break;
		}
		case 'H':
			hosts = optarg;
			break;
		case 'h':
			usage(stdout, cli->prog, post);
			return 0;
		default:
			usage(stderr, cli->prog, post);
			return HTTP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s %s: expected one URL (see --help)\n", cli->prog, cmd);
		return HTTP_EXIT_USAGE;
	}
	if (post && !data_arg) {
		fprintf(stderr, "%s http-post: --data DATA is required\n", cli->prog);
		return HTTP_EXIT_USAGE;
	}
	struct http_url url;
	int uerr = http_url_parse(argv[optind], &url);
	if (uerr) {
		fprintf(stderr, "%s %s: %s: %s\n", cli->prog, cmd, argv[optind], http_url_strerror(uerr));
		return HTTP_EXIT_RESOLVE;
	}
	char *data = NULL;
	size_t data_len = 0;
	if (data_arg && data_arg[0] == '@') {
		data = read_file(data_arg + 1, &data_len);
		if (!data) {
			fprintf(stderr, "%s %s: --data %s: %s\n", cli->prog, cmd, data_arg, strerror(errno));
			return HTTP_EXIT_USAGE;
		}
	} else if (data_arg) {
		data = strdup(data_arg);
		data_len = strlen(data_arg);
	}

	int rc = HTTP_EXIT_RESOLVE;
	FILE *out = stdout;
	char *req = NULL;
	struct http_client *hc = calloc(1, sizeof(*hc));
	const char *method = post ? "POST" : "GET";
	hk_ip4_t ip;
	int herr = http_resolve_host(hosts, url.host, &ip);
	if (herr < 0) {
		fprintf(stderr, "%s %s: %s: %s\n", cli->prog, cmd, url.host,
			herr == -ENOENT ? "unknown host (not an IPv4 address, not in the hosts file)" : strerror(-herr));
		goto out;
	}
	if (output) {
		out = fopen(output, "wb");
		if (!out) {
			fprintf(stderr, "%s %s: %s: %s\n", cli->prog, cmd, output, strerror(errno));
			out = stdout;
			rc = HTTP_EXIT_OUTPUT;
			goto out;
		}
	}
	size_t req_cap = 8192 + data_len;
	req = malloc(req_cap);
	if (!hc || !req) {
		fprintf(stderr, "%s %s: out of memory\n", cli->prog, cmd);
		rc = HTTP_EXIT_OUTPUT;
		goto out;
	}
	rc = hk_cli_open_stack(cli);
	if (rc)
		goto out;

	for (int hop = 0;; hop++) {
		struct hk_stack *s = cli->stack;
		size_t req_len = http_build_request(req, req_cap, method, &url, post ? data : NULL, data_len);
		if (!req_len) {
			fprintf(stderr, "%s %s: request too large\n", cli->prog, cmd);
			rc = HTTP_EXIT_USAGE;
			break;
		}
		hk_time_t deadline = hk_clock_now() + HK_SEC(timeout_s);
		int fd = hk_socket(s, HK_SOCK_STREAM);
		if (fd < 0) {
			fprintf(stderr, "%s %s: socket: %s\n", cli->prog, cmd, strerror(-fd));
			rc = HTTP_EXIT_NETWORK;
			break;
		}
		hk_dth_cli_apply(s, fd, &dthc); /* RFC 9401 */
		char ipbuf[16];
		int e = connect_wait(cli, fd, &(struct hk_sockaddr){ip, url.port}, deadline);
		if (e < 0) {
			fprintf(stderr, "%s %s: connect to %s:%u: %s\n", cli->prog, cmd, hk_ip4_str(ip, ipbuf),
				(unsigned)url.port, strerror(-e));
			hk_abort(s, fd);
			rc = HTTP_EXIT_NETWORK;
			break;
		}
		struct cl_sock cs = {s, fd};
		http_client_init(hc, &sock_io, &cs, req, req_len, strcmp(method, "HEAD") == 0, out, include, follow);
		e = exchange(cli, hc, deadline);
		if (e < 0) {
			fprintf(stderr, "%s %s: %s:%u: %s\n", cli->prog, cmd, hk_ip4_str(ip, ipbuf), (unsigned)url.port,
				e == -ETIMEDOUT ? "timed out waiting for the response" : strerror(-e));
			hk_abort(s, fd);
			rc = HTTP_EXIT_NETWORK;
			break;
		}
		hk_close(s, fd);
		rc = http_client_exit_status(hc);
		if (hc->state == HTTP_CL_FAILED) {
			if (hc->perr != HTTP_ERR_NONE)
				fprintf(stderr, "%s %s: malformed response: %s\n", cli->prog, cmd,
					http_error_str(hc->perr));
			else
				fprintf(stderr, "%s %s: %s:%u: %s\n", cli->prog, cmd, hk_ip4_str(ip, ipbuf),
					(unsigned)url.port, strerror(-hc->err));
			break;
		}
		if (follow && http_client_redirect(hc)) {
			if (hop == HTTP_MAX_REDIRECTS) {
				fprintf(stderr, "%s %s: too many redirects (%d); last: %s\n", cli->prog, cmd,
					HTTP_MAX_REDIRECTS, hc->status_line);
				rc = HTTP_EXIT_STATUS;
				break;
			}
			struct http_url next;
			uerr = http_url_resolve(&url, hc->location, &next);
			if (uerr) {
				fprintf(stderr, "%s %s: redirect to %s: %s\n", cli->prog, cmd, hc->location,
					http_url_strerror(uerr));
				rc = HTTP_EXIT_RESOLVE;
				break;
			}
			herr = http_resolve_host(hosts, next.host, &ip);
			if (herr < 0) {
				fprintf(stderr, "%s %s: redirect to %s: unknown host\n", cli->prog, cmd, next.host);
				rc = HTTP_EXIT_RESOLVE;
				break;
			}
			const char *m = http_redirect_method(hc->status, method);
			if (strcmp(m, method) != 0)
				post = false; /* the body is dropped with the method */
			method = m;
			url = next;
			continue;
		}
		if (rc == HTTP_EXIT_OUTPUT)
			fprintf(stderr, "%s %s: writing the output failed\n", cli->prog, cmd);
		else if (rc != HTTP_EXIT_OK)
			fprintf(stderr, "%s\n", hc->status_line);
		break;
	}
	/* let our FIN/ACKs leave before the device closes */
	{
		bool stop = hk_cli_stop;
		hk_cli_stop = 0;
		hk_cli_run(cli, NULL, NULL, hk_clock_now() + HK_MSEC(50));
		hk_cli_stop = stop;
	}
	hk_cli_close_stack(cli);
out:
	if (out != stdout) {
		if (fclose(out) != 0 && rc == HTTP_EXIT_OK) {
			fprintf(stderr, "%s %s: %s: %s\n", cli->prog, cmd, output, strerror(errno));
			rc = HTTP_EXIT_OUTPUT;
		}
	} else if (fflush(stdout) != 0 && rc == HTTP_EXIT_OK) {
		rc = HTTP_EXIT_OUTPUT;
	}
	free(req);
	free(hc);
	free(data);
	return rc;
}

int hk_cmd_http_get(struct hk_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, false);
}

int hk_cmd_http_post(struct hk_cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, true);
}

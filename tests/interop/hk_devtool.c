/* hk_devtool — opens one hokuto device and drives it from line commands on
 * stdin, for tests/interop/test_devices.py (devices only; no stack).
 *
 *   hk_devtool [--kernel-addr A/P] [--mtu N] [--mac MAC] [--seed N]
 *              [--impair SPEC] [--handler-cleanup] SPEC
 *
 * Prints "ok name=.. kind=.. link=eth|ipv4 mac=.. mtu=.. fd=.." or
 * "error: MESSAGE" (exit 2). Then, one reply line per command:
 *   claim PORT   -> ok | error RC          (rawip only)
 *   send HEX     -> ok | error RC
 *   recv MS      -> frame HEX | none | error RC   (waits up to MS ms)
 *   close        -> closed, and exits 0
 * SIGINT/SIGTERM close the device and exit 0; with --handler-cleanup the
 * handler instead calls hk_rawip_cleanup_all() and _exit(0) (the
 * async-signal-safe path). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hokuto/dev.h"
#include "hokuto/dev_rawip.h"
#include "hokuto/stack.h"

static volatile sig_atomic_t stop;
static bool handler_cleanup;

static void on_signal(int sig)
{
	(void)sig;
	if (handler_cleanup) {
		hk_rawip_cleanup_all();
		_exit(0);
	}
	stop = 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (s[0] && s[1] && n < cap) {
		int hi = hexval(s[0]), lo = hexval(s[1]);
		if (hi < 0 || lo < 0)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static void print_frame(const uint8_t *f, size_t n)
{
	fputs("frame ", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%02x", f[i]);
	putchar('\n');
}

static void do_recv(struct hk_dev *dev, int ms)
{
	static uint8_t buf[65536];
	hk_time_t deadline = hk_clock_now() + (hk_time_t)ms * 1000;
	for (;;) {
		hk_time_t now = hk_clock_now();
		ssize_t n = dev->ops->rx(dev, buf, sizeof(buf), now);
		if (n > 0) {
			print_frame(buf, (size_t)n);
			return;
		}
		if (n < 0) {
			printf("error %zd\n", n);
			return;
		}
		if (now >= deadline || stop) {
			puts("none");
			return;
		}
		hk_time_t until = deadline;
		if (dev->ops->next_deadline) {
			hk_time_t d = dev->ops->next_deadline(dev);
			if (d < until)
				until = d;
		}
		struct pollfd p = {dev->ops->fd(dev), POLLIN, 0};
		int timeout = until <= now ? 0 : (int)((until - now + 999) / 1000);
		poll(&p, p.fd >= 0 ? 1 : 0, timeout);
	}
}

int main(int argc, char **argv)
{
	struct hk_dev_open_opts opts;
	memset(&opts, 0, sizeof(opts));
	opts.seed = 1;
	const char *impair = NULL, *spec = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--kernel-addr") && i + 1 < argc) {
			if (hk_ip4_parse_cidr(argv[++i], &opts.kernel_addr, &opts.kernel_prefix) < 0)
				return fprintf(stderr, "bad --kernel-addr\n"), 2;
		} else if (!strcmp(argv[i], "--mtu") && i + 1 < argc) {
			opts.mtu = (uint32_t)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--mac") && i + 1 < argc) {
			if (hk_mac_parse(argv[++i], opts.mac) < 0)
				return fprintf(stderr, "bad --mac\n"), 2;
			opts.has_mac = true;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			opts.seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--impair") && i + 1 < argc) {
			impair = argv[++i];
		} else if (!strcmp(argv[i], "--handler-cleanup")) {
			handler_cleanup = true;
		} else {
			spec = argv[i];
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: reads return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char err[256];
	struct hk_dev *inner = NULL;
	int rc = hk_dev_open(spec, &opts, &inner, err, sizeof(err));
	if (rc < 0) {
		printf("error: %s\n", err);
		return 2;
	}
	struct hk_dev *dev = inner;
	if (impair) {
		struct hk_impair_spec is;
		if (hk_impair_parse(impair, &is, err, sizeof(err)) < 0) {
			printf("error: %s\n", err);
			hk_dev_close(inner);
			return 2;
		}
		dev = hk_impair_wrap(inner, &is);
	}
	char mac[18];
	printf("ok name=%s kind=%s link=%s mac=%s mtu=%u fd=%d\n", dev->name, inner->ops->kind,
	       dev->link == HK_LINK_ETHERNET ? "eth" : "ipv4", hk_mac_str(dev->mac, mac), dev->mtu,
	       dev->ops->fd(dev));

	char line[140000];
	static uint8_t frame[65536];
	while (!stop && fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "claim ", 6)) {
			rc = hk_rawip_claim_port(inner, (uint16_t)atoi(line + 6));
			rc ? printf("error %d\n", rc) : puts("ok");
		} else if (!strncmp(line, "send ", 5)) {
			size_t n = unhex(line + 5, frame, sizeof(frame));
			rc = dev->ops->tx(dev, frame, n, hk_clock_now());
			rc ? printf("error %d\n", rc) : puts("ok");
		} else if (!strncmp(line, "recv ", 5)) {
			do_recv(dev, atoi(line + 5));
		} else if (!strcmp(line, "close")) {
			break;
		} else {
			puts("error unknown command");
		}
	}
	hk_dev_close(dev);
	puts("closed");
	return 0;
}

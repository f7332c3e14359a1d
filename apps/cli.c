/* hokuto CLI — opening the stack from the global options and driving it on
 * the real clock. Signals only set a flag (and wake the wait through a
 * self-pipe), so the loop always ends cleanly and the pcap is complete. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hokuto/dev_rawip.h"
#include "hokuto/pcap.h"

volatile sig_atomic_t hk_cli_stop;

/* The self-pipe a signal handler writes to: the wait wakes at once even when
 * the signal lands between the flag check and poll(2). */
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	if (hk_cli_stop) {
		/* a second signal: the main loop did not get to close the
		 * device; remove rawip's iptables rules here and die of it */
		hk_rawip_cleanup_all();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	hk_cli_stop = 1;
	if (wake_pipe[1] >= 0) {
		char c = 1;
		ssize_t w = write(wake_pipe[1], &c, 1);
		(void)w;
	}
	errno = saved;
}

static void install_signals(void)
{
	if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		wake_pipe[0] = wake_pipe[1] = -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* A second Ctrl-C kills a program that is stuck (on_signal cleans up
	 * the rawip rules first). */
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void restore_signals(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (wake_pipe[i] >= 0)
			close(wake_pipe[i]);
		wake_pipe[i] = -1;
	}
}

static uint64_t random_seed(void)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)hk_clock_now() ^ ((uint64_t)getpid() << 32);
	return v;
}

static const char *ip_str(hk_ip4_t ip, char buf[16])
{
	return hk_ip4_str(ip, buf);
}

/* When a process attaches to a tap or tun, the kernel turns the carrier on
 * and, a moment later in its link-watch worker, the transmit queue; what it
 * sends before then (an answer to our first packet) is dropped. Wait (at
 * most a second) until the interface is RUNNING, so that a command's first
 * packet does not race the kernel. */
static void wait_tuntap_running(const struct hk_dev *dev)
{
	const char *ifname;
	if (strncmp(dev->name, "tap:", 4) == 0 || strncmp(dev->name, "tun:", 4) == 0)
		ifname = dev->name + 4;
	else
		return;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	for (int i = 0; i < 500; i++) {
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP) ||
		    (ifr.ifr_flags & IFF_RUNNING))
			break;
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	close(fd);
}

/* The embedded default: tap:hk0, the kernel side 192.0.2.1/24 when hokuto
 * creates the interface, hokuto itself 192.0.2.2/24. */
#define DEFAULT_DEV "tap:hk0"
#define DEFAULT_KERNEL_ADDR HK_IP4(192, 0, 2, 1)
#define DEFAULT_ADDR HK_IP4(192, 0, 2, 2)
#define DEFAULT_PREFIX 24

int hk_cli_open_stack(struct hk_cli *cli)
{
	const char *prog = cli->prog ? cli->prog : "hokuto";
	char err[256] = "";
	char a[16], b[16];

	struct hk_dev_open_opts dopts;
	memset(&dopts, 0, sizeof(dopts));
	dopts.mtu = cli->mtu;
	dopts.has_mac = cli->has_mac;
	memcpy(dopts.mac, cli->mac, 6);

	const char *spec = cli->dev_spec;
	if (!spec) {
		spec = DEFAULT_DEV;
		if (!cli->ip) {
			cli->ip = DEFAULT_ADDR;
			cli->prefix = DEFAULT_PREFIX;
		}
		/* Give the kernel side .1 of hokuto's subnet unless that is
		 * hokuto's own address. */
		if (cli->prefix == DEFAULT_PREFIX &&
		    (cli->ip & hk_ip4_mask(24)) == (DEFAULT_KERNEL_ADDR & hk_ip4_mask(24)) &&
		    cli->ip != DEFAULT_KERNEL_ADDR) {
			dopts.kernel_addr = DEFAULT_KERNEL_ADDR;
			dopts.kernel_prefix = DEFAULT_PREFIX;
		}
	} else if (!cli->ip && strncmp(spec, "rawip:", 6) == 0 && hk_ip4_parse(spec + 6, &cli->ip) == 0) {
		/* rawip shares the host's address (seed 000: 127.0.0.1) */
		cli->prefix = (cli->ip >> 24) == 127 ? 8 : 32;
	} else if (!cli->ip) {
		fprintf(stderr, "%s: --dev %s needs an address: add --ip ADDR/PREFIX (e.g. --ip 192.0.2.2/24)\n",
			prog, spec);
		return 2;
	}

	uint64_t seed = cli->has_seed ? cli->seed : random_seed();
	cli->seed = seed;
	dopts.seed = seed;

	struct hk_impair_spec imp;
	if (cli->impair && hk_impair_parse(cli->impair, &imp, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: --impair %s: %s\n", prog, cli->impair, err[0] ? err : "bad spec");
		return 2;
	}

	struct hk_dev *dev = NULL;
	int rc = hk_dev_open(spec, &dopts, &dev, err, sizeof(err));
	if (rc < 0 || !dev) {
		if (err[0])
			fprintf(stderr, "%s: %s\n", prog, err);
		else
			fprintf(stderr, "%s: %s: %s\n", prog, spec, strerror(rc < 0 ? -rc : EINVAL));
		return 2;
	}

	wait_tuntap_running(dev);

	if (cli->impair) {
		if (!imp.seed)
			imp.seed = seed ^ 0x1a3b5c7du;
		struct hk_dev *w = hk_impair_wrap(dev, &imp);
		if (!w) {
			hk_dev_close(dev);
			fprintf(stderr, "%s: --impair: out of memory\n", prog);
			return 2;
		}
		dev = w;
	}

	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = seed;
	cfg.isn_secret_random = true;
	cfg.pcap_time_offset = hk_clock_wall_offset();
	cfg.log_level = cli->verbose >= 2 ? HK_LOG_DEBUG : cli->verbose == 1 ? HK_LOG_INFO : HK_LOG_WARN;
	if (cli->cc)
		cfg.tcp.cc = cli->cc;

	struct hk_stack *s = hk_stack_new(&cfg);
	if (!s) {
		hk_dev_close(dev);
		fprintf(stderr, "%s: cannot create the stack: out of memory\n", prog);
		return 2;
	}
	/* The stack's clock starts now, before the interface sends its
	 * gratuitous ARP. */
	hk_stack_poll(s, hk_clock_now());
	rc = hk_stack_add_iface(s, dev, cli->ip, cli->prefix);
	if (rc < 0) {
		hk_dev_close(dev);
		hk_stack_free(s);
		fprintf(stderr, "%s: %s: cannot attach %s/%u: %s\n", prog, spec, ip_str(cli->ip, a),
			cli->prefix, strerror(-rc));
		return 2;
	}
	cli->stack = s;
	if (cli->pcap) {
		rc = hk_stack_set_pcap(s, cli->pcap);
		if (rc < 0) {
			fprintf(stderr, "%s: --pcap %s: %s\n", prog, cli->pcap, strerror(-rc));
			hk_cli_close_stack(cli);
			return 2;
		}
	}
	if (cli->gw) {
		rc = hk_stack_set_gateway(s, cli->gw);
		if (rc < 0) {
			fprintf(stderr, "%s: --gw %s: not in %s/%u, hokuto's subnet\n", prog, ip_str(cli->gw, a),
				ip_str(cli->ip & hk_ip4_mask(cli->prefix), b), cli->prefix);
			hk_cli_close_stack(cli);
			return 2;
		}
	}
	if (cli->verbose)
		fprintf(stderr, "%s: %s, %s/%u, seed %llu (--seed %llu replays it)\n", prog, dev->name,
			ip_str(cli->ip, a), cli->prefix, (unsigned long long)seed, (unsigned long long)seed);
	hk_cli_stop = 0;
	install_signals();
	return 0;
}

void hk_cli_close_stack(struct hk_cli *cli)
{
	if (!cli->stack)
		return;
	if (cli->stats) {
		fflush(stdout);
		hk_stats_print(hk_stack_stats(cli->stack), stderr);
		fflush(stderr);
	}
	hk_stack_free(cli->stack);
	cli->stack = NULL;
	restore_signals();
}

void hk_cli_step_fds(struct hk_cli *cli, hk_time_t until, struct pollfd *extra, int n_extra)
{
	struct pollfd pfd[HK_CLI_MAX_WAIT_FDS];
	int fds[8];
	int n = 0;

	int ndev = hk_stack_fds(cli->stack, fds, 8);
	for (int i = 0; i < ndev && n < HK_CLI_MAX_WAIT_FDS; i++)
		pfd[n++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	int pipe_at = -1;
	if (wake_pipe[0] >= 0 && n < HK_CLI_MAX_WAIT_FDS) {
		pipe_at = n;
		pfd[n++] = (struct pollfd){.fd = wake_pipe[0], .events = POLLIN};
	}
	int extra_at = n;
	for (int i = 0; i < n_extra && n < HK_CLI_MAX_WAIT_FDS; i++) {
		pfd[n] = extra[i];
		pfd[n].revents = 0;
		n++;
	}

	/* A poll first, for the stack's next deadline (the caller may have
	 * armed timers since the last one). If that poll did anything (a
	 * counter moved: a frame came in, a timer fired) the caller must see
	 * it before we block, so this turn does not wait. */
	struct hk_stats before = *hk_stack_stats(cli->stack);
	hk_time_t next = hk_stack_poll(cli->stack, hk_clock_now());
	bool worked = memcmp(&before, hk_stack_stats(cli->stack), sizeof(before)) != 0;
	if (until < next)
		next = until;
	int timeout = -1;
	if (hk_cli_stop || worked) {
		timeout = 0;
	} else if (next != HK_TIME_NEVER) {
		hk_time_t now = hk_clock_now();
		/* Round up so the loop never wakes just before a deadline and spins. */
		hk_time_t ms = next <= now ? 0 : (next - now + 999) / 1000;
		timeout = ms > 60000 ? 60000 : (int)ms;
	}
	int rc = poll(pfd, (nfds_t)n, timeout);
	if (rc > 0 && pipe_at >= 0 && (pfd[pipe_at].revents & POLLIN)) {
		char buf[16];
		while (read(wake_pipe[0], buf, sizeof(buf)) > 0) {
		}
	}
	for (int i = 0; i < n_extra; i++)
		extra[i].revents = extra_at + i < n && rc > 0 ? pfd[extra_at + i].revents : 0;
	hk_stack_poll(cli->stack, hk_clock_now());
}

void hk_cli_step(struct hk_cli *cli, hk_time_t until)
{
	hk_cli_step_fds(cli, until, NULL, 0);
}

int hk_cli_run(struct hk_cli *cli, bool (*done)(void *ctx), void *ctx, hk_time_t deadline)
{
	for (;;) {
		if (done && done(ctx))
			return 0;
		if (hk_cli_stop)
			return -EINTR;
		if (deadline != HK_TIME_NEVER && hk_clock_now() >= deadline)
			return -ETIMEDOUT;
		hk_cli_step(cli, deadline);
	}
}

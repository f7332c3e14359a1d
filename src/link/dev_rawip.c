/* hokuto link — rawip: IPv4 over raw sockets on an address the host owns
 * (seed 000's setup). See include/hokuto/dev_rawip.h for the model: the
 * iptables rules that silence the kernel's RSTs, and the port filter.
 *
 * Sending: one IPPROTO_RAW socket (IP_HDRINCL implied) marked with
 * SO_MARK. Receiving: raw TCP, UDP and ICMP sockets bound to ADDR behind
 * one epoll fd. Loopback traffic arrives as the kernel's stack made it:
 * checksums left for "hardware" and TCP super-segments up to 64 KiB; both
 * are repaired here (dev_util.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hokuto/dev_rawip.h"
#include "link/dev_kinds.h"

#define RAWIP_BIG (65536 + 64)
#define RAWIP_NRX 3
#define RAWIP_RX_SKIP 256 /* packets filtered out per rx call at most */

/* ---- the process-wide rule table (see dev_rawip.h) ---- */

#define ARG_OP 2 /* "-I" or "-D" */

struct rule {
	volatile sig_atomic_t active;
	bool with_mark;
	char addr[16], port[6], mark[8], comment[24];
	const char *argv[26];
};

static struct rule g_rules[HK_RAWIP_MAX_RULES];
static char g_iptables[64];

static const char *const g_env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};

static bool find_iptables(void)
{
	if (g_iptables[0])
		return true;
	static const char *const paths[] = {"/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables",
					    "/bin/iptables"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], X_OK) == 0) {
			memcpy(g_iptables, paths[i], strlen(paths[i]) + 1);
			return true;
		}
	}
	return false;
}

/* Runs argv; stdout goes to out_fd (or /dev/null), stderr to /dev/null.
 * Async-signal-safe. Returns the exit status, or -1. */
static int run(const char *const *argv, int out_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(out_fd >= 0 ? out_fd : null, 1);
			dup2(null, 2);
		}
		execve(argv[0], (char *const *)argv, (char *const *)g_env);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return errno == ECHILD ? 0 : -1; /* SIGCHLD ignored: status unknown */
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void rule_fill(struct rule *r, hk_ip4_t addr, uint16_t port, bool with_mark)
{
	hk_ip4_str(addr, r->addr);
	snprintf(r->port, sizeof(r->port), "%u", port);
	snprintf(r->mark, sizeof(r->mark), "0x%x", HK_RAWIP_MARK);
	snprintf(r->comment, sizeof(r->comment), "hokuto-%ld", (long)getpid());
	r->with_mark = with_mark;
	const char *a[] = {g_iptables, "-w", "-I", "OUTPUT", "-s", r->addr, "-p", "tcp", "--sport", r->port,
			   "--tcp-flags", "RST", "RST", "-m", "mark", "!", "--mark", r->mark, "-m", "comment",
			   "--comment", r->comment, "-j", "DROP", NULL};
	memcpy(r->argv, a, sizeof(a));
	if (!with_mark) /* drop "-m mark ! --mark X" */
		memmove(&r->argv[13], &r->argv[18], sizeof(a) - 18 * sizeof(a[0]));
}

static int rule_delete(struct rule *r)
{
	r->argv[ARG_OP] = "-D";
	int rc = run(r->argv, -1);
	r->active = 0;
	return rc;
}

void hk_rawip_cleanup_all(void)
{
	for (int i = 0; i < HK_RAWIP_MAX_RULES; i++) {
		if (g_rules[i].active)
			rule_delete(&g_rules[i]);
	}
}

/* Deletes rules whose hokuto-<pid> is gone (a hokuto killed by SIGKILL). */
static void remove_stale_rules(void)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	const char *list[] = {g_iptables, "-w", "-S", "OUTPUT", NULL};
	const size_t outcap = 1u << 20;
	char *out = malloc(outcap);
	size_t n = 0;
	if (!out) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		int null = open("/dev/null", O_RDWR);
		dup2(pfd[1], 1);
		if (null >= 0)
			dup2(null, 2);
		execve(list[0], (char *const *)list, (char *const *)g_env);
		_exit(127);
	}
	close(pfd[1]);
	if (pid > 0) {
		ssize_t k;
		while (n < outcap - 1 && ((k = read(pfd[0], out + n, outcap - 1 - n)) > 0 || (k < 0 && errno == EINTR)))
			n += k > 0 ? (size_t)k : 0;
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
	close(pfd[0]);
	out[n] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c = strstr(line, "--comment hokuto-");
		if (strncmp(line, "-A OUTPUT ", 10) || !c)
			continue;
		long owner = strtol(c + 17, NULL, 10);
		if (owner <= 0 || kill((pid_t)owner, 0) == 0 || errno != ESRCH)
			continue;
		const char *argv[48];
		int argc = 0;
		argv[argc++] = g_iptables;
		argv[argc++] = "-w";
		char *tsave = NULL;
		for (char *t = strtok_r(line, " ", &tsave); t && argc < 46; t = strtok_r(NULL, " ", &tsave))
			argv[argc++] = !strcmp(t, "-A") ? "-D" : t;
		argv[argc] = NULL;
		run(argv, -1);
	}
	free(out);
}

/* ---- the device ---- */

struct rawip {
	struct hk_dev dev; /* first: a struct hk_dev * is a struct rawip * */
	hk_ip4_t addr;
	int tx_fd;
	int rx_fd[RAWIP_NRX];
	int ep;
	int rr;            /* which rx socket to read first */
	bool marked;       /* SO_MARK took: hokuto's own RSTs pass the rules */
	uint8_t ports[65536 / 8];
	int rules[HK_RAWIP_MAX_RULES];
	int nrules;
	struct hk_dev_tcp_splitter split;
	uint8_t big[RAWIP_BIG];
};

static const struct hk_dev_ops rawip_ops;

static bool port_is_claimed(const struct rawip *r, uint16_t port)
{
	return r->ports[port / 8] & (1u << (port % 8));
}

static void claim_filter(struct rawip *r, uint16_t port)
{
	r->ports[port / 8] = (uint8_t)(r->ports[port / 8] | (1u << (port % 8)));
}

/* Ports hokuto sends from are hokuto's: a SYN (active open) claims its
 * source port with a rule, a UDP datagram opens the filter for replies
 * (the kernel answers stray UDP with ICMP, not RST: no rule needed). */
static void auto_claim(struct rawip *r, const uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	hk_ip4_t src = (hk_ip4_t)pkt[12] << 24 | (hk_ip4_t)pkt[13] << 16 | (hk_ip4_t)pkt[14] << 8 | pkt[15];
	if (ihl < 20 || len < ihl + 14 || src != r->addr || (pkt[6] & 0x1f) || pkt[7])
		return; /* short, not ours, or a non-first fragment */
	uint16_t sport = (uint16_t)(pkt[ihl] << 8 | pkt[ihl + 1]);
	if (!sport || port_is_claimed(r, sport))
		return;
	if (pkt[9] == IPPROTO_TCP && (pkt[ihl + 13] & 0x12) == 0x02)
		hk_rawip_claim_port(&r->dev, sport);
	else if (pkt[9] == IPPROTO_UDP)
		claim_filter(r, sport);
}

static int rawip_tx(struct hk_dev *dev, const uint8_t *pkt, size_t len, hk_time_t now)
{
	(void)now;
	struct rawip *r = (struct rawip *)dev;
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -EINVAL;
	auto_claim(r, pkt, len);
	struct sockaddr_in to;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	memcpy(&to.sin_addr, pkt + 16, 4);
	if (sendto(r->tx_fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* For ADDR, and for TCP/UDP to a claimed port. */
static bool wanted(const struct rawip *r, const uint8_t *p, size_t n)
{
	if (n < 20 || (p[0] >> 4) != 4)
		return false;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	hk_ip4_t dst = (hk_ip4_t)p[16] << 24 | (hk_ip4_t)p[17] << 16 | (hk_ip4_t)p[18] << 8 | p[19];
	if (dst != r->addr || ihl < 20)
		return false;
	if (p[9] == IPPROTO_ICMP)
		return true;
	if (p[9] != IPPROTO_TCP && p[9] != IPPROTO_UDP)
		return false;
	if (n < ihl + 4)
		return false;
	uint16_t dport = (uint16_t)(p[ihl + 2] << 8 | p[ihl + 3]);
	return port_is_claimed(r, dport);
}

static ssize_t rawip_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct rawip *r = (struct rawip *)dev;
	if (r->split.active)
		return hk_dev_tcp_split_next(&r->split, buf, cap);
	int idle = 0;
	for (int tries = 0; tries < RAWIP_RX_SKIP && idle < RAWIP_NRX; tries++) {
		int fd = r->rx_fd[r->rr];
		ssize_t n = recv(fd, r->big, sizeof(r->big), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
			r->rr = (r->rr + 1) % RAWIP_NRX;
			idle++;
			continue;
		}
		idle = 0;
		size_t len = (size_t)n;
		if (len > sizeof(r->big) || !wanted(r, r->big, len))
			continue;
		hk_dev_csum_fix_partial(r->big, len, 0);
		if (len > cap || len > r->dev.mtu) {
			if (hk_dev_tcp_split_begin(&r->split, r->big, len, 0, 0, r->dev.mtu) < 0)
				return -EMSGSIZE;
			return hk_dev_tcp_split_next(&r->split, buf, cap);
		}
		memcpy(buf, r->big, len);
		return (ssize_t)len;
	}
	return 0;
}

static int rawip_fd(const struct hk_dev *dev)
{
	return ((const struct rawip *)dev)->ep;
}

static void rawip_close(struct hk_dev *dev)
{
	struct rawip *r = (struct rawip *)dev;
	for (int i = 0; i < r->nrules; i++) {
		struct rule *ru = &g_rules[r->rules[i]];
		if (ru->active)
			rule_delete(ru);
	}
	for (int i = 0; i < RAWIP_NRX; i++) {
		if (r->rx_fd[i] >= 0)
			close(r->rx_fd[i]);
	}
	if (r->tx_fd >= 0)
		close(r->tx_fd);
	if (r->ep >= 0)
		close(r->ep);
	free(r);
}

static const struct hk_dev_ops rawip_ops = {
	.kind = "rawip",
	.tx = rawip_tx,
	.rx = rawip_rx,
	.fd = rawip_fd,
	.next_deadline = NULL,
	.close = rawip_close,
};

int hk_rawip_claim_port(struct hk_dev *dev, uint16_t port)
{
	if (!dev || dev->ops != &rawip_ops || port == 0)
		return -EINVAL;
	struct rawip *r = (struct rawip *)dev;
	if (port_is_claimed(r, port))
		return 0;
	int slot = -1;
	for (int i = 0; i < HK_RAWIP_MAX_RULES && slot < 0; i++) {
		if (!g_rules[i].active)
			slot = i;
	}
	if (slot < 0 || r->nrules >= HK_RAWIP_MAX_RULES)
		return -ENOSPC;
	struct rule *ru = &g_rules[slot];
	rule_fill(ru, r->addr, port, r->marked);
	if (run(ru->argv, -1) != 0)
		return -EIO;
	ru->active = 1;
	r->rules[r->nrules++] = slot;
	claim_filter(r, port);
	return 0;
}

bool hk_rawip_port_claimed(const struct hk_dev *dev, uint16_t port)
{
	if (!dev || dev->ops != &rawip_ops)
		return false;
	return port_is_claimed((const struct rawip *)dev, port);
}

static int open_sockets(struct rawip *r, const char *spec, char *err, size_t errlen)
{
	r->tx_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
	if (r->tx_fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			return hk_dev_err(err, errlen, -e, "rawip:%s: raw sockets need CAP_NET_RAW: run as root", spec);
		return hk_dev_err(err, errlen, -e, "rawip:%s: cannot open a raw socket: %s", spec, strerror(e));
	}
	int mark = HK_RAWIP_MARK;
	r->marked = setsockopt(r->tx_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0;
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(r->addr);
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->ep < 0)
		return hk_dev_err(err, errlen, -errno, "rawip:%s: epoll_create1: %s", spec, strerror(errno));
	static const int protos[RAWIP_NRX] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
	for (int i = 0; i < RAWIP_NRX; i++) {
		r->rx_fd[i] = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protos[i]);
		if (r->rx_fd[i] < 0)
			return hk_dev_err(err, errlen, -errno, "rawip:%s: cannot open a raw socket: %s", spec,
					  strerror(errno));
		if (bind(r->rx_fd[i], (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			int e = errno;
			if (e == EADDRNOTAVAIL)
				return hk_dev_err(err, errlen, -e,
						  "rawip:%s: this host has no such address: use 127.0.0.1 or an "
						  "address of a local interface (ip -4 addr)",
						  spec);
			return hk_dev_err(err, errlen, -e, "rawip:%s: cannot bind: %s", spec, strerror(e));
		}
		struct epoll_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, r->rx_fd[i], &ev) < 0)
			return hk_dev_err(err, errlen, -errno, "rawip:%s: epoll_ctl: %s", spec, strerror(errno));
	}
	return 0;
}

int hk_dev_open_rawip(const char *spec, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		      size_t errlen)
{
	hk_ip4_t addr;
	if (hk_ip4_parse(spec, &addr) < 0)
		return hk_dev_err(err, errlen, -EINVAL, "rawip:%s: not an IPv4 address (e.g. rawip:127.0.0.1)", spec);
	if (!find_iptables())
		return hk_dev_err(err, errlen, -ENOENT,
				  "rawip:%s: iptables not found: install it (apt-get install iptables); rawip needs it "
				  "to keep the kernel from resetting hokuto's connections",
				  spec);
	struct rawip *r = calloc(1, sizeof(*r));
	if (!r)
		return hk_dev_err(err, errlen, -ENOMEM, "rawip:%s: out of memory", spec);
	r->addr = addr;
	r->tx_fd = r->ep = -1;
	for (int i = 0; i < RAWIP_NRX; i++)
		r->rx_fd[i] = -1;
	r->dev.ops = &rawip_ops;
	int rc = open_sockets(r, spec, err, errlen);
	if (rc < 0) {
		rawip_close(&r->dev);
		return rc;
	}
	remove_stale_rules();
	r->dev.link = HK_LINK_IPV4;
	r->dev.mtu = opts->mtu ? opts->mtu : 1500;
	snprintf(r->dev.name, sizeof(r->dev.name), "rawip:%s", spec);
	*out = &r->dev;
	return 0;
}

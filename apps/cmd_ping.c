/* hokuto ping — ICMP echo (RFC 792) from hokuto's own stack, with the
 * output and exit status of iputils ping: 0 when replies came, 1 when none
 * did, 2 on an error. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http/http_parse.h" /* http_resolve_host: address or /etc/hosts name */
#include "hokuto/ping.h"

int hk_cmd_ping(struct hk_cli *cli, int argc, char **argv);

#define PING_MAX_SIZE ((unsigned)HK_PING_MAX_DATA)
#define PING_WINDOW 1024u     /* sequence numbers remembered for RTT and DUP */

struct ping_slot {
	uint32_t seq;         /* full (unwrapped) sequence number, 0: unused */
	hk_time_t sent;
	bool answered;
};

struct ping {
	struct hk_cli *cli;
	const char *host;     /* as given */
	bool by_name;
	hk_ip4_t dst;
	uint16_t id;
	uint32_t size;
	uint64_t count;       /* 0: until interrupted */
	hk_time_t interval;
	hk_time_t linger;     /* -W: how long to wait for a reply */
	bool quiet;

	uint64_t transmitted, received, dups, errors;
	hk_time_t start, last_sent;
	/* RTTs in microseconds for min/avg/max/mdev */
	hk_time_t tmin, tmax, tsum;
	long double tsum2;
	struct ping_slot slots[PING_WINDOW];
	uint8_t *payload;
};

static void ping_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] ping [-c COUNT] [-s SIZE] [-i SECONDS] [-W TIMEOUT] [-q] HOST\n"
		"\n"
		"Sends ICMP echo requests from hokuto's own stack, like iputils ping.\n"
		"HOST is an IPv4 address or a name from /etc/hosts.\n"
		"\n"
		"  -c COUNT     stop after COUNT requests (default: until Ctrl-C)\n"
		"  -s SIZE      data bytes per request (default 56; 56 + 8 ICMP + 20 IP = 84)\n"
		"  -i SECONDS   interval between requests (default 1)\n"
		"  -W TIMEOUT   seconds to wait for a reply after the last request (default 10)\n"
		"  -q           print only the summary\n"
		"  -h, --help   this help\n"
		"\n"
		"Exit status: 0 when replies came, 1 when none did, 2 on an error.\n"
		"Example: sudo %s ping -c 3 192.0.2.1\n",
		prog, prog);
}

/* "1.5" seconds -> microseconds; -1 when not a number or out of range. */
static int parse_seconds(const char *text, hk_time_t min, hk_time_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end || errno || !(v >= 0) || v > 1e6)
		return -1;
	hk_time_t us = (hk_time_t)(v * 1e6 + 0.5);
	if (us < min)
		return -1;
	*out = us;
	return 0;
}

/* iputils' format: three significant digits, whole ms from 100 ms. */
static void fmt_ms(char *buf, size_t len, hk_time_t us)
{
	if (us >= 100000)
		snprintf(buf, len, "%llu", (unsigned long long)(us / 1000));
	else if (us >= 10000)
		snprintf(buf, len, "%llu.%01llu", (unsigned long long)(us / 1000),
			 (unsigned long long)(us % 1000 / 100));
	else if (us >= 1000)
		snprintf(buf, len, "%llu.%02llu", (unsigned long long)(us / 1000),
			 (unsigned long long)(us % 1000 / 10));
	else
		snprintf(buf, len, "%llu.%03llu", (unsigned long long)(us / 1000),
			 (unsigned long long)(us % 1000));
}

static const char *from_str(const struct ping *p, hk_ip4_t from, char *buf, size_t len)
{
	char ip[16];
	hk_ip4_str(from, ip);
	if (p->by_name && from == p->dst)
		snprintf(buf, len, "%s (%s)", p->host, ip);
	else
		snprintf(buf, len, "%s", ip);
	return buf;
}

/* The sequence number on the wire is 16 bits; find the slot of the most
 * recent request that carried it. */
static struct ping_slot *slot_for(struct ping *p, uint16_t wire_seq)
{
	struct ping_slot *sl = &p->slots[wire_seq % PING_WINDOW];
	if (sl->seq == 0 || (uint16_t)sl->seq != wire_seq)
		return NULL;
	return sl;
}

static void on_reply(struct ping *p, const struct hk_echo_reply *r)
{
	char from[300];
	if (r->id != p->id)
		return;
	if (r->icmp_type != 0) {
		/* An ICMP error about one of our requests (RFC 792). */
		p->errors++;
		if (!p->quiet) {
			const char *what = "Destination Unreachable";
			if (r->icmp_type == 3) {
				static const char *const codes[] = {
					"Destination Net Unreachable", "Destination Host Unreachable",
					"Destination Protocol Unreachable", "Destination Port Unreachable",
					"Frag needed and DF set", "Source Route Failed",
				};
				if (r->icmp_code < sizeof(codes) / sizeof(codes[0]))
					what = codes[r->icmp_code];
			} else if (r->icmp_type == 11) {
				what = "Time to live exceeded";
			} else {
				what = "Bad ICMP message";
			}
			printf("From %s icmp_seq=%u %s\n", from_str(p, r->from, from, sizeof(from)), r->seq, what);
		}
		return;
	}
	struct ping_slot *sl = slot_for(p, r->seq);
	bool dup = sl && sl->answered;
	hk_time_t rtt = 0;
	bool have_rtt = false;
	if (sl) {
		/* Both stamps on the stack's clock: sent when the request left,
		 * received at the poll that read the reply. */
		hk_time_t sent = r->tx_time ? r->tx_time : sl->sent;
		rtt = r->rx_time > sent ? r->rx_time - sent : 0;
		have_rtt = true;
	}
	if (dup) {
		p->dups++;
	} else {
		p->received++;
		if (sl)
			sl->answered = true;
		if (have_rtt) {
			if (p->received == 1 || rtt < p->tmin)
				p->tmin = rtt;
			if (rtt > p->tmax)
				p->tmax = rtt;
			p->tsum += rtt;
			p->tsum2 += (long double)rtt * (long double)rtt;
		}
	}
	if (p->quiet)
		return;
	printf("%zu bytes from %s: icmp_seq=%u ttl=%u", r->len + 8, from_str(p, r->from, from, sizeof(from)),
	       r->seq, r->ttl);
	if (have_rtt) {
		char ms[32];
		fmt_ms(ms, sizeof(ms), rtt);
		printf(" time=%s ms", ms);
	}
	if (dup)
		printf(" (DUP!)");
	if (!r->data_ok)
		printf(" (wrong data)");
	printf("\n");
	fflush(stdout);
}

static void drain(struct ping *p)
{
	struct hk_echo_reply r;
	while (hk_ping_recv(p->cli->stack, p->id, &r) == 0)
		on_reply(p, &r);
}

static uint64_t isqrt(long double v)
{
	if (v <= 0)
		return 0;
	uint64_t x = (uint64_t)v, r = x, prev;
	if (x < 2)
		return x;
	do {
		prev = r;
		r = (r + x / r) / 2;
	} while (r < prev);
	return prev;
}

static void print_statistics(struct ping *p, hk_time_t end)
{
	char ip[16];
	printf("\n--- %s ping statistics ---\n", p->by_name ? p->host : hk_ip4_str(p->dst, ip));
	printf("%llu packets transmitted, %llu received", (unsigned long long)p->transmitted,
	       (unsigned long long)p->received);
	if (p->dups)
		printf(", +%llu duplicates", (unsigned long long)p->dups);
	if (p->errors)
		printf(", +%llu errors", (unsigned long long)p->errors);
	if (p->transmitted) {
		double loss = 100.0 * (double)(p->transmitted - (p->received > p->transmitted ? p->transmitted
											      : p->received)) /
			      (double)p->transmitted;
		printf(", %g%% packet loss", loss);
	}
	printf(", time %llums\n", (unsigned long long)((end - p->start) / 1000));
	if (p->received) {
		hk_time_t n = p->received;
		hk_time_t avg = p->tsum / n;
		long double var = p->tsum2 / (long double)n - (long double)avg * (long double)avg;
		hk_time_t mdev = isqrt(var);
		printf("rtt min/avg/max/mdev = %llu.%03llu/%llu.%03llu/%llu.%03llu/%llu.%03llu ms\n",
		       (unsigned long long)(p->tmin / 1000), (unsigned long long)(p->tmin % 1000),
		       (unsigned long long)(avg / 1000), (unsigned long long)(avg % 1000),
		       (unsigned long long)(p->tmax / 1000), (unsigned long long)(p->tmax % 1000),
		       (unsigned long long)(mdev / 1000), (unsigned long long)(mdev % 1000));
	} else {
		printf("\n"); /* iputils ends a reply-less summary with a blank line */
	}
	fflush(stdout);
}

static int send_one(struct ping *p)
{
	struct hk_stack *s = p->cli->stack;
	uint32_t seq = (uint32_t)(p->transmitted + 1);
	/* The stack's clock must be current before it stamps timers (ARP). */
	hk_stack_poll(s, hk_clock_now());
	hk_time_t now = hk_stack_now(s);
	struct ping_slot *sl = &p->slots[(uint16_t)seq % PING_WINDOW];
	sl->seq = seq;
	sl->sent = now;
	sl->answered = false;
	int rc = hk_ping_send(s, p->dst, p->id, (uint16_t)seq, p->payload, p->size);
	p->transmitted++;
	p->last_sent = now;
	if (rc < 0 && rc != -EAGAIN) {
		char ip[16];
		if (rc == -EHOSTUNREACH || rc == -ENETUNREACH) {
			fprintf(stderr, "%s ping: connect: Network is unreachable (%s is outside %s's subnet; add --gw)\n",
				p->cli->prog, hk_ip4_str(p->dst, ip), p->cli->prog);
			return 2;
		}
		if (rc == -EMSGSIZE) {
			fprintf(stderr, "%s ping: sendmsg: Message too long (-s %u)\n", p->cli->prog, p->size);
			return 2;
		}
		/* Transient (no buffers, device queue full): counted as lost. */
		fprintf(stderr, "%s ping: sendmsg: %s\n", p->cli->prog, strerror(-rc));
	}
	return 0;
}

static int ping_loop(struct ping *p)
{
	hk_time_t next_send = hk_clock_now();
	p->start = next_send;
	for (;;) {
		if (hk_cli_stop)
			break;
		hk_time_t now = hk_clock_now();
		bool more = !p->count || p->transmitted < p->count;
		if (more && now >= next_send) {
			int rc = send_one(p);
			if (rc)
				return rc;
			/* Keep the schedule (iputils): no drift from slow turns. */
			next_send += p->interval;
			if (next_send < now)
				next_send = now;
			more = !p->count || p->transmitted < p->count;
		}
		drain(p);
		hk_time_t until = more ? next_send : HK_TIME_NEVER;
		if (!more) {
			/* After the last request: stop when all are answered, else
			 * wait 2 RTTs (at least an interval) when replies came, or
			 * the -W linger time when none did. */
			if (p->received + p->errors >= p->count)
				break;
			hk_time_t wait = p->linger;
			if (p->received) {
				wait = 2 * p->tmax;
				if (wait < p->interval)
					wait = p->interval;
				if (wait > p->linger)
					wait = p->linger;
			}
			until = p->last_sent + wait;
			if (hk_clock_now() >= until)
				break;
		}
		hk_cli_step(p->cli, until);
	}
	drain(p);
	return 0;
}

int hk_cmd_ping(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct ping *p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(stderr, "%s ping: out of memory\n", cli->prog);
		return 2;
	}
	p->cli = cli;
	p->size = 56;
	p->interval = HK_SEC(1);
	p->linger = HK_SEC(10);
	int rc = 2, c;
	uint64_t v;
	char *end;
	while ((c = getopt_long(argc, argv, "c:s:i:W:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno || v == 0) {
				fprintf(stderr, "%s ping: -c %s: must be a count of at least 1\n", cli->prog, optarg);
				goto out;
			}
			p->count = v;
			break;
		case 's':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (!isdigit((unsigned char)optarg[0]) || *end || errno || v > PING_MAX_SIZE) {
				fprintf(stderr, "%s ping: -s %s: must be 0..%u\n", cli->prog, optarg, PING_MAX_SIZE);
				goto out;
			}
			p->size = (uint32_t)v;
			break;
		case 'i':
			if (parse_seconds(optarg, HK_MSEC(1), &p->interval) < 0) {
				fprintf(stderr, "%s ping: -i %s: must be at least 0.001 seconds\n", cli->prog, optarg);
				goto out;
			}
			break;
		case 'W':
			if (parse_seconds(optarg, HK_MSEC(1), &p->linger) < 0) {
				fprintf(stderr, "%s ping: -W %s: must be a time in seconds above 0\n", cli->prog,
					optarg);
				goto out;
			}
			break;
		case 'q':
			p->quiet = true;
			break;
		case 'h':
			ping_usage(stdout, cli->prog);
			rc = 0;
			goto out;
		default:
			ping_usage(stderr, cli->prog);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "%s ping: %s (try %s ping --help)\n", cli->prog,
			optind >= argc ? "give one HOST" : "give only one HOST", cli->prog);
		goto out;
	}
	p->host = argv[optind];
	if (hk_ip4_parse(p->host, &p->dst) < 0) {
		if (http_resolve_host(NULL, p->host, &p->dst) < 0) {
			fprintf(stderr, "%s ping: %s: Name or service not known\n", cli->prog, p->host);
			goto out;
		}
		p->by_name = true;
	}
	p->payload = malloc(p->size ? p->size : 1);
	if (!p->payload) {
		fprintf(stderr, "%s ping: out of memory\n", cli->prog);
		goto out;
	}
	/* iputils' fill: byte i carries i. */
	for (uint32_t i = 0; i < p->size; i++)
		p->payload[i] = (uint8_t)i;

	rc = hk_cli_open_stack(cli);
	if (rc)
		goto out;
	p->id = (uint16_t)(cli->seed ^ (cli->seed >> 16) ^ (uint64_t)getpid());

	char ip[16];
	printf("PING %s (%s) %u(%u) bytes of data.\n", p->host, hk_ip4_str(p->dst, ip), p->size, p->size + 28);
	fflush(stdout);
	rc = ping_loop(p);
	if (rc == 0) {
		print_statistics(p, hk_clock_now());
		rc = p->received ? 0 : 1;
	}
out:
	free(p->payload);
	free(p);
	return rc;
}

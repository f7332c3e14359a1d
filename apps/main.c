/* hokuto — the command-line entry point: global options, then a command
 * from the table in commands.c. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"A user-space TCP/IP stack. Every command runs its own stack on one device.\n"
		"\n"
		"Options:\n"
		"  --dev SPEC         device: tap:NAME, tun:NAME, packet:IFNAME or rawip:ADDR\n"
		"                     (default tap:hk0: hokuto creates it, gives the kernel side\n"
		"                     192.0.2.1/24 and takes 192.0.2.2/24 itself)\n"
		"  --ip ADDR/PREFIX   hokuto's own address (required with --dev)\n"
		"  --gw ADDR          default gateway\n"
		"  --mac MAC          hokuto's MAC address on an Ethernet device\n"
		"  --mtu N            IP MTU of the device (default 1500)\n"
		"  --pcap FILE        write every frame sent and received to FILE (pcap)\n"
		"  --stats            print the stack's counters to stderr on exit\n"
		"  -v, --verbose      log more (-v info, -vv debug)\n"
		"  --impair SPEC      impair hokuto's own device, e.g. loss=0.02,delay=5ms,\n"
		"                     dup=0.01,reorder=0.05,jitter=1ms,corrupt=0.001,rate=100mbit\n"
		"  --cc ALGO          TCP congestion control: newreno (default) or cubic\n"
		"  --seed N           seed of the stack's random numbers (default: random)\n"
		"  -h, --help         this help; COMMAND --help for a command's own\n"
		"\n"
		"Commands:\n",
		prog);
	for (const struct hk_cmd *c = hk_commands; c->name; c++)
		fprintf(out, "  %-14s %s\n", c->name, c->summary);
	fprintf(out,
		"\n"
		"Examples:\n"
		"  sudo %s serve                 # then, on the same host: ping 192.0.2.2\n"
		"  sudo %s ping -c 3 192.0.2.1\n"
		"  sudo ip netns exec hkns2 %s --dev packet:hkveth2 --ip 192.0.2.2/24 serve\n",
		prog, prog, prog);
}

/* "--ip 192.0.2.300/24: not an IPv4 address" */
static int parse_ip_prefix(const char *prog, const char *text, hk_ip4_t *ip, uint8_t *prefix)
{
	char addr[32];
	const char *slash = strchr(text, '/');
	size_t n = slash ? (size_t)(slash - text) : strlen(text);
	bool ok = n < sizeof(addr);
	if (ok) {
		memcpy(addr, text, n);
		addr[n] = '\0';
		ok = hk_ip4_parse(addr, ip) == 0;
	}
	if (!ok) {
		fprintf(stderr, "%s: --ip %s: not an IPv4 address\n", prog, text);
		return -1;
	}
	*prefix = 24;
	if (slash) {
		char *end;
		errno = 0;
		long p = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || errno || p < 1 || p > 32) {
			fprintf(stderr, "%s: --ip %s: the prefix length must be 1..32\n", prog, text);
			return -1;
		}
		*prefix = (uint8_t)p;
	}
	if (*ip == 0 || (*ip >> 24) == 127 || (*ip >> 28) >= 14) {
		fprintf(stderr, "%s: --ip %s: not a usable unicast address\n", prog, text);
		return -1;
	}
	return 0;
}

static int parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (text[0] == '-' || text[0] == '\0')
		return -1;
	unsigned long long v = strtoull(text, &end, 0);
	if (*end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

enum { OPT_DEV = 256, OPT_IP, OPT_GW, OPT_MAC, OPT_MTU, OPT_PCAP, OPT_STATS, OPT_IMPAIR, OPT_CC, OPT_SEED };

static const struct option global_opts[] = {
	{"dev", required_argument, NULL, OPT_DEV},
	{"ip", required_argument, NULL, OPT_IP},
	{"gw", required_argument, NULL, OPT_GW},
	{"mac", required_argument, NULL, OPT_MAC},
	{"mtu", required_argument, NULL, OPT_MTU},
	{"pcap", required_argument, NULL, OPT_PCAP},
	{"stats", no_argument, NULL, OPT_STATS},
	{"verbose", no_argument, NULL, 'v'},
	{"impair", required_argument, NULL, OPT_IMPAIR},
	{"cc", required_argument, NULL, OPT_CC},
	{"seed", required_argument, NULL, OPT_SEED},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_global(struct hk_cli *cli, int argc, char **argv)
{
	const char *prog = cli->prog;
	uint64_t v;
	int c;
	opterr = 0;
	/* "+": stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+:vh", global_opts, NULL)) != -1) {
		switch (c) {
		case OPT_DEV:
			cli->dev_spec = optarg;
			break;
		case OPT_IP:
			if (parse_ip_prefix(prog, optarg, &cli->ip, &cli->prefix) < 0)
				return 2;
			break;
		case OPT_GW:
			if (hk_ip4_parse(optarg, &cli->gw) < 0) {
				fprintf(stderr, "%s: --gw %s: not an IPv4 address\n", prog, optarg);
				return 2;
			}
			break;
		case OPT_MAC:
			if (hk_mac_parse(optarg, cli->mac) < 0) {
				fprintf(stderr, "%s: --mac %s: not a MAC address (like 00:00:5e:00:53:02)\n",
					prog, optarg);
				return 2;
			}
			if (cli->mac[0] & 1) {
				fprintf(stderr, "%s: --mac %s: a multicast MAC cannot be an interface's own\n",
					prog, optarg);
				return 2;
			}
			cli->has_mac = true;
			break;
		case OPT_MTU:
			/* RFC 791: every host must take 68-byte datagrams; the
			 * packet buffers hold 9216-byte jumbo frames. */
			if (parse_u64(optarg, 9000, &v) < 0 || v < 68) {
				fprintf(stderr, "%s: --mtu %s: must be a number in 68..9000\n", prog, optarg);
				return 2;
			}
			cli->mtu = (uint32_t)v;
			break;
		case OPT_PCAP:
			cli->pcap = optarg;
			break;
		case OPT_STATS:
			cli->stats = true;
			break;
		case 'v':
			cli->verbose++;
			break;
		case OPT_IMPAIR:
			cli->impair = optarg;
			break;
		case OPT_CC:
			if (strcmp(optarg, "newreno") != 0 && strcmp(optarg, "cubic") != 0) {
				fprintf(stderr, "%s: --cc %s: unknown; use newreno or cubic\n", prog, optarg);
				return 2;
			}
			cli->cc = optarg;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, UINT64_MAX, &cli->seed) < 0) {
				fprintf(stderr, "%s: --seed %s: not a number\n", prog, optarg);
				return 2;
			}
			cli->has_seed = true;
			break;
		case 'h':
			usage(stdout, prog);
			return -1;
		case ':':
			fprintf(stderr, "%s: %s needs a value (try --help)\n", prog, argv[optind - 1]);
			return 2;
		default:
			if (optopt && optopt < 256)
				fprintf(stderr, "%s: unknown option -%c (try --help)\n", prog, optopt);
			else
				fprintf(stderr, "%s: unknown option %s (try --help)\n", prog, argv[optind - 1]);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hk_cli cli;
	memset(&cli, 0, sizeof(cli));
	cli.prog = "hokuto";

	int rc = parse_global(&cli, argc, argv);
	if (rc < 0)
		return 0;
	if (rc > 0)
		return rc;
	if (optind >= argc) {
		usage(stderr, cli.prog);
		return 2;
	}
	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		if (optind + 1 < argc) {
			for (const struct hk_cmd *c = hk_commands; c->name; c++)
				if (strcmp(c->name, argv[optind + 1]) == 0) {
					char *hargv[] = {(char *)c->name, (char *)"--help", NULL};
					optind = 0;
					return c->run(&cli, 2, hargv);
				}
		}
		usage(stdout, cli.prog);
		return 0;
	}
	for (const struct hk_cmd *c = hk_commands; c->name; c++) {
		if (strcmp(c->name, name) == 0) {
			int cargc = argc - optind;
			char **cargv = argv + optind;
			/* The command parses its own options from a fresh getopt. */
			optind = 0;
			opterr = 1;
			rc = c->run(&cli, cargc, cargv);
			hk_cli_close_stack(&cli);
			fflush(stdout);
			return rc;
		}
	}
	fprintf(stderr, "%s: unknown command '%s' (try %s --help)\n", cli.prog, name, cli.prog);
	return 2;
}

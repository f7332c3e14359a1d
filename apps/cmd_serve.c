/* hokuto serve — bring the stack up and let it answer (ARP, ping, and
 * whatever the protocols answer on their own) until SIGINT/SIGTERM. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/stack_internal.h"

int hk_cmd_serve(struct hk_cli *cli, int argc, char **argv);

static void serve_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [OPTIONS] serve\n"
		"\n"
		"Runs the stack on its device until SIGINT or SIGTERM: answers ARP and\n"
		"ICMP echo (ping), reassembles fragments, counts every drop. Exits 0 with\n"
		"the --pcap capture complete.\n"
		"\n"
		"  -h, --help   this help\n"
		"\n"
		"Example: sudo %s serve   # then: ping 192.0.2.2\n",
		prog, prog);
}

int hk_cmd_serve(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			serve_usage(stdout, cli->prog);
			return 0;
		}
		serve_usage(stderr, cli->prog);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "%s serve: unexpected argument '%s'\n", cli->prog, argv[optind]);
		return 2;
	}
	int rc = hk_cli_open_stack(cli);
	if (rc)
		return rc;

	const struct hk_iface *ifc = &cli->stack->ifaces[0];
	char ip[16], mac[18];
	if (ifc->dev->link == HK_LINK_ETHERNET)
		printf("hokuto: serving %s/%u on %s (%s, mtu %u); Ctrl-C to stop\n", hk_ip4_str(ifc->addr, ip),
		       ifc->prefix, ifc->dev->name, hk_mac_str(ifc->mac, mac), ifc->mtu);
	else
		printf("hokuto: serving %s/%u on %s (mtu %u); Ctrl-C to stop\n", hk_ip4_str(ifc->addr, ip),
		       ifc->prefix, ifc->dev->name, ifc->mtu);
	fflush(stdout);

	hk_cli_run(cli, NULL, NULL, HK_TIME_NEVER);
	printf("hokuto: stopped\n");
	return 0;
}

/* hokuto CLI — the command table. One line per command; keep them sorted
 * by name and add yours without reordering the others. */
#include "cli.h"

int hk_cmd_craft(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_dissect(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_echo(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_nc(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_http_get(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_http_post(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_http_server(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_ping(struct hk_cli *cli, int argc, char **argv);
int hk_cmd_serve(struct hk_cli *cli, int argc, char **argv);

const struct hk_cmd hk_commands[] = {
	{"craft", "build an Ethernet/IPv4 frame field by field, send it, show the reply", hk_cmd_craft},
	{"dissect", "decode a pcap capture frame by frame, Wireshark-style", hk_cmd_dissect},
	{"echo-server", "echo every TCP connection back to itself (RFC 862) until Ctrl-C", hk_cmd_echo},
	{"nc", "netcat over hokuto's TCP: connect (or -l listen) and copy stdin/stdout", hk_cmd_nc},
	{"http-get", "fetch a URL over hokuto's TCP (HTTP/1.1 client, like curl)", hk_cmd_http_get},
	{"http-post", "POST form data to a URL over hokuto's TCP", hk_cmd_http_post},
	{"http-server", "HTTP/1.1 server: Hello World!, or static files with --dir", hk_cmd_http_server},
	{"ping", "send ICMP echo requests to a host, like iputils ping", hk_cmd_ping},
	{"serve", "run the stack: answer ARP and ping until Ctrl-C", hk_cmd_serve},
	{NULL, NULL, NULL},
};

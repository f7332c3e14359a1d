/* hokuto craft — seed 002 as a tool: build one Ethernet/IPv4 frame with TCP,
 * UDP or ICMP from field options (every header field settable, checksums
 * right by default or wrong on purpose), print it as hex and dissected,
 * send it on a device, resolve the destination MAC by ARP, and wait for
 * the matching reply. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "cli.h"
#include "dissect.h"
#include "hokuto/dev.h"
#include "hokuto/wire/arp.h"
#include "hokuto/wire/checksum.h"
#include "hokuto/wire/ether.h"
#include "hokuto/wire/icmp.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"
#include "hokuto/wire/udp.h"

int hk_cmd_craft(struct hk_cli *cli, int argc, char **argv);

#define FRAME_MAX 1514
#define RX_MAX 65600
#define ARP_TRIES 3
#define ARP_WAIT_MS 1000

enum l4 { L4_TCP, L4_UDP, L4_ICMP };

struct craft {
	const char *prog;
	const char *dev_spec;
	/* Ethernet */
	bool has_src_mac, has_dst_mac;
	uint8_t src_mac[6], dst_mac[6];
	/* IPv4 */
	hk_ip4_t src, dst, gw;
	bool has_src, has_dst;
	uint8_t tos, ttl;
	uint16_t id, frag_off;
	uint8_t ip_flags;
	bool has_proto;
	uint8_t proto;
	bool has_ip_len;
	uint16_t ip_len;
	uint8_t ip_opts[40];
	size_t ip_opts_len;
	bool has_ip_csum, bad_ip_csum;
	uint16_t ip_csum;
	/* transport */
	enum l4 l4;
	uint16_t sport, dport;
	bool has_sport;
	uint32_t seq, ack;
	bool has_seq;
	uint8_t flags;
	bool dth;
	uint8_t reserved;
	uint16_t window, urgent;
	bool has_data_off;
	uint8_t data_off; /* in 32-bit words */
	uint8_t tcp_opts[40];
	size_t tcp_opts_len;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	bool has_icmp_rest;
	uint32_t icmp_rest;
	bool has_l4_csum, bad_l4_csum;
	uint16_t l4_csum;
	uint8_t payload[1480];
	size_t payload_len;
	/* behaviour */
	double wait_s; /* < 0: do not wait */
	bool quiet;
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s craft [OPTIONS]\n"
		"\n"
		"Builds one Ethernet/IPv4 frame carrying TCP (default), UDP or ICMP from\n"
		"the fields below, prints it as hex and dissected, and with --dev sends it,\n"
		"resolving the destination MAC by ARP unless --dst-mac is given. With\n"
		"--wait it prints the matching reply and exits 0 when one came, 1 if not.\n"
		"\n"
		"Device and link:\n"
		"  --dev SPEC          packet:IFNAME, tap:NAME, tun:NAME (no --dev: print only);\n"
		"                      a tap or tun craft creates gets --dst/24 on its kernel side\n"
		"  --src-mac MAC       Ethernet source (default: the device's MAC)\n"
		"  --dst-mac MAC       Ethernet destination (default: ARP for --dst or --gw)\n"
		"  --gw ADDR           next hop to ARP for when --dst is not on the link\n"
		"IPv4:\n"
		"  --src ADDR --dst ADDR  addresses (--src defaults to the global --ip)\n"
		"  --tos N  --ttl N (64)  --id N (1)  --df (default) | --no-df  --mf\n"
		"  --evil              set the reserved \"evil\" bit (RFC 3514)\n"
		"  --frag-off N        fragment offset in bytes (a multiple of 8)\n"
		"  --proto N           protocol number (default: from the transport)\n"
		"  --ip-len N          total length (default: computed)\n"
		"  --ip-opt HEX        raw IP options, padded to 4 bytes with zeros\n"
		"  --ip-csum N | --bad-ip-csum   a given / a deliberately wrong checksum\n"
		"TCP (default):\n"
		"  --sport N (random) --dport N (80) --seq N (random) --ack N (0)\n"
		"  --flags LIST        FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,AE,DTH or a number (SYN)\n"
		"  --window N (64240)  --urgent N (0)  --reserved N (0..7, byte 12 low bits)\n"
		"  --data-off N        data offset in 32-bit words (default: computed)\n"
		"  --tcp-opt LIST      in order: mss=1460,ws=7,sackok,ts=VAL:ECR,nop,eol,\n"
		"                      sack=L-R/L-R,KIND:HEX (any option), padded with EOL\n"
		"UDP:  --udp  (--sport/--dport as above)\n"
		"ICMP: --icmp  --icmp-type N (8)  --icmp-code N (0)  --icmp-id N  --icmp-seq N\n"
		"      --icmp-rest N (the raw second word, for other types)\n"
		"Payload and checksums:\n"
		"  --payload TEXT  --payload-hex HEX\n"
		"  --l4-csum N | --bad-l4-csum   TCP/UDP/ICMP checksum given / wrong\n"
		"Output:\n"
		"  --wait SECONDS      wait for the matching reply (SYN-ACK, RST, echo reply,\n"
		"                      ICMP error) and print it\n"
		"  -q, --quiet         do not print the frame sent\n"
		"  -h, --help          this help\n"
		"\n"
		"Example (seed 002's SYN):\n"
		"  %s craft --dev packet:veth1 --src 192.0.2.2 --dst 192.0.2.1 --sport 12345 \\\n"
		"      --dport 54321 --seq 0 --window 64240 --id 0xabcd --df --wait 2\n",
		prog, prog);
}

/* ---- option parsing ------------------------------------------------- */

static int bad(const struct craft *c, const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "%s craft: %s %s: %s\n", c->prog, opt, val, why);
	return -1;
}

static int parse_num(const struct craft *c, const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return bad(c, opt, s, "expected a number");
	unsigned long long v = strtoull(s, &end, 0);
	if (*end || errno)
		return bad(c, opt, s, "expected a number (decimal or 0x hex)");
	if (v > max) {
		char why[64];
		snprintf(why, sizeof(why), "must be at most %" PRIu64, max);
		return bad(c, opt, s, why);
	}
	*out = v;
	return 0;
}

#define NUM(field, max)                                                     \
	do {                                                                \
		uint64_t v_;                                                \
		if (parse_num(c, name, optarg, (max), &v_) < 0)             \
			return -1;                                          \
		field = (__typeof__(field))v_;                              \
	} while (0)

static int parse_hex(const struct craft *c, const char *opt, const char *s, uint8_t *out, size_t cap,
		     size_t *len)
{
	size_t n = 0;
	for (const char *p = s; *p;) {
		if (*p == ':' || *p == ' ' || *p == '-') {
			p++;
			continue;
		}
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return bad(c, opt, s, "expected hex bytes, e.g. 0102ff");
		if (n >= cap)
			return bad(c, opt, s, "too long");
		char b[3] = {p[0], p[1], 0};
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		p += 2;
	}
	*len = n;
	return 0;
}

static int parse_flags(struct craft *c, const char *s)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} names[] = {{"FIN", HK_TCP_FIN}, {"SYN", HK_TCP_SYN}, {"RST", HK_TCP_RST}, {"PSH", HK_TCP_PSH},
		     {"ACK", HK_TCP_ACK}, {"URG", HK_TCP_URG}, {"ECE", HK_TCP_ECE}, {"CWR", HK_TCP_CWR}};
	c->flags = 0;
	c->dth = false;
	if (isdigit((unsigned char)s[0])) {
		uint64_t v;
		if (parse_num(c, "--flags", s, 0xfff, &v) < 0)
			return -1;
		/* the 12-bit field: DTH 0x800, reserved 0x600, AE 0x100, then byte 13 */
		c->flags = (uint8_t)v;
		c->dth = (v & 0x800) != 0;
		c->reserved = (uint8_t)((v >> 8) & 0x07);
		return 0;
	}
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *tok = strtok_r(buf, ",|+ ", &save); tok; tok = strtok_r(NULL, ",|+ ", &save)) {
		bool found = false;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcasecmp(tok, names[i].name) == 0) {
				c->flags |= names[i].bit;
				found = true;
			}
		}
		if (strcasecmp(tok, "DTH") == 0) {
			c->dth = true; /* RFC 9401 */
			found = true;
		} else if (strcasecmp(tok, "AE") == 0 || strcasecmp(tok, "NS") == 0) {
			c->reserved |= 0x01;
			found = true;
		} else if (strcasecmp(tok, "none") == 0) {
			found = true;
		}
		if (!found)
			return bad(c, "--flags", s, "names are FIN,SYN,RST,PSH,ACK,URG,ECE,CWR,AE,DTH");
	}
	return 0;
}

static int opt_put(struct craft *c, const char *spec, const uint8_t *b, size_t n)
{
	if (c->tcp_opts_len + n > sizeof(c->tcp_opts))
		return bad(c, "--tcp-opt", spec, "options longer than 40 bytes");
	memcpy(c->tcp_opts + c->tcp_opts_len, b, n);
	c->tcp_opts_len += n;
	return 0;
}

/* mss=1460,ws=7,sackok,ts=1:0,nop,eol,sack=1-2/3-4,KIND:HEX — in order. */
static int parse_tcp_opts(struct craft *c, const char *s)
{
	char buf[512];
	if (strlen(s) >= sizeof(buf))
		return bad(c, "--tcp-opt", s, "too long");
	memcpy(buf, s, strlen(s) + 1);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		uint8_t o[40];
		uint64_t v, w;
		if (strcasecmp(tok, "nop") == 0 && !val) {
			o[0] = HK_TCP_OPT_NOP;
			if (opt_put(c, s, o, 1) < 0)
				return -1;
		} else if (strcasecmp(tok, "eol") == 0 && !val) {
			o[0] = HK_TCP_OPT_EOL;
			if (opt_put(c, s, o, 1) < 0)
				return -1;
		} else if (strcasecmp(tok, "sackok") == 0 && !val) {
			o[0] = HK_TCP_OPT_SACK_PERM;
			o[1] = 2;
			if (opt_put(c, s, o, 2) < 0)
				return -1;
		} else if (strcasecmp(tok, "mss") == 0 && val) {
			if (parse_num(c, "--tcp-opt mss", val, 0xffff, &v) < 0)
				return -1;
			uint8_t m[4] = {HK_TCP_OPT_MSS, 4, (uint8_t)(v >> 8), (uint8_t)v};
			if (opt_put(c, s, m, 4) < 0)
				return -1;
		} else if (strcasecmp(tok, "ws") == 0 && val) {
			if (parse_num(c, "--tcp-opt ws", val, 0xff, &v) < 0)
				return -1;
			uint8_t m[3] = {HK_TCP_OPT_WSCALE, 3, (uint8_t)v};
			if (opt_put(c, s, m, 3) < 0)
				return -1;
		} else if (strcasecmp(tok, "ts") == 0 && val) {
			char *colon = strchr(val, ':');
			if (!colon)
				return bad(c, "--tcp-opt ts", val, "expected TSVAL:TSECR");
			*colon = '\0';
			if (parse_num(c, "--tcp-opt ts", val, 0xffffffffu, &v) < 0 ||
			    parse_num(c, "--tcp-opt ts", colon + 1, 0xffffffffu, &w) < 0)
				return -1;
			uint8_t m[10] = {HK_TCP_OPT_TIMESTAMP, 10};
			for (int i = 0; i < 4; i++) {
				m[2 + i] = (uint8_t)(v >> (24 - 8 * i));
				m[6 + i] = (uint8_t)(w >> (24 - 8 * i));
			}
			if (opt_put(c, s, m, 10) < 0)
				return -1;
		} else if (strcasecmp(tok, "sack") == 0 && val) {
			uint8_t m[34] = {HK_TCP_OPT_SACK, 2};
			size_t n = 2;
			char *save2 = NULL;
			for (char *blk = strtok_r(val, "/", &save2); blk; blk = strtok_r(NULL, "/", &save2)) {
				char *dash = strchr(blk, '-');
				if (!dash || n + 8 > sizeof(m))
					return bad(c, "--tcp-opt sack", blk, "expected up to 4 blocks LEFT-RIGHT/LEFT-RIGHT");
				*dash = '\0';
				if (parse_num(c, "--tcp-opt sack", blk, 0xffffffffu, &v) < 0 ||
				    parse_num(c, "--tcp-opt sack", dash + 1, 0xffffffffu, &w) < 0)
					return -1;
				for (int i = 0; i < 4; i++) {
					m[n + (size_t)i] = (uint8_t)(v >> (24 - 8 * i));
					m[n + 4 + (size_t)i] = (uint8_t)(w >> (24 - 8 * i));
				}
				n += 8;
			}
			m[1] = (uint8_t)n;
			if (opt_put(c, s, m, n) < 0)
				return -1;
		} else if (isdigit((unsigned char)tok[0]) && strchr(tok, ':')) {
			/* KIND:HEX, any option; the length octet is computed */
			char *colon = strchr(tok, ':');
			*colon = '\0';
			size_t dl;
			if (parse_num(c, "--tcp-opt", tok, 0xff, &v) < 0 ||
			    parse_hex(c, "--tcp-opt", colon + 1, o + 2, sizeof(o) - 2, &dl) < 0)
				return -1;
			o[0] = (uint8_t)v;
			o[1] = (uint8_t)(dl + 2);
			if (opt_put(c, s, o, dl + 2) < 0)
				return -1;
		} else {
			return bad(c, "--tcp-opt", s,
				   "options are mss=N, ws=N, sackok, ts=VAL:ECR, nop, eol, sack=L-R/L-R, KIND:HEX");
		}
	}
	/* pad to a 32-bit boundary with EOL (zeros), RFC 9293 3.1 */
	while (c->tcp_opts_len % 4) {
		uint8_t z = 0;
		if (opt_put(c, s, &z, 1) < 0)
			return -1;
	}
	return 0;
}

enum {
	O_DEV = 256, O_SRC_MAC, O_DST_MAC, O_GW, O_SRC, O_DST, O_TOS, O_TTL, O_ID, O_DF, O_NO_DF, O_MF,
	O_EVIL, O_FRAG_OFF, O_PROTO, O_IP_LEN, O_IP_OPT, O_IP_CSUM, O_BAD_IP_CSUM, O_TCP, O_UDP, O_ICMP,
	O_SPORT, O_DPORT, O_SEQ, O_ACK, O_FLAGS, O_WINDOW, O_URGENT, O_RESERVED, O_DATA_OFF, O_TCP_OPT,
	O_ICMP_TYPE, O_ICMP_CODE, O_ICMP_ID, O_ICMP_SEQ, O_ICMP_REST, O_PAYLOAD, O_PAYLOAD_HEX, O_L4_CSUM,
	O_BAD_L4_CSUM, O_WAIT,
};

static const struct option longopts[] = {
	{"dev", required_argument, NULL, O_DEV},
	{"src-mac", required_argument, NULL, O_SRC_MAC},
	{"dst-mac", required_argument, NULL, O_DST_MAC},
	{"gw", required_argument, NULL, O_GW},
	{"src", required_argument, NULL, O_SRC},
	{"dst", required_argument, NULL, O_DST},
	{"tos", required_argument, NULL, O_TOS},
	{"ttl", required_argument, NULL, O_TTL},
	{"id", required_argument, NULL, O_ID},
	{"df", no_argument, NULL, O_DF},
	{"no-df", no_argument, NULL, O_NO_DF},
	{"mf", no_argument, NULL, O_MF},
	{"evil", no_argument, NULL, O_EVIL},
	{"frag-off", required_argument, NULL, O_FRAG_OFF},
	{"proto", required_argument, NULL, O_PROTO},
	{"ip-len", required_argument, NULL, O_IP_LEN},
	{"ip-opt", required_argument, NULL, O_IP_OPT},
	{"ip-csum", required_argument, NULL, O_IP_CSUM},
	{"bad-ip-csum", no_argument, NULL, O_BAD_IP_CSUM},
	{"tcp", no_argument, NULL, O_TCP},
	{"udp", no_argument, NULL, O_UDP},
	{"icmp", no_argument, NULL, O_ICMP},
	{"sport", required_argument, NULL, O_SPORT},
	{"dport", required_argument, NULL, O_DPORT},
	{"seq", required_argument, NULL, O_SEQ},
	{"ack", required_argument, NULL, O_ACK},
	{"flags", required_argument, NULL, O_FLAGS},
	{"window", required_argument, NULL, O_WINDOW},
	{"urgent", required_argument, NULL, O_URGENT},
	{"reserved", required_argument, NULL, O_RESERVED},
	{"data-off", required_argument, NULL, O_DATA_OFF},
	{"tcp-opt", required_argument, NULL, O_TCP_OPT},
	{"icmp-type", required_argument, NULL, O_ICMP_TYPE},
	{"icmp-code", required_argument, NULL, O_ICMP_CODE},
	{"icmp-id", required_argument, NULL, O_ICMP_ID},
	{"icmp-seq", required_argument, NULL, O_ICMP_SEQ},
	{"icmp-rest", required_argument, NULL, O_ICMP_REST},
	{"payload", required_argument, NULL, O_PAYLOAD},
	{"payload-hex", required_argument, NULL, O_PAYLOAD_HEX},
	{"l4-csum", required_argument, NULL, O_L4_CSUM},
	{"bad-l4-csum", no_argument, NULL, O_BAD_L4_CSUM},
	{"wait", required_argument, NULL, O_WAIT},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_ip(struct craft *c, const char *opt, const char *s, hk_ip4_t *out)
{
	if (hk_ip4_parse(s, out) < 0)
		return bad(c, opt, s, "not an IPv4 address");
	return 0;
}

static int parse_mac(struct craft *c, const char *opt, const char *s, uint8_t mac[6])
{
	if (hk_mac_parse(s, mac) < 0)
		return bad(c, opt, s, "not a MAC address (like 00:00:5e:00:53:01)");
	return 0;
}

/* Returns 0, 1 after --help, or -1 on a bad option. */
static int parse_args(struct craft *c, int argc, char **argv)
{
	int o, idx;
	optind = 0; /* a fresh getopt, as main.c does */
	while ((o = getopt_long(argc, argv, "+qh", longopts, &idx)) != -1) {
		char name[40];
		snprintf(name, sizeof(name), "--%s", o >= O_DEV ? longopts[idx].name : "");
		uint64_t v;
		switch (o) {
		case O_DEV:
			c->dev_spec = optarg;
			break;
		case O_SRC_MAC:
			if (parse_mac(c, name, optarg, c->src_mac) < 0)
				return -1;
			c->has_src_mac = true;
			break;
		case O_DST_MAC:
			if (parse_mac(c, name, optarg, c->dst_mac) < 0)
				return -1;
			c->has_dst_mac = true;
			break;
		case O_GW:
			if (parse_ip(c, name, optarg, &c->gw) < 0)
				return -1;
			break;
		case O_SRC:
			if (parse_ip(c, name, optarg, &c->src) < 0)
				return -1;
			c->has_src = true;
			break;
		case O_DST:
			if (parse_ip(c, name, optarg, &c->dst) < 0)
				return -1;
			c->has_dst = true;
			break;
		case O_TOS:
			NUM(c->tos, 0xff);
			break;
		case O_TTL:
			NUM(c->ttl, 0xff);
			break;
		case O_ID:
			NUM(c->id, 0xffff);
			break;
		case O_DF:
			c->ip_flags |= HK_IPV4_FLAG_DF;
			break;
		case O_NO_DF:
			c->ip_flags &= (uint8_t)~HK_IPV4_FLAG_DF;
			break;
		case O_MF:
			c->ip_flags |= HK_IPV4_FLAG_MF;
			break;
		case O_EVIL:
			c->ip_flags |= HK_IPV4_FLAG_EVIL; /* RFC 3514 */
			break;
		case O_FRAG_OFF:
			if (parse_num(c, name, optarg, 0x1fff * 8, &v) < 0)
				return -1;
			if (v % 8)
				return bad(c, name, optarg, "fragment offsets are multiples of 8 bytes");
			c->frag_off = (uint16_t)(v / 8);
			break;
		case O_PROTO:
			NUM(c->proto, 0xff);
			c->has_proto = true;
			break;
		case O_IP_LEN:
			NUM(c->ip_len, 0xffff);
			c->has_ip_len = true;
			break;
		case O_IP_OPT:
			if (parse_hex(c, name, optarg, c->ip_opts, sizeof(c->ip_opts), &c->ip_opts_len) < 0)
				return -1;
			break;
		case O_IP_CSUM:
			NUM(c->ip_csum, 0xffff);
			c->has_ip_csum = true;
			break;
		case O_BAD_IP_CSUM:
			c->bad_ip_csum = true;
			break;
		case O_TCP:
			c->l4 = L4_TCP;
			break;
		case O_UDP:
			c->l4 = L4_UDP;
			break;
		case O_ICMP:
			c->l4 = L4_ICMP;
			break;
		case O_SPORT:
			NUM(c->sport, 0xffff);
			c->has_sport = true;
			break;
		case O_DPORT:
			NUM(c->dport, 0xffff);
			break;
		case O_SEQ:
			NUM(c->seq, 0xffffffffu);
			c->has_seq = true;
			break;
		case O_ACK:
			NUM(c->ack, 0xffffffffu);
			break;
		case O_FLAGS:
			if (parse_flags(c, optarg) < 0)
				return -1;
			break;
		case O_WINDOW:
			NUM(c->window, 0xffff);
			break;
		case O_URGENT:
			NUM(c->urgent, 0xffff);
			break;
		case O_RESERVED:
			NUM(c->reserved, 7);
			break;
		case O_DATA_OFF:
			NUM(c->data_off, 15);
			c->has_data_off = true;
			break;
		case O_TCP_OPT:
			if (parse_tcp_opts(c, optarg) < 0)
				return -1;
			break;
		case O_ICMP_TYPE:
			NUM(c->icmp_type, 0xff);
			c->l4 = L4_ICMP;
			break;
		case O_ICMP_CODE:
			NUM(c->icmp_code, 0xff);
			c->l4 = L4_ICMP;
			break;
		case O_ICMP_ID:
			NUM(c->icmp_id, 0xffff);
			break;
		case O_ICMP_SEQ:
			NUM(c->icmp_seq, 0xffff);
			break;
		case O_ICMP_REST:
			NUM(c->icmp_rest, 0xffffffffu);
			c->has_icmp_rest = true;
			break;
		case O_PAYLOAD: {
			size_t n = strlen(optarg);
			if (n > sizeof(c->payload))
				return bad(c, name, "...", "payload larger than 1480 bytes");
			memcpy(c->payload, optarg, n);
			c->payload_len = n;
			break;
		}
		case O_PAYLOAD_HEX:
			if (parse_hex(c, name, optarg, c->payload, sizeof(c->payload), &c->payload_len) < 0)
				return -1;
			break;
		case O_L4_CSUM:
			NUM(c->l4_csum, 0xffff);
			c->has_l4_csum = true;
			break;
		case O_BAD_L4_CSUM:
			c->bad_l4_csum = true;
			break;
		case O_WAIT: {
			char *end;
			c->wait_s = strtod(optarg, &end);
			if (*end || !(c->wait_s >= 0) || c->wait_s > 3600)
				return bad(c, name, optarg, "expected seconds (0..3600)");
			break;
		}
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			usage(stdout, c->prog);
			return 1;
		default:
			usage(stderr, c->prog);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s craft: unexpected argument '%s'\n", c->prog, argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- building ----------------------------------------------------------- */

/* A deliberately wrong checksum: never one the receiver would accept
 * (0x0000 and 0xffff are the same value in one's complement). */
static uint16_t wrong(uint16_t good)
{
	uint16_t w = good ^ 0x5555;
	return w ? w : 0x1234;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes the transport part at l4 (for the IPv4 packet src -> dst); returns its length. */
static size_t build_l4(const struct craft *c, uint8_t *l4)
{
	size_t n;
	uint16_t csum_off;
	switch (c->l4) {
	case L4_TCP: {
		/* header + raw options + payload; the wire builder writes the
		 * header and checksum, then the options' data offset is set and
		 * the checksum recomputed over the whole segment */
		size_t hl = HK_TCP_HDR_LEN + c->tcp_opts_len;
		memcpy(l4 + HK_TCP_HDR_LEN, c->tcp_opts, c->tcp_opts_len);
		memcpy(l4 + hl, c->payload, c->payload_len);
		struct hk_tcp_hdr th = {.sport = c->sport, .dport = c->dport, .seq = c->seq, .ack = c->ack,
					.reserved = c->reserved, .dth = c->dth, .flags = c->flags,
					.window = c->window, .urgent = c->urgent};
		hk_tcp_emit(&th, l4, c->tcp_opts_len + c->payload_len, c->src, c->dst);
		n = hl + c->payload_len;
		uint8_t doff = c->has_data_off ? c->data_off : (uint8_t)(hl / 4);
		l4[12] = (uint8_t)((doff << 4) | (l4[12] & 0x0f));
		put16(l4 + 16, 0);
		put16(l4 + 16, hk_csum_finish(hk_csum_add(hk_csum_pseudo(c->src, c->dst, HK_IPPROTO_TCP, (uint16_t)n), l4, n)));
		csum_off = 16;
		break;
	}
	case L4_UDP:
		memcpy(l4 + HK_UDP_HDR_LEN, c->payload, c->payload_len);
		n = hk_udp_emit(l4, c->sport, c->dport, c->payload_len, c->src, c->dst);
		csum_off = 6;
		break;
	case L4_ICMP:
	default: {
		struct hk_icmp_hdr ih = {.type = c->icmp_type, .code = c->icmp_code, .id = c->icmp_id,
					 .seq = c->icmp_seq, .rest = c->icmp_rest, .payload = c->payload,
					 .payload_len = c->payload_len};
		if (c->has_icmp_rest) {
			/* the raw word wins over the per-type fields */
			ih.id = (uint16_t)(c->icmp_rest >> 16);
			ih.seq = (uint16_t)c->icmp_rest;
			ih.next_mtu = (uint16_t)c->icmp_rest;
		}
		n = hk_icmp_emit(&ih, l4);
		csum_off = 2;
		break;
	}
	}
	uint16_t good = (uint16_t)((l4[csum_off] << 8) | l4[csum_off + 1]);
	if (c->has_l4_csum)
		put16(l4 + csum_off, c->l4_csum);
	else if (c->bad_l4_csum)
		put16(l4 + csum_off, wrong(good));
	return n;
}

/* Builds the IPv4 packet at ip; returns its length. */
static size_t build_ip(const struct craft *c, uint8_t *ip)
{
	size_t hl = HK_IPV4_HDR_LEN + ((c->ip_opts_len + 3) & ~(size_t)3);
	size_t l4len = build_l4(c, ip + hl);
	uint8_t proto = c->has_proto ? c->proto :
			c->l4 == L4_TCP ? HK_IPPROTO_TCP : c->l4 == L4_UDP ? HK_IPPROTO_UDP : HK_IPPROTO_ICMP;
	struct hk_ipv4_hdr h = {.version = 4, .ihl = (uint8_t)(hl / 4), .tos = c->tos,
				.total_len = c->has_ip_len ? c->ip_len : (uint16_t)(hl + l4len), .id = c->id,
				.flags = c->ip_flags, .frag_off = c->frag_off, .ttl = c->ttl, .proto = proto,
				.src = c->src, .dst = c->dst, .options = c->ip_opts_len ? c->ip_opts : NULL,
				.options_len = (uint8_t)c->ip_opts_len};
	hk_ipv4_emit(&h, ip);
	uint16_t good = (uint16_t)((ip[10] << 8) | ip[11]);
	if (c->has_ip_csum)
		put16(ip + 10, c->ip_csum);
	else if (c->bad_ip_csum)
		put16(ip + 10, wrong(good));
	return hl + l4len;
}

/* ---- device I/O --------------------------------------------------------- */

static hk_time_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (hk_time_t)ts.tv_sec * 1000000u + (hk_time_t)ts.tv_nsec / 1000u;
}

/* Waits for and reads one frame before `deadline`; returns its length,
 * 0 at the deadline, < 0 on a device error. */
static ssize_t rx_until(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t deadline)
{
	for (;;) {
		hk_time_t now = now_us();
		ssize_t n = dev->ops->rx(dev, buf, cap, now);
		if (n != 0 && n != -EMSGSIZE)
			return n;
		if (n == -EMSGSIZE)
			continue; /* too large to be a reply of ours */
		if (now >= deadline)
			return 0;
		hk_time_t until = deadline;
		if (dev->ops->next_deadline) {
			hk_time_t d = dev->ops->next_deadline(dev);
			if (d < until)
				until = d;
		}
		int ms = (int)((until - now + 999) / 1000);
		int fd = dev->ops->fd(dev);
		if (fd >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, ms) < 0 && errno != EINTR)
				return -errno;
		} else {
			struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		if (hk_cli_stop)
			return 0;
	}
}

/* Answers an ARP request for our source address so the peer can reply
 * (we are not the kernel's address: nobody else answers for it). */
static bool answer_arp(struct craft *c, struct hk_dev *dev, const uint8_t *f, size_t n)
{
	struct hk_ether_hdr eh;
	struct hk_arp_pkt a;
	if (hk_ether_parse(f, n, &eh) < 0 || eh.type != HK_ETHERTYPE_ARP ||
	    hk_arp_parse(f + HK_ETHER_HDR_LEN, n - HK_ETHER_HDR_LEN, &a) < 0)
		return false;
	if (a.op != HK_ARP_OP_REQUEST || a.tpa != c->src)
		return true;
	uint8_t out[HK_ETHER_HDR_LEN + HK_ARP_LEN + 18];
	memset(out, 0, sizeof(out));
	struct hk_ether_hdr oh = {.type = HK_ETHERTYPE_ARP};
	memcpy(oh.dst, a.sha, 6);
	memcpy(oh.src, c->src_mac, 6);
	hk_ether_emit(&oh, out);
	struct hk_arp_pkt r = {.op = HK_ARP_OP_REPLY, .spa = c->src, .tpa = a.spa};
	memcpy(r.sha, c->src_mac, 6);
	memcpy(r.tha, a.sha, 6);
	hk_arp_emit(&r, out + HK_ETHER_HDR_LEN);
	dev->ops->tx(dev, out, sizeof(out), now_us());
	return true;
}

/* Resolves the next hop's MAC (RFC 826): a broadcast request, a few tries. */
static int arp_resolve(struct craft *c, struct hk_dev *dev, hk_ip4_t target, uint8_t *buf)
{
	char ip[16], m[18];
	uint8_t req[HK_ETHER_HDR_LEN + HK_ARP_LEN + 18]; /* padded to the 60-byte minimum */
	memset(req, 0, sizeof(req));
	struct hk_ether_hdr eh = {.type = HK_ETHERTYPE_ARP};
	memcpy(eh.dst, hk_ether_broadcast, 6);
	memcpy(eh.src, c->src_mac, 6);
	hk_ether_emit(&eh, req);
	struct hk_arp_pkt a = {.op = HK_ARP_OP_REQUEST, .spa = c->src, .tpa = target};
	memcpy(a.sha, c->src_mac, 6);
	hk_arp_emit(&a, req + HK_ETHER_HDR_LEN);
	for (int t = 0; t < ARP_TRIES && !hk_cli_stop; t++) {
		int rc = dev->ops->tx(dev, req, sizeof(req), now_us());
		if (rc < 0) {
			fprintf(stderr, "%s craft: %s: sending the ARP request: %s\n", c->prog, dev->name, strerror(-rc));
			return -1;
		}
		hk_time_t deadline = now_us() + HK_MSEC(ARP_WAIT_MS);
		for (;;) {
			ssize_t n = rx_until(dev, buf, RX_MAX, deadline);
			if (n <= 0)
				break;
			struct hk_ether_hdr rh;
			struct hk_arp_pkt r;
			if (hk_ether_parse(buf, (size_t)n, &rh) == 0 && rh.type == HK_ETHERTYPE_ARP &&
			    hk_arp_parse(buf + HK_ETHER_HDR_LEN, (size_t)n - HK_ETHER_HDR_LEN, &r) == 0 &&
			    r.op == HK_ARP_OP_REPLY && r.spa == target) {
				memcpy(c->dst_mac, r.sha, 6);
				if (!c->quiet)
					printf("ARP: %s is at %s\n", hk_ip4_str(target, ip), hk_mac_str(r.sha, m));
				return 0;
			}
		}
	}
	fprintf(stderr, "%s craft: no ARP reply from %s on %s after %d tries: is it up and on this link? "
		"(or give --dst-mac)\n", c->prog, hk_ip4_str(target, ip), dev->name, ARP_TRIES);
	return -1;
}

/* Is the IPv4 packet p (n bytes) an answer to what we sent? A segment or
 * datagram of the reverse flow, an echo reply, or an ICMP error quoting
 * our packet. */
static bool matches(const struct craft *c, const uint8_t *p, size_t n)
{
	struct hk_ipv4_hdr ih;
	if (hk_ipv4_parse(p, n, false, &ih) != HK_IPV4_OK || ih.dst != c->src || ih.frag_off)
		return false;
	const uint8_t *l4 = p + ih.ihl * 4u;
	size_t l4n = ih.total_len - ih.ihl * 4u;
	if (ih.proto == HK_IPPROTO_ICMP && l4n >= HK_ICMP_HDR_LEN) {
		uint8_t type = l4[0];
		if (type == HK_ICMP_DEST_UNREACH || type == HK_ICMP_TIME_EXCEEDED || type == HK_ICMP_PARAM_PROBLEM ||
		    type == 4 || type == 5) {
			/* the quoted header: ours if addresses, protocol (and ports) agree */
			const uint8_t *q = l4 + HK_ICMP_HDR_LEN;
			size_t qn = l4n - HK_ICMP_HDR_LEN;
			if (qn < HK_IPV4_HDR_LEN || (q[0] >> 4) != 4)
				return false;
			size_t qhl = (size_t)(q[0] & 0x0f) * 4;
			hk_ip4_t qsrc = ((hk_ip4_t)q[12] << 24) | ((hk_ip4_t)q[13] << 16) | ((hk_ip4_t)q[14] << 8) | q[15];
			hk_ip4_t qdst = ((hk_ip4_t)q[16] << 24) | ((hk_ip4_t)q[17] << 16) | ((hk_ip4_t)q[18] << 8) | q[19];
			if (qsrc != c->src || qdst != c->dst)
				return false;
			if ((c->l4 == L4_TCP || c->l4 == L4_UDP) && qn >= qhl + 4)
				return ((q[qhl] << 8) | q[qhl + 1]) == c->sport && ((q[qhl + 2] << 8) | q[qhl + 3]) == c->dport;
			return true;
		}
	}
	if (ih.src != c->dst)
		return false;
	switch (c->l4) {
	case L4_TCP:
		return ih.proto == HK_IPPROTO_TCP && l4n >= 4 && ((l4[0] << 8) | l4[1]) == c->dport &&
		       ((l4[2] << 8) | l4[3]) == c->sport;
	case L4_UDP:
		return ih.proto == HK_IPPROTO_UDP && l4n >= 4 && ((l4[0] << 8) | l4[1]) == c->dport &&
		       ((l4[2] << 8) | l4[3]) == c->sport;
	case L4_ICMP:
	default:
		if (ih.proto != HK_IPPROTO_ICMP || l4n < HK_ICMP_HDR_LEN)
			return false;
		if (c->icmp_type == HK_ICMP_ECHO_REQUEST)
			return l4[0] == HK_ICMP_ECHO_REPLY && ((l4[4] << 8) | l4[5]) == c->icmp_id &&
			       ((l4[6] << 8) | l4[7]) == c->icmp_seq;
		if (c->icmp_type == 13) /* timestamp request -> reply */
			return l4[0] == 14 && ((l4[4] << 8) | l4[5]) == c->icmp_id;
		return true; /* any other ICMP message from the destination */
	}
}

static void print_block(const char *title, enum hk_link link, const uint8_t *f, size_t n, bool hex)
{
	static char text[65536];
	printf("%s (%zu bytes)\n", title, n);
	if (hex) {
		hk_hexdump(f, n, text, sizeof(text));
		fputs(text, stdout);
	}
	hk_dissect(link, f, n, text, sizeof(text));
	fputs(text, stdout);
}

static uint32_t random32(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint32_t)now_us() * 2654435761u;
	return v;
}

int hk_cmd_craft(struct hk_cli *cli, int argc, char **argv)
{
	struct craft *c = calloc(1, sizeof(*c));
	uint8_t *rx = malloc(RX_MAX);
	if (!c || !rx) {
		fprintf(stderr, "hokuto craft: out of memory\n");
		free(c);
		free(rx);
		return 1;
	}
	c->prog = cli && cli->prog ? cli->prog : "hokuto";
	c->ttl = 64;
	c->id = 1;
	c->ip_flags = HK_IPV4_FLAG_DF;
	c->dport = 80;
	c->flags = HK_TCP_SYN;
	c->window = 64240;
	c->icmp_type = HK_ICMP_ECHO_REQUEST;
	c->wait_s = -1;
	/* the global options are defaults for ours */
	if (cli) {
		c->dev_spec = cli->dev_spec;
		if (cli->ip) {
			c->src = cli->ip;
			c->has_src = true;
		}
		if (cli->has_mac) {
			memcpy(c->src_mac, cli->mac, 6);
			c->has_src_mac = true;
		}
		c->gw = cli->gw;
	}
	int rc = parse_args(c, argc, argv);
	if (rc != 0) {
		free(c);
		free(rx);
		return rc > 0 ? 0 : 2;
	}
	rc = 1;
	struct hk_dev *dev = NULL;
	if (!c->has_dst) {
		fprintf(stderr, "%s craft: --dst ADDR is required (see %s craft --help)\n", c->prog, c->prog);
		rc = 2;
		goto out;
	}
	if (!c->has_src) {
		fprintf(stderr, "%s craft: --src ADDR is required (or the global --ip)\n", c->prog);
		rc = 2;
		goto out;
	}
	if (c->l4 == L4_ICMP && c->payload_len == 0 && c->icmp_type == HK_ICMP_ECHO_REQUEST) {
		/* like ping: 56 bytes of data */
		for (size_t i = 0; i < 56; i++)
			c->payload[i] = (uint8_t)(0x10 + i);
		c->payload_len = 56;
	}
	uint32_t r = random32();
	if (!c->has_sport && c->l4 != L4_ICMP)
		c->sport = (uint16_t)(49152 + r % 16384); /* RFC 6335 dynamic ports */
	if (!c->has_seq)
		c->seq = random32();
	if (c->l4 == L4_ICMP && c->icmp_id == 0)
		c->icmp_id = (uint16_t)(r >> 16);
	size_t l4hdr = c->l4 == L4_TCP ? HK_TCP_HDR_LEN + c->tcp_opts_len : HK_UDP_HDR_LEN;
	size_t total = HK_IPV4_HDR_LEN + ((c->ip_opts_len + 3) & ~(size_t)3) + l4hdr + c->payload_len;
	if (total > FRAME_MAX - HK_ETHER_HDR_LEN) {
		fprintf(stderr, "%s craft: the packet would be %zu bytes, above 1500: shorten the payload\n",
			c->prog, total);
		rc = 2;
		goto out;
	}

	/* the device: opened first so the source MAC can default to its own */
	enum hk_link link = HK_LINK_ETHERNET;
	if (c->dev_spec) {
		struct hk_dev_open_opts oo;
		memset(&oo, 0, sizeof(oo));
		oo.seed = random32();
		/* a tap created here: its kernel side becomes the destination,
		 * so there is a peer to answer (ignored for existing devices) */
		oo.kernel_addr = c->dst;
		oo.kernel_prefix = 24;
		char err[256];
		int e = hk_dev_open(c->dev_spec, &oo, &dev, err, sizeof(err));
		if (e < 0) {
			fprintf(stderr, "%s craft: %s\n", c->prog, err[0] ? err : strerror(-e));
			goto out;
		}
		link = dev->link;
		if (!c->has_src_mac)
			memcpy(c->src_mac, dev->mac, 6);
	}

	uint8_t frame[FRAME_MAX];
	size_t off = link == HK_LINK_ETHERNET ? HK_ETHER_HDR_LEN : 0;
	size_t iplen = build_ip(c, frame + off);
	size_t flen = off + iplen;
	uint8_t *rxbuf = rx;
	if (link == HK_LINK_ETHERNET) {
		if (!c->has_dst_mac) {
			if (!dev) {
				memcpy(c->dst_mac, hk_ether_broadcast, 6); /* printing only */
			} else {
				hk_ip4_t hop = c->gw ? c->gw : c->dst;
				if (arp_resolve(c, dev, hop, rxbuf) < 0)
					goto out;
			}
		}
		struct hk_ether_hdr eh = {.type = HK_ETHERTYPE_IPV4};
		memcpy(eh.dst, c->dst_mac, 6);
		memcpy(eh.src, c->src_mac, 6);
		hk_ether_emit(&eh, frame);
	}
	if (!c->quiet) {
		print_block(dev ? "Sending" : "Frame", link, frame, flen, true);
		fflush(stdout);
	}
	if (!dev) {
		rc = 0;
		goto out;
	}
	hk_time_t sent = now_us();
	int e = dev->ops->tx(dev, frame, flen, sent);
	if (e < 0) {
		fprintf(stderr, "%s craft: %s: sending: %s\n", c->prog, dev->name, strerror(-e));
		goto out;
	}
	if (c->wait_s < 0) {
		rc = 0;
		goto out;
	}
	hk_time_t deadline = sent + (hk_time_t)(c->wait_s * 1e6);
	for (;;) {
		ssize_t n = rx_until(dev, rxbuf, RX_MAX, deadline);
		if (n < 0) {
			fprintf(stderr, "%s craft: %s: receiving: %s\n", c->prog, dev->name, strerror((int)-n));
			break;
		}
		if (n == 0) {
			fprintf(stderr, "%s craft: no reply within %.1f s\n", c->prog, c->wait_s);
			break;
		}
		const uint8_t *ip = rxbuf;
		size_t ipn = (size_t)n;
		if (link == HK_LINK_ETHERNET) {
			if (answer_arp(c, dev, rxbuf, (size_t)n))
				continue;
			struct hk_ether_hdr eh;
			if (hk_ether_parse(rxbuf, (size_t)n, &eh) < 0 || eh.type != HK_ETHERTYPE_IPV4)
				continue;
			ip += HK_ETHER_HDR_LEN;
			ipn -= HK_ETHER_HDR_LEN;
		}
		if (!matches(c, ip, ipn))
			continue;
		char title[64];
		snprintf(title, sizeof(title), "Reply after %.3f ms", (double)(now_us() - sent) / 1000.0);
		print_block(title, link, rxbuf, (size_t)n, false);
		rc = 0;
		break;
	}
out:
	fflush(stdout);
	hk_dev_close(dev);
	free(c);
	free(rx);
	return rc;
}

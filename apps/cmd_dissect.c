/* hokuto dissect — decode a classic pcap file, one Wireshark-like block
 * per frame (Ethernet, raw IPv4; ARP, IPv4, ICMP, UDP, TCP with options and
 * the RFC 9401 Death flag, the first line of HTTP). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dissect.h"

int hk_cmd_dissect(struct hk_cli *cli, int argc, char **argv);

#define PCAP_MAX_SNAPLEN 262144u /* libpcap's MAXIMUM_SNAPLEN */
#define TEXT_CAP (64u * 1024u)
#define HEX_CAP (PCAP_MAX_SNAPLEN / 16u * 80u + 1024u)

/* Classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
 * a 24-byte file header, then 16-byte record headers each followed by
 * incl_len bytes. */
struct pcap_in {
	FILE *f;
	bool swapped; /* file written on the other byte order */
	bool nsec;    /* fractions are nanoseconds */
	uint32_t linktype;
};

static uint32_t rd32(const uint8_t *p, bool big)
{
	if (big)
		return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s dissect [-x] [-c COUNT] [FILE.pcap|-]\n"
		"\n"
		"Decodes a classic pcap capture (either byte order, micro- or nanosecond\n"
		"timestamps; link types Ethernet (1) and raw IPv4 (101, 228)) into one\n"
		"Wireshark-like block per frame. Checksums are verified. Reads standard\n"
		"input when FILE is '-' or absent.\n"
		"\n"
		"  -x, --hex        also print each frame as hex and ASCII\n"
		"  -c, --count N    stop after N frames\n"
		"  -h, --help       this help\n"
		"\n"
		"Example: %s dissect capture.pcap\n",
		prog, prog);
}

/* Reads exactly n bytes; returns how many were read (< n at end of file). */
static size_t read_full(FILE *f, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t r = fread(buf + got, 1, n - got, f);
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static int open_header(struct pcap_in *in, const char *prog, const char *name)
{
	uint8_t h[24];
	size_t got = read_full(in->f, h, sizeof(h));
	if (got < sizeof(h)) {
		fprintf(stderr, "%s dissect: %s: %s (%zu bytes): not a pcap file\n", prog, name,
			got ? "shorter than a pcap file header" : "empty", got);
		return -1;
	}
	uint32_t le = rd32(h, false);
	bool big;
	if (le == 0xa1b2c3d4u || le == 0xa1b23c4du) {
		big = false;
	} else if (rd32(h, true) == 0xa1b2c3d4u || rd32(h, true) == 0xa1b23c4du) {
		big = true;
	} else {
		fprintf(stderr,
			"%s dissect: %s: not a classic pcap file (magic 0x%08x); pcapng files can be\n"
			"converted with: editcap -F pcap IN.pcapng OUT.pcap\n",
			prog, name, rd32(h, true));
		return -1;
	}
	in->swapped = big; /* we read the fields in the file's own order */
	in->nsec = rd32(h, big) == 0xa1b23c4du;
	in->linktype = rd32(h + 20, big) & 0xffff; /* upper bits: FCS info */
	return 0;
}

static int link_of(uint32_t linktype, enum hk_link *out)
{
	switch (linktype) {
	case 1: /* LINKTYPE_ETHERNET */
		*out = HK_LINK_ETHERNET;
		return 0;
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
		*out = HK_LINK_IPV4;
		return 0;
	default:
		return -1;
	}
}

static int dissect_stream(struct pcap_in *in, const char *prog, const char *name, bool hex, long count)
{
	enum hk_link link;
	if (link_of(in->linktype, &link) < 0) {
		fprintf(stderr,
			"%s dissect: %s: link type %u is not supported (Ethernet 1, raw IPv4 101 and 228 are)\n",
			prog, name, in->linktype);
		return 1;
	}
	uint8_t *frame = malloc(PCAP_MAX_SNAPLEN);
	char *text = malloc(TEXT_CAP);
	char *hexbuf = hex ? malloc(HEX_CAP) : NULL;
	if (!frame || !text || (hex && !hexbuf)) {
		fprintf(stderr, "%s dissect: out of memory\n", prog);
		free(frame);
		free(text);
		free(hexbuf);
		return 1;
	}
	int rc = 0;
	for (unsigned long no = 1; count < 0 || (long)(no - 1) < count; no++) {
		uint8_t rh[16];
		size_t got = read_full(in->f, rh, sizeof(rh));
		if (got == 0)
			break;
		if (got < sizeof(rh)) {
			fprintf(stderr, "%s dissect: %s: frame %lu: record header cut short (%zu of 16 bytes)\n",
				prog, name, no, got);
			rc = 1;
			break;
		}
		bool big = in->swapped;
		uint32_t sec = rd32(rh, big), frac = rd32(rh + 4, big);
		uint32_t incl = rd32(rh + 8, big), orig = rd32(rh + 12, big);
		if (incl > PCAP_MAX_SNAPLEN) {
			fprintf(stderr,
				"%s dissect: %s: frame %lu: captured length %" PRIu32
				" is larger than %u: the file is corrupt\n",
				prog, name, no, incl, PCAP_MAX_SNAPLEN);
			rc = 1;
			break;
		}
		got = read_full(in->f, frame, incl);
		if (got < incl) {
			fprintf(stderr, "%s dissect: %s: frame %lu: cut short (%zu of %" PRIu32 " bytes)\n", prog,
				name, no, got, incl);
			rc = 1;
			break;
		}
		if (orig < incl)
			orig = incl;
		printf("Frame %lu: %" PRIu32 " bytes on wire (%" PRIu64 " bits), %" PRIu32
		       " bytes captured (%" PRIu64 " bits)\n",
		       no, orig, (uint64_t)orig * 8, incl, (uint64_t)incl * 8);
		printf("    Epoch Time: %" PRIu32 ".%09" PRIu32 " seconds\n", sec,
		       in->nsec ? frac : frac * 1000u);
		hk_dissect(link, frame, incl, text, TEXT_CAP);
		fputs(text, stdout);
		if (hex) {
			hk_hexdump(frame, incl, hexbuf, HEX_CAP);
			putchar('\n');
			fputs(hexbuf, stdout);
		}
		putchar('\n');
	}
	free(frame);
	free(text);
	free(hexbuf);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s dissect: writing output: %s\n", prog, strerror(errno));
		rc = 1;
	}
	return rc;
}

int hk_cmd_dissect(struct hk_cli *cli, int argc, char **argv)
{
	const char *prog = cli && cli->prog ? cli->prog : "hokuto";
	static const struct option longopts[] = {
		{"hex", no_argument, NULL, 'x'},
		{"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool hex = false;
	long count = -1;
	optind = 0; /* a fresh getopt, as main.c does */
	int c;
	while ((c = getopt_long(argc, argv, "+xc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'x':
			hex = true;
			break;
		case 'c': {
			char *end;
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (*end || errno || count < 0) {
				fprintf(stderr, "%s dissect: -c %s: expected a count of frames\n", prog, optarg);
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout, prog);
			return 0;
		default:
			usage(stderr, prog);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "%s dissect: one file at a time\n", prog);
		usage(stderr, prog);
		return 2;
	}
	const char *path = optind < argc ? argv[optind] : "-";
	struct pcap_in in = {0};
	const char *name = path;
	if (strcmp(path, "-") == 0) {
		in.f = stdin;
		name = "<stdin>";
	} else {
		in.f = fopen(path, "rb");
		if (!in.f) {
			fprintf(stderr, "%s dissect: %s: %s\n", prog, path, strerror(errno));
			return 1;
		}
	}
	int rc = 1;
	if (open_header(&in, prog, name) == 0)
		rc = dissect_stream(&in, prog, name, hex, count);
	if (in.f != stdin)
		fclose(in.f);
	return rc;
}

/* hokuto core — classic pcap writer (the format tcpdump -w writes). */
#include "hokuto/pcap.h"

#include <stdio.h>
#include <stdlib.h>

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define PCAP_SNAPLEN 262144u

struct hk_pcap {
	FILE *f;
};

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record_header {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

struct hk_pcap *hk_pcap_open(const char *path, enum hk_link link)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return NULL;
	struct pcap_file_header h = {
		.magic = PCAP_MAGIC_USEC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = PCAP_SNAPLEN,
		.linktype = link == HK_LINK_ETHERNET ? LINKTYPE_ETHERNET : LINKTYPE_RAW,
	};
	struct hk_pcap *p = malloc(sizeof(*p));
	if (!p || fwrite(&h, sizeof(h), 1, f) != 1) {
		free(p);
		fclose(f);
		return NULL;
	}
	p->f = f;
	return p;
}

int hk_pcap_write(struct hk_pcap *p, hk_time_t ts, const uint8_t *frame, size_t len)
{
	struct pcap_record_header r = {
		.ts_sec = (uint32_t)(ts / 1000000u),
		.ts_usec = (uint32_t)(ts % 1000000u),
		.incl_len = (uint32_t)(len > PCAP_SNAPLEN ? PCAP_SNAPLEN : len),
		.orig_len = (uint32_t)len,
	};
	if (fwrite(&r, sizeof(r), 1, p->f) != 1 || fwrite(frame, r.incl_len, 1, p->f) != 1)
		return -1;
	return 0;
}

void hk_pcap_close(struct hk_pcap *p)
{
	if (!p)
		return;
	fclose(p->f);
	free(p);
}

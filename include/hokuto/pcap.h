/* hokuto — pcap capture writer (tcpdump/Wireshark classic format). */
#ifndef HOKUTO_PCAP_H
#define HOKUTO_PCAP_H

#include "hokuto/types.h"
#include "hokuto/dev.h"

struct hk_pcap;

/* Creates FILE with a header for the given link type (Ethernet -> DLT 1,
 * IPv4 -> LINKTYPE_RAW 101). NULL and errno set on failure. */
struct hk_pcap *hk_pcap_open(const char *path, enum hk_link link);
/* Appends one frame; ts is wall-clock microseconds since the epoch. */
int hk_pcap_write(struct hk_pcap *p, hk_time_t ts, const uint8_t *frame, size_t len);
void hk_pcap_close(struct hk_pcap *p);

#endif

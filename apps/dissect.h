/* hokuto apps — a Wireshark-like decoder: frame bytes + link type -> text.
 * Used by `hokuto dissect` (pcap files) and `hokuto craft` (what it sends
 * and what comes back). Pure functions over a buffer: never reads past len,
 * never allocates. */
#ifndef HOKUTO_APPS_DISSECT_H
#define HOKUTO_APPS_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "hokuto/dev.h"

/* Decodes one frame (an Ethernet II frame, or a bare IPv4 packet for
 * HK_LINK_IPV4) into a text block: one unindented line per layer, detail
 * lines indented by four spaces, every line ending in '\n'. Checksums are
 * verified and shown as "[correct]" or "[incorrect, should be 0x....]".
 * Writes at most cap bytes, always NUL-terminated when cap > 0 (a block
 * that does not fit ends with "[...]\n"); returns the length written. */
size_t hk_dissect(enum hk_link link, const uint8_t *frame, size_t len, char *out, size_t cap);

/* One line, no newline: "192.0.2.1:54321 -> 192.0.2.2:12345 TCP [SYN,ACK]
 * seq=... ack=... win=... len=0", "ARP reply 192.0.2.1 is at ...", ... */
size_t hk_dissect_summary(enum hk_link link, const uint8_t *frame, size_t len, char *out, size_t cap);

/* Hex and ASCII, 16 bytes a line, offsets first (like `tshark -x`). Same
 * output rules as hk_dissect. */
size_t hk_hexdump(const uint8_t *data, size_t len, char *out, size_t cap);

#endif

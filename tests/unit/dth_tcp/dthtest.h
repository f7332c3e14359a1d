/* Helpers for the RFC 9401 TCP tests, on top of the segment-in/segment-out
 * harness of tests/unit/tcp (tcptest.h). */
#ifndef HOKUTO_TESTS_DTHTEST_H
#define HOKUTO_TESTS_DTHTEST_H

#include "../tcp/tcptest.h"
#include "hokuto/dth_socket.h"

/* setsockopt of an int option, asserting success. */
void dt_set(struct tt *t, int fd, int opt, int v);
int dt_get(struct tt *t, int fd, int opt);
struct hk_dth_info dt_info(struct tt *t, int fd);
/* Byte 12 of the TCP header of the next segment the stack will hand out
 * with tt_recv (without taking it); -1 when none is queued. */
int dt_peek_byte12(struct tt *t);
/* Raw copy of the next queued IP packet (not taken); returns its length. */
size_t dt_peek_raw(struct tt *t, uint8_t *buf, size_t cap);
/* Injects g with the IPv4 evil bit (RFC 3514) set. */
void dt_send_evil(struct tt *t, const struct tt_seg *g);
/* Peer data with DTH at t->snd; advances t->snd. */
void dt_peer_dth(struct tt *t, const void *data, size_t len, uint8_t extra_flags);
/* Takes the next DTH event of t->fd, asserting there is one. */
struct hk_dth_event dt_event(struct tt *t, int fd);
void dt_no_event(struct tt *t, int fd);
/* Passive open with no options but MSS (20-byte headers). */
void dt_open_plain(struct tt *t, uint16_t mss);

#endif

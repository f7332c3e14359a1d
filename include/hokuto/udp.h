/* hokuto — UDP sockets (RFC 768), non-blocking.
 *
 *   int h = hk_udp_open(s, 5353);          // 0: an ephemeral port
 *   hk_udp_sendto(s, h, dst, 53, buf, n);
 *   ... hk_stack_poll ...
 *   ssize_t n = hk_udp_recvfrom(s, h, buf, sizeof(buf), &src, &sport);
 *   hk_udp_close(s, h);
 *
 * A socket is bound to a port on every local address. Received datagrams
 * wait in a bounded queue; when it is full new ones are dropped and
 * counted (udp_rx_queue_full). */
#ifndef HOKUTO_UDP_H
#define HOKUTO_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hokuto/types.h"

struct hk_stack;

#define HK_UDP_MAX_PAYLOAD 65507 /* 65535 - IPv4 header - UDP header */

/* A handle >= 0, or -EADDRINUSE (port taken), -EMFILE (no free socket),
 * -EADDRNOTAVAIL (no ephemeral port left). */
int hk_udp_open(struct hk_stack *s, uint16_t port);
/* The local port of a socket, or -EBADF. */
int hk_udp_port(const struct hk_stack *s, int h);
/* Sends one datagram (fragmented when larger than the MTU). Returns len,
 * or -EBADF, -EINVAL (dst 0 or port 0), -EMSGSIZE (len > 65507),
 * -EHOSTUNREACH (no route), -ENOBUFS. */
int hk_udp_sendto(struct hk_stack *s, int h, hk_ip4_t dst, uint16_t dport, const void *buf, size_t len);
/* Takes the oldest datagram: copies at most cap bytes (the rest of a longer
 * datagram is lost, as with recvfrom(2)) and returns how many were copied;
 * src and sport may be NULL. -EAGAIN when none is queued, -EBADF. */
ssize_t hk_udp_recvfrom(struct hk_stack *s, int h, void *buf, size_t cap, hk_ip4_t *src, uint16_t *sport);
/* Drops the queue and frees the port. 0 or -EBADF. */
int hk_udp_close(struct hk_stack *s, int h);

#endif

/* hokuto tcp — keyed hashes for the unpredictable parts of TCP:
 * initial sequence numbers (RFC 9293 3.4.1, RFC 6528), ephemeral ports
 * (RFC 6056) and SYN cookies. Key: the stack's 16-byte secret. */
#ifndef HOKUTO_TCP_ISN_H
#define HOKUTO_TCP_ISN_H

#include "hokuto/types.h"

struct hk_four_tuple {
	hk_ip4_t laddr, raddr;
	uint16_t lport, rport;
};

/* SipHash-2-4 of data under a 128-bit key. */
uint64_t hk_siphash(const uint8_t key[16], const void *data, size_t len);

/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4-microsecond clock. */
uint32_t hk_tcp_isn(const uint8_t key[16], const struct hk_four_tuple *t, hk_time_t now);

#define HK_EPHEMERAL_MIN 49152
#define HK_EPHEMERAL_MAX 65535
/* RFC 6056 section 3.3.3, Algorithm 3 (simple hash-based): picks a local
 * port in [HK_EPHEMERAL_MIN, HK_EPHEMERAL_MAX] for a connection to
 * (raddr, rport) from laddr; *counter is the running next_ephemeral.
 * in_use(ctx, port) says whether the 4-tuple with that port is taken
 * (NULL: none is). Returns 0 when every port is in use. */
uint16_t hk_tcp_ephemeral_port(const uint8_t key[16], hk_ip4_t laddr, hk_ip4_t raddr,
			       uint16_t rport, uint32_t *counter,
			       bool (*in_use)(void *ctx, uint16_t port), void *ctx);

/* SYN cookies: the ISN of our SYN-ACK encodes the peer's MSS (to one of a
 * few table values) and a 64-second time counter under a keyed hash, so no
 * state is kept while the half-open queue is full. The MSS is rounded down
 * to the table (216 536 1200 1360 1400 1440 1460 8960; below 216 gives 216).
 * A cookie is valid in its own counter period and the two after it. */
uint32_t hk_syncookie_make(const uint8_t key[16], const struct hk_four_tuple *t,
			   uint32_t peer_isn, uint16_t mss, hk_time_t now);
/* cookie = the ACK's ack number - 1, peer_isn = the ACK's seq - 1.
 * 0 and *mss set when valid (at most 2 counter periods old), -1 otherwise. */
int hk_syncookie_check(const uint8_t key[16], const struct hk_four_tuple *t,
		       uint32_t peer_isn, uint32_t cookie, hk_time_t now, uint16_t *mss);

#endif

/* hokuto link — what the real device kinds share (internal to src/link). */
#ifndef HOKUTO_LINK_DEV_KINDS_H
#define HOKUTO_LINK_DEV_KINDS_H

#include <stdio.h>

#include "hokuto/dev.h"

/* Each opener takes the part of the spec after "kind:". On failure it
 * returns -errno with a message in err; nothing is left behind. */
int hk_dev_open_tap(const char *name, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		    size_t errlen);
int hk_dev_open_tun(const char *name, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		    size_t errlen);
int hk_dev_open_packet(const char *ifname, const struct hk_dev_open_opts *opts, struct hk_dev **out,
		       char *err, size_t errlen);
int hk_dev_open_rawip(const char *addr, const struct hk_dev_open_opts *opts, struct hk_dev **out,
		      char *err, size_t errlen);

/* tap and tun share one opener; flags is IFF_TAP or IFF_TUN. */
int hk_tuntap_open(const char *kind, const char *name, short flags, const struct hk_dev_open_opts *opts,
		   struct hk_dev **out, char *err, size_t errlen);

#if defined(__GNUC__)
#define HK_DEV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HK_DEV_PRINTF(a, b)
#endif

/* snprintf into err (when err is non-NULL); returns rc. */
int hk_dev_err(char *err, size_t errlen, int rc, const char *fmt, ...) HK_DEV_PRINTF(4, 5);

/* A locally administered unicast MAC derived from seed, different from
 * `avoid` (may be NULL). */
void hk_dev_gen_mac(uint64_t seed, const uint8_t *avoid, uint8_t mac[6]);

/* Interface ioctls on a throwaway AF_INET socket; 0 or -errno. */
int hk_if_get_mtu(const char *ifname, uint32_t *mtu);
int hk_if_set_mtu(const char *ifname, uint32_t mtu);
int hk_if_get_hwaddr(const char *ifname, uint8_t mac[6], int *arphrd);
int hk_if_get_flags(const char *ifname, short *flags);
int hk_if_set_up(const char *ifname);
int hk_if_set_addr(const char *ifname, hk_ip4_t addr, uint8_t prefix);
/* Stops the kernel from chattering IPv6 (RS, MLD) on an interface we made. */
void hk_if_disable_ipv6(const char *ifname);

/* Receive-offload repair. Linux hands packet and raw sockets what its own
 * stack produced: checksums left for "hardware" (CHECKSUM_PARTIAL) and TCP
 * super-segments far above the MTU (TSO/GSO, GRO). The helpers below turn
 * them back into what a wire would carry. `l2` is the link header length
 * in front of the IPv4 header (14 or 0). */

/* Completes a partial checksum: the 16-bit sum of frame[start..len) is
 * folded, complemented and stored at start + offset. 0, or -EINVAL when the
 * offsets do not fit. */
int hk_dev_csum_complete(uint8_t *frame, size_t len, size_t start, size_t offset);

/* For IPv4 TCP/UDP whose transport checksum fails: when the checksum field
 * holds exactly the pseudo-header sum (what CHECKSUM_PARTIAL leaves), writes
 * the full checksum. Returns 1 if fixed, 0 if nothing to do. */
int hk_dev_csum_fix_partial(uint8_t *frame, size_t len, size_t l2);

/* Splits one IPv4 TCP super-segment into segments of at most mss payload
 * bytes, one at a time. */
struct hk_dev_tcp_splitter {
	uint8_t *buf;       /* the super-segment (caller's storage) */
	size_t len;
	size_t l2, hdr;     /* link header; l2 + IP + TCP header length */
	size_t mss;
	size_t off;         /* next payload offset; == payload length when done */
	size_t payload;
	uint32_t index;
	bool active;
};
/* Starts splitting buf[0..len) into pieces of at most mss payload bytes
 * (0: as much as fits) whose IP packets fit in mtu. Returns 0, or -EINVAL
 * when it is not a well-formed IPv4 TCP segment or mtu leaves no room. */
int hk_dev_tcp_split_begin(struct hk_dev_tcp_splitter *sp, uint8_t *buf, size_t len, size_t l2, size_t mss,
			   size_t mtu);
/* Writes the next segment into out. Returns its length, 0 when done,
 * -EMSGSIZE when cap is too small (the segment is skipped). */
ssize_t hk_dev_tcp_split_next(struct hk_dev_tcp_splitter *sp, uint8_t *out, size_t cap);

/* Transmit segmentation offload, the other way round: consecutive
 * Ethernet/IPv4/TCP frames of one flow (what tcp_output emits, one MSS
 * each) are gathered into one super-segment that the kernel (virtio_net_hdr
 * GSO_TCPV4) cuts again into exactly the frames that went in: the same
 * headers, flags and options on every piece (PSH on the last only, as
 * Linux's GSO does), the sequence numbers and IP ids counting up. Only
 * plain data segments (ACK, optional PSH on the last, the DTH bit as it
 * comes, no SYN/FIN/RST/URG/CWR, no IP options, DF set) are gathered; every
 * piece but the last carries exactly the first one's payload length. */
#define HK_DEV_TSO_MAX_SEGS 44
#define HK_DEV_TSO_MAX_IP 65535
struct hk_dev_tso {
	uint8_t *buf;       /* caller's storage, >= 14 + HK_DEV_TSO_MAX_IP bytes */
	size_t len;         /* bytes held; 0 when empty */
	size_t hdr;         /* Ethernet + IPv4 + TCP header length */
	size_t mss;         /* payload of each piece (the first one's) */
	uint32_t segs;      /* frames gathered */
	uint32_t next_seq;  /* the sequence number a following frame must have */
	bool closed;        /* PSH or a short piece: nothing may follow */
};
/* Offers one frame. 1: held (check hk_dev_tso_full); 0: it does not
 * continue what is held (flush, then offer again); -1: never gathered
 * (flush, then send it on its own). */
int hk_dev_tso_add(struct hk_dev_tso *t, const uint8_t *frame, size_t len);
/* Nothing more can be appended to what is held. */
bool hk_dev_tso_full(const struct hk_dev_tso *t);
/* Finishes what is held for sending and empties t: with 2+ frames, sets
 * the IP total length and checksum and leaves the pseudo-header sum in the
 * TCP checksum field (CHECKSUM_PARTIAL); one frame is left as it came.
 * Returns the frame length (0: nothing held) and the piece count in *segs. */
size_t hk_dev_tso_finish(struct hk_dev_tso *t, uint32_t *segs);

#endif

/* hokuto — link devices behind one small ops struct.
 * A device moves whole frames: Ethernet frames for L2 devices (tap, packet,
 * sim), bare IPv4 packets for L3 devices (tun, rawip). */
#ifndef HOKUTO_DEV_H
#define HOKUTO_DEV_H

#include <sys/types.h>

#include "hokuto/types.h"

enum hk_link {
	HK_LINK_ETHERNET, /* frames carry a 14-byte Ethernet II header */
	HK_LINK_IPV4,     /* frames are bare IPv4 packets, no ARP */
};

struct hk_dev;

struct hk_dev_ops {
	const char *kind; /* "tap", "tun", "packet", "sim", "impair", ... */
	/* Sends one frame. 0 on success, -errno on failure (the caller counts
	 * the drop). Never blocks. */
	int (*tx)(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now);
	/* Receives one frame into buf. Returns its length, 0 when no frame is
	 * ready, -errno on error. A frame longer than cap is truncated and
	 * -EMSGSIZE returned. Never blocks. */
	ssize_t (*rx)(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now);
	/* The fd to wait on for readability, or -1 (sim). */
	int (*fd)(const struct hk_dev *dev);
	/* The earliest time rx may return a frame without the fd turning
	 * readable (frames held back by delay/impairment), or HK_TIME_NEVER. */
	hk_time_t (*next_deadline)(const struct hk_dev *dev);
	/* Releases everything, undoes what open set up (e.g. deletes a tap it
	 * created), and frees dev. */
	void (*close)(struct hk_dev *dev);
	/* Sends frames tx held back (HK_DEV_TSO4 coalescing); NULL when the
	 * device never holds any. 0, or -errno when a held frame was lost. */
	int (*flush)(struct hk_dev *dev);
};

/* Offload capabilities (struct hk_dev.offload). */
#define HK_DEV_TSO4 0x1u /* tx coalesces consecutive IPv4 TCP segments of one
			  * flow into one super-segment the kernel splits
			  * again (segmentation offload); frames may then wait
			  * in the device until flush */


struct hk_dev {
	const struct hk_dev_ops *ops;
	char name[32];      /* "tap:hk0", "packet:hkveth1", "sim:a" ... */
	enum hk_link link;
	uint8_t mac[6];     /* hokuto's own MAC on this link (L2 only) */
	uint32_t mtu;       /* IP MTU: largest IPv4 packet, header included */
	uint32_t offload;   /* HK_DEV_* the device can do (set by open) */
	/* HK_DEV_* turned on by the device's user, who then promises to call
	 * hk_dev_flush before it waits (the stack does; 0 by default). */
	uint32_t offload_on;
};

/* Options for hk_dev_open; zero-initialise, then set what you need. */
struct hk_dev_open_opts {
	uint32_t mtu;            /* 0: device default (1500) */
	bool has_mac;            /* use mac below instead of a generated one */
	uint8_t mac[6];
	/* tap/tun only: when the interface is created by hokuto, give the kernel
	 * side this address (0: leave the kernel side unconfigured). */
	hk_ip4_t kernel_addr;
	uint8_t kernel_prefix;   /* 0: /24 */
	uint64_t seed;           /* for generated MACs */
	bool no_tso;             /* packet: never offer HK_DEV_TSO4 */
};

/* Opens a device from a spec: "tap:NAME", "tun:NAME", "packet:IFNAME",
 * "rawip:ADDR". On failure returns -errno and writes a message that says
 * what was wrong and what to do into err. */
int hk_dev_open(const char *spec, const struct hk_dev_open_opts *opts,
		struct hk_dev **out, char *err, size_t errlen);

static inline void hk_dev_close(struct hk_dev *dev)
{
	if (dev)
		dev->ops->close(dev);
}

/* Calls dev's flush op (if any). */
static inline int hk_dev_flush(struct hk_dev *dev)
{
	return dev && dev->ops->flush ? dev->ops->flush(dev) : 0;
}

/* sim: an in-memory wire joining two devices in one process (Ethernet
 * link). A frame sent on one end is received on the other at the same
 * virtual time. Impairments come from wrapping an end with hk_impair_wrap. */
int hk_sim_wire_new(struct hk_dev **a, struct hk_dev **b, uint32_t mtu);
/* Frames each end's receive queue holds before tx on the other end fails
 * with -ENOBUFS (the sending stack counts dev_tx_errors). */
#define HK_SIM_QUEUE_LEN 1024
/* Frames dropped because dev's receive queue was full (0 if not a sim end). */
uint64_t hk_sim_drops(const struct hk_dev *dev);

/* The impairment layer: wraps any device and impairs both directions. */
struct hk_impair_spec {
	double loss;        /* probability a frame is dropped */
	double dup;         /* probability a frame is duplicated */
	double reorder;     /* probability a frame is held back (1 ms + delay) so later ones pass it */
	double corrupt;     /* probability one byte of a frame is flipped */
	hk_time_t delay;    /* fixed one-way delay */
	hk_time_t jitter;   /* uniform extra delay in [0, jitter]; order is kept (only
			     * reorder reorders) */
	uint64_t rate_bps;  /* bottleneck bandwidth in bits/s, 0 = unlimited */
	uint32_t queue_limit; /* frames queued at the bottleneck before tail drop (0: default 1000) */
	uint64_t seed;
};
/* Parses "loss=0.02,dup=0.01,reorder=0.05,delay=2ms,jitter=1ms,
 * corrupt=0.001,rate=100mbit,queue=1000,seed=7" (any subset, any order).
 * Probabilities in [0,1] (or "2%"); times with a unit (us, ms, s);
 * rate in bit/s with an optional kbit/mbit/gbit suffix. */
int hk_impair_parse(const char *text, struct hk_impair_spec *out, char *err, size_t errlen);
/* Returns a device that impairs frames of inner in both directions; it owns
 * inner and closes it when closed. NULL on allocation failure (inner is
 * then untouched and still the caller's). Frames wait in a fixed pool of
 * 2 * queue_limit + 64 slots; a frame that finds none is dropped and
 * counted (pool_drops). The wrapper copies inner's name, link, MAC and MTU. */
struct hk_dev *hk_impair_wrap(struct hk_dev *inner, const struct hk_impair_spec *spec);

/* What the impairment layer did, per direction (tx: frames the stack sent,
 * rx: frames read from the inner device). */
struct hk_impair_dir_stats {
	uint64_t frames;      /* frames that entered the layer */
	uint64_t passed;      /* frames handed on (duplicates included) */
	uint64_t lost;        /* dropped by loss= */
	uint64_t duplicated;  /* extra copies made by dup= */
	uint64_t reordered;   /* held back by reorder= */
	uint64_t corrupted;   /* one byte flipped by corrupt= */
	uint64_t queue_drops; /* tail drops at the rate= bottleneck (queue=) */
	uint64_t pool_drops;  /* no free frame slot (bounded memory) */
	uint64_t inner_errors; /* tx only: the inner device refused a held frame */
};
struct hk_impair_stats {
	struct hk_impair_dir_stats tx, rx;
};
/* Copies the counters of an impair device (zeroes if dev is not one). */
void hk_impair_get_stats(const struct hk_dev *dev, struct hk_impair_stats *out);

#endif

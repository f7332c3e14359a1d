/* hokuto — the stack object and its caller-driven poll loop.
 *
 *   struct hk_stack *s = hk_stack_new(&cfg);
 *   hk_stack_add_iface(s, dev, addr, prefix);
 *   for (;;) {
 *       hk_time_t next = hk_stack_poll(s, hk_clock_now());
 *       ... wait on hk_stack_fds() until next ...
 *   }
 *
 * One struct hk_stack owns everything; no globals, no threads. Time and
 * randomness come from the caller. */
#ifndef HOKUTO_STACK_H
#define HOKUTO_STACK_H

#include <stdio.h>

#include "hokuto/types.h"
#include "hokuto/dev.h"
#include "hokuto/stats.h"

struct hk_stack;

enum hk_log_level { HK_LOG_ERROR, HK_LOG_WARN, HK_LOG_INFO, HK_LOG_DEBUG };

/* TCP tunables; the defaults are RFC values, tests shorten them. */
struct hk_tcp_config {
	hk_time_t msl;            /* maximum segment lifetime; TIME-WAIT is 2*MSL (default 30 s) */
	hk_time_t rto_initial;    /* RFC 6298 2.1: 1 s */
	hk_time_t rto_min;        /* RFC 6298 2.4: 1 s (configurable for tests) */
	hk_time_t rto_max;        /* at least 60 s */
	hk_time_t delack;         /* delayed-ACK timeout, below 200 ms (default 40 ms) */
	uint32_t snd_buf;         /* default send buffer per connection, bytes */
	uint32_t rcv_buf;         /* default receive buffer per connection, bytes */
	uint32_t max_syn_backlog; /* half-open connections per listener before SYN cookies */
	uint32_t mem_limit;       /* all TCP buffers together, bytes */
	uint32_t syn_retries;     /* R2 for SYN (RFC 9293 3.8.3) */
	uint32_t data_retries;    /* R2 for data */
	const char *cc;           /* "newreno" or "cubic" */
};

struct hk_stack_config {
	uint64_t seed;            /* PRNG seed: the whole run replays from it */
	bool isn_secret_random;   /* take the ISN key from getrandom (production) */
	uint32_t pbuf_count;      /* packet buffers in the pool (default 4096) */
	enum hk_log_level log_level;
	FILE *log_file;           /* default stderr */
	/* Added to `now` to stamp pcap records with wall-clock time. */
	int64_t pcap_time_offset;
	struct hk_tcp_config tcp;
};

void hk_stack_config_default(struct hk_stack_config *cfg);
struct hk_stack *hk_stack_new(const struct hk_stack_config *cfg);
/* Closes every socket abruptly, closes devices, frees everything. */
void hk_stack_free(struct hk_stack *s);

/* Attaches a device with hokuto's own address on it. The stack owns dev
 * from here on. Returns the interface index (>= 0) or -errno. */
int hk_stack_add_iface(struct hk_stack *s, struct hk_dev *dev, hk_ip4_t addr, uint8_t prefix);
/* Default route via gateway (must sit in a connected subnet). */
int hk_stack_set_gateway(struct hk_stack *s, hk_ip4_t gw);
/* Writes every frame sent and received on interface 0 to a pcap file. */
int hk_stack_set_pcap(struct hk_stack *s, const char *path);

/* Reads what the devices have, runs protocol input, runs due timers,
 * flushes output. Returns the next time it wants to be called (or
 * HK_TIME_NEVER); it also wants a call whenever a device fd is readable. */
hk_time_t hk_stack_poll(struct hk_stack *s, hk_time_t now);
/* The time of the last poll. */
hk_time_t hk_stack_now(const struct hk_stack *s);

/* The fds to wait on; returns how many were written (at most max). */
int hk_stack_fds(const struct hk_stack *s, int *fds, int max);
/* Waits (poll(2)) on the device fds until one is readable or the deadline
 * (monotonic µs) passes. Convenience for real programs, never used by the
 * core. Returns 1 readable, 0 timeout, -errno (-EINTR on a signal). */
int hk_stack_wait(const struct hk_stack *s, hk_time_t deadline);

const struct hk_stats *hk_stack_stats(const struct hk_stack *s);
uint64_t hk_stack_stat(const struct hk_stack *s, enum hk_stat which);

/* CLOCK_MONOTONIC in microseconds, for programs that drive a real stack. */
hk_time_t hk_clock_now(void);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC in microseconds (pcap offset). */
int64_t hk_clock_wall_offset(void);

/* The first interface's address and MAC (0 / zeroes when absent). */
hk_ip4_t hk_stack_addr(const struct hk_stack *s);

#endif

/* hokuto core — the stack object and its poll loop (smoltcp's
 * Interface::poll idea: the caller drives, the core is deterministic). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/stack_internal.h"
#include "hokuto/pcap.h"
#include "link/arp.h"
#include "link/ether.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/udp.h"
#include "tcp/tcp.h"

void hk_stack_config_default(struct hk_stack_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seed = 1;
	cfg->pbuf_count = 4096;
	cfg->log_level = HK_LOG_WARN;
	cfg->tcp.msl = HK_SEC(30);
	cfg->tcp.rto_initial = HK_SEC(1);
	cfg->tcp.rto_min = HK_SEC(1);
	cfg->tcp.rto_max = HK_SEC(60);
	cfg->tcp.delack = HK_MSEC(40);
	cfg->tcp.snd_buf = 256 * 1024;
	cfg->tcp.rcv_buf = 256 * 1024;
	cfg->tcp.max_syn_backlog = 256;
	cfg->tcp.mem_limit = 256u * 1024 * 1024;
	cfg->tcp.syn_retries = 6;
	cfg->tcp.data_retries = 15;
	cfg->tcp.cc = "newreno";
}

/* Largest frame a buffer must hold: jumbo-capable, plus a vnet header. */
#define HK_PBUF_DATA_MAX (HK_PBUF_HEADROOM + 9216 + 64)

static void fill_secret(struct hk_stack *s)
{
	if (s->cfg.isn_secret_random &&
	    getrandom(s->secret, sizeof(s->secret), 0) == (ssize_t)sizeof(s->secret))
		return;
	/* Tests and simulations: derived from the seed so runs replay. */
	struct hk_rng r;
	hk_rng_seed(&r, s->cfg.seed ^ 0x5ec4e7u);
	for (size_t i = 0; i < sizeof(s->secret); i += 8) {
		uint64_t v = hk_rng_u64(&r);
		memcpy(s->secret + i, &v, 8);
	}
}

struct hk_stack *hk_stack_new(const struct hk_stack_config *cfg)
{
	struct hk_stack *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (cfg)
		s->cfg = *cfg;
	else
		hk_stack_config_default(&s->cfg);
	if (!s->cfg.pbuf_count)
		s->cfg.pbuf_count = 4096;
	hk_rng_seed(&s->rng, s->cfg.seed);
	fill_secret(s);
	if (hk_pbuf_pool_init(&s->pool, s->cfg.pbuf_count, HK_PBUF_DATA_MAX) < 0)
		goto fail;
	if (hk_arp_init(s) < 0 || hk_ipv4_init(s) < 0 || hk_icmp_init(s) < 0 || hk_udp_init(s) < 0 ||
	    hk_tcp_init(s) < 0)
		goto fail;
	return s;
fail:
	hk_stack_free(s);
	return NULL;
}

void hk_stack_free(struct hk_stack *s)
{
	if (!s)
		return;
	hk_tcp_fini(s);
	hk_udp_fini(s);
	hk_icmp_fini(s);
	hk_ipv4_fini(s);
	hk_arp_fini(s);
	for (int i = 0; i < s->n_ifaces; i++)
		hk_dev_close(s->ifaces[i].dev);
	hk_pcap_close(s->pcap);
	hk_timer_heap_fini(&s->timers);
	hk_pbuf_pool_fini(&s->pool);
	free(s);
}

int hk_stack_add_iface(struct hk_stack *s, struct hk_dev *dev, hk_ip4_t addr, uint8_t prefix)
{
	if (s->n_ifaces >= HK_MAX_IFACES || prefix > 32 || !dev)
		return -EINVAL;
	struct hk_iface *ifc = &s->ifaces[s->n_ifaces];
	memset(ifc, 0, sizeof(*ifc));
	ifc->stack = s;
	ifc->index = s->n_ifaces;
	ifc->dev = dev;
	ifc->addr = addr;
	ifc->prefix = prefix;
	ifc->mask = hk_ip4_mask(prefix);
	memcpy(ifc->mac, dev->mac, 6);
	ifc->mtu = dev->mtu ? dev->mtu : 1500;
	/* The stack flushes every device at the end of each poll and before
	 * it waits, so the device may hold frames for segmentation offload. */
	dev->offload_on = dev->offload & HK_DEV_TSO4;
	s->n_ifaces++;
	if (dev->link == HK_LINK_ETHERNET) {
		int rc = hk_arp_iface_up(s, ifc);
		if (rc < 0) {
			s->n_ifaces--;
			return rc;
		}
	}
	return ifc->index;
}

int hk_stack_set_gateway(struct hk_stack *s, hk_ip4_t gw)
{
	for (int i = 0; i < s->n_ifaces; i++) {
		const struct hk_iface *ifc = &s->ifaces[i];
		if ((gw & ifc->mask) == (ifc->addr & ifc->mask)) {
			s->gateway = gw;
			return 0;
		}
	}
	return -ENETUNREACH;
}

int hk_stack_set_pcap(struct hk_stack *s, const char *path)
{
	enum hk_link link = s->n_ifaces ? s->ifaces[0].dev->link : HK_LINK_ETHERNET;
	struct hk_pcap *p = hk_pcap_open(path, link);
	if (!p)
		return -errno;
	hk_pcap_close(s->pcap);
	s->pcap = p;
	return 0;
}

static void capture(struct hk_stack *s, const struct hk_iface *ifc, const uint8_t *frame, size_t len)
{
	if (s->pcap && ifc->index == 0)
		hk_pcap_write(s->pcap, (hk_time_t)((int64_t)s->now + s->cfg.pcap_time_offset), frame, len);
}

struct hk_pbuf *hk_stack_pbuf(struct hk_stack *s)
{
	struct hk_pbuf *pb = hk_pbuf_alloc(&s->pool, HK_PBUF_HEADROOM);
	if (!pb)
		HK_STAT_INC(s, pbuf_exhausted);
	return pb;
}

int hk_stack_xmit(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	capture(s, ifc, pb->data, pb->len);
	int rc = ifc->dev->ops->tx(ifc->dev, pb->data, pb->len, s->now);
	if (rc < 0)
		HK_STAT_INC(s, dev_tx_errors);
	else
		HK_STAT_INC(s, dev_tx_frames);
	hk_pbuf_free(pb);
	return rc;
}

static void input_frame(struct hk_stack *s, struct hk_iface *ifc, struct hk_pbuf *pb)
{
	capture(s, ifc, pb->data, pb->len);
	HK_STAT_INC(s, dev_rx_frames);
	if (ifc->dev->link == HK_LINK_ETHERNET)
		hk_ether_input(s, ifc, pb);
	else
		hk_ipv4_input(s, ifc, pb);
}

/* Run to completion: drain a batch from every device, then timers, then
 * one flush of pending TCP output. */
static void poll_devices(struct hk_stack *s)
{
	for (int i = 0; i < s->n_ifaces; i++) {
		struct hk_iface *ifc = &s->ifaces[i];
		for (int n = 0; n < HK_RX_BATCH; n++) {
			struct hk_pbuf *pb = hk_stack_pbuf(s);
			if (!pb)
				return;
			size_t cap = hk_pbuf_tailroom(pb);
			ssize_t got = ifc->dev->ops->rx(ifc->dev, pb->data, cap, s->now);
			if (got <= 0) {
				hk_pbuf_free(pb);
				if (got == -EMSGSIZE) {
					HK_STAT_INC(s, dev_rx_oversize);
					continue;
				}
				if (got < 0 && got != -EAGAIN && got != -EINTR)
					HK_STAT_INC(s, dev_rx_errors);
				break;
			}
			pb->len = (size_t)got;
			input_frame(s, ifc, pb);
		}
	}
}

hk_time_t hk_stack_poll(struct hk_stack *s, hk_time_t now)
{
	if (now > s->now)
		s->now = now;
	poll_devices(s);
	hk_timers_run(s, s->now);
	hk_tcp_flush(s);
	for (int i = 0; i < s->n_ifaces; i++)
		if (hk_dev_flush(s->ifaces[i].dev) < 0)
			HK_STAT_INC(s, dev_tx_errors);

	hk_time_t next = hk_timers_next(s);
	for (int i = 0; i < s->n_ifaces; i++) {
		const struct hk_dev *dev = s->ifaces[i].dev;
		if (dev->ops->next_deadline) {
			hk_time_t d = dev->ops->next_deadline(dev);
			if (d < next)
				next = d;
		}
	}
	return next;
}

hk_time_t hk_stack_now(const struct hk_stack *s)
{
	return s->now;
}

int hk_stack_fds(const struct hk_stack *s, int *fds, int max)
{
	int n = 0;
	for (int i = 0; i < s->n_ifaces; i++)
		(void)hk_dev_flush(s->ifaces[i].dev); /* the caller is about to wait */
	for (int i = 0; i < s->n_ifaces && n < max; i++) {
		int fd = s->ifaces[i].dev->ops->fd(s->ifaces[i].dev);
		if (fd >= 0)
			fds[n++] = fd;
	}
	return n;
}

int hk_stack_wait(const struct hk_stack *s, hk_time_t deadline)
{
	struct pollfd pfd[HK_MAX_IFACES];
	int fds[HK_MAX_IFACES];
	int n = hk_stack_fds(s, fds, HK_MAX_IFACES); /* flushes held frames */
	for (int i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	int timeout = -1;
	if (deadline != HK_TIME_NEVER) {
		hk_time_t now = hk_clock_now();
		/* Round up so we never wake just before a deadline and spin. */
		timeout = deadline <= now ? 0 : (int)((deadline - now + 999) / 1000);
	}
	int rc = poll(pfd, (nfds_t)n, timeout);
	if (rc < 0)
		return -errno;
	return rc > 0 ? 1 : 0;
}

const struct hk_stats *hk_stack_stats(const struct hk_stack *s)
{
	return &s->stats;
}

uint64_t hk_stack_stat(const struct hk_stack *s, enum hk_stat which)
{
	return (unsigned)which < HK_STAT__COUNT ? s->stats.v[which] : 0;
}

hk_time_t hk_clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (hk_time_t)ts.tv_sec * 1000000u + (hk_time_t)ts.tv_nsec / 1000u;
}

int64_t hk_clock_wall_offset(void)
{
	struct timespec mono, wall;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t m = (int64_t)mono.tv_sec * 1000000 + mono.tv_nsec / 1000;
	int64_t w = (int64_t)wall.tv_sec * 1000000 + wall.tv_nsec / 1000;
	return w - m;
}

hk_ip4_t hk_stack_addr(const struct hk_stack *s)
{
	return s->n_ifaces ? s->ifaces[0].addr : 0;
}

/* Simulation: RFC 9401 (the Death flag) between two hokuto stacks on the
 * sim wire, under seeded loss, duplication, reordering, delay, corruption
 * and a bottleneck (hk_impair_wrap), in virtual time.
 *
 * A sends a stream in which a few regions are marked (HK_MSG_DTH), the
 * last one ending with the stream so that the FIN could ride along; B reads
 * it. A tap under B's device checks every intact data segment that reaches
 * B: it has DTH exactly when it carries a marked byte — first
 * transmissions and retransmissions alike — and no FIN has DTH. B must see
 * an event for every region, HK_MSG_DTH_SEEN on every read that returns
 * marked bytes, and must keep the connection open until the FIN.
 * Every third seed plays Hokuto-Shinken: A teases and ends with hk_dth_fin,
 * B never closes by itself; the half-zombie period must end the
 * connection, not before the period is over.
 *
 *   HK_SIM_SEEDS=N   how many seeds (default 120)
 *   HK_SEED=N        run only seed N
 *   HK_SIM_VERBOSE=1 one line per seed */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/rng.h"
#include "core/stack_internal.h"
#include "hokuto/dth_socket.h"
#include "hokuto/stack.h"
#include "hokuto/wire/ether.h"
#include "hokuto/wire/ipv4.h"
#include "hokuto/wire/tcp.h"
#include "tcp/tcp_int.h"

#define IP_A HK_IP4(192, 0, 2, 1)
#define IP_B HK_IP4(192, 0, 2, 2)
#define PORT 5009
#define LIMIT HK_SEC(900)
#define MAX_REGIONS 8
#define ZOMBIE_MS 300

struct region {
	uint32_t start, end; /* stream offsets */
};

struct plan {
	size_t total;
	struct region r[MAX_REGIONS];
	int n;
	bool shinken;
};

/* What the tap saw arriving at B. */
struct obs {
	const struct plan *p;
	uint32_t a_iss;          /* A's ISS, learnt from its SYN */
	bool have_iss;
	uint32_t max_end;        /* highest stream offset seen so far */
	uint64_t segs, dth_segs, rexmit_dth, fin_dth, mismatches;
	char first_error[200];
};

struct tap {
	struct hk_dev dev;
	struct hk_dev *inner;
	struct obs *o;
};

static bool marked(const struct plan *p, uint32_t a, uint32_t e)
{
	for (int i = 0; i < p->n; i++)
		if (a < p->r[i].end && e > p->r[i].start)
			return true;
	return false;
}

static void inspect(struct obs *o, const uint8_t *f, size_t n)
{
	if (n < HK_ETHER_HDR_LEN)
		return;
	f += HK_ETHER_HDR_LEN;
	n -= HK_ETHER_HDR_LEN;
	struct hk_ipv4_hdr ip;
	if (hk_ipv4_parse(f, n, true, &ip) != HK_IPV4_OK || ip.proto != HK_IPPROTO_TCP || ip.src != IP_A)
		return;
	struct hk_tcp_hdr h;
	size_t hl = (size_t)ip.ihl * 4;
	if (hk_tcp_parse(f + hl, ip.total_len - hl, ip.src, ip.dst, true, &h) != HK_TCP_OK)
		return; /* corrupted on the way: the stack drops it too */
	if (h.flags & HK_TCP_SYN) {
		o->a_iss = h.seq;
		o->have_iss = true;
		return;
	}
	if (!o->have_iss)
		return;
	uint32_t a = h.seq - o->a_iss - 1, e = a + (uint32_t)h.payload_len;
	if (h.flags & HK_TCP_FIN) {
		o->fin_dth += h.dth;
		/* 3.3: never on a FIN, unless A teases (hk_dth_fin; its FIN
		 * may then also ride on the last, marked, data) */
		if (h.dth != o->p->shinken && !o->mismatches++)
			snprintf(o->first_error, sizeof(o->first_error), "FIN at %u with dth=%d", a, h.dth);
	}
	if (h.payload_len == 0)
		return;
	o->segs++;
	o->dth_segs += h.dth;
	if (h.dth && a < o->max_end)
		o->rexmit_dth++;
	if (e > o->max_end)
		o->max_end = e;
	if (h.dth != marked(o->p, a, e) && !o->mismatches++)
		snprintf(o->first_error, sizeof(o->first_error), "segment [%u, %u) dth=%d", a, e, h.dth);
}

static int tap_tx(struct hk_dev *dev, const uint8_t *f, size_t n, hk_time_t now)
{
	struct tap *t = (struct tap *)dev;
	return t->inner->ops->tx(t->inner, f, n, now);
}

static ssize_t tap_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	struct tap *t = (struct tap *)dev;
	ssize_t n = t->inner->ops->rx(t->inner, buf, cap, now);
	if (n > 0)
		inspect(t->o, buf, (size_t)n);
	return n;
}

static int tap_fd(const struct hk_dev *dev)
{
	const struct tap *t = (const struct tap *)dev;
	return t->inner->ops->fd(t->inner);
}

static hk_time_t tap_next(const struct hk_dev *dev)
{
	const struct tap *t = (const struct tap *)dev;
	return t->inner->ops->next_deadline ? t->inner->ops->next_deadline(t->inner) : HK_TIME_NEVER;
}

static void tap_close(struct hk_dev *dev)
{
	struct tap *t = (struct tap *)dev;
	hk_dev_close(t->inner);
	free(t);
}

static const struct hk_dev_ops tap_ops = {
	.kind = "dthtap", .tx = tap_tx, .rx = tap_rx, .fd = tap_fd, .next_deadline = tap_next, .close = tap_close,
};

static struct hk_dev *tap_wrap(struct hk_dev *inner, struct obs *o)
{
	struct tap *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	t->dev.ops = &tap_ops;
	memcpy(t->dev.name, inner->name, sizeof(t->dev.name));
	t->dev.link = inner->link;
	memcpy(t->dev.mac, inner->mac, 6);
	t->dev.mtu = inner->mtu;
	t->inner = inner;
	t->o = o;
	return &t->dev;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ (uint8_t)(i >> 7);
}

static struct hk_stack *new_stack(uint64_t seed)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = seed;
	cfg.pbuf_count = 512;
	cfg.tcp.msl = HK_SEC(1);
	cfg.tcp.rto_min = HK_MSEC(200);
	cfg.tcp.snd_buf = 32 * 1024;
	cfg.tcp.rcv_buf = 32 * 1024;
	struct hk_stack *s = hk_stack_new(&cfg);
	assert_non_null(s);
	return s;
}

static void make_plan(struct hk_rng *r, struct plan *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->total = 20000 + hk_rng_below(r, 120000);
	p->shinken = seed % 3 == 0;
	/* regions far apart (so each has segments of its own), the last one
	 * at the very end of the stream (where the FIN would piggyback) */
	uint32_t at = hk_rng_below(r, 3000);
	int want = 1 + (int)hk_rng_below(r, MAX_REGIONS - 1);
	while (p->n < want - 1) {
		uint32_t len = 1 + hk_rng_below(r, 4000);
		if (at + len + 8000 + 3000 >= p->total)
			break;
		p->r[p->n].start = at;
		p->r[p->n].end = at + len;
		p->n++;
		at += len + 6000 + hk_rng_below(r, 20000);
	}
	uint32_t len = 1 + hk_rng_below(r, 2000);
	p->r[p->n].start = (uint32_t)p->total - len;
	p->r[p->n].end = (uint32_t)p->total;
	p->n++;
}

static void spec_for(uint64_t seed, struct hk_impair_spec *sp)
{
	struct hk_rng r;
	hk_rng_seed(&r, seed * 104729 + 3);
	memset(sp, 0, sizeof(*sp));
	if (seed % 8 != 1) {
		sp->loss = 0.005 + hk_rng_double(&r) * 0.05;
		sp->dup = hk_rng_double(&r) * 0.02;
		sp->reorder = hk_rng_double(&r) * 0.05;
		sp->corrupt = hk_rng_double(&r) * 0.01;
		sp->delay = HK_USEC(hk_rng_below(&r, 5000));
		sp->jitter = HK_USEC(hk_rng_below(&r, 2000));
		sp->rate_bps = hk_rng_below(&r, 2) ? 20000000ull : 0;
	}
	sp->seed = seed;
}

struct totals {
	uint64_t rexmit_dth, dth_segs, events;
};

static bool run_seed(uint64_t seed, bool verbose, struct totals *tot)
{
	struct hk_rng r;
	hk_rng_seed(&r, seed);
	struct plan p;
	make_plan(&r, &p, seed);
	struct obs o = { .p = &p };
	struct hk_dev *da, *db;
	assert_int_equal(hk_sim_wire_new(&da, &db, 1500), 0);
	struct hk_impair_spec sp;
	spec_for(seed, &sp);
	da = hk_impair_wrap(da, &sp);
	assert_non_null(da);
	db = tap_wrap(db, &o);
	struct hk_stack *a = new_stack(seed * 2 + 1), *b = new_stack(seed * 2 + 2);
	hk_time_t now = HK_SEC(100);
	hk_stack_poll(a, now);
	hk_stack_poll(b, now);
	assert_true(hk_stack_add_iface(a, da, IP_A, 24) >= 0);
	assert_true(hk_stack_add_iface(b, db, IP_B, 24) >= 0);

	int lfd = hk_socket(b, HK_SOCK_STREAM);
	struct hk_sockaddr any = { 0, PORT };
	assert_int_equal(hk_bind(b, lfd, &any), 0);
	assert_int_equal(hk_listen(b, lfd, 4), 0);
	int one = 1, zms = ZOMBIE_MS;
	if (p.shinken) {
		assert_int_equal(hk_setsockopt(b, lfd, HK_TCP_HOKUTO_SHINKEN, &one, sizeof(one)), 0);
		assert_int_equal(hk_setsockopt(b, lfd, HK_TCP_HOKUTO_ZOMBIE_MS, &zms, sizeof(zms)), 0);
	}
	int afd = hk_socket(a, HK_SOCK_STREAM), bfd = -1;
	if (p.shinken)
		assert_int_equal(hk_setsockopt(a, afd, HK_TCP_DTH_TEASE, &one, sizeof(one)), 0);
	struct hk_sockaddr to = { IP_B, PORT };
	assert_int_equal(hk_connect(a, afd, &to), -EINPROGRESS);

	size_t sent = 0, rcvd = 0;
	bool a_shut = false, a_closed = false, b_eof = false, b_closed = false, zombie_end = false;
	bool events_seen[MAX_REGIONS] = {false};
	uint64_t events = 0, already_dead = 0;
	hk_time_t fin_at = 0;
	const char *why = NULL;
	hk_time_t start = now;
	uint8_t buf[8192];
	while (!why && now - start < LIMIT) {
		hk_time_t na = hk_stack_poll(a, now);
		hk_time_t nb = hk_stack_poll(b, now);
		bool moved = false;
		if (bfd < 0 && (bfd = hk_accept(b, lfd, NULL)) >= 0) {
			hk_close(b, lfd);
			moved = true;
		}
		/* A: the stream, marked regions with HK_MSG_DTH (once connected:
		 * DTH during the handshake is refused, 3.3) */
		struct hk_pollfd pa = { .fd = afd, .events = HK_POLLOUT };
		hk_poll(a, &pa, 1);
		while (sent < p.total && (pa.revents & HK_POLLOUT)) {
			size_t n = p.total - sent;
			int flags = 0;
			for (int i = 0; i < p.n; i++) {
				if (sent >= p.r[i].start && sent < p.r[i].end) {
					flags = HK_MSG_DTH;
					n = p.r[i].end - sent;
				} else if (sent < p.r[i].start && p.r[i].start - sent < n) {
					n = p.r[i].start - sent;
				}
			}
			if (n > sizeof(buf))
				n = sizeof(buf);
			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(sent + i);
			ssize_t w = hk_send(a, afd, buf, n, flags);
			if (w == -EAGAIN)
				break;
			if (w < 0) {
				why = "send failed";
				break;
			}
			sent += (size_t)w;
			moved = true;
		}
		if (sent == p.total && !a_shut) {
			assert_int_equal(p.shinken ? hk_dth_fin(a, afd) : hk_shutdown(a, afd, HK_SHUT_WR), 0);
			a_shut = true;
		}
		if (!a_closed && a_shut) {
			ssize_t n = hk_recv(a, afd, buf, sizeof(buf), 0);
			if (n == 0) {
				hk_close(a, afd);
				a_closed = true;
				moved = true;
			} else if (n != -EAGAIN) {
				why = "A: unexpected receive";
			}
		}
		/* B: reads, checks, closes after EOF (not in Shinken mode) */
		if (bfd >= 0 && !b_closed) {
			struct hk_dth_event ev;
			while (hk_dth_event_next(b, bfd, &ev) == 1) {
				events++;
				if (ev.kind == HK_DTH_EV_DATA) {
					for (int i = 0; i < p.n; i++)
						if (ev.offset < p.r[i].end && ev.offset + ev.len > p.r[i].start)
							events_seen[i] = true;
				} else if (ev.kind == HK_DTH_EV_ALREADY_DEAD) {
					/* the FIN (offset) may carry the last marked bytes */
					for (int i = 0; i < p.n; i++)
						if (ev.offset - ev.len < p.r[i].end && ev.offset > p.r[i].start)
							events_seen[i] = true;
					already_dead++;
					fin_at = now;
				} else if (ev.kind == HK_DTH_EV_ZOMBIE_END) {
					zombie_end = true;
					if (now < fin_at + HK_MSEC(ZOMBIE_MS))
						why = "half-zombie period ended early";
				}
			}
			while (!b_eof) {
				int of = 0;
				size_t want = 1 + hk_rng_below(&r, sizeof(buf));
				ssize_t n = hk_recv_ex(b, bfd, buf, want, 0, &of);
				if (n == -EAGAIN)
					break;
				if (n < 0) {
					why = "B: receive error";
					break;
				}
				if (n == 0) {
					b_eof = true;
					break;
				}
				for (ssize_t i = 0; i < n; i++)
					if (buf[i] != pattern(rcvd + (size_t)i))
						why = "B: data differs";
				bool has = marked(&p, (uint32_t)rcvd, (uint32_t)(rcvd + (size_t)n));
				if (has && !(of & HK_MSG_DTH_SEEN))
					why = "B: marked bytes read without HK_MSG_DTH_SEEN";
				rcvd += (size_t)n;
				moved = true;
			}
			struct hk_tcp_info info;
			size_t il = sizeof(info);
			assert_int_equal(hk_getsockopt(b, bfd, HK_TCP_INFO, &info, &il), 0);
			/* 3.1: B does not close on DTH; only the FIN moves it */
			if (!b_eof && info.state != HK_TCP_ESTABLISHED && info.state != HK_TCP_CLOSE_WAIT)
				why = "B left ESTABLISHED before the FIN";
			if (b_eof && !p.shinken) {
				hk_close(b, bfd);
				b_closed = true;
			} else if (b_eof && p.shinken && info.state == HK_TCP_CLOSED) {
				hk_close(b, bfd); /* the stack closed it after the half-zombie period */
				b_closed = true;
			}
		}
		if (a_closed && b_closed && a->tcp->n_conns == 0 && b->tcp->n_conns == 0)
			break;
		hk_time_t next = na < nb ? na : nb;
		if (moved || next <= now)
			now += HK_USEC(20);
		else if (next == HK_TIME_NEVER)
			why = "stalled";
		else
			now = next;
	}
	if (!why && now - start >= LIMIT)
		why = "virtual time limit";
	if (!why && o.mismatches)
		why = o.first_error;
	for (int i = 0; i < p.n && !why; i++)
		if (!events_seen[i])
			why = "a marked region raised no event";
	if (!why && p.shinken && (!already_dead || !zombie_end))
		why = "Hokuto-Shinken: no already-dead / zombie-end event";
	if (!why && rcvd != p.total)
		why = "B did not get everything";
	tot->rexmit_dth += o.rexmit_dth;
	tot->dth_segs += o.dth_segs;
	tot->events += events;
	if (verbose || why)
		fprintf(stderr,
			"seed %" PRIu64 ": %s %zu bytes, %d regions%s, loss=%.3f reorder=%.3f dup=%.3f corrupt=%.4f; "
			"%" PRIu64 " data segments at B, %" PRIu64 " with DTH (%" PRIu64 " retransmitted), %" PRIu64
			" events, t=%.2fs\n",
			seed, why ? why : "ok", p.total, p.n, p.shinken ? " shinken" : "", sp.loss, sp.reorder, sp.dup,
			sp.corrupt, o.segs, o.dth_segs, o.rexmit_dth, events, (double)(now - start) / 1e6);
	if (why)
		fprintf(stderr, "  replay: HK_SEED=%" PRIu64 " ./build/tests/sim/test_sim_dth\n", seed);
	hk_stack_free(a);
	hk_stack_free(b);
	return why == NULL;
}

static void sim_dth_seeds(void **state)
{
	(void)state;
	const char *one = getenv("HK_SEED");
	const char *n_env = getenv("HK_SIM_SEEDS");
	bool verbose = getenv("HK_SIM_VERBOSE") != NULL;
	uint64_t first = 1, n = n_env ? strtoull(n_env, NULL, 0) : 120;
	if (one) {
		first = strtoull(one, NULL, 0);
		n = 1;
	}
	struct totals tot = {0};
	int failed = 0;
	for (uint64_t seed = first; seed < first + n; seed++)
		if (!run_seed(seed, verbose, &tot))
			failed++;
	assert_int_equal(failed, 0);
	if (!one && n >= 40) {
		/* the point of the exercise: marked segments were lost and came
		 * again with the flag */
		assert_true(tot.rexmit_dth > 0);
		assert_true(tot.events > 0);
	}
	if (verbose)
		fprintf(stderr, "total: %" PRIu64 " DTH segments, %" PRIu64 " retransmitted, %" PRIu64 " events\n",
			tot.dth_segs, tot.rexmit_dth, tot.events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sim_dth_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

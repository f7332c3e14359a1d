/* Simulation: two stacks on the sim wire, TCP both ways under seeded
 * impairments (loss, duplication, reordering, delay, jitter, corruption,
 * a rate bottleneck) in virtual time. Asserts byte-exact delivery, clean
 * termination on both sides (every socket closed, every connection record
 * gone after TIME-WAIT) and no leaked packet buffers.
 *
 *   HK_SIM_SEEDS=N   how many seeds (default 200)
 *   HK_SEED=N        run only seed N (replay a failure)
 *   HK_SIM_BYTES=N   bytes each way (default: 64..320 KiB drawn per seed)
 *   HK_SIM_VERBOSE=1 print one line per seed */
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
#include "hokuto/socket.h"
#include "hokuto/stack.h"
#include "tcp/tcp_int.h"

#define IP_A HK_IP4(192, 0, 2, 1)
#define IP_B HK_IP4(192, 0, 2, 2)
#define PORT 5001
#define LIMIT HK_SEC(900)

struct side {
	struct hk_stack *s;
	int lfd, fd;
	size_t total;      /* bytes to send and to receive */
	size_t sent, rcvd;
	bool shut, eof, closed;
	uint8_t salt_tx, salt_rx;
	int err;
};

static uint8_t pattern(size_t i, uint8_t salt)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ salt ^ (uint8_t)(i >> 7);
}

static struct hk_stack *new_stack(uint64_t seed, const char *cc)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = seed;
	cfg.pbuf_count = 512;
	cfg.tcp.msl = HK_SEC(1);
	cfg.tcp.rto_min = HK_MSEC(200);
	cfg.tcp.snd_buf = 64 * 1024;
	cfg.tcp.rcv_buf = 64 * 1024;
	cfg.tcp.cc = cc;
	if (getenv("HK_SIM_DEBUG"))
		cfg.log_level = HK_LOG_DEBUG;
	struct hk_stack *s = hk_stack_new(&cfg);
	assert_non_null(s);
	return s;
}

/* Sends what fits, reads what is there, closes when done. Returns true
 * when something moved. */
static bool drive(struct side *x)
{
	bool moved = false;
	if (x->fd < 0)
		return false;
	uint8_t buf[8192];
	while (x->sent < x->total) {
		size_t n = x->total - x->sent;
		if (n > sizeof(buf))
			n = sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(x->sent + i, x->salt_tx);
		ssize_t r = hk_send(x->s, x->fd, buf, n, 0);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			x->err = (int)-r;
			return false;
		}
		x->sent += (size_t)r;
		moved = true;
	}
	if (x->sent == x->total && !x->shut) {
		assert_int_equal(hk_shutdown(x->s, x->fd, HK_SHUT_WR), 0);
		x->shut = true;
		moved = true;
	}
	while (!x->eof) {
		ssize_t r = hk_recv(x->s, x->fd, buf, sizeof(buf), 0);
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			x->err = (int)-r;
			return false;
		}
		if (r == 0) {
			x->eof = true;
			moved = true;
			break;
		}
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] != pattern(x->rcvd + (size_t)i, x->salt_rx)) {
				fprintf(stderr, "byte %zu differs\n", x->rcvd + (size_t)i);
				x->err = EILSEQ;
				return false;
			}
		}
		x->rcvd += (size_t)r;
		moved = true;
	}
	if (x->eof && x->shut && !x->closed) {
		assert_int_equal(hk_close(x->s, x->fd), 0);
		x->fd = -1;
		x->closed = true;
		moved = true;
	}
	return moved;
}

static void spec_for(uint64_t seed, struct hk_impair_spec *sp, char *desc, size_t dl)
{
	struct hk_rng r;
	hk_rng_seed(&r, seed * 7919 + 1);
	memset(sp, 0, sizeof(*sp));
	uint32_t kind = hk_rng_below(&r, 8);
	if (kind > 0) { /* seed kind 0 is a clean wire */
		sp->loss = hk_rng_double(&r) * 0.05;
		sp->dup = hk_rng_double(&r) * 0.02;
		sp->reorder = hk_rng_double(&r) * 0.05;
		sp->corrupt = hk_rng_double(&r) * 0.01;
		sp->delay = HK_USEC(hk_rng_below(&r, 5000));
		sp->jitter = HK_USEC(hk_rng_below(&r, 2000));
		uint32_t rate = hk_rng_below(&r, 3);
		sp->rate_bps = rate == 0 ? 0 : rate == 1 ? 10000000ull : 100000000ull;
	}
	sp->seed = seed;
	snprintf(desc, dl, "loss=%.3f dup=%.3f reorder=%.3f corrupt=%.4f delay=%" PRIu64 "us jitter=%" PRIu64
		 "us rate=%" PRIu64, sp->loss, sp->dup, sp->reorder, sp->corrupt, sp->delay, sp->jitter,
		 sp->rate_bps);
}

static uint32_t conns(struct hk_stack *s)
{
	return s->tcp->n_conns;
}

static void dump(const char *name, struct hk_stack *s)
{
	for (struct hk_tcp_conn *c = s->tcp->all; c; c = c->all_next)
		fprintf(stderr,
			"  %s: %s una=%u nxt=%u max=%u end=%u wnd=%u cwnd=%u rcv_nxt=%u adv=%u ring=%u/%u flags=%#x "
			"rexmt=%d persist=%d delack=%d retries=%u\n",
			name, hk_tcp_state_name(c->state), c->snd_una - c->iss, c->snd_nxt - c->iss, c->snd_max - c->iss,
			tcp_data_end(c) - c->iss, c->snd_wnd, c->cc.cwnd, c->rcv_nxt - c->irs, c->rcv_adv - c->irs,
			hk_ring_len(&c->sndbuf), hk_ring_len(&c->rcvbuf), c->flags, hk_timer_armed(&c->t_rexmt),
			tcp_has(c, TF_PERSIST), hk_timer_armed(&c->t_delack), c->retries);
}

static bool run_seed(uint64_t seed, size_t bytes_env, bool verbose)
{
	struct hk_dev *da, *db;
	assert_int_equal(hk_sim_wire_new(&da, &db, 1500), 0);
	struct hk_impair_spec sp;
	char desc[200];
	spec_for(seed, &sp, desc, sizeof(desc));
	da = hk_impair_wrap(da, &sp);
	assert_non_null(da);
	const char *cc = (seed & 1) ? "cubic" : "newreno";
	if (!hk_tcp_cc_find(cc))
		cc = "newreno";
	struct side a = { .s = new_stack(seed * 2 + 1, cc), .lfd = -1, .fd = -1, .salt_tx = 0x5a, .salt_rx = 0xa5 };
	struct side b = { .s = new_stack(seed * 2 + 2, cc), .lfd = -1, .fd = -1, .salt_tx = 0xa5, .salt_rx = 0x5a };
	struct hk_rng r;
	hk_rng_seed(&r, seed);
	size_t bytes = bytes_env ? bytes_env : 65536 + hk_rng_below(&r, 256 * 1024);
	a.total = b.total = bytes;
	hk_time_t now = HK_SEC(100);
	hk_stack_poll(a.s, now);
	hk_stack_poll(b.s, now);
	assert_true(hk_stack_add_iface(a.s, da, IP_A, 24) >= 0);
	assert_true(hk_stack_add_iface(b.s, db, IP_B, 24) >= 0);

	b.lfd = hk_socket(b.s, HK_SOCK_STREAM);
	struct hk_sockaddr any = { 0, PORT };
	assert_int_equal(hk_bind(b.s, b.lfd, &any), 0);
	assert_int_equal(hk_listen(b.s, b.lfd, 4), 0);
	a.fd = hk_socket(a.s, HK_SOCK_STREAM);
	if (seed % 3 == 0) /* ECN negotiated on every third seed */
		assert_int_equal(hk_setsockopt(a.s, a.fd, HK_TCP_ECN, &(int){ 1 }, sizeof(int)), 0);
	struct hk_sockaddr to = { IP_B, PORT };
	assert_int_equal(hk_connect(a.s, a.fd, &to), -EINPROGRESS);

	bool ok = false;
	const char *why = "virtual time limit";
	hk_time_t start = now;
	while (now - start < LIMIT) {
		uint64_t frames = hk_stack_stat(a.s, HK_STAT_dev_tx_frames) + hk_stack_stat(b.s, HK_STAT_dev_tx_frames);
		hk_time_t na = hk_stack_poll(a.s, now);
		hk_time_t nb = hk_stack_poll(b.s, now);
		if (b.fd < 0 && b.lfd >= 0) {
			struct hk_sockaddr peer;
			int fd = hk_accept(b.s, b.lfd, &peer);
			if (fd >= 0) {
				b.fd = fd;
				assert_int_equal(peer.addr, IP_A);
				assert_int_equal(hk_close(b.s, b.lfd), 0);
				b.lfd = -1;
			}
		}
		size_t before = a.rcvd + b.rcvd + a.sent + b.sent;
		bool moved = drive(&a);
		moved = drive(&b) || moved;
		if (getenv("HK_SIM_TRACE") && a.rcvd + b.rcvd + a.sent + b.sent != before) {
			static hk_time_t last;
			if (now - last > HK_MSEC(500))
				fprintf(stderr, "  gap %.3fs at t=%.3f a sent %zu rcvd %zu b sent %zu rcvd %zu\n",
					(double)(now - last) / 1e6, (double)(now - start) / 1e6, a.sent, a.rcvd, b.sent, b.rcvd);
			last = now;
		}
		if (a.err || b.err) {
			why = "socket error";
			break;
		}
		if (a.closed && b.closed && conns(a.s) == 0 && conns(b.s) == 0) {
			ok = true;
			break;
		}
		moved |= hk_stack_stat(a.s, HK_STAT_dev_tx_frames) + hk_stack_stat(b.s, HK_STAT_dev_tx_frames) != frames;
		hk_time_t next = na < nb ? na : nb;
		if (next == HK_TIME_NEVER && !moved) {
			why = "stalled: nothing scheduled";
			break;
		}
		if (moved || next <= now)
			now += HK_USEC(20);
		else
			now = next;
	}
	/* let both stacks settle, then nothing may be left */
	if (ok) {
		hk_stack_poll(a.s, now + HK_SEC(10));
		hk_stack_poll(b.s, now + HK_SEC(10));
		if (a.s->pool.in_use || b.s->pool.in_use) {
			ok = false;
			why = "packet buffers still in use";
		}
		if (a.s->tcp->mem_used || b.s->tcp->mem_used) {
			ok = false;
			why = "TCP memory still accounted";
		}
	}
	if (verbose || !ok)
		fprintf(stderr,
			"seed %" PRIu64 ": %s %zu bytes each way, %s, %s; a sent %zu rcvd %zu err %d; b sent %zu rcvd %zu "
			"err %d; t=%.3fs; a rexmt %" PRIu64 " b rexmt %" PRIu64 "\n",
			seed, ok ? "ok" : "FAILED", bytes, cc, desc, a.sent, a.rcvd, a.err, b.sent, b.rcvd, b.err,
			(double)(now - start) / 1e6, hk_stack_stat(a.s, HK_STAT_tcp_retransmits),
			hk_stack_stat(b.s, HK_STAT_tcp_retransmits));
	if (!ok) {
		fprintf(stderr, "  why: %s (a conns %u state %s, b conns %u)\n", why, conns(a.s),
			a.s->tcp->all ? hk_tcp_state_name(a.s->tcp->all->state) : "-", conns(b.s));
		dump("a", a.s);
		dump("b", b.s);
		fprintf(stderr, "  replay: HK_SEED=%" PRIu64 " ./build/tests/sim/test_sim_tcp\n", seed);
	}
	if (getenv("HK_SIM_TRACE")) {
		fprintf(stderr, "--- a\n");
		hk_stats_print(hk_stack_stats(a.s), stderr);
		fprintf(stderr, "--- b\n");
		hk_stats_print(hk_stack_stats(b.s), stderr);
	}
	hk_stack_free(a.s);
	hk_stack_free(b.s);
	return ok;
}

static void sim_tcp_seeds(void **state)
{
	(void)state;
	const char *one = getenv("HK_SEED");
	const char *n_env = getenv("HK_SIM_SEEDS");
	const char *b_env = getenv("HK_SIM_BYTES");
	bool verbose = getenv("HK_SIM_VERBOSE") != NULL;
	size_t bytes = b_env ? (size_t)strtoull(b_env, NULL, 0) : 0;
	uint64_t first = 1, n = n_env ? strtoull(n_env, NULL, 0) : 200;
	if (one) {
		first = strtoull(one, NULL, 0);
		n = 1;
	}
	int failed = 0;
	for (uint64_t seed = first; seed < first + n; seed++)
		if (!run_seed(seed, bytes, verbose))
			failed++;
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sim_tcp_seeds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sim_bulk — moves N MiB from stack A to stack B over the sim wire, in
 * virtual time, with no impairment, and checks every byte. It exists to be
 * measured: bench/callgrind.sh runs it under callgrind and divides the
 * instructions by the MiB moved.
 *
 *   sim_bulk [--mib N] [--cc newreno|cubic] [--seed N]
 *
 * All the work of one side (its application calls and its hk_stack_poll)
 * happens inside side_sender() or side_receiver(), and the whole transfer
 * inside bulk_transfer(), so callgrind can count them apart (inclusive
 * cost per function). Checking the received bytes is harness work, done
 * in check_chunk(). Exit status 0 when all N MiB arrived intact. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/dev.h"
#include "hokuto/socket.h"
#include "hokuto/stack.h"

#define IP_A HK_IP4(192, 0, 2, 1)
#define IP_B HK_IP4(192, 0, 2, 2)
#define PORT 5001
#define STEP HK_USEC(50)              /* virtual time per loop turn */
#define PAT 65521u                    /* pattern period: a prime, so chunks never align */
#define RECV_CHUNK 32768u
#define VIRTUAL_LIMIT HK_SEC(3600)    /* give up after an hour of protocol time */

#define NOINLINE __attribute__((noinline))

struct bulk {
	struct hk_stack *a, *b;
	hk_time_t now, start;
	int cfd, lfd, sfd;                /* A's socket; B's listener and accepted socket */
	uint64_t total, sent, received;
	bool shut, eof, bad;
	uint64_t turns;
	uint8_t pattern[2 * PAT];         /* pattern[i] = pattern[i % PAT] */
	uint8_t buf[RECV_CHUNK];
};

static struct hk_stack *new_stack(uint64_t seed, const char *cc)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = seed;
	if (cc)
		cfg.tcp.cc = cc;
	return hk_stack_new(&cfg);
}

/* Everything stack A does in one turn: queue as much as the send buffer
 * takes, close the sending side once all is queued, then poll. */
static NOINLINE void side_sender(struct bulk *k)
{
	while (k->sent < k->total) {
		uint64_t left = k->total - k->sent;
		size_t len = left < PAT ? (size_t)left : PAT;
		ssize_t n = hk_send(k->a, k->cfd, k->pattern + k->sent % PAT, len, 0);
		if (n <= 0)
			break;
		k->sent += (uint64_t)n;
	}
	if (k->sent == k->total && !k->shut) {
		hk_shutdown(k->a, k->cfd, HK_SHUT_WR);
		k->shut = true;
	}
	hk_stack_poll(k->a, k->now);
}

static NOINLINE void check_chunk(struct bulk *k, const uint8_t *p, size_t n)
{
	if (memcmp(p, k->pattern + k->received % PAT, n) != 0 && !k->bad) {
		fprintf(stderr, "sim_bulk: data differs near byte %" PRIu64 "\n", k->received);
		k->bad = true;
	}
	k->received += n;
}

/* Everything stack B does in one turn: poll, then read all there is. */
static NOINLINE void side_receiver(struct bulk *k)
{
	hk_stack_poll(k->b, k->now);
	for (;;) {
		ssize_t n = hk_recv(k->b, k->sfd, k->buf, sizeof(k->buf), 0);
		if (n > 0) {
			check_chunk(k, k->buf, (size_t)n);
			continue;
		}
		if (n == 0)
			k->eof = true;
		else if (n != -EAGAIN) {
			fprintf(stderr, "sim_bulk: recv: %s\n", strerror((int)-n));
			k->bad = true;
		}
		break;
	}
}

static NOINLINE int bulk_transfer(struct bulk *k)
{
	while (!k->eof && !k->bad) {
		side_sender(k);
		side_receiver(k);
		k->now += STEP;
		k->turns++;
		if (k->now - k->start > VIRTUAL_LIMIT) {
			fprintf(stderr, "sim_bulk: not done after %" PRIu64 " s of virtual time (%" PRIu64
				" of %" PRIu64 " bytes)\n", VIRTUAL_LIMIT / HK_SEC(1), k->received, k->total);
			return -1;
		}
	}
	return k->bad || k->received != k->total ? -1 : 0;
}

/* Handshake: B listens, A connects; runs until B accepted and A is writable. */
static int open_connection(struct bulk *k)
{
	k->lfd = hk_socket(k->b, HK_SOCK_STREAM);
	struct hk_sockaddr la = {IP_B, PORT};
	if (k->lfd < 0 || hk_bind(k->b, k->lfd, &la) < 0 || hk_listen(k->b, k->lfd, 4) < 0) {
		fprintf(stderr, "sim_bulk: listen failed\n");
		return -1;
	}
	k->cfd = hk_socket(k->a, HK_SOCK_STREAM);
	int rc = k->cfd < 0 ? k->cfd : hk_connect(k->a, k->cfd, &la);
	if (rc < 0 && rc != -EINPROGRESS) {
		fprintf(stderr, "sim_bulk: connect: %s\n", strerror(-rc));
		return -1;
	}
	k->sfd = -1;
	for (int i = 0; i < 200000; i++) {
		hk_stack_poll(k->a, k->now);
		hk_stack_poll(k->b, k->now);
		k->now += STEP;
		if (k->sfd < 0)
			k->sfd = hk_accept(k->b, k->lfd, NULL);
		struct hk_pollfd pf = {k->cfd, HK_POLLOUT, 0};
		hk_poll(k->a, &pf, 1);
		if (pf.revents & (HK_POLLERR | HK_POLLHUP)) {
			fprintf(stderr, "sim_bulk: connection failed\n");
			return -1;
		}
		if (k->sfd >= 0 && (pf.revents & HK_POLLOUT))
			return 0;
	}
	fprintf(stderr, "sim_bulk: no connection\n");
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sim_bulk [--mib N] [--cc newreno|cubic] [--seed N]\n");
}

int main(int argc, char **argv)
{
	uint64_t mib = 64, seed = 1;
	const char *cc = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "--mib"))
			mib = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--cc"))
			cc = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (mib == 0 || mib > (1u << 20)) {
		fprintf(stderr, "sim_bulk: --mib: 1 .. 1048576\n");
		return 2;
	}

	struct bulk *k = calloc(1, sizeof(*k));
	if (!k)
		return 1;
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (uint32_t i = 0; i < PAT; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k->pattern[i] = k->pattern[i + PAT] = (uint8_t)(x >> 32);
	}
	k->total = mib << 20;

	struct hk_dev *da, *db;
	int rc = hk_sim_wire_new(&da, &db, 1500);
	k->a = new_stack(seed, cc);
	k->b = new_stack(seed + 1, cc);
	if (rc < 0 || !k->a || !k->b) {
		fprintf(stderr, "sim_bulk: setting up the stacks failed\n");
		return 1;
	}
	k->now = HK_SEC(1000);
	hk_stack_poll(k->a, k->now);
	hk_stack_poll(k->b, k->now);
	if (hk_stack_add_iface(k->a, da, IP_A, 24) < 0 || hk_stack_add_iface(k->b, db, IP_B, 24) < 0) {
		fprintf(stderr, "sim_bulk: adding interfaces failed\n");
		return 1;
	}
	if (open_connection(k) < 0)
		return 1;

	k->start = k->now;
	rc = bulk_transfer(k);
	hk_time_t took = k->now - k->start;

	printf("sim_bulk: %" PRIu64 " bytes A->B %s in %.3f s virtual time, %" PRIu64 " turns\n", k->received,
	       rc == 0 ? "intact" : "FAILED", (double)took / 1e6, k->turns);
	printf("sim_bulk: A sent %" PRIu64 " segments (%" PRIu64 " retransmitted), B sent %" PRIu64
	       " segments; device drops %" PRIu64 "\n",
	       hk_stack_stat(k->a, HK_STAT_tcp_tx_segments), hk_stack_stat(k->a, HK_STAT_tcp_retransmits),
	       hk_stack_stat(k->b, HK_STAT_tcp_tx_segments),
	       hk_stack_stat(k->a, HK_STAT_dev_tx_errors) + hk_stack_stat(k->b, HK_STAT_dev_tx_errors));
	hk_stack_free(k->a);
	hk_stack_free(k->b);
	free(k);
	return rc == 0 ? 0 : 1;
}

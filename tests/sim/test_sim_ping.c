/* Simulation: two stacks on the sim wire ping each other in virtual time
 * (ARP, ICMP echo, fragmentation and reassembly end to end). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/ping.h"
#include "hokuto/stack.h"
#include "hokuto/udp.h"

#define IP_A HK_IP4(192, 0, 2, 1)
#define IP_B HK_IP4(192, 0, 2, 2)
#define STEP HK_USEC(100)

struct pair {
	struct hk_stack *a, *b;
	hk_time_t now;
};

static struct hk_stack *new_stack(uint64_t seed)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = seed;
	cfg.pbuf_count = 1024;
	struct hk_stack *s = hk_stack_new(&cfg);
	assert_non_null(s);
	return s;
}

static void pair_up(struct pair *p, uint32_t mtu, const char *impair_a)
{
	struct hk_dev *da, *db;
	assert_int_equal(hk_sim_wire_new(&da, &db, mtu), 0);
	if (impair_a) {
		struct hk_impair_spec spec;
		char err[128];
		assert_int_equal(hk_impair_parse(impair_a, &spec, err, sizeof(err)), 0);
		da = hk_impair_wrap(da, &spec);
		assert_non_null(da);
	}
	p->now = HK_SEC(1000);
	p->a = new_stack(11);
	p->b = new_stack(22);
	hk_stack_poll(p->a, p->now);
	hk_stack_poll(p->b, p->now);
	assert_true(hk_stack_add_iface(p->a, da, IP_A, 24) >= 0);
	assert_true(hk_stack_add_iface(p->b, db, IP_B, 24) >= 0);
}

static void pair_down(struct pair *p)
{
	hk_stack_free(p->a);
	hk_stack_free(p->b);
}

static void step(struct pair *p)
{
	hk_stack_poll(p->a, p->now);
	hk_stack_poll(p->b, p->now);
	p->now += STEP;
}

static void run_for(struct pair *p, hk_time_t dur)
{
	hk_time_t end = p->now + dur;
	while (p->now < end)
		step(p);
}

/* Runs until s has a reply for id, at most timeout. */
static bool wait_reply(struct pair *p, struct hk_stack *s, uint16_t id, struct hk_echo_reply *r, hk_time_t timeout)
{
	hk_time_t end = p->now + timeout;
	while (p->now < end) {
		step(p);
		if (hk_ping_recv(s, id, r) == 0)
			return true;
	}
	return false;
}

static uint64_t st(struct hk_stack *s, enum hk_stat k)
{
	return hk_stack_stat(s, k);
}

static void fill(uint8_t *d, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)(i * 131 + salt);
}

static void ping_small(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, 1500, NULL);
	uint8_t data[56];
	fill(data, sizeof(data), 1);
	hk_time_t sent = p.now;
	assert_int_equal(hk_ping_send(p.a, IP_B, 100, 1, data, sizeof(data)), 0);
	struct hk_echo_reply r;
	assert_true(wait_reply(&p, p.a, 100, &r, HK_SEC(1)));
	assert_int_equal(r.icmp_type, 0);
	assert_int_equal(r.from, IP_B);
	assert_int_equal(r.seq, 1);
	assert_int_equal(r.len, 56);
	assert_int_equal(r.ttl, 64);
	assert_true(r.data_ok);
	assert_int_equal(r.tx_time, sent);
	assert_true(r.rx_time >= sent && r.rx_time - sent <= HK_MSEC(1));
	/* A resolved B once; B learnt A from that request (RFC 826) */
	assert_int_equal(st(p.a, HK_STAT_arp_tx_requests), 1);
	assert_int_equal(st(p.a, HK_STAT_arp_rx_replies), 1);
	assert_int_equal(st(p.b, HK_STAT_arp_tx_replies), 1);
	assert_int_equal(st(p.b, HK_STAT_arp_tx_requests), 0);
	assert_int_equal(st(p.a, HK_STAT_icmp_tx_echo_requests), 1);
	assert_int_equal(st(p.b, HK_STAT_icmp_tx_echo_replies), 1);
	assert_int_equal(st(p.a, HK_STAT_icmp_rx_echo_replies), 1);
	/* and the second ping needs no ARP at all */
	assert_int_equal(hk_ping_send(p.a, IP_B, 100, 2, data, sizeof(data)), 0);
	assert_true(wait_reply(&p, p.a, 100, &r, HK_SEC(1)));
	assert_int_equal(r.seq, 2);
	assert_int_equal(st(p.a, HK_STAT_arp_tx_requests), 1);
	assert_int_equal(st(p.a, HK_STAT_ip_rx_bad_checksum) + st(p.b, HK_STAT_ip_rx_bad_checksum), 0);
	pair_down(&p);
}

static void ping_4000_both_ways(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, 1500, NULL);
	static uint8_t data[4000];
	struct hk_echo_reply r;
	fill(data, sizeof(data), 7);
	assert_int_equal(hk_ping_send(p.a, IP_B, 1, 1, data, sizeof(data)), 0);
	assert_true(wait_reply(&p, p.a, 1, &r, HK_SEC(1)));
	assert_int_equal(r.len, 4000);
	assert_true(r.data_ok);
	assert_int_equal(r.from, IP_B);

	fill(data, sizeof(data), 9);
	assert_int_equal(hk_ping_send(p.b, IP_A, 2, 1, data, sizeof(data)), 0);
	assert_true(wait_reply(&p, p.b, 2, &r, HK_SEC(1)));
	assert_int_equal(r.len, 4000);
	assert_true(r.data_ok);
	assert_int_equal(r.from, IP_A);

	/* each side fragmented a request and a reply into 3, and reassembled
	 * one of each */
	assert_int_equal(st(p.a, HK_STAT_ip_frag_created), 6);
	assert_int_equal(st(p.b, HK_STAT_ip_frag_created), 6);
	assert_int_equal(st(p.a, HK_STAT_ip_reasm_ok), 2);
	assert_int_equal(st(p.b, HK_STAT_ip_reasm_ok), 2);
	assert_int_equal(st(p.a, HK_STAT_ip_rx_fragments), 6);
	assert_int_equal(st(p.b, HK_STAT_icmp_tx_echo_replies), 1);
	assert_int_equal(st(p.a, HK_STAT_icmp_tx_echo_replies), 1);
	assert_int_equal(st(p.a, HK_STAT_ip_reasm_timeout) + st(p.b, HK_STAT_ip_reasm_timeout), 0);
	pair_down(&p);
}

static void ping_with_delay(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, 1500, "delay=5ms");
	/* let the announcements pass first: they must not teach the peer our
	 * MAC (RFC 826 adds only when we are the target) */
	run_for(&p, HK_MSEC(100));
	uint8_t data[100];
	fill(data, sizeof(data), 3);
	struct hk_echo_reply r;
	for (uint16_t seq = 1; seq <= 5; seq++) {
		assert_int_equal(hk_ping_send(p.a, IP_B, 9, seq, data, sizeof(data)), 0);
		assert_true(wait_reply(&p, p.a, 9, &r, HK_SEC(1)));
		assert_int_equal(r.seq, seq);
		assert_true(r.data_ok);
		hk_time_t rtt = r.rx_time - r.tx_time;
		/* 5 ms each way; the first also waits for ARP (another 10 ms) */
		hk_time_t want = seq == 1 ? HK_MSEC(20) : HK_MSEC(10);
		assert_true(rtt >= want && rtt <= want + HK_MSEC(1));
		run_for(&p, HK_SEC(1));
	}
	pair_down(&p);
}

static void ping_nobody(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, 1500, NULL);
	hk_time_t sent = p.now;
	assert_int_equal(hk_ping_send(p.a, HK_IP4(192, 0, 2, 9), 5, 1, "x", 1), 0);
	struct hk_echo_reply r;
	assert_true(wait_reply(&p, p.a, 5, &r, HK_SEC(5)));
	/* "Destination Host Unreachable" from ourselves, after 3 requests */
	assert_int_equal(r.icmp_type, 3);
	assert_int_equal(r.icmp_code, 1);
	assert_int_equal(r.from, IP_A);
	assert_true(r.rx_time - sent >= HK_SEC(3));
	assert_int_equal(st(p.a, HK_STAT_arp_tx_requests), 3);
	assert_int_equal(st(p.a, HK_STAT_arp_resolve_failed), 1);
	assert_int_equal(st(p.b, HK_STAT_arp_rx_not_for_us), 4); /* 3 + A's announcement */
	/* a protocol nobody speaks, and a closed UDP port, get errors back */
	int h = hk_udp_open(p.a, 0);
	assert_int_equal(hk_udp_sendto(p.a, h, IP_B, 9, "hi", 2), 2);
	run_for(&p, HK_MSEC(10));
	assert_int_equal(st(p.b, HK_STAT_udp_rx_no_port), 1);
	assert_int_equal(st(p.b, HK_STAT_icmp_tx_unreachable), 1);
	assert_int_equal(st(p.a, HK_STAT_icmp_rx_unreachable), 1);
	assert_int_equal(st(p.a, HK_STAT_udp_rx_icmp_errors), 1);
	pair_down(&p);
}

static void udp_between_stacks(void **state)
{
	(void)state;
	struct pair p;
	pair_up(&p, 1500, NULL);
	int ha = hk_udp_open(p.a, 0);
	int hb = hk_udp_open(p.b, 7);
	assert_true(ha >= 0 && hb >= 0);
	static uint8_t data[4000], got[5000];
	fill(data, sizeof(data), 5);
	assert_int_equal(hk_udp_sendto(p.a, ha, IP_B, 7, data, sizeof(data)), 4000);
	hk_ip4_t src = 0;
	uint16_t sport = 0;
	ssize_t n = -EAGAIN;
	for (int i = 0; i < 100 && n == -EAGAIN; i++) {
		step(&p);
		n = hk_udp_recvfrom(p.b, hb, got, sizeof(got), &src, &sport);
	}
	assert_int_equal(n, 4000);
	assert_memory_equal(got, data, 4000);
	assert_int_equal(src, IP_A);
	assert_int_equal(sport, hk_udp_port(p.a, ha));
	/* and back */
	assert_int_equal(hk_udp_sendto(p.b, hb, src, sport, got, 100), 100);
	n = -EAGAIN;
	for (int i = 0; i < 100 && n == -EAGAIN; i++) {
		step(&p);
		n = hk_udp_recvfrom(p.a, ha, got, sizeof(got), &src, &sport);
	}
	assert_int_equal(n, 100);
	assert_memory_equal(got, data, 100);
	assert_int_equal(sport, 7);
	pair_down(&p);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

/* Seeds as the soak runs them: HK_SIM_FIRST_SEED, HK_SIM_SEEDS. */
static void ping_lossy_link(void **state)
{
	(void)state;
	uint64_t first = env_u64("HK_SIM_FIRST_SEED", 1), n = env_u64("HK_SIM_SEEDS", 4);
	for (uint64_t seed = first; seed < first + n; seed++) {
		struct pair p;
		char spec[128];
		snprintf(spec, sizeof(spec), "loss=0.1,dup=0.05,reorder=0.1,corrupt=0.02,delay=1ms,jitter=1ms,seed=%llu",
			 (unsigned long long)seed);
		pair_up(&p, 1500, spec);
		static uint8_t data[4000];
		int replies = 0, bad = 0;
		for (uint16_t seq = 1; seq <= 30; seq++) {
			size_t len = seq % 3 ? 200 : sizeof(data);
			fill(data, len, seq);
			assert_int_equal(hk_ping_send(p.a, IP_B, 3, seq, data, len), 0);
			run_for(&p, HK_MSEC(500));
			struct hk_echo_reply r;
			while (hk_ping_recv(p.a, 3, &r) == 0) {
				if (r.icmp_type != 0)
					continue;
				replies++;
				if (!r.data_ok || r.len != (r.seq % 3 ? 200u : sizeof(data)))
					bad++;
			}
		}
		if (getenv("HK_VERBOSE") || replies < 10 || bad)
			fprintf(stderr, "seed %llu: %d replies, %d bad (replay: HK_SIM_FIRST_SEED=%llu HK_SIM_SEEDS=1)\n",
				(unsigned long long)seed, replies, bad, (unsigned long long)seed);
		if (getenv("HK_VERBOSE")) {
			fprintf(stderr, "--- A\n");
			hk_stats_print(hk_stack_stats(p.a), stderr);
			fprintf(stderr, "--- B\n");
			hk_stats_print(hk_stack_stats(p.b), stderr);
		}
		assert_true(replies >= 10);
		assert_int_equal(bad, 0);
		pair_down(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ping_small),
		cmocka_unit_test(ping_4000_both_ways),
		cmocka_unit_test(ping_with_delay),
		cmocka_unit_test(ping_nobody),
		cmocka_unit_test(udp_between_stacks),
		cmocka_unit_test(ping_lossy_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* TCP and ICMP (RFC 9293 3.9.2.2, RFC 1191, RFC 5927), keep-alives
 * (3.8.4), socket options, the socket API's error paths, memory limits. */
#include <errno.h>

#include "hokuto/wire/icmp.h"
#include "tcptest.h"

static const struct hk_tcp_opts no_opts;
static uint8_t pat[8192];

/* An ICMP error from the peer about a segment we sent with sequence seq. */
static void icmp_about(struct tt *t, uint8_t type, uint8_t code, uint16_t mtu, uint32_t seq)
{
	uint8_t orig[28];
	struct hk_ipv4_hdr ip;
	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = 5;
	ip.total_len = 40;
	ip.ttl = 64;
	ip.proto = HK_IPPROTO_TCP;
	ip.src = US;
	ip.dst = PEER;
	ip.flags = HK_IPV4_FLAG_DF;
	hk_ipv4_emit(&ip, orig);
	uint8_t *th = orig + 20;
	th[0] = (uint8_t)(t->port >> 8);
	th[1] = (uint8_t)t->port;
	th[2] = PEER_PORT >> 8;
	th[3] = PEER_PORT & 0xff;
	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	struct hk_icmp_hdr h;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.code = code;
	h.next_mtu = mtu;
	h.payload = orig;
	h.payload_len = sizeof(orig);
	uint8_t pkt[100];
	size_t n = hk_icmp_emit(&h, pkt + 20);
	struct hk_ipv4_hdr out;
	memset(&out, 0, sizeof(out));
	out.version = 4;
	out.ihl = 5;
	out.total_len = (uint16_t)(20 + n);
	out.ttl = 64;
	out.proto = HK_IPPROTO_ICMP;
	out.src = PEER;
	out.dst = US;
	hk_ipv4_emit(&out, pkt);
	tt_inject_ip(t, pkt, 20 + n);
}

/* Port unreachable during SYN-SENT aborts with ECONNREFUSED. */
static void icmp_port_unreachable_connecting(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	t.fd = hk_socket(t.s, HK_SOCK_STREAM);
	hk_connect(t.s, t.fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	t.port = syn.sport;
	/* a quoted sequence number outside the window is ignored (RFC 5927) */
	icmp_about(&t, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_PORT, 0, syn.seq + 100);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_SYN_SENT);
	assert_int_equal(hk_connect_status(t.s, t.fd), -EINPROGRESS);
	icmp_about(&t, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_PORT, 0, syn.seq);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	int err = 0;
	size_t len = sizeof(err);
	hk_getsockopt(t.s, t.fd, HK_SO_ERROR, &err, &len);
	assert_int_equal(err, ECONNREFUSED);
	/* reading SO_ERROR clears it (as in BSD); the status still says refused */
	assert_int_equal(hk_connect_status(t.s, t.fd), -ECONNREFUSED);
	tt_fini(&t);
}

/* MUST-56, SHLD-25, MUST-47, MUST-55: soft errors are only recorded; source
 * quench is ignored. */
static void icmp_soft_errors(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	hk_send(t.s, t.fd, "abc", 3, 0);
	tt_drain(&t);
	static const uint8_t types[][2] = { { 3, 0 }, { 3, 1 }, { 3, 5 }, { 11, 0 }, { 12, 0 }, { 4, 0 } };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		icmp_about(&t, types[i][0], types[i][1], 0, t.rcv);
		assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	}
	int err = 0;
	size_t len = sizeof(err);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_TCP_SOFT_ERROR, &err, &len), 0);
	assert_int_equal(err, EPROTO); /* the last one that counted (parameter problem) */
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_TCP_SOFT_ERROR, &err, &len), 0);
	assert_int_equal(err, 0);
	assert_int_equal(hk_getsockopt(t.s, t.fd, HK_SO_ERROR, &err, &len), 0);
	assert_int_equal(err, 0); /* no hard error */
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_icmp_soft), 5);
	/* port unreachable on an established connection is recorded too */
	icmp_about(&t, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_PORT, 0, t.rcv);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	tt_fini(&t);
}

/* RFC 1191: fragmentation needed lowers the MSS and resends what was lost. */
static void icmp_frag_needed(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 1460 };
	tt_passive_open(&t, 80, &o, NULL);
	hk_send(t.s, t.fd, pat, 2920, 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 1460);
	tt_drain(&t);
	icmp_about(&t, HK_ICMP_DEST_UNREACH, HK_ICMP_UNREACH_FRAG_NEEDED, 1000, t.rcv);
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_int_equal(g.len, 960);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_pmtu_updates), 1);
	assert_int_equal(hk_ipv4_mtu_for(t.s, PEER), 1000);
	/* a new connection starts from the lower MTU */
	assert_int_equal(tcp_adv_mss(t.s, PEER), 960);
	tt_fini(&t);
}

/* MUST-24..29, SHLD-12: keep-alives off by default, on request only when
 * idle, no data, and only several unanswered probes end the connection. */
static void keepalive(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	int v = 0;
	size_t len = sizeof(v);
	hk_getsockopt(t.s, t.fd, HK_SO_KEEPALIVE, &v, &len);
	assert_int_equal(v, 0);
	hk_getsockopt(t.s, t.fd, HK_TCP_KEEPIDLE, &v, &len);
	assert_true(v >= 7200);
	tt_advance(&t, HK_SEC(3 * 3600));
	tt_expect_none(&t);
	v = 1;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_SO_KEEPALIVE, &v, sizeof(v)), 0);
	v = 10;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_KEEPIDLE, &v, sizeof(v)), 0);
	v = 5;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_KEEPINTVL, &v, sizeof(v)), 0);
	v = 3;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_TCP_KEEPCNT, &v, sizeof(v)), 0);
	tt_peer_data(&t, "x", 1, 0); /* activity */
	hk_time_t t0 = t.now;
	tt_advance(&t, HK_SEC(10));
	struct tt_seg g;
	while (tt_recv(&t, &g) && g.len == 0 && g.at - t0 < HK_SEC(1))
		; /* the delayed ACK */
	assert_int_equal(g.at - t0, HK_SEC(10));
	assert_int_equal(g.seq, t.rcv - 1);
	assert_int_equal(g.len, 0);
	assert_int_equal(g.ack, t.snd);
	tt_peer_ack(&t, t.rcv, 65535); /* answered */
	t0 = t.now;
	tt_advance(&t, HK_SEC(30));
	hk_time_t at[] = { 10, 15, 20 };
	for (int i = 0; i < 3; i++) {
		tt_expect(&t, &g, F_ACK, t.rcv - 1, t.snd);
		assert_int_equal(g.at - t0, HK_SEC(at[i]));
	}
	tt_expect(&t, &g, F_RST, t.rcv, 0); /* at 25 s, after 3 unanswered */
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_CLOSED);
	char b[2];
	assert_int_equal(hk_recv(t.s, t.fd, b, 1, 0), -ETIMEDOUT); /* an abort flushes the queues */
	tt_fini(&t);
}

/* MUST-48/49: TTL and Diffserv from the application reach IP unchanged. */
static void ttl_and_tos(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	int v = 17;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_IP_TTL, &v, sizeof(v)), 0);
	v = 0xb8;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_IP_TOS, &v, sizeof(v)), 0);
	hk_send(t.s, t.fd, "x", 1, 0);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_int_equal(g.ttl, 17);
	assert_int_equal(g.tos, 0xb8);
	v = 0;
	assert_int_equal(hk_setsockopt(t.s, t.fd, HK_IP_TTL, &v, sizeof(v)), -EINVAL);
	tt_fini(&t);
}

/* Buffer sizes, congestion control by name, TCP_INFO, bad handles. */
static void socket_options(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	int fd = hk_socket(t.s, HK_SOCK_STREAM);
	int v = 16384;
	assert_int_equal(hk_setsockopt(t.s, fd, HK_SO_RCVBUF, &v, sizeof(v)), 0);
	char name[16];
	size_t len = sizeof(name);
	assert_int_equal(hk_getsockopt(t.s, fd, HK_TCP_CONGESTION, name, &len), 0);
	assert_string_equal(name, "newreno");
	assert_int_equal(hk_setsockopt(t.s, fd, HK_TCP_CONGESTION, "vegas", 5), -ENOENT);
	assert_int_equal(hk_setsockopt(t.s, fd, HK_TCP_CONGESTION, "newreno", 7), 0);
	hk_connect(t.s, fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
	struct tt_seg syn;
	tt_expect(&t, &syn, F_SYN, ANY, 0);
	assert_int_equal(syn.opts.wscale, 0); /* 16 KiB needs no scaling */
	assert_int_equal(syn.window, 16384);
	assert_int_equal(hk_setsockopt(t.s, fd, HK_SO_RCVBUF, &v, sizeof(v)), -EISCONN);
	len = sizeof(v);
	assert_int_equal(hk_getsockopt(t.s, fd, HK_SO_RCVBUF, &v, &len), 0);
	assert_int_equal(v, 16384);
	assert_int_equal(hk_setsockopt(t.s, fd, 9999, &v, sizeof(v)), -ENOPROTOOPT);
	assert_int_equal(hk_setsockopt(t.s, fd, HK_TCP_NODELAY, &v, 1), -EINVAL);
	assert_int_equal(hk_send(t.s, 99, "x", 1, 0), -EBADF);
	assert_int_equal(hk_accept(t.s, fd, NULL), -EINVAL);
	assert_int_equal(hk_listen(t.s, fd, 1), -EINVAL);
	assert_int_equal(hk_socket(t.s, 7), -EPROTONOSUPPORT);
	struct hk_pollfd p[2] = { { .fd = 99, .events = HK_POLLIN }, { .fd = -1 } };
	assert_int_equal(hk_poll(t.s, p, 2), 1);
	assert_int_equal(p[0].revents, HK_POLLNVAL);
	struct hk_sockaddr a;
	assert_int_equal(hk_getpeername(t.s, 99, &a), -EBADF);
	int l = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_listen(t.s, l, 3), 0); /* binds an ephemeral port */
	assert_int_equal(hk_getsockname(t.s, l, &a), 0);
	assert_true(a.port >= HK_EPHEMERAL_MIN);
	assert_int_equal(hk_getpeername(t.s, l, &a), -ENOTCONN);
	assert_int_equal(hk_recv(t.s, l, name, 1, 0), -ENOTCONN);
	tt_fini(&t);
}

/* The TCP memory limit: connect fails with ENOBUFS, nothing leaks. */
static void memory_limit(void **state)
{
	(void)state;
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.tcp.mem_limit = 300 * 1024; /* one 256 KiB ring fits, not two */
	struct hk_stack *s = hk_stack_new(&cfg);
	int fd = hk_socket(s, HK_SOCK_STREAM);
	assert_true(fd >= 0);
	/* no interface: unroutable first */
	assert_int_equal(hk_connect(s, fd, &(struct hk_sockaddr){ PEER, 80 }), -ENETUNREACH);
	hk_stack_free(s);

	struct tt t;
	tt_init(&t, NULL);
	t.s->cfg.tcp.mem_limit = 300 * 1024;
	fd = hk_socket(t.s, HK_SOCK_STREAM);
	assert_int_equal(hk_connect(t.s, fd, &(struct hk_sockaddr){ PEER, 80 }), -ENOBUFS);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_mem_limit), 1);
	assert_int_equal(hk_close(t.s, fd), 0);
	tt_poll(&t);
	assert_int_equal(t.s->tcp->mem_used, 0);
	tt_fini(&t);
}

/* The blocking helpers give up at their timeout (real clock, short). */
static void wait_helpers_time_out(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	char b[4];
	assert_int_equal(hk_recv_wait(t.s, t.fd, b, sizeof(b), HK_MSEC(20)), -ETIMEDOUT);
	struct hk_pollfd p = { .fd = t.fd, .events = HK_POLLIN };
	assert_int_equal(hk_poll_wait(t.s, &p, 1, HK_MSEC(10)), 0);
	assert_int_equal(hk_accept_wait(t.s, t.lfd, NULL, HK_MSEC(10)), -ETIMEDOUT);
	tt_fini(&t);
}

/* MUST-3: a segment with a wrong checksum is dropped and counted. */
static void bad_checksum_dropped(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, &no_opts, NULL);
	uint8_t pkt[200];
	size_t n = tt_build(&t, &(struct tt_seg){ .seq = t.snd, .ack = t.rcv, .flags = F_ACK | F_PSH,
						  .data = pat, .len = 20 }, pkt);
	pkt[n - 1] ^= 0x40;
	tt_inject_ip(&t, pkt, n);
	tt_advance(&t, HK_MSEC(300));
	tt_expect_none(&t);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_rx_bad_checksum), 1);
	char b[32];
	assert_int_equal(hk_recv(t.s, t.fd, b, sizeof(b), 0), -EAGAIN);
	tt_fini(&t);
}

/* MUST-8, SHLD-1: the ISN moves with a 4 µs clock for the same 4-tuple. */
static void isn_clock(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	uint32_t iss[2];
	for (int i = 0; i < 2; i++) {
		int fd = hk_socket(t.s, HK_SOCK_STREAM);
		assert_int_equal(hk_bind(t.s, fd, &(struct hk_sockaddr){ US, 4444 }), 0);
		hk_connect(t.s, fd, &(struct hk_sockaddr){ PEER, PEER_PORT });
		struct tt_seg syn;
		tt_expect(&t, &syn, F_SYN, ANY, 0);
		iss[i] = syn.seq;
		hk_abort(t.s, fd);
		tt_advance(&t, HK_MSEC(4));
	}
	assert_int_equal(iss[1] - iss[0], 1000); /* 4 ms / 4 µs */
	tt_fini(&t);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)i;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(icmp_port_unreachable_connecting),
		cmocka_unit_test(icmp_soft_errors),
		cmocka_unit_test(icmp_frag_needed),
		cmocka_unit_test(keepalive),
		cmocka_unit_test(ttl_and_tos),
		cmocka_unit_test(socket_options),
		cmocka_unit_test(memory_limit),
		cmocka_unit_test(wait_helpers_time_out),
		cmocka_unit_test(bad_checksum_dropped),
		cmocka_unit_test(isn_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* RFC 9401 on hokuto's TCP, sending side: where the bit goes on the wire,
 * which segments carry it (segmentation, retransmission after a timeout,
 * fast retransmit, SACK recovery), the SHOULD NOTs of 3.3 (handshake, URG,
 * FIN) refused with EPROTO unless teasing, no runs of bare DTH ACKs, and
 * the stack marking death-flag lines (auto) and memory trouble (3.2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dthtest.h"

static uint8_t pat[8192];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)('a' + i % 26);
}

/* Pops every queued segment and checks that each carries DTH exactly when
 * it holds a byte of [base+ms, base+me). Returns how many there were and
 * how many had DTH (through *n_dth). */
static int check_marks(struct tt *t, uint32_t base, uint32_t ms, uint32_t me, int *n_dth)
{
	struct tt_seg g;
	int n = 0, d = 0;
	while (tt_recv(t, &g)) {
		n++;
		if (g.len == 0) {
			assert_false(g.dth);
			continue;
		}
		uint32_t a = g.seq - base, e = a + (uint32_t)g.len;
		bool holds = a < me && e > ms;
		if (holds != g.dth)
			fail_msg("segment [%u, %u) dth=%d, marked bytes are [%u, %u)", a, e, g.dth, ms, me);
		d += g.dth;
	}
	if (n_dth)
		*n_dth = d;
	return n;
}

/* RFC 9401 3.1: bit 0x08 of byte 12 (0x58 for a 20-byte header, 0x88 for
 * 32 bytes with timestamps), the data offset unchanged, covered by the
 * checksum. */
static void wire_bit_offset_checksum(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	assert_int_equal(hk_send(t.s, t.fd, "plain", 5, 0), 5);
	assert_int_equal(dt_peek_byte12(&t), 0x50);
	tt_expect(&t, NULL, F_ACK | F_PSH, t.rcv, t.snd);
	tt_peer_ack(&t, t.rcv + 5, 65535);
	assert_int_equal(hk_send(t.s, t.fd, "death", 5, HK_MSG_DTH), 5);
	assert_int_equal(dt_peek_byte12(&t), 0x58);
	uint8_t raw[200];
	size_t n = dt_peek_raw(&t, raw, sizeof(raw));
	struct hk_ipv4_hdr ip;
	assert_int_equal(hk_ipv4_parse(raw, n, true, &ip), 0);
	struct hk_tcp_hdr h;
	uint8_t *tcp = raw + 20;
	size_t tl = n - 20;
	assert_int_equal(hk_tcp_parse(tcp, tl, ip.src, ip.dst, true, &h), HK_TCP_OK);
	assert_true(h.dth);
	assert_int_equal(h.data_off, 20);
	assert_int_equal(h.reserved, 0);
	assert_int_equal(h.payload_len, 5);
	assert_memory_equal(h.payload, "death", 5);
	/* the checksum covers the bit: flipped in transit, it fails */
	tcp[12] &= (uint8_t)~0x08;
	assert_int_equal(hk_tcp_parse(tcp, tl, ip.src, ip.dst, true, &h), HK_TCP_ERR_CHECKSUM);
	tcp[12] |= 0x08;
	assert_int_equal(hk_tcp_parse(tcp, tl, ip.src, ip.dst, true, &h), HK_TCP_OK);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv + 5, t.snd);
	assert_true(g.dth);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx), 1);
	assert_int_equal(dt_info(&t, t.fd).tx_segments, 1);
	tt_fini(&t);

	/* with the timestamp option: 32-byte header, 0x80 | 0x08 */
	tt_init(&t, NULL);
	tt_passive_open(&t, 80, NULL, NULL);
	assert_int_equal(hk_send(t.s, t.fd, "death", 5, HK_MSG_DTH), 5);
	assert_int_equal(dt_peek_byte12(&t), 0x88);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_true(g.dth);
	tt_fini(&t);
}

/* Marked bytes in the middle of the queue: every segment that carries one
 * has DTH, the others not; after a timeout the retransmissions (cut
 * differently) follow the same rule. */
static void segmentation_and_rto(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 100);
	uint32_t b = t.rcv;
	tt_peer_ack(&t, b, 0); /* window closed: everything queues */
	assert_int_equal(hk_send(t.s, t.fd, pat, 49, 0), 49);
	assert_int_equal(hk_send(t.s, t.fd, pat, 250, HK_MSG_DTH), 250);
	assert_int_equal(hk_send(t.s, t.fd, pat, 200, 0), 200);
	tt_expect_none(&t);
	tt_peer_ack(&t, b, 65535);
	int nd = 0;
	assert_int_equal(check_marks(&t, b, 49, 299, &nd), 4); /* 100 x 4; Nagle holds 99 */
	assert_int_equal(nd, 3);
	/* timeout: go back to SND.UNA, one segment, then slow start */
	tt_advance(&t, HK_MSEC(1100));
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, b, t.snd);
	assert_int_equal(g.len, 100);
	assert_true(g.dth); /* bytes 49..99 are marked */
	tt_peer_ack(&t, b + 100, 65535);
	assert_int_equal(check_marks(&t, b, 49, 299, &nd), 2);
	assert_int_equal(nd, 2);
	tt_peer_ack(&t, b + 300, 65535);
	int got = check_marks(&t, b, 49, 299, &nd);
	assert_int_equal(nd, 0);
	tt_peer_ack(&t, b + 400, 65535);
	got += check_marks(&t, b, 49, 299, &nd);
	assert_int_equal(nd, 0);
	assert_int_equal(got, 2); /* [300, 400) again, then the last 99 */
	tt_peer_ack(&t, b + 499, 65535);
	assert_int_equal(dt_info(&t, t.fd).tx_marked_bytes, 250);
	assert_int_equal(tt_conn(&t, t.fd)->dth.n_tx, 0); /* marks go with the ACK */
	tt_fini(&t);
}

/* Fast retransmit (RFC 5681/6582) resends the marked segment with DTH. */
static void fast_retransmit_keeps_dth(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 100);
	dt_set(&t, t.fd, HK_TCP_NODELAY, 1);
	uint32_t b = t.rcv;
	for (int i = 0; i < 6; i++)
		assert_int_equal(hk_send(t.s, t.fd, pat, 100, i == 1 ? HK_MSG_DTH : 0), 100);
	assert_int_equal(check_marks(&t, b, 100, 200, NULL), 6);
	tt_peer_ack(&t, b + 100, 65535);
	for (int i = 0; i < 3; i++)
		tt_peer_ack(&t, b + 100, 65535);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, b + 100, t.snd);
	assert_int_equal(g.len, 100);
	assert_true(g.dth);
	assert_int_equal(tt_stat(&t, HK_STAT_tcp_fast_retransmits), 1);
	tt_fini(&t);
}

static void sack_dupack(struct tt *t, uint32_t ack, const uint32_t (*blocks)[2], int n)
{
	struct tt_seg a = { .seq = t->snd, .ack = ack, .flags = F_ACK };
	a.opts.n_sack = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		a.opts.sack[i].left = blocks[i][0];
		a.opts.sack[i].right = blocks[i][1];
	}
	tt_send(t, &a);
}

/* SACK recovery (RFC 6675 NextSeg) resends the lost marked segments with
 * DTH and the lost unmarked ones without. */
static void sack_recovery_keeps_dth(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	struct hk_tcp_opts o = { .has_mss = true, .mss = 100, .sack_permitted = true };
	tt_passive_open(&t, 80, &o, NULL);
	dt_set(&t, t.fd, HK_TCP_NODELAY, 1);
	uint32_t b = t.rcv;
	/* segments 1 and 3 are marked; 1, 3 and 5 get lost */
	for (int i = 0; i < 9; i++)
		assert_int_equal(hk_send(t.s, t.fd, pat, 100, (i == 1 || i == 3) ? HK_MSG_DTH : 0), 100);
	tt_drain(&t);
	tt_peer_ack(&t, b + 100, 65535);
	uint32_t blk[3][2] = {{b + 200, b + 300}, {b + 400, b + 500}, {b + 600, b + 900}};
	sack_dupack(&t, b + 100, blk, 1);
	blk[1][1] = b + 500;
	sack_dupack(&t, b + 100, blk, 2);
	sack_dupack(&t, b + 100, blk, 3);
	/* every retransmission: DTH exactly on the marked ones */
	bool got1 = false, got3 = false, got5 = false;
	for (int round = 0; round < 4; round++) {
		struct tt_seg g;
		while (tt_recv(&t, &g)) {
			uint32_t k = (g.seq - b) / 100;
			assert_int_equal(g.len, 100);
			assert_int_equal(g.dth, k == 1 || k == 3);
			got1 |= k == 1;
			got3 |= k == 3;
			got5 |= k == 5;
		}
		sack_dupack(&t, b + 100, blk, 3);
	}
	assert_true(got1 && got3 && got5);
	assert_true(tcp_has(tt_conn(&t, t.fd), TF_RECOVERY));
	tt_fini(&t);
}

/* 3.3: "Using DTH in the early state of a connection (the handshake) is NOT
 * RECOMMENDED": refused with EPROTO; with TEASE the SYN (HK_TCP_DTH) and
 * the ACK completing the handshake (a pure DTH ACK) may carry it. */
static void handshake_rule(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	int fd = hk_socket(t.s, HK_SOCK_STREAM);
	dt_set(&t, fd, HK_TCP_DTH, 1); /* marks data segments: never a SYN */
	struct hk_sockaddr to = { PEER, PEER_PORT };
	assert_int_equal(hk_connect(t.s, fd, &to), -EINPROGRESS);
	tt_poll(&t);
	struct tt_seg syn;
	assert_int_equal(dt_peek_byte12(&t) & 0x08, 0);
	assert_true(tt_recv(&t, &syn));
	assert_false(syn.dth);
	assert_int_equal(hk_send(t.s, fd, "x", 1, HK_MSG_DTH), -EPROTO);
	assert_int_equal(hk_send(t.s, fd, NULL, 0, HK_MSG_DTH), -EPROTO);
	assert_int_equal(hk_send(t.s, fd, "x", 1, 0), -EAGAIN); /* as without DTH */
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_refused), 2);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx), 0);
	hk_abort(t.s, fd);
	tt_drain(&t);

	/* teasing: SYN with DTH, and the handshake's ACK */
	fd = hk_socket(t.s, HK_SOCK_STREAM);
	dt_set(&t, fd, HK_TCP_DTH, 1);
	dt_set(&t, fd, HK_TCP_DTH_TEASE, 1);
	assert_int_equal(hk_connect(t.s, fd, &to), -EINPROGRESS);
	tt_poll(&t);
	assert_int_equal(dt_peek_byte12(&t) & 0x08, 0x08);
	assert_true(tt_recv(&t, &syn));
	assert_true(syn.dth);
	assert_int_equal(syn.flags, F_SYN);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_handshake), 1);
	assert_int_equal(hk_send(t.s, fd, NULL, 0, HK_MSG_DTH), 0);
	t.fd = fd;
	t.port = syn.sport;
	struct tt_seg sa = { .seq = t.irs, .ack = syn.seq + 1, .flags = F_SYN | F_ACK };
	sa.opts.has_mss = true;
	sa.opts.mss = 1460;
	tt_send(&t, &sa);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK, syn.seq + 1, t.irs + 1);
	assert_true(g.dth);
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, fd), HK_TCP_ESTABLISHED);
	tt_fini(&t);

	/* a teasing listener: its SYN,ACK */
	tt_init(&t, NULL);
	int l = hk_socket(t.s, HK_SOCK_STREAM);
	dt_set(&t, l, HK_TCP_DTH, 1);
	dt_set(&t, l, HK_TCP_DTH_TEASE, 1);
	struct hk_sockaddr a = { 0, 80 };
	assert_int_equal(hk_bind(t.s, l, &a), 0);
	assert_int_equal(hk_listen(t.s, l, 4), 0);
	t.port = 80;
	struct tt_seg s1 = { .seq = t.irs, .flags = F_SYN };
	tt_send(&t, &s1);
	tt_expect(&t, &g, F_SYN | F_ACK, ANY, t.irs + 1);
	assert_true(g.dth);
	tt_fini(&t);
}

/* 3.3: "DTH SHOULD NOT be sent together with URG". */
static void urgent_rule(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	uint32_t b = t.rcv;
	assert_int_equal(hk_send(t.s, t.fd, "u", 1, HK_MSG_OOB | HK_MSG_DTH), -EPROTO);
	dt_set(&t, t.fd, HK_TCP_DTH, 1);
	assert_int_equal(hk_send(t.s, t.fd, "u", 1, HK_MSG_OOB), -EPROTO);
	dt_set(&t, t.fd, HK_TCP_DTH, 0);
	/* marked bytes in flight: an urgent pointer beyond them would put URG
	 * on their retransmissions */
	assert_int_equal(hk_send(t.s, t.fd, "d", 1, HK_MSG_DTH), 1);
	assert_int_equal(hk_send(t.s, t.fd, "u", 1, HK_MSG_OOB), -EPROTO);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_refused), 3);
	struct tt_seg g;
	tt_expect(&t, &g, F_ACK | F_PSH, b, t.snd);
	assert_true(g.dth);
	tt_peer_ack(&t, b + 1, 65535);
	/* urgent data then marked data, queued together (Nagle): the URG
	 * segment ends at the urgent pointer, the marked bytes go after it */
	assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), 1);
	assert_int_equal(hk_send(t.s, t.fd, "u", 1, HK_MSG_OOB), 1);
	assert_int_equal(hk_send(t.s, t.fd, "dd", 2, HK_MSG_DTH), 2);
	tt_expect(&t, &g, F_ACK | F_PSH, b + 1, t.snd);
	assert_false(g.dth);
	tt_expect_none(&t);
	tt_peer_ack(&t, b + 2, 65535);
	tt_expect(&t, &g, F_ACK | F_URG, b + 2, t.snd);
	assert_int_equal(g.len, 1);
	assert_false(g.dth);
	tt_peer_ack(&t, b + 3, 65535);
	tt_expect(&t, &g, F_ACK | F_PSH, b + 3, t.snd);
	assert_int_equal(g.len, 2);
	assert_true(g.dth);
	tt_peer_ack(&t, b + 5, 65535);
	/* teasing: both */
	dt_set(&t, t.fd, HK_TCP_DTH_TEASE, 1);
	assert_int_equal(hk_send(t.s, t.fd, "U", 1, HK_MSG_OOB | HK_MSG_DTH), 1);
	tt_expect(&t, &g, F_ACK | F_PSH | F_URG, b + 5, t.snd);
	assert_true(g.dth);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_with_urg), 1);
	tt_fini(&t);
}

/* 3.3: "DTH SHOULD NOT be piggybacked on FIN": the FIN goes alone, also
 * when retransmitted; hk_dth_fin is refused; with TEASE both ride together
 * and keep riding together when retransmitted. */
static void fin_rule(void **state)
{
	(void)state;
	struct tt t;
	struct tt_seg g;
	for (int tease = 0; tease < 2; tease++) {
		tt_init(&t, NULL);
		dt_open_plain(&t, 1460);
		uint32_t b = t.rcv;
		dt_set(&t, t.fd, HK_TCP_DTH_TEASE, tease);
		assert_int_equal(hk_send(t.s, t.fd, "a", 1, 0), 1);
		tt_expect(&t, NULL, F_ACK | F_PSH, b, t.snd);
		assert_int_equal(hk_send(t.s, t.fd, "last", 4, HK_MSG_DTH), 4); /* Nagle holds it */
		assert_int_equal(hk_shutdown(t.s, t.fd, HK_SHUT_WR), 0);
		tt_peer_ack(&t, b + 1, 65535);
		for (int pass = 0; pass < 2; pass++) { /* the first time, then after a timeout */
			if (!tease) {
				tt_expect(&t, &g, F_ACK | F_PSH, b + 1, t.snd);
				assert_true(g.dth);
				assert_int_equal(g.len, 4);
				if (pass == 1) /* after a timeout one segment goes, the FIN once it is acked */
					tt_peer_ack(&t, b + 5, 65535);
				tt_expect(&t, &g, F_ACK | F_FIN, b + 5, t.snd);
				assert_false(g.dth);
			} else {
				tt_expect(&t, &g, F_ACK | F_PSH | F_FIN, b + 1, t.snd);
				assert_true(g.dth);
				assert_int_equal(g.len, 4);
			}
			tt_expect_none(&t);
			if (pass == 0)
				tt_advance(&t, HK_MSEC(1100));
		}
		assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_fin_split), tease ? 0 : 2);
		assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_on_fin), tease ? 2 : 0);
		tt_fini(&t);
	}

	/* hk_dth_fin: a FIN with DTH on purpose */
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	assert_int_equal(hk_dth_fin(t.s, t.fd), -EPROTO);
	tt_expect_none(&t);
	assert_int_equal(tt_state(&t, t.fd), HK_TCP_ESTABLISHED);
	dt_set(&t, t.fd, HK_TCP_DTH_TEASE, 1);
	assert_int_equal(hk_send(t.s, t.fd, "plain", 5, 0), 5);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_int_equal(hk_dth_fin(t.s, t.fd), 0);
	tt_peer_ack(&t, t.rcv + 5, 65535);
	tt_expect(&t, &g, F_ACK | F_FIN, t.rcv + 5, t.snd);
	assert_true(g.dth);
	tt_advance(&t, HK_MSEC(1100));
	tt_expect(&t, &g, F_ACK | F_FIN, t.rcv + 5, t.snd);
	assert_true(g.dth);
	assert_int_equal(hk_dth_fin(t.s, t.fd), -EPIPE);
	tt_fini(&t);
}

/* Pure DTH ACKs never come in a row with the same acknowledgment number
 * (duplicate ACKs to the peer): the second waits for new data or an ACK of
 * something new. */
static void no_bare_dth_ack_runs(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	struct tt_seg g;
	for (int i = 0; i < 5; i++)
		assert_int_equal(hk_send(t.s, t.fd, NULL, 0, HK_MSG_DTH), 0);
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_true(g.dth);
	assert_int_equal(g.len, 0);
	tt_expect_none(&t);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_bare_acks), 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_bare_deferred), 1);
	/* the peer sends data: our ACK acknowledges something new, it may
	 * carry the deferred flag */
	tt_peer_data(&t, "hi", 2, F_PSH);
	tt_advance(&t, HK_MSEC(500));
	tt_expect(&t, &g, F_ACK, t.rcv, t.snd);
	assert_true(g.dth);
	tt_expect_none(&t);
	/* again: deferred, then new data carries it instead of a bare ACK */
	assert_int_equal(hk_send(t.s, t.fd, NULL, 0, HK_MSG_DTH), 0);
	tt_expect_none(&t);
	assert_int_equal(hk_send(t.s, t.fd, "data", 4, 0), 4);
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_true(g.dth);
	tt_expect_none(&t);
	/* that segment keeps DTH when retransmitted */
	tt_advance(&t, HK_MSEC(1100));
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_true(g.dth);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_bare_acks), 2);
	assert_int_equal(dt_info(&t, t.fd).tx_bare_deferred, 2);
	tt_fini(&t);
}

#define SEED_LINE "この戦争が終わったらこいつと結婚するんだ"

/* HK_TCP_DTH_AUTO: only the segments holding the death-flag line. */
static void auto_marks_only_the_line(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 100);
	dt_set(&t, t.fd, HK_TCP_DTH_AUTO, 1);
	dt_set(&t, t.fd, HK_TCP_NODELAY, 1);
	assert_int_equal(dt_get(&t, t.fd, HK_TCP_DTH_AUTO), 1);
	uint32_t b = t.rcv;
	char req[1024];
	const char *head = "POST / HTTP/1.1\r\nHost: 127.0.0.1:18000\r\nUser-Agent: hokuto\r\n"
			   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\n";
	int hl = snprintf(req, sizeof(req), "%s", head);
	int n = snprintf(req + hl, sizeof(req) - (size_t)hl, "%s\nan ordinary line, nothing to see\n%.300s",
			 SEED_LINE, (const char *)pat);
	n += hl;
	uint32_t ms = (uint32_t)hl, me = ms + (uint32_t)strlen(SEED_LINE);
	tt_peer_ack(&t, b, 0);
	assert_int_equal(hk_send(t.s, t.fd, req, (size_t)n, 0), n);
	tt_peer_ack(&t, b, 65535);
	int nd = 0;
	int segs = check_marks(&t, b, ms, me, &nd);
	assert_true(segs >= 5);
	assert_int_equal(nd, (int)((me - 1) / 100 - ms / 100 + 1));
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_auto_lines), 1);
	assert_int_equal(dt_info(&t, t.fd).tx_marked_bytes, me - ms);
	tt_peer_ack(&t, b + (uint32_t)n, 65535);

	/* an ordinary request: nothing */
	b += (uint32_t)n;
	n = snprintf(req, sizeof(req), "POST / HTTP/1.1\r\nContent-Length: 13\r\n\r\nhello, world!");
	assert_int_equal(hk_send(t.s, t.fd, req, (size_t)n, 0), n);
	assert_int_equal(check_marks(&t, b, 0, 0, &nd), 1);
	assert_int_equal(nd, 0);
	tt_peer_ack(&t, b + (uint32_t)n, 65535);
	b += (uint32_t)n;

	/* the line split over two sends (Nagle holds the first part) */
	dt_set(&t, t.fd, HK_TCP_NODELAY, 0);
	assert_int_equal(hk_send(t.s, t.fd, "x", 1, 0), 1);
	const char *half = "この戦争が終わったら";
	assert_int_equal(hk_send(t.s, t.fd, half, strlen(half), 0), (ssize_t)strlen(half));
	assert_int_equal(hk_send(t.s, t.fd, "こいつと結婚するんだ\n", strlen("こいつと結婚するんだ\n"), 0),
			 (ssize_t)strlen("こいつと結婚するんだ\n"));
	tt_peer_ack(&t, b + 1, 65535);
	assert_true(check_marks(&t, b, 1, 1 + (uint32_t)strlen(SEED_LINE), &nd) >= 1);
	assert_true(nd >= 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_auto_lines), 2);
	tt_fini(&t);
}

/* A phrase file replaces the built-in list for the whole stack. */
static void custom_matcher(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	char path[] = "/tmp/hk-dth-phrasesXXXXXX";
	int pfd = mkstemp(path);
	assert_true(pfd >= 0);
	const char *text = "# test phrases\nthe cake is a lie\n";
	assert_int_equal(write(pfd, text, strlen(text)), (ssize_t)strlen(text));
	close(pfd);
	char err[256];
	assert_int_equal(hk_dth_load_phrases(t.s, "/nonexistent/phrases", false, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/phrases"));
	assert_int_equal(hk_dth_load_phrases(t.s, path, false, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(hk_dth_matcher_count(hk_dth_get_matcher(t.s)), 1);
	dt_open_plain(&t, 1460);
	dt_set(&t, t.fd, HK_TCP_DTH_AUTO, 1);
	dt_set(&t, t.fd, HK_TCP_NODELAY, 1);
	struct tt_seg g;
	assert_int_equal(hk_send(t.s, t.fd, SEED_LINE "\n", strlen(SEED_LINE "\n"), 0),
			 (ssize_t)strlen(SEED_LINE "\n"));
	tt_expect(&t, &g, F_ACK | F_PSH, t.rcv, t.snd);
	assert_false(g.dth); /* not in this list */
	assert_int_equal(hk_send(t.s, t.fd, "THE CAKE IS A LIE\n", 18, 0), 18);
	tt_recv(&t, &g);
	assert_true(g.dth);
	hk_dth_set_matcher(t.s, NULL); /* back to the built-in list */
	assert_true(hk_dth_matcher_count(hk_dth_get_matcher(t.s)) > 10);
	tt_fini(&t);
}

/* RFC 9401 3.2 resource trouble: a full send buffer (the connection's
 * memory limit) and the stack's TCP memory limit mark what is sent. */
static void trouble_marks(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, &(struct tt_cfg){ .snd_buf = 2048 });
	dt_open_plain(&t, 1460);
	dt_set(&t, t.fd, HK_TCP_DTH_ON_TROUBLE, 1);
	uint32_t b = t.rcv;
	tt_peer_ack(&t, b, 0);
	assert_int_equal(hk_send(t.s, t.fd, pat, 100, 0), 100); /* fits: no trouble */
	assert_int_equal(hk_send(t.s, t.fd, pat, 3000, 0), 1948); /* the buffer is full */
	assert_int_equal(hk_send(t.s, t.fd, pat, 10, 0), -EAGAIN);
	assert_int_equal(dt_info(&t, t.fd).tx_trouble_marks, 1);
	assert_int_equal(tt_stat(&t, HK_STAT_dth_tx_trouble), 1);
	tt_peer_ack(&t, b, 65535);
	int nd = 0;
	assert_int_equal(check_marks(&t, b, 100, 2048, &nd), 1); /* 1460; Nagle holds 588 */
	assert_int_equal(nd, 1);
	tt_peer_ack(&t, b + 1460, 65535);
	assert_int_equal(check_marks(&t, b, 100, 2048, &nd), 1);
	assert_int_equal(nd, 1);
	tt_peer_ack(&t, b + 2048, 65535);
	assert_int_equal(hk_send(t.s, t.fd, pat, 10, 0), 10); /* room again, no trouble */
	assert_int_equal(check_marks(&t, b + 2048, 0, 0, &nd), 1);
	assert_int_equal(nd, 0);
	tt_peer_ack(&t, b + 2058, 65535);
	/* the stack's memory limit refuses a new connection: trouble for a while */
	t.s->cfg.tcp.mem_limit = (uint32_t)tcp_st(t.s)->mem_used + 100;
	assert_int_equal(hk_socket(t.s, HK_SOCK_STREAM), -ENOBUFS);
	t.s->cfg.tcp.mem_limit = 256u * 1024 * 1024;
	assert_int_equal(hk_send(t.s, t.fd, pat, 10, 0), 10);
	assert_int_equal(check_marks(&t, b + 2058, 0, 10, &nd), 1);
	assert_int_equal(nd, 1);
	tt_peer_ack(&t, b + 2068, 65535);
	tt_advance(&t, HK_SEC(11)); /* ten seconds later it is over */
	assert_int_equal(hk_send(t.s, t.fd, pat, 10, 0), 10);
	tt_drain(&t);
	assert_int_equal(dt_info(&t, t.fd).tx_trouble_marks, 2);
	/* without the option nothing is marked */
	dt_set(&t, t.fd, HK_TCP_DTH_ON_TROUBLE, 0);
	tt_fini(&t);
}

/* Options: values, errors, and a listener's values going to what it accepts. */
static void options_and_inheritance(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	int l = hk_socket(t.s, HK_SOCK_STREAM);
	static const int opts[] = {HK_TCP_DTH, HK_TCP_DTH_TEASE, HK_TCP_DTH_AUTO, HK_TCP_DTH_ON_TROUBLE,
				   HK_TCP_HOKUTO_SHINKEN};
	for (unsigned i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		assert_int_equal(dt_get(&t, l, opts[i]), 0);
		dt_set(&t, l, opts[i], 1);
		assert_int_equal(dt_get(&t, l, opts[i]), 1);
	}
	dt_set(&t, l, HK_TCP_DTH_TEASE, 0);
	assert_int_equal(dt_get(&t, l, HK_TCP_HOKUTO_ZOMBIE_MS), HK_TCP_HOKUTO_ZOMBIE_MS_DEFAULT);
	dt_set(&t, l, HK_TCP_HOKUTO_ZOMBIE_MS, 1234);
	int v = -1;
	assert_int_equal(hk_setsockopt(t.s, l, HK_TCP_HOKUTO_ZOMBIE_MS, &v, sizeof(v)), -EINVAL);
	v = HK_TCP_HOKUTO_ZOMBIE_MS_MAX + 1;
	assert_int_equal(hk_setsockopt(t.s, l, HK_TCP_HOKUTO_ZOMBIE_MS, &v, sizeof(v)), -EINVAL);
	v = 1;
	assert_int_equal(hk_setsockopt(t.s, l, HK_TCP_DTH_INFO, &v, sizeof(v)), -ENOPROTOOPT);
	assert_int_equal(hk_setsockopt(t.s, l, HK_TCP_DTH, &v, 1), -EINVAL);
	struct hk_dth_info info;
	size_t len = sizeof(info) - 1;
	assert_int_equal(hk_getsockopt(t.s, l, HK_TCP_DTH_INFO, &info, &len), -EINVAL);
	struct hk_sockaddr a = { 0, 80 };
	assert_int_equal(hk_bind(t.s, l, &a), 0);
	assert_int_equal(hk_listen(t.s, l, 8), 0);
	t.port = 80;
	struct tt_seg syn = { .seq = t.irs, .flags = F_SYN };
	syn.opts.has_mss = true;
	syn.opts.mss = 1460;
	tt_send(&t, &syn);
	struct tt_seg sa;
	tt_expect(&t, &sa, F_SYN | F_ACK, ANY, t.irs + 1);
	assert_false(sa.dth); /* HK_TCP_DTH without TEASE: not on a SYN,ACK */
	struct tt_seg ack = { .seq = t.irs + 1, .ack = sa.seq + 1, .flags = F_ACK };
	tt_send(&t, &ack);
	int fd = hk_accept(t.s, l, NULL);
	assert_true(fd >= 0);
	assert_int_equal(dt_get(&t, fd, HK_TCP_DTH), 1);
	assert_int_equal(dt_get(&t, fd, HK_TCP_DTH_AUTO), 1);
	assert_int_equal(dt_get(&t, fd, HK_TCP_DTH_ON_TROUBLE), 1);
	assert_int_equal(dt_get(&t, fd, HK_TCP_HOKUTO_SHINKEN), 1);
	assert_int_equal(dt_get(&t, fd, HK_TCP_DTH_TEASE), 0);
	assert_int_equal(dt_get(&t, fd, HK_TCP_HOKUTO_ZOMBIE_MS), 1234);
	/* HK_TCP_DTH: every data segment */
	struct tt_seg g;
	assert_int_equal(hk_send(t.s, fd, "one", 3, 0), 3);
	tt_expect(&t, &g, F_ACK | F_PSH, sa.seq + 1, t.irs + 1);
	assert_true(g.dth);
	assert_int_equal(hk_dth_event_next(t.s, 999, NULL), -EBADF);
	assert_int_equal(hk_dth_fin(t.s, 999), -EBADF);
	tt_fini(&t);
}

int main(void)
{
	fill();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_bit_offset_checksum),
		cmocka_unit_test(segmentation_and_rto),
		cmocka_unit_test(fast_retransmit_keeps_dth),
		cmocka_unit_test(sack_recovery_keeps_dth),
		cmocka_unit_test(handshake_rule),
		cmocka_unit_test(urgent_rule),
		cmocka_unit_test(fin_rule),
		cmocka_unit_test(no_bare_dth_ack_runs),
		cmocka_unit_test(auto_marks_only_the_line),
		cmocka_unit_test(custom_matcher),
		cmocka_unit_test(trouble_marks),
		cmocka_unit_test(options_and_inheritance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* TCP segment-in / segment-out harness (see tcptest.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hokuto/wire/checksum.h"
#include "tcptest.h"

static int dev_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	struct tt_dev *d = (struct tt_dev *)dev;
	assert_true(d->tx_tail - d->tx_head < TT_MAX);
	int i = d->tx_tail++ % TT_MAX;
	d->tx[i] = malloc(len ? len : 1);
	memcpy(d->tx[i], frame, len);
	d->tx_len[i] = len;
	d->tx_time[i] = now;
	return 0;
}

static ssize_t dev_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct tt_dev *d = (struct tt_dev *)dev;
	if (d->rx_head == d->rx_tail)
		return 0;
	int i = d->rx_head++ % TT_MAX;
	size_t n = d->rx_len[i];
	assert_true(n <= cap);
	memcpy(buf, d->rx[i], n);
	free(d->rx[i]);
	return (ssize_t)n;
}

static int dev_fd(const struct hk_dev *dev)
{
	(void)dev;
	return -1;
}

static void dev_close(struct hk_dev *dev)
{
	struct tt_dev *d = (struct tt_dev *)dev;
	while (d->tx_head != d->tx_tail)
		free(d->tx[d->tx_head++ % TT_MAX]);
	while (d->rx_head != d->rx_tail)
		free(d->rx[d->rx_head++ % TT_MAX]);
	free(d);
}

static const struct hk_dev_ops tt_ops = {
	.kind = "tcptest",
	.tx = dev_tx,
	.rx = dev_rx,
	.fd = dev_fd,
	.next_deadline = NULL,
	.close = dev_close,
};

void tt_init(struct tt *t, const struct tt_cfg *c)
{
	memset(t, 0, sizeof(*t));
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = 7;
	cfg.pbuf_count = 256;
	if (c) {
		if (c->msl)
			cfg.tcp.msl = c->msl;
		if (c->rto_initial)
			cfg.tcp.rto_initial = c->rto_initial;
		if (c->rto_min)
			cfg.tcp.rto_min = c->rto_min;
		if (c->delack)
			cfg.tcp.delack = c->delack;
		if (c->snd_buf)
			cfg.tcp.snd_buf = c->snd_buf;
		if (c->rcv_buf)
			cfg.tcp.rcv_buf = c->rcv_buf;
		if (c->max_syn_backlog)
			cfg.tcp.max_syn_backlog = c->max_syn_backlog;
		if (c->syn_retries)
			cfg.tcp.syn_retries = c->syn_retries;
		if (c->data_retries)
			cfg.tcp.data_retries = c->data_retries;
		if (c->cc)
			cfg.tcp.cc = c->cc;
	}
	t->s = hk_stack_new(&cfg);
	assert_non_null(t->s);
	t->dev = calloc(1, sizeof(*t->dev));
	t->dev->dev.ops = &tt_ops;
	strcpy(t->dev->dev.name, "tcptest");
	t->dev->dev.link = HK_LINK_IPV4;
	t->dev->dev.mtu = c && c->mtu ? c->mtu : 1500;
	t->now = TT_T0;
	hk_stack_poll(t->s, t->now);
	assert_true(hk_stack_add_iface(t->s, &t->dev->dev, US, 24) >= 0);
	t->lfd = t->fd = -1;
	t->irs = 0x10000000;
}

void tt_fini(struct tt *t)
{
	hk_stack_free(t->s);
	t->s = NULL;
}

void tt_poll(struct tt *t)
{
	hk_stack_poll(t->s, t->now);
}

void tt_advance(struct tt *t, hk_time_t dt)
{
	hk_time_t end = t->now + dt;
	for (int guard = 0; guard < 100000; guard++) {
		hk_time_t next = hk_stack_poll(t->s, t->now);
		if (next > end)
			break;
		t->now = next > t->now ? next : t->now + 1;
	}
	t->now = end;
	hk_stack_poll(t->s, t->now);
}

size_t tt_build(struct tt *t, const struct tt_seg *g, uint8_t *buf)
{
	hk_ip4_t src = g->src ? g->src : PEER;
	hk_ip4_t dst = g->dst ? g->dst : US;
	struct hk_tcp_hdr h;
	memset(&h, 0, sizeof(h));
	h.sport = g->sport ? g->sport : PEER_PORT;
	h.dport = g->dport ? g->dport : t->port;
	h.seq = g->seq;
	h.ack = g->ack;
	h.flags = g->flags;
	h.window = g->zero_window ? 0 : (g->window ? g->window : 65535);
	h.urgent = g->urg;
	h.dth = g->dth;
	h.opts = g->opts;
	uint8_t *tcp = buf + HK_IPV4_HDR_LEN;
	size_t hl;
	if (g->raw_opts) {
		/* options exactly as given (padding is the caller's business) */
		hl = HK_TCP_HDR_LEN + g->raw_opts_len;
		memset(&h.opts, 0, sizeof(h.opts));
		hk_tcp_emit(&h, tcp, 0, src, dst);
		memcpy(tcp + HK_TCP_HDR_LEN, g->raw_opts, g->raw_opts_len);
		if (g->len)
			memcpy(tcp + hl, g->data, g->len);
		tcp[12] = (uint8_t)((hl / 4) << 4 | (tcp[12] & 0x0f));
		tcp[16] = tcp[17] = 0;
		uint32_t sum = hk_csum_pseudo(src, dst, HK_IPPROTO_TCP, (uint16_t)(hl + g->len));
		uint16_t c = hk_csum_finish(hk_csum_add(sum, tcp, hl + g->len));
		tcp[16] = (uint8_t)(c >> 8);
		tcp[17] = (uint8_t)c;
	} else {
		hl = hk_tcp_hdr_len(&h);
		if (g->len)
			memcpy(tcp + hl, g->data, g->len);
		hk_tcp_emit(&h, tcp, g->len, src, dst);
	}
	struct hk_ipv4_hdr ip;
	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = 5;
	ip.total_len = (uint16_t)(HK_IPV4_HDR_LEN + hl + g->len);
	ip.ttl = 64;
	ip.tos = g->tos;
	ip.proto = HK_IPPROTO_TCP;
	ip.src = src;
	ip.dst = dst;
	hk_ipv4_emit(&ip, buf);
	return ip.total_len;
}

static void queue_ip(struct tt *t, const uint8_t *pkt, size_t len)
{
	struct tt_dev *d = t->dev;
	assert_true(d->rx_tail - d->rx_head < TT_MAX);
	int i = d->rx_tail++ % TT_MAX;
	d->rx[i] = malloc(len);
	memcpy(d->rx[i], pkt, len);
	d->rx_len[i] = len;
}

void tt_inject_ip(struct tt *t, const uint8_t *pkt, size_t len)
{
	queue_ip(t, pkt, len);
	tt_poll(t);
}

void tt_queue(struct tt *t, const struct tt_seg *g)
{
	uint8_t buf[10000];
	size_t n = tt_build(t, g, buf);
	queue_ip(t, buf, n);
}

void tt_send(struct tt *t, const struct tt_seg *g)
{
	uint8_t buf[10000];
	size_t n = tt_build(t, g, buf);
	tt_inject_ip(t, buf, n);
}

int tt_queued(const struct tt *t)
{
	return t->dev->tx_tail - t->dev->tx_head;
}

bool tt_recv(struct tt *t, struct tt_seg *out)
{
	struct tt_dev *d = t->dev;
	if (d->tx_head == d->tx_tail)
		return false;
	int i = d->tx_head++ % TT_MAX;
	const uint8_t *f = d->tx[i];
	size_t n = d->tx_len[i];
	struct hk_ipv4_hdr ip;
	assert_int_equal(hk_ipv4_parse(f, n, true, &ip), 0);
	assert_int_equal(ip.proto, HK_IPPROTO_TCP);
	struct hk_tcp_hdr h;
	/* MUST-2: every segment we send has a correct checksum */
	assert_int_equal(hk_tcp_parse(f + ip.ihl * 4, ip.total_len - ip.ihl * 4u, ip.src, ip.dst, true, &h), 0);
	memset(out, 0, sizeof(*out));
	out->src = ip.src;
	out->dst = ip.dst;
	out->sport = h.sport;
	out->dport = h.dport;
	out->seq = h.seq;
	out->ack = h.ack;
	out->flags = h.flags;
	out->window = h.window;
	out->urg = h.urgent;
	out->dth = h.dth;
	out->opts = h.opts;
	out->len = h.payload_len;
	assert_true(h.payload_len <= sizeof(out->payload));
	memcpy(out->payload, h.payload, h.payload_len);
	out->ttl = ip.ttl;
	out->tos = ip.tos;
	out->df = (ip.flags & HK_IPV4_FLAG_DF) != 0;
	out->at = d->tx_time[i];
	free(d->tx[i]);
	return true;
}

void tt_drain(struct tt *t)
{
	struct tt_seg g;
	while (tt_recv(t, &g))
		;
}

void tt_expect(struct tt *t, struct tt_seg *out, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tt_seg tmp;
	struct tt_seg *g = out ? out : &tmp;
	if (!tt_recv(t, g))
		fail_msg("expected a segment (flags %#x seq %u (iss%+d) ack %u), none was sent", flags, seq,
			 (int)(seq - t->iss), ack);
	if (g->flags != flags || (seq != ANY && g->seq != seq) || ((flags & F_ACK) && g->ack != ack)) {
		char a[64], b[64];
		fail_msg("expected [%s] seq=%u ack=%u, got [%s] seq=%u ack=%u len=%zu",
			 hk_tcp_flags_str(flags, false, a, sizeof(a)), seq, ack,
			 hk_tcp_flags_str(g->flags, g->dth, b, sizeof(b)), g->seq, g->ack, g->len);
	}
}

void tt_expect_none(struct tt *t)
{
	struct tt_seg g;
	if (tt_recv(t, &g)) {
		char b[64];
		fail_msg("expected no segment, got [%s] seq=%u ack=%u len=%zu",
			 hk_tcp_flags_str(g.flags, g.dth, b, sizeof(b)), g.seq, g.ack, g.len);
	}
}

static void default_syn_opts(struct hk_tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->has_mss = true;
	o->mss = 1460;
	o->has_wscale = true;
	o->wscale = 7;
	o->sack_permitted = true;
	o->has_ts = true;
	o->ts_val = 1000;
	o->ts_ecr = 0;
}

void tt_passive_open(struct tt *t, uint16_t port, const struct hk_tcp_opts *syn_opts, struct tt_seg *synack)
{
	struct tt_seg tmp;
	struct tt_seg *sa = synack ? synack : &tmp;
	t->port = port;
	t->lfd = hk_socket(t->s, HK_SOCK_STREAM);
	assert_true(t->lfd >= 0);
	struct hk_sockaddr a = { 0, port };
	assert_int_equal(hk_bind(t->s, t->lfd, &a), 0);
	assert_int_equal(hk_listen(t->s, t->lfd, 8), 0);
	struct tt_seg syn = { .seq = t->irs, .flags = F_SYN };
	if (syn_opts)
		syn.opts = *syn_opts;
	else
		default_syn_opts(&syn.opts);
	tt_send(t, &syn);
	tt_expect(t, sa, F_SYN | F_ACK, ANY, t->irs + 1);
	t->iss = sa->seq;
	assert_int_equal(sa->ack, t->irs + 1);
	t->snd = t->irs + 1;
	t->rcv = t->iss + 1;
	struct tt_seg ack = { .seq = t->snd, .ack = t->rcv, .flags = F_ACK };
	if (syn.opts.has_ts) {
		ack.opts.has_ts = true;
		ack.opts.ts_val = syn.opts.ts_val + 1;
		ack.opts.ts_ecr = sa->opts.ts_val;
	}
	tt_send(t, &ack);
	struct hk_sockaddr peer;
	t->fd = hk_accept(t->s, t->lfd, &peer);
	assert_true(t->fd >= 0);
	assert_int_equal(peer.addr, PEER);
	assert_int_equal(peer.port, PEER_PORT);
	assert_int_equal(tt_state(t, t->fd), HK_TCP_ESTABLISHED);
}

void tt_active_open(struct tt *t, uint16_t port, const struct hk_tcp_opts *synack_opts, struct tt_seg *syn)
{
	struct tt_seg tmp;
	struct tt_seg *sy = syn ? syn : &tmp;
	t->fd = hk_socket(t->s, HK_SOCK_STREAM);
	assert_true(t->fd >= 0);
	struct hk_sockaddr to = { PEER, PEER_PORT };
	assert_int_equal(hk_connect(t->s, t->fd, &to), -EINPROGRESS);
	tt_poll(t);
	assert_true(tt_recv(t, sy));
	assert_int_equal(sy->flags, F_SYN);
	t->port = sy->sport;
	(void)port;
	t->iss = sy->seq;
	t->snd = t->irs + 1;
	t->rcv = t->iss + 1;
	struct tt_seg sa = { .seq = t->irs, .ack = t->iss + 1, .flags = F_SYN | F_ACK };
	if (synack_opts) {
		sa.opts = *synack_opts;
	} else {
		sa.opts.has_mss = true;
		sa.opts.mss = 1460;
	}
	assert_int_equal(hk_connect_status(t->s, t->fd), -EINPROGRESS);
	tt_send(t, &sa);
	tt_expect(t, NULL, F_ACK, t->iss + 1, t->irs + 1);
	assert_int_equal(tt_state(t, t->fd), HK_TCP_ESTABLISHED);
	assert_int_equal(hk_connect_status(t->s, t->fd), 0);
}

void tt_peer_data(struct tt *t, const void *data, size_t len, uint8_t extra_flags)
{
	struct tt_seg g = { .seq = t->snd, .ack = t->rcv, .flags = (uint8_t)(F_ACK | extra_flags),
			    .data = data, .len = len };
	struct hk_tcp_conn *c = tt_conn(t, t->fd);
	if (c && tcp_has(c, TF_TS_OK)) {
		g.opts.has_ts = true;
		g.opts.ts_val = 2000 + (uint32_t)((t->now - TT_T0) / 1000);
		g.opts.ts_ecr = c->ts_recent ? tcp_ts_now(c) : 0;
	}
	tt_send(t, &g);
	t->snd += (uint32_t)len + ((extra_flags & F_FIN) ? 1 : 0);
}

void tt_peer_ack(struct tt *t, uint32_t ack, uint16_t window)
{
	struct tt_seg g = { .seq = t->snd, .ack = ack, .flags = F_ACK, .window = window,
			    .zero_window = window == 0 };
	struct hk_tcp_conn *c = tt_conn(t, t->fd);
	if (c && tcp_has(c, TF_TS_OK)) {
		g.opts.has_ts = true;
		g.opts.ts_val = 2000 + (uint32_t)((t->now - TT_T0) / 1000);
		g.opts.ts_ecr = tcp_ts_now(c);
	}
	tt_send(t, &g);
}

struct hk_tcp_conn *tt_conn(const struct tt *t, int fd)
{
	struct hk_tcp_state *ts = t->s->tcp;
	if (fd < 0 || fd >= ts->n_fds)
		return NULL;
	return ts->fds[fd];
}

int tt_state(const struct tt *t, int fd)
{
	struct hk_tcp_info info;
	size_t len = sizeof(info);
	assert_int_equal(hk_getsockopt(t->s, fd, HK_TCP_INFO, &info, &len), 0);
	return info.state;
}

uint64_t tt_stat(const struct tt *t, enum hk_stat st)
{
	return hk_stack_stat(t->s, st);
}

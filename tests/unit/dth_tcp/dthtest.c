/* Helpers for the RFC 9401 TCP tests (see dthtest.h). */
#include "dthtest.h"

#include "hokuto/wire/checksum.h"

void dt_set(struct tt *t, int fd, int opt, int v)
{
	assert_int_equal(hk_setsockopt(t->s, fd, opt, &v, sizeof(v)), 0);
}

int dt_get(struct tt *t, int fd, int opt)
{
	int v = -1;
	size_t len = sizeof(v);
	assert_int_equal(hk_getsockopt(t->s, fd, opt, &v, &len), 0);
	return v;
}

struct hk_dth_info dt_info(struct tt *t, int fd)
{
	struct hk_dth_info info;
	size_t len = sizeof(info);
	assert_int_equal(hk_getsockopt(t->s, fd, HK_TCP_DTH_INFO, &info, &len), 0);
	assert_int_equal(len, sizeof(info));
	return info;
}

size_t dt_peek_raw(struct tt *t, uint8_t *buf, size_t cap)
{
	struct tt_dev *d = t->dev;
	if (d->tx_head == d->tx_tail)
		return 0;
	int i = d->tx_head % TT_MAX;
	size_t n = d->tx_len[i] < cap ? d->tx_len[i] : cap;
	memcpy(buf, d->tx[i], n);
	return n;
}

int dt_peek_byte12(struct tt *t)
{
	uint8_t b[2000];
	size_t n = dt_peek_raw(t, b, sizeof(b));
	if (n < 40)
		return -1;
	size_t ihl = (size_t)(b[0] & 0x0f) * 4;
	return b[ihl + 12];
}

void dt_send_evil(struct tt *t, const struct tt_seg *g)
{
	uint8_t buf[10000];
	size_t n = tt_build(t, g, buf);
	buf[6] |= 0x80; /* RFC 3514: the high-order bit of the flags field */
	buf[10] = buf[11] = 0;
	uint16_t c = hk_csum_finish(hk_csum_add(0, buf, HK_IPV4_HDR_LEN));
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;
	tt_inject_ip(t, buf, n);
}

void dt_peer_dth(struct tt *t, const void *data, size_t len, uint8_t extra_flags)
{
	struct tt_seg g = { .seq = t->snd, .ack = t->rcv, .flags = (uint8_t)(F_ACK | extra_flags), .dth = true,
			    .data = data, .len = len };
	struct hk_tcp_conn *c = tt_conn(t, t->fd);
	if (c && tcp_has(c, TF_TS_OK)) {
		g.opts.has_ts = true;
		g.opts.ts_val = 2000 + (uint32_t)((t->now - TT_T0) / 1000);
		g.opts.ts_ecr = tcp_ts_now(c);
	}
	tt_send(t, &g);
	t->snd += (uint32_t)len + ((extra_flags & F_FIN) ? 1 : 0);
}

struct hk_dth_event dt_event(struct tt *t, int fd)
{
	struct hk_dth_event ev;
	memset(&ev, 0, sizeof(ev));
	assert_int_equal(hk_dth_event_next(t->s, fd, &ev), 1);
	return ev;
}

void dt_no_event(struct tt *t, int fd)
{
	struct hk_dth_event ev;
	assert_int_equal(hk_dth_event_next(t->s, fd, &ev), 0);
}

void dt_open_plain(struct tt *t, uint16_t mss)
{
	struct hk_tcp_opts o;
	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = mss;
	tt_passive_open(t, 80, &o, NULL);
}

/* hokuto api — RFC 9401 (the Death flag) on sockets: the DTH socket
 * options, the event queue, hk_dth_fin and the stack's phrase matcher
 * (hokuto/dth_socket.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hokuto/dth_socket.h"
#include "tcp/tcp_int.h"

static struct hk_tcp_conn *get(struct hk_stack *s, int fd)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!ts || fd < 0 || fd >= ts->n_fds)
		return NULL;
	return ts->fds[fd];
}

bool tcp_dth_is_opt(int opt)
{
	return (opt >= HK_TCP_DTH && opt <= HK_TCP_DTH_INFO) || opt == HK_TCP_DTH_RECV;
}

static uint32_t opt_bit(int opt)
{
	switch (opt) {
	case HK_TCP_DTH:
		return DTHO_ALL;
	case HK_TCP_DTH_TEASE:
		return DTHO_TEASE;
	case HK_TCP_DTH_AUTO:
		return DTHO_AUTO;
	case HK_TCP_DTH_ON_TROUBLE:
		return DTHO_TROUBLE;
	case HK_TCP_HOKUTO_SHINKEN:
		return DTHO_SHINKEN;
	default:
		return 0;
	}
}

int tcp_dth_setsockopt(struct hk_stack *s, struct hk_tcp_conn *c, int opt, const void *val, size_t len)
{
	int v;
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(int));
	if (opt == HK_TCP_HOKUTO_ZOMBIE_MS) {
		if (v < 0 || v > HK_TCP_HOKUTO_ZOMBIE_MS_MAX)
			return -EINVAL;
		c->dth.zombie_ms = (uint32_t)v;
		return 0;
	}
	uint32_t bit = opt_bit(opt);
	if (!bit)
		return -ENOPROTOOPT; /* get-only options */
	if (bit == DTHO_AUTO && v && !tcp_dth_matcher(s))
		return -ENOMEM;
	if (v)
		c->dth.opts |= bit;
	else
		c->dth.opts &= ~bit;
	return 0;
}

static int put_int(void *val, size_t *len, int v)
{
	if (*len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

int tcp_dth_getsockopt(struct hk_stack *s, struct hk_tcp_conn *c, int opt, void *val, size_t *len)
{
	(void)s;
	switch (opt) {
	case HK_TCP_HOKUTO_ZOMBIE_MS:
		return put_int(val, len, (int)c->dth.zombie_ms);
	case HK_TCP_DTH_RECV:
		return put_int(val, len, (int)c->dth.info.rx_segments);
	case HK_TCP_DTH_INFO: {
		if (*len < sizeof(struct hk_dth_info))
			return -EINVAL;
		struct hk_dth_info info = c->dth.info;
		info.zombie = c->dth.zombie;
		info.peer_dead = c->dth.peer_dead;
		memcpy(val, &info, sizeof(info));
		*len = sizeof(info);
		return 0;
	}
	default:
		return put_int(val, len, (c->dth.opts & opt_bit(opt)) != 0);
	}
}

int hk_dth_event_next(struct hk_stack *s, int fd, struct hk_dth_event *out)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	struct hk_tcp_dth_conn *d = &c->dth;
	if (!d->ev_len)
		return 0;
	if (out)
		*out = d->evq[d->ev_head];
	d->ev_head = (uint8_t)((d->ev_head + 1) % HK_TCP_DTH_EVQ);
	d->ev_len--;
	return 1;
}

int hk_dth_fin(struct hk_stack *s, int fd)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (c->state < HK_TCP_ESTABLISHED)
		return -ENOTCONN;
	if ((c->state != HK_TCP_ESTABLISHED && c->state != HK_TCP_CLOSE_WAIT) || tcp_has(c, TF_FIN_QUEUED))
		return -EPIPE;
	if (!(c->dth.opts & DTHO_TEASE)) {
		/* RFC 9401 3.3: "DTH SHOULD NOT be piggybacked on FIN" */
		HK_STAT_INC(s, dth_tx_refused);
		return -EPROTO;
	}
	c->dth.fin_dth = true;
	return tcp_user_shutdown(s, c, HK_SHUT_WR);
}

void hk_dth_set_matcher(struct hk_stack *s, struct hk_dth_matcher *m)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (ts->dth.matcher != m)
		hk_dth_matcher_free(ts->dth.matcher);
	ts->dth.matcher = m;
}

const struct hk_dth_matcher *hk_dth_get_matcher(struct hk_stack *s)
{
	return tcp_dth_matcher(s);
}

int hk_dth_load_phrases(struct hk_stack *s, const char *path, bool keep_builtin, char *err, size_t errlen)
{
	struct hk_dth_matcher *m = keep_builtin ? hk_dth_matcher_new() : hk_dth_matcher_new_empty();
	if (!m) {
		if (errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	int rc = hk_dth_matcher_load(m, path, err, errlen);
	if (rc < 0) {
		hk_dth_matcher_free(m);
		return rc;
	}
	hk_dth_set_matcher(s, m);
	return 0;
}

const char *hk_dth_event_str(const struct hk_dth_event *ev, char *buf, size_t len)
{
	char a[16];
	const char *evil = ev->evil ? " [evil bit set too: RFC 3514, read apart]" : "";
	hk_ip4_str(ev->peer.addr, a);
	switch (ev->kind) {
	case HK_DTH_EV_DATA:
		snprintf(buf, len, "DTH from %s:%u seq=%u offset=%llu len=%u (the peer expects this connection to end soon)%s",
			 a, ev->peer.port, ev->seq, (unsigned long long)ev->offset, ev->len, evil);
		break;
	case HK_DTH_EV_ACK:
		snprintf(buf, len, "DTH from %s:%u seq=%u on a pure ACK (the peer expects this connection to end soon)%s",
			 a, ev->peer.port, ev->seq, evil);
		break;
	case HK_DTH_EV_HANDSHAKE:
		snprintf(buf, len,
			 "DTH from %s:%u seq=%u on its SYN,ACK (NOT RECOMMENDED by RFC 9401 3.3; the peer expects this "
			 "connection to end soon)%s",
			 a, ev->peer.port, ev->seq, evil);
		break;
	case HK_DTH_EV_ALREADY_DEAD:
		snprintf(buf, len,
			 "DTH from %s:%u seq=%u on its FIN: お前はもう死んでいる (you are already dead: Hokuto-Shinken, "
			 "half-zombie for %u ms)%s",
			 a, ev->peer.port, ev->seq, ev->zombie_ms, evil);
		break;
	case HK_DTH_EV_ZOMBIE_END:
		snprintf(buf, len, "DTH from %s:%u: the half-zombie period is over, closing (Hokuto-Shinken)", a,
			 ev->peer.port);
		break;
	default:
		snprintf(buf, len, "DTH from %s:%u seq=%u (event %d)", a, ev->peer.port, ev->seq, ev->kind);
		break;
	}
	return buf;
}

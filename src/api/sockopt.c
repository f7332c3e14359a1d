/* hokuto api — socket options (hk_setsockopt / hk_getsockopt). */
#include <errno.h>
#include <string.h>

#include "hokuto/socket.h"
#include "tcp/tcp_int.h"

#define BUF_MIN 2048u
#define BUF_MAX (64u * 1024 * 1024)

static struct hk_tcp_conn *get(struct hk_stack *s, int fd)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!ts || fd < 0 || fd >= ts->n_fds)
		return NULL;
	return ts->fds[fd];
}

static int int_arg(const void *val, size_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int put_int(void *val, size_t *len, int v)
{
	if (!val || !len || *len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

static int set_buf(struct hk_tcp_conn *c, bool snd, int v)
{
	if (v <= 0)
		return -EINVAL;
	uint32_t size = (uint32_t)v;
	if (size < BUF_MIN)
		size = BUF_MIN;
	if (size > BUF_MAX)
		size = BUF_MAX;
	if (snd) {
		if (c->sndbuf.buf)
			return -EISCONN; /* the ring is already in use */
		c->sndbuf_size = size;
	} else {
		/* the window scale is chosen from it in the SYN */
		if (c->rcvbuf.buf || c->state != HK_TCP_CLOSED)
			return -EISCONN;
		c->rcvbuf_size = size;
	}
	return 0;
}

int hk_setsockopt(struct hk_stack *s, int fd, int opt, const void *val, size_t len)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (tcp_dth_is_opt(opt))
		return tcp_dth_setsockopt(s, c, opt, val, len); /* RFC 9401 */
	if (opt == HK_TCP_CONGESTION) {
		char name[16];
		if (!val || len == 0)
			return -EINVAL;
		size_t n = strnlen(val, len < sizeof(name) ? len : sizeof(name) - 1);
		memcpy(name, val, n);
		name[n] = 0;
		return tcp_user_set_cc(s, c, name);
	}
	int v;
	int rc = int_arg(val, len, &v);
	if (rc < 0)
		return rc;
	switch (opt) {
	case HK_TCP_NODELAY: /* MUST-17 */
		if (v)
			c->flags |= TF_NODELAY;
		else
			c->flags &= ~TF_NODELAY;
		if (v && tcp_synchronized(c->state))
			tcp_output(s, c);
		return 0;
	case HK_SO_KEEPALIVE: /* MUST-24 */
		if (v) {
			c->flags |= TF_KEEPALIVE;
			tcp_keepalive_reset(s, c);
		} else {
			c->flags &= ~TF_KEEPALIVE;
			hk_timer_cancel(s, &c->t_keep);
		}
		return 0;
	case HK_TCP_KEEPIDLE: /* MUST-27 */
		if (v <= 0)
			return -EINVAL;
		c->keep_idle = HK_SEC((hk_time_t)v);
		if (hk_timer_armed(&c->t_keep))
			hk_timer_arm(s, &c->t_keep, c->last_rx + c->keep_idle);
		return 0;
	case HK_TCP_KEEPINTVL:
		if (v <= 0)
			return -EINVAL;
		c->keep_intvl = HK_SEC((hk_time_t)v);
		return 0;
	case HK_TCP_KEEPCNT:
		if (v <= 0)
			return -EINVAL;
		c->keep_cnt = (uint32_t)v;
		return 0;
	case HK_SO_SNDBUF:
		return set_buf(c, true, v);
	case HK_SO_RCVBUF:
		return set_buf(c, false, v);
	case HK_TCP_USER_TIMEOUT: /* MUST-21 */
		if (v < 0)
			return -EINVAL;
		c->max_retries = (uint32_t)v;
		return 0;
	case HK_TCP_SYN_RETRIES:
		if (v < 0 || v > 255)
			return -EINVAL;
		c->max_syn_retries = (uint32_t)v;
		return 0;
	case HK_IP_TTL: /* MUST-49 */
		if (v < 1 || v > 255)
			return -EINVAL;
		c->ttl = (uint8_t)v;
		return 0;
	case HK_TCP_ECN:
		if (v < 0 || v > 2)
			return -EINVAL;
		if (c->state != HK_TCP_CLOSED && c->state != HK_TCP_LISTEN)
			return -EISCONN; /* decided in the handshake */
		c->ecn_mode = (uint8_t)v;
		return 0;
	case HK_TCP_TLP:
		if (v)
			c->flags &= ~TF_NO_TLP;
		else
			c->flags |= TF_NO_TLP;
		return 0;
	case HK_IP_TOS: /* MUST-48, SHLD-21/22: passed to IP unchanged */
		if (v < 0 || v > 255)
			return -EINVAL;
		c->tos = (uint8_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int hk_getsockopt(struct hk_stack *s, int fd, int opt, void *val, size_t *len)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!val || !len)
		return -EINVAL;
	if (tcp_dth_is_opt(opt))
		return tcp_dth_getsockopt(s, c, opt, val, len); /* RFC 9401 */
	switch (opt) {
	case HK_TCP_NODELAY:
		return put_int(val, len, tcp_has(c, TF_NODELAY));
	case HK_SO_KEEPALIVE:
		return put_int(val, len, tcp_has(c, TF_KEEPALIVE));
	case HK_TCP_KEEPIDLE:
		return put_int(val, len, (int)(c->keep_idle / HK_SEC(1)));
	case HK_TCP_KEEPINTVL:
		return put_int(val, len, (int)(c->keep_intvl / HK_SEC(1)));
	case HK_TCP_KEEPCNT:
		return put_int(val, len, (int)c->keep_cnt);
	case HK_SO_SNDBUF:
		return put_int(val, len, (int)(c->sndbuf.buf ? c->sndbuf.cap : c->sndbuf_size));
	case HK_SO_RCVBUF:
		return put_int(val, len, (int)(c->rcvbuf.buf ? c->rcvbuf.cap : c->rcvbuf_size));
	case HK_SO_ERROR: {
		int e = c->err;
		int rc = put_int(val, len, e);
		if (rc == 0)
			c->err = 0;
		return rc;
	}
	case HK_TCP_SOFT_ERROR: {
		int rc = put_int(val, len, c->soft_err);
		if (rc == 0)
			c->soft_err = 0;
		return rc;
	}
	case HK_TCP_URG_PENDING: { /* MUST-33 */
		int n = 0;
		if (tcp_has(c, TF_URG_VALID) && hk_seq_gt(c->rcv_up, c->rcv_read_seq))
			n = (int)(c->rcv_up - c->rcv_read_seq);
		return put_int(val, len, n);
	}
	case HK_TCP_USER_TIMEOUT:
		return put_int(val, len, (int)c->max_retries);
	case HK_TCP_SYN_RETRIES:
		return put_int(val, len, (int)c->max_syn_retries);
	case HK_IP_TTL:
		return put_int(val, len, c->ttl);
	case HK_IP_TOS:
		return put_int(val, len, c->tos);
	case HK_TCP_TLP:
		return put_int(val, len, !tcp_has(c, TF_NO_TLP));
	case HK_TCP_ECN:
		return put_int(val, len, c->ecn_mode);
	case HK_TCP_CONGESTION: {
		const char *name = c->cc.ops ? c->cc.ops->name : "";
		size_t n = strlen(name) + 1;
		if (*len < n)
			return -EINVAL;
		memcpy(val, name, n);
		*len = n;
		return 0;
	}
	case HK_TCP_INFO:
		if (*len < sizeof(struct hk_tcp_info))
			return -EINVAL;
		tcp_user_info(c, val);
		*len = sizeof(struct hk_tcp_info);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

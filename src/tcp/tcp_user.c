/* hokuto tcp — the user calls of RFC 9293 3.9.1 (OPEN, SEND, RECEIVE,
 * CLOSE, ABORT, STATUS) on a connection record; src/api/socket.c maps the
 * socket API onto these. */
#include <errno.h>
#include <string.h>

#include "tcp/tcp_int.h"

struct eph_ctx {
	struct hk_stack *s;
	hk_ip4_t laddr, raddr;
	uint16_t rport;
};

static bool eph_in_use(void *ctx, uint16_t port)
{
	struct eph_ctx *e = ctx;
	return tcp_port_in_use(e->s, e->laddr, port, e->raddr, e->rport);
}

/* OPEN, active (3.9.1.1). */
int tcp_user_connect(struct hk_stack *s, struct hk_tcp_conn *c, hk_ip4_t raddr, uint16_t rport)
{
	if (c->state == HK_TCP_SYN_SENT || c->state == HK_TCP_SYN_RECEIVED)
		return -EALREADY;
	if (c->state == HK_TCP_LISTEN)
		return -EINVAL;
	if (c->state != HK_TCP_CLOSED || tcp_has(c, TF_WAS_CONNECTED))
		return -EISCONN;
	if (c->err_final)
		return -EISCONN; /* one connection per socket */
	/* MUST-46: no OPEN to a broadcast or multicast address */
	if (tcp_addr_is_special(s, raddr) || rport == 0)
		return -EINVAL;
	hk_ip4_t laddr = c->laddr;
	if (!laddr) {
		laddr = hk_ipv4_source_for(s, raddr); /* MUST-44 */
		if (!laddr)
			return -ENETUNREACH;
	}
	uint16_t lport = c->lport;
	if (!lport) {
		struct eph_ctx e = { s, laddr, raddr, rport };
		lport = hk_tcp_ephemeral_port(s->secret, laddr, raddr, rport, &tcp_st(s)->eph_counter,
					      eph_in_use, &e);
		if (!lport)
			return -EADDRNOTAVAIL;
	} else if (tcp_conn_lookup(s, laddr, lport, raddr, rport)) {
		return -EADDRINUSE;
	}
	c->laddr = laddr;
	c->lport = lport;
	c->raddr = raddr;
	c->rport = rport;
	if (tcp_conn_buffers(s, c) < 0)
		return -ENOBUFS;
	tcp_conn_init_seq(s, c);
	int rc = tcp_conn_hash(s, c);
	if (rc < 0)
		return rc;
	c->err = 0;
	c->open_time = s->now;
	c->retries = 0;
	tcp_set_state(s, c, HK_TCP_SYN_SENT);
	HK_STAT_INC(s, tcp_conn_active);
	tcp_send_syn(s, c);
	return -EINPROGRESS;
}

/* OPEN, passive (3.9.1.1). MUST-41: touches no other record. */
int tcp_user_listen(struct hk_stack *s, struct hk_tcp_conn *c, int backlog)
{
	if (backlog < 1)
		backlog = 1;
	if (backlog > HK_TCP_MAX_BACKLOG)
		backlog = HK_TCP_MAX_BACKLOG;
	if (c->state == HK_TCP_LISTEN) {
		c->backlog = (uint32_t)backlog;
		return 0;
	}
	if (c->state != HK_TCP_CLOSED || tcp_has(c, TF_WAS_CONNECTED) || !c->lport)
		return -EINVAL;
	c->backlog = (uint32_t)backlog;
	tcp_set_state(s, c, HK_TCP_LISTEN);
	tcp_listener_add(s, c);
	return 0;
}

/* SEND (3.9.1.2). Every SEND is pushed (MUST-60/61): nothing waits forever. */
ssize_t tcp_user_send(struct hk_stack *s, struct hk_tcp_conn *c, const void *buf, size_t len, int flags)
{
	if (c->err) {
		int e = c->err;
		c->err = 0;
		return -e;
	}
	int drc = tcp_dth_send_check(s, c, len, flags); /* RFC 9401 3.3 refusals */
	if (drc != 0)
		return drc < 0 ? drc : 0;
	switch (c->state) {
	case HK_TCP_CLOSED:
		return tcp_has(c, TF_WAS_CONNECTED) || c->err_final ? -EPIPE : -ENOTCONN;
	case HK_TCP_LISTEN:
		return -ENOTCONN;
	case HK_TCP_SYN_SENT:
	case HK_TCP_SYN_RECEIVED:
		return -EAGAIN;
	case HK_TCP_ESTABLISHED:
	case HK_TCP_CLOSE_WAIT:
		if (tcp_has(c, TF_FIN_QUEUED))
			return -EPIPE;
		break;
	default:
		return -EPIPE;
	}
	if (len == 0)
		return tcp_dth_send_bare(s, c, flags); /* RFC 9401: one pure ACK with DTH */
	uint32_t space = hk_ring_space(&c->sndbuf);
	if (space == 0) {
		tcp_dth_sndbuf_full(s, c); /* RFC 9401 3.2: resource trouble */
		return -EAGAIN;
	}
	uint32_t want = len > space ? space : (uint32_t)len;
	uint32_t start = tcp_data_end(c);
	uint32_t n = hk_ring_write(&c->sndbuf, buf, want);
	tcp_dth_queued(s, c, buf, start, n, len, flags); /* RFC 9401 marks */
	if (flags & HK_MSG_OOB) {
		c->snd_up = start + n; /* MUST-62 */
		c->flags |= TF_SND_URG;
	}
	tcp_output(s, c);
	return n;
}

/* RECEIVE (3.9.1.3). 0 = the peer closed normally; -ECONNRESET /
 * -ETIMEDOUT = aborted (MUST-12). */
ssize_t tcp_user_recv(struct hk_stack *s, struct hk_tcp_conn *c, void *buf, size_t len, int flags,
		      int *out_flags)
{
	int out = 0;
	if (out_flags)
		*out_flags = 0;
	if (c->state == HK_TCP_LISTEN)
		return -ENOTCONN;
	if (tcp_has(c, TF_RD_SHUT))
		return 0;
	uint32_t avail = hk_ring_len(&c->rcvbuf);
	if (avail == 0) {
		if (c->err_final) {
			c->err = 0;
			return -c->err_final;
		}
		if (tcp_has(c, TF_RCVD_FIN))
			return 0;
		if (c->state == HK_TCP_CLOSED)
			return tcp_has(c, TF_WAS_CONNECTED) ? 0 : -ENOTCONN;
		if (out_flags) /* a DTH pure ACK with no data behind it: still worth telling */
			*out_flags = tcp_dth_recv_flags(c, c->rcv_read_seq, c->rcv_read_seq, flags & HK_MSG_PEEK);
		return -EAGAIN;
	}
	uint32_t n = len < avail ? (uint32_t)len : avail;
	uint32_t start = c->rcv_read_seq;
	if (flags & HK_MSG_PEEK)
		hk_ring_peek(&c->rcvbuf, 0, buf, n);
	else
		hk_ring_read(&c->rcvbuf, buf, n);
	uint32_t end = start + n;
	if (tcp_has(c, TF_URG_VALID) && hk_seq_lt(start, c->rcv_up))
		out |= HK_MSG_URG;
	out |= tcp_dth_recv_flags(c, start, end, flags & HK_MSG_PEEK); /* RFC 9401 */
	if (hk_seq_lt(start, c->rcv_psh_seq) && hk_seq_leq(c->rcv_psh_seq, end))
		out |= HK_MSG_PSH;
	if (out_flags)
		*out_flags = out;
	if (!(flags & HK_MSG_PEEK)) {
		c->rcv_read_seq = end;
		if (tcp_has(c, TF_URG_VALID) && hk_seq_geq(end, c->rcv_up))
			c->flags &= ~TF_URG_VALID;
		tcp_window_update(s, c); /* MUST-39 */
	}
	return n;
}

static void queue_fin(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags |= TF_FIN_QUEUED;
	if (c->state == HK_TCP_ESTABLISHED)
		tcp_set_state(s, c, HK_TCP_FIN_WAIT_1);
	else if (c->state == HK_TCP_CLOSE_WAIT)
		tcp_set_state(s, c, HK_TCP_LAST_ACK);
	tcp_output(s, c);
}

/* CLOSE of the sending half (3.10.4) and of the receiving one (MAY-1). */
int tcp_user_shutdown(struct hk_stack *s, struct hk_tcp_conn *c, int how)
{
	if (how != HK_SHUT_RD && how != HK_SHUT_WR && how != HK_SHUT_RDWR)
		return -EINVAL;
	if (c->state == HK_TCP_CLOSED || c->state == HK_TCP_LISTEN)
		return -ENOTCONN;
	if (how != HK_SHUT_WR) {
		c->flags |= TF_RD_SHUT;
		hk_ring_consume(&c->rcvbuf, hk_ring_len(&c->rcvbuf));
		c->rcv_read_seq = c->rcv_nxt;
		tcp_window_update(s, c);
	}
	if (how != HK_SHUT_RD) {
		switch (c->state) {
		case HK_TCP_SYN_SENT:
			tcp_conn_closed(s, c, 0); /* "delete the TCB" */
			break;
		case HK_TCP_SYN_RECEIVED:
			c->flags |= TF_FIN_QUEUED; /* sent once ESTABLISHED */
			break;
		case HK_TCP_ESTABLISHED:
		case HK_TCP_CLOSE_WAIT:
			if (!tcp_has(c, TF_FIN_QUEUED))
				queue_fin(s, c);
			break;
		default:
			break; /* already closing */
		}
	}
	return 0;
}

/* CLOSE (3.10.4): the handle is gone; the connection finishes alone. */
void tcp_user_close(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags |= TF_USER_CLOSED;
	switch (c->state) {
	case HK_TCP_LISTEN:
		tcp_listener_close(s, c);
		break;
	case HK_TCP_CLOSED:
		break;
	case HK_TCP_SYN_SENT:
		tcp_conn_closed(s, c, 0);
		break;
	default:
		if (hk_ring_len(&c->rcvbuf) > 0 && !tcp_has(c, TF_RD_SHUT) &&
		    (c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_CLOSE_WAIT ||
		     c->state == HK_TCP_FIN_WAIT_1 || c->state == HK_TCP_FIN_WAIT_2)) {
			/* SHLD-3: unread data would be lost: say so with a RST */
			tcp_send_rst_conn(s, c);
			tcp_conn_closed(s, c, ECONNABORTED);
			break;
		}
		if (c->state == HK_TCP_SYN_RECEIVED)
			c->flags |= TF_FIN_QUEUED;
		else if (!tcp_has(c, TF_FIN_QUEUED) &&
			 (c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_CLOSE_WAIT))
			queue_fin(s, c);
		tcp_finwait2_timer(s, c);
		if (c->state == HK_TCP_TIME_WAIT || c->state == HK_TCP_CLOSING || c->state == HK_TCP_LAST_ACK)
			tcp_ring_free(s, &c->rcvbuf); /* nobody reads it any more */
		break;
	}
	tcp_conn_maybe_free(s, c);
}

/* ABORT (3.10.5). */
void tcp_user_abort(struct hk_stack *s, struct hk_tcp_conn *c)
{
	c->flags |= TF_USER_CLOSED;
	switch (c->state) {
	case HK_TCP_LISTEN:
		tcp_listener_close(s, c);
		break;
	case HK_TCP_CLOSED:
		break;
	case HK_TCP_SYN_SENT:
	case HK_TCP_TIME_WAIT:
		tcp_conn_closed(s, c, 0);
		break;
	default:
		tcp_send_rst_conn(s, c);
		tcp_conn_closed(s, c, ECONNABORTED);
		break;
	}
	tcp_conn_maybe_free(s, c);
}

int tcp_user_set_cc(struct hk_stack *s, struct hk_tcp_conn *c, const char *name)
{
	const struct hk_tcp_cc_ops *ops = hk_tcp_cc_find(name);
	if (!ops)
		return -ENOENT;
	if (ops == c->cc.ops)
		return 0;
	c->cc.ops = ops;
	if (c->cc.cwnd) {
		/* switching mid-connection: restart the algorithm from the
		 * current window, as Linux does */
		uint32_t cwnd = c->cc.cwnd, ssthresh = c->cc.ssthresh;
		ops->init(&c->cc, c->eff_mss, s->now);
		c->cc.cwnd = cwnd;
		c->cc.ssthresh = ssthresh;
	}
	return 0;
}

void tcp_user_info(const struct hk_tcp_conn *c, struct hk_tcp_info *info)
{
	memset(info, 0, sizeof(*info));
	info->state = c->state;
	info->snd_mss = c->eff_mss;
	info->rcv_mss = c->rcv_mss;
	info->rtt_us = (uint32_t)c->rtt.srtt;
	info->rttvar_us = (uint32_t)c->rtt.rttvar;
	info->rto_us = (uint32_t)hk_rtt_timeout(&c->rtt);
	info->cwnd = c->cc.cwnd;
	info->ssthresh = c->cc.ssthresh;
	info->snd_wnd = c->snd_wnd;
	info->rcv_wnd = hk_seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	info->unacked = c->snd_max - c->snd_una;
	info->retransmits = c->retries;
	info->total_retrans = c->total_retrans;
	info->bytes_sent = c->bytes_sent;
	info->bytes_acked = c->bytes_acked;
	info->bytes_received = c->bytes_received;
	info->snd_wscale = c->snd_wscale;
	info->rcv_wscale = c->rcv_wscale;
	info->ts_ok = tcp_has(c, TF_TS_OK);
	info->sack_ok = tcp_has(c, TF_SACK_OK);
	info->in_recovery = tcp_has(c, TF_RECOVERY);
	info->ecn_ok = (c->ecn & ECN_OK) != 0;
	if (c->cc.ops)
		strncpy(info->cc, c->cc.ops->name, sizeof(info->cc) - 1);
}

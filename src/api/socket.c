/* hokuto api — the socket calls: small-int handles mapped onto TCP
 * connection records, errors as negative errno values, never blocking. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/socket.h"
#include "tcp/tcp_int.h"

#define HK_MAX_FDS 65536

static struct hk_tcp_conn *get(struct hk_stack *s, int fd)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (!ts || fd < 0 || fd >= ts->n_fds)
		return NULL;
	return ts->fds[fd];
}

static int fd_alloc(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	for (int i = 0; i < ts->n_fds; i++) {
		if (!ts->fds[i]) {
			ts->fds[i] = c;
			c->fd = i;
			return i;
		}
	}
	if (ts->n_fds >= HK_MAX_FDS)
		return -EMFILE;
	int n = ts->n_fds ? ts->n_fds * 2 : 16;
	struct hk_tcp_conn **f = realloc(ts->fds, (size_t)n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + ts->n_fds, 0, (size_t)(n - ts->n_fds) * sizeof(*f));
	ts->fds = f;
	int fd = ts->n_fds;
	ts->n_fds = n;
	ts->fds[fd] = c;
	c->fd = fd;
	return fd;
}

static void fd_release(struct hk_stack *s, struct hk_tcp_conn *c)
{
	struct hk_tcp_state *ts = tcp_st(s);
	if (c->fd >= 0 && c->fd < ts->n_fds)
		ts->fds[c->fd] = NULL;
	c->fd = -1;
}

int hk_socket(struct hk_stack *s, int type)
{
	if (type != HK_SOCK_STREAM)
		return -EPROTONOSUPPORT;
	struct hk_tcp_conn *c = tcp_conn_new(s);
	if (!c)
		return -ENOBUFS;
	int fd = fd_alloc(s, c);
	if (fd < 0) {
		c->fd = -1;
		tcp_conn_maybe_free(s, c);
		return fd;
	}
	return fd;
}

/* Another socket holds this local address and port (bound or listening). */
static bool addr_taken(struct hk_stack *s, const struct hk_tcp_conn *self, hk_ip4_t addr, uint16_t port)
{
	struct hk_tcp_state *ts = tcp_st(s);
	for (int i = 0; i < ts->n_fds; i++) {
		const struct hk_tcp_conn *c = ts->fds[i];
		if (!c || c == self || c->lport != port)
			continue;
		/* only unused bound sockets and listeners hold a port: a
		 * connection (even SYN-SENT) does not keep a LISTEN off it
		 * (RFC 9293 MUST-42); the 4-tuple table keeps them apart */
		if (!(tcp_has(c, TF_BOUND) && c->state == HK_TCP_CLOSED) && c->state != HK_TCP_LISTEN)
			continue;
		if (c->laddr == addr || c->laddr == 0 || addr == 0)
			return true;
	}
	return tcp_listener_lookup(s, addr, port) != NULL;
}

int hk_bind(struct hk_stack *s, int fd, const struct hk_sockaddr *addr)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!addr)
		return -EINVAL;
	if (c->state != HK_TCP_CLOSED || tcp_has(c, TF_BOUND | TF_WAS_CONNECTED))
		return -EINVAL;
	/* MUST-43: the optional local address must be one of ours */
	if (addr->addr && !hk_ipv4_is_local(s, addr->addr))
		return -EADDRNOTAVAIL;
	uint16_t port = addr->port;
	if (!port) {
		uint32_t span = HK_EPHEMERAL_MAX - HK_EPHEMERAL_MIN + 1;
		uint32_t start = hk_rng_below(&s->rng, span);
		for (uint32_t i = 0; i < span && !port; i++) {
			uint16_t p = (uint16_t)(HK_EPHEMERAL_MIN + (start + i) % span);
			if (!addr_taken(s, c, addr->addr, p))
				port = p;
		}
		if (!port)
			return -EADDRINUSE;
	} else if (addr_taken(s, c, addr->addr, port)) {
		return -EADDRINUSE;
	}
	c->laddr = addr->addr;
	c->lport = port;
	c->flags |= TF_BOUND;
	return 0;
}

int hk_listen(struct hk_stack *s, int fd, int backlog)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!c->lport && c->state == HK_TCP_CLOSED) {
		struct hk_sockaddr any = { 0, 0 };
		int rc = hk_bind(s, fd, &any);
		if (rc < 0)
			return rc;
	}
	return tcp_user_listen(s, c, backlog);
}

int hk_accept(struct hk_stack *s, int fd, struct hk_sockaddr *peer)
{
	struct hk_tcp_conn *l = get(s, fd);
	if (!l)
		return -EBADF;
	if (l->state != HK_TCP_LISTEN)
		return -EINVAL;
	struct hk_tcp_conn *c = l->acc_head;
	if (!c)
		return -EAGAIN;
	int nfd = fd_alloc(s, c);
	if (nfd < 0)
		return nfd;
	l->acc_head = c->acc_next;
	if (!l->acc_head)
		l->acc_tail = NULL;
	l->acc_len--;
	c->acc_next = NULL;
	c->flags &= ~TF_IN_ACCEPTQ;
	c->parent = NULL;
	if (peer) {
		peer->addr = c->raddr;
		peer->port = c->rport;
	}
	return nfd;
}

int hk_connect(struct hk_stack *s, int fd, const struct hk_sockaddr *addr)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!addr)
		return -EINVAL;
	return tcp_user_connect(s, c, addr->addr, addr->port);
}

ssize_t hk_send(struct hk_stack *s, int fd, const void *buf, size_t len, int flags)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!buf && len)
		return -EFAULT;
	return tcp_user_send(s, c, buf, len, flags);
}

ssize_t hk_recv_ex(struct hk_stack *s, int fd, void *buf, size_t len, int flags, int *out_flags)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (out_flags)
		*out_flags = 0;
	if (!c)
		return -EBADF;
	if (!buf && len)
		return -EFAULT;
	if (len == 0)
		return 0;
	return tcp_user_recv(s, c, buf, len, flags, out_flags);
}

ssize_t hk_recv(struct hk_stack *s, int fd, void *buf, size_t len, int flags)
{
	return hk_recv_ex(s, fd, buf, len, flags, NULL);
}

int hk_shutdown(struct hk_stack *s, int fd, int how)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	return tcp_user_shutdown(s, c, how);
}

int hk_close(struct hk_stack *s, int fd)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	fd_release(s, c);
	tcp_user_close(s, c);
	return 0;
}

int hk_abort(struct hk_stack *s, int fd)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	fd_release(s, c);
	tcp_user_abort(s, c);
	return 0;
}

int hk_getpeername(struct hk_stack *s, int fd, struct hk_sockaddr *addr)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	if (!c->rport || c->state == HK_TCP_LISTEN)
		return -ENOTCONN;
	addr->addr = c->raddr;
	addr->port = c->rport;
	return 0;
}

int hk_getsockname(struct hk_stack *s, int fd, struct hk_sockaddr *addr)
{
	struct hk_tcp_conn *c = get(s, fd);
	if (!c)
		return -EBADF;
	addr->addr = c->laddr;
	addr->port = c->lport;
	return 0;
}

static short events_of(const struct hk_tcp_conn *c)
{
	short ev = 0;
	if (c->state == HK_TCP_LISTEN)
		return c->acc_len ? HK_POLLIN : 0;
	bool ended = c->state == HK_TCP_CLOSED && (tcp_has(c, TF_WAS_CONNECTED) || c->err_final);
	if (hk_ring_len(&c->rcvbuf) > 0 || tcp_has(c, TF_RCVD_FIN | TF_RD_SHUT) || ended)
		ev |= HK_POLLIN;
	if ((c->state == HK_TCP_ESTABLISHED || c->state == HK_TCP_CLOSE_WAIT) && !tcp_has(c, TF_FIN_QUEUED)) {
		uint32_t space = hk_ring_space(&c->sndbuf);
		uint32_t want = tcp_min(c->sndbuf.cap / 4, 8192);
		if (space > 0 && space >= want)
			ev |= HK_POLLOUT;
	}
	if (c->err)
		ev |= HK_POLLERR;
	if (ended || (tcp_has(c, TF_RCVD_FIN) && tcp_has(c, TF_FIN_QUEUED)))
		ev |= HK_POLLHUP;
	if (tcp_has(c, TF_RCVD_FIN))
		ev |= HK_POLLRDHUP;
	if (tcp_has(c, TF_URG_VALID))
		ev |= HK_POLLPRI; /* MUST-32 */
	ev |= tcp_dth_poll(c); /* RFC 9401: HK_POLLDTH */
	return ev;
}

int hk_poll(struct hk_stack *s, struct hk_pollfd *fds, int n)
{
	int ready = 0;
	for (int i = 0; i < n; i++) {
		struct hk_tcp_conn *c = get(s, fds[i].fd);
		if (fds[i].fd < 0) {
			fds[i].revents = 0;
			continue;
		}
		short ev = c ? events_of(c) : HK_POLLNVAL;
		fds[i].revents = (short)(ev & (fds[i].events | HK_POLLERR | HK_POLLHUP | HK_POLLNVAL));
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

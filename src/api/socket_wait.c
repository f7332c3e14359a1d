/* hokuto api — blocking helpers for simple programs that drive a real
 * stack on the real clock: each one polls the stack and waits on its device
 * fds (hk_stack_wait) until the operation completes or its timeout passes. */
#include <errno.h>

#include "hokuto/socket.h"
#include "hokuto/stack.h"

static hk_time_t deadline_of(hk_time_t timeout)
{
	if (timeout == HK_TIME_NEVER)
		return HK_TIME_NEVER;
	return hk_clock_now() + timeout;
}

/* One turn of the loop: run the stack, then sleep until a device is
 * readable, the stack's next timer, or the deadline. */
static int step(struct hk_stack *s, hk_time_t deadline)
{
	hk_time_t now = hk_clock_now();
	if (deadline != HK_TIME_NEVER && now >= deadline)
		return -ETIMEDOUT;
	hk_time_t next = hk_stack_poll(s, now);
	hk_time_t until = next < deadline ? next : deadline;
	if (until == HK_TIME_NEVER || until > now + HK_SEC(1))
		until = now + HK_SEC(1); /* devices without an fd (sim) still make progress */
	int rc = hk_stack_wait(s, until);
	if (rc == -EINTR)
		return -EINTR;
	hk_stack_poll(s, hk_clock_now());
	return 0;
}

int hk_connect_status(struct hk_stack *s, int fd)
{
	struct hk_pollfd p = { .fd = fd, .events = HK_POLLOUT };
	hk_poll(s, &p, 1);
	if (p.revents & (HK_POLLERR | HK_POLLHUP | HK_POLLNVAL)) {
		int err = 0;
		size_t len = sizeof(err);
		hk_getsockopt(s, fd, HK_SO_ERROR, &err, &len);
		return err ? -err : -ECONNREFUSED;
	}
	if (p.revents & HK_POLLOUT)
		return 0;
	struct hk_tcp_info info;
	size_t len = sizeof(info);
	if (hk_getsockopt(s, fd, HK_TCP_INFO, &info, &len) == 0 && info.state != HK_TCP_SYN_SENT &&
	    info.state != HK_TCP_SYN_RECEIVED)
		return 0; /* established but the send buffer is full, or already closing */
	return -EINPROGRESS;
}

int hk_connect_wait(struct hk_stack *s, int fd, const struct hk_sockaddr *addr, hk_time_t timeout)
{
	hk_time_t deadline = deadline_of(timeout);
	int rc = hk_connect(s, fd, addr);
	if (rc != -EINPROGRESS)
		return rc;
	while ((rc = hk_connect_status(s, fd)) == -EINPROGRESS) {
		rc = step(s, deadline);
		if (rc < 0)
			return rc;
	}
	return rc;
}

int hk_accept_wait(struct hk_stack *s, int fd, struct hk_sockaddr *peer, hk_time_t timeout)
{
	hk_time_t deadline = deadline_of(timeout);
	for (;;) {
		int rc = hk_accept(s, fd, peer);
		if (rc != -EAGAIN)
			return rc;
		rc = step(s, deadline);
		if (rc < 0)
			return rc;
	}
}

ssize_t hk_send_all(struct hk_stack *s, int fd, const void *buf, size_t len, hk_time_t timeout)
{
	hk_time_t deadline = deadline_of(timeout);
	const uint8_t *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t n = hk_send(s, fd, p + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n != -EAGAIN)
			return n;
		int rc = step(s, deadline);
		if (rc < 0)
			return rc;
	}
	return (ssize_t)len;
}

ssize_t hk_recv_wait(struct hk_stack *s, int fd, void *buf, size_t len, hk_time_t timeout)
{
	hk_time_t deadline = deadline_of(timeout);
	for (;;) {
		ssize_t n = hk_recv(s, fd, buf, len, 0);
		if (n != -EAGAIN)
			return n;
		int rc = step(s, deadline);
		if (rc < 0)
			return rc;
	}
}

int hk_poll_wait(struct hk_stack *s, struct hk_pollfd *fds, int n, hk_time_t timeout)
{
	hk_time_t deadline = deadline_of(timeout);
	for (;;) {
		int rc = hk_poll(s, fds, n);
		if (rc != 0)
			return rc;
		rc = step(s, deadline);
		if (rc == -ETIMEDOUT)
			return 0;
		if (rc < 0)
			return rc;
	}
}

/* libFuzzer target: the frame-input path of a whole stack, timers included
 * (DESIGN.md test layer 4, after lwIP's test/fuzz).
 *
 * Input layout:
 *   byte 0          bit 0: link type (0 Ethernet, 1 bare IPv4)
 *   then records    0x00-0xef  LEN_HI LEN_LO BYTES...  a frame the device
 *                                receives (LEN capped at what is left)
 *                   0xf0-0xfe  HI LO   advance the clock by (HI<<8|LO)+1 ms
 *                   0xff       HI LO   advance the clock by (HI<<8|LO)+1 s
 * The stack is polled after every record, so timers (retransmission,
 * TIME-WAIT, reassembly, ARP) fire in between frames. hokuto is 192.0.2.2/24
 * with gateway 192.0.2.1; when the socket APIs are in the tree a TCP echo
 * listener on port 80, an active open to 192.0.2.1:80 and a UDP echo socket
 * on port 7 give the input something to talk to. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/dev.h"
#include "hokuto/stack.h"

#if defined(__has_include)
#if __has_include("hokuto/socket.h")
#include "hokuto/socket.h"
#define FUZZ_TCP 1
#endif
#if __has_include("hokuto/udp.h")
#include "hokuto/udp.h"
#define FUZZ_UDP 1
#endif
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOKUTO_IP HK_IP4(192, 0, 2, 2)
#define PEER_IP HK_IP4(192, 0, 2, 1)

/* A device whose rx hands out the one frame set before each poll. */
struct fuzz_dev {
	struct hk_dev dev;
	const uint8_t *frame;
	size_t len;
	uint64_t tx_frames;
};

static int fd_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	(void)frame;
	(void)len;
	(void)now;
	((struct fuzz_dev *)dev)->tx_frames++;
	return 0;
}

static ssize_t fd_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct fuzz_dev *f = (struct fuzz_dev *)dev;
	if (!f->frame)
		return 0;
	size_t n = f->len < cap ? f->len : cap;
	memcpy(buf, f->frame, n);
	f->frame = NULL;
	return n < f->len ? -EMSGSIZE : (ssize_t)n;
}

static int fd_fd(const struct hk_dev *dev)
{
	(void)dev;
	return -1;
}

static hk_time_t fd_deadline(const struct hk_dev *dev)
{
	return ((const struct fuzz_dev *)dev)->frame ? 0 : HK_TIME_NEVER;
}

static void fd_close(struct hk_dev *dev)
{
	free(dev);
}

static const struct hk_dev_ops fuzz_ops = {
	.kind = "fuzz",
	.tx = fd_tx,
	.rx = fd_rx,
	.fd = fd_fd,
	.next_deadline = fd_deadline,
	.close = fd_close,
};

struct app {
	int listener, active, udp;
	int conns[8];
};

static void app_open(struct hk_stack *s, struct app *a)
{
	memset(a, 0xff, sizeof(*a)); /* every handle -1 */
#ifdef FUZZ_TCP
	a->listener = hk_socket(s, HK_SOCK_STREAM);
	if (a->listener >= 0) {
		struct hk_sockaddr any = {0, 80};
		hk_bind(s, a->listener, &any);
		hk_listen(s, a->listener, 4);
	}
	a->active = hk_socket(s, HK_SOCK_STREAM);
	if (a->active >= 0) {
		struct hk_sockaddr peer = {PEER_IP, 80};
		hk_connect(s, a->active, &peer);
	}
#endif
#ifdef FUZZ_UDP
	a->udp = hk_udp_open(s, 7);
#endif
	(void)s;
}

#ifdef FUZZ_TCP
/* Echo what arrives; close on EOF or error. */
static void tcp_echo(struct hk_stack *s, int *fd)
{
	uint8_t buf[2048];
	ssize_t n = hk_recv(s, *fd, buf, sizeof(buf), 0);
	if (n > 0) {
		hk_send(s, *fd, buf, (size_t)n, 0);
	} else if (n == 0 || (n < 0 && n != -EAGAIN)) {
		hk_close(s, *fd);
		*fd = -1;
	}
}
#endif

static void app_step(struct hk_stack *s, struct app *a)
{
#ifdef FUZZ_TCP
	for (int i = 0; i < 8 && a->listener >= 0; i++) {
		if (a->conns[i] >= 0)
			continue;
		struct hk_sockaddr peer;
		a->conns[i] = hk_accept(s, a->listener, &peer);
		if (a->conns[i] < 0) {
			a->conns[i] = -1;
			break;
		}
	}
	for (int i = 0; i < 8; i++) {
		if (a->conns[i] >= 0)
			tcp_echo(s, &a->conns[i]);
	}
	if (a->active >= 0)
		tcp_echo(s, &a->active);
#endif
#ifdef FUZZ_UDP
	if (a->udp >= 0) {
		uint8_t buf[2048];
		hk_ip4_t src;
		uint16_t sport;
		ssize_t n = hk_udp_recvfrom(s, a->udp, buf, sizeof(buf), &src, &sport);
		if (n >= 0)
			hk_udp_sendto(s, a->udp, src, sport, buf, (size_t)n);
	}
#endif
	(void)s;
	(void)a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = 7;
	cfg.pbuf_count = 128;
	cfg.log_level = HK_LOG_ERROR;
	cfg.tcp.snd_buf = cfg.tcp.rcv_buf = 16 * 1024;
	cfg.tcp.mem_limit = 1024 * 1024;
	struct hk_stack *s = hk_stack_new(&cfg);
	if (!s)
		return 0;
	struct fuzz_dev *f = calloc(1, sizeof(*f));
	if (!f) {
		hk_stack_free(s);
		return 0;
	}
	f->dev.ops = &fuzz_ops;
	memcpy(f->dev.name, "fuzz:0", 7);
	f->dev.link = (data[0] & 1) ? HK_LINK_IPV4 : HK_LINK_ETHERNET;
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x0b};
	memcpy(f->dev.mac, mac, 6);
	f->dev.mtu = 1500;
	if (hk_stack_add_iface(s, &f->dev, HOKUTO_IP, 24) < 0) {
		free(f);
		hk_stack_free(s);
		return 0;
	}
	hk_stack_set_gateway(s, PEER_IP);

	hk_time_t now = HK_SEC(1000);
	struct app a;
	hk_stack_poll(s, now);
	app_open(s, &a);
	hk_stack_poll(s, now);

	size_t i = 1;
	while (i + 3 <= size) {
		uint8_t kind = data[i];
		size_t v = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (kind < 0xf0) {
			size_t len = v < size - i ? v : size - i;
			f->frame = data + i;
			f->len = len;
			i += len;
		} else if (kind < 0xff) {
			now += HK_MSEC(v + 1);
		} else {
			now += HK_SEC(v + 1);
		}
		hk_stack_poll(s, now);
		f->frame = NULL; /* one frame per record, even if the pool was empty */
		app_step(s, &a);
		hk_stack_poll(s, now);
	}
	hk_stack_free(s); /* closes the device (frees f) */
	return 0;
}

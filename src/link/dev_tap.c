/* hokuto link — tap (and, through hk_tuntap_open, tun) devices on
 * /dev/net/tun. The kernel sees an ordinary interface; hokuto reads and
 * writes its frames through the fd.
 *
 * A name that does not exist yet is created here, non-persistent: it
 * vanishes when the fd closes. A name that exists (`ip tuntap add`) is
 * attached to and left in place on close. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "link/dev_kinds.h"

struct tuntap {
	struct hk_dev dev; /* first: a struct hk_dev * is a struct tuntap * */
	int fd;
	bool created;
	char ifname[IFNAMSIZ];
	uint8_t overflow[1]; /* tells a truncated read from an exact fit */
};

static int tt_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	(void)now;
	struct tuntap *t = (struct tuntap *)dev;
	ssize_t n = write(t->fd, frame, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static ssize_t tt_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct tuntap *t = (struct tuntap *)dev;
	struct iovec iov[2] = {{buf, cap}, {t->overflow, sizeof(t->overflow)}};
	ssize_t n = readv(t->fd, iov, 2);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return errno == EFAULT || errno == EINVAL ? -EMSGSIZE : -errno;
	}
	return (size_t)n > cap ? -EMSGSIZE : n;
}

static int tt_fd(const struct hk_dev *dev)
{
	return ((const struct tuntap *)dev)->fd;
}

/* Closing the fd deletes an interface we created (it is not persistent). */
static void tt_close(struct hk_dev *dev)
{
	struct tuntap *t = (struct tuntap *)dev;
	close(t->fd);
	free(t);
}

static const struct hk_dev_ops tap_ops = {
	.kind = "tap",
	.tx = tt_tx,
	.rx = tt_rx,
	.fd = tt_fd,
	.next_deadline = NULL,
	.close = tt_close,
};

static const struct hk_dev_ops tun_ops = {
	.kind = "tun",
	.tx = tt_tx,
	.rx = tt_rx,
	.fd = tt_fd,
	.next_deadline = NULL,
	.close = tt_close,
};

static int open_tun_fd(const char *kind, const char *name, char *err, size_t errlen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		return hk_dev_err(err, errlen, -e,
				  "%s:%s: /dev/net/tun is missing: load the tun module (modprobe tun) or create it "
				  "(mkdir -p /dev/net && mknod /dev/net/tun c 10 200)",
				  kind, name);
	if (e == EACCES || e == EPERM)
		return hk_dev_err(err, errlen, -e, "opening /dev/net/tun needs CAP_NET_ADMIN: run as root");
	return hk_dev_err(err, errlen, -e, "%s:%s: cannot open /dev/net/tun: %s", kind, name, strerror(e));
}

static int attach(const char *kind, const char *name, short flags, bool existed, int fd, char *ifname,
		  char *err, size_t errlen)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(flags | IFF_NO_PI);
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
		memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
		ifname[IFNAMSIZ - 1] = '\0';
		return 0;
	}
	int e = errno;
	if (e == EPERM || e == EACCES)
		return hk_dev_err(err, errlen, -e, "%s:%s: creating or attaching needs CAP_NET_ADMIN: run as root",
				  kind, name);
	if (e == EBUSY)
		return hk_dev_err(err, errlen, -e,
				  "%s:%s: already in use by another program: stop it or pick another name", kind,
				  name);
	if (e == EINVAL && existed)
		return hk_dev_err(err, errlen, -e,
				  "%s:%s: an interface of that name exists and is not a %s device: pick another name "
				  "or delete it (ip link del %s)",
				  kind, name, kind, name);
	return hk_dev_err(err, errlen, -e, "%s:%s: TUNSETIFF failed: %s", kind, name, strerror(e));
}

static int configure(struct tuntap *t, const char *kind, const struct hk_dev_open_opts *opts, char *err,
		     size_t errlen)
{
	const char *ifn = t->ifname;
	int rc;
	if (opts->mtu) {
		rc = hk_if_set_mtu(ifn, opts->mtu);
		if (rc < 0)
			return hk_dev_err(err, errlen, rc, "%s:%s: cannot set MTU %u: %s", kind, ifn, opts->mtu,
					  strerror(-rc));
		t->dev.mtu = opts->mtu;
	} else {
		rc = hk_if_get_mtu(ifn, &t->dev.mtu);
		if (rc < 0)
			return hk_dev_err(err, errlen, rc, "%s:%s: cannot read the MTU: %s", kind, ifn, strerror(-rc));
	}
	if (t->created)
		hk_if_disable_ipv6(ifn);
	rc = hk_if_set_up(ifn);
	if (rc < 0)
		return hk_dev_err(err, errlen, rc, "%s:%s: cannot bring the interface up: %s", kind, ifn,
				  strerror(-rc));
	if (t->created && opts->kernel_addr) {
		rc = hk_if_set_addr(ifn, opts->kernel_addr, opts->kernel_prefix);
		if (rc < 0) {
			char a[16];
			return hk_dev_err(err, errlen, rc, "%s:%s: cannot give the kernel side %s/%u: %s", kind, ifn,
					  hk_ip4_str(opts->kernel_addr, a), opts->kernel_prefix, strerror(-rc));
		}
	}
	if (t->dev.link != HK_LINK_ETHERNET)
		return 0;
	uint8_t kmac[6];
	rc = hk_if_get_hwaddr(ifn, kmac, NULL);
	if (rc < 0)
		return hk_dev_err(err, errlen, rc, "%s:%s: cannot read the kernel side's MAC: %s", kind, ifn,
				  strerror(-rc));
	if (opts->has_mac) {
		if (!memcmp(opts->mac, kmac, 6))
			return hk_dev_err(err, errlen, -EINVAL,
					  "%s:%s: the MAC given is the kernel side's own: pick another", kind, ifn);
		memcpy(t->dev.mac, opts->mac, 6);
	} else {
		hk_dev_gen_mac(opts->seed, kmac, t->dev.mac);
	}
	return 0;
}

int hk_tuntap_open(const char *kind, const char *name, short flags, const struct hk_dev_open_opts *opts,
		   struct hk_dev **out, char *err, size_t errlen)
{
	if (strlen(name) >= IFNAMSIZ)
		return hk_dev_err(err, errlen, -ENAMETOOLONG,
				  "%s:%s: interface names are at most %d characters", kind, name, IFNAMSIZ - 1);
	if (strchr(name, '/') || strchr(name, ' '))
		return hk_dev_err(err, errlen, -EINVAL, "%s:%s: not a valid interface name", kind, name);
	struct tuntap *t = calloc(1, sizeof(*t));
	if (!t)
		return hk_dev_err(err, errlen, -ENOMEM, "%s:%s: out of memory", kind, name);
	bool existed = if_nametoindex(name) != 0;
	t->fd = open_tun_fd(kind, name, err, errlen);
	if (t->fd < 0) {
		int rc = t->fd;
		free(t);
		return rc;
	}
	int rc = attach(kind, name, flags, existed, t->fd, t->ifname, err, errlen);
	if (rc < 0)
		goto fail;
	t->created = !existed;
	t->dev.ops = flags == IFF_TAP ? &tap_ops : &tun_ops;
	t->dev.link = flags == IFF_TAP ? HK_LINK_ETHERNET : HK_LINK_IPV4;
	rc = configure(t, kind, opts, err, errlen);
	if (rc < 0)
		goto fail;
	size_t kl = strlen(kind), nl = strlen(t->ifname);
	memcpy(t->dev.name, kind, kl);
	t->dev.name[kl] = ':';
	memcpy(t->dev.name + kl + 1, t->ifname, nl + 1);
	*out = &t->dev;
	return 0;
fail:
	close(t->fd); /* deletes the interface if we created it */
	free(t);
	return rc;
}

int hk_dev_open_tap(const char *name, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		    size_t errlen)
{
	return hk_tuntap_open("tap", name, IFF_TAP, opts, out, err, errlen);
}

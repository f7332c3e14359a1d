/* hokuto link — packet devices: an AF_PACKET socket on an existing
 * Ethernet interface (a veth end, typically). hokuto uses its own MAC, so
 * the socket joins the interface in promiscuous mode, and it takes an IP
 * address the kernel on that interface does not have.
 *
 * Frames the kernel's own stack produced (a peer namespace over veth) may
 * carry a checksum left for "hardware" and may be TCP super-segments far
 * above the MTU (TSO/GRO). With PACKET_VNET_HDR the kernel says so in a
 * virtio_net_hdr in front of each frame; this device completes the
 * checksum and splits super-segments back into MTU-sized ones, so the
 * stack sees what a real wire would carry.
 *
 * The same header works on transmit (HK_DEV_TSO4, when the user turns it
 * on): consecutive data segments of one TCP flow are gathered into one
 * super-segment of up to 64 KiB and sent with gso_type GSO_TCPV4; the
 * kernel (or the veth peer, as GSO) cuts it back into the very segments
 * the stack built. One sendmsg per 44 segments instead of one each. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "link/dev_kinds.h"

#define PKT_BIG (65536 + 64) /* a whole super-segment */

struct packet_dev {
	struct hk_dev dev; /* first: a struct hk_dev * is a struct packet_dev * */
	int fd;
	int ifindex;
	bool vnet;         /* frames carry a virtio_net_hdr in front */
	struct hk_dev_tcp_splitter split;
	uint8_t overflow[PKT_BIG]; /* the part of a frame beyond the caller's buffer */
	uint8_t whole[PKT_BIG];    /* a super-segment being split */
	struct hk_dev_tso tso;     /* segments gathered for one send */
	uint8_t gather[PKT_BIG];   /* tso's storage */
};

/* One frame to the socket, with vh in front when vnet is on. */
static int send_frame(struct packet_dev *p, struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	struct iovec iov[2] = {{vh, sizeof(*vh)}, {(void *)frame, len}};
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = p->vnet ? iov : iov + 1;
	mh.msg_iovlen = p->vnet ? 2 : 1;
	ssize_t n = sendmsg(p->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return 0;
}

/* Sends what is gathered: a lone frame as it is, several as one
 * super-segment for the kernel to cut at the first one's payload size. */
static int pkt_flush(struct hk_dev *dev)
{
	struct packet_dev *p = (struct packet_dev *)dev;
	uint32_t segs = 0;
	size_t len = hk_dev_tso_finish(&p->tso, &segs);
	if (len == 0)
		return 0;
	struct virtio_net_hdr vh;
	memset(&vh, 0, sizeof(vh));
	if (segs > 1) {
		/* virtio16 fields in host order (little-endian hosts), as on rx */
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		vh.gso_size = (uint16_t)p->tso.mss;
		vh.hdr_len = (uint16_t)p->tso.hdr;
		vh.csum_start = ETH_HLEN + 20; /* gathered frames have no IP options */
		vh.csum_offset = 16;
	}
	return send_frame(p, &vh, p->gather, len);
}

static int pkt_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	(void)now;
	struct packet_dev *p = (struct packet_dev *)dev;
	struct virtio_net_hdr vh;
	memset(&vh, 0, sizeof(vh)); /* no offload asked for */
	if (!(dev->offload & dev->offload_on & HK_DEV_TSO4))
		return send_frame(p, &vh, frame, len);
	int rc = 0;
	int took = hk_dev_tso_add(&p->tso, frame, len);
	if (took == 0) {
		/* does not continue the held run: send that, start anew */
		rc = pkt_flush(dev);
		took = hk_dev_tso_add(&p->tso, frame, len);
	}
	if (took < 0) {
		/* not gatherable: what is held goes first, order is kept */
		rc = pkt_flush(dev);
		int rc2 = send_frame(p, &vh, frame, len);
		return rc2 < 0 ? rc2 : rc;
	}
	if (hk_dev_tso_full(&p->tso)) {
		int rc2 = pkt_flush(dev);
		if (rc2 < 0)
			rc = rc2;
	}
	return rc;
}

/* Copies the next piece of a super-segment into buf. */
static ssize_t next_piece(struct packet_dev *p, uint8_t *buf, size_t cap)
{
	return hk_dev_tcp_split_next(&p->split, buf, cap);
}

/* One frame off the socket, outgoing copies skipped. Returns its length
 * (which may exceed cap: the rest is in p->overflow), 0 when none. */
static ssize_t read_frame(struct packet_dev *p, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap)
{
	for (int tries = 0; tries < 64; tries++) {
		struct iovec iov[3] = {{vh, sizeof(*vh)}, {buf, cap}, {p->overflow, sizeof(p->overflow)}};
		struct sockaddr_ll from;
		struct msghdr mh;
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = p->vnet ? iov : iov + 1;
		mh.msg_iovlen = p->vnet ? 3 : 2;
		ssize_t n = recvmsg(p->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			return -errno;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own frames, where PACKET_IGNORE_OUTGOING is missing */
		if (p->vnet) {
			if ((size_t)n < sizeof(*vh))
				continue;
			n -= (ssize_t)sizeof(*vh);
		} else {
			memset(vh, 0, sizeof(*vh));
		}
		if ((size_t)n > cap + sizeof(p->overflow))
			return -EMSGSIZE; /* beyond even a super-segment */
		return n;
	}
	return 0;
}

static ssize_t pkt_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct packet_dev *p = (struct packet_dev *)dev;
	if (p->split.active)
		return next_piece(p, buf, cap);
	struct virtio_net_hdr vh;
	ssize_t n = read_frame(p, &vh, buf, cap);
	if (n <= 0)
		return n;
	size_t len = (size_t)n;
	uint8_t gso = vh.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4 || (len > cap && gso == VIRTIO_NET_HDR_GSO_NONE)) {
		/* Make it contiguous, then hand it out in MTU-sized pieces. */
		size_t head = len < cap ? len : cap;
		memcpy(p->whole, buf, head);
		memcpy(p->whole + head, p->overflow, len - head);
		/* virtio16 fields are in host order for packet sockets on
		 * little-endian hosts (vio_le) and native ones elsewhere. */
		size_t mss = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? vh.gso_size : 0;
		if (hk_dev_tcp_split_begin(&p->split, p->whole, len, ETH_HLEN, mss, p->dev.mtu) < 0) {
			p->split.active = false;
			return -EMSGSIZE;
		}
		/* The split recomputes every checksum. */
		return next_piece(p, buf, cap);
	}
	if (gso != VIRTIO_NET_HDR_GSO_NONE)
		return -EMSGSIZE; /* UDP or IPv6 super-packets: not ours to split */
	if (len > cap)
		return -EMSGSIZE;
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		hk_dev_csum_complete(buf, len, vh.csum_start, vh.csum_offset);
	return (ssize_t)len;
}

static int pkt_fd(const struct hk_dev *dev)
{
	return ((const struct packet_dev *)dev)->fd;
}

/* Leaving promiscuous mode happens with the socket's membership. */
static void pkt_close(struct hk_dev *dev)
{
	struct packet_dev *p = (struct packet_dev *)dev;
	close(p->fd);
	free(p);
}

static const struct hk_dev_ops packet_ops = {
	.kind = "packet",
	.tx = pkt_tx,
	.rx = pkt_rx,
	.fd = pkt_fd,
	.next_deadline = NULL,
	.close = pkt_close,
	.flush = pkt_flush,
};

static int check_iface(const char *ifname, const struct hk_dev_open_opts *opts, int *ifindex, uint8_t kmac[6],
		       uint32_t *mtu, char *err, size_t errlen)
{
	if (strlen(ifname) >= IFNAMSIZ)
		return hk_dev_err(err, errlen, -ENAMETOOLONG, "packet:%s: interface names are at most %d characters",
				  ifname, IFNAMSIZ - 1);
	unsigned idx = if_nametoindex(ifname);
	if (!idx)
		return hk_dev_err(err, errlen, -ENODEV, "packet:%s: no such interface", ifname);
	*ifindex = (int)idx;
	int arphrd = 0;
	int rc = hk_if_get_hwaddr(ifname, kmac, &arphrd);
	if (rc < 0)
		return hk_dev_err(err, errlen, rc, "packet:%s: cannot read the interface: %s", ifname, strerror(-rc));
	if (arphrd != ARPHRD_ETHER)
		return hk_dev_err(err, errlen, -EINVAL, "packet:%s: not an Ethernet interface", ifname);
	short flags = 0;
	rc = hk_if_get_flags(ifname, &flags);
	if (rc == 0 && !(flags & IFF_UP))
		return hk_dev_err(err, errlen, -ENETDOWN, "packet:%s: interface is down: ip link set %s up", ifname,
				  ifname);
	uint32_t ifmtu = 1500;
	rc = hk_if_get_mtu(ifname, &ifmtu);
	if (rc < 0)
		return hk_dev_err(err, errlen, rc, "packet:%s: cannot read the MTU: %s", ifname, strerror(-rc));
	if (opts->mtu > ifmtu)
		return hk_dev_err(err, errlen, -EINVAL,
				  "packet:%s: MTU %u is larger than the interface's %u: raise it (ip link set %s mtu %u)",
				  ifname, opts->mtu, ifmtu, ifname, opts->mtu);
	*mtu = opts->mtu ? opts->mtu : ifmtu;
	return 0;
}

static int setup_socket(struct packet_dev *p, const char *ifname, char *err, size_t errlen)
{
	/* Protocol 0 receives nothing until bind names the interface, so no
	 * frame from another interface slips in. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			return hk_dev_err(err, errlen, -e, "packet:%s: opening a packet socket needs CAP_NET_RAW: run as root",
					  ifname);
		return hk_dev_err(err, errlen, -e, "packet:%s: cannot open a packet socket: %s", ifname, strerror(e));
	}
	int one = 1;
	p->vnet = setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0;
	struct sockaddr_ll sll;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int e = errno;
		return hk_dev_err(err, errlen, -e, "packet:%s: cannot bind to the interface: %s", ifname, strerror(e));
	}
#ifdef PACKET_IGNORE_OUTGOING
	/* Linux >= 4.20; read_frame skips PACKET_OUTGOING otherwise. */
	(void)setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
#endif
	struct packet_mreq mr;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		int e = errno;
		return hk_dev_err(err, errlen, -e, "packet:%s: cannot enter promiscuous mode: %s", ifname, strerror(e));
	}
	return 0;
}

int hk_dev_open_packet(const char *ifname, const struct hk_dev_open_opts *opts, struct hk_dev **out,
		       char *err, size_t errlen)
{
	int ifindex = 0;
	uint8_t kmac[6];
	uint32_t mtu = 0;
	int rc = check_iface(ifname, opts, &ifindex, kmac, &mtu, err, errlen);
	if (rc < 0)
		return rc;
	if (opts->has_mac && !memcmp(opts->mac, kmac, 6))
		return hk_dev_err(err, errlen, -EINVAL,
				  "packet:%s: the MAC given is the interface's own: hokuto needs a MAC of its own",
				  ifname);
	struct packet_dev *p = calloc(1, sizeof(*p));
	if (!p)
		return hk_dev_err(err, errlen, -ENOMEM, "packet:%s: out of memory", ifname);
	p->ifindex = ifindex;
	rc = setup_socket(p, ifname, err, errlen);
	if (rc < 0) {
		if (p->fd >= 0)
			close(p->fd);
		free(p);
		return rc;
	}
	p->dev.ops = &packet_ops;
	p->dev.link = HK_LINK_ETHERNET;
	p->dev.mtu = mtu;
	p->tso.buf = p->gather;
	/* Transmit segmentation needs the vnet header; the kernel accepts GSO
	 * frames from packet sockets whenever it accepted the option. */
	if (p->vnet && !opts->no_tso)
		p->dev.offload = HK_DEV_TSO4;
	if (opts->has_mac)
		memcpy(p->dev.mac, opts->mac, 6);
	else
		hk_dev_gen_mac(opts->seed, kmac, p->dev.mac);
	memcpy(p->dev.name, "packet:", 7);
	memcpy(p->dev.name + 7, ifname, strlen(ifname) + 1);
	*out = &p->dev;
	return 0;
}

/* hokuto link — helpers the real devices share: error text, generated
 * MACs, interface ioctls, and repair of Linux's receive offloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/rng.h"
#include "link/dev_kinds.h"

int hk_dev_err(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void hk_dev_gen_mac(uint64_t seed, const uint8_t *avoid, uint8_t mac[6])
{
	struct hk_rng r;
	hk_rng_seed(&r, seed ^ 0x6d6163u);
	do {
		uint64_t x = hk_rng_u64(&r);
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)(x >> (8 * i));
		mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* local, unicast */
	} while (avoid && !memcmp(mac, avoid, 6));
}

/* ---- interface ioctls ---- */

static int if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	if (strlen(ifname) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(ifr->ifr_name, ifname, strlen(ifname) + 1);
	int rc = ioctl(fd, req, ifr) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int hk_if_get_mtu(const char *ifname, uint32_t *mtu)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	int rc = if_ioctl(ifname, SIOCGIFMTU, &ifr);
	if (rc == 0)
		*mtu = (uint32_t)ifr.ifr_mtu;
	return rc;
}

int hk_if_set_mtu(const char *ifname, uint32_t mtu)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = (int)mtu;
	return if_ioctl(ifname, SIOCSIFMTU, &ifr);
}

int hk_if_get_hwaddr(const char *ifname, uint8_t mac[6], int *arphrd)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	int rc = if_ioctl(ifname, SIOCGIFHWADDR, &ifr);
	if (rc == 0) {
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		if (arphrd)
			*arphrd = ifr.ifr_hwaddr.sa_family;
	}
	return rc;
}

int hk_if_get_flags(const char *ifname, short *flags)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	int rc = if_ioctl(ifname, SIOCGIFFLAGS, &ifr);
	if (rc == 0)
		*flags = ifr.ifr_flags;
	return rc;
}

int hk_if_set_up(const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	int rc = if_ioctl(ifname, SIOCGIFFLAGS, &ifr);
	if (rc < 0 || (ifr.ifr_flags & IFF_UP))
		return rc;
	ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
	return if_ioctl(ifname, SIOCSIFFLAGS, &ifr);
}

static void set_sin(struct sockaddr *sa, hk_ip4_t a)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(a);
	memcpy(sa, &sin, sizeof(sin));
}

int hk_if_set_addr(const char *ifname, hk_ip4_t addr, uint8_t prefix)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	set_sin(&ifr.ifr_addr, addr);
	int rc = if_ioctl(ifname, SIOCSIFADDR, &ifr);
	if (rc < 0)
		return rc;
	memset(&ifr, 0, sizeof(ifr));
	set_sin(&ifr.ifr_netmask, prefix ? hk_ip4_mask(prefix) : hk_ip4_mask(24));
	return if_ioctl(ifname, SIOCSIFNETMASK, &ifr);
}

void hk_if_disable_ipv6(const char *ifname)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1\n", 2) < 0) {
		/* best effort: the stack counts whatever IPv6 still arrives */
	}
	close(fd);
}

/* ---- receive-offload repair ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum, not folded. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	while (n > 1) {
		acc += get16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

int hk_dev_csum_complete(uint8_t *frame, size_t len, size_t start, size_t offset)
{
	if (start >= len || offset + 2 > len - start)
		return -EINVAL;
	/* The field holds the pseudo-header sum: summing over it includes it. */
	uint16_t c = (uint16_t)~fold(sum16(0, frame + start, len - start));
	put16(frame + start + offset, c);
	return 0;
}

struct l4view {
	uint8_t *ip;
	size_t ihl, total;
	uint8_t proto;
	size_t csum_at; /* offset of the checksum inside the L4 header */
};

/* A whole, unfragmented IPv4 TCP or UDP packet at frame + l2. */
static bool l4_view(uint8_t *frame, size_t len, size_t l2, struct l4view *v)
{
	if (len < l2 + 20)
		return false;
	uint8_t *ip = frame + l2;
	if ((ip[0] >> 4) != 4)
		return false;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = get16(ip + 2);
	if (ihl < 20 || total < ihl || total > len - l2)
		return false;
	if (get16(ip + 6) & 0x3fff) /* MF or a fragment offset */
		return false;
	v->ip = ip;
	v->ihl = ihl;
	v->total = total;
	v->proto = ip[9];
	if (v->proto == 6 && total >= ihl + 20)
		v->csum_at = 16;
	else if (v->proto == 17 && total >= ihl + 8)
		v->csum_at = 6;
	else
		return false;
	return true;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t acc = sum16(0, ip + 12, 8); /* source and destination */
	return acc + proto + (uint32_t)l4len;
}

int hk_dev_csum_fix_partial(uint8_t *frame, size_t len, size_t l2)
{
	struct l4view v;
	if (!l4_view(frame, len, l2, &v))
		return 0;
	uint8_t *l4 = v.ip + v.ihl;
	size_t l4len = v.total - v.ihl;
	uint32_t ps = pseudo_sum(v.ip, v.proto, l4len);
	uint16_t field = get16(l4 + v.csum_at);
	if (v.proto == 17 && field == 0)
		return 0; /* UDP without a checksum */
	if (fold(sum16(ps, l4, l4len)) == 0xffff)
		return 0; /* already right */
	uint16_t partial = fold(ps);
	if (field != partial)
		return 0; /* genuinely wrong: let the stack count it */
	put16(l4 + v.csum_at, 0);
	uint16_t c = (uint16_t)~fold(sum16(ps, l4, l4len));
	if (v.proto == 17 && c == 0)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	put16(l4 + v.csum_at, c);
	return 1;
}

int hk_dev_tcp_split_begin(struct hk_dev_tcp_splitter *sp, uint8_t *buf, size_t len, size_t l2, size_t mss,
			   size_t mtu)
{
	struct l4view v;
	memset(sp, 0, sizeof(*sp));
	if (!l4_view(buf, len, l2, &v) || v.proto != 6)
		return -EINVAL;
	size_t doff = (size_t)(v.ip[v.ihl + 12] >> 4) * 4;
	if (doff < 20 || v.ihl + doff > v.total || mtu <= v.ihl + doff)
		return -EINVAL;
	if (!mss || mss > mtu - v.ihl - doff)
		mss = mtu - v.ihl - doff;
	sp->buf = buf;
	sp->len = l2 + v.total;
	sp->l2 = l2;
	sp->hdr = l2 + v.ihl + doff;
	sp->mss = mss;
	sp->payload = sp->len - sp->hdr;
	sp->active = true;
	return 0;
}

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

ssize_t hk_dev_tcp_split_next(struct hk_dev_tcp_splitter *sp, uint8_t *out, size_t cap)
{
	if (!sp->active)
		return 0;
	size_t n = sp->payload - sp->off < sp->mss ? sp->payload - sp->off : sp->mss;
	bool first = sp->index == 0, last = sp->off + n >= sp->payload;
	size_t seg = sp->hdr + n;
	size_t off = sp->off;
	uint32_t index = sp->index++;
	sp->off += n;
	if (last)
		sp->active = false;
	if (seg > cap)
		return -EMSGSIZE;
	memcpy(out, sp->buf, sp->hdr);
	memcpy(out + sp->hdr, sp->buf + sp->hdr + off, n);

	uint8_t *ip = out + sp->l2;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	put16(ip + 2, (uint16_t)(seg - sp->l2));
	put16(ip + 4, (uint16_t)(get16(ip + 4) + index));
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, ihl)));

	uint8_t *th = ip + ihl;
	uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	seq += (uint32_t)off;
	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	if (!last)
		th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (!first)
		th[13] &= (uint8_t)~TCP_CWR;
	size_t l4len = seg - sp->l2 - ihl;
	put16(th + 16, 0);
	put16(th + 16, (uint16_t)~fold(sum16(pseudo_sum(ip, 6, l4len), th, l4len)));
	return (ssize_t)seg;
}

/* ---- transmit segmentation offload (gathering) ---- */

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_URG 0x20

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct tso_seg {
	size_t hdr, payload;
	uint32_t seq;
};

/* A frame that may be gathered: Ethernet II, IPv4 without options, DF,
 * unfragmented, TCP with data and no SYN/FIN/RST/URG/CWR, no padding. */
static bool tso_eligible(const uint8_t *f, size_t len, struct tso_seg *g)
{
	if (len < 14 + 20 + 20 || get16(f + 12) != 0x0800)
		return false;
	const uint8_t *ip = f + 14;
	if (ip[0] != 0x45 || ip[9] != 6 || get16(ip + 2) != len - 14)
		return false;
	if ((get16(ip + 6) & 0x7fff) != 0x4000) /* DF only: no MF, no offset */
		return false;
	const uint8_t *th = ip + 20;
	size_t doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || 14 + 20 + doff >= len)
		return false; /* no payload */
	if (th[13] & (TCP_SYN | TCP_RST | TCP_FIN | TCP_URG | TCP_CWR))
		return false;
	g->hdr = 14 + 20 + doff;
	g->payload = len - g->hdr;
	g->seq = get32(th + 4);
	return true;
}

int hk_dev_tso_add(struct hk_dev_tso *t, const uint8_t *frame, size_t len)
{
	struct tso_seg g;
	if (!tso_eligible(frame, len, &g))
		return -1;
	const uint8_t *th = frame + 34;
	if (t->len == 0) {
		if (len > 14 + HK_DEV_TSO_MAX_IP)
			return -1;
		memcpy(t->buf, frame, len);
		t->len = len;
		t->hdr = g.hdr;
		t->mss = g.payload;
		t->segs = 1;
		t->next_seq = g.seq + (uint32_t)g.payload;
		t->closed = (th[13] & TCP_PSH) != 0;
		return 1;
	}
	if (hk_dev_tso_full(t) || g.hdr != t->hdr || g.payload > t->mss || g.seq != t->next_seq ||
	    t->len + g.payload > 14 + HK_DEV_TSO_MAX_IP)
		return 0;
	const uint8_t *held = t->buf, *hth = t->buf + 34;
	/* Every piece gets the first one's headers: they must be equal but for
	 * the IP length, id and checksum and the TCP sequence number, checksum
	 * and PSH (kept on the last piece only). */
	if (memcmp(held, frame, 14) || held[15] != frame[15] || memcmp(held + 20, frame + 20, 4) ||
	    memcmp(held + 26, frame + 26, 8) || memcmp(hth, th, 4) || memcmp(hth + 8, th + 8, 5) ||
	    ((hth[13] ^ th[13]) & (uint8_t)~TCP_PSH) || memcmp(hth + 14, th + 14, 2) ||
	    memcmp(hth + 18, th + 18, t->hdr - 34 - 18))
		return 0;
	memcpy(t->buf + t->len, frame + g.hdr, g.payload);
	t->len += g.payload;
	t->segs++;
	t->next_seq += (uint32_t)g.payload;
	if (th[13] & TCP_PSH) {
		t->buf[34 + 13] |= TCP_PSH;
		t->closed = true;
	}
	if (g.payload < t->mss)
		t->closed = true;
	return 1;
}

bool hk_dev_tso_full(const struct hk_dev_tso *t)
{
	return t->closed || t->segs >= HK_DEV_TSO_MAX_SEGS || t->len + t->mss > 14 + HK_DEV_TSO_MAX_IP;
}

size_t hk_dev_tso_finish(struct hk_dev_tso *t, uint32_t *segs)
{
	size_t len = t->len;
	*segs = t->segs;
	t->len = 0;
	t->segs = 0;
	t->closed = false;
	if (len == 0 || *segs < 2)
		return len;
	uint8_t *ip = t->buf + 14;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, 20)));
	/* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum; the
	 * kernel's GSO adjusts it per piece and completes it. */
	put16(ip + 20 + 16, fold(pseudo_sum(ip, 6, len - 34)));
	return len;
}

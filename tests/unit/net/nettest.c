/* Test helpers for the net layer (see nettest.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nettest.h"

const uint8_t OUR_MAC[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
const uint8_t PEER_MAC[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};

static int fake_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	(void)now;
	struct fake_dev *fd = (struct fake_dev *)dev;
	assert_true(fd->n_tx < FAKE_MAX);
	assert_true(len <= FAKE_FRAME);
	fd->tx[fd->n_tx] = malloc(len ? len : 1);
	memcpy(fd->tx[fd->n_tx], frame, len);
	fd->tx_len[fd->n_tx++] = len;
	return 0;
}

static ssize_t fake_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	(void)now;
	struct fake_dev *fd = (struct fake_dev *)dev;
	if (fd->rx_head == fd->rx_tail)
		return 0;
	int i = fd->rx_head++ % FAKE_MAX;
	size_t n = fd->rx_len[i];
	ssize_t rc = (ssize_t)n;
	if (n > cap) {
		n = cap;
		rc = -EMSGSIZE;
	}
	memcpy(buf, fd->rx[i], n);
	free(fd->rx[i]);
	return rc;
}

static int fake_fd(const struct hk_dev *dev)
{
	(void)dev;
	return -1;
}

static hk_time_t fake_deadline(const struct hk_dev *dev)
{
	(void)dev;
	return HK_TIME_NEVER;
}

void fake_clear_tx(struct fake_dev *fd)
{
	for (int i = 0; i < fd->n_tx; i++)
		free(fd->tx[i]);
	fd->n_tx = 0;
}

static void fake_close(struct hk_dev *dev)
{
	struct fake_dev *fd = (struct fake_dev *)dev;
	fake_clear_tx(fd);
	while (fd->rx_head != fd->rx_tail)
		free(fd->rx[fd->rx_head++ % FAKE_MAX]);
	free(fd);
}

static const struct hk_dev_ops fake_ops = {
	.kind = "fake",
	.tx = fake_tx,
	.rx = fake_rx,
	.fd = fake_fd,
	.next_deadline = fake_deadline,
	.close = fake_close,
};

struct fake_dev *fake_dev_new(enum hk_link link, const uint8_t mac[6], uint32_t mtu)
{
	struct fake_dev *fd = calloc(1, sizeof(*fd));
	fd->dev.ops = &fake_ops;
	strcpy(fd->dev.name, "fake:0");
	fd->dev.link = link;
	if (mac)
		memcpy(fd->dev.mac, mac, 6);
	fd->dev.mtu = mtu;
	return fd;
}

void fake_inject(struct fake_dev *fd, const void *frame, size_t len)
{
	assert_true(fd->rx_tail - fd->rx_head < FAKE_MAX);
	int i = fd->rx_tail++ % FAKE_MAX;
	fd->rx[i] = malloc(len ? len : 1);
	memcpy(fd->rx[i], frame, len);
	fd->rx_len[i] = len;
}

struct hk_stack *net_stack(struct fake_dev **out, uint32_t mtu)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.seed = 1;
	cfg.pbuf_count = 512;
	struct hk_stack *s = hk_stack_new(&cfg);
	assert_non_null(s);
	struct fake_dev *fd = fake_dev_new(HK_LINK_ETHERNET, OUR_MAC, mtu);
	assert_int_equal(hk_stack_add_iface(s, &fd->dev, OUR_IP, 24), 0);
	fake_clear_tx(fd);
	*out = fd;
	return s;
}

struct hk_stack *net_stack_l3(struct fake_dev **out, hk_ip4_t addr, uint8_t prefix)
{
	struct hk_stack_config cfg;
	hk_stack_config_default(&cfg);
	cfg.pbuf_count = 512;
	struct hk_stack *s = hk_stack_new(&cfg);
	assert_non_null(s);
	struct fake_dev *fd = fake_dev_new(HK_LINK_IPV4, NULL, 1500);
	assert_int_equal(hk_stack_add_iface(s, &fd->dev, addr, prefix), 0);
	assert_int_equal(fd->n_tx, 0); /* no gratuitous ARP on an L3 link */
	*out = fd;
	return s;
}

void learn_peer(struct hk_stack *s, struct fake_dev *fd, hk_time_t now)
{
	uint8_t f[64];
	static const uint8_t zero[6];
	size_t n = build_arp(f, HK_ARP_OP_REQUEST, PEER_MAC, PEER_IP, zero, OUR_IP, hk_ether_broadcast);
	fake_inject(fd, f, n);
	hk_stack_poll(s, now);
	fake_clear_tx(fd); /* our reply */
}

size_t build_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	struct hk_ether_hdr h;
	memcpy(h.dst, dst, 6);
	memcpy(h.src, src, 6);
	h.type = type;
	hk_ether_emit(&h, buf);
	return HK_ETHER_HDR_LEN;
}

size_t build_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], hk_ip4_t spa, const uint8_t tha[6],
		 hk_ip4_t tpa, const uint8_t eth_dst[6])
{
	size_t n = build_eth(buf, eth_dst, sha, HK_ETHERTYPE_ARP);
	struct hk_arp_pkt p = {.op = op, .spa = spa, .tpa = tpa};
	memcpy(p.sha, sha, 6);
	memcpy(p.tha, tha, 6);
	hk_arp_emit(&p, buf + n);
	return n + HK_ARP_LEN;
}

size_t build_ip(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t id, uint8_t flags,
		uint16_t frag_off, const void *payload, size_t len)
{
	struct hk_ipv4_hdr h = {
		.version = 4,
		.ihl = 5,
		.total_len = (uint16_t)(HK_IPV4_HDR_LEN + len),
		.id = id,
		.flags = flags,
		.frag_off = frag_off,
		.ttl = 64,
		.proto = proto,
		.src = src,
		.dst = dst,
	};
	hk_ipv4_emit(&h, buf);
	if (len)
		memcpy(buf + HK_IPV4_HDR_LEN, payload, len);
	return HK_IPV4_HDR_LEN + len;
}

size_t build_eth_ip(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint8_t proto, uint16_t id, uint8_t flags,
		    uint16_t frag_off, const void *payload, size_t len)
{
	size_t n = build_eth(buf, OUR_MAC, PEER_MAC, HK_ETHERTYPE_IPV4);
	return n + build_ip(buf + n, src, dst, proto, id, flags, frag_off, payload, len);
}

size_t build_udp(uint8_t *buf, hk_ip4_t src, hk_ip4_t dst, uint16_t sport, uint16_t dport, const void *data,
		 size_t len)
{
	if (len)
		memcpy(buf + HK_UDP_HDR_LEN, data, len);
	return hk_udp_emit(buf, sport, dport, len, src, dst);
}

size_t build_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t len)
{
	struct hk_icmp_hdr h = {.type = type, .id = id, .seq = seq, .payload = data, .payload_len = len};
	return hk_icmp_emit(&h, buf);
}

const uint8_t *sent_ip(struct fake_dev *fd, int i, struct hk_ipv4_hdr *ip, size_t *payload_len)
{
	assert_true(i < fd->n_tx);
	const uint8_t *f = fd->tx[i];
	size_t len = fd->tx_len[i];
	size_t off = 0;
	if (fd->dev.link == HK_LINK_ETHERNET) {
		struct hk_ether_hdr eh;
		assert_int_equal(hk_ether_parse(f, len, &eh), 0);
		assert_int_equal(eh.type, HK_ETHERTYPE_IPV4);
		assert_memory_equal(eh.src, fd->dev.mac, 6);
		off = HK_ETHER_HDR_LEN;
	}
	assert_int_equal(hk_ipv4_parse(f + off, len - off, true, ip), HK_IPV4_OK);
	assert_int_equal(ip->total_len, len - off);
	*payload_len = ip->total_len - (size_t)ip->ihl * 4;
	return f + off + (size_t)ip->ihl * 4;
}

int count_sent(struct fake_dev *fd, uint16_t type)
{
	int n = 0;
	for (int i = 0; i < fd->n_tx; i++)
		if (fd->tx_len[i] >= HK_ETHER_HDR_LEN && rd16(fd->tx[i] + 12) == type)
			n++;
	return n;
}

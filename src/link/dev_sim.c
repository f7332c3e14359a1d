/* hokuto link — sim: two in-memory Ethernet devices joined by a wire.
 * A frame sent on one end is queued for the other, stamped with the
 * sender's virtual time; rx hands it out once the receiver's `now` has
 * reached that stamp. Each direction is a bounded FIFO of fixed slots
 * allocated once: no malloc per frame. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hokuto/dev.h"

/* Room for an Ethernet header plus a VLAN tag in front of the IP MTU. */
#define SIM_L2_OVERHEAD 18

struct sim_queue {
	uint8_t *data;      /* cap slots of slot_size bytes */
	uint32_t *len;
	hk_time_t *time;
	uint32_t head, count, cap;
	size_t slot_size;
	uint64_t drops;
};

struct sim_wire;

struct sim_end {
	struct hk_dev dev;  /* first: a struct hk_dev * is a struct sim_end * */
	struct sim_wire *wire;
	int side;           /* 0 or 1 */
	bool open;
};

struct sim_wire {
	struct sim_end end[2];
	struct sim_queue q[2]; /* q[i]: frames waiting to be received by end i */
};

static const struct hk_dev_ops sim_ops;

static struct sim_end *to_end(struct hk_dev *dev)
{
	return (struct sim_end *)dev;
}

static const struct sim_end *to_cend(const struct hk_dev *dev)
{
	return (const struct sim_end *)dev;
}

static int queue_init(struct sim_queue *q, uint32_t cap, size_t slot_size)
{
	q->cap = cap;
	q->slot_size = slot_size;
	q->data = malloc((size_t)cap * slot_size);
	q->len = calloc(cap, sizeof(*q->len));
	q->time = calloc(cap, sizeof(*q->time));
	return q->data && q->len && q->time ? 0 : -ENOMEM;
}

static void queue_fini(struct sim_queue *q)
{
	free(q->data);
	free(q->len);
	free(q->time);
}

static int sim_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	struct sim_end *e = to_end(dev);
	struct sim_wire *w = e->wire;
	int peer = 1 - e->side;
	struct sim_queue *q = &w->q[peer];
	if (len > q->slot_size)
		return -EMSGSIZE;
	if (!w->end[peer].open)
		return 0; /* nobody on the other end: the frame falls off the wire */
	if (q->count == q->cap) {
		q->drops++;
		return -ENOBUFS;
	}
	uint32_t i = (q->head + q->count) % q->cap;
	memcpy(q->data + (size_t)i * q->slot_size, frame, len);
	q->len[i] = (uint32_t)len;
	q->time[i] = now;
	q->count++;
	return 0;
}

static ssize_t sim_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	struct sim_end *e = to_end(dev);
	struct sim_queue *q = &e->wire->q[e->side];
	if (q->count == 0 || q->time[q->head] > now)
		return 0;
	uint32_t i = q->head;
	size_t len = q->len[i];
	size_t n = len < cap ? len : cap;
	memcpy(buf, q->data + (size_t)i * q->slot_size, n);
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return n < len ? -EMSGSIZE : (ssize_t)len;
}

static int sim_fd(const struct hk_dev *dev)
{
	(void)dev;
	return -1;
}

static hk_time_t sim_next_deadline(const struct hk_dev *dev)
{
	const struct sim_end *e = to_cend(dev);
	const struct sim_queue *q = &e->wire->q[e->side];
	return q->count ? q->time[q->head] : HK_TIME_NEVER;
}

static void wire_free(struct sim_wire *w)
{
	queue_fini(&w->q[0]);
	queue_fini(&w->q[1]);
	free(w);
}

/* The wire goes away with its last end. */
static void sim_close(struct hk_dev *dev)
{
	struct sim_end *e = to_end(dev);
	struct sim_wire *w = e->wire;
	struct sim_queue *q = &w->q[e->side];
	e->open = false;
	q->head = q->count = 0;
	if (!w->end[0].open && !w->end[1].open)
		wire_free(w);
}

static const struct hk_dev_ops sim_ops = {
	.kind = "sim",
	.tx = sim_tx,
	.rx = sim_rx,
	.fd = sim_fd,
	.next_deadline = sim_next_deadline,
	.close = sim_close,
};

int hk_sim_wire_new(struct hk_dev **a, struct hk_dev **b, uint32_t mtu)
{
	if (!mtu)
		mtu = 1500;
	if (mtu < 68 || mtu > 65535)
		return -EINVAL;
	struct sim_wire *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		if (queue_init(&w->q[i], HK_SIM_QUEUE_LEN, (size_t)mtu + SIM_L2_OVERHEAD) < 0) {
			wire_free(w);
			return -ENOMEM;
		}
		struct sim_end *e = &w->end[i];
		e->wire = w;
		e->side = i;
		e->open = true;
		e->dev.ops = &sim_ops;
		e->dev.link = HK_LINK_ETHERNET;
		e->dev.mtu = mtu;
		memcpy(e->dev.name, i ? "sim:b" : "sim:a", 6);
		/* Locally administered, unicast: 02:00:00:00:00:0a and :0b. */
		static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0x0a};
		memcpy(e->dev.mac, base, 6);
		e->dev.mac[5] = (uint8_t)(0x0a + i);
	}
	*a = &w->end[0].dev;
	*b = &w->end[1].dev;
	return 0;
}

uint64_t hk_sim_drops(const struct hk_dev *dev)
{
	if (!dev || dev->ops != &sim_ops)
		return 0;
	const struct sim_end *e = to_cend(dev);
	return e->wire->q[e->side].drops;
}

/* hokuto core — packet buffer pool. */
#include "core/pbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_size(size_t buf_size)
{
	size_t sz = sizeof(struct hk_pbuf) + buf_size;
	return (sz + 63u) & ~(size_t)63u; /* cache-line aligned slots */
}

int hk_pbuf_pool_init(struct hk_pbuf_pool *pool, uint32_t count, size_t buf_size)
{
	memset(pool, 0, sizeof(*pool));
	size_t slot = slot_size(buf_size);
	uint8_t *block = aligned_alloc(64, slot * count);
	if (!block)
		return -ENOMEM;
	pool->block = block;
	pool->buf_size = buf_size;
	pool->count = count;
	for (uint32_t i = count; i-- > 0;) {
		struct hk_pbuf *pb = (struct hk_pbuf *)(block + (size_t)i * slot);
		pb->pool = pool;
		pb->cap = buf_size;
		pb->next = pool->free;
		pool->free = pb;
	}
	return 0;
}

void hk_pbuf_pool_fini(struct hk_pbuf_pool *pool)
{
	free(pool->block);
	memset(pool, 0, sizeof(*pool));
}

struct hk_pbuf *hk_pbuf_alloc(struct hk_pbuf_pool *pool, size_t headroom)
{
	struct hk_pbuf *pb = pool->free;
	if (!pb || headroom > pool->buf_size)
		return NULL;
	pool->free = pb->next;
	pool->in_use++;
	pb->next = NULL;
	pb->data = pb->storage + headroom;
	pb->len = 0;
	pb->ts = 0;
	return pb;
}

void hk_pbuf_free(struct hk_pbuf *pb)
{
	if (!pb)
		return;
	struct hk_pbuf_pool *pool = pb->pool;
	pb->next = pool->free;
	pool->free = pb;
	pool->in_use--;
}

void hk_pbuf_free_chain(struct hk_pbuf *pb)
{
	while (pb) {
		struct hk_pbuf *next = pb->next;
		hk_pbuf_free(pb);
		pb = next;
	}
}

size_t hk_pbuf_headroom(const struct hk_pbuf *pb)
{
	return (size_t)(pb->data - pb->storage);
}

size_t hk_pbuf_tailroom(const struct hk_pbuf *pb)
{
	return pb->cap - hk_pbuf_headroom(pb) - pb->len;
}

uint8_t *hk_pbuf_push(struct hk_pbuf *pb, size_t n)
{
	if (hk_pbuf_headroom(pb) < n)
		return NULL;
	pb->data -= n;
	pb->len += n;
	return pb->data;
}

uint8_t *hk_pbuf_pull(struct hk_pbuf *pb, size_t n)
{
	if (pb->len < n)
		return NULL;
	pb->data += n;
	pb->len -= n;
	return pb->data;
}

uint8_t *hk_pbuf_put(struct hk_pbuf *pb, size_t n)
{
	if (hk_pbuf_tailroom(pb) < n)
		return NULL;
	uint8_t *tail = pb->data + pb->len;
	pb->len += n;
	return tail;
}

void hk_pbuf_trim(struct hk_pbuf *pb, size_t n)
{
	if (n < pb->len)
		pb->len = n;
}

void hk_pbuf_queue_push(struct hk_pbuf_queue *q, struct hk_pbuf *pb)
{
	pb->next = NULL;
	if (q->tail)
		q->tail->next = pb;
	else
		q->head = pb;
	q->tail = pb;
	q->len++;
}

struct hk_pbuf *hk_pbuf_queue_pop(struct hk_pbuf_queue *q)
{
	struct hk_pbuf *pb = q->head;
	if (!pb)
		return NULL;
	q->head = pb->next;
	if (!q->head)
		q->tail = NULL;
	pb->next = NULL;
	q->len--;
	return pb;
}

void hk_pbuf_queue_clear(struct hk_pbuf_queue *q)
{
	hk_pbuf_free_chain(q->head);
	q->head = q->tail = NULL;
	q->len = 0;
}

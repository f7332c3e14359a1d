/* hokuto tcp — byte ring for send/receive buffers (see tcp_ring.h).
 * Any capacity works (no power-of-two requirement): positions are reduced
 * modulo cap, and every copy is split in at most two pieces at the wrap. */
#include "tcp/tcp_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hk_ring_reserve(struct hk_ring *r, uint32_t cap)
{
	if (r->buf)
		return 0;
	if (cap == 0)
		return -EINVAL;
	r->buf = malloc(cap);
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	r->head = 0;
	r->len = 0;
	return 0;
}

void hk_ring_release(struct hk_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	r->head = 0;
	r->len = 0;
}

/* Physical index of the byte `off` bytes past head (off <= cap). */
static uint32_t ring_pos(const struct hk_ring *r, uint32_t off)
{
	uint64_t p = (uint64_t)r->head + off;
	return (uint32_t)(p >= r->cap ? p - r->cap : p);
}

/* Copies n bytes into the ring at logical offset off (off + n <= cap). */
static void ring_put(struct hk_ring *r, uint32_t off, const uint8_t *src, uint32_t n)
{
	uint32_t p = ring_pos(r, off);
	uint32_t first = r->cap - p < n ? r->cap - p : n;
	memcpy(r->buf + p, src, first);
	if (n > first)
		memcpy(r->buf, src + first, n - first);
}

static void ring_get(const struct hk_ring *r, uint32_t off, uint8_t *dst, uint32_t n)
{
	uint32_t p = ring_pos(r, off);
	uint32_t first = r->cap - p < n ? r->cap - p : n;
	memcpy(dst, r->buf + p, first);
	if (n > first)
		memcpy(dst + first, r->buf, n - first);
}

uint32_t hk_ring_write(struct hk_ring *r, const void *src, uint32_t n)
{
	uint32_t space = r->cap - r->len;
	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	ring_put(r, r->len, src, n);
	r->len += n;
	return n;
}

uint32_t hk_ring_write_ahead(struct hk_ring *r, uint32_t off, const void *src, uint32_t n)
{
	uint32_t space = r->cap - r->len;
	if (off >= space)
		return 0;
	if (n > space - off)
		n = space - off;
	if (n == 0)
		return 0;
	ring_put(r, r->len + off, src, n);
	return n;
}

void hk_ring_commit(struct hk_ring *r, uint32_t n)
{
	uint32_t space = r->cap - r->len;
	r->len += n > space ? space : n;
}

uint32_t hk_ring_peek(const struct hk_ring *r, uint32_t off, void *dst, uint32_t n)
{
	if (off >= r->len)
		return 0;
	if (n > r->len - off)
		n = r->len - off;
	if (n == 0)
		return 0;
	ring_get(r, off, dst, n);
	return n;
}

void hk_ring_consume(struct hk_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	if (n == 0)
		return;
	/* head never resets on empty: bytes written ahead stay where they are */
	r->head = ring_pos(r, n);
	r->len -= n;
}

uint32_t hk_ring_read(struct hk_ring *r, void *dst, uint32_t n)
{
	n = hk_ring_peek(r, 0, dst, n);
	hk_ring_consume(r, n);
	return n;
}

/* hokuto tcp — a byte ring for a connection's send or receive buffer.
 * The send ring holds unacknowledged + unsent bytes, snd_una at the read
 * position, so a retransmission is a peek at an offset. The receive ring
 * also takes out-of-order bytes written ahead of the readable end (see
 * tcp_asm.h for the bookkeeping of which ranges are filled).
 * Storage is allocated lazily (idle connections hold none). */
#ifndef HOKUTO_TCP_RING_H
#define HOKUTO_TCP_RING_H

#include <stdint.h>

struct hk_ring {
	uint8_t *buf;      /* NULL until hk_ring_reserve */
	uint32_t cap;      /* capacity once allocated */
	uint32_t head;     /* offset of the first readable byte */
	uint32_t len;      /* readable bytes */
};

/* Allocates storage of cap bytes if not yet allocated. 0 or -ENOMEM. */
int hk_ring_reserve(struct hk_ring *r, uint32_t cap);
/* Frees the storage (the ring must be empty to keep its data). */
void hk_ring_release(struct hk_ring *r);
static inline uint32_t hk_ring_len(const struct hk_ring *r) { return r->len; }
static inline uint32_t hk_ring_space(const struct hk_ring *r) { return r->cap - r->len; }
/* Appends up to n bytes; returns how many fit. */
uint32_t hk_ring_write(struct hk_ring *r, const void *src, uint32_t n);
/* Writes n bytes at `off` bytes past the readable end (out-of-order data),
 * clipped to the capacity; returns bytes written. Does not change len. */
uint32_t hk_ring_write_ahead(struct hk_ring *r, uint32_t off, const void *src, uint32_t n);
/* Makes n bytes previously written ahead at offset 0 readable. */
void hk_ring_commit(struct hk_ring *r, uint32_t n);
/* Copies up to n bytes starting `off` bytes into the readable data, without
 * consuming; returns bytes copied. */
uint32_t hk_ring_peek(const struct hk_ring *r, uint32_t off, void *dst, uint32_t n);
/* Copies and consumes up to n bytes; returns bytes read. */
uint32_t hk_ring_read(struct hk_ring *r, void *dst, uint32_t n);
/* Drops n readable bytes from the front (n <= len). */
void hk_ring_consume(struct hk_ring *r, uint32_t n);

#endif

/* hokuto core — packet buffers with headroom, from a fixed pool.
 * Each layer prepends its header in the headroom without copying the
 * payload (the lwIP pbuf / Linux skb idea). The pool is sized at start; the
 * steady data path never mallocs. */
#ifndef HOKUTO_CORE_PBUF_H
#define HOKUTO_CORE_PBUF_H

#include "hokuto/types.h"

/* Room for Ethernet + IPv4 with options + TCP with options, and slack. */
#define HK_PBUF_HEADROOM 160

struct hk_pbuf_pool;

struct hk_pbuf {
	struct hk_pbuf *next;        /* for queues; NULL when not queued */
	struct hk_pbuf_pool *pool;
	uint8_t *data;               /* first valid byte */
	size_t len;                  /* valid bytes from data */
	size_t cap;                  /* size of storage[] */
	hk_time_t ts;                /* free for the current owner's use */
	uint8_t storage[];
};

struct hk_pbuf_pool {
	struct hk_pbuf *free;
	void *block;                 /* one allocation for all buffers */
	size_t buf_size;             /* storage bytes per buffer */
	uint32_t count, in_use;
};

int hk_pbuf_pool_init(struct hk_pbuf_pool *pool, uint32_t count, size_t buf_size);
void hk_pbuf_pool_fini(struct hk_pbuf_pool *pool);
/* A buffer with `headroom` bytes free in front and len 0; NULL when the pool
 * is empty (the caller counts pbuf_exhausted). */
struct hk_pbuf *hk_pbuf_alloc(struct hk_pbuf_pool *pool, size_t headroom);
void hk_pbuf_free(struct hk_pbuf *pb);
/* Frees a whole ->next chain. */
void hk_pbuf_free_chain(struct hk_pbuf *pb);
/* Prepends n bytes (for a header); returns the new data pointer, or NULL
 * when the headroom is too small. */
uint8_t *hk_pbuf_push(struct hk_pbuf *pb, size_t n);
/* Strips n bytes from the front; returns the new data pointer, or NULL
 * when fewer than n bytes are valid. */
uint8_t *hk_pbuf_pull(struct hk_pbuf *pb, size_t n);
/* Appends n bytes at the tail; returns a pointer to them, or NULL when
 * there is no room. */
uint8_t *hk_pbuf_put(struct hk_pbuf *pb, size_t n);
/* Cuts the valid length to n (n <= len). */
void hk_pbuf_trim(struct hk_pbuf *pb, size_t n);
size_t hk_pbuf_headroom(const struct hk_pbuf *pb);
size_t hk_pbuf_tailroom(const struct hk_pbuf *pb);

/* A FIFO of pbufs. */
struct hk_pbuf_queue {
	struct hk_pbuf *head, *tail;
	uint32_t len;
};
void hk_pbuf_queue_push(struct hk_pbuf_queue *q, struct hk_pbuf *pb);
struct hk_pbuf *hk_pbuf_queue_pop(struct hk_pbuf_queue *q);
void hk_pbuf_queue_clear(struct hk_pbuf_queue *q);

#endif

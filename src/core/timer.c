/* hokuto core — timer heap. */
#include "core/timer.h"

#include <errno.h>
#include <stdlib.h>

#include "core/stack_internal.h"

static void place(struct hk_timer_heap *h, uint32_t i, struct hk_timer *t)
{
	h->items[i] = t;
	t->heap_index = i + 1;
}

static void sift_up(struct hk_timer_heap *h, uint32_t i)
{
	struct hk_timer *t = h->items[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h->items[parent]->deadline <= t->deadline)
			break;
		place(h, i, h->items[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct hk_timer_heap *h, uint32_t i)
{
	struct hk_timer *t = h->items[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= h->len)
			break;
		if (child + 1 < h->len && h->items[child + 1]->deadline < h->items[child]->deadline)
			child++;
		if (t->deadline <= h->items[child]->deadline)
			break;
		place(h, i, h->items[child]);
		i = child;
	}
	place(h, i, t);
}

static void heap_remove(struct hk_timer_heap *h, struct hk_timer *t)
{
	uint32_t i = t->heap_index - 1;
	t->heap_index = 0;
	h->len--;
	if (i == h->len)
		return;
	struct hk_timer *moved = h->items[h->len];
	place(h, i, moved);
	sift_down(h, i);
	sift_up(h, moved->heap_index - 1);
}

int hk_timer_arm(struct hk_stack *s, struct hk_timer *t, hk_time_t deadline)
{
	struct hk_timer_heap *h = &s->timers;
	if (hk_timer_armed(t))
		heap_remove(h, t);
	if (h->len == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 64;
		struct hk_timer **items = realloc(h->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		h->items = items;
		h->cap = cap;
	}
	t->deadline = deadline;
	place(h, h->len, t);
	h->len++;
	sift_up(h, h->len - 1);
	return 0;
}

void hk_timer_cancel(struct hk_stack *s, struct hk_timer *t)
{
	if (hk_timer_armed(t))
		heap_remove(&s->timers, t);
	t->deadline = HK_TIME_NEVER;
}

void hk_timer_heap_fini(struct hk_timer_heap *h)
{
	for (uint32_t i = 0; i < h->len; i++)
		h->items[i]->heap_index = 0;
	free(h->items);
	h->items = NULL;
	h->len = h->cap = 0;
}

void hk_timers_run(struct hk_stack *s, hk_time_t now)
{
	struct hk_timer_heap *h = &s->timers;
	while (h->len > 0 && h->items[0]->deadline <= now) {
		struct hk_timer *t = h->items[0];
		heap_remove(h, t);
		t->deadline = HK_TIME_NEVER;
		t->fn(s, t);
	}
}

hk_time_t hk_timers_next(const struct hk_stack *s)
{
	return s->timers.len ? s->timers.items[0]->deadline : HK_TIME_NEVER;
}

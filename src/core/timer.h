/* hokuto core — one-shot timers on a binary heap, run from hk_stack_poll.
 * A timer is embedded in its owner; arm/cancel are O(log n). */
#ifndef HOKUTO_CORE_TIMER_H
#define HOKUTO_CORE_TIMER_H

#include "hokuto/types.h"

struct hk_stack;
struct hk_timer;
typedef void (*hk_timer_fn)(struct hk_stack *s, struct hk_timer *t);

struct hk_timer {
	hk_time_t deadline;
	uint32_t heap_index;   /* position in the heap + 1; 0 when not armed */
	hk_timer_fn fn;
};

struct hk_timer_heap {
	struct hk_timer **items;
	uint32_t len, cap;
};

static inline void hk_timer_init(struct hk_timer *t, hk_timer_fn fn)
{
	t->deadline = HK_TIME_NEVER;
	t->heap_index = 0;
	t->fn = fn;
}
static inline bool hk_timer_armed(const struct hk_timer *t)
{
	return t->heap_index != 0;
}
/* (Re)arms t to fire at deadline. Returns 0 or -ENOMEM. */
int hk_timer_arm(struct hk_stack *s, struct hk_timer *t, hk_time_t deadline);
void hk_timer_cancel(struct hk_stack *s, struct hk_timer *t);

void hk_timer_heap_fini(struct hk_timer_heap *h);
/* Fires every timer whose deadline is <= now (a fired timer is disarmed
 * before its fn runs, so fn may re-arm it). */
void hk_timers_run(struct hk_stack *s, hk_time_t now);
hk_time_t hk_timers_next(const struct hk_stack *s);

#endif

/* hokuto link — the impairment layer: wraps a device and, in both
 * directions, loses, duplicates, reorders, corrupts, delays and rate-limits
 * frames. Everything happens in the caller's injected time and is drawn
 * from a seeded xoshiro, so a run replays exactly from its seed.
 *
 * Per frame, in this order:
 *   loss     dropped with probability `loss`
 *   corrupt  one byte flipped (beyond the Ethernet header, so the IP/TCP
 *            checksums catch it)
 *   rate     serialised through a FIFO bottleneck of rate_bps with room for
 *            queue_limit frames; tail drop when full
 *   delay    + delay + uniform [0, jitter]; frames stay in FIFO order
 *   reorder  with probability `reorder` the frame is held back an extra
 *            1 ms + delay, so frames sent after it overtake it
 *   dup      with probability `dup` a copy follows right behind it
 * Frames live in a fixed pool of slots allocated at wrap time; a frame that
 * finds no slot is dropped and counted. Held tx frames go out to the inner
 * device from the next tx or rx call at or after their time (the stack polls
 * at next_deadline, which includes them). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/rng.h"
#include "hokuto/dev.h"

#define IMPAIR_L2_OVERHEAD 18       /* Ethernet header + VLAN tag */
#define IMPAIR_DEFAULT_QUEUE 1000
#define IMPAIR_MAX_SLOTS 16384
#define IMPAIR_RX_DRAIN 256         /* frames read from inner per rx call */
#define IMPAIR_REORDER_HOLD HK_MSEC(1)

enum { DIR_TX = 0, DIR_RX = 1 };

struct slot {
	hk_time_t release;
	uint64_t seq;    /* ties in release time keep arrival order */
	uint32_t len;
	uint8_t *data;
};

struct direction {
	struct hk_rng rng;
	uint32_t *heap;         /* slot indexes, min-heap on (release, seq) */
	uint32_t heap_n;
	uint64_t busy_until_ns; /* bottleneck free again at (ns) */
	hk_time_t last_release; /* keeps in-order frames in order under jitter */
	hk_time_t *fin;         /* ring: finish times of frames at the bottleneck */
	uint32_t fin_head, fin_n;
	struct hk_impair_dir_stats st;
};

struct impair {
	struct hk_dev dev; /* first: a struct hk_dev * is a struct impair * */
	struct hk_dev *inner;
	struct hk_impair_spec spec;
	struct slot *slots;
	uint32_t nslots;
	uint32_t *free_idx;
	uint32_t nfree;
	uint8_t *storage;  /* nslots + 1 buffers; the last is scratch */
	size_t slot_size;
	uint64_t seq;
	struct direction d[2];
};

static const struct hk_dev_ops impair_ops;

/* ---- slot pool ---- */

static int slot_get(struct impair *im)
{
	return im->nfree ? (int)im->free_idx[--im->nfree] : -1;
}

static void slot_put(struct impair *im, uint32_t i)
{
	im->free_idx[im->nfree++] = i;
}

/* ---- per-direction schedule: a binary min-heap of slot indexes ---- */

static bool before(const struct impair *im, uint32_t a, uint32_t b)
{
	const struct slot *x = &im->slots[a], *y = &im->slots[b];
	return x->release < y->release || (x->release == y->release && x->seq < y->seq);
}

static void heap_push(struct impair *im, struct direction *d, uint32_t idx)
{
	uint32_t i = d->heap_n++;
	d->heap[i] = idx;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!before(im, d->heap[i], d->heap[p]))
			break;
		uint32_t t = d->heap[i];
		d->heap[i] = d->heap[p];
		d->heap[p] = t;
		i = p;
	}
}

static uint32_t heap_pop(struct impair *im, struct direction *d)
{
	uint32_t top = d->heap[0];
	d->heap[0] = d->heap[--d->heap_n];
	uint32_t i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < d->heap_n && before(im, d->heap[l], d->heap[m]))
			m = l;
		if (r < d->heap_n && before(im, d->heap[r], d->heap[m]))
			m = r;
		if (m == i)
			break;
		uint32_t t = d->heap[i];
		d->heap[i] = d->heap[m];
		d->heap[m] = t;
		i = m;
	}
	return top;
}

static hk_time_t heap_top_time(const struct impair *im, const struct direction *d)
{
	return d->heap_n ? im->slots[d->heap[0]].release : HK_TIME_NEVER;
}

/* ---- the impairments ---- */

static bool chance(struct direction *d, double p)
{
	return p > 0 && hk_rng_double(&d->rng) < p;
}

static void schedule(struct impair *im, struct direction *d, uint32_t idx, hk_time_t release)
{
	im->slots[idx].release = release;
	im->slots[idx].seq = im->seq++;
	heap_push(im, d, idx);
}

/* The bottleneck: a FIFO served at rate_bps holding at most queue_limit
 * frames. Returns when the frame has been serialised, or HK_TIME_NEVER on
 * tail drop. */
static hk_time_t bottleneck(struct impair *im, struct direction *d, size_t len, hk_time_t t)
{
	uint32_t limit = im->spec.queue_limit;
	while (d->fin_n && d->fin[d->fin_head] <= t) {
		d->fin_head = (d->fin_head + 1) % limit;
		d->fin_n--;
	}
	if (d->fin_n >= limit)
		return HK_TIME_NEVER;
	uint64_t t_ns = t * 1000u;
	uint64_t start = d->busy_until_ns > t_ns ? d->busy_until_ns : t_ns;
	uint64_t tx_ns = ((uint64_t)len * 8u * 1000000000u + im->spec.rate_bps - 1) / im->spec.rate_bps;
	d->busy_until_ns = start + tx_ns;
	hk_time_t finish = (d->busy_until_ns + 999) / 1000;
	d->fin[(d->fin_head + d->fin_n) % limit] = finish;
	d->fin_n++;
	return finish;
}

/* Takes a frame that entered direction `dir` at time t in slot idx and
 * either schedules it (maybe with a duplicate) or frees it. */
static void impair_frame(struct impair *im, int dir, uint32_t idx, hk_time_t t)
{
	struct direction *d = &im->d[dir];
	const struct hk_impair_spec *sp = &im->spec;
	struct slot *s = &im->slots[idx];
	d->st.frames++;

	if (chance(d, sp->loss)) {
		d->st.lost++;
		slot_put(im, idx);
		return;
	}
	if (chance(d, sp->corrupt)) {
		/* Past the Ethernet header, so a checksum (IP/TCP/UDP/ICMP)
		 * covers the flipped byte. */
		uint32_t first = im->dev.link == HK_LINK_ETHERNET ? 14 : 0;
		if (s->len > first) {
			uint32_t off = first + hk_rng_below(&d->rng, s->len - first);
			s->data[off] ^= (uint8_t)(1 + hk_rng_below(&d->rng, 255));
			d->st.corrupted++;
		}
	}
	hk_time_t release = t;
	if (sp->rate_bps) {
		release = bottleneck(im, d, s->len, t);
		if (release == HK_TIME_NEVER) {
			d->st.queue_drops++;
			slot_put(im, idx);
			return;
		}
	}
	release += sp->delay;
	if (sp->jitter)
		release += hk_rng_u64(&d->rng) % (sp->jitter + 1);
	if (chance(d, sp->reorder)) {
		release += IMPAIR_REORDER_HOLD + sp->delay;
		d->st.reordered++;
	} else {
		if (release < d->last_release)
			release = d->last_release;
		d->last_release = release;
	}
	schedule(im, d, idx, release);
	d->st.passed++;

	if (chance(d, sp->dup)) {
		int c = slot_get(im);
		if (c < 0) {
			d->st.pool_drops++;
			return;
		}
		memcpy(im->slots[c].data, s->data, s->len);
		im->slots[c].len = s->len;
		schedule(im, d, (uint32_t)c, release);
		d->st.duplicated++;
		d->st.passed++;
	}
}

/* Hands every held tx frame that is due to the inner device. */
static void flush_tx(struct impair *im, hk_time_t now)
{
	struct direction *d = &im->d[DIR_TX];
	while (d->heap_n && im->slots[d->heap[0]].release <= now) {
		uint32_t idx = heap_pop(im, d);
		struct slot *s = &im->slots[idx];
		int rc = im->inner->ops->tx(im->inner, s->data, s->len, s->release);
		if (rc < 0)
			d->st.inner_errors++;
		slot_put(im, idx);
	}
}

/* ---- device ops ---- */

static int impair_tx(struct hk_dev *dev, const uint8_t *frame, size_t len, hk_time_t now)
{
	struct impair *im = (struct impair *)dev;
	flush_tx(im, now);
	if (len > im->slot_size)
		return -EMSGSIZE;
	int idx = slot_get(im);
	if (idx < 0) {
		im->d[DIR_TX].st.frames++;
		im->d[DIR_TX].st.pool_drops++;
		return 0; /* dropped "on the wire": the stack must not notice */
	}
	memcpy(im->slots[idx].data, frame, len);
	im->slots[idx].len = (uint32_t)len;
	impair_frame(im, DIR_TX, (uint32_t)idx, now);
	flush_tx(im, now);
	return 0;
}

/* Moves what the inner device has into the rx schedule. Returns 0, or the
 * inner device's error (-EMSGSIZE: one frame was too long). */
static ssize_t drain_inner(struct impair *im, hk_time_t now)
{
	struct direction *d = &im->d[DIR_RX];
	for (int n = 0; n < IMPAIR_RX_DRAIN; n++) {
		int idx = slot_get(im);
		uint8_t *buf = idx >= 0 ? im->slots[idx].data : im->storage + (size_t)im->nslots * im->slot_size;
		ssize_t got = im->inner->ops->rx(im->inner, buf, im->slot_size, now);
		if (got <= 0) {
			if (idx >= 0)
				slot_put(im, (uint32_t)idx);
			return got == -EAGAIN ? 0 : got;
		}
		if (idx < 0) {
			d->st.frames++;
			d->st.pool_drops++;
			continue;
		}
		im->slots[idx].len = (uint32_t)got;
		impair_frame(im, DIR_RX, (uint32_t)idx, now);
	}
	return 0;
}

static ssize_t impair_rx(struct hk_dev *dev, uint8_t *buf, size_t cap, hk_time_t now)
{
	struct impair *im = (struct impair *)dev;
	struct direction *d = &im->d[DIR_RX];
	flush_tx(im, now);
	ssize_t err = drain_inner(im, now);
	if (err == -EMSGSIZE)
		return err;
	if (!d->heap_n || im->slots[d->heap[0]].release > now)
		return err;
	uint32_t idx = heap_pop(im, d);
	struct slot *s = &im->slots[idx];
	size_t n = s->len < cap ? s->len : cap;
	memcpy(buf, s->data, n);
	slot_put(im, idx);
	return n < s->len ? -EMSGSIZE : (ssize_t)n;
}

static int impair_fd(const struct hk_dev *dev)
{
	const struct impair *im = (const struct impair *)dev;
	return im->inner->ops->fd(im->inner);
}

static hk_time_t impair_next_deadline(const struct hk_dev *dev)
{
	const struct impair *im = (const struct impair *)dev;
	hk_time_t t = heap_top_time(im, &im->d[DIR_TX]);
	hk_time_t r = heap_top_time(im, &im->d[DIR_RX]);
	if (r < t)
		t = r;
	if (im->inner->ops->next_deadline) {
		hk_time_t i = im->inner->ops->next_deadline(im->inner);
		if (i < t)
			t = i;
	}
	return t;
}

static void impair_free(struct impair *im)
{
	for (int i = 0; i < 2; i++) {
		free(im->d[i].heap);
		free(im->d[i].fin);
	}
	free(im->slots);
	free(im->free_idx);
	free(im->storage);
	free(im);
}

static void impair_close(struct hk_dev *dev)
{
	struct impair *im = (struct impair *)dev;
	hk_dev_close(im->inner);
	impair_free(im);
}

static const struct hk_dev_ops impair_ops = {
	.kind = "impair",
	.tx = impair_tx,
	.rx = impair_rx,
	.fd = impair_fd,
	.next_deadline = impair_next_deadline,
	.close = impair_close,
};

struct hk_dev *hk_impair_wrap(struct hk_dev *inner, const struct hk_impair_spec *spec)
{
	struct impair *im = calloc(1, sizeof(*im));
	if (!im)
		return NULL;
	im->inner = inner;
	im->spec = *spec;
	if (!im->spec.queue_limit)
		im->spec.queue_limit = IMPAIR_DEFAULT_QUEUE;
	uint64_t n = 2ull * im->spec.queue_limit + 64;
	im->nslots = (uint32_t)(n > IMPAIR_MAX_SLOTS ? IMPAIR_MAX_SLOTS : n);
	uint32_t mtu = inner->mtu ? inner->mtu : 1500;
	im->slot_size = (size_t)mtu + IMPAIR_L2_OVERHEAD;
	im->slots = calloc(im->nslots, sizeof(*im->slots));
	im->free_idx = calloc(im->nslots, sizeof(*im->free_idx));
	im->storage = malloc(((size_t)im->nslots + 1) * im->slot_size);
	if (!im->slots || !im->free_idx || !im->storage)
		goto fail;
	for (uint32_t i = 0; i < im->nslots; i++) {
		im->slots[i].data = im->storage + (size_t)i * im->slot_size;
		im->free_idx[im->nslots - 1 - i] = i; /* hand out slot 0 first */
	}
	im->nfree = im->nslots;
	for (int i = 0; i < 2; i++) {
		struct direction *d = &im->d[i];
		/* Independent streams per direction: one direction's traffic
		 * does not change the other's draws. */
		hk_rng_seed(&d->rng, im->spec.seed * 2 + (uint64_t)i);
		d->heap = calloc(im->nslots, sizeof(*d->heap));
		d->fin = calloc(im->spec.queue_limit, sizeof(*d->fin));
		if (!d->heap || !d->fin)
			goto fail;
	}
	im->dev.ops = &impair_ops;
	memcpy(im->dev.name, inner->name, sizeof(im->dev.name));
	im->dev.link = inner->link;
	memcpy(im->dev.mac, inner->mac, 6);
	im->dev.mtu = inner->mtu;
	return &im->dev;
fail:
	impair_free(im);
	return NULL;
}

void hk_impair_get_stats(const struct hk_dev *dev, struct hk_impair_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!dev || dev->ops != &impair_ops)
		return;
	const struct impair *im = (const struct impair *)dev;
	out->tx = im->d[DIR_TX].st;
	out->rx = im->d[DIR_RX].st;
}

/* ---- "loss=0.02,delay=2ms,..." ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int parse_prob(const char *key, const char *v, double *out, char *err, size_t errlen)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v)
		return fail(err, errlen, -EINVAL, "impair: %s needs a number in [0,1], got '%s'", key, v);
	if (*end == '%') {
		x /= 100.0;
		end++;
	}
	if (*end)
		return fail(err, errlen, -EINVAL, "impair: %s needs a number in [0,1], got '%s'", key, v);
	if (!(x >= 0.0 && x <= 1.0))
		return fail(err, errlen, -ERANGE, "impair: %s must be in [0,1]", key);
	*out = x;
	return 0;
}

static int parse_time(const char *key, const char *v, hk_time_t *out, char *err, size_t errlen)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || !(x >= 0.0) || x > 1e15)
		return fail(err, errlen, -EINVAL, "impair: %s needs a time such as 2ms, 500us or 1s, got '%s'", key, v);
	double mul;
	if (!strcasecmp(end, "us"))
		mul = 1;
	else if (!strcasecmp(end, "ms"))
		mul = 1e3;
	else if (!strcasecmp(end, "s"))
		mul = 1e6;
	else if (!*end && x == 0.0)
		mul = 0;
	else
		return fail(err, errlen, -EINVAL, "impair: %s needs a unit: us, ms or s (e.g. 2ms), got '%s'", key, v);
	x *= mul;
	if (x > 3600e6)
		return fail(err, errlen, -ERANGE, "impair: %s must be at most 1 hour, got '%s'", key, v);
	*out = (hk_time_t)(x + 0.5);
	return 0;
}

static int parse_rate(const char *v, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || !(x >= 0.0) || x > 1e15)
		return fail(err, errlen, -EINVAL, "impair: rate needs bits/s such as 100mbit, 10kbit or 1gbit, got '%s'", v);
	double mul;
	if (!*end || !strcasecmp(end, "bit"))
		mul = 1;
	else if (!strcasecmp(end, "kbit"))
		mul = 1e3;
	else if (!strcasecmp(end, "mbit"))
		mul = 1e6;
	else if (!strcasecmp(end, "gbit"))
		mul = 1e9;
	else
		return fail(err, errlen, -EINVAL, "impair: rate unit must be bit, kbit, mbit or gbit (e.g. 100mbit), got '%s'", v);
	x *= mul;
	if (x > 1e12)
		return fail(err, errlen, -ERANGE, "impair: rate must be at most 1000gbit, got '%s'", v);
	if (x > 0 && x < 1)
		return fail(err, errlen, -ERANGE, "impair: rate must be at least 1 bit/s, got '%s'", v);
	*out = (uint64_t)(x + 0.5);
	return 0;
}

static int parse_uint(const char *key, const char *v, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char *end;
	if (*v < '0' || *v > '9')
		return fail(err, errlen, -EINVAL, "impair: %s needs a non-negative integer, got '%s'", key, v);
	errno = 0;
	unsigned long long x = strtoull(v, &end, 0);
	if (*end || errno)
		return fail(err, errlen, -EINVAL, "impair: %s needs a non-negative integer, got '%s'", key, v);
	if (x > max)
		return fail(err, errlen, -ERANGE, "impair: %s is too large: '%s'", key, v);
	*out = x;
	return 0;
}

static int parse_item(char *item, struct hk_impair_spec *sp, char *err, size_t errlen)
{
	char *eq = strchr(item, '=');
	if (!eq) {
		return fail(err, errlen, -EINVAL, "impair: '%s' needs a value (e.g. %s=0.01)", item,
			    item);
	}
	*eq = '\0';
	const char *key = item, *v = eq + 1;
	if (!*v)
		return fail(err, errlen, -EINVAL, "impair: %s has an empty value", key);
	if (!strcmp(key, "loss"))
		return parse_prob(key, v, &sp->loss, err, errlen);
	if (!strcmp(key, "dup"))
		return parse_prob(key, v, &sp->dup, err, errlen);
	if (!strcmp(key, "reorder"))
		return parse_prob(key, v, &sp->reorder, err, errlen);
	if (!strcmp(key, "corrupt"))
		return parse_prob(key, v, &sp->corrupt, err, errlen);
	if (!strcmp(key, "delay"))
		return parse_time(key, v, &sp->delay, err, errlen);
	if (!strcmp(key, "jitter"))
		return parse_time(key, v, &sp->jitter, err, errlen);
	if (!strcmp(key, "rate"))
		return parse_rate(v, &sp->rate_bps, err, errlen);
	uint64_t x;
	if (!strcmp(key, "queue")) {
		int rc = parse_uint(key, v, 100000, &x, err, errlen);
		if (rc == 0 && x == 0)
			return fail(err, errlen, -ERANGE, "impair: queue must be at least 1 frame");
		if (rc == 0)
			sp->queue_limit = (uint32_t)x;
		return rc;
	}
	if (!strcmp(key, "seed"))
		return parse_uint(key, v, UINT64_MAX, &sp->seed, err, errlen);
	return fail(err, errlen, -EINVAL,
		    "impair: unknown key '%s' (known: loss, dup, reorder, corrupt, delay, jitter, rate, queue, seed)",
		    key);
}

int hk_impair_parse(const char *text, struct hk_impair_spec *out, char *err, size_t errlen)
{
	struct hk_impair_spec sp;
	memset(&sp, 0, sizeof(sp));
	if (err && errlen)
		err[0] = '\0';
	if (!text)
		text = "";
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (!copy)
		return fail(err, errlen, -ENOMEM, "impair: out of memory");
	memcpy(copy, text, n + 1);
	int rc = 0;
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		rc = parse_item(item, &sp, err, errlen);
		if (rc < 0)
			break;
	}
	free(copy);
	if (rc == 0)
		*out = sp;
	return rc;
}

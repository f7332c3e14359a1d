/* hokuto dth — finding death-flag lines in a payload: one Aho-Corasick pass
 * over the folded characters; gap phrases ("A*B") advance part by part and
 * start over on every line (RFC 9401 3.2, "when to send"). */
#include "dth/dth_phrases.h"
#include "dth/dth_fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- building ---------------------------------------------------------- */

struct trie_node {
	uint32_t ch, child, sibling; /* child/sibling 0 = none (root is never one) */
};

struct out_tmp {
	uint32_t node;
	struct dth_ac_out o;
};

struct build {
	struct trie_node *t;
	size_t nt, capt;
	struct out_tmp *o;
	size_t no, capo;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	void *q = realloc(*p, ncap * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = ncap;
	return 0;
}

/* Node of the trie reached by ch[0, len), created as needed. */
static int trie_insert(struct build *b, const uint32_t *ch, size_t len, uint32_t *node)
{
	uint32_t u = 0;
	for (size_t i = 0; i < len; i++) {
		uint32_t v = b->t[u].child;
		while (v && b->t[v].ch != ch[i])
			v = b->t[v].sibling;
		if (!v) {
			if (grow((void **)&b->t, &b->capt, b->nt + 1, sizeof(*b->t)))
				return -ENOMEM;
			v = (uint32_t)b->nt++;
			b->t[v] = (struct trie_node){ch[i], 0, b->t[u].child};
			b->t[u].child = v;
		}
		u = v;
	}
	*node = u;
	return 0;
}

static uint32_t edge_hash(uint32_t from, uint32_t ch)
{
	uint32_t h = from * 0x9e3779b1u ^ ch * 0x85ebca77u;
	return h ^ (h >> 15);
}

/* Child of node u on ch, or 0. */
static uint32_t go(const struct hk_dth_matcher *m, uint32_t u, uint32_t ch)
{
	for (uint32_t i = edge_hash(u, ch);; i++) {
		const struct dth_ac_edge *e = &m->edge[i & m->edge_mask];
		if (e->to == 0)
			return 0;
		if (e->from == u && e->ch == ch)
			return e->to;
	}
}

/* Turns the trie and outputs into the automaton of m. */
static int finish(struct hk_dth_matcher *m, struct build *b)
{
	size_t nn = b->nt, size = 16;
	while (size < 2 * nn)
		size *= 2; /* load factor <= 1/2 */
	struct dth_ac_node *node = calloc(nn, sizeof(*node));
	struct dth_ac_edge *edge = calloc(size, sizeof(*edge));
	struct dth_ac_out *out = malloc((b->no ? b->no : 1) * sizeof(*out));
	uint32_t *queue = malloc(nn * sizeof(*queue));
	if (!node || !edge || !out || !queue) {
		free(node);
		free(edge);
		free(out);
		free(queue);
		return -ENOMEM;
	}
	/* Outputs grouped by node (counting sort keeps list order). */
	for (size_t i = 0; i < b->no; i++)
		node[b->o[i].node].out_count++;
	uint32_t at = 0;
	for (size_t u = 0; u < nn; u++) {
		node[u].out_first = at;
		at += node[u].out_count;
		node[u].out_count = 0;
	}
	for (size_t i = 0; i < b->no; i++) {
		struct dth_ac_node *d = &node[b->o[i].node];
		out[d->out_first + d->out_count++] = b->o[i].o;
	}
	/* Edges into the hash table. */
	for (uint32_t u = 0; u < nn; u++) {
		for (uint32_t v = b->t[u].child; v; v = b->t[v].sibling) {
			uint32_t i = edge_hash(u, b->t[v].ch);
			while (edge[i & (size - 1)].to)
				i++;
			edge[i & (size - 1)] = (struct dth_ac_edge){u, b->t[v].ch, v};
		}
	}
	dth_ac_free(m);
	m->node = node;
	m->nnode = nn;
	m->edge = edge;
	m->edge_mask = (uint32_t)(size - 1);
	m->out = out;
	/* Failure and dictionary links, breadth first. */
	size_t qh = 0, qt = 0;
	queue[qt++] = 0;
	while (qh < qt) {
		uint32_t u = queue[qh++];
		for (uint32_t v = b->t[u].child; v; v = b->t[v].sibling) {
			uint32_t f = 0;
			if (u != 0) {
				for (uint32_t g = node[u].fail;; g = node[g].fail) {
					f = go(m, g, b->t[v].ch);
					if (f || g == 0)
						break;
				}
			}
			node[v].fail = f;
			node[v].dict = node[f].out_count ? f : node[f].dict;
			queue[qt++] = v;
		}
	}
	free(queue);
	return 0;
}

int dth_ac_build(struct hk_dth_matcher *m)
{
	struct build b = {0};
	struct dth_parsed *p = malloc(sizeof(*p));
	int rc = -ENOMEM;
	if (!p || grow((void **)&b.t, &b.capt, 1, sizeof(*b.t)))
		goto out;
	b.t[b.nt++] = (struct trie_node){0, 0, 0};
	for (size_t i = 0; i < m->n; i++) {
		const char *why;
		rc = dth_parse_phrase(m->ph[i].text, p, &why);
		if (rc)
			goto out; /* cannot happen: checked when added */
		for (uint8_t j = 0; j < p->nparts; j++) {
			uint32_t u;
			rc = -ENOMEM;
			if (trie_insert(&b, p->ch[j], p->len[j], &u) ||
			    grow((void **)&b.o, &b.capo, b.no + 1, sizeof(*b.o)))
				goto out;
			b.o[b.no++] = (struct out_tmp){u, {(uint16_t)i, j, p->len[j]}};
		}
	}
	rc = finish(m, &b);
out:
	free(b.t);
	free(b.o);
	free(p);
	return rc;
}

void dth_ac_free(struct hk_dth_matcher *m)
{
	free(m->node);
	free(m->edge);
	free(m->out);
	m->node = NULL;
	m->edge = NULL;
	m->out = NULL;
	m->nnode = 0;
	m->edge_mask = 0;
}

/* ---- matching ---------------------------------------------------------- */

/* Progress of one gap phrase on the current line. */
struct gap_state {
	size_t line;      /* line this progress belongs to; other lines = none */
	size_t prev_end;  /* folded index of the last character of part next-1 */
	size_t start_off; /* byte offset where part 0 matched */
	uint8_t next;     /* parts matched so far */
};

#define RING HK_DTH_MAX_PART_CHARS /* a power of two, >= the longest part */

bool hk_dth_matchv(const struct hk_dth_matcher *m, const struct hk_dth_span *v, size_t n,
		   struct hk_dth_hit *hit)
{
	if (!m || !m->node || (n && !v))
		return false;
	struct gap_state gap[HK_DTH_MAX_GAP_PHRASES];
	memset(gap, 0, m->ngap * sizeof(gap[0]));
	size_t ring[RING]; /* byte offsets of the last RING folded characters */
	struct dth_fold f;
	dth_fold_init(&f, v, n);
	uint32_t ch, s = 0;
	size_t a, b, line = 1;
	for (size_t k = 0; dth_fold_next(&f, &ch, &a, &b); k++) {
		ring[k % RING] = a;
		if (ch == DTH_CH_EOL) {
			line++;
			s = 0;
			continue;
		}
		for (;;) {
			uint32_t t = go(m, s, ch);
			if (t || s == 0) {
				s = t;
				break;
			}
			s = m->node[s].fail;
		}
		uint32_t o = m->node[s].out_count ? s : m->node[s].dict;
		for (; o; o = m->node[o].dict) {
			const struct dth_ac_out *op = m->out + m->node[o].out_first;
			for (uint32_t i = 0; i < m->node[o].out_count; i++, op++) {
				const struct dth_phrase *ph = &m->ph[op->phrase];
				size_t first = k + 1 - op->len; /* folded index of the part's start */
				size_t start = ring[first % RING];
				if (ph->gap >= 0) {
					/* "A*B": parts in order, each after the last, on one line.
					 * Taking each part at its earliest end is never worse. */
					struct gap_state *g = &gap[ph->gap];
					if (g->line != line) {
						g->line = line;
						g->next = 0;
					}
					if (op->part != g->next || (g->next && first <= g->prev_end))
						continue;
					if (g->next == 0)
						g->start_off = start;
					g->prev_end = k;
					if (++g->next < ph->nparts)
						continue;
					start = g->start_off;
				}
				if (hit) {
					hit->off = start;
					hit->end = b;
					hit->phrase = op->phrase;
				}
				return true;
			}
		}
	}
	return false;
}

bool hk_dth_match(const struct hk_dth_matcher *m, const void *payload, size_t len, size_t *match_off)
{
	struct hk_dth_span sp = {payload, payload ? len : 0};
	struct hk_dth_hit hit;
	if (!hk_dth_matchv(m, &sp, 1, &hit))
		return false;
	if (match_off)
		*match_off = hit.off;
	return true;
}

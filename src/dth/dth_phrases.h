/* hokuto dth — the phrase matcher's insides, shared by dth_phrases.c (the
 * list, adding and loading phrases) and dth_match.c (the automaton). */
#ifndef HOKUTO_DTH_PHRASES_H
#define HOKUTO_DTH_PHRASES_H

#include "hokuto/dth.h"

struct dth_phrase {
	char *text;     /* as added, for hk_dth_matcher_phrase() */
	uint8_t nparts; /* literal parts, 1 when there is no '*' gap */
	int16_t gap;    /* slot of its per-line progress, -1 when nparts == 1 */
};

/* A phrase split at its gaps, each part folded. */
struct dth_parsed {
	uint8_t nparts;
	uint8_t len[HK_DTH_MAX_PARTS];
	uint32_t ch[HK_DTH_MAX_PARTS][HK_DTH_MAX_PART_CHARS];
};

/* Aho-Corasick automaton over folded characters. Node 0 is the root. */
struct dth_ac_node {
	uint32_t fail;                 /* longest proper suffix in the trie */
	uint32_t dict;                 /* nearest suffix with outputs, 0 = none */
	uint32_t out_first, out_count; /* parts ending here */
};

/* The trie's edges, in one open-addressing hash table keyed by (node,
 * character): one probe or two per step, whatever the fan-out. */
struct dth_ac_edge {
	uint32_t from, ch, to; /* to == 0: empty slot */
};

struct dth_ac_out {
	uint16_t phrase;
	uint8_t part;
	uint8_t len; /* folded characters, <= HK_DTH_MAX_PART_CHARS */
};

struct hk_dth_matcher {
	struct dth_phrase ph[HK_DTH_MAX_PHRASES];
	size_t n;    /* phrases */
	size_t ngap; /* phrases with gaps */
	struct dth_ac_node *node;
	size_t nnode;
	struct dth_ac_edge *edge;
	uint32_t edge_mask; /* table size - 1, a power of two minus one */
	struct dth_ac_out *out;
};

/* Splits and folds a phrase; 0, or a negative errno with *why set. */
int dth_parse_phrase(const char *text, struct dth_parsed *p, const char **why);
/* (Re)builds the automaton from m->ph[0, m->n); 0 or -ENOMEM (the old
 * automaton is kept then). */
int dth_ac_build(struct hk_dth_matcher *m);
void dth_ac_free(struct hk_dth_matcher *m);

#endif

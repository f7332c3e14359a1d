/* hokuto — RFC 9401 Death (DTH) flag: recognising death-flag lines.
 *
 * RFC 9401 3.2: a peer SHOULD send a DTH segment when the connection will
 * likely be terminated soon; the seeds read that as "when the payload says a
 * line that, in a story, dooms whoever says it" (「この戦争が終わったら、故郷に
 * 帰って結婚するんだ」). A matcher holds such lines and finds them in a payload.
 *
 * Phrases. A phrase is UTF-8 text matched as a substring after folding
 * (below). A phrase may contain gaps: an unescaped '*' means "anything, on the
 * same line", so "この戦争が終わったら*結婚するんだ" matches
 * 「この戦争が終わったらこいつと結婚するんだ」 but not the two halves on two
 * lines. "\*" is a literal '*', "\\" a literal backslash, "\#" a literal '#'.
 * Whitespace around a '*' is ignored. Phrases never span a line break.
 *
 * Folding (applied to phrases and payloads alike, NFKC-like where it matters):
 *  - ASCII case: 'A'-'Z' -> 'a'-'z'.
 *  - full-width ASCII U+FF01-U+FF5E -> ASCII; half-width katakana and
 *    punctuation U+FF61-U+FF9F -> full-width, with ﾞ/ﾟ (and ゛/゜ and the
 *    combining U+3099/U+309A) composed onto the kana before them (ｶﾞ -> ガ).
 *  - white space (tab, U+00A0, U+2000-U+200A, ideographic space U+3000...)
 *    -> one ' '; runs collapse. CR, LF, U+0085, U+2028/9 end a line.
 *  - quotes ‘ ’ ′ ʼ -> ', “ ” -> "; 、 -> ','; 。 -> '.'.
 *  - ellipsis: … ‥ ⋯, and any run of two or more of . 。 ・ ･ -> one "…".
 *  - long vowel: ー ｰ 〜 ～ ~ — ― ─ 〰 -> one "ー"; runs collapse.
 * Invalid UTF-8 is read as U+FFFD one byte at a time: never a crash, never a
 * read past the payload. Matching is one pass (Aho-Corasick over the folded
 * characters): time linear in the payload plus the number of partial hits.
 *
 * A matcher is built once (not on the data path) and is read-only while
 * matching, so one matcher can serve every connection of a stack. */
#ifndef HOKUTO_DTH_H
#define HOKUTO_DTH_H

#include "hokuto/types.h"

#define HK_DTH_MAX_PHRASES 256      /* phrases in one matcher */
#define HK_DTH_MAX_GAP_PHRASES 64   /* of which may contain a '*' gap */
#define HK_DTH_MAX_PARTS 8          /* literal parts of one phrase */
#define HK_DTH_MAX_PART_CHARS 128   /* folded characters in one part */
#define HK_DTH_MAX_LINE 4096        /* bytes in one line of a phrase file */

struct hk_dth_matcher;

/* A matcher holding the built-in list (Japanese and English); NULL when out
 * of memory. */
struct hk_dth_matcher *hk_dth_matcher_new(void);
/* A matcher with no phrase at all (for a phrase file that replaces the list). */
struct hk_dth_matcher *hk_dth_matcher_new_empty(void);
void hk_dth_matcher_free(struct hk_dth_matcher *m);

/* Adds one phrase. 0 on success (also when the same text is already there);
 * -EINVAL empty, a line break inside, or a part too long; -EILSEQ not valid
 * UTF-8; -ENOSPC too many phrases, gap phrases or parts; -ENOMEM. */
int hk_dth_matcher_add(struct hk_dth_matcher *m, const char *utf8);

/* Adds the phrases of a file: UTF-8, one phrase per line, blank lines and
 * lines whose first non-blank character is '#' ignored, surrounding blanks and
 * a leading BOM removed. All or nothing: on an error no phrase of the file is
 * kept, a message "path:line: reason" (or "path: strerror") is written to err
 * (when errlen > 0) and a negative errno is returned. */
int hk_dth_matcher_load(struct hk_dth_matcher *m, const char *path, char *err, size_t errlen);

size_t hk_dth_matcher_count(const struct hk_dth_matcher *m);
/* The text of phrase i as it was added, or NULL when i is out of range. */
const char *hk_dth_matcher_phrase(const struct hk_dth_matcher *m, size_t i);

/* The built-in list. */
size_t hk_dth_builtin_count(void);
const char *hk_dth_builtin(size_t i);

/* One piece of a payload; a send buffer kept as a ring is two pieces. */
struct hk_dth_span {
	const void *data;
	size_t len;
};

struct hk_dth_hit {
	size_t off;    /* byte offset where the matched line starts */
	size_t end;    /* byte offset just past its last character */
	size_t phrase; /* index for hk_dth_matcher_phrase() */
};

/* Is there a death-flag line in payload[0, len)? On true, *match_off (when
 * not NULL) is the byte offset where the first completed match starts. Use it
 * per segment payload or over a whole send() buffer. */
bool hk_dth_match(const struct hk_dth_matcher *m, const void *payload, size_t len, size_t *match_off);
/* The same over the concatenation of n spans (a match may straddle them);
 * offsets in hit count from the start of the first span. */
bool hk_dth_matchv(const struct hk_dth_matcher *m, const struct hk_dth_span *v, size_t n,
		   struct hk_dth_hit *hit);

/* Writes the folded form of in[0, len) as NUL-terminated UTF-8 into out
 * (truncated to outlen - 1 bytes) and returns the full folded length, like
 * snprintf. For diagnostics and tests. */
size_t hk_dth_fold(const void *in, size_t len, char *out, size_t outlen);

#endif

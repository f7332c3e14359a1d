/* hokuto dth — folding a UTF-8 byte stream into comparable characters
 * (the rules are listed in include/hokuto/dth.h). Internal. */
#ifndef HOKUTO_DTH_FOLD_H
#define HOKUTO_DTH_FOLD_H

#include "hokuto/dth.h"

/* Folded characters with a meaning of their own. */
#define DTH_CH_EOL 0x0au       /* end of a line */
#define DTH_CH_ELLIPSIS 0x2026u
#define DTH_CH_LONG 0x30fcu    /* ー */
#define DTH_CH_BAD 0xfffdu     /* an undecodable byte */

/* Byte source over one or more spans. */
struct dth_src {
	const struct hk_dth_span *v;
	size_t n;
	size_t total;
	size_t si;    /* span holding the last byte read */
	size_t base;  /* logical offset of span si */
};

struct dth_fold {
	struct dth_src src;
	size_t pos;     /* next raw byte */
	uint32_t last;  /* last folded character handed out */
};

void dth_fold_init(struct dth_fold *f, const struct hk_dth_span *v, size_t n);
/* Next folded character and the raw bytes [*start, *end) it came from;
 * false at the end of the input. */
bool dth_fold_next(struct dth_fold *f, uint32_t *ch, size_t *start, size_t *end);

/* Strict check: is s[0, len) well-formed UTF-8? */
bool dth_utf8_valid(const uint8_t *s, size_t len);
/* Encodes ch into out (4 bytes room); returns the byte count. */
size_t dth_utf8_put(uint32_t ch, uint8_t *out);

#endif

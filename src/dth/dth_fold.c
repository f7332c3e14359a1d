/* hokuto dth — UTF-8 decoding and NFKC-like folding of payload text, so
 * that 「ｺｺﾊ俺ﾆ任ｾﾃ…」, "I'LL BE RIGHT BACK" and "ｉ’ｌｌ ｂｅ ｒｉｇｈｔ ｂａｃｋ"
 * compare equal to the phrases of the list. Rules: include/hokuto/dth.h. */
#include "dth/dth_fold.h"

/* U+FF61..U+FF9F (half-width katakana and punctuation) -> full width
 * (Unicode's <narrow> decompositions, as NFKC gives them). */
static const uint16_t halfwidth_kana[0xff9f - 0xff61 + 1] = {
	0x3002, 0x300c, 0x300d, 0x3001, 0x30fb, 0x30f2, 0x30a1, 0x30a3,
	0x30a5, 0x30a7, 0x30a9, 0x30e3, 0x30e5, 0x30e7, 0x30c3, 0x30fc,
	0x30a2, 0x30a4, 0x30a6, 0x30a8, 0x30aa, 0x30ab, 0x30ad, 0x30af,
	0x30b1, 0x30b3, 0x30b5, 0x30b7, 0x30b9, 0x30bb, 0x30bd, 0x30bf,
	0x30c1, 0x30c4, 0x30c6, 0x30c8, 0x30ca, 0x30cb, 0x30cc, 0x30cd,
	0x30ce, 0x30cf, 0x30d2, 0x30d5, 0x30d8, 0x30db, 0x30de, 0x30df,
	0x30e0, 0x30e1, 0x30e2, 0x30e4, 0x30e6, 0x30e8, 0x30e9, 0x30ea,
	0x30eb, 0x30ec, 0x30ed, 0x30ef, 0x30f3, 0x3099, 0x309a,
};

#define VOICED 0x3099u      /* combining dakuten */
#define SEMI_VOICED 0x309au /* combining handakuten */

void dth_fold_init(struct dth_fold *f, const struct hk_dth_span *v, size_t n)
{
	f->src.v = v;
	f->src.n = n;
	f->src.total = 0;
	for (size_t i = 0; i < n; i++)
		f->src.total += v[i].len;
	f->src.si = 0;
	f->src.base = 0;
	f->pos = 0;
	f->last = DTH_CH_EOL;
}

/* Byte at logical offset off, or -1 past the end. Reads are nearly
 * sequential, so the current span is cached. */
static inline int src_byte(struct dth_src *s, size_t off)
{
	if (off >= s->total)
		return -1;
	if (off >= s->base && off - s->base < s->v[s->si].len) /* the usual case */
		return ((const uint8_t *)s->v[s->si].data)[off - s->base];
	while (off < s->base) {
		s->si--;
		s->base -= s->v[s->si].len;
	}
	while (off - s->base >= s->v[s->si].len) {
		s->base += s->v[s->si].len;
		s->si++;
	}
	return ((const uint8_t *)s->v[s->si].data)[off - s->base];
}

static bool is_cont(int b)
{
	return b >= 0x80 && b <= 0xbf;
}

/* One code point at off (RFC 3629 well-formed sequences only); anything else
 * is U+FFFD for one byte. *n gets the bytes used. */
static uint32_t decode(struct dth_src *s, size_t off, size_t *n)
{
	int b0 = src_byte(s, off);
	*n = 1;
	if (b0 < 0x80)
		return (uint32_t)b0;
	/* Fast path: the longest sequence fits in the current span. */
	const struct hk_dth_span *sp = &s->v[s->si];
	size_t in = off - s->base;
	if (sp->len - in >= 4) {
		const uint8_t *p = (const uint8_t *)sp->data + in;
		if (b0 >= 0xe1 && b0 <= 0xef && b0 != 0xed && is_cont(p[1]) && is_cont(p[2])) {
			*n = 3; /* U+1000-U+FFFF but surrogates (0xed): no overlong form */
			return ((uint32_t)(b0 & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
			       (uint32_t)(p[2] & 0x3f);
		}
	}
	size_t need;
	uint32_t cp;
	int lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		need = 1;
		cp = (uint32_t)b0 & 0x1f;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		need = 2;
		cp = (uint32_t)b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0; /* overlong */
		if (b0 == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		need = 3;
		cp = (uint32_t)b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90; /* overlong */
		if (b0 == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else {
		return DTH_CH_BAD;
	}
	for (size_t i = 1; i <= need; i++) {
		int b = src_byte(s, off + i);
		if (!is_cont(b) || (i == 1 && (b < lo || b > hi)))
			return DTH_CH_BAD;
		cp = (cp << 6) | ((uint32_t)b & 0x3f);
	}
	*n = need + 1;
	return cp;
}

/* Width, case, space, quote and punctuation folding of one code point. */
static inline uint32_t fold_char(uint32_t c)
{
	if (c >= 0xff01 && c <= 0xff5e)
		c -= 0xfee0; /* full-width ASCII */
	else if (c >= 0xff61 && c <= 0xff9f)
		c = halfwidth_kana[c - 0xff61];
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return c + ('a' - 'A');
		if (c == '\t' || c == '\v' || c == '\f')
			return ' ';
		if (c == '\r' || c == '\n')
			return DTH_CH_EOL;
		if (c == '~')
			return DTH_CH_LONG;
		return c;
	}
	if (c >= 0x2000 && c <= 0x200a)
		return ' ';
	switch (c) {
	case 0x00a0: case 0x202f: case 0x205f: case 0x3000:
		return ' ';
	case 0x0085: case 0x2028: case 0x2029:
		return DTH_CH_EOL;
	case 0x2018: case 0x2019: case 0x201b: case 0x2032: case 0x02bc:
		return '\'';
	case 0x201c: case 0x201d: case 0x201f: case 0x2033:
		return '"';
	case 0x2010: case 0x2011: case 0x2212:
		return '-';
	case 0x3001:
		return ',';
	case 0x3002:
		return '.';
	case 0x2014: case 0x2015: case 0x2500: case 0x2501: case 0x301c: case 0x3030:
		return DTH_CH_LONG;
	case 0x309b:
		return VOICED;
	case 0x309c:
		return SEMI_VOICED;
	default:
		return c;
	}
}

/* Characters that make up an ellipsis (after fold_char). */
static bool is_dots(uint32_t c)
{
	return c == '.' || c == 0x2026 || c == 0x2025 || c == 0x22ef || c == 0x30fb;
}

/* The kana c with a voiced (semi = false) or semi-voiced mark, or 0. */
static uint32_t compose(uint32_t c, bool semi)
{
	if (!semi) {
		switch (c) {
		case 0x3046: return 0x3094; /* う -> ゔ */
		case 0x30a6: return 0x30f4; /* ウ -> ヴ */
		case 0x309d: return 0x309e; /* ゝ -> ゞ */
		case 0x30fd: return 0x30fe; /* ヽ -> ヾ */
		case 0x30ef: case 0x30f0: case 0x30f1: case 0x30f2:
			return c + 8;       /* ワヰヱヲ -> ヷヸヹヺ */
		default:
			break;
		}
	}
	uint32_t h = (c >= 0x30a1 && c <= 0x30f6) ? c - 0x60 : c; /* as hiragana */
	if (!semi && ((h >= 0x304b && h <= 0x3061 && (h & 1)) ||
		      (h >= 0x3064 && h <= 0x3068 && !(h & 1))))
		return c + 1; /* か..ぢ, つ..ど */
	if (h == 0x306f || h == 0x3072 || h == 0x3075 || h == 0x3078 || h == 0x307b)
		return c + (semi ? 2 : 1); /* は行 */
	return 0;
}

/* Is the character at off a voicing mark? They are U+3099-309C (e3 82 99..9c)
 * and U+FF9E-FF9F (ef be 9e..9f): a byte test, cheaper than decoding. */
static bool mark_may_follow(struct dth_src *s, size_t off)
{
	int b0 = src_byte(s, off), b1 = src_byte(s, off + 1), b2 = src_byte(s, off + 2);
	return (b0 == 0xe3 && b1 == 0x82 && b2 >= 0x99 && b2 <= 0x9c) ||
	       (b0 == 0xef && b1 == 0xbe && b2 >= 0x9e && b2 <= 0x9f);
}

static bool collapses(uint32_t c)
{
	return c == ' ' || c == DTH_CH_LONG || c == DTH_CH_ELLIPSIS;
}

bool dth_fold_next(struct dth_fold *f, uint32_t *ch, size_t *start, size_t *end)
{
	struct dth_src *s = &f->src;
	for (;;) {
		if (f->pos >= s->total)
			return false;
		size_t n, first = f->pos;
		int b = src_byte(s, f->pos);
		uint32_t c;
		if (b > ' ' && b < 0x7f && b != '.' && b != '~') {
			/* fast path: printable ASCII that needs no look-around */
			c = (uint32_t)b + (b >= 'A' && b <= 'Z' ? 'a' - 'A' : 0);
			f->pos++;
			goto emit;
		}
		c = fold_char(decode(s, f->pos, &n));
		f->pos += n;
		if (is_dots(c)) {
			/* A run of two or more dots, or any … ‥ ⋯, is one ellipsis. */
			size_t count = 1;
			bool ell = c != '.' && c != 0x30fb;
			while (f->pos < s->total) {
				uint32_t d = fold_char(decode(s, f->pos, &n));
				if (!is_dots(d))
					break;
				count++;
				f->pos += n;
			}
			if (ell || count >= 2)
				c = DTH_CH_ELLIPSIS;
		} else if (c >= 0x3046 && c <= 0x30fd && mark_may_follow(s, f->pos)) {
			uint32_t m = fold_char(decode(s, f->pos, &n));
			if (m == VOICED || m == SEMI_VOICED) {
				uint32_t k = compose(c, m == SEMI_VOICED);
				if (k) {
					c = k;
					f->pos += n;
				}
			}
		}
		if (collapses(c) && c == f->last)
			continue;
emit:
		f->last = c;
		*ch = c;
		*start = first;
		*end = f->pos;
		return true;
	}
}

bool dth_utf8_valid(const uint8_t *str, size_t len)
{
	struct hk_dth_span sp = {str, len};
	struct dth_src s = {&sp, 1, len, 0, 0};
	for (size_t off = 0, n; off < len; off += n) {
		uint32_t c = decode(&s, off, &n);
		if (c == DTH_CH_BAD && n == 1) /* a real U+FFFD takes 3 bytes */
			return false;
	}
	return true;
}

size_t dth_utf8_put(uint32_t c, uint8_t *o)
{
	if (c < 0x80) {
		o[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (uint8_t)(0xc0 | (c >> 6));
		o[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (c >> 12));
		o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (c >> 18));
	o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

size_t hk_dth_fold(const void *in, size_t len, char *out, size_t outlen)
{
	struct hk_dth_span sp = {in, len};
	struct dth_fold f;
	dth_fold_init(&f, &sp, 1);
	size_t total = 0, a, b;
	uint32_t c;
	uint8_t tmp[4];
	while (dth_fold_next(&f, &c, &a, &b)) {
		size_t k = dth_utf8_put(c, tmp);
		for (size_t i = 0; i < k; i++, total++)
			if (outlen && total < outlen - 1)
				out[total] = (char)tmp[i];
	}
	if (outlen)
		out[total < outlen - 1 ? total : outlen - 1] = '\0';
	return total;
}

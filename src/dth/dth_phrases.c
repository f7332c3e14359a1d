/* hokuto dth — the list of death-flag lines (RFC 9401 3.2 "when to send":
 * the connection will likely be terminated soon, and in a story nothing says
 * so like these lines), adding phrases, and loading them from a file. */
#include "dth/dth_phrases.h"
#include "dth/dth_fold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each entry is a line that, said aloud in a story, marks the speaker for
 * death. '*' is a gap on the same line (see include/hokuto/dth.h). */
static const char *const builtin[] = {
	/* The seeds: the client's POST body 「この戦争が終わったらこいつと結婚
	 * するんだ」 and RFC 9401's own 「…故郷に帰って結婚するんだ」. */
	"この戦争が終わったら*結婚するんだ",
	"この戦いが終わったら*結婚するんだ",
	"俺、この戦いが終わったら…",
	/* The seed server's response body (Madoka Magica). */
	"もう何も怖くない",
	"ここは俺に任せて先に行け",
	"すぐに戻る",
	"先に行ってくれ*すぐに追いつく",
	"帰ったら*プロポーズするんだ",
	"こんな所にいられるか*部屋に戻る",
	"ちょっと様子を見てくる",
	"やったか!?",
	"俺には帰りを待っている*がいるんだ",
	/* English */
	"I'll be right back",
	"after this war I'm getting married",
	"when this war is over",
	"what could possibly go wrong",
	"I'm not afraid of anything anymore",
	"just one more job",
	"one last job",
	"we'll meet again",
	"from retirement",
	"let's split up",
	"go on without me",
	"it's quiet*too quiet",
};

#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

size_t hk_dth_builtin_count(void)
{
	return N_BUILTIN;
}

const char *hk_dth_builtin(size_t i)
{
	return i < N_BUILTIN ? builtin[i] : NULL;
}

/* ---- parsing a phrase -------------------------------------------------- */

/* Folds raw[0, len) into part j of p; blanks at both ends dropped. */
static int fold_part(const char *raw, size_t len, struct dth_parsed *p, const char **why)
{
	struct hk_dth_span sp = {raw, len};
	struct dth_fold f;
	dth_fold_init(&f, &sp, 1);
	uint32_t c;
	size_t a, b, n = 0;
	uint32_t out[HK_DTH_MAX_PART_CHARS];
	while (dth_fold_next(&f, &c, &a, &b)) {
		if (c == DTH_CH_EOL) {
			*why = "a phrase cannot contain a line break";
			return -EINVAL;
		}
		if (c == ' ' && n == 0)
			continue;
		if (n == HK_DTH_MAX_PART_CHARS) {
			*why = "phrase too long (at most 128 characters between gaps)";
			return -EINVAL;
		}
		out[n++] = c;
	}
	while (n && out[n - 1] == ' ')
		n--;
	if (n == 0)
		return 0; /* empty part: "A**B" is "A*B" */
	if (p->nparts == HK_DTH_MAX_PARTS) {
		*why = "too many '*' gaps (at most 7)";
		return -ENOSPC;
	}
	memcpy(p->ch[p->nparts], out, n * sizeof(out[0]));
	p->len[p->nparts++] = (uint8_t)n;
	return 0;
}

int dth_parse_phrase(const char *text, struct dth_parsed *p, const char **why)
{
	size_t len = strlen(text);
	if (!dth_utf8_valid((const uint8_t *)text, len)) {
		*why = "not valid UTF-8";
		return -EILSEQ;
	}
	char *raw = malloc(len + 1);
	if (!raw) {
		*why = "out of memory";
		return -ENOMEM;
	}
	p->nparts = 0;
	size_t r = 0;
	int rc = 0;
	for (size_t i = 0; i <= len && rc == 0; i++) {
		char c = text[i];
		if (c == '\\' && i + 1 < len &&
		    (text[i + 1] == '*' || text[i + 1] == '\\' || text[i + 1] == '#')) {
			raw[r++] = text[++i];
		} else if (c == '*' || c == '\0') {
			rc = fold_part(raw, r, p, why);
			r = 0;
		} else {
			raw[r++] = c;
		}
	}
	free(raw);
	if (rc == 0 && p->nparts == 0) {
		*why = "empty phrase";
		rc = -EINVAL;
	}
	return rc;
}

/* ---- the matcher ------------------------------------------------------- */

struct hk_dth_matcher *hk_dth_matcher_new_empty(void)
{
	struct hk_dth_matcher *m = calloc(1, sizeof(*m));
	if (m && dth_ac_build(m)) {
		free(m);
		return NULL;
	}
	return m;
}

void hk_dth_matcher_free(struct hk_dth_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->ph[i].text);
	dth_ac_free(m);
	free(m);
}

/* Appends a phrase without rebuilding the automaton. */
static int add_one(struct hk_dth_matcher *m, const char *text, const char **why)
{
	struct dth_parsed *p = malloc(sizeof(*p));
	if (!p) {
		*why = "out of memory";
		return -ENOMEM;
	}
	int rc = dth_parse_phrase(text, p, why);
	uint8_t nparts = p->nparts;
	free(p);
	if (rc)
		return rc;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->ph[i].text, text) == 0)
			return 0; /* already there */
	if (m->n == HK_DTH_MAX_PHRASES) {
		*why = "too many phrases (at most 256)";
		return -ENOSPC;
	}
	if (nparts > 1 && m->ngap == HK_DTH_MAX_GAP_PHRASES) {
		*why = "too many phrases with '*' gaps (at most 64)";
		return -ENOSPC;
	}
	char *copy = strdup(text);
	if (!copy) {
		*why = "out of memory";
		return -ENOMEM;
	}
	struct dth_phrase *ph = &m->ph[m->n++];
	ph->text = copy;
	ph->nparts = nparts;
	ph->gap = nparts > 1 ? (int16_t)m->ngap++ : -1;
	return 0;
}

/* Drops the phrases from index keep on. */
static void truncate_to(struct hk_dth_matcher *m, size_t keep)
{
	while (m->n > keep) {
		struct dth_phrase *ph = &m->ph[--m->n];
		if (ph->gap >= 0)
			m->ngap--;
		free(ph->text);
		ph->text = NULL;
	}
}

int hk_dth_matcher_add(struct hk_dth_matcher *m, const char *utf8)
{
	if (!m || !utf8)
		return -EINVAL;
	const char *why;
	size_t keep = m->n;
	int rc = add_one(m, utf8, &why);
	if (rc == 0 && m->n != keep && (rc = dth_ac_build(m)) != 0)
		truncate_to(m, keep);
	return rc;
}

struct hk_dth_matcher *hk_dth_matcher_new(void)
{
	struct hk_dth_matcher *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	const char *why;
	for (size_t i = 0; i < N_BUILTIN; i++) {
		if (add_one(m, builtin[i], &why)) {
			hk_dth_matcher_free(m);
			return NULL;
		}
	}
	if (dth_ac_build(m)) {
		hk_dth_matcher_free(m);
		return NULL;
	}
	return m;
}

size_t hk_dth_matcher_count(const struct hk_dth_matcher *m)
{
	return m ? m->n : 0;
}

const char *hk_dth_matcher_phrase(const struct hk_dth_matcher *m, size_t i)
{
	return m && i < m->n ? m->ph[i].text : NULL;
}

/* ---- phrase files ------------------------------------------------------ */

static int load_fail(char *err, size_t errlen, int rc, const char *path, size_t line,
		     const char *why)
{
	if (errlen) {
		if (line)
			snprintf(err, errlen, "%s:%zu: %s", path, line, why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
	}
	return rc;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int hk_dth_matcher_load(struct hk_dth_matcher *m, const char *path, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (!m || !path)
		return load_fail(err, errlen, -EINVAL, path ? path : "(null)", 0, "no matcher or path");
	FILE *fp = fopen(path, "r");
	if (!fp) {
		int e = errno;
		return load_fail(err, errlen, -e, path, 0, strerror(e));
	}
	size_t keep = m->n, lineno = 0, cap = 0;
	char *line = NULL;
	const char *why = NULL;
	int rc = 0;
	ssize_t got;
	errno = 0;
	while ((got = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		size_t len = (size_t)got;
		if (len > HK_DTH_MAX_LINE) {
			rc = -EINVAL;
			why = "line too long (at most 4096 bytes)";
			break;
		}
		if (strlen(line) != len) {
			rc = -EINVAL;
			why = "line contains a NUL byte";
			break;
		}
		char *s = line;
		if (lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3; /* UTF-8 byte order mark */
		while (*s && blank(*s))
			s++;
		char *e = s + strlen(s);
		while (e > s && blank(e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		rc = add_one(m, s, &why);
		if (rc)
			break;
	}
	if (rc == 0 && ferror(fp)) {
		rc = errno ? -errno : -EIO;
		why = strerror(-rc);
		lineno = 0;
	}
	fclose(fp);
	if (rc == 0 && m->n != keep && (rc = dth_ac_build(m)) != 0) {
		why = "out of memory";
		lineno = 0;
	}
	if (rc) {
		truncate_to(m, keep);
		load_fail(err, errlen, rc, path, lineno, why);
	}
	free(line);
	return rc;
}

/* Unit tests: death-flag lines are found in payloads (RFC 9401 3.2), with
 * case/width folding, gap phrases confined to one line, spans, and hostile
 * bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dth.h"

/* The seed's client request (CreateHttpPost in go-rfc9401's http1.1.go). */
static size_t http_post(char *buf, size_t cap, const char *body)
{
	int n = snprintf(buf, cap,
			 "POST / HTTP/1.1\nHost: 127.0.0.1:18000\nUser-Agent: curl/7.81.0\n"
			 "Accept: */*\nContent-Length: %zu\n"
			 "Content-Type: application/x-www-form-urlencoded\n\n%s",
			 strlen(body), body);
	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static size_t header_len(const char *req)
{
	const char *b = strstr(req, "\n\n");
	assert_non_null(b);
	return (size_t)(b + 2 - req);
}

/* Matches text in a heap copy of exactly its length, so that ASan sees any
 * read past the end. */
static bool match_exact(const struct hk_dth_matcher *m, const void *text, size_t len, size_t *off)
{
	void *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	bool r = hk_dth_match(m, copy, len, off);
	free(copy);
	return r;
}

static bool match_str(const struct hk_dth_matcher *m, const char *s, size_t *off)
{
	return match_exact(m, s, strlen(s), off);
}

static void builtin_phrases_match_in_a_post_body(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	assert_non_null(m);
	assert_int_equal(hk_dth_matcher_count(m), hk_dth_builtin_count());
	assert_true(hk_dth_builtin_count() >= 20);
	for (size_t i = 0; i < hk_dth_builtin_count(); i++) {
		/* The phrase itself, each gap filled with other words. */
		char example[512] = "", body[768], req[1024];
		const char *p = hk_dth_builtin(i);
		for (; *p; p++) {
			if (*p == '*')
				strcat(example, " 、故郷に帰って ");
			else
				strncat(example, p, 1);
		}
		snprintf(body, sizeof(body), "msg=hello%%20world\n%s and more\nbye", example);
		size_t len = http_post(req, sizeof(req), body);
		size_t expect = header_len(req) + strlen("msg=hello%20world\n");
		struct hk_dth_span sp = {req, len};
		struct hk_dth_hit hit;
		assert_true(hk_dth_matchv(m, &sp, 1, &hit));
		if (hit.off != expect || hit.phrase != i)
			fail_msg("builtin %zu \"%s\": off %zu (want %zu) phrase %zu", i, hk_dth_builtin(i),
				 hit.off, expect, hit.phrase);
		assert_int_equal(hit.end, expect + strlen(example));
		size_t off = 0;
		assert_true(match_exact(m, req, len, &off));
		assert_int_equal(off, expect);
		/* Without the body, the same request is innocent. */
		len = http_post(req, sizeof(req), "msg=hello");
		assert_false(match_exact(m, req, len, NULL));
	}
	hk_dth_matcher_free(m);
}

static void seed_lines_match(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	char req[1024];
	size_t off, len;
	/* seed 000's POST body */
	len = http_post(req, sizeof(req), "この戦争が終わったらこいつと結婚するんだ");
	assert_true(match_exact(m, req, len, &off));
	assert_int_equal(off, header_len(req));
	/* RFC 9401's introduction */
	len = http_post(req, sizeof(req), "この戦争が終わったら、故郷に帰って結婚するんだ");
	assert_true(match_exact(m, req, len, &off));
	assert_int_equal(off, header_len(req));
	/* seed 000's server response */
	const char *resp = "HTTP/1.1 200 OK\r\nDate: Sun, 04 Jun 2023 10:15:28 GMT\r\n"
			   "Content-Length: 25\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
			   "もう何も怖くない\n";
	assert_true(match_str(m, resp, &off));
	assert_int_equal(off, strstr(resp, "もう") - resp);
	/* ... and the response it would give otherwise */
	assert_false(match_str(m, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n", NULL));
	hk_dth_matcher_free(m);
}

static void case_and_width_variants_match(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	static const char *const yes[] = {
		"I'LL BE RIGHT BACK",
		"i'll Be RiGhT bAcK!",
		"Ok. I’ll be right back.",                          /* U+2019 */
		"ｉ’ｌｌ ｂｅ ｒｉｇｈｔ ｂａｃｋ",                    /* full width */
		"Ｉ＇ＬＬ　ＢＥ　ＲＩＧＨＴ　ＢＡＣＫ",              /* U+FF07, U+3000 */
		"I'll  be\tright \xc2\xa0 back",                     /* blanks collapse */
		"WHAT COULD POSSIBLY GO WRONG?",
		"帰ったらﾌﾟﾛﾎﾟｰｽﾞするんだ",                          /* half-width kana */
		"帰ったらフ\xe3\x82\x9aロホ\xe3\x82\x9aース\xe3\x82\x99するんだ", /* combining */
		"帰ったらフ゜ロホ゜ース゛するんだ",                  /* spacing marks */
		"帰ったらプロポ〜ズするんだ",                        /* wave dash */
		"帰ったらプロポーーーズするんだ",                    /* long vowel run */
		"俺、この戦いが終わったら...",
		"俺、この戦いが終わったら・・・",
		"俺、この戦いが終わったら……",
		"俺、この戦いが終わったら‥",
		"俺、この戦いが終わったら。。。",
		"俺，この戦いが終わったら…",                        /* full-width comma */
		"俺､この戦いが終わったら･･･",                        /* half-width punctuation */
		"やったか！？",
		"ｺｺﾊ俺ﾆ任ｾﾃ先ﾆ行ｹ",                                  /* no: kana is katakana */
	};
	size_t off;
	for (size_t i = 0; i + 1 < sizeof(yes) / sizeof(yes[0]); i++)
		if (!match_str(m, yes[i], &off))
			fail_msg("no match: \"%s\"", yes[i]);
	/* Katakana and hiragana are not folded into each other. */
	assert_false(match_str(m, yes[sizeof(yes) / sizeof(yes[0]) - 1], NULL));
	/* A single full stop is not an ellipsis. */
	assert_false(match_str(m, "俺、この戦いが終わったら.", NULL));
	assert_false(match_str(m, "俺、この戦いが終わったら・", NULL));
	hk_dth_matcher_free(m);
}

static void ordinary_lines_do_not_match(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	static const char *const no[] = {
		"GET / HTTP/1.1\r\nHost: 192.0.2.1\r\nUser-Agent: curl/7.81.0\r\nAccept: */*\r\n\r\n",
		"I'll be back",
		"I'll be right here",
		"I'll be right\nback",
		"すぐに\n戻る",            /* a line break inside a phrase */
		"すぐに\r戻る",
		"この戦争が終わった",
		"結婚するんだ",
		"すぐに戻",
		"もう何も怖い",
		"今日はいい天気ですね。散歩に行きましょう。",
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
		"what could possibly go right",
		"",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (match_str(m, no[i], NULL))
			fail_msg("unexpected match: \"%s\"", no[i]);
	assert_false(hk_dth_match(m, NULL, 0, NULL));
	assert_false(hk_dth_match(NULL, "I'll be right back", 18, NULL));
	hk_dth_matcher_free(m);
}

static void gap_needs_both_parts_on_one_line(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	size_t off;
	assert_true(match_str(m, "x\nこの戦争が終わったら絶対に結婚するんだ\n", &off));
	assert_int_equal(off, 2);
	assert_false(match_str(m, "この戦争が終わったら\n結婚するんだ", NULL));
	assert_false(match_str(m, "この戦争が終わったら\r\n結婚するんだ", NULL));
	assert_false(match_str(m, "この戦争が終わったら\xe2\x80\xa8結婚するんだ", NULL)); /* U+2028 */
	assert_false(match_str(m, "結婚するんだ、この戦争が終わったら", NULL));
	/* B, then A, then B on the same line */
	assert_true(match_str(m, "結婚するんだ。この戦争が終わったら結婚するんだ", &off));
	assert_int_equal(off, strlen("結婚するんだ。"));
	/* A on one line, A and B on the next: the hit starts at line 2's A */
	const char *t = "この戦争が終わったら\nもし、この戦争が終わったら結婚するんだ";
	assert_true(match_str(m, t, &off));
	assert_int_equal(off, strstr(t, "もし") - t + strlen("もし、"));
	/* English gap */
	assert_true(match_str(m, "It's quiet. Too quiet.", &off));
	assert_int_equal(off, 0);
	assert_false(match_str(m, "It's quiet.\nToo quiet.", NULL));
	hk_dth_matcher_free(m);

	/* Parts may not overlap: B starts after A ends. */
	m = hk_dth_matcher_new_empty();
	assert_int_equal(hk_dth_matcher_add(m, "abc*cde"), 0);
	assert_false(match_str(m, "abcde", NULL));
	assert_true(match_str(m, "abccde", NULL));
	assert_int_equal(hk_dth_matcher_add(m, "xy*xy"), 0);
	assert_false(match_str(m, "xy", NULL));
	assert_false(match_str(m, "xyx", NULL));
	assert_true(match_str(m, "xyxy", NULL));
	assert_int_equal(hk_dth_matcher_add(m, "one * two * three"), 0);
	assert_false(match_str(m, "one three two", NULL));
	assert_false(match_str(m, "one two\nthree", NULL));
	assert_true(match_str(m, "--ONE, TWO, THREE", &off));
	assert_int_equal(off, 2);
	hk_dth_matcher_free(m);
}

static void first_completed_match_is_reported(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
	assert_int_equal(hk_dth_matcher_add(m, "hers"), 0);
	assert_int_equal(hk_dth_matcher_add(m, "he"), 0);
	assert_int_equal(hk_dth_matcher_add(m, "she"), 0);
	struct hk_dth_span sp = {"ushers", 6};
	struct hk_dth_hit hit;
	assert_true(hk_dth_matchv(m, &sp, 1, &hit));
	assert_string_equal(hk_dth_matcher_phrase(m, hit.phrase), "she");
	assert_int_equal(hit.off, 1);
	assert_int_equal(hit.end, 4);
	sp = (struct hk_dth_span){"hhers", 5};
	assert_true(hk_dth_matchv(m, &sp, 1, &hit));
	assert_string_equal(hk_dth_matcher_phrase(m, hit.phrase), "he");
	assert_int_equal(hit.off, 1);
	hk_dth_matcher_free(m);
}

static void match_straddles_spans(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	const char *text = "ring: ここは俺に任せて先に行け!";
	size_t len = strlen(text), at = strlen("ring: ");
	/* every split point, including inside a UTF-8 sequence, with an empty
	 * span in between */
	for (size_t cut = 0; cut <= len; cut++) {
		char *a = malloc(cut ? cut : 1), *b = malloc(len - cut ? len - cut : 1);
		memcpy(a, text, cut);
		memcpy(b, text + cut, len - cut);
		struct hk_dth_span v[3] = {{a, cut}, {"", 0}, {b, len - cut}};
		struct hk_dth_hit hit;
		assert_true(hk_dth_matchv(m, v, 3, &hit));
		assert_int_equal(hit.off, at);
		assert_int_equal(hit.end, len - 1);
		free(a);
		free(b);
	}
	struct hk_dth_hit hit;
	assert_false(hk_dth_matchv(m, NULL, 0, &hit));
	hk_dth_matcher_free(m);
}

static void invalid_utf8_is_safe(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	size_t off;
	/* truncated at the end, inside る (e3 82 8b) */
	assert_false(match_exact(m, "すぐに戻\xe3\x82", strlen("すぐに戻") + 2, NULL));
	assert_false(match_exact(m, "すぐに戻\xe3", strlen("すぐに戻") + 1, NULL));
	/* garbage around a phrase */
	const char g[] = "\xff\xfe\xc0\xaf" "I'll be right back" "\xe3";
	assert_true(match_exact(m, g, sizeof(g) - 1, &off));
	assert_int_equal(off, 4);
	/* garbage inside a phrase breaks it */
	assert_false(match_str(m, "I'll be\xc0 right back", NULL));
	assert_false(match_str(m, "すぐに\x80戻る", NULL));
	/* a lone continuation byte cannot eat the next character */
	assert_true(match_str(m, "\x80すぐに戻る", &off));
	assert_int_equal(off, 1);
	/* Pseudo-random bytes, biased to UTF-8 lead/continuation bytes and
	 * phrase material, in exact-size buffers. */
	static const uint8_t alpha[] = {0xe3, 0x81, 0x82, 0x83, 0x8b, 0xef, 0xbd, 0xbe, 0xbf, 0xff,
					0xc0, 0xf4, 0x90, 0xed, 0xa0, '.', ' ', '\n', 'a', '*'};
	uint32_t x = 0x9401u;
	for (int iter = 0; iter < 20000; iter++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t len = x % 48;
		uint8_t *buf = malloc(len ? len : 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (x & 0x100) ? alpha[x % sizeof(alpha)] : (uint8_t)x;
		}
		off = (size_t)-1;
		if (hk_dth_match(m, buf, len, &off))
			assert_true(off < len);
		char folded[256];
		assert_true(hk_dth_fold(buf, len, folded, sizeof(folded)) <= 3 * len);
		free(buf);
	}
	hk_dth_matcher_free(m);
}

/* Long payloads: one pass, correct offsets. (Not timed; a quadratic
 * matcher would still pass, but would make this test crawl.) */
static void long_payloads(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	const char *a = "この戦争が終わったら";
	size_t la = strlen(a), reps = 40000, tail = strlen("結婚するんだ");
	char *buf = malloc(la * reps + tail + reps);
	size_t len = 0, off;
	for (size_t i = 0; i < reps; i++, len += la)
		memcpy(buf + len, a, la);
	assert_false(match_exact(m, buf, len, NULL));
	memcpy(buf + len, "結婚するんだ", tail);
	assert_true(match_exact(m, buf, len + tail, &off));
	assert_int_equal(off, 0);
	/* the same with every A on its own line and B alone on the last */
	len = 0;
	for (size_t i = 0; i < reps; i++) {
		memcpy(buf + len, a, la);
		len += la;
		buf[len++] = '\n';
	}
	memcpy(buf + len, "結婚するんだ", tail);
	assert_false(match_exact(m, buf, len + tail, NULL));
	free(buf);
	hk_dth_matcher_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_phrases_match_in_a_post_body),
		cmocka_unit_test(seed_lines_match),
		cmocka_unit_test(case_and_width_variants_match),
		cmocka_unit_test(ordinary_lines_do_not_match),
		cmocka_unit_test(gap_needs_both_parts_on_one_line),
		cmocka_unit_test(first_completed_match_is_reported),
		cmocka_unit_test(match_straddles_spans),
		cmocka_unit_test(invalid_utf8_is_safe),
		cmocka_unit_test(long_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

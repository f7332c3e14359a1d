/* Unit tests: adding phrases and loading phrase files (one per line, UTF-8,
 * '#' comments), with clear errors and all-or-nothing loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hokuto/dth.h"

static bool has(const struct hk_dth_matcher *m, const char *s)
{
	return hk_dth_match(m, s, strlen(s), NULL);
}

/* Writes content to a fresh temporary file; path gets its name. */
static void write_tmp(char *path, const char *content, size_t len)
{
	strcpy(path, "/tmp/hk-dth-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static void add_rejects_bad_phrases(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
	assert_non_null(m);
	assert_int_equal(hk_dth_matcher_count(m), 0);
	assert_false(has(m, "I'll be right back"));
	assert_int_equal(hk_dth_matcher_add(m, ""), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, "  \t "), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, "*"), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, " * * "), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, "a\nb"), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, "bad \xff byte"), -EILSEQ);
	assert_int_equal(hk_dth_matcher_add(m, "cut \xe3\x81"), -EILSEQ);
	assert_int_equal(hk_dth_matcher_add(m, "\xed\xa0\x80"), -EILSEQ); /* surrogate */
	assert_int_equal(hk_dth_matcher_add(m, "1*2*3*4*5*6*7*8*9"), -ENOSPC);
	char longp[200];
	memset(longp, 'x', 129);
	longp[129] = '\0';
	assert_int_equal(hk_dth_matcher_add(m, longp), -EINVAL);
	longp[128] = '\0';
	assert_int_equal(hk_dth_matcher_add(m, longp), 0);
	assert_int_equal(hk_dth_matcher_add(NULL, "x"), -EINVAL);
	assert_int_equal(hk_dth_matcher_add(m, NULL), -EINVAL);
	assert_int_equal(hk_dth_matcher_count(m), 1);
	/* "A**B" is "A*B"; duplicates are no error and take no room */
	assert_int_equal(hk_dth_matcher_add(m, "1*2*3*4*5*6*7*8"), 0);
	assert_int_equal(hk_dth_matcher_add(m, "1*2*3*4*5*6*7*8"), 0);
	assert_int_equal(hk_dth_matcher_count(m), 2);
	assert_true(has(m, "12345678"));
	assert_false(has(m, "1234567"));
	hk_dth_matcher_free(m);
}

static void escapes(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
	assert_int_equal(hk_dth_matcher_add(m, "5 \\* 3 = 15"), 0);
	assert_true(has(m, "so 5 * 3 = 15 then"));
	assert_true(has(m, "so 5 ＊ 3 = 15 then")); /* full-width asterisk */
	assert_false(has(m, "5 times 3 = 15"));
	assert_int_equal(hk_dth_matcher_add(m, "back\\\\slash"), 0);
	assert_true(has(m, "back\\slash"));
	assert_int_equal(hk_dth_matcher_add(m, "c:\\dir"), 0); /* other escapes stay */
	assert_true(has(m, "C:\\DIR"));
	assert_string_equal(hk_dth_matcher_phrase(m, 0), "5 \\* 3 = 15");
	assert_null(hk_dth_matcher_phrase(m, 3));
	hk_dth_matcher_free(m);
}

static void capacity_limits(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
	char p[32];
	for (int i = 0; i < HK_DTH_MAX_GAP_PHRASES; i++) {
		snprintf(p, sizeof(p), "gap%d*end%d", i, i);
		assert_int_equal(hk_dth_matcher_add(m, p), 0);
	}
	assert_int_equal(hk_dth_matcher_add(m, "one more*gap"), -ENOSPC);
	for (int i = HK_DTH_MAX_GAP_PHRASES; i < HK_DTH_MAX_PHRASES; i++) {
		snprintf(p, sizeof(p), "plain%d.", i);
		assert_int_equal(hk_dth_matcher_add(m, p), 0);
	}
	assert_int_equal(hk_dth_matcher_count(m), HK_DTH_MAX_PHRASES);
	assert_int_equal(hk_dth_matcher_add(m, "one too many"), -ENOSPC);
	assert_true(has(m, "gap63 and end63"));
	assert_true(has(m, "gap0 end0"));
	assert_false(has(m, "gap1 end0"));
	assert_true(has(m, "plain255."));
	assert_false(has(m, "one too many"));
	hk_dth_matcher_free(m);
}

static void load_good_file(void **state)
{
	(void)state;
	static const char file[] =
		"\xef\xbb\xbf# death flags of our own\n"
		"\n"
		"   # an indented comment\n"
		"  この任務が終わったら*店を開くんだ  \r\n"
		"Tell my wife I love her\n"
		"\\#lastwords\n"
		"C# will never die\n"
		"\t\n"
		"すぐに戻る\n" /* also built in: no error */
		"no newline at the end";
	char path[64], err[256];
	write_tmp(path, file, sizeof(file) - 1);
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	size_t base = hk_dth_matcher_count(m);
	assert_false(has(m, "tell my wife i love her"));
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(hk_dth_matcher_count(m), base + 5);
	assert_string_equal(hk_dth_matcher_phrase(m, base), "この任務が終わったら*店を開くんだ");
	assert_true(has(m, "この任務が終わったら、駅前に店を開くんだ"));
	assert_false(has(m, "この任務が終わったら\n店を開くんだ"));
	assert_true(has(m, "TELL MY WIFE I LOVE HER"));
	assert_true(has(m, "posted with #LastWords"));
	assert_true(has(m, "c# will never die"));
	assert_true(has(m, "No newline at the end"));
	assert_false(has(m, "death flags of our own"));
	assert_false(has(m, "an indented comment"));
	assert_true(has(m, "I'll be right back")); /* built-ins still there */
	unlink(path);
	hk_dth_matcher_free(m);
}

static void load_missing_file(void **state)
{
	(void)state;
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	size_t base = hk_dth_matcher_count(m);
	char err[256];
	const char *path = "/tmp/hk-dth-test-no-such-file/phrases.txt";
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/tmp/hk-dth-test-no-such-file/phrases.txt: No such file or directory");
	/* a directory opens but cannot be read */
	assert_int_equal(hk_dth_matcher_load(m, "/tmp", err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/tmp: Is a directory");
	/* short error buffers are truncated, never overrun */
	char tiny[8];
	assert_int_equal(hk_dth_matcher_load(m, path, tiny, sizeof(tiny)), -ENOENT);
	assert_string_equal(tiny, "/tmp/hk");
	assert_int_equal(hk_dth_matcher_load(m, path, NULL, 0), -ENOENT);
	assert_int_equal(hk_dth_matcher_count(m), base);
	hk_dth_matcher_free(m);
}

static void load_bad_line_keeps_nothing(void **state)
{
	(void)state;
	static const char file[] = "# ok so far\nfirst good line\n\nsecond \xff line\nthird\n";
	char path[64], err[256], want[128];
	write_tmp(path, file, sizeof(file) - 1);
	struct hk_dth_matcher *m = hk_dth_matcher_new();
	size_t base = hk_dth_matcher_count(m);
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), -EILSEQ);
	snprintf(want, sizeof(want), "%s:4: not valid UTF-8", path);
	assert_string_equal(err, want);
	assert_int_equal(hk_dth_matcher_count(m), base);
	assert_false(has(m, "first good line"));
	assert_true(has(m, "I'll be right back"));
	unlink(path);

	/* a NUL byte, an over-long line, and a line of only a gap */
	static const char nul[] = "fine\nnul\0here\n";
	write_tmp(path, nul, sizeof(nul) - 1);
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: line contains a NUL byte", path);
	assert_string_equal(err, want);
	unlink(path);
	char *big = malloc(HK_DTH_MAX_LINE + 10);
	memset(big, 'y', HK_DTH_MAX_LINE + 9);
	big[HK_DTH_MAX_LINE + 9] = '\n';
	write_tmp(path, big, HK_DTH_MAX_LINE + 10);
	free(big);
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1: line too long"));
	unlink(path);
	write_tmp(path, "ok\n * \n", 7);
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: empty phrase", path);
	assert_string_equal(err, want);
	assert_false(has(m, "ok"));
	unlink(path);
	assert_int_equal(hk_dth_matcher_count(m), base);
	hk_dth_matcher_free(m);
}

static void load_into_empty_matcher(void **state)
{
	(void)state;
	char path[64], err[128];
	write_tmp(path, "only this one\n", 14);
	struct hk_dth_matcher *m = hk_dth_matcher_new_empty();
	assert_int_equal(hk_dth_matcher_load(m, path, err, sizeof(err)), 0);
	assert_int_equal(hk_dth_matcher_count(m), 1);
	assert_true(has(m, "and ONLY THIS ONE"));
	assert_false(has(m, "I'll be right back"));
	unlink(path);
	hk_dth_matcher_free(m);
	hk_dth_matcher_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_rejects_bad_phrases),
		cmocka_unit_test(escapes),
		cmocka_unit_test(capacity_limits),
		cmocka_unit_test(load_good_file),
		cmocka_unit_test(load_missing_file),
		cmocka_unit_test(load_bad_line_keeps_nothing),
		cmocka_unit_test(load_into_empty_matcher),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

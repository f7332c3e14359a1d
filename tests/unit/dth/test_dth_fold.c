/* Unit tests: the NFKC-like folding that makes payload text comparable to
 * the phrase list (width, case, kana voicing, blanks, ellipses, long vowels,
 * invalid UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dth.h"

static void check(const char *in, const char *want)
{
	char out[256];
	size_t n = hk_dth_fold(in, strlen(in), out, sizeof(out));
	if (strcmp(out, want) != 0 || n != strlen(want))
		fail_msg("fold(\"%s\") = \"%s\" (%zu), want \"%s\"", in, out, n, want);
}

static void width_and_case(void **state)
{
	(void)state;
	check("Hello, WORLD", "hello, world");
	check("ＡＢＣ　ｄｅｆ！？０９", "abc def!?09");
	check("ｉ’ｌｌ ｂｅ", "i'll be");
	check("“quoted” ‘x’", "\"quoted\" 'x'");
	check("Ｉ＇ｍ", "i'm");
	check("Ä ä é", "Ä ä é"); /* only ASCII case is folded */
}

static void halfwidth_katakana(void **state)
{
	(void)state;
	check("ｱｲｳｴｵ ﾝ ｯｬ", "アイウエオ ン ッャ");
	check("ｶﾞｷﾞｸﾞｹﾞｺﾞ", "ガギグゲゴ");
	check("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞ", "パピプペポ バビブベボ");
	check("ｳﾞ ﾜﾞ ｦﾞ", "ヴ ヷ ヺ");
	check("ﾌﾟﾛﾎﾟｰｽﾞ", "プロポーズ");
	check("｢ｺﾝﾆﾁﾊ｣､｡", "「コンニチハ」,.");
	/* combining and spacing voiced marks compose onto kana */
	check("か\xe3\x82\x99は\xe3\x82\x9a", "がぱ");
	check("か゛は゜う゛", "がぱゔ");
	/* marks that cannot compose stay (as the combining form) */
	check("ﾞ", "\xe3\x82\x99");
	check("あﾞ", "あ\xe3\x82\x99");
	check("カﾟ", "カ\xe3\x82\x9a");
}

static void blanks_and_lines(void **state)
{
	(void)state;
	check("a \t  b", "a b");
	check("a\xc2\xa0\xe3\x80\x80 b", "a b"); /* NBSP, U+3000 */
	check("a\r\nb", "a\n\nb");
	check("a\xe2\x80\xa8" "b", "a\nb");      /* U+2028 */
	check("\n  x", "\n x");
}

static void ellipses_and_long_vowels(void **state)
{
	(void)state;
	check("ら...", "ら…");
	check("ら..", "ら…");
	check("ら.", "ら.");
	check("ら。", "ら.");
	check("ら。。。", "ら…");
	check("ら・・・", "ら…");
	check("ら･･･", "ら…");
	check("ら・", "ら・");
	check("ら‥", "ら…");
	check("ら⋯", "ら…");
	check("ら……", "ら…");
	check("ら… …", "ら… …");
	check("ーー〜～~—―─〰ｰ", "ー");
	check("プロポ〜ズ", "プロポーズ");
}

static void bad_bytes_become_replacement(void **state)
{
	(void)state;
	/* each undecodable byte is one U+FFFD; a good character after it is kept */
	check("\xff" "a", "\xef\xbf\xbd" "a");
	check("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");             /* overlong */
	check("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	check("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check("\xe3\x81" "a", "\xef\xbf\xbd\xef\xbf\xbd" "a");       /* cut short */
	check("\xf0\x9f\x98\x82", "\xf0\x9f\x98\x82");               /* 😂 is fine */
	/* the last byte of the input is never read past */
	const char cut[] = {(char)0xe3};
	char out[16];
	assert_int_equal(hk_dth_fold(cut, 1, out, sizeof(out)), 3);
}

static void output_is_truncated_like_snprintf(void **state)
{
	(void)state;
	char out[4];
	assert_int_equal(hk_dth_fold("ABCDEF", 6, out, sizeof(out)), 6);
	assert_string_equal(out, "abc");
	assert_int_equal(hk_dth_fold("ABCDEF", 6, NULL, 0), 6);
	assert_int_equal(hk_dth_fold("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(width_and_case),
		cmocka_unit_test(halfwidth_katakana),
		cmocka_unit_test(blanks_and_lines),
		cmocka_unit_test(ellipses_and_long_vowels),
		cmocka_unit_test(bad_bytes_become_replacement),
		cmocka_unit_test(output_is_truncated_like_snprintf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The RFC 9401 options of the TCP commands (apps/dth_opts.c): parsing out
 * of argv, applying to a socket, and the "DTH from ADDR:PORT" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dth_opts.h"
#include "dthtest.h"

static void parse_takes_only_its_options(void **state)
{
	(void)state;
	char *argv[] = {"nc", "-l", "--dth", "-p", "80", "--hokuto-shinken", "--", "--dth-auto", NULL};
	struct hk_dth_cli o;
	int argc = hk_dth_cli_parse(8, argv, &o, "hokuto nc");
	assert_int_equal(argc, 6);
	assert_string_equal(argv[0], "nc");
	assert_string_equal(argv[1], "-l");
	assert_string_equal(argv[2], "-p");
	assert_string_equal(argv[3], "80");
	assert_string_equal(argv[4], "--");
	assert_string_equal(argv[5], "--dth-auto"); /* after "--": not ours */
	assert_null(argv[6]);
	assert_true(o.mark_all);
	assert_true(o.shinken);
	assert_false(o.auto_mode);
	assert_true(hk_dth_cli_wanted(&o));
	hk_dth_cli_free(&o);

	char *none[] = {"http-get", "http://192.0.2.1/", NULL};
	assert_int_equal(hk_dth_cli_parse(2, none, &o, NULL), 2);
	assert_false(hk_dth_cli_wanted(&o));
}

static void phrase_file(void **state)
{
	(void)state;
	char path[] = "/tmp/hk-dth-cliXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "the cake is a lie\n", 18), 18);
	close(fd);
	char opt[64];
	snprintf(opt, sizeof(opt), "--dth-phrases=%s", path);
	char *argv[] = {"http-post", opt, "http://x/", NULL};
	struct hk_dth_cli o;
	assert_int_equal(hk_dth_cli_parse(3, argv, &o, "hokuto http-post"), 2);
	assert_true(o.auto_mode);
	assert_non_null(o.matcher);
	char *argv2[] = {"nc", "--dth-phrases", path, "host", NULL};
	struct hk_dth_cli o2;
	assert_int_equal(hk_dth_cli_parse(4, argv2, &o2, "hokuto nc"), 2);
	assert_string_equal(argv2[1], "host");
	hk_dth_cli_free(&o2);

	/* applied: the stack takes the list, the socket the options */
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	assert_int_equal(hk_dth_cli_apply(t.s, t.fd, &o), 0);
	assert_null(o.matcher);
	assert_int_equal(hk_dth_matcher_count(hk_dth_get_matcher(t.s)), 1);
	assert_int_equal(dt_get(&t, t.fd, HK_TCP_DTH_AUTO), 1);
	assert_int_equal(dt_get(&t, t.fd, HK_TCP_DTH), 0);
	tt_fini(&t);
	unlink(path);

	/* errors: missing value, missing file */
	char *bad[] = {"nc", "--dth-phrases", NULL};
	assert_int_equal(hk_dth_cli_parse(2, bad, &o, "hokuto nc"), -1);
	char *bad2[] = {"nc", "--dth-phrases", "/nonexistent/file", NULL};
	assert_int_equal(hk_dth_cli_parse(3, bad2, &o, "hokuto nc"), -1);
}

static void report_lines(void **state)
{
	(void)state;
	struct tt t;
	tt_init(&t, NULL);
	dt_open_plain(&t, 1460);
	dt_peer_dth(&t, "bye", 3, F_PSH);
	dt_peer_dth(&t, NULL, 0, 0);
	char path[] = "/tmp/hk-dth-reportXXXXXX";
	int fd = mkstemp(path);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	int n = hk_dth_cli_report(t.s, t.fd);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(n, 2);
	char text[1024] = "";
	assert_true(pread(fd, text, sizeof(text) - 1, 0) > 0);
	close(fd);
	unlink(path);
	assert_string_equal(text, "DTH from 192.0.2.2:40000 seq=268435457 offset=0 len=3 "
				  "(the peer expects this connection to end soon)\n"
				  "DTH from 192.0.2.2:40000 seq=268435460 on a pure ACK "
				  "(the peer expects this connection to end soon)\n");
	assert_int_equal(hk_dth_cli_report(t.s, t.fd), 0);
	tt_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_takes_only_its_options),
		cmocka_unit_test(phrase_file),
		cmocka_unit_test(report_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: http:// URLs, redirect resolution, /etc/hosts parsing,
 * request-path decoding and the ".." check. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "http_parse.h"

static void url_forms(void **state)
{
	(void)state;
	struct http_url u;
	assert_int_equal(http_url_parse("http://192.0.2.2/", &u), 0);
	assert_string_equal(u.host, "192.0.2.2");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	assert_int_equal(http_url_parse("HTTP://192.0.2.2:8080", &u), 0);
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/");
	assert_int_equal(http_url_parse("http://web.test:81/a/b?x=1&y=%20#frag", &u), 0);
	assert_string_equal(u.host, "web.test");
	assert_int_equal(u.port, 81);
	assert_string_equal(u.path, "/a/b?x=1&y=%20");
	assert_int_equal(http_url_parse("http://h?q", &u), 0);
	assert_string_equal(u.path, "/?q");
	assert_int_equal(http_url_parse("http://h:/x", &u), 0); /* empty port: default */
	assert_int_equal(u.port, 80);
	/* no scheme: taken as http, like curl */
	assert_int_equal(http_url_parse("192.0.2.2:8000/f.txt", &u), 0);
	assert_string_equal(u.host, "192.0.2.2");
	assert_int_equal(u.port, 8000);
	assert_string_equal(u.path, "/f.txt");
	/* dot segments removed (RFC 3986 5.2.4) */
	assert_int_equal(http_url_parse("http://h/a/./b/../c/", &u), 0);
	assert_string_equal(u.path, "/a/c/");
	assert_int_equal(http_url_parse("http://h/../../x", &u), 0);
	assert_string_equal(u.path, "/x");
	assert_int_equal(http_url_parse("http://h/a/..", &u), 0);
	assert_string_equal(u.path, "/");
	assert_int_equal(http_url_parse("http://h/a/.?q=/../", &u), 0);
	assert_string_equal(u.path, "/a/?q=/../");
	/* non-ASCII is percent-encoded */
	assert_int_equal(http_url_parse("http://h/caf\xc3\xa9", &u), 0);
	assert_string_equal(u.path, "/caf%C3%A9");
}

static void url_errors(void **state)
{
	(void)state;
	struct http_url u;
	static char longurl[3000];
	assert_int_equal(http_url_parse("https://h/", &u), HTTP_URL_SCHEME);
	assert_int_equal(http_url_parse("ftp://h/", &u), HTTP_URL_SCHEME);
	assert_int_equal(http_url_parse("http:///x", &u), HTTP_URL_HOST);
	assert_int_equal(http_url_parse("http://[2001:db8::1]/", &u), HTTP_URL_HOST);
	assert_int_equal(http_url_parse("http://h:0/", &u), HTTP_URL_PORT);
	assert_int_equal(http_url_parse("http://h:65536/", &u), HTTP_URL_PORT);
	assert_int_equal(http_url_parse("http://h:8x/", &u), HTTP_URL_PORT);
	assert_int_equal(http_url_parse("http://u:p@h/", &u), HTTP_URL_USERINFO);
	assert_int_equal(http_url_parse("http://h/a b", &u), HTTP_URL_BAD_CHAR);
	assert_int_equal(http_url_parse("http://h/a\r\nX: y", &u), HTTP_URL_BAD_CHAR);
	strcpy(longurl, "http://h/");
	memset(longurl + 9, 'a', 2500);
	assert_int_equal(http_url_parse(longurl, &u), HTTP_URL_TOO_LONG);
	assert_string_equal(http_url_strerror(HTTP_URL_SCHEME), "only http:// URLs are supported");
}

static void redirect_resolution(void **state)
{
	(void)state;
	struct http_url base, u;
	assert_int_equal(http_url_parse("http://192.0.2.2:8080/dir/page?x=1", &base), 0);
	assert_int_equal(http_url_resolve(&base, "http://198.51.100.7/new", &u), 0);
	assert_string_equal(u.host, "198.51.100.7");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/new");
	assert_int_equal(http_url_resolve(&base, "/abs/path?q", &u), 0);
	assert_string_equal(u.host, "192.0.2.2");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/abs/path?q");
	assert_int_equal(http_url_resolve(&base, "other", &u), 0);
	assert_string_equal(u.path, "/dir/other");
	assert_int_equal(http_url_resolve(&base, "../up/x", &u), 0);
	assert_string_equal(u.path, "/up/x");
	assert_int_equal(http_url_resolve(&base, "sub/", &u), 0);
	assert_string_equal(u.path, "/dir/sub/");
	assert_int_equal(http_url_resolve(&base, "?y=2", &u), 0);
	assert_string_equal(u.path, "/dir/page?y=2");
	assert_int_equal(http_url_resolve(&base, "//203.0.113.9:81/z", &u), 0);
	assert_string_equal(u.host, "203.0.113.9");
	assert_int_equal(u.port, 81);
	assert_string_equal(u.path, "/z");
	assert_int_equal(http_url_resolve(&base, "  /trimmed", &u), 0);
	assert_string_equal(u.path, "/trimmed");
	assert_int_equal(http_url_resolve(&base, "https://h/", &u), HTTP_URL_SCHEME);
	assert_int_equal(http_url_resolve(&base, "mailto:a@b", &u), HTTP_URL_SCHEME);
}

static void hosts_file(void **state)
{
	(void)state;
	const char *hosts = "# comment line\n"
			    "127.0.0.1\tlocalhost\n"
			    "::1 localhost ip6-localhost\n"
			    "\n"
			    "  192.0.2.2   web.test   www.web.test # trailing comment\r\n"
			    "192.0.2.99 other # web2.test is commented out\n"
			    "bogus line here\n"
			    "198.51.100.1 WEB.test dup\n"
			    "203.0.113.5 last";
	hk_ip4_t ip = 0;
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "web.test", &ip), 0);
	assert_int_equal(ip, HK_IP4(192, 0, 2, 2)); /* first match wins */
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "WWW.Web.Test", &ip), 0);
	assert_int_equal(ip, HK_IP4(192, 0, 2, 2));
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "dup", &ip), 0);
	assert_int_equal(ip, HK_IP4(198, 51, 100, 1));
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "last", &ip), 0);
	assert_int_equal(ip, HK_IP4(203, 0, 113, 5));
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "localhost", &ip), 0);
	assert_int_equal(ip, HK_IP4(127, 0, 0, 1));
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "ip6-localhost", &ip), -ENOENT);
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "web2.test", &ip), -ENOENT);
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "here", &ip), -ENOENT);
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "web", &ip), -ENOENT);
	assert_int_equal(http_hosts_find(hosts, strlen(hosts), "other", &ip), 0);
	assert_int_equal(ip, HK_IP4(192, 0, 2, 99));

	/* from a file, and a dotted quad needs no file */
	char path[] = "/tmp/hk-http-hostsXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, hosts, strlen(hosts)), (ssize_t)strlen(hosts));
	close(fd);
	assert_int_equal(http_hosts_lookup(path, "www.web.test", &ip), 0);
	assert_int_equal(ip, HK_IP4(192, 0, 2, 2));
	assert_int_equal(http_resolve_host(path, "203.0.113.7", &ip), 0);
	assert_int_equal(ip, HK_IP4(203, 0, 113, 7));
	assert_int_equal(http_resolve_host(path, "last", &ip), 0);
	assert_int_equal(http_resolve_host(path, "nowhere.test", &ip), -ENOENT);
	unlink(path);
	assert_int_equal(http_hosts_lookup("/nonexistent/hosts", "x", &ip), -ENOENT);
}

static void percent_decoding(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(http_pct_decode_path("/a%20b/%41?q=%zz", 16, out, sizeof(out)), 6);
	assert_string_equal(out, "/a b/A");
	assert_int_equal(http_pct_decode_path("/x%2Fy", 6, out, sizeof(out)), 4);
	assert_string_equal(out, "/x/y");
	assert_int_equal(http_pct_decode_path("/%2e%2E/etc", 11, out, sizeof(out)), 7);
	assert_string_equal(out, "/../etc");
	assert_int_equal(http_pct_decode_path("/%00", 4, out, sizeof(out)), -EINVAL);
	assert_int_equal(http_pct_decode_path("/%4", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(http_pct_decode_path("/%g0", 4, out, sizeof(out)), -EINVAL);
	assert_int_equal(http_pct_decode_path("/%", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(http_pct_decode_path("/abcdef", 7, out, 4), -ENAMETOOLONG);
	assert_int_equal(http_pct_decode_path("/abc", 4, out, 5), 4);
}

static void traversal_check(void **state)
{
	(void)state;
	assert_int_equal(http_path_check("/"), 0);
	assert_int_equal(http_path_check("/index.html"), 0);
	assert_int_equal(http_path_check("/a/b/c.txt"), 0);
	assert_int_equal(http_path_check("/..."), 0);
	assert_int_equal(http_path_check("/a..b"), 0);
	assert_int_equal(http_path_check("/..a/"), 0);
	assert_int_equal(http_path_check("/.."), -EINVAL);
	assert_int_equal(http_path_check("/../etc/passwd"), -EINVAL);
	assert_int_equal(http_path_check("/a/../../b"), -EINVAL);
	assert_int_equal(http_path_check("/a/.."), -EINVAL);
	assert_int_equal(http_path_check("/a//../b"), -EINVAL);
	assert_int_equal(http_path_check("relative"), -EINVAL);
	assert_int_equal(http_path_check(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_forms),
		cmocka_unit_test(url_errors),
		cmocka_unit_test(redirect_resolution),
		cmocka_unit_test(hosts_file),
		cmocka_unit_test(percent_decoding),
		cmocka_unit_test(traversal_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

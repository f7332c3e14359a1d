/* Unit tests: hk_dev_open refuses bad specs with messages that say what
 * was wrong and what to do (nothing here needs privileges or changes the
 * host: every case fails before a device is created). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hokuto/dev.h"
#include "hokuto/dev_rawip.h"

static void expect(const char *spec, int rc, const char *message)
{
	struct hk_dev_open_opts opts;
	memset(&opts, 0, sizeof(opts));
	struct hk_dev *dev = (struct hk_dev *)&opts; /* must be reset to NULL */
	char err[256] = "";
	assert_int_equal(hk_dev_open(spec, &opts, &dev, err, sizeof(err)), rc);
	assert_null(dev);
	if (!strstr(err, message))
		fail_msg("spec '%s': got '%s', wanted '%s'", spec, err, message);
}

static void rejects_bad_specs(void **state)
{
	(void)state;
	expect("foo:bar", -EINVAL,
	       "unknown device kind 'foo': use tap:NAME, tun:NAME, packet:IFNAME or rawip:ADDR");
	expect("eth0", -EINVAL, "unknown device kind 'eth0'");
	expect("", -EINVAL, "unknown device kind ''");
	expect("tap", -EINVAL, "tap: needs a name after the colon, e.g. tap:hk0");
	expect("packet:", -EINVAL, "needs a name after the colon, e.g. packet:veth0");
	expect("tap:averyveryverylongname", -ENAMETOOLONG,
	       "tap:averyveryverylongname: interface names are at most 15 characters");
	expect("tun:a/b", -EINVAL, "tun:a/b: not a valid interface name");
	expect("packet:hkdevnosuch9", -ENODEV, "packet:hkdevnosuch9: no such interface");
	expect("rawip:localhost", -EINVAL, "rawip:localhost: not an IPv4 address");
	expect("rawip:1.2.3", -EINVAL, "not an IPv4 address");
}

static void null_opts_and_non_rawip_claims(void **state)
{
	(void)state;
	struct hk_dev *dev;
	char err[200];
	assert_int_equal(hk_dev_open("nope:x", NULL, &dev, err, sizeof(err)), -EINVAL);
	assert_int_equal(hk_dev_open(NULL, NULL, &dev, NULL, 0), -EINVAL);
	/* claiming a port on anything but a rawip device is refused */
	struct hk_dev *a, *b;
	assert_int_equal(hk_sim_wire_new(&a, &b, 0), 0);
	assert_int_equal(hk_rawip_claim_port(a, 80), -EINVAL);
	assert_int_equal(hk_rawip_claim_port(NULL, 80), -EINVAL);
	assert_false(hk_rawip_port_claimed(a, 80));
	hk_rawip_cleanup_all(); /* nothing claimed: nothing to do */
	hk_dev_close(a);
	hk_dev_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rejects_bad_specs),
		cmocka_unit_test(null_opts_and_non_rawip_claims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* hokuto link — hk_dev_open: "kind:arg" specs to devices.
 * (Phase 1: real devices are not wired in yet.) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hokuto/dev.h"

int hk_dev_open(const char *spec, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		size_t errlen)
{
	(void)opts;
	*out = NULL;
	const char *colon = spec ? strchr(spec, ':') : NULL;
	size_t klen = colon ? (size_t)(colon - spec) : (spec ? strlen(spec) : 0);
	static const char *const kinds[] = {"tap", "tun", "packet", "rawip"};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (klen == strlen(kinds[i]) && !strncmp(spec, kinds[i], klen)) {
			snprintf(err, errlen, "%s: device kind '%s' is not available yet", spec, kinds[i]);
			return -ENOSYS;
		}
	}
	snprintf(err, errlen, "unknown device kind '%.*s': use tap:NAME, tun:NAME, packet:IFNAME or rawip:ADDR",
		 (int)klen, spec ? spec : "");
	return -EINVAL;
}

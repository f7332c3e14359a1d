/* hokuto link — hk_dev_open: a "kind:arg" spec to a device. */
#include <errno.h>
#include <string.h>

#include "link/dev_kinds.h"

struct kind {
	const char *name;
	int (*open)(const char *arg, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		    size_t errlen);
};

static const struct kind kinds[] = {
	{"tap", hk_dev_open_tap},
	{"tun", hk_dev_open_tun},
	{"packet", hk_dev_open_packet},
	{"rawip", hk_dev_open_rawip},
};

int hk_dev_open(const char *spec, const struct hk_dev_open_opts *opts, struct hk_dev **out, char *err,
		size_t errlen)
{
	static const struct hk_dev_open_opts no_opts;
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!opts)
		opts = &no_opts;
	if (!spec)
		spec = "";
	const char *colon = strchr(spec, ':');
	size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (klen != strlen(kinds[i].name) || strncmp(spec, kinds[i].name, klen))
			continue;
		if (!colon || !colon[1])
			return hk_dev_err(err, errlen, -EINVAL, "%s: needs a name after the colon, e.g. %s",
					  spec, i == 3 ? "rawip:127.0.0.1" : i == 2 ? "packet:veth0" : i == 1 ? "tun:hk0" : "tap:hk0");
		return kinds[i].open(colon + 1, opts, out, err, errlen);
	}
	return hk_dev_err(err, errlen, -EINVAL,
			  "unknown device kind '%.*s': use tap:NAME, tun:NAME, packet:IFNAME or rawip:ADDR", (int)klen,
			  spec);
}

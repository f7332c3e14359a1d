/* hokuto HTTP commands — RFC 9401 hook (see http_dth.h). */
#include <errno.h>
#include <stddef.h>

#include "http_dth.h"

bool http_dth_option(struct http_dth_opts *o, int c, const char *arg)
{
	switch (c) {
	case HTTP_OPT_DTH:
		o->mark_all = true;
		return true;
	case HTTP_OPT_DTH_AUTO:
		o->auto_mode = true;
		return true;
	case HTTP_OPT_DTH_PHRASES:
		o->phrases = arg;
		o->auto_mode = true;
		return true;
	default:
		return false;
	}
}

bool http_dth_wanted(const struct http_dth_opts *o)
{
	return o->mark_all || o->auto_mode;
}

int http_dth_configure(struct hk_stack *s, int fd, const struct http_dth_opts *o)
{
	(void)s;
	(void)fd;
	if (!http_dth_wanted(o))
		return 0;
	/* To be wired by the DTH layer: set its socket option on fd here
	 * (mark_all: every data segment; auto_mode: the phrase detector
	 * with o->phrases). */
	return -ENOTSUP;
}

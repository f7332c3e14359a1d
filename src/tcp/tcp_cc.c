/* hokuto tcp — congestion controller lookup by name. */
#include "tcp/tcp_cc.h"

#include <string.h>

static const struct hk_tcp_cc_ops *const cc_table[] = {
	&hk_tcp_cc_newreno,
	&hk_tcp_cc_cubic,
};

const struct hk_tcp_cc_ops *hk_tcp_cc_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(cc_table) / sizeof(cc_table[0]); i++)
		if (strcmp(cc_table[i]->name, name) == 0)
			return cc_table[i];
	return NULL;
}

/* hokuto core — counter names and printing. */
#include "hokuto/stats.h"

#include <string.h>

static const char *const names[HK_STAT__COUNT] = {
#define HK_STAT_NAME_(name, desc) #name,
	HK_STATS_ALL(HK_STAT_NAME_)
#undef HK_STAT_NAME_
};

static const char *const descs[HK_STAT__COUNT] = {
#define HK_STAT_DESC_(name, desc) desc,
	HK_STATS_ALL(HK_STAT_DESC_)
#undef HK_STAT_DESC_
};

const char *hk_stat_name(enum hk_stat s)
{
	return (unsigned)s < HK_STAT__COUNT ? names[s] : "?";
}

const char *hk_stat_desc(enum hk_stat s)
{
	return (unsigned)s < HK_STAT__COUNT ? descs[s] : "?";
}

int hk_stat_find(const char *name)
{
	for (int i = 0; i < HK_STAT__COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void hk_stats_print(const struct hk_stats *st, FILE *out)
{
	for (int i = 0; i < HK_STAT__COUNT; i++)
		if (st->v[i])
			fprintf(out, "%-28s %12llu  # %s\n", names[i], (unsigned long long)st->v[i], descs[i]);
}

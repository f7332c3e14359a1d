/* hokuto core — logging. */
#include "core/log.h"

#include <stdarg.h>

#include "core/stack_internal.h"

static const char *level_name[] = {"error", "warn", "info", "debug"};

bool hk_log_enabled(const struct hk_stack *s, enum hk_log_level level)
{
	return level <= s->cfg.log_level;
}

void hk_log(const struct hk_stack *s, enum hk_log_level level, const char *fmt, ...)
{
	if (!hk_log_enabled(s, level))
		return;
	FILE *out = s->cfg.log_file ? s->cfg.log_file : stderr;
	fprintf(out, "hokuto[%llu.%06llu] %s: ", (unsigned long long)(s->now / 1000000u),
		(unsigned long long)(s->now % 1000000u), level_name[level]);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* hokuto core — leveled logging to the stack's log file. */
#ifndef HOKUTO_CORE_LOG_H
#define HOKUTO_CORE_LOG_H

#include "hokuto/stack.h"

#if defined(__GNUC__)
#define HK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HK_PRINTF(a, b)
#endif

void hk_log(const struct hk_stack *s, enum hk_log_level level, const char *fmt, ...) HK_PRINTF(3, 4);
bool hk_log_enabled(const struct hk_stack *s, enum hk_log_level level);

#define hk_debug(s, ...) do { if (hk_log_enabled((s), HK_LOG_DEBUG)) hk_log((s), HK_LOG_DEBUG, __VA_ARGS__); } while (0)
#define hk_info(s, ...) hk_log((s), HK_LOG_INFO, __VA_ARGS__)
#define hk_warn(s, ...) hk_log((s), HK_LOG_WARN, __VA_ARGS__)

#endif

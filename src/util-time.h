/* util-time.h: report timestamps and the monotonic clock. */
#ifndef EA_UTIL_TIME_H
#define EA_UTIL_TIME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Formats ns since the epoch as ISO 8601 UTC with nanoseconds,
 * "2013-03-15T10:00:00.000000001Z", into buf (n bytes, caller-owned), cut to
 * n - 1 characters as snprintf would; n 0 writes nothing. Returns buf.
 */
const char *ea_time_str(uint64_t ns, char *buf, size_t n);

/* Seconds on the monotonic clock, for throughput and progress lines (never in reports). */
double ea_mono_now(void);

#endif

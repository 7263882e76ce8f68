/* util-stats.h: adding up the run-wide counters of several pipelines (stats.h). */
#ifndef EA_UTIL_STATS_H
#define EA_UTIL_STATS_H

#include "stats.h"

/*
 * Adds the counters of 'from' to 'to', field by field (EA_STATS_COUNTERS
 * and malformed[]): every counter summed (flows_active_peak too, which then
 * is an upper bound), first_ns the earliest and last_ns the latest of the
 * two (0 meaning none). Neither is NULL; 'from' is only read.
 */
void ea_stats_add(struct ea_stats *to, const struct ea_stats *from);

#endif

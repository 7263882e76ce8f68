/* util-stats.c: adding up run-wide counters, field by field from one list. */
#include "util-stats.h"

/* The list names every field: a counter missing from EA_STATS_COUNTERS is a size mismatch. */
#define EA_STATS_FIELD(f) uint64_t f;
struct ea_stats_listed {
    EA_STATS_COUNTERS(EA_STATS_FIELD)
};
#undef EA_STATS_FIELD
_Static_assert(sizeof(struct ea_stats) ==
                   sizeof(struct ea_stats_listed) + (EA_MAL__COUNT + 2) * sizeof(uint64_t),
               "struct ea_stats has a counter that EA_STATS_COUNTERS (stats.h) does not list");

void ea_stats_add(struct ea_stats *to, const struct ea_stats *from)
{
#define EA_STATS_SUM(f) to->f += from->f;
    EA_STATS_COUNTERS(EA_STATS_SUM)
#undef EA_STATS_SUM
    for (unsigned k = 0; k < EA_MAL__COUNT; k++)
        to->malformed[k] += from->malformed[k];
    /* 0 is "no packet yet" */
    if (from->first_ns && (!to->first_ns || from->first_ns < to->first_ns))
        to->first_ns = from->first_ns;
    if (from->last_ns > to->last_ns)
        to->last_ns = from->last_ns;
}

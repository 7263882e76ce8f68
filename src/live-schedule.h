/* live-schedule.h: what live mode does between waits for packets, and when: expiry, early verdicts, loss, reports. */
#ifndef EA_LIVE_SCHEDULE_H
#define EA_LIVE_SCHEDULE_H

#include <stdint.h>
#include "options.h"

struct ea_live;

/* The timers of one live run (monotonic nanoseconds). */
struct ea_live_schedule {
    uint64_t settle_ns;      /* --settle: a quiet flow is judged early after this much */
    uint64_t interval_ns;    /* --interval: reports every this much; 0 none */
    uint64_t next_report;
    uint64_t next_settle;
};

/* Starts the timers now: the first interval report is one interval away. */
void ea_live_schedule_init(struct ea_live_schedule *s, const struct ea_options *o);

/*
 * After each wait for packets (at least every EA_LIVE_POLL_MS): the
 * workers' finished flows are judged and alerted, idle flows expire on the
 * wall clock, twice a second settled flows get early verdicts and the
 * capture loss is read; SIGHUP reopens the alerts; SIGUSR1 or the interval
 * writes the reports.
 */
void ea_live_schedule_tick(struct ea_live *lv, struct ea_live_schedule *s);

#endif

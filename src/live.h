/* live.h: live monitoring mode: the pipeline on an interface until SIGINT or SIGTERM (live-*.c: alerts, reports, schedule, signals, privileges, workers). */
#ifndef EA_LIVE_H
#define EA_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include "options.h"
#include "pipeline.h"

struct ea_live;

/*
 * Prepares live mode over 'pl' (borrowed; must outlive it): hooks the
 * pipeline's on_judged for alerts, bounds the kept flows, opens the alert
 * outputs. 'o' is borrowed too. With --threads each worker gets its share
 * of the pipeline's max_flows. On error returns NULL with one line in err.
 */
struct ea_live *ea_live_new(const struct ea_options *o, struct ea_pipeline *pl, char *err,
                            size_t errlen);
void ea_live_free(struct ea_live *lv);   /* unhooks the pipeline; NULL is a no-op */

/*
 * Opens the interface, drops privileges (-Z) and captures until SIGINT or
 * SIGTERM, writing interval reports on the way. Returns 0 after a clean
 * stop; -1 when the capture failed after it started (err holds the line;
 * what was captured is kept); -2 when it could not start at all (err holds
 * the line; no packet was read).
 */
int ea_live_run(struct ea_live *lv, char *err, size_t errlen);

/*
 * What a whole-run report of --report-dir is handed to once built (every
 * --interval, on SIGUSR1 and at the end): its view and its XML bytes, both
 * borrowed for the call, on the capture thread (--db records each interval).
 */
typedef void (*ea_live_report_fn)(const struct ea_view *v, const char *xml, size_t len, void *ctx);

/* Sets (or with fn NULL clears) that hook; ctx borrowed. */
void ea_live_on_report(struct ea_live *lv, ea_live_report_fn fn, void *ctx);

/* The reports of --report-dir: ea_live_write_reports in live-report.h. Alerts: live-alert.h. */

#endif

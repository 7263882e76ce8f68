/* live.h: live monitoring mode: capture loop, alerts once per flow, periodic and window reports, signals. */
#ifndef EA_LIVE_H
#define EA_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include "options.h"
#include "pipeline.h"

struct ea_live;

/* Report file names inside --report-dir. */
#define EA_LIVE_REPORT_XML  "report.xml"
#define EA_LIVE_REPORT_HTML "report.html"
#define EA_LIVE_WINDOW_XML  "window-report.xml"
#define EA_LIVE_WINDOW_HTML "window-report.html"

/*
 * Prepares live mode over 'pl' (borrowed; must outlive it): hooks the
 * pipeline's on_judged for alerts, bounds the kept flows, opens the alert
 * outputs. 'o' is borrowed too; 'lim' is copied (with --threads each worker
 * gets its share of max_flows). On error returns NULL with one line in err.
 */
struct ea_live *ea_live_new(const struct ea_options *o, struct ea_pipeline *pl,
                            const struct ea_flow_limits *lim, char *err, size_t errlen);
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
 * Writes the reports of --report-dir now, covering the whole run so far
 * (finished flows and, judged provisionally, the flows still in the table)
 * and, with --window, the last window. Returns 0, or -1 after printing
 * each write error on stderr.
 */
int ea_live_write_reports(struct ea_live *lv);

/* --- pieces exported for the unit tests --- */

/* What an alert step says about a flow. */
enum ea_alert_event {
    EA_ALERT_NONE = 0,
    EA_ALERT_NEW,          /* first alert for this flow */
    EA_ALERT_REVISED,      /* it was announced, and its verdict changed since */
};

/*
 * Once-only bookkeeping: given a judged flow, returns whether to alert now
 * and records it in the flow (live.announced, live.announced_verdict). A flow is
 * announced when its verdict is unexpected or blocked; an announced flow
 * is announced again only when its verdict differs from the announced one.
 */
enum ea_alert_event ea_live_alert_step(struct ea_flow *f);

/*
 * Formats one alert line (newline included) into a malloc'ed string, *len
 * its length: text ("edgeaudit: alert: VERDICT flow ...") or a JSON object
 * (report-json.c's flow object with "alert"). NULL on out-of-memory.
 */
char *ea_live_alert_format(struct ea_pipeline *pl, const struct ea_flow *f, enum ea_alert_event ev,
                           int prev_verdict, int json, size_t *len);

/* 1 when a flow seen last at last_ns belongs to the window of window_ns ending at now_ns. */
int ea_live_in_window(uint64_t last_ns, uint64_t now_ns, uint64_t window_ns);

/*
 * 1 when a flow still in the table may be judged early for an alert: its
 * inspection is decided and both sides spoke, or it has been quiet for
 * settle_ns of packet time (a SYN nobody answers, a UDP request alone).
 */
int ea_live_settled(const struct ea_flow *f, uint64_t now_ns, uint64_t settle_ns);

#endif

/* live-report.h: live mode's reports in --report-dir: the whole run so far and, with --window, the last window. */
#ifndef EA_LIVE_REPORT_H
#define EA_LIVE_REPORT_H

#include <stdint.h>

struct ea_live;

/* Report file names inside --report-dir. */
#define EA_LIVE_REPORT_XML  "report.xml"
#define EA_LIVE_REPORT_HTML "report.html"
#define EA_LIVE_WINDOW_XML  "window-report.xml"
#define EA_LIVE_WINDOW_HTML "window-report.html"

/*
 * Writes the reports of --report-dir now, covering the whole run so far
 * (finished flows and, judged provisionally, the flows still in the table)
 * and, with --window, the last window. Returns 0, or -1 after printing
 * each write error on stderr. Without --report-dir, 0 at once.
 */
int ea_live_write_reports(struct ea_live *lv);

struct ea_stream;

/*
 * The report stream (borrowed) whose groups, examples and listed flows the
 * reports show: the whole run's, and with --window the current window's
 * (flows finished since the window began; windows start every --window
 * seconds). Flows still in the table count in the rules and the summary of
 * a report, judged provisionally, but are not grouped or listed.
 */
void ea_live_set_stream(struct ea_live *lv, struct ea_stream *s);

struct ea_report;

/*
 * --baseline: the report read from OLD.xml (borrowed; read before the
 * capture, since privileges are dropped after). Every report of
 * --report-dir, interval, window and final, is then compared with it as an
 * offline run's is (diff.c): change= on each group, <changes> after the
 * summary, "Changes since baseline" at the top of the HTML. NULL: none.
 */
void ea_live_set_baseline(struct ea_live *lv, const struct ea_report *base);

struct ea_accept;

/*
 * --accept: the accept file (borrowed; loaded before the capture). Every
 * report of --report-dir is marked with it as an offline run's is (diff.c,
 * accept.c), expiries judged at the report's last packet. NULL: none.
 */
void ea_live_set_accept(struct ea_live *lv, struct ea_accept *acc);

#endif

/* live-alert.h: live alerts: once per flow, revised when the verdict changes, early verdicts of settled flows. */
#ifndef EA_LIVE_ALERT_H
#define EA_LIVE_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include "pipeline.h"

struct ea_live;

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
char *ea_live_alert_format(const struct ea_pipeline *pl, const struct ea_flow *f,
                           enum ea_alert_event ev, int prev_verdict, int json, size_t *len);

/*
 * 1 when a flow still in the table may be judged early for an alert: its
 * inspection is decided and both sides spoke, or it has been quiet for
 * settle_ns of packet time (a SYN nobody answers, a UDP request alone).
 */
int ea_live_settled(const struct ea_flow *f, uint64_t now_ns, uint64_t settle_ns);

/* Alerts go to standard output until ea_live_alerts_open; opens syslog with --syslog. */
void ea_live_alerts_init(struct ea_live *lv);

/* (Re)opens --alert-file (SIGHUP: log rotation) and syslog; on error says so, falls back to stdout: -1. */
int ea_live_alerts_open(struct ea_live *lv);

/* Closes the alert file and syslog. */
void ea_live_alerts_close(struct ea_live *lv);

/* The pipeline's on_judged hook (ctx: the struct ea_live): a flow's final verdict, alerted. */
void ea_live_on_judged(struct ea_pipeline *pl, struct ea_flow *f, void *ctx);

/*
 * The provisional verdict of a flow still in the table, judged on 'pol'
 * through a shallow copy: the policy may turn a flow round, which must
 * never happen to one whose inspection still runs. The copy shares the
 * flow's dissector facts (read only) and owns its own verdict.text, which
 * the caller frees; never ea_flow_free it. (Alerts and live reports.)
 */
void ea_live_judge_copy(struct ea_policy *pol, const struct ea_flow *f, struct ea_flow *tmp);

/* ea_live_settle_one's context. */
struct ea_live_settle_ctx {
    struct ea_live *lv;
    uint64_t now_ns, settle_ns;
};

/* A flow still in the table (a foreach callback): judged early once it has settled, and alerted. */
void ea_live_settle_one(struct ea_flow *f, void *ctx);

#endif

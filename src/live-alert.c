/* live-alert.c: live alerts: once per flow, to stdout or --alert-file and syslog; early verdicts of settled flows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "live-alert.h"
#include "live-private.h"
#include "output-flows.h"
#include "report-json.h"

enum ea_alert_event ea_live_alert_step(struct ea_flow *f)
{
    int alertable = f->verdict.v == EA_V_UNEXPECTED || f->verdict.v == EA_V_BLOCKED;
    if (!f->live.announced) {
        if (!alertable)
            return EA_ALERT_NONE;
        f->live.announced = 1;
        f->live.announced_verdict = f->verdict.v;
        return EA_ALERT_NEW;
    }
    if (f->verdict.v == f->live.announced_verdict)
        return EA_ALERT_NONE;
    f->live.announced_verdict = f->verdict.v;
    return EA_ALERT_REVISED;
}

char *ea_live_alert_format(const struct ea_pipeline *pl, const struct ea_flow *f,
                           enum ea_alert_event ev, int prev_verdict, int json, size_t *len)
{
    const char *prev = ev == EA_ALERT_REVISED ? ea_verdict_name((enum ea_verdict)prev_verdict) : NULL;
    if (json) {
        struct ea_view v;
        ea_pipeline_view(pl, &v);
        return ea_report_json_alert(&v, f, ev == EA_ALERT_REVISED ? "revised" : "new", prev, len);
    }
    char brief[1400], head[96];
    if (prev)
        snprintf(head, sizeof(head), "edgeaudit: alert revised (was %s): ", prev);
    else
        snprintf(head, sizeof(head), "edgeaudit: alert: ");
    ea_output_flow_brief(f, brief, sizeof(brief));
    size_t n = strlen(head) + strlen(brief) + 2;
    char *line = malloc(n);
    if (!line)
        return NULL;
    snprintf(line, n, "%s%s\n", head, brief);
    *len = n - 1;
    return line;
}

int ea_live_settled(const struct ea_flow *f, uint64_t now_ns, uint64_t settle_ns)
{
    if (f->label.decided && f->pkts[0] && f->pkts[1])
        return 1;
    return now_ns >= f->last_ns && now_ns - f->last_ns >= settle_ns;
}

/* Writes one alert to every alert output. */
static void emit(struct ea_live *lv, const struct ea_flow *f, enum ea_alert_event ev, int prev)
{
    size_t len = 0;
    if (ev == EA_ALERT_NONE)
        return;
    char *line = ea_live_alert_format(lv->pl, f, ev, prev, lv->o->alerts_json, &len);
    if (!line) {
        fprintf(stderr, "edgeaudit: out of memory while writing an alert\n");
        return;
    }
    if (ev == EA_ALERT_NEW)
        lv->alerts++;
    else
        lv->revised++;
    if (lv->alert_out) {
        fwrite(line, 1, len, lv->alert_out);
        fflush(lv->alert_out);
    }
    if (lv->o->syslog)
        syslog(LOG_WARNING, "%.*s", (int)(len ? len - 1 : 0), line);
    free(line);
}

void ea_live_on_judged(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct ea_live *lv = ctx;
    int prev = f->live.announced_verdict;
    (void)pl;
    emit(lv, f, ea_live_alert_step(f), prev);
}

void ea_live_judge_copy(struct ea_policy *pol, const struct ea_flow *f, struct ea_flow *tmp)
{
    *tmp = *f;
    tmp->verdict.text = NULL;
    tmp->table.hnext = tmp->table.lru_prev = tmp->table.lru_next = NULL;
    ea_policy_judge(pol, tmp);
}

/*
 * A provisional verdict for a flow still in its table: decide (pure) and record the verdict on
 * the flow itself, which the final judgement overwrites. Only a decision that turns the flow
 * round is recorded on a shallow copy, since turning the flow in its table would change its key.
 */
void ea_live_settle_one(struct ea_flow *f, void *ctx)
{
    struct ea_live_settle_ctx *c = ctx;
    int two_way = f->label.decided && f->pkts[0] && f->pkts[1];
    if (f->live.previewed == 2 || (f->live.previewed == 1 && f->live.previewed_ns == f->last_ns))
        return;   /* judged when it was already final but for the closing, or nothing new since */
    if (!ea_live_settled(f, c->now_ns, c->settle_ns))
        return;
    int prev = f->live.announced_verdict;
    const struct ea_ruleset *rs = ea_pipeline_rules(c->lv->pl);
    struct ea_decision d = ea_policy_decide(c->lv->scratch, f);
    f->live.previewed = two_way ? 2 : 1;
    f->live.previewed_ns = f->last_ns;
    if (!d.turn) {
        ea_policy_record(rs, &d, f);
        emit(c->lv, f, ea_live_alert_step(f), prev);
        return;
    }
    struct ea_flow tmp = *f;
    tmp.verdict.text = NULL;
    tmp.table.hnext = tmp.table.lru_prev = tmp.table.lru_next = NULL;
    ea_flow_turn(&tmp);
    ea_policy_record(rs, &d, &tmp);
    emit(c->lv, &tmp, ea_live_alert_step(&tmp), prev);
    f->live.announced = tmp.live.announced;
    f->live.announced_verdict = tmp.live.announced_verdict;
    free(tmp.verdict.text);
}

void ea_live_alerts_init(struct ea_live *lv)
{
    lv->alert_out = stdout;
    if (lv->o->syslog)
        openlog("edgeaudit", LOG_PID, LOG_DAEMON);
}

int ea_live_alerts_open(struct ea_live *lv)
{
    if (lv->alert_out && lv->alert_out != stdout)
        fclose(lv->alert_out);
    lv->alert_out = stdout;
    if (lv->o->syslog) {
        closelog();
        openlog("edgeaudit", LOG_PID, LOG_DAEMON);
    }
    if (!lv->o->alert_file)
        return 0;
    FILE *f = fopen(lv->o->alert_file, "a");
    if (!f) {
        fprintf(stderr, "edgeaudit: %s: %s; alerts go to standard output\n", lv->o->alert_file,
                strerror(errno));
        return -1;
    }
    lv->alert_out = f;
    return 0;
}

void ea_live_alerts_close(struct ea_live *lv)
{
    if (lv->alert_out && lv->alert_out != stdout)
        fclose(lv->alert_out);
    lv->alert_out = NULL;
    if (lv->o->syslog)
        closelog();
}

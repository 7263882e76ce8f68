/* live-report.c: live mode's reports: the whole run so far and the last window, written atomically into --report-dir. */
#include <limits.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diff.h"
#include "live-report.h"
#include "live-alert.h"
#include "live-private.h"
#include "live-workers.h"
#include "report-xml.h"
#include "report-html.h"
#include "report-stream.h"
#include "util-file.h"

void ea_live_set_stream(struct ea_live *lv, struct ea_stream *s)
{
    lv->stream = s;
}

void ea_live_set_baseline(struct ea_live *lv, const struct ea_report *base)
{
    lv->base = base;
}

void ea_live_set_accept(struct ea_live *lv, struct ea_accept *acc)
{
    lv->acc = acc;
}

/*
 * --baseline: the plain report goes to a hidden file beside its place, then
 * diff.c writes it there with the changes (atomically) and renders the HTML
 * from it: a reader never sees a report without them. 0, or -1 (said).
 */
static int write_compared(struct ea_live *lv, const char *xml, size_t len, const char *path,
                          const char *html)
{
    const struct ea_options *o = lv->o;
    char plain[PATH_MAX];
    struct ea_diff_run run = { o->baseline, path, html, NULL, o->datadir, 1, lv->base, plain, lv->acc,
                               (int64_t)time(NULL) * 1000000000LL };
    struct ea_diff_counts c;
    snprintf(plain, sizeof(plain), "%s/.edgeaudit-plain-XXXXXX", o->report_dir);
    int fd = mkstemp(plain), rc = -1;
    if (fd < 0 || ea_write_all(fd, xml, len) != 0) {
        fprintf(stderr, "edgeaudit: %s: cannot write the report before the comparison\n", o->report_dir);
        goto out;
    }
    rc = ea_diff_baseline(&run, &c) == 0 ? 0 : -1;
out:
    if (fd >= 0) {
        close(fd);
        unlink(plain);
    }
    return rc;
}

struct collect_ctx {
    struct ea_stream *stream;     /* the draft the flows go to */
    const struct ea_view *v;      /* rules and classifier */
    struct ea_policy *pol;        /* the draft's counts */
    uint64_t from_ns;             /* window: flows seen last before this are not in it (0: every flow) */
};

/*
 * A flow still in the table counts in a report as a finished one would: judged on the report's
 * policy through a copy, then grouped in the draft, its copy's words freed at once.
 */
static void collect_copy(struct ea_flow *f, void *ctx)
{
    struct collect_ctx *c = ctx;
    struct ea_flow tmp;
    if (f->last_ns < c->from_ns)
        return;
    ea_live_judge_copy(c->pol, f, &tmp);
    ea_stream_draft_flow(c->stream, c->v, &tmp);
    free(tmp.verdict.text);
}

static int write_pair(struct ea_live *lv, const struct ea_view *view, const char *xml_name, const char *html_name)
{
    char err[1024], path[PATH_MAX], hpath[PATH_MAX];
    struct ea_report_meta meta = { lv->o->deterministic, NULL };
    size_t len = 0;
    int rc = 0;
    char *xml = ea_report_xml_build(view, &meta, &len);
    if (!xml) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", lv->o->report_dir, xml_name);
    snprintf(hpath, sizeof(hpath), "%s/%s", lv->o->report_dir, html_name);
    if (lv->base || lv->acc) {
        rc = write_compared(lv, xml, len, path, hpath);
    } else if (ea_write_atomic(path, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (!lv->base && !lv->acc && ea_report_html_render(lv->o, hpath, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (lv->on_report && !view->cap.window_s)   /* the whole run: --db records it */
        lv->on_report(view, xml, len, lv->on_report_ctx);
    free(xml);
    return rc;
}

/*
 * One report: the whole run or the current window, as a draft of the report
 * stream (report-stream.h): the finished flows' groups and counts (the
 * window's: those last seen in it), plus the flows still in the table,
 * judged provisionally, counted and grouped as finished ones are. The
 * pipeline's own counts are never touched; memory is the groups', never a
 * copy of the flows.
 */
static int write_view(struct ea_live *lv, int window)
{
    struct ea_view view;
    struct ea_policy *own = NULL;
    int rc = -1;

    ea_pipeline_view(lv->pl, &view);
    uint64_t pnow = ea_pipeline_now(lv->pl), now_ns = ea_live_wall_ns() > pnow ? ea_live_wall_ns() : pnow;
    struct collect_ctx c = { lv->stream, &view, NULL, 0 };
    if (lv->stream && ea_stream_draft(lv->stream, view.pol, window, now_ns) == 0) {
        c.pol = ea_stream_draft_policy(lv->stream);
        c.from_ns = window ? ea_stream_window_start(lv->stream, now_ns) : 0;
    } else if (!lv->stream && (own = ea_policy_new(view.rs)) != NULL) {   /* no stream: counts only */
        memcpy(own, view.pol, sizeof(*own));
        c.pol = own;
    }
    if (!c.pol) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        goto out;
    }
    ea_live_foreach_active(lv, collect_copy, &c);
    ea_policy_finish(c.pol);
    if (lv->stream && ea_stream_view(lv->stream, &view, window, now_ns) != 0) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        goto out;
    }
    uint64_t last_ns;
    view.pol = c.pol;
    view.cap.window_s = window ? lv->o->window_s : 0;
    ea_live_sum_stats(lv, &view.st, &last_ns);
    rc = window ? write_pair(lv, &view, EA_LIVE_WINDOW_XML, EA_LIVE_WINDOW_HTML)
                : write_pair(lv, &view, EA_LIVE_REPORT_XML, EA_LIVE_REPORT_HTML);
out:
    if (lv->stream)
        ea_stream_draft_end(lv->stream);
    ea_policy_free(own);
    return rc;
}

int ea_live_write_reports(struct ea_live *lv)
{
    int rc = 0;
    if (!lv->o->report_dir)
        return 0;
    ea_live_lock(lv);   /* the reports read the workers' tables, and copies share their strings */
    ea_live_drain(lv);
    ea_live_update_loss(lv);
    if (write_view(lv, 0) != 0)
        rc = -1;
    if (lv->o->window_s && write_view(lv, 1) != 0)
        rc = -1;
    ea_live_unlock(lv);
    return rc;
}

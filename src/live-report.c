/* live-report.c: live mode's reports: the whole run so far and the last window, written atomically into --report-dir. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "live-report.h"
#include "live-alert.h"
#include "live-private.h"
#include "live-workers.h"
#include "report-xml.h"
#include "report-html.h"
#include "util-file.h"

int ea_live_in_window(uint64_t last_ns, uint64_t now_ns, uint64_t window_ns)
{
    if (now_ns < window_ns)
        return 1;
    return last_ns >= now_ns - window_ns;
}

struct collect_ctx {
    struct ea_flow **arr;
    size_t n, cap;
    struct ea_flow *copies;       /* judged copies (ea_live_judge_copy), ncopies of capcopies */
    size_t ncopies, capcopies;
    struct ea_policy *pol;
    uint64_t now_ns, window_ns;   /* window_ns 0: every flow */
};

/* A flow joins a report judged on the report's policy, through a copy. */
static void collect_copy(struct ea_flow *f, void *ctx)
{
    struct collect_ctx *c = ctx;
    if (c->n == c->cap || c->ncopies == c->capcopies)
        return;
    if (c->window_ns && !ea_live_in_window(f->last_ns, c->now_ns, c->window_ns))
        return;
    struct ea_flow *t = &c->copies[c->ncopies++];
    ea_live_judge_copy(c->pol, f, t);
    c->arr[c->n++] = t;
}

static int write_pair(struct ea_live *lv, const struct ea_view *view, const char *xml_name, const char *html_name)
{
    char err[1024], path[PATH_MAX];
    struct ea_report_meta meta = { lv->o->deterministic, NULL };
    size_t len = 0;
    int rc = 0;
    char *xml = ea_report_xml_build(view, &meta, &len);
    if (!xml) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", lv->o->report_dir, xml_name);
    if (ea_write_atomic(path, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    snprintf(path, sizeof(path), "%s/%s", lv->o->report_dir, html_name);
    if (ea_report_html_render(lv->o, path, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (lv->on_report && !view->cap.window_s)   /* the whole run: --db records it */
        lv->on_report(view, xml, len, lv->on_report_ctx);
    free(xml);
    return rc;
}

/*
 * One report over a view of the pipeline: the whole run (a copy of the
 * policy's counts plus the active flows judged on that copy) or the last
 * window (every listed flow seen in it, judged again on a fresh policy).
 * The pipeline's own counts are never touched.
 */
static int write_view(struct ea_live *lv, int window)
{
    struct ea_view view;
    struct collect_ctx c;
    int rc = -1;

    ea_pipeline_view(lv->pl, &view);
    memset(&c, 0, sizeof(c));
    uint64_t pnow = ea_pipeline_now(lv->pl);
    c.now_ns = ea_live_wall_ns() > pnow ? ea_live_wall_ns() : pnow;
    c.window_ns = window ? (uint64_t)lv->o->window_s * EA_LIVE_NS : 0;
    c.cap = view.ndone + ea_live_count_active(lv);
    c.capcopies = ea_live_count_active(lv);
    if (window)
        for (size_t i = 0; i < view.ndone; i++)
            c.capcopies += ea_live_in_window(view.done[i]->last_ns, c.now_ns, c.window_ns);
    c.arr = malloc((c.cap ? c.cap : 1) * sizeof(*c.arr));
    c.copies = calloc(c.capcopies ? c.capcopies : 1, sizeof(*c.copies));
    if (window) {
        c.pol = ea_policy_new(view.rs);
    } else {
        c.pol = malloc(sizeof(*c.pol));
        if (c.pol)
            memcpy(c.pol, view.pol, sizeof(*c.pol));
    }
    if (!c.arr || !c.copies || !c.pol) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        goto out;
    }
    /* Finished flows: as judged (whole run), or judged again for the window's counts. */
    for (size_t i = 0; i < view.ndone; i++) {
        if (window)
            collect_copy(view.done[i], &c);
        else
            c.arr[c.n++] = view.done[i];
    }
    ea_live_foreach_active(lv, collect_copy, &c);
    ea_policy_finish(c.pol);
    if (c.n)
        qsort(c.arr, c.n, sizeof(*c.arr), ea_flow_id_cmp);

    uint64_t now_ns;
    view.pol = c.pol;
    view.done = c.arr;
    view.ndone = c.n;
    view.cap.window_s = window ? lv->o->window_s : 0;
    ea_live_sum_stats(lv, &view.st, &now_ns);
    rc = window ? write_pair(lv, &view, EA_LIVE_WINDOW_XML, EA_LIVE_WINDOW_HTML)
                : write_pair(lv, &view, EA_LIVE_REPORT_XML, EA_LIVE_REPORT_HTML);
out:
    for (size_t i = 0; i < c.ncopies; i++)
        free(c.copies[i].verdict.text);
    free(c.copies);
    ea_policy_free(c.pol);
    free(c.arr);
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

/* app.c: one run, offline or live: options, rules, pipeline, reports, exit code. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "app.h"
#include "options.h"
#include "pipeline.h"
#include "output-flows.h"
#include "report-xml.h"
#include "report-html.h"
#include "report-json.h"
#include "report-stream.h"
#include "live.h"
#include "live-report.h"
#include "merge.h"
#include "diff.h"
#include "accept.h"
#include "runmode-files.h"
#include "util-file.h"
#include "util-time.h"
#include "rules-cmd.h"
#include "db.h"
#include "db-run.h"
#include "db-cmd.h"

#define ERRLEN 1024

/* Warns once per rule whose roles have no addresses; once in all when no role has any. */
static void warn_unconfigured(const struct ea_ruleset *rs, int quiet)
{
    int any = 0;
    for (size_t i = 0; i < rs->nroles; i++)
        any |= !rs->roles[i].builtin_any && ea_role_configured(&rs->roles[i]);
    if (!any && !quiet) {
        fprintf(stderr, "edgeaudit: warning: no role has addresses (give --site or --role): "
                "nothing is audited, every flow is out of scope\n");
        return;
    }
    for (size_t i = 0; i < rs->nrules && !quiet; i++) {
        const struct ea_rule *r = &rs->rules[i];
        const struct ea_role *s = &rs->roles[r->src_role], *d = &rs->roles[r->dst_role];
        if (!ea_role_configured(s) || !ea_role_configured(d))
            fprintf(stderr, "edgeaudit: warning: rule %s is unconfigured: role %s has no addresses\n",
                    r->id, ea_role_configured(s) ? d->name : s->name);
    }
}

/* The human summary on stdout: rule statuses, then the first unexpected flows. */
static void print_summary(const struct ea_view *pl)
{
    const struct ea_policy *pol = pl->pol;
    const struct ea_ruleset *rs = pl->rs;
    const char *word = ea_policy_has_findings(pol) ? "FINDINGS" : "compliant";
    if (pl->cap.partial)
        printf("edgeaudit: PARTIAL: the input ended in an error; %s in what was read\n",
               ea_policy_has_findings(pol) ? "findings" : "no findings");
    else if (pl->cap.incomplete)
        printf("edgeaudit: INCOMPLETE: %d%% or more of the packets were lost; %s in what was captured\n",
               EA_LOSS_INCOMPLETE_PCT, ea_policy_has_findings(pol) ? "findings" : "no findings");
    else
        printf("edgeaudit: %s\n", word);
    for (size_t d = 0; d < rs->ndocs; d++) {   /* issue 14: "observed N of M rules", per pack */
        size_t obs = 0;
        for (size_t i = 0; i < rs->nrules; i++)
            obs += rs->rules[i].doc == (int)d && pol->stat[i].status == EA_RS_OBSERVED;
        printf("pack %s: observed %zu of %zu rules\n", rs->docs[d].pack, obs, rs->docs[d].nrules);
    }
    printf("%-20s %-13s %6s %6s %6s\n", "rule", "status", "flows", "blocked", "violations");
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct ea_rule_stat *s = &pol->stat[i];
        printf("%-20s %-13s %6" PRIu64 " %6" PRIu64 " %6" PRIu64 "\n", rs->rules[i].id,
               ea_rule_status_name(s->status), s->allowed + s->unverified, s->blocked, s->violations);
    }
    printf("flows:");
    for (int v = 0; v < EA_V__COUNT; v++)
        printf(" %s=%" PRIu64, ea_verdict_name((enum ea_verdict)v), pol->verdicts[v]);
    printf("\n");
    if (pl->groups)
        printf("finding groups: %zu (%zu scans) over %" PRIu64 " flows\n", pl->groups->n,
               pl->groups->scans, pl->groups->flows);
    /* The first unexpected or required-blocked flows among those listed (the examples). */
    size_t n = pl->listed ? ea_spool_count(pl->listed) : 0;
    int shown = 0;
    for (size_t i = 0; i < n && shown < 10; i++) {
        struct ea_example e;
        if (ea_spool_get(pl->listed, i, &e) != 0)
            break;
        if (!*ea_example_part(&e, EA_FP_FINDING))
            continue;
        printf("  %s\n", ea_example_part(&e, EA_FP_BRIEF));
        shown++;
    }
}

/* --baseline, read before the run (diff.c), and --accept, loaded before the capture (accept.c): owned. */
struct history {
    struct ea_report *base;
    struct ea_accept *acc;
};

/* --db: the session (db-run.h) and the run's XML report (owned, freed by run_db_free). */
struct run_db {
    struct ea_db_session s;
    char *xml;
    size_t len;
};

static void run_db_free(struct run_db *rdb)
{
    free(rdb->xml);
    ea_db_session_end(&rdb->s);
}

/*
 * Writes --json, --xml and --html from a new view of the stream s (live reports took theirs);
 * with keep (--db), the XML is built in memory and kept in keep->xml, so that the database
 * stores the very bytes of --xml.
 */
static int write_reports(const struct ea_options *o, struct ea_view *pl, struct ea_stream *s,
                         struct run_db *keep)
{
    char err[ERRLEN];
    struct ea_report_meta meta = { o->deterministic, NULL };
    int rc = 0;
    if (ea_stream_view(s, pl, 0, 0) != 0) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        return -1;
    }
    if (ea_stream_finish(s, pl, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (!o->xml && !o->html && !keep)
        return rc;
    if (!o->html && !keep) {     /* streamed: a report of many flows is never whole in memory */
        if (ea_report_xml_write(pl, &meta, o->xml, err, sizeof(err)) != 0) {
            fprintf(stderr, "edgeaudit: %s\n", err);
            rc = -1;
        }
        return rc;
    }
    size_t len = 0;
    char *xml = ea_report_xml_build(pl, &meta, &len);
    if (!xml) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        return -1;
    }
    if (o->xml && ea_write_atomic(o->xml, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (o->html && ea_report_html_render(o, o->html, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    if (keep) {
        keep->xml = xml;
        keep->len = len;
    } else {
        free(xml);
    }
    return rc;
}

/* --db before the capture: -1 when the schema is not this program's (the run must not start). */
static int db_start(const struct ea_options *o, struct run_db *rdb)
{
    struct ea_db_session s = { .target = o->db, .sensor = o->sensor, .live = o->iface != NULL,
                               .with_flows = o->db_flows, .quiet = o->quiet };
    rdb->s = s;
    return o->db ? ea_db_session_start(&rdb->s) : 0;
}

/* --db after the reports: code, or EA_EXIT_REPORT when the run could not be recorded. */
static int db_record(const struct ea_options *o, struct run_db *rdb, const struct ea_view *v, int code)
{
    if (!o->db)
        return code;
    return ea_db_session_record(&rdb->s, v, rdb->xml, rdb->len, code) == 0 ? code : EA_EXIT_REPORT;
}

/* Live --db: each whole-run report of --report-dir records the run so far (its row again). */
static void db_interval(const struct ea_view *v, const char *xml, size_t len, void *ctx)
{
    struct run_db *rdb = ctx;
    rdb->s.tries++;
    if (ea_db_session_record(&rdb->s, v, xml, len, ea_policy_has_findings(v->pol)) != 0)
        rdb->s.fails++;
}

/* Live mode over pl, its whole-run reports recorded with --db, compared with h->base and accepted
 * with h->acc; NULL as ea_live_new. */
static struct ea_live *live_new(const struct ea_options *o, struct ea_pipeline *pl, struct run_db *rdb,
                                const struct history *h, char *err, size_t errlen)
{
    struct ea_live *lv = ea_live_new(o, pl, err, errlen);
    if (lv && o->db)
        ea_live_on_report(lv, db_interval, rdb);
    if (lv) {
        ea_live_set_baseline(lv, h->base);
        ea_live_set_accept(lv, h->acc);
    }
    return lv;
}

/*
 * Before the run: --db's schema checked, the rules' warnings, --baseline read
 * (live mode compares every report with it, and drops privileges first).
 * Returns 0 to go on, else the exit code after a line on stderr.
 */
static int before_run(const struct ea_options *o, const struct ea_ruleset *rs, struct run_db *rdb,
                      struct ea_report **base)
{
    char err[ERRLEN];
    if (db_start(o, rdb) != 0)
        return EA_EXIT_SCHEMA;   /* the schema is not this program's: refused before the capture */
    warn_unconfigured(rs, o->quiet);
    if (o->baseline && !(*base = ea_diff_baseline_load(o->baseline, o->datadir, err, sizeof(err)))) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        return EA_EXIT_USAGE;
    }
    return 0;
}

/* The pipeline with the limits of the command line; NULL as ea_pipeline_new. */
static struct ea_pipeline *new_pipeline(const struct ea_options *o, const struct ea_ruleset *rs)
{
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    lim.max_flows = o->max_flows;
    lim.tcp_idle_ns = (uint64_t)o->tcp_timeout_s * 1000000000ULL;
    lim.udp_idle_ns = (uint64_t)o->udp_timeout_s * 1000000000ULL;
    return ea_pipeline_new(&lim, rs);
}

/*
 * --accept FILE (accept.c), before the capture: loaded and checked as a rules file is, one line
 * "FILE:LINE: cause" on stderr when it is bad. 0 (*acc NULL without --accept), or -1.
 */
static int accept_load(const struct ea_options *o, struct ea_accept **acc)
{
    char err[ERRLEN], dir[PATH_MAX];
    *acc = NULL;
    if (!o->accept)
        return 0;
    if (ea_find_datadir(o, "rules", "accept.rng", dir, sizeof(dir)) != 0)
        snprintf(err, sizeof(err), "cannot find the accept schema accept.rng (try --datadir)");
    else if ((*acc = ea_accept_load(o->accept, dir, err, sizeof(err))) != NULL)
        return 0;
    fprintf(stderr, "edgeaudit: %s\n", err);
    return -1;
}

/*
 * --baseline OLD.xml and --accept FILE (diff.c): the reports written, compares
 * the XML report (a temporary one when --xml was not asked) with OLD, marks
 * the accepted groups, and rewrites the reports with both. Expiries are judged
 * at the end of the capture (no packet: now, or 1970 with --deterministic).
 * Returns 1 when the exit code is findings (--fail-on new: a new finding
 * group, not accepted, or a worse rule; else the run's findings less the
 * accepted groups), 0 when not; -2 when the baseline could not be read, -1
 * when the reports could not be rewritten (said on stderr).
 */
static int baseline(const struct ea_options *o, const struct ea_view *v, const struct history *h)
{
    char tmp[] = "/tmp/edgeaudit-baseline-XXXXXX";
    struct ea_diff_run run = { o->baseline, o->xml, o->html, o->json, o->datadir, o->quiet, h->base, NULL, h->acc,
                               o->deterministic ? 0 : (int64_t)time(NULL) * 1000000000LL };
    struct ea_diff_counts c;
    int fd = -1, rc = -1;
    if (!o->xml) {   /* the comparison reads the run's XML report */
        char err[ERRLEN];
        struct ea_report_meta meta = { o->deterministic, NULL };
        if ((fd = mkstemp(tmp)) < 0) {
            fprintf(stderr, "edgeaudit: --baseline: cannot make a temporary file\n");
            return -1;
        }
        run.xml = tmp;
        if (ea_report_xml_write(v, &meta, tmp, err, sizeof(err)) != 0) {
            fprintf(stderr, "edgeaudit: %s\n", err);
            goto out;
        }
    }
    if ((rc = ea_diff_baseline(&run, &c)) != 0)
        goto out;
    rc = o->fail_new ? c.added_findings || c.rules_worse : c.findings;
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    return rc;
}

/*
 * Every report (live's and the files, both attempted: a failed --report-dir must not cost the
 * --xml/--html/--json), then --baseline. Returns 1 when the exit code is findings, 0 when not;
 * -1 when a report was not written, -2 when the baseline could not be read.
 */
static int report_all(const struct ea_options *o, struct ea_view *v, struct ea_live *lv,
                      struct ea_stream *s, struct run_db *rdb, const struct history *h)
{
    int wr = lv ? ea_live_write_reports(lv) : 0;
    if (write_reports(o, v, s, o->db ? rdb : NULL) != 0)
        wr = -1;
    if (wr != 0)
        return -1;
    return o->baseline || h->acc ? baseline(o, v, h) : ea_policy_has_findings(v->pol);   /* issue 16 */
}

/* edgeaudit merge REPORT... (merge.c), edgeaudit diff OLD NEW (diff.c), edgeaudit rules [--pack NAME]
 * (rules-cmd.c), edgeaudit db|runs|report (db-cmd.c): the exit code, or -1 when argv names no
 * subcommand. */
static int subcommand(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return ea_merge_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "diff") == 0)
        return ea_diff_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "rules") == 0)
        return ea_rules_main(argc - 1, argv + 1, stdout, stderr);
    if (argc > 1 && strcmp(argv[1], "db") == 0)
        return ea_db_cmd_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "runs") == 0)
        return ea_runs_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return ea_report_db_main(argc - 1, argv + 1);
    return -1;
}

/*
 * The pipeline with the options' limits, and the report stream that takes
 * its flows as they finish (*stream). NULL after a line on stderr.
 */
static struct ea_pipeline *start_run(const struct ea_options *o, const struct ea_ruleset *rs,
                                 struct ea_stream **stream)
{
    struct ea_pipeline *pl = new_pipeline(o, rs);
    if (!pl) {
        fprintf(stderr, "edgeaudit: cannot start the pipeline (out of memory or nDPI failed)\n");
        return NULL;
    }
    struct ea_stream_opts so = { o->json, o->examples, o->list_all, o->iface ? o->keep_flows : 0,
                                 o->iface ? (uint64_t)o->window_s * 1000000000ULL : 0 };
    *stream = ea_stream_new(&so, rs);
    if (!*stream) {
        fprintf(stderr, "edgeaudit: cannot start the reports (out of memory or no temporary file)\n");
        ea_pipeline_free(pl);
        return NULL;
    }
    ea_stream_attach(*stream, pl);
    return pl;
}

/* The view of the finished run (pipeline and stream), then --flows or the summary on stdout. */
static void finished_view(const struct ea_options *o, struct ea_pipeline *pl, struct ea_stream *s,
                          struct ea_view *v)
{
    ea_pipeline_view(pl, v);
    if (ea_stream_view(s, v, 0, 0) != 0 || (o->flows && ea_output_flows(stdout, v) != 0))
        ea_pipeline_mark_oom(pl);
    if (!o->quiet && !o->flows)
        print_summary(v);
}

int ea_app_main(int argc, char **argv)
{
    struct ea_options o;
    struct ea_ruleset *rs = NULL;
    struct ea_pipeline *pl = NULL;
    struct ea_live *lv = NULL;
    struct run_db rdb = { .xml = NULL };
    struct ea_stream *stream = NULL;
    struct history h = { NULL, NULL };   /* --baseline (read before the run; live: before -Z), --accept */
    char err[ERRLEN];
    int code = EA_EXIT_USAGE;
    double start = ea_mono_now();
    int sub = subcommand(argc, argv);   /* edgeaudit merge, diff, rules */
    if (sub >= 0)
        return sub;
    int prc = ea_options_parse(&o, argc, argv, err, sizeof(err));
    if (prc != 0) {
        if (prc < 0)
            fprintf(stderr, "edgeaudit: %s\n", err);
        code = prc > 0 ? EA_EXIT_COMPLIANT : EA_EXIT_USAGE;
        goto out;
    }
    rs = ea_ruleset_new();
    if (!rs || ea_rules_load(&o, rs, stderr) != 0 || accept_load(&o, &h.acc) != 0)
        goto out;
    ea_ruleset_set_mtls_seen_only(rs, o.mtls_seen_only);
    if ((code = before_run(&o, rs, &rdb, &h.base)) != 0)
        goto out;
    code = EA_EXIT_USAGE;

    pl = start_run(&o, rs, &stream);
    if (!pl)
        goto out;
    if (o.db_flows)
        ea_stream_on_flow(stream, ea_db_session_flow, &rdb.s);
    int input_rc;
    if (o.iface) {
        lv = live_new(&o, pl, &rdb, &h, err, sizeof(err));
        if (lv)
            ea_live_set_stream(lv, stream);
        input_rc = lv ? ea_live_run(lv, err, sizeof(err)) : -2;
        if (input_rc == -2) {   /* nothing was captured: a usage or device error */
            fprintf(stderr, "edgeaudit: %s\n", err);
            goto out;
        }
    } else {
        struct ea_input in = { (const char *const *)o.inputs, o.ninputs, o.bpf, o.threads, isatty(2) };
        input_rc = ea_run_files(pl, &in, err, sizeof(err));
    }
    if (input_rc != 0) {
        /* Keep what was read: the reports say the input is partial. */
        fprintf(stderr, "edgeaudit: %s\n", err);
        ea_pipeline_set_error(pl, err);
    }
    ea_pipeline_finish(pl);
    struct ea_view v;
    finished_view(&o, pl, stream, &v);
    int fail = report_all(&o, &v, lv, stream, &rdb, &h);
    if (fail < 0) {
        code = fail == -2 ? EA_EXIT_USAGE : EA_EXIT_REPORT;
        goto out;
    }
    if (!o.quiet)
        ea_output_run_summary(stderr, &v, ea_mono_now() - start);
    if (input_rc != 0 || ea_pipeline_oom(pl) || ea_stream_oom(stream))
        code = EA_EXIT_USAGE;
    else
        code = fail ? EA_EXIT_FINDINGS : EA_EXIT_COMPLIANT;
    code = db_record(&o, &rdb, &v, code);
out:
    ea_accept_free(h.acc);
    run_db_free(&rdb);
    ea_live_free(lv);
    ea_pipeline_free(pl);
    ea_stream_free(stream);
    ea_report_free(h.base);
    ea_ruleset_free(rs);
    ea_options_free(&o);
    return code;
}

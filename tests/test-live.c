/* test-live.c: unit tests of live mode without a device: loss arithmetic, window, settling, alerts once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tests.h"
#include "live.h"
#include "live-alert.h"
#include "live-report.h"
#include "pipeline.h"
#include "output-flows.h"
#include "report-stream.h"
#include "runmode-files.h"

#define NS 1000000000ULL

static void test_loss_threshold(void)
{
    CU_ASSERT_EQUAL(ea_loss_incomplete(0, 0), 0);
    CU_ASSERT_EQUAL(ea_loss_incomplete(0, 1000), 0);
    CU_ASSERT_EQUAL(ea_loss_incomplete(99, 1000), 0);     /* 9.9 % */
    CU_ASSERT_EQUAL(ea_loss_incomplete(100, 1000), 1);    /* exactly 10 % */
    CU_ASSERT_EQUAL(ea_loss_incomplete(1, 10), 1);
    CU_ASSERT_EQUAL(ea_loss_incomplete(5, 3), 1);         /* more lost than counted: all lost */
    /* no overflow near the top of the range */
    CU_ASSERT_EQUAL(ea_loss_incomplete(UINT64_MAX / 20, UINT64_MAX), 0);
    CU_ASSERT_EQUAL(ea_loss_incomplete(UINT64_MAX / 10 + 1, UINT64_MAX), 1);
    CU_ASSERT_EQUAL(ea_loss_incomplete(1, 11), 0);        /* 9.1 %: rounding up, not down */
    CU_ASSERT_EQUAL(ea_loss_incomplete(2, 11), 1);
}

static struct ea_pipeline *mkpipeline(struct ea_ruleset **rsp);

static void test_set_loss(void)
{
    struct ea_ruleset *rs = NULL;
    struct ea_pipeline *pl = mkpipeline(&rs);
    struct ea_view v;
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    /* kernel drops count against what was received; interface drops add to both */
    CU_ASSERT_EQUAL(ea_pipeline_set_loss(pl, 900, 50, 0), 0);
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL(v.cap.have_loss, 1);
    CU_ASSERT_EQUAL(v.cap.recv, 900);
    CU_ASSERT_EQUAL(v.cap.drop, 50);
    CU_ASSERT_EQUAL(ea_pipeline_set_loss(pl, 900, 50, 50), 1);   /* 100 of 950 */
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL(v.cap.incomplete, 1);
    CU_ASSERT_EQUAL(v.cap.ifdrop, 50);
    CU_ASSERT_EQUAL(ea_pipeline_set_loss(pl, 1000, 0, 0), 0);     /* the mark follows the counters */
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL(v.cap.incomplete, 0);
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
}

static struct ea_flow *mkflow(void)
{
    struct ea_flow *f = calloc(1, sizeof(*f));
    f->id = 7;
    f->key.family = 4;
    f->key.proto = 6;
    inet_pton(AF_INET, "203.0.113.99", f->key.src);
    inet_pton(AF_INET, "192.0.2.10", f->key.dst);
    f->key.sport = 40000;
    f->key.dport = 5099;
    f->last_ns = 100 * NS;
    return f;
}

static void test_settled(void)
{
    struct ea_flow *f = mkflow();
    f->pkts[0] = 1;                                                /* a lone SYN */
    CU_ASSERT_EQUAL(ea_live_settled(f, 101 * NS, 5 * NS), 0);
    CU_ASSERT_EQUAL(ea_live_settled(f, 105 * NS, 5 * NS), 1);      /* quiet long enough */
    CU_ASSERT_EQUAL(ea_live_settled(f, 99 * NS, 5 * NS), 0);       /* clock behind the flow */
    f->label.decided = 1;
    CU_ASSERT_EQUAL(ea_live_settled(f, 101 * NS, 5 * NS), 0);      /* decided, but one-way */
    f->pkts[1] = 1;
    CU_ASSERT_EQUAL(ea_live_settled(f, 100 * NS, 5 * NS), 1);      /* decided both ways: final */
    free(f);
}

static void test_alert_once(void)
{
    struct ea_flow *f = mkflow();
    f->verdict.judged = 1;
    f->verdict.v = EA_V_ALLOWED;
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_NONE);         /* nothing to say */
    CU_ASSERT_EQUAL(f->live.announced, 0);
    f->verdict.v = EA_V_BLOCKED;
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_NEW);
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_NONE);         /* once only */
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_NONE);
    f->verdict.v = EA_V_UNEXPECTED;                                  /* the final verdict differs */
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_REVISED);
    CU_ASSERT_EQUAL(f->live.announced_verdict, EA_V_UNEXPECTED);
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_NONE);
    f->verdict.v = EA_V_ALLOWED;                                     /* revised down is said too */
    CU_ASSERT_EQUAL(ea_live_alert_step(f), EA_ALERT_REVISED);
    free(f);
}

/* A pipeline over the shipped rules with the plan's edge address, for formatting. */
static struct ea_pipeline *mkpipeline(struct ea_ruleset **rsp)
{
    char err[512], dir[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    struct ea_flow_limits lim;
    snprintf(dir, sizeof(dir), "%s/rules", top ? top : "..");
    snprintf(path, sizeof(path), "%s/lync2013-edge.xml", dir);
    *rsp = ea_ruleset_new();
    if (!*rsp || ea_ruleset_load_rules(*rsp, path, dir, err, sizeof(err)) != 0 ||
        ea_ruleset_add_role_arg(*rsp, "edge-access=192.0.2.10", err, sizeof(err)) != 0)
        return NULL;
    ea_flow_limits_default(&lim);
    return ea_pipeline_new(&lim, *rsp);
}

/* captures/own/matrix.pcap through a pipeline whose stream keeps a --window of window_ns. */
static struct ea_stream *window_run(struct ea_ruleset **rs, struct ea_pipeline **pl, uint64_t window_ns)
{
    char err[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(path, sizeof(path), "%s/captures/own/matrix.pcap", top ? top : "..");
    const char *files[1] = { path };
    struct ea_input in = { files, 1, NULL, 1, 0 };
    struct ea_stream_opts so = { NULL, 3, 0, 0, window_ns };
    *pl = mkpipeline(rs);
    struct ea_stream *s = *pl ? ea_stream_new(&so, *rs) : NULL;
    if (!s)
        return NULL;
    ea_stream_attach(s, *pl);
    CU_ASSERT_EQUAL(ea_run_files(*pl, &in, err, sizeof(err)), 0);
    ea_pipeline_finish(*pl);
    ea_pipeline_on_finished(*pl, NULL, NULL);
    return s;
}

/* The window's draft at now_ns: its finding flows (groups) and its judged flows (counts). */
static void window_at(struct ea_stream *s, struct ea_pipeline *pl, uint64_t now_ns, uint64_t *grouped,
                      uint64_t *counted)
{
    struct ea_view v;
    *grouped = *counted = UINT64_MAX;
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL_FATAL(ea_stream_draft(s, NULL, 1, now_ns), 0);
    CU_ASSERT_EQUAL_FATAL(ea_stream_view(s, &v, 1, now_ns), 0);
    *grouped = v.groups->flows;
    const struct ea_policy *p = ea_stream_draft_policy(s);
    *counted = 0;
    for (int i = 0; i < EA_V__COUNT; i++)
        *counted += p->verdicts[i];
    ea_stream_draft_end(s);
}

/*
 * --window slides (issue 13): a window wider than the capture holds the whole run; a 16 s window
 * holds fewer flows as it moves past the end, still some 8 s after it (a tumbling window would
 * have started empty at its boundary), and none once it has moved past every flow.
 */
static void test_window_slides(void)
{
    struct ea_ruleset *rs1 = NULL, *rs2 = NULL;
    struct ea_pipeline *pl1 = NULL, *pl2 = NULL;
    struct ea_stream *wide = window_run(&rs1, &pl1, 3600 * NS), *narrow = window_run(&rs2, &pl2, 16 * NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wide);
    CU_ASSERT_PTR_NOT_NULL_FATAL(narrow);
    struct ea_view v;
    ea_pipeline_view(pl1, &v);
    CU_ASSERT_EQUAL_FATAL(ea_stream_view(wide, &v, 0, 0), 0);
    uint64_t end = ea_pipeline_now(pl1), all_grouped = v.groups->flows, all = 0, g, c, pg = UINT64_MAX, pc = UINT64_MAX;
    for (int i = 0; i < EA_V__COUNT; i++)
        all += v.pol->verdicts[i];
    CU_ASSERT(all_grouped > 0 && all > all_grouped);
    window_at(wide, pl1, end, &g, &c);
    CU_ASSERT_EQUAL(g, all_grouped);
    CU_ASSERT_EQUAL(c, all);
    for (uint64_t at = 0; at <= 16; at += 4) {
        window_at(narrow, pl2, end + at * NS, &g, &c);
        CU_ASSERT(g <= pg && c <= pc && c <= all && g <= all_grouped);
        if (at == 0)
            CU_ASSERT(c < all);   /* the capture is 26 s long: its start is out of a 16 s window */
        if (at == 8)
            CU_ASSERT(c > 0);
        pg = g;
        pc = c;
    }
    window_at(narrow, pl2, end + 17 * NS, &g, &c);
    CU_ASSERT_EQUAL(g, 0);
    CU_ASSERT_EQUAL(c, 0);
    ea_stream_free(wide);
    ea_stream_free(narrow);
    ea_pipeline_free(pl1);
    ea_pipeline_free(pl2);
    ea_ruleset_free(rs1);
    ea_ruleset_free(rs2);
}

static void test_alert_format(void)
{
    struct ea_ruleset *rs = NULL;
    struct ea_pipeline *pl = mkpipeline(&rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    struct ea_policy *pol = ea_policy_new(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    struct ea_flow *f = mkflow();
    f->tcp.open = EA_OPEN_SYN;
    f->tcp.syns = 3;
    f->pkts[0] = 3;
    CU_ASSERT_EQUAL(ea_policy_judge(pol, f), 0);
    ea_policy_free(pol);
    CU_ASSERT_EQUAL(f->verdict.v, EA_V_BLOCKED);
    size_t len = 0;
    char *t = ea_live_alert_format(pl, f, EA_ALERT_NEW, 0, 0, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(len, strlen(t));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "edgeaudit: alert: blocked flow 7 203.0.113.99:40000 -> 192.0.2.10:5099: "));
    CU_ASSERT_EQUAL(strchr(t, '\n'), t + len - 1);                   /* one line */
    free(t);
    t = ea_live_alert_format(pl, f, EA_ALERT_REVISED, EA_V_UNEXPECTED, 0, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "edgeaudit: alert revised (was unexpected): blocked flow 7 "));
    free(t);
    /* JSON: the report's flow object plus the alert members, on one line */
    t = ea_live_alert_format(pl, f, EA_ALERT_NEW, 0, 1, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(strncmp(t, "{\"type\":\"flow\",\"id\":7,", 22), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"verdict\":\"blocked\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"server-port\":5099"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ",\"alert\":\"new\"}\n"));
    CU_ASSERT_PTR_NULL(strstr(t, "previous-verdict"));
    CU_ASSERT_EQUAL(strchr(t, '\n'), t + len - 1);
    free(t);
    t = ea_live_alert_format(pl, f, EA_ALERT_REVISED, EA_V_UNEXPECTED, 1, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ",\"alert\":\"revised\",\"previous-verdict\":\"unexpected\"}\n"));
    free(t);
    ea_flow_free(f);
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
}

/* The run summary gives the loss counters, and says INCOMPLETE at 10 % or more. */
static void test_summary_loss(void)
{
    struct ea_ruleset *rs = NULL;
    struct ea_pipeline *pl = mkpipeline(&rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    struct ea_view v;
    ea_pipeline_view(pl, &v);
    ea_output_run_summary(f, &v, 0);   /* offline: no loss line */
    fflush(f);
    CU_ASSERT_PTR_NULL(strstr(buf, "received"));
    ea_pipeline_set_loss(pl, 950, 40, 10);
    ea_pipeline_view(pl, &v);
    ea_output_run_summary(f, &v, 0);
    fflush(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "950 received, 40 dropped by the kernel, 10 dropped by the interface (5.2% lost)\n"));
    CU_ASSERT_PTR_NULL(strstr(buf, "INCOMPLETE"));
    ea_pipeline_set_loss(pl, 900, 90, 10);
    ea_pipeline_view(pl, &v);
    ea_output_run_summary(f, &v, 0);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "(11.0% lost): INCOMPLETE"));
    free(buf);
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
}

void ea_test_add_live(void)
{
    EA_SUITE("live",
             { "loss: the 10 % threshold", test_loss_threshold },
             { "loss: pipeline counters and mark", test_set_loss },
             { "window: slides over its buckets, bounded by the groups", test_window_slides },
             { "settled: when a flow may be judged early", test_settled },
             { "alerts: once per flow, again only when revised", test_alert_once },
             { "alerts: text and JSON lines", test_alert_format },
             { "summary: capture loss and the incomplete mark", test_summary_loss });
}

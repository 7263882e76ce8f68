/* test-pipeline.c: unit tests of the pipeline object: a reset pipeline reads as a new one, the one file loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "pipeline.h"
#include "report-xml.h"
#include "report-stream.h"
#include "runmode-files.h"

static struct ea_ruleset *rules(void)
{
    char err[512], dir[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/rules", top ? top : "..");
    snprintf(path, sizeof(path), "%s/lync2013-edge.xml", dir);
    struct ea_ruleset *rs = ea_ruleset_new();
    if (rs && (ea_ruleset_load_rules(rs, path, dir, err, sizeof(err)) != 0 ||
               ea_ruleset_add_role_arg(rs, "edge-access=192.0.2.10,2001:db8:e::10", err, sizeof(err)) != 0 ||
               ea_ruleset_add_role_arg(rs, "federated-partner=203.0.113.20", err, sizeof(err)) != 0)) {
        ea_ruleset_free(rs);
        return NULL;
    }
    return rs;
}

static struct ea_pipeline *mkpipeline(const struct ea_ruleset *rs)
{
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    lim.max_flows = 64;   /* small, so that eviction runs too */
    return ea_pipeline_new(&lim, rs);
}

/*
 * Reads one capture of the source tree with 'threads'; returns its deterministic XML report
 * (malloc'ed), every flow listed (--list-flows all) and 2 examples per group.
 */
static char *run(struct ea_pipeline *pl, const char *capture, unsigned threads)
{
    char err[1024], path[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(path, sizeof(path), "%s/captures/%s", top ? top : "..", capture);
    const char *files[1] = { path };
    struct ea_input in = { files, 1, NULL, threads, 0 };
    struct ea_stream_opts so = { NULL, 2, 1, 0, 0 };
    struct ea_stream *s = ea_stream_new(&so, ea_pipeline_rules(pl));
    char *xml = NULL;
    if (!s)
        return NULL;
    ea_stream_attach(s, pl);
    if (ea_run_files(pl, &in, err, sizeof(err)) != 0)
        ea_pipeline_set_error(pl, err);
    ea_pipeline_finish(pl);
    ea_pipeline_on_finished(pl, NULL, NULL);
    struct ea_view v;
    struct ea_report_meta meta = { 1, NULL };
    size_t len = 0;
    ea_pipeline_view(pl, &v);
    if (ea_stream_view(s, &v, 0, 0) == 0)
        xml = ea_report_xml_build(&v, &meta, &len);
    ea_stream_free(s);
    return xml;
}

/* Same input, same report: a fresh pipeline, and one that read other captures and was reset. */
static void test_reset_same_as_new(void)
{
    static const char *const first[] = { "real/stun_msteams_unidir.pcapng", "own/turn.pcap",
                                         "own/matrix.pcap", "real/sip.pcap" };
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *fresh = mkpipeline(rs), *reused = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reused);
    for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
        char *other = run(reused, first[i], 1);
        CU_ASSERT_PTR_NOT_NULL(other);
        free(other);
        CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(reused), 0);
    }
    char *want = run(fresh, "own/matrix.pcap", 1);
    char *got = run(reused, "own/matrix.pcap", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    /* And again after a reset that followed the same capture. */
    CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(reused), 0);
    got = run(reused, "own/matrix.pcap", 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    free(want);
    ea_pipeline_free(fresh);
    ea_pipeline_free(reused);
    ea_ruleset_free(rs);
}

/* After a reset nothing of the last run is left: no flow, no counter, no source, no error. */
static void test_reset_clears(void)
{
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *pl = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    free(run(pl, "real/sip.pcap", 1));
    ea_pipeline_set_error(pl, "some error");
    ea_pipeline_set_loss(pl, 10, 5, 0);
    struct ea_view v;
    ea_pipeline_view(pl, &v);
    CU_ASSERT(v.flows > 0);
    CU_ASSERT(v.st.packets > 0);
    CU_ASSERT(ea_pipeline_now(pl) > 0);
    CU_ASSERT_EQUAL_FATAL(ea_pipeline_reset(pl), 0);
    ea_pipeline_view(pl, &v);
    CU_ASSERT_EQUAL(v.flows, 0);
    CU_ASSERT_EQUAL(ea_pipeline_nflows(pl), 0);
    CU_ASSERT_EQUAL(v.st.packets, 0);
    CU_ASSERT_EQUAL(v.st.flows_created, 0);
    CU_ASSERT_EQUAL(v.cap.nsources, 0);
    CU_ASSERT_PTR_NULL(v.cap.error);
    CU_ASSERT_EQUAL(v.cap.partial, 0);
    CU_ASSERT_EQUAL(v.cap.have_loss, 0);
    CU_ASSERT_EQUAL(ea_pipeline_now(pl), 0);
    CU_ASSERT_EQUAL(ea_flow_table_count(ea_pipeline_table(pl)), 0);
    for (size_t i = 0; i < sizeof(v.pol->verdicts) / sizeof(v.pol->verdicts[0]); i++)
        CU_ASSERT_EQUAL(v.pol->verdicts[i], 0);
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
}

/* The one file loop gives one report whether its flows run in this thread or in two workers. */
static void test_threads_same_report(void)
{
    struct ea_ruleset *rs = rules();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    struct ea_pipeline *one = mkpipeline(rs), *two = mkpipeline(rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(one);
    CU_ASSERT_PTR_NOT_NULL_FATAL(two);
    char *want = run(one, "own/matrix.pcap", 1);
    char *got = run(two, "own/matrix.pcap", 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(want);
    free(got);
    ea_pipeline_free(one);
    ea_pipeline_free(two);
    ea_ruleset_free(rs);
}

void ea_test_add_pipeline(void)
{
    EA_SUITE("pipeline",
             { "reset: reports as a new pipeline on the same input", test_reset_same_as_new },
             { "reset: nothing of the last run is left", test_reset_clears },
             { "files: one report with one thread or two", test_threads_same_report });
}

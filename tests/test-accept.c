/* test-accept.c: accept files (rules/accept.rng): loading, FILE:LINE errors, matching, expiry. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests.h"
#include "accept.h"
#include "group.h"
#include "report-read.h"

static const char *rulesdir(void)
{
    static char dir[1024];
    const char *d = getenv("EA_SRCDIR");
    snprintf(dir, sizeof(dir), "%s/rules", d && *d ? d : "..");
    return dir;
}

/* Writes text to a new temporary file; its path in buf. */
static void write_tmp(const char *text, char *buf, size_t n)
{
    snprintf(buf, n, "/tmp/ea-accept-XXXXXX");
    int fd = mkstemp(buf);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads text as an accept file: the entries, or NULL with the error line in err. */
static struct ea_accept *load_text(const char *text, char *err, size_t errlen, char *path, size_t pn)
{
    write_tmp(text, path, pn);
    struct ea_accept *a = ea_accept_load(path, rulesdir(), err, errlen);
    unlink(path);
    return a;
}

static const char good[] =
    "<?xml version=\"1.0\"?>\n"
    "<edgeaudit-accept version=\"1\">\n"
    "  <accept key=\"1dc8cb82b14384b7\" who=\"J. Doe\" why=\"partner trunk, CAB-1\" expires=\"2099-12-31\"/>\n"
    "  <accept responder=\"192.0.2.10\" port=\"22\" reason-code=\"no-rule\" rule=\"\"\n"
    "          who=\"A. Admin\" why=\"jump host\" expires=\"2020-01-31\"/>\n"
    "  <accept responder=\"192.0.2.10\" port=\"5061\" reason-code=\"syn-unanswered\" rule=\"sipfed-partner-in\"\n"
    "          who=\"B\" why=\"partner down for the quarter\" expires=\"2099-01-01\"/>\n"
    "  <accept key=\"00000000000000ff\" who=\"C\" why=\"never seen\" expires=\"2099-01-01\"/>\n"
    "</edgeaudit-accept>\n";

static struct ea_group group(uint64_t key, const char *reason, const char *rules, const char *resp, unsigned port)
{
    struct ea_group g;
    memset(&g, 0, sizeof(g));
    g.key = key;
    g.reason = (char *)reason;
    g.rules = (char *)rules;
    g.responder = (char *)resp;
    g.port = port;
    return g;
}

#define NS(y) ((int64_t)(y) * 1000000000LL)

static void test_load_and_match(void)
{
    char err[512] = "", path[64];
    struct ea_accept *a = load_text(good, err, sizeof(err), path, sizeof(path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->n, 4);
    CU_ASSERT_EQUAL(a->e[1].line, 4);           /* where "<accept" begins, not where the tag ends */
    CU_ASSERT_STRING_EQUAL(a->e[2].why, "partner down for the quarter");
    const int64_t now = NS(1796428800);         /* 2026-12-05 */
    const struct ea_accept_entry *w = NULL;

    struct ea_group g1 = group(0x1dc8cb82b14384b7ULL, "no-rule", "", "192.0.2.10", 5060);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g1, now, &w), EA_ACCEPT_ACCEPTED);
    CU_ASSERT_PTR_EQUAL(w, &a->e[0]);
    /* by fields, expired in 2020: counts again */
    struct ea_group g2 = group(0x1111, "no-rule", "", "192.0.2.10", 22);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g2, now, &w), EA_ACCEPT_EXPIRED);
    CU_ASSERT_PTR_EQUAL(w, &a->e[1]);
    /* before its expiry day ended it held: the day is inclusive */
    CU_ASSERT_EQUAL(ea_accept_match(a, &g2, NS(1580515199), NULL), EA_ACCEPT_ACCEPTED);   /* 2020-01-31T23:59:59 */
    CU_ASSERT_EQUAL(ea_accept_match(a, &g2, NS(1580515200), NULL), EA_ACCEPT_EXPIRED);    /* 2020-02-01 */
    /* rule="" does not match a group with a rule; a rule id matches a group naming it among others */
    struct ea_group g3 = group(0x2222, "no-rule", "x", "192.0.2.10", 22);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g3, now, &w), EA_ACCEPT_NONE);
    CU_ASSERT_PTR_NULL(w);
    struct ea_group g4 = group(0x3333, "syn-unanswered", "a sipfed-partner-in", "192.0.2.10", 5061);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g4, now, &w), EA_ACCEPT_ACCEPTED);
    CU_ASSERT_PTR_EQUAL(w, &a->e[2]);
    struct ea_group g5 = group(0x4444, "syn-unanswered", "sipfed-partner-inx", "192.0.2.10", 5061);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g5, now, NULL), EA_ACCEPT_NONE);
    /* other port, other responder, other reason: no */
    struct ea_group g6 = group(0x5555, "syn-rst", "sipfed-partner-in", "192.0.2.10", 5061);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g6, now, NULL), EA_ACCEPT_NONE);
    struct ea_group g7 = group(0x6666, "syn-unanswered", "sipfed-partner-in", "192.0.2.11", 5061);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g7, now, NULL), EA_ACCEPT_NONE);
    /* a scan group matches by key only */
    struct ea_group g8 = group(0x7777, "no-rule", "", "192.0.2.10", 22);
    g8.scan = 1;
    CU_ASSERT_EQUAL(ea_accept_match(a, &g8, now, NULL), EA_ACCEPT_NONE);
    /* the entry that matched nothing is listed */
    const struct ea_accept_entry *un[4];
    CU_ASSERT_EQUAL(ea_accept_unmatched(a, un, 4), 1);
    CU_ASSERT_PTR_EQUAL(un[0], &a->e[3]);
    CU_ASSERT_EQUAL(a->e[1].matched_expired, 2);
    CU_ASSERT_STRING_EQUAL(ea_accept_state_name(EA_ACCEPT_EXPIRED), "expired");
    ea_accept_free(a);
    ea_accept_free(NULL);
}

/* A held entry wins over an expired one that also matches. */
static void test_held_beats_expired(void)
{
    char err[512], path[64];
    struct ea_accept *a = load_text(
        "<edgeaudit-accept version=\"1\">"
        "<accept key=\"00000000000000aa\" who=\"x\" why=\"old\" expires=\"2001-01-01\"/>"
        "<accept responder=\"192.0.2.1\" port=\"443\" reason-code=\"unconfirmed\" rule=\"r\" who=\"y\" "
        "why=\"new\" expires=\"2099-01-01\"/></edgeaudit-accept>", err, sizeof(err), path, sizeof(path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    struct ea_group g = group(0xaa, "unconfirmed", "r", "192.0.2.1", 443);
    const struct ea_accept_entry *w = NULL;
    CU_ASSERT_EQUAL(ea_accept_match(a, &g, NS(1796428800), &w), EA_ACCEPT_ACCEPTED);
    CU_ASSERT_PTR_EQUAL(w, &a->e[1]);
    ea_accept_free(a);
}

/* Each bad file gives one line "FILE:LINE: cause". */
/* A "for ever" day past 2262 loads and holds at any time; a rule that is no rule id is refused. */
static void test_far_expiry_and_rule_names(void)
{
    char err[512] = "", path[64];
    struct ea_accept *a = load_text("<edgeaudit-accept version=\"1\"><accept key=\"1dc8cb82b14384b7\" "
        "who=\"a\" why=\"b\" expires=\"9999-12-31\"/></edgeaudit-accept>", err, sizeof(err), path,
        sizeof(path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->e[0].end_ns, INT64_MAX);
    struct ea_group g = group(0x1dc8cb82b14384b7ULL, "no-rule", "", "192.0.2.10", 5060);
    CU_ASSERT_EQUAL(ea_accept_match(a, &g, INT64_MAX - 1, NULL), EA_ACCEPT_ACCEPTED);
    ea_accept_free(a);
    a = load_text("<edgeaudit-accept version=\"1\">\n<accept responder=\"192.0.2.10\" port=\"22\" "
        "reason-code=\"no-rule\" rule=\"a b\" who=\"a\" why=\"b\" expires=\"2099-01-01\"/>\n"
        "</edgeaudit-accept>", err, sizeof(err), path, sizeof(path));
    CU_ASSERT_PTR_NULL(a);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2:"));
    ea_accept_free(a);
}

static void test_errors(void)
{
    static const struct { const char *text; long line; const char *cause; } bad[] = {
        { "<edgeaudit-accept version=\"1\">\n<accept key=\"1dc8\" who=\"a\" why=\"b\" expires=\"2099-01-01\"/>\n"
          "</edgeaudit-accept>", 2, "accept.rng" },
        { "<edgeaudit-accept version=\"1\">\n\n<accept key=\"1dc8cb82b14384b7\" why=\"b\" expires=\"2099-01-01\"/>\n"
          "</edgeaudit-accept>", 3, "accept.rng" },
        { "<edgeaudit-accept version=\"1\">\n<accept key=\"1dc8cb82b14384b7\" who=\"a\" why=\"b\" "
          "expires=\"2027-02-30\"/>\n</edgeaudit-accept>", 2, "2027-02-30" },
        { "<edgeaudit-accept version=\"1\">\n<accept key=\"1dc8cb82b14384b7\" who=\"a\" why=\"b\" "
          "expires=\"2027-01-01+05:00\"/>\n</edgeaudit-accept>", 2, "not a day" },
        { "<edgeaudit-accept version=\"1\">\n<accept responder=\"h\" port=\"0\" reason-code=\"no-rule\" "
          "rule=\"\" who=\"a\" why=\"b\" expires=\"2099-01-01\"/>\n</edgeaudit-accept>", 2, "port" },
        { "<edgeaudit-accept version=\"1\">\n<accept key=\"1dc8cb82b14384b7\" who=\"a\" why=\"b\" "
          "expires=\"2099-01-01\"/>\n<accept key=\"1DC8CB82B14384B7\" who=\"c\" why=\"d\" "
          "expires=\"2098-01-01\"/>\n</edgeaudit-accept>", 3, "line 2" },
        { "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e \"x\">]>\n<edgeaudit-accept version=\"1\"/>", 2,
          "DOCTYPE" },
        { "<edgeaudit-accept version=\"1\">\n<accept key=\"1dc8cb82b14384b7\" who=\"a\" why=\"b\" "
          "expires=\"2099-01-01\">\n", 3, "" },
        { "<rules version=\"1\"/>", 1, "accept.rng" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[512] = "", path[64], want[128];
        struct ea_accept *a = load_text(bad[i].text, err, sizeof(err), path, sizeof(path));
        CU_ASSERT_PTR_NULL(a);
        ea_accept_free(a);
        snprintf(want, sizeof(want), "%s:%ld: ", path, bad[i].line);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, bad[i].cause) || strchr(err, '\n'))
            fprintf(stderr, "\naccept error %zu: got '%s', want '%s...%s'\n", i, err, want, bad[i].cause);
        CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].cause));
        CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    }
    char err[512];
    CU_ASSERT_PTR_NULL(ea_accept_load("/nonexistent/accept.xml", rulesdir(), err, sizeof(err)));
    CU_ASSERT_EQUAL(strncmp(err, "/nonexistent/accept.xml:0: ", 27), 0);
}

/* A child named name of parent with attributes (name, value pairs, NULL-terminated). */
static struct ea_rr_node *kid(struct ea_rr_node *parent, const char *name, ...)
{
    struct ea_rr_node *n = ea_rr_node_new(name);
    va_list ap;
    va_start(ap, name);
    for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *))
        CU_ASSERT_EQUAL(ea_rr_set(n, k, va_arg(ap, const char *)), 0);
    va_end(ap);
    CU_ASSERT_EQUAL_FATAL(ea_rr_add(parent, n), 0);
    return n;
}

/* A report tree: 2 unexpected flows (one group), 1 required-blocked (one group), no rule not observed. */
static struct ea_rr_node *report(const char *last)
{
    struct ea_rr_node *r = ea_rr_node_new("edgeaudit-report");
    struct ea_rr_node *cap = kid(r, "capture", NULL), *sum, *fi;
    if (last)
        ea_rr_set(cap, "last", last);
    sum = kid(r, "summary", "result", "findings", "blocked-required", "1", NULL);
    kid(sum, "verdict", "name", "unexpected", "count", "2", NULL);
    kid(sum, "status", "name", "not-observed", "count", "0", NULL);
    kid(sum, "status", "name", "blocked", "count", "0", NULL);
    kid(r, "rules", NULL);
    fi = kid(r, "findings", NULL);
    kid(fi, "group", "key", "00000000000000aa", "verdict", "unexpected", "reason-code", "no-rule", "rules", "",
        "responder", "192.0.2.10", "port", "22", "flows", "2", NULL);
    kid(fi, "group", "key", "00000000000000bb", "verdict", "blocked", "reason-code", "syn-rst", "rules", "r",
        "responder", "192.0.2.10", "port", "5061", "flows", "1", NULL);
    return r;
}

/* ea_accept_apply: marks, <acceptances> after the summary, the result without accepted findings,
 * expiry judged at <capture last> (the fallback only without one), applied twice the same. */
static void test_apply(void)
{
    char err[512], path[64];
    struct ea_accept *a = load_text(
        "<edgeaudit-accept version=\"1\">\n"
        "<accept key=\"00000000000000aa\" who=\"x\" why=\"jump host\" expires=\"2026-11-24\"/>\n"
        "<accept responder=\"192.0.2.10\" port=\"5061\" reason-code=\"syn-rst\" rule=\"r\" who=\"y\" why=\"down\" "
        "expires=\"2026-12-31\"/>\n"
        "<accept key=\"00000000000000cc\" who=\"z\" why=\"gone\" expires=\"2030-01-01\"/>\n"
        "</edgeaudit-accept>", err, sizeof(err), path, sizeof(path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    struct ea_accept_counts c;
    struct ea_rr_node *r = report("2026-11-24T23:59:59.999999999Z");
    for (int round = 0; round < 2; round++) {
        CU_ASSERT_EQUAL_FATAL(ea_accept_apply(a, r, 0, &c), 0);
        CU_ASSERT_EQUAL(c.accepted, 2);
        CU_ASSERT_EQUAL(c.accepted_flows, 3);
        CU_ASSERT_EQUAL(c.expired, 0);
        CU_ASSERT_EQUAL(c.stale, 1);
        CU_ASSERT_EQUAL(c.findings, 0);
        CU_ASSERT_EQUAL(ea_rr_count(r, "acceptances"), 1);
        CU_ASSERT_STRING_EQUAL(r->kid[2]->name, "acceptances");   /* right after the summary */
        CU_ASSERT_EQUAL(ea_accept_tree_findings(r), 0);
    }
    struct ea_rr_node *g = ea_rr_find(r, "findings")->kid[0];
    CU_ASSERT_STRING_EQUAL(ea_rr_get(g, "accept"), "accepted");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(g, "accept-why"), "jump host");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(g, "accept-line"), "2");
    struct ea_rr_node *ac = ea_rr_find(r, "acceptances");
    CU_ASSERT_EQUAL(ac->nkid, 3);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ac->kid[2], "stale"), "yes");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ac, "date"), "2026-11-24T23:59:59.999999999Z");
    ea_rr_node_free(r);

    /* one nanosecond into the next day: the key entry expired, its 2 unexpected flows count */
    r = report("2026-11-25T00:00:00Z");
    CU_ASSERT_EQUAL_FATAL(ea_accept_apply(a, r, 0, &c), 0);
    CU_ASSERT_EQUAL(c.accepted, 1);
    CU_ASSERT_EQUAL(c.expired, 1);
    CU_ASSERT_EQUAL(c.findings, 1);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ea_rr_find(r, "findings")->kid[0], "accept"), "expired");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ea_rr_find(r, "acceptances"), "result"), "findings");
    CU_ASSERT_EQUAL(ea_accept_tree_findings(r), 1);
    ea_rr_node_free(r);

    /* no capture time: judged at the fallback (here 2027-01-01: only the 2030 entry holds) */
    r = report(NULL);
    CU_ASSERT_EQUAL_FATAL(ea_accept_apply(a, r, NS(1798761600), &c), 0);
    CU_ASSERT_EQUAL(c.accepted, 0);
    CU_ASSERT_EQUAL(c.expired, 2);
    CU_ASSERT_EQUAL(c.findings, 1);
    ea_rr_node_free(r);
    ea_accept_free(a);
}

void ea_test_add_accept(void)
{
    EA_SUITE("accept",
             { "load and match", test_load_and_match },
             { "a held entry beats an expired one", test_held_beats_expired },
             { "a far expiry holds for ever; rule must be a rule id", test_far_expiry_and_rule_names },
             { "bad files: FILE:LINE: cause", test_errors },
             { "applied to a report tree", test_apply });
}

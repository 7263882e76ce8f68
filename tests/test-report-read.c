/* test-report-read.c: unit tests of report-read.c (reading, limits), merge.c (groups by key) and diff.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/relaxng.h>

#include "tests.h"
#include "report-read.h"
#include "merge.h"
#include "diff.h"

/* Any element, any attribute, any text: the reader's own behaviour, not the report schema's. */
static const char any_rng[] =
    "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\"><start><ref name=\"e\"/></start>"
    "<define name=\"e\"><element><anyName/><zeroOrMore><choice><attribute><anyName/></attribute>"
    "<text/><ref name=\"e\"/></choice></zeroOrMore></element></define></grammar>";

static xmlRelaxNGPtr schema_of(const char *rng)
{
    xmlRelaxNGParserCtxtPtr p = xmlRelaxNGNewMemParserCtxt(rng, (int)strlen(rng));
    xmlRelaxNGPtr s = p ? xmlRelaxNGParse(p) : NULL;
    xmlRelaxNGFreeParserCtxt(p);
    return s;
}

/* The report whose text is xml, read through a file with schema rng; err gets the error. */
static struct ea_report *read_text(const char *xml, const char *rng, char *err, size_t errlen)
{
    char path[] = "/tmp/ea-test-report-XXXXXX";
    int fd = mkstemp(path);
    struct ea_report *r = NULL;
    xmlRelaxNGPtr s = schema_of(rng);
    if (fd < 0 || !s)
        goto out;
    if (write(fd, xml, strlen(xml)) == (ssize_t)strlen(xml))
        r = ea_report_read(path, s, err, errlen);
out:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    xmlRelaxNGFree(s);
    return r;
}

static struct ea_report *read_any(const char *xml)
{
    char err[512];
    return read_text(xml, any_rng, err, sizeof(err));
}

/* A small report: one rule (status st, evidence ev), the groups gs, the flows fl. */
static char *report(const char *source, const char *st, const char *ev, const char *gs, const char *fl)
{
    static const char fmt[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<edgeaudit-report version=\"2\" generator=\"edgeaudit 0.2.0\">"
        "<capture packets=\"10\" bytes=\"100\" first=\"2026-01-01T00:00:00.000000000Z\" "
        "last=\"2026-01-01T00:01:00.000000000Z\"><source name=\"%s\"/><counters flows=\"5\" flows-peak=\"2\"/>"
        "</capture><summary result=\"findings\" blocked-required=\"0\" observed=\"1\" rules=\"1\" groups=\"1\" "
        "finding-flows=\"3\" examples=\"2\" list-flows=\"examples\"><verdict name=\"allowed\" count=\"2\"/>"
        "<verdict name=\"unexpected\" count=\"3\"/><status name=\"observed\" count=\"1\"/>"
        "<status name=\"blocked\" count=\"0\"/></summary><rules><pack name=\"p\" rules=\"1\" observed=\"1\"/>"
        "<rule id=\"r1\" status=\"%s\" flows=\"2\" bytes=\"9\" allowed=\"2\" unverified=\"0\" blocked=\"0\" "
        "violations=\"0\" pack=\"p\"><evidence total=\"2\" listed=\"2\" flows=\"%s\"/></rule></rules>"
        "<findings>%s</findings><flows listed=\"examples\" total=\"5\">%s</flows></edgeaudit-report>\n";
    size_t n = sizeof(fmt) + strlen(source) + strlen(st) + strlen(ev) + strlen(gs) + strlen(fl);
    char *s = malloc(n);
    if (s)
        snprintf(s, n, fmt, source, st, ev, gs, fl);
    return s;
}

/* Flows, each "ID:SECOND:CLIENT" (first time 00:00:SECOND), space-separated. */
static char *flows(const char *spec)
{
    char *out = calloc(1, 4096);
    unsigned id = 0, sec = 0;
    char cl[32];
    int used = 0;
    for (const char *p = spec; out && sscanf(p, "%u:%u:%31s%n", &id, &sec, cl, &used) == 3; p += used)
        snprintf(out + strlen(out), 4096 - strlen(out),
                 "<flow id=\"%u\" client=\"%s\" first=\"2026-01-01T00:00:%02u.000000000Z\" verdict=\"x\"/>",
                 id, cl, sec);
    return out;
}

/* A group of key with flows, initiators (count) and its first second; kids are its children. */
static char *group(const char *key, unsigned nflows, unsigned inits, unsigned sec, const char *kids)
{
    char *g = malloc(4096);
    if (g)
        snprintf(g, 4096,
                 "<group key=\"%s\" verdict=\"unexpected\" reason-code=\"no-rule\" rules=\"\" transport=\"tcp\" "
                 "responder=\"192.0.2.1\" port=\"22\" app=\"ssh\" flows=\"%u\" packets=\"%u\" bytes=\"100\" "
                 "initiators=\"%u\" first=\"2026-01-01T00:00:%02u.000000000Z\" "
                 "last=\"2026-01-01T00:00:%02u.000000000Z\" first-frame=\"%u\" last-frame=\"9\" filter=\"f\">"
                 "<reason>words at %u</reason>%s</group>",
                 key, nflows, 10 * nflows, inits, sec, sec + 10, sec, sec, kids);
    return g;
}

static struct ea_report *make(const char *src, const char *st, const char *ev, const char *gs, const char *fl)
{
    char *f = flows(fl), *x = report(src, st, ev, gs, f);
    struct ea_report *r = x ? read_any(x) : NULL;
    free(f);
    free(x);
    return r;
}

/* Only the flows an example or evidence names are kept; the others are counted. */
static void test_read_keeps_named_flows(void)
{
    const char *g = "<group key=\"k1\" verdict=\"unexpected\" flows=\"3\"><reason>why</reason>"
                    "<example flow=\"2\" client=\"a\">because &amp; so</example></group>";
    struct ea_report *r = make("a.pcap", "observed", "4", g, "1:1:a 2:2:a 3:3:b 4:4:c 5:5:d");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const struct ea_rr_node *fl = ea_rr_find(r->root, "flows");
    CU_ASSERT_EQUAL(r->flows_read, 5);
    CU_ASSERT_EQUAL(ea_rr_count(fl, "flow"), 2);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(fl->kid[0], "id"), "2");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(fl->kid[1], "id"), "4");
    const struct ea_rr_node *e = ea_rr_find(ea_rr_find(ea_rr_find(r->root, "findings"), "group"), "example");
    CU_ASSERT_STRING_EQUAL(e->text, "because & so");
    CU_ASSERT_EQUAL(ea_rr_u64(ea_rr_find(r->root, "capture"), "packets"), 10);
    ea_report_free(r);
}

/* A DOCTYPE (with entities or an external DTD), non-XML and a schema violation are refused. */
static void test_read_refuses(void)
{
    char err[512] = "";
    const char *laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>\n"
                         "<r x=\"&b;\"/>\n";
    CU_ASSERT_PTR_NULL(read_text(laughs, any_rng, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: DOCTYPE declarations are not allowed"));
    CU_ASSERT_PTR_NULL(read_text("<!-- c -->\n<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/x.dtd\"><r/>", any_rng, err,
                                 sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "DOCTYPE"));
    CU_ASSERT_PTR_NULL(read_text("hello", any_rng, err, sizeof(err)));
    CU_ASSERT_PTR_NULL(read_text("<r><unclosed></r>", any_rng, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a readable XML file"));
    const char *only_s = "<element name=\"s\" xmlns=\"http://relaxng.org/ns/structure/1.0\"><empty/></element>";
    CU_ASSERT_PTR_NULL(read_text("<r/>", only_s, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a valid edgeaudit report"));
    struct ea_report *r = read_text("<s/>", only_s, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL(r);
    ea_report_free(r);
}

/* Attributes set in place or appended, removed; content order skips the attribute asked. */
static void test_node_attrs_and_order(void)
{
    struct ea_rr_node *a = ea_rr_node_new("flow"), *b = ea_rr_node_new("flow");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    ea_rr_set(a, "id", "1");
    ea_rr_set(a, "first", "t");
    ea_rr_set_u64(b, "id", 18446744073709551615ULL);
    ea_rr_set(b, "first", "t");
    CU_ASSERT_EQUAL(ea_rr_u64(b, "id"), UINT64_MAX);
    CU_ASSERT_NOT_EQUAL(ea_rr_cmp(a, b, NULL), 0);
    CU_ASSERT_EQUAL(ea_rr_cmp(a, b, "id"), 0);
    ea_rr_set(a, "first", "u");
    CU_ASSERT_STRING_EQUAL(a->attr[3], "u");
    CU_ASSERT_TRUE(ea_rr_cmp(a, b, "id") > 0);
    ea_rr_unset(a, "id");
    CU_ASSERT_PTR_NULL(ea_rr_get(a, "id"));
    CU_ASSERT_EQUAL(a->nattr, 1);
    ea_rr_node_free(a);
    ea_rr_node_free(b);
    ea_rr_node_free(NULL);
}

/* Port ranges: united, sorted, adjacent ranges joined, counted; a short buffer is refused. */
static void test_port_ranges(void)
{
    char out[64];
    CU_ASSERT_EQUAL(ea_merge_port_ranges("1-442,444-5060", "443,5062", out, sizeof(out)), 5061);
    CU_ASSERT_STRING_EQUAL(out, "1-5060,5062");
    CU_ASSERT_EQUAL(ea_merge_port_ranges("80", "", out, sizeof(out)), 1);
    CU_ASSERT_STRING_EQUAL(out, "80");
    CU_ASSERT_EQUAL(ea_merge_port_ranges("1-65535", "9-10,70000,x", out, sizeof(out)), 65535);
    CU_ASSERT_STRING_EQUAL(out, "1-65535");
    CU_ASSERT_EQUAL(ea_merge_port_ranges("1,3,5,7", "9", out, 6), -1);
}

static char *serial(const struct ea_rr_node *n)
{
    size_t len = 0;
    return n ? ea_rr_serialise(n, &len) : NULL;
}

/* Two reports A and B with a group in common (k1) and one of B's own (k2). */
static void two_reports(struct ea_report **a, struct ea_report **b, const char *bstatus)
{
    char *ga = group("k1", 2, 1, 1, "<initiator address=\"a\"/>"
                     "<example flow=\"1\" client=\"a\">x</example><example flow=\"2\" client=\"a\">x</example>");
    char *gb1 = group("k1", 3, 2, 3, "<initiator address=\"b\"/><initiator address=\"c\"/>"
                      "<example flow=\"1\" client=\"b\">x</example><example flow=\"2\" client=\"c\">x</example>");
    char *gb2 = group("k2", 1, 1, 2, "<initiator address=\"d\"/><example flow=\"3\" client=\"d\">x</example>");
    char gb[8192];
    snprintf(gb, sizeof(gb), "%s%s", gb2, gb1);
    *a = make("a.pcap", "observed", "1", ga, "1:1:a 2:5:a");
    *b = make("b.pcap", bstatus, "3", gb, "1:3:b 2:4:c 3:2:d");
    free(ga);
    free(gb1);
    free(gb2);
}

/* Groups of one key add up; examples are the K earliest; ids renumber by time; order does not matter. */
static void test_merge_groups(void)
{
    struct ea_report *in[2];
    struct ea_rr_node *ab = NULL, *ba = NULL;
    two_reports(&in[0], &in[1], "observed");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in[1]);
    CU_ASSERT_EQUAL(ea_merge_reports(in, 2, 1000, &ab), 1);
    struct ea_report *rev[2] = { in[1], in[0] };
    CU_ASSERT_EQUAL(ea_merge_reports(rev, 2, 1000, &ba), 1);
    char *x = serial(ab), *y = serial(ba);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    CU_ASSERT_STRING_EQUAL(x, y);
    const struct ea_rr_node *fi = ea_rr_find(ab, "findings"), *k1 = fi->kid[0], *fl = ea_rr_find(ab, "flows");
    CU_ASSERT_EQUAL(fi->nkid, 2);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1, "key"), "k1");   /* 5 flows before k2's 1 */
    CU_ASSERT_EQUAL(ea_rr_u64(k1, "flows"), 5);
    CU_ASSERT_EQUAL(ea_rr_u64(k1, "packets"), 50);
    CU_ASSERT_EQUAL(ea_rr_u64(k1, "initiators"), 3);      /* every input listed all: exact */
    CU_ASSERT_PTR_NULL(ea_rr_get(k1, "initiators-capped"));
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1, "first"), "2026-01-01T00:00:01.000000000Z");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1, "last"), "2026-01-01T00:00:13.000000000Z");
    CU_ASSERT_STRING_EQUAL(ea_rr_find(k1, "reason")->text, "words at 1");
    CU_ASSERT_EQUAL(ea_rr_count(k1, "initiator"), 3);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1->kid[1], "address"), "a");
    /* merged order by time: A1 (1 s) B3 (2 s) B1 (3 s) B2 (4 s) A2 (5 s); K = 2 (the inputs' examples) */
    CU_ASSERT_EQUAL(ea_rr_count(k1, "example"), 2);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1->kid[4], "flow"), "1");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1->kid[4], "client"), "a");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1->kid[5], "flow"), "3");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1->kid[5], "client"), "b");
    CU_ASSERT_EQUAL(ea_rr_count(fl, "flow"), 3);           /* A2 and B2 no longer named */
    CU_ASSERT_STRING_EQUAL(ea_rr_get(fl->kid[1], "client"), "d");
    CU_ASSERT_EQUAL(ea_rr_u64(fl, "total"), 10);
    const struct ea_rr_node *ev = ea_rr_find(ea_rr_find(ea_rr_find(ab, "rules"), "rule"), "evidence");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ev, "flows"), "1 2");
    CU_ASSERT_EQUAL(ea_rr_u64(ea_rr_find(ab, "summary"), "finding-flows"), 6);
    free(x);
    free(y);
    ea_rr_node_free(ab);
    ea_rr_node_free(ba);
    ea_report_free(in[0]);
    ea_report_free(in[1]);
}

/* An input that listed only some of its initiators makes the count a lower bound; scans unite ports. */
static void test_merge_capped_and_scans(void)
{
    char *g1 = group("k1", 2, 1, 1, "<initiator address=\"a\"/>");
    char *g2 = group("k1", 9, 7, 2, "<initiator address=\"b\"/><initiator address=\"c\"/>"
                     "<initiator address=\"d\"/><initiator address=\"e\"/><initiator address=\"f\"/>");
    const char *s1 = "<group key=\"s\" scan=\"yes\" verdict=\"blocked\" ports=\"10\" port-ranges=\"1-10\" flows=\"10\" "
                     "initiators=\"1\" first=\"2026-01-01T00:00:01.000000000Z\"><reason>r</reason></group>";
    const char *s2 = "<group key=\"s\" scan=\"yes\" verdict=\"blocked\" ports=\"17\" port-ranges=\"5-20,30\" "
                     "flows=\"17\" initiators=\"1\" first=\"2026-01-01T00:00:02.000000000Z\"><reason>r</reason></group>";
    char a[8192], b[8192];
    snprintf(a, sizeof(a), "%s%s", g1, s1);
    snprintf(b, sizeof(b), "%s%s", g2, s2);
    struct ea_report *in[2] = { make("a", "observed", "", a, ""), make("b", "observed", "", b, "") };
    struct ea_rr_node *m = NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(in[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in[1]);
    CU_ASSERT_EQUAL(ea_merge_reports(in, 2, 10, &m), 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    const struct ea_rr_node *fi = ea_rr_find(m, "findings");
    const struct ea_rr_node *k1 = fi->kid[0], *sc = fi->kid[1];
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1, "key"), "k1");
    CU_ASSERT_EQUAL(ea_rr_u64(k1, "initiators"), 7);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(k1, "initiators-capped"), "yes");
    CU_ASSERT_EQUAL(ea_rr_count(k1, "initiator"), 5);
    CU_ASSERT_STRING_EQUAL(ea_rr_get(sc, "port-ranges"), "1-20,30");
    CU_ASSERT_EQUAL(ea_rr_u64(sc, "ports"), 21);
    CU_ASSERT_EQUAL(ea_rr_u64(sc, "flows"), 27);
    CU_ASSERT_EQUAL(ea_rr_u64(fi, "scans"), 1);
    ea_rr_node_free(m);
    ea_report_free(in[0]);
    ea_report_free(in[1]);
    free(g1);
    free(g2);
}

/* Rules of other ids or order are not the same rules. */
static void test_merge_same_rules(void)
{
    struct ea_report *a = make("a", "observed", "", "", ""), *b = make("b", "blocked", "", "", "");
    char *x = report("c", "observed", "", "", "");
    char *y = x ? strstr(x, "rule id=\"r1\"") : NULL;
    if (y)
        y[10] = '2';   /* rule id "r2" */
    struct ea_report *c = y ? read_any(x) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(ea_merge_same_rules(a, b));
    CU_ASSERT_FALSE(ea_merge_same_rules(a, c));
    free(x);
    ea_report_free(a);
    ea_report_free(b);
    ea_report_free(c);
}

/* diff: new, persisting and resolved by key; a rule from observed to blocked is worse. */
static void test_diff(void)
{
    struct ea_report *a, *b;
    struct ea_rr_node *d = NULL;
    struct ea_diff_counts c;
    two_reports(&a, &b, "blocked");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(ea_diff_reports(a, b, "old.xml", &d, &c), 0);
    CU_ASSERT_EQUAL(c.added, 1);
    CU_ASSERT_EQUAL(c.added_findings, 1);
    CU_ASSERT_EQUAL(c.persisting, 1);
    CU_ASSERT_EQUAL(c.resolved, 0);
    CU_ASSERT_EQUAL(c.rules_changed, 1);
    CU_ASSERT_EQUAL(c.rules_worse, 1);
    const struct ea_rr_node *ch = ea_rr_find(d, "changes");
    CU_ASSERT_PTR_NOT_NULL_FATAL(ch);
    CU_ASSERT_STRING_EQUAL(d->kid[2]->name, "changes");   /* after the summary */
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ch->kid[0], "from"), "observed");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ch->kid[0], "to"), "blocked");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ea_rr_find(d, "findings")->kid[0], "change"), "new");   /* k2 */
    ea_rr_node_free(d);
    CU_ASSERT_EQUAL(ea_diff_reports(b, a, "new.xml", &d, &c), 0);
    CU_ASSERT_EQUAL(c.added, 0);
    CU_ASSERT_EQUAL(c.resolved, 1);
    CU_ASSERT_EQUAL(c.rules_worse, 0);
    ch = ea_rr_find(d, "changes");
    CU_ASSERT_STRING_EQUAL(ch->kid[0]->name, "resolved");
    CU_ASSERT_STRING_EQUAL(ea_rr_get(ch->kid[0], "key"), "k2");
    CU_ASSERT_STRING_EQUAL(ch->kid[0]->text, "words at 2");
    CU_ASSERT_EQUAL(ea_diff_status_rank("blocked"), 2);
    CU_ASSERT_EQUAL(ea_diff_status_rank("absent"), 0);
    ea_rr_node_free(d);
    ea_report_free(a);
    ea_report_free(b);
}

void ea_test_add_report_read(void)
{
    EA_SUITE("report-read",
             { "reader keeps only the flows examples and evidence name", test_read_keeps_named_flows },
             { "reader refuses DOCTYPE, non-XML, invalid", test_read_refuses },
             { "nodes: attributes and content order", test_node_attrs_and_order },
             { "merge: port ranges", test_port_ranges },
             { "merge: groups by key, K earliest, any input order", test_merge_groups },
             { "merge: capped initiators, scan port ranges", test_merge_capped_and_scans },
             { "merge: same rules", test_merge_same_rules },
             { "diff: new, persisting, resolved, rule worse", test_diff });
}

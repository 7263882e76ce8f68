/* test-group.c: unit tests of group.c: keys, examples, folding independent of order, caps. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "group.h"

/* FNV-1a 64 test vectors (the reference's "" and "a", "foobar"), and the key's text. */
static void test_fnv_and_key_text(void)
{
    char b[EA_GROUP_KEY_LEN + 1];
    uint64_t k = 0;
    CU_ASSERT_EQUAL(ea_group_fnv1a("", 0), 0xcbf29ce484222325ULL);
    CU_ASSERT_EQUAL(ea_group_fnv1a("a", 1), 0xaf63dc4c8601ec8cULL);
    CU_ASSERT_EQUAL(ea_group_fnv1a("foobar", 6), 0x85944171f73967e8ULL);
    CU_ASSERT_STRING_EQUAL(ea_group_key_str(0x0123456789abcdefULL, b), "0123456789abcdef");
    CU_ASSERT_EQUAL(ea_group_key_parse("0123456789ABCDEF", &k), 0);
    CU_ASSERT_EQUAL(k, 0x0123456789abcdefULL);
    CU_ASSERT_EQUAL(ea_group_key_parse("0123456789abcde", &k), -1);
    CU_ASSERT_EQUAL(ea_group_key_parse("0123456789abcdefa", &k), -1);
    CU_ASSERT_EQUAL(ea_group_key_parse("0123456789abcdeg", &k), -1);
}

/* The key is FNV-1a over the canonical string of the spec, in both forms. */
static void test_canonical_and_key(void)
{
    struct ea_group_fields f = { "unexpected", "no-rule", "", "udp", "192.0.2.10", "203.0.113.40",
                                 "sip", 5060 };
    char buf[256];
    size_t n = ea_group_canonical(&f, 0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "g1|unexpected|no-rule||udp|192.0.2.10|5060|sip");
    CU_ASSERT_EQUAL(n, strlen(buf));
    CU_ASSERT_EQUAL(ea_group_key(&f, 0), ea_group_fnv1a(buf, n));
    n = ea_group_canonical(&f, 1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "s1|unexpected|no-rule|udp|192.0.2.10|203.0.113.40");
    CU_ASSERT_EQUAL(ea_group_key(&f, 1), ea_group_fnv1a(buf, n));
    /* too small a buffer: cut and terminated, the full length returned */
    CU_ASSERT_EQUAL(ea_group_canonical(&f, 1, buf, 5), n);
    CU_ASSERT_STRING_EQUAL(buf, "s1|u");
    f.rules = "pic-sip-in xmpp-s2s-in";
    ea_group_canonical(&f, 0, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "g1|unexpected|no-rule|pic-sip-in xmpp-s2s-in|udp|192.0.2.10|5060|sip");
    /* initiator is not part of a normal key, app not of a scan key */
    uint64_t k0 = ea_group_key(&f, 0), k1 = ea_group_key(&f, 1);
    f.initiator = "198.51.100.1";
    CU_ASSERT_EQUAL(ea_group_key(&f, 0), k0);
    CU_ASSERT_NOT_EQUAL(ea_group_key(&f, 1), k1);
    f.app = "rtp";
    CU_ASSERT_NOT_EQUAL(ea_group_key(&f, 0), k0);
}

static int offer_id(struct ea_examples *ex, uint64_t id)
{
    char d[32];
    int n = snprintf(d, sizeof(d), "id%" PRIu64 "%cpart2", id, 0);
    return ea_examples_offer(ex, id, d, (size_t)n);
}

/* The k smallest ids stay, whatever the order of the offers; each with its own data. */
static void test_examples_k_smallest(void)
{
    struct ea_examples ex;
    ea_examples_init(&ex, 4);
    static const uint64_t ids[] = { 50, 7, 99, 3, 42, 8, 3, 1000, 2, 9 };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        CU_ASSERT(offer_id(&ex, ids[i]) >= 0);
    CU_ASSERT_EQUAL(ex.n, 4);
    static const uint64_t want[] = { 2, 3, 7, 8 };
    for (unsigned i = 0; i < ex.n && i < 4; i++) {
        char d[16];
        CU_ASSERT_EQUAL(ex.e[i].id, want[i]);
        snprintf(d, sizeof(d), "id%" PRIu64, want[i]);
        CU_ASSERT_STRING_EQUAL(ea_example_part(&ex.e[i], 0), d);
        CU_ASSERT_STRING_EQUAL(ea_example_part(&ex.e[i], 1), "part2");
        CU_ASSERT_STRING_EQUAL(ea_example_part(&ex.e[i], 2), "");
    }
    CU_ASSERT_FALSE(ea_examples_wants(&ex, 9));
    CU_ASSERT_FALSE(ea_examples_wants(&ex, 3));     /* held already */
    CU_ASSERT_TRUE(ea_examples_wants(&ex, 1));
    CU_ASSERT_EQUAL(offer_id(&ex, 1), 1);
    CU_ASSERT_EQUAL(ex.e[0].id, 1);
    CU_ASSERT_EQUAL(ex.e[3].id, 7);

    /* move: the 4 smallest of both sets, the source emptied */
    struct ea_examples other;
    ea_examples_init(&other, 4);
    offer_id(&other, 5);
    offer_id(&other, 2);
    offer_id(&other, 600);
    CU_ASSERT_EQUAL(ea_examples_move(&ex, &other), 0);
    CU_ASSERT_EQUAL(other.n, 0);
    CU_ASSERT_EQUAL(ex.n, 4);
    static const uint64_t want2[] = { 1, 2, 3, 5 };
    for (unsigned i = 0; i < ex.n && i < 4; i++)
        CU_ASSERT_EQUAL(ex.e[i].id, want2[i]);
    ea_examples_clear(&ex);
    ea_examples_clear(&other);

    /* k = 0 keeps nothing */
    ea_examples_init(&ex, 0);
    CU_ASSERT_FALSE(ea_examples_wants(&ex, 1));
    CU_ASSERT_EQUAL(offer_id(&ex, 1), 0);
    CU_ASSERT_EQUAL(ex.n, 0);
    ea_examples_clear(&ex);
}

/* A synthetic finished flow: i-th of a mix of a scan, a small family and ruled flows. */
struct tflow {
    uint64_t id;
    char ini[32], resp[32], rules[32], verdict[16], reason[16];
    unsigned port;
};

#define NFLOWS 200

static void make_flows(struct tflow *fl)
{
    for (unsigned i = 0; i < NFLOWS; i++) {
        struct tflow *t = &fl[i];
        memset(t, 0, sizeof(*t));
        t->id = i + 1;
        snprintf(t->resp, sizeof(t->resp), "192.0.2.10");
        snprintf(t->verdict, sizeof(t->verdict), "blocked");
        snprintf(t->reason, sizeof(t->reason), "syn-rst");
        if (i < 100) {               /* a scan: 100 flows over 40 ports, twice some */
            snprintf(t->ini, sizeof(t->ini), "198.51.100.7");
            t->port = 1000 + (i * 7) % 40;
        } else if (i < 130) {        /* 3 initiators on 5 ports each: no scan */
            snprintf(t->ini, sizeof(t->ini), "203.0.113.%u", i % 3);
            t->port = 22 + i % 5;
        } else if (i < 145) {        /* one initiator on 15 ports: just short of a scan */
            snprintf(t->ini, sizeof(t->ini), "203.0.113.99");
            t->port = 3000 + i % 15;
        } else {                     /* a ruled, unexpected port from 55 initiators */
            snprintf(t->ini, sizeof(t->ini), "100.64.0.%u", i % 55);
            snprintf(t->rules, sizeof(t->rules), "pic-sip-in");
            snprintf(t->verdict, sizeof(t->verdict), "unexpected");
            snprintf(t->reason, sizeof(t->reason), "wrong-protocol");
            t->port = 5061;
        }
    }
}

static struct ea_group_table *feed(const struct tflow *fl, const unsigned *order, unsigned k)
{
    struct ea_group_table *t = ea_group_table_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (unsigned n = 0; n < NFLOWS; n++) {
        const struct tflow *x = &fl[order[n]];
        struct ea_group_flow gf = {
            { x->verdict, x->reason, x->rules, "tcp", x->resp, x->ini, "unknown", x->port },
            x->id, 2, 120, 1000 + x->id, 2000 + x->id, 10 * x->id, 10 * x->id + 1, NULL
        };
        char words[32];
        snprintf(words, sizeof(words), "words of %" PRIu64, x->id);
        gf.words = words;
        struct ea_group_ref ref;
        CU_ASSERT_EQUAL(ea_group_table_add(t, &gf, &ref), 0);
        CU_ASSERT_PTR_NOT_NULL(ref.sink);
        if (ref.sink && ea_examples_wants(ref.sink, x->id))
            CU_ASSERT(offer_id(ref.sink, x->id) == 1);
    }
    return t;
}

/* One text per list that says everything the report would show of it. */
static char *describe(const struct ea_group_list *l)
{
    size_t cap = 1 << 16, at = 0;
    char *s = calloc(1, cap);
    char kb[EA_GROUP_KEY_LEN + 1];
    for (size_t i = 0; s && i < l->n; i++) {
        const struct ea_group *g = l->g[i];
        char *pr = ea_group_port_ranges(g);
        at += (size_t)snprintf(s + at, cap - at,
                               "%s %d %s %s %s %s %u %s fl=%" PRIu64 " p=%" PRIu64 " b=%" PRIu64
                               " t=%" PRIu64 "-%" PRIu64 " f=%" PRIu64 "-%" PRIu64 " i=%" PRIu64
                               " np=%u pr=%s w=%s ex=",
                               ea_group_key_str(g->key, kb), g->scan, g->verdict, g->reason, g->rules,
                               g->responder, g->port, g->initiator ? g->initiator : "-", g->flows,
                               g->packets, g->bytes, g->first_ns, g->last_ns, g->first_frame,
                               g->last_frame, g->initiators, g->nports, pr ? pr : "?",
                               g->words ? g->words : "-");
        free(pr);
        for (unsigned e = 0; e < g->ex.n; e++)
            at += (size_t)snprintf(s + at, cap - at, "%" PRIu64 ":%s,", g->ex.e[e].id, g->ex.e[e].data);
        at += (size_t)snprintf(s + at, cap - at, " ini=");
        for (unsigned e = 0; e < g->nlisted; e++)
            at += (size_t)snprintf(s + at, cap - at, "%s/%" PRIu64 ",", g->listed[e].addr,
                                   g->listed[e].first_id);
        at += (size_t)snprintf(s + at, cap - at, "\n");
        CU_ASSERT_FATAL(at < cap);
    }
    return s;
}

/* The same flows in three orders give the same groups, byte for byte. */
static void test_fold_independent_of_order(void)
{
    static struct tflow fl[NFLOWS];
    unsigned fwd[NFLOWS], rev[NFLOWS], shuf[NFLOWS];
    make_flows(fl);
    for (unsigned i = 0; i < NFLOWS; i++)
        fwd[i] = rev[NFLOWS - 1 - i] = shuf[i] = i;
    uint32_t r = 12345;
    for (unsigned i = NFLOWS - 1; i > 0; i--) {
        r = r * 1103515245u + 12345u;
        unsigned j = (r >> 8) % (i + 1), tmp = shuf[i];
        shuf[i] = shuf[j];
        shuf[j] = tmp;
    }
    const unsigned *orders[] = { fwd, rev, shuf };
    char *want = NULL;
    for (int o = 0; o < 3; o++) {
        struct ea_group_table *t = feed(fl, orders[o], 3);
        struct ea_group_list *l = ea_group_table_list(t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(l);
        char *d = describe(l);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        if (!want) {
            want = d;
            /* 1 scan + 3 x 5 ports of the small families combined by port (5)
               + 15 ports of the short family + 1 ruled group */
            CU_ASSERT_EQUAL(l->n, 1 + 5 + 15 + 1);
            CU_ASSERT_EQUAL(l->scans, 1);
            CU_ASSERT_EQUAL(l->flows, NFLOWS);
            CU_ASSERT_EQUAL(ea_group_table_flows(t), NFLOWS);
            /* sorted: unexpected first, then blocked by flows descending (the scan's 100) */
            CU_ASSERT_STRING_EQUAL(l->g[0]->verdict, "unexpected");
            CU_ASSERT_EQUAL(l->g[0]->flows, 55);
            CU_ASSERT_EQUAL(l->g[0]->initiators, 55);
            CU_ASSERT_EQUAL(l->g[0]->nlisted, EA_GROUP_INITIATORS_LISTED);
            CU_ASSERT_STRING_EQUAL(l->g[0]->listed[0].addr, "100.64.0.35");   /* id 146 */
            CU_ASSERT_EQUAL(l->g[0]->listed[0].first_id, 146);
            CU_ASSERT_STRING_EQUAL(l->g[0]->words, "words of 146");
            const struct ea_group *s = l->g[1];
            CU_ASSERT_EQUAL(s->scan, 1);
            CU_ASSERT_EQUAL(s->flows, 100);
            CU_ASSERT_EQUAL(s->nports, 40);
            CU_ASSERT_EQUAL(s->initiators, 1);
            CU_ASSERT_EQUAL(s->ex.n, 3);
            CU_ASSERT_EQUAL(s->ex.e[0].id, 1);
            CU_ASSERT_EQUAL(s->ex.e[2].id, 3);
            CU_ASSERT_EQUAL(s->first_frame, 10);
            CU_ASSERT_EQUAL(s->last_frame, 1001);
            CU_ASSERT_STRING_EQUAL(s->initiator, "198.51.100.7");
            char *pr = ea_group_port_ranges(s);
            CU_ASSERT_STRING_EQUAL(pr, "1000-1039");
            free(pr);
            CU_ASSERT_TRUE(ea_group_table_is_scan(t, s->key));
            CU_ASSERT_TRUE(ea_group_list_is_scan(l, s->key));
            CU_ASSERT_FALSE(ea_group_list_is_scan(l, l->g[0]->key));
            CU_ASSERT_EQUAL(ea_group_list_final(l, 7, s->key), s->key);
            CU_ASSERT_EQUAL(ea_group_list_final(l, 7, l->g[0]->key), 7);
            CU_ASSERT_EQUAL(ea_group_list_final(l, 7, 0), 7);
            CU_ASSERT_EQUAL(l->g[2]->flows, 6);   /* a port of the three small families */
            CU_ASSERT_EQUAL(l->g[2]->initiators, 3);
        } else {
            CU_ASSERT_STRING_EQUAL(d, want);
            free(d);
        }
        ea_group_list_free(l);
        ea_group_table_free(t);
    }
    free(want);
}

/*
 * Tables of parts of the flows, merged, equal the table of all of them (live windows add up
 * their buckets so): each quarter holds 10 of the scan's 40 ports, so only the union folds.
 */
static void test_merge_equals_whole(void)
{
    static struct tflow fl[NFLOWS];
    unsigned order[NFLOWS], part[NFLOWS];
    make_flows(fl);
    for (unsigned i = 0; i < NFLOWS; i++)
        order[i] = i;
    struct ea_group_table *whole = feed(fl, order, 3), *sum = ea_group_table_new(3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    for (unsigned q = 0; q < 4; q++) {
        struct ea_group_table *t = ea_group_table_new(3);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        unsigned n = 0;
        for (unsigned i = q; i < NFLOWS; i += 4)
            part[n++] = i;
        for (unsigned j = 0; j < n; j++) {
            const struct tflow *x = &fl[part[j]];
            struct ea_group_flow gf = {
                { x->verdict, x->reason, x->rules, "tcp", x->resp, x->ini, "unknown", x->port },
                x->id, 2, 120, 1000 + x->id, 2000 + x->id, 10 * x->id, 10 * x->id + 1, NULL
            };
            char words[32];
            snprintf(words, sizeof(words), "words of %" PRIu64, x->id);
            gf.words = words;
            struct ea_group_ref ref;
            CU_ASSERT_EQUAL(ea_group_table_add(t, &gf, &ref), 0);
            if (ref.sink && ea_examples_wants(ref.sink, x->id))
                offer_id(ref.sink, x->id);
        }
        struct ea_group_list *l = ea_group_table_list(t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(l);
        CU_ASSERT_EQUAL(l->scans, 0);   /* 10 ports in a quarter: no scan yet */
        char *before = describe(l);
        ea_group_list_free(l);
        CU_ASSERT_EQUAL(ea_group_table_merge(sum, t), 0);
        l = ea_group_table_list(t);
        char *after = describe(l);
        CU_ASSERT_STRING_EQUAL(before, after);   /* the source is unchanged */
        free(before);
        free(after);
        ea_group_list_free(l);
        ea_group_table_free(t);
    }
    struct ea_group_list *lw = ea_group_table_list(whole), *ls = ea_group_table_list(sum);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lw);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ls);
    char *dw = describe(lw), *ds = describe(ls);
    CU_ASSERT_EQUAL(ls->scans, 1);
    CU_ASSERT_EQUAL(ea_group_table_flows(sum), NFLOWS);
    CU_ASSERT_STRING_EQUAL(ds, dw);
    free(dw);
    free(ds);
    ea_group_list_free(lw);
    ea_group_list_free(ls);
    ea_group_table_free(whole);
    ea_group_table_free(sum);
}

/* 15 distinct ports are not a scan, the 16th folds every flow of the family, before and after. */
static void test_fold_threshold(void)
{
    struct ea_group_table *t = ea_group_table_new(2);
    struct ea_group_ref ref, first;
    for (unsigned p = 0; p < EA_SCAN_PORTS; p++) {
        struct ea_group_flow gf = { { "blocked", "syn-unanswered", "", "tcp", "192.0.2.1", "198.51.100.2",
                                      "", 100 + p }, 10 + p, 1, 60, 1, 2, p + 1, p + 1, "w" };
        CU_ASSERT_EQUAL(ea_group_table_add(t, &gf, &ref), 0);
        if (p == 0)
            first = ref;
        CU_ASSERT_TRUE(ref.has_scan);
        CU_ASSERT_EQUAL(ea_group_table_is_scan(t, ref.scan_key), p + 1 == EA_SCAN_PORTS);
    }
    CU_ASSERT_EQUAL(ea_group_ref_final(t, &first), first.scan_key);
    struct ea_group_list *l = ea_group_table_list(t);
    CU_ASSERT_EQUAL_FATAL(l->n, 1);
    CU_ASSERT_EQUAL(l->g[0]->flows, EA_SCAN_PORTS);
    CU_ASSERT_EQUAL(l->g[0]->key, first.scan_key);
    ea_group_list_free(l);
    ea_group_table_free(t);
    ea_group_table_free(NULL);
    ea_group_list_free(NULL);
}

/* Initiators beyond the cap: counted up to it and marked; the listed ones stay the smallest ids. */
static void test_initiator_and_group_caps(void)
{
    struct ea_group_table *t = ea_group_table_new(1);
    struct ea_group_ref ref;
    for (unsigned i = EA_GROUP_INITIATORS_MAX + 100; i > 0; i--) {
        char ini[32];
        snprintf(ini, sizeof(ini), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
        struct ea_group_flow gf = { { "unexpected", "no-rule", "r1", "udp", "192.0.2.1", ini, "dns", 53 },
                                    i, 1, 60, 1, 2, i, i, NULL };
        CU_ASSERT_EQUAL(ea_group_table_add(t, &gf, &ref), 0);
    }
    struct ea_group_list *l = ea_group_table_list(t);
    CU_ASSERT_EQUAL_FATAL(l->n, 1);
    CU_ASSERT_EQUAL(l->g[0]->initiators, EA_GROUP_INITIATORS_MAX);
    CU_ASSERT_EQUAL(l->g[0]->initiators_capped, 1);
    CU_ASSERT_EQUAL(l->g[0]->flows, EA_GROUP_INITIATORS_MAX + 100);
    CU_ASSERT_STRING_EQUAL(l->g[0]->listed[0].addr, "10.0.0.1");
    CU_ASSERT_STRING_EQUAL(l->g[0]->listed[4].addr, "10.0.0.5");
    ea_group_list_free(l);

    /* the group cap: a flow that needs a new group beyond it is dropped and counted */
    ea_group_table_set_max(t, 2);
    struct ea_group_flow a = { { "unexpected", "no-rule", "r2", "udp", "192.0.2.1", "x", "dns", 53 },
                               1, 1, 60, 1, 2, 1, 1, NULL };
    CU_ASSERT_EQUAL(ea_group_table_add(t, &a, &ref), 0);
    a.f.rules = "r3";
    CU_ASSERT_EQUAL(ea_group_table_add(t, &a, &ref), 1);
    CU_ASSERT_PTR_NULL(ref.sink);
    a.f.rules = "";
    CU_ASSERT_EQUAL(ea_group_table_add(t, &a, &ref), 1);
    a.f.rules = "r1";              /* an existing group still takes flows */
    CU_ASSERT_EQUAL(ea_group_table_add(t, &a, &ref), 0);
    CU_ASSERT_EQUAL(ea_group_table_dropped(t), 2);
    ea_group_table_free(t);
}

/* A flow's Wireshark filter is the printf text it always was (ports, no ports, IPv6, ICMPv6), cut as snprintf cuts. */
static void test_flow_filter(void)
{
    static const struct { const char *c, *s, *t; unsigned cp, sp; } cases[] = {
        { "203.0.113.20", "192.0.2.10", "tcp", 40001, 5061 },
        { "2001:db8::20", "2001:db8::10", "udp", 0, 65535 },
        { "2001:db8::20", "2001:db8::10", "icmp6", 0, 0 },
        { "203.0.113.20", "192.0.2.10", "ip", 7, 7 },
    };
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ea_group_fields gf = { "unexpected", "no-rule", "", cases[i].t, cases[i].s, cases[i].c, "x", cases[i].sp };
        const char *fc = strchr(cases[i].c, ':') ? "ipv6.addr" : "ip.addr";
        const char *fs = strchr(cases[i].s, ':') ? "ipv6.addr" : "ip.addr";
        char full[256], want[256], got[256];
        if (strcmp(cases[i].t, "tcp") == 0 || strcmp(cases[i].t, "udp") == 0)
            snprintf(full, sizeof(full), "%s==%s && %s==%s && %s.port==%u && %s.port==%u", fc, cases[i].c, fs,
                     cases[i].s, cases[i].t, cases[i].cp, cases[i].t, cases[i].sp);
        else
            snprintf(full, sizeof(full), "%s==%s && %s==%s && %s", fc, cases[i].c, fs, cases[i].s,
                     strcmp(cases[i].t, "icmp6") == 0 ? "icmpv6" : cases[i].t);
        for (size_t n = 1; n <= strlen(full) + 2; n++) {
            memset(want, 'x', sizeof(want));
            memset(got, 'x', sizeof(got));
            snprintf(want, n, "%s", full);
            ea_flow_filter(&gf, cases[i].cp, got, n);
            bad += memcmp(want, got, sizeof(want)) != 0;
        }
    }
    CU_ASSERT_EQUAL(bad, 0u);
}

void ea_test_add_group(void)
{
    EA_SUITE("group",
             { "fnv and key text", test_fnv_and_key_text },
             { "canonical string and key", test_canonical_and_key },
             { "examples keep the k smallest ids", test_examples_k_smallest },
             { "folding is independent of order", test_fold_independent_of_order },
             { "16 ports fold, 15 do not", test_fold_threshold },
             { "initiator and group caps", test_initiator_and_group_caps },
             { "tables merged equal the whole", test_merge_equals_whole },
             { "a flow's filter", test_flow_filter });
}

/* test-workers.c: unit tests of --threads sharding (symmetry, spread, expiry split over tables) and of the fast paths. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include "tests.h"
#include "flow-table.h"
#include "workers.h"
#include "runmode-files.h"
#include "util-time.h"
#include "util-addr.h"
#include "util-stats.h"

/* xorshift64: reproducible tuples without libc's rand. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct ea_tuple random_tuple(void)
{
    struct ea_tuple t;
    memset(&t, 0, sizeof(t));
    uint64_t r = next_rand();
    t.family = (r & 1) ? 6 : 4;
    t.proto = (r & 2) ? 6 : 17;
    t.vlan = (r & 4) ? (uint16_t)(r >> 48 & 0xfff) : 0;
    int n = t.family == 6 ? 16 : 4;
    for (int i = 0; i < n; i++) {
        t.src[i] = (uint8_t)next_rand();
        t.dst[i] = (uint8_t)next_rand();
    }
    t.sport = (uint16_t)next_rand();
    t.dport = (uint16_t)next_rand();
    return t;
}

static struct ea_tuple reversed(const struct ea_tuple *t)
{
    struct ea_tuple r = *t;
    memcpy(r.src, t->dst, 16);
    memcpy(r.dst, t->src, 16);
    r.sport = t->dport;
    r.dport = t->sport;
    return r;
}

static void test_shard_symmetric(void)
{
    for (int i = 0; i < 5000; i++) {
        struct ea_tuple t = random_tuple(), r = reversed(&t);
        for (unsigned n = 2; n <= 8; n++) {
            unsigned a = ea_workers_shard(&t, n), b = ea_workers_shard(&r, n);
            CU_ASSERT_EQUAL(a, b);
            CU_ASSERT(a < n);
        }
    }
}

/* The flows of 12000 that worker w of n should get: with two, the reading thread's share. */
static double expected_flows(unsigned w, unsigned n)
{
    if (n == 2)
        return 12000 * (w == 0 ? EA_WORKERS_INLINE_SHARE : 1 - EA_WORKERS_INLINE_SHARE);
    return 12000.0 / n;
}

/* Only the ports differ, as on a busy server: still the intended spread (even, or the
   reading thread's share with two). */
static void test_shard_spread(void)
{
    for (unsigned n = 2; n <= 4; n++) {
        unsigned count[4] = { 0 };
        struct ea_tuple t = random_tuple();
        t.family = 4;
        t.dport = 443;
        for (unsigned p = 0; p < 12000; p++) {
            t.sport = (uint16_t)(32768 + p);
            count[ea_workers_shard(&t, n)]++;
        }
        for (unsigned w = 0; w < n; w++) {
            CU_ASSERT(count[w] > expected_flows(w, n) * 8 / 10);
            CU_ASSERT(count[w] < expected_flows(w, n) * 12 / 10);
        }
    }
}

/* Each worker's own table still spreads its flows over all buckets (low hash bits). */
static void test_shard_leaves_bucket_bits(void)
{
    unsigned low[2][2] = { { 0 } }, seen[2] = { 0 };
    for (int i = 0; i < 8000; i++) {
        struct ea_tuple t = random_tuple();
        unsigned w = ea_workers_shard(&t, 2);
        low[w][ea_tuple_hash(&t) & 1]++;
        seen[w]++;
    }
    for (unsigned w = 0; w < 2; w++) {
        CU_ASSERT(seen[w] > 8000 * expected_flows(w, 2) / 12000 * 8 / 10);
        CU_ASSERT(low[w][0] > seen[w] * 4 / 10);
        CU_ASSERT(low[w][1] > seen[w] * 4 / 10);
    }
}

static int ended;
static void on_end(struct ea_flow *f, const char *why, void *ctx)
{
    (void)why;
    (void)ctx;
    ended++;
    ea_flow_free(f);
}

static struct ea_flow_table *table(struct ea_stats *st)
{
    struct ea_flow_limits l;
    ea_flow_limits_default(&l);     /* UDP 180 s; the shortest timeout is 30 s */
    memset(st, 0, sizeof(*st));
    return ea_flow_table_new(&l, st, on_end, NULL);
}

/* UDP flow number i (frame i) last seen at time t seconds, into ft. */
static void add(struct ea_flow_table *ft, unsigned i, uint64_t t)
{
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.t.family = 4;
    p.t.proto = 17;
    p.t.src[0] = 10; p.t.src[3] = (uint8_t)i;
    p.t.dst[0] = 10; p.t.dst[3] = 200;
    p.t.sport = (uint16_t)(40000 + i);
    p.t.dport = 3478;
    p.ts_ns = t * 1000000000ULL;
    p.frame = i;
    int dir;
    struct ea_flow *f = ea_flow_table_get(ft, &p, &dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ea_flow_table_touch(ft, f);
    f->table.touch_frame = i;
}

/*
 * Six flows seen in frame order; the third carries a late time stamp, so the
 * three after it were touched with time going backwards. The old walk from
 * the idle end stopped at the third and kept flows 4-6 although they were
 * idle; every flow that is due now leaves (issue 13), so split over two
 * tables (odd, even: two workers) each table expires on its own exactly
 * what the one table expires of its flows, with no agreement between them.
 */
static void test_expiry_split_matches_one_table(void)
{
    static const uint64_t t[7] = { 0, 0, 0, 190, 0, 0, 0 };
    struct ea_stats s1, sa, sb;
    struct ea_flow_table *one = table(&s1);
    for (unsigned i = 1; i <= 6; i++)
        add(one, i, t[i]);
    ended = 0;
    ea_flow_table_expire(one, 200ULL * 1000000000ULL);
    int want = ended;
    CU_ASSERT_EQUAL(want, 5);
    CU_ASSERT_EQUAL(ea_flow_table_count(one), 1);

    struct ea_flow_table *a = table(&sa), *b = table(&sb);
    for (unsigned i = 1; i <= 6; i++)
        add(i & 1 ? a : b, i, t[i]);
    uint64_t now = 200ULL * 1000000000ULL;
    ended = 0;
    ea_flow_table_expire(a, now);
    CU_ASSERT_EQUAL(ended, 2);   /* flows 1 and 5: 3 was seen at 190 s */
    ea_flow_table_expire(b, now);
    CU_ASSERT_EQUAL(ended, want);
    CU_ASSERT_EQUAL(sa.flows_expired + sb.flows_expired, s1.flows_expired);
    CU_ASSERT_EQUAL(ea_flow_table_count(a) + ea_flow_table_count(b), ea_flow_table_count(one));
    ea_flow_table_free(one);
    ea_flow_table_free(a);
    ea_flow_table_free(b);
}

/* Counters of several pipelines (threads) add up; time stamps widen, 0 meaning none. */
static void test_stats_add(void)
{
    struct ea_stats a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    b.packets = 5;
    b.malformed[EA_MAL_TCP_TRUNC] = 2;
    b.flows_active_peak = 3;
    b.ts_backwards = 1;
    b.first_ns = 200;
    b.last_ns = 300;
    ea_stats_add(&a, &b);   /* into an empty one: a copy */
    CU_ASSERT_EQUAL(a.packets, 5);
    CU_ASSERT_EQUAL(a.malformed[EA_MAL_TCP_TRUNC], 2);
    CU_ASSERT_EQUAL(a.first_ns, 200);
    CU_ASSERT_EQUAL(a.last_ns, 300);
    b.first_ns = 100;
    b.last_ns = 250;
    ea_stats_add(&a, &b);
    CU_ASSERT_EQUAL(a.packets, 10);
    CU_ASSERT_EQUAL(a.flows_active_peak, 6);   /* summed: an upper bound */
    CU_ASSERT_EQUAL(a.ts_backwards, 2);
    CU_ASSERT_EQUAL(a.first_ns, 100);
    CU_ASSERT_EQUAL(a.last_ns, 300);
    memset(&b, 0, sizeof(b));   /* a pipeline that saw no packet moves no time stamp */
    ea_stats_add(&a, &b);
    CU_ASSERT_EQUAL(a.first_ns, 100);
    CU_ASSERT_EQUAL(a.last_ns, 300);
}

/*
 * A line maker for the tests: a line of the flow's id and first frame,
 * padded by its first frame (up to 120 kB, or 300 kB: more than a block)
 * so that lines cross and outgrow the workers' line blocks (a few MB in
 * all: under the blocks a worker may hold). With mark 0 it writes no "id":0, so
 * that the workers cannot put the id in.
 */
static int lines_mark = 1;
static char *test_line(const struct ea_view *v, const struct ea_flow *f, size_t *len)
{
    (void)v;
    size_t pad = f->first_frame % 101 == 3 ? 300000 : (size_t)(f->first_frame % 7) * 20000;
    char *b = malloc(pad + 96);
    if (!b)
        return NULL;
    int n = snprintf(b, 96, "{\"type\":\"flow\",\"%s\":%llu,\"first\":%llu,\"pad\":\"",
                     lines_mark ? "id" : "flow-id", (unsigned long long)f->id,
                     (unsigned long long)f->first_frame);
    memset(b + n, 'x', pad);
    memcpy(b + n + pad, "\"}\n", 3);
    *len = (size_t)n + pad + 3;
    return b;
}

/* What the on_finished hook saw: flows, lines handed with them, lines that were wrong. */
struct seen {
    unsigned flows, made, bad;
};

static void seen_finished(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct seen *s = ctx;
    size_t len = 0;
    const char *line = ea_pipeline_flow_line(pl, &len);
    size_t want_len = 0;
    char *want = test_line(NULL, f, &want_len);
    s->flows++;
    if (line) {
        s->made++;
        s->bad += !want || len != want_len || memcmp(line, want, len) != 0;
    }
    free(want);
}

/* One run of a capture of the source tree with 'threads' and the test line maker. */
static struct seen lines_run(const char *capture, unsigned threads)
{
    struct seen s = { 0, 0, 0 };
    char err[1024], path[1100], dir[1024], rpath[1100];
    const char *top = getenv("EA_SRCDIR");
    snprintf(path, sizeof(path), "%s/captures/%s", top ? top : "..", capture);
    snprintf(dir, sizeof(dir), "%s/rules", top ? top : "..");
    snprintf(rpath, sizeof(rpath), "%s/lync2013-edge.xml", dir);
    struct ea_ruleset *rs = ea_ruleset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    CU_ASSERT_EQUAL_FATAL(ea_ruleset_load_rules(rs, rpath, dir, err, sizeof(err)), 0);
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    struct ea_pipeline *pl = ea_pipeline_new(&lim, rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    ea_pipeline_on_finished(pl, seen_finished, &s);
    ea_pipeline_set_line_maker(pl, test_line);
    const char *files[1] = { path };
    struct ea_input in = { files, 1, NULL, threads, 0 };
    CU_ASSERT_EQUAL(ea_run_files(pl, &in, err, sizeof(err)), 0);
    ea_pipeline_finish(pl);
    CU_ASSERT_FALSE(ea_pipeline_oom(pl));
    ea_pipeline_free(pl);
    ea_ruleset_free(rs);
    return s;
}

/*
 * Offline --threads: the workers make every flow's JSON line (through the
 * line maker, with id 0) and the main thread hands it on with the run's id
 * in place, the very line the main thread would have made. One thread
 * makes none (the report stream makes its own), nor do the workers when the
 * line has no "id":0, to put the id into.
 */
static void test_lines_made_by_workers(void)
{
    static const char *const caps[] = { "own/scan.pcap", "own/matrix.pcap" };
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        struct seen one = lines_run(caps[i], 1), two = lines_run(caps[i], 2), three = lines_run(caps[i], 3);
        CU_ASSERT(one.flows > 20);
        CU_ASSERT_EQUAL(one.made, 0);
        CU_ASSERT_EQUAL(two.flows, one.flows);
        CU_ASSERT_EQUAL(two.made, two.flows);
        CU_ASSERT_EQUAL(two.bad, 0);
        CU_ASSERT_EQUAL(three.flows, one.flows);
        CU_ASSERT_EQUAL(three.made, three.flows);
        CU_ASSERT_EQUAL(three.bad, 0);
    }
    lines_mark = 0;
    struct seen two = lines_run("own/matrix.pcap", 2);
    lines_mark = 1;
    CU_ASSERT(two.flows > 0);
    CU_ASSERT_EQUAL(two.made, 0);
}

void ea_test_add_workers(void)
{
    EA_SUITE("workers",
             { "shard is symmetric and in range", test_shard_symmetric },
             { "shard spreads flows as meant (two: the reading thread's share)", test_shard_spread },
             { "shard leaves the bucket bits", test_shard_leaves_bucket_bits },
             { "expiry split over tables matches one table", test_expiry_split_matches_one_table },
             { "counters of several pipelines add up", test_stats_add },
             { "workers make the JSON lines, the main thread puts the ids in", test_lines_made_by_workers });
}

/* ea_time_str is formatted by hand for speed: it must match gmtime_r and strftime exactly. */
static void test_time_str_matches_strftime(void)
{
    static const uint64_t fixed[] = { 0, 1, 999999999ULL, 951782400ULL * 1000000000ULL,
                                      4107542399ULL * 1000000000ULL + 999999999ULL,
                                      1700000000123456789ULL, UINT64_MAX };
    for (int i = 0; i < 20000; i++) {
        uint64_t ns = i < 7 ? fixed[i] : next_rand() % (UINT64_MAX / 2);
        char got[48], want[48], d[32];
        time_t s = (time_t)(ns / 1000000000ULL);
        struct tm tm;
        gmtime_r(&s, &tm);
        strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(want, sizeof(want), "%s.%09lluZ", d, (unsigned long long)(ns % 1000000000ULL));
        CU_ASSERT_STRING_EQUAL(ea_time_str(ns, got, sizeof(got)), want);
    }
    char small[8];
    ea_time_str(0, small, sizeof(small));
    CU_ASSERT_STRING_EQUAL(small, "1970-01");
}

/* ea_addr_str writes IPv4 addresses by hand for speed: it must match inet_ntop exactly. */
static void test_addr_str_matches_inet_ntop(void)
{
    for (int i = 0; i < 20000; i++) {
        uint8_t a[16];
        uint64_t r = next_rand();
        memcpy(a, &r, 8);
        if (i < 256) {   /* every byte value in every place */
            memset(a, i, 4);
            a[i & 3] = (uint8_t)(255 - i);
        }
        if (i == 256)
            memcpy(a, "\1\2\3\4", 4);   /* "1.2.3.4" fits in 8 bytes */
        char got[64], want[64], small[8], want_small[8];
        inet_ntop(AF_INET, a, want, sizeof(want));
        CU_ASSERT_STRING_EQUAL(ea_addr_str(4, a, got, sizeof(got)), want);
        CU_ASSERT_STRING_EQUAL(ea_addr_str(4, a, got, 16), want);
        if (!inet_ntop(AF_INET, a, want_small, sizeof(want_small)))
            want_small[0] = '\0';   /* too small: empty, as ea_addr_str makes it */
        ea_addr_str(4, a, small, sizeof(small));
        CU_ASSERT_STRING_EQUAL(small, want_small);
    }
}

void ea_test_add_perf(void)
{
    EA_SUITE("perf",
             { "time string matches strftime", test_time_str_matches_strftime },
             { "IPv4 address string matches inet_ntop", test_addr_str_matches_inet_ntop });
}

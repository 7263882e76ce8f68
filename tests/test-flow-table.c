/* test-flow-table.c: unit tests of the flow table: symmetry, initiator, caps, expiry. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "flow-table.h"

static struct ea_stats st;
static int ended;
static char last_why[16];
static uint64_t ended_ids[16];   /* the ids of the first flows that left, in order */

static void on_end(struct ea_flow *f, const char *why, void *ctx)
{
    (void)ctx;
    if ((size_t)ended < sizeof(ended_ids) / sizeof(ended_ids[0]))
        ended_ids[ended] = f->id;
    ended++;
    strncpy(last_why, why, sizeof(last_why) - 1);
    ea_flow_free(f);
}

/* A TCP or UDP packet 10.0.0.a:sp -> 10.0.0.b:dp at time t seconds. */
static struct ea_packet pkt(uint8_t proto, uint8_t a, uint16_t sp, uint8_t b, uint16_t dp,
                            uint8_t flags, uint64_t t)
{
    struct ea_packet p;
    memset(&p, 0, sizeof(p));
    p.t.family = 4;
    p.t.proto = proto;
    p.t.src[0] = 10; p.t.src[3] = a;
    p.t.dst[0] = 10; p.t.dst[3] = b;
    p.t.sport = sp;
    p.t.dport = dp;
    p.tcp_flags = flags;
    p.ts_ns = t * 1000000000ULL;
    return p;
}

static struct ea_flow_table *table(uint32_t cap)
{
    struct ea_flow_limits l;
    ea_flow_limits_default(&l);
    l.max_flows = cap;
    memset(&st, 0, sizeof(st));
    ended = 0;
    return ea_flow_table_new(&l, &st, on_end, NULL);
}

static void test_symmetric_hash(void)
{
    struct ea_packet a = pkt(6, 1, 40000, 2, 5061, EA_TH_SYN, 1);
    struct ea_packet b = pkt(6, 2, 5061, 1, 40000, EA_TH_SYN | EA_TH_ACK, 1);
    CU_ASSERT_EQUAL(ea_tuple_hash(&a.t), ea_tuple_hash(&b.t));
    struct ea_packet c = pkt(6, 1, 40001, 2, 5061, EA_TH_SYN, 1);
    CU_ASSERT_NOT_EQUAL(ea_tuple_hash(&a.t), ea_tuple_hash(&c.t));
}

static void test_both_directions_one_flow(void)
{
    struct ea_flow_table *ft = table(16);
    int d1 = -1, d2 = -1;
    struct ea_packet a = pkt(6, 1, 40000, 2, 5061, EA_TH_SYN, 1);
    struct ea_packet b = pkt(6, 2, 5061, 1, 40000, EA_TH_SYN | EA_TH_ACK, 1);
    struct ea_flow *f1 = ea_flow_table_get(ft, &a, &d1);
    struct ea_flow *f2 = ea_flow_table_get(ft, &b, &d2);
    CU_ASSERT_PTR_EQUAL(f1, f2);
    CU_ASSERT_EQUAL(d1, 0);
    CU_ASSERT_EQUAL(d2, 1);
    CU_ASSERT_EQUAL(f1->tcp.open, EA_OPEN_SYN);
    CU_ASSERT_EQUAL(f1->key.dport, 5061);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 1);
    /* Same 5-tuple on another VLAN is another flow. */
    struct ea_packet v = a;
    v.t.vlan = 7;
    CU_ASSERT_PTR_NOT_EQUAL(ea_flow_table_get(ft, &v, &d1), f1);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 2);
    ea_flow_table_free(ft);
}

static void test_initiator_from_synack(void)
{
    struct ea_flow_table *ft = table(16);
    int d = -1;
    /* The SYN was missed: the SYN-ACK's receiver is the initiator. */
    struct ea_packet b = pkt(6, 2, 5061, 1, 40000, EA_TH_SYN | EA_TH_ACK, 1);
    struct ea_flow *f = ea_flow_table_get(ft, &b, &d);
    CU_ASSERT_EQUAL(d, 1);
    CU_ASSERT_EQUAL(f->key.dport, 5061);
    CU_ASSERT_EQUAL(f->key.src[3], 1);
    CU_ASSERT_TRUE(f->initiator_inferred);
    CU_ASSERT_FALSE(f->reversed);          /* oriented from the start, not turned */
    ea_flow_table_free(ft);
}

static void test_initiator_udp_reply_first(void)
{
    struct ea_flow_table *ft = table(16);
    int d = -1;
    /* A DNS answer seen before its query: turned round. */
    struct ea_packet r = pkt(17, 2, 53, 1, 51000, 0, 1);
    struct ea_flow *f = ea_flow_table_get(ft, &r, &d);
    CU_ASSERT_EQUAL(d, 1);
    CU_ASSERT_EQUAL(f->key.dport, 53);
    CU_ASSERT_TRUE(f->initiator_inferred);
    CU_ASSERT_FALSE(f->reversed);
    /* Two ephemeral ports: the first sender is the initiator. */
    struct ea_packet u = pkt(17, 3, 50010, 4, 50020, 0, 1);
    f = ea_flow_table_get(ft, &u, &d);
    CU_ASSERT_EQUAL(d, 0);
    CU_ASSERT_FALSE(f->initiator_inferred);
    ea_flow_table_free(ft);
}

static void test_midstream(void)
{
    struct ea_flow_table *ft = table(16);
    int d = -1;
    struct ea_packet m = pkt(6, 2, 5269, 1, 45000, EA_TH_ACK, 1);
    struct ea_flow *f = ea_flow_table_get(ft, &m, &d);
    CU_ASSERT_EQUAL(f->tcp.open, EA_OPEN_MIDSTREAM);
    CU_ASSERT_EQUAL(f->key.dport, 5269);
    CU_ASSERT_EQUAL(d, 1);
    CU_ASSERT_TRUE(f->initiator_inferred);
    ea_flow_table_free(ft);
}

static void test_cap_evicts_lru(void)
{
    struct ea_flow_table *ft = table(4);
    int d;
    struct ea_flow *first = NULL;
    for (int i = 0; i < 4; i++) {
        struct ea_packet p = pkt(17, 1, (uint16_t)(50000 + i), 2, 3478, 0, 1);
        struct ea_flow *f = ea_flow_table_get(ft, &p, &d);
        ea_flow_table_touch(ft, f);
        if (i == 0)
            first = f;
    }
    /* Touch the oldest, so the second is now least recently seen. */
    ea_flow_table_touch(ft, first);
    struct ea_packet p = pkt(17, 1, 50100, 2, 3478, 0, 2);
    ea_flow_table_get(ft, &p, &d);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 4);
    CU_ASSERT_EQUAL(st.flows_evicted, 1);
    CU_ASSERT_EQUAL(ended, 1);
    CU_ASSERT_STRING_EQUAL(last_why, "evicted");
    struct ea_packet q = pkt(17, 1, 50000, 2, 3478, 0, 2);
    CU_ASSERT_PTR_EQUAL(ea_flow_table_find(ft, &q.t, NULL), first);
    struct ea_packet gone = pkt(17, 1, 50001, 2, 3478, 0, 2);
    CU_ASSERT_PTR_NULL(ea_flow_table_find(ft, &gone.t, NULL));
    /* Ten times the cap of unique tuples: the table never grows past it. */
    for (int i = 0; i < 40; i++) {
        struct ea_packet r = pkt(17, 3, (uint16_t)(10000 + i), 2, 3478, 0, 3);
        ea_flow_table_get(ft, &r, &d);
        CU_ASSERT(ea_flow_table_count(ft) <= 4);
    }
    CU_ASSERT_EQUAL(st.flows_evicted, 41);
    CU_ASSERT_EQUAL(st.flows_created, 45);
    ea_flow_table_free(ft);
}

static void test_expiry_packet_time(void)
{
    struct ea_flow_table *ft = table(16);
    int d;
    struct ea_packet u = pkt(17, 1, 50000, 2, 3478, 0, 100);
    struct ea_flow *f = ea_flow_table_get(ft, &u, &d);
    f->last_ns = u.ts_ns;
    struct ea_packet t = pkt(6, 1, 40000, 2, 5061, EA_TH_SYN, 100);
    struct ea_flow *g = ea_flow_table_get(ft, &t, &d);
    g->last_ns = t.ts_ns;
    g->tcp.open = EA_OPEN_ESTABLISHED;
    /* 179 s later nothing expires; at 180 s the UDP flow goes, TCP stays. */
    ea_flow_table_expire(ft, (100 + 179) * 1000000000ULL);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 2);
    ea_flow_table_expire(ft, (100 + 180) * 1000000000ULL);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 1);
    CU_ASSERT_EQUAL(st.flows_expired, 1);
    CU_ASSERT_STRING_EQUAL(last_why, "expired");
    /* A closed TCP flow goes after 30 s. */
    g->tcp.close = EA_CLOSE_FIN;
    ea_flow_table_expire(ft, (100 + 181) * 1000000000ULL);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 0);
    ea_flow_table_flush(ft);
    ea_flow_table_free(ft);
}

/* A packet seen as pipeline.c sees it: found or created, touched, then its time taken. */
static struct ea_flow *seen(struct ea_flow_table *ft, const struct ea_packet *p)
{
    int d;
    struct ea_flow *f = ea_flow_table_get(ft, p, &d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ea_flow_table_touch(ft, f);
    if (p->ts_ns > f->last_ns)
        f->last_ns = p->ts_ns;
    return f;
}

/*
 * Issue 13: expiry looks at the flows that leave and not at the others. 2,000
 * open TCP flows (1 hour timeout) stay idle while ten UDP flows a second come
 * and go (180 s) for 600 s of packet time, with expiry every second. The
 * walk of one LRU over every flow idle past the shortest timeout (30 s)
 * looked at each TCP flow again every second: over a million visits here.
 */
static void test_expiry_visits_only_due(void)
{
    struct ea_flow_table *ft = table(100000);
    for (unsigned i = 0; i < 2000; i++) {
        struct ea_packet p = pkt(IPPROTO_TCP, (uint8_t)(i / 250), (uint16_t)(40000 + i), 200, 5061,
                                 EA_TH_ACK, 0);
        seen(ft, &p);
    }
    uint64_t calls = 0;
    for (uint64_t t = 1; t <= 600; t++) {
        for (unsigned k = 0; k < 10; k++) {
            unsigned n = (unsigned)t * 10 + k;
            struct ea_packet p = pkt(IPPROTO_UDP, 100, (uint16_t)(10000 + n), 201, 3478, 0, t);
            seen(ft, &p);
        }
        ea_flow_table_expire(ft, t * 1000000000ULL);
        calls++;
    }
    /* The UDP flows of seconds 1-420 are 180 s idle by second 600; the TCP flows never. */
    CU_ASSERT_EQUAL(st.flows_expired, 4200);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 2000 + 1800);
    uint64_t visits = ea_flow_table_expire_visits(ft);
    /* Each call looks at every flow it expires, plus at most one flow that stays per list. */
    CU_ASSERT(visits >= st.flows_expired);
    CU_ASSERT(visits - st.flows_expired <= 3 * calls);
    ea_flow_table_free(ft);
}

static void collect_id(struct ea_flow *f, void *ctx)
{
    uint64_t *ids = ctx;
    size_t i = 0;
    while (ids[i])
        i++;
    ids[i] = f->id;
}

/*
 * Flows of the three timeout classes, and one touched with time going
 * backwards, leave least recently seen first (the one LRU order the reports
 * depend on), as foreach lists them most recently seen first.
 */
static void test_expiry_order_across_classes(void)
{
    struct ea_flow_table *ft = table(64);
    struct ea_packet pa = pkt(IPPROTO_UDP, 1, 50000, 2, 3478, 0, 0);
    struct ea_packet pb = pkt(IPPROTO_TCP, 1, 40001, 2, 5061, EA_TH_SYN, 1);
    struct ea_packet pc = pkt(IPPROTO_TCP, 1, 40002, 2, 5061, EA_TH_ACK, 2);
    struct ea_packet pd = pkt(IPPROTO_UDP, 1, 50003, 2, 3478, 0, 3);
    struct ea_packet pe = pkt(IPPROTO_TCP, 1, 40004, 2, 5061, EA_TH_ACK | EA_TH_FIN, 4);
    struct ea_packet pf = pkt(IPPROTO_UDP, 1, 50005, 2, 3478, 0, 1);
    uint64_t a = seen(ft, &pa)->id, b = seen(ft, &pb)->id, c = seen(ft, &pc)->id;
    uint64_t d = seen(ft, &pd)->id;
    seen(ft, &pe)->tcp.close = EA_CLOSE_FIN;   /* state changes after the touch, as in pipeline.c */
    uint64_t e = ea_flow_table_find(ft, &pe.t, NULL)->id;
    pa.ts_ns = 5 * 1000000000ULL;
    seen(ft, &pa);                          /* a: most recently seen but one */
    uint64_t f = seen(ft, &pf)->id;         /* time 1 after time 5: a late flow */

    uint64_t ids[8] = { 0 };
    ea_flow_table_foreach(ft, collect_id, ids);
    uint64_t newest_first[6] = { f, a, e, d, c, b };
    CU_ASSERT_EQUAL(memcmp(ids, newest_first, sizeof(newest_first)), 0);

    /* At 200 s: b (SYN only) and e (FIN) are past 30 s, a, d and f past 180 s; c is open TCP. */
    ended = 0;
    ea_flow_table_expire(ft, 200ULL * 1000000000ULL);
    uint64_t oldest_first[5] = { b, d, e, a, f };
    CU_ASSERT_EQUAL(ended, 5);
    CU_ASSERT_EQUAL(memcmp(ended_ids, oldest_first, sizeof(oldest_first)), 0);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 1);
    CU_ASSERT_PTR_NOT_NULL(ea_flow_table_find(ft, &pc.t, NULL));
    ea_flow_table_free(ft);
}

static void test_flush_and_turn(void)
{
    struct ea_flow_table *ft = table(16);
    int d;
    struct ea_packet a = pkt(6, 1, 40000, 2, 5061, EA_TH_SYN, 1);
    struct ea_flow *f = ea_flow_table_get(ft, &a, &d);
    f->pkts[0] = 3;
    f->bytes[1] = 99;
    ea_flow_turn(f);
    CU_ASSERT_EQUAL(f->key.sport, 5061);
    CU_ASSERT_EQUAL(f->pkts[1], 3);
    CU_ASSERT_EQUAL(f->bytes[0], 99);
    CU_ASSERT_TRUE(f->reversed);
    CU_ASSERT_FALSE(f->initiator_inferred);   /* a SYN was seen: the turn does not make it a guess */
    /* Still found from either direction after turning. */
    CU_ASSERT_PTR_EQUAL(ea_flow_table_find(ft, &a.t, &d), f);
    CU_ASSERT_EQUAL(d, 1);
    ea_flow_table_flush(ft);
    CU_ASSERT_EQUAL(ended, 1);
    CU_ASSERT_STRING_EQUAL(last_why, "flushed");
    ea_flow_table_free(ft);
    ea_flow_table_free(NULL);
    ea_flow_free(NULL);
}

/* ea_flow_free frees an unfinished inspection's working state through the flow's work_free. */
static int work_freed;
static void count_work_free(void *w)
{
    work_freed++;
    free(w);
}

static void test_free_work(void)
{
    struct ea_flow *f = calloc(1, sizeof(*f));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    f->work = malloc(16);
    f->work_free = count_work_free;
    work_freed = 0;
    ea_flow_free(f);
    CU_ASSERT_EQUAL(work_freed, 1);
}

/* Tables in several threads (live --threads) draw flow ids from one counter: never one id twice. */
static void test_shared_ids(void)
{
    _Atomic uint64_t ids;
    atomic_init(&ids, 1);
    struct ea_flow_table *a = table(16), *b = table(16);
    ea_flow_table_share_ids(a, &ids);
    ea_flow_table_share_ids(b, &ids);
    int d;
    struct ea_packet p1 = pkt(6, 1, 40000, 2, 5061, EA_TH_SYN, 1);
    struct ea_packet p2 = pkt(6, 1, 40001, 2, 5061, EA_TH_SYN, 1);
    struct ea_packet p3 = pkt(6, 1, 40002, 2, 5061, EA_TH_SYN, 1);
    CU_ASSERT_EQUAL(ea_flow_table_get(a, &p1, &d)->id, 1);
    CU_ASSERT_EQUAL(ea_flow_table_get(b, &p2, &d)->id, 2);
    CU_ASSERT_EQUAL(ea_flow_table_get(a, &p3, &d)->id, 3);
    CU_ASSERT_EQUAL(ea_flow_table_get(a, &p1, &d)->id, 1);   /* found, not new */
    CU_ASSERT_EQUAL(atomic_load(&ids), 4);
    /* A table of its own still counts from 1. */
    struct ea_flow_table *c = table(16);
    CU_ASSERT_EQUAL(ea_flow_table_get(c, &p1, &d)->id, 1);
    ea_flow_table_free(a);
    ea_flow_table_free(b);
    ea_flow_table_free(c);
}

/* A cleared table holds no flow, calls on_end for none, and starts over as a new one. */
static void test_clear(void)
{
    struct ea_flow_table *ft = table(2048);
    int dir;
    for (uint16_t i = 0; i < 1500; i++) {
        struct ea_packet p = pkt(17, 1, (uint16_t)(10000 + i), 2, 3478, 0, 1);
        ea_flow_table_touch(ft, ea_flow_table_get(ft, &p, &dir));
    }
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 1500);
    ea_flow_table_clear(ft);
    CU_ASSERT_EQUAL(ea_flow_table_count(ft), 0);
    CU_ASSERT_EQUAL(ended, 0);
    int found = 0;
    for (uint16_t i = 0; i < 1500; i++) {
        struct ea_packet p = pkt(17, 1, (uint16_t)(10000 + i), 2, 3478, 0, 1);
        found += ea_flow_table_find(ft, &p.t, NULL) != NULL;
    }
    CU_ASSERT_EQUAL(found, 0);
    struct ea_packet p = pkt(17, 1, 10007, 2, 3478, 0, 2);
    struct ea_flow *f = ea_flow_table_get(ft, &p, &dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(f->id, 1);
    ea_flow_table_touch(ft, f);
    CU_ASSERT_PTR_EQUAL(ea_flow_table_find(ft, &p.t, NULL), f);
    ea_flow_table_flush(ft);
    CU_ASSERT_EQUAL(ended, 1);
    ea_flow_table_free(ft);
}

/* The order flows leave a table in, by id (ctx of hashed_table). */
struct left { uint64_t ids[64]; int n; };

static void note_left(struct ea_flow *f, const char *why, void *ctx)
{
    struct left *l = ctx;
    (void)why;
    if (l->n < 64)
        l->ids[l->n++] = f->id;
    ea_flow_free(f);
}

static struct ea_flow_table *hashed_table(struct left *l)
{
    struct ea_flow_limits lim;
    ea_flow_limits_default(&lim);
    lim.max_flows = 8;   /* evictions as well as expiry */
    memset(l, 0, sizeof(*l));
    return ea_flow_table_new(&lim, &st, note_left, l);
}

/*
 * The hashed lookup (with prefetch hints given ahead, as the read loop
 * does) gives the same flows, ids, directions and order of leaving as the
 * plain one, from either direction of a flow.
 */
static void test_hashed_same_as_plain(void)
{
    struct left lp, lh;
    memset(&st, 0, sizeof(st));
    struct ea_flow_table *plain = hashed_table(&lp), *hashed = hashed_table(&lh);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hashed);
    int diffs = 0, news = 0;
    for (uint32_t i = 0; i < 400; i++) {
        /* 20 flows in both directions, some reply-first; time moves 1 s a packet. */
        uint8_t a = (uint8_t)(1 + i % 20), rev = (uint8_t)(i % 3 == 1);
        uint16_t cport = (uint16_t)(40000 + i % 20);
        struct ea_packet p = rev ? pkt(17, 2, 5060, a, cport, 0, i / 4)
                                 : pkt(17, a, cport, 2, 5060, 0, i / 4);
        struct ea_packet next = pkt(17, (uint8_t)(1 + (i + 1) % 20), (uint16_t)(40000 + (i + 1) % 20),
                                    2, 5060, 0, 0);
        uint32_t h = ea_packet_flow_hash(&p);
        CU_ASSERT_EQUAL(h, ea_tuple_hash(&p.t));
        ea_flow_table_prefetch_bucket(hashed, ea_packet_flow_hash(&next));
        ea_flow_table_prefetch_flow(hashed, h);
        if (i % 50 == 0) {
            ea_flow_table_expire(plain, p.ts_ns + 200 * 1000000000ULL * (i % 100 == 0));
            ea_flow_table_expire(hashed, p.ts_ns + 200 * 1000000000ULL * (i % 100 == 0));
        }
        int dp = -1, dh = -1, fdp = -1, fdh = -1;
        uint64_t made = st.flows_created;
        struct ea_flow *fp = ea_flow_table_get(plain, &p, &dp);
        news += st.flows_created != made;
        struct ea_flow *fh = ea_flow_table_get_hashed(hashed, &p, h, &dh);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
        CU_ASSERT_PTR_NOT_NULL_FATAL(fh);
        diffs += fp->id != fh->id || dp != dh;
        ea_flow_table_touch(plain, fp);
        ea_flow_table_touch(hashed, fh);
        fp->last_ns = fh->last_ns = p.ts_ns;
        /* find from the other direction: the same flow, the other dir */
        struct ea_tuple back = p.t;
        memcpy(back.src, p.t.dst, 16);
        memcpy(back.dst, p.t.src, 16);
        back.sport = p.t.dport;
        back.dport = p.t.sport;
        CU_ASSERT_PTR_EQUAL(ea_flow_table_find_hashed(hashed, &back, ea_tuple_hash(&back), &fdh), fh);
        CU_ASSERT_PTR_EQUAL(ea_flow_table_find(plain, &back, &fdp), fp);
        CU_ASSERT_EQUAL(fdh, 1 - dh);
        CU_ASSERT_EQUAL(fdp, fdh);
    }
    CU_ASSERT_EQUAL(diffs, 0);
    CU_ASSERT_TRUE(news > 20);   /* flows were evicted or expired and came back as new ones */
    struct ea_packet gone = pkt(17, 99, 1, 2, 5060, 0, 0);
    CU_ASSERT_PTR_NULL(ea_flow_table_find_hashed(hashed, &gone.t, ea_tuple_hash(&gone.t), NULL));
    ea_flow_table_flush(plain);
    ea_flow_table_flush(hashed);
    CU_ASSERT_TRUE(lp.n > 20);
    CU_ASSERT_EQUAL(lp.n, lh.n);
    CU_ASSERT_EQUAL(memcmp(lp.ids, lh.ids, sizeof(lp.ids)), 0);
    ea_flow_table_free(plain);
    ea_flow_table_free(hashed);
}

/* An ICMP error looks up the flow it quotes: its hash is the quoted tuple's. */
static void test_packet_flow_hash_icmp(void)
{
    struct ea_packet q = pkt(17, 1, 40000, 2, 5060, 0, 1);
    struct ea_packet e = pkt(1, 2, 0, 1, 0, 0, 1);
    e.icmp_error = true;
    e.icmp_quoted = q.t;
    CU_ASSERT_EQUAL(ea_packet_flow_hash(&e), ea_tuple_hash(&q.t));
    CU_ASSERT_NOT_EQUAL(ea_packet_flow_hash(&e), ea_tuple_hash(&e.t));
}

void ea_test_add_flow_table(void)
{
    EA_SUITE("flow-table",
             { "free: working state through work_free", test_free_work },
             { "symmetric hash", test_symmetric_hash },
             { "both directions, one flow", test_both_directions_one_flow },
             { "initiator from SYN-ACK", test_initiator_from_synack },
             { "UDP reply first", test_initiator_udp_reply_first },
             { "mid-stream TCP", test_midstream },
             { "cap evicts least recently seen", test_cap_evicts_lru },
             { "expiry in packet time", test_expiry_packet_time },
             { "expiry visits only the flows it expires", test_expiry_visits_only_due },
             { "expiry order across timeout classes", test_expiry_order_across_classes },
             { "flush and turn", test_flush_and_turn },
             { "ids shared between tables", test_shared_ids },
             { "clear", test_clear },
             { "hashed lookup: the same as the plain one", test_hashed_same_as_plain },
             { "packet flow hash: an ICMP error's is the quoted tuple's", test_packet_flow_hash_icmp });
}

/* flow-table.c: bounded bidirectional flow table, symmetric hash, LRU eviction, packet-time expiry. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "flow-table.h"

/* AddressSanitizer's count of the bytes allocated, when it replaces malloc (weak: else NULL).
   The name is the sanitizer runtime's, hence reserved. */
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak)); /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

/*
 * Every flow in the table is on one of these lists, most recently touched at
 * the head, or is the one touched last (pending, on none yet). There is one
 * list per timeout class; a flow goes on its class's list only when its
 * last_ns is the newest of all flows put on a class list so far, so each
 * class list is sorted by last_ns as well, and its tail is the next flow of
 * that class to expire: expiry reads a list from the tail and stops at the
 * first flow that is not due, whatever the number of flows behind it. A flow
 * touched by a packet older than one seen before (time went backwards, or a
 * second file starts earlier) would break that order: it goes on LIST_LATE,
 * which expiry reads whole; a flow leaves it when next touched in order.
 * Together the lists hold the one LRU order of the table: each flow's seq
 * (the count of touches when it was last touched) merges them.
 */
enum { LIST_UDP, LIST_TCP_CLOSED, LIST_TCP_OPEN, LIST_LATE, NLISTS, LIST_NONE = NLISTS };

struct lru {
    struct ea_flow *head;       /* most recently touched */
    struct ea_flow *tail;       /* least recently touched */
};

struct ea_flow_table {
    struct ea_flow **buckets;
    uint32_t nbuckets;          /* power of two */
    uint32_t count;
    uint64_t next_id;
    _Atomic uint64_t *shared_ids;   /* borrowed: live --threads, ids unique over tables */
    struct lru lists[NLISTS];
    struct ea_flow *pending;    /* touched last; put on its list by settle() at the next call */
    uint64_t touches;           /* the seq of the last touch */
    uint64_t newest_ns;         /* the newest last_ns of a flow put on a class list */
    uint64_t expire_visits;     /* flows expiry has looked at (ea_flow_table_expire_visits) */
    struct ea_flow_limits lim;
    struct ea_stats *st;        /* borrowed */
    ea_flow_end_fn on_end;
    void *ctx;
    /* EA_DEBUG_MEMORY: the heap at creation and at the flows-peak (mem_peak's samples) */
    int mem_debug;
    size_t heap_base, heap_peak;
    uint32_t heap_peak_flows;
};

/* Bytes the program has allocated now (0 where that cannot be known): for EA_DEBUG_MEMORY. */
static size_t heap_bytes(void)
{
    if (__sanitizer_get_current_allocated_bytes)
        return __sanitizer_get_current_allocated_bytes();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

/* A new flows-peak: samples the heap at each of the first 1024 flows, then at every 1024th. */
static void mem_peak(struct ea_flow_table *ft)
{
    if (!ft->mem_debug || (ft->count > 1024 && (ft->count & 1023) != 0))
        return;
    ft->heap_peak = heap_bytes();
    ft->heap_peak_flows = ft->count;
}

/*
 * One line on standard error: the heap's growth from the table's creation
 * to the flows-peak, over the flows alive then. Everything the run holds at
 * that moment counts (flows it keeps after they left the table included).
 */
static void mem_report(const struct ea_flow_table *ft)
{
    if (!ft->mem_debug)
        return;
    size_t grown = ft->heap_peak > ft->heap_base ? ft->heap_peak - ft->heap_base : 0;
    fprintf(stderr, "edgeaudit: memory: %u flows alive at the sampled peak, heap %zu bytes "
            "(%zu at the start): %zu bytes per alive flow; struct ea_flow %zu bytes\n",
            ft->heap_peak_flows, ft->heap_peak, ft->heap_base,
            ft->heap_peak_flows ? grown / ft->heap_peak_flows : 0, sizeof(struct ea_flow));
}

void ea_flow_limits_default(struct ea_flow_limits *l)
{
    l->max_flows = 262144;
    l->tcp_idle_ns = 3600ULL * 1000000000ULL;   /* long-lived SIP/XMPP connections */
    l->tcp_closed_ns = 30ULL * 1000000000ULL;
    l->udp_idle_ns = 180ULL * 1000000000ULL;    /* media and STUN keep-alives */
}

/* One endpoint, a word at a time (this runs twice per packet). The two
   multipliers are odd 64-bit constants (golden ratio, xxHash's prime 2). */
static uint64_t endpoint_hash(const uint8_t *addr, uint16_t port)
{
    uint64_t x, y;
    memcpy(&x, addr, 8);
    memcpy(&y, addr + 8, 8);
    uint64_t h = x * 0x9e3779b97f4a7c15ULL;
    h ^= (y ^ port) * 0xc2b2ae3d27d4eb4fULL;
    return h ^ h >> 32;
}

uint32_t ea_tuple_hash(const struct ea_tuple *t)
{
    /* Adding the two endpoint hashes is order-independent: both directions meet. */
    uint64_t h = endpoint_hash(t->src, t->sport) + endpoint_hash(t->dst, t->dport);
    h ^= (uint64_t)t->proto << 16 ^ t->vlan ^ (uint64_t)t->family << 24;
    /* MurmurHash3's 64-bit finaliser: every input bit reaches the low bits used for buckets. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* 0: same direction, 1: reverse direction, -1: different flow. */
static int tuple_match(const struct ea_tuple *k, const struct ea_tuple *t)
{
    if (k->family != t->family || k->proto != t->proto || k->vlan != t->vlan)
        return -1;
    if (k->sport == t->sport && k->dport == t->dport &&
        !memcmp(k->src, t->src, 16) && !memcmp(k->dst, t->dst, 16))
        return 0;
    if (k->sport == t->dport && k->dport == t->sport &&
        !memcmp(k->src, t->dst, 16) && !memcmp(k->dst, t->src, 16))
        return 1;
    return -1;
}

struct ea_flow_table *ea_flow_table_new(const struct ea_flow_limits *l, struct ea_stats *st,
                                        ea_flow_end_fn on_end, void *ctx)
{
    struct ea_flow_table *ft = calloc(1, sizeof(*ft));
    if (!ft)
        return NULL;
    ft->lim = *l;
    if (ft->lim.max_flows == 0)
        ft->lim.max_flows = 1;
    /* About one bucket per flow, capped so a huge cap does not preallocate much. */
    uint32_t n = 1024;
    while (n < ft->lim.max_flows && n < (1u << 22))
        n <<= 1;
    ft->buckets = calloc(n, sizeof(*ft->buckets));
    if (!ft->buckets) {
        free(ft);
        return NULL;
    }
    ft->nbuckets = n;
    ft->next_id = 1;
    ft->st = st;
    ft->on_end = on_end;
    ft->ctx = ctx;
    ft->mem_debug = getenv("EA_DEBUG_MEMORY") != NULL;
    ft->heap_base = ft->mem_debug ? heap_bytes() : 0;
    return ft;
}

void ea_flow_table_share_ids(struct ea_flow_table *ft, _Atomic uint64_t *ids)
{
    ft->shared_ids = ids;
}

/* The timeout class of a flow, from its protocol and TCP state: a LIST_ index. */
static int timeout_class(const struct ea_flow *f)
{
    if (f->key.proto != IPPROTO_TCP)
        return LIST_UDP;
    if (f->tcp.close != EA_CLOSE_OPEN || f->tcp.open == EA_OPEN_SYN || f->tcp.open == EA_OPEN_SYN_RST)
        return LIST_TCP_CLOSED;
    return LIST_TCP_OPEN;
}

static uint64_t flow_timeout(const struct ea_flow_table *ft, const struct ea_flow *f)
{
    switch (timeout_class(f)) {
    case LIST_UDP:
        return ft->lim.udp_idle_ns;
    case LIST_TCP_CLOSED:
        return ft->lim.tcp_closed_ns;
    default:
        return ft->lim.tcp_idle_ns;
    }
}

static void list_unlink(struct ea_flow_table *ft, struct ea_flow *f)
{
    struct lru *l = &ft->lists[f->table.lru_list];
    if (f->table.lru_prev)
        f->table.lru_prev->table.lru_next = f->table.lru_next;
    else
        l->head = f->table.lru_next;
    if (f->table.lru_next)
        f->table.lru_next->table.lru_prev = f->table.lru_prev;
    else
        l->tail = f->table.lru_prev;
    f->table.lru_prev = f->table.lru_next = NULL;
    f->table.lru_list = LIST_NONE;
}

static void list_push_head(struct ea_flow_table *ft, struct ea_flow *f, int list)
{
    struct lru *l = &ft->lists[list];
    f->table.lru_list = (uint8_t)list;
    f->table.lru_prev = NULL;
    f->table.lru_next = l->head;
    if (l->head)
        l->head->table.lru_prev = f;
    l->head = f;
    if (!l->tail)
        l->tail = f;
}

/*
 * Puts the flow touched last on its list. It runs at the start of every
 * call that reads the lists, after the caller has updated the flow's TCP
 * state and last_ns for the packet that touched it (pipeline.c).
 */
static void settle(struct ea_flow_table *ft)
{
    struct ea_flow *f = ft->pending;
    if (!f)
        return;
    ft->pending = NULL;
    if (f->last_ns >= ft->newest_ns) {
        ft->newest_ns = f->last_ns;
        list_push_head(ft, f, timeout_class(f));
    } else {
        list_push_head(ft, f, LIST_LATE);
    }
}

/* Makes f the most recently touched flow; settle() puts it on a list. */
static void make_pending(struct ea_flow_table *ft, struct ea_flow *f)
{
    settle(ft);
    if (f->table.lru_list != LIST_NONE)
        list_unlink(ft, f);
    f->table.lru_seq = ++ft->touches;
    ft->pending = f;
}

void ea_flow_table_touch(struct ea_flow_table *ft, struct ea_flow *f)
{
    if (ft->pending != f)
        make_pending(ft, f);
}

/* The least recently touched flow of the table (settled), or NULL. */
static struct ea_flow *oldest(const struct ea_flow_table *ft)
{
    struct ea_flow *o = NULL;
    for (int c = 0; c < NLISTS; c++) {
        struct ea_flow *t = ft->lists[c].tail;
        if (t && (!o || t->table.lru_seq < o->table.lru_seq))
            o = t;
    }
    return o;
}

/* Takes a flow out of the table and hands it to on_end. */
static void remove_flow(struct ea_flow_table *ft, struct ea_flow *f, const char *why)
{
    struct ea_flow **pp = &ft->buckets[f->table.hash & (ft->nbuckets - 1)];
    while (*pp && *pp != f)
        pp = &(*pp)->table.hnext;
    if (*pp)
        *pp = f->table.hnext;
    f->table.hnext = NULL;
    if (ft->pending == f)
        ft->pending = NULL;
    else if (f->table.lru_list != LIST_NONE)
        list_unlink(ft, f);
    f->table.in_table = 0;
    ft->count--;
    if (ft->on_end)
        ft->on_end(f, why, ft->ctx);
    else
        ea_flow_free(f);
}

/* Frees every flow of the table (without on_end), leaving its lists dangling. */
static void free_flows(struct ea_flow_table *ft)
{
    settle(ft);
    for (int c = 0; c < NLISTS; c++) {
        struct ea_flow *f = ft->lists[c].head;
        while (f) {
            struct ea_flow *next = f->table.lru_next;
            ea_flow_free(f);
            f = next;
        }
    }
}

void ea_flow_table_free(struct ea_flow_table *ft)
{
    if (!ft)
        return;
    mem_report(ft);
    free_flows(ft);
    free(ft->buckets);
    free(ft);
}

void ea_flow_table_clear(struct ea_flow_table *ft)
{
    /* Only the buckets that hold a flow are emptied: a reset costs the flows, not the buckets. */
    settle(ft);
    for (int c = 0; c < NLISTS; c++)
        for (const struct ea_flow *f = ft->lists[c].head; f; f = f->table.lru_next)
            ft->buckets[f->table.hash & (ft->nbuckets - 1)] = NULL;
    free_flows(ft);
    memset(ft->lists, 0, sizeof(ft->lists));
    ft->pending = NULL;
    ft->touches = ft->newest_ns = ft->expire_visits = 0;
    ft->count = 0;
    ft->next_id = 1;
}

struct ea_flow *ea_flow_table_find_hashed(struct ea_flow_table *ft, const struct ea_tuple *t,
                                          uint32_t hash, int *dir)
{
    for (struct ea_flow *f = ft->buckets[hash & (ft->nbuckets - 1)]; f; f = f->table.hnext) {
        if (f->table.hash != hash)
            continue;
        int d = tuple_match(&f->key, t);
        if (d >= 0) {
            if (dir)
                *dir = d;
            return f;
        }
    }
    return NULL;
}

struct ea_flow *ea_flow_table_find(struct ea_flow_table *ft, const struct ea_tuple *t, int *dir)
{
    return ea_flow_table_find_hashed(ft, t, ea_tuple_hash(t), dir);
}

uint32_t ea_packet_flow_hash(const struct ea_packet *p)
{
    return ea_tuple_hash(p->icmp_error ? &p->icmp_quoted : &p->t);
}

void ea_flow_table_prefetch_bucket(const struct ea_flow_table *ft, uint32_t hash)
{
    __builtin_prefetch(&ft->buckets[hash & (ft->nbuckets - 1)], 0, 3);
}

void ea_flow_table_prefetch_flow(const struct ea_flow_table *ft, uint32_t hash)
{
    /* A hint only: the flow may have left by the time the packet comes (a prefetch never
       faults), and the head may be another flow of the bucket (rare: about one flow a bucket). */
    const struct ea_flow *f = ft->buckets[hash & (ft->nbuckets - 1)];
    if (f) {
        __builtin_prefetch(f, 1, 3);
        __builtin_prefetch((const char *)f + 64, 1, 3);
        __builtin_prefetch((const char *)f + 128, 1, 3);
        __builtin_prefetch((const char *)f + 192, 1, 3);
    }
}

void ea_flow_table_prefetch_links(const struct ea_flow_table *ft, uint32_t hash)
{
    const struct ea_flow *f = ft->buckets[hash & (ft->nbuckets - 1)];
    if (!f || f->table.hash != hash || f == ft->pending)
        return;
    /* Moving f to the LRU head writes its neighbours' links. */
    if (f->table.lru_prev)
        __builtin_prefetch(f->table.lru_prev, 1, 3);
    if (f->table.lru_next)
        __builtin_prefetch(f->table.lru_next, 1, 3);
}

/* Ports that offer a service: a packet from one of these to an ephemeral port is a reply. */
static int service_port(uint16_t p)
{
    switch (p) {
    case 22: case 53: case 80: case 123: case 443: case 3478: case 3479: case 5060:
    case 5061: case 5222: case 5223: case 5269: case 23456:
        return 1;
    default:
        return p < 1024;
    }
}

/* Evicts the least recently seen flow to make room. */
static void evict_one(struct ea_flow_table *ft)
{
    settle(ft);
    struct ea_flow *f = oldest(ft);
    if (!f)
        return;
    ft->st->flows_evicted++;
    remove_flow(ft, f, "evicted");
}

struct ea_flow *ea_flow_table_get(struct ea_flow_table *ft, const struct ea_packet *p, int *dir)
{
    return ea_flow_table_get_hashed(ft, p, ea_tuple_hash(&p->t), dir);
}

struct ea_flow *ea_flow_table_get_hashed(struct ea_flow_table *ft, const struct ea_packet *p,
                                         uint32_t hash, int *dir)
{
    struct ea_flow *f = ea_flow_table_find_hashed(ft, &p->t, hash, dir);
    if (f)
        return f;

    while (ft->count >= ft->lim.max_flows)
        evict_one(ft);

    f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->table.lru_list = LIST_NONE;
    f->key = p->t;
    f->table.hash = hash;
    f->id = ft->shared_ids ? atomic_fetch_add(ft->shared_ids, 1) : ft->next_id++;
    f->vlan_outer = p->vlan_outer;
    f->encap = p->encap;
    f->first_ns = f->last_ns = p->ts_ns;
    f->first_frame = f->last_frame = p->frame;
    *dir = 0;

    if (p->t.proto == IPPROTO_TCP) {
        uint8_t fl = p->tcp_flags;
        if ((fl & EA_TH_SYN) && !(fl & EA_TH_ACK)) {
            f->tcp.open = EA_OPEN_SYN;
        } else if ((fl & EA_TH_SYN) && (fl & EA_TH_ACK)) {
            /* The SYN was not captured; the SYN-ACK's receiver opened it. */
            f->tcp.open = EA_OPEN_SYNACK;
            ea_flow_orient_reply(f);
            *dir = 1;
        } else {
            f->tcp.open = EA_OPEN_MIDSTREAM;
            f->initiator_inferred = 1;
            if (service_port(p->t.sport) && !service_port(p->t.dport)) {
                ea_flow_orient_reply(f);
                *dir = 1;
            }
        }
    } else if (p->t.sport && p->t.dport && service_port(p->t.sport) &&
               !service_port(p->t.dport)) {
        /* A UDP reply seen before its request. */
        ea_flow_orient_reply(f);
        *dir = 1;
    }

    uint32_t b = f->table.hash & (ft->nbuckets - 1);
    f->table.hnext = ft->buckets[b];
    ft->buckets[b] = f;
    f->table.in_table = 1;
    make_pending(ft, f);
    ft->count++;
    ft->st->flows_created++;
    if (ft->count > ft->st->flows_active_peak) {
        ft->st->flows_active_peak = ft->count;
        mem_peak(ft);
    }
    return f;
}

/* Whether f has been idle for its timeout at now_ns; counted. */
static int due(struct ea_flow_table *ft, const struct ea_flow *f, uint64_t now_ns)
{
    ft->expire_visits++;
    uint64_t idle = now_ns > f->last_ns ? now_ns - f->last_ns : 0;
    return idle >= flow_timeout(ft, f);
}

/* The next flow that is due on list c, from f towards the head; NULL when none is. */
static struct ea_flow *next_due(struct ea_flow_table *ft, int c, struct ea_flow *f,
                                uint64_t now_ns)
{
    if (c != LIST_LATE)   /* sorted by last_ns: the first flow not due ends the list's turn */
        return f && due(ft, f, now_ns) ? f : NULL;
    while (f && !due(ft, f, now_ns))
        f = f->table.lru_prev;
    return f;
}

void ea_flow_table_expire(struct ea_flow_table *ft, uint64_t now_ns)
{
    struct ea_flow *cur[NLISTS];
    settle(ft);
    for (int c = 0; c < NLISTS; c++)
        cur[c] = next_due(ft, c, ft->lists[c].tail, now_ns);
    /* The due flows of all lists, least recently touched first: the table's LRU order. */
    for (;;) {
        int k = -1;
        for (int c = 0; c < NLISTS; c++)
            if (cur[c] && (k < 0 || cur[c]->table.lru_seq < cur[k]->table.lru_seq))
                k = c;
        if (k < 0)
            break;
        struct ea_flow *f = cur[k];
        cur[k] = next_due(ft, k, f->table.lru_prev, now_ns);
        ft->st->flows_expired++;
        remove_flow(ft, f, "expired");
    }
}

uint64_t ea_flow_table_expire_visits(const struct ea_flow_table *ft)
{
    return ft->expire_visits;
}

void ea_flow_table_flush(struct ea_flow_table *ft)
{
    settle(ft);
    struct ea_flow *f;
    while ((f = oldest(ft)))
        remove_flow(ft, f, "flushed");
}

uint32_t ea_flow_table_count(const struct ea_flow_table *ft)
{
    return ft->count;
}

void ea_flow_table_foreach(struct ea_flow_table *ft, void (*fn)(struct ea_flow *f, void *ctx),
                           void *ctx)
{
    struct ea_flow *cur[NLISTS];
    settle(ft);
    for (int c = 0; c < NLISTS; c++)
        cur[c] = ft->lists[c].head;
    for (;;) {   /* the lists merged from their heads: most recently touched first */
        int k = -1;
        for (int c = 0; c < NLISTS; c++)
            if (cur[c] && (k < 0 || cur[c]->table.lru_seq > cur[k]->table.lru_seq))
                k = c;
        if (k < 0)
            break;
        struct ea_flow *f = cur[k];
        cur[k] = f->table.lru_next;
        fn(f, ctx);
    }
}

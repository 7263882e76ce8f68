/* workers.c: --threads: the reader decodes and shards packets by flow; workers classify; one merge. */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "workers.h"
#include "source-pcap.h"

#define EA_NS 1000000000ULL

/* Messages per ring (a power of two), how often the two ends publish their
   positions, and the packet bytes a slot holds without an allocation. */
#define RING_SLOTS 2048
#define RING_BATCH 512
#define SLOT_INLINE 1600

enum msg_kind { MSG_PACKET, MSG_EXPIRE, MSG_END };

struct msg {
    uint8_t kind;
    uint64_t now_ns;            /* MSG_EXPIRE: the packet-time clock */
    uint64_t frame;             /* MSG_EXPIRE: the frame it comes before */
    uint64_t seq;               /* MSG_EXPIRE: its number, for the stop slots */
    struct ea_packet p;         /* MSG_PACKET: pointers rebased into bytes or heap */
    uint8_t *heap;              /* packet bytes too big for the slot (owned), or NULL */
    uint8_t bytes[SLOT_INLINE];
};

/*
 * A single-producer single-consumer ring. Each end keeps its position
 * privately and publishes it every RING_BATCH messages (and before it
 * sleeps), so the shared counters are touched once per batch. An end with
 * nothing to do sleeps on a condition variable; the other end signals only
 * when the sleeper's flag is set (both sides use sequentially consistent
 * atomics, so a flag set and a position published cannot both be missed).
 */
struct ring {
    struct msg *slots;
    _Atomic size_t head, tail;  /* published: written up to, read up to */
    size_t phead, ctail;        /* private to the producer, the consumer */
    atomic_int pwait, cwait;
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    int inited;
};

struct ea_workers;

struct worker {
    struct ea_workers *ws;
    unsigned idx;
    struct ea_pipeline *pl;     /* own flow table, classifier and nDPI; judging deferred;
                                   made by the worker itself (nDPI's start-up runs in parallel) */
    int failed;                 /* pl could not be made: messages are drained and dropped */
    struct ring ring;
    pthread_t th;
    int started;
    uint64_t end_key;           /* end_frame given to flows that leave the table now */
};

struct ea_workers {
    const struct ea_ruleset *rs;    /* borrowed */
    struct ea_flow_limits wlim;     /* each worker's share of the limits */
    unsigned n;
    struct worker *w;
    pthread_barrier_t bar;
    int have_bar;
    uint64_t stop[2][EA_MAX_THREADS];   /* expiry stops, by parity of the marker */
    uint64_t markers;
};

unsigned ea_workers_shard(const struct ea_tuple *t, unsigned nworkers)
{
    return (unsigned)(((uint64_t)ea_tuple_hash(t) * nworkers) >> 32);
}

static int ring_init(struct ring *r)
{
    r->slots = calloc(RING_SLOTS, sizeof(*r->slots));
    if (!r->slots)
        return -1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->pwait, 0);
    atomic_init(&r->cwait, 0);
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&r->nonempty, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        goto fail;
    }
    if (pthread_cond_init(&r->nonfull, NULL) != 0) {
        pthread_cond_destroy(&r->nonempty);
        pthread_mutex_destroy(&r->mu);
        goto fail;
    }
    r->inited = 1;
    return 0;
fail:
    free(r->slots);
    r->slots = NULL;
    return -1;
}

static void ring_destroy(struct ring *r)
{
    if (!r->inited)
        return;
    for (size_t i = 0; i < RING_SLOTS; i++)
        free(r->slots[i].heap);
    free(r->slots);
    pthread_cond_destroy(&r->nonfull);
    pthread_cond_destroy(&r->nonempty);
    pthread_mutex_destroy(&r->mu);
    r->inited = 0;
}

/* Producer: makes the messages written so far visible, waking the consumer if it sleeps. */
static void ring_publish(struct ring *r)
{
    atomic_store(&r->head, r->phead);
    if (atomic_load(&r->cwait)) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->nonempty);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Producer: the next free slot, waiting while the ring is full. */
static struct msg *ring_reserve(struct ring *r)
{
    if (r->phead - atomic_load(&r->tail) >= RING_SLOTS) {
        ring_publish(r);
        pthread_mutex_lock(&r->mu);
        atomic_store(&r->pwait, 1);
        while (r->phead - atomic_load(&r->tail) >= RING_SLOTS)
            pthread_cond_wait(&r->nonfull, &r->mu);
        atomic_store(&r->pwait, 0);
        pthread_mutex_unlock(&r->mu);
    }
    return &r->slots[r->phead & (RING_SLOTS - 1)];
}

/* Producer: the reserved slot is written; 'now' publishes at once. */
static void ring_commit(struct ring *r, int now)
{
    r->phead++;
    if (now || (r->phead & (RING_BATCH - 1)) == 0)
        ring_publish(r);
}

/* Consumer: gives the slots read so far back, waking the producer if it sleeps. */
static void ring_release(struct ring *r)
{
    atomic_store(&r->tail, r->ctail);
    if (atomic_load(&r->pwait)) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->nonfull);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Consumer: the next message, waiting while the ring is empty. */
static struct msg *ring_next(struct ring *r)
{
    if (atomic_load(&r->head) == r->ctail) {
        ring_release(r);
        pthread_mutex_lock(&r->mu);
        atomic_store(&r->cwait, 1);
        while (atomic_load(&r->head) == r->ctail)
            pthread_cond_wait(&r->nonempty, &r->mu);
        atomic_store(&r->cwait, 0);
        pthread_mutex_unlock(&r->mu);
    }
    return &r->slots[r->ctail & (RING_SLOTS - 1)];
}

/* Consumer: done with the message ring_next returned. */
static void ring_done(struct ring *r)
{
    r->ctail++;
    if ((r->ctail & (RING_BATCH - 1)) == 0)
        ring_release(r);
}

/*
 * Copies a decoded packet into the worker's ring: its IP datagram (the
 * capture buffer or the reassembly buffer is reused by the next packet),
 * with l3 and payload pointing into the copy. The frame itself is not
 * needed after decoding. Returns -1 on out-of-memory (packet dropped).
 */
static int put_packet(struct ring *r, const struct ea_packet *p)
{
    struct msg *m = ring_reserve(r);
    size_t n = p->l3 ? p->l3_len : 0;
    uintptr_t l3 = (uintptr_t)p->l3, pay = (uintptr_t)p->payload;
    int pay_in = p->l3 && p->payload && pay >= l3 && pay + p->payload_len <= l3 + n;
    size_t extra = (!pay_in && p->payload && p->payload_len) ? p->payload_len : 0;
    uint8_t *dst = m->bytes;

    m->kind = MSG_PACKET;
    m->p = *p;
    m->p.data = NULL;
    free(m->heap);
    m->heap = NULL;
    if (n + extra > SLOT_INLINE) {
        m->heap = malloc(n + extra);
        if (!m->heap)
            return -1;
        dst = m->heap;
    }
    if (n)
        memcpy(dst, p->l3, n);
    m->p.l3 = p->l3 ? dst : NULL;
    if (pay_in) {
        m->p.payload = dst + (pay - l3);
    } else if (extra) {
        memcpy(dst + n, p->payload, extra);
        m->p.payload = dst + n;
    } else {
        m->p.payload = p->payload ? dst : NULL;   /* empty: never read */
    }
    ring_commit(r, 0);
    return 0;
}

/* Worker pipeline hook: a flow left the table (classified, not judged); note when. */
static void flow_left(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct worker *w = ctx;
    (void)pl;
    f->table.end_frame = w->end_key;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct ea_workers *ws = w->ws;
    struct ring *r = &w->ring;
    w->pl = ea_pipeline_new(&ws->wlim, ws->rs);
    if (w->pl) {
        ea_pipeline_defer_judging(w->pl);
        ea_pipeline_on_judged(w->pl, flow_left, w);
    } else {
        w->failed = 1;
    }
    for (;;) {
        struct msg *m = ring_next(r);
        if (w->failed) {
            /* Still takes part in every expiry, so that the others do not wait forever. */
            if (m->kind == MSG_EXPIRE) {
                ws->stop[m->seq & 1][w->idx] = UINT64_MAX;   /* holds no flow back */
                pthread_barrier_wait(&ws->bar);
            }
            else if (m->kind == MSG_END)
                goto end;
        } else if (m->kind == MSG_PACKET) {
            w->end_key = m->p.frame;   /* flows evicted to make room end here */
            ea_pipeline_flow_packet(w->pl, &m->p);
        } else if (m->kind == MSG_EXPIRE) {
            /* Every table finds where its own walk would stop; the earliest stop is where
               one shared table's walk would have stopped. */
            unsigned par = (unsigned)(m->seq & 1);
            ws->stop[par][w->idx] = ea_flow_table_expire_stop(ea_pipeline_table(w->pl), m->now_ns);
            pthread_barrier_wait(&ws->bar);
            uint64_t g = UINT64_MAX;
            for (unsigned i = 0; i < ws->n; i++)
                if (ws->stop[par][i] < g)
                    g = ws->stop[par][i];
            w->end_key = m->frame;
            ea_flow_table_expire_before(ea_pipeline_table(w->pl), m->now_ns, g);
        } else {
            w->end_key = UINT64_MAX;
            ea_flow_table_flush(ea_pipeline_table(w->pl));
            /* Every flow is decided: nDPI is no longer needed (names come from pl's own). */
            ea_pipeline_drop_classifier(w->pl);
            goto end;
        }
        ring_done(r);
    }
end:
    ring_done(r);
    ring_release(r);
    return NULL;
}

/* Sends a control message to every worker and publishes it at once. */
static void broadcast(struct ea_workers *ws, enum msg_kind kind, uint64_t now_ns, uint64_t frame)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ring *r = &ws->w[i].ring;
        struct msg *m = ring_reserve(r);
        free(m->heap);
        m->heap = NULL;
        m->kind = (uint8_t)kind;
        m->now_ns = now_ns;
        m->frame = frame;
        m->seq = ws->markers;
        ring_commit(r, 1);
    }
    if (kind == MSG_EXPIRE)
        ws->markers++;
}

/* Stops and frees the workers (their pipelines too). NULL is a no-op. */
static void workers_free(struct ea_workers *ws)
{
    if (!ws)
        return;
    int running = 0;
    for (unsigned i = 0; i < ws->n; i++)
        running |= ws->w[i].started;
    if (running)
        broadcast(ws, MSG_END, 0, 0);
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        if (w->started)
            pthread_join(w->th, NULL);
        ring_destroy(&w->ring);
        ea_pipeline_free(w->pl);
    }
    if (ws->have_bar)
        pthread_barrier_destroy(&ws->bar);
    free(ws->w);
    free(ws);
}

/* Starts n workers, which make their own pipelines (worker_main); NULL when memory or threads fail. */
static struct ea_workers *workers_new(const struct ea_pipeline *pl, unsigned n)
{
    struct ea_workers *ws = calloc(1, sizeof(*ws));
    if (!ws)
        return NULL;
    const struct ea_flow_limits *lim = ea_pipeline_limits(pl);
    ws->rs = ea_pipeline_rules(pl);
    ws->wlim = *lim;
    ws->wlim.max_flows = lim->max_flows / n + (lim->max_flows % n != 0);
    ws->w = calloc(n, sizeof(*ws->w));
    if (!ws->w)
        goto fail;
    ws->n = n;   /* only now: workers_free walks n entries of w */
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->ws = ws;
        w->idx = i;
        if (ring_init(&w->ring) != 0)
            goto fail;
    }
    if (pthread_barrier_init(&ws->bar, NULL, n) != 0)
        goto fail;
    ws->have_bar = 1;
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&ws->w[i].th, NULL, worker_main, &ws->w[i]) != 0)
            goto fail;
        ws->w[i].started = 1;
    }
    return ws;
fail:
    /* A worker waiting at the barrier for one that never started would hang: only
       MSG_END is ever sent here, and it needs no barrier. */
    workers_free(ws);
    return NULL;
}

static int by_first_frame(const void *a, const void *b)
{
    const struct ea_flow *x = *(struct ea_flow *const *)a, *y = *(struct ea_flow *const *)b;
    return x->first_frame < y->first_frame ? -1 : x->first_frame > y->first_frame;
}

/* The order one table hands flows over: by when they left, then least recently seen first. */
static int by_end(const void *a, const void *b)
{
    const struct ea_flow *x = *(struct ea_flow *const *)a, *y = *(struct ea_flow *const *)b;
    if (x->table.end_frame != y->table.end_frame)
        return x->table.end_frame < y->table.end_frame ? -1 : 1;
    return x->table.touch_frame < y->table.touch_frame ? -1 : x->table.touch_frame > y->table.touch_frame;
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * The most flows held at once, as one table would have counted it: a flow
 * is held from its first frame until it left (before that frame's packet).
 * Events sort as frame * 2 + kind, leaving (0) before arriving (1).
 */
static uint64_t peak_flows(struct ea_flow **all, size_t n)
{
    uint64_t *ev = malloc(2 * n * sizeof(*ev) + 1);
    uint64_t peak = 0, held = 0;
    if (!ev)
        return 0;
    for (size_t i = 0; i < n; i++) {
        ev[2 * i] = all[i]->first_frame << 1 | 1;
        ev[2 * i + 1] = all[i]->table.end_frame == UINT64_MAX ? UINT64_MAX - 1 : all[i]->table.end_frame << 1;
    }
    qsort(ev, 2 * n, sizeof(*ev), by_u64);
    for (size_t i = 0; i < 2 * n; i++) {
        if (ev[i] & 1) {
            if (++held > peak)
                peak = held;
        } else {
            held--;
        }
    }
    free(ev);
    return peak;
}

/* Hands every worker's flows to pl: renumbered, judged in one table's order. */
static int merge(struct ea_pipeline *pl, struct ea_workers *ws)
{
    size_t total = 0;
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].failed)
            return -1;
        total += ea_pipeline_nflows(ws->w[i].pl);
        /* The reader counted packets, bytes, decoding and time; the workers flows, gaps and
           ICMP errors (their time stamps are 0): no field is counted twice. The peak is
           recomputed below. */
        ea_pipeline_absorb(pl, ws->w[i].pl);
    }
    struct ea_flow **all = malloc(total * sizeof(*all) + 1);
    if (!all)
        return -1;   /* the flows stay with the workers, which free them */
    size_t k = 0;
    for (unsigned i = 0; i < ws->n; i++)
        k += ea_pipeline_take_flows(ws->w[i].pl, all + k);
    ea_pipeline_stats(pl)->flows_active_peak = peak_flows(all, total);
    qsort(all, total, sizeof(*all), by_first_frame);
    for (size_t i = 0; i < total; i++)
        all[i]->id = i + 1;
    qsort(all, total, sizeof(*all), by_end);
    for (size_t i = 0; i < total; i++)
        ea_pipeline_adopt(pl, all[i]);   /* judged, announced and kept, as one table's flows */
    free(all);
    return 0;
}

struct ea_workers *ea_workers_start(const struct ea_pipeline *pl, unsigned nworkers, char *err,
                                    size_t errlen)
{
    if (nworkers < 2 || nworkers > EA_MAX_THREADS) {
        snprintf(err, errlen, "--threads must be between 1 and %d", EA_MAX_THREADS);
        return NULL;
    }
    struct ea_workers *ws = workers_new(pl, nworkers);
    if (!ws)
        snprintf(err, errlen, "cannot start %u worker threads (out of memory or nDPI failed)", nworkers);
    return (struct ea_workers *)ws;
}

void ea_workers_expire(struct ea_workers *ws, uint64_t now_ns, uint64_t frame)
{
    broadcast(ws, MSG_EXPIRE, now_ns, frame);
}

int ea_workers_packet(struct ea_workers *ws, const struct ea_packet *p)
{
    const struct ea_tuple *t = p->icmp_error ? &p->icmp_quoted : &p->t;
    return put_packet(&ws->w[ea_workers_shard(t, ws->n)].ring, p);
}

int ea_workers_finish(struct ea_workers *ws, struct ea_pipeline *pl, char *err, size_t errlen)
{
    int rc = 0;
    /* Workers flush their tables on MSG_END; then their flows come over. */
    broadcast(ws, MSG_END, 0, 0);
    for (unsigned i = 0; i < ws->n; i++) {
        pthread_join(ws->w[i].th, NULL);
        ws->w[i].started = 0;
    }
    for (unsigned i = 0; i < ws->n && rc == 0; i++)
        if (ws->w[i].failed) {
            if (err)
                snprintf(err, errlen, "a worker thread could not start (out of memory or nDPI failed)");
            rc = -1;
        }
    if (merge(pl, ws) != 0)
        ea_pipeline_mark_oom(pl);
    workers_free(ws);
    return rc;
}

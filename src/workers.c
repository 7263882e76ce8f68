/* workers.c: --threads: the reader decodes and shards packets by flow; workers classify; one merge. */
#include <malloc.h>
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

/*
 * Each worker's ring holds variable-length messages in RING_BYTES. A side
 * that has nothing to do sleeps until the other has made RING_WAKE bytes
 * ready for it (or the run ends), so threads wake once per RING_WAKE bytes
 * of packets, not once per packet or per small batch; each side publishes
 * its position every RING_PUBLISH bytes, so the shared counters are written
 * once per many packets. A message is at most RING_MAX_MSG bytes, so a
 * message always fits once RING_WAKE bytes are free.
 */
#define RING_BYTES (8u << 20)
#define RING_WAKE (RING_BYTES / 2)
#define RING_PUBLISH (64u << 10)
#define RING_MAX_MSG (RING_BYTES / 8)
#define MSG_ALIGN 16u
#define CACHE_LINE 64

/* glibc's top pad for every arena: a worker thread's arena is reserved 64 MB at a time and
   made writable at once, not grown a page (one mprotect) at a time as flows are allocated. */
#define ARENA_TOP_PAD (64 << 20)

enum msg_kind { MSG_PACKET, MSG_EXPIRE, MSG_END, MSG_WRAP };

/* A message's header; a packet's bytes follow it, with p.l3 and p.payload pointing at them. */
struct msg {
    uint32_t size;              /* bytes from this message to the next, a multiple of MSG_ALIGN */
    uint8_t kind;
    uint64_t now_ns;            /* MSG_EXPIRE: the packet-time clock */
    uint64_t frame;             /* MSG_EXPIRE: the frame it comes before */
    struct ea_packet p;         /* MSG_PACKET */
};

#define MSG_HDR ((sizeof(struct msg) + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1))

/*
 * A single-producer single-consumer ring. Positions are byte counts that
 * only grow (the offset is the count modulo RING_BYTES). The shared part,
 * the producer's and the consumer's private parts are on cache lines of
 * their own, so that neither side's bookkeeping evicts the other's. Both
 * sides use sequentially consistent atomics for the published positions and
 * the sleep flags, so a flag set and a position published cannot both be
 * missed; the wait itself is under the mutex.
 */
struct ring {
    uint8_t *buf;                               /* RING_BYTES (owned) */
    _Alignas(CACHE_LINE) _Atomic size_t head;   /* published: written up to */
    _Atomic size_t tail;                        /* published: read up to */
    atomic_int pwait, cwait, ended;             /* producer, consumer asleep; the run ended */
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    int inited;
    _Alignas(CACHE_LINE) size_t phead, psent;   /* producer: written, published up to */
    size_t ptail;                               /* producer: the tail last read */
    _Alignas(CACHE_LINE) size_t ctail, cdone;   /* consumer: read, released up to */
    size_t chead;                               /* consumer: the head last read */
};

struct ea_workers;

/* A flow with the keys it is merged by, so that merging reads no flow. */
struct keyed {
    uint64_t k1, k2;
    struct ea_flow *f;
};

struct worker {
    struct ring ring;
    struct ea_workers *ws;
    unsigned idx;
    struct ea_pipeline *pl;     /* own flow table, classifier and nDPI; judging deferred;
                                   made by the worker itself (nDPI's start-up runs in parallel) */
    int failed;                 /* pl could not be made: messages are drained and dropped */
    pthread_t th;
    int started;
    uint64_t end_key;           /* end_frame given to flows that leave the table now */
    /* At the end, the worker's finished flows (owned until merged) in two orders, sorted here in
       parallel: by_end as one table hands them over, by_first by first frame; nflows of each.
       NULL with nomem set when memory ran out (the flows stay with pl). */
    struct keyed *by_end, *by_first;
    size_t nflows;
    int nomem;
};

struct ea_workers {
    const struct ea_ruleset *rs;    /* borrowed */
    struct ea_flow_limits wlim;     /* each worker's share of the limits */
    unsigned n;
    struct worker *w;               /* n of them, each on its own cache lines */
};

unsigned ea_workers_shard(const struct ea_tuple *t, unsigned nworkers)
{
    return (unsigned)(((uint64_t)ea_tuple_hash(t) * nworkers) >> 32);
}

static size_t align_up(size_t n)
{
    return (n + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1);
}

static int ring_init(struct ring *r)
{
    r->buf = malloc(RING_BYTES);
    if (!r->buf)
        return -1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->pwait, 0);
    atomic_init(&r->cwait, 0);
    atomic_init(&r->ended, 0);
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
    free(r->buf);
    r->buf = NULL;
    return -1;
}

static void ring_destroy(struct ring *r)
{
    if (!r->inited)
        return;
    free(r->buf);
    r->buf = NULL;
    pthread_cond_destroy(&r->nonfull);
    pthread_cond_destroy(&r->nonempty);
    pthread_mutex_destroy(&r->mu);
    r->inited = 0;
}

/*
 * Producer: makes the messages written so far visible. A sleeping consumer
 * is woken once RING_WAKE bytes wait for it, or at the end of the run.
 */
static void ring_publish(struct ring *r, int end)
{
    atomic_store(&r->head, r->phead);
    r->psent = r->phead;
    if (end)
        atomic_store(&r->ended, 1);
    if (atomic_load(&r->cwait) && (end || r->phead - atomic_load(&r->tail) >= RING_WAKE)) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->nonempty);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Producer: waits until RING_WAKE bytes are free (at least 'want'). */
static void ring_wait_room(struct ring *r)
{
    ring_publish(r, 0);   /* the ring is full past RING_WAKE: a sleeping consumer wakes */
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->pwait, 1);
    while (RING_BYTES - (r->phead - atomic_load(&r->tail)) < RING_WAKE)
        pthread_cond_wait(&r->nonfull, &r->mu);
    atomic_store(&r->pwait, 0);
    pthread_mutex_unlock(&r->mu);
    r->ptail = atomic_load(&r->tail);
}

/*
 * Producer: room for a message of 'need' bytes (aligned, at most
 * RING_MAX_MSG) in one piece, waiting while the ring is full. When the
 * piece left before the end of the buffer is too short, a MSG_WRAP fills it.
 */
static struct msg *ring_reserve(struct ring *r, size_t need)
{
    size_t off = r->phead & (RING_BYTES - 1);
    size_t room = RING_BYTES - off;
    size_t want = need <= room ? need : room + need;
    if (RING_BYTES - (r->phead - r->ptail) < want) {
        r->ptail = atomic_load(&r->tail);
        if (RING_BYTES - (r->phead - r->ptail) < want)
            ring_wait_room(r);
    }
    if (need > room) {
        struct msg *w = (struct msg *)(r->buf + off);
        w->size = (uint32_t)room;
        w->kind = MSG_WRAP;
        r->phead += room;
        off = 0;
    }
    return (struct msg *)(r->buf + off);
}

/* Producer: the reserved message is written ('size' set); published every RING_PUBLISH bytes. */
static void ring_commit(struct ring *r, const struct msg *m)
{
    r->phead += m->size;
    if (r->phead - r->psent >= RING_PUBLISH)
        ring_publish(r, 0);
}

/* Consumer: gives the bytes read so far back, waking a sleeping producer once RING_WAKE are free. */
static void ring_release(struct ring *r)
{
    atomic_store(&r->tail, r->ctail);
    r->cdone = r->ctail;
    if (atomic_load(&r->pwait) && RING_BYTES - (atomic_load(&r->head) - r->ctail) >= RING_WAKE) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->nonfull);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Consumer, with everything read: sleeps until RING_WAKE bytes are ready or the run ended. */
static void ring_wait_data(struct ring *r)
{
    ring_release(r);
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->cwait, 1);
    while (atomic_load(&r->head) - r->ctail < RING_WAKE && !atomic_load(&r->ended))
        pthread_cond_wait(&r->nonempty, &r->mu);
    atomic_store(&r->cwait, 0);
    pthread_mutex_unlock(&r->mu);
}

/* Consumer: the next message (never MSG_WRAP), waiting while the ring is empty. */
static struct msg *ring_next(struct ring *r)
{
    for (;;) {
        if (r->ctail == r->chead) {
            r->chead = atomic_load(&r->head);
            if (r->ctail == r->chead) {
                ring_wait_data(r);
                continue;
            }
        }
        struct msg *m = (struct msg *)(r->buf + (r->ctail & (RING_BYTES - 1)));
        if (m->kind != MSG_WRAP)
            return m;
        r->ctail += m->size;
    }
}

/* Consumer: done with the message ring_next returned. */
static void ring_done(struct ring *r, const struct msg *m)
{
    r->ctail += m->size;
    if (r->ctail - r->cdone >= RING_PUBLISH)
        ring_release(r);
}

/*
 * Copies a decoded packet into the worker's ring: its IP datagram (the
 * capture buffer or the reassembly buffer is reused by the next packet),
 * with l3 and payload pointing into the copy. The frame itself is not
 * needed after decoding. Returns -1 when the packet is too big for a
 * message (more than RING_MAX_MSG bytes: not from any capture; dropped).
 */
static int put_packet(struct ring *r, const struct ea_packet *p)
{
    size_t n = p->l3 ? p->l3_len : 0;
    uintptr_t l3 = (uintptr_t)p->l3, pay = (uintptr_t)p->payload;
    int pay_in = p->l3 && p->payload && pay >= l3 && pay + p->payload_len <= l3 + n;
    size_t extra = (!pay_in && p->payload && p->payload_len) ? p->payload_len : 0;
    size_t need = MSG_HDR + align_up(n + extra);
    if (need > RING_MAX_MSG)
        return -1;
    struct msg *m = ring_reserve(r, need);
    uint8_t *dst = (uint8_t *)m + MSG_HDR;

    m->size = (uint32_t)need;
    m->kind = MSG_PACKET;
    m->p = *p;
    m->p.data = NULL;
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
    ring_commit(r, m);
    return 0;
}

/*
 * Worker pipeline hook: a flow left the table (classified, not judged). Notes
 * when, and decides it here, in parallel: the decision is pure and the words
 * need only the rules; the main pipeline counts it in merge order
 * (ea_pipeline_count_only).
 */
static void flow_left(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct worker *w = ctx;
    f->table.end_frame = w->end_key;
    struct ea_decision d = ea_policy_decide(ea_pipeline_policy(pl), f);
    if (d.turn)
        ea_flow_turn(f);
    if (ea_policy_record(w->ws->rs, &d, f) != 0)
        ea_pipeline_mark_oom(pl);
}

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->k1 != y->k1)
        return x->k1 < y->k1 ? -1 : 1;
    return x->k2 < y->k2 ? -1 : x->k2 > y->k2;
}

/*
 * The worker's last step, in its own thread: takes its finished flows and
 * sorts them both ways for merge. The order they left in is already one
 * table's order (by when they left, then least recently seen first), so
 * by_end is only checked; by_first is sorted. On out-of-memory, nomem is set
 * and the flows stay with the worker's pipeline.
 */
static void worker_collect(struct worker *w)
{
    size_t n = ea_pipeline_nflows(w->pl);
    struct ea_flow **fl = malloc(n * sizeof(*fl) + 1);
    w->by_end = malloc(n * sizeof(*w->by_end) + 1);
    w->by_first = malloc(n * sizeof(*w->by_first) + 1);
    if (!fl || !w->by_end || !w->by_first) {
        free(w->by_end);
        free(w->by_first);
        w->by_end = w->by_first = NULL;
        w->nomem = 1;
        goto out;
    }
    ea_pipeline_take_flows(w->pl, fl);
    int sorted = 1;
    for (size_t i = 0; i < n; i++) {
        struct ea_flow *f = fl[i];
        w->by_end[i] = (struct keyed){ f->table.end_frame, f->table.touch_frame, f };
        w->by_first[i] = (struct keyed){ f->first_frame, 0, f };
        if (i && keyed_cmp(&w->by_end[i - 1], &w->by_end[i]) > 0)
            sorted = 0;
    }
    w->nflows = n;
    if (!sorted)
        qsort(w->by_end, n, sizeof(*w->by_end), keyed_cmp);
    qsort(w->by_first, n, sizeof(*w->by_first), keyed_cmp);
out:
    free(fl);
}

/* The worker's part of one message; 1 when it was MSG_END. */
static int worker_handle(struct worker *w, const struct msg *m)
{
    if (m->kind == MSG_END) {
        if (!w->failed) {
            w->end_key = UINT64_MAX;
            ea_flow_table_flush(ea_pipeline_table(w->pl));
            /* Every flow is decided: nDPI is no longer needed (names come from pl's own). */
            ea_pipeline_drop_classifier(w->pl);
            worker_collect(w);
        }
        return 1;
    }
    if (w->failed)
        return 0;   /* drained and dropped */
    if (m->kind == MSG_PACKET) {
        w->end_key = m->p.frame;   /* flows evicted to make room end here */
        ea_pipeline_flow_packet(w->pl, &m->p);
    } else {
        /* One LRU list per timeout class: a table expires exactly its flows that are due,
           whatever the other workers hold, so the workers need not agree on anything. */
        w->end_key = m->frame;
        ea_flow_table_expire(ea_pipeline_table(w->pl), m->now_ns);
    }
    return 0;
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
    int end = 0;
    while (!end) {
        struct msg *m = ring_next(r);
        end = worker_handle(w, m);
        ring_done(r, m);
    }
    ring_release(r);
    return NULL;
}

/* Sends a control message to every worker; MSG_END is published at once and wakes them. */
static void broadcast(struct ea_workers *ws, enum msg_kind kind, uint64_t now_ns, uint64_t frame)
{
    for (unsigned i = 0; i < ws->n; i++) {
        struct ring *r = &ws->w[i].ring;
        struct msg *m = ring_reserve(r, MSG_HDR);
        m->size = (uint32_t)MSG_HDR;
        m->kind = (uint8_t)kind;
        m->now_ns = now_ns;
        m->frame = frame;
        ring_commit(r, m);
        if (kind == MSG_END)
            ring_publish(r, 1);
    }
}

/* Stops and frees the workers (their pipelines too). NULL is a no-op. */
static void workers_free(struct ea_workers *ws)
{
    if (!ws)
        return;
    for (unsigned i = 0; i < ws->n; i++) {
        struct worker *w = &ws->w[i];
        if (w->started) {
            struct msg *m = ring_reserve(&w->ring, MSG_HDR);
            m->size = (uint32_t)MSG_HDR;
            m->kind = MSG_END;
            ring_commit(&w->ring, m);
            ring_publish(&w->ring, 1);
            pthread_join(w->th, NULL);
        }
        ring_destroy(&w->ring);
        for (size_t k = 0; k < w->nflows; k++)
            ea_flow_free(w->by_end[k].f);
        free(w->by_end);
        free(w->by_first);
        ea_pipeline_free(w->pl);
    }
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
    ws->w = aligned_alloc(CACHE_LINE, n * sizeof(*ws->w));
    if (!ws->w)
        goto fail;
    memset(ws->w, 0, n * sizeof(*ws->w));
    ws->n = n;   /* only now: workers_free walks n entries of w */
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->ws = ws;
        w->idx = i;
        if (ring_init(&w->ring) != 0)
            goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&ws->w[i].th, NULL, worker_main, &ws->w[i]) != 0)
            goto fail;
        ws->w[i].started = 1;
    }
    return ws;
fail:
    workers_free(ws);
    return NULL;
}

/*
 * The next entry of one merged order over the workers' lists ('end' picks
 * by_end, else by_first): the least head, whose position moves on. NULL
 * when every list is used up.
 */
static const struct keyed *next_keyed(const struct ea_workers *ws, int end, size_t *pos)
{
    const struct keyed *best = NULL;
    unsigned bi = 0;
    for (unsigned i = 0; i < ws->n; i++) {
        const struct worker *w = &ws->w[i];
        if (pos[i] == w->nflows)
            continue;
        const struct keyed *k = end ? &w->by_end[pos[i]] : &w->by_first[pos[i]];
        if (!best || keyed_cmp(k, best) < 0) {
            best = k;
            bi = i;
        }
    }
    if (best)
        pos[bi]++;
    return best;
}

/* Numbers every flow in order of first packet; their first frames, in that order, into 'first'. */
static void number_flows(const struct ea_workers *ws, uint64_t *first)
{
    size_t pos[EA_MAX_THREADS] = { 0 };
    const struct keyed *k;
    uint64_t id = 0;
    while ((k = next_keyed(ws, 0, pos))) {
        k->f->id = ++id;
        first[id - 1] = k->k1;
    }
}

/*
 * Hands every worker's flows to pl in the order one table would have (by
 * when they left, then least recently seen first), and returns the most
 * flows held at once as one table would have counted it: a flow is held
 * from its first frame until it left (before that frame's packet), so at
 * one frame a leaving comes before an arriving. 'first' holds the n first
 * frames in order.
 */
static uint64_t adopt_all(struct ea_pipeline *pl, struct ea_workers *ws, const uint64_t *first,
                          size_t n)
{
    size_t pos[EA_MAX_THREADS] = { 0 }, a = 0;
    uint64_t held = 0, peak = 0;
    const struct keyed *k;
    while ((k = next_keyed(ws, 1, pos))) {
        uint64_t leave = k->k1 == UINT64_MAX ? UINT64_MAX - 1 : k->k1 << 1;
        for (; a < n && (first[a] << 1 | 1) < leave; a++)
            if (++held > peak)
                peak = held;
        held--;
        ea_pipeline_adopt(pl, k->f);   /* counted, announced and kept, as one table's flows */
    }
    for (; a < n; a++)
        if (++held > peak)
            peak = held;
    return peak;
}

/* Hands every worker's flows to pl: renumbered, counted in one table's order. */
static int merge(struct ea_pipeline *pl, struct ea_workers *ws)
{
    size_t total = 0;
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].failed || ws->w[i].nomem)
            return -1;   /* the flows stay with the workers, which free them */
        total += ws->w[i].nflows;
    }
    uint64_t *first = malloc(total * sizeof(*first) + 1);
    if (!first)
        return -1;
    for (unsigned i = 0; i < ws->n; i++)
        /* The reader counted packets, bytes, decoding and time; the workers flows, gaps and
           ICMP errors (their time stamps are 0): no field is counted twice. The peak is
           recomputed below. */
        ea_pipeline_absorb(pl, ws->w[i].pl);
    number_flows(ws, first);
    uint64_t peak = adopt_all(pl, ws, first, total);
    for (unsigned i = 0; i < ws->n; i++)
        ws->w[i].nflows = 0;   /* pl owns them now */
    ea_pipeline_stats(pl)->flows_active_peak = peak;
    free(first);
    return 0;
}

struct ea_workers *ea_workers_start(const struct ea_pipeline *pl, unsigned nworkers, char *err,
                                    size_t errlen)
{
    if (nworkers < 2 || nworkers > EA_MAX_THREADS) {
        snprintf(err, errlen, "--threads must be between 1 and %d", EA_MAX_THREADS);
        return NULL;
    }
#ifdef M_TOP_PAD
    mallopt(M_TOP_PAD, ARENA_TOP_PAD);
#endif
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
    ea_pipeline_count_only(pl, 1);
    if (merge(pl, ws) != 0)
        ea_pipeline_mark_oom(pl);
    ea_pipeline_count_only(pl, 0);
    workers_free(ws);
    return rc;
}

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
#include "util-time.h"

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

/*
 * A worker reads its ring RING_AHEAD bytes ahead into the cache (the reader's
 * core wrote them), and the flow table ahead of its packets: the bucket of
 * the packet PF_BUCKET messages on, the flow of the one PF_FLOW on (its
 * bucket fetched two messages before), the LRU neighbours of the next.
 */
#define RING_AHEAD 4096u
#define PF_FLOW 2u
#define PF_BUCKET 4u
#define CACHE_LINE 64

/* Flow ids mapped per chunk of the run's id map (workers.c, struct worker). */
#define GID_CHUNK 4096

/*
 * With two threads (--threads 2) the reading thread is one of them: it is
 * worker 0 itself (inline, no ring) for this share of the flow hashes, and
 * one worker thread takes the rest, so that two cores are not shared by
 * three threads (sleeping and waking, each evicting the other's cache). The
 * share evens the two out: the reading, decoding, hand-over and adoption
 * (about 2.5 s of CPU at 10M/500k with all reports, 2026-12-05) plus the
 * share of the classifying (about 6.1 s in all) against the rest. With
 * more threads the reading thread only reads (it would be the longest).
 * The share is EA_WORKERS_INLINE_SHARE (workers.h: ea_workers_shard says it).
 */

/* The reader takes what the workers handed back every this many packets. */
#define POLL_EVERY 4096

/* In the flush at the end, a worker hands its flows back every this many, so that the main
   thread takes them while the others are made (not all at once after the last). */
#define FLUSH_BATCH 1024

/* What the main thread sleeps, at the end, while no worker has a flow ready for it (and a
   worker that has ended its flush, while the main thread has handed it nothing to free). */
#define END_WAIT_NS 500000L

/* A worker frees what the main thread handed back every this many messages. */
#define BACK_EVERY 64

/* The id in a JSON line a worker made (report-json.c writes the id as "id":N). */
static const char ID_MARK[] = "\"id\":0,";
#define ID_LOOK 64              /* it is among the first bytes of the line */

/* glibc's top pad for every arena: a worker thread's arena is reserved 64 MB at a time and
   made writable at once, not grown a page (one mprotect) at a time as flows are allocated. */
#define ARENA_TOP_PAD (64 << 20)

enum msg_kind { MSG_PACKET, MSG_EXPIRE, MSG_END, MSG_WRAP };

/* A message's header; a packet's bytes follow it, with p.l3 and p.payload pointing at them. */
struct msg {
    uint32_t size;              /* bytes from this message to the next, a multiple of MSG_ALIGN */
    uint8_t kind;
    uint32_t hash;              /* MSG_PACKET: ea_packet_flow_hash, computed once by the reader */
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
struct ring {   /* NOLINT(clang-analyzer-optin.performance.Padding): cache lines */
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
    size_t cpf;                                 /* consumer: prefetched up to */
};

struct ea_workers;

/* An event a worker hands back: a flow made (k1 its first frame) or a flow that left (f, k1 the
   frame it left at, k2 the frame it was last touched at: one table's order), with its JSON line
   when the run writes them (made by the worker with id 0, the digit at idpos; owned), or NULL. */
struct keyed {
    uint64_t k1, k2;
    struct ea_flow *f;
    char *line;
    uint32_t len, idpos;
};

/* A JSON line made as its flow left a worker's table, until the flow is handed back. */
struct made_line {
    char *line;                 /* in a line block, or NULL (the main thread makes it) */
    uint32_t len, idpos;
};

/*
 * A worker's JSON lines are packed into blocks, in the order its flows leave,
 * which is the order the main thread takes them in: the main thread hands a
 * block back (the worker's back log) once it took a line of a later one, and
 * the worker keeps it as its spare or frees it, so no line is a malloc of one
 * thread freed by another (a contended arena).
 */
#define LINE_BLOCK (256u << 10)
#define LINE_BLOCKS_MAX 64      /* a worker's blocks not yet freed; past it, lines are not made */

struct line_block {
    struct line_block *next;    /* the worker's next block: set before any line in it is handed */
    size_t cap, used;
    char data[];
};

/*
 * A queue of events from one thread to another, unbounded (neither waits for
 * the other): chunks of LOG_CHUNK, appended by the writer, which publishes
 * how many it wrote; read and freed by the reader. A chunk's next is set
 * before any event in it is published. A worker writes its made and left
 * logs for the main thread; the main thread writes each worker's back log.
 */
#define LOG_CHUNK 4096

struct log_chunk {
    struct log_chunk *next;
    struct keyed ev[LOG_CHUNK];
};

struct evlog {   /* NOLINT(clang-analyzer-optin.performance.Padding): cache lines */
    _Atomic uint64_t count;     /* published: events written */
    struct log_chunk *wc;       /* writer: chunk being written, wn events in it */
    size_t wn;
    uint64_t wcount;            /* writer: events written */
    _Alignas(CACHE_LINE) struct log_chunk *rc;   /* reader: chunk being read, rn events read in it */
    size_t rn;
    uint64_t read;              /* reader: events read */
};

struct worker {   /* NOLINT(clang-analyzer-optin.performance.Padding): cache lines */
    struct ring ring;
    struct ea_workers *ws;
    unsigned idx;
    struct ea_pipeline *pl;     /* own flow table, classifier and nDPI; judging deferred;
                                   made by the worker itself (nDPI's start-up runs in parallel) */
    int failed;                 /* pl could not be made: messages are drained and dropped */
    int inline_;                /* worker 0 with two threads: run by the reading thread, no ring */
    pthread_t th;
    int started;
    uint64_t end_key;           /* end_frame given to flows that leave the table now */
    /* Handed back as they happen: flows made, flows that left (owned by the log until the main
       thread adopts them). progress: every message before this frame is done (UINT64_MAX at
       the end); published after the events of those messages. */
    _Alignas(CACHE_LINE) struct evlog made, left;
    _Atomic uint64_t progress;
    uint64_t nmade;             /* worker: flows made so far (the table's flows_created) */
    struct ea_flow **scratch;   /* worker: flows taken from pl, cap of them */
    size_t cap;
    struct made_line *lines;    /* worker: the lines of the flows pl holds as done, in order */
    size_t nlines, caplines;
    int flushing;               /* worker: in MSG_END's flush: hand flows back every FLUSH_BATCH */
    unsigned since_back;        /* worker: messages since it last took its back log */
    struct line_block *wblock;  /* worker: the block being filled, or NULL before the first */
    uint64_t nblocks;           /* worker: blocks started */
    _Atomic uint64_t freed;     /* main: blocks handed back */
    struct line_block *spare;   /* worker: a block handed back, to reuse, or NULL */
    _Atomic(struct line_block *) first;   /* the worker's first block, for the main thread */
    double cpu;                 /* worker: its CPU seconds, set as it ends (EA_DEBUG_THREADS) */
    atomic_int ending;          /* set by the worker once MSG_END is reached: it makes no more flows */
    int lost;                   /* worker: a log ran out of memory; later flows are freed, not handed back */
    /* main: the run's id of each flow this worker made, by its table's id (from 1), in chunks of
       GID_CHUNK; a chunk is freed once all its flows were adopted (gleft of it left), so the map
       holds about the flows alive, not every flow. ngid numbered; nchunk entries of both arrays. */
    _Alignas(CACHE_LINE) uint64_t **gid;
    uint32_t *gleft;
    size_t ngid, nchunk;
    struct line_block *rblock;  /* main: the oldest block not handed back */
    /* main -> worker: the flows the main thread adopted (f) and the line blocks it is done with
       (f NULL, line the block's data), for the worker to free in its own malloc arena: a free
       from another thread takes that arena's lock against the worker's mallocs. Taken by the
       worker every BACK_EVERY messages, in its flush, and after it until the main thread is done
       (ws->adopted); what is left then is freed by workers_free. */
    _Alignas(CACHE_LINE) struct evlog back;
};

/* The main thread's side of the run: flow ids, the flows held (for the peak), what was adopted. */
struct ea_workers {
    const struct ea_ruleset *rs;    /* borrowed */
    struct ea_pipeline *pl;         /* borrowed: adopts the flows */
    struct ea_flow_limits lim;      /* the run's limits (each worker holds its share of flows) */
    ea_line_maker maker;            /* --json: the workers make each flow's line, or NULL */
    char *lbuf;                     /* main: a line with its id put in, lcap bytes */
    size_t lcap;
    unsigned n;
    struct worker *w;               /* n of them, each on its own cache lines */
    uint64_t cut;                   /* flow hashes below it go to worker 0, inline; 0: none */
    uint64_t next_id;               /* the run's flow ids given so far */
    uint64_t *arrive;               /* first frames of numbered flows not yet counted into the
                                       peak, from arrive[ahead] to arrive[nar] (cap of them) */
    size_t ahead, nar, capar;
    uint64_t held, peak;            /* flows held at once, as one table counts them */
    unsigned since_poll;            /* packets handed over since the last poll */
    double cpu0, wall0;             /* main: its CPU and the wall clock at the start */
    int nomem;                      /* main: out of memory; flows left are freed, run marked */
    struct worker *adopting;        /* main: the worker whose flow pl is adopting (flow_back) */
    atomic_int adopted;             /* main: every flow was adopted; the workers may end */
};

/* The flow hashes below this go to worker 0, run inline by the reading thread; 0: none. */
static uint64_t inline_cut(unsigned n)
{
    return n == 2 ? (uint64_t)(EA_WORKERS_INLINE_SHARE * 4294967296.0) : 0;
}

/* The worker of a flow hash, of n: its high bits (a table's buckets use the low bits). */
static unsigned shard_of(uint32_t hash, unsigned n)
{
    uint64_t cut = inline_cut(n);
    if (cut)
        return hash >= cut;
    return (unsigned)(((uint64_t)hash * n) >> 32);
}

unsigned ea_workers_shard(const struct ea_tuple *t, unsigned nworkers)
{
    return shard_of(ea_tuple_hash(t), nworkers);
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

/*
 * Consumer: the message at position *pos (a message's start, at most the
 * head last read), past a MSG_WRAP, when it is already published; else NULL.
 * For a look ahead only: the message is not taken.
 */
static const struct msg *ring_at(const struct ring *r, size_t *pos)
{
    while (*pos != r->chead) {
        const struct msg *m = (const struct msg *)(r->buf + (*pos & (RING_BYTES - 1)));
        if (m->kind != MSG_WRAP)
            return m;
        *pos += m->size;
    }
    return NULL;
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
static int put_packet(struct ring *r, const struct ea_packet *p, uint32_t hash)
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
    m->hash = hash;
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

static int log_init(struct evlog *l)
{
    l->wc = l->rc = calloc(1, sizeof(*l->wc));
    atomic_init(&l->count, 0);
    return l->wc ? 0 : -1;
}

/* The line block that holds 'data' (a block's data, as the back log carries it). */
static struct line_block *block_of(char *data)
{
    return (struct line_block *)(void *)(data - offsetof(struct line_block, data));
}

/* Frees the chunks and the flows (back log: and blocks) of events not read. Both threads ended. */
static void log_free(struct evlog *l)
{
    struct log_chunk *c = l->rc;
    size_t i = l->rn;
    for (uint64_t n = l->read; n < l->wcount; n++, i++) {
        if (i == LOG_CHUNK) {
            c = c->next;
            i = 0;
        }
        if (c->ev[i].f)
            ea_flow_free(c->ev[i].f);
        else if (c->ev[i].line)
            free(block_of(c->ev[i].line));
    }
    for (c = l->rc; c;) {
        struct log_chunk *next = c->next;
        free(c);
        c = next;
    }
    l->rc = l->wc = NULL;
}

/* Writer: appends an event, seen by the reader once published (log_publish). -1 on out-of-memory. */
static int log_push(struct evlog *l, struct keyed ev)
{
    if (l->wn == LOG_CHUNK) {
        struct log_chunk *c = malloc(sizeof(*c));
        if (!c)
            return -1;
        c->next = NULL;
        l->wc->next = c;
        l->wc = c;
        l->wn = 0;
    }
    l->wc->ev[l->wn++] = ev;
    l->wcount++;
    return 0;
}

static void log_publish(struct evlog *l)
{
    atomic_store_explicit(&l->count, l->wcount, memory_order_release);
}

/* Reader: the next event not read, of the first 'avail' published, or NULL. */
static const struct keyed *log_peek(struct evlog *l, uint64_t avail)
{
    if (l->read == avail)
        return NULL;
    if (l->rn == LOG_CHUNK) {
        struct log_chunk *next = l->rc->next;
        free(l->rc);
        l->rc = next;
        l->rn = 0;
    }
    return &l->rc->ev[l->rn];
}

static void log_pop(struct evlog *l)
{
    l->rn++;
    l->read++;
}

/* Worker: the flows that left pl's table go to the main thread, in the order they left. */
static void take_left(struct worker *w)
{
    size_t n = ea_pipeline_nflows(w->pl);
    if (n > w->cap) {
        size_t cap = n > 2 * w->cap ? n : 2 * w->cap;
        struct ea_flow **sc = realloc(w->scratch, cap * sizeof(*sc));
        if (!sc) {
            w->lost = 1;   /* the flows stay with pl, which frees them */
            ea_pipeline_mark_oom(w->pl);
            return;
        }
        w->scratch = sc;
        w->cap = cap;
    }
    ea_pipeline_take_flows(w->pl, w->scratch);
    int paired = w->nlines == n;   /* else pl dropped a flow (out of memory): lines unpaired */
    for (size_t i = 0; i < n; i++) {
        struct ea_flow *f = w->scratch[i];
        struct made_line ml = paired ? w->lines[i] : (struct made_line){ NULL, 0, 0 };
        if (w->lost || log_push(&w->left, (struct keyed){ f->table.end_frame, f->table.touch_frame,
                                                         f, ml.line, ml.len, ml.idpos }) != 0) {
            w->lost = 1;
            ea_pipeline_mark_oom(w->pl);
            ea_flow_free(f);
        }
    }
    w->nlines = 0;   /* unpaired lines stay in their block, never read */
}

/*
 * Worker: room for len bytes in its current line block, or a new one (the
 * spare the main thread handed back, else malloc); NULL when LINE_BLOCKS_MAX
 * blocks wait for the main thread, or on out-of-memory.
 */
static char *block_room(struct worker *w, size_t len)
{
    struct line_block *b = w->wblock;
    if (b && b->cap - b->used >= len) {
        b->used += len;
        return b->data + b->used - len;
    }
    if (w->nblocks - atomic_load_explicit(&w->freed, memory_order_relaxed) >= LINE_BLOCKS_MAX)
        return NULL;
    struct line_block *nb = w->spare;
    w->spare = NULL;
    if (nb && nb->cap < len) {
        free(nb);
        nb = NULL;
    }
    if (!nb) {
        size_t cap = len > LINE_BLOCK ? len : LINE_BLOCK;
        nb = malloc(sizeof(*nb) + cap);
        if (!nb)
            return NULL;
        nb->cap = cap;
    }
    nb->next = NULL;
    nb->used = len;
    w->nblocks++;
    if (b)
        b->next = nb;   /* published with the first line of nb (log_publish) */
    else
        atomic_store_explicit(&w->first, nb, memory_order_release);
    w->wblock = nb;
    return nb->data;
}

/* Main: hands w's blocks before the one holding line back to w (or frees them: out of memory). */
static void blocks_before(struct worker *w, const char *line)
{
    if (!w->rblock)
        w->rblock = atomic_load_explicit(&w->first, memory_order_acquire);
    while (w->rblock && !(line >= w->rblock->data && line < w->rblock->data + w->rblock->cap)) {
        struct line_block *b = w->rblock;
        w->rblock = b->next;
        if (log_push(&w->back, (struct keyed){ 0, 0, NULL, b->data, 0, 0 }) != 0)
            free(b);
        atomic_fetch_add_explicit(&w->freed, 1, memory_order_relaxed);
    }
}

/*
 * Worker: frees the flows the main thread handed back and keeps one block
 * handed back as its spare (frees the others). Returns how many it took.
 */
static size_t take_back(struct worker *w)
{
    uint64_t avail = atomic_load_explicit(&w->back.count, memory_order_acquire);
    const struct keyed *k;
    size_t n = 0;
    w->since_back = 0;
    while ((k = log_peek(&w->back, avail))) {
        if (k->f) {
            ea_flow_free(k->f);
        } else if (k->line) {
            struct line_block *b = block_of(k->line);
            if (!w->spare)
                w->spare = b;
            else
                free(b);
        }
        log_pop(&w->back);
        n++;
    }
    return n;
}

/* The id mark among the first ID_LOOK bytes of a line, or NULL. */
static const char *id_mark(const char *line, size_t len)
{
    size_t m = sizeof(ID_MARK) - 1;
    for (size_t i = 0; i + m <= len && i < ID_LOOK; i++)
        if (memcmp(line + i, ID_MARK, m) == 0)
            return line + i;
    return NULL;
}

/*
 * Worker: the JSON line of a flow that left, with id 0 (the main thread puts
 * the run's id in). One entry per flow, a NULL line when it cannot be made;
 * when not even the entry fits, take_left finds the lines unpaired and drops
 * them. Either way the main thread makes the lines missing.
 */
static void make_line(struct worker *w, struct ea_flow *f)
{
    if (w->nlines == w->caplines) {
        size_t cap = w->caplines ? 2 * w->caplines : 256;
        struct made_line *l = realloc(w->lines, cap * sizeof(*l));
        if (!l)
            return;
        w->lines = l;
        w->caplines = cap;
    }
    struct ea_view v;
    memset(&v, 0, sizeof(v));
    v.rs = w->ws->rs;
    v.cls = ea_pipeline_classifier(w->pl);
    uint64_t id = f->id;
    size_t len = 0;
    f->id = 0;
    char *line = w->ws->maker(&v, f, &len);
    f->id = id;
    const char *at = line ? id_mark(line, len) : NULL;
    char *kept = at && len <= UINT32_MAX ? block_room(w, len) : NULL;
    if (kept)
        memcpy(kept, line, len);
    w->lines[w->nlines++] = (struct made_line){   /* else not the layout looked for, or no room */
        kept, (uint32_t)len, kept ? (uint32_t)(at - line) + (uint32_t)sizeof(ID_MARK) - 3 : 0 };
    free(line);
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
    if (w->flushing && ea_pipeline_nflows(pl) >= FLUSH_BATCH) {
        take_left(w);   /* the flows before this one, while the flush goes on */
        log_publish(&w->left);
        take_back(w);
    }
    f->table.end_frame = w->end_key;
    struct ea_decision d = ea_policy_decide(ea_pipeline_policy(pl), f);
    if (d.turn)
        ea_flow_turn(f);
    if (ea_policy_record(w->ws->rs, &d, f) != 0)
        ea_pipeline_mark_oom(pl);
    if (w->ws->maker)
        make_line(w, f);
}

/*
 * Worker, after each message: hands back the flows it made and those that
 * left, then publishes its progress (every message before that frame done).
 */
static void hand_back(struct worker *w, const struct msg *m)
{
    if (!w->failed) {
        uint64_t made = ea_pipeline_stats(w->pl)->flows_created;
        for (; w->nmade < made; w->nmade++)
            if (w->lost || log_push(&w->made, (struct keyed){ m->p.frame, 0, NULL, NULL, 0, 0 }) != 0)
                w->lost = 1;   /* ids would be wrong from here: flows are freed, not handed back */
        take_left(w);
        log_publish(&w->made);
        log_publish(&w->left);
    }
    uint64_t progress = m->kind == MSG_PACKET ? m->p.frame + 1
                      : m->kind == MSG_EXPIRE ? m->frame : UINT64_MAX;
    atomic_store_explicit(&w->progress, progress, memory_order_release);
}

/* The worker's part of one message; 1 when it was MSG_END. */
static int worker_handle(struct worker *w, const struct msg *m)
{
    if (m->kind == MSG_END) {
        /* Every flow made was published after the last message: the main thread numbers them
           all now, and takes the flushed flows in batches while the flush goes on. */
        atomic_store_explicit(&w->ending, 1, memory_order_release);
        if (!w->failed) {
            w->flushing = 1;
            w->end_key = UINT64_MAX;
            ea_flow_table_flush(ea_pipeline_table(w->pl));
            /* Every flow is decided: nDPI is no longer needed (names come from pl's own). */
            ea_pipeline_drop_classifier(w->pl);
        }
        return 1;
    }
    if (w->failed)
        return 0;   /* drained and dropped */
    if (m->kind == MSG_PACKET) {
        w->end_key = m->p.frame;   /* flows evicted to make room end here */
        ea_pipeline_flow_packet_hashed(w->pl, &m->p, m->hash);
    } else {
        /* One LRU list per timeout class: a table expires exactly its flows that are due,
           whatever the other workers hold, so the workers need not agree on anything. */
        w->end_key = m->frame;
        ea_flow_table_expire(ea_pipeline_table(w->pl), m->now_ns);
    }
    return 0;
}

/*
 * Worker, before it handles m (at the ring's tail): what the next messages
 * will read is fetched into the cache while m is handled (RING_AHEAD,
 * PF_FLOW, PF_BUCKET), of the messages published only. Hints: nothing
 * changes if they come too late or the flow left meanwhile.
 */
static void prefetch_next(struct worker *w, const struct msg *m)
{
    struct ring *r = &w->ring;
    if (w->failed)
        return;
    size_t to = r->ctail + m->size + RING_AHEAD;
    if (to - r->chead < RING_BYTES)
        to = r->chead;   /* not past what was published */
    if (r->cpf - r->ctail >= RING_BYTES)
        r->cpf = r->ctail & ~(size_t)(CACHE_LINE - 1);   /* behind the tail: from the tail on */
    for (; r->cpf < to; r->cpf += CACHE_LINE)
        __builtin_prefetch(r->buf + (r->cpf & (RING_BYTES - 1)), 0, 3);
    const struct ea_flow_table *ft = ea_pipeline_table(w->pl);
    size_t pos = r->ctail + m->size;
    for (unsigned i = 1; i <= PF_BUCKET; i++) {
        const struct msg *n = ring_at(r, &pos);
        if (!n)
            return;
        if (n->kind == MSG_PACKET && i == 1)
            ea_flow_table_prefetch_links(ft, n->hash);
        else if (n->kind == MSG_PACKET && i == PF_FLOW)
            ea_flow_table_prefetch_flow(ft, n->hash);
        else if (n->kind == MSG_PACKET && i == PF_BUCKET)
            ea_flow_table_prefetch_bucket(ft, n->hash);
        pos += n->size;
    }
}

/* The calling thread's CPU seconds so far. */
static double thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A worker's own pipeline, judging deferred to flow_left; w->failed when it
 * cannot be made. Its flow table holds its share of the run's flows (the
 * inline worker's share of the hashes, or an even part of the rest).
 */
static void worker_pipeline(struct worker *w)
{
    const struct ea_workers *ws = w->ws;
    struct ea_flow_limits lim = ws->lim;
    uint64_t max = lim.max_flows, own = (max * ws->cut) >> 32, n = ws->n - (ws->cut != 0);
    if (w->inline_)
        lim.max_flows = (uint32_t)(own + 1);
    else
        lim.max_flows = (uint32_t)((max - own + n - 1) / n);
    w->pl = ea_pipeline_new(&lim, ws->rs);
    if (w->pl) {
        ea_pipeline_defer_judging(w->pl);
        ea_pipeline_on_judged(w->pl, flow_left, w);
    } else {
        w->failed = 1;
    }
}

/* The reading thread, as its inline worker: one message, handled at once. */
static void inline_step(struct worker *w, const struct msg *m)
{
    worker_handle(w, m);
    hand_back(w, m);
    if (++w->since_back == BACK_EVERY)
        take_back(w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct ea_workers *ws = w->ws;
    struct ring *r = &w->ring;
    worker_pipeline(w);
    int end = 0;
    while (!end) {
        struct msg *m = ring_next(r);
        prefetch_next(w, m);
        end = worker_handle(w, m);
        hand_back(w, m);
        ring_done(r, m);
        if (++w->since_back == BACK_EVERY)
            take_back(w);
    }
    ring_release(r);
    /* The main thread still adopts the flows of the flush: free them here as they come back. */
    while (!atomic_load_explicit(&ws->adopted, memory_order_acquire))
        if (take_back(w) == 0)
            nanosleep(&(struct timespec){ 0, END_WAIT_NS }, NULL);
    take_back(w);   /* the last, published before adopted was set */
    free(w->spare);
    w->spare = NULL;
    w->cpu = thread_cpu();
    return NULL;
}

/* Sends a control message to every worker; MSG_END is published at once and wakes them. */
static void broadcast(struct ea_workers *ws, enum msg_kind kind, uint64_t now_ns, uint64_t frame)
{
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].inline_)
            continue;
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
    /* the inline worker last: the threads' part goes on meanwhile */
    for (unsigned i = 0; i < ws->n; i++)
        if (ws->w[i].inline_)
            inline_step(&ws->w[i], &(struct msg){ .kind = (uint8_t)kind, .now_ns = now_ns,
                                                  .frame = frame });
}

/* Stops and frees the workers (their pipelines, and flows not adopted, too). NULL is a no-op. */
static void workers_free(struct ea_workers *ws)
{
    if (!ws)
        return;
    atomic_store(&ws->adopted, 1);   /* a worker waits for it after MSG_END */
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
        log_free(&w->made);
        log_free(&w->left);
        log_free(&w->back);
        free(w->scratch);
        free(w->lines);
        struct line_block *b = w->rblock ? w->rblock : atomic_load(&w->first);
        while (b) {
            struct line_block *next = b->next;
            free(b);
            b = next;
        }
        free(w->spare);
        for (size_t c = 0; c < w->nchunk; c++)
            free(w->gid[c]);
        free(w->gid);
        free(w->gleft);
        ea_pipeline_free(w->pl);
    }
    free(ws->arrive);
    free(ws->lbuf);
    free(ws->w);
    free(ws);
}

/* Starts n workers, which make their own pipelines (worker_main); NULL when memory or threads fail. */
static struct ea_workers *workers_new(struct ea_pipeline *pl, unsigned n)
{
    struct ea_workers *ws = calloc(1, sizeof(*ws));
    if (!ws)
        return NULL;
    atomic_init(&ws->adopted, 0);
    const struct ea_flow_limits *lim = ea_pipeline_limits(pl);
    ws->rs = ea_pipeline_rules(pl);
    ws->pl = pl;
    ws->maker = ea_pipeline_line_maker(pl);
    ws->lim = *lim;
    ws->cut = inline_cut(n);
    ws->w = aligned_alloc(CACHE_LINE, n * sizeof(*ws->w));
    if (!ws->w)
        goto fail;
    memset(ws->w, 0, n * sizeof(*ws->w));
    ws->n = n;   /* only now: workers_free walks n entries of w */
    for (unsigned i = 0; i < n; i++) {
        struct worker *w = &ws->w[i];
        w->ws = ws;
        w->idx = i;
        atomic_init(&w->progress, 0);
        atomic_init(&w->ending, 0);
        atomic_init(&w->freed, 0);
        atomic_init(&w->first, NULL);
        if ((!(i == 0 && ws->cut) && ring_init(&w->ring) != 0) || log_init(&w->made) != 0 ||
            log_init(&w->left) != 0 || log_init(&w->back) != 0)
            goto fail;
    }
    for (unsigned i = 0; i < n; i++) {
        if (i == 0 && ws->cut) {
            ws->w[i].inline_ = 1;
            worker_pipeline(&ws->w[i]);
            continue;
        }
        if (pthread_create(&ws->w[i].th, NULL, worker_main, &ws->w[i]) != 0)
            goto fail;
        ws->w[i].started = 1;
    }
    return ws;
fail:
    workers_free(ws);
    return NULL;
}

/* Main: a numbered flow's first frame, kept until the peak count passes it. -1 on out-of-memory. */
static int push_arrive(struct ea_workers *ws, uint64_t frame)
{
    if (ws->nar == ws->capar && ws->ahead >= ws->nar / 2 && ws->ahead) {
        memmove(ws->arrive, ws->arrive + ws->ahead, (ws->nar - ws->ahead) * sizeof(*ws->arrive));
        ws->nar -= ws->ahead;
        ws->ahead = 0;
    }
    if (ws->nar == ws->capar) {
        size_t cap = ws->capar ? 2 * ws->capar : 4096;
        uint64_t *a = realloc(ws->arrive, cap * sizeof(*a));
        if (!a)
            return -1;
        ws->arrive = a;
        ws->capar = cap;
    }
    ws->arrive[ws->nar++] = frame;
    return 0;
}

/* Main: room in w's id map for one more flow. -1 on out-of-memory. */
static int gid_room(struct worker *w)
{
    size_t c = w->ngid / GID_CHUNK;
    if (w->ngid % GID_CHUNK)
        return 0;
    uint64_t **g = realloc(w->gid, (c + 1) * sizeof(*g));
    if (!g)
        return -1;
    w->gid = g;
    uint32_t *l = realloc(w->gleft, (c + 1) * sizeof(*l));
    if (!l)
        return -1;
    w->gleft = l;
    w->gid[c] = malloc(GID_CHUNK * sizeof(**g));
    if (!w->gid[c])
        return -1;
    w->gleft[c] = GID_CHUNK;
    w->nchunk = c + 1;
    return 0;
}

/* Main: gives worker w's next flow the run's next id. -1 on out-of-memory. */
static int number_one(struct ea_workers *ws, struct worker *w, uint64_t first_frame)
{
    if (gid_room(w) != 0 || push_arrive(ws, first_frame) != 0)
        return -1;
    w->gid[w->ngid / GID_CHUNK][w->ngid % GID_CHUNK] = ++ws->next_id;
    w->ngid++;
    return 0;
}

/* Main: the run's id of w's flow of table id 'local' (numbered), forgotten once read. */
static uint64_t gid_take(struct worker *w, uint64_t local)
{
    size_t c = (size_t)((local - 1) / GID_CHUNK);
    uint64_t id = w->gid[c][(local - 1) % GID_CHUNK];
    if (--w->gleft[c] == 0) {
        free(w->gid[c]);
        w->gid[c] = NULL;
    }
    return id;
}

/*
 * Main: numbers the flows made before frame wm, in order of first packet
 * (every worker is past wm, so none can still make an earlier one); 'avail'
 * holds how many made events each worker had published.
 */
static void number_made(struct ea_workers *ws, uint64_t wm, const uint64_t *avail)
{
    for (;;) {
        const struct keyed *best = NULL;
        unsigned bi = 0;
        for (unsigned i = 0; i < ws->n; i++) {
            const struct keyed *k = log_peek(&ws->w[i].made, avail[i]);
            if (k && k->k1 < wm && (!best || k->k1 < best->k1)) {
                best = k;
                bi = i;
            }
        }
        if (!best)
            return;
        if (!ws->nomem && number_one(ws, &ws->w[bi], best->k1) != 0)
            ws->nomem = 1;
        log_pop(&ws->w[bi].made);
    }
}

/* The next flow that left, by one table's order (when it left, then least recently seen), or NULL. */
static const struct keyed *next_left(struct ea_workers *ws, const uint64_t *avail, unsigned *bi)
{
    const struct keyed *best = NULL;
    for (unsigned i = 0; i < ws->n; i++) {
        const struct keyed *k = log_peek(&ws->w[i].left, avail[i]);
        if (k && (!best || k->k1 < best->k1 || (k->k1 == best->k1 && k->k2 < best->k2))) {
            best = k;
            *bi = i;
        }
    }
    return best;
}

/* Main: the line with the run's id in place of the 0 at idpos, in ws->lbuf; its length, or 0. */
static size_t put_id(struct ea_workers *ws, const char *line, size_t len, size_t idpos, uint64_t id)
{
    char digits[24];
    size_t nd = 0;
    do
        digits[sizeof(digits) - ++nd] = (char)('0' + id % 10);
    while ((id /= 10) && nd < sizeof(digits));
    size_t need = len - 1 + nd;
    if (need > ws->lcap) {
        size_t cap = need > 2 * ws->lcap ? need : 2 * ws->lcap;
        char *b = realloc(ws->lbuf, cap);
        if (!b)
            return 0;
        ws->lbuf = b;
        ws->lcap = cap;
    }
    memcpy(ws->lbuf, line, idpos);
    memcpy(ws->lbuf + idpos, digits + sizeof(digits) - nd, nd);
    memcpy(ws->lbuf + idpos + nd, line + idpos + 1, len - idpos - 1);
    return need;
}

/* Main, pl's release hook: the flow pl adopted goes back to its worker (freed here on out-of-memory). */
static void flow_back(struct ea_flow *f, void *ctx)
{
    struct ea_workers *ws = ctx;
    if (!ws->adopting || log_push(&ws->adopting->back, (struct keyed){ 0, 0, f, NULL, 0, 0 }) != 0)
        ea_flow_free(f);   /* not one of adopt_one's flows, or out of memory */
}

/* Main: makes what it handed back visible to the workers. */
static void publish_back(struct ea_workers *ws)
{
    for (unsigned i = 0; i < ws->n; i++)
        log_publish(&ws->w[i].back);
}

/* Main: gives w's flow f its run id and hands it to pl, with its line (in a block) when made. */
static void adopt_one(struct ea_workers *ws, struct worker *w, struct ea_flow *f, const char *line,
                      size_t len, size_t idpos)
{
    if (line)
        blocks_before(w, line);
    if (ws->nomem || f->id == 0 || f->id > w->ngid) {
        ea_flow_free(f);   /* no id: lost to out-of-memory */
        ea_pipeline_mark_oom(ws->pl);
        return;
    }
    f->id = gid_take(w, f->id);
    size_t n = line ? put_id(ws, line, len, idpos, f->id) : 0;
    ws->adopting = w;   /* flow_back hands f to w once pl is done with it */
    /* counted, announced and kept, as one table's flows */
    if (n)
        ea_pipeline_adopt_line(ws->pl, f, ws->lbuf, n);
    else
        ea_pipeline_adopt(ws->pl, f);
    ws->adopting = NULL;
}

/*
 * Main: the flow a worker handed back next (and its line), made and last
 * written on the worker's core, is fetched into the cache while the one
 * before it is adopted. A hint: NULL or a flow not taken change nothing.
 */
static void prefetch_left(const struct keyed *k)
{
    if (!k)
        return;
    for (size_t off = 0; off < sizeof(*k->f); off += CACHE_LINE)
        __builtin_prefetch((const char *)k->f + off, 1, 3);
    if (k->line)
        __builtin_prefetch(k->line, 0, 3);
}

/* Main: 1 when every worker has a flow ready (avail) or has handed back its last (done). */
static int heads_known(struct ea_workers *ws, const uint64_t *avail, const int *done)
{
    for (unsigned i = 0; i < ws->n; i++)
        if (!done[i] && !log_peek(&ws->w[i].left, avail[i]))
            return 0;
    return 1;
}

/*
 * Main: hands pl the flows that left, in one table's order, with the run's
 * ids, counting the flows held at once as one table would: a flow is held
 * from its first frame until it left (before that frame's packet), so at
 * one frame a leaving comes first. During the run (done NULL) the flows
 * that left before frame wm (every one with all); at the end, the least of
 * the workers' next flows while each worker has one ready or is done.
 * Returns how many were handed.
 */
static size_t adopt_left(struct ea_workers *ws, uint64_t wm, const int *done, const uint64_t *avail)
{
    const struct keyed *k;
    unsigned bi = 0;
    size_t n = 0;
    while ((k = next_left(ws, avail, &bi)) && (done ? heads_known(ws, avail, done) : k->k1 < wm)) {
        uint64_t leave = k->k1 == UINT64_MAX ? UINT64_MAX - 1 : k->k1 << 1;
        for (; ws->ahead < ws->nar && (ws->arrive[ws->ahead] << 1 | 1) < leave; ws->ahead++)
            if (++ws->held > ws->peak)
                ws->peak = ws->held;
        ws->held--;
        struct worker *w = &ws->w[bi];
        struct keyed ev = *k;
        log_pop(&w->left);
        prefetch_left(log_peek(&w->left, avail[bi]));
        adopt_one(ws, w, ev.f, ev.line, ev.len, ev.idpos);
        n++;
    }
    return n;
}

/*
 * Main: takes what the workers handed back. wm, the least progress, is a
 * frame before which no worker can make or end a flow any more; flows are
 * numbered and adopted up to it, or all of them once the workers ended.
 */
static void workers_poll(struct ea_workers *ws)
{
    uint64_t wm = UINT64_MAX, made[EA_MAX_THREADS] = { 0 }, left[EA_MAX_THREADS] = { 0 };
    for (unsigned i = 0; i < ws->n; i++) {
        uint64_t p = atomic_load_explicit(&ws->w[i].progress, memory_order_acquire);
        if (p < wm)
            wm = p;
    }
    for (unsigned i = 0; i < ws->n; i++) {   /* published before the progress just read */
        made[i] = atomic_load_explicit(&ws->w[i].made.count, memory_order_acquire);
        left[i] = atomic_load_explicit(&ws->w[i].left.count, memory_order_acquire);
    }
    number_made(ws, wm, made);
    if (adopt_left(ws, wm, NULL, left))
        publish_back(ws);
}

/*
 * Main, after MSG_END: numbers every flow once each worker reached it, then
 * takes the flushed flows as the workers hand them back in batches, until
 * every worker is done. Sleeps END_WAIT_NS while no flow can be taken.
 */
static void workers_drain(struct ea_workers *ws)
{
    int numbered = 0;
    for (;;) {
        int done[EA_MAX_THREADS] = { 0 }, all_done = 1, ending = 1;
        uint64_t made[EA_MAX_THREADS] = { 0 }, left[EA_MAX_THREADS] = { 0 };
        for (unsigned i = 0; i < ws->n; i++) {
            done[i] = atomic_load_explicit(&ws->w[i].progress, memory_order_acquire) == UINT64_MAX;
            all_done &= done[i];
            ending &= atomic_load_explicit(&ws->w[i].ending, memory_order_acquire);
        }
        for (unsigned i = 0; i < ws->n; i++) {   /* published before the flags just read */
            made[i] = atomic_load_explicit(&ws->w[i].made.count, memory_order_acquire);
            left[i] = atomic_load_explicit(&ws->w[i].left.count, memory_order_acquire);
        }
        if (ending && !numbered) {
            number_made(ws, UINT64_MAX, made);
            numbered = 1;
        }
        size_t n = numbered ? adopt_left(ws, 0, done, left) : 0;
        if (n)
            publish_back(ws);
        if (all_done)
            return;   /* everything was published: all of it was taken */
        if (n == 0)
            nanosleep(&(struct timespec){ 0, END_WAIT_NS }, NULL);
    }
}

struct ea_workers *ea_workers_start(struct ea_pipeline *pl, unsigned nworkers, char *err,
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
    if (ws) {
        ws->cpu0 = thread_cpu();
        ws->wall0 = ea_mono_now();
    }
    if (!ws)
        snprintf(err, errlen, "cannot start %u worker threads (out of memory or nDPI failed)", nworkers);
    else {
        ea_pipeline_count_only(pl, 1);   /* the workers decide; pl counts */
        ea_pipeline_on_release(pl, flow_back, ws);
    }
    return ws;
}

void ea_workers_expire(struct ea_workers *ws, uint64_t now_ns, uint64_t frame)
{
    broadcast(ws, MSG_EXPIRE, now_ns, frame);
}

int ea_workers_packet(struct ea_workers *ws, const struct ea_packet *p)
{
    /* The worker looks the flow up with this hash, the one it was sharded by (ea_workers_shard). */
    uint32_t hash = ea_packet_flow_hash(p);
    int rc = 0;
    struct worker *w = &ws->w[shard_of(hash, ws->n)];
    if (w->inline_) {
        /* handled at once, while the packet's bytes are still there: not copied */
        inline_step(w, &(struct msg){ .kind = MSG_PACKET, .hash = hash, .p = *p });
    } else {
        rc = put_packet(&w->ring, p, hash);
    }
    if (++ws->since_poll == POLL_EVERY) {
        ws->since_poll = 0;
        workers_poll(ws);
    }
    return rc;
}

/*
 * EA_DEBUG_THREADS: one line on stderr of where the CPU went, for the
 * longest path of a run: the reading thread until the end of the input and
 * while it took the flows flushed at the end, each worker, and the wall
 * time from the start of the workers.
 */
static void debug_line(const struct ea_workers *ws, double cpu_end)
{
    char work[16 * EA_MAX_THREADS] = "";
    size_t n = 0;
    for (unsigned i = 0; i < ws->n && n < sizeof(work); i++) {
        if (ws->w[i].inline_)
            continue;   /* its CPU is the reading thread's */
        int k = snprintf(work + n, sizeof(work) - n, " %.2f", ws->w[i].cpu);
        n += k > 0 ? (size_t)k : 0;
    }
    fprintf(stderr, "edgeaudit: threads: reading thread %.2f s CPU to the end of the input%s, %.2f s "
            "taking the last flows; workers%s s CPU; %.2f s wall\n", cpu_end - ws->cpu0,
            ws->cut ? " (classifying its share of the flows too)" : "", thread_cpu() - cpu_end, work,
            ea_mono_now() - ws->wall0);
}

int ea_workers_finish(struct ea_workers *ws, struct ea_pipeline *pl, char *err, size_t errlen)
{
    int rc = 0;
    /* Workers flush their tables on MSG_END and hand the last flows back, taken as they come. */
    broadcast(ws, MSG_END, 0, 0);
    double cpu_end = thread_cpu();
    workers_drain(ws);
    ea_pipeline_on_release(pl, NULL, NULL);
    publish_back(ws);
    atomic_store_explicit(&ws->adopted, 1, memory_order_release);   /* the workers free the last */
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].started)   /* not the inline worker */
            pthread_join(ws->w[i].th, NULL);
        ws->w[i].started = 0;
    }
    for (unsigned i = 0; i < ws->n; i++) {
        if (ws->w[i].failed && rc == 0) {
            if (err)
                snprintf(err, errlen, "a worker thread could not start (out of memory or nDPI failed)");
            rc = -1;
        }
        /* The reader counted packets, bytes, decoding and time; the workers flows, gaps and
           ICMP errors (their time stamps are 0): no field is counted twice. */
        if (ws->w[i].pl)
            ea_pipeline_absorb(pl, ws->w[i].pl);
    }
    for (; ws->ahead < ws->nar; ws->ahead++)
        if (++ws->held > ws->peak)
            ws->peak = ws->held;
    ea_pipeline_stats(pl)->flows_active_peak = ws->peak;   /* the workers' own peaks summed mean nothing */
    if (getenv("EA_DEBUG_THREADS"))
        debug_line(ws, cpu_end);
    if (ws->nomem || rc != 0)
        ea_pipeline_mark_oom(pl);
    ea_pipeline_count_only(pl, 0);
    workers_free(ws);
    return rc;
}

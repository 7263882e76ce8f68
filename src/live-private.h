/* live-private.h: the state the live-*.c files share: the run, its capture workers, its clocks. */
#ifndef EA_LIVE_PRIVATE_H
#define EA_LIVE_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "options.h"
#include "pipeline.h"
#include "source-live.h"

#define EA_LIVE_NS 1000000000ULL
/* Longest wait for packets: idle expiry and intervals run at least this often. */
#define EA_LIVE_POLL_MS 200
/* ICMP errors a worker holds for another worker's flow, per tick; more are counted as unmatched. */
#define EA_LIVE_ORPHANS_MAX 1024

/*
 * --threads N live: one capture socket per worker, joined in a PACKET_FANOUT
 * group. A worker decodes, tracks and classifies its own flows; judging,
 * alerts and reports stay in the main thread, which takes every worker's
 * lock (in index order) while it looks at their tables (live-workers.c).
 */
struct ea_report;
struct ea_accept;

struct live_worker {
    struct ea_live *lv;
    struct ea_live_source *src;     /* owned */
    struct ea_pipeline *pl;         /* owned: own table, classifier and nDPI; judging deferred */
    pthread_mutex_t mu;             /* held while the worker reads or expires, and while the
                                       main thread walks its table, takes its finished flows
                                       or reads its pcap_stats */
    pthread_t th;
    int mu_inited, started;
    atomic_int failed;              /* a capture error; err holds its line */
    /* ICMP errors whose quoted flow this worker does not hold: the kernel hashed them on
       their own addresses. The main thread gives each to the worker that holds the flow. */
    struct ea_packet *orphans;      /* owned, EA_LIVE_ORPHANS_MAX, scalars only (pointers cleared) */
    size_t norphans;
    char err[512];
};

/* One live run (live.c makes it; live.h's functions take it). */
struct ea_live {
    const struct ea_options *o;     /* borrowed */
    struct ea_pipeline *pl;         /* borrowed */
    struct ea_flow_limits lim;      /* the run's limits, split between workers */
    struct ea_live_source *src;     /* owned while running (one thread) */
    struct live_worker *w;          /* --threads: nworkers workers (owned) */
    unsigned nworkers;
    atomic_int stop;                /* the main thread tells workers to end */
    _Atomic uint64_t next_frame;    /* frame numbers over all workers' sockets */
    _Atomic uint64_t next_id;       /* flow ids over all workers' tables */
    struct ea_policy *scratch;      /* read only: early verdicts are decided with it, never counted */
    struct ea_stream *stream;       /* borrowed: groups and listed flows for the reports, or NULL */
    const struct ea_report *base;   /* borrowed: --baseline, read before the capture, or NULL */
    struct ea_accept *acc;          /* borrowed: --accept, loaded before the capture, or NULL */
    FILE *alert_out;                /* stdout or the --alert-file (owned then) */
    int nano;
    int dlt;                        /* the device's link type, read once */
    uint64_t frames;
    uint64_t alerts, revised;
    char split[160];                /* --threads: "; flows per thread: a b ..." for the stop line */
    /* ea_live_on_report's hook (an ea_live_report_fn of live.h) and its context (borrowed) */
    void (*on_report)(const struct ea_view *v, const char *xml, size_t len, void *ctx);
    void *on_report_ctx;
};

/* Wall-clock time in nanoseconds: the packet-time clock of live flows. */
static inline uint64_t ea_live_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * EA_LIVE_NS + (uint64_t)ts.tv_nsec;
}

/* Monotonic time in nanoseconds: when the schedule's next step is due. */
static inline uint64_t ea_live_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * EA_LIVE_NS + (uint64_t)ts.tv_nsec;
}

#endif

/* pipeline.h: capture -> decode -> flow table -> classify -> policy, shared by offline and live mode. */
#ifndef EA_PIPELINE_H
#define EA_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "stats.h"
#include "flow.h"
#include "flow-table.h"
#include "rules.h"
#include "policy.h"
#include "classify.h"

struct ea_decoder;

/* Link types seen, for the report. */
#define EA_MAX_DLTS 8

struct ea_capture_info {
    char **sources;             /* file names or the interface (owned) */
    size_t nsources;
    int dlts[EA_MAX_DLTS];
    size_t ndlts;
    int partial;                /* input ended in an error */
    char *error;                /* that error's one line (owned), or NULL */
    /* live capture loss, from pcap_stats; have_loss 0 offline */
    int have_loss;
    uint64_t recv, drop, ifdrop;
    int incomplete;             /* loss of EA_LOSS_INCOMPLETE_PCT % or more */
    uint32_t window_s;          /* live window report: flows of the last window_s seconds */
};

/* A live report that lost this share of packets or more says it is incomplete. */
#define EA_LOSS_INCOMPLETE_PCT 10

struct ea_pipeline {
    struct ea_stats st;
    struct ea_capture_info cap;
    struct ea_decoder *dec;
    struct ea_flow_table *ft;
    struct ea_classifier *cls;
    struct ea_policy *pol;
    const struct ea_ruleset *rs;    /* borrowed */
    struct ea_flow **done;          /* flows that left the table, judged (owned) */
    size_t ndone, capdone;
    uint64_t frame_base;            /* frames of earlier inputs, so numbers run on */
    uint64_t now_ns;                /* newest packet time */
    uint64_t next_expire_ns;
    int oom;
    /* called for each flow as it is judged (live alerts); may be NULL */
    void (*on_judged)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx);
    void *judged_ctx;
    /* live mode: keep at most keep_done finished flows for the reports (0 keeps
       all, as offline); the oldest go first and are counted in done_dropped,
       while the policy's counters keep counting every flow */
    size_t keep_done;
    uint64_t done_dropped;
    /* a --threads worker: flows are classified but judged later, in merge order (workers.c) */
    int defer_judge;
};

/*
 * Creates a pipeline judging against 'rs' (borrowed, must outlive it).
 * Returns NULL on out-of-memory or when nDPI cannot start.
 */
struct ea_pipeline *ea_pipeline_new(const struct ea_flow_limits *lim, const struct ea_ruleset *rs);
void ea_pipeline_free(struct ea_pipeline *pl);     /* NULL is a no-op */

/* Records a source name and its link type for the report. */
int ea_pipeline_add_source(struct ea_pipeline *pl, const char *name, int dlt);

/* One captured record; 'frame' is its 1-based number within its source. */
void ea_pipeline_packet(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame);

/*
 * The first half of ea_pipeline_packet: counters, the packet-time clock
 * (pl->now_ns) and decoding into *p, whose pointers borrow 'data' or the
 * decoder until the next call. Returns 1 when p goes on to the flow stage.
 * Does not expire flows: the caller does, when pl->now_ns reaches
 * pl->next_expire_ns, before the flow stage.
 */
int ea_pipeline_decode(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                       int dlt, uint64_t frame, struct ea_packet *p);

/* ea_pipeline_decode, then the expiry that ea_pipeline_packet runs before the flow stage. */
int ea_pipeline_prepare(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame, struct ea_packet *p);

/* The second half: flow lookup, counters and classification of a decoded packet. */
void ea_pipeline_flow_packet(struct ea_pipeline *pl, const struct ea_packet *p);

/*
 * Ends one source: later frame numbers continue after its 'records'. With
 * warn_empty (a file read to its end without error), a file of no records
 * gets a one-line warning on stderr naming it.
 */
void ea_pipeline_end_source(struct ea_pipeline *pl, uint64_t records, int warn_empty);

/* Marks the input as partial with its error line (copied). */
void ea_pipeline_set_error(struct ea_pipeline *pl, const char *msg);

/*
 * Live capture loss from pcap_stats: stores the counters, sets have_loss and
 * sets incomplete when (drop + ifdrop) is EA_LOSS_INCOMPLETE_PCT % or more
 * of (recv + ifdrop). Returns the incomplete flag.
 */
int ea_pipeline_set_loss(struct ea_pipeline *pl, uint64_t recv, uint64_t drop, uint64_t ifdrop);

/* 1 when lost of total is EA_LOSS_INCOMPLETE_PCT % or more (0 when nothing was lost). */
int ea_loss_incomplete(uint64_t lost, uint64_t total);

/*
 * Live mode with no packets: expires idle flows as if a packet of time
 * now_ns (packet-time clock) had arrived, once a second of it. Does not move
 * pl->now_ns, so a packet still buffered with an older stamp is not counted
 * as going back in time. A now_ns not after pl->now_ns is a no-op.
 */
void ea_pipeline_idle(struct ea_pipeline *pl, uint64_t now_ns);

/*
 * A flow that left a table, already through ea_classify_finish: judges it
 * (unless defer_judge), calls on_judged and keeps it in pl->done (bounded by
 * keep_done). pl takes ownership. Used by the table's callback, and by live
 * --threads to hand a worker's finished flows to the main pipeline.
 */
void ea_pipeline_adopt(struct ea_pipeline *pl, struct ea_flow *f);

/* qsort comparator for an array of struct ea_flow pointers, by flow id. */
int ea_flow_id_cmp(const void *a, const void *b);

/* Flushes every flow, judges it, sorts all flows by id and sets rule statuses. */
void ea_pipeline_finish(struct ea_pipeline *pl);

/*
 * Reads every packet of the files in order through the pipeline. Stops at
 * the first error, with its one line in err, and returns -1 (what was read
 * is kept); returns 0 when all inputs were read. Progress on stderr when
 * 'progress' is set.
 */
int ea_pipeline_run_files(struct ea_pipeline *pl, const char *const *files, size_t nfiles,
                          const char *bpf, int progress, char *err, size_t errlen);

#endif

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
#include "group.h"
#include "flow-spool.h"

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

/*
 * The pipeline: decoder, flow table, classifier and policy, with the
 * finished flows and the run's counters. Opaque: the reports read it
 * through a view (ea_pipeline_view), live mode and the worker threads
 * through the functions below.
 */
struct ea_pipeline;

/*
 * What the reports read of a run. A plain copy of the counters and capture
 * facts; the pointers are borrowed from the pipeline (or, for live mode's
 * reports, from whoever filled the view) and valid while it is unchanged.
 * ea_pipeline_view fills the pipeline's part; the finding groups, the
 * rules' evidence and the listed flows come from the report stream
 * (report-stream.h, ea_stream_view), which saw every flow as it finished.
 */
struct ea_view {
    struct ea_stats st;
    struct ea_capture_info cap;         /* sources and error borrowed */
    const struct ea_ruleset *rs;
    const struct ea_policy *pol;        /* rule statuses and verdict counts */
    struct ea_classifier *cls;          /* label and nDPI names (read only) */
    uint64_t flows;                     /* flows finished in the run */
    const struct ea_group_list *groups; /* finding groups, sorted, or NULL */
    const struct ea_examples *evidence; /* per rule (rs->nrules): K smallest evidence ids, or NULL */
    struct ea_spool *listed;            /* the flows <flows> lists, sorted by id, or NULL */
    unsigned examples;                  /* K, --examples */
    int list_all;                       /* --list-flows all */
    uint64_t groups_dropped;            /* finding flows that found no group (a cap) */
    uint64_t done_dropped;              /* live --keep-flows: flows no longer listed */
};

/*
 * Creates a pipeline judging against 'rs' (borrowed, must outlive it).
 * Returns NULL on out-of-memory or when nDPI cannot start.
 */
struct ea_pipeline *ea_pipeline_new(const struct ea_flow_limits *lim, const struct ea_ruleset *rs);
void ea_pipeline_free(struct ea_pipeline *pl);     /* NULL is a no-op */

/*
 * Makes pl what ea_pipeline_new made, keeping its nDPI module and its
 * allocations (flow table buckets, the finished-flow array), so that many
 * inputs can run through one pipeline (fuzz-pipeline): frees every flow,
 * clears the counters, the capture facts, the policy's counts, the
 * defragmenter and what nDPI learnt from earlier flows (ea_classifier_reset).
 * Keeps the hooks and bounds set by ea_pipeline_on_judged, _keep_flows and
 * _defer_judging. Returns 0, or -1 on out-of-memory (pl then unchanged).
 */
int ea_pipeline_reset(struct ea_pipeline *pl);

/* Fills *v with the run as the reports see it (see struct ea_view). */
void ea_pipeline_view(const struct ea_pipeline *pl, struct ea_view *v);

/*
 * Calls fn for each flow once it is judged and announced, after which the
 * pipeline frees it (the report stream: groups, JSON line, examples), or,
 * with fn NULL, keeps finished flows again (workers, whose flows go to the
 * main pipeline). ctx is borrowed.
 */
void ea_pipeline_on_finished(struct ea_pipeline *pl,
                             void (*fn)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx),
                             void *ctx);

/* The classifier (borrowed), for the names of a flow's labels; NULL in a worker that dropped it. */
struct ea_classifier *ea_pipeline_classifier(const struct ea_pipeline *pl);

/*
 * Calls fn for each flow as it is judged (live alerts; a worker notes when
 * its flows left), or stops calling with fn NULL. ctx is borrowed.
 */
void ea_pipeline_on_judged(struct ea_pipeline *pl,
                           void (*fn)(struct ea_pipeline *pl, struct ea_flow *f, void *ctx),
                           void *ctx);

/*
 * Live mode: keeps at most n finished flows for the reports (0 keeps all,
 * as offline); the oldest go first and are counted (done_dropped), while
 * the policy's counters keep counting every flow.
 */
void ea_pipeline_keep_flows(struct ea_pipeline *pl, size_t n);

/* A --threads worker: flows are classified but judged later, by the main pipeline. */
void ea_pipeline_defer_judging(struct ea_pipeline *pl);

/*
 * Offline --threads (workers.c): with on, the flows pl adopts were decided
 * and their verdict recorded by a worker (ea_policy_decide, ea_flow_turn,
 * ea_policy_record: no counting, so they run in parallel), and adopting
 * one only counts it (ea_policy_account), in adoption order.
 */
void ea_pipeline_count_only(struct ea_pipeline *pl, int on);

/* Frees the classifier (nDPI) of a worker whose every flow is decided and handed over. */
void ea_pipeline_drop_classifier(struct ea_pipeline *pl);

/* The pipeline's flow table (borrowed), for live mode's walks and the workers' expiry. */
struct ea_flow_table *ea_pipeline_table(struct ea_pipeline *pl);

/* The run's counters (borrowed); a caller that drops a packet itself counts it here. */
struct ea_stats *ea_pipeline_stats(struct ea_pipeline *pl);

const struct ea_ruleset *ea_pipeline_rules(const struct ea_pipeline *pl);
const struct ea_policy *ea_pipeline_policy(const struct ea_pipeline *pl);
const struct ea_flow_limits *ea_pipeline_limits(const struct ea_pipeline *pl);

/* The newest packet time seen (the packet-time clock), 0 before the first packet. */
uint64_t ea_pipeline_now(const struct ea_pipeline *pl);

/* 1 when memory ran out somewhere in the run (a flow or a finished flow was lost). */
int ea_pipeline_oom(const struct ea_pipeline *pl);

/* Marks the run as having run out of memory (ea_pipeline_oom). */
void ea_pipeline_mark_oom(struct ea_pipeline *pl);

/* Finished flows held (none when an on_finished hook takes them). */
size_t ea_pipeline_nflows(const struct ea_pipeline *pl);

/*
 * Hands the finished flows over: copies the ea_pipeline_nflows pointers to
 * 'out' (room for that many) and forgets them; the caller owns the flows.
 * Returns how many.
 */
size_t ea_pipeline_take_flows(struct ea_pipeline *pl, struct ea_flow **out);

/*
 * Hands every finished flow of 'from' to 'to' through ea_pipeline_adopt,
 * in the order 'from' kept them (live --threads: a worker's flows are
 * judged and announced by the main pipeline).
 */
void ea_pipeline_adopt_all(struct ea_pipeline *to, struct ea_pipeline *from);

/*
 * Adds the counters of 'from' to those of 'to' (ea_stats_add), its
 * out-of-memory mark, and moves to's clock on to from's when that is later:
 * a worker's share of the run, handed to the main pipeline.
 */
void ea_pipeline_absorb(struct ea_pipeline *to, const struct ea_pipeline *from);

/* Records a source name and its link type for the report. */
int ea_pipeline_add_source(struct ea_pipeline *pl, const char *name, int dlt);

/* One captured record; 'frame' is its 1-based number within its source. */
void ea_pipeline_packet(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame);

/*
 * The first half of ea_pipeline_packet: counters, the packet-time clock
 * (ea_pipeline_now) and decoding into *p, whose pointers borrow 'data' or
 * the decoder until the next call. Returns 1 when p goes on to the flow
 * stage. Expires nothing: see ea_pipeline_expiry_due.
 */
int ea_pipeline_decode(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                       int dlt, uint64_t frame, struct ea_packet *p);

/*
 * ea_pipeline_decode in its two halves, for a loop that decodes records
 * ahead of the one whose flow it looks up (runmode-files.c).
 * _count_record: the record's counters and the packet-time clock, called
 * in record order right before that record's expiry check and flow stage.
 * _decode_only: the decoding into *p (the decoder's own counters and its
 * defragmenter: called in record order too, but may run a record or two
 * ahead). A record decoded into a reassembled datagram (p->fragment) borrows
 * the decoder's buffer until the next _decode_only: nothing may be decoded
 * ahead of it.
 */
void ea_pipeline_count_record(struct ea_pipeline *pl, const struct pcap_pkthdr *h);
int ea_pipeline_decode_only(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                            int dlt, uint64_t frame, struct ea_packet *p);

/*
 * 1 once a second of packet time since the last time it said 1: the caller
 * expires idle flows now (ea_flow_table_expire at ea_pipeline_now), before
 * the decoded packet goes on to the flow stage.
 */
int ea_pipeline_expiry_due(struct ea_pipeline *pl);

/* ea_pipeline_decode, then the expiry of idle flows in pl's table when it is due. */
int ea_pipeline_prepare(struct ea_pipeline *pl, const struct pcap_pkthdr *h, const uint8_t *data,
                        int dlt, uint64_t frame, struct ea_packet *p);

/* The second half: flow lookup, counters and classification of a decoded packet. */
void ea_pipeline_flow_packet(struct ea_pipeline *pl, const struct ea_packet *p);

/* The same with hash = ea_packet_flow_hash(p), computed earlier (flow-table.h). */
void ea_pipeline_flow_packet_hashed(struct ea_pipeline *pl, const struct ea_packet *p, uint32_t hash);

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
 * the pipeline's clock, so a packet still buffered with an older stamp is not counted
 * as going back in time. A now_ns not after the clock is a no-op.
 */
void ea_pipeline_idle(struct ea_pipeline *pl, uint64_t now_ns);

/*
 * A flow that left a table, already through ea_classify_finish: judges it
 * (unless judging is deferred), calls the on_judged hook, then hands it to
 * the on_finished hook and frees it (or its release hook does:
 * ea_pipeline_on_release), or, without that hook, keeps it among
 * the finished flows (bounded by ea_pipeline_keep_flows). pl takes ownership. Used by the table's callback, and by live
 * --threads to hand a worker's finished flows to the main pipeline.
 */
void ea_pipeline_adopt(struct ea_pipeline *pl, struct ea_flow *f);

/*
 * A finished flow's JSON line, made from the flow and v's rules and
 * classifier alone (report-stream.c sets one with --json): pure, so an
 * offline --threads worker makes its flows' lines in parallel, with its own
 * classifier. malloc'ed (*len bytes, no NUL), NULL on out-of-memory.
 */
typedef char *(*ea_line_maker)(const struct ea_view *v, const struct ea_flow *f, size_t *len);

/* Sets (or clears, with NULL) pl's line maker; the getter gives it, or NULL. */
void ea_pipeline_set_line_maker(struct ea_pipeline *pl, ea_line_maker fn);
ea_line_maker ea_pipeline_line_maker(const struct ea_pipeline *pl);

/*
 * ea_pipeline_adopt with the flow's JSON line already made (line, len: the
 * line maker's, with the flow's final id; borrowed for the call): the
 * on_finished hook finds it with ea_pipeline_flow_line instead of making it.
 */
void ea_pipeline_adopt_line(struct ea_pipeline *pl, struct ea_flow *f, const char *line, size_t len);

/*
 * Who frees an adopted flow that pl does not keep (the on_finished hook took
 * it, or out of memory): fn, which owns the flow from then on, instead of
 * ea_flow_free; fn NULL restores ea_flow_free. Offline --threads hands each
 * flow back to the worker thread that allocated it (workers.c), so that it is
 * freed in that thread's own malloc arena. ctx is borrowed.
 */
void ea_pipeline_on_release(struct ea_pipeline *pl, void (*fn)(struct ea_flow *f, void *ctx), void *ctx);

/* In the on_finished hook: the line adopted with the flow (ea_pipeline_adopt_line), or NULL. */
const char *ea_pipeline_flow_line(const struct ea_pipeline *pl, size_t *len);

/* qsort comparator for an array of struct ea_flow pointers, by flow id. */
int ea_flow_id_cmp(const void *a, const void *b);

/* Flushes every flow, judges it (and hands it on), sorts kept flows by id and sets rule statuses. */
void ea_pipeline_finish(struct ea_pipeline *pl);

#endif

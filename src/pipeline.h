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
};

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

/* Ends one source: later frame numbers continue after its 'records'. */
void ea_pipeline_end_source(struct ea_pipeline *pl, uint64_t records);

/* Marks the input as partial with its error line (copied). */
void ea_pipeline_set_error(struct ea_pipeline *pl, const char *msg);

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

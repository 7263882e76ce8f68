/*
 * report-stream.h: the reports' share of a finished flow, taken as it leaves
 * the pipeline and before it is freed (SPEC-report-v2.md, Lifecycle): its
 * finding group, its JSON line (written at once), its serialized copy when it
 * is among the K smallest ids of its group or of a rule's evidence, and, with
 * --list-flows all, its record in the spool. Nothing keeps the flow itself.
 *
 * Memory: the groups, K examples per group and per rule, 24 bytes per flow
 * with --list-flows all (the records are in a temporary file).
 */
#ifndef EA_REPORT_STREAM_H
#define EA_REPORT_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "pipeline.h"

struct ea_stream_opts {
    const char *json;           /* --json PATH (written as flows finish), or NULL */
    unsigned examples;          /* K: examples per group and per rule's evidence */
    int list_all;               /* --list-flows all: every flow in <flows> and --flows */
    size_t keep;                /* live --keep-flows: listed flows kept at most (0: all) */
    uint64_t window_ns;         /* live --window: also the groups of the last window (0: none) */
};

struct ea_stream;

/*
 * A stream for the rules rs (borrowed). The --json file is made at the first
 * flow (after live mode dropped its privileges); one that cannot be made is
 * no error there: the flows run without it and ea_stream_finish says so.
 * NULL on out-of-memory (or when the spool's temporary file cannot be made).
 */
struct ea_stream *ea_stream_new(const struct ea_stream_opts *o, const struct ea_ruleset *rs);

/* Frees everything; a JSON file not finished is removed. NULL is a no-op. */
void ea_stream_free(struct ea_stream *s);

/* Makes the stream take pl's flows as they finish (ea_pipeline_on_finished). */
void ea_stream_attach(struct ea_stream *s, struct ea_pipeline *pl);

/* Time buckets of a live --window: it moves in steps of window / this. */
#define EA_STREAM_WINDOW_BUCKETS 16

/* A finished flow's texts as the reports write them; borrowed for the call. */
struct ea_stream_texts {
    const char *client, *server;    /* addresses */
    const char *app;                /* its label */
    const char *rules;              /* the ids of the rules it matched, apart by spaces */
    const char *group;              /* its finding group's key, or NULL */
};

/* Hands each finished flow, after its JSON line, to fn with its texts (--db-flows, db-run.h). */
typedef void (*ea_stream_flow_fn)(const struct ea_flow *f, const struct ea_stream_texts *t, void *ctx);
void ea_stream_on_flow(struct ea_stream *s, ea_stream_flow_fn fn, void *ctx);

/*
 * Fills the stream's part of v (groups, evidence, listed flows, K, list-all,
 * groups dropped), the rest being ea_pipeline_view's. The pointers are valid
 * until the next flow, ea_stream_view, ea_stream_draft_end or ea_stream_free.
 * With a draft of the same kind (window 0 or 1), the draft's groups; else the
 * whole run's (window 0) or none (window 1). now_ns is unused (kept for the
 * callers). Returns 0, or -1 on out-of-memory (v then lists no flow and no
 * group).
 */
int ea_stream_view(struct ea_stream *s, struct ea_view *v, int window, uint64_t now_ns);

/*
 * Live reports (live-report.c): a draft of the whole run (window 0: the
 * finished flows' groups, copied, and base's counts, copied) or of the
 * current --window (window 1: the groups and counts of the flows whose last
 * packet is in the window's buckets up to now_ns, added up: a sliding window
 * moving in steps of window / EA_STREAM_WINDOW_BUCKETS). The flows still in
 * the table are then added with ea_stream_draft_flow, judged on a copy
 * counted in ea_stream_draft_policy, and ea_stream_view shows the draft.
 * Memory: the groups and their examples, never the flows. Returns 0, or -1
 * on out-of-memory (no draft).
 */
int ea_stream_draft(struct ea_stream *s, const struct ea_policy *base, int window, uint64_t now_ns);

/* The draft's counts (owned by the stream, until ea_stream_draft_end), or NULL without a draft. */
struct ea_policy *ea_stream_draft_policy(struct ea_stream *s);

/*
 * A flow still in the table, judged provisionally (v gives the rules and the
 * classifier): grouped in the draft and offered as its example, as a
 * finished flow would be. It must already be counted in the draft's policy.
 */
void ea_stream_draft_flow(struct ea_stream *s, const struct ea_view *v, const struct ea_flow *f);

/* Frees the draft (and the view that showed it). No operation without one. */
void ea_stream_draft_end(struct ea_stream *s);

/* The start of the current --window at now_ns: the first bucket's start (packet time). */
uint64_t ea_stream_window_start(const struct ea_stream *s, uint64_t now_ns);

/*
 * Ends the JSON lines: the rule, pack, group and summary lines of v, then the
 * file is renamed into place. Without --json, 0 at once. On error (the file
 * could not be opened or written) returns -1 with one line in err.
 */
int ea_stream_finish(struct ea_stream *s, const struct ea_view *v, char *err, size_t errlen);

/* 1 when memory ran out somewhere in the stream (a group or an example was lost). */
int ea_stream_oom(const struct ea_stream *s);

#endif

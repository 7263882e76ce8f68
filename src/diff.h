/* diff.h: `edgeaudit diff OLD.xml NEW.xml`: what changed since a baseline report (issue 16). */
#ifndef EA_DIFF_H
#define EA_DIFF_H

#include <stdint.h>
#include "report-read.h"

struct ea_accept;

/* What a comparison found. */
struct ea_diff_counts {
    uint64_t added;             /* groups of NEW whose key OLD has not */
    uint64_t added_findings;    /* of them: unexpected, or blocked on a port a rule requires */
    uint64_t persisting;        /* groups of NEW whose key OLD has too */
    uint64_t resolved;          /* groups of OLD whose key NEW has not */
    uint64_t rules_changed;     /* rules whose status differs (a rule only on one side included) */
    uint64_t rules_worse;       /* of them: worse (observed/unconfigured/absent < not-observed < blocked) */
    int findings;               /* NEW has findings, its accepted groups (--accept) left out */
};

/*
 * Compares NEW with the baseline OLD (both read by ea_report_read). *out
 * becomes a copy of NEW (caller frees with ea_rr_node_free) in which every
 * group has change="new" or change="persisting" (by key), with a
 * <changes baseline="BASELINE"> element after the summary listing the
 * groups of OLD that are gone (<resolved>) and the rule status changes
 * (<rule-change id from to worse>); a <changes> NEW had is replaced. It
 * lists the flows examples and evidence name (list-flows="examples"), also
 * when NEW listed every flow.
 * Fills *c. Returns 0, or -1 on out-of-memory (*out NULL).
 */
int ea_diff_reports(const struct ea_report *old, const struct ea_report *cur, const char *baseline,
                    struct ea_rr_node **out, struct ea_diff_counts *c);

/* Rank of a rule status for "worse": observed, unconfigured and absent (NULL) 0, not-observed 1, blocked 2. */
int ea_diff_status_rank(const char *status);

/* The terminal lines of a comparison (ea_diff_reports' tree) against the baseline old, on
 * standard output, the first after "edgeaudit WHO:" ("edgeaudit:" when who is NULL). */
void ea_diff_print(const struct ea_rr_node *root, const char *old, const char *who);

/* A run compared with a baseline (--baseline): what it wrote; the strings are borrowed. */
struct ea_diff_run {
    const char *baseline;       /* OLD.xml */
    const char *xml;            /* the run's XML report: rewritten in place with the changes */
    const char *html;           /* rendered again from it, or NULL */
    const char *json;           /* the changes' JSON lines appended, or NULL */
    const char *datadir;        /* --datadir, or NULL */
    int quiet;                  /* no terminal lines */
    const struct ea_report *old;    /* the baseline read already (ea_diff_baseline_load), or NULL */
    const char *src;            /* the report to compare when it is not xml itself (live: a
                                   temporary file renamed over nothing), or NULL */
    struct ea_accept *accept;   /* --accept FILE (accept.h), or NULL; baseline may then be NULL */
    int64_t accept_now_ns;      /* expiries are judged at the capture's end; this when it has none */
};

/*
 * Reads the baseline OLD.xml as an untrusted report (schema, keys), once,
 * before a run: live mode compares every report with it, after privileges
 * were dropped. Returns it (free with ea_report_free) or NULL with one line
 * "--baseline: ..." in err.
 */
struct ea_report *ea_diff_baseline_load(const char *path, const char *datadir, char *err, size_t errlen);

/*
 * After a run: compares its XML report with the baseline (both read as
 * untrusted reports; run->old when given), rewrites the report (read from
 * run->src when given, else in place), streaming, with
 * change= on each group and <changes> after the summary, renders the HTML
 * again, appends the JSON lines ("group-change" per group, "resolved",
 * "rule-change", "changes") and prints the terminal lines. With run->accept
 * (accept.c) the run's groups are first marked accepted or expired, with
 * <acceptances> after the summary (and JSON lines "group-accept", "entry",
 * "acceptances"); a new group that is accepted is no new finding. Without a
 * baseline only the acceptance is applied. Fills *c.
 * Returns 0; -2 when the baseline or the report cannot be read (or out of
 * memory), -1 when a report cannot be written; with one line "edgeaudit:
 * --baseline: ..." on stderr.
 */
int ea_diff_baseline(const struct ea_diff_run *run, struct ea_diff_counts *c);

/*
 * The diff command: argv[0] is "diff", then options, OLD and NEW. Returns
 * the exit code: 0 nothing to report, 1 findings (with --fail-on any, the
 * default: NEW has findings; with --fail-on new: a new finding group or a
 * rule got worse), 2 usage or input error, 3 report not written.
 */
int ea_diff_main(int argc, char **argv);

#endif

/* merge.h: `edgeaudit merge`: several XML reports (version 2, finding groups) into one audit. */
#ifndef EA_MERGE_H
#define EA_MERGE_H

#include <stddef.h>
#include "report-read.h"

/*
 * Merges n reports (n >= 1, read by ea_report_read, judged against the same
 * rules: see ea_merge_same_rules) into *out, a new report tree the caller
 * frees with ea_rr_node_free. The result does not depend on the order of
 * in[]: the inputs are put in an order of their content first.
 *  - Flows named by examples or evidence are renumbered 1..M by first time,
 *    ties by their content (never by input order).
 *  - Groups with the same key add up: flows, packets, bytes summed, first
 *    and last widened, initiators united (exact while every input listed all
 *    of its own, else a lower bound with initiators-capped="yes"), scan
 *    groups' port ranges united; examples the k smallest merged ids.
 *  - Rules: counters summed, the best status (observed > blocked >
 *    not-observed > unconfigured), evidence the k smallest merged ids.
 *  - Capture counters, loss and the summary's counts summed; the summary's
 *    statuses and result from the merged rules.
 * k is cut to the smallest summary/@examples of the inputs (what every input
 * could list). Returns 1 when the merged audit has findings, 0 when it is
 * compliant, -1 on out-of-memory (*out NULL). The inputs are only read.
 */
int ea_merge_reports(struct ea_report *const *in, size_t n, unsigned k, struct ea_rr_node **out);

/*
 * Checks that every group's key is the key of its fields (group.h): a merge
 * adds up groups by key, so a report whose keys lie is refused. 0, or -1
 * with one line "PATH: cause" in err.
 */
int ea_merge_check_keys(const struct ea_report *r, const char *path, char *err, size_t errlen);

/* 1 when b's rules are a's (same ids, roles, transports, ports, protocols, packs, in order). */
int ea_merge_same_rules(const struct ea_report *a, const struct ea_report *b);

/*
 * The union of two port-range lists ("1-442,444,446-5060"), written into
 * out (outlen bytes) as one sorted list of disjoint ranges; the number of
 * ports in it, or -1 on out-of-memory or when out is too small.
 */
long ea_merge_port_ranges(const char *a, const char *b, char *out, size_t outlen);

/* Where `edgeaudit merge` and `edgeaudit diff` write their report (the strings are argv's). */
struct ea_merge_outputs {
    const char *xml, *html, *json;
    const char *datadir;        /* --datadir, or NULL */
    int deterministic;
};

/*
 * The long options of those outputs, which merge and diff share (getopt
 * codes 'x', 'H', 'j', 'd', 'q', 'D', 'h'), for a struct option table.
 * ea_merge_output_opt takes one of them, code c with its argument arg,
 * into *o (or *quiet): 1 when c was one of them ('h' is not), else 0.
 */
#define EA_MERGE_OUTPUT_OPTIONS \
    { "xml", required_argument, NULL, 'x' },     { "html", required_argument, NULL, 'H' }, \
    { "json", required_argument, NULL, 'j' },    { "deterministic", no_argument, NULL, 'd' }, \
    { "quiet", no_argument, NULL, 'q' },         { "datadir", required_argument, NULL, 'D' }, \
    { "help", no_argument, NULL, 'h' }
int ea_merge_output_opt(int c, const char *arg, struct ea_merge_outputs *o, int *quiet);

/*
 * Stamps root (generator; created and host unless deterministic) and writes
 * it as every output asks: XML, HTML through reports/edgeaudit.xsl, JSON
 * lines. Returns 0; -1 when a file could not be written, -2 on
 * out-of-memory, with one line "edgeaudit WHO: PATH: cause" on stderr.
 */
int ea_merge_write(const struct ea_merge_outputs *o, struct ea_rr_node *root, const char *who);

/*
 * The merge command: argv[0] is "merge", then options and the reports.
 * Reads and validates every report (reports/edgeaudit-report.rng); refuses
 * reports judged against different rules, and any with a DOCTYPE. Returns
 * the exit code: 0 compliant, 1 findings, 2 usage or input error, 3 report
 * not written.
 */
int ea_merge_main(int argc, char **argv);

#endif

/* merge.h: `edgeaudit merge`: several XML reports into one audit. */
#ifndef EA_MERGE_H
#define EA_MERGE_H

/*
 * The merge command: argv[0] is "merge", then options and the reports.
 * Reads and validates every report (reports/edgeaudit-report.rng); refuses
 * reports judged against different rules. Flows are united and renumbered
 * by first time (then input order), rule counters summed and statuses
 * recomputed (observed beats blocked beats not-observed beats
 * unconfigured), evidence rewritten to the new ids, capture counters and
 * loss summed. The summary's verdict counts and blocked-required are the
 * sums of the inputs' (which also count the flows a live report no longer
 * lists), its statuses those of the merged rules, and result and exit code
 * follow from them. A report with a DOCTYPE is refused. Returns the exit
 * code: 0 compliant, 1 findings, 2 usage or input error, 3 report not
 * written.
 */
int ea_merge_main(int argc, char **argv);

#endif

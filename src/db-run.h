/* db-run.h: recording one run (offline or live) into the database of runs (db.h). */
#ifndef EA_DB_RUN_H
#define EA_DB_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"
#include "pipeline.h"

/* What a run says about itself beyond its view; everything borrowed. */
struct ea_db_run_info {
    const char *sensor;         /* --sensor, or the host name */
    int live;                   /* -i: the sources are the interface */
    int exit_code;              /* the run's exit code (0 compliant, 1 findings, ...) */
    const char *report;         /* the run's XML report, as written to --xml */
    size_t report_len;
    int with_flows;             /* --db-flows: every listed flow too */
};

/*
 * Records the run in one transaction: a runs row (sensor, sources, time
 * span, loss, counters, verdict counts, result and the report), a
 * rule_status row per rule, and with_flows a flows row per flow of the
 * view (a bulk insert: one prepared statement on SQLite, COPY on
 * PostgreSQL). The database's schema must be checked (ea_db_check) first.
 * Returns 0 with the new run's id in *run_id, or -1 with one line in err
 * (nothing is recorded then).
 */
int ea_db_record_run(struct ea_db *db, const struct ea_view *v, const struct ea_db_run_info *ri,
                     int64_t *run_id, char *err, size_t errlen);

/*
 * The finding groups of report v2 (<findings><group>, with their examples)
 * into finding_groups and group_examples of run 'run_id', and their number
 * into runs.finding_groups; read as a stream that stops at <flows>: the
 * report is the source of truth. A report without <findings> (v1) records
 * none and leaves runs.finding_groups NULL. Inside the caller's
 * transaction. 0, or -1 with one line in err.
 */
int ea_db_record_groups(struct ea_db *db, int64_t run_id, const char *xml, size_t len,
                        char *err, size_t errlen);

/* The default sensor name, the host name, into buf (n bytes); "unknown" if it has none. */
const char *ea_db_default_sensor(char *buf, size_t n);

#endif

/* db-run.h: recording one run (offline or live) into the database of runs (db.h). */
#ifndef EA_DB_RUN_H
#define EA_DB_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"
#include "db-flows.h"
#include "pipeline.h"

/* What a run says about itself beyond its view; everything borrowed. */
struct ea_db_run_info {
    const char *sensor;         /* --sensor, or the host name */
    int live;                   /* -i: the sources are the interface */
    int exit_code;              /* the run's exit code (0 compliant, 1 findings, ...) */
    const char *report;         /* the run's XML report, as written to --xml */
    size_t report_len;
    struct ea_db_flows *flows;  /* --db-flows: the flows finished and not yet stored, or NULL */
    int64_t run_id;             /* 0: a new run; else this run recorded again (live mode) */
};

/*
 * Records the run in one transaction: a runs row (sensor, sources, time
 * span, loss, counters, verdict counts, result and the report), a
 * rule_status row per rule, the groups of its report (ea_db_record_report)
 * and, with ri->flows, the flows waiting there (ea_db_flows_put: a bulk
 * insert, one prepared statement on SQLite, COPY on PostgreSQL; forgotten
 * once committed). The database's schema must be checked (ea_db_check) first.
 * With ri->run_id set (live mode, each interval and at the end), that run's
 * row is updated, its rule statuses and groups replaced and the flows
 * finished since the last record added: a run is one row however often it
 * is recorded.
 * Returns 0 with the run's id in *run_id, or -1 with one line in err
 * (nothing is recorded or changed then).
 */
int ea_db_record_run(struct ea_db *db, const struct ea_view *v, const struct ea_db_run_info *ri,
                     int64_t *run_id, char *err, size_t errlen);

/* A run's XML report, and what to record of it; the bytes borrowed. */
struct ea_db_report {
    const char *xml;
    size_t len;
};

/*
 * Records what the run's own XML report holds (it is the source of truth),
 * read as a stream: the finding groups of report v2 (<findings><group>, key
 * and attributes) into finding_groups, their examples into group_examples,
 * their number into runs.finding_groups (NULL for a v1 report, which has
 * none); it stops at <flows> (the flows table is db-flows.c's). Inside the
 * caller's transaction. 0, or -1 with one line in err.
 */
int ea_db_record_report(struct ea_db *db, int64_t run_id, const struct ea_db_report *rep,
                        char *err, size_t errlen);

/*
 * A run's database session (--db): the connection, and in live mode the
 * run's row once recorded and the interval records tried and failed; with
 * --db-flows the flows finished and not yet stored (ea_db_session_flow).
 * Fill target, sensor (or NULL: the host name), live, with_flows and quiet,
 * zero the rest; ea_db_session_end releases it.
 */
struct ea_db_session {
    const char *target;         /* borrowed */
    const char *sensor;         /* borrowed, or NULL */
    int live, with_flows, quiet;
    struct ea_db *db;           /* owned, NULL while not connected */
    struct ea_db_flows *flows;  /* owned, with_flows only */
    int64_t run_id;             /* the run's row once recorded, else 0 */
    unsigned tries, fails;      /* live: interval records tried, failed */
    char host[256];
};

/*
 * Connects and checks the schema (a new SQLite file gets it). Returns 0
 * (connected, or not reachable: one line said, the run goes on and tries
 * again later), or -1 when the schema is not this program's or --db-flows
 * has no temporary file (one line said: the run must not start, exit 4).
 */
int ea_db_session_start(struct ea_db_session *s);

/*
 * --db-flows: flow f finished (the report stream's hook, ea_stream_on_flow, with its
 * texts): its row waits for the next record.
 */
void ea_db_session_flow(const struct ea_flow *f, const struct ea_stream_texts *t, void *session);

/*
 * Records the run as the view and its XML report show it now, with exit
 * code 'code': a new row the first time, the same row again after that
 * (live). On failure it connects afresh once and tries again (a server
 * restarted since). 0, or -1 with one line said (nothing recorded: a later
 * call records the whole run again).
 */
int ea_db_session_record(struct ea_db_session *s, const struct ea_view *v, const char *xml, size_t len,
                         int code);

/* Closes the connection and frees the waiting flows; with interval records that failed, one line says how many. */
void ea_db_session_end(struct ea_db_session *s);

/* The default sensor name, the host name, into buf (n bytes); "unknown" if it has none. */
const char *ea_db_default_sensor(char *buf, size_t n);

#endif

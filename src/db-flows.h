/* db-flows.h: --db-flows: every finished flow as a row of the flows table, held until its run is recorded. */
#ifndef EA_DB_FLOWS_H
#define EA_DB_FLOWS_H

#include <stddef.h>
#include <stdint.h>
#include "db.h"
#include "flow.h"
#include "report-stream.h"

/*
 * Rows wait in a temporary file (like the JSON lines, nothing of a flow
 * stays in memory once it finished): ea_db_flows_add writes one as each flow
 * finishes, ea_db_flows_put inserts the waiting ones into the run's
 * transaction in bulk (one reused prepared INSERT on SQLite, COPY on
 * PostgreSQL), and ea_db_flows_stored forgets them once that transaction is
 * committed. A record that failed keeps them for the next one (live mode):
 * every flow is stored once, none lost, none doubled.
 */
struct ea_db_flows;

/* An empty set of rows; NULL on out-of-memory or when no temporary file can be made. */
struct ea_db_flows *ea_db_flows_new(void);

/* Frees the rows and the file. NULL is a no-op. */
void ea_db_flows_free(struct ea_db_flows *fl);

/*
 * The row of flow f (t: its texts as the reports write them), written to the
 * file. A write that fails marks the set failed (ea_db_flows_put then says
 * so); no error here.
 */
void ea_db_flows_add(struct ea_db_flows *fl, const struct ea_flow *f, const struct ea_stream_texts *t);

/* Rows waiting (added and not yet stored). */
uint64_t ea_db_flows_waiting(const struct ea_db_flows *fl);

/*
 * Inserts the waiting rows as flows of run run_id, inside the caller's
 * transaction. 0, or -1 with one line in err (the rows still wait).
 */
int ea_db_flows_put(struct ea_db_flows *fl, struct ea_db *db, int64_t run_id, char *err, size_t errlen);

/* The transaction of the last ea_db_flows_put was committed: its rows are forgotten. */
void ea_db_flows_stored(struct ea_db_flows *fl);

#endif

/* db-cmd.h: the subcommands of the database of runs: db init|upgrade, runs, report --db. */
#ifndef EA_DB_CMD_H
#define EA_DB_CMD_H

/*
 * edgeaudit db init [--schema-version N] TARGET | db upgrade TARGET.
 * argv[0] is "db". Returns the exit code: 0 done, 2 usage or database
 * error, 4 (EA_EXIT_SCHEMA) when the schema is newer than this program's.
 */
int ea_db_cmd_main(int argc, char **argv);

/*
 * edgeaudit runs --db TARGET [--sensor S]... [--since T] [--until T]:
 * one line per stored run on standard output. argv[0] is "runs". Returns
 * 0, 2 on a usage or database error, 4 on a schema not this program's.
 */
int ea_runs_main(int argc, char **argv);

/*
 * edgeaudit report --db TARGET [--sensor S]... [--since T] [--until T]
 * [--xml F] [--html F] [--json F] [--examples K] [--deterministic] [--quiet]
 * [--datadir D]: the
 * audit over the chosen runs, written exactly as `edgeaudit merge` writes
 * the merge of those runs' XML reports (the reports stored with each run
 * are merged, in order of sensor, then of recording). argv[0] is "report". Returns merge's exit code (0
 * compliant, 1 findings, 2 usage or input error, 3 report not written),
 * 2 when no run is chosen, 4 on a schema not this program's.
 */
int ea_report_db_main(int argc, char **argv);

#endif

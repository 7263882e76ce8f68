/* db.h: the database of runs (issue 16): one interface, two backends (SQLite, PostgreSQL). */
#ifndef EA_DB_H
#define EA_DB_H

#include <stddef.h>
#include <stdint.h>

/*
 * A target is a PostgreSQL connection string when it begins with
 * "postgresql://", "postgres://" or is a libpq key=value string naming a
 * "service=" or "dbname=" (libpq then reads its service and password files
 * as usual); anything else is the path of an SQLite database file.
 *
 * Every statement is parameterised: values travel apart from the SQL text
 * ($1, $2, ... in the SQL, for both backends). Error lines never hold a
 * password: targets are shown through ea_db_redact.
 */

/* The schema this program reads and writes (see ea_db_init, ea_db_upgrade and db.c). */
#define EA_DB_SCHEMA_VERSION 2

/* Returned by ea_db_check when the schema is not this program's. */
#define EA_DB_SCHEMA_OLD   (-2)
#define EA_DB_SCHEMA_NEWER (-3)
#define EA_DB_SCHEMA_NONE  (-4)

enum ea_db_type { EA_DB_NULL = 0, EA_DB_INT, EA_DB_TEXT, EA_DB_BLOB };

/* One parameter; text and blob bytes are borrowed for the call. */
struct ea_db_val {
    enum ea_db_type type;
    int64_t i;
    const void *p;
    size_t len;
};

/* One statement: its SQL text ($1..$np) and its np parameters, all borrowed for the call. */
struct ea_db_stmt {
    const char *sql;
    const struct ea_db_val *p;
    size_t np;
};
#define EA_DB_STMT(sql, p, np) (&(struct ea_db_stmt){ (sql), (p), (np) })

/* Constructors; a NULL text is SQL NULL. */
struct ea_db_val ea_db_int(int64_t i);
struct ea_db_val ea_db_text(const char *s);
struct ea_db_val ea_db_blob(const void *p, size_t len);

/*
 * One result row: ncols values; vals[i] is NUL-terminated (lens[i] bytes
 * before the NUL; a blob may hold NULs) or NULL for SQL NULL. Integers come
 * as decimal text. Borrowed for the call. Return 0 to go on; anything else
 * stops the statement and is what the exec call returns.
 */
typedef int (*ea_db_row_fn)(void *ctx, size_t ncols, const char *const *vals, const size_t *lens);

/* What each backend provides (db-sqlite.c, db-pg.c); h is the backend's handle. */
struct ea_db_backend {
    const char *name;           /* "sqlite", "postgresql" */
    const char *id_type;        /* an auto-numbered 64-bit primary key column type */
    const char *blob_type;      /* a byte-string column type */
    /* Opens target; NULL with one line in err (never a password). */
    void *(*open)(const char *target, char *err, size_t errlen);
    void (*close)(void *h);     /* NULL is a no-op */
    /* One statement with parameters; rows (if any) to fn. 0, fn's non-zero, or -1 with err. */
    int (*exec)(void *h, const struct ea_db_stmt *st, ea_db_row_fn fn, void *ctx,
                char *err, size_t errlen);
    /* Many rows into one table: a prepared insert (SQLite) or COPY (PostgreSQL). */
    int (*bulk_begin)(void *h, const char *table, const char *const *cols, size_t ncols,
                      char *err, size_t errlen);
    int (*bulk_row)(void *h, const struct ea_db_val *v, size_t n, char *err, size_t errlen);
    int (*bulk_end)(void *h, char *err, size_t errlen);
};

extern const struct ea_db_backend ea_db_sqlite_backend;
extern const struct ea_db_backend ea_db_pg_backend;

struct ea_db;

/* 1 when target names PostgreSQL, 0 for an SQLite file. */
int ea_db_is_pg(const char *target);

/*
 * target with any password replaced by "***" (the userinfo of a URI, a
 * password= key), into out (n bytes, always NUL-terminated). Returns out.
 */
const char *ea_db_redact(const char *target, char *out, size_t n);

/* Connects. NULL with one line in err (the target redacted). Close with ea_db_close. */
struct ea_db *ea_db_open(const char *target, char *err, size_t errlen);
void ea_db_close(struct ea_db *db);            /* NULL is a no-op; a transaction left open is rolled back */

/* "sqlite" or "postgresql". */
const char *ea_db_backend_name(const struct ea_db *db);

/* One parameterised statement (see struct ea_db_backend exec). */
int ea_db_exec(struct ea_db *db, const struct ea_db_stmt *st, ea_db_row_fn fn, void *ctx,
               char *err, size_t errlen);

/* The first column of the first row as a number into *out (0 when no row). 0, or -1 with err. */
int ea_db_query_int(struct ea_db *db, const struct ea_db_stmt *st, int64_t *out, char *err, size_t errlen);

/* Transactions: 0, or -1 with err. ea_db_rollback never fails loudly. */
int ea_db_begin(struct ea_db *db, char *err, size_t errlen);
int ea_db_commit(struct ea_db *db, char *err, size_t errlen);
void ea_db_rollback(struct ea_db *db);

/* Bulk rows into one table (inside a transaction); see struct ea_db_backend. */
int ea_db_bulk_begin(struct ea_db *db, const char *table, const char *const *cols, size_t ncols,
                     char *err, size_t errlen);
int ea_db_bulk_row(struct ea_db *db, const struct ea_db_val *v, size_t n, char *err, size_t errlen);
int ea_db_bulk_end(struct ea_db *db, char *err, size_t errlen);

/*
 * The schema's version into *version: 0 when the database has no
 * schema_version table (an empty database). 0, or -1 with err.
 */
int ea_db_version(struct ea_db *db, int *version, char *err, size_t errlen);

/*
 * Creates the schema at 'version' (1..EA_DB_SCHEMA_VERSION; older versions
 * exist for upgrade tests) in an empty database, in one transaction.
 * Refuses (-1, err) a database that already has a schema.
 */
int ea_db_init(struct ea_db *db, int version, char *err, size_t errlen);

/*
 * Migrates an older schema to EA_DB_SCHEMA_VERSION, one step per version,
 * in one transaction; *from gets the version found. 0 (also when already
 * current), or -1 with err (nothing changed).
 */
int ea_db_upgrade(struct ea_db *db, int *from, char *err, size_t errlen);

/*
 * 0 when the schema is this program's; EA_DB_SCHEMA_OLD (run `edgeaudit db
 * upgrade`), EA_DB_SCHEMA_NEWER, EA_DB_SCHEMA_NONE (run `edgeaudit db
 * init`), each with one line in err; -1 on a database error.
 */
int ea_db_check(struct ea_db *db, char *err, size_t errlen);

/*
 * Parses a time (--since/--until, the reports' times): "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]][Z]"
 * (also with a space for the T), always UTC, into ns since the epoch.
 * 0, -1 when s is not such a time, -2 when it is one but later than 64-bit
 * nanoseconds reach (2262-04-11T23:47:16Z).
 */
int ea_db_parse_time(const char *s, int64_t *ns);

#endif

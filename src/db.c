/* db.c: the backend-independent half of the database of runs: connection, transactions, schema. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "db.h"

struct ea_db {
    const struct ea_db_backend *be;
    void *h;
    int in_tx;
};

struct ea_db_val ea_db_int(int64_t i)
{
    struct ea_db_val v = { EA_DB_INT, i, NULL, 0 };
    return v;
}

struct ea_db_val ea_db_text(const char *s)
{
    struct ea_db_val v = { s ? EA_DB_TEXT : EA_DB_NULL, 0, s, s ? strlen(s) : 0 };
    return v;
}

struct ea_db_val ea_db_blob(const void *p, size_t len)
{
    struct ea_db_val v = { EA_DB_BLOB, 0, p, len };
    return v;
}

int ea_db_is_pg(const char *target)
{
    return strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0 ||
           strncmp(target, "service=", 8) == 0 || strncmp(target, "dbname=", 7) == 0 ||
           strstr(target, " dbname=") || strstr(target, " service=");
}

/* URI form: scheme://user:PASSWORD@host... and ?password=... */
static void redact_uri(char *s)
{
    char *at = strchr(s, '@'), *sl = strstr(s, "://");
    if (at && sl && at > sl) {
        char *colon = memchr(sl + 3, ':', (size_t)(at - (sl + 3)));
        if (colon && at - colon > 1) {
            memmove(colon + 4, at, strlen(at) + 1);
            memset(colon + 1, '*', 3);
        }
    }
}

/* key=value form and URI query: password=VALUE up to a space or '&'. */
static void redact_keys(char *s)
{
    for (char *p = strstr(s, "password="); p; p = strstr(p + 1, "password=")) {
        char *v = p + 9, *end = v + strcspn(v, " &");
        if (end - v > 3) {
            memmove(v + 3, end, strlen(end) + 1);
            memset(v, '*', 3);
        } else {
            memset(v, '*', (size_t)(end - v));
        }
    }
}

const char *ea_db_redact(const char *target, char *out, size_t n)
{
    if (n == 0)
        return out;
    snprintf(out, n, "%s", target);
    if (ea_db_is_pg(out)) {
        redact_uri(out);
        redact_keys(out);
    }
    return out;
}

struct ea_db *ea_db_open(const char *target, char *err, size_t errlen)
{
    struct ea_db *db = calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    db->be = ea_db_is_pg(target) ? &ea_db_pg_backend : &ea_db_sqlite_backend;
    db->h = db->be->open(target, err, errlen);
    if (!db->h) {
        free(db);
        return NULL;
    }
    return db;
}

void ea_db_close(struct ea_db *db)
{
    if (!db)
        return;
    if (db->in_tx)
        ea_db_rollback(db);
    db->be->close(db->h);
    free(db);
}

const char *ea_db_backend_name(const struct ea_db *db)
{
    return db->be->name;
}

int ea_db_exec(struct ea_db *db, const struct ea_db_stmt *st, ea_db_row_fn fn, void *ctx,
               char *err, size_t errlen)
{
    return db->be->exec(db->h, st, fn, ctx, err, errlen);
}

static int first_int(void *ctx, size_t ncols, const char *const *vals, const size_t *lens)
{
    (void)lens;
    if (ncols > 0 && vals[0])
        *(int64_t *)ctx = strtoll(vals[0], NULL, 10);
    return 1;   /* the first row only */
}

int ea_db_query_int(struct ea_db *db, const struct ea_db_stmt *st, int64_t *out, char *err, size_t errlen)
{
    *out = 0;
    return ea_db_exec(db, st, first_int, out, err, errlen) < 0 ? -1 : 0;
}

int ea_db_begin(struct ea_db *db, char *err, size_t errlen)
{
    /* SQLite: take the write lock now, so that a busy writer is waited for, never a deadlock. */
    const char *sql = strcmp(db->be->name, "sqlite") == 0 ? "BEGIN IMMEDIATE" : "BEGIN";
    if (ea_db_exec(db, EA_DB_STMT(sql, NULL, 0), NULL, NULL, err, errlen) != 0)
        return -1;
    db->in_tx = 1;
    return 0;
}

int ea_db_commit(struct ea_db *db, char *err, size_t errlen)
{
    int rc = ea_db_exec(db, EA_DB_STMT("COMMIT", NULL, 0), NULL, NULL, err, errlen);
    if (rc != 0)
        ea_db_rollback(db);
    db->in_tx = 0;
    return rc == 0 ? 0 : -1;
}

void ea_db_rollback(struct ea_db *db)
{
    char err[256];
    (void)ea_db_exec(db, EA_DB_STMT("ROLLBACK", NULL, 0), NULL, NULL, err, sizeof(err));
    db->in_tx = 0;
}

int ea_db_bulk_begin(struct ea_db *db, const char *table, const char *const *cols, size_t ncols,
                     char *err, size_t errlen)
{
    return db->be->bulk_begin(db->h, table, cols, ncols, err, errlen);
}

int ea_db_bulk_row(struct ea_db *db, const struct ea_db_val *v, size_t n, char *err, size_t errlen)
{
    return db->be->bulk_row(db->h, v, n, err, errlen);
}

int ea_db_bulk_end(struct ea_db *db, char *err, size_t errlen)
{
    return db->be->bulk_end(db->h, err, errlen);
}

/*
 * The schema, one list of statements per version step. @ID@ and @BLOB@
 * stand for the backend's auto-numbered key and byte-string types. Times
 * are nanoseconds since the epoch (UTC), as in the reports' counters.
 * Step 1 is the first schema (runs and rule statuses); step 2 adds the
 * finding groups of report v2, their examples and the flows (--db-flows).
 */
static const char *const schema_v1[] = {
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "CREATE TABLE runs (id @ID@, sensor TEXT NOT NULL, sources TEXT NOT NULL, "
    "live INTEGER NOT NULL, recorded TEXT NOT NULL, first_ns BIGINT, last_ns BIGINT, "
    "packets BIGINT NOT NULL, bytes BIGINT NOT NULL, flows BIGINT NOT NULL, "
    "malformed BIGINT NOT NULL, flows_evicted BIGINT NOT NULL, "
    "received BIGINT, dropped BIGINT, if_dropped BIGINT, incomplete INTEGER NOT NULL, "
    "partial INTEGER NOT NULL, error TEXT, "
    "allowed BIGINT NOT NULL, unverified BIGINT NOT NULL, unexpected BIGINT NOT NULL, "
    "blocked BIGINT NOT NULL, out_of_scope BIGINT NOT NULL, blocked_required BIGINT NOT NULL, "
    "result TEXT NOT NULL, exit_code INTEGER NOT NULL, generator TEXT NOT NULL, "
    "report @BLOB@ NOT NULL)",
    "CREATE INDEX runs_sensor_time ON runs (sensor, first_ns)",
    "CREATE TABLE rule_status (run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
    "rule_id TEXT NOT NULL, pack TEXT NOT NULL, status TEXT NOT NULL, "
    "allowed BIGINT NOT NULL, unverified BIGINT NOT NULL, blocked BIGINT NOT NULL, "
    "violations BIGINT NOT NULL, bytes BIGINT NOT NULL, first_ns BIGINT, last_ns BIGINT, "
    "PRIMARY KEY (run_id, rule_id))",
    NULL
};

static const char *const schema_v2[] = {
    "ALTER TABLE runs ADD COLUMN finding_groups BIGINT",
    "CREATE TABLE finding_groups (run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
    "key TEXT NOT NULL, verdict TEXT NOT NULL, reason_code TEXT NOT NULL, rules TEXT NOT NULL, "
    "transport TEXT NOT NULL, responder TEXT NOT NULL, port INTEGER, app TEXT NOT NULL, "
    "scan INTEGER NOT NULL, initiator TEXT, port_ranges TEXT, "
    "flows BIGINT NOT NULL, packets BIGINT NOT NULL, bytes BIGINT NOT NULL, "
    "initiators BIGINT NOT NULL, initiators_capped INTEGER NOT NULL, "
    "first_ns BIGINT, last_ns BIGINT, first_frame BIGINT, last_frame BIGINT, reason TEXT, "
    "PRIMARY KEY (run_id, key))",
    "CREATE TABLE group_examples (run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
    "key TEXT NOT NULL, flow_id BIGINT NOT NULL, client TEXT NOT NULL, client_port INTEGER, "
    "first_frame BIGINT, last_frame BIGINT, reason TEXT, PRIMARY KEY (run_id, key, flow_id))",
    "CREATE TABLE flows (run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, "
    "flow_id BIGINT NOT NULL, transport TEXT NOT NULL, client TEXT NOT NULL, "
    "client_port INTEGER NOT NULL, server TEXT NOT NULL, server_port INTEGER NOT NULL, "
    "vlan INTEGER NOT NULL, first_ns BIGINT NOT NULL, last_ns BIGINT NOT NULL, "
    "first_frame BIGINT NOT NULL, last_frame BIGINT NOT NULL, "
    "packets_c2s BIGINT NOT NULL, packets_s2c BIGINT NOT NULL, "
    "bytes_c2s BIGINT NOT NULL, bytes_s2c BIGINT NOT NULL, app TEXT NOT NULL, "
    "app_source TEXT NOT NULL, sni TEXT, verdict TEXT NOT NULL, reason_code TEXT NOT NULL, "
    "rules TEXT NOT NULL, reason TEXT, group_key TEXT, PRIMARY KEY (run_id, flow_id))",
    NULL
};

static const char *const *const schema_steps[EA_DB_SCHEMA_VERSION] = { schema_v1, schema_v2 };

/* sql with @ID@ and @BLOB@ replaced by the backend's types, into out (n bytes). -1 if too long. */
static int expand(const struct ea_db_backend *be, const char *sql, char *out, size_t n)
{
    size_t at = 0;
    while (*sql) {
        const char *sub = NULL;
        size_t skip = 1;
        if (strncmp(sql, "@ID@", 4) == 0)
            sub = be->id_type, skip = 4;
        else if (strncmp(sql, "@BLOB@", 6) == 0)
            sub = be->blob_type, skip = 6;
        size_t l = sub ? strlen(sub) : 1;
        if (at + l + 1 > n)
            return -1;
        memcpy(out + at, sub ? sub : sql, l);
        at += l;
        sql += skip;
    }
    out[at] = '\0';
    return 0;
}

/* Runs the statements of steps from+1..to; the caller holds a transaction. */
static int run_steps(struct ea_db *db, int from, int to, char *err, size_t errlen)
{
    char sql[2048];
    for (int v = from + 1; v <= to; v++)
        for (const char *const *s = schema_steps[v - 1]; *s; s++) {
            if (expand(db->be, *s, sql, sizeof(sql)) != 0) {
                snprintf(err, errlen, "schema statement too long");
                return -1;
            }
            if (ea_db_exec(db, EA_DB_STMT(sql, NULL, 0), NULL, NULL, err, errlen) != 0)
                return -1;
        }
    struct ea_db_val p = ea_db_int(to);
    const char *set = from == 0 ? "INSERT INTO schema_version (version) VALUES ($1)"
                                : "UPDATE schema_version SET version = $1";
    return ea_db_exec(db, EA_DB_STMT(set, &p, 1), NULL, NULL, err, errlen) == 0 ? 0 : -1;
}

static int has_table(void *ctx, size_t ncols, const char *const *vals, const size_t *lens)
{
    (void)ncols, (void)vals, (void)lens;
    *(int *)ctx = 1;
    return 1;
}

int ea_db_version(struct ea_db *db, int *version, char *err, size_t errlen)
{
    int found = 0;
    int64_t v = 0;
    const char *probe = strcmp(db->be->name, "sqlite") == 0
        ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1"
        : "SELECT 1 FROM information_schema.tables WHERE table_name = $1 "
          "AND table_schema = current_schema()";
    struct ea_db_val p = ea_db_text("schema_version");
    *version = 0;
    if (ea_db_exec(db, EA_DB_STMT(probe, &p, 1), has_table, &found, err, errlen) < 0)
        return -1;
    if (!found)
        return 0;
    if (ea_db_query_int(db, EA_DB_STMT("SELECT max(version) FROM schema_version", NULL, 0), &v,
                        err, errlen) != 0)
        return -1;
    *version = (int)v;
    return 0;
}

int ea_db_init(struct ea_db *db, int version, char *err, size_t errlen)
{
    int cur = 0;
    if (version < 1 || version > EA_DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "schema version %d does not exist (1 to %d)", version, EA_DB_SCHEMA_VERSION);
        return -1;
    }
    if (ea_db_begin(db, err, errlen) != 0)
        return -1;
    if (ea_db_version(db, &cur, err, errlen) != 0)
        goto fail;
    if (cur != 0) {
        snprintf(err, errlen, "the database already has a schema (version %d)", cur);
        goto fail;
    }
    if (run_steps(db, 0, version, err, errlen) != 0)
        goto fail;
    return ea_db_commit(db, err, errlen);
fail:
    ea_db_rollback(db);
    return -1;
}

int ea_db_upgrade(struct ea_db *db, int *from, char *err, size_t errlen)
{
    *from = 0;
    if (ea_db_begin(db, err, errlen) != 0)
        return -1;
    if (ea_db_version(db, from, err, errlen) != 0)
        goto fail;
    if (*from == 0) {
        snprintf(err, errlen, "the database has no schema: run edgeaudit db init first");
        goto fail;
    }
    if (*from > EA_DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "the schema (version %d) is newer than this edgeaudit's (%d)", *from,
                 EA_DB_SCHEMA_VERSION);
        goto fail;
    }
    if (run_steps(db, *from, EA_DB_SCHEMA_VERSION, err, errlen) != 0)
        goto fail;
    return ea_db_commit(db, err, errlen);
fail:
    ea_db_rollback(db);
    return -1;
}

int ea_db_check(struct ea_db *db, char *err, size_t errlen)
{
    int v = 0;
    if (ea_db_version(db, &v, err, errlen) != 0)
        return -1;
    if (v == EA_DB_SCHEMA_VERSION)
        return 0;
    if (v == 0) {
        snprintf(err, errlen, "the database has no edgeaudit schema: run edgeaudit db init TARGET");
        return EA_DB_SCHEMA_NONE;
    }
    if (v < EA_DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "the database schema is version %d, older than this edgeaudit's %d: "
                 "run edgeaudit db upgrade TARGET", v, EA_DB_SCHEMA_VERSION);
        return EA_DB_SCHEMA_OLD;
    }
    snprintf(err, errlen, "the database schema is version %d, newer than this edgeaudit's %d: "
             "use a newer edgeaudit", v, EA_DB_SCHEMA_VERSION);
    return EA_DB_SCHEMA_NEWER;
}

/* Exactly n decimal digits at s into *out; 0, or -1. */
static int digits(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *out = *out * 10 + (s[i] - '0');
    }
    return 0;
}

/* "[.fraction]" at s into *frac_ns (digits past the ninth ignored); the characters read. */
static int fraction(const char *s, int64_t *frac_ns)
{
    int n = 0;
    int64_t scale = 100000000;
    *frac_ns = 0;
    if (s[0] != '.')
        return 0;
    for (n = 1; s[n] >= '0' && s[n] <= '9'; n++, scale /= 10)
        *frac_ns += (s[n] - '0') * scale;
    return n;
}

/* "THH:MM[:SS[.frac]]" (or ' ' for 'T') at s into tm and *frac; the characters read, or -1. */
static int clock_part(const char *s, struct tm *tm, int64_t *frac)
{
    int n = 6;
    *frac = 0;
    if ((s[0] != 'T' && s[0] != ' ') || digits(s + 1, 2, &tm->tm_hour) || s[3] != ':' ||
        digits(s + 4, 2, &tm->tm_min))
        return -1;
    if (s[6] == ':') {
        if (digits(s + 7, 2, &tm->tm_sec))
            return -1;
        n = 9 + fraction(s + 9, frac);
    }
    return tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60 ? -1 : n;
}

int ea_db_parse_time(const char *s, int64_t *ns)
{
    struct tm tm, back;
    int64_t frac = 0;
    int y, mo, d, n = 10;
    memset(&tm, 0, sizeof(tm));
    if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (s[n] == 'T' || s[n] == ' ') {
        int k = clock_part(s + n, &tm, &frac);
        if (k < 0)
            return -1;
        n += k;
    }
    n += s[n] == 'Z';
    if (s[n])
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    time_t t = timegm(&tm);
    /* a day that does not exist (2027-02-30) comes back as another */
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d)
        return -1;
    /* a real time, but past what nanoseconds since the epoch hold in 64 bits (2262-04-11) */
    if (t > (INT64_MAX - frac) / 1000000000LL)
        return -2;
    *ns = (int64_t)t * 1000000000LL + frac;
    return 0;
}

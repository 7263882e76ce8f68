/* db-sqlite.c: the SQLite backend of db.h (libsqlite3): an embedded database file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "db.h"

/* Bulk rows are one prepared INSERT, reused inside the caller's transaction. */
struct sq {
    sqlite3 *db;
    sqlite3_stmt *bulk;
};

/* A writer waits this long for another process's transaction (several sensors, one file). */
#define SQ_BUSY_MS 30000

static void *sq_open(const char *target, char *err, size_t errlen)
{
    struct sq *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(target, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", target, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, SQ_BUSY_MS);
    sqlite3_extended_result_codes(s->db, 1);
    return s;
}

static void sq_close(void *h)
{
    struct sq *s = h;
    if (!s)
        return;
    sqlite3_finalize(s->bulk);
    sqlite3_close(s->db);
    free(s);
}

/* Binds p[0..np) to $1..$np (each named once or more in the statement, or not at all). */
static int bind_all(sqlite3_stmt *st, const struct ea_db_val *p, size_t np, int by_index)
{
    for (size_t k = 0; k < np; k++) {
        char name[24];
        int idx = (int)k + 1, rc = SQLITE_OK;
        if (!by_index) {
            snprintf(name, sizeof(name), "$%zu", k + 1);
            idx = sqlite3_bind_parameter_index(st, name);
            if (idx == 0)
                continue;
        }
        switch (p[k].type) {
        case EA_DB_INT: rc = sqlite3_bind_int64(st, idx, p[k].i); break;
        case EA_DB_TEXT:
            rc = sqlite3_bind_text64(st, idx, p[k].p, p[k].len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        case EA_DB_BLOB: rc = sqlite3_bind_blob64(st, idx, p[k].p, p[k].len, SQLITE_STATIC); break;
        case EA_DB_NULL: rc = sqlite3_bind_null(st, idx); break;
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Hands one result row to fn: column values as bytes (integers as their decimal text). */
static int row_out(sqlite3_stmt *st, ea_db_row_fn fn, void *ctx)
{
    enum { MAXC = 64 };
    const char *vals[MAXC];
    size_t lens[MAXC];
    int n = sqlite3_column_count(st);
    if (n > MAXC)
        n = MAXC;
    for (int i = 0; i < n; i++) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
            vals[i] = NULL;
            lens[i] = 0;
            continue;
        }
        /* A blob's bytes, or text for the other types; NUL-terminated either way. */
        vals[i] = sqlite3_column_type(st, i) == SQLITE_BLOB ? sqlite3_column_blob(st, i)
                                                             : (const char *)sqlite3_column_text(st, i);
        lens[i] = (size_t)sqlite3_column_bytes(st, i);
        if (!vals[i])
            vals[i] = "";
    }
    return fn(ctx, (size_t)n, vals, lens);
}

static int sq_exec(void *h, const struct ea_db_stmt *q, ea_db_row_fn fn, void *ctx,
                   char *err, size_t errlen)
{
    struct sq *s = h;
    sqlite3_stmt *st = NULL;
    int rc = -1, src = sqlite3_prepare_v2(s->db, q->sql, -1, &st, NULL);
    if (src == SQLITE_OK)
        src = bind_all(st, q->p, q->np, 0);
    while (src == SQLITE_OK || src == SQLITE_ROW) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW && fn) {
            int stop = row_out(st, fn, ctx);
            if (stop) {
                rc = stop;
                goto out;
            }
        }
    }
    if (src == SQLITE_DONE) {
        rc = 0;
        goto out;
    }
    snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->db));
out:
    sqlite3_finalize(st);
    return rc;
}

static int sq_bulk_begin(void *h, const char *table, const char *const *cols, size_t ncols,
                         char *err, size_t errlen)
{
    struct sq *s = h;
    char sql[2048];
    size_t at = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", table);
    for (size_t i = 0; i < ncols && at < sizeof(sql); i++)
        at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s%s", i ? ", " : "", cols[i]);
    for (size_t i = 0; i < ncols && at < sizeof(sql); i++)
        at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s?%zu", i ? ", " : ") VALUES (", i + 1);
    if (at + 2 > sizeof(sql)) {
        snprintf(err, errlen, "sqlite: too many columns for %s", table);
        return -1;
    }
    memcpy(sql + at, ")", 2);
    sqlite3_finalize(s->bulk);
    s->bulk = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &s->bulk, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

static int sq_bulk_row(void *h, const struct ea_db_val *v, size_t n, char *err, size_t errlen)
{
    struct sq *s = h;
    int rc = bind_all(s->bulk, v, n, 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s->bulk);
    sqlite3_reset(s->bulk);
    sqlite3_clear_bindings(s->bulk);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

static int sq_bulk_end(void *h, char *err, size_t errlen)
{
    struct sq *s = h;
    (void)err, (void)errlen;
    sqlite3_finalize(s->bulk);
    s->bulk = NULL;
    return 0;
}

const struct ea_db_backend ea_db_sqlite_backend = {
    .name = "sqlite",
    .id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .blob_type = "BLOB",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .bulk_begin = sq_bulk_begin,
    .bulk_row = sq_bulk_row,
    .bulk_end = sq_bulk_end,
};

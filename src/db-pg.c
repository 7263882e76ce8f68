/* db-pg.c: the PostgreSQL backend of db.h (libpq): one server for a fleet of sensors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "db.h"

/* PostgreSQL's type oid of bytea (catalog/pg_type.h is a server header). */
#define PG_BYTEA_OID 17

/* A connection, and the COPY line being built (bulk rows). */
struct pg {
    PGconn *conn;
    char *line;
    size_t cap, len;
    int copy_failed;            /* a row of the open COPY failed: end it with an error */
};

/* libpq's message, first line only, into err with a prefix. */
static void pg_err(const char *msg, char *err, size_t errlen)
{
    size_t n = strcspn(msg, "\n");
    snprintf(err, errlen, "postgresql: %.*s", (int)(n > 400 ? 400 : n), msg);
}

static void *pg_open(const char *target, char *err, size_t errlen)
{
    struct pg *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* libpq reads PGSERVICEFILE/~/.pg_service.conf and PGPASSFILE/~/.pgpass itself. A server
       that does not answer costs at most connect_timeout seconds (the target may set another). */
    const char *const keys[] = { "connect_timeout", "dbname", NULL };
    const char *const vals[] = { "10", target, NULL };
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        char red[512];
        snprintf(err, errlen, "%s: ", ea_db_redact(target, red, sizeof(red)));
        size_t at = strlen(err);
        pg_err(p->conn ? PQerrorMessage(p->conn) : "out of memory", err + at, errlen - at);
        PQfinish(p->conn);
        free(p);
        return NULL;
    }
    PQsetClientEncoding(p->conn, "UTF8");
    return p;
}

static void pg_close(void *h)
{
    struct pg *p = h;
    if (!p)
        return;
    PQfinish(p->conn);
    free(p->line);
    free(p);
}

/* Parameters as libpq wants them: integers as text, blobs in binary format. */
struct pg_params {
    const char *vals[64];
    int lens[64], fmts[64];
    char nums[64][24];
};

static int pg_fill(struct pg_params *pp, const struct ea_db_val *p, size_t np)
{
    if (np > 64)
        return -1;
    for (size_t k = 0; k < np; k++) {
        pp->fmts[k] = p[k].type == EA_DB_BLOB;
        pp->lens[k] = (int)p[k].len;
        pp->vals[k] = p[k].p;
        if (p[k].type == EA_DB_INT) {
            snprintf(pp->nums[k], sizeof(pp->nums[k]), "%" PRId64, p[k].i);
            pp->vals[k] = pp->nums[k];
        } else if (p[k].type == EA_DB_NULL) {
            pp->vals[k] = NULL;
        } else if (!pp->vals[k]) {
            pp->vals[k] = "";
        }
    }
    return 0;
}

/* Hands the rows of res to fn; bytea columns decoded from their text form. */
static int rows_out(PGresult *res, ea_db_row_fn fn, void *ctx)
{
    enum { MAXC = 64 };
    int nr = PQntuples(res), nc = PQnfields(res), stop = 0;
    if (nc > MAXC)
        nc = MAXC;
    for (int r = 0; r < nr && !stop; r++) {
        const char *vals[MAXC];
        size_t lens[MAXC];
        unsigned char *dec[MAXC] = { NULL };
        for (int c = 0; c < nc; c++) {
            vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
            lens[c] = vals[c] ? (size_t)PQgetlength(res, r, c) : 0;
            if (vals[c] && PQftype(res, c) == PG_BYTEA_OID) {
                size_t n = 0;
                dec[c] = PQunescapeBytea((const unsigned char *)vals[c], &n);
                /* PQunescapeBytea's buffer has no room promised for a NUL: copy with one. */
                char *z = dec[c] ? malloc(n + 1) : NULL;
                if (z) {
                    memcpy(z, dec[c], n);
                    z[n] = '\0';
                }
                PQfreemem(dec[c]);
                dec[c] = (unsigned char *)z;
                vals[c] = z ? z : "";
                lens[c] = z ? n : 0;
            }
        }
        stop = fn(ctx, (size_t)nc, vals, lens);
        for (int c = 0; c < nc; c++)
            free(dec[c]);
    }
    return stop;
}

static int pg_exec(void *h, const struct ea_db_stmt *q, ea_db_row_fn fn, void *ctx,
                   char *err, size_t errlen)
{
    struct pg *g = h;
    struct pg_params *pp = calloc(1, sizeof(*pp));
    PGresult *res = NULL;
    int rc = -1;
    if (!pp || pg_fill(pp, q->p, q->np) != 0) {
        snprintf(err, errlen, "postgresql: out of memory or too many parameters");
        goto out;
    }
    res = PQexecParams(g->conn, q->sql, (int)q->np, NULL, pp->vals, pp->lens, pp->fmts, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_err(res ? PQresultErrorMessage(res) : PQerrorMessage(g->conn), err, errlen);
        goto out;
    }
    rc = (st == PGRES_TUPLES_OK && fn) ? rows_out(res, fn, ctx) : 0;
out:
    PQclear(res);
    free(pp);
    return rc;
}

static int pg_bulk_begin(void *h, const char *table, const char *const *cols, size_t ncols,
                         char *err, size_t errlen)
{
    struct pg *g = h;
    char sql[2048];
    size_t at = (size_t)snprintf(sql, sizeof(sql), "COPY %s (", table);
    for (size_t i = 0; i < ncols && at < sizeof(sql); i++)
        at += (size_t)snprintf(sql + at, sizeof(sql) - at, "%s%s", i ? ", " : "", cols[i]);
    if (at + 16 > sizeof(sql)) {
        snprintf(err, errlen, "postgresql: too many columns for %s", table);
        return -1;
    }
    snprintf(sql + at, sizeof(sql) - at, ") FROM STDIN");
    PGresult *res = PQexec(g->conn, sql);
    int ok = res && PQresultStatus(res) == PGRES_COPY_IN;
    if (!ok)
        pg_err(res ? PQresultErrorMessage(res) : PQerrorMessage(g->conn), err, errlen);
    PQclear(res);
    return ok ? 0 : -1;
}

/* Appends n bytes to the COPY line; -1 on out-of-memory. */
static int put(struct pg *g, const char *s, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 1024;
        while (cap < g->len + n + 1)
            cap *= 2;
        char *nl = realloc(g->line, cap);
        if (!nl)
            return -1;
        g->line = nl;
        g->cap = cap;
    }
    memcpy(g->line + g->len, s, n);
    g->len += n;
    return 0;
}

/* One value in COPY's text format: \N for NULL, backslash escapes, bytea as \\x hex. */
static int put_val(struct pg *g, const struct ea_db_val *v)
{
    static const char hex[] = "0123456789abcdef";
    char num[24];
    const unsigned char *s = v->p;
    int rc = 0;
    switch (v->type) {
    case EA_DB_NULL: return put(g, "\\N", 2);
    case EA_DB_INT:
        snprintf(num, sizeof(num), "%" PRId64, v->i);
        return put(g, num, strlen(num));
    case EA_DB_BLOB:
        rc = put(g, "\\\\x", 3);
        for (size_t i = 0; i < v->len && rc == 0; i++) {
            char b[2] = { hex[s[i] >> 4], hex[s[i] & 15] };
            rc = put(g, b, 2);
        }
        return rc;
    case EA_DB_TEXT:
        for (size_t i = 0, run = 0; i <= v->len && rc == 0; i++) {   /* plain bytes a run at a time */
            const char *e = i == v->len ? "" : s[i] == '\\' ? "\\\\" : s[i] == '\n' ? "\\n"
                          : s[i] == '\r' ? "\\r" : s[i] == '\t' ? "\\t" : NULL;
            if (!e)
                continue;
            rc = put(g, (const char *)s + run, i - run) != 0 || put(g, e, strlen(e)) != 0 ? -1 : 0;
            run = i + 1;
        }
        return rc;
    }
    return -1;
}

/* COPY data goes to libpq this many bytes at a time (many rows a call, not one). */
#define PG_COPY_CHUNK (256u << 10)

/* Hands the rows gathered to libpq. 0, or -1 with err. */
static int copy_flush(struct pg *g, char *err, size_t errlen)
{
    if (g->len && PQputCopyData(g->conn, g->line, (int)g->len) != 1) {
        pg_err(PQerrorMessage(g->conn), err, errlen);
        g->copy_failed = 1;
        return -1;
    }
    g->len = 0;
    return 0;
}

static int pg_bulk_row(void *h, const struct ea_db_val *v, size_t n, char *err, size_t errlen)
{
    struct pg *g = h;
    size_t row = g->len;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = (i && put(g, "\t", 1) != 0) || put_val(g, &v[i]) != 0 ? -1 : 0;
    if (rc != 0 || put(g, "\n", 1) != 0) {
        g->len = row;
        g->copy_failed = 1;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return g->len >= PG_COPY_CHUNK ? copy_flush(g, err, errlen) : 0;
}

static int pg_bulk_end(void *h, char *err, size_t errlen)
{
    struct pg *g = h;
    int failed = g->copy_failed || copy_flush(g, err, errlen) != 0;   /* err said by either */
    g->len = 0;
    g->copy_failed = 0;
    if (PQputCopyEnd(g->conn, failed ? "edgeaudit: a row could not be sent" : NULL) != 1) {
        pg_err(PQerrorMessage(g->conn), err, errlen);
        return -1;
    }
    PGresult *res;
    int rc = failed ? -1 : 0;
    while ((res = PQgetResult(g->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0 && !failed) {
            pg_err(PQresultErrorMessage(res), err, errlen);
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

const struct ea_db_backend ea_db_pg_backend = {
    .name = "postgresql",
    .id_type = "BIGSERIAL PRIMARY KEY",
    .blob_type = "BYTEA",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .bulk_begin = pg_bulk_begin,
    .bulk_row = pg_bulk_row,
    .bulk_end = pg_bulk_end,
};

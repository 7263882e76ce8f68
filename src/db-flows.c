/* db-flows.c: --db-flows: each finished flow's row into a temporary file, then in bulk into the run's transaction. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db-flows.h"
#include "dissect-tls.h"
#include "flow.h"
#include "policy.h"
#include "util-addr.h"

/*
 * A row in the file: its length (4 bytes, host order), then each value: a
 * type byte, then 8 bytes (EA_DB_INT) or a 4-byte length and the bytes
 * (EA_DB_TEXT); nothing for EA_DB_NULL. The file is this process's own.
 */
static const char *const flow_cols[] = {
    "run_id", "flow_id", "transport", "client", "client_port", "server", "server_port", "vlan",
    "first_ns", "last_ns", "first_frame", "last_frame", "packets_c2s", "packets_s2c",
    "bytes_c2s", "bytes_s2c", "app", "app_source", "sni", "verdict", "reason_code", "rules",
    "reason", "group_key",
};
#define NCOLS (sizeof(flow_cols) / sizeof(flow_cols[0]))

/* A row's bytes at most: the strings are the flow's own (addresses, labels, rules, reason). */
#define ROW_MAX (64u << 10)

struct ea_db_flows {
    FILE *f;
    long start;                 /* the first waiting row's offset */
    long put_end;               /* how far the last ea_db_flows_put read */
    uint64_t waiting, put_rows;
    int failed;                 /* a row could not be written */
    unsigned char *buf;         /* one row, encoded or read back (ROW_MAX) */
};

struct ea_db_flows *ea_db_flows_new(void)
{
    struct ea_db_flows *fl = calloc(1, sizeof(*fl));
    if (!fl)
        return NULL;
    fl->buf = malloc(ROW_MAX);
    fl->f = fl->buf ? tmpfile() : NULL;
    if (!fl->f) {
        ea_db_flows_free(fl);
        return NULL;
    }
    return fl;
}

void ea_db_flows_free(struct ea_db_flows *fl)
{
    if (!fl)
        return;
    if (fl->f)
        fclose(fl->f);
    free(fl->buf);
    free(fl);
}

uint64_t ea_db_flows_waiting(const struct ea_db_flows *fl)
{
    return fl->waiting;
}

/* Appends one value to the row at fl->buf (*at bytes so far); -1 when it does not fit. */
static int encode(struct ea_db_flows *fl, size_t *at, const struct ea_db_val *v)
{
    size_t need = 1 + (v->type == EA_DB_INT ? 8 : v->type == EA_DB_NULL ? 0 : 4 + v->len);
    if (*at + need > ROW_MAX)
        return -1;
    unsigned char *p = fl->buf + *at;
    *p++ = (unsigned char)v->type;
    if (v->type == EA_DB_INT) {
        memcpy(p, &v->i, 8);
    } else if (v->type != EA_DB_NULL) {
        uint32_t n = (uint32_t)v->len;
        memcpy(p, &n, 4);
        memcpy(p + 4, v->p, v->len);
    }
    *at += need;
    return 0;
}

/* The values of f's row (run_id 0: set when the rows are put), as the report's <flow> says them. */
void ea_db_flows_add(struct ea_db_flows *fl, const struct ea_flow *f, const struct ea_stream_texts *t)
{
    const char *sni = ea_tls_matched(f->facts.tls) && f->facts.tls->sni[0] ? f->facts.tls->sni : NULL;
    const struct ea_db_val p[NCOLS] = {
        ea_db_int(0), ea_db_int((int64_t)f->id), ea_db_text(ea_proto_name(f->key.proto)),
        ea_db_text(t->client), ea_db_int(f->key.sport), ea_db_text(t->server), ea_db_int(f->key.dport),
        ea_db_int(f->key.vlan), ea_db_int((int64_t)f->first_ns), ea_db_int((int64_t)f->last_ns),
        ea_db_int((int64_t)f->first_frame), ea_db_int((int64_t)f->last_frame),
        ea_db_int((int64_t)f->pkts[0]), ea_db_int((int64_t)f->pkts[1]), ea_db_int((int64_t)f->bytes[0]),
        ea_db_int((int64_t)f->bytes[1]), ea_db_text(t->app), ea_db_text(ea_label_src_name(f->label.src)),
        ea_db_text(sni), ea_db_text(f->verdict.judged ? ea_verdict_name((enum ea_verdict)f->verdict.v) : "unjudged"),
        ea_db_text(ea_reason_name((enum ea_reason)f->verdict.reason)), ea_db_text(t->rules),
        ea_db_text(f->verdict.text ? f->verdict.text : ""), ea_db_text(t->group),
    };
    size_t at = 4;
    for (size_t i = 0; i < NCOLS && !fl->failed; i++)
        fl->failed = encode(fl, &at, &p[i]) != 0;
    uint32_t len = (uint32_t)(at - 4);
    memcpy(fl->buf, &len, 4);
    if (!fl->failed && fwrite(fl->buf, 1, at, fl->f) != at)
        fl->failed = 1;
    fl->waiting += !fl->failed;
}

/* Decodes the row of len bytes at fl->buf into v (pointing into the buffer). 0, or -1. */
static int decode(struct ea_db_flows *fl, size_t len, struct ea_db_val *v)
{
    size_t at = 0;
    for (size_t i = 0; i < NCOLS; i++) {
        if (at + 1 > len)
            return -1;
        memset(&v[i], 0, sizeof(v[i]));
        v[i].type = (enum ea_db_type)fl->buf[at++];
        if (v[i].type == EA_DB_INT) {
            if (at + 8 > len)
                return -1;
            memcpy(&v[i].i, fl->buf + at, 8);
            at += 8;
        } else if (v[i].type == EA_DB_TEXT) {
            uint32_t n;
            if (at + 4 > len)
                return -1;
            memcpy(&n, fl->buf + at, 4);
            if (n > len - at - 4)
                return -1;
            v[i].p = fl->buf + at + 4;
            v[i].len = n;
            at += 4 + n;
        } else if (v[i].type != EA_DB_NULL) {
            return -1;
        }
    }
    return at == len ? 0 : -1;
}

/* Reads and inserts the rows from fl->start to the end of the file. 0, or -1 with err. */
static int put_rows(struct ea_db_flows *fl, struct ea_db *db, int64_t run_id, char *err, size_t errlen)
{
    struct ea_db_val v[NCOLS];
    uint32_t len;
    fl->put_rows = 0;
    if (fflush(fl->f) != 0 || (fl->put_end = ftell(fl->f)) < 0 || fseek(fl->f, fl->start, SEEK_SET) != 0) {
        snprintf(err, errlen, "--db-flows: the temporary file of flows cannot be read");
        return -1;
    }
    for (long at = fl->start; at < fl->put_end; at += 4 + (long)len) {
        if (fread(&len, 4, 1, fl->f) != 1 || len > ROW_MAX - 4 || fread(fl->buf, 1, len, fl->f) != len ||
            decode(fl, len, v) != 0) {
            snprintf(err, errlen, "--db-flows: the temporary file of flows cannot be read");
            return -1;
        }
        v[0] = ea_db_int(run_id);
        if (ea_db_bulk_row(db, v, NCOLS, err, errlen) != 0)
            return -1;
        fl->put_rows++;
    }
    return 0;
}

int ea_db_flows_put(struct ea_db_flows *fl, struct ea_db *db, int64_t run_id, char *err, size_t errlen)
{
    char err2[256] = "";
    fl->put_rows = 0;
    fl->put_end = fl->start;
    if (fl->failed) {
        snprintf(err, errlen, "--db-flows: a flow could not be written to the temporary file (disk full?)");
        return -1;
    }
    if (fl->waiting == 0)
        return 0;
    if (ea_db_bulk_begin(db, "flows", flow_cols, NCOLS, err, errlen) != 0)
        return -1;
    int rc = put_rows(fl, db, run_id, err, errlen);
    if (ea_db_bulk_end(db, rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) != 0)
        rc = -1;
    /* rows added from now on go after the ones read */
    if (fseek(fl->f, 0, SEEK_END) != 0 && rc == 0) {
        snprintf(err, errlen, "--db-flows: the temporary file of flows cannot be written");
        rc = -1;
    }
    return rc;
}

void ea_db_flows_stored(struct ea_db_flows *fl)
{
    fl->waiting -= fl->put_rows;
    fl->put_rows = 0;
    fl->start = fl->put_end;
    if (fl->waiting == 0 && fflush(fl->f) == 0 && ftruncate(fileno(fl->f), 0) == 0 &&
        fseek(fl->f, 0, SEEK_SET) == 0)
        fl->start = fl->put_end = 0;   /* nothing waits: the file starts again empty */
}

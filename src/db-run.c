/* db-run.c: one run into the database of runs: its row, its rule statuses and its flows. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libxml/xmlreader.h>
#include "db-run.h"
#include "util-str.h"
#include "util-time.h"
#include "config.h"

const char *ea_db_default_sensor(char *buf, size_t n)
{
    if (gethostname(buf, n - 1) != 0 || !buf[0])
        snprintf(buf, n, "unknown");
    buf[n - 1] = '\0';
    return buf;
}

/* The sources, one per line; malloc'ed (caller frees), NULL on out-of-memory. */
static char *join_sources(const struct ea_capture_info *cap)
{
    size_t len = 1;
    for (size_t i = 0; i < cap->nsources; i++)
        len += strlen(cap->sources[i]) + 1;
    char *s = calloc(1, len);
    for (size_t i = 0; s && i < cap->nsources; i++) {
        if (i)
            ea_str_append(s, len, "\n");
        ea_str_append(s, len, cap->sources[i]);
    }
    return s;
}

/* A time in ns, or SQL NULL for 0 (no packet). */
static struct ea_db_val ns_val(uint64_t ns)
{
    return ns ? ea_db_int((int64_t)ns) : ea_db_text(NULL);
}

static int store_id(void *ctx, size_t ncols, const char *const *vals, const size_t *lens)
{
    (void)lens;
    if (ncols > 0 && vals[0])
        *(int64_t *)ctx = strtoll(vals[0], NULL, 10);
    return 0;
}

static const char insert_run[] =
    "INSERT INTO runs (sensor, sources, live, recorded, first_ns, last_ns, packets, bytes, flows, "
    "malformed, flows_evicted, received, dropped, if_dropped, incomplete, partial, error, "
    "allowed, unverified, unexpected, blocked, out_of_scope, blocked_required, result, exit_code, "
    "generator, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
    "$16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) RETURNING id";

/* A live run recorded again: the same row, the same 27 values, and its id as $28. */
static const char update_run[] =
    "UPDATE runs SET sensor = $1, sources = $2, live = $3, recorded = $4, first_ns = $5, "
    "last_ns = $6, packets = $7, bytes = $8, flows = $9, malformed = $10, flows_evicted = $11, "
    "received = $12, dropped = $13, if_dropped = $14, incomplete = $15, partial = $16, error = $17, "
    "allowed = $18, unverified = $19, unexpected = $20, blocked = $21, out_of_scope = $22, "
    "blocked_required = $23, result = $24, exit_code = $25, generator = $26, report = $27 "
    "WHERE id = $28 RETURNING id";

/* The runs row; its id into *id. */
static int put_run(struct ea_db *db, const struct ea_view *v, const struct ea_db_run_info *ri,
                   int64_t *id, char *err, size_t errlen)
{
    char when[48];
    struct timespec ts;
    uint64_t mal = 0;
    int rc = -1;
    char *sources = join_sources(&v->cap);
    if (!sources) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    ea_time_str((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec, when, sizeof(when));
    for (int k = 0; k < EA_MAL__COUNT; k++)
        mal += v->st.malformed[k];
    const uint64_t *vd = v->pol->verdicts;
    const struct ea_db_val p[28] = {
        ea_db_text(ri->sensor), ea_db_text(sources), ea_db_int(ri->live), ea_db_text(when),
        ns_val(v->st.first_ns), ns_val(v->st.last_ns), ea_db_int((int64_t)v->st.packets),
        ea_db_int((int64_t)v->st.bytes), ea_db_int((int64_t)v->st.flows_created),
        ea_db_int((int64_t)mal), ea_db_int((int64_t)v->st.flows_evicted),
        v->cap.have_loss ? ea_db_int((int64_t)v->cap.recv) : ea_db_text(NULL),
        v->cap.have_loss ? ea_db_int((int64_t)v->cap.drop) : ea_db_text(NULL),
        v->cap.have_loss ? ea_db_int((int64_t)v->cap.ifdrop) : ea_db_text(NULL),
        ea_db_int(v->cap.incomplete), ea_db_int(v->cap.partial), ea_db_text(v->cap.error),
        ea_db_int((int64_t)vd[EA_V_ALLOWED]), ea_db_int((int64_t)vd[EA_V_UNVERIFIED]),
        ea_db_int((int64_t)vd[EA_V_UNEXPECTED]), ea_db_int((int64_t)vd[EA_V_BLOCKED]),
        ea_db_int((int64_t)vd[EA_V_OUT_OF_SCOPE]), ea_db_int((int64_t)v->pol->blocked_required),
        ea_db_text(ea_policy_has_findings(v->pol) ? "findings" : "compliant"),
        ea_db_int(ri->exit_code), ea_db_text("edgeaudit " PACKAGE_VERSION),
        ea_db_blob(ri->report ? ri->report : "", ri->report ? ri->report_len : 0),
        ea_db_int(ri->run_id),
    };
    const struct ea_db_stmt *st = ri->run_id ? EA_DB_STMT(update_run, p, 28) : EA_DB_STMT(insert_run, p, 27);
    *id = 0;
    if (ea_db_exec(db, st, store_id, id, err, errlen) == 0 && *id > 0)
        rc = 0;
    else if (*id <= 0 && !err[0] && ri->run_id)
        snprintf(err, errlen, "run %lld is no longer in the database", (long long)ri->run_id);
    else if (*id <= 0 && !err[0])
        snprintf(err, errlen, "the database gave no id for the run");
    free(sources);
    return rc;
}

/* One rule_status row per rule (bulk rows). */
static int put_rules(struct ea_db *db, const struct ea_view *v, int64_t id, char *err, size_t errlen)
{
    static const char *const cols[] = {
        "run_id", "rule_id", "pack", "status", "allowed", "unverified", "blocked", "violations", "bytes",
        "first_ns", "last_ns",
    };
    const struct ea_ruleset *rs = v->rs;
    char err2[256] = "";
    int rc = 0;
    if (rs->nrules == 0)
        return 0;
    if (ea_db_bulk_begin(db, "rule_status", cols, sizeof(cols) / sizeof(cols[0]), err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < rs->nrules && rc == 0; i++) {
        const struct ea_rule_stat *s = &v->pol->stat[i];
        const struct ea_rule *r = &rs->rules[i];
        const char *pack = r->doc >= 0 && (size_t)r->doc < rs->ndocs ? rs->docs[r->doc].pack : "";
        const struct ea_db_val p[] = {
            ea_db_int(id), ea_db_text(r->id), ea_db_text(pack ? pack : ""),
            ea_db_text(ea_rule_status_name(s->status)), ea_db_int((int64_t)s->allowed),
            ea_db_int((int64_t)s->unverified), ea_db_int((int64_t)s->blocked),
            ea_db_int((int64_t)s->violations), ea_db_int((int64_t)s->bytes),
            ns_val(s->first_ns), ns_val(s->last_ns),
        };
        rc = ea_db_bulk_row(db, p, sizeof(p) / sizeof(p[0]), err, errlen);
    }
    if (ea_db_bulk_end(db, rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) != 0)
        rc = -1;
    return rc;
}

/* An attribute of n as a malloc'ed string (xmlFree), or NULL. */
#define ATTR(n, name) ((char *)xmlGetProp((n), BAD_CAST(name)))

/* A decimal attribute, or SQL NULL when absent or not a number. */
static struct ea_db_val num_attr(xmlNodePtr n, const char *name)
{
    char *v = ATTR(n, name), *end = NULL;
    long long x = v ? strtoll(v, &end, 10) : 0;
    struct ea_db_val r = v && *v && end && !*end ? ea_db_int(x) : ea_db_text(NULL);
    xmlFree(v);
    return r;
}

/* A time attribute as ns, or SQL NULL. */
static struct ea_db_val time_attr(xmlNodePtr n, const char *name)
{
    char *v = ATTR(n, name);
    int64_t ns = 0;
    struct ea_db_val r = v && ea_db_parse_time(v, &ns) == 0 ? ea_db_int(ns) : ea_db_text(NULL);
    xmlFree(v);
    return r;
}

/* Text attributes of a group or example, fetched once and freed together. */
struct texts {
    char *v[16];
    size_t n;
};

static const char *text_attr(struct texts *t, xmlNodePtr n, const char *name)
{
    char *v = name ? ATTR(n, name) : (char *)xmlNodeGetContent(n);
    if (t->n < sizeof(t->v) / sizeof(t->v[0]))
        t->v[t->n++] = v;
    return v;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void texts_free(struct texts *t)
{
    for (size_t i = 0; i < t->n; i++)
        xmlFree(t->v[i]);
    t->n = 0;
}

static const char *const example_cols[] = {
    "run_id", "key", "flow_id", "client", "client_port", "first_frame", "last_frame", "reason",
};

/* The examples of one group element, as bulk rows of group_examples. */
static int put_examples(struct ea_db *db, int64_t id, xmlNodePtr g, const char *key, char *err, size_t errlen)
{
    for (xmlNodePtr e = g->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE || !xmlStrEqual(e->name, BAD_CAST "example"))
            continue;
        struct texts t = { .n = 0 };
        const char *client = text_attr(&t, e, "client");
        const struct ea_db_val p[] = {
            ea_db_int(id), ea_db_text(key), num_attr(e, "flow"), ea_db_text(client ? client : ""),
            num_attr(e, "client-port"), num_attr(e, "first-frame"), num_attr(e, "last-frame"),
            ea_db_text(text_attr(&t, e, NULL)),
        };
        int rc = ea_db_bulk_row(db, p, sizeof(p) / sizeof(p[0]), err, errlen);
        texts_free(&t);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The words of a group's <reason> child, or NULL (xmlFree). */
static char *group_words(xmlNodePtr g)
{
    for (xmlNodePtr c = g->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "reason"))
            return (char *)xmlNodeGetContent(c);
    return NULL;
}

static const char *const group_cols[] = {
    "run_id", "key", "verdict", "reason_code", "rules", "transport", "responder", "port", "app", "scan",
    "initiator", "port_ranges", "flows", "packets", "bytes", "initiators", "initiators_capped",
    "first_ns", "last_ns", "first_frame", "last_frame", "reason",
};

/* One <group> element of the report: its finding_groups row (a bulk row). */
static int put_group(struct ea_db *db, int64_t id, xmlNodePtr g, char *err, size_t errlen)
{
    struct texts t = { .n = 0 };
    const char *key = text_attr(&t, g, "key"), *scan = text_attr(&t, g, "scan");
    const char *capped = text_attr(&t, g, "initiators-capped");
    char *words = group_words(g);
#define T(name) ea_db_text(nz(text_attr(&t, g, name)))
    const struct ea_db_val p[] = {
        ea_db_int(id), ea_db_text(key ? key : ""), T("verdict"), T("reason-code"), T("rules"),
        T("transport"), T("responder"), num_attr(g, "port"), T("app"),
        ea_db_int(scan && strcmp(scan, "yes") == 0), ea_db_text(text_attr(&t, g, "initiator")),
        ea_db_text(text_attr(&t, g, "port-ranges")), num_attr(g, "flows"), num_attr(g, "packets"),
        num_attr(g, "bytes"), num_attr(g, "initiators"), ea_db_int(capped && strcmp(capped, "yes") == 0),
        time_attr(g, "first"), time_attr(g, "last"), num_attr(g, "first-frame"),
        num_attr(g, "last-frame"), ea_db_text(words),
    };
#undef T
    int rc = ea_db_bulk_row(db, p, sizeof(p) / sizeof(p[0]), err, errlen);
    xmlFree(words);
    texts_free(&t);
    return rc;
}

/* What a pass over a report is doing: its run, which rows it writes, how far it got. */
struct report_rd {
    struct ea_db *db;
    int64_t id;
    int examples;               /* 0: the groups' rows; 1: their examples' */
    int in_bulk;
    int64_t groups;
    int in_findings, seen_findings;
};

/* One element at depth 1 or 2 of the report (the reader on it). 0, 1 to stop reading, or -1 with err. */
static int report_elem(struct report_rd *rd, xmlTextReaderPtr r, char *err, size_t errlen)
{
    const xmlChar *name = xmlTextReaderConstLocalName(r);
    int depth = xmlTextReaderDepth(r);
    if (depth == 1) {
        rd->in_findings = xmlStrEqual(name, BAD_CAST "findings");
        rd->seen_findings |= rd->in_findings;
        /* <flows> comes last: the rest of the report is not read (--db-flows takes every
           flow as it finishes, db-flows.c, not the few the report lists) */
        return xmlStrEqual(name, BAD_CAST "flows") ? 1 : 0;
    }
    if (depth != 2 || !rd->in_findings || !xmlStrEqual(name, BAD_CAST "group"))
        return 0;
    xmlNodePtr n = xmlTextReaderExpand(r);
    if (!n) {
        snprintf(err, errlen, "the run's report could not be read back");
        return -1;
    }
    rd->groups++;
    if (!rd->in_bulk && (rd->examples ? ea_db_bulk_begin(rd->db, "group_examples", example_cols,
                                                         sizeof(example_cols) / sizeof(example_cols[0]), err, errlen)
                                      : ea_db_bulk_begin(rd->db, "finding_groups", group_cols,
                                                         sizeof(group_cols) / sizeof(group_cols[0]), err, errlen)) != 0)
        return -1;
    rd->in_bulk = 1;
    if (!rd->examples)
        return put_group(rd->db, rd->id, n, err, errlen);
    xmlChar *key = xmlGetProp(n, BAD_CAST "key");
    int rc = put_examples(rd->db, rd->id, n, key ? (const char *)key : "", err, errlen);
    xmlFree(key);
    return rc;
}

/*
 * One pass over the report: the groups' rows, or their examples' (a bulk
 * insert is into one table at a time). 0, or -1 with err.
 */
static int report_pass(struct report_rd *rd, const struct ea_db_report *rep, char *err, size_t errlen)
{
    xmlTextReaderPtr r = rep->xml ? xmlReaderForMemory(rep->xml, (int)rep->len, NULL, NULL, XML_PARSE_NONET)
                                  : NULL;
    int rc = 0, more = r ? xmlTextReaderRead(r) : 0;
    for (; more == 1 && rc == 0; more = xmlTextReaderRead(r))
        if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT)
            rc = report_elem(rd, r, err, errlen);
    rc = rc > 0 ? 0 : rc;   /* stopped at <flows> */
    if (rc == 0 && more < 0) {
        snprintf(err, errlen, "the run's report could not be read back");
        rc = -1;
    }
    xmlFreeTextReader(r);
    char err2[256] = "";
    if (rd->in_bulk && ea_db_bulk_end(rd->db, rc == 0 ? err : err2, rc == 0 ? errlen : sizeof(err2)) != 0)
        rc = -1;
    return rc;
}

int ea_db_record_report(struct ea_db *db, int64_t id, const struct ea_db_report *rep, char *err, size_t errlen)
{
    struct report_rd rd = { db, id, 0, 0, 0, 0, 0 }, ex = { db, id, 1, 0, 0, 0, 0 };
    int rc = report_pass(&rd, rep, err, errlen);
    if (rc == 0)
        rc = report_pass(&ex, rep, err, errlen);
    if (rc == 0 && rd.seen_findings) {
        const struct ea_db_val p[] = { ea_db_int(rd.groups), ea_db_int(id) };
        rc = ea_db_exec(db, EA_DB_STMT("UPDATE runs SET finding_groups = $1 WHERE id = $2", p, 2),
                        NULL, NULL, err, errlen);
    }
    return rc;
}

/* A live run recorded again: its rule statuses, groups and examples go (they come again whole). */
static int forget_rows(struct ea_db *db, int64_t id, char *err, size_t errlen)
{
    static const char *const sql[] = {
        "DELETE FROM rule_status WHERE run_id = $1", "DELETE FROM group_examples WHERE run_id = $1",
        "DELETE FROM finding_groups WHERE run_id = $1",
    };
    const struct ea_db_val p = ea_db_int(id);
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        if (ea_db_exec(db, EA_DB_STMT(sql[i], &p, 1), NULL, NULL, err, errlen) != 0)
            return -1;
    return 0;
}

int ea_db_record_run(struct ea_db *db, const struct ea_view *v, const struct ea_db_run_info *ri,
                     int64_t *run_id, char *err, size_t errlen)
{
    int64_t id = 0;
    err[0] = '\0';
    *run_id = 0;
    if (ea_db_begin(db, err, errlen) != 0)
        return -1;
    struct ea_db_report rep = { ri->report, ri->report_len };
    if (put_run(db, v, ri, &id, err, errlen) != 0 || (ri->run_id && forget_rows(db, id, err, errlen)) ||
        put_rules(db, v, id, err, errlen) != 0 || ea_db_record_report(db, id, &rep, err, errlen) != 0 ||
        (ri->flows && ea_db_flows_put(ri->flows, db, id, err, errlen) != 0))
        goto fail;
    if (ea_db_commit(db, err, errlen) != 0)
        return -1;
    if (ri->flows)
        ea_db_flows_stored(ri->flows);
    *run_id = id;
    return 0;
fail:
    ea_db_rollback(db);
    return -1;
}

/* Connects and checks the schema: 0, -1 not reachable, or an EA_DB_SCHEMA_* code; err says why. */
static int session_connect(struct ea_db_session *s, char *err, size_t errlen)
{
    s->db = ea_db_open(s->target, err, errlen);
    if (!s->db)
        return -1;
    int rc = ea_db_check(s->db, err, errlen);
    if (rc == EA_DB_SCHEMA_NONE && !ea_db_is_pg(s->target))   /* a new SQLite file: made here */
        rc = ea_db_init(s->db, EA_DB_SCHEMA_VERSION, err, errlen);
    if (rc != 0) {
        ea_db_close(s->db);
        s->db = NULL;
    }
    return rc;
}

int ea_db_session_start(struct ea_db_session *s)
{
    char err[1024];
    if (s->with_flows && !(s->flows = ea_db_flows_new())) {
        fprintf(stderr, "edgeaudit: --db-flows: cannot make a temporary file for the flows\n");
        return -1;
    }
    int rc = session_connect(s, err, sizeof(err));
    if (rc == -1)
        fprintf(stderr, "edgeaudit: database not reachable, the run goes on: %s\n", err);
    else if (rc != 0)
        fprintf(stderr, "edgeaudit: %s\n", err);
    return rc == EA_DB_SCHEMA_OLD || rc == EA_DB_SCHEMA_NEWER || rc == EA_DB_SCHEMA_NONE ? -1 : 0;
}

/* One try on the connection there is (connecting first when there is none). */
static int session_try(struct ea_db_session *s, const struct ea_db_run_info *ri, const struct ea_view *v,
                       char *err, size_t errlen)
{
    int64_t id = 0;
    if (!s->db && session_connect(s, err, errlen) != 0)
        return -1;
    if (ea_db_record_run(s->db, v, ri, &id, err, errlen) != 0) {
        ea_db_close(s->db);   /* a server restarted since: connect afresh next time */
        s->db = NULL;
        return -1;
    }
    s->run_id = id;
    return 0;
}

/* This process's CPU seconds so far (the record line says what a record cost, wall and CPU). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ea_db_session_record(struct ea_db_session *s, const struct ea_view *v, const char *xml, size_t len,
                         int code)
{
    char err[1024];
    const char *sensor = s->sensor ? s->sensor : ea_db_default_sensor(s->host, sizeof(s->host));
    struct ea_db_run_info ri = { sensor, s->live, code, xml, len, s->flows, s->run_id };
    uint64_t nflows = s->flows ? ea_db_flows_waiting(s->flows) : 0;
    double t0 = ea_mono_now(), c0 = cpu_now();
    int had = s->db != NULL;
    if (session_try(s, &ri, v, err, sizeof(err)) != 0 && (!had || session_try(s, &ri, v, err, sizeof(err)) != 0)) {
        fprintf(stderr, "edgeaudit: the run was not recorded in the database%s: %s\n",
                s->live ? " (the next record holds the whole run so far)" : "", err);
        return -1;
    }
    double dt = ea_mono_now() - t0, dc = cpu_now() - c0;
    if (!s->quiet && !s->live && s->flows)
        fprintf(stderr, "edgeaudit: recorded as run %" PRId64 " of sensor %s with %" PRIu64 " flows in "
                "%.3f s, %.3f s CPU (%.0f flows/s)\n", s->run_id, sensor, nflows, dt, dc,
                dt > 0 ? (double)nflows / dt : 0.0);
    else if (!s->quiet && !s->live)
        fprintf(stderr, "edgeaudit: recorded as run %" PRId64 " of sensor %s in %.3f s, %.3f s CPU\n",
                s->run_id, sensor, dt, dc);
    return 0;
}

void ea_db_session_end(struct ea_db_session *s)
{
    if (s->fails)
        fprintf(stderr, "edgeaudit: database: %u of %u interval records of run %" PRId64 " failed; "
                "each record holds the whole run so far\n", s->fails, s->tries, s->run_id);
    if (s->flows && ea_db_flows_waiting(s->flows))
        fprintf(stderr, "edgeaudit: database: %" PRIu64 " flows (--db-flows) were not stored\n",
                ea_db_flows_waiting(s->flows));
    ea_db_close(s->db);
    s->db = NULL;
    ea_db_flows_free(s->flows);
    s->flows = NULL;
}

void ea_db_session_flow(const struct ea_flow *f, const struct ea_stream_texts *t, void *session)
{
    struct ea_db_session *s = session;
    if (s->flows)
        ea_db_flows_add(s->flows, f, t);
}

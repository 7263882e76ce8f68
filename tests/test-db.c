/* test-db.c: the database layer (db.h) against SQLite in memory; times of --since/--until. */
#include <stdlib.h>
#include <string.h>
#include "tests.h"
#include "db.h"
#include "db-cmd.h"
#include "db-run.h"
#include "db-flows.h"

static struct ea_db *mem(void)
{
    char err[256];
    struct ea_db *db = ea_db_open(":memory:", err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    return db;
}

static void test_target_kind(void)
{
    CU_ASSERT(ea_db_is_pg("postgresql://u@h/db"));
    CU_ASSERT(ea_db_is_pg("postgres:///db?host=/tmp"));
    CU_ASSERT(ea_db_is_pg("service=fleet"));
    CU_ASSERT(ea_db_is_pg("host=/tmp dbname=ea"));
    CU_ASSERT(!ea_db_is_pg("runs.sqlite"));
    CU_ASSERT(!ea_db_is_pg("/var/lib/edgeaudit/postgresql.sqlite"));
}

static void test_redact(void)
{
    char b[256];
    CU_ASSERT_STRING_EQUAL(ea_db_redact("postgresql://ea:s3cret@db.example/fleet", b, sizeof(b)),
                           "postgresql://ea:***@db.example/fleet");
    CU_ASSERT_STRING_EQUAL(ea_db_redact("postgresql://ea@db.example/fleet", b, sizeof(b)),
                           "postgresql://ea@db.example/fleet");
    CU_ASSERT_STRING_EQUAL(ea_db_redact("postgresql://h/db?user=ea&password=longsecret&x=1", b, sizeof(b)),
                           "postgresql://h/db?user=ea&password=***&x=1");
    CU_ASSERT_STRING_EQUAL(ea_db_redact("host=h password=ab dbname=x", b, sizeof(b)),
                           "host=h password=** dbname=x");
    CU_ASSERT_STRING_EQUAL(ea_db_redact("file-with-password=x.sqlite", b, sizeof(b)),
                           "file-with-password=x.sqlite");   /* a file name is not a secret */
    CU_ASSERT_STRING_EQUAL(ea_db_redact("postgresql://ea:s3cret@h/db", b, 12), "postgresql:");
}

static void test_schema_init_check(void)
{
    char err[256];
    int v = -1;
    struct ea_db *db = mem();
    CU_ASSERT_EQUAL(ea_db_version(db, &v, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(ea_db_check(db, err, sizeof(err)), EA_DB_SCHEMA_NONE);
    CU_ASSERT_EQUAL(ea_db_init(db, EA_DB_SCHEMA_VERSION + 1, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(ea_db_init(db, 1, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_check(db, err, sizeof(err)), EA_DB_SCHEMA_OLD);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "db upgrade"));
    CU_ASSERT_EQUAL(ea_db_init(db, 1, err, sizeof(err)), -1);     /* has a schema already */
    int from = 0;
    CU_ASSERT_EQUAL(ea_db_upgrade(db, &from, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(from, 1);
    CU_ASSERT_EQUAL(ea_db_check(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_upgrade(db, &from, err, sizeof(err)), 0);   /* current: nothing to do */
    CU_ASSERT_EQUAL(from, EA_DB_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("UPDATE schema_version SET version = 99", NULL, 0),
                               NULL, NULL, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_check(db, err, sizeof(err)), EA_DB_SCHEMA_NEWER);
    CU_ASSERT_EQUAL(ea_db_upgrade(db, &from, err, sizeof(err)), -1);
    ea_db_close(db);
}

/* Collects the first column of each row, concatenated with '|' (blobs with their NULs as '0'). */
struct collect { char buf[512]; size_t at; int rows; };

static int collect_row(void *ctx, size_t ncols, const char *const *vals, const size_t *lens)
{
    struct collect *c = ctx;
    c->rows++;
    for (size_t k = 0; k < ncols && k < 1; k++)
        for (size_t i = 0; vals[k] && i < lens[k] && c->at + 2 < sizeof(c->buf); i++)
            c->buf[c->at++] = vals[k][i] ? vals[k][i] : '0';
    if (c->at + 1 < sizeof(c->buf))
        c->buf[c->at++] = '|';
    c->buf[c->at] = '\0';
    return 0;
}

static void test_params_are_data(void)
{
    char err[256];
    struct ea_db *db = mem();
    CU_ASSERT_EQUAL_FATAL(ea_db_exec(db, EA_DB_STMT("CREATE TABLE t (a TEXT, b BLOB, n BIGINT)", NULL, 0),
                                     NULL, NULL, err, sizeof(err)), 0);
    const char *evil = "x'); DROP TABLE t; --\xef\xbf\xbe";
    const char blob[] = { 'a', 0, 'b' };
    struct ea_db_val p[] = { ea_db_text(evil), ea_db_blob(blob, 3), ea_db_int(-9007199254740993LL) };
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("INSERT INTO t (a, b, n) VALUES ($1, $2, $3)", p, 3),
                               NULL, NULL, err, sizeof(err)), 0);
    struct collect c = { .at = 0 };
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("SELECT a FROM t WHERE n = $1", &p[2], 1),
                               collect_row, &c, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.rows, 1);
    CU_ASSERT_EQUAL(strncmp(c.buf, evil, strlen(evil)), 0);
    struct collect cb = { .at = 0 };
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("SELECT b FROM t", NULL, 0),
                               collect_row, &cb, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(cb.buf, "a0b|");
    int64_t n = 0;
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT n FROM t", NULL, 0),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, -9007199254740993LL);
    /* the same parameter named twice, and NULL */
    struct ea_db_val q[] = { ea_db_text(NULL), ea_db_int(4) };
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT $2 * $2 + coalesce($1, 0)", q, 2),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 16);
    /* an error is one line, and a bad statement changes nothing */
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("INSERT INTO nosuch VALUES (1)", NULL, 0),
                               NULL, NULL, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuch"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    ea_db_close(db);
}

static void test_bulk_and_rollback(void)
{
    char err[256];
    int64_t n = -1;
    struct ea_db *db = mem();
    const char *cols[] = { "a", "n" };
    CU_ASSERT_EQUAL_FATAL(ea_db_exec(db, EA_DB_STMT("CREATE TABLE t (a TEXT, n BIGINT)", NULL, 0),
                                     NULL, NULL, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_bulk_begin(db, "t", cols, 2, err, sizeof(err)), 0);
    for (int i = 0; i < 1000; i++) {
        struct ea_db_val v[] = { ea_db_text("tab\tnew\nline\\"), ea_db_int(i) };
        CU_ASSERT_EQUAL(ea_db_bulk_row(db, v, 2, err, sizeof(err)), 0);
    }
    CU_ASSERT_EQUAL(ea_db_bulk_end(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_commit(db, err, sizeof(err)), 0);
    struct ea_db_val key = ea_db_text("tab\tnew\nline\\");
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT sum(n) FROM t WHERE a = $1", &key, 1),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 999 * 1000 / 2);
    /* rolled back: nothing of the transaction stays */
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("DELETE FROM t", NULL, 0),
                               NULL, NULL, err, sizeof(err)), 0);
    ea_db_rollback(db);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT count(*) FROM t", NULL, 0),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 1000);
    /* a transaction left open is rolled back by close (no crash, no leak) */
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    ea_db_close(db);
    ea_db_close(NULL);
}

static void test_open_errors(void)
{
    char err[256];
    CU_ASSERT_PTR_NULL(ea_db_open("/nonexistent-dir/x/y.sqlite", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir"));
    /* PostgreSQL that is not there: one line, the password never in it */
    CU_ASSERT_PTR_NULL(ea_db_open("postgresql://u:TopSecret@/db?host=/nonexistent-dir&connect_timeout=2",
                                  err, sizeof(err)));
    CU_ASSERT_PTR_NULL(strstr(err, "TopSecret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "u:***@"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
}

static void test_parse_time(void)
{
    int64_t ns = 0;
    /* real days past 64-bit nanoseconds are told apart from bad input; nothing overflows */
    CU_ASSERT_EQUAL(ea_db_parse_time("9999-12-31", &ns), -2);
    CU_ASSERT_EQUAL(ea_db_parse_time("2262-04-12", &ns), -2);
    CU_ASSERT_EQUAL(ea_db_parse_time("2262-04-11", &ns), 0);
    CU_ASSERT_EQUAL(ea_db_parse_time("9999-02-30", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05", &ns), 0);
    CU_ASSERT_EQUAL(ns, 1796428800LL * 1000000000LL);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05T01:02:03Z", &ns), 0);
    CU_ASSERT_EQUAL(ns, (1796428800LL + 3723) * 1000000000LL);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05 01:02:03.5", &ns), 0);
    CU_ASSERT_EQUAL(ns, (1796428800LL + 3723) * 1000000000LL + 500000000LL);
    CU_ASSERT_EQUAL(ea_db_parse_time("2013-03-15T10:04:59.999999999Z", &ns), 0);
    CU_ASSERT_EQUAL(ns, 1363341899999999999LL);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05T01:02", &ns), 0);
    CU_ASSERT_EQUAL(ea_db_parse_time("yesterday", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-13-01", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05T25:00", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05x", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("1969-12-31", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2027-02-30", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-12-05T01:02:", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("2026-1-05", &ns), -1);
    CU_ASSERT_EQUAL(ea_db_parse_time("", &ns), -1);
}

/* Reads a whole file of the source tree; malloc'ed, NULL when missing. */
static char *slurp(const char *rel, size_t *len)
{
    char path[1024];
    const char *top = getenv("EA_SRCDIR");
    snprintf(path, sizeof(path), "%s/%s", top && *top ? top : "..", rel);
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(1 << 20) : NULL;
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (buf)
        buf[*len] = '\0';
    if (f)
        fclose(f);
    return buf;
}

/* The hand-written v2 example's five groups (one a scan, one capped) and six examples. */
static void test_record_groups(void)
{
    char err[256];
    int64_t n = 0;
    size_t len = 0;
    struct ea_db *db = mem();
    char *xml = slurp("reports/examples/handwritten-all-features.xml", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
    CU_ASSERT_EQUAL_FATAL(ea_db_init(db, EA_DB_SCHEMA_VERSION, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_exec(db, EA_DB_STMT("INSERT INTO runs (id, sensor, sources, live, recorded, "
        "packets, bytes, flows, malformed, flows_evicted, incomplete, partial, allowed, unverified, "
        "unexpected, blocked, out_of_scope, blocked_required, result, exit_code, generator, report) "
        "VALUES (7, 's', '', 0, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'findings', 1, '', '')",
        NULL, 0), NULL, NULL, err, sizeof(err)), 0);
    struct ea_db_report rep = { xml, len };
    CU_ASSERT_EQUAL(ea_db_record_report(db, 7, &rep, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT finding_groups FROM runs", NULL, 0),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT count(*) FROM group_examples", NULL, 0),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT flows * 1000 + scan * 100 + "
        "initiators_capped * 10 FROM finding_groups WHERE key = '870073bfeaa57977' AND "
        "port_ranges = '3380-3399,5000,5002-5020' AND initiator = '203.0.113.99' AND port IS NULL",
        NULL, 0), &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 40100);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT initiators + initiators_capped FROM "
        "finding_groups WHERE key = 'f38f244347b0c8f0' AND rules = 'sipfed-partner-in' AND port = 5061 "
        "AND reason = '3 SYNs, never answered' AND last_ns = 1363341617000000000", NULL, 0),
        &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 4097);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT flow_id FROM group_examples WHERE "
        "key = '870073bfeaa57977' AND client_port = 41001 AND reason = 'SYN answered by RST'",
        NULL, 0), &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 13);
    /* the report's <flows> is not read: the flows table is --db-flows' (db-flows.c) */
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT count(*) FROM flows", NULL, 0),
                                    &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 0);
    /* a v1 report (no <findings>): nothing recorded, the count stays NULL */
    const char v1[] = "<edgeaudit-report version=\"1\"><summary/><flows><flow id=\"1\"/></flows></edgeaudit-report>";
    struct ea_db_report rep1 = { v1, sizeof(v1) - 1 };
    CU_ASSERT_EQUAL(ea_db_record_report(db, 8, &rep1, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT("SELECT count(*) FROM finding_groups WHERE run_id = 8",
                                                   NULL, 0), &n, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(n, 0);
    free(xml);
    ea_db_close(db);
}

/* One flow of id 'id' to 192.0.2.10:5061 with a reason holding the bytes COPY escapes. */
static void flow_row(struct ea_db_flows *fl, uint64_t id, const char *group)
{
    struct ea_flow f;
    struct ea_stream_texts t = { "203.0.113.20", "192.0.2.10", "sip-tls", "", group };
    memset(&f, 0, sizeof(f));
    f.id = id;
    f.key.family = 4;
    f.key.proto = 6;
    f.key.sport = 40000;
    f.key.dport = 5061;
    f.first_ns = 1000000000ULL * id;
    f.pkts[0] = 3;
    f.verdict.judged = 1;
    f.verdict.text = "tab\there, new\nline, back\\slash";
    ea_db_flows_add(fl, &f, &t);
}

static int64_t count_flows(struct ea_db *db, const char *where)
{
    char err[256], sql[512];
    int64_t n = -1;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows WHERE %s", where);
    CU_ASSERT_EQUAL(ea_db_query_int(db, EA_DB_STMT(sql, NULL, 0), &n, err, sizeof(err)), 0);
    return n;
}

/* --db-flows: rows wait until a record is committed; a rolled-back one keeps them; each once. */
static void test_flows_wait(void)
{
    char err[256];
    struct ea_db *db = mem();
    struct ea_db_flows *fl = ea_db_flows_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
    CU_ASSERT_EQUAL_FATAL(ea_db_init(db, EA_DB_SCHEMA_VERSION, err, sizeof(err)), 0);
    for (uint64_t i = 1; i <= 3; i++)
        flow_row(fl, i, i == 2 ? "0123456789abcdef" : NULL);
    CU_ASSERT_EQUAL(ea_db_flows_waiting(fl), 3);
    /* a record rolled back: nothing stored, the rows still wait */
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_flows_put(fl, db, 5, err, sizeof(err)), 0);
    ea_db_rollback(db);
    CU_ASSERT_EQUAL(count_flows(db, "1 = 1"), 0);
    CU_ASSERT_EQUAL(ea_db_flows_waiting(fl), 3);
    flow_row(fl, 4, NULL);   /* finished meanwhile */
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_flows_put(fl, db, 5, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_commit(db, err, sizeof(err)), 0);
    ea_db_flows_stored(fl);
    CU_ASSERT_EQUAL(ea_db_flows_waiting(fl), 0);
    CU_ASSERT_EQUAL(count_flows(db, "run_id = 5"), 4);
    CU_ASSERT_EQUAL(count_flows(db, "flow_id = 2 AND group_key = '0123456789abcdef' AND client = '203.0.113.20' "
                                    "AND server = '192.0.2.10' AND server_port = 5061 AND transport = 'tcp' "
                                    "AND reason = 'tab' || char(9) || 'here, new' || char(10) || 'line, back\\slash' "
                                    "AND first_ns = 2000000000 AND packets_c2s = 3 AND sni IS NULL AND app = 'sip-tls'"), 1);
    CU_ASSERT_EQUAL(count_flows(db, "group_key IS NULL"), 3);
    /* the next record (live) adds only the flows finished since */
    flow_row(fl, 5, NULL);
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_flows_put(fl, db, 5, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_commit(db, err, sizeof(err)), 0);
    ea_db_flows_stored(fl);
    CU_ASSERT_EQUAL(count_flows(db, "run_id = 5"), 5);
    /* nothing waiting: a record puts nothing */
    CU_ASSERT_EQUAL(ea_db_begin(db, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_flows_put(fl, db, 5, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(ea_db_commit(db, err, sizeof(err)), 0);
    ea_db_flows_stored(fl);
    CU_ASSERT_EQUAL(count_flows(db, "run_id = 5"), 5);
    ea_db_flows_free(fl);
    ea_db_flows_free(NULL);
    ea_db_close(db);
}

void ea_test_add_db(void)
{
    EA_SUITE("db",
             { "target kind", test_target_kind },
             { "password redacted", test_redact },
             { "schema init, check, upgrade", test_schema_init_check },
             { "parameters are data", test_params_are_data },
             { "bulk rows and rollback", test_bulk_and_rollback },
             { "open errors are one line", test_open_errors },
             { "--since/--until times", test_parse_time },
             { "groups of a v2 report recorded", test_record_groups },
             { "--db-flows rows wait until stored", test_flows_wait });
}

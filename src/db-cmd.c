/* db-cmd.c: edgeaudit db init|upgrade, edgeaudit runs and edgeaudit report --db. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "db-cmd.h"
#include "db.h"
#include "merge.h"
#include "options.h"
#include "util-file.h"
#include "util-time.h"

#define ERRLEN 1024
#define MAX_SENSORS 64

static const char db_usage[] =
    "usage: edgeaudit db init [--schema-version N] TARGET\n"
    "       edgeaudit db upgrade TARGET\n"
    "  TARGET: an SQLite file, or postgresql://[USER@]HOST/DB (libpq's service and password\n"
    "  files apply). init creates the schema in an empty database, upgrade migrates an older one.\n"
    "exit status: 0 done, 2 usage or database error, 4 schema newer than this edgeaudit\n";

static const char select_usage[] =
    "usage: edgeaudit runs --db TARGET [--sensor S]... [--since T] [--until T]\n"
    "       edgeaudit report --db TARGET [--sensor S]... [--since T] [--until T]\n"
    "                        [--xml FILE] [--html FILE] [--json FILE] [--examples K]\n"
    "                        [--deterministic] [--quiet] [--datadir DIR]\n"
    "  runs lists the stored runs; report writes the audit over the chosen runs: the merge of\n"
    "  their reports, in order of sensor, then of recording. A run is chosen when its sensor\n"
    "  is one of --sensor (any without it) and its packets' time span meets [--since, --until];\n"
    "  T is YYYY-MM-DD[THH:MM[:SS]][Z], UTC.\n"
    "exit status: 0 compliant (runs: listed), 1 findings, 2 usage, input or database error,\n"
    "  3 report not written, 4 database schema not this edgeaudit's (edgeaudit db upgrade)\n";

/* Opens target and checks its schema. NULL with the line printed and *code set. */
static struct ea_db *open_checked(const char *cmd, const char *target, int *code)
{
    char err[ERRLEN];
    struct ea_db *db = ea_db_open(target, err, sizeof(err));
    *code = EA_EXIT_USAGE;
    if (!db) {
        fprintf(stderr, "edgeaudit %s: %s\n", cmd, err);
        return NULL;
    }
    int rc = ea_db_check(db, err, sizeof(err));
    if (rc == 0)
        return db;
    fprintf(stderr, "edgeaudit %s: %s\n", cmd, err);
    if (rc == EA_DB_SCHEMA_OLD || rc == EA_DB_SCHEMA_NEWER)
        *code = EA_EXIT_SCHEMA;
    ea_db_close(db);
    return NULL;
}

static int db_init_upgrade(int upgrade, const char *target, int version)
{
    char err[ERRLEN], red[512];
    int from = 0, code = EA_EXIT_USAGE;
    struct ea_db *db = ea_db_open(target, err, sizeof(err));
    if (!db) {
        fprintf(stderr, "edgeaudit db: %s\n", err);
        return code;
    }
    ea_db_redact(target, red, sizeof(red));
    if (upgrade ? ea_db_upgrade(db, &from, err, sizeof(err)) : ea_db_init(db, version, err, sizeof(err))) {
        fprintf(stderr, "edgeaudit db: %s: %s\n", red, err);
        if (upgrade && from > EA_DB_SCHEMA_VERSION)
            code = EA_EXIT_SCHEMA;
        goto out;
    }
    if (!upgrade)
        printf("edgeaudit db: %s: schema version %d created (%s)\n", red, version, ea_db_backend_name(db));
    else if (from == EA_DB_SCHEMA_VERSION)
        printf("edgeaudit db: %s: schema version %d is current\n", red, from);
    else
        printf("edgeaudit db: %s: schema upgraded from version %d to %d\n", red, from, EA_DB_SCHEMA_VERSION);
    code = EA_EXIT_COMPLIANT;
out:
    ea_db_close(db);
    return code;
}

int ea_db_cmd_main(int argc, char **argv)
{
    int version = EA_DB_SCHEMA_VERSION;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(db_usage, stdout);
        return EA_EXIT_COMPLIANT;
    }
    if (argc == 5 && strcmp(argv[1], "init") == 0 && strcmp(argv[2], "--schema-version") == 0) {
        char *end;
        long v = strtol(argv[3], &end, 10);
        if (*end || v < 1 || v > EA_DB_SCHEMA_VERSION) {
            fprintf(stderr, "edgeaudit db: --schema-version: '%s' is not 1 to %d\n", argv[3],
                    EA_DB_SCHEMA_VERSION);
            return EA_EXIT_USAGE;
        }
        return db_init_upgrade(0, argv[4], (int)v);
    }
    if (argc == 3 && (strcmp(argv[1], "init") == 0 || strcmp(argv[1], "upgrade") == 0))
        return db_init_upgrade(argv[1][0] == 'u', argv[2], version);
    fputs(db_usage, stderr);
    return EA_EXIT_USAGE;
}

/* The runs chosen by runs and report: the command line's selection. */
struct select_args {
    const char *db;
    const char *sensors[MAX_SENSORS];
    size_t nsensors;
    int has_since, has_until;
    int64_t since, until;
    const char *xml, *html, *json, *examples, *datadir;
    int deterministic, quiet;
};

/* Parses argv; -1 to go on, else the exit code (the line printed). */
static int select_parse(int argc, char **argv, struct select_args *a, int report)
{
    static const struct option lo[] = {
        { "db", required_argument, NULL, 'b' }, { "sensor", required_argument, NULL, 's' },
        { "since", required_argument, NULL, 'S' }, { "until", required_argument, NULL, 'U' },
        { "xml", required_argument, NULL, 'x' }, { "html", required_argument, NULL, 'H' },
        { "json", required_argument, NULL, 'j' }, { "examples", required_argument, NULL, 'e' },
        { "deterministic", no_argument, NULL, 'd' }, { "quiet", no_argument, NULL, 'q' },
        { "datadir", required_argument, NULL, 'D' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    memset(a, 0, sizeof(*a));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'b': a->db = optarg; break;
        case 's':
            bad = a->nsensors == MAX_SENSORS;
            if (!bad)
                a->sensors[a->nsensors++] = optarg;
            break;
        case 'S': bad = ea_db_parse_time(optarg, &a->since); a->has_since = 1; break;
        case 'U': bad = ea_db_parse_time(optarg, &a->until); a->has_until = 1; break;
        case 'x': a->xml = optarg; break;
        case 'H': a->html = optarg; break;
        case 'j': a->json = optarg; break;
        case 'e': a->examples = optarg; break;   /* merge checks it */
        case 'd': a->deterministic = 1; break;
        case 'q': a->quiet = 1; break;
        case 'D': a->datadir = optarg; break;
        case 'h': fputs(select_usage, stdout); return EA_EXIT_COMPLIANT;
        default: bad = 1; break;
        }
        if (bad) {
            fprintf(stderr, "edgeaudit %s: bad or unknown option '%s' (see edgeaudit %s --help)\n",
                    argv[0], argv[optind - 1], argv[0]);
            return EA_EXIT_USAGE;
        }
    }
    if (optind != argc || !a->db || (report && !a->xml && !a->html && !a->json) ||
        (!report && (a->xml || a->html || a->json || a->examples))) {
        fputs(select_usage, stderr);
        return EA_EXIT_USAGE;
    }
    return -1;
}

/* "SELECT cols FROM runs WHERE ... ORDER BY sensor, id" with $n placeholders, and its parameters. */
static void select_sql(const struct select_args *a, const char *cols, char *sql, size_t n,
                       struct ea_db_val *p, size_t *np)
{
    size_t at = (size_t)snprintf(sql, n, "SELECT %s FROM runs WHERE 1 = 1", cols);
    *np = 0;
    for (size_t i = 0; i < a->nsensors && at < n; i++) {
        p[*np] = ea_db_text(a->sensors[i]);
        ++*np;
        at += (size_t)snprintf(sql + at, n - at, "%s$%zu", i ? ", " : " AND sensor IN (", *np);
    }
    if (a->nsensors && at < n)
        at += (size_t)snprintf(sql + at, n - at, ")");
    if (a->has_since && at < n) {
        p[(*np)++] = ea_db_int(a->since);
        at += (size_t)snprintf(sql + at, n - at, " AND last_ns >= $%zu", *np);
    }
    if (a->has_until && at < n) {
        p[(*np)++] = ea_db_int(a->until);
        at += (size_t)snprintf(sql + at, n - at, " AND first_ns <= $%zu", *np);
    }
    if (at < n)
        snprintf(sql + at, n - at, " ORDER BY sensor, id");
}

/* Prints s with control characters as '?' (names and paths are the user's, not trusted). */
static void put_clean(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        putchar((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? (s[i] == '\n' ? ',' : '?') : s[i]);
}

static int print_run(void *ctx, size_t ncols, const char *const *v, const size_t *lens)
{
    char t1[48] = "-", t2[48] = "-";
    (void)ctx;
    if (ncols < 10)
        return 1;
    if (v[2])
        ea_time_str((uint64_t)strtoull(v[2], NULL, 10), t1, sizeof(t1));
    if (v[3])
        ea_time_str((uint64_t)strtoull(v[3], NULL, 10), t2, sizeof(t2));
    printf("%-6s ", v[0]);
    put_clean(v[1], lens[1]);
    printf("  %s  %s  %s(exit %s)  %s packets  %s flows  %s  ", t1, t2, v[4], v[7], v[5], v[6],
           v[8] && strcmp(v[8], "0") != 0 ? "live" : "files");
    put_clean(v[9] ? v[9] : "", v[9] ? lens[9] : 0);
    putchar('\n');
    return 0;
}

int ea_runs_main(int argc, char **argv)
{
    struct select_args a;
    char sql[1024], err[ERRLEN];
    struct ea_db_val p[MAX_SENSORS + 2];
    size_t np = 0;
    int code = select_parse(argc, argv, &a, 0);
    if (code >= 0)
        return code;
    struct ea_db *db = open_checked("runs", a.db, &code);
    if (!db)
        return code;
    select_sql(&a, "id, sensor, first_ns, last_ns, result, packets, flows, exit_code, live, sources",
               sql, sizeof(sql), p, &np);
    printf("%-6s sensor  first  last  result  packets  flows  kind  sources\n", "run");
    if (ea_db_exec(db, EA_DB_STMT(sql, p, np), print_run, NULL, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit runs: %s\n", err);
        code = EA_EXIT_USAGE;
    } else {
        code = EA_EXIT_COMPLIANT;
    }
    ea_db_close(db);
    return code;
}

/* The chosen runs' reports, spooled as files for the merge. */
struct spool {
    char dir[PATH_MAX];
    char **files;
    size_t n, cap;
    int failed;
};

static int spool_run(void *ctx, size_t ncols, const char *const *v, const size_t *lens)
{
    struct spool *sp = ctx;
    char path[PATH_MAX + 64], err[ERRLEN];
    if (ncols < 2 || !v[0] || !v[1])
        return 1;
    if (sp->n == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        char **nf = realloc(sp->files, cap * sizeof(*nf));
        if (!nf)
            goto fail;
        sp->files = nf;
        sp->cap = cap;
    }
    /* Named by the run's id: merge's error lines then say which run. */
    snprintf(path, sizeof(path), "%s/run-%s.xml", sp->dir, v[0]);
    sp->files[sp->n] = strdup(path);
    if (!sp->files[sp->n])
        goto fail;
    sp->n++;
    if (ea_write_atomic(path, v[1], lens[1], err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit report: %s\n", err);
        sp->failed = 1;
        return 1;
    }
    return 0;
fail:
    fprintf(stderr, "edgeaudit report: out of memory\n");
    sp->failed = 1;
    return 1;
}

static void spool_free(struct spool *sp)
{
    for (size_t i = 0; i < sp->n; i++) {
        unlink(sp->files[i]);
        free(sp->files[i]);
    }
    free(sp->files);
    if (sp->dir[0])
        rmdir(sp->dir);
}

/* merge --xml ... --html ... [--deterministic] [--datadir D] --quiet FILES: its exit code. */
static int run_merge(const struct select_args *a, const struct spool *sp)
{
    const char **argv = calloc(sp->n + 16, sizeof(*argv));
    int argc = 0, code;
    if (!argv) {
        fprintf(stderr, "edgeaudit report: out of memory\n");
        return EA_EXIT_USAGE;
    }
    argv[argc++] = "merge";
    argv[argc++] = "--quiet";
    if (a->xml)
        argv[argc++] = "--xml", argv[argc++] = a->xml;
    if (a->html)
        argv[argc++] = "--html", argv[argc++] = a->html;
    if (a->json)
        argv[argc++] = "--json", argv[argc++] = a->json;
    if (a->examples)
        argv[argc++] = "--examples", argv[argc++] = a->examples;
    if (a->deterministic)
        argv[argc++] = "--deterministic";
    if (a->datadir)
        argv[argc++] = "--datadir", argv[argc++] = a->datadir;
    for (size_t i = 0; i < sp->n; i++)
        argv[argc++] = sp->files[i];
    code = ea_merge_main(argc, (char **)argv);
    free(argv);
    return code;
}

int ea_report_db_main(int argc, char **argv)
{
    struct select_args a;
    struct spool sp;
    char sql[1024], err[ERRLEN];
    struct ea_db_val p[MAX_SENSORS + 2];
    size_t np = 0;
    memset(&sp, 0, sizeof(sp));
    int code = select_parse(argc, argv, &a, 1);
    if (code >= 0)
        return code;
    struct ea_db *db = open_checked("report", a.db, &code);
    if (!db)
        return code;
    code = EA_EXIT_USAGE;
    const char *tmp = getenv("TMPDIR");
    snprintf(sp.dir, sizeof(sp.dir), "%s/edgeaudit-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(sp.dir)) {
        fprintf(stderr, "edgeaudit report: %s: %s\n", sp.dir, strerror(errno));
        sp.dir[0] = '\0';
        goto out;
    }
    select_sql(&a, "id, report", sql, sizeof(sql), p, &np);
    if (ea_db_exec(db, EA_DB_STMT(sql, p, np), spool_run, &sp, err, sizeof(err)) < 0) {
        fprintf(stderr, "edgeaudit report: %s\n", err);
        goto out;
    }
    if (sp.failed)
        goto out;
    if (sp.n == 0) {
        fprintf(stderr, "edgeaudit report: no stored run matches the selection\n");
        goto out;
    }
    code = run_merge(&a, &sp);
    if (!a.quiet && code <= EA_EXIT_FINDINGS)
        printf("edgeaudit report: %zu runs: %s\n", sp.n, code ? "FINDINGS" : "compliant");
out:
    spool_free(&sp);
    ea_db_close(db);
    return code;
}

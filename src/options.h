/* options.h: the command line. */
#ifndef EA_OPTIONS_H
#define EA_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes (documented in edgeaudit.1). */
#define EA_EXIT_COMPLIANT 0
#define EA_EXIT_FINDINGS  1
#define EA_EXIT_USAGE     2   /* usage, input or rules error */
#define EA_EXIT_REPORT    3   /* a report could not be written */
#define EA_EXIT_SCHEMA    4   /* --db: the database's schema is not this program's */

struct ea_options {
    const char **inputs;        /* -r FILE, in order (borrowed from argv) */
    size_t ninputs;
    const char **packs;         /* --pack NAME: lync2013-NAME.xml from the data directory */
    size_t npacks;
    const char **rules;         /* --rules FILE */
    size_t nrules;
    const char **roles;         /* --role NAME=CIDR[,CIDR...] */
    size_t nroles;
    const char *site;           /* --site FILE */
    const char *xml, *html, *json;
    const char *datadir;        /* --datadir: rules, schemas and stylesheet */
    char *bpf;                  /* trailing filter expression (owned) */
    int flows;                  /* --flows */
    int quiet;
    int deterministic;
    uint32_t max_flows;
    uint32_t tcp_timeout_s, udp_timeout_s;
    /* live mode (-i) */
    const char *iface;          /* -i IFACE */
    uint32_t snaplen;           /* --snaplen */
    uint32_t buffer_kib;        /* -B, --buffer-size KiB (0: EA_LIVE_BUFFER_KIB) */
    const char *user;           /* -Z USER */
    int keep_root;              /* --keep-root */
    int no_promisc;             /* -p, --no-promiscuous-mode */
    int alerts_json;            /* --alerts json */
    const char *alert_file;     /* --alert-file FILE (reopened on SIGHUP) */
    int syslog;                 /* --syslog */
    const char *report_dir;     /* --report-dir DIR */
    uint32_t interval_s;        /* --interval S (0: only on SIGUSR1 and at the end) */
    uint32_t window_s;          /* --window S (0: no window report) */
    uint32_t keep_flows;        /* --keep-flows N: finished flows kept for live reports */
    uint32_t settle_s;          /* --settle S: quiet time before an early alert */
    uint32_t threads;           /* --threads: worker threads, 1 (no workers) by default */
    int mtls_seen_only;         /* --mtls-evidence seen (default inferred) */
    /* the database of runs (db.h) */
    const char *db;             /* --db TARGET: record the run there */
    const char *sensor;         /* --sensor NAME (default: the host name) */
    int db_flows;               /* --db-flows: record every flow too */
    uint32_t examples;          /* --examples K: examples per group and rule (default 10, 0..1000) */
    int list_all;               /* --list-flows all (default examples) */
    const char *baseline;       /* --baseline OLD.xml (offline runs) */
    int fail_new;               /* --fail-on new: exit 1 only for new findings or worse rules */
    const char *accept;         /* --accept FILE: accepted findings (accept.h) */
};

/* --threads' upper bound (EA_MAX_THREADS in workers.h). */
#define EA_OPT_MAX_THREADS 64

/*
 * Parses argv. Returns 0 to run, 1 when --help or --version was printed
 * (exit 0), -1 on a usage error with one line in err. Free with ea_options_free.
 */
int ea_options_parse(struct ea_options *o, int argc, char **argv, char *err, size_t errlen);
void ea_options_free(struct ea_options *o);

/* Appends v (borrowed) to a growing array; -1 on out-of-memory (the array is unchanged). */
int ea_options_push(const char ***arr, size_t *n, const char *v);

/*
 * Finds the directory holding the data file 'name' (a rules file, a schema,
 * the stylesheet): --datadir DIR, then $EDGEAUDIT_DATADIR (each either the
 * directory itself, or a source tree holding it in its subdirectory 'sub',
 * "rules" or "reports"), then the installed data directory, then 'sub' next
 * to the directory of the running program (an uninstalled build tree). No
 * source-tree path is compiled in. Writes the directory into dir (n bytes);
 * 0 when found, -1 when not.
 */
int ea_find_datadir(const struct ea_options *o, const char *sub, const char *name, char *dir, size_t n);

#endif

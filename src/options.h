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

struct ea_options {
    const char **inputs;        /* -r FILE, in order (borrowed from argv) */
    size_t ninputs;
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
    uint32_t threads;           /* --threads: worker threads, 1 (no workers) by default */
};

/* --threads' upper bound (EA_MAX_THREADS in workers.h). */
#define EA_OPT_MAX_THREADS 64

/*
 * Parses argv. Returns 0 to run, 1 when --help or --version was printed
 * (exit 0), -1 on a usage error with one line in err. Free with ea_options_free.
 */
int ea_options_parse(struct ea_options *o, int argc, char **argv, char *err, size_t errlen);
void ea_options_free(struct ea_options *o);

/* Finds a data file: --datadir, $EDGEAUDIT_DATADIR, the installed dir, the source tree.
   Writes the directory holding 'name' into dir; 0 when found. */
int ea_find_datadir(const struct ea_options *o, const char *sub, const char *name, char *dir, size_t n);

#endif

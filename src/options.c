/* options.c: command-line parsing, tcpdump-style trailing filter included. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"
#include "flow-table.h"
#include "config.h"

#ifndef EA_DATADIR
#define EA_DATADIR "/usr/local/share/edgeaudit"
#endif
#ifndef EA_SRCDIR
#define EA_SRCDIR "."
#endif

static const char usage_text[] =
    "usage: edgeaudit -r FILE [-r FILE...] [options] [filter expression]\n"
    "  -r FILE            read a pcap or pcapng capture (- for standard input); repeatable\n"
    "  --rules FILE       rules file (default: the Lync Server 2013 Edge matrix); repeatable\n"
    "  --site FILE        site file mapping roles to addresses\n"
    "  --role NAME=CIDR[,CIDR...]  give a role its addresses; repeatable\n"
    "  --flows            print one line per flow\n"
    "  --xml FILE         write the XML report\n"
    "  --html FILE        write the HTML report\n"
    "  --json FILE        write JSON lines, one per flow and one per rule\n"
    "  --deterministic    no wall-clock time or host name in reports (for tests)\n"
    "  --quiet            no summary on standard output\n"
    "  --max-flows N      flows held at once (default 262144)\n"
    "  --tcp-timeout S    idle timeout of TCP flows, in packet-time seconds (default 3600)\n"
    "  --udp-timeout S    idle timeout of UDP flows (default 180)\n"
    "  --datadir DIR      where the rules, schemas and stylesheet are\n"
    "  --threads N        classify on N worker threads, flows sharded by hash (default 1)\n"
    "  -h, --help         this text;  -V, --version  the version\n"
    "exit status: 0 compliant, 1 findings, 2 usage, input or rules error, 3 report not written\n";

static int push(const char ***arr, size_t *n, const char *v)
{
    const char **na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na)
        return -1;
    na[(*n)++] = v;
    *arr = na;
    return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v == 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int ea_options_parse(struct ea_options *o, int argc, char **argv, char *err, size_t errlen)
{
    enum { O_RULES = 256, O_SITE, O_ROLE, O_FLOWS, O_XML, O_HTML, O_JSON, O_DET, O_QUIET,
           O_MAXF, O_TCPTO, O_UDPTO, O_DATADIR, O_THREADS };
    static const struct option lo[] = {
        { "read", required_argument, NULL, 'r' },
        { "rules", required_argument, NULL, O_RULES },
        { "site", required_argument, NULL, O_SITE },
        { "role", required_argument, NULL, O_ROLE },
        { "flows", no_argument, NULL, O_FLOWS },
        { "xml", required_argument, NULL, O_XML },
        { "html", required_argument, NULL, O_HTML },
        { "json", required_argument, NULL, O_JSON },
        { "deterministic", no_argument, NULL, O_DET },
        { "quiet", no_argument, NULL, O_QUIET },
        { "max-flows", required_argument, NULL, O_MAXF },
        { "tcp-timeout", required_argument, NULL, O_TCPTO },
        { "udp-timeout", required_argument, NULL, O_UDPTO },
        { "datadir", required_argument, NULL, O_DATADIR },
        { "threads", required_argument, NULL, O_THREADS },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct ea_flow_limits lim;
    int c, rc = -1;

    memset(o, 0, sizeof(*o));
    ea_flow_limits_default(&lim);
    o->max_flows = lim.max_flows;
    o->tcp_timeout_s = (uint32_t)(lim.tcp_idle_ns / 1000000000ULL);
    o->udp_timeout_s = (uint32_t)(lim.udp_idle_ns / 1000000000ULL);
    o->threads = 1;
    opterr = 0;
    optind = 1;
    /* '+' stops at the first non-option: the filter expression follows. */
    while ((c = getopt_long(argc, argv, "+r:hVq", lo, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'r': bad = push(&o->inputs, &o->ninputs, optarg); break;
        case O_RULES: bad = push(&o->rules, &o->nrules, optarg); break;
        case O_ROLE: bad = push(&o->roles, &o->nroles, optarg); break;
        case O_SITE: o->site = optarg; break;
        case O_FLOWS: o->flows = 1; break;
        case O_XML: o->xml = optarg; break;
        case O_HTML: o->html = optarg; break;
        case O_JSON: o->json = optarg; break;
        case O_DET: o->deterministic = 1; break;
        case 'q': case O_QUIET: o->quiet = 1; break;
        case O_DATADIR: o->datadir = optarg; break;
        case O_MAXF:
            if (parse_u32(optarg, &o->max_flows)) {
                snprintf(err, errlen, "--max-flows: '%s' is not a positive number", optarg);
                goto out;
            }
            break;
        case O_TCPTO:
            if (parse_u32(optarg, &o->tcp_timeout_s)) {
                snprintf(err, errlen, "--tcp-timeout: '%s' is not a positive number of seconds", optarg);
                goto out;
            }
            break;
        case O_UDPTO:
            if (parse_u32(optarg, &o->udp_timeout_s)) {
                snprintf(err, errlen, "--udp-timeout: '%s' is not a positive number of seconds", optarg);
                goto out;
            }
            break;
        case O_THREADS:
            if (parse_u32(optarg, &o->threads) || o->threads > EA_OPT_MAX_THREADS) {
                snprintf(err, errlen, "--threads: '%s' is not a number from 1 to %d", optarg,
                         EA_OPT_MAX_THREADS);
                goto out;
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            rc = 1;
            goto out;
        case 'V':
            printf("edgeaudit %s\n", PACKAGE_VERSION);
            rc = 1;
            goto out;
        case '?':
        default:
            if (optopt && optopt < 256)
                snprintf(err, errlen, "unknown option '-%c' (see edgeaudit --help)", optopt);
            else
                snprintf(err, errlen, "unknown or incomplete option '%s' (see edgeaudit --help)",
                         argv[optind - 1]);
            goto out;
        }
        if (bad) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    if (optind < argc) {
        size_t len = 1;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        o->bpf = calloc(1, len);
        if (!o->bpf) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        size_t at = 0;
        for (int i = optind; i < argc; i++) {
            size_t l = strlen(argv[i]);
            if (i > optind)
                o->bpf[at++] = ' ';
            memcpy(o->bpf + at, argv[i], l);
            at += l;
        }
    }
    if (o->ninputs == 0) {
        snprintf(err, errlen, "no input: give -r FILE (see edgeaudit --help)");
        goto out;
    }
    rc = 0;
out:
    return rc;
}

void ea_options_free(struct ea_options *o)
{
    free(o->inputs);
    free(o->rules);
    free(o->roles);
    free(o->bpf);
    memset(o, 0, sizeof(*o));
}

int ea_find_datadir(const struct ea_options *o, const char *sub, const char *name, char *dir, size_t n)
{
    const char *env = getenv("EDGEAUDIT_DATADIR");
    char cand[4][PATH_MAX];
    int nc = 0;
    if (o && o->datadir)
        snprintf(cand[nc++], PATH_MAX, "%s", o->datadir);
    if (env && *env)
        snprintf(cand[nc++], PATH_MAX, "%s", env);
    snprintf(cand[nc++], PATH_MAX, "%s", EA_DATADIR);
    snprintf(cand[nc++], PATH_MAX, "%s/%s", EA_SRCDIR, sub);
    for (int i = 0; i < nc; i++) {
        char path[PATH_MAX * 2];
        if (snprintf(path, sizeof(path), "%s/%s", cand[i], name) >= (int)sizeof(path))
            continue;
        if (access(path, R_OK) == 0) {
            snprintf(dir, n, "%s", cand[i]);
            return 0;
        }
    }
    return -1;
}

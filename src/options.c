/* options.c: command-line parsing, tcpdump-style trailing filter included. */
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"
#include "flow-table.h"
#include "group.h"
#include "config.h"

/* Live-mode defaults (doc/edgeaudit.1 and --help say the same). */
#define EA_LIVE_SNAPLEN 262144
#define EA_LIVE_KEEP_FLOWS 100000
#define EA_LIVE_SETTLE_S 5

#ifndef EA_DATADIR
#define EA_DATADIR "/usr/local/share/edgeaudit"
#endif

static const char usage_text[] =
    "usage: edgeaudit -r FILE [-r FILE...] [options] [filter expression]\n"
    "       edgeaudit -i IFACE [-Z USER | --keep-root] [options] [filter expression]\n"
    "       edgeaudit rules [--pack NAME | --rules FILE]... [--site FILE] [--strict]\n"
    "       edgeaudit merge | db init|upgrade | runs | report --db ... (each with --help)\n"
    "  -r FILE            read a pcap or pcapng capture (- for standard input); repeatable\n"
    "  --pack NAME        a shipped rule pack: edge (the default), edge-nat, edge-public,\n"
    "                     edge-scaled-dns, edge-scaled-hlb, reverse-proxy; repeatable\n"
    "  --rules FILE       rules file (after the packs; alone, instead of the default); repeatable\n"
    "  --site FILE        site file mapping roles to addresses\n"
    "  --role NAME=CIDR[,CIDR...]  give a role its addresses; repeatable\n"
    "  --flows            print one line per listed flow (see --list-flows)\n"
    "  --xml FILE         write the XML report\n"
    "  --html FILE        write the HTML report\n"
    "  --json FILE        write JSON lines, one per flow, rule, pack and finding group\n"
    "  --examples K       example flows per finding group and per rule (default 10, 0..1000)\n"
    "  --list-flows all|examples  list every flow in the reports and --flows, or only the\n"
    "                     examples and rule evidence (the default)\n"
    "  --deterministic    no wall-clock time or host name in reports (for tests)\n"
    "  --quiet            no summary on standard output\n"
    "  --max-flows N      flows held at once (default 262144)\n"
    "  --tcp-timeout S    idle timeout of TCP flows, in packet-time seconds (default 3600)\n"
    "  --udp-timeout S    idle timeout of UDP flows (default 180)\n"
    "  --datadir DIR      where the rules, schemas and stylesheet are\n"
    "  --db TARGET        record the run in a database: an SQLite file or postgresql://...\n"
    "  --sensor NAME      the sensor's name in the database (default: the host name)\n"
    "  --db-flows         also record every flow in the database\n"
    "  --mtls-evidence seen|inferred  may mutual TLS inferred from a TLS 1.3 handshake's shape\n"
    "                     make a flow allowed (inferred, the default) or only a certificate seen (seen)\n"
    "  --baseline OLD.xml compare with an earlier report: groups new, persisting, resolved, rule\n"
    "                     status changes (in every report, live ones too, and the summary)\n"
    "  --fail-on any|new  exit 1 on any finding (default), or only on new ones since --baseline\n"
    "  --accept FILE      accepted findings (rules/accept.rng): matched groups are marked and do\n"
    "                     not count for the exit code, until their entry expires\n"
    "live mode:\n"
    "  -i IFACE           capture on a network interface until SIGINT or SIGTERM\n"
    "  --snaplen N        bytes kept per packet (default 262144)\n"
    "  -B, --buffer-size KIB  kernel capture buffer in KiB, as tcpdump -B (default 32768)\n"
    "  -p, --no-promiscuous-mode  do not put the interface into promiscuous mode\n"
    "  -Z USER            become USER once the interface is open, before any packet is read\n"
    "  --keep-root        stay root (without it, running as root requires -Z)\n"
    "  --alerts text|json one line per new unexpected or blocked flow (default text)\n"
    "  --alert-file FILE  append alerts to FILE instead of standard output (reopened on SIGHUP)\n"
    "  --syslog           also send alerts to syslog (daemon facility)\n"
    "  --report-dir DIR   write report.xml and report.html there (and window-report.*)\n"
    "  --interval S       rewrite the reports every S seconds (default: at the end and on SIGUSR1)\n"
    "  --window S         also write window-report.xml/.html: the flows of the current window of\n"
    "                     S seconds (windows start every S seconds)\n"
    "  --keep-flows N     with --list-flows all, flows listed at most (default 100000; counts\n"
    "                     and groups stay exact)\n"
    "  --settle S         quiet seconds before a flow without a final verdict is alerted (default 5)\n"
    "  --threads N        classify on N threads, flows sharded by hash (default 1; with -r\n"
    "                     and N=2 the reading thread is one of them; with -i, one socket\n"
    "                     each in a PACKET_FANOUT group)\n"
    "  -h, --help         this text;  -V, --version  the version\n"
    "exit status: 0 compliant, 1 findings, 2 usage, input or rules error, 3 report not written\n"
    "  (or run not recorded in --db), 4 --db schema older or newer than this edgeaudit\n";

int ea_options_push(const char ***arr, size_t *n, const char *v)
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
           O_MAXF, O_TCPTO, O_UDPTO, O_DATADIR, O_SNAPLEN, O_KEEPROOT, O_ALERTS, O_ALERTFILE,
           O_SYSLOG, O_REPORTDIR, O_INTERVAL, O_WINDOW, O_KEEPFLOWS, O_SETTLE, O_THREADS,
           O_MTLSEV, O_PACK, O_DB, O_SENSOR, O_DBFLOWS, O_EXAMPLES, O_LISTFLOWS, O_BASELINE,
           O_FAILON, O_ACCEPT };
    static const struct option lo[] = {
        { "read", required_argument, NULL, 'r' },
        { "rules", required_argument, NULL, O_RULES },
        { "pack", required_argument, NULL, O_PACK },
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
        { "interface", required_argument, NULL, 'i' },
        { "snaplen", required_argument, NULL, O_SNAPLEN },
        { "buffer-size", required_argument, NULL, 'B' },
        { "no-promiscuous-mode", no_argument, NULL, 'p' },
        { "relinquish-privileges", required_argument, NULL, 'Z' },
        { "keep-root", no_argument, NULL, O_KEEPROOT },
        { "alerts", required_argument, NULL, O_ALERTS },
        { "alert-file", required_argument, NULL, O_ALERTFILE },
        { "syslog", no_argument, NULL, O_SYSLOG },
        { "report-dir", required_argument, NULL, O_REPORTDIR },
        { "interval", required_argument, NULL, O_INTERVAL },
        { "window", required_argument, NULL, O_WINDOW },
        { "keep-flows", required_argument, NULL, O_KEEPFLOWS },
        { "settle", required_argument, NULL, O_SETTLE },
        { "threads", required_argument, NULL, O_THREADS },
        { "mtls-evidence", required_argument, NULL, O_MTLSEV },
        { "db", required_argument, NULL, O_DB },
        { "sensor", required_argument, NULL, O_SENSOR },
        { "db-flows", no_argument, NULL, O_DBFLOWS },
        { "examples", required_argument, NULL, O_EXAMPLES },
        { "list-flows", required_argument, NULL, O_LISTFLOWS },
        { "baseline", required_argument, NULL, O_BASELINE },
        { "accept", required_argument, NULL, O_ACCEPT },
        { "fail-on", required_argument, NULL, O_FAILON },
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
    o->snaplen = EA_LIVE_SNAPLEN;
    o->keep_flows = EA_LIVE_KEEP_FLOWS;
    o->settle_s = EA_LIVE_SETTLE_S;
    o->threads = 1;
    o->examples = EA_EXAMPLES_DEFAULT;
    opterr = 0;
    optind = 1;
    /* '+' stops at the first non-option: the filter expression follows. */
    while ((c = getopt_long(argc, argv, "+r:hVqi:B:pZ:", lo, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'r': bad = ea_options_push(&o->inputs, &o->ninputs, optarg); break;
        case O_RULES: bad = ea_options_push(&o->rules, &o->nrules, optarg); break;
        case O_PACK: bad = ea_options_push(&o->packs, &o->npacks, optarg); break;
        case O_ROLE: bad = ea_options_push(&o->roles, &o->nroles, optarg); break;
        case O_SITE: o->site = optarg; break;
        case O_FLOWS: o->flows = 1; break;
        case O_XML: o->xml = optarg; break;
        case O_HTML: o->html = optarg; break;
        case O_JSON: o->json = optarg; break;
        case O_DET: o->deterministic = 1; break;
        case 'q': case O_QUIET: o->quiet = 1; break;
        case O_DATADIR: o->datadir = optarg; break;
        case 'i': o->iface = optarg; break;
        case 'p': o->no_promisc = 1; break;
        case 'Z': o->user = optarg; break;
        case O_KEEPROOT: o->keep_root = 1; break;
        case O_ALERTFILE: o->alert_file = optarg; break;
        case O_SYSLOG: o->syslog = 1; break;
        case O_REPORTDIR: o->report_dir = optarg; break;
        case O_DB: o->db = optarg; break;
        case O_SENSOR: o->sensor = optarg; break;
        case O_DBFLOWS: o->db_flows = 1; break;
        case O_BASELINE: o->baseline = optarg; break;
        case O_ACCEPT: o->accept = optarg; break;
        case O_FAILON:
            if (strcmp(optarg, "any") == 0 || strcmp(optarg, "new") == 0) {
                o->fail_new = optarg[0] == 'n';
                break;
            }
            snprintf(err, errlen, "--fail-on: '%s' is neither any nor new", optarg);
            goto out;
        case O_MTLSEV:
            if (strcmp(optarg, "seen") == 0 || strcmp(optarg, "inferred") == 0) {
                o->mtls_seen_only = optarg[0] == 's';
                break;
            }
            snprintf(err, errlen, "--mtls-evidence: '%s' is neither 'seen' nor 'inferred'", optarg);
            goto out;
        case O_EXAMPLES: {
            char *end;
            unsigned long k = strtoul(optarg, &end, 10);
            if (*optarg >= '0' && *optarg <= '9' && !*end && k <= EA_EXAMPLES_MAX) {
                o->examples = (uint32_t)k;
                break;
            }
            snprintf(err, errlen, "--examples: '%s' is not a number from 0 to 1000", optarg);
            goto out;
        }
        case O_LISTFLOWS:
            if (strcmp(optarg, "all") == 0 || strcmp(optarg, "examples") == 0) {
                o->list_all = optarg[0] == 'a';
                break;
            }
            snprintf(err, errlen, "--list-flows: '%s' is neither all nor examples", optarg);
            goto out;
        case O_ALERTS:
            if (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0) {
                o->alerts_json = optarg[0] == 'j';
                break;
            }
            snprintf(err, errlen, "--alerts: '%s' is neither text nor json", optarg);
            goto out;
        case O_SNAPLEN: case 'B': case O_INTERVAL: case O_WINDOW: case O_KEEPFLOWS: case O_SETTLE: {
            static const struct { int opt; const char *name; size_t off; } nums[] = {
                { O_SNAPLEN, "--snaplen", offsetof(struct ea_options, snaplen) },
                { 'B', "--buffer-size", offsetof(struct ea_options, buffer_kib) },
                { O_INTERVAL, "--interval", offsetof(struct ea_options, interval_s) },
                { O_WINDOW, "--window", offsetof(struct ea_options, window_s) },
                { O_KEEPFLOWS, "--keep-flows", offsetof(struct ea_options, keep_flows) },
                { O_SETTLE, "--settle", offsetof(struct ea_options, settle_s) },
            };
            for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
                if (nums[k].opt == c && parse_u32(optarg, (uint32_t *)((char *)o + nums[k].off))) {
                    snprintf(err, errlen, "%s: '%s' is not a positive number", nums[k].name, optarg);
                    goto out;
                }
            break;
        }
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
    if (o->ninputs == 0 && !o->iface) {
        snprintf(err, errlen, "no input: give -r FILE or -i IFACE (see edgeaudit --help)");
        goto out;
    }
    if (o->ninputs && o->iface) {
        snprintf(err, errlen, "-r and -i cannot be combined: read files or capture live");
        goto out;
    }
    /* Live-only options (those with a default: when changed from it) mean nothing offline. */
    if (!o->iface && (o->user || o->keep_root || o->report_dir || o->interval_s || o->window_s ||
                      o->alert_file || o->syslog || o->buffer_kib || o->no_promisc ||
                      o->alerts_json || o->snaplen != EA_LIVE_SNAPLEN ||
                      o->keep_flows != EA_LIVE_KEEP_FLOWS || o->settle_s != EA_LIVE_SETTLE_S)) {
        snprintf(err, errlen, "-Z, --keep-root, --report-dir, --interval, --window, --alert-file, "
                 "--syslog, --alerts, --snaplen, --keep-flows, --settle, -p and -B need live mode "
                 "(-i IFACE)");
        goto out;
    }
    if (o->fail_new && !o->baseline) {
        snprintf(err, errlen, "--fail-on new needs --baseline OLD.xml");
        goto out;
    }
    if (o->buffer_kib > INT_MAX / 1024) {   /* pcap_set_buffer_size takes bytes in an int */
        snprintf(err, errlen, "--buffer-size: at most %d KiB", INT_MAX / 1024);
        goto out;
    }
    if ((o->interval_s || o->window_s) && !o->report_dir) {
        snprintf(err, errlen, "--interval and --window need --report-dir DIR");
        goto out;
    }
    if ((o->sensor || o->db_flows) && !o->db) {
        snprintf(err, errlen, "--sensor and --db-flows need --db TARGET");
        goto out;
    }
    if (o->snaplen > 262144 || o->snaplen < 64) {
        snprintf(err, errlen, "--snaplen: %u is outside 64..262144", (unsigned)o->snaplen);
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
    free(o->packs);
    free(o->roles);
    free(o->bpf);
    memset(o, 0, sizeof(*o));
}

/* The directory of the running program (Linux /proc/self/exe) into buf; 0, or -1. */
static int exe_dir(char *buf, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0)
        return -1;
    buf[len] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

int ea_find_datadir(const struct ea_options *o, const char *sub, const char *name, char *dir, size_t n)
{
    const char *env = getenv("EDGEAUDIT_DATADIR");
    char cand[6][PATH_MAX], exe[PATH_MAX];
    int nc = 0;
    if (o && o->datadir) {
        snprintf(cand[nc++], PATH_MAX, "%s", o->datadir);
        snprintf(cand[nc++], PATH_MAX, "%s/%s", o->datadir, sub);
    }
    if (env && *env) {
        snprintf(cand[nc++], PATH_MAX, "%s", env);
        snprintf(cand[nc++], PATH_MAX, "%s/%s", env, sub);
    }
    snprintf(cand[nc++], PATH_MAX, "%s", EA_DATADIR);
    /* An uninstalled build: src/edgeaudit (or tests/, fuzz/) beside rules/ and reports/. */
    if (exe_dir(exe, sizeof(exe)) == 0 &&
        snprintf(cand[nc], PATH_MAX, "%s/../%s", exe, sub) < PATH_MAX)
        nc++;
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

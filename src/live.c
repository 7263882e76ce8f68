/* live.c: live monitoring: polled capture loop, alerts once per flow, interval and window reports, signals. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "live.h"
#include "source-live.h"
#include "output-flows.h"
#include "report-xml.h"
#include "report-html.h"
#include "report-json.h"

#define EA_NS 1000000000ULL
#define POLL_MS 200   /* longest wait for packets: idle expiry and intervals run at least this often */

struct ea_live {
    const struct ea_options *o;     /* borrowed */
    struct ea_pipeline *pl;         /* borrowed */
    struct ea_live_source *src;     /* owned while running */
    struct ea_policy *scratch;      /* early verdicts are counted here, never in pl->pol */
    FILE *alert_out;                /* stdout or the --alert-file (owned then) */
    int nano;
    int dlt;                        /* the device's link type, read once */
    uint64_t frames;
    uint64_t alerts, revised;
};

/* Set by the signal handlers only; the loop does the work. */
static volatile sig_atomic_t sig_stop, sig_hup, sig_usr1;
static struct ea_live_source *volatile sig_src;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        sig_hup = 1;
    else if (sig == SIGUSR1)
        sig_usr1 = 1;
    else
        sig_stop = 1;
    if (sig_src)
        ea_live_source_break(sig_src);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * EA_NS + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * EA_NS + (uint64_t)ts.tv_nsec;
}

enum ea_alert_event ea_live_alert_step(struct ea_flow *f)
{
    int alertable = f->verdict == EA_V_UNEXPECTED || f->verdict == EA_V_BLOCKED;
    if (!f->announced) {
        if (!alertable)
            return EA_ALERT_NONE;
        f->announced = 1;
        f->announced_verdict = f->verdict;
        return EA_ALERT_NEW;
    }
    if (f->verdict == f->announced_verdict)
        return EA_ALERT_NONE;
    f->announced_verdict = f->verdict;
    return EA_ALERT_REVISED;
}

char *ea_live_alert_format(struct ea_pipeline *pl, const struct ea_flow *f, enum ea_alert_event ev,
                           int prev_verdict, int json, size_t *len)
{
    const char *prev = ev == EA_ALERT_REVISED ? ea_verdict_name((enum ea_verdict)prev_verdict) : NULL;
    if (json)
        return ea_report_json_alert(pl, f, ev == EA_ALERT_REVISED ? "revised" : "new", prev, len);
    char brief[1400], head[96];
    if (prev)
        snprintf(head, sizeof(head), "edgeaudit: alert revised (was %s): ", prev);
    else
        snprintf(head, sizeof(head), "edgeaudit: alert: ");
    ea_output_flow_brief(f, brief, sizeof(brief));
    size_t n = strlen(head) + strlen(brief) + 2;
    char *line = malloc(n);
    if (!line)
        return NULL;
    snprintf(line, n, "%s%s\n", head, brief);
    *len = n - 1;
    return line;
}

int ea_live_in_window(uint64_t last_ns, uint64_t now_ns, uint64_t window_ns)
{
    if (now_ns < window_ns)
        return 1;
    return last_ns >= now_ns - window_ns;
}

int ea_live_settled(const struct ea_flow *f, uint64_t now_ns, uint64_t settle_ns)
{
    if (f->decided && f->pkts[0] && f->pkts[1])
        return 1;
    return now_ns >= f->last_ns && now_ns - f->last_ns >= settle_ns;
}

/* Writes one alert to every alert output. */
static void emit(struct ea_live *lv, const struct ea_flow *f, enum ea_alert_event ev, int prev)
{
    size_t len = 0;
    if (ev == EA_ALERT_NONE)
        return;
    char *line = ea_live_alert_format(lv->pl, f, ev, prev, lv->o->alerts_json, &len);
    if (!line) {
        fprintf(stderr, "edgeaudit: out of memory while writing an alert\n");
        return;
    }
    if (ev == EA_ALERT_NEW)
        lv->alerts++;
    else
        lv->revised++;
    if (lv->alert_out) {
        fwrite(line, 1, len, lv->alert_out);
        fflush(lv->alert_out);
    }
    if (lv->o->syslog)
        syslog(LOG_WARNING, "%.*s", (int)(len ? len - 1 : 0), line);
    free(line);
}

/* Pipeline hook: a flow left the table with its final verdict. */
static void on_judged(struct ea_pipeline *pl, struct ea_flow *f, void *ctx)
{
    struct ea_live *lv = ctx;
    int prev = f->announced_verdict;
    (void)pl;
    emit(lv, f, ea_live_alert_step(f), prev);
}

/*
 * Judges a flow still in the table through a shallow copy: the policy may
 * turn a flow round, which must never happen to one whose inspection still
 * runs. The copy shares the flow's dissector facts (read only) and owns its
 * own reason_text, which the caller frees; never ea_flow_free it.
 */
static void judge_copy(struct ea_policy *pol, const struct ea_flow *f, struct ea_flow *tmp)
{
    *tmp = *f;
    tmp->reason_text = NULL;
    tmp->hnext = tmp->lru_prev = tmp->lru_next = NULL;
    ea_policy_judge(pol, tmp);
}

struct settle_ctx {
    struct ea_live *lv;
    uint64_t now_ns, settle_ns;
};

/* A flow still in the table: judge it early once it has settled, and alert. */
static void settle_one(struct ea_flow *f, void *ctx)
{
    struct settle_ctx *c = ctx;
    int two_way = f->decided && f->pkts[0] && f->pkts[1];
    if (f->previewed == 2 || (f->previewed == 1 && f->previewed_ns == f->last_ns))
        return;   /* judged when it was already final but for the closing, or nothing new since */
    if (!ea_live_settled(f, c->now_ns, c->settle_ns))
        return;
    int prev = f->announced_verdict;
    struct ea_flow tmp;
    judge_copy(c->lv->scratch, f, &tmp);
    f->previewed = two_way ? 2 : 1;
    f->previewed_ns = f->last_ns;
    emit(c->lv, &tmp, ea_live_alert_step(&tmp), prev);
    f->announced = tmp.announced;
    f->announced_verdict = tmp.announced_verdict;
    free(tmp.reason_text);
}

struct ea_live *ea_live_new(const struct ea_options *o, struct ea_pipeline *pl, char *err, size_t errlen)
{
    struct ea_live *lv = calloc(1, sizeof(*lv));
    if (!lv)
        goto oom;
    lv->o = o;
    lv->pl = pl;
    lv->alert_out = stdout;
    lv->scratch = ea_policy_new(pl->rs);
    if (!lv->scratch)
        goto oom;
    pl->on_judged = on_judged;
    pl->judged_ctx = lv;
    pl->keep_done = o->keep_flows;
    pl->cap.window_s = 0;
    if (o->syslog)
        openlog("edgeaudit", LOG_PID, LOG_DAEMON);
    return lv;
oom:
    snprintf(err, errlen, "out of memory");
    ea_live_free(lv);
    return NULL;
}

void ea_live_free(struct ea_live *lv)
{
    if (!lv)
        return;
    lv->pl->on_judged = NULL;
    lv->pl->judged_ctx = NULL;
    if (lv->alert_out && lv->alert_out != stdout)
        fclose(lv->alert_out);
    if (lv->o->syslog)
        closelog();
    ea_live_source_close(lv->src);
    ea_policy_free(lv->scratch);
    free(lv);
}

/* (Re)opens --alert-file; on error says so and falls back to standard output. */
static int open_alerts(struct ea_live *lv)
{
    if (lv->alert_out && lv->alert_out != stdout)
        fclose(lv->alert_out);
    lv->alert_out = stdout;
    if (lv->o->syslog) {
        closelog();
        openlog("edgeaudit", LOG_PID, LOG_DAEMON);
    }
    if (!lv->o->alert_file)
        return 0;
    FILE *f = fopen(lv->o->alert_file, "a");
    if (!f) {
        fprintf(stderr, "edgeaudit: %s: %s; alerts go to standard output\n", lv->o->alert_file,
                strerror(errno));
        return -1;
    }
    lv->alert_out = f;
    return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct ea_live *lv = (struct ea_live *)user;
    lv->frames++;
    if (lv->nano) {
        ea_pipeline_packet(lv->pl, h, data, lv->dlt, lv->frames);
    } else {
        struct pcap_pkthdr h2 = *h;   /* the pipeline takes nanoseconds in tv_usec */
        h2.ts.tv_usec *= 1000;
        ea_pipeline_packet(lv->pl, &h2, data, lv->dlt, lv->frames);
    }
}

static void update_loss(struct ea_live *lv)
{
    uint64_t r, d, i;
    if (lv->src && ea_live_source_stats(lv->src, &r, &d, &i) == 0)
        ea_pipeline_set_loss(lv->pl, r, d, i);
}

struct collect_ctx {
    struct ea_flow **arr;
    size_t n, cap;
    struct ea_flow *copies;       /* judged copies (judge_copy), ncopies of capcopies */
    size_t ncopies, capcopies;
    struct ea_policy *pol;
    uint64_t now_ns, window_ns;   /* window_ns 0: every flow */
};

/* A flow joins a report judged on the report's policy, through a copy. */
static void collect_copy(struct ea_flow *f, void *ctx)
{
    struct collect_ctx *c = ctx;
    if (c->n == c->cap || c->ncopies == c->capcopies)
        return;
    if (c->window_ns && !ea_live_in_window(f->last_ns, c->now_ns, c->window_ns))
        return;
    struct ea_flow *t = &c->copies[c->ncopies++];
    judge_copy(c->pol, f, t);
    c->arr[c->n++] = t;
}

static int write_pair(struct ea_live *lv, struct ea_pipeline *view, const char *xml_name, const char *html_name)
{
    char err[1024], path[PATH_MAX];
    struct ea_report_meta meta = { lv->o->deterministic, NULL };
    size_t len = 0;
    int rc = 0;
    char *xml = ea_report_xml_build(view, &meta, &len);
    if (!xml) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", lv->o->report_dir, xml_name);
    if (ea_write_atomic(path, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    snprintf(path, sizeof(path), "%s/%s", lv->o->report_dir, html_name);
    if (ea_report_html_render(lv->o, path, xml, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "edgeaudit: %s\n", err);
        rc = -1;
    }
    free(xml);
    return rc;
}

/*
 * One report over a view of the pipeline: the whole run (a copy of the
 * policy's counts plus the active flows judged on that copy) or the last
 * window (every listed flow seen in it, judged again on a fresh policy).
 * The pipeline's own counts are never touched.
 */
static int write_view(struct ea_live *lv, int window)
{
    struct ea_pipeline *pl = lv->pl;
    struct collect_ctx c;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    c.now_ns = wall_ns() > pl->now_ns ? wall_ns() : pl->now_ns;
    c.window_ns = window ? (uint64_t)lv->o->window_s * EA_NS : 0;
    c.cap = pl->ndone + ea_flow_table_count(pl->ft);
    c.capcopies = ea_flow_table_count(pl->ft);
    if (window)
        for (size_t i = 0; i < pl->ndone; i++)
            c.capcopies += ea_live_in_window(pl->done[i]->last_ns, c.now_ns, c.window_ns);
    c.arr = malloc((c.cap ? c.cap : 1) * sizeof(*c.arr));
    c.copies = calloc(c.capcopies ? c.capcopies : 1, sizeof(*c.copies));
    if (window) {
        c.pol = ea_policy_new(pl->rs);
    } else {
        c.pol = malloc(sizeof(*c.pol));
        if (c.pol)
            memcpy(c.pol, pl->pol, sizeof(*c.pol));
    }
    if (!c.arr || !c.copies || !c.pol) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        goto out;
    }
    /* Finished flows: as judged (whole run), or judged again for the window's counts. */
    for (size_t i = 0; i < pl->ndone; i++) {
        if (window)
            collect_copy(pl->done[i], &c);
        else
            c.arr[c.n++] = pl->done[i];
    }
    ea_flow_table_foreach(pl->ft, collect_copy, &c);
    ea_policy_finish(c.pol);
    if (c.n)
        qsort(c.arr, c.n, sizeof(*c.arr), ea_flow_id_cmp);

    struct ea_pipeline view = *pl;
    view.pol = c.pol;
    view.done = c.arr;
    view.ndone = c.n;
    view.capdone = c.cap;
    view.cap.window_s = window ? lv->o->window_s : 0;
    rc = window ? write_pair(lv, &view, EA_LIVE_WINDOW_XML, EA_LIVE_WINDOW_HTML)
                : write_pair(lv, &view, EA_LIVE_REPORT_XML, EA_LIVE_REPORT_HTML);
out:
    for (size_t i = 0; i < c.ncopies; i++)
        free(c.copies[i].reason_text);
    free(c.copies);
    ea_policy_free(c.pol);
    free(c.arr);
    return rc;
}

int ea_live_write_reports(struct ea_live *lv)
{
    int rc = 0;
    if (!lv->o->report_dir)
        return 0;
    update_loss(lv);
    if (write_view(lv, 0) != 0)
        rc = -1;
    if (lv->o->window_s && write_view(lv, 1) != 0)
        rc = -1;
    return rc;
}

/* Without -Z, running as root is refused unless --keep-root asks for it. */
static int check_root(const struct ea_options *o, char *err, size_t errlen)
{
    if (geteuid() == 0 && !o->user && !o->keep_root) {
        snprintf(err, errlen, "refusing to read packets as root: give -Z USER to drop privileges "
                 "once %s is open, or --keep-root to stay root", o->iface);
        return -1;
    }
    return 0;
}

int ea_live_run(struct ea_live *lv, char *err, size_t errlen)
{
    const struct ea_options *o = lv->o;
    struct ea_pipeline *pl = lv->pl;
    struct ea_live_config cfg = { o->iface, o->bpf, (int)o->snaplen, o->buffer_kib, !o->no_promisc };
    struct sigaction sa, old_int, old_term, old_hup, old_usr1;
    int rc = -2;

    if (check_root(o, err, errlen) != 0)
        return -2;
    lv->src = ea_live_source_open(&cfg, err, errlen);
    if (!lv->src)
        return -2;
    /* Privileges go before the first packet is parsed. */
    if (o->user && ea_drop_privileges(o->user, err, errlen) != 0)
        return -2;
    if (geteuid() != 0 && ea_drop_capabilities(err, errlen) != 0)
        return -2;
    if (o->report_dir && access(o->report_dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "--report-dir %s: %s", o->report_dir, strerror(errno));
        return -2;
    }
    if (ea_pipeline_add_source(pl, o->iface, ea_live_source_dlt(lv->src)) != 0) {
        snprintf(err, errlen, "%s: out of memory", o->iface);
        return -2;
    }
    open_alerts(lv);
    lv->nano = ea_live_source_nano(lv->src);
    lv->dlt = ea_live_source_dlt(lv->src);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* poll returns EINTR whatever the flags (signal(7)); SA_RESTART keeps alert writes whole. */
    sa.sa_flags = SA_RESTART;
    sig_stop = sig_hup = sig_usr1 = 0;
    sig_src = lv->src;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGUSR1, &sa, &old_usr1);
    if (!o->quiet)
        fprintf(stderr, "edgeaudit: capturing on %s%s%s\n", o->iface, o->bpf ? " with filter " : "",
                o->bpf ? o->bpf : "");

    uint64_t settle_ns = (uint64_t)o->settle_s * EA_NS;
    uint64_t interval_ns = (uint64_t)o->interval_s * EA_NS;
    uint64_t next_report = mono_ns() + interval_ns, next_settle = 0;
    rc = 0;
    while (!sig_stop) {
        int n = ea_live_source_dispatch(lv->src, POLL_MS, on_packet, (u_char *)lv, err, errlen);
        if (n < 0) {
            rc = -1;
            break;
        }
        uint64_t now = wall_ns(), mono = mono_ns();
        ea_pipeline_idle(pl, now);
        if (mono >= next_settle) {
            struct settle_ctx sc = { lv, now > pl->now_ns ? now : pl->now_ns, settle_ns };
            ea_flow_table_foreach(pl->ft, settle_one, &sc);
            next_settle = mono + EA_NS / 2;
            update_loss(lv);   /* often, so that libpcap's 32-bit counters never wrap unseen */
        }
        if (sig_hup) {
            sig_hup = 0;
            open_alerts(lv);
        }
        if (sig_usr1 || (interval_ns && mono >= next_report)) {
            sig_usr1 = 0;
            ea_live_write_reports(lv);
            if (interval_ns)
                next_report = mono + interval_ns;
        }
    }
    update_loss(lv);
    sig_src = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    ea_pipeline_end_source(pl, lv->frames, 0);
    if (!o->quiet)
        fprintf(stderr, "edgeaudit: capture stopped: %" PRIu64 " alerts, %" PRIu64 " revised\n",
                lv->alerts, lv->revised);
    return rc;
}

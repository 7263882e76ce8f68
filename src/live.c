/* live.c: live monitoring: polled capture loop, alerts once per flow, interval and window reports, signals. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
#include "util-file.h"
#include "util-stats.h"

#define EA_NS 1000000000ULL
#define POLL_MS 200   /* longest wait for packets: idle expiry and intervals run at least this often */
#define ORPHANS_MAX 1024   /* per worker and tick; more are counted as unmatched */
#define ORPHAN_WAIT_NS (2 * EA_NS)   /* how long an ICMP error waits for its flow to be read */

struct ea_live;

/*
 * --threads N live: one capture socket per worker, joined in a PACKET_FANOUT
 * group. A worker decodes, tracks and classifies its own flows; judging,
 * alerts and reports stay in the main thread, which takes every worker's
 * lock (in index order) while it looks at their tables.
 */
struct live_worker {
    struct ea_live *lv;
    struct ea_live_source *src;     /* owned */
    struct ea_pipeline *pl;         /* owned: own table, classifier and nDPI; judging deferred */
    pthread_mutex_t mu;             /* held while the worker reads or expires, and while the
                                       main thread walks its table, takes its finished flows
                                       or reads its pcap_stats */
    pthread_t th;
    int mu_inited, started;
    atomic_int failed;              /* a capture error; err holds its line */
    /* ICMP errors whose quoted flow this worker does not hold: the kernel hashed them on
       their own addresses. The main thread gives each to the worker that holds the flow. */
    struct ea_packet *orphans;      /* owned, ORPHANS_MAX, scalars only (pointers cleared) */
    size_t norphans;
    char err[512];
};

struct ea_live {
    const struct ea_options *o;     /* borrowed */
    struct ea_pipeline *pl;         /* borrowed */
    struct ea_flow_limits lim;      /* the run's limits, split between workers */
    struct ea_live_source *src;     /* owned while running (one thread) */
    struct live_worker *w;          /* --threads: nworkers workers (owned) */
    unsigned nworkers;
    atomic_int stop;                /* the main thread tells workers to end */
    _Atomic uint64_t next_frame;    /* frame numbers over all workers' sockets */
    _Atomic uint64_t next_id;       /* flow ids over all workers' tables */
    struct ea_policy *scratch;      /* early verdicts are counted here, never in pl->pol */
    FILE *alert_out;                /* stdout or the --alert-file (owned then) */
    int nano;
    int dlt;                        /* the device's link type, read once */
    uint64_t frames;
    uint64_t alerts, revised;
    char split[160];                /* --threads: "; flows per thread: a b ..." for the stop line */
};

static void workers_free(struct ea_live *lv);

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
    int alertable = f->verdict.v == EA_V_UNEXPECTED || f->verdict.v == EA_V_BLOCKED;
    if (!f->live.announced) {
        if (!alertable)
            return EA_ALERT_NONE;
        f->live.announced = 1;
        f->live.announced_verdict = f->verdict.v;
        return EA_ALERT_NEW;
    }
    if (f->verdict.v == f->live.announced_verdict)
        return EA_ALERT_NONE;
    f->live.announced_verdict = f->verdict.v;
    return EA_ALERT_REVISED;
}

char *ea_live_alert_format(struct ea_pipeline *pl, const struct ea_flow *f, enum ea_alert_event ev,
                           int prev_verdict, int json, size_t *len)
{
    const char *prev = ev == EA_ALERT_REVISED ? ea_verdict_name((enum ea_verdict)prev_verdict) : NULL;
    if (json) {
        struct ea_view v;
        ea_pipeline_view(pl, &v);
        return ea_report_json_alert(&v, f, ev == EA_ALERT_REVISED ? "revised" : "new", prev, len);
    }
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
    if (f->label.decided && f->pkts[0] && f->pkts[1])
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
    int prev = f->live.announced_verdict;
    (void)pl;
    emit(lv, f, ea_live_alert_step(f), prev);
}

/*
 * Judges a flow still in the table through a shallow copy: the policy may
 * turn a flow round, which must never happen to one whose inspection still
 * runs. The copy shares the flow's dissector facts (read only) and owns its
 * own verdict.text, which the caller frees; never ea_flow_free it.
 */
static void judge_copy(struct ea_policy *pol, const struct ea_flow *f, struct ea_flow *tmp)
{
    *tmp = *f;
    tmp->verdict.text = NULL;
    tmp->table.hnext = tmp->table.lru_prev = tmp->table.lru_next = NULL;
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
    int two_way = f->label.decided && f->pkts[0] && f->pkts[1];
    if (f->live.previewed == 2 || (f->live.previewed == 1 && f->live.previewed_ns == f->last_ns))
        return;   /* judged when it was already final but for the closing, or nothing new since */
    if (!ea_live_settled(f, c->now_ns, c->settle_ns))
        return;
    int prev = f->live.announced_verdict;
    struct ea_flow tmp;
    judge_copy(c->lv->scratch, f, &tmp);
    f->live.previewed = two_way ? 2 : 1;
    f->live.previewed_ns = f->last_ns;
    emit(c->lv, &tmp, ea_live_alert_step(&tmp), prev);
    f->live.announced = tmp.live.announced;
    f->live.announced_verdict = tmp.live.announced_verdict;
    free(tmp.verdict.text);
}

struct ea_live *ea_live_new(const struct ea_options *o, struct ea_pipeline *pl,
                            const struct ea_flow_limits *lim, char *err, size_t errlen)
{
    struct ea_live *lv = calloc(1, sizeof(*lv));
    if (!lv)
        goto oom;
    lv->o = o;
    lv->pl = pl;
    lv->lim = *lim;
    atomic_init(&lv->stop, 0);
    atomic_init(&lv->next_frame, 1);
    atomic_init(&lv->next_id, 1);
    lv->alert_out = stdout;
    lv->scratch = ea_policy_new(ea_pipeline_rules(pl));
    if (!lv->scratch)
        goto oom;
    ea_pipeline_on_judged(pl, on_judged, lv);
    ea_pipeline_keep_flows(pl, o->keep_flows);
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
    ea_pipeline_on_judged(lv->pl, NULL, NULL);
    if (lv->alert_out && lv->alert_out != stdout)
        fclose(lv->alert_out);
    if (lv->o->syslog)
        closelog();
    workers_free(lv);
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

/* The pipeline takes nanoseconds in tv_usec: h itself, or *tmp scaled from microseconds. */
static const struct pcap_pkthdr *stamp_ns(const struct ea_live *lv, const struct pcap_pkthdr *h,
                                          struct pcap_pkthdr *tmp)
{
    if (lv->nano)
        return h;
    *tmp = *h;
    tmp->ts.tv_usec *= 1000;
    return tmp;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct ea_live *lv = (struct ea_live *)user;
    struct pcap_pkthdr tmp;
    lv->frames++;
    ea_pipeline_packet(lv->pl, stamp_ns(lv, h, &tmp), data, lv->dlt, lv->frames);
}

static void on_packet_worker(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live_worker *w = (struct live_worker *)user;
    struct pcap_pkthdr tmp;
    struct ea_packet p;
    if (!ea_pipeline_prepare(w->pl, stamp_ns(w->lv, h, &tmp), data, w->lv->dlt,
                             atomic_fetch_add(&w->lv->next_frame, 1), &p))
        return;
    if (p.icmp_error && !ea_flow_table_find(ea_pipeline_table(w->pl), &p.icmp_quoted, NULL)) {
        if (w->norphans == ORPHANS_MAX) {
            ea_pipeline_stats(w->pl)->icmp_errors_unmatched++;
            return;
        }
        p.data = p.l3 = p.payload = NULL;   /* the capture buffer goes with this call */
        w->orphans[w->norphans++] = p;
        return;
    }
    ea_pipeline_flow_packet(w->pl, &p);
}

/*
 * Each worker's orphaned ICMP errors go to the worker whose table holds the
 * quoted flow. The datagram an error quotes may still wait, unread, in the
 * other worker's ring (its block not yet retired), so an error no table
 * knows is kept for ORPHAN_WAIT_NS of packet age and counted unmatched
 * (in the first worker) only then, or at once with 'force' (the end).
 * Locks held, or the workers have ended.
 */
static void place_orphans(struct ea_live *lv, int force)
{
    uint64_t now = wall_ns();
    for (unsigned k = 0; k < lv->nworkers; k++) {
        struct live_worker *w = &lv->w[k];
        size_t kept = 0;
        for (size_t i = 0; i < w->norphans; i++) {
            const struct ea_packet *p = &w->orphans[i];
            unsigned owner = 0;
            int found = 0;
            for (unsigned j = 0; j < lv->nworkers && !found; j++)
                if (ea_flow_table_find(ea_pipeline_table(lv->w[j].pl), &p->icmp_quoted, NULL)) {
                    owner = j;
                    found = 1;
                }
            if (!found && !force && now < p->ts_ns + ORPHAN_WAIT_NS)
                w->orphans[kept++] = *p;   /* its flow may not be read yet */
            else
                ea_pipeline_flow_packet(lv->w[owner].pl, p);
        }
        w->norphans = kept;
    }
}

/* Loss over every socket. With workers, the caller holds their locks (or they have ended). */
static void update_loss(struct ea_live *lv)
{
    uint64_t r, d, i, sr = 0, sd = 0, si = 0;
    int have = 0;
    if (lv->src && ea_live_source_stats(lv->src, &r, &d, &i) == 0) {
        sr += r, sd += d, si += i;
        have = 1;
    }
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].src && ea_live_source_stats(lv->w[k].src, &r, &d, &i) == 0) {
            sr += r, sd += d, si += i;
            have = 1;
        }
    if (have)
        ea_pipeline_set_loss(lv->pl, sr, sd, si);
}

/* Every table of the run: the main pipeline's, then each worker's (their locks held). */
static void foreach_active(struct ea_live *lv, void (*fn)(struct ea_flow *f, void *ctx), void *ctx)
{
    ea_flow_table_foreach(ea_pipeline_table(lv->pl), fn, ctx);
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].pl)
            ea_flow_table_foreach(ea_pipeline_table(lv->w[k].pl), fn, ctx);
}

static size_t count_active(struct ea_live *lv)
{
    size_t n = ea_flow_table_count(ea_pipeline_table(lv->pl));
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].pl)
            n += ea_flow_table_count(ea_pipeline_table(lv->w[k].pl));
    return n;
}

static void lock_workers(struct ea_live *lv)
{
    for (unsigned k = 0; k < lv->nworkers; k++)
        pthread_mutex_lock(&lv->w[k].mu);
}

static void unlock_workers(struct ea_live *lv)
{
    for (unsigned k = lv->nworkers; k-- > 0;)
        pthread_mutex_unlock(&lv->w[k].mu);
}

/*
 * The workers' finished flows move to the main pipeline, which judges them
 * (alerts) and keeps them. Locks held, or the workers have ended.
 */
static void drain_workers(struct ea_live *lv)
{
    place_orphans(lv, 0);
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_pipeline_adopt_all(lv->pl, lv->w[k].pl);
}

/* The run's counters: the main pipeline's plus every worker's (locks held). */
static void sum_stats(struct ea_live *lv, struct ea_stats *st, uint64_t *now_ns)
{
    *st = *ea_pipeline_stats(lv->pl);
    *now_ns = ea_pipeline_now(lv->pl);
    for (unsigned k = 0; k < lv->nworkers; k++) {
        ea_stats_add(st, ea_pipeline_stats(lv->w[k].pl));
        if (ea_pipeline_now(lv->w[k].pl) > *now_ns)
            *now_ns = ea_pipeline_now(lv->w[k].pl);
    }
}

static void *worker_main(void *arg)
{
    struct live_worker *w = arg;
    struct ea_live *lv = w->lv;
    while (!atomic_load(&lv->stop)) {
        int r = ea_live_source_wait(w->src, POLL_MS, w->err, sizeof(w->err));
        pthread_mutex_lock(&w->mu);
        if (r > 0)
            r = ea_live_source_read(w->src, on_packet_worker, (u_char *)w, w->err, sizeof(w->err));
        if (r >= 0)
            ea_pipeline_idle(w->pl, wall_ns());
        pthread_mutex_unlock(&w->mu);
        if (r < 0) {
            atomic_store(&w->failed, 1);
            break;
        }
    }
    return NULL;
}

/* Stops (if running) and frees the workers with their pipelines and sockets. */
static void workers_free(struct ea_live *lv)
{
    if (!lv->w)
        return;
    atomic_store(&lv->stop, 1);
    for (unsigned k = 0; k < lv->nworkers; k++) {
        struct live_worker *w = &lv->w[k];
        if (w->started)
            pthread_join(w->th, NULL);
        if (w->mu_inited)
            pthread_mutex_destroy(&w->mu);
        ea_pipeline_free(w->pl);
        ea_live_source_close(w->src);
        free(w->orphans);
    }
    free(lv->w);
    lv->w = NULL;
    lv->nworkers = 0;
}

/*
 * Opens one socket per worker and joins them in a fanout group, and makes
 * each worker's pipeline (main thread: nDPI starts one at a time). Runs
 * before privileges are dropped. -1 with one line in err.
 */
static int workers_open(struct ea_live *lv, const struct ea_live_config *cfg, char *err, size_t errlen)
{
    unsigned n = lv->o->threads;
    struct ea_live_source *srcs[EA_OPT_MAX_THREADS];
    struct ea_flow_limits wlim = lv->lim;
    wlim.max_flows = lv->lim.max_flows / n + (lv->lim.max_flows % n != 0);
    lv->w = calloc(n, sizeof(*lv->w));
    if (!lv->w) {
        snprintf(err, errlen, "%s: out of memory", cfg->iface);
        return -1;
    }
    lv->nworkers = n;
    for (unsigned k = 0; k < n; k++) {
        struct live_worker *w = &lv->w[k];
        w->lv = lv;
        atomic_init(&w->failed, 0);
        w->src = ea_live_source_open(cfg, err, errlen);
        if (!w->src)
            return -1;
        srcs[k] = w->src;
        w->orphans = malloc(ORPHANS_MAX * sizeof(*w->orphans));
        if (!w->orphans) {
            snprintf(err, errlen, "%s: out of memory", cfg->iface);
            return -1;
        }
        if (pthread_mutex_init(&w->mu, NULL) != 0) {
            snprintf(err, errlen, "%s: cannot make a lock", cfg->iface);
            return -1;
        }
        w->mu_inited = 1;
        w->pl = ea_pipeline_new(&wlim, ea_pipeline_rules(lv->pl));
        if (!w->pl) {
            snprintf(err, errlen, "cannot start worker %u's pipeline (out of memory or nDPI failed)", k);
            return -1;
        }
        ea_pipeline_defer_judging(w->pl);   /* judged by the main thread, which alerts */
        ea_flow_table_share_ids(ea_pipeline_table(w->pl), &lv->next_id);
    }
    return ea_live_source_fanout(srcs, n, err, errlen);
}

/* Starts the worker threads with the stop signals blocked: those go to the main thread. */
static int workers_start(struct ea_live *lv, char *err, size_t errlen)
{
    sigset_t block, old;
    int rc = 0;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (unsigned k = 0; k < lv->nworkers; k++) {
        if (pthread_create(&lv->w[k].th, NULL, worker_main, &lv->w[k]) != 0) {
            snprintf(err, errlen, "cannot start worker thread %u", k);
            rc = -1;
            break;
        }
        lv->w[k].started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* A worker's capture error, copied into err: -1; or 0. */
static int worker_failed(struct ea_live *lv, char *err, size_t errlen)
{
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (atomic_load(&lv->w[k].failed)) {
            snprintf(err, errlen, "%s", lv->w[k].err);
            return -1;
        }
    return 0;
}

/*
 * Ends the workers and hands everything to the main pipeline: each table is
 * flushed (classification ends in the worker's classifier), the finished
 * flows are judged, and the counters summed, so that ea_pipeline_finish and
 * the reports work on the main pipeline as with one thread.
 */
static void workers_finish(struct ea_live *lv)
{
    struct ea_pipeline *pl = lv->pl;
    atomic_store(&lv->stop, 1);
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].started) {
            pthread_join(lv->w[k].th, NULL);
            lv->w[k].started = 0;
        }
    update_loss(lv);
    place_orphans(lv, 1);   /* before the flush, while the quoted flows are still in the tables */
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_flow_table_flush(ea_pipeline_table(lv->w[k].pl));
    drain_workers(lv);
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_pipeline_absorb(pl, lv->w[k].pl);   /* counters, clock and out-of-memory mark */
    lv->frames = atomic_load(&lv->next_frame) - 1;
    size_t n = (size_t)snprintf(lv->split, sizeof(lv->split), "; flows per thread:");
    for (unsigned k = 0; k < lv->nworkers && n < sizeof(lv->split); k++)
        n += (size_t)snprintf(lv->split + n, sizeof(lv->split) - n, " %" PRIu64,
                              ea_pipeline_stats(lv->w[k].pl)->flows_created);
    workers_free(lv);
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

static int write_pair(struct ea_live *lv, const struct ea_view *view, const char *xml_name, const char *html_name)
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
    struct ea_view view;
    struct collect_ctx c;
    int rc = -1;

    ea_pipeline_view(lv->pl, &view);
    memset(&c, 0, sizeof(c));
    uint64_t pnow = ea_pipeline_now(lv->pl);
    c.now_ns = wall_ns() > pnow ? wall_ns() : pnow;
    c.window_ns = window ? (uint64_t)lv->o->window_s * EA_NS : 0;
    c.cap = view.ndone + count_active(lv);
    c.capcopies = count_active(lv);
    if (window)
        for (size_t i = 0; i < view.ndone; i++)
            c.capcopies += ea_live_in_window(view.done[i]->last_ns, c.now_ns, c.window_ns);
    c.arr = malloc((c.cap ? c.cap : 1) * sizeof(*c.arr));
    c.copies = calloc(c.capcopies ? c.capcopies : 1, sizeof(*c.copies));
    if (window) {
        c.pol = ea_policy_new(view.rs);
    } else {
        c.pol = malloc(sizeof(*c.pol));
        if (c.pol)
            memcpy(c.pol, view.pol, sizeof(*c.pol));
    }
    if (!c.arr || !c.copies || !c.pol) {
        fprintf(stderr, "edgeaudit: out of memory while building the report\n");
        goto out;
    }
    /* Finished flows: as judged (whole run), or judged again for the window's counts. */
    for (size_t i = 0; i < view.ndone; i++) {
        if (window)
            collect_copy(view.done[i], &c);
        else
            c.arr[c.n++] = view.done[i];
    }
    foreach_active(lv, collect_copy, &c);
    ea_policy_finish(c.pol);
    if (c.n)
        qsort(c.arr, c.n, sizeof(*c.arr), ea_flow_id_cmp);

    uint64_t now_ns;
    view.pol = c.pol;
    view.done = c.arr;
    view.ndone = c.n;
    view.cap.window_s = window ? lv->o->window_s : 0;
    sum_stats(lv, &view.st, &now_ns);
    rc = window ? write_pair(lv, &view, EA_LIVE_WINDOW_XML, EA_LIVE_WINDOW_HTML)
                : write_pair(lv, &view, EA_LIVE_REPORT_XML, EA_LIVE_REPORT_HTML);
out:
    for (size_t i = 0; i < c.ncopies; i++)
        free(c.copies[i].verdict.text);
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
    lock_workers(lv);   /* the reports read the workers' tables, and copies share their strings */
    drain_workers(lv);
    update_loss(lv);
    if (write_view(lv, 0) != 0)
        rc = -1;
    if (lv->o->window_s && write_view(lv, 1) != 0)
        rc = -1;
    unlock_workers(lv);
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
    if (o->threads > 1) {
        if (workers_open(lv, &cfg, err, errlen) != 0)
            return -2;
    } else {
        lv->src = ea_live_source_open(&cfg, err, errlen);
        if (!lv->src)
            return -2;
    }
    struct ea_live_source *first = lv->src ? lv->src : lv->w[0].src;
    /* Privileges go before the first packet is parsed. */
    if (o->user && ea_drop_privileges(o->user, err, errlen) != 0)
        return -2;
    if (geteuid() != 0 && ea_drop_capabilities(err, errlen) != 0)
        return -2;
    if (o->report_dir && access(o->report_dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "--report-dir %s: %s", o->report_dir, strerror(errno));
        return -2;
    }
    if (ea_pipeline_add_source(pl, o->iface, ea_live_source_dlt(first)) != 0) {
        snprintf(err, errlen, "%s: out of memory", o->iface);
        return -2;
    }
    open_alerts(lv);
    lv->nano = ea_live_source_nano(first);
    lv->dlt = ea_live_source_dlt(first);
    if (lv->nworkers && workers_start(lv, err, errlen) != 0)
        return -2;

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
        fprintf(stderr, "edgeaudit: capturing on %s%s%s%s\n", o->iface, o->bpf ? " with filter " : "",
                o->bpf ? o->bpf : "", lv->nworkers ? " (threads sharing a PACKET_FANOUT group)" : "");

    uint64_t settle_ns = (uint64_t)o->settle_s * EA_NS;
    uint64_t interval_ns = (uint64_t)o->interval_s * EA_NS;
    uint64_t next_report = mono_ns() + interval_ns, next_settle = 0;
    rc = 0;
    while (!sig_stop) {
        if (lv->nworkers) {
            struct timespec nap = { 0, POLL_MS * 1000000L };
            nanosleep(&nap, NULL);   /* a signal ends it early */
            if (worker_failed(lv, err, errlen) != 0) {
                rc = -1;
                break;
            }
        } else if (ea_live_source_dispatch(lv->src, POLL_MS, on_packet, (u_char *)lv, err, errlen) < 0) {
            rc = -1;
            break;
        }
        uint64_t now = wall_ns(), mono = mono_ns();
        lock_workers(lv);
        drain_workers(lv);   /* finished flows are judged, and alerted, here */
        ea_pipeline_idle(pl, now);
        if (mono >= next_settle) {
            uint64_t pnow = ea_pipeline_now(pl);
            struct settle_ctx sc = { lv, now > pnow ? now : pnow, settle_ns };
            foreach_active(lv, settle_one, &sc);
            next_settle = mono + EA_NS / 2;
            update_loss(lv);   /* often, so that libpcap's 32-bit counters never wrap unseen */
        }
        unlock_workers(lv);
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
    if (lv->nworkers)
        workers_finish(lv);   /* joins them, then their flows and counters come over */
    else
        update_loss(lv);
    /* Every flow ends here, so that the alerts its final verdict gives are in the stop line. */
    ea_flow_table_flush(ea_pipeline_table(pl));
    sig_src = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    ea_pipeline_end_source(pl, lv->frames, 0);
    if (!o->quiet)
        fprintf(stderr, "edgeaudit: capture stopped: %" PRIu64 " alerts, %" PRIu64 " revised%s\n",
                lv->alerts, lv->revised, lv->split);
    return rc;
}

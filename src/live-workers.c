/* live-workers.c: live --threads: one capture socket and pipeline per worker thread in a PACKET_FANOUT group; the main thread's view of them. */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "live-workers.h"
#include "live-signal.h"
#include "util-stats.h"

#define ORPHAN_WAIT_NS (2 * EA_LIVE_NS)   /* how long an ICMP error waits for its flow to be read */

const struct pcap_pkthdr *ea_live_stamp_ns(const struct ea_live *lv, const struct pcap_pkthdr *h,
                                          struct pcap_pkthdr *tmp)
{
    if (lv->nano)
        return h;
    *tmp = *h;
    tmp->ts.tv_usec *= 1000;
    return tmp;
}

static void on_packet_worker(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live_worker *w = (struct live_worker *)user;
    struct pcap_pkthdr tmp;
    struct ea_packet p;
    if (!ea_pipeline_prepare(w->pl, ea_live_stamp_ns(w->lv, h, &tmp), data, w->lv->dlt,
                             atomic_fetch_add(&w->lv->next_frame, 1), &p))
        return;
    if (p.icmp_error && !ea_flow_table_find(ea_pipeline_table(w->pl), &p.icmp_quoted, NULL)) {
        if (w->norphans == EA_LIVE_ORPHANS_MAX) {
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
    uint64_t now = ea_live_wall_ns();
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

void ea_live_update_loss(struct ea_live *lv)
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

void ea_live_foreach_active(struct ea_live *lv, void (*fn)(struct ea_flow *f, void *ctx), void *ctx)
{
    ea_flow_table_foreach(ea_pipeline_table(lv->pl), fn, ctx);
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].pl)
            ea_flow_table_foreach(ea_pipeline_table(lv->w[k].pl), fn, ctx);
}

size_t ea_live_count_active(struct ea_live *lv)
{
    size_t n = ea_flow_table_count(ea_pipeline_table(lv->pl));
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].pl)
            n += ea_flow_table_count(ea_pipeline_table(lv->w[k].pl));
    return n;
}

void ea_live_lock(struct ea_live *lv)
{
    for (unsigned k = 0; k < lv->nworkers; k++)
        pthread_mutex_lock(&lv->w[k].mu);
}

void ea_live_unlock(struct ea_live *lv)
{
    for (unsigned k = lv->nworkers; k-- > 0;)
        pthread_mutex_unlock(&lv->w[k].mu);
}

void ea_live_drain(struct ea_live *lv)
{
    place_orphans(lv, 0);
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_pipeline_adopt_all(lv->pl, lv->w[k].pl);
}

void ea_live_sum_stats(struct ea_live *lv, struct ea_stats *st, uint64_t *now_ns)
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
        int r = ea_live_source_wait(w->src, EA_LIVE_POLL_MS, w->err, sizeof(w->err));
        pthread_mutex_lock(&w->mu);
        if (r > 0)
            r = ea_live_source_read(w->src, on_packet_worker, (u_char *)w, w->err, sizeof(w->err));
        if (r >= 0)
            ea_pipeline_idle(w->pl, ea_live_wall_ns());
        pthread_mutex_unlock(&w->mu);
        if (r < 0) {
            atomic_store(&w->failed, 1);
            break;
        }
    }
    return NULL;
}

void ea_live_workers_free(struct ea_live *lv)
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

int ea_live_workers_open(struct ea_live *lv, const struct ea_live_config *cfg, char *err, size_t errlen)
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
        w->orphans = malloc(EA_LIVE_ORPHANS_MAX * sizeof(*w->orphans));
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

int ea_live_workers_start(struct ea_live *lv, char *err, size_t errlen)
{
    sigset_t old;
    int rc = 0;
    ea_live_signals_block(&old);   /* the threads start with them blocked */
    for (unsigned k = 0; k < lv->nworkers; k++) {
        if (pthread_create(&lv->w[k].th, NULL, worker_main, &lv->w[k]) != 0) {
            snprintf(err, errlen, "cannot start worker thread %u", k);
            rc = -1;
            break;
        }
        lv->w[k].started = 1;
    }
    ea_live_signals_unblock(&old);
    return rc;
}

int ea_live_workers_failed(struct ea_live *lv, char *err, size_t errlen)
{
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (atomic_load(&lv->w[k].failed)) {
            snprintf(err, errlen, "%s", lv->w[k].err);
            return -1;
        }
    return 0;
}

void ea_live_workers_finish(struct ea_live *lv)
{
    struct ea_pipeline *pl = lv->pl;
    atomic_store(&lv->stop, 1);
    for (unsigned k = 0; k < lv->nworkers; k++)
        if (lv->w[k].started) {
            pthread_join(lv->w[k].th, NULL);
            lv->w[k].started = 0;
        }
    ea_live_update_loss(lv);
    place_orphans(lv, 1);   /* before the flush, while the quoted flows are still in the tables */
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_flow_table_flush(ea_pipeline_table(lv->w[k].pl));
    ea_live_drain(lv);
    for (unsigned k = 0; k < lv->nworkers; k++)
        ea_pipeline_absorb(pl, lv->w[k].pl);   /* counters, clock and out-of-memory mark */
    lv->frames = atomic_load(&lv->next_frame) - 1;
    size_t n = (size_t)snprintf(lv->split, sizeof(lv->split), "; flows per thread:");
    for (unsigned k = 0; k < lv->nworkers && n < sizeof(lv->split); k++)
        n += (size_t)snprintf(lv->split + n, sizeof(lv->split) - n, " %" PRIu64,
                              ea_pipeline_stats(lv->w[k].pl)->flows_created);
    ea_live_workers_free(lv);
}

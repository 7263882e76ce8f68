/* live.c: live monitoring: the pipeline on an interface, in one thread or a PACKET_FANOUT group, until SIGINT or SIGTERM. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "live.h"
#include "live-alert.h"
#include "live-private.h"
#include "live-privs.h"
#include "live-schedule.h"
#include "live-signal.h"
#include "live-workers.h"

struct ea_live *ea_live_new(const struct ea_options *o, struct ea_pipeline *pl, char *err,
                            size_t errlen)
{
    struct ea_live *lv = calloc(1, sizeof(*lv));
    if (!lv)
        goto oom;
    lv->o = o;
    lv->pl = pl;
    lv->lim = *ea_pipeline_limits(pl);
    atomic_init(&lv->stop, 0);
    atomic_init(&lv->next_frame, 1);
    atomic_init(&lv->next_id, 1);
    ea_live_alerts_init(lv);
    lv->scratch = ea_policy_new(ea_pipeline_rules(pl));
    if (!lv->scratch)
        goto oom;
    ea_pipeline_on_judged(pl, ea_live_on_judged, lv);
    ea_pipeline_keep_flows(pl, o->keep_flows);
    return lv;
oom:
    snprintf(err, errlen, "out of memory");
    ea_live_free(lv);
    return NULL;
}

void ea_live_on_report(struct ea_live *lv, ea_live_report_fn fn, void *ctx)
{
    lv->on_report = fn;
    lv->on_report_ctx = ctx;
}

void ea_live_free(struct ea_live *lv)
{
    if (!lv)
        return;
    ea_pipeline_on_judged(lv->pl, NULL, NULL);
    ea_live_alerts_close(lv);
    ea_live_workers_free(lv);
    ea_live_source_close(lv->src);
    ea_policy_free(lv->scratch);
    free(lv);
}

/* One thread: every captured packet goes through the pipeline as it comes. */
static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct ea_live *lv = (struct ea_live *)user;
    struct pcap_pkthdr tmp;
    lv->frames++;
    ea_pipeline_packet(lv->pl, ea_live_stamp_ns(lv, h, &tmp), data, lv->dlt, lv->frames);
}

/*
 * Opens the interface (one socket, or one per worker), drops privileges
 * before any packet is parsed, opens the alerts and starts the workers.
 * -1 with err: nothing was captured.
 */
static int open_capture(struct ea_live *lv, char *err, size_t errlen)
{
    const struct ea_options *o = lv->o;
    struct ea_live_config cfg = { o->iface, o->bpf, (int)o->snaplen, o->buffer_kib, !o->no_promisc };
    if (ea_live_check_root(o, err, errlen) != 0)
        return -1;
    if (o->threads > 1) {
        if (ea_live_workers_open(lv, &cfg, err, errlen) != 0)
            return -1;
    } else {
        lv->src = ea_live_source_open(&cfg, err, errlen);
        if (!lv->src)
            return -1;
    }
    struct ea_live_source *first = lv->src ? lv->src : lv->w[0].src;
    if (ea_live_drop_privileges(o, err, errlen) != 0)
        return -1;
    if (ea_pipeline_add_source(lv->pl, o->iface, ea_live_source_dlt(first)) != 0) {
        snprintf(err, errlen, "%s: out of memory", o->iface);
        return -1;
    }
    ea_live_alerts_open(lv);
    lv->nano = ea_live_source_nano(first);
    lv->dlt = ea_live_source_dlt(first);
    if (lv->nworkers && ea_live_workers_start(lv, err, errlen) != 0)
        return -1;
    return 0;
}

/* Waits for packets and runs the schedule until SIGINT or SIGTERM: 0, or -1 with err. */
static int capture(struct ea_live *lv, char *err, size_t errlen)
{
    struct ea_live_schedule sched;
    ea_live_schedule_init(&sched, lv->o);
    while (!ea_live_signal_stop()) {
        if (lv->nworkers) {
            struct timespec nap = { 0, EA_LIVE_POLL_MS * 1000000L };
            nanosleep(&nap, NULL);   /* a signal ends it early */
            if (ea_live_workers_failed(lv, err, errlen) != 0)
                return -1;
        } else if (ea_live_source_dispatch(lv->src, EA_LIVE_POLL_MS, on_packet, (u_char *)lv, err,
                                           errlen) < 0) {
            return -1;
        }
        ea_live_schedule_tick(lv, &sched);
    }
    return 0;
}

int ea_live_run(struct ea_live *lv, char *err, size_t errlen)
{
    const struct ea_options *o = lv->o;
    if (open_capture(lv, err, errlen) != 0)
        return -2;
    ea_live_signals_install(lv->src);
    if (!o->quiet)
        fprintf(stderr, "edgeaudit: capturing on %s%s%s%s\n", o->iface, o->bpf ? " with filter " : "",
                o->bpf ? o->bpf : "", lv->nworkers ? " (threads sharing a PACKET_FANOUT group)" : "");
    int rc = capture(lv, err, errlen);
    if (lv->nworkers)
        ea_live_workers_finish(lv);   /* joins them, then their flows and counters come over */
    else
        ea_live_update_loss(lv);
    /* Every flow ends here, so that the alerts its final verdict gives are in the stop line. */
    ea_flow_table_flush(ea_pipeline_table(lv->pl));
    ea_live_signals_restore();
    ea_pipeline_end_source(lv->pl, lv->frames, 0);
    if (!o->quiet)
        fprintf(stderr, "edgeaudit: capture stopped: %" PRIu64 " alerts, %" PRIu64 " revised%s\n",
                lv->alerts, lv->revised, lv->split);
    return rc;
}

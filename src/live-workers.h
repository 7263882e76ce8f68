/* live-workers.h: live --threads: capture workers in a PACKET_FANOUT group, and the main thread's view of every table. */
#ifndef EA_LIVE_WORKERS_H
#define EA_LIVE_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include "live-private.h"

/* The pipeline takes nanoseconds in tv_usec: h itself, or *tmp scaled from microseconds. */
const struct pcap_pkthdr *ea_live_stamp_ns(const struct ea_live *lv, const struct pcap_pkthdr *h,
                                          struct pcap_pkthdr *tmp);

/*
 * Opens one socket per worker (--threads) and joins them in a fanout group,
 * and makes each worker's pipeline (main thread: nDPI starts one at a
 * time). Runs before privileges are dropped. -1 with one line in err
 * (ea_live_workers_free cleans up what was made).
 */
int ea_live_workers_open(struct ea_live *lv, const struct ea_live_config *cfg, char *err, size_t errlen);

/* Starts the worker threads with the stop signals blocked: those go to the main thread. -1 with err. */
int ea_live_workers_start(struct ea_live *lv, char *err, size_t errlen);

/* A worker's capture error, copied into err: -1; or 0. */
int ea_live_workers_failed(struct ea_live *lv, char *err, size_t errlen);

/*
 * Ends the workers and hands everything to the main pipeline: each table is
 * flushed (classification ends in the worker's classifier), the finished
 * flows are judged, and the counters summed, so that ea_pipeline_finish and
 * the reports work on the main pipeline as with one thread. Frees them.
 */
void ea_live_workers_finish(struct ea_live *lv);

/* Stops (if running) and frees the workers with their pipelines and sockets. No workers: a no-op. */
void ea_live_workers_free(struct ea_live *lv);

/* Takes, and gives back, every worker's lock in index order (no workers: no-ops). */
void ea_live_lock(struct ea_live *lv);
void ea_live_unlock(struct ea_live *lv);

/*
 * The workers' orphaned ICMP errors go to the worker holding their flow,
 * and the workers' finished flows to the main pipeline, which judges them
 * (alerts) and keeps them. Locks held, or the workers have ended.
 */
void ea_live_drain(struct ea_live *lv);

/* Capture loss over every socket into the main pipeline. With workers, their locks held (or ended). */
void ea_live_update_loss(struct ea_live *lv);

/* Calls fn for every flow of every table of the run: the main pipeline's, then each worker's (locks held). */
void ea_live_foreach_active(struct ea_live *lv, void (*fn)(struct ea_flow *f, void *ctx), void *ctx);

/* Flows in every table of the run (locks held). */
size_t ea_live_count_active(struct ea_live *lv);

/* The run's counters and newest packet time: the main pipeline's plus every worker's (locks held). */
void ea_live_sum_stats(struct ea_live *lv, struct ea_stats *st, uint64_t *now_ns);

#endif

/* workers.h: --threads: flows sharded by symmetric hash over worker threads, merged into one pipeline. */
#ifndef EA_WORKERS_H
#define EA_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include "pipeline.h"
#include "options.h"
#include "packet.h"

/* Most worker threads --threads accepts. */
#define EA_MAX_THREADS EA_OPT_MAX_THREADS

/* With --threads 2 offline, the share of the flow hashes that worker 0, the reading thread
   itself, classifies (workers.c says why); the other worker takes the rest. */
#define EA_WORKERS_INLINE_SHARE 0.29

/*
 * The worker, of nworkers, that owns a tuple: both directions of a flow (and
 * ICMP errors quoting it) go to the same one. Uses the high bits of the
 * symmetric tuple hash, while each worker's table buckets use the low bits:
 * with two workers, the hashes under EA_WORKERS_INLINE_SHARE of the range go
 * to worker 0, else an even split.
 */
unsigned ea_workers_shard(const struct ea_tuple *t, unsigned nworkers);

/*
 * --threads for ea_run_files, which reads and decodes in the calling thread
 * and hands each decoded packet over. Each worker has its own flow table
 * (the pipeline's max_flows is split between them), nDPI instance and
 * classifier, and decides each flow as it leaves its table (ea_policy_decide
 * and _record run in parallel). The workers hand their flows back as they
 * leave; the calling thread, every POLL_EVERY packets and at the end, gives
 * them the run's ids (in order of first packet) and hands them to the
 * pipeline in the order one table would have (ea_pipeline_count_only
 * counts them), once every worker is past the frame they left at. So
 * ea_pipeline_finish and the reports give what one thread gives (unless the
 * flow cap evicted flows: each worker evicts from its own table), and flows
 * do not wait for the end of the run.
 */
struct ea_workers;

/*
 * Starts 'nworkers' (2 to EA_MAX_THREADS) workers judging against pl's
 * rules with pl's limits: as many threads, except that with 2 the calling
 * thread is one of them (it classifies a share of the flows itself, in
 * ea_workers_packet, and one thread the rest). pl is borrowed until ea_workers_finish and set to
 * count only (ea_pipeline_count_only): finished flows are handed to it
 * (ea_pipeline_adopt) from ea_workers_packet and ea_workers_finish. Sets
 * M_TOP_PAD (glibc) for the process. NULL with one line in err when the
 * count is out of range or memory or threads fail.
 */
struct ea_workers *ea_workers_start(struct ea_pipeline *pl, unsigned nworkers, char *err,
                                    size_t errlen);

/*
 * Every worker expires its idle flows at packet time now_ns, before frame:
 * each table on its own (one LRU list per timeout class expires exactly the
 * flows that are due), with no wait for the others.
 */
void ea_workers_expire(struct ea_workers *ws, uint64_t now_ns, uint64_t frame);

/*
 * Hands a decoded packet (copied into the worker's ring: its bytes may go
 * with the next read) to the worker that owns its flow. Workers are woken
 * once per several MB of packets, not per packet. Every POLL_EVERY packets,
 * also adopts the flows the workers handed back (see above). -1 when the
 * packet is too big for the ring (not from any capture: dropped).
 */
int ea_workers_packet(struct ea_workers *ws, const struct ea_packet *p);

/*
 * Ends the workers, hands their last flows and their counters to pl (the
 * pl of ea_workers_start) and frees ws. Returns 0, or -1 when a worker could
 * not make its pipeline (memory, nDPI), with its line in err unless err is
 * NULL; pl is then marked out of memory (and lacks that worker's flows).
 */
int ea_workers_finish(struct ea_workers *ws, struct ea_pipeline *pl, char *err, size_t errlen);

#endif

/* workers.h: --threads: flows sharded by symmetric hash over worker threads, merged into one pipeline. */
#ifndef EA_WORKERS_H
#define EA_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include "pipeline.h"
#include "options.h"

/* Most worker threads --threads accepts. */
#define EA_MAX_THREADS EA_OPT_MAX_THREADS

/*
 * The worker, of nworkers, that owns a tuple: both directions of a flow (and
 * ICMP errors quoting it) go to the same one. Uses the high bits of the
 * symmetric tuple hash, while each worker's table buckets use the low bits.
 */
unsigned ea_workers_shard(const struct ea_tuple *t, unsigned nworkers);

/*
 * Reads the files like ea_pipeline_run_files, with 'nworkers' (2 or more,
 * at most EA_MAX_THREADS) worker threads. The calling thread reads and
 * decodes; each worker has its own flow table (lim->max_flows is split
 * between them), nDPI instance and classifier. At the end every flow is
 * handed back to 'pl', renumbered in order of first packet and judged in
 * the order one thread would have judged it, so that ea_pipeline_finish
 * and the reports give what one thread gives (unless the flow cap evicted
 * flows: each worker evicts from its own table). Returns 0, or -1 with the
 * error line in err (what was read is kept, as ea_pipeline_run_files does).
 * When the threads cannot start, returns -1 before reading; when a worker
 * cannot make its pipeline (memory, nDPI), returns -1 after reading, with
 * pl->oom set and no flows.
 */
int ea_workers_run_files(struct ea_pipeline *pl, const struct ea_flow_limits *lim,
                         unsigned nworkers, const char *const *files, size_t nfiles,
                         const char *bpf, int progress, char *err, size_t errlen);

#endif

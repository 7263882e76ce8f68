/* flow-table.h: bounded bidirectional flow table with a symmetric hash and LRU eviction. */
#ifndef EA_FLOW_TABLE_H
#define EA_FLOW_TABLE_H

#include <stdatomic.h>
#include "flow.h"
#include "stats.h"

struct ea_flow_limits {
    uint32_t max_flows;          /* flows held at once; the least recently seen go first */
    uint64_t tcp_idle_ns;        /* idle timeout of an open TCP flow, in packet time */
    uint64_t tcp_closed_ns;      /* idle timeout once FIN or RST was seen */
    uint64_t udp_idle_ns;        /* idle timeout of UDP and other flows */
};

void ea_flow_limits_default(struct ea_flow_limits *l);

/*
 * Called for every flow that leaves the table (expired, evicted or flushed).
 * Ownership of the flow passes to the callback, which must eventually free it
 * with ea_flow_free (or keep it). 'why' is "expired", "evicted" or "flushed".
 */
typedef void (*ea_flow_end_fn)(struct ea_flow *f, const char *why, void *ctx);

struct ea_flow_table;

/* NULL on out-of-memory. The table keeps 'st' (borrowed) for its counters. */
struct ea_flow_table *ea_flow_table_new(const struct ea_flow_limits *l, struct ea_stats *st,
                                        ea_flow_end_fn on_end, void *ctx);

/*
 * New flows take their ids from *ids (borrowed, must outlive the table,
 * starts at 1) instead of the table's own count, so that tables running in
 * several threads never give two flows one id (live --threads).
 */
void ea_flow_table_share_ids(struct ea_flow_table *ft, _Atomic uint64_t *ids);

/*
 * Frees every flow in the table without calling on_end and starts the ids
 * at 1 again: the table is as ea_flow_table_new left it, keeping its
 * buckets (ea_pipeline_reset).
 */
void ea_flow_table_clear(struct ea_flow_table *ft);

/* Frees the table and every flow still in it (without calling on_end). NULL is a no-op. */
void ea_flow_table_free(struct ea_flow_table *ft);

/*
 * Finds or creates the flow of packet p. *dir is set to 0 when p travels
 * initiator -> responder, 1 otherwise. A new flow's initiator is the sender
 * of its first packet, except that a lone SYN-ACK or a packet from a
 * well-known service port to an ephemeral one starts the flow turned round
 * (initiator_inferred set). Returns NULL only on out-of-memory. The flow
 * stays owned by the table.
 */
struct ea_flow *ea_flow_table_get(struct ea_flow_table *ft, const struct ea_packet *p, int *dir);

/* Finds the flow a tuple belongs to (either direction), or NULL. */
struct ea_flow *ea_flow_table_find(struct ea_flow_table *ft, const struct ea_tuple *t, int *dir);

/*
 * The same two with the tuple's hash computed earlier (hash must be
 * ea_tuple_hash of p->t, or of t): the same flows, ids, directions and
 * order as without it, hashing once per packet (a reading thread that
 * hashed to pick a worker, a loop that hashed to prefetch).
 */
struct ea_flow *ea_flow_table_get_hashed(struct ea_flow_table *ft, const struct ea_packet *p,
                                         uint32_t hash, int *dir);
struct ea_flow *ea_flow_table_find_hashed(struct ea_flow_table *ft, const struct ea_tuple *t,
                                          uint32_t hash, int *dir);

/* The hash of the tuple whose flow packet p looks up: the quoted tuple of an ICMP error, else p->t. */
uint32_t ea_packet_flow_hash(const struct ea_packet *p);

/*
 * Hints that change nothing in the table, for a loop that knows the next
 * packets' hashes: _bucket prefetches the bucket slot of hash (a packet or
 * two ahead); _flow, once that slot is in cache, reads it and prefetches
 * the flow it points to (a packet ahead). Safe at any time, also when the
 * flow leaves before its packet comes.
 */
void ea_flow_table_prefetch_bucket(const struct ea_flow_table *ft, uint32_t hash);
void ea_flow_table_prefetch_flow(const struct ea_flow_table *ft, uint32_t hash);
/*
 * The third step, once the flow is in cache (a packet after _flow): reads
 * the flow and prefetches its LRU neighbours, whose links touching it
 * (ea_flow_table_touch) writes. Safe at any time too.
 */
void ea_flow_table_prefetch_links(const struct ea_flow_table *ft, uint32_t hash);

/*
 * Marks the flow as just seen (moves it to the LRU head). Its timeout class
 * (UDP and others, open TCP, closed or unanswered TCP) and its last_ns are
 * read at the table's next call, so the caller updates them for the packet
 * right after touching (pipeline.c), never later without touching again.
 */
void ea_flow_table_touch(struct ea_flow_table *ft, struct ea_flow *f);

/*
 * Hands every flow idle since before now - timeout (its class's) to on_end,
 * least recently seen first. The cost is that of the flows that leave: each
 * timeout class has its own LRU list, sorted by last_ns, read from its idle
 * end up to the first flow still within its timeout; only flows last touched
 * by a packet older than one seen before (time going backwards) are all
 * looked at, on a list of their own.
 */
void ea_flow_table_expire(struct ea_flow_table *ft, uint64_t now_ns);

/* Flows that expiry has looked at so far, those it expired included (a test hook). */
uint64_t ea_flow_table_expire_visits(const struct ea_flow_table *ft);

/* Hands every flow to on_end, oldest first. */
void ea_flow_table_flush(struct ea_flow_table *ft);

uint32_t ea_flow_table_count(const struct ea_flow_table *ft);

/*
 * Calls fn for every flow in the table, most recently seen first (live
 * reports and early verdicts). fn must not add, remove or touch flows.
 */
void ea_flow_table_foreach(struct ea_flow_table *ft, void (*fn)(struct ea_flow *f, void *ctx),
                           void *ctx);

/* Symmetric hash of a tuple: both directions give the same value. */
uint32_t ea_tuple_hash(const struct ea_tuple *t);

#endif

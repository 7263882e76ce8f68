/* util-pool.h: free lists of equal-sized heap blocks, so that a block given back and
   wanted again soon skips malloc (the per-flow inspection state: classify.c). */
#ifndef EA_UTIL_POOL_H
#define EA_UTIL_POOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * One pool: blocks of one size, kept on a list linked through their first
 * bytes. Every block is a plain malloc block of 'size' bytes, so whoever
 * holds one may also free() it (a flow freed in another thread, or without
 * its pool at hand) instead of giving it back. A pool keeps at most 'cap'
 * blocks: what is given back beyond that is freed, so memory stays bounded
 * by the blocks alive at once plus the cap. Not thread-safe: one owner (a
 * classifier, one per worker) gets and gives back; the struct is the
 * owner's, embedded where it likes.
 */
struct ea_pool {
    void *head;              /* kept blocks; each block's first bytes point to the next */
    size_t size;             /* bytes of every block (at least a pointer's) */
    size_t n, cap;           /* blocks kept now; the most ever kept */
    uint64_t reused, made;   /* gets served from the list; gets that called malloc */
};

/* An empty pool of blocks of 'size' bytes (raised to a pointer's size), keeping at most cap. */
void ea_pool_init(struct ea_pool *p, size_t size, size_t cap);

/* Frees every kept block; the pool stays usable (empty). NULL is a no-op. */
void ea_pool_drain(struct ea_pool *p);

/* A zeroed block of p->size bytes, the caller's (give it back or free() it); NULL on out-of-memory. */
void *ea_pool_get(struct ea_pool *p);

/* Takes b back (a block of this pool's size): keeps it, or frees it when the pool is full. NULL is a no-op. */
void ea_pool_put(struct ea_pool *p, void *b);

#endif

/* util-pool.c: free lists of equal-sized heap blocks. */
#include <stdlib.h>
#include <string.h>
#include "util-pool.h"

/* Under AddressSanitizer a kept block is poisoned past its link: a use after it was given back is reported. */
#if defined(__SANITIZE_ADDRESS__)
#define EA_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EA_POOL_ASAN 1
#endif
#endif
#ifdef EA_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(b, n) ASAN_POISON_MEMORY_REGION((b), (n))
#define UNPOISON(b, n) ASAN_UNPOISON_MEMORY_REGION((b), (n))
#else
#define POISON(b, n) ((void)(b), (void)(n))
#define UNPOISON(b, n) ((void)(b), (void)(n))
#endif

void ea_pool_init(struct ea_pool *p, size_t size, size_t cap)
{
    memset(p, 0, sizeof(*p));
    p->size = size < sizeof(void *) ? sizeof(void *) : size;
    p->cap = cap;
}

/* The next kept block after b (b kept, poisoned under ASan). */
static void *next_of(void *b)
{
    void *next;
    UNPOISON(b, sizeof(next));
    memcpy(&next, b, sizeof(next));
    return next;
}

void ea_pool_drain(struct ea_pool *p)
{
    if (!p)
        return;
    while (p->head) {
        void *b = p->head;
        p->head = next_of(b);
        UNPOISON(b, p->size);
        free(b);
    }
    p->n = 0;
}

void *ea_pool_get(struct ea_pool *p)
{
    void *b = p->head;
    if (!b) {
        p->made++;
        return calloc(1, p->size);
    }
    p->head = next_of(b);
    p->n--;
    p->reused++;
    UNPOISON(b, p->size);
    memset(b, 0, p->size);
    return b;
}

void ea_pool_put(struct ea_pool *p, void *b)
{
    if (!b)
        return;
    if (p->n >= p->cap) {
        free(b);
        return;
    }
    memcpy(b, &p->head, sizeof(p->head));
    p->head = b;
    p->n++;
    /* The link stays readable: LeakSanitizer does not look for pointers in poisoned memory, and
       would take every kept block after the first for a leak when the pool outlives a check. */
    POISON((char *)b + sizeof(p->head), p->size - sizeof(p->head));
}

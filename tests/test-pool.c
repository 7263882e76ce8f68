/* test-pool.c: unit tests of util-pool.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "util-pool.h"

/* 1 when the n bytes at b are all zero. */
static int zeroed(const void *b, size_t n)
{
    const uint8_t *p = b;
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* A block given back comes out again, last in first out, zeroed; an empty pool mallocs. */
static void test_reuse(void)
{
    struct ea_pool p;
    ea_pool_init(&p, 100, 8);
    CU_ASSERT_EQUAL(p.size, 100);
    uint8_t *a = ea_pool_get(&p), *b = ea_pool_get(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(a != b && zeroed(a, 100) && zeroed(b, 100));
    CU_ASSERT_EQUAL(p.made, 2);
    CU_ASSERT_EQUAL(p.reused, 0);
    memset(a, 0xA5, 100);
    memset(b, 0x5A, 100);
    ea_pool_put(&p, a);
    ea_pool_put(&p, b);
    CU_ASSERT_EQUAL(p.n, 2);
    uint8_t *c = ea_pool_get(&p);
    CU_ASSERT_PTR_EQUAL(c, b);
    CU_ASSERT(zeroed(c, 100));
    uint8_t *d = ea_pool_get(&p);
    CU_ASSERT_PTR_EQUAL(d, a);
    CU_ASSERT(zeroed(d, 100));
    CU_ASSERT_EQUAL(p.n, 0);
    CU_ASSERT_EQUAL(p.reused, 2);
    CU_ASSERT_EQUAL(p.made, 2);
    /* A block of a pool is a malloc block: free() takes it as well. */
    free(c);
    ea_pool_put(&p, d);
    ea_pool_drain(&p);
    CU_ASSERT_EQUAL(p.n, 0);
    CU_ASSERT_PTR_NULL(p.head);
}

/* Beyond its cap a pool frees what it is given; drain frees what it kept (valgrind: no leak). */
static void test_cap(void)
{
    struct ea_pool p;
    void *b[10];
    ea_pool_init(&p, 3, 4);
    CU_ASSERT_EQUAL(p.size, sizeof(void *));   /* room for the link at least */
    for (int i = 0; i < 10; i++) {
        b[i] = ea_pool_get(&p);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b[i]);
    }
    for (int i = 0; i < 10; i++) {
        ea_pool_put(&p, b[i]);
        CU_ASSERT_EQUAL(p.n, (size_t)(i < 4 ? i + 1 : 4));
    }
    /* The last kept is the fourth given back. */
    CU_ASSERT_PTR_EQUAL(ea_pool_get(&p), b[3]);
    CU_ASSERT_EQUAL(p.n, 3);
    ea_pool_put(&p, b[3]);
    ea_pool_drain(&p);
    CU_ASSERT_EQUAL(p.n, 0);
    CU_ASSERT_PTR_NULL(p.head);
    /* Drained, it still works; a cap of 0 keeps nothing. */
    ea_pool_init(&p, 16, 0);
    void *x = ea_pool_get(&p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    ea_pool_put(&p, x);
    CU_ASSERT_EQUAL(p.n, 0);
    CU_ASSERT_PTR_NULL(p.head);
    ea_pool_put(&p, NULL);
    ea_pool_drain(NULL);
    ea_pool_drain(&p);
}

void ea_test_add_pool(void)
{
    EA_SUITE("pool",
             { "given back, got again, zeroed", test_reuse },
             { "cap and drain", test_cap });
}

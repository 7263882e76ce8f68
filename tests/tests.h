/* tests.h: suite registration of each CUnit test file. */
#ifndef EA_TESTS_H
#define EA_TESTS_H

#include <stdint.h>
#include <CUnit/CUnit.h>

struct ea_flow;

/* A judged-ready IPv4 flow for the policy tests (test-policy.c); the caller frees it. */
struct ea_flow *ea_test_flow(uint8_t proto, const char *c, uint16_t cp, const char *s, uint16_t sp);

void ea_test_add_util(void);
void ea_test_add_pool(void);
void ea_test_add_decode(void);
void ea_test_add_flow_table(void);
void ea_test_add_dissect_tls(void);
void ea_test_add_dissect_sip(void);
void ea_test_add_dissect_xmpp(void);
void ea_test_add_dissect_stun(void);
void ea_test_add_dissect_rtp(void);
void ea_test_add_dissect_banner(void);
void ea_test_add_classify(void);
void ea_test_add_rules(void);
void ea_test_add_packs(void);
void ea_test_add_policy(void);
void ea_test_add_policy_edge(void);
void ea_test_add_live(void);
void ea_test_add_workers(void);
void ea_test_add_pipeline(void);
void ea_test_add_perf(void);
void ea_test_add_ndpi_glue(void);
void ea_test_add_tls_start(void);
void ea_test_add_group(void);
void ea_test_add_report_read(void);
void ea_test_add_db(void);
void ea_test_add_accept(void);

/* Adds a suite with the given tests (NULL-terminated {name, fn} pairs). */
#define EA_SUITE(name, ...) do {                                         \
        CU_pSuite s_ = CU_add_suite((name), NULL, NULL);                   \
        CU_TestInfo t_[] = { __VA_ARGS__, CU_TEST_INFO_NULL };            \
        for (CU_TestInfo *i_ = t_; s_ && i_->pName; i_++)                 \
            CU_add_test(s_, i_->pName, i_->pTestFunc);                    \
    } while (0)

#endif

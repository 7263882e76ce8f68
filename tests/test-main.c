/* test-main.c: the CUnit runner; ends with "N passed, N failed". */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>
#include "tests.h"

int main(int argc, char **argv)
{
    int rc = 2;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return rc;
    ea_test_add_util();
    ea_test_add_pool();
    ea_test_add_decode();
    ea_test_add_flow_table();
    ea_test_add_dissect_tls();
    ea_test_add_dissect_sip();
    ea_test_add_dissect_xmpp();
    ea_test_add_dissect_stun();
    ea_test_add_dissect_rtp();
    ea_test_add_dissect_banner();
    ea_test_add_classify();
    ea_test_add_rules();
    ea_test_add_packs();
    ea_test_add_policy();
    ea_test_add_policy_edge();
    ea_test_add_live();
    ea_test_add_workers();
    ea_test_add_pipeline();
    ea_test_add_perf();
    ea_test_add_ndpi_glue();
    ea_test_add_tls_start();
    ea_test_add_group();
    ea_test_add_report_read();
    ea_test_add_db();
    ea_test_add_accept();

    /* Optional argument: run only the suite with that name. */
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        CU_pSuite s = CU_get_suite(argv[1]);
        if (!s) {
            fprintf(stderr, "test-runner: no suite named '%s'\n", argv[1]);
            goto out;
        }
        CU_basic_run_suite(s);
    } else {
        CU_basic_run_tests();
    }
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    printf("\n%u passed, %u failed\n", run - failed, failed);
    rc = failed ? 1 : 0;
out:
    CU_cleanup_registry();
    return rc;
}

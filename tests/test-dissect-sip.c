/* test-dissect-sip.c: unit tests (being written). */
#include "tests.h"

void ea_test_add_dissect_sip(void)
{
}

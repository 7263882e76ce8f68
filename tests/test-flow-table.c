/* test-flow-table.c: unit tests (being written). */
#include "tests.h"

void ea_test_add_flow_table(void)
{
}

/* test-rules.c: unit tests (being written). */
#include "tests.h"

void ea_test_add_rules(void)
{
}

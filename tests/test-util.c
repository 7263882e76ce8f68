/* test-util.c: unit tests (being written). */
#include "tests.h"

void ea_test_add_util(void)
{
}

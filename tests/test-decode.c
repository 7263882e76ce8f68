/* test-decode.c: unit tests (being written). */
#include "tests.h"

void ea_test_add_decode(void)
{
}

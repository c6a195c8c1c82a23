/* Board test: fails on purpose with check number 42, so that a test can see a guest's
 * failure reach query-status. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    TEST(42)
    j fail

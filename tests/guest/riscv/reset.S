/* Board test: a guest reset through the test device (0x7777). A counter in RAM outside
 * the image survives the reset (only the image is rewritten): the first run resets, the
 * second passes. */
#include "test.h"

#define TEST_RESET 0x7777
#define COUNTER 0x80100000

    .text
    .globl run_tests
run_tests:
    TEST(1)
    li t0, COUNTER
    lw t1, 0(t0)
    addi t1, t1, 1
    sw t1, 0(t0)
    li t2, 2
    beq t1, t2, 2f                  /* second run: done */
    li t2, 1
    bne t1, t2, fail                /* more than one reset */
    li t0, TEST_DEVICE
    li t1, TEST_RESET
    sw t1, 0(t0)
1:  wfi
    j 1b
2:  ret

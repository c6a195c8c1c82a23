/* Start-up and verdict code linked into every guest ISA test: sets up a stack and a trap
 * handler that fails the test, calls run_tests, then reports pass. */
#include "test.h"

    .section .text.init
    .globl _start
_start:
    la t0, unexpected_trap
    csrw mtvec, t0
    la sp, stack_top
    li gp, 0
    call run_tests
    .globl pass
pass:
    li t0, TEST_DEVICE
    li t1, TEST_PASS
    sw t1, 0(t0)
1:  wfi
    j 1b

    .globl fail
fail:
    li t0, TEST_DEVICE
    slli t1, gp, 16
    li t2, TEST_FAIL
    or t1, t1, t2
    sw t1, 0(t0)
1:  wfi
    j 1b

    /* Any trap a test did not ask for: fail with the check number + 0x8000. */
    .align 2
unexpected_trap:
    li t0, 0x8000
    or gp, gp, t0
    j fail

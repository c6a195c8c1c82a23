/* Board test with two harts starting together: hart 1 raises a flag in RAM and waits in
 * wfi; hart 0 waits (bounded) for the flag, then passes. */
#include "test.h"

#define FLAG 0x80100000

    .text
    .globl run_tests
run_tests:
    TEST(1)
    csrr t0, mhartid
    bne a0, t0, fail
    li t1, FLAG
    bnez t0, secondary
    TEST(2)
    li t2, 100000000                /* give up after this many polls */
1:  lw t3, 0(t1)
    bnez t3, 2f
    addi t2, t2, -1
    bnez t2, 1b
    j fail
2:  ret

secondary:
    li t3, 1
    amoswap.w zero, t3, (t1)
1:  wfi
    j 1b

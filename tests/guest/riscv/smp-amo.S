/* Board test with four harts: each adds 1 to a shared counter 100000 times with amoadd.w
 * and then an LR/SC loop 100000 times more, then checks in; hart 0 waits (bounded) for all
 * four and checks that no increment was lost. */
#include "test.h"

#define COUNTER 0x80100000
#define DONE 0x80100040
#define NHARTS 4
#define ITERS 100000

    .text
    .globl run_tests
run_tests:
    TEST(1)
    li t0, COUNTER
    li t1, ITERS
    li t2, 1
1:  amoadd.w zero, t2, (t0)
    addi t1, t1, -1
    bnez t1, 1b
    li t1, ITERS
2:  lr.w t3, (t0)
    addi t3, t3, 1
    sc.w t4, t3, (t0)
    bnez t4, 2b
    addi t1, t1, -1
    bnez t1, 2b
    li t0, DONE
    amoadd.w zero, t2, (t0)
    csrr t5, mhartid
    bnez t5, secondary
    TEST(2)
    li t1, 200000000                /* give up after this many polls */
3:  lw t3, 0(t0)
    li t4, NHARTS
    beq t3, t4, 4f
    addi t1, t1, -1
    bnez t1, 3b
    j fail
4:  TEST(3)
    li t0, COUNTER
    lw t3, 0(t0)
    li t4, NHARTS * ITERS * 2
    bne t3, t4, fail
    ret

secondary:
1:  wfi
    j 1b

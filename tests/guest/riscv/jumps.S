/* RV64I jal and jalr: link values, rd = rs1, bit 0 of the jalr target cleared. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    mv s0, ra

    TEST(1)
    jal a0, 1f
2:  j fail
1:  la a1, 2b
    bne a0, a1, fail

    TEST(2)
    la a1, 3f
    jalr a0, 0(a1)
4:  j fail
3:  la a2, 4b
    bne a0, a2, fail

    TEST(3)                      /* jalr with an offset */
    la a1, 5f - 8
    jalr a0, 8(a1)
    j fail
5:

    TEST(4)                      /* bit 0 of the target is cleared */
    la a1, 6f
    addi a1, a1, 1
    jalr x0, 0(a1)
    j fail
6:

    TEST(5)                      /* rd == rs1: the target uses the old value */
    la a1, 7f
    jalr a1, 0(a1)
8:  j fail
7:  la a2, 8b
    bne a1, a2, fail

    TEST(6)                      /* call/ret through ra */
    call leaf
    CHECK(a0, 42)

    mv ra, s0
    ret

leaf:
    li a0, 42
    ret

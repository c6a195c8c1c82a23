/* RV64I conditional branches: each condition taken and not taken, signed against
 * unsigned, forward and backward targets. */
#include "test.h"

/* Branch `insn` on v1, v2 must be taken (taken=1) or fall through (taken=0). */
#define TEST_BR(n, insn, taken, v1, v2) \
    TEST(n); li a1, v1; li a2, v2; li a0, 0; insn a1, a2, 1f; li a0, 1; 1: CHECK(a0, (1 - taken))

    .text
    .globl run_tests
run_tests:
    TEST_BR(1, beq, 1, 5, 5)
    TEST_BR(2, beq, 0, 5, 6)
    TEST_BR(3, bne, 1, 5, 6)
    TEST_BR(4, bne, 0, -1, -1)
    TEST_BR(5, blt, 1, -1, 0)
    TEST_BR(6, blt, 0, 0, -1)
    TEST_BR(7, blt, 0, 3, 3)
    TEST_BR(8, bge, 1, 3, 3)
    TEST_BR(9, bge, 1, 0, -1)
    TEST_BR(10, bge, 0, -1, 0)
    TEST_BR(11, bltu, 1, 0, -1)
    TEST_BR(12, bltu, 0, -1, 0)
    TEST_BR(13, bgeu, 1, -1, 0)
    TEST_BR(14, bgeu, 0, 0, -1)
    TEST_BR(15, bgeu, 1, 7, 7)

    /* A backward branch: count down 10 times. */
    TEST(16)
    li a0, 10
    li a1, 0
2:  addi a1, a1, 1
    addi a0, a0, -1
    bnez a0, 2b
    CHECK(a1, 10)

    /* A far forward branch over 2 KiB of code. */
    TEST(17)
    li a0, 0
    beqz a0, 3f
    .rept 1024
    addi a0, a0, 1
    .endr
3:  CHECK(a0, 0)
    ret

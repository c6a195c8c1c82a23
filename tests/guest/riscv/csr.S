/* Zicsr: every CSR instruction form on mscratch (old values, x0 forms that do not write),
 * legal values of misa/mepc/mtvec/mstatus, and the counters. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    TEST(1)                         /* RV64 with I, M, A and C */
    csrr a0, misa
    srli a1, a0, 62
    CHECK(a1, 2)
    li a2, 0x1105
    and a1, a0, a2
    CHECK(a1, 0x1105)

    TEST(2)
    csrr a0, mhartid
    CHECK(a0, 0)
    csrr a0, mvendorid              /* read-only, readable */

    TEST(3)
    li a1, 0x1234
    csrrw a0, mscratch, a1
    csrrw a0, mscratch, zero
    CHECK(a0, 0x1234)
    li a1, 0xf0
    csrrs a0, mscratch, a1
    CHECK(a0, 0)
    li a1, 0x0f
    csrrs a0, mscratch, a1
    CHECK(a0, 0xf0)
    li a1, 0x3c
    csrrc a0, mscratch, a1
    CHECK(a0, 0xff)
    csrr a0, mscratch
    CHECK(a0, 0xc3)

    TEST(4)                         /* immediate forms: zimm is zero-extended */
    csrrwi a0, mscratch, 31
    CHECK(a0, 0xc3)
    csrrsi a0, mscratch, 0
    CHECK(a0, 31)
    csrrci a0, mscratch, 0x10
    CHECK(a0, 31)
    csrrsi a0, mscratch, 0x10
    CHECK(a0, 15)
    csrr a0, mscratch
    CHECK(a0, 31)

    TEST(5)                         /* rd = rs1: the old value lands after reading rs1 */
    li a0, 77
    csrrw a0, mscratch, a0
    CHECK(a0, 31)
    csrr a0, mscratch
    CHECK(a0, 77)

    TEST(6)                         /* mepc ignores bit 0 (IALIGN = 16) */
    li a0, 0x80001235
    csrw mepc, a0
    csrr a1, mepc
    CHECK(a1, 0x80001234)

    TEST(7)                         /* mtvec keeps direct and vectored modes */
    csrr s0, mtvec
    la a0, 1f
    ori a0, a0, 1
    csrw mtvec, a0
    csrr a1, mtvec
    bne a0, a1, fail
    csrw mtvec, s0
    .align 2
1:

    TEST(8)                         /* mstatus.MIE and MPIE are writable */
    csrsi mstatus, 8
    csrr a0, mstatus
    andi a0, a0, 8
    CHECK(a0, 8)
    csrci mstatus, 8
    csrr a0, mstatus
    andi a0, a0, 8
    CHECK(a0, 0)
    li a1, 0x80
    csrs mstatus, a1
    csrr a0, mstatus
    andi a0, a0, 0x80
    CHECK(a0, 0x80)
    csrc mstatus, a1

    TEST(9)                         /* mie holds the M-level enables */
    li a1, 0x888
    csrw mie, a1
    csrr a0, mie
    and a0, a0, a1
    CHECK(a0, 0x888)
    csrw mie, zero
    csrr a0, mie
    CHECK(a0, 0)

    TEST(10)                        /* counters move forward; user aliases match */
    csrr a0, minstret
    nop
    nop
    csrr a1, minstret
    bgeu a0, a1, fail
    rdinstret a2
    bltu a2, a1, fail
    rdcycle a0
    rdcycle a1
    bltu a1, a0, fail
    csrr a0, mcycle
    rdtime a0
    rdtime a1
    bltu a1, a0, fail

    TEST(11)                        /* a written counter continues from the written value */
    li a1, 1000000
    csrw minstret, a1
    csrr a0, minstret
    bltu a0, a1, fail
    li a2, 2000000
    bgeu a0, a2, fail
    ret

/* A extension: LR/SC pairs that succeed and fail, and every AMO in both widths, checking
 * the old value returned (sign-extended for .w) and the value left in memory. */
#include "test.h"

/* amo `insn` with rs2 = src on a word initialised to init: rd must be old, mem must be new. */
#define TEST_AMO(n, insn, st, ld, init, src, old, new) \
    TEST(n); la a1, word; li a2, init; st a2, 0(a1); li a3, src; \
    insn a0, a3, (a1); CHECK(a0, old); ld a4, 0(a1); CHECK(a4, new)

#define TEST_AMOW(n, insn, init, src, old, new) TEST_AMO(n, insn, sw, lw, init, src, old, new)
#define TEST_AMOD(n, insn, init, src, old, new) TEST_AMO(n, insn, sd, ld, init, src, old, new)

    .data
    .align 3
word:
    .dword 0
other:
    .dword 0

    .text
    .globl run_tests
run_tests:
    TEST_AMOW(1, amoswap.w, 0x80000000, 5, 0xffffffff80000000, 5)
    TEST_AMOW(2, amoadd.w, 0x7fffffff, 1, 0x7fffffff, 0xffffffff80000000)
    TEST_AMOW(3, amoxor.w, 0xff, 0x0f, 0xff, 0xf0)
    TEST_AMOW(4, amoand.w, 0xff, 0x0f, 0xff, 0x0f)
    TEST_AMOW(5, amoor.w, 0xf0, 0x0f, 0xf0, 0xff)
    TEST_AMOW(6, amomin.w, 1, -1, 1, -1)
    TEST_AMOW(7, amomax.w, 1, -1, 1, 1)
    TEST_AMOW(8, amominu.w, 1, -1, 1, 1)
    TEST_AMOW(9, amomaxu.w, 1, -1, 1, -1)
    /* .w compares the low 32 bits only: rs2's upper half is ignored */
    TEST_AMOW(10, amomin.w, 0, 0x00000001ffffffff, 0, -1)
    TEST_AMOW(11, amomaxu.w, 0, 0xffffffff00000001, 0, 1)

    TEST_AMOD(12, amoswap.d, 0x8000000000000000, 5, 0x8000000000000000, 5)
    TEST_AMOD(13, amoadd.d, -1, 1, -1, 0)
    TEST_AMOD(14, amoxor.d, 0xff00, 0xffff, 0xff00, 0x00ff)
    TEST_AMOD(15, amoand.d, -1, 0x1234, -1, 0x1234)
    TEST_AMOD(16, amoor.d, 0x1000000000000000, 1, 0x1000000000000000, 0x1000000000000001)
    TEST_AMOD(17, amomin.d, -5, 3, -5, -5)
    TEST_AMOD(18, amomax.d, -5, 3, -5, 3)
    TEST_AMOD(19, amominu.d, -5, 3, -5, 3)
    TEST_AMOD(20, amomaxu.d, -5, 3, -5, -5)
    TEST_AMOD(21, amoadd.d.aqrl, 40, 2, 40, 42)

    TEST(22)                             /* lr/sc that succeeds */
    la a1, word
    li a2, 0x1234
    sd a2, 0(a1)
    lr.d a0, (a1)
    CHECK(a0, 0x1234)
    li a3, 0x5678
    sc.d a4, a3, (a1)
    CHECK(a4, 0)
    ld a0, 0(a1)
    CHECK(a0, 0x5678)

    TEST(23)                             /* a second sc without lr fails */
    li a3, 0x9999
    sc.d a4, a3, (a1)
    bnez a4, 1f
    j fail
1:  ld a0, 0(a1)
    CHECK(a0, 0x5678)

    TEST(24)                             /* sc to another address than the lr fails */
    la a2, other
    lr.d a0, (a1)
    sc.d a4, a3, (a2)
    beqz a4, fail
    ld a0, 0(a2)
    CHECK(a0, 0)

    TEST(25)                             /* lr.w sign-extends; sc.w writes 32 bits */
    li a2, -1
    sd a2, 0(a1)
    li a2, 0x80000000
    sw a2, 0(a1)
    lr.w.aq a0, (a1)
    CHECK(a0, 0xffffffff80000000)
    li a3, 7
    sc.w.rl a4, a3, (a1)
    CHECK(a4, 0)
    ld a0, 0(a1)
    CHECK(a0, 0xffffffff00000007)

    TEST(26)                             /* an lr/sc increment loop */
    sd zero, 0(a1)
    li a5, 100
2:  lr.d a0, (a1)
    addi a0, a0, 1
    sc.d a4, a0, (a1)
    bnez a4, 2b
    addi a5, a5, -1
    bnez a5, 2b
    ld a0, 0(a1)
    CHECK(a0, 100)
    ret

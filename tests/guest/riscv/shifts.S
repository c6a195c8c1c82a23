/* RV64I shifts: register amounts use the low 6 (or 5 for *W) bits; arithmetic shifts
 * copy the sign; the *W forms sign-extend their 32-bit result. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    TEST_RR(1, sll, 0x8000000000000000, 1, 63)
    TEST_RR(2, sll, 2, 1, 65)                 /* only rs2[5:0] counts */
    TEST_RR(3, srl, 1, 0x8000000000000000, 63)
    TEST_RR(4, srl, 0x8000000000000000, 0x8000000000000000, 64)
    TEST_RR(5, sra, -1, 0x8000000000000000, 63)
    TEST_RR(6, sra, 0xf800000000000000, 0x8000000000000000, 4)
    TEST_RI(7, slli, 0xff00000000000000, 0xff, 56)
    TEST_RI(8, srli, 0x00ffffffffffffff, -1, 8)
    TEST_RI(9, srai, 0xffffffffffffff80, 0x8000000000000000, 56)
    TEST_RI(10, srai, 0x0000000000000001, 0x4000000000000000, 62)
    TEST_RR(11, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(12, sllw, 2, 1, 33)               /* only rs2[4:0] counts */
    TEST_RR(13, srlw, 1, 0xffffffff80000000, 31)
    TEST_RR(14, srlw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RR(15, sraw, -1, 0x80000000, 31)
    TEST_RR(16, sraw, 0xfffffffff8000000, 0x0000000080000000, 4)
    TEST_RI(17, slliw, 0xffffffff80000000, 0x123400000001, 31)
    TEST_RI(18, srliw, 0x7fffffff, -1, 1)
    TEST_RI(19, sraiw, -1, 0xffffffff, 1)
    TEST_RI(20, sraiw, 0x3fffffff, 0xffffffff7fffffff, 1)
    TEST_RI(21, srli, 0xffffffffffffffff, -1, 0)
    ret

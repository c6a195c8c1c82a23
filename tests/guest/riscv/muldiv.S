/* M extension: products (low and high halves, signed/unsigned mixes), division and
 * remainder including division by zero and the signed overflow case. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    TEST_RR(1, mul, 6, 2, 3)
    TEST_RR(2, mul, 0xfffffffffffffffa, -2, 3)
    TEST_RR(3, mul, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(4, mulh, 0, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(5, mulhu, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(6, mulhsu, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(7, mulh, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(8, mulhu, 0x3fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(9, mulhsu, 0xc000000000000000, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(10, mulhsu, 0x8000000000000000, 0x8000000000000000, 0xffffffffffffffff)
    TEST_RR(11, mulw, 0xffffffff80000000, 0x40000000, 2)
    TEST_RR(12, mulw, 0, 0x100000000, 5)

    TEST_RR(13, div, -3, 7, -2)
    TEST_RR(14, div, 3, -7, -2)
    TEST_RR(15, rem, 1, 7, -2)
    TEST_RR(16, rem, -1, -7, 2)
    TEST_RR(17, divu, 0x7fffffffffffffff, -1, 2)
    TEST_RR(18, remu, 1, -1, 2)
    TEST_RR(19, div, -1, 5, 0)                  /* by zero: all ones */
    TEST_RR(20, divu, -1, 5, 0)
    TEST_RR(21, rem, 5, 5, 0)                   /* by zero: the dividend */
    TEST_RR(22, remu, 5, 5, 0)
    TEST_RR(23, div, 0x8000000000000000, 0x8000000000000000, -1)  /* overflow */
    TEST_RR(24, rem, 0, 0x8000000000000000, -1)

    TEST_RR(25, divw, -3, 7, -2)
    TEST_RR(26, divw, -1, 5, 0)
    TEST_RR(27, divw, 0xffffffff80000000, 0x80000000, -1)
    TEST_RR(28, remw, 0, 0x80000000, -1)
    TEST_RR(29, remw, -1, 0xffffffff, 0x10)     /* operands are the low 32 bits, signed */
    TEST_RR(30, remw, 0x5, 0x5, 0)              /* by zero: sign-extended dividend */
    TEST_RR(31, remw, 0xffffffff80000000, 0x80000000, 0)
    TEST_RR(32, divuw, 0x7fffffff, 0xffffffff, 2)
    TEST_RR(33, divuw, -1, 5, 0)
    TEST_RR(34, divuw, 0xffffffff80000000, 0x80000000, 1)   /* result sign-extended */
    TEST_RR(35, remuw, 1, 0xffffffff, 2)
    TEST_RR(36, remuw, 0xffffffff80000000, 0x80000000, 0)
    ret

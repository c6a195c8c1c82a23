/* RV64I integer arithmetic and logic: add/sub/slt/logic, immediates, lui/auipc, the *W
 * forms' sign extension, and x0 as a sink. */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    TEST_RR(1, add, 5, 2, 3)
    TEST_RR(2, add, 0, -1, 1)
    TEST_RR(3, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(4, sub, -1, 2, 3)
    TEST_RR(5, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RI(6, addi, 0x7ff, 0, 2047)
    TEST_RI(7, addi, -2048, 0, -2048)
    TEST_RI(8, addi, 0xffffffffffffffff, 0, -1)
    TEST_RR(9, slt, 1, -1, 0)
    TEST_RR(10, slt, 0, 0, -1)
    TEST_RR(11, sltu, 0, -1, 0)
    TEST_RR(12, sltu, 1, 0, -1)
    TEST_RI(13, slti, 1, -5, -4)
    TEST_RI(14, sltiu, 1, 5, -1)     /* the immediate is sign-extended, then compared unsigned */
    TEST_RI(15, sltiu, 0, -1, 1)
    TEST_RR(16, xor, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0)
    TEST_RR(17, or, 0xfff0fff0fff0fff0, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0)
    TEST_RR(18, and, 0x00f000f000f000f0, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0)
    TEST_RI(19, xori, 0xf00ff00ff00ff0f0, 0x0ff00ff00ff00f0f, -1)
    TEST_RI(20, ori, 0xffffffffffffff0f, 0x0ff00ff00ff00f0f, -241)
    TEST_RI(21, andi, 0x000000000000000f, 0x0ff00ff00ff00f0f, 0x0f)

    TEST(22)
    lui a0, 0x80000
    CHECK(a0, 0xffffffff80000000)
    TEST(23)
    lui a0, 0x7ffff
    CHECK(a0, 0x7ffff000)

    TEST(24)
1:  auipc a0, 0
    la a1, 1b
    bne a0, a1, fail
    TEST(25)
1:  auipc a0, 0x1
    la a1, 1b
    sub a0, a0, a1
    CHECK(a0, 0x1000)

    TEST_RR(26, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(27, addw, 0, 0xffffffff00000001, 0xffffffff)
    TEST_RR(28, subw, 0x7fffffff, 0x80000000, 1)
    TEST_RI(29, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(30, addiw, 0x7fffffff, 0x123456787fffffff, 0)   /* sext.w */
    TEST_RI(31, addiw, -1, 0, -1)

    TEST(32)
    li a1, 5
    add x0, a1, a1
    addi x0, x0, 1
    lui x0, 1
    CHECK(x0, 0)
    mv a0, x0
    CHECK(a0, 0)
    ret

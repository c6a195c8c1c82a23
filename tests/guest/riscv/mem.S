/* RV64I loads and stores of every width and signedness, offsets of both signs, and
 * misaligned accesses to RAM (which this platform performs). */
#include "test.h"

#define TEST_LD(n, insn, expect, off) TEST(n); la a1, data; insn a0, off(a1); CHECK(a0, expect)

    .data
    .align 3
data:
    .dword 0x8081828384858687
    .dword 0x0706050403020100
scratch:
    .dword 0
    .dword 0
    .dword 0

    .text
    .globl run_tests
run_tests:
    TEST_LD(1, lb, 0xffffffffffffff87, 0)
    TEST_LD(2, lbu, 0x87, 0)
    TEST_LD(3, lb, 0x07, 15)
    TEST_LD(4, lh, 0xffffffffffff8687, 0)
    TEST_LD(5, lhu, 0x8687, 0)
    TEST_LD(6, lh, 0x0706, 14)
    TEST_LD(7, lw, 0xffffffff84858687, 0)
    TEST_LD(8, lwu, 0x84858687, 0)
    TEST_LD(9, lw, 0x07060504, 12)
    TEST_LD(10, ld, 0x8081828384858687, 0)
    TEST_LD(11, ld, 0x0706050403020100, 8)

    TEST(12)                        /* negative offset */
    la a1, data + 8
    ld a0, -8(a1)
    CHECK(a0, 0x8081828384858687)

    TEST(13)                        /* each store width, read back as a doubleword */
    la a1, scratch
    sd zero, 0(a1)
    li a2, 0x1122334455667788
    sb a2, 0(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x88)
    sh a2, 2(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x77880088)
    sw a2, 4(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x5566778877880088)
    sd a2, 0(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x1122334455667788)

    TEST(14)                        /* stores do not touch the neighbouring bytes */
    li a2, -1
    sd a2, 8(a1)
    sb zero, 9(a1)
    ld a0, 8(a1)
    CHECK(a0, 0xffffffffffff00ff)

    TEST(15)                        /* misaligned loads */
    la a1, data
    lw a0, 1(a1)
    CHECK(a0, 0xffffffff83848586)
    ld a0, 3(a1)
    CHECK(a0, 0x0201008081828384)
    lhu a0, 7(a1)
    CHECK(a0, 0x0080)

    TEST(16)                        /* misaligned stores */
    la a1, scratch
    sd zero, 0(a1)
    sd zero, 8(a1)
    li a2, 0x1122334455667788
    sd a2, 5(a1)
    ld a0, 0(a1)
    CHECK(a0, 0x6677880000000000)
    ld a0, 8(a1)
    CHECK(a0, 0x0000001122334455)
    sh a2, 15(a1)
    ld a0, 8(a1)
    CHECK(a0, 0x8800001122334455)
    ret

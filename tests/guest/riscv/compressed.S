/* C extension: every RV64C integer form, written with explicit c.* mnemonics so each is
 * really encoded in 16 bits; checks the expansion (immediates, sign, links of pc + 2). */
#include "test.h"

    .option rvc
    .data
    .align 3
cdata:
    .dword 0x1122334455667788
    .dword 0x8877665544332211
    .dword 0
    .dword 0

    .text
    .globl run_tests
run_tests:
    TEST(1)
    c.li a0, -32
    CHECK(a0, -32)
    c.li a0, 31
    CHECK(a0, 31)

    TEST(2)
    c.addi a0, 5
    CHECK(a0, 36)
    c.addi a0, -32
    CHECK(a0, 4)
    c.nop

    TEST(3)
    li a0, 0x7fffffff
    c.addiw a0, 1
    CHECK(a0, 0xffffffff80000000)
    c.addiw a0, 0                  /* sext.w */
    CHECK(a0, 0xffffffff80000000)

    TEST(4)
    c.lui a0, 1
    CHECK(a0, 0x1000)
    c.lui a0, 0x1f
    CHECK(a0, 0x1f000)
    c.lui a0, 0xfffe0
    CHECK(a0, 0xfffffffffffe0000)

    TEST(5)
    mv s1, sp
    c.addi16sp sp, -512
    sub a0, s1, sp
    CHECK(a0, 512)
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    bne sp, s1, fail

    TEST(6)
    c.addi4spn a0, sp, 1020
    sub a0, a0, sp
    CHECK(a0, 1020)
    c.addi4spn a1, sp, 4
    sub a1, a1, sp
    CHECK(a1, 4)

    TEST(7)
    c.li a0, 1
    c.slli a0, 63
    CHECK(a0, 0x8000000000000000)
    mv a1, a0
    c.srai a1, 63
    CHECK(a1, -1)
    c.srli a0, 32
    CHECK(a0, 0x80000000)
    c.li a1, -1
    c.andi a1, 0x1f
    CHECK(a1, 0x1f)
    li a1, 0x1234
    c.andi a1, -16
    CHECK(a1, 0x1230)

    TEST(8)
    li a0, 0x0ff0
    li a1, 0x00ff
    c.mv a2, a0
    CHECK(a2, 0x0ff0)
    c.add a2, a1
    CHECK(a2, 0x10ef)
    mv a2, a0
    c.sub a2, a1
    CHECK(a2, 0x0ef1)
    mv a2, a0
    c.xor a2, a1
    CHECK(a2, 0x0f0f)
    mv a2, a0
    c.or a2, a1
    CHECK(a2, 0x0fff)
    mv a2, a0
    c.and a2, a1
    CHECK(a2, 0x00f0)
    li a2, 0x7fffffff
    c.li a3, 1
    c.addw a2, a3
    CHECK(a2, 0xffffffff80000000)
    li a2, 0x80000000
    c.subw a2, a3
    CHECK(a2, 0x7fffffff)

    TEST(9)
    la a1, cdata
    c.lw a0, 0(a1)
    CHECK(a0, 0x55667788)
    c.lw a0, 12(a1)
    CHECK(a0, 0xffffffff88776655)
    c.ld a0, 8(a1)
    CHECK(a0, 0x8877665544332211)
    li a2, 0x0102030405060708
    c.sd a2, 16(a1)
    c.sw a2, 28(a1)
    ld a0, 16(a1)
    CHECK(a0, 0x0102030405060708)
    ld a0, 24(a1)
    CHECK(a0, 0x0506070800000000)

    TEST(10)
    c.addi16sp sp, -64
    li a2, 0xdeadbeefcafef00d
    c.sdsp a2, 56(sp)
    c.swsp a2, 4(sp)
    c.ldsp a3, 56(sp)
    bne a3, a2, fail
    c.lwsp a3, 4(sp)
    CHECK(a3, 0xffffffffcafef00d)
    c.addi16sp sp, 64

    TEST(11)
    c.li a0, 0
    c.j 1f
    c.li a0, 1
1:  CHECK(a0, 0)
    c.beqz a0, 2f
    j fail
2:  c.bnez a0, 9f
    c.li a0, 3
    c.bnez a0, 3f
    j fail
3:  c.beqz a0, 9f
    j 10f
9:  j fail
10:

    TEST(12)
    la a1, 4f
    c.jr a1
    j fail
4:  la a1, 5f
    mv s1, ra
    c.jalr a1
6:  mv ra, s1
    j 7f
5:  la a2, 6b
    bne ra, a2, fail           /* link is the address after the 2-byte c.jalr */
    c.jr ra
7:
    ret

/* Traps: ecall, ebreak (both sizes), illegal instructions (mtval = the bits), access
 * faults on load/store/fetch (mtval = the address), misaligned atomics, mret restoring
 * MIE from MPIE, vectored mtvec sending exceptions to its base, and a fault among
 * accesses off one base. */
#include "test.h"

/* The handler records mcause in s2, mepc in s3, mtval in s4, mstatus in s7 and counts
 * traps in s5; it resumes at s6 when set (then clears it), else after the trapping
 * instruction. */
#define EXPECT_TRAP(cause) CHECK(s2, cause); addi s8, s8, 1; bne s5, s8, fail

#define UNMAPPED 0x100000000000

    .option rvc
    .data
    .align 3
aligned:
    .dword 0
    .dword 0

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    la t0, handler
    csrw mtvec, t0
    li s5, 0
    li s6, 0
    li s8, 0

    TEST(1)
1:  ecall
    EXPECT_TRAP(11)
    la a0, 1b
    bne s3, a0, fail
    CHECK(s4, 0)

    TEST(2)
1:  ebreak
    EXPECT_TRAP(3)
    la a0, 1b
    bne s3, a0, fail
    TEST(3)
1:  c.ebreak
    EXPECT_TRAP(3)
    la a0, 1b
    bne s3, a0, fail

    TEST(4)                         /* a CSR that does not exist */
1:  csrr a0, 0x3ff
    EXPECT_TRAP(2)
    la a0, 1b
    lwu a1, 0(a0)
    bne s4, a1, fail

    TEST(5)                         /* writing a read-only CSR */
1:  csrw mhartid, a0
    EXPECT_TRAP(2)
    la a0, 1b
    lwu a1, 0(a0)
    bne s4, a1, fail

    TEST(6)                         /* 16-bit illegal: the all-zero parcel */
1:  .2byte 0
    EXPECT_TRAP(2)
    CHECK(s4, 0)

    TEST(7)                         /* reserved 16-bit: c.addi16sp with 0 */
1:  .2byte 0x6101
    EXPECT_TRAP(2)
    CHECK(s4, 0x6101)

    TEST(8)                         /* reserved 32-bit encoding in OP */
1:  .4byte 0xfe000033
    EXPECT_TRAP(2)
    li a1, 0xfe000033
    bne s4, a1, fail

    TEST(9)
    li a1, UNMAPPED
    ld a0, 8(a1)
    EXPECT_TRAP(5)
    li a1, UNMAPPED + 8
    bne s4, a1, fail

    TEST(10)
    li a1, UNMAPPED
    sw a0, 4(a1)
    EXPECT_TRAP(7)
    li a1, UNMAPPED + 4
    bne s4, a1, fail

    TEST(11)                        /* fetch from nowhere: mepc and mtval are the target */
    la s6, 1f
    li a1, UNMAPPED
    jr a1
1:  EXPECT_TRAP(1)
    li a1, UNMAPPED
    bne s3, a1, fail
    bne s4, a1, fail

    /*
     * Misaligned atomics are not performed. Hull raises access faults for them (the
     * spec's way of saying "do not emulate this"), since plain loads and stores do work
     * misaligned; QEMU 7.2 raises load-address-misaligned (4) for all three.
     */
    TEST(12)                        /* AMO and SC: store/AMO access fault */
    la a1, aligned
    addi a1, a1, 4
    amoadd.d a0, a0, (a1)
    EXPECT_TRAP(7)
    bne s4, a1, fail
    addi a1, a1, 1
    sc.w a0, a0, (a1)
    EXPECT_TRAP(7)
    bne s4, a1, fail

    TEST(13)                        /* LR: load access fault */
    la a1, aligned
    addi a1, a1, 2
    lr.w a0, (a1)
    EXPECT_TRAP(5)
    bne s4, a1, fail

    TEST(14)                        /* trap entry saves MIE in MPIE and clears it */
    csrsi mstatus, 8
    ecall
    EXPECT_TRAP(11)
    andi a0, s7, 0x88
    CHECK(a0, 0x80)
    csrr a0, mstatus                /* and mret brings it back */
    andi a0, a0, 8
    CHECK(a0, 8)
    csrci mstatus, 8

    TEST(15)                        /* mret to mepc with MPP = M */
    la a0, 1f
    csrw mepc, a0
    li a0, 0x1880                   /* MPP = M, MPIE = 1 */
    csrs mstatus, a0
    mret
    j fail
1:  csrr a0, mstatus
    andi a1, a0, 0x88
    CHECK(a1, 0x88)                 /* MIE = old MPIE, MPIE = 1 */
    csrci mstatus, 8

    TEST(16)                        /* vectored mtvec: exceptions still go to the base */
    la t0, vectors
    ori t0, t0, 1
    csrw mtvec, t0
    ecall
    EXPECT_TRAP(11)
    la t0, handler
    csrw mtvec, t0

    /* Loads off one base in one block (the JIT checks their window once): the third
     * faults below the start of RAM (0x80000000 on every board these tests run on).
     * mepc and mtval name it; the loads before it are done, the one after it is not. */
    TEST(17)
    li a1, 0x80000000
    li a5, 0
    li a6, 0
    li a7, 0x77
    la s6, 3f
    ld a5, 0(a1)
    ld a6, 8(a1)
2:  ld t3, -8(a1)
    ld a7, 16(a1)
    j fail
3:  EXPECT_TRAP(5)
    la a0, 2b
    bne s3, a0, fail
    li a0, 0x80000000 - 8
    bne s4, a0, fail
    ld a0, 0(a1)
    bne a5, a0, fail
    ld a0, 8(a1)
    bne a6, a0, fail
    CHECK(a7, 0x77)

    mv ra, s0
    ret

    .align 8
vectors:
    j handler
    .rept 15
    j fail
    .endr

    .align 2
handler:
    csrr s2, mcause
    csrr s3, mepc
    csrr s4, mtval
    csrr s7, mstatus
    addi s5, s5, 1
    beqz s6, 1f
    csrw mepc, s6
    li s6, 0
    mret
1:  lhu t0, 0(s3)                   /* step over the instruction: 2 or 4 bytes */
    andi t0, t0, 3
    li t1, 3
    addi t2, s3, 2
    bne t0, t1, 2f
    addi t2, t2, 2
2:  csrw mepc, t2
    mret

/* Board test of the reset ROM and the device tree: a0 = mhartid, a1 = the device tree
 * (FDT magic d00dfeed, big-endian, at a1), a2 = fw_dynamic_info ("OSBI", version 2,
 * next_mode S); then the CLINT: mtime advances, and a timer interrupt arrives through
 * mtimecmp (MTIP) and wakes wfi. */
#include "test.h"

#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME    0x200bff8

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    TEST(1)                         /* boot registers from the ROM (crt leaves a0..a2 alone) */
    csrr t0, mhartid
    bne a0, t0, fail
    bnez a0, park                   /* the other harts: checked a0, then out of the way */
    TEST(2)
    lwu t0, 0(a1)                   /* FDT header magic, big-endian in memory */
    CHECK(t0, 0xedfe0dd0)
    TEST(3)
    ld t0, 0(a2)                    /* fw_dynamic_info.magic */
    CHECK(t0, 0x4942534f)
    ld t0, 8(a2)
    CHECK(t0, 2)
    ld t0, 24(a2)                   /* next_mode */
    CHECK(t0, 1)
    TEST(4)                         /* mtime runs */
    li t2, CLINT_MTIME
    ld t0, 0(t2)
    li t3, 1000
1:  addi t3, t3, -1
    bnez t3, 1b
    ld t1, 0(t2)
    bgeu t0, t1, fail
    TEST(5)                         /* a machine timer interrupt wakes wfi, then traps */
    la t0, mtvec_handler
    csrw mtvec, t0
    li t0, 0x80                     /* mie.MTIE; mstatus.MIE stays 0 while waiting, so */
    csrs mie, t0                    /* no trap can come between the check and wfi */
    ld t0, 0(t2)
    addi t0, t0, 100                /* 10 us from now */
    li t1, CLINT_MTIMECMP
    sd t0, 0(t1)
2:  wfi                             /* wakes once MTIP is pending (enabled in mie) */
    csrr t0, mip
    andi t0, t0, 0x80
    beqz t0, 2b
    TEST(6)                         /* pending and enabled: taken as soon as MIE is set */
    li s4, 0
    csrsi mstatus, 8
    csrci mstatus, 8
    beqz s4, fail
    mv ra, s0
    ret

park:
    csrw mie, zero
1:  wfi
    j 1b

    .align 2
mtvec_handler:
    csrr t0, mcause
    li t1, 0x8000000000000007       /* interrupt, machine timer */
    bne t0, t1, fail
    li t0, -1
    li t1, CLINT_MTIMECMP
    sd t0, 0(t1)                    /* no more timer interrupts */
    li s4, 1
    mret

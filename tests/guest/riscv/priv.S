/* Privilege modes: entering S and U with mret, ecall causes, privileged instructions and
 * CSRs refused below their level, exception and interrupt delegation, sret, interrupt
 * enables and priorities per mode, vectored stvec, counter enables, TSR/TW/TVM, Sstc. */
#include "test.h"
#include "priv.h"

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    PRIV_SETUP

    /* ecall from S and from U reach M with their causes and MPP. */
    TEST(1)
    ENTER(MODE_S, s_ecall, 1f)
1:  CHECK(s2, 9)
    RECORDED_MPP(a0)
    CHECK(a0, MODE_S)
    la a1, s_ecall
    bne s6, a1, fail

    TEST(2)
    ENTER(MODE_U, u_ecall, 1f)
1:  CHECK(s2, 8)
    RECORDED_MPP(a0)
    CHECK(a0, MODE_U)

    /* U cannot read sstatus; S cannot read mstatus; the bits land in mtval. */
    TEST(3)
    ENTER(MODE_U, u_read_sstatus, 1f)
1:  CHECK(s2, 2)
    la a1, u_read_sstatus
    lw a1, 0(a1)
    bne s3, a1, fail

    TEST(4)
    ENTER(MODE_S, s_read_mstatus, 1f)
1:  CHECK(s2, 2)

    /* S reads sstatus (a view of mstatus) and writes SUM through it. */
    TEST(5)
    li t0, MSTATUS_SUM
    csrc mstatus, t0
    ENTER(MODE_S, s_set_sum, 1f)
1:  CHECK(s2, 9)
    csrr a0, mstatus
    li t0, MSTATUS_SUM
    and a0, a0, t0
    beqz a0, fail

    /* mret in S, sret in U, wfi in U: illegal. */
    TEST(6)
    ENTER(MODE_S, s_mret, 1f)
1:  CHECK(s2, 2)
    TEST(7)
    ENTER(MODE_U, u_sret, 1f)
1:  CHECK(s2, 2)
    TEST(8)
    ENTER(MODE_U, u_wfi, 1f)
1:  CHECK(s2, 2)

    /* TSR, TW and TVM make sret, wfi, satp and sfence.vma illegal in S. */
    TEST(9)
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    ENTER(MODE_S, s_sret, 1f)
1:  CHECK(s2, 2)
    li t0, MSTATUS_TSR
    csrc mstatus, t0
    TEST(10)
    li t0, MSTATUS_TW
    csrs mstatus, t0
    ENTER(MODE_S, s_wfi, 1f)
1:  CHECK(s2, 2)
    li t0, MSTATUS_TW
    csrc mstatus, t0
    TEST(11)
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    ENTER(MODE_S, s_read_satp, 1f)
1:  CHECK(s2, 2)
    ENTER(MODE_S, s_sfence, 1f)
1:  CHECK(s2, 2)
    li t0, MSTATUS_TVM
    csrc mstatus, t0
    ENTER(MODE_S, s_sfence, 1f) /* allowed again: ends with ecall */
1:  CHECK(s2, 9)

    /* Delegated exceptions from U go to S: scause, sepc, SPP = U; S then ecalls to M. */
    TEST(12)
    li t0, (1 << 8) | (1 << 2)
    csrw medeleg, t0
    ENTER(MODE_U, u_ecall, 1f)
1:  CHECK(s7, 8)
    la a1, u_ecall
    bne s9, a1, fail
    andi a0, s10, MSTATUS_SPP
    CHECK(a0, 0)
    CHECK(s2, 9)
    /* ... and from S, with SPP = S; a delegated illegal instruction has stval = bits. */
    TEST(13)
    ENTER(MODE_S, s_read_mstatus, 1f)
1:  CHECK(s7, 2)
    andi a0, s10, MSTATUS_SPP
    CHECK(a0, MSTATUS_SPP)
    la a1, s_read_mstatus
    lw a1, 0(a1)
    bne s8, a1, fail
    /* An exception in M is never delegated. */
    TEST(14)
    la s5, 1f
    CLEAR_RECORD
    ecall
1:  CHECK(s2, 11)
    CHECK(s7, -1)
    csrw medeleg, zero

    /* sret returns to SPP with SIE <- SPIE. */
    TEST(15)
    ENTER(MODE_S, s_sret_to_u, 1f)
1:  CHECK(s2, 8) /* the U code's ecall */
    RECORDED_MPP(a0)
    CHECK(a0, MODE_U)

    /* Interrupts. A pending S-software interrupt delegated to S: not taken in S while
     * SIE = 0, taken once S sets SIE; scause has the interrupt bit. */
    TEST(16)
    li t0, 0x2
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    ENTER(MODE_S, s_enable_sie, 1f)
1:  li a0, IRQ_BIT | 1
    bne s7, a0, fail
    CHECK(a1, 1) /* s_enable_sie ran its first part with the interrupt masked */
    /* In U it is taken whatever SIE says. */
    TEST(17)
    ENTER(MODE_U, u_spin, 1f)
1:  li a0, IRQ_BIT | 1
    bne s7, a0, fail
    /* Delegated interrupts are never taken in M, even with MIE. */
    TEST(18)
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    li t0, 0x2
    csrc mip, t0
    csrw mideleg, zero

    /* A non-delegated interrupt is taken in S even with MIE = 0 (below M). */
    TEST(19)
    li t0, 0x20
    csrw mie, t0
    csrs mip, t0
    ENTER(MODE_S, s_spin, 1f)
1:  li a0, IRQ_BIT | 5
    bne s2, a0, fail
    li t0, 0x20
    csrc mip, t0

    /* Priorities for M: SEI > SSI > STI (with MEI > MSI > MTI above, not testable here:
     * M bits are driven by the platform). */
    TEST(20)
    li t0, 0x222
    csrw mie, t0
    csrs mip, t0
    ENTER(MODE_U, u_spin, 1f)
1:  li a0, IRQ_BIT | 9
    bne s2, a0, fail
    li t0, 0x200
    csrc mip, t0
    ENTER(MODE_U, u_spin, 1f)
1:  li a0, IRQ_BIT | 1
    bne s2, a0, fail
    li t0, 0x2
    csrc mip, t0
    ENTER(MODE_U, u_spin, 1f)
1:  li a0, IRQ_BIT | 5
    bne s2, a0, fail
    li t0, 0x222
    csrc mip, t0

    /* An interrupt for M beats one for S: both pending in U, SSIP delegated. */
    TEST(21)
    li t0, 0x2
    csrw mideleg, t0
    li t0, 0x22
    csrs mip, t0
    ENTER(MODE_U, u_spin, 1f)
1:  li a0, IRQ_BIT | 5
    bne s2, a0, fail
    CHECK(s7, -1)
    li t0, 0x22
    csrc mip, t0
    csrw mideleg, zero
    csrw mie, zero

    /* Vectored stvec: an interrupt enters at BASE + 4 * cause, exceptions at BASE. */
    TEST(22)
    la t0, svec
    ori t0, t0, 1
    csrw stvec, t0
    li t0, 0x2
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    li a2, 0
    ENTER(MODE_U, u_spin, 1f)
1:  CHECK(a2, 0x51) /* svec slot 1 */
    li t0, 0x2
    csrc mip, t0
    csrw mie, zero
    li t0, 1 << 8
    csrw medeleg, t0
    li a2, 0
    ENTER(MODE_U, u_ecall, 1f)
1:  CHECK(a2, 0x50) /* svec slot 0 */
    csrw medeleg, zero
    csrw mideleg, zero
    la t0, strap
    csrw stvec, t0

    /* Counter enables: cycle in S needs mcounteren.CY; in U scounteren.CY too. */
    TEST(23)
    csrw mcounteren, zero
    csrw scounteren, zero
    ENTER(MODE_S, s_rdcycle, 1f)
1:  CHECK(s2, 2)
    csrwi mcounteren, 1
    ENTER(MODE_S, s_rdcycle, 1f)
1:  CHECK(s2, 9)
    ENTER(MODE_U, u_rdcycle, 1f)
1:  CHECK(s2, 2)
    csrwi scounteren, 1
    ENTER(MODE_U, u_rdcycle, 1f)
1:  CHECK(s2, 8)
    csrw mcounteren, zero
    csrw scounteren, zero

    /* mret with MPP = S leaves MPRV cleared. */
    TEST(24)
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    ENTER(MODE_S, s_ecall, 1f)
1:  li t0, MSTATUS_MPRV
    and a0, s4, t0
    CHECK(a0, 0)

    /* mconfigptr reads 0, menvcfg keeps only FIOM and STCE, mcountinhibit reads 0. */
    TEST(25)
    csrr a0, 0xf15
    CHECK(a0, 0)
    li t0, -1
    csrw CSR_MENVCFG, t0
    csrr a0, CSR_MENVCFG
    CHECK(a0, 0x8000000000000001)
    csrw CSR_MENVCFG, zero
    /* mcountinhibit exists, all bits hardwired to zero. */
    li t0, -1
    csrw 0x320, t0
    csrr a0, 0x320
    CHECK(a0, 0)

    /* Sstc: with STCE, STIP is time >= stimecmp and read-only in mip. */
    TEST(26)
    li t0, 0x8000000000000000
    csrw CSR_MENVCFG, t0
    csrw CSR_STIMECMP, zero
    csrr a0, mip
    andi a0, a0, 0x20
    CHECK(a0, 0x20)
    li t0, 0x20
    csrc mip, t0
    csrr a0, mip
    andi a0, a0, 0x20
    CHECK(a0, 0x20)
    li t0, -1
    csrw CSR_STIMECMP, t0
    csrr a0, mip
    andi a0, a0, 0x20
    CHECK(a0, 0)
    /* S reaches stimecmp only with mcounteren.TM; a due compare interrupts S (delegated). */
    TEST(27)
    csrw mcounteren, zero
    ENTER(MODE_S, s_zero_stimecmp, 1f)
1:  CHECK(s2, 2)
    csrwi mcounteren, 2
    ENTER(MODE_S, s_zero_stimecmp, 1f)
1:  CHECK(s2, 9)
    csrr a0, mip
    andi a0, a0, 0x20
    CHECK(a0, 0x20)
    li t0, 0x20
    csrw mideleg, t0
    csrw mie, t0
    ENTER(MODE_S, s_enable_sie, 1f)
1:  li a0, IRQ_BIT | 5
    bne s7, a0, fail
    li t0, -1
    csrw CSR_STIMECMP, t0
    csrw mideleg, zero
    csrw mie, zero
    csrw CSR_MENVCFG, zero
    csrw mcounteren, zero

    li t0, MSTATUS_MPP
    csrs mstatus, t0
    la t0, unexpected
    csrw mtvec, t0
    mv ra, s0
    ret

unexpected:
    li t0, 0x8000
    or gp, gp, t0
    j fail

    PRIV_HANDLERS

/* ---- code run in S or U ---- */
s_ecall:
    ecall
u_ecall:
    ecall
u_read_sstatus:
    csrr a0, sstatus
    ecall
s_read_mstatus:
    csrr a0, mstatus
    ecall
s_set_sum:
    csrr a1, sstatus
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    ecall
s_mret:
    mret
u_sret:
    sret
u_wfi:
    wfi
    ecall
s_sret:
    sret
s_wfi:
    wfi
    ecall
s_read_satp:
    csrr a0, satp
    ecall
s_sfence:
    sfence.vma
    ecall
s_sret_to_u:
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    la t0, u_ecall
    csrw sepc, t0
    sret
s_enable_sie:
    li a1, 0
    nop
    nop
    li a1, 1
    csrsi sstatus, MSTATUS_SIE
    nop
    li a1, 2 /* not reached: the interrupt is taken first */
    ecall
s_spin:
u_spin:
    j u_spin
s_rdcycle:
    rdcycle a0
    ecall
s_zero_stimecmp:
    csrw CSR_STIMECMP, zero
    ecall
u_rdcycle:
    rdcycle a0
    ecall

    .align 6
svec:
    j svec0
    j svec1
svec0:
    li a2, 0x50
    j strap
svec1:
    li a2, 0x51
    j strap

/*
 * Helpers of the privileged-architecture guest tests: entering S or U mode from M, and the
 * trap handlers that bring the test back to M with what happened.
 *
 * M handler (mtrap): mcause -> s2, mtval -> s3, mstatus -> s4, mepc -> s6, then resumes with
 * MPIE cleared (so interrupts stay off) in
 * M mode at s5. S handler (strap): scause -> s7, stval -> s8, sepc -> s9, sstatus -> s10,
 * then ecall to M (mcause 9), which resumes at s5.
 */
#ifndef HULL_GUEST_RISCV_PRIV_H
#define HULL_GUEST_RISCV_PRIV_H

#define MODE_U 0
#define MODE_S 1
#define MSTATUS_SIE 0x2
#define MSTATUS_MIE 0x8
#define MSTATUS_SPIE 0x20
#define MSTATUS_SPP 0x100
#define MSTATUS_MPP 0x1800
#define MSTATUS_MPRV 0x20000
#define MSTATUS_SUM 0x40000
#define MSTATUS_MXR 0x80000
#define MSTATUS_TVM 0x100000
#define MSTATUS_TW 0x200000
#define MSTATUS_TSR 0x400000
#define IRQ_BIT 0x8000000000000000
#define CSR_STIMECMP 0x14d
#define CSR_MENVCFG 0x30a

/* Forget what the handlers recorded. */
#define CLEAR_RECORD li s2, -1; li s3, -1; li s4, -1; li s6, -1; li s7, -1; li s8, -1; \
    li s9, -1; li s10, -1

/* Runs `target` in `mode`; a trap to M comes back to `resume` in M mode. */
#define ENTER(mode, target, resume) \
    CLEAR_RECORD; la s5, resume; li t0, MSTATUS_MPP; csrc mstatus, t0; \
    li t0, (mode) << 11; csrs mstatus, t0; la t0, target; csrw mepc, t0; mret

/* The handlers' code; place once in .text (4-byte aligned for mtvec/stvec). */
#define PRIV_HANDLERS \
    .align 2; \
mtrap: \
    csrr s2, mcause; csrr s3, mtval; csrr s4, mstatus; csrr s6, mepc; \
    li t0, MSTATUS_MPP; csrs mstatus, t0; li t0, 0x80; csrc mstatus, t0; \
    csrw mepc, s5; mret; \
    .align 2; \
strap: \
    csrr s7, scause; csrr s8, stval; csrr s9, sepc; csrr s10, sstatus; ecall

/* Install the handlers and a PMP entry giving S and U access to everything (NAPOT over
 * the whole address space, RWX), without which S/U could not run at all. */
#define PRIV_SETUP \
    la t0, mtrap; csrw mtvec, t0; la t0, strap; csrw stvec, t0; \
    li t0, -1; csrw pmpaddr0, t0; li t0, 0x1f; csrw pmpcfg0, t0; \
    csrw medeleg, zero; csrw mideleg, zero

/* mstatus.MPP as recorded in s4, into reg. */
#define RECORDED_MPP(reg) srli reg, s4, 11; andi reg, reg, 3

#endif

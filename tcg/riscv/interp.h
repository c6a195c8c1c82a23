/*
 * Reference interpreter for the RISC-V hart: plain execution of each decoded instruction,
 * traps and interrupts included. The JIT is tested against it.
 */
#ifndef HULL_TCG_RISCV_INTERP_H
#define HULL_TCG_RISCV_INTERP_H

#include "tcg/riscv/cpu.h"
#include "tcg/riscv/decode.h"

typedef enum RiscvExecResult {
    RISCV_EXEC_OK,   /* retired; pc advanced or jumped */
    RISCV_EXEC_TRAP, /* *trap says which exception; pc and registers unchanged */
    RISCV_EXEC_WFI,  /* wfi retired and nothing is pending: the hart may sleep */
} RiscvExecResult;

/*
 * Executes one decoded instruction located at env.pc. Does not count it (the caller adds
 * one to minstret on RISCV_EXEC_OK and RISCV_EXEC_WFI) and does not enter the
 * trap (the caller calls riscv_cpu_do_trap). The JIT uses it for instructions it leaves
 * to a helper.
 */
RiscvExecResult riscv_interp_exec(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap);

/* The memory part of an LR, SC or AMO instruction (op is one of them): *rd receives what
 * the instruction writes to rd. */
bool riscv_exec_atomic(RiscvCPU *cpu, RiscvOp op, uint64_t addr, uint64_t src, uint64_t *rd,
                       RiscvTrap *trap);

/* Privilege rules of the system instructions (mstatus.TSR, TW, TVM), shared with the JIT's
 * helpers: false means an illegal instruction. */
bool riscv_sret_allowed(const CPURISCVState *env);
bool riscv_wfi_allowed(const CPURISCVState *env);
bool riscv_sfence_vma_allowed(const CPURISCVState *env);

typedef enum RiscvExitReason {
    RISCV_EXIT_BUDGET, /* max_insns steps done */
    RISCV_EXIT_WFI,    /* waiting for an interrupt: sleep until mip & mie != 0 */
    RISCV_EXIT_KICKED, /* riscv_cpu_kick() was called; the request is consumed */
} RiscvExitReason;

/*
 * Runs the hart: before each instruction takes a pending enabled interrupt, then fetches,
 * decodes and executes, entering traps as they occur. Every step (a retired instruction,
 * an exception or an interrupt entry) counts against max_insns; *steps (may be NULL)
 * receives the number done.
 */
RiscvExitReason riscv_interp_run(RiscvCPU *cpu, uint64_t max_insns, uint64_t *steps);

#endif

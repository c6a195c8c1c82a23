/*
 * The F and D extensions' arithmetic (everything but loads and stores), shared by the
 * interpreter and the JIT's helper so that both give bit-identical results and flags.
 */
#ifndef HULL_TCG_RISCV_FPU_H
#define HULL_TCG_RISCV_FPU_H

#include "tcg/riscv/cpu.h"
#include "tcg/riscv/decode.h"

/* fflags bits. */
#define RISCV_FFLAG_NX 0x01
#define RISCV_FFLAG_UF 0x02
#define RISCV_FFLAG_OF 0x04
#define RISCV_FFLAG_DZ 0x08
#define RISCV_FFLAG_NV 0x10

/* Rounding modes (rm field and frm). */
enum {
    RISCV_RM_RNE = 0,
    RISCV_RM_RTZ = 1,
    RISCV_RM_RDN = 2,
    RISCV_RM_RUP = 3,
    RISCV_RM_RMM = 4,
    RISCV_RM_DYN = 7,
};

/* NaN-boxing of single-precision values in the 64-bit f registers. */
static inline uint64_t riscv_fp_box_s(uint32_t v)
{
    return UINT64_C(0xffffffff00000000) | v;
}

/*
 * Executes one F/D instruction other than a load or store (mstatus.FS is not Off: the
 * caller checked). Reads env->x and env->f, writes env->f or, for the forms with an integer
 * result, env->x[rd] (or *x_out when given: env->x is then left alone), accrues
 * env->fflags and sets FS to Dirty when it changes FP state. Returns false when the
 * rounding mode is reserved (an illegal instruction; nothing changed).
 */
bool riscv_fp_exec(CPURISCVState *env, RiscvOp op, unsigned rd, unsigned rs1, unsigned rs2,
                   unsigned rs3, unsigned rm, uint64_t *x_out);

/* Marks the FP state dirty (mstatus.FS = Dirty). */
static inline void riscv_fp_set_dirty(CPURISCVState *env)
{
    env->mstatus |= RISCV_MSTATUS_FS;
}

#endif

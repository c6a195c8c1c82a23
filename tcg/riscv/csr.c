/*
 * RISC-V control and status registers of an M-mode RV64IMAC hart: which exist, who may
 * access them, and the legal values (WARL) each write leaves behind.
 */
#include "tcg/riscv/cpu.h"

#define RISCV_MIE_M_MASK                                                                       \
    ((UINT64_C(1) << RISCV_IRQ_M_SOFT) | (UINT64_C(1) << RISCV_IRQ_M_TIMER) |                  \
     (UINT64_C(1) << RISCV_IRQ_M_EXT))

static bool riscv_csr_read(RiscvCPU *cpu, unsigned csrno, uint64_t *val)
{
    CPURISCVState *env = &cpu->env;

    switch (csrno) {
    case RISCV_CSR_MSTATUS:
        *val = env->mstatus;
        return true;
    case RISCV_CSR_MISA:
        *val = env->misa;
        return true;
    case RISCV_CSR_MIE:
        *val = env->mie;
        return true;
    case RISCV_CSR_MTVEC:
        *val = env->mtvec;
        return true;
    case RISCV_CSR_MSCRATCH:
        *val = env->mscratch;
        return true;
    case RISCV_CSR_MEPC:
        *val = env->mepc;
        return true;
    case RISCV_CSR_MCAUSE:
        *val = env->mcause;
        return true;
    case RISCV_CSR_MTVAL:
        *val = env->mtval;
        return true;
    case RISCV_CSR_MIP:
        *val = __atomic_load_n(&env->mip, __ATOMIC_RELAXED);
        return true;
    case RISCV_CSR_MCYCLE:
    case RISCV_CSR_CYCLE:
        *val = env->mcycle;
        return true;
    case RISCV_CSR_MINSTRET:
    case RISCV_CSR_INSTRET:
        *val = env->minstret;
        return true;
    case RISCV_CSR_TIME:
        if (!cpu->bus.ops || !cpu->bus.ops->get_time) {
            return false;
        }
        *val = cpu->bus.ops->get_time(cpu->bus.opaque);
        return true;
    case RISCV_CSR_MHARTID:
        *val = env->mhartid;
        return true;
    case RISCV_CSR_MVENDORID: /* 0: not a commercial implementation */
    case RISCV_CSR_MARCHID:
    case RISCV_CSR_MIMPID:
    case RISCV_CSR_MCONFIGPTR:
        *val = 0;
        return true;
    default:
        break;
    }
    /* Performance-monitoring counters and their event selectors exist and read zero. */
    if ((csrno >= RISCV_CSR_MHPMCOUNTER3 && csrno <= RISCV_CSR_MHPMCOUNTER31) ||
        (csrno >= RISCV_CSR_HPMCOUNTER3 && csrno <= RISCV_CSR_HPMCOUNTER31) ||
        (csrno >= RISCV_CSR_MHPMEVENT3 && csrno <= RISCV_CSR_MHPMEVENT31)) {
        *val = 0;
        return true;
    }
    return false;
}

static uint64_t riscv_mstatus_legalize(const CPURISCVState *env, uint64_t val)
{
    uint64_t writable = RISCV_MSTATUS_MIE | RISCV_MSTATUS_MPIE;
    uint64_t mpp = (val & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT;
    bool mpp_legal = mpp == RISCV_PRIV_M ||
                     (mpp == RISCV_PRIV_S && (env->misa & RISCV_MISA_EXT('S'))) ||
                     (mpp == RISCV_PRIV_U && (env->misa & RISCV_MISA_EXT('U')));
    uint64_t next = (env->mstatus & ~writable) | (val & writable);

    /* MPP is WARL: an unsupported mode leaves the field as it was. */
    if (mpp_legal) {
        next = (next & ~RISCV_MSTATUS_MPP) | (mpp << RISCV_MSTATUS_MPP_SHIFT);
    }
    return next;
}

static void riscv_csr_write(RiscvCPU *cpu, unsigned csrno, uint64_t val)
{
    CPURISCVState *env = &cpu->env;

    switch (csrno) {
    case RISCV_CSR_MSTATUS:
        env->mstatus = riscv_mstatus_legalize(env, val);
        break;
    case RISCV_CSR_MIE:
        env->mie = val & RISCV_MIE_M_MASK;
        break;
    case RISCV_CSR_MTVEC:
        /* Modes 2 and 3 are reserved: such a write keeps the previous mode. */
        env->mtvec = (val & ~UINT64_C(3)) | ((val & 3) < 2 ? (val & 3) : (env->mtvec & 3));
        break;
    case RISCV_CSR_MSCRATCH:
        env->mscratch = val;
        break;
    case RISCV_CSR_MEPC:
        env->mepc = val & ~UINT64_C(1); /* IALIGN is 16 with C */
        break;
    case RISCV_CSR_MCAUSE:
        env->mcause = val;
        break;
    case RISCV_CSR_MTVAL:
        env->mtval = val;
        break;
    case RISCV_CSR_MCYCLE:
        /* The writing instruction is counted after this write, like every instruction:
         * keep the written value as the one software reads next. */
        env->mcycle = val - 1;
        break;
    case RISCV_CSR_MINSTRET:
        env->minstret = val - 1;
        break;
    default:
        /* misa (fixed extensions), mip (M bits are driven by the platform) and the
         * hardwired-zero counters ignore writes. */
        break;
    }
}

bool riscv_csr_access(RiscvCPU *cpu, unsigned csrno, RiscvCsrOp op, uint64_t src, bool write,
                      uint64_t *old)
{
    unsigned min_priv = (csrno >> 8) & 3;
    bool read_only = ((csrno >> 10) & 3) == 3;
    uint64_t cur, next;

    if (csrno > 0xfff || cpu->env.priv < min_priv || (write && read_only)) {
        return false;
    }
    if (!riscv_csr_read(cpu, csrno, &cur)) {
        return false;
    }
    if (write) {
        switch (op) {
        case RISCV_CSR_OP_WRITE:
            next = src;
            break;
        case RISCV_CSR_OP_SET:
            next = cur | src;
            break;
        default:
            next = cur & ~src;
            break;
        }
        riscv_csr_write(cpu, csrno, next);
    }
    *old = cur;
    return true;
}

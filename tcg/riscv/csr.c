/*
 * RISC-V control and status registers of an RV64 hart with M, S and U modes: which exist,
 * who may access them, and the legal values (WARL) each write leaves behind.
 */
#include "tcg/riscv/cpu.h"

#define RISCV_MIE_MASK (RISCV_MIP_M_MASK | RISCV_MIP_S_MASK)
/* Exceptions M mode may delegate: all but ecall from M (and the reserved causes). */
#define RISCV_MEDELEG_MASK UINT64_C(0xb3ff)
/* mip bits software writes: SSIP, STIP (unless Sstc drives it), SEIP. */
#define RISCV_MIP_SW_MASK RISCV_MIP_S_MASK

#define RISCV_SSTATUS_MASK                                                                     \
    (RISCV_MSTATUS_SIE | RISCV_MSTATUS_SPIE | RISCV_MSTATUS_SPP | RISCV_MSTATUS_FS |           \
     RISCV_MSTATUS_SUM | RISCV_MSTATUS_MXR | RISCV_MSTATUS_UXL | RISCV_MSTATUS_SD)
#define RISCV_MSTATUS_WRITABLE                                                                 \
    (RISCV_MSTATUS_SIE | RISCV_MSTATUS_MIE | RISCV_MSTATUS_SPIE | RISCV_MSTATUS_MPIE |         \
     RISCV_MSTATUS_SPP | RISCV_MSTATUS_FS | RISCV_MSTATUS_MPRV | RISCV_MSTATUS_SUM |           \
     RISCV_MSTATUS_MXR | RISCV_MSTATUS_TVM | RISCV_MSTATUS_TW | RISCV_MSTATUS_TSR)

static uint64_t riscv_mstatus_with_sd(uint64_t status)
{
    status &= ~RISCV_MSTATUS_SD;
    if (((status & RISCV_MSTATUS_FS) >> RISCV_MSTATUS_FS_SHIFT) == RISCV_FS_DIRTY) {
        status |= RISCV_MSTATUS_SD;
    }
    return status;
}

static bool riscv_sstc_enabled(const CPURISCVState *env)
{
    return (env->menvcfg & RISCV_MENVCFG_STCE) != 0;
}

/*
 * Counter access from S and U: cycle, time, instret and hpmcounterN need their bit in
 * mcounteren (and for U, in scounteren too). stimecmp needs mcounteren.TM and STCE below M.
 */
static bool riscv_counter_allowed(const CPURISCVState *env, unsigned bit)
{
    if (env->priv == RISCV_PRIV_M) {
        return true;
    }
    if (!((env->mcounteren >> bit) & 1)) {
        return false;
    }
    return env->priv == RISCV_PRIV_S || ((env->scounteren >> bit) & 1);
}

static uint64_t riscv_cpu_time(RiscvCPU *cpu)
{
    return cpu->bus.ops->get_time(cpu->bus.opaque);
}

static bool riscv_has_time(RiscvCPU *cpu)
{
    return cpu->bus.ops && cpu->bus.ops->get_time;
}

/* Sstc: STIP follows time >= stimecmp while STCE is set. */
static void riscv_update_stip(RiscvCPU *cpu)
{
    CPURISCVState *env = &cpu->env;
    uint64_t bit = RISCV_MIP_BIT(RISCV_IRQ_S_TIMER);

    if (!riscv_sstc_enabled(env) || !riscv_has_time(cpu)) {
        return;
    }
    if (riscv_cpu_time(cpu) >= env->stimecmp) {
        __atomic_fetch_or(&env->mip, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&env->mip, ~bit, __ATOMIC_SEQ_CST);
    }
}

static bool riscv_fs_enabled(const CPURISCVState *env)
{
    return (env->mstatus & RISCV_MSTATUS_FS) != 0;
}

static bool riscv_csr_read(RiscvCPU *cpu, unsigned csrno, uint64_t *val)
{
    CPURISCVState *env = &cpu->env;

    switch (csrno) {
    case RISCV_CSR_FFLAGS:
    case RISCV_CSR_FRM:
    case RISCV_CSR_FCSR:
        /* With FS = Off the FP state is inaccessible. */
        if (!riscv_fs_enabled(env)) {
            return false;
        }
        *val = csrno == RISCV_CSR_FFLAGS ? env->fflags
               : csrno == RISCV_CSR_FRM  ? env->frm
                                         : env->frm << 5 | env->fflags;
        return true;
    case RISCV_CSR_MSTATUS:
        *val = riscv_mstatus_with_sd(env->mstatus);
        return true;
    case RISCV_CSR_SSTATUS:
        *val = riscv_mstatus_with_sd(env->mstatus) & RISCV_SSTATUS_MASK;
        return true;
    case RISCV_CSR_MISA:
        *val = env->misa;
        return true;
    case RISCV_CSR_MEDELEG:
        *val = env->medeleg;
        return true;
    case RISCV_CSR_MIDELEG:
        *val = env->mideleg;
        return true;
    case RISCV_CSR_MIE:
        *val = env->mie;
        return true;
    case RISCV_CSR_SIE:
        *val = env->mie & env->mideleg;
        return true;
    case RISCV_CSR_MTVEC:
        *val = env->mtvec;
        return true;
    case RISCV_CSR_STVEC:
        *val = env->stvec;
        return true;
    case RISCV_CSR_MCOUNTEREN:
        *val = env->mcounteren;
        return true;
    case RISCV_CSR_SCOUNTEREN:
        *val = env->scounteren;
        return true;
    case RISCV_CSR_MENVCFG:
        *val = env->menvcfg;
        return true;
    case RISCV_CSR_SENVCFG:
        *val = env->senvcfg;
        return true;
    case RISCV_CSR_MSCRATCH:
        *val = env->mscratch;
        return true;
    case RISCV_CSR_SSCRATCH:
        *val = env->sscratch;
        return true;
    case RISCV_CSR_MEPC:
        *val = env->mepc;
        return true;
    case RISCV_CSR_SEPC:
        *val = env->sepc;
        return true;
    case RISCV_CSR_MCAUSE:
        *val = env->mcause;
        return true;
    case RISCV_CSR_SCAUSE:
        *val = env->scause;
        return true;
    case RISCV_CSR_MTVAL:
        *val = env->mtval;
        return true;
    case RISCV_CSR_STVAL:
        *val = env->stval;
        return true;
    case RISCV_CSR_MIP:
        riscv_update_stip(cpu);
        *val = riscv_cpu_read_mip(env);
        return true;
    case RISCV_CSR_SIP:
        riscv_update_stip(cpu);
        *val = riscv_cpu_read_mip(env) & env->mideleg;
        return true;
    case RISCV_CSR_SATP:
        if (env->priv == RISCV_PRIV_S && (env->mstatus & RISCV_MSTATUS_TVM)) {
            return false;
        }
        *val = env->satp;
        return true;
    case RISCV_CSR_STIMECMP:
        if (env->priv != RISCV_PRIV_M &&
            (!riscv_sstc_enabled(env) || !(env->mcounteren & 2))) {
            return false;
        }
        *val = env->stimecmp;
        return true;
    case RISCV_CSR_MCYCLE:
        *val = riscv_cpu_mcycle(env);
        return true;
    case RISCV_CSR_CYCLE:
        if (!riscv_counter_allowed(env, 0)) {
            return false;
        }
        *val = riscv_cpu_mcycle(env);
        return true;
    case RISCV_CSR_MINSTRET:
        *val = env->minstret;
        return true;
    case RISCV_CSR_INSTRET:
        if (!riscv_counter_allowed(env, 2)) {
            return false;
        }
        *val = env->minstret;
        return true;
    case RISCV_CSR_TIME:
        if (!riscv_has_time(cpu) || !riscv_counter_allowed(env, 1)) {
            return false;
        }
        *val = riscv_cpu_time(cpu);
        return true;
    case RISCV_CSR_MHARTID:
        *val = env->mhartid;
        return true;
    case RISCV_CSR_MCOUNTINHIBIT: /* WARL, every bit hardwired to 0: counters always count */
    case RISCV_CSR_MVENDORID:     /* 0: not a commercial implementation */
    case RISCV_CSR_MARCHID:
    case RISCV_CSR_MIMPID:
    case RISCV_CSR_MCONFIGPTR: /* no configuration structure */
        *val = 0;
        return true;
    case RISCV_CSR_PMPCFG0:
    case RISCV_CSR_PMPCFG2: {
        unsigned first = (csrno - RISCV_CSR_PMPCFG0) * 4;
        uint64_t v = 0;

        for (unsigned i = 0; i < 8; i++) {
            v |= (uint64_t)env->pmpcfg[first + i] << (8 * i);
        }
        *val = v;
        return true;
    }
    default:
        break;
    }
    if (csrno >= RISCV_CSR_PMPADDR0 && csrno <= RISCV_CSR_PMPADDR15) {
        *val = env->pmpaddr[csrno - RISCV_CSR_PMPADDR0];
        return true;
    }
    /* Performance-monitoring counters and their event selectors exist and read zero. */
    if (csrno >= RISCV_CSR_HPMCOUNTER3 && csrno <= RISCV_CSR_HPMCOUNTER31) {
        if (!riscv_counter_allowed(env, csrno - RISCV_CSR_CYCLE)) {
            return false;
        }
        *val = 0;
        return true;
    }
    if ((csrno >= RISCV_CSR_MHPMCOUNTER3 && csrno <= RISCV_CSR_MHPMCOUNTER31) ||
        (csrno >= RISCV_CSR_MHPMEVENT3 && csrno <= RISCV_CSR_MHPMEVENT31)) {
        *val = 0;
        return true;
    }
    return false;
}

static bool riscv_priv_supported(const CPURISCVState *env, unsigned priv)
{
    return priv == RISCV_PRIV_M || (priv == RISCV_PRIV_S && (env->misa & RISCV_MISA_EXT('S'))) ||
           (priv == RISCV_PRIV_U && (env->misa & RISCV_MISA_EXT('U')));
}

static uint64_t riscv_mstatus_legalize(const CPURISCVState *env, uint64_t val)
{
    uint64_t mpp = (val & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT;
    uint64_t next = (env->mstatus & ~RISCV_MSTATUS_WRITABLE) | (val & RISCV_MSTATUS_WRITABLE);

    /* MPP is WARL: an unsupported mode leaves the field as it was. */
    next &= ~RISCV_MSTATUS_MPP;
    next |= (riscv_priv_supported(env, (unsigned)mpp) ? mpp
                                                      : (env->mstatus & RISCV_MSTATUS_MPP) >>
                                                            RISCV_MSTATUS_MPP_SHIFT)
            << RISCV_MSTATUS_MPP_SHIFT;
    return next & ~RISCV_MSTATUS_SD;
}

/* tvec: modes 2 and 3 are reserved, and such a write keeps the previous mode. */
static uint64_t riscv_tvec_legalize(uint64_t old, uint64_t val)
{
    return (val & ~UINT64_C(3)) | ((val & 3) < 2 ? (val & 3) : (old & 3));
}

/* A pmpcfg byte: R=0 W=1 is reserved (W is cleared); a locked entry keeps its byte. */
static void riscv_pmpcfg_write(CPURISCVState *env, unsigned i, uint8_t cfg)
{
    if (env->pmpcfg[i] & RISCV_PMP_L) {
        return;
    }
    cfg &= RISCV_PMP_R | RISCV_PMP_W | RISCV_PMP_X | RISCV_PMP_A_MASK | RISCV_PMP_L;
    if ((cfg & (RISCV_PMP_R | RISCV_PMP_W)) == RISCV_PMP_W) {
        cfg &= ~RISCV_PMP_W;
    }
    env->pmpcfg[i] = cfg;
}

static void riscv_pmpaddr_write(CPURISCVState *env, unsigned i, uint64_t val)
{
    /* Locked, or the top of a locked TOR range above it. */
    if (env->pmpcfg[i] & RISCV_PMP_L) {
        return;
    }
    if (i + 1 < RISCV_PMP_COUNT && (env->pmpcfg[i + 1] & RISCV_PMP_L) &&
        ((env->pmpcfg[i + 1] & RISCV_PMP_A_MASK) >> RISCV_PMP_A_SHIFT) == RISCV_PMP_TOR) {
        return;
    }
    env->pmpaddr[i] = val & ((UINT64_C(1) << 54) - 1);
}

static void riscv_mip_write(CPURISCVState *env, uint64_t mask, uint64_t val)
{
    uint64_t cur = __atomic_load_n(&env->mip, __ATOMIC_RELAXED);
    uint64_t next;

    if (env->menvcfg & RISCV_MENVCFG_STCE) {
        mask &= ~RISCV_MIP_BIT(RISCV_IRQ_S_TIMER); /* driven by stimecmp */
    }
    /* The platform may change the M bits concurrently. */
    do {
        next = (cur & ~mask) | (val & mask);
    } while (!__atomic_compare_exchange_n(&env->mip, &cur, next, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_RELAXED));
}

static void riscv_stimecmp_changed(RiscvCPU *cpu)
{
    riscv_update_stip(cpu);
    if (riscv_sstc_enabled(&cpu->env) && cpu->bus.ops && cpu->bus.ops->stimecmp_changed) {
        cpu->bus.ops->stimecmp_changed(cpu->bus.opaque, cpu->env.mhartid, cpu->env.stimecmp);
    }
}

static void riscv_csr_write(RiscvCPU *cpu, unsigned csrno, uint64_t val)
{
    CPURISCVState *env = &cpu->env;

    switch (csrno) {
    case RISCV_CSR_FFLAGS:
        env->fflags = val & 0x1f;
        env->mstatus |= RISCV_MSTATUS_FS; /* Dirty */
        break;
    case RISCV_CSR_FRM:
        env->frm = val & 7; /* reserved modes are kept: FP instructions using them trap */
        env->mstatus |= RISCV_MSTATUS_FS;
        break;
    case RISCV_CSR_FCSR:
        env->fflags = val & 0x1f;
        env->frm = (val >> 5) & 7;
        env->mstatus |= RISCV_MSTATUS_FS;
        break;
    case RISCV_CSR_MSTATUS:
        env->mstatus = riscv_mstatus_legalize(env, val);
        break;
    case RISCV_CSR_SSTATUS: {
        uint64_t m = RISCV_SSTATUS_MASK & RISCV_MSTATUS_WRITABLE;
        env->mstatus = riscv_mstatus_legalize(env, (env->mstatus & ~m) | (val & m));
        break;
    }
    case RISCV_CSR_MEDELEG:
        env->medeleg = val & RISCV_MEDELEG_MASK;
        break;
    case RISCV_CSR_MIDELEG:
        env->mideleg = val & RISCV_MIP_S_MASK;
        break;
    case RISCV_CSR_MIE:
        env->mie = val & RISCV_MIE_MASK;
        break;
    case RISCV_CSR_SIE:
        env->mie = (env->mie & ~env->mideleg) | (val & env->mideleg);
        break;
    case RISCV_CSR_MIP:
        riscv_mip_write(env, RISCV_MIP_SW_MASK, val);
        break;
    case RISCV_CSR_SIP:
        /* Only SSIP is writable through sip, and only when delegated. */
        riscv_mip_write(env, env->mideleg & RISCV_MIP_BIT(RISCV_IRQ_S_SOFT), val);
        break;
    case RISCV_CSR_MTVEC:
        env->mtvec = riscv_tvec_legalize(env->mtvec, val);
        break;
    case RISCV_CSR_STVEC:
        env->stvec = riscv_tvec_legalize(env->stvec, val);
        break;
    case RISCV_CSR_MCOUNTEREN:
        env->mcounteren = val & UINT32_MAX;
        break;
    case RISCV_CSR_SCOUNTEREN:
        env->scounteren = val & UINT32_MAX;
        break;
    case RISCV_CSR_MENVCFG:
        env->menvcfg = val & (RISCV_ENVCFG_FIOM | RISCV_MENVCFG_STCE);
        riscv_stimecmp_changed(cpu);
        break;
    case RISCV_CSR_SENVCFG:
        env->senvcfg = val & RISCV_ENVCFG_FIOM;
        break;
    case RISCV_CSR_MSCRATCH:
        env->mscratch = val;
        break;
    case RISCV_CSR_SSCRATCH:
        env->sscratch = val;
        break;
    case RISCV_CSR_MEPC:
        env->mepc = val & ~UINT64_C(1); /* IALIGN is 16 with C */
        break;
    case RISCV_CSR_SEPC:
        env->sepc = val & ~UINT64_C(1);
        break;
    case RISCV_CSR_MCAUSE:
        env->mcause = val;
        break;
    case RISCV_CSR_SCAUSE:
        env->scause = val;
        break;
    case RISCV_CSR_MTVAL:
        env->mtval = val;
        break;
    case RISCV_CSR_STVAL:
        env->stval = val;
        break;
    case RISCV_CSR_SATP: {
        unsigned mode = (unsigned)(val >> RISCV_SATP_MODE_SHIFT);

        /* An unsupported mode makes the whole write have no effect. */
        if (mode == RISCV_SATP_MODE_BARE) {
            env->satp = 0;
        } else if (mode == RISCV_SATP_MODE_SV39 || mode == RISCV_SATP_MODE_SV48 ||
                   mode == RISCV_SATP_MODE_SV57) {
            env->satp = val & ((UINT64_C(0xf) << RISCV_SATP_MODE_SHIFT) |
                               RISCV_SATP_ASID_MASK | RISCV_SATP_PPN_MASK);
        }
        break;
    }
    case RISCV_CSR_STIMECMP:
        env->stimecmp = val;
        riscv_stimecmp_changed(cpu);
        break;
    case RISCV_CSR_MCYCLE:
        /* The writing instruction is counted after this write, like every instruction:
         * keep the written value as the one software reads next. */
        env->mcycle_offset = val - 1 - env->minstret;
        break;
    case RISCV_CSR_MINSTRET: {
        uint64_t mcycle = riscv_cpu_mcycle(env); /* mcycle does not change */

        env->minstret = val - 1;
        env->mcycle_offset = mcycle - env->minstret;
        break;
    }
    case RISCV_CSR_PMPCFG0:
    case RISCV_CSR_PMPCFG2: {
        unsigned first = (csrno - RISCV_CSR_PMPCFG0) * 4;

        for (unsigned i = 0; i < 8; i++) {
            riscv_pmpcfg_write(env, first + i, (uint8_t)(val >> (8 * i)));
        }
        cpu->tb_flush_pending = true;
        break;
    }
    default:
        if (csrno >= RISCV_CSR_PMPADDR0 && csrno <= RISCV_CSR_PMPADDR15) {
            riscv_pmpaddr_write(env, csrno - RISCV_CSR_PMPADDR0, val);
            cpu->tb_flush_pending = true;
        }
        /* misa (fixed extensions) and the hardwired-zero counters ignore writes. */
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
        /* Read-modify-writes of mip/sip see the software-writable SEIP bit, not the
         * external line ORed into what reads return. */
        uint64_t base = cur;

        if (csrno == RISCV_CSR_MIP || csrno == RISCV_CSR_SIP) {
            base = __atomic_load_n(&cpu->env.mip, __ATOMIC_RELAXED) &
                   (csrno == RISCV_CSR_SIP ? cpu->env.mideleg : UINT64_MAX);
        }
        switch (op) {
        case RISCV_CSR_OP_WRITE:
            next = src;
            break;
        case RISCV_CSR_OP_SET:
            next = base | src;
            break;
        default:
            next = base & ~src;
            break;
        }
        riscv_csr_write(cpu, csrno, next);
    }
    *old = cur;
    return true;
}

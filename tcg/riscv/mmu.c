/*
 * RISC-V address translation (Sv39, Sv48, Sv57) with hardware A/D updates, and physical memory
 * protection (PMP). Shared by the interpreter, the JIT's slow paths and its TLB fills.
 */
#include "tcg/riscv/cpu.h"

static uint64_t riscv_page_fault_cause(RiscvAccess access)
{
    switch (access) {
    case RISCV_ACCESS_READ:
        return RISCV_EXCP_LOAD_PAGE_FAULT;
    case RISCV_ACCESS_WRITE:
        return RISCV_EXCP_STORE_PAGE_FAULT;
    default:
        return RISCV_EXCP_INSN_PAGE_FAULT;
    }
}

static bool riscv_fault(RiscvTrap *trap, uint64_t cause, uint64_t vaddr)
{
    trap->cause = cause;
    trap->tval = vaddr;
    return false;
}

/* What a leaf PTE allows `priv` to do, as TCG_PROT_* bits (A/D not considered). */
static unsigned riscv_pte_prot(const CPURISCVState *env, uint64_t pte, RiscvPriv priv)
{
    unsigned prot = 0;

    if (pte & RISCV_PTE_U) {
        if (priv == RISCV_PRIV_S) {
            /* S mode never executes user pages, and reads/writes them only with SUM. */
            if (!(env->mstatus & RISCV_MSTATUS_SUM)) {
                return 0;
            }
            pte &= ~(uint64_t)RISCV_PTE_X;
        }
    } else if (priv == RISCV_PRIV_U) {
        return 0;
    }
    if ((pte & RISCV_PTE_R) || ((pte & RISCV_PTE_X) && (env->mstatus & RISCV_MSTATUS_MXR))) {
        prot |= TCG_PROT_READ;
    }
    if (pte & RISCV_PTE_W) {
        prot |= TCG_PROT_WRITE;
    }
    if (pte & RISCV_PTE_X) {
        prot |= TCG_PROT_EXEC;
    }
    return prot;
}

static unsigned riscv_access_prot(RiscvAccess access)
{
    switch (access) {
    case RISCV_ACCESS_READ:
        return TCG_PROT_READ;
    case RISCV_ACCESS_WRITE:
        return TCG_PROT_WRITE;
    default:
        return TCG_PROT_EXEC;
    }
}

bool riscv_cpu_translate(RiscvCPU *cpu, uint64_t vaddr, RiscvAccess access, RiscvPriv priv,
                         uint64_t *paddr, unsigned *prot, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    unsigned mode = (unsigned)(env->satp >> RISCV_SATP_MODE_SHIFT);
    unsigned levels, va_bits;
    uint64_t table;

    if (priv == RISCV_PRIV_M || mode == RISCV_SATP_MODE_BARE) {
        *paddr = vaddr;
        *prot = TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC;
        return true;
    }
    levels = mode == RISCV_SATP_MODE_SV57 ? 5 : mode == RISCV_SATP_MODE_SV48 ? 4 : 3;
    va_bits = 12 + 9 * levels;
    /* The bits above the virtual address width must all equal its top bit. */
    if ((uint64_t)((int64_t)(vaddr << (64 - va_bits)) >> (64 - va_bits)) != vaddr) {
        return riscv_fault(trap, riscv_page_fault_cause(access), vaddr);
    }

restart:
    table = (env->satp & RISCV_SATP_PPN_MASK) << 12;
    for (int level = (int)levels - 1; level >= 0; level--) {
        uint64_t pte_addr = table + ((vaddr >> (12 + 9 * level)) & 0x1ff) * 8;
        uint64_t *ptep, pte, ppn, want;
        unsigned leaf_prot;

        /* PTE reads are implicit S-mode accesses, checked by PMP. */
        if (!riscv_pmp_check(env, pte_addr, 8, RISCV_ACCESS_READ, RISCV_PRIV_S)) {
            return riscv_fault(trap, riscv_access_fault_cause(access), vaddr);
        }
        ptep = riscv_mem_host_ptr(cpu, pte_addr, 8, false);
        if (!ptep) {
            return riscv_fault(trap, riscv_access_fault_cause(access), vaddr);
        }
        pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
        ppn = (pte >> 10) & ((UINT64_C(1) << 44) - 1);

        /* Invalid, W without R, or the reserved/N/PBMT bits set (no Svnapot, Svpbmt). */
        if (!(pte & RISCV_PTE_V) || ((pte & RISCV_PTE_W) && !(pte & RISCV_PTE_R)) ||
            (pte >> 54) != 0) {
            break;
        }
        if (!(pte & (RISCV_PTE_R | RISCV_PTE_X))) {
            table = ppn << 12; /* a pointer to the next level */
            continue;
        }
        /* A leaf: a superpage's low PPN bits must be zero. */
        if (ppn & ((UINT64_C(1) << (9 * level)) - 1)) {
            break;
        }
        leaf_prot = riscv_pte_prot(env, pte, priv);
        if (!(leaf_prot & riscv_access_prot(access))) {
            break;
        }
        want = pte | RISCV_PTE_A | (access == RISCV_ACCESS_WRITE ? RISCV_PTE_D : 0);
        if (want != pte) {
            /* Hardware A/D update: atomic, and only if the PTE did not change meanwhile. */
            uint64_t *wp = riscv_mem_host_ptr(cpu, pte_addr, 8, true);

            if (!wp || !riscv_pmp_check(env, pte_addr, 8, RISCV_ACCESS_WRITE, RISCV_PRIV_S)) {
                return riscv_fault(trap, riscv_access_fault_cause(access), vaddr);
            }
            if (!__atomic_compare_exchange_n(wp, &pte, want, false, __ATOMIC_SEQ_CST,
                                             __ATOMIC_SEQ_CST)) {
                goto restart;
            }
            pte = want;
        }
        /* What the TLB may cache: reads and fetches need A (set now), writes need D. */
        if (!(pte & RISCV_PTE_D)) {
            leaf_prot &= ~(unsigned)TCG_PROT_WRITE;
        }
        *prot = leaf_prot;
        {
            uint64_t low_mask = (UINT64_C(1) << (12 + 9 * level)) - 1;
            *paddr = ((ppn << 12) & ~low_mask) | (vaddr & low_mask);
        }
        return true;
    }
    return riscv_fault(trap, riscv_page_fault_cause(access), vaddr);
}

/* ---- PMP ---- */

/* The byte range [lo, hi) entry i covers, or false when it is off. */
static bool riscv_pmp_range(const CPURISCVState *env, unsigned i, uint64_t *lo, uint64_t *hi)
{
    uint8_t cfg = env->pmpcfg[i];
    uint64_t addr = env->pmpaddr[i];

    switch ((cfg & RISCV_PMP_A_MASK) >> RISCV_PMP_A_SHIFT) {
    case RISCV_PMP_TOR:
        *lo = i == 0 ? 0 : env->pmpaddr[i - 1] << 2;
        *hi = addr << 2;
        return true;
    case RISCV_PMP_NA4:
        *lo = addr << 2;
        *hi = *lo + 4;
        return true;
    case RISCV_PMP_NAPOT: {
        /* addr = base | (2^(n-3) - 1): trailing ones give the size. */
        unsigned ones = (unsigned)__builtin_ctzll(~addr);
        uint64_t size = ones >= 61 ? 0 : UINT64_C(1) << (ones + 3);

        *lo = ones >= 61 ? 0 : (addr & ~((UINT64_C(1) << ones) - 1)) << 2;
        *hi = size ? *lo + size : UINT64_MAX; /* the whole space */
        return true;
    }
    default:
        return false;
    }
}

static unsigned riscv_pmp_cfg_prot(uint8_t cfg)
{
    return ((cfg & RISCV_PMP_R) ? TCG_PROT_READ : 0) | ((cfg & RISCV_PMP_W) ? TCG_PROT_WRITE : 0) |
           ((cfg & RISCV_PMP_X) ? TCG_PROT_EXEC : 0);
}

/*
 * The permissions the first entry matching [addr, addr + size) grants priv, or what
 * applies without a match. *partial is set when that entry matches only some bytes.
 */
static unsigned riscv_pmp_lookup(const CPURISCVState *env, uint64_t addr, uint64_t size,
                                 RiscvPriv priv, bool *partial)
{
    uint64_t last = addr + size - 1;

    *partial = false;
    for (unsigned i = 0; i < RISCV_PMP_COUNT; i++) {
        uint64_t lo, hi;
        uint8_t cfg = env->pmpcfg[i];

        if (!riscv_pmp_range(env, i, &lo, &hi) || hi <= lo) {
            continue;
        }
        if (last < lo || addr > hi - 1) {
            continue;
        }
        if (addr < lo || last > hi - 1) {
            *partial = true;
            return 0;
        }
        if (priv == RISCV_PRIV_M && !(cfg & RISCV_PMP_L)) {
            return TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC;
        }
        return riscv_pmp_cfg_prot(cfg);
    }
    /* No match: M mode may do anything; S and U nothing (entries are implemented). */
    return priv == RISCV_PRIV_M ? TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC : 0;
}

bool riscv_pmp_check(const CPURISCVState *env, uint64_t paddr, uint64_t size,
                     RiscvAccess access, RiscvPriv priv)
{
    bool partial;

    return (riscv_pmp_lookup(env, paddr, size, priv, &partial) & riscv_access_prot(access)) != 0;
}

unsigned riscv_pmp_page_prot(const CPURISCVState *env, uint64_t paddr, RiscvPriv priv)
{
    uint64_t page = paddr & TCG_PAGE_MASK;
    bool partial;
    unsigned prot = riscv_pmp_lookup(env, page, TCG_PAGE_SIZE, priv, &partial);

    /*
     * The whole page matched one entry (or none): prot holds for every byte of it. An
     * entry covering part of the page, or a higher-priority entry inside it, leaves the
     * page to the slow path.
     */
    if (partial) {
        return 0;
    }
    for (unsigned i = 0; i < RISCV_PMP_COUNT; i++) {
        uint64_t lo, hi;

        if (riscv_pmp_range(env, i, &lo, &hi) && hi > lo && lo < page + TCG_PAGE_SIZE &&
            hi > page && (lo > page || hi < page + TCG_PAGE_SIZE)) {
            return 0;
        }
    }
    return prot;
}

/*
 * RISC-V hart: reset, interrupts, trap entry and mret, guest memory accesses (RAM windows
 * and bus callbacks) and the A extension's atomics. Shared by the interpreter and the JIT.
 */
#include "tcg/riscv/cpu.h"

#include <string.h>

void riscv_cpu_init(RiscvCPU *cpu, uint64_t hartid, uint64_t reset_pc, const RiscvBus *bus)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->bus = *bus;
    if (cpu->bus.nr_ram > RISCV_BUS_MAX_WINDOWS) {
        cpu->bus.nr_ram = RISCV_BUS_MAX_WINDOWS;
    }
    cpu->reset_pc = reset_pc;
    cpu->env.mhartid = hartid;
    riscv_cpu_reset(cpu);
}

void riscv_cpu_reset(RiscvCPU *cpu)
{
    CPURISCVState *env = &cpu->env;
    uint64_t hartid = env->mhartid;
    uint64_t seip = __atomic_load_n(&env->seip_line, __ATOMIC_RELAXED);
    uint64_t lines = __atomic_load_n(&env->mip, __ATOMIC_RELAXED) & RISCV_MIP_M_MASK;

    /* Translations made under PMP rules that reset drops must go. */
    for (unsigned i = 0; i < RISCV_PMP_COUNT; i++) {
        if (env->pmpcfg[i]) {
            cpu->tb_flush_pending = true;
        }
    }
    memset(env, 0, sizeof(*env));
    cpu->halted = false;
    env->mhartid = hartid;
    env->pc = cpu->reset_pc;
    env->priv = RISCV_PRIV_M;
    env->misa = RISCV_MISA_MXL_64 | RISCV_MISA_EXT('I') | RISCV_MISA_EXT('M') |
                RISCV_MISA_EXT('A') | RISCV_MISA_EXT('F') | RISCV_MISA_EXT('D') |
                RISCV_MISA_EXT('C') | RISCV_MISA_EXT('S') | RISCV_MISA_EXT('U');
    /* Interrupt lines are wires: their levels survive a reset of the hart. */
    env->mip = lines;
    env->seip_line = seip;
    /* MPP resets to M (it is WARL; M is always legal); UXL and SXL say 64 bits. */
    env->mstatus = ((uint64_t)RISCV_PRIV_M << RISCV_MSTATUS_MPP_SHIFT) |
                   (UINT64_C(2) << 32) | (UINT64_C(2) << 34);
    env->lr_addr = RISCV_NO_RESERVATION;
    __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_RELAXED);
}

void riscv_cpu_set_irq(RiscvCPU *cpu, unsigned irq, bool level)
{
    uint64_t bit = UINT64_C(1) << (irq & 63);

    if (irq == RISCV_IRQ_S_EXT) {
        __atomic_store_n(&cpu->env.seip_line, level ? 1 : 0, __ATOMIC_SEQ_CST);
    } else if (!(bit & (RISCV_MIP_M_MASK | RISCV_MIP_S_MASK))) {
        return;
    } else if (level) {
        __atomic_fetch_or(&cpu->env.mip, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&cpu->env.mip, ~bit, __ATOMIC_SEQ_CST);
    }
    if (cpu->notify) {
        cpu->notify(cpu, true);
    }
}

void riscv_cpu_kick(RiscvCPU *cpu)
{
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    if (cpu->notify) {
        cpu->notify(cpu, false);
    }
}

uint64_t riscv_cpu_read_mip(const CPURISCVState *env)
{
    uint64_t mip = __atomic_load_n(&env->mip, __ATOMIC_RELAXED);

    if (__atomic_load_n(&env->seip_line, __ATOMIC_RELAXED)) {
        mip |= RISCV_MIP_BIT(RISCV_IRQ_S_EXT);
    }
    return mip;
}

/* The highest-priority interrupt among `pending`, in the spec's order: MEI, MSI, MTI, SEI,
 * SSI, STI. */
static int riscv_irq_highest(uint64_t pending)
{
    static const int order[] = {RISCV_IRQ_M_EXT, RISCV_IRQ_M_SOFT, RISCV_IRQ_M_TIMER,
                                RISCV_IRQ_S_EXT, RISCV_IRQ_S_SOFT, RISCV_IRQ_S_TIMER};

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (pending & RISCV_MIP_BIT(order[i])) {
            return order[i];
        }
    }
    return -1;
}

int riscv_cpu_pending_irq(const CPURISCVState *env)
{
    uint64_t pending = riscv_cpu_read_mip(env) & env->mie;
    uint64_t to_m = pending & ~env->mideleg;
    uint64_t to_s = pending & env->mideleg;
    bool m_enabled = env->priv < RISCV_PRIV_M || (env->mstatus & RISCV_MSTATUS_MIE);
    bool s_enabled = env->priv < RISCV_PRIV_S ||
                     (env->priv == RISCV_PRIV_S && (env->mstatus & RISCV_MSTATUS_SIE));

    /* Interrupts for M mode come before those delegated to S; an interrupt delegated to
     * S is never taken while in M. */
    if (m_enabled && to_m) {
        return riscv_irq_highest(to_m);
    }
    if (s_enabled && to_s) {
        return riscv_irq_highest(to_s);
    }
    return -1;
}

bool riscv_cpu_wfi_wakeup(const CPURISCVState *env)
{
    return (riscv_cpu_read_mip(env) & env->mie) != 0;
}

static uint64_t riscv_trap_vector(uint64_t tvec, uint64_t cause)
{
    uint64_t base = tvec & ~UINT64_C(3);

    if ((tvec & 3) == 1 && (cause & RISCV_CAUSE_INTERRUPT)) {
        return base + 4 * (cause & ~RISCV_CAUSE_INTERRUPT);
    }
    return base;
}

void riscv_cpu_do_trap(CPURISCVState *env, RiscvTrap trap)
{
    uint64_t code = trap.cause & ~RISCV_CAUSE_INTERRUPT;
    uint64_t deleg = (trap.cause & RISCV_CAUSE_INTERRUPT) ? env->mideleg : env->medeleg;
    uint64_t status = env->mstatus;

    if (env->priv <= RISCV_PRIV_S && code < 64 && ((deleg >> code) & 1)) {
        env->sepc = env->pc;
        env->scause = trap.cause;
        env->stval = trap.tval;
        status &= ~(RISCV_MSTATUS_SPIE | RISCV_MSTATUS_SPP);
        if (status & RISCV_MSTATUS_SIE) {
            status |= RISCV_MSTATUS_SPIE;
        }
        status &= ~RISCV_MSTATUS_SIE;
        if (env->priv == RISCV_PRIV_S) {
            status |= RISCV_MSTATUS_SPP;
        }
        env->mstatus = status;
        env->priv = RISCV_PRIV_S;
        env->pc = riscv_trap_vector(env->stvec, trap.cause);
        return;
    }
    env->mepc = env->pc;
    env->mcause = trap.cause;
    env->mtval = trap.tval;
    status &= ~(RISCV_MSTATUS_MPIE | RISCV_MSTATUS_MPP);
    if (status & RISCV_MSTATUS_MIE) {
        status |= RISCV_MSTATUS_MPIE;
    }
    status &= ~RISCV_MSTATUS_MIE;
    status |= (uint64_t)env->priv << RISCV_MSTATUS_MPP_SHIFT;
    env->mstatus = status;
    env->priv = RISCV_PRIV_M;
    env->pc = riscv_trap_vector(env->mtvec, trap.cause);
}

void riscv_cpu_do_mret(CPURISCVState *env)
{
    uint64_t status = env->mstatus;
    RiscvPriv prev = (RiscvPriv)((status & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT);
    RiscvPriv least = (env->misa & RISCV_MISA_EXT('U')) ? RISCV_PRIV_U : RISCV_PRIV_M;

    status &= ~(RISCV_MSTATUS_MIE | RISCV_MSTATUS_MPP);
    if (status & RISCV_MSTATUS_MPIE) {
        status |= RISCV_MSTATUS_MIE;
    }
    status |= RISCV_MSTATUS_MPIE;
    status |= (uint64_t)least << RISCV_MSTATUS_MPP_SHIFT;
    if (prev != RISCV_PRIV_M) {
        status &= ~RISCV_MSTATUS_MPRV;
    }
    env->mstatus = status;
    env->priv = prev;
    env->pc = env->mepc;
}

void riscv_cpu_do_sret(CPURISCVState *env)
{
    uint64_t status = env->mstatus;
    RiscvPriv prev = (status & RISCV_MSTATUS_SPP) ? RISCV_PRIV_S : RISCV_PRIV_U;

    status &= ~(RISCV_MSTATUS_SIE | RISCV_MSTATUS_SPP);
    if (status & RISCV_MSTATUS_SPIE) {
        status |= RISCV_MSTATUS_SIE;
    }
    status |= RISCV_MSTATUS_SPIE;
    status &= ~RISCV_MSTATUS_MPRV; /* prev is below M */
    env->mstatus = status;
    env->priv = prev;
    env->pc = env->sepc;
}

RiscvPriv riscv_cpu_data_priv(const CPURISCVState *env)
{
    if (env->priv == RISCV_PRIV_M && (env->mstatus & RISCV_MSTATUS_MPRV)) {
        return (RiscvPriv)((env->mstatus & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT);
    }
    return env->priv;
}

bool riscv_cpu_fetch_paged(const CPURISCVState *env)
{
    return env->priv != RISCV_PRIV_M &&
           (env->satp >> RISCV_SATP_MODE_SHIFT) != RISCV_SATP_MODE_BARE;
}

/* ---- memory ---- */

static RiscvRamWindow *riscv_bus_find_ram(RiscvCPU *cpu, uint64_t addr, uint64_t size)
{
    for (unsigned i = 0; i < cpu->bus.nr_ram; i++) {
        RiscvRamWindow *w = &cpu->bus.ram[i];
        uint64_t off = addr - w->base;

        if (addr >= w->base && off < w->size && size <= w->size - off) {
            return w;
        }
    }
    return NULL;
}

void *riscv_mem_host_ptr(RiscvCPU *cpu, uint64_t addr, uint64_t size, bool store)
{
    RiscvRamWindow *w = riscv_bus_find_ram(cpu, addr, size);

    if (w) {
        return store && w->readonly ? NULL : w->host + (addr - w->base);
    }
    if (cpu->bus.ops && cpu->bus.ops->host_ptr) {
        return cpu->bus.ops->host_ptr(cpu->bus.opaque, addr, size, store);
    }
    return NULL;
}

static inline bool riscv_is_aligned(uint64_t addr, unsigned size)
{
    return (addr & (size - 1)) == 0;
}

static bool riscv_trap_set(RiscvTrap *trap, uint64_t cause, uint64_t tval)
{
    trap->cause = cause;
    trap->tval = tval;
    return false;
}

/* An aligned host access is single-copy atomic towards the other vCPU threads. */
static uint64_t riscv_host_load(const void *p, unsigned size, bool aligned)
{
    if (aligned) {
        switch (size) {
        case 1:
            return __atomic_load_n((const uint8_t *)p, __ATOMIC_RELAXED);
        case 2:
            return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
        case 4:
            return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
        default:
            return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
        }
    }
    uint64_t v = 0;
    memcpy(&v, p, size); /* little-endian host, little-endian guest */
    return v;
}

static void riscv_host_store(void *p, unsigned size, uint64_t v, bool aligned)
{
    if (aligned) {
        switch (size) {
        case 1:
            __atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELAXED);
            return;
        case 2:
            __atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELAXED);
            return;
        case 4:
            __atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED);
            return;
        default:
            __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
            return;
        }
    }
    memcpy(p, &v, size);
}

static uint64_t riscv_size_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* Translates [vaddr, vaddr + size) (within one page) and checks it against PMP. */
static bool riscv_access_paddr(RiscvCPU *cpu, uint64_t vaddr, uint64_t size, RiscvAccess access,
                               RiscvPriv priv, uint64_t *paddr, RiscvTrap *trap)
{
    unsigned prot;

    if (!riscv_cpu_translate(cpu, vaddr, access, priv, paddr, &prot, trap)) {
        return false;
    }
    if (!riscv_pmp_check(&cpu->env, *paddr, size, access, priv)) {
        return riscv_trap_set(trap, riscv_access_fault_cause(access), vaddr);
    }
    return true;
}

bool riscv_mem_data_paddr(RiscvCPU *cpu, uint64_t addr, RiscvAccess access, uint64_t *paddr)
{
    RiscvTrap trap;

    return riscv_access_paddr(cpu, addr, 1, access, riscv_cpu_data_priv(&cpu->env), paddr,
                              &trap);
}

/* A physical load of a single piece: false when nothing answers (access fault). */
static bool riscv_phys_load(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val)
{
    bool aligned = riscv_is_aligned(addr, size);
    void *p = riscv_mem_host_ptr(cpu, addr, size, false);

    if (p) {
        *val = riscv_host_load(p, size, aligned);
        return true;
    }
    if (!aligned) {
        return false; /* see riscv_amo_ptr */
    }
    if (!cpu->bus.ops || !cpu->bus.ops->read ||
        !cpu->bus.ops->read(cpu->bus.opaque, addr, size, val)) {
        return false;
    }
    *val &= riscv_size_mask(size);
    return true;
}

static bool riscv_phys_store(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val)
{
    bool aligned = riscv_is_aligned(addr, size);
    void *p = riscv_mem_host_ptr(cpu, addr, size, true);

    if (p) {
        riscv_host_store(p, size, val, aligned);
        return true;
    }
    /* A read-only window, or a misaligned access off RAM (see riscv_amo_ptr). */
    if (!aligned || riscv_bus_find_ram(cpu, addr, size)) {
        return false;
    }
    return cpu->bus.ops && cpu->bus.ops->write &&
           cpu->bus.ops->write(cpu->bus.opaque, addr, size, val & riscv_size_mask(size));
}

/*
 * An access crossing a page boundary: both pages are translated and checked before
 * anything is performed, and both halves must be RAM (a misaligned device access is an
 * access fault, as within a page).
 */
static bool riscv_mem_split(RiscvCPU *cpu, uint64_t addr, unsigned size, RiscvAccess access,
                            uint64_t *val, RiscvTrap *trap)
{
    RiscvPriv priv = riscv_cpu_data_priv(&cpu->env);
    unsigned n1 = (unsigned)(TCG_PAGE_SIZE - (addr & ~TCG_PAGE_MASK));
    bool store = access == RISCV_ACCESS_WRITE;
    uint64_t pa1, pa2;
    uint8_t *p1, *p2;
    uint8_t buf[8];

    if (!riscv_access_paddr(cpu, addr, n1, access, priv, &pa1, trap) ||
        !riscv_access_paddr(cpu, addr + n1, size - n1, access, priv, &pa2, trap)) {
        return false;
    }
    p1 = riscv_mem_host_ptr(cpu, pa1, n1, store);
    p2 = riscv_mem_host_ptr(cpu, pa2, size - n1, store);
    if (!p1 || !p2) {
        return riscv_trap_set(trap, riscv_access_fault_cause(access), addr);
    }
    if (store) {
        memcpy(buf, val, 8);
        memcpy(p1, buf, n1);
        memcpy(p2, buf + n1, size - n1);
    } else {
        memset(buf, 0, sizeof(buf));
        memcpy(buf, p1, n1);
        memcpy(buf + n1, p2, size - n1);
        memcpy(val, buf, 8);
    }
    return true;
}

static bool riscv_crosses_page(uint64_t addr, unsigned size)
{
    return (addr & ~TCG_PAGE_MASK) + size > TCG_PAGE_SIZE;
}

bool riscv_mem_load(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val, RiscvTrap *trap)
{
    uint64_t pa;

    if (riscv_crosses_page(addr, size)) {
        return riscv_mem_split(cpu, addr, size, RISCV_ACCESS_READ, val, trap);
    }
    if (!riscv_access_paddr(cpu, addr, size, RISCV_ACCESS_READ, riscv_cpu_data_priv(&cpu->env),
                            &pa, trap)) {
        return false;
    }
    if (!riscv_phys_load(cpu, pa, size, val)) {
        return riscv_trap_set(trap, RISCV_EXCP_LOAD_ACCESS, addr);
    }
    return true;
}

bool riscv_mem_store(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val, RiscvTrap *trap)
{
    uint64_t pa;

    if (riscv_crosses_page(addr, size)) {
        return riscv_mem_split(cpu, addr, size, RISCV_ACCESS_WRITE, &val, trap);
    }
    if (!riscv_access_paddr(cpu, addr, size, RISCV_ACCESS_WRITE,
                            riscv_cpu_data_priv(&cpu->env), &pa, trap)) {
        return false;
    }
    if (!riscv_phys_store(cpu, pa, size, val)) {
        return riscv_trap_set(trap, RISCV_EXCP_STORE_ACCESS, addr);
    }
    return true;
}

static bool riscv_fetch_parcel(RiscvCPU *cpu, uint64_t addr, uint64_t *paddr, uint64_t *v,
                               RiscvTrap *trap)
{
    if (addr & 1) {
        return riscv_trap_set(trap, RISCV_EXCP_INSN_MISALIGNED, addr);
    }
    if (!riscv_access_paddr(cpu, addr, 2, RISCV_ACCESS_EXEC, cpu->env.priv, paddr, trap)) {
        return false;
    }
    if (!riscv_phys_load(cpu, *paddr, 2, v)) {
        return riscv_trap_set(trap, RISCV_EXCP_INSN_ACCESS, addr);
    }
    return true;
}

bool riscv_mem_fetch16(RiscvCPU *cpu, uint64_t addr, uint16_t *parcel, RiscvTrap *trap)
{
    uint64_t pa, v;

    if (!riscv_fetch_parcel(cpu, addr, &pa, &v, trap)) {
        return false;
    }
    *parcel = (uint16_t)v;
    return true;
}

bool riscv_mem_fetch_paddr(RiscvCPU *cpu, uint64_t addr, uint64_t *paddr, RiscvTrap *trap)
{
    uint64_t v;

    return riscv_fetch_parcel(cpu, addr, paddr, &v, trap);
}

bool riscv_cpu_fetch(RiscvCPU *cpu, uint32_t *insn, RiscvTrap *trap)
{
    uint16_t lo, hi;

    if (!riscv_mem_fetch16(cpu, cpu->env.pc, &lo, trap)) {
        return false;
    }
    if ((lo & 3) != 3) {
        *insn = lo;
        return true;
    }
    if (!riscv_mem_fetch16(cpu, cpu->env.pc + 2, &hi, trap)) {
        return false;
    }
    *insn = lo | (uint32_t)hi << 16;
    return true;
}

static int64_t riscv_sext(uint64_t v, unsigned size)
{
    return size == 4 ? (int64_t)(int32_t)v : (int64_t)v;
}

/*
 * The RAM pointer for an A-extension access, or an access fault: off RAM, or misaligned.
 * Plain loads and stores are performed misaligned in RAM, so a misaligned-address
 * exception would invite M-mode software to emulate the access, which it cannot do
 * atomically; the spec lets an implementation raise an access fault instead to say so.
 * Misaligned plain accesses off RAM (devices) get an access fault for the same reason.
 */
static void *riscv_amo_ptr(RiscvCPU *cpu, uint64_t addr, unsigned size, bool store,
                           RiscvTrap *trap)
{
    RiscvAccess access = store ? RISCV_ACCESS_WRITE : RISCV_ACCESS_READ;
    uint64_t pa;
    void *p;

    if (!riscv_is_aligned(addr, size)) {
        riscv_trap_set(trap, riscv_access_fault_cause(access), addr);
        return NULL;
    }
    if (!riscv_access_paddr(cpu, addr, size, access, riscv_cpu_data_priv(&cpu->env), &pa,
                            trap)) {
        return NULL;
    }
    p = riscv_mem_host_ptr(cpu, pa, size, true);
    if (!p) {
        riscv_trap_set(trap, riscv_access_fault_cause(access), addr);
    }
    return p;
}

static uint64_t riscv_amo_compute(RiscvAmoOp op, unsigned size, uint64_t old, uint64_t src)
{
    int64_t so = riscv_sext(old, size), ss = riscv_sext(src, size);
    uint64_t m = riscv_size_mask(size);
    uint64_t uo = old & m, us = src & m;

    switch (op) {
    case RISCV_AMO_SWAP:
        return src;
    case RISCV_AMO_ADD:
        return old + src;
    case RISCV_AMO_XOR:
        return old ^ src;
    case RISCV_AMO_AND:
        return old & src;
    case RISCV_AMO_OR:
        return old | src;
    case RISCV_AMO_MIN:
        return so < ss ? old : src;
    case RISCV_AMO_MAX:
        return so > ss ? old : src;
    case RISCV_AMO_MINU:
        return uo < us ? old : src;
    case RISCV_AMO_MAXU:
        return uo > us ? old : src;
    }
    return old;
}

bool riscv_mem_amo(RiscvCPU *cpu, RiscvAmoOp op, uint64_t addr, unsigned size, uint64_t src,
                   uint64_t *old, RiscvTrap *trap)
{
    void *p = riscv_amo_ptr(cpu, addr, size, true, trap);

    if (!p) {
        return false;
    }
    /* A compare-and-swap loop gives every operation, aq/rl included, sequential
     * consistency on the host. */
    if (size == 4) {
        uint32_t *p32 = p;
        uint32_t cur = __atomic_load_n(p32, __ATOMIC_RELAXED);
        uint32_t next;

        do {
            next = (uint32_t)riscv_amo_compute(op, 4, cur, src);
        } while (!__atomic_compare_exchange_n(p32, &cur, next, true, __ATOMIC_SEQ_CST,
                                              __ATOMIC_RELAXED));
        *old = (uint64_t)(int64_t)(int32_t)cur;
    } else {
        uint64_t *p64 = p;
        uint64_t cur = __atomic_load_n(p64, __ATOMIC_RELAXED);
        uint64_t next;

        do {
            next = riscv_amo_compute(op, 8, cur, src);
        } while (!__atomic_compare_exchange_n(p64, &cur, next, true, __ATOMIC_SEQ_CST,
                                              __ATOMIC_RELAXED));
        *old = cur;
    }
    return true;
}

bool riscv_mem_lr(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val, RiscvTrap *trap)
{
    void *p = riscv_amo_ptr(cpu, addr, size, false, trap);
    uint64_t v;

    if (!p) {
        return false;
    }
    v = size == 4 ? __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST)
                  : __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
    cpu->env.lr_addr = addr;
    cpu->env.lr_size = size;
    cpu->env.lr_val = v;
    *val = (uint64_t)riscv_sext(v, size);
    return true;
}

bool riscv_mem_sc(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val, uint64_t *failed,
                  RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    void *p = riscv_amo_ptr(cpu, addr, size, true, trap);
    bool ok;

    if (!p) {
        return false;
    }
    /*
     * The reservation is checked by value: SC succeeds when memory still holds what LR
     * read. Another hart storing the same value in between goes unnoticed, which the
     * forward-progress rules of constrained LR/SC loops tolerate.
     */
    if (env->lr_addr != addr || env->lr_size != size) {
        ok = false;
    } else if (size == 4) {
        uint32_t expected = (uint32_t)env->lr_val;
        ok = __atomic_compare_exchange_n((uint32_t *)p, &expected, (uint32_t)val, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else {
        uint64_t expected = env->lr_val;
        ok = __atomic_compare_exchange_n((uint64_t *)p, &expected, val, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    }
    env->lr_addr = RISCV_NO_RESERVATION;
    *failed = ok ? 0 : 1;
    return true;
}

/*
 * RISC-V hart: reset, interrupts, trap entry and mret, guest memory accesses (RAM windows
 * and bus callbacks) and the A extension's atomics. Shared by the interpreter and the JIT.
 */
#include "tcg/riscv/cpu.h"

#include <string.h>

#define RISCV_MIP_M_MASK                                                                       \
    ((UINT64_C(1) << RISCV_IRQ_M_SOFT) | (UINT64_C(1) << RISCV_IRQ_M_TIMER) |                  \
     (UINT64_C(1) << RISCV_IRQ_M_EXT))

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

    memset(env, 0, sizeof(*env));
    cpu->halted = false;
    env->mhartid = hartid;
    env->pc = cpu->reset_pc;
    env->priv = RISCV_PRIV_M;
    env->misa = RISCV_MISA_MXL_64 | RISCV_MISA_EXT('I') | RISCV_MISA_EXT('M') |
                RISCV_MISA_EXT('A') | RISCV_MISA_EXT('C');
    /* Without lower privilege modes MPP can only hold M. */
    env->mstatus = (uint64_t)RISCV_PRIV_M << RISCV_MSTATUS_MPP_SHIFT;
    env->lr_addr = RISCV_NO_RESERVATION;
    __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_RELAXED);
}

void riscv_cpu_set_irq(RiscvCPU *cpu, unsigned irq, bool level)
{
    uint64_t bit = UINT64_C(1) << (irq & 63);

    if (!(bit & RISCV_MIP_M_MASK)) {
        return;
    }
    if (level) {
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

int riscv_cpu_pending_irq(const CPURISCVState *env)
{
    /* Priority order of the privileged spec: MEI, MSI, MTI, then the S-level ones. */
    static const int order[] = {RISCV_IRQ_M_EXT,  RISCV_IRQ_M_SOFT, RISCV_IRQ_M_TIMER,
                                RISCV_IRQ_S_EXT,  RISCV_IRQ_S_SOFT, RISCV_IRQ_S_TIMER};
    uint64_t pending = __atomic_load_n(&env->mip, __ATOMIC_RELAXED) & env->mie;

    if (!pending) {
        return -1;
    }
    /* M-level interrupts are always enabled below M, and gated by MIE in M. */
    if (env->priv == RISCV_PRIV_M && !(env->mstatus & RISCV_MSTATUS_MIE)) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (pending & (UINT64_C(1) << order[i])) {
            return order[i];
        }
    }
    return -1;
}

bool riscv_cpu_wfi_wakeup(const CPURISCVState *env)
{
    return (__atomic_load_n(&env->mip, __ATOMIC_RELAXED) & env->mie) != 0;
}

void riscv_cpu_do_trap(CPURISCVState *env, RiscvTrap trap)
{
    uint64_t base = env->mtvec & ~UINT64_C(3);
    bool vectored = (env->mtvec & 3) == 1;
    uint64_t status = env->mstatus;

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

    if (vectored && (trap.cause & RISCV_CAUSE_INTERRUPT)) {
        env->pc = base + 4 * (trap.cause & ~RISCV_CAUSE_INTERRUPT);
    } else {
        env->pc = base;
    }
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

bool riscv_mem_load(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val, RiscvTrap *trap)
{
    bool aligned = riscv_is_aligned(addr, size);
    void *p = riscv_mem_host_ptr(cpu, addr, size, false);

    if (p) {
        *val = riscv_host_load(p, size, aligned);
        return true;
    }
    if (!aligned) {
        return riscv_trap_set(trap, RISCV_EXCP_LOAD_ACCESS, addr); /* see riscv_amo_ptr */
    }
    if (!cpu->bus.ops || !cpu->bus.ops->read ||
        !cpu->bus.ops->read(cpu->bus.opaque, addr, size, val)) {
        return riscv_trap_set(trap, RISCV_EXCP_LOAD_ACCESS, addr);
    }
    *val &= riscv_size_mask(size);
    return true;
}

bool riscv_mem_store(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val, RiscvTrap *trap)
{
    bool aligned = riscv_is_aligned(addr, size);
    void *p = riscv_mem_host_ptr(cpu, addr, size, true);

    if (p) {
        riscv_host_store(p, size, val, aligned);
        return true;
    }
    /* A read-only window, or a misaligned access off RAM (see riscv_amo_ptr). */
    if (!aligned || riscv_bus_find_ram(cpu, addr, size)) {
        return riscv_trap_set(trap, RISCV_EXCP_STORE_ACCESS, addr);
    }
    if (!cpu->bus.ops || !cpu->bus.ops->write ||
        !cpu->bus.ops->write(cpu->bus.opaque, addr, size, val & riscv_size_mask(size))) {
        return riscv_trap_set(trap, RISCV_EXCP_STORE_ACCESS, addr);
    }
    return true;
}

bool riscv_mem_fetch16(RiscvCPU *cpu, uint64_t addr, uint16_t *parcel, RiscvTrap *trap)
{
    void *p = riscv_mem_host_ptr(cpu, addr, 2, false);
    uint64_t v;

    if (addr & 1) {
        return riscv_trap_set(trap, RISCV_EXCP_INSN_MISALIGNED, addr);
    }
    if (p) {
        *parcel = (uint16_t)riscv_host_load(p, 2, true);
        return true;
    }
    if (!cpu->bus.ops || !cpu->bus.ops->read || !cpu->bus.ops->read(cpu->bus.opaque, addr, 2, &v)) {
        return riscv_trap_set(trap, RISCV_EXCP_INSN_ACCESS, addr);
    }
    *parcel = (uint16_t)v;
    return true;
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
    void *p = riscv_is_aligned(addr, size) ? riscv_mem_host_ptr(cpu, addr, size, true) : NULL;

    if (!p) {
        riscv_trap_set(trap, store ? RISCV_EXCP_STORE_ACCESS : RISCV_EXCP_LOAD_ACCESS, addr);
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

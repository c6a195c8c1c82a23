/*
 * The execution loop of a vCPU: find or translate the next block, chain it to the last
 * one, run it, and handle exits, kicks, interrupts and guest exceptions. Also the
 * soft-MMU TLB maintenance and precise-state restoration helpers.
 */
#include <glib.h>
#include <string.h>

#include "tcg/jit.h"
#include "tcg/tcg-internal.h"
#include "util/log.h"

/* ---- TLB ---- */

void tcg_tlb_flush(TCGCPUCommon *cpu)
{
    memset(cpu->tlb, 0xff, sizeof(cpu->tlb)); /* all tags invalid */
    /* Virtual pc -> block mappings may change with the page tables. */
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

static unsigned tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TCG_PAGE_BITS) & (TCG_TLB_SIZE - 1);
}

void tcg_tlb_flush_page(TCGCPUCommon *cpu, uint64_t vaddr)
{
    unsigned idx = tlb_index(vaddr);

    for (unsigned mmu = 0; mmu < TCG_MMU_IDX_MAX; mmu++) {
        TCGTLBEntry *e = &cpu->tlb[mmu][idx];
        if ((e->addr_read & TCG_PAGE_MASK) == (vaddr & TCG_PAGE_MASK) ||
            (e->addr_write & TCG_PAGE_MASK) == (vaddr & TCG_PAGE_MASK) ||
            (e->addr_code & TCG_PAGE_MASK) == (vaddr & TCG_PAGE_MASK)) {
            memset(e, 0xff, sizeof(*e));
        }
    }
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

void tcg_tlb_set_page(TCGCPUCommon *cpu, unsigned mmu_idx, uint64_t vaddr, void *host,
                      unsigned prot)
{
    g_assert(mmu_idx < TCG_MMU_IDX_MAX);
    TCGTLBEntry *e = &cpu->tlb[mmu_idx][tlb_index(vaddr)];
    uint64_t page = vaddr & TCG_PAGE_MASK;
    uint64_t io = host ? 0 : TCG_TLB_MMIO;

    e->addr_read = (prot & TCG_PROT_READ) ? page | io : TCG_TLB_INVALID | UINT64_MAX;
    e->addr_write = (prot & TCG_PROT_WRITE)
                        ? page | io | ((prot & TCG_PROT_WATCH_WRITE) ? TCG_TLB_WATCH : 0)
                        : TCG_TLB_INVALID | UINT64_MAX;
    e->addr_code = (prot & TCG_PROT_EXEC) ? page | io : TCG_TLB_INVALID | UINT64_MAX;
    e->addend = host ? (uintptr_t)host - (uintptr_t)page : 0;
}

void *tcg_tlb_host_addr(TCGCPUCommon *cpu, unsigned mmu_idx, uint64_t vaddr, unsigned size,
                        unsigned access)
{
    g_assert(mmu_idx < TCG_MMU_IDX_MAX);
    TCGTLBEntry *e = &cpu->tlb[mmu_idx][tlb_index(vaddr)];
    uint64_t tag = access == TCG_PROT_WRITE ? e->addr_write : e->addr_read;

    if (size == 0 || (vaddr & (size - 1)) ||
        tag != (vaddr & TCG_PAGE_MASK)) {
        return NULL;
    }
    return (void *)(uintptr_t)(vaddr + e->addend);
}

/* ---- precise state and unwinding ---- */

bool tcg_cpu_restore_state(TCGCPUCommon *cpu, uintptr_t host_pc)
{
    TCGJit *jit = cpu->jit;
    uint64_t data[2];
    TranslationBlock *tb = tcg_tb_find_by_host_pc(jit, host_pc);

    if (!tb || !tcg_tb_search_insn(tb, host_pc, data)) {
        return false;
    }
    tcg_jit_frontend(jit)->restore_state(cpu->env, data);
    return true;
}

void tcg_cpu_loop_exit(TCGCPUCommon *cpu)
{
    siglongjmp(cpu->jmp_env, 1);
}

void tcg_cpu_loop_exit_restore(TCGCPUCommon *cpu, uintptr_t retaddr)
{
    if (retaddr) {
        tcg_cpu_restore_state(cpu, retaddr);
    }
    tcg_cpu_loop_exit(cpu);
}

void tcg_cpu_kick(TCGCPUCommon *cpu)
{
    __atomic_store_n(&cpu->stop_request, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
}

void tcg_cpu_interrupt(TCGCPUCommon *cpu)
{
    __atomic_store_n(&cpu->interrupt_request, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
}

/* ---- block lookup ---- */

static bool tb_matches(const TranslationBlock *tb, uint64_t pc, uint32_t flags)
{
    return tb && tb->pc == pc && tb->flags == flags && !tb->invalid;
}

/* Called from generated code (lookup_and_goto_ptr) with the vCPU's common state. */
const void *tcg_helper_lookup_tb_ptr(TCGCPUCommon *cpu)
{
    const TCGFrontend *fe = tcg_jit_frontend(cpu->jit);
    uint64_t pc;
    uint32_t flags;

    fe->get_tb_cpu_state(cpu->env, &pc, &flags);
    TranslationBlock *tb = __atomic_load_n(&cpu->jmp_cache[tcg_jmp_cache_hash(pc)],
                                           __ATOMIC_ACQUIRE);
    if (tb_matches(tb, pc, flags)) {
        return tb->tc_ptr;
    }
    cpu->stats.jc_misses++;
    return tcg_jit_runtime(cpu->jit)->lookup_miss_rx;
}

/* Translates the block at pc; flushes the code buffer when it is full. */
static TranslationBlock *tb_gen_code(TCGCPUCommon *cpu, uint64_t pc, uint64_t phys_pc,
                                     uint32_t flags)
{
    TCGJit *jit = cpu->jit;
    const TCGFrontend *fe = tcg_jit_frontend(jit);
    unsigned max_insns = tcg_jit_max_insns(jit);
    bool flushed = false;

    for (;;) {
        TCGContext *s = cpu->ctx;
        tcg_func_start(s);
        uint32_t size = fe->translate_block(s, cpu->env, pc, flags, max_insns);
        g_assert(size > 0);
        uint64_t phys_page2 = UINT64_MAX;
        uint64_t last = pc + size - 1;
        if ((pc & TCG_PAGE_MASK) != (last & TCG_PAGE_MASK)) {
            phys_page2 = fe->get_code_phys(cpu->env, last) & TCG_PAGE_MASK;
        }
        int why;
        TranslationBlock *tb = tcg_tb_compile_ex(s, pc, phys_pc, phys_page2, flags, size, &why);
        if (tb) {
            tcg_jit_log_tb(jit, s, cpu->env, tb);
            return tb;
        }
        if (why == TB_FAIL_BUFFER_FULL && !flushed) {
            hull_debug("tcg", "code buffer full: flushing");
            tcg_tb_flush(jit);
            flushed = true;
        } else {
            /* Too many host bytes or spill slots for one block: translate fewer insns. */
            g_assert(max_insns > 1);
            max_insns /= 2;
        }
    }
}

static TranslationBlock *tb_find(TCGCPUCommon *cpu, uint64_t pc, uint32_t flags)
{
    TranslationBlock **slot = &cpu->jmp_cache[tcg_jmp_cache_hash(pc)];
    TranslationBlock *tb = __atomic_load_n(slot, __ATOMIC_RELAXED);

    if (tb_matches(tb, pc, flags)) {
        return tb;
    }
    cpu->stats.jc_misses++;
    const TCGFrontend *fe = tcg_jit_frontend(cpu->jit);
    uint64_t phys_pc = fe->get_code_phys(cpu->env, pc);
    tb = tcg_tb_lookup(cpu->jit, pc, phys_pc, flags);
    if (!tb) {
        tb = tb_gen_code(cpu, pc, phys_pc, flags);
    }
    __atomic_store_n(slot, tb, __ATOMIC_RELEASE);
    return tb;
}

/* ---- the loop ---- */

TCGExecStatus tcg_cpu_exec(TCGCPUCommon *cpu)
{
    TCGJit *jit = cpu->jit;
    const TCGFrontend *fe = tcg_jit_frontend(jit);
    void *env = cpu->env;
    /* Locals live across sigsetjmp: reset on every entry through it. */
    TranslationBlock *volatile last_tb = NULL;
    volatile unsigned last_exit = TCG_EXIT_NOCHAIN;

    if (sigsetjmp(cpu->jmp_env, 0) != 0) {
        /* A helper or slow path raised a guest exception: env holds the new state. */
        if (cpu->in_exec) {
            cpu->in_exec = false;
            tcg_jit_leave_exec(jit);
        }
        cpu->stats.exceptions++;
        last_tb = NULL;
    }
    for (;;) {
        if (__atomic_load_n(&cpu->exit_request, __ATOMIC_RELAXED)) {
            __atomic_store_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST);
            last_tb = NULL;
        }
        if (__atomic_load_n(&cpu->stop_request, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&cpu->stop_request, 0, __ATOMIC_SEQ_CST);
            return TCG_EXEC_STOPPED;
        }
        if (__atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST)) {
            last_tb = NULL;
            if (fe->exec_interrupt && fe->exec_interrupt(env)) {
                return TCG_EXEC_HALTED;
            }
        }

        uint64_t pc;
        uint32_t flags;
        uint64_t gen = tcg_jit_flush_gen(jit);
        if (cpu->jmp_cache_gen != gen) {
            /* The code buffer was flushed: every block pointer we hold is stale. */
            memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
            cpu->jmp_cache_gen = gen;
            last_tb = NULL;
        }
        fe->get_tb_cpu_state(env, &pc, &flags);
        TranslationBlock *tb = tb_find(cpu, pc, flags);
        if (tcg_jit_flush_gen(jit) != gen) {
            continue; /* flushed while translating (by us or another vCPU): start over */
        }
        if (last_tb && last_exit <= TCG_EXIT_IDX1) {
            tcg_tb_add_jump_gen(jit, last_tb, last_exit, tb, gen);
        }
        if (!tcg_jit_enter_exec(jit, gen)) {
            last_tb = NULL;
            continue;
        }
        cpu->in_exec = true;
        uintptr_t ret = tcg_exec_tb(jit, env, tb);
        cpu->in_exec = false;
        tcg_jit_leave_exec(jit);

        cpu->stats.loop_exits++;
        last_tb = (TranslationBlock *)(ret & ~(uintptr_t)3);
        last_exit = ret & 3;
        if (last_exit == TCG_EXIT_REQUESTED && last_tb) {
            /* The exit check at a block's entry left before the block ran. Reached through
             * a chained jump, the guest pc was never written (goto_tb skips the pc update
             * that follows it): restore it from the block, as if it had not been entered. */
            const uint64_t data[2] = {last_tb->pc, 0};
            fe->restore_state(env, data);
        }
        if (last_exit > TCG_EXIT_IDX1) {
            last_tb = NULL;
        }
    }
}

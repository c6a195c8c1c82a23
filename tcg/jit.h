/*
 * The JIT's runtime contract: per-vCPU state embedded in the guest CPU struct (soft-MMU
 * TLB, exit request, jump cache), the callbacks a guest front end supplies, the
 * translation-block cache and the execution loop.
 */
#ifndef HULL_TCG_JIT_H
#define HULL_TCG_JIT_H

#include <glib.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "tcg/tcg.h"

/* ------------------------------------------------------------------------------------
 * Soft-MMU TLB (one direct-mapped table per MMU index, inside the CPU state)
 * ------------------------------------------------------------------------------------ */
#define TCG_PAGE_BITS 12
#define TCG_PAGE_SIZE (UINT64_C(1) << TCG_PAGE_BITS)
#define TCG_PAGE_MASK (~(TCG_PAGE_SIZE - 1))
#define TCG_TLB_BITS 10
#define TCG_TLB_SIZE (1u << TCG_TLB_BITS)
#define TCG_MMU_IDX_MAX 4

/*
 * Each tag is the page address of the virtual page, or has flag bits set in the page
 * offset bits that make every fast-path compare fail (the access then takes the slow
 * path): TCG_TLB_INVALID for an empty entry or no permission, TCG_TLB_MMIO and
 * TCG_TLB_WATCH for pages the engine must see (devices, code pages written by the guest).
 * Misaligned accesses also miss: the compare includes the low address bits.
 */
#define TCG_TLB_INVALID (UINT64_C(1) << 11)
#define TCG_TLB_MMIO (UINT64_C(1) << 10)
#define TCG_TLB_WATCH (UINT64_C(1) << 9)

typedef struct TCGTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend; /* host address = guest virtual address + addend */
} TCGTLBEntry;

/* Statistics for `query-jit`, per vCPU (TB counters are per TCGJit). */
typedef struct TCGCPUStats {
    uint64_t tlb_misses;  /* soft-MMU slow-path calls from generated code */
    uint64_t loop_exits;  /* returns from generated code to the execution loop */
    uint64_t exceptions;  /* tcg_cpu_loop_exit() unwinds */
    uint64_t jc_misses;   /* jump cache misses */
} TCGCPUStats;

#define TCG_JMP_CACHE_BITS 12
#define TCG_JMP_CACHE_SIZE (1u << TCG_JMP_CACHE_BITS)

typedef struct TranslationBlock TranslationBlock;

/* The jump cache slot of a virtual pc. */
static inline uint32_t tcg_jmp_cache_hash(uint64_t pc)
{
    return (uint32_t)((pc >> 1) ^ (pc >> (1 + TCG_JMP_CACHE_BITS))) & (TCG_JMP_CACHE_SIZE - 1);
}

/*
 * Embedded in the guest CPU state ("env") at the offset the front end declares in
 * TCGFrontend.common_offset. Generated code addresses it relative to env.
 */
typedef struct TCGCPUCommon {
    /* Non-zero makes every block exit at entry; set with tcg_cpu_kick(). */
    int32_t exit_request;
    /* Set with tcg_cpu_interrupt(): the loop calls TCGFrontend.exec_interrupt. */
    int32_t interrupt_request;
    /* Set with tcg_cpu_kick(): the loop returns TCG_EXEC_STOPPED. */
    int32_t stop_request;
    int32_t pad;
    TCGTLBEntry tlb[TCG_MMU_IDX_MAX][TCG_TLB_SIZE];
    /* By virtual pc; generated code probes it inline (lookup_and_goto_ptr), so an entry
     * is taken only when its pc, flags and validity match (see tcg/cpu-exec.c). */
    TranslationBlock *jmp_cache[TCG_JMP_CACHE_SIZE];
    uint64_t jmp_cache_gen; /* flush generation the jump cache belongs to */
    TCGCPUStats stats;
    struct TCGJit *jit;
    struct TCGContext *ctx;
    void *env;
    sigjmp_buf jmp_env;
    bool in_exec;
} TCGCPUCommon;

/* ------------------------------------------------------------------------------------
 * Front-end contract
 * ------------------------------------------------------------------------------------ */
typedef struct TCGFrontend {
    const char *name;
    /* Optional: one 64-bit global (at this env offset, when has_pinned_global) that lives
     * in a host register in all generated code: loaded on entry, stored on the way out
     * to the loop and before anything that may read env or raise, but not at block
     * boundaries. For a value every block updates (an instruction counter), this takes
     * a memory read-modify-write off every block. */
    bool has_pinned_global;
    int32_t pinned_global_offset;
    /* offsetof(<guest CPU state>, <TCGCPUCommon member>) */
    size_t common_offset;
    /* Declares the globals on a new context; keep handles in s->frontend_data. */
    void (*init_context)(TCGContext *s, void *opaque);
    /* Frees what init_context put in s->frontend_data (may be NULL). */
    void (*free_context)(TCGContext *s, void *opaque);
    /* The virtual pc and the mode flags a block is looked up and translated with. */
    void (*get_tb_cpu_state)(void *env, uint64_t *pc, uint32_t *flags);
    /* Guest-physical address of the code at virtual pc. On a fetch fault it raises the
     * guest exception (updates env and calls tcg_cpu_loop_exit()). */
    uint64_t (*get_code_phys)(void *env, uint64_t pc);
    /* Emits the IR of one block into s (tcg_func_start() already done) with at most
     * max_insns guest instructions; returns the end of the guest code translated, in
     * bytes from pc (> 0). Every instruction starts with tcg_gen_insn_start(s, its pc,
     * ...). A block may follow direct jumps within pc's page, also backwards: its guest
     * range then starts at the lowest instruction pc and covers the gaps between the
     * pieces (invalidation by range may drop it needlessly, never miss it). A fetch fault
     * of the *first* instruction raises as above; later ones end the block before that
     * instruction. */
    uint32_t (*translate_block)(TCGContext *s, void *env, uint64_t pc, uint32_t flags,
                                unsigned max_insns);
    /* Restores the guest pc (and whatever else the front end recorded) from the
     * insn_start data of the instruction that raised. */
    void (*restore_state)(void *env, const uint64_t data[2]);
    /*
     * Soft-MMU slow paths, called from generated code on a TLB miss, a flagged page or a
     * misaligned access. They may fill the TLB (tcg_tlb_set_page), perform MMIO, or raise
     * a guest exception with tcg_cpu_loop_exit_restore(common, retaddr). Loads return the
     * value zero-extended from its size; generated code sign-extends for MO_SIGN.
     */
    uint64_t (*load_slow)(void *env, uint64_t addr, TCGMemOpIdx oi, uintptr_t retaddr);
    void (*store_slow)(void *env, uint64_t addr, uint64_t val, TCGMemOpIdx oi,
                       uintptr_t retaddr);
    /* Called by the loop while interrupt_request is set: deliver what is pending and
     * enabled (clear interrupt_request when nothing more is). Return true when the vCPU
     * halts (wfi): the loop then returns TCG_EXEC_HALTED. */
    bool (*exec_interrupt)(void *env);
    /* Optional: a guest-physical page now holds translated code; the engine routes
     * guest writes to it through tcg_tb_invalidate_phys_range(). */
    void (*code_page_added)(void *opaque, uint64_t phys_page);
    /* Optional: a listing of the guest instructions starting in [pc, pc + size) for the
     * translation log (g_malloc'ed, one line per instruction). */
    char *(*disas_guest)(void *env, uint64_t pc, uint32_t size);
    void *opaque; /* passed to init_context, free_context and code_page_added */
} TCGFrontend;

/* ------------------------------------------------------------------------------------
 * Translation blocks
 * ------------------------------------------------------------------------------------ */
struct TranslationBlock {
    uint64_t pc;      /* guest virtual pc */
    uint64_t phys_pc; /* guest physical pc */
    uint64_t phys_page2; /* physical page of the last byte when it crosses a page, or -1 */
    uint32_t flags;
    /* Guest code translated: [pc - below, pc + size), in pc's page except for an
     * instruction straddling into the next one (phys_page2). */
    uint32_t size;
    uint32_t below;
    const void *tc_ptr; /* host code (executable view) */
    uint32_t tc_size;
    uint32_t nb_insns;
    bool invalid;
    /* goto_tb slots: offset of the rel32 field in the code, and of the fall-through
     * instruction it points to while unchained. UINT16_MAX: no such slot. */
    uint16_t jmp_insn_offset[2];
    uint16_t jmp_reset_offset[2];
    /* Self-loop slots (the jump targets the block's own pc): chained only to the block
     * itself, at this offset past its entry. UINT16_MAX: an ordinary slot. */
    uint16_t jmp_loop_offset[2];
    TranslationBlock *jmp_dest[2]; /* chained targets */
    /* Incoming chains: a list of (tb, slot) pointers through jmp_next (low bit = slot). */
    uintptr_t jmp_list_head;
    uintptr_t jmp_next[2];
    TranslationBlock *hash_next;
    uint64_t page_addr[2];  /* physical pages (the second is -1 when unused) */
    uintptr_t page_next[2]; /* per-page TB lists; low bit: which page slot of the next TB */
    const uint8_t *search_data; /* insn_start table (see tcg_cpu_restore_state) */
};

/* A TB flags bit for front ends: guest virtual addresses equal physical ones in this mode
 * (no paging), so blocks may be chained across guest pages. Without it, goto_tb chains
 * only within one guest page (page mappings may change under a chained jump). */
#define TCG_TB_FLAG_PHYS (1u << 31)

/* Options of a JIT instance. */
typedef struct TCGJitOptions {
    size_t code_size;   /* bytes of code buffer; 0 = default (256 MiB, capped to RAM/8) */
    unsigned max_insns; /* guest instructions per block; 0 = 512 */
    bool no_optimize;   /* skip tcg_optimize() (debugging, benchmarks) */
    bool no_chaining;   /* never patch goto_tb (debugging) */
} TCGJitOptions;

typedef struct TCGJitStats {
    uint64_t tbs_translated;
    uint64_t host_code_bytes; /* total emitted since start */
    uint64_t guest_code_bytes;
    uint64_t flushes;
    uint64_t chained_jumps;
    uint64_t invalidations;
    uint64_t code_buffer_size;
    uint64_t code_buffer_used;
} TCGJitStats;

/* One JIT per machine: code buffer, TB cache, prologue. Thread-safe. */
TCGJit *tcg_jit_new(const TCGFrontend *fe, const TCGJitOptions *opts, GError **errp);
void tcg_jit_free(TCGJit *jit);
const TCGFrontend *tcg_jit_frontend(TCGJit *jit);
void tcg_jit_get_stats(TCGJit *jit, TCGJitStats *stats);

/* Drops every TB and empties the code buffer (deferred to a safe point if any vCPU runs
 * generated code: the next loop iteration of each vCPU completes it). */
void tcg_tb_flush(TCGJit *jit);
/* Invalidates every TB whose guest bytes intersect the physical range [start, end). */
void tcg_tb_invalidate_phys_range(TCGJit *jit, uint64_t start, uint64_t end);
/* Whether the physical page holding addr has translated code. */
bool tcg_tb_page_has_code(TCGJit *jit, uint64_t phys_addr);

/*
 * Lower layer, used by the execution loop and by unit tests: compile the ops already in s
 * (tcg_func_start() + builders) into a new TB. Returns NULL when the code buffer is full
 * (the caller flushes and retries) or the block needs too many spill slots.
 */
TranslationBlock *tcg_tb_compile(TCGContext *s, uint64_t pc, uint64_t phys_pc,
                                 uint64_t phys_page2, uint32_t flags, uint32_t guest_size);
/* Runs generated code: returns (TranslationBlock * | TCG_EXIT_*) of the block that left,
 * or 0 after lookup_and_goto_ptr missed the jump cache. */
uintptr_t tcg_exec_tb(TCGJit *jit, void *env, const TranslationBlock *tb);
/* Chains tb's goto_tb slot to dest (no-op when either is invalid). The caller makes sure
 * no flush runs meanwhile (the execution loop uses a generation-checked variant). */
void tcg_tb_add_jump(TCGJit *jit, TranslationBlock *tb, unsigned slot, TranslationBlock *dest);
/* Finds a valid TB or NULL. */
TranslationBlock *tcg_tb_lookup(TCGJit *jit, uint64_t pc, uint64_t phys_pc, uint32_t flags);
/*
 * The translation log, QEMU's -d in_asm,op,out_asm with -dfilter: every block translated
 * from now on whose guest range meets [start, end) is appended to the file at `path`
 * with the items asked for (TCG_LOG_*). path NULL stops logging. Any thread.
 */
enum { TCG_LOG_IN_ASM = 1 << 0, TCG_LOG_OP = 1 << 1, TCG_LOG_OUT_ASM = 1 << 2 };
bool tcg_jit_set_log(TCGJit *jit, const char *path, uint64_t start, uint64_t end,
                     unsigned items, GError **errp);

/* A listing of tb's host code (capstone disassembly when built with it). g_free() it. */
char *tcg_tb_disas(const TranslationBlock *tb);
/* The TB whose host code contains host_pc, or NULL. */
TranslationBlock *tcg_tb_find_by_host_pc(TCGJit *jit, uintptr_t host_pc);

/* ------------------------------------------------------------------------------------
 * vCPUs and the execution loop
 * ------------------------------------------------------------------------------------ */
typedef enum TCGExecStatus {
    TCG_EXEC_STOPPED, /* tcg_cpu_kick() asked the loop to return */
    TCG_EXEC_HALTED,  /* exec_interrupt() reported a halted vCPU (wfi) */
} TCGExecStatus;

/* Binds a vCPU (its env, and the TCGCPUCommon inside it) to the JIT; creates its
 * translation context. Call from any thread before the vCPU first runs. */
bool tcg_cpu_init(TCGJit *jit, void *env, GError **errp);
void tcg_cpu_finalize(TCGJit *jit, void *env);
static inline TCGCPUCommon *tcg_env_common(const TCGFrontend *fe, void *env)
{
    return (TCGCPUCommon *)((char *)env + fe->common_offset);
}

/* Runs guest code on the calling (vCPU) thread until kicked or halted. */
TCGExecStatus tcg_cpu_exec(TCGCPUCommon *cpu);

/* From any thread: make the loop return (kick), or notice a new interrupt. */
void tcg_cpu_kick(TCGCPUCommon *cpu);
void tcg_cpu_interrupt(TCGCPUCommon *cpu);

/* The host return address inside generated code, for helpers that may raise. */
#define TCG_GETPC() ((uintptr_t)__builtin_return_address(0))

/* Restores guest state of the instruction whose generated code contains host_pc
 * (front end's restore_state). Returns false when host_pc is not in generated code. */
bool tcg_cpu_restore_state(TCGCPUCommon *cpu, uintptr_t host_pc);
/* Unwinds from a helper or slow path back to the loop, which continues at the state the
 * front end left in env. Only on the vCPU thread, while in tcg_cpu_exec(). */
G_NORETURN void tcg_cpu_loop_exit(TCGCPUCommon *cpu);
/* tcg_cpu_restore_state(cpu, retaddr) then tcg_cpu_loop_exit(cpu). */
G_NORETURN void tcg_cpu_loop_exit_restore(TCGCPUCommon *cpu, uintptr_t retaddr);

/* TLB maintenance for the engine's/front end's slow paths, on the vCPU's own thread. host == NULL: the page is
 * MMIO (every access takes the slow path). prot: TCG_PROT_*. */
enum { TCG_PROT_READ = 1, TCG_PROT_WRITE = 2, TCG_PROT_EXEC = 4, TCG_PROT_WATCH_WRITE = 8 };
void tcg_tlb_set_page(TCGCPUCommon *cpu, unsigned mmu_idx, uint64_t vaddr, void *host,
                      unsigned prot);
void tcg_tlb_flush(TCGCPUCommon *cpu);
void tcg_tlb_flush_page(TCGCPUCommon *cpu, uint64_t vaddr);
/* Host address of an access of `size` bytes at vaddr when the TLB has a plain RAM entry
 * for it (for atomics helpers), else NULL. access: TCG_PROT_READ or TCG_PROT_WRITE. */
void *tcg_tlb_host_addr(TCGCPUCommon *cpu, unsigned mmu_idx, uint64_t vaddr, unsigned size,
                        unsigned access);

#endif

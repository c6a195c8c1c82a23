/*
 * Declarations shared by the JIT's own passes (IR container, liveness, backend, TB cache);
 * not part of the front-end API.
 */
#ifndef HULL_TCG_TCG_INTERNAL_H
#define HULL_TCG_TCG_INTERNAL_H

#include <glib.h>

#include "tcg/jit.h"
#include "tcg/tcg.h"

/* Where a temp's value is during code generation. */
enum {
    TEMP_VAL_DEAD,  /* no value (normal temps before their first write) */
    TEMP_VAL_REG,   /* in host register temp->reg */
    TEMP_VAL_MEM,   /* in memory (env field, or a frame slot) */
    TEMP_VAL_CONST, /* the constant temp->val */
};

/* What generated code calls or jumps to, owned by the TCGJit. */
typedef struct TCGRuntime {
    const uint8_t *epilogue_rx;  /* jump here with the return value in rax */
    const void *lookup_tb_ptr;   /* const void *fn(TCGCPUCommon *): code to jump to */
    const uint8_t *lookup_miss_rx; /* returns 0 to the loop */
    const void *load_slow;       /* TCGFrontend.load_slow */
    const void *store_slow;      /* TCGFrontend.store_slow */
} TCGRuntime;

const TCGRuntime *tcg_jit_runtime(TCGJit *jit);

void tcg_backend_context_init(TCGContext *s);
void tcg_backend_context_free(TCGContext *s);

/* Emits host code for the ops of s at code_rw (written) / code_rx (where it will run),
 * at most `avail` bytes. tb_exit_value is what exit_tb returns before its TCG_EXIT_* bits.
 * Returns the code size, or -1 when it does not fit or exhausts the spill frame. Fills
 * goto_tb offsets and s->insn_data/insn_end_off. */
typedef struct TCGCodeGenOut {
    uint64_t pc; /* in: the block's guest pc (recognises goto_tb slots that loop to it) */
    uint16_t jmp_insn_offset[2];
    uint16_t jmp_reset_offset[2];
    /* Slots that jump back to the block itself: chain them only to the block, at this
     * offset (the loop head, which expects the loop-carried globals in registers). */
    uint16_t jmp_loop_offset[2];
} TCGCodeGenOut;

int tcg_backend_gen_code(TCGContext *s, uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                         uintptr_t tb_exit_value, TCGCodeGenOut *out);

/* The prologue `uintptr_t fn(void *env, const void *code)` and its shared epilogue, which
 * load and store the pinned global at env + pinned_offset (-1: none); returns the bytes
 * used or -1. */
int tcg_backend_gen_prologue(uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                             int32_t pinned_offset, size_t *epilogue_offset,
                             size_t *lookup_miss_offset);

/* Patches a goto_tb jump (rel32 at code_rw + insn_offset) to target (rx address). */
void tcg_backend_patch_jump(uint8_t *jmp_rw, const uint8_t *jmp_rx, const void *target_rx);


/* Executable memory: one memfd mapped twice, writable at `rw` and executable at `rx`, so
 * no page is ever writable and executable at once (W^X) and no mprotect flips are needed. */
typedef struct TCGCodeBuffer {
    uint8_t *rw;
    const uint8_t *rx;
    size_t size;
    size_t used;
} TCGCodeBuffer;

/* size 0: the default (256 MiB, at most an eighth of RAM, at least 16 MiB). */
bool tcg_code_buffer_init(TCGCodeBuffer *cb, size_t size, GError **errp);
void tcg_code_buffer_destroy(TCGCodeBuffer *cb);
size_t tcg_code_buffer_default_size(void);

static inline const uint8_t *tcg_code_rx(const TCGCodeBuffer *cb, const void *rw)
{
    return cb->rx + ((const uint8_t *)rw - cb->rw);
}

static inline uint8_t *tcg_code_rw(const TCGCodeBuffer *cb, const void *rx)
{
    return cb->rw + ((const uint8_t *)rx - cb->rx);
}

/* ---- TB cache internals (tb.c), used by the execution loop (cpu-exec.c) ---- */
enum { TB_FAIL_NONE, TB_FAIL_BUFFER_FULL, TB_FAIL_TOO_BIG };

TranslationBlock *tcg_tb_compile_ex(TCGContext *s, uint64_t pc, uint64_t phys_pc,
                                    uint64_t phys_page2, uint32_t flags, uint32_t guest_size,
                                    int *why);
/* The insn_start data of the instruction whose code contains host_pc. */
bool tcg_tb_search_insn(const TranslationBlock *tb, uintptr_t host_pc, uint64_t data[2]);

/* Entering generated code: false when a flush is pending or happened since `gen` was read
 * (the caller looks its TB up again). */
uint64_t tcg_jit_flush_gen(TCGJit *jit);
bool tcg_jit_enter_exec(TCGJit *jit, uint64_t gen);
void tcg_jit_leave_exec(TCGJit *jit);
/* tcg_tb_add_jump(), unless a flush happened since generation `gen`. */
void tcg_tb_add_jump_gen(TCGJit *jit, TranslationBlock *tb, unsigned slot,
                         TranslationBlock *dest, uint64_t gen);

/* Appends a new block to the translation log when it is on and the block in range; s
 * still holds the block's (optimized) ops. */
void tcg_jit_log_tb(TCGJit *jit, TCGContext *s, void *env, const TranslationBlock *tb);

/* Called from generated code for lookup_and_goto_ptr. */
const void *tcg_helper_lookup_tb_ptr(TCGCPUCommon *cpu);
unsigned tcg_jit_max_insns(TCGJit *jit);


#endif

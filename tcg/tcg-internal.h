/*
 * Declarations shared by the JIT's own passes (IR container, liveness, backend, TB cache);
 * not part of the front-end API.
 */
#ifndef HULL_TCG_TCG_INTERNAL_H
#define HULL_TCG_TCG_INTERNAL_H

#include "tcg/tcg.h"

/* Where a temp's value is during code generation. */
enum {
    TEMP_VAL_DEAD,  /* no value (normal temps before their first write) */
    TEMP_VAL_REG,   /* in host register temp->reg */
    TEMP_VAL_MEM,   /* in memory (env field, or a frame slot) */
    TEMP_VAL_CONST, /* the constant temp->val */
};

void tcg_backend_context_init(TCGContext *s);
void tcg_backend_context_free(TCGContext *s);

/* Emits host code for the ops of s at code_rw (written) / code_rx (where it will run),
 * at most `avail` bytes. tb_exit_value is what exit_tb returns before its TCG_EXIT_* bits.
 * Returns the code size, or -1 when it does not fit or exhausts the spill frame. Fills
 * goto_tb offsets and s->insn_data/insn_end_off. */
typedef struct TCGCodeGenOut {
    uint16_t jmp_insn_offset[2];
    uint16_t jmp_reset_offset[2];
} TCGCodeGenOut;

int tcg_backend_gen_code(TCGContext *s, uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                         uintptr_t tb_exit_value, TCGCodeGenOut *out);

/* The prologue `uintptr_t fn(void *env, const void *code)` and its shared epilogue;
 * returns the bytes used or -1. */
int tcg_backend_gen_prologue(uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                             size_t *epilogue_offset, size_t *lookup_miss_offset);

/* Patches a goto_tb jump (rel32 at code_rw + insn_offset) to target (rx address). */
void tcg_backend_patch_jump(uint8_t *jmp_rw, const uint8_t *jmp_rx, const void *target_rx);

#endif

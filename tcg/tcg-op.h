/*
 * IR builders for guest front ends: one small inline function per op, plus immediate
 * forms that go through interned constant temps.
 */
#ifndef HULL_TCG_TCG_OP_H
#define HULL_TCG_TCG_OP_H

#include "tcg/tcg.h"

static inline void tcg_gen_op1c(TCGContext *s, TCGOpcode opc, TCGArg c)
{
    TCGArg args[1] = {c};
    tcg_emit_op(s, opc, args);
}

static inline void tcg_gen_op2(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a)
{
    TCGArg args[2] = {d.id, a.id};
    tcg_emit_op(s, opc, args);
}

static inline void tcg_gen_op3(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    TCGArg args[3] = {d.id, a.id, b.id};
    tcg_emit_op(s, opc, args);
}

/* ---- moves and constants ---- */
static inline void tcg_gen_mov(TCGContext *s, TCGv d, TCGv a)
{
    if (d.id != a.id) {
        tcg_gen_op2(s, INDEX_op_mov, d, a);
    }
}
static inline void tcg_gen_movi(TCGContext *s, TCGv d, int64_t v)
{
    tcg_gen_op2(s, INDEX_op_mov, d, tcg_constant(s, v));
}

/* ---- arithmetic: d = a op b ---- */
#define TCG_GEN_BINARY(name)                                                                   \
    static inline void tcg_gen_##name(TCGContext *s, TCGv d, TCGv a, TCGv b)                   \
    {                                                                                          \
        tcg_gen_op3(s, INDEX_op_##name, d, a, b);                                              \
    }                                                                                          \
    static inline void tcg_gen_##name##i(TCGContext *s, TCGv d, TCGv a, int64_t b)             \
    {                                                                                          \
        tcg_gen_op3(s, INDEX_op_##name, d, a, tcg_constant(s, b));                             \
    }
TCG_GEN_BINARY(add)
TCG_GEN_BINARY(sub)
TCG_GEN_BINARY(and)
TCG_GEN_BINARY(or)
TCG_GEN_BINARY(xor)
TCG_GEN_BINARY(shl)
TCG_GEN_BINARY(shr)
TCG_GEN_BINARY(sar)
TCG_GEN_BINARY(mul)
TCG_GEN_BINARY(mulsh)
TCG_GEN_BINARY(muluh)
TCG_GEN_BINARY(mulsuh)
TCG_GEN_BINARY(div)
TCG_GEN_BINARY(divu)
TCG_GEN_BINARY(rem)
TCG_GEN_BINARY(remu)
TCG_GEN_BINARY(add_w)
TCG_GEN_BINARY(sub_w)
TCG_GEN_BINARY(mul_w)
TCG_GEN_BINARY(shl_w)
TCG_GEN_BINARY(shr_w)
TCG_GEN_BINARY(sar_w)
TCG_GEN_BINARY(div_w)
TCG_GEN_BINARY(divu_w)
TCG_GEN_BINARY(rem_w)
TCG_GEN_BINARY(remu_w)
#undef TCG_GEN_BINARY

/* ---- unary ---- */
#define TCG_GEN_UNARY(name)                                                                    \
    static inline void tcg_gen_##name(TCGContext *s, TCGv d, TCGv a)                           \
    {                                                                                          \
        tcg_gen_op2(s, INDEX_op_##name, d, a);                                                 \
    }
TCG_GEN_UNARY(neg)
TCG_GEN_UNARY(not)
TCG_GEN_UNARY(ext8s)
TCG_GEN_UNARY(ext8u)
TCG_GEN_UNARY(ext16s)
TCG_GEN_UNARY(ext16u)
TCG_GEN_UNARY(ext32s)
TCG_GEN_UNARY(ext32u)
#undef TCG_GEN_UNARY

/* ---- comparisons ---- */
static inline void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b)
{
    TCGArg args[4] = {d.id, a.id, b.id, c};
    tcg_emit_op(s, INDEX_op_setcond, args);
}
static inline void tcg_gen_setcondi(TCGContext *s, TCGCond c, TCGv d, TCGv a, int64_t b)
{
    tcg_gen_setcond(s, c, d, a, tcg_constant(s, b));
}
/* d = (c1 cond c2) ? v1 : v2 */
static inline void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv d, TCGv c1, TCGv c2, TCGv v1,
                                   TCGv v2)
{
    TCGArg args[6] = {d.id, c1.id, c2.id, v1.id, v2.id, c};
    tcg_emit_op(s, INDEX_op_movcond, args);
}

/* ---- control flow within a block ---- */
static inline void tcg_gen_set_label(TCGContext *s, TCGLabel l)
{
    tcg_gen_op1c(s, INDEX_op_set_label, l.id);
}
static inline void tcg_gen_br(TCGContext *s, TCGLabel l)
{
    tcg_gen_op1c(s, INDEX_op_br, l.id);
}
static inline void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b, TCGLabel l)
{
    TCGArg args[4] = {a.id, b.id, c, l.id};
    tcg_emit_op(s, INDEX_op_brcond, args);
}
static inline void tcg_gen_brcondi(TCGContext *s, TCGCond c, TCGv a, int64_t b, TCGLabel l)
{
    tcg_gen_brcond(s, c, a, tcg_constant(s, b), l);
}

/* ---- host memory relative to a pointer temp (normally TCG_ENV) ---- */
#define TCG_GEN_LD(name)                                                                       \
    static inline void tcg_gen_##name(TCGContext *s, TCGv d, TCGv base, int32_t off)           \
    {                                                                                          \
        TCGArg args[3] = {d.id, base.id, (TCGArg)(int64_t)off};                                \
        tcg_emit_op(s, INDEX_op_##name, args);                                                 \
    }
TCG_GEN_LD(ld8u)
TCG_GEN_LD(ld8s)
TCG_GEN_LD(ld16u)
TCG_GEN_LD(ld16s)
TCG_GEN_LD(ld32u)
TCG_GEN_LD(ld32s)
TCG_GEN_LD(ld64)
TCG_GEN_LD(st8)
TCG_GEN_LD(st16)
TCG_GEN_LD(st32)
TCG_GEN_LD(st64)
#undef TCG_GEN_LD

/* ---- guest memory through the soft-MMU ---- */
static inline void tcg_gen_qemu_ld(TCGContext *s, TCGv val, TCGv addr, unsigned mmu_idx,
                                   TCGMemOp mop)
{
    TCGArg args[3] = {val.id, addr.id, tcg_make_memop_idx(mop, mmu_idx)};
    tcg_emit_op(s, INDEX_op_qemu_ld, args);
}
static inline void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, unsigned mmu_idx,
                                   TCGMemOp mop)
{
    TCGArg args[3] = {val.id, addr.id, tcg_make_memop_idx(mop, mmu_idx)};
    tcg_emit_op(s, INDEX_op_qemu_st, args);
}

/* d = a <kind> b (<kind> c) on the host's SSE unit, with `fallback(env, arg, retaddr)`
 * for everything the fast path does not cover (see TCGFpKind); desc: tcg_fp_desc(). */
static inline void tcg_gen_fpop(TCGContext *s, TCGv d, TCGv a, TCGv b, TCGv c, TCGArg desc,
                                uint64_t (*fallback)(void *, uint64_t, uintptr_t),
                                uint64_t arg)
{
    TCGArg args[7] = {d.id, a.id, b.id, c.id, desc, (TCGArg)(uintptr_t)fallback, arg};
    tcg_emit_op(s, INDEX_op_fpop, args);
}

/*
 * Calls a C helper `uint64_t fn(uint64_t...)` (or void) with up to TCG_MAX_CALL_ARGS
 * arguments; pass TCG_ENV to give it the CPU state. ret may be (TCGv){0} for none.
 * flags: TCG_CALL_*. A helper that raises a guest exception calls
 * tcg_cpu_loop_exit_restore(common, TCG_GETPC()) (see tcg/jit.h).
 */
void tcg_gen_call(TCGContext *s, void *fn, unsigned flags, TCGv ret, unsigned nargs,
                  const TCGv *args);

/* ---- block boundaries ---- */
/* Records the guest pc (and one front-end word) of the instruction that follows; used to
 * restore precise guest state when a helper or memory access raises. */
static inline void tcg_gen_insn_start(TCGContext *s, uint64_t pc, uint64_t data)
{
    TCGArg args[2] = {pc, data};
    tcg_emit_op(s, INDEX_op_insn_start, args);
}
/* A patchable direct jump (slot 0 or 1) to the block that follows; when not yet chained,
 * execution falls through to the code after it, which must end with exit_tb(slot). */
static inline void tcg_gen_goto_tb(TCGContext *s, unsigned slot)
{
    tcg_gen_op1c(s, INDEX_op_goto_tb, slot);
}
/* Returns to the execution loop; `how` is TCG_EXIT_IDX0/IDX1 (after goto_tb of that slot,
 * lets the loop chain it) or TCG_EXIT_NOCHAIN. */
static inline void tcg_gen_exit_tb(TCGContext *s, unsigned how)
{
    tcg_gen_op1c(s, INDEX_op_exit_tb, how);
}
/*
 * Jumps to the block for pc (a temp holding the value just stored to the guest pc global;
 * globals are synced first) through the vCPU's jump cache, without leaving generated code;
 * returns to the loop on a miss. flags: what TCGFrontend.get_tb_cpu_state would return
 * at this point, known at translation time (the generated code then probes the jump
 * cache itself), or TCG_LOOKUP_FLAGS_UNKNOWN (it calls a C helper that asks the front end).
 */
static inline void tcg_gen_lookup_and_goto_ptr(TCGContext *s, TCGv pc, uint64_t flags)
{
    TCGArg args[2] = {pc.id, flags};
    tcg_emit_op(s, INDEX_op_lookup_and_goto_ptr, args);
}

#endif

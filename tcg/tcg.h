/*
 * Hull's JIT intermediate representation: the translation context, temps, labels and the
 * op list a guest front end fills for one translation block. Builders are in tcg-op.h.
 */
#ifndef HULL_TCG_TCG_H
#define HULL_TCG_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every IR value is 64 bits wide. 32-bit guest arithmetic uses the `_w` ops, which compute
 * on the low 32 bits of their inputs and sign-extend the 32-bit result to 64 bits (RV64's
 * addw/subw/... and a natural representation for 32-bit guests, whose registers can be
 * kept sign-extended: signed and unsigned comparisons stay correct on such values).
 */
typedef uint64_t TCGArg;

/* A temp handle. 0 is never a valid temp: a zero-initialised TCGv is "none". */
typedef struct TCGv {
    uint32_t id;
} TCGv;

/* A label handle, valid within one translation. */
typedef struct TCGLabel {
    uint32_t id;
} TCGLabel;

typedef enum TCGTempKind {
    TCG_TEMP_FIXED,  /* the env pointer, pinned in a host register */
    TCG_TEMP_GLOBAL, /* a 64-bit field of the guest CPU state at env + offset */
    TCG_TEMP_LOCAL,  /* lives across labels within one translation block */
    TCG_TEMP_NORMAL, /* dies at the next label or unconditional jump; survives the
                      * fall-through of brcond and goto_tb */
    TCG_TEMP_CONST,  /* an immutable constant */
} TCGTempKind;

typedef enum TCGCond {
    TCG_COND_NEVER,
    TCG_COND_ALWAYS,
    TCG_COND_EQ,
    TCG_COND_NE,
    TCG_COND_LT, /* signed */
    TCG_COND_GE,
    TCG_COND_LE,
    TCG_COND_GT,
    TCG_COND_LTU, /* unsigned */
    TCG_COND_GEU,
    TCG_COND_LEU,
    TCG_COND_GTU,
} TCGCond;

/* Guest memory access description: size, signedness, alignment. Guests and host are
 * little-endian; big-endian accesses are not supported. */
typedef enum TCGMemOp {
    MO_8 = 0,
    MO_16 = 1,
    MO_32 = 2,
    MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,  /* sign-extend a load to 64 bits (otherwise zero-extend) */
    MO_ALIGN = 8, /* the slow path must raise a misaligned fault instead of splitting */
    MO_UB = MO_8,
    MO_UW = MO_16,
    MO_UL = MO_32,
    MO_SB = MO_8 | MO_SIGN,
    MO_SW = MO_16 | MO_SIGN,
    MO_SL = MO_32 | MO_SIGN,
    MO_UQ = MO_64,
} TCGMemOp;

/* A TCGMemOp and an MMU index packed together, as passed to the soft-MMU slow path. */
typedef uint32_t TCGMemOpIdx;
#define TCG_MMU_IDX_SHIFT 4
static inline TCGMemOpIdx tcg_make_memop_idx(TCGMemOp op, unsigned mmu_idx)
{
    return (uint32_t)op | (mmu_idx << TCG_MMU_IDX_SHIFT);
}
static inline TCGMemOp tcg_memop_idx_op(TCGMemOpIdx oi)
{
    return (TCGMemOp)(oi & ((1u << TCG_MMU_IDX_SHIFT) - 1));
}
static inline unsigned tcg_memop_idx_mmu(TCGMemOpIdx oi)
{
    return oi >> TCG_MMU_IDX_SHIFT;
}

/*
 * Floating point done by one host SSE instruction, for values whose IEEE result needs no
 * flag the guest does not already have (`fpop`, see tcg_gen_fpop()). The kind says what
 * the instruction computes on 64-bit bit patterns (TCG_FP_DOUBLE: binary64, else binary32
 * in the low 32 bits, which the inputs must NaN-box and the result is NaN-boxed in); the
 * generated code checks the guards, computes, and takes the out-of-line fallback unless
 * the result is a normal finite number (comparisons: no NaN operand; conversions to
 * integer: no saturation). The fallback is a front-end function
 * `uint64_t fn(void *env, uint64_t arg, uintptr_t retaddr)` that computes the exact result
 * with every flag from the guest state in env (all globals are current there); it may
 * raise a guest exception as a soft-MMU slow path does.
 */
typedef enum TCGFpKind {
    TCG_FP_ADD, TCG_FP_SUB, TCG_FP_MUL, TCG_FP_DIV, /* d = a op b */
    TCG_FP_SQRT,                                     /* d = sqrt(a) */
    TCG_FP_MADD, TCG_FP_MSUB,                        /* d = a * b + c, a * b - c */
    TCG_FP_NMSUB, TCG_FP_NMADD,                      /* d = -(a * b) + c, -(a * b) - c */
    TCG_FP_EQ, TCG_FP_LT, TCG_FP_LE,                 /* d = a cond b (0 or 1) */
    TCG_FP_TO_I32, TCG_FP_TO_I64,                    /* d = (int) a, sign-extended */
    TCG_FP_FROM_I32, TCG_FP_FROM_I64,                /* d = (float) (int32 / int64) a */
    TCG_FP_KIND_COUNT,
} TCGFpKind;

enum {
    TCG_FP_KIND_MASK = 0xff,
    TCG_FP_DOUBLE = 1 << 8,      /* binary64 (else binary32) */
    TCG_FP_TRUNC = 1 << 9,       /* conversions to integer round toward zero (else RNE) */
    TCG_FP_GUARD_SET = 1 << 10,  /* bit 0 of the env byte at guard_set must be 1, or the
                                    result exact (add, sub, mul, conversions) */
    TCG_FP_GUARD_ZERO = 1 << 11, /* the env byte at guard_zero must be 0 */
};

/* Whether the host has fused multiply-add (the FMA kinds of fpop need it). */
bool tcg_host_has_fma(void);

/* The fpop descriptor: kind | flags and the env offsets of the guard bytes. */
static inline TCGArg tcg_fp_desc(unsigned kind_flags, uint32_t guard_set, uint32_t guard_zero)
{
    return (TCGArg)kind_flags | (TCGArg)guard_set << 16 | (TCGArg)guard_zero << 40;
}

/*
 * Helper call flags. With none set a helper may read and write every global through env
 * and may raise a guest exception (longjmp out of generated code): all dirty globals are
 * written back before the call and reloaded after it.
 */
enum {
    TCG_CALL_NO_READ_GLOBALS = 1 << 0,  /* reads no global through env */
    TCG_CALL_NO_WRITE_GLOBALS = 1 << 1, /* writes no global through env */
    TCG_CALL_NO_SIDE_EFFECTS = 1 << 2,  /* pure: removed when its result is unused */
    TCG_CALL_NO_RWG = TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS,
    TCG_CALL_PURE = TCG_CALL_NO_RWG | TCG_CALL_NO_SIDE_EFFECTS,
};
#define TCG_MAX_CALL_ARGS 6

/*
 * Opcodes. Operand order is outputs, inputs, then constant arguments. All values are
 * 64-bit; `_w` variants operate on the low 32 bits and sign-extend the result.
 * Shift counts are taken modulo the width (64, or 32 for the _w shifts).
 * Division never traps and follows RISC-V: x/0 = all ones, x%0 = x (the full 64-bit
 * dividend for div/rem, its low 32 bits sign-extended for the _w forms),
 * MIN/-1 = MIN, MIN%-1 = 0.
 */
#define TCG_OPCODE_LIST(X)                                                                     \
    /* name, outputs, inputs, constants, flags */                                             \
    X(discard, 0, 0, 0, 0)                                                                     \
    X(set_label, 0, 0, 1, TCG_OPF_BB_END)                                                      \
    X(br, 0, 0, 1, TCG_OPF_BB_END)                                                             \
    X(brcond, 0, 2, 2, TCG_OPF_BB_END)         /* cond, label */                              \
    X(insn_start, 0, 0, 2, TCG_OPF_SIDE_EFFECTS) /* guest pc, front-end word */               \
    X(mov, 1, 1, 0, 0)                                                                         \
    X(setcond, 1, 2, 1, 0)                     /* d = a cond b */                             \
    X(movcond, 1, 4, 1, 0)                     /* d = (c1 cond c2) ? v1 : v2 */               \
    X(add, 1, 2, 0, 0)                                                                         \
    X(sub, 1, 2, 0, 0)                                                                         \
    X(and, 1, 2, 0, 0)                                                                         \
    X(or, 1, 2, 0, 0)                                                                          \
    X(xor, 1, 2, 0, 0)                                                                         \
    X(shl, 1, 2, 0, 0)                                                                         \
    X(shr, 1, 2, 0, 0)                                                                         \
    X(sar, 1, 2, 0, 0)                                                                         \
    X(mul, 1, 2, 0, 0)                                                                         \
    X(mulsh, 1, 2, 0, 0)                       /* high 64 bits of signed * signed */          \
    X(muluh, 1, 2, 0, 0)                       /* high 64 bits of unsigned * unsigned */      \
    X(mulsuh, 1, 2, 0, 0)                      /* high 64 bits of signed a * unsigned b */    \
    X(div, 1, 2, 0, 0)                                                                         \
    X(divu, 1, 2, 0, 0)                                                                        \
    X(rem, 1, 2, 0, 0)                                                                         \
    X(remu, 1, 2, 0, 0)                                                                        \
    X(neg, 1, 1, 0, 0)                                                                         \
    X(not, 1, 1, 0, 0)                                                                         \
    X(ext8s, 1, 1, 0, 0)                                                                       \
    X(ext8u, 1, 1, 0, 0)                                                                       \
    X(ext16s, 1, 1, 0, 0)                                                                      \
    X(ext16u, 1, 1, 0, 0)                                                                      \
    X(ext32s, 1, 1, 0, 0)                                                                      \
    X(ext32u, 1, 1, 0, 0)                                                                      \
    X(add_w, 1, 2, 0, 0)                                                                       \
    X(sub_w, 1, 2, 0, 0)                                                                       \
    X(mul_w, 1, 2, 0, 0)                                                                       \
    X(shl_w, 1, 2, 0, 0)                                                                       \
    X(shr_w, 1, 2, 0, 0)                                                                       \
    X(sar_w, 1, 2, 0, 0)                                                                       \
    X(div_w, 1, 2, 0, 0)                                                                       \
    X(divu_w, 1, 2, 0, 0)                                                                      \
    X(rem_w, 1, 2, 0, 0)                                                                       \
    X(remu_w, 1, 2, 0, 0)                                                                      \
    /* host memory (normally env fields that are not globals): base + constant offset */      \
    X(ld8u, 1, 1, 1, 0)                                                                        \
    X(ld8s, 1, 1, 1, 0)                                                                        \
    X(ld16u, 1, 1, 1, 0)                                                                       \
    X(ld16s, 1, 1, 1, 0)                                                                       \
    X(ld32u, 1, 1, 1, 0)                                                                       \
    X(ld32s, 1, 1, 1, 0)                                                                       \
    X(ld64, 1, 1, 1, 0)                                                                        \
    X(st8, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)      /* value, base, offset */                      \
    X(st16, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)                                                     \
    X(st32, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)                                                     \
    X(st64, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)                                                     \
    /* guest memory through the soft-MMU: value, address, TCGMemOpIdx */                      \
    X(qemu_ld, 1, 1, 1, TCG_OPF_SIDE_EFFECTS | TCG_OPF_READS_GLOBALS)                          \
    X(qemu_st, 0, 2, 1, TCG_OPF_SIDE_EFFECTS | TCG_OPF_READS_GLOBALS)                          \
    /* grouped accesses (tcg_memgroup): addend = tlb_check(base) with constants memop idx  \
     * (MMU index, widest size S), TCG_TLB_CHECK_* needed, lo, hi; then accesses as above  \
     * at base + displacement, with the addend as an extra input and the displacement as  \
     * an extra constant: value, base, addend, memop idx, displacement */                  \
    X(tlb_check, 1, 1, 4, 0)                                                                   \
    X(qemu_ld_a, 1, 2, 2, TCG_OPF_SIDE_EFFECTS | TCG_OPF_READS_GLOBALS)                        \
    X(qemu_st_a, 0, 3, 2, TCG_OPF_SIDE_EFFECTS | TCG_OPF_READS_GLOBALS)                        \
    /* host floating point with a fallback: d, a, b, c; TCGFpKind desc, fallback, arg */      \
    X(fpop, 1, 3, 3, TCG_OPF_SIDE_EFFECTS | TCG_OPF_READS_GLOBALS)                             \
    X(call, 0, 0, 0, TCG_OPF_CALL)             /* see tcg_gen_call() */                       \
    X(goto_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_SIDE_EFFECTS) /* slot 0 or 1 */             \
    X(exit_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_TB_END) /* TCG_EXIT_* */                     \
    X(lookup_and_goto_ptr, 0, 1, 1, TCG_OPF_BB_END | TCG_OPF_TB_END) /* pc, flags */

typedef enum TCGOpcode {
#define TCG_OPC_ENUM(name, o, i, c, f) INDEX_op_##name,
    TCG_OPCODE_LIST(TCG_OPC_ENUM)
#undef TCG_OPC_ENUM
        TCG_OPCODE_COUNT
} TCGOpcode;

enum {
    TCG_OPF_BB_END = 1 << 0,       /* ends a basic block: globals are synced before it */
    TCG_OPF_TB_END = 1 << 1,       /* leaves the block: nothing after it is reachable */
    TCG_OPF_SIDE_EFFECTS = 1 << 2, /* never removed as dead code */
    TCG_OPF_READS_GLOBALS = 1 << 3, /* may observe every global through env (may fault) */
    TCG_OPF_CALL = 1 << 4,          /* operand counts are in the op itself */
};

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;
    uint8_t flags;
} TCGOpDef;

extern const TCGOpDef tcg_op_defs[TCG_OPCODE_COUNT];

#define TCG_MAX_OP_ARGS 10

typedef struct TCGOp {
    uint8_t opc;      /* TCGOpcode */
    uint8_t nb_oargs; /* filled from tcg_op_defs, or by tcg_gen_call() */
    uint8_t nb_iargs;
    uint8_t nb_cargs;
    uint16_t dead_args; /* liveness: bit n set when input n dies at this op */
    uint16_t pad;
    TCGArg args[TCG_MAX_OP_ARGS];
} TCGOp;

/* Call op constant arguments, after outputs and inputs. */
#define TCG_CALL_ARG_FUNC 0
#define TCG_CALL_ARG_FLAGS 1

/* exit_tb values: 0 and 1 follow goto_tb 0/1 (the loop may chain that slot);
 * TCG_EXIT_NOCHAIN returns to the loop without chaining. */
enum {
    TCG_EXIT_IDX0 = 0,
    TCG_EXIT_IDX1 = 1,
    TCG_EXIT_NOCHAIN = 2,
    TCG_EXIT_REQUESTED = 3, /* produced by the block-entry exit-request check */
};

/*
 * tlb_check: the host addend (host address - guest address) of the page that holds the
 * whole window [base + lo, base + hi + S), when the TLB maps that page as plain RAM (no
 * MMIO, watch or invalid flag) for the access types asked for and base + hi is S-aligned;
 * otherwise 0. qemu_ld_a/qemu_st_a access the guest address base + displacement: with a
 * non-zero addend directly at host address + addend; with 0 as qemu_ld/qemu_st do.
 * tcg_memgroup() only emits them for accesses the window covers, each aligned when
 * base + hi is. Displacements, lo and hi are within +-2^30.
 */
enum { TCG_TLB_CHECK_READ = 1, TCG_TLB_CHECK_WRITE = 2 };

/* lookup_and_goto_ptr's flags when the front end cannot tell them at translation time. */
#define TCG_LOOKUP_FLAGS_UNKNOWN UINT64_MAX

typedef struct TCGTemp {
    uint8_t kind;      /* TCGTempKind */
    uint8_t val_type;  /* register allocator: TEMP_VAL_* */
    uint8_t reg;       /* host register while val_type is TEMP_VAL_REG */
    uint8_t mem_coherent; /* the memory copy holds the current value */
    uint8_t observed;     /* globals: other threads read the field while the vCPU runs */
    uint8_t pinned;       /* the global of TCGFrontend.pinned_global_offset */
    int32_t mem_offset;   /* globals: env offset; spilled temps: frame offset, or -1 */
    int64_t val;          /* constants */
    const char *name;     /* globals: for dumps */
} TCGTemp;

typedef struct TCGLabelInfo {
    int32_t host_offset;   /* -1 until the label is emitted */
    uint32_t first_reloc;  /* head of a chain in TCGContext.relocs, 0 = none */
    uint32_t refs;         /* branches to it (the optimizer drops unreferenced labels) */
} TCGLabelInfo;

typedef struct TCGReloc {
    uint32_t code_offset; /* where a rel32 to patch sits */
    uint32_t next;
} TCGReloc;

typedef struct TCGJit TCGJit;
typedef struct TCGBackendState TCGBackendState;

/*
 * Per-thread translation context. Globals are declared once after creation (the front
 * end's init_context callback); everything else is reset by tcg_func_start() before each
 * translation. Arrays grow geometrically and are kept across translations, so building a
 * block allocates nothing once the context is warm.
 */
typedef struct TCGContext {
    TCGJit *jit;
    void *frontend_data; /* owned by the front end: e.g. its global handles */
    size_t common_offset; /* where TCGCPUCommon sits in the guest CPU state (env) */

    TCGTemp *temps;
    uint32_t nb_temps, nb_globals, temps_cap;

    TCGOp *ops;
    uint32_t nb_ops, ops_cap;

    TCGLabelInfo *labels;
    uint32_t nb_labels, labels_cap;

    TCGReloc *relocs;
    uint32_t nb_relocs, relocs_cap;

    /* Constants are interned per translation: a small open-addressing table. */
    uint32_t *const_table;
    uint32_t const_table_size, nb_consts;

    /* Insn_start bookkeeping filled by the backend: per guest insn, its data words and the
     * host offset where its code ends. */
    uint64_t (*insn_data)[2];
    uint32_t *insn_end_off;
    uint32_t nb_insns, insns_cap;

    TCGBackendState *be; /* code generation state, owned by the backend */
} TCGContext;

/* The env pointer temp (pinned in a callee-saved host register). */
#define TCG_ENV ((TCGv){1})

TCGContext *tcg_context_new(TCGJit *jit, size_t common_offset);
void tcg_context_free(TCGContext *s);

/* A 64-bit global backed by the field at env + offset. Only before the first
 * tcg_func_start(). */
TCGv tcg_global_new(TCGContext *s, int32_t offset, const char *name);

/* Marks a global that other threads read while the vCPU runs (e.g. an instruction count
 * for statistics): generated code stores it at every iteration of a loop, where other
 * globals may stay in registers until the loop exits. */
void tcg_global_set_observed(TCGContext *s, TCGv g);

/* Starts a new translation: drops temps, labels and ops of the previous one. */
void tcg_func_start(TCGContext *s);

TCGv tcg_temp_new(TCGContext *s);       /* dies at the next label (see TCG_TEMP_NORMAL) */
TCGv tcg_temp_new_local(TCGContext *s); /* lives across labels within the block */
TCGv tcg_constant(TCGContext *s, int64_t val); /* interned; never written */
TCGLabel tcg_label_new(TCGContext *s);

static inline TCGTemp *tcg_temp(TCGContext *s, TCGv v)
{
    return &s->temps[v.id];
}
static inline bool tcg_temp_is_const(TCGContext *s, TCGv v)
{
    return s->temps[v.id].kind == TCG_TEMP_CONST;
}

/* Appends an op; returns it for the few callers that fill more arguments. */
TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc, const TCGArg *args);

/* Number of live (non-discarded) ops, and a textual dump for tests and debug logs. */
uint32_t tcg_count_ops(TCGContext *s);
char *tcg_dump_ops(TCGContext *s);
char *tcg_dump_op(TCGContext *s, const TCGOp *op);

/* Condition helpers. */
TCGCond tcg_cond_invert(TCGCond c);
TCGCond tcg_cond_swap(TCGCond c);
bool tcg_cond_eval(TCGCond c, uint64_t a, uint64_t b);

/* Evaluates a pure arithmetic op on constants with the IR's semantics (also used by the
 * optimizer's constant folding and as the reference in tests). Returns false for opcodes
 * that are not plain arithmetic. */
bool tcg_op_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *result);

/* Passes, in the order tcg_tb_gen_code() runs them. */
void tcg_optimize(TCGContext *s);
void tcg_memgroup(TCGContext *s);
void tcg_liveness(TCGContext *s);

#endif

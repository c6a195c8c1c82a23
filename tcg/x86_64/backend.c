/*
 * x86-64 code generation: a register allocator that keeps temps and guest globals in host
 * registers within a basic block, and the lowering of every IR op to host instructions.
 */
#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "tcg/jit.h"
#include "tcg/tcg-internal.h"
#include "tcg/x86_64/emit.h"

#define NB_HOST_REGS 16
#define TCG_REG_ENV R14 /* callee-saved: survives helper calls */
#define TCG_REG_TMP R11 /* scratch inside one op's code, never allocated */
#define TCG_REG_PINNED R15 /* the front end's pinned global, when it has one */

/* Spill frame: [rsp + 8 * slot]. 6 pushes + return address + frame keep rsp 16-aligned. */
#define FRAME_SLOTS 127
#define FRAME_SIZE (FRAME_SLOTS * 8)
#define FRAME_WORDS ((FRAME_SLOTS + 63) / 64)

/* Worst-case bytes one op (with its spills and syncs) emits: checked before each op. */
#define OP_MARGIN 2048

#define REG_BIT(r) (1u << (r))
#define CALLER_SAVED                                                                           \
    (REG_BIT(RAX) | REG_BIT(RCX) | REG_BIT(RDX) | REG_BIT(RSI) | REG_BIT(RDI) | REG_BIT(R8) |  \
     REG_BIT(R9) | REG_BIT(R10) | REG_BIT(R11))
#define ALL_ALLOCATABLE (0xffffu & ~REG_BIT(RSP) & ~REG_BIT(TCG_REG_ENV) & ~REG_BIT(TCG_REG_TMP))

/* Callee-saved first: values there survive helper calls and slow paths without spills. */
static const X86Reg alloc_order[] = {RBX, RBP, R12, R13, R15, R10, R9, R8,
                                     RDI, RSI, RDX, RCX, RAX};
static const X86Reg call_arg_regs[TCG_MAX_CALL_ARGS] = {RDI, RSI, RDX, RCX, R8, R9};

/* Globals a self-looping block keeps in registers across its back edge, and where. */
#define LOOP_MAX_GLOBALS 6
static const X86Reg loop_regs[LOOP_MAX_GLOBALS] = {RBX, RBP, R12, R13, R10, R9};

/* The allocator state of one temp, for snapshots. */
typedef struct TempSnap {
    uint8_t val_type, reg, mem_coherent;
    int32_t mem_offset;
} TempSnap;

/* An out-of-line soft-MMU slow path, emitted after the block's main code. */
typedef struct SlowPath {
    bool is_store;
    TCGMemOpIdx oi;
    X86Reg addr_reg;
    int32_t addr_off; /* the guest address is addr_reg + addr_off */
    X86Reg val_reg;   /* stores: X86_NO_REG for a constant value (val_const) */
    int64_t val_const;
    size_t jcc_at;   /* rel32 of the jne from the fast path */
    size_t back_to;  /* where execution resumes (also the precise-state return address) */
    uint16_t save_regs; /* caller-saved registers holding values to preserve */
    uint8_t nb_dirty;
    uint8_t dirty_reg[NB_HOST_REGS];
    int32_t dirty_off[NB_HOST_REGS];
    /* Grouped accesses (qemu_ld_a/qemu_st_a): rel32 of the jump taken when the group's
     * check failed, to an out-of-line copy of the full TLB lookup; 0 for plain ones. */
    size_t full_at;
    X86Reg entry_reg; /* stores: the TLB entry register of the full lookup */
    /* tlb_check failures (check_reg valid): the jne(s) to the out-of-line code that zeroes it. */
    X86Reg check_reg;
    size_t check_jcc_at[2];
    /* fpop fallbacks (fp_fn set): every jump that leads here, the function, its argument */
    const void *fp_fn;
    uint64_t fp_arg;
    uint8_t nb_fp_jcc;
    size_t fp_jcc_at[6];
} SlowPath;

struct TCGBackendState {
    X86Code code;
    const uint8_t *code_rx;
    size_t cap;
    bool failed;
    uint32_t reg_to_temp[NB_HOST_REGS]; /* 0: free */
    uint16_t locked;                    /* registers the current op holds */
    uint16_t reserved;                  /* not allocatable: the pinned global's */
    uint32_t pinned_id;                 /* the pinned global's temp, or 0 */
    uint64_t free_slots[FRAME_WORDS];   /* bit set: slot free */
    SlowPath *slow;
    uint32_t nb_slow, slow_cap;
    const TCGRuntime *rt;
    uintptr_t tb_exit_value;
    int32_t common_off;
    TCGOp *op; /* the op being generated */

    /* Self-loop blocks: globals kept in registers across the back edge (loop_prepare). */
    bool loop_slot[2];
    unsigned nb_loop;
    uint32_t loop_gid[LOOP_MAX_GLOBALS];
    bool loop_written[LOOP_MAX_GLOBALS]; /* the block writes it: dirty at the head */
    size_t loop_head;
    size_t loop_exit_at[2]; /* rel32 of the back edges' exit-request jne, or 0 */
    /* Register state kept for a label whose only way in is one forward brcond. */
    uint8_t *label_single;  /* per label: 1 when so */
    uint32_t label_cap;
    int64_t snap_label;     /* label the snapshot is for, or -1 */
    uint32_t snap_reg_to_temp[NB_HOST_REGS];
    TempSnap *snap_temps;
    uint32_t snap_cap;
};

void tcg_backend_context_init(TCGContext *s)
{
    s->be = g_new0(TCGBackendState, 1);
}

void tcg_backend_context_free(TCGContext *s)
{
    if (s->be) {
        g_free(s->be->label_single);
        g_free(s->be->snap_temps);
        g_free(s->be->slow);
        g_free(s->be);
        s->be = NULL;
    }
}

/* ------------------------------------------------------------------------------------
 * Register allocator
 * ------------------------------------------------------------------------------------ */

static int temp_id(TCGContext *s, TCGTemp *t)
{
    return (int)(t - s->temps);
}

static int32_t slot_alloc(TCGBackendState *be)
{
    for (unsigned w = 0; w < FRAME_WORDS; w++) {
        if (be->free_slots[w]) {
            unsigned bit = (unsigned)__builtin_ctzll(be->free_slots[w]);
            be->free_slots[w] &= ~(UINT64_C(1) << bit);
            return (int32_t)((w * 64 + bit) * 8);
        }
    }
    /* Out of spill slots: the block is abandoned and retried smaller. */
    be->failed = true;
    return 0;
}

static void slot_free(TCGBackendState *be, int32_t off)
{
    unsigned slot = (unsigned)off / 8;
    be->free_slots[slot / 64] |= UINT64_C(1) << (slot % 64);
}

/* Base register and displacement of a temp's memory home. */
static X86Reg temp_mem_base(TCGTemp *t)
{
    return t->kind == TCG_TEMP_GLOBAL ? TCG_REG_ENV : RSP;
}

static void temp_store(TCGContext *s, TCGTemp *t)
{
    TCGBackendState *be = s->be;

    g_assert(t->val_type == TEMP_VAL_REG);
    if (t->mem_coherent) {
        return;
    }
    if (t->mem_offset < 0) {
        t->mem_offset = slot_alloc(be);
    }
    emit_st64(&be->code, t->reg, temp_mem_base(t), t->mem_offset);
    t->mem_coherent = 1;
}

/* Moves a temp out of its register into memory. */
static void temp_spill(TCGContext *s, TCGTemp *t)
{
    if (t->val_type != TEMP_VAL_REG) {
        return;
    }
    if (t->pinned) {
        temp_store(s, t); /* it never leaves its register */
        return;
    }
    if (t->kind == TCG_TEMP_NORMAL || t->kind == TCG_TEMP_LOCAL || t->kind == TCG_TEMP_GLOBAL) {
        temp_store(s, t);
    }
    s->be->reg_to_temp[t->reg] = 0;
    t->val_type = TEMP_VAL_MEM;
}

/* The temp's value is no longer needed. */
static void temp_dead(TCGContext *s, TCGTemp *t)
{
    TCGBackendState *be = s->be;

    if (t->kind == TCG_TEMP_GLOBAL || t->kind == TCG_TEMP_FIXED || t->kind == TCG_TEMP_CONST) {
        return;
    }
    if (t->val_type == TEMP_VAL_REG && be->reg_to_temp[t->reg] == (uint32_t)temp_id(s, t)) {
        be->reg_to_temp[t->reg] = 0;
    }
    t->val_type = TEMP_VAL_DEAD;
    if (t->kind == TCG_TEMP_NORMAL && t->mem_offset >= 0) {
        slot_free(be, t->mem_offset);
        t->mem_offset = -1;
    }
    t->mem_coherent = 0;
}

static void reg_free(TCGContext *s, X86Reg r)
{
    uint32_t id = s->be->reg_to_temp[r];
    if (id) {
        temp_spill(s, &s->temps[id]);
    }
}

/* Ops scanned ahead when choosing a register to spill. */
#define NEXT_USE_LOOKAHEAD 64

/*
 * How many ops ahead of the current one temp `id` is next read; NEXT_USE_LOOKAHEAD when
 * not within the lookahead, or when it is overwritten or a label (which drops every
 * register association) comes first.
 */
static int next_use_distance(TCGContext *s, uint32_t id)
{
    if (!s->be->op) {
        return NEXT_USE_LOOKAHEAD;
    }
    uint32_t cur = (uint32_t)(s->be->op - s->ops);
    uint32_t end = MIN(s->nb_ops, cur + NEXT_USE_LOOKAHEAD);

    for (uint32_t j = cur; j < end; j++) {
        const TCGOp *op = &s->ops[j];
        unsigned no = op->nb_oargs, ni = op->nb_iargs;
        bool written = false;

        if (op->opc == INDEX_op_set_label) {
            break;
        }
        for (unsigned k = no; k < no + ni; k++) {
            if (op->args[k] == id) {
                return (int)(j - cur);
            }
        }
        for (unsigned k = 0; k < no; k++) {
            written |= op->args[k] == id;
        }
        if (written) {
            break;
        }
    }
    return NEXT_USE_LOOKAHEAD;
}

/* A free register among `allowed`, spilling an unlocked one if needed; the result is
 * locked for the rest of the op. */
static X86Reg reg_alloc(TCGContext *s, uint16_t allowed)
{
    TCGBackendState *be = s->be;
    X86Reg victim = X86_NO_REG;

    allowed &= ALL_ALLOCATABLE & ~be->locked & ~be->reserved;
    for (unsigned i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        X86Reg r = alloc_order[i];
        if ((allowed & REG_BIT(r)) && !be->reg_to_temp[r]) {
            be->locked |= REG_BIT(r);
            return r;
        }
    }
    /*
     * Evict the value needed furthest ahead (Belady), counting a current memory copy
     * (no store needed) as a few ops further away.
     */
    int best = -1;
    for (unsigned i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        X86Reg r = alloc_order[i];
        if (allowed & REG_BIT(r)) {
            uint32_t id = be->reg_to_temp[r];
            int key = next_use_distance(s, id) + (s->temps[id].mem_coherent ? 3 : 0);
            if (key > best) {
                best = key;
                victim = r;
            }
        }
    }
    g_assert(victim != X86_NO_REG);
    reg_free(s, victim);
    be->locked |= REG_BIT(victim);
    return victim;
}

/* Frees register r for the current op: moves its temp to another register when one is
 * free, otherwise spills it. */
static void reg_evict(TCGContext *s, X86Reg r)
{
    TCGBackendState *be = s->be;
    uint32_t id = be->reg_to_temp[r];

    if (!id) {
        return;
    }
    TCGTemp *t = &s->temps[id];
    uint16_t free_mask = 0;
    for (unsigned i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        X86Reg o = alloc_order[i];
        if (!be->reg_to_temp[o] && !(be->locked & REG_BIT(o)) && o != r) {
            free_mask |= REG_BIT(o);
        }
    }
    if (free_mask) {
        X86Reg n = reg_alloc(s, free_mask);
        be->locked &= ~REG_BIT(n);
        emit_mov_rr(&be->code, n, r);
        be->reg_to_temp[r] = 0;
        be->reg_to_temp[n] = id;
        t->reg = n;
    } else {
        temp_spill(s, t);
    }
}

/*
 * Puts temp t in a register among `allowed` and locks it. Constants land in a scratch
 * register that belongs to no temp (*scratch set).
 */
static X86Reg temp_load_ex(TCGContext *s, TCGTemp *t, uint16_t allowed, bool *scratch)
{
    TCGBackendState *be = s->be;
    X86Reg r;

    if (scratch) {
        *scratch = false;
    }
    if (t->val_type == TEMP_VAL_REG) {
        if (allowed & REG_BIT(t->reg)) {
            be->locked |= REG_BIT(t->reg);
            return t->reg;
        }
        /* In the wrong register for this use: copy into an allowed one. */
        X86Reg old = t->reg;
        r = reg_alloc(s, allowed);
        emit_mov_rr(&be->code, r, old);
        if (t->kind == TCG_TEMP_FIXED || t->pinned || (be->locked & REG_BIT(old))) {
            /* The old register stays with the temp; r is a copy. */
            if (scratch) {
                *scratch = true;
            }
            return r;
        }
        be->reg_to_temp[old] = 0;
        be->reg_to_temp[r] = (uint32_t)temp_id(s, t);
        t->reg = r;
        return r;
    }
    r = reg_alloc(s, allowed);
    switch (t->val_type) {
    case TEMP_VAL_CONST:
        emit_movi(&be->code, r, (uint64_t)t->val);
        if (scratch) {
            *scratch = true;
        }
        return r;
    case TEMP_VAL_MEM:
        emit_ld64(&be->code, r, temp_mem_base(t), t->mem_offset);
        t->mem_coherent = 1;
        break;
    default:
        /* Read before any write (a front-end bug): define it as 0 rather than garbage. */
        emit_movi(&be->code, r, 0);
        t->mem_coherent = 0;
        break;
    }
    t->val_type = TEMP_VAL_REG;
    t->reg = r;
    be->reg_to_temp[r] = (uint32_t)temp_id(s, t);
    return r;
}

static X86Reg temp_load(TCGContext *s, TCGTemp *t)
{
    return temp_load_ex(s, t, ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV), NULL);
}

/* Makes reg r hold output temp t (the previous owner of r, if any, has died). */
static void set_output(TCGContext *s, TCGTemp *t, X86Reg r)
{
    TCGBackendState *be = s->be;
    uint32_t id = (uint32_t)temp_id(s, t);
    uint32_t prev = be->reg_to_temp[r];

    g_assert(t->kind != TCG_TEMP_CONST && t->kind != TCG_TEMP_FIXED);
    if (prev && prev != id) {
        TCGTemp *p = &s->temps[prev];
        g_assert(p->kind != TCG_TEMP_GLOBAL);
        p->val_type = TEMP_VAL_DEAD;
        if (p->kind == TCG_TEMP_NORMAL && p->mem_offset >= 0) {
            slot_free(be, p->mem_offset);
            p->mem_offset = -1;
        }
    }
    if (t->pinned && r != TCG_REG_PINNED) {
        /* Computed elsewhere: the pinned register takes the result, r is free again. */
        emit_mov_rr(&be->code, TCG_REG_PINNED, r);
        be->reg_to_temp[r] = 0;
        r = TCG_REG_PINNED;
    }
    if (t->val_type == TEMP_VAL_REG && t->reg != r && be->reg_to_temp[t->reg] == id) {
        be->reg_to_temp[t->reg] = 0;
    }
    be->reg_to_temp[r] = id;
    be->locked |= REG_BIT(r);
    t->val_type = TEMP_VAL_REG;
    t->reg = r;
    t->mem_coherent = 0;
}

static TCGTemp *arg_temp(TCGContext *s, TCGArg a)
{
    return &s->temps[a];
}

static bool arg_dead(const TCGOp *op, unsigned i)
{
    return op->dead_args & (1u << i);
}

/* Releases the inputs that die at this op (unless they are also its outputs). */
static void op_finish(TCGContext *s, TCGOp *op)
{
    unsigned no = op->nb_oargs, ni = op->nb_iargs;

    for (unsigned i = no; i < no + ni; i++) {
        if (!arg_dead(op, i)) {
            continue;
        }
        bool is_out = false;
        for (unsigned k = 0; k < no; k++) {
            is_out |= op->args[k] == op->args[i];
        }
        if (!is_out) {
            temp_dead(s, arg_temp(s, op->args[i]));
        }
    }
    for (unsigned k = 0; k < no; k++) {
        if (arg_dead(op, k)) {
            temp_dead(s, arg_temp(s, op->args[k]));
        }
    }
    s->be->locked = 0;
}

/* A register for the output of a two-address op `d = a op ...` that starts as a copy of
 * a: a's own register when d is a, or when a dies here and is not a global. */
static bool reusable_input(TCGContext *s, TCGOp *op, unsigned i, bool scratch)
{
    TCGTemp *t = arg_temp(s, op->args[i]);

    if (scratch) {
        return true;
    }
    if (op->args[i] == op->args[0]) {
        return true;
    }
    return arg_dead(op, i) && (t->kind == TCG_TEMP_NORMAL || t->kind == TCG_TEMP_LOCAL);
}

/* Syncs globals (and locals, at basic-block ends) to memory, keeping registers. */
static void sync_globals(TCGContext *s, bool locals_too)
{
    TCGBackendState *be = s->be;

    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->reg_to_temp[r];
        if (!id) {
            continue;
        }
        TCGTemp *t = &s->temps[id];
        if (t->pinned) {
            continue; /* stays in its register across blocks; the epilogue stores it */
        }
        if (t->kind == TCG_TEMP_GLOBAL || (locals_too && t->kind == TCG_TEMP_LOCAL)) {
            temp_store(s, t);
        }
    }
}

/* Drops every register association (at a label: another path may arrive here). */
static void forget_registers(TCGContext *s)
{
    TCGBackendState *be = s->be;

    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->reg_to_temp[r];
        if (!id || r == TCG_REG_ENV) {
            continue;
        }
        TCGTemp *t = &s->temps[id];
        if (t->pinned) {
            continue;
        }
        be->reg_to_temp[r] = 0;
        if (t->kind == TCG_TEMP_NORMAL) {
            temp_dead(s, t);
        } else {
            t->val_type = TEMP_VAL_MEM;
            t->mem_coherent = 1;
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Op lowering
 * ------------------------------------------------------------------------------------ */

static X86Cond cond_to_x86(TCGCond c)
{
    static const X86Cond map[] = {
        [TCG_COND_EQ] = X86_CC_E,   [TCG_COND_NE] = X86_CC_NE,  [TCG_COND_LT] = X86_CC_L,
        [TCG_COND_GE] = X86_CC_GE,  [TCG_COND_LE] = X86_CC_LE,  [TCG_COND_GT] = X86_CC_G,
        [TCG_COND_LTU] = X86_CC_B,  [TCG_COND_GEU] = X86_CC_AE, [TCG_COND_LEU] = X86_CC_BE,
        [TCG_COND_GTU] = X86_CC_A,
    };
    return map[c];
}

static bool temp_is_imm32(TCGTemp *t)
{
    return t->kind == TCG_TEMP_CONST && fits_i32(t->val);
}

/* Loads a and b and emits `cmp a, b`; returns the (possibly swapped) condition. Leaves
 * the flags set: the caller emits nothing that clobbers them before using them. */
static TCGCond emit_compare(TCGContext *s, TCGTemp *a, TCGTemp *b, TCGCond c)
{
    X86Code *code = &s->be->code;

    if (a->kind == TCG_TEMP_CONST && b->kind != TCG_TEMP_CONST) {
        TCGTemp *t = a;
        a = b;
        b = t;
        c = tcg_cond_swap(c);
    }
    X86Reg ra = temp_load(s, a);
    if (temp_is_imm32(b)) {
        if (b->val == 0) {
            emit_test_rr(code, ra, ra, false);
        } else {
            emit_alu_ri(code, ALU_CMP, ra, b->val, false);
        }
    } else {
        X86Reg rb = temp_load(s, b);
        emit_alu_rr(code, ALU_CMP, ra, rb, false);
    }
    return c;
}

/* add/sub/and/or/xor (64-bit or _w), and mul. */
static void gen_alu(TCGContext *s, TCGOp *op, X86Alu alu, bool commutative, bool w32,
                    bool is_mul)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    unsigned ia = 1, ib = 2;

    /* Put a constant or the output's own temp where the two-address form wants it. */
    if (commutative && (arg_temp(s, op->args[1])->kind == TCG_TEMP_CONST ||
                        op->args[2] == op->args[0])) {
        ia = 2;
        ib = 1;
    }
    TCGTemp *a = arg_temp(s, op->args[ia]);
    TCGTemp *b = arg_temp(s, op->args[ib]);
    bool a_scratch;

    /*
     * g = g +/- imm on a global that is not in a register (block-end counters such as
     * minstret): one read-modify-write of its memory home instead of load, add, store.
     */
    if ((alu == ALU_ADD || alu == ALU_SUB) && !is_mul && !w32 && a == d &&
        d->kind == TCG_TEMP_GLOBAL && d->val_type == TEMP_VAL_MEM && temp_is_imm32(b)) {
        emit_alu_mi(code, alu, TCG_REG_ENV, d->mem_offset, (int32_t)b->val, false);
        d->mem_coherent = 1;
        return;
    }

    /* 0 - b: a negation of b. */
    if (alu == ALU_SUB && !is_mul && a->kind == TCG_TEMP_CONST && a->val == 0) {
        bool b_scratch;
        X86Reg rb = temp_load_ex(s, b, ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV), &b_scratch);
        X86Reg rd = reusable_input(s, op, ib, b_scratch) ? rb : reg_alloc(s, ALL_ALLOCATABLE);
        emit_mov_rr(code, rd, rb);
        emit_unary(code, UN_NEG, rd, w32);
        if (w32) {
            emit_ext(code, OPC_MOVSLQ, rd, rd);
        }
        set_output(s, d, rd);
        return;
    }
    X86Reg ra = temp_load_ex(s, a, ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV), &a_scratch);
    bool reuse = reusable_input(s, op, ia, a_scratch);
    X86Reg rd;

    if (is_mul && temp_is_imm32(b)) {
        rd = reuse ? ra : reg_alloc(s, ALL_ALLOCATABLE);
        emit_imul_rri(code, rd, ra, (int32_t)b->val, w32);
    } else {
        bool b_imm = !is_mul && temp_is_imm32(b);
        X86Reg rb = b_imm ? X86_NO_REG : temp_load(s, b);
        if (reuse) {
            rd = ra;
        } else if (alu == ALU_ADD && !is_mul) {
            /* A three-operand add: one lea instead of mov + add. */
            rd = reg_alloc(s, ALL_ALLOCATABLE);
            if (b_imm) {
                emit_modrm_sib(code, OPC_LEA | (w32 ? 0 : OPC_W), rd, ra, X86_NO_REG, 0,
                               (int32_t)b->val);
            } else {
                emit_modrm_sib(code, OPC_LEA | (w32 ? 0 : OPC_W), rd, ra, rb, 0, 0);
            }
            if (w32) {
                emit_ext(code, OPC_MOVSLQ, rd, rd);
            }
            set_output(s, d, rd);
            return;
        } else {
            rd = reg_alloc(s, ALL_ALLOCATABLE);
            emit_mov_rr(code, rd, ra);
        }
        if (b_imm && alu == ALU_XOR && b->val == -1) {
            emit_unary(code, UN_NOT, rd, w32);
        } else if (b_imm) {
            emit_alu_ri(code, alu, rd, b->val, w32);
        } else if (is_mul) {
            emit_imul_rr(code, rd, rb, w32);
        } else {
            emit_alu_rr(code, alu, rd, rb, w32);
        }
    }
    if (w32) {
        emit_ext(code, OPC_MOVSLQ, rd, rd);
    }
    set_output(s, d, rd);
}

/* d = a shift b; variable counts go through CL. */
static void gen_shift(TCGContext *s, TCGOp *op, X86Shift sh, bool w32)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *a = arg_temp(s, op->args[1]);
    TCGTemp *b = arg_temp(s, op->args[2]);
    bool a_scratch;

    if (b->kind == TCG_TEMP_CONST) {
        X86Reg ra = temp_load_ex(s, a, ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV), &a_scratch);
        X86Reg rd = ra;
        if (!reusable_input(s, op, 1, a_scratch)) {
            rd = reg_alloc(s, ALL_ALLOCATABLE);
            emit_mov_rr(code, rd, ra);
        }
        unsigned count = (unsigned)b->val & (w32 ? 31 : 63);
        if (count) {
            emit_shift_ri(code, sh, rd, count, w32);
        } else if (w32) {
            emit_mov_rr32(code, rd, rd); /* a 32-bit op still truncates */
        }
        /* A 32-bit logical right shift by 1..31 clears bit 31: its zero extension (what
         * every 32-bit op does) is already the sign extension. */
        if (w32 && !(sh == SHIFT_SHR && count)) {
            emit_ext(code, OPC_MOVSLQ, rd, rd);
        }
        set_output(s, d, rd);
        return;
    }
    /* The count must be in RCX: take RCX for b, then compute in a register other than RCX. */
    if (b->val_type != TEMP_VAL_REG || b->reg != RCX) {
        reg_evict(s, RCX);
    }
    X86Reg rb = temp_load_ex(s, b, REG_BIT(RCX), NULL);
    g_assert(rb == RCX);
    X86Reg ra = temp_load_ex(s, a, (ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV)), &a_scratch);
    X86Reg rd;
    if (ra != RCX && reusable_input(s, op, 1, a_scratch) && op->args[2] != op->args[0]) {
        rd = ra;
    } else {
        rd = reg_alloc(s, ALL_ALLOCATABLE & ~REG_BIT(RCX));
        emit_mov_rr(code, rd, ra);
    }
    emit_shift_cl(code, sh, rd, w32);
    if (w32) {
        emit_ext(code, OPC_MOVSLQ, rd, rd);
    }
    set_output(s, d, rd);
}

static void gen_unary(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *a = arg_temp(s, op->args[1]);
    bool a_scratch;
    X86Reg ra = temp_load_ex(s, a, ALL_ALLOCATABLE | REG_BIT(TCG_REG_ENV), &a_scratch);
    X86Reg rd = reusable_input(s, op, 1, a_scratch) ? ra : reg_alloc(s, ALL_ALLOCATABLE);

    switch (op->opc) {
    case INDEX_op_mov:
        emit_mov_rr(code, rd, ra);
        break;
    case INDEX_op_neg:
        emit_mov_rr(code, rd, ra);
        emit_unary(code, UN_NEG, rd, false);
        break;
    case INDEX_op_not:
        emit_mov_rr(code, rd, ra);
        emit_unary(code, UN_NOT, rd, false);
        break;
    case INDEX_op_ext8s:
        emit_ext(code, OPC_MOVSBQ, rd, ra);
        break;
    case INDEX_op_ext8u:
        emit_ext(code, OPC_MOVZBL, rd, ra);
        break;
    case INDEX_op_ext16s:
        emit_ext(code, OPC_MOVSWQ, rd, ra);
        break;
    case INDEX_op_ext16u:
        emit_ext(code, OPC_MOVZWL, rd, ra);
        break;
    case INDEX_op_ext32s:
        emit_ext(code, OPC_MOVSLQ, rd, ra);
        break;
    case INDEX_op_ext32u:
        emit_mov_rr32(code, rd, ra);
        break;
    default:
        g_assert_not_reached();
    }
    set_output(s, d, rd);
}

/* mov: constants and dying temps move without code when possible. */
static void gen_mov(TCGContext *s, TCGOp *op)
{
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *a = arg_temp(s, op->args[1]);

    if (a->kind == TCG_TEMP_CONST) {
        X86Reg rd = d->val_type == TEMP_VAL_REG ? d->reg : reg_alloc(s, ALL_ALLOCATABLE);
        emit_movi(&s->be->code, rd, (uint64_t)a->val);
        set_output(s, d, rd);
        return;
    }
    gen_unary(s, op);
}

/* High part of a 64x64 product, via the one-operand MUL/IMUL into RDX:RAX. */
static void gen_mulh(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGBackendState *be = s->be;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *a = arg_temp(s, op->args[1]);
    TCGTemp *b = arg_temp(s, op->args[2]);

    be->locked |= REG_BIT(RAX) | REG_BIT(RDX);
    reg_evict(s, RAX);
    reg_evict(s, RDX);
    X86Reg ra = temp_load_ex(s, a, ALL_ALLOCATABLE & ~(REG_BIT(RAX) | REG_BIT(RDX)), NULL);
    X86Reg rb = temp_load_ex(s, b, ALL_ALLOCATABLE & ~(REG_BIT(RAX) | REG_BIT(RDX)), NULL);
    emit_mov_rr(code, RAX, ra);
    emit_unary(code, op->opc == INDEX_op_mulsh ? UN_IMUL : UN_MUL, rb, false);
    if (op->opc == INDEX_op_mulsuh) {
        /* signed a * unsigned b = unsigned product - (a < 0 ? b << 64 : 0) */
        emit_mov_rr(code, RAX, ra);
        emit_shift_ri(code, SHIFT_SAR, RAX, 63, false);
        emit_alu_rr(code, ALU_AND, RAX, rb, false);
        emit_alu_rr(code, ALU_SUB, RDX, RAX, false);
    }
    set_output(s, d, RDX);
}

/* Division with RISC-V results for a zero divisor and for MIN / -1 (x86 would trap). */
static void gen_div(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGBackendState *be = s->be;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *a = arg_temp(s, op->args[1]);
    TCGTemp *b = arg_temp(s, op->args[2]);
    bool w32 = op->opc >= INDEX_op_div_w;
    TCGOpcode base = w32 ? op->opc - INDEX_op_div_w + INDEX_op_div : op->opc;
    bool is_signed = base == INDEX_op_div || base == INDEX_op_rem;
    bool want_rem = base == INDEX_op_rem || base == INDEX_op_remu;

    be->locked |= REG_BIT(RAX) | REG_BIT(RDX);
    reg_evict(s, RAX);
    reg_evict(s, RDX);
    X86Reg ra = temp_load_ex(s, a, ALL_ALLOCATABLE & ~(REG_BIT(RAX) | REG_BIT(RDX)), NULL);
    X86Reg rb = temp_load_ex(s, b, ALL_ALLOCATABLE & ~(REG_BIT(RAX) | REG_BIT(RDX)), NULL);

    if (w32) {
        emit_mov_rr32(code, RAX, ra);
    } else {
        emit_mov_rr(code, RAX, ra);
    }
    emit_test_rr(code, rb, rb, w32);
    size_t to_zero = emit_jcc8(code, X86_CC_E);
    size_t to_m1 = 0;
    if (is_signed) {
        emit_alu_ri(code, ALU_CMP, rb, -1, w32);
        to_m1 = emit_jcc8(code, X86_CC_E);
        emit_sign_extend_rax(code, w32);
        emit_unary(code, UN_IDIV, rb, w32);
    } else {
        emit_zero(code, RDX);
        emit_unary(code, UN_DIV, rb, w32);
    }
    size_t done1 = emit_jmp8(code);
    /* b == 0: quotient all ones, remainder the dividend */
    patch_rel8_here(code, to_zero);
    emit_mov_rr(code, RDX, RAX);
    emit_movi(code, RAX, UINT64_MAX);
    size_t done2 = 0;
    if (is_signed) {
        done2 = emit_jmp8(code);
        /* b == -1: quotient -a (MIN stays MIN), remainder 0 */
        patch_rel8_here(code, to_m1);
        emit_unary(code, UN_NEG, RAX, w32);
        emit_zero(code, RDX);
    }
    patch_rel8_here(code, done1);
    if (is_signed) {
        patch_rel8_here(code, done2);
    }
    X86Reg res = want_rem ? RDX : RAX;
    if (w32) {
        emit_ext(code, OPC_MOVSLQ, res, res);
    }
    set_output(s, d, res);
}

static void gen_setcond(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGCond c = (TCGCond)op->args[3];

    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);
        emit_movi(code, rd, c == TCG_COND_ALWAYS);
        set_output(s, d, rd);
        return;
    }
    /* Allocate before comparing: nothing may clobber the flags in between. */
    X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);
    c = emit_compare(s, arg_temp(s, op->args[1]), arg_temp(s, op->args[2]), c);
    emit_setcc(code, cond_to_x86(c), rd);
    emit_ext(code, OPC_MOVZBL, rd, rd);
    set_output(s, d, rd);
}

static void gen_movcond(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGTemp *v1 = arg_temp(s, op->args[3]);
    TCGTemp *v2 = arg_temp(s, op->args[4]);
    TCGCond c = (TCGCond)op->args[5];

    X86Reg r1 = temp_load(s, v1);
    X86Reg r2 = temp_load(s, v2);
    X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);
    emit_mov_rr(code, rd, r2);
    if (c == TCG_COND_ALWAYS) {
        emit_mov_rr(code, rd, r1);
    } else if (c != TCG_COND_NEVER) {
        c = emit_compare(s, arg_temp(s, op->args[1]), arg_temp(s, op->args[2]), c);
        emit_cmov(code, cond_to_x86(c), rd, r1);
    }
    set_output(s, d, rd);
}

static void label_reference(TCGContext *s, TCGArg label, size_t rel32_at)
{
    TCGLabelInfo *l = &s->labels[label];
    X86Code *code = &s->be->code;

    if (l->host_offset >= 0) {
        patch_rel32(code, rel32_at, (size_t)l->host_offset);
        return;
    }
    if (s->nb_relocs + 1 > s->relocs_cap) {
        s->relocs_cap = s->relocs_cap ? s->relocs_cap * 2 : 64;
        s->relocs = g_renew(TCGReloc, s->relocs, s->relocs_cap);
    }
    TCGReloc *r = &s->relocs[s->nb_relocs];
    r->code_offset = (uint32_t)rel32_at;
    r->next = l->first_reloc;
    l->first_reloc = s->nb_relocs++;
}

/* Saves the allocator state at a brcond to the label it is the only way into. */
static void snapshot_take(TCGContext *s, TCGArg label)
{
    TCGBackendState *be = s->be;

    if (be->snap_cap < s->nb_temps) {
        be->snap_cap = s->nb_temps;
        be->snap_temps = g_renew(TempSnap, be->snap_temps, be->snap_cap);
    }
    for (uint32_t i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        be->snap_temps[i] = (TempSnap){t->val_type, t->reg, t->mem_coherent, t->mem_offset};
    }
    memcpy(be->snap_reg_to_temp, be->reg_to_temp, sizeof(be->reg_to_temp));
    be->snap_label = (int64_t)label;
}

/*
 * Back to the state saved at the brcond, for globals and locals. Frame slots are not
 * rolled back: a local keeps the slot it got since (other paths to later labels store
 * it there), its snapshot coherence says whether that copy is current. Normal temps do
 * not live across labels: they die here as at any label.
 */
static void snapshot_restore(TCGContext *s)
{
    TCGBackendState *be = s->be;

    for (uint32_t i = 0; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        if (t->kind == TCG_TEMP_GLOBAL || t->kind == TCG_TEMP_LOCAL) {
            t->val_type = be->snap_temps[i].val_type;
            t->reg = be->snap_temps[i].reg;
            t->mem_coherent = be->snap_temps[i].mem_coherent;
        } else if (t->kind == TCG_TEMP_NORMAL) {
            temp_dead(s, t);
        }
    }
    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->snap_reg_to_temp[r];
        be->reg_to_temp[r] = id && s->temps[id].kind != TCG_TEMP_NORMAL ? id : 0;
    }
    be->snap_label = -1;
}

static void gen_set_label(TCGContext *s, TCGOp *op)
{
    TCGLabelInfo *l = &s->labels[op->args[0]];
    X86Code *code = &s->be->code;

    if (s->be->snap_label == (int64_t)op->args[0]) {
        /* Only reached by the brcond that saved the state: registers still hold it. */
        snapshot_restore(s);
    } else {
        sync_globals(s, true);
        forget_registers(s);
    }
    l->host_offset = (int32_t)code->pos;
    for (uint32_t r = l->first_reloc; r; r = s->relocs[r].next) {
        patch_rel32(code, s->relocs[r].code_offset, code->pos);
    }
    l->first_reloc = 0;
}

static void gen_brcond(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGTemp *a = arg_temp(s, op->args[0]);
    TCGTemp *b = arg_temp(s, op->args[1]);
    TCGCond c = (TCGCond)op->args[2];

    if (c == TCG_COND_NEVER) {
        return;
    }
    if (c == TCG_COND_ALWAYS) {
        sync_globals(s, true);
        label_reference(s, op->args[3], emit_jmp32(code));
        return;
    }
    /* Load first, store dirty values, then compare: the stores leave the flags alone. */
    if (a->kind != TCG_TEMP_CONST) {
        temp_load(s, a);
    }
    if (!temp_is_imm32(b)) {
        temp_load(s, b);
    }
    /* A label only this brcond reaches inherits the register state as is: nothing to
     * write back here. The state is taken after the compare, which may evict. */
    bool keep = op->args[3] < s->be->label_cap && s->be->label_single[op->args[3]] &&
                s->be->snap_label < 0 && s->labels[op->args[3]].host_offset < 0;
    if (!keep) {
        sync_globals(s, true);
    }
    c = emit_compare(s, a, b, c);
    if (keep) {
        snapshot_take(s, op->args[3]);
    }
    label_reference(s, op->args[3], emit_jcc32(code, cond_to_x86(c)));
}

static void gen_ld(TCGContext *s, TCGOp *op)
{
    static const int opc[] = {
        [INDEX_op_ld8u - INDEX_op_ld8u] = OPC_MOVZBL,
        [INDEX_op_ld8s - INDEX_op_ld8u] = OPC_MOVSBQ,
        [INDEX_op_ld16u - INDEX_op_ld8u] = OPC_MOVZWL,
        [INDEX_op_ld16s - INDEX_op_ld8u] = OPC_MOVSWQ,
        [INDEX_op_ld32u - INDEX_op_ld8u] = OPC_MOV_LOAD,
        [INDEX_op_ld32s - INDEX_op_ld8u] = OPC_MOVSLQ,
        [INDEX_op_ld64 - INDEX_op_ld8u] = OPC_MOV_LOAD | OPC_W,
    };
    TCGTemp *d = arg_temp(s, op->args[0]);
    X86Reg base = temp_load(s, arg_temp(s, op->args[1]));
    X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);

    emit_load(&s->be->code, opc[op->opc - INDEX_op_ld8u] & ~OPC_BYTE, rd, base,
              (int32_t)op->args[2]);
    set_output(s, d, rd);
}

static void gen_st(TCGContext *s, TCGOp *op)
{
    unsigned size = op->opc - INDEX_op_st8;
    X86Reg val = temp_load(s, arg_temp(s, op->args[0]));
    X86Reg base = temp_load(s, arg_temp(s, op->args[1]));

    emit_store_sized(&s->be->code, size, val, base, X86_NO_REG, (int32_t)op->args[2]);
}

/* ---- soft-MMU ---- */

/* Guest loads by [signed][size log2]: the host instruction that loads (or, register to
 * register, extends) the value to 64 bits. */
static const int load_opc[2][4] = {
    {OPC_MOVZBL, OPC_MOVZWL, OPC_MOV_LOAD, OPC_MOV_LOAD | OPC_W},
    {OPC_MOVSBQ, OPC_MOVSWQ, OPC_MOVSLQ, OPC_MOV_LOAD | OPC_W},
};

static int32_t tlb_offset(TCGContext *s, unsigned mmu_idx)
{
    return s->be->common_off + (int32_t)offsetof(TCGCPUCommon, tlb) +
           (int32_t)(mmu_idx * TCG_TLB_SIZE * sizeof(TCGTLBEntry));
}

static SlowPath *slow_path_new(TCGContext *s)
{
    TCGBackendState *be = s->be;

    if (be->nb_slow == be->slow_cap) {
        be->slow_cap = be->slow_cap ? be->slow_cap * 2 : 16;
        be->slow = g_renew(SlowPath, be->slow, be->slow_cap);
    }
    SlowPath *sp = &be->slow[be->nb_slow++];
    memset(sp, 0, sizeof(*sp));
    sp->entry_reg = X86_NO_REG;
    sp->check_reg = X86_NO_REG;
    return sp;
}

/* Records what the slow path must preserve: dirty globals (written to env there, so the
 * guest state is precise if it raises) and caller-saved registers in use. */
static void slow_path_capture(TCGContext *s, SlowPath *sp, X86Reg exclude)
{
    TCGBackendState *be = s->be;

    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->reg_to_temp[r];
        if (!id || r == TCG_REG_ENV) {
            continue;
        }
        TCGTemp *t = &s->temps[id];
        if (t->kind == TCG_TEMP_GLOBAL && !t->mem_coherent && (X86Reg)r != exclude) {
            sp->dirty_reg[sp->nb_dirty] = (uint8_t)r;
            sp->dirty_off[sp->nb_dirty++] = t->mem_offset;
        }
        if ((CALLER_SAVED & REG_BIT(r)) && (X86Reg)r != exclude) {
            sp->save_regs |= REG_BIT(r);
        }
    }
    /* Registers this op holds that are not temps (addresses, values) survive too. */
    sp->save_regs |= be->locked & CALLER_SAVED & ~(exclude >= 0 ? REG_BIT(exclude) : 0);
}

/*
 * Fast path: index the TLB with the page number, compare the tag with the address (page
 * bits plus the low bits that make a misaligned access miss), add the entry's addend.
 * Leaves `entry` = host address - guest address; jumps to a slow path on a miss.
 */
static void emit_tlb_lookup(TCGContext *s, SlowPath *sp, X86Reg addr, int32_t off,
                            X86Reg entry, bool is_store)
{
    X86Code *code = &s->be->code;
    TCGMemOp mop = tcg_memop_idx_op(sp->oi);
    unsigned mmu_idx = tcg_memop_idx_mmu(sp->oi);
    unsigned size_log2 = mop & MO_SIZE;
    unsigned entry_shift = __builtin_ctz(sizeof(TCGTLBEntry));

    g_assert(mmu_idx < TCG_MMU_IDX_MAX);
    if (off) {
        /* The address is formed twice rather than kept: addr stays valid. */
        emit_lea(code, entry, addr, X86_NO_REG, 0, off);
        emit_lea(code, TCG_REG_TMP, addr, X86_NO_REG, 0, off);
    } else {
        emit_mov_rr(code, entry, addr);
        emit_mov_rr(code, TCG_REG_TMP, addr);
    }
    emit_shift_ri(code, SHIFT_SHR, entry, TCG_PAGE_BITS - entry_shift, false);
    emit_alu_ri(code, ALU_AND, entry, (TCG_TLB_SIZE - 1) << entry_shift, true);
    emit_alu_ri(code, ALU_AND, TCG_REG_TMP,
                (int64_t)(TCG_PAGE_MASK | ((UINT64_C(1) << size_log2) - 1)), false);
    /* [env + entry + disp]: the entry's fields without forming its address. */
    emit_modrm_sib(code, ((ALU_CMP << 3) | 3) | OPC_W, TCG_REG_TMP, TCG_REG_ENV, entry, 0,
                   tlb_offset(s, mmu_idx) +
                       (is_store ? (int32_t)offsetof(TCGTLBEntry, addr_write)
                                 : (int32_t)offsetof(TCGTLBEntry, addr_read)));
    sp->jcc_at = emit_jcc32(code, X86_CC_NE);
    emit_modrm_sib(code, OPC_MOV_LOAD | OPC_W, entry, TCG_REG_ENV, entry, 0,
                   tlb_offset(s, mmu_idx) + (int32_t)offsetof(TCGTLBEntry, addend));
}

/*
 * tlb_check: index the TLB with the window's first byte, compare the tags with the page
 * of its last S-aligned unit plus its alignment bits (a window across two pages misses:
 * adjacent pages never share an entry), and take the addend; 0 on any mismatch.
 */
static void gen_tlb_check(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGMemOpIdx oi = (TCGMemOpIdx)op->args[2];
    unsigned access = (unsigned)op->args[3];
    int32_t lo = (int32_t)op->args[4], hi = (int32_t)op->args[5];
    unsigned mmu_idx = tcg_memop_idx_mmu(oi);
    unsigned size_log2 = tcg_memop_idx_op(oi) & MO_SIZE;
    unsigned entry_shift = __builtin_ctz(sizeof(TCGTLBEntry));
    int32_t tlb = tlb_offset(s, mmu_idx);
    unsigned nb_cmp = 0;

    g_assert(mmu_idx < TCG_MMU_IDX_MAX);
    X86Reg addr = temp_load(s, arg_temp(s, op->args[1]));
    X86Reg a = reg_alloc(s, ALL_ALLOCATABLE);
    SlowPath *sp = slow_path_new(s);
    sp->check_reg = a;

    emit_lea_or_mov(code, a, addr, lo);
    emit_shift_ri(code, SHIFT_SHR, a, TCG_PAGE_BITS - entry_shift, false);
    emit_alu_ri(code, ALU_AND, a, (TCG_TLB_SIZE - 1) << entry_shift, true);
    emit_lea(code, TCG_REG_TMP, addr, X86_NO_REG, 0, hi);
    emit_alu_ri(code, ALU_AND, TCG_REG_TMP,
                (int64_t)(TCG_PAGE_MASK | ((UINT64_C(1) << size_log2) - 1)), false);
    if (access & TCG_TLB_CHECK_READ) {
        emit_modrm_sib(code, ((ALU_CMP << 3) | 3) | OPC_W, TCG_REG_TMP, TCG_REG_ENV, a, 0,
                       tlb + (int32_t)offsetof(TCGTLBEntry, addr_read));
        sp->check_jcc_at[nb_cmp++] = emit_jcc32(code, X86_CC_NE);
    }
    if (access & TCG_TLB_CHECK_WRITE) {
        emit_modrm_sib(code, ((ALU_CMP << 3) | 3) | OPC_W, TCG_REG_TMP, TCG_REG_ENV, a, 0,
                       tlb + (int32_t)offsetof(TCGTLBEntry, addr_write));
        sp->check_jcc_at[nb_cmp++] = emit_jcc32(code, X86_CC_NE);
    }
    g_assert(nb_cmp > 0);
    emit_modrm_sib(code, OPC_MOV_LOAD | OPC_W, a, TCG_REG_ENV, a, 0,
                   tlb + (int32_t)offsetof(TCGTLBEntry, addend));
    sp->back_to = code->pos;
    set_output(s, arg_temp(s, op->args[0]), a);
}

static void gen_qemu_ld(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGTemp *d = arg_temp(s, op->args[0]);
    TCGMemOpIdx oi = (TCGMemOpIdx)op->args[op->nb_oargs + op->nb_iargs];
    TCGMemOp mop = tcg_memop_idx_op(oi);

    bool grouped = op->opc == INDEX_op_qemu_ld_a;
    X86Reg addr = temp_load(s, arg_temp(s, op->args[1]));
    X86Reg addend = grouped ? temp_load(s, arg_temp(s, op->args[2])) : X86_NO_REG;
    /* The output register doubles as the TLB entry pointer. */
    X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);
    SlowPath *sp = slow_path_new(s);
    sp->oi = oi;
    sp->addr_reg = addr;
    sp->val_reg = rd;
    slow_path_capture(s, sp, rd);
    if (grouped) {
        /* The group's check passed (addend != 0) or the full lookup runs out of line. */
        sp->addr_off = (int32_t)op->args[op->nb_oargs + op->nb_iargs + 1];
        emit_test_rr(code, addend, addend, false);
        sp->full_at = emit_jcc32(code, X86_CC_E);
        emit_modrm_sib(code, load_opc[!!(mop & MO_SIGN)][mop & MO_SIZE] & ~OPC_BYTE, rd, addr,
                       addend, 0, sp->addr_off);
    } else {
        emit_tlb_lookup(s, sp, addr, 0, rd, false);
        emit_modrm_sib(code, load_opc[!!(mop & MO_SIGN)][mop & MO_SIZE] & ~OPC_BYTE, rd, addr,
                       rd, 0, 0);
    }
    sp->back_to = code->pos;
    set_output(s, d, rd);
}

/* The host store of a guest store: the value's register or its constant. */
static void emit_store(X86Code *code, const SlowPath *sp, X86Reg base, X86Reg index,
                       int32_t disp)
{
    unsigned size_log2 = tcg_memop_idx_op(sp->oi) & MO_SIZE;

    if (sp->val_reg == X86_NO_REG) {
        emit_store_imm_sized(code, size_log2, (int32_t)sp->val_const, base, index, disp);
    } else {
        emit_store_sized(code, size_log2, sp->val_reg, base, index, disp);
    }
}

static void gen_qemu_st(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGMemOpIdx oi = (TCGMemOpIdx)op->args[op->nb_oargs + op->nb_iargs];
    TCGMemOp mop = tcg_memop_idx_op(oi);
    bool grouped = op->opc == INDEX_op_qemu_st_a;
    TCGTemp *vt = arg_temp(s, op->args[0]);
    /* A constant (x0 above all) is stored as an immediate: no register for it. */
    bool imm = vt->val_type == TEMP_VAL_CONST && ((mop & MO_SIZE) < MO_64 || fits_i32(vt->val));

    X86Reg val = imm ? X86_NO_REG : temp_load(s, vt);
    X86Reg addr = temp_load(s, arg_temp(s, op->args[1]));
    X86Reg addend = grouped ? temp_load(s, arg_temp(s, op->args[2])) : X86_NO_REG;
    X86Reg entry = reg_alloc(s, ALL_ALLOCATABLE);
    SlowPath *sp = slow_path_new(s);
    sp->is_store = true;
    sp->oi = oi;
    sp->addr_reg = addr;
    sp->val_reg = val;
    sp->val_const = vt->val;
    sp->entry_reg = entry;
    slow_path_capture(s, sp, X86_NO_REG);
    sp->save_regs &= ~REG_BIT(entry);
    if (grouped) {
        sp->addr_off = (int32_t)op->args[op->nb_oargs + op->nb_iargs + 1];
        emit_test_rr(code, addend, addend, false);
        sp->full_at = emit_jcc32(code, X86_CC_E);
        emit_store(code, sp, addr, addend, sp->addr_off);
    } else {
        emit_tlb_lookup(s, sp, addr, 0, entry, true);
        emit_store(code, sp, addr, entry, 0);
    }
    sp->back_to = code->pos;
}

static void emit_call_abs(X86Code *code, const void *fn)
{
    emit_movi(code, TCG_REG_TMP, (uintptr_t)fn);
    emit_call_r(code, TCG_REG_TMP);
}

/* A slow path's way in: dirty globals to env (the guest state is precise if the call
 * raises), the caller-saved registers in use pushed, rsp kept 16-aligned. Returns how
 * many registers it pushed into saved. */
static unsigned slow_path_save(TCGContext *s, const SlowPath *sp, X86Reg saved[NB_HOST_REGS])
{
    X86Code *code = &s->be->code;
    unsigned nb_saved = 0;

    for (unsigned i = 0; i < sp->nb_dirty; i++) {
        emit_st64(code, sp->dirty_reg[i], TCG_REG_ENV, sp->dirty_off[i]);
    }
    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        if (sp->save_regs & REG_BIT(r)) {
            saved[nb_saved++] = (X86Reg)r;
            emit_push(code, (X86Reg)r);
        }
    }
    if (nb_saved & 1) {
        emit_alu_ri(code, ALU_SUB, RSP, 8, false);
    }
    return nb_saved;
}

/* Its way out: the pushed registers back, then to where the fast path goes on. */
static void slow_path_restore(TCGContext *s, const SlowPath *sp, const X86Reg *saved,
                              unsigned nb_saved)
{
    X86Code *code = &s->be->code;

    if (nb_saved & 1) {
        emit_alu_ri(code, ALU_ADD, RSP, 8, false);
    }
    while (nb_saved) {
        emit_pop(code, saved[--nb_saved]);
    }
    patch_rel32(code, emit_jmp32(code), sp->back_to);
}

static void emit_slow_path(TCGContext *s, SlowPath *sp)
{
    TCGBackendState *be = s->be;
    X86Code *code = &be->code;
    TCGMemOp mop = tcg_memop_idx_op(sp->oi);
    X86Reg saved[NB_HOST_REGS];
    unsigned nb_saved;

    if (sp->check_reg != X86_NO_REG) {
        /* A failed tlb_check: addend 0, the accesses look up one by one. */
        for (unsigned i = 0; i < 2 && sp->check_jcc_at[i]; i++) {
            patch_rel32(code, sp->check_jcc_at[i], code->pos);
        }
        emit_zero(code, sp->check_reg);
        patch_rel32(code, emit_jmp32(code), sp->back_to);
        return;
    }
    if (sp->full_at) {
        /* The full lookup of a grouped access whose check failed; as inline for others. */
        patch_rel32(code, sp->full_at, code->pos);
        if (sp->is_store) {
            emit_tlb_lookup(s, sp, sp->addr_reg, sp->addr_off, sp->entry_reg, true);
            emit_store(code, sp, sp->addr_reg, sp->entry_reg, sp->addr_off);
        } else {
            emit_tlb_lookup(s, sp, sp->addr_reg, sp->addr_off, sp->val_reg, false);
            emit_modrm_sib(code, load_opc[!!(mop & MO_SIGN)][mop & MO_SIZE] & ~OPC_BYTE,
                           sp->val_reg, sp->addr_reg, sp->val_reg, 0, sp->addr_off);
        }
        patch_rel32(code, emit_jmp32(code), sp->back_to);
    }
    patch_rel32(code, sp->jcc_at, code->pos);
    nb_saved = slow_path_save(s, sp, saved);
    emit_alu_mi(code, ALU_ADD, TCG_REG_ENV,
                be->common_off + (int32_t)(offsetof(TCGCPUCommon, stats) +
                                           offsetof(TCGCPUStats, tlb_misses)),
                1, false);
    /* Arguments: env, addr, [value,] oi, retaddr; TMP breaks any register cycle. */
    if (sp->is_store && sp->val_reg == X86_NO_REG) {
        emit_lea_or_mov(code, RSI, sp->addr_reg, sp->addr_off);
        emit_movi(code, RDX, (uint64_t)sp->val_const);
        emit_movi(code, RCX, sp->oi);
    } else if (sp->is_store) {
        emit_mov_rr(code, TCG_REG_TMP, sp->val_reg);
        emit_lea_or_mov(code, RSI, sp->addr_reg, sp->addr_off);
        emit_mov_rr(code, RDX, TCG_REG_TMP);
        emit_movi(code, RCX, sp->oi);
    } else {
        emit_lea_or_mov(code, RSI, sp->addr_reg, sp->addr_off);
        emit_movi(code, RDX, sp->oi);
    }
    emit_mov_rr(code, RDI, TCG_REG_ENV);
    X86Reg ra_reg = sp->is_store ? R8 : RCX;
    size_t disp_at = emit_modrm_rip(code, OPC_LEA | OPC_W, ra_reg);
    patch_rel32(code, disp_at, sp->back_to);
    emit_call_abs(code, sp->is_store ? be->rt->store_slow : be->rt->load_slow);
    if (!sp->is_store) {
        emit_ext(code, load_opc[!!(mop & MO_SIGN)][mop & MO_SIZE], sp->val_reg, RAX);
    }
    slow_path_restore(s, sp, saved, nb_saved);
}

/* ---- host floating point (fpop) ---- */

bool tcg_host_has_fma(void)
{
    static int has = -1;

    if (__atomic_load_n(&has, __ATOMIC_RELAXED) < 0) {
        __builtin_cpu_init();
        __atomic_store_n(&has, __builtin_cpu_supports("fma") ? 1 : 0, __ATOMIC_RELAXED);
    }
    return has == 1;
}

static void fp_jump_to_slow(TCGContext *s, SlowPath *sp, X86Cond cc)
{
    g_assert(sp->nb_fp_jcc < G_N_ELEMENTS(sp->fp_jcc_at));
    sp->fp_jcc_at[sp->nb_fp_jcc++] = emit_jcc32(&s->be->code, cc);
}

/* Jumps to the fallback unless the float in `r` (binary64, or binary32 in the low half) is
 * normal and finite: biased exponent in [1, max - 1]. Clobbers TMP and the flags. */
static void fp_check_normal(TCGContext *s, SlowPath *sp, X86Reg r, bool dbl)
{
    X86Code *code = &s->be->code;

    if (dbl) {
        emit_lea(code, TCG_REG_TMP, r, r, 0, 0); /* drop the sign */
        emit_shift_ri(code, SHIFT_SHR, TCG_REG_TMP, 53, false);
        emit_alu_ri(code, ALU_SUB, TCG_REG_TMP, 1, true);
        emit_alu_ri(code, ALU_CMP, TCG_REG_TMP, 0x7fd, true);
    } else {
        emit_mov_rr32(code, TCG_REG_TMP, r);
        emit_shift_ri(code, SHIFT_SHL, TCG_REG_TMP, 1, true);
        emit_shift_ri(code, SHIFT_SHR, TCG_REG_TMP, 24, true);
        emit_alu_ri(code, ALU_SUB, TCG_REG_TMP, 1, true);
        emit_alu_ri(code, ALU_CMP, TCG_REG_TMP, 0xfd, true);
    }
    fp_jump_to_slow(s, sp, X86_CC_A);
}

/* Sets the upper 32 bits of r (NaN-boxing a binary32 result). Clobbers TMP. */
static void fp_box(TCGContext *s, X86Reg r)
{
    emit_movi(&s->be->code, TCG_REG_TMP, UINT64_C(0xffffffff00000000));
    emit_alu_rr(&s->be->code, ALU_OR, r, TCG_REG_TMP, false);
}

/*
 * With fflags.NX clear, a fast-path result is only good when exact (no flag at all). For
 * the kinds that can tell cheaply (exact_capable()), generated code tests NX after the
 * computation and, when it is clear, checks exactness here: xmm0 holds the result (the
 * converted value for conversions to integer), rd the result bits, TMP the biased
 * exponent - 1 left by fp_check_normal. Anything inexact goes to the fallback.
 */
static bool exact_capable(unsigned kind)
{
    return kind == TCG_FP_ADD || kind == TCG_FP_SUB ||
           (kind == TCG_FP_MUL && tcg_host_has_fma()) || kind == TCG_FP_TO_I32 ||
           kind == TCG_FP_TO_I64 || kind == TCG_FP_FROM_I32 || kind == TCG_FP_FROM_I64;
}

static void fp_check_exact(TCGContext *s, SlowPath *sp, unsigned kind, bool dbl, X86Reg rd,
                           const X86Reg *in)
{
    X86Code *code = &s->be->code;
    bool w32 = !dbl;
    int sub = dbl ? OPC_SUBSD : OPC_SS(OPC_SUBSD), add = dbl ? OPC_ADDSD : OPC_SS(OPC_ADDSD);
    int ucomi = dbl ? OPC_UCOMISD : OPC_SS(OPC_UCOMISD);

    switch (kind) {
    case TCG_FP_ADD:
    case TCG_FP_SUB:
        /* s = a + b is exact iff s - a == b and s - b == a (whichever operand is larger
         * in magnitude, the subtraction of it from s is exact by Sterbenz's lemma, so an
         * inexact s shows). a - b is a + (-b): s + b == a and a - s == b. */
        emit_movq_xr(code, 2, in[0], w32);
        emit_movq_xr(code, 3, in[1], w32);
        emit_movq_xr(code, 4, rd, w32);
        emit_modrm_rr(code, kind == TCG_FP_ADD ? sub : add, 4, kind == TCG_FP_ADD ? 2 : 3);
        emit_modrm_rr(code, ucomi, 4, kind == TCG_FP_ADD ? 3 : 2);
        fp_jump_to_slow(s, sp, X86_CC_NE);
        if (kind == TCG_FP_ADD) {
            emit_movq_xr(code, 4, rd, w32);
            emit_modrm_rr(code, sub, 4, 3);
        } else {
            emit_movq_xr(code, 4, in[0], w32);
            emit_movq_xr(code, 5, rd, w32);
            emit_modrm_rr(code, sub, 4, 5);
        }
        emit_modrm_rr(code, ucomi, 4, kind == TCG_FP_ADD ? 2 : 3);
        fp_jump_to_slow(s, sp, X86_CC_NE);
        break;
    case TCG_FP_MUL:
        /* p = a * b is exact iff fma(a, b, -p) == 0, which is itself exact when p is far
         * enough above the subnormal range (biased exponent >= 64, binary32: >= 32). */
        emit_alu_ri(code, ALU_CMP, TCG_REG_TMP, dbl ? 63 : 31, true);
        fp_jump_to_slow(s, sp, X86_CC_B);
        emit_movq_xr(code, 2, in[0], w32);
        emit_movq_xr(code, 3, in[1], w32);
        emit_movq_xr(code, 4, rd, w32);
        emit_fma231(code, 0xbb, dbl, 4, 2, 3); /* xmm4 = a * b - p */
        emit_movq_rx(code, TCG_REG_TMP, 4, w32);
        emit_shift_ri(code, SHIFT_SHL, TCG_REG_TMP, 1, w32); /* +-0: ZF */
        fp_jump_to_slow(s, sp, X86_CC_NE);
        break;
    case TCG_FP_TO_I32:
    case TCG_FP_TO_I64:
        /* exact iff the integer converts back to the operand (|a| < 2^52 when it has a
         * fraction, so the conversion back is exact) */
        emit_modrm_rr(code, (dbl ? OPC_CVTSI2SD : OPC_SS(OPC_CVTSI2SD)) |
                                (kind == TCG_FP_TO_I64 ? OPC_W : 0), 4, rd);
        emit_modrm_rr(code, ucomi, 4, 0);
        fp_jump_to_slow(s, sp, X86_CC_NE);
        break;
    case TCG_FP_FROM_I32:
    case TCG_FP_FROM_I64:
        /* exact iff the value converts back to the integer (a rounded-up INT64_MAX
         * converts to the "indefinite" INT64_MIN, which differs) */
        emit_modrm_rr(code, (dbl ? OPC_CVTTSD2SI : OPC_SS(OPC_CVTTSD2SI)) |
                                (kind == TCG_FP_FROM_I64 ? OPC_W : 0), TCG_REG_TMP, 0);
        emit_alu_rr(code, ALU_CMP, TCG_REG_TMP, in[0], kind == TCG_FP_FROM_I32);
        fp_jump_to_slow(s, sp, X86_CC_NE);
        break;
    default:
        g_assert_not_reached();
    }
}

/* The NX test of an exact-capable kind: a jump over the exactness check when NX is set. */
static size_t fp_skip_if_nx(TCGContext *s, TCGArg desc)
{
    emit_modrm_mem(&s->be->code, 0xf6, 0, TCG_REG_ENV, (int32_t)((desc >> 16) & 0xffffff));
    emit8(&s->be->code, 1);
    return emit_jcc8(&s->be->code, X86_CC_NE);
}

/*
 * d = a <kind> b [c] with one SSE (or FMA3) instruction on xmm0..xmm2, under the guards of
 * the descriptor; whatever the fast path cannot decide goes to the out-of-line fallback,
 * which computes the exact result and flags from env (see TCGFpKind in tcg/tcg.h). The
 * host MXCSR is the ABI default (round to nearest even, exceptions masked, no FTZ/DAZ);
 * its sticky flags are never read.
 */
static void gen_fpop(TCGContext *s, TCGOp *op)
{
    X86Code *code = &s->be->code;
    TCGArg desc = op->args[4];
    unsigned kind = desc & TCG_FP_KIND_MASK;
    bool dbl = desc & TCG_FP_DOUBLE;
    bool w32 = !dbl;
    bool fma = kind >= TCG_FP_MADD && kind <= TCG_FP_NMADD;
    bool from_int = kind == TCG_FP_FROM_I32 || kind == TCG_FP_FROM_I64;
    unsigned nin = (kind == TCG_FP_SQRT || from_int || kind == TCG_FP_TO_I32 ||
                    kind == TCG_FP_TO_I64) ? 1 : fma ? 3 : 2;
    X86Reg in[3] = {X86_NO_REG, X86_NO_REG, X86_NO_REG};
    bool need_slow = !from_int || (desc & (TCG_FP_GUARD_SET | TCG_FP_GUARD_ZERO));
    SlowPath *sp = NULL;

    for (unsigned i = 0; i < nin; i++) {
        in[i] = temp_load(s, arg_temp(s, op->args[1 + i]));
    }
    X86Reg rd = reg_alloc(s, ALL_ALLOCATABLE);
    if (need_slow) {
        sp = slow_path_new(s);
        sp->val_reg = rd;
        sp->fp_fn = (const void *)(uintptr_t)op->args[5];
        sp->fp_arg = op->args[6];
        slow_path_capture(s, sp, rd);
    }
    bool exact_path = (desc & TCG_FP_GUARD_SET) && exact_capable(kind);
    if ((desc & TCG_FP_GUARD_SET) && !exact_path) {
        emit_modrm_mem(code, 0xf6, 0, TCG_REG_ENV, (int32_t)((desc >> 16) & 0xffffff));
        emit8(code, 1); /* test byte [env + off], 1 */
        fp_jump_to_slow(s, sp, X86_CC_E);
    }
    if (desc & TCG_FP_GUARD_ZERO) {
        emit_modrm_mem(code, 0x80, ALU_CMP, TCG_REG_ENV, (int32_t)((desc >> 40) & 0xffffff));
        emit8(code, 0); /* cmp byte [env + off], 0 */
        fp_jump_to_slow(s, sp, X86_CC_NE);
    }
    if (!dbl && !from_int) {
        /* binary32 operands must be NaN-boxed: all their upper halves ones */
        emit_mov_rr(code, TCG_REG_TMP, in[0]);
        for (unsigned i = 1; i < nin; i++) {
            emit_alu_rr(code, ALU_AND, TCG_REG_TMP, in[i], false);
        }
        emit_shift_ri(code, SHIFT_SHR, TCG_REG_TMP, 32, false);
        emit_alu_ri(code, ALU_CMP, TCG_REG_TMP, -1, true);
        fp_jump_to_slow(s, sp, X86_CC_NE);
    }

    switch (kind) {
    case TCG_FP_ADD:
    case TCG_FP_SUB:
    case TCG_FP_MUL:
    case TCG_FP_DIV:
    case TCG_FP_SQRT: {
        static const int opc[] = {OPC_ADDSD, OPC_SUBSD, OPC_MULSD, OPC_DIVSD, OPC_SQRTSD};
        emit_movq_xr(code, 0, in[0], w32);
        if (kind == TCG_FP_SQRT) {
            emit_modrm_rr(code, dbl ? opc[kind] : OPC_SS(opc[kind]), 0, 0);
        } else {
            emit_movq_xr(code, 1, in[1], w32);
            emit_modrm_rr(code, dbl ? opc[kind] : OPC_SS(opc[kind]), 0, 1);
        }
        emit_movq_rx(code, rd, 0, w32);
        fp_check_normal(s, sp, rd, dbl);
        if (exact_path) {
            size_t skip = fp_skip_if_nx(s, desc);
            fp_check_exact(s, sp, kind, dbl, rd, in);
            patch_rel8_here(code, skip);
        }
        break;
    }
    case TCG_FP_MADD:
    case TCG_FP_MSUB:
    case TCG_FP_NMSUB:
    case TCG_FP_NMADD: {
        /* vfmadd: a*b+c, vfmsub: a*b-c, vfnmadd: -(a*b)+c, vfnmsub: -(a*b)-c */
        static const uint8_t vop[] = {0xb9, 0xbb, 0xbd, 0xbf};
        emit_movq_xr(code, 0, in[2], w32);
        emit_movq_xr(code, 1, in[0], w32);
        emit_movq_xr(code, 2, in[1], w32);
        emit_fma231(code, vop[kind - TCG_FP_MADD], dbl, 0, 1, 2);
        emit_movq_rx(code, rd, 0, w32);
        fp_check_normal(s, sp, rd, dbl);
        break;
    }
    case TCG_FP_EQ:
    case TCG_FP_LT:
    case TCG_FP_LE: {
        static const X86Cond cc[] = {X86_CC_E, X86_CC_B, X86_CC_BE};
        emit_movq_xr(code, 0, in[0], w32);
        emit_movq_xr(code, 1, in[1], w32);
        emit_modrm_rr(code, dbl ? OPC_UCOMISD : OPC_SS(OPC_UCOMISD), 0, 1);
        fp_jump_to_slow(s, sp, X86_CC_P); /* unordered: a NaN operand */
        emit_setcc(code, cc[kind - TCG_FP_EQ], rd);
        emit_ext(code, OPC_MOVZBL, rd, rd);
        break;
    }
    case TCG_FP_TO_I32:
    case TCG_FP_TO_I64: {
        int opc = (desc & TCG_FP_TRUNC) ? OPC_CVTTSD2SI : OPC_CVTSD2SI;
        bool to64 = kind == TCG_FP_TO_I64;
        emit_movq_xr(code, 0, in[0], w32);
        emit_modrm_rr(code, (dbl ? opc : OPC_SS(opc)) | (to64 ? OPC_W : 0), rd, 0);
        /* The "integer indefinite" MIN result (NaN, out of range, or MIN itself): only
         * x - 1 overflows for x = MIN. */
        emit_alu_ri(code, ALU_CMP, rd, 1, !to64);
        fp_jump_to_slow(s, sp, X86_CC_O);
        if (exact_path) {
            size_t skip = fp_skip_if_nx(s, desc);
            fp_check_exact(s, sp, kind, dbl, rd, in);
            patch_rel8_here(code, skip);
        }
        if (!to64) {
            emit_ext(code, OPC_MOVSLQ, rd, rd);
        }
        break;
    }
    case TCG_FP_FROM_I32:
    case TCG_FP_FROM_I64:
        emit_modrm_rr(code, (dbl ? OPC_CVTSI2SD : OPC_SS(OPC_CVTSI2SD)) |
                                (kind == TCG_FP_FROM_I64 ? OPC_W : 0), 0, in[0]);
        emit_movq_rx(code, rd, 0, w32);
        if (exact_path) {
            size_t skip = fp_skip_if_nx(s, desc);
            fp_check_exact(s, sp, kind, dbl, rd, in);
            patch_rel8_here(code, skip);
        }
        break;
    default:
        g_assert_not_reached();
    }
    if (!dbl && kind != TCG_FP_EQ && kind != TCG_FP_LT && kind != TCG_FP_LE &&
        kind != TCG_FP_TO_I32 && kind != TCG_FP_TO_I64) {
        fp_box(s, rd);
    }
    if (sp) {
        sp->back_to = code->pos;
    }
    set_output(s, arg_temp(s, op->args[0]), rd);
}

static void emit_fp_slow_path(TCGContext *s, SlowPath *sp)
{
    X86Code *code = &s->be->code;
    X86Reg saved[NB_HOST_REGS];
    unsigned nb_saved;

    for (unsigned i = 0; i < sp->nb_fp_jcc; i++) {
        patch_rel32(code, sp->fp_jcc_at[i], code->pos);
    }
    nb_saved = slow_path_save(s, sp, saved);
    emit_mov_rr(code, RDI, TCG_REG_ENV);
    emit_movi(code, RSI, sp->fp_arg);
    size_t disp_at = emit_modrm_rip(code, OPC_LEA | OPC_W, RDX);
    patch_rel32(code, disp_at, sp->back_to);
    emit_call_abs(code, sp->fp_fn);
    emit_mov_rr(code, sp->val_reg, RAX);
    slow_path_restore(s, sp, saved, nb_saved);
}

/* ---- calls ---- */

static void gen_call(TCGContext *s, TCGOp *op)
{
    TCGBackendState *be = s->be;
    X86Code *code = &be->code;
    unsigned no = op->nb_oargs, ni = op->nb_iargs;
    const void *fn = (const void *)(uintptr_t)op->args[no + ni + TCG_CALL_ARG_FUNC];
    unsigned flags = (unsigned)op->args[no + ni + TCG_CALL_ARG_FLAGS];

    /* Globals: written back if the helper may read them, dropped if it may write them. */
    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->reg_to_temp[r];
        if (!id || r == TCG_REG_ENV || s->temps[id].kind != TCG_TEMP_GLOBAL) {
            continue;
        }
        if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
            temp_spill(s, &s->temps[id]);
        } else if (!(flags & TCG_CALL_NO_READ_GLOBALS)) {
            temp_store(s, &s->temps[id]);
        }
    }
    /* Clear argument registers that hold something else, then load the arguments. */
    for (unsigned i = 0; i < ni; i++) {
        be->locked |= REG_BIT(call_arg_regs[i]);
    }
    for (unsigned i = 0; i < ni; i++) {
        X86Reg ar = call_arg_regs[i];
        uint32_t id = be->reg_to_temp[ar];
        if (id && id != op->args[no + i]) {
            reg_evict(s, ar);
        }
    }
    for (unsigned i = 0; i < ni; i++) {
        X86Reg ar = call_arg_regs[i];
        TCGTemp *t = arg_temp(s, op->args[no + i]);
        switch (t->val_type) {
        case TEMP_VAL_REG:
            emit_mov_rr(code, ar, t->reg);
            break;
        case TEMP_VAL_CONST:
            emit_movi(code, ar, (uint64_t)t->val);
            break;
        case TEMP_VAL_MEM:
            emit_ld64(code, ar, temp_mem_base(t), t->mem_offset);
            break;
        default:
            emit_movi(code, ar, 0);
            break;
        }
    }
    /* Inputs that die here need no saving; everything else leaves caller-saved registers. */
    for (unsigned i = 0; i < ni; i++) {
        if (arg_dead(op, no + i)) {
            temp_dead(s, arg_temp(s, op->args[no + i]));
        }
    }
    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        if ((CALLER_SAVED & REG_BIT(r)) && be->reg_to_temp[r]) {
            temp_spill(s, &s->temps[be->reg_to_temp[r]]);
        }
    }
    emit_call_abs(code, fn);
    be->locked = 0;
    if (be->pinned_id && !(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
        TCGTemp *p = &s->temps[be->pinned_id];
        emit_ld64(code, TCG_REG_PINNED, TCG_REG_ENV, p->mem_offset);
        p->mem_coherent = 1;
    }
    if (no) {
        set_output(s, arg_temp(s, op->args[0]), RAX);
    }
}

/* ---- block structure ---- */

static void gen_insn_start(TCGContext *s, TCGOp *op)
{
    if (s->nb_insns + 1 > s->insns_cap) {
        s->insns_cap = s->insns_cap ? s->insns_cap * 2 : 64;
        s->insn_data = g_realloc_n(s->insn_data, s->insns_cap, sizeof(s->insn_data[0]));
        s->insn_end_off = g_renew(uint32_t, s->insn_end_off, s->insns_cap);
    }
    if (s->nb_insns) {
        s->insn_end_off[s->nb_insns - 1] = (uint32_t)s->be->code.pos;
    }
    s->insn_data[s->nb_insns][0] = op->args[0];
    s->insn_data[s->nb_insns][1] = op->args[1];
    s->nb_insns++;
}

/*
 * The back edge of a self-looping block: write back what is dirty, move the loop
 * globals into their loop registers, leave if an exit was requested, then a patchable
 * jump that chaining points at the loop head (tcg_tb_add_jump).
 */
static void gen_loop_back(TCGContext *s, unsigned slot, TCGCodeGenOut *out)
{
    TCGBackendState *be = s->be;
    X86Code *code = &be->code;

    /* Dirty globals go back to env, except the loop globals: they stay in their registers
     * (not stored) until the loop leaves, unless other threads read them (observed,
     * e.g. minstret for query-jit). */
    for (unsigned r = 0; r < NB_HOST_REGS; r++) {
        uint32_t id = be->reg_to_temp[r];
        if (!id || (s->temps[id].kind != TCG_TEMP_GLOBAL && s->temps[id].kind != TCG_TEMP_LOCAL)) {
            continue;
        }
        bool keep = false;
        for (unsigned k = 0; k < be->nb_loop; k++) {
            keep |= be->loop_gid[k] == id && !s->temps[id].observed;
        }
        if (!keep) {
            temp_store(s, &s->temps[id]);
        }
    }
    for (unsigned k = 0; k < be->nb_loop; k++) {
        TCGTemp *g = &s->temps[be->loop_gid[k]];
        X86Reg h = loop_regs[k];
        if (g->val_type == TEMP_VAL_REG && g->reg == h) {
            continue;
        }
        if (be->reg_to_temp[h]) {
            temp_spill(s, &s->temps[be->reg_to_temp[h]]);
        }
        if (g->val_type == TEMP_VAL_REG) {
            emit_mov_rr(code, h, g->reg);
            be->reg_to_temp[g->reg] = 0;
        } else {
            emit_ld64(code, h, TCG_REG_ENV, g->mem_offset);
            g->mem_coherent = 1;
        }
        g->val_type = TEMP_VAL_REG;
        g->reg = h;
        be->reg_to_temp[h] = be->loop_gid[k];
    }
    emit_alu_mi(code, ALU_CMP, TCG_REG_ENV,
                be->common_off + (int32_t)offsetof(TCGCPUCommon, exit_request), 0, true);
    /* To the block's exit-request path through out-of-line code that stores the loop globals
     * (patched at the end). */
    be->loop_exit_at[slot] = emit_jcc32(code, X86_CC_NE);
    while ((code->pos + 1) % 4) {
        emit_nops(code, 1);
    }
    size_t at = emit_jmp32(code);
    out->jmp_insn_offset[slot] = (uint16_t)at;
    out->jmp_reset_offset[slot] = (uint16_t)code->pos;
    out->jmp_loop_offset[slot] = (uint16_t)be->loop_head;
}

static void gen_goto_tb(TCGContext *s, TCGOp *op, TCGCodeGenOut *out)
{
    X86Code *code = &s->be->code;
    unsigned slot = (unsigned)op->args[0];

    g_assert(slot < 2);
    if (s->be->loop_slot[slot]) {
        gen_loop_back(s, slot, out);
        return;
    }
    sync_globals(s, true);
    /* The rel32 must be 4-byte aligned so that patching it is one atomic store. */
    while ((code->pos + 1) % 4) {
        emit_nops(code, 1);
    }
    size_t at = emit_jmp32(code);
    out->jmp_insn_offset[slot] = (uint16_t)at;
    out->jmp_reset_offset[slot] = (uint16_t)code->pos;
}

static void emit_exit(TCGContext *s, uintptr_t value)
{
    X86Code *code = &s->be->code;

    emit_movi(code, RAX, value);
    patch_rel32(code, emit_jmp32(code), (size_t)(s->be->rt->epilogue_rx - s->be->code_rx));
}

static void gen_exit_tb(TCGContext *s, TCGOp *op)
{
    sync_globals(s, false);
    emit_exit(s, s->be->tb_exit_value | (uintptr_t)op->args[0]);
}

/*
 * An indirect jump. With the flags known at translation time, the jump cache is probed
 * here: the entry for the target pc is taken when it is a valid block of that pc and those
 * flags (the same test as tcg_helper_lookup_tb_ptr). Anything else, and unknown flags,
 * goes to the helper, which asks the front end for the flags.
 */
/* A goto_tb slot that no op of the block uses and no other jump took already, or -1. */
static int free_jump_slot(TCGContext *s, const TCGCodeGenOut *out)
{
    bool used[2] = {out->jmp_insn_offset[0] != UINT16_MAX, out->jmp_insn_offset[1] != UINT16_MAX};

    for (uint32_t i = 0; i < s->nb_ops; i++) {
        if (s->ops[i].opc == INDEX_op_goto_tb && s->ops[i].args[0] < 2) {
            used[s->ops[i].args[0]] = true;
        }
    }
    return !used[0] ? 0 : !used[1] ? 1 : -1;
}

static void gen_lookup_and_goto_ptr(TCGContext *s, TCGOp *op, TCGCodeGenOut *out)
{
    TCGBackendState *be = s->be;
    X86Code *code = &be->code;
    uint64_t flags = op->args[1];
    size_t miss[4];
    unsigned nb_miss = 0;
    int slot = -1;

    if (flags != TCG_LOOKUP_FLAGS_UNKNOWN) {
        /* The block ends here: every register but env and the pc is free to clobber. */
        TCGTemp *pt = arg_temp(s, op->args[0]);
        int32_t jc = be->common_off + (int32_t)offsetof(TCGCPUCommon, jmp_cache);
        X86Reg pc = temp_load(s, pt);
        X86Reg tb = pc == RAX ? RCX : RAX;

        sync_globals(s, false);
        if (pt->kind == TCG_TEMP_CONST) {
            slot = free_jump_slot(s, out);
        }
        if (slot >= 0) {
            /*
             * A constant target with known flags is a direct jump: a patchable one like
             * goto_tb's (pc already in env). Unchained, it probes the jump cache; a miss
             * leaves through the slot, so the loop chains it (when tcg_tb_add_jump may:
             * same page, or no paging).
             */
            while ((code->pos + 1) % 4) {
                emit_nops(code, 1);
            }
            out->jmp_insn_offset[slot] = (uint16_t)emit_jmp32(code);
            out->jmp_reset_offset[slot] = (uint16_t)code->pos;
        }
        if (pt->kind == TCG_TEMP_CONST) {
            /* A target known here (the optimizer folded it): its slot is too. */
            emit_ld64(code, tb, TCG_REG_ENV,
                      jc + (int32_t)(sizeof(TranslationBlock *) *
                                     tcg_jmp_cache_hash((uint64_t)pt->val)));
        } else {
            /* tb = jmp_cache[((pc >> 1) ^ (pc >> (1 + BITS))) & (SIZE - 1)] */
            emit_mov_rr(code, tb, pc);
            emit_shift_ri(code, SHIFT_SHR, tb, 1, false);
            emit_mov_rr(code, TCG_REG_TMP, pc);
            emit_shift_ri(code, SHIFT_SHR, TCG_REG_TMP, 1 + TCG_JMP_CACHE_BITS, false);
            emit_alu_rr(code, ALU_XOR, tb, TCG_REG_TMP, true);
            emit_alu_ri(code, ALU_AND, tb, TCG_JMP_CACHE_SIZE - 1, true);
            emit_modrm_sib(code, OPC_MOV_LOAD | OPC_W, tb, TCG_REG_ENV, tb, 3, jc);
        }
        emit_test_rr(code, tb, tb, false);
        miss[nb_miss++] = emit_jcc8(code, X86_CC_E);
        emit_alu_rm(code, ALU_CMP, pc, tb, (int32_t)offsetof(TranslationBlock, pc));
        miss[nb_miss++] = emit_jcc8(code, X86_CC_NE);
        emit_alu_mi(code, ALU_CMP, tb, (int32_t)offsetof(TranslationBlock, flags),
                    (int32_t)(uint32_t)flags, true);
        miss[nb_miss++] = emit_jcc8(code, X86_CC_NE);
        /* An entry stored by the loop may have been invalidated since (tb_find races with
         * tcg_tb_invalidate_phys_range on another thread). */
        emit_cmp_m8i(code, tb, (int32_t)offsetof(TranslationBlock, invalid), 0);
        miss[nb_miss++] = emit_jcc8(code, X86_CC_NE);
        emit_jmp_m(code, tb, (int32_t)offsetof(TranslationBlock, tc_ptr));
        for (unsigned i = 0; i < nb_miss; i++) {
            patch_rel8_here(code, miss[i]);
        }
        if (slot >= 0) {
            emit_exit(s, be->tb_exit_value | (uintptr_t)slot);
            return;
        }
    } else {
        sync_globals(s, false);
    }
    emit_lea(code, RDI, TCG_REG_ENV, X86_NO_REG, 0, be->common_off);
    emit_call_abs(code, be->rt->lookup_tb_ptr);
    emit_jmp_r(code, RAX);
}

static void gen_op(TCGContext *s, TCGOp *op, TCGCodeGenOut *out)
{
    s->be->locked = 0;
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_discard:
        return;
    case INDEX_op_set_label:
        gen_set_label(s, op);
        return;
    case INDEX_op_br:
        sync_globals(s, true);
        label_reference(s, op->args[0], emit_jmp32(&s->be->code));
        break;
    case INDEX_op_brcond:
        gen_brcond(s, op);
        break;
    case INDEX_op_insn_start:
        gen_insn_start(s, op);
        break;
    case INDEX_op_mov:
        gen_mov(s, op);
        break;
    case INDEX_op_setcond:
        gen_setcond(s, op);
        break;
    case INDEX_op_movcond:
        gen_movcond(s, op);
        break;
    case INDEX_op_add:
        gen_alu(s, op, ALU_ADD, true, false, false);
        break;
    case INDEX_op_sub:
        gen_alu(s, op, ALU_SUB, false, false, false);
        break;
    case INDEX_op_and:
        gen_alu(s, op, ALU_AND, true, false, false);
        break;
    case INDEX_op_or:
        gen_alu(s, op, ALU_OR, true, false, false);
        break;
    case INDEX_op_xor:
        gen_alu(s, op, ALU_XOR, true, false, false);
        break;
    case INDEX_op_mul:
        gen_alu(s, op, ALU_ADD, true, false, true);
        break;
    case INDEX_op_add_w:
        gen_alu(s, op, ALU_ADD, true, true, false);
        break;
    case INDEX_op_sub_w:
        gen_alu(s, op, ALU_SUB, false, true, false);
        break;
    case INDEX_op_mul_w:
        gen_alu(s, op, ALU_ADD, true, true, true);
        break;
    case INDEX_op_shl:
        gen_shift(s, op, SHIFT_SHL, false);
        break;
    case INDEX_op_shr:
        gen_shift(s, op, SHIFT_SHR, false);
        break;
    case INDEX_op_sar:
        gen_shift(s, op, SHIFT_SAR, false);
        break;
    case INDEX_op_shl_w:
        gen_shift(s, op, SHIFT_SHL, true);
        break;
    case INDEX_op_shr_w:
        gen_shift(s, op, SHIFT_SHR, true);
        break;
    case INDEX_op_sar_w:
        gen_shift(s, op, SHIFT_SAR, true);
        break;
    case INDEX_op_mulsh:
    case INDEX_op_muluh:
    case INDEX_op_mulsuh:
        gen_mulh(s, op);
        break;
    case INDEX_op_div:
    case INDEX_op_divu:
    case INDEX_op_rem:
    case INDEX_op_remu:
    case INDEX_op_div_w:
    case INDEX_op_divu_w:
    case INDEX_op_rem_w:
    case INDEX_op_remu_w:
        gen_div(s, op);
        break;
    case INDEX_op_neg:
    case INDEX_op_not:
    case INDEX_op_ext8s:
    case INDEX_op_ext8u:
    case INDEX_op_ext16s:
    case INDEX_op_ext16u:
    case INDEX_op_ext32s:
    case INDEX_op_ext32u:
        gen_unary(s, op);
        break;
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32u:
    case INDEX_op_ld32s:
    case INDEX_op_ld64:
        gen_ld(s, op);
        break;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st64:
        gen_st(s, op);
        break;
    case INDEX_op_tlb_check:
        gen_tlb_check(s, op);
        break;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_ld_a:
        gen_qemu_ld(s, op);
        break;
    case INDEX_op_qemu_st:
    case INDEX_op_qemu_st_a:
        gen_qemu_st(s, op);
        break;
    case INDEX_op_call:
        gen_call(s, op);
        break;
    case INDEX_op_fpop:
        gen_fpop(s, op);
        break;
    case INDEX_op_goto_tb:
        gen_goto_tb(s, op, out);
        break;
    case INDEX_op_exit_tb:
        gen_exit_tb(s, op);
        break;
    case INDEX_op_lookup_and_goto_ptr:
        gen_lookup_and_goto_ptr(s, op, out);
        break;
    case TCG_OPCODE_COUNT:
        g_assert_not_reached();
    }
    op_finish(s, op);
}

/*
 * Pre-pass over the block: which labels are reached only by one forward brcond and not
 * by falling through (they inherit its register state), which goto_tb slots jump back
 * to the block itself (`mov <global>, $pc` before their exit_tb), and, for those, the
 * globals read most often, kept in registers around the loop.
 */
static void loop_prepare(TCGContext *s, uint64_t pc)
{
    TCGBackendState *be = s->be;
    uint32_t *refs = g_new0(uint32_t, s->nb_labels + 1);
    bool *placed = g_new0(bool, s->nb_labels + 1);
    uint32_t *uses = g_new0(uint32_t, s->nb_globals + 1);
    bool *written = g_new0(bool, s->nb_globals + 1);
    bool *body_written = g_new0(bool, s->nb_globals + 1); /* before the first goto_tb */
    bool in_body = true;

    if (be->label_cap < s->nb_labels) {
        be->label_cap = s->nb_labels;
        be->label_single = g_renew(uint8_t, be->label_single, be->label_cap);
    }
    if (be->label_cap) {
        memset(be->label_single, 0, be->label_cap); /* NULL while no block had labels */
    }
    be->snap_label = -1;
    be->loop_slot[0] = be->loop_slot[1] = false;
    be->loop_exit_at[0] = be->loop_exit_at[1] = 0;
    be->nb_loop = 0;

    for (uint32_t i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        unsigned no = op->nb_oargs, ni = op->nb_iargs;

        /* Loop-carried values: reads of globals the block has not written yet. */
        for (unsigned k = no; k < no + ni; k++) {
            if (op->args[k] < s->nb_globals && s->temps[op->args[k]].kind == TCG_TEMP_GLOBAL &&
                !s->temps[op->args[k]].pinned && !written[op->args[k]]) {
                uses[op->args[k]]++;
            }
        }
        for (unsigned k = 0; k < no; k++) {
            if (op->args[k] < s->nb_globals) {
                written[op->args[k]] = true;
                body_written[op->args[k]] |= in_body;
            }
        }
        switch (op->opc) {
        case INDEX_op_brcond:
            if (op->args[3] < s->nb_labels) {
                refs[op->args[3]]++;
                if (op->args[2] == TCG_COND_ALWAYS || op->args[2] == TCG_COND_NEVER ||
                    placed[op->args[3]]) {
                    refs[op->args[3]] += 2; /* not a conditional jump: never single */
                }
            }
            break;
        case INDEX_op_br:
            if (op->args[0] < s->nb_labels) {
                refs[op->args[0]] += 2; /* never single */
            }
            break;
        case INDEX_op_set_label:
            if (op->args[0] < s->nb_labels) {
                placed[op->args[0]] = true; /* later references are backward */
            }
            break;
        case INDEX_op_goto_tb: {
            unsigned slot = (unsigned)op->args[0];
            in_body = false;
            for (uint32_t j = i + 1; j < s->nb_ops && s->ops[j].opc != INDEX_op_exit_tb; j++) {
                const TCGOp *m = &s->ops[j];
                if (m->opc == INDEX_op_mov && slot < 2 &&
                    s->temps[m->args[0]].kind == TCG_TEMP_GLOBAL &&
                    s->temps[m->args[1]].kind == TCG_TEMP_CONST &&
                    (uint64_t)s->temps[m->args[1]].val == pc) {
                    be->loop_slot[slot] = true;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    /* Second pass: refs now counts every reference. A label qualifies when its one
     * reference is a conditional brcond before it (backward ones count as many) and the
     * op before it cannot fall through. */
    for (uint32_t i = 1; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        TCGOpcode prev = (TCGOpcode)s->ops[i - 1].opc;
        if (op->opc == INDEX_op_set_label && op->args[0] < s->nb_labels &&
            refs[op->args[0]] == 1 &&
            (prev == INDEX_op_exit_tb || prev == INDEX_op_lookup_and_goto_ptr ||
             prev == INDEX_op_br)) {
            be->label_single[op->args[0]] = 1;
        }
    }
    if (be->loop_slot[0] || be->loop_slot[1]) {
        while (be->nb_loop < LOOP_MAX_GLOBALS) {
            uint32_t best = 0;
            for (uint32_t id = 0; id < s->nb_globals; id++) {
                if (uses[id] > (best ? uses[best] : 0)) {
                    best = id;
                }
            }
            if (!best) {
                break;
            }
            be->loop_written[be->nb_loop] = written[best];
            be->loop_gid[be->nb_loop++] = best;
            uses[best] = 0;
            body_written[best] = false;
        }
        /* Then globals the loop body writes: their stores wait for the loop's exit. */
        for (uint32_t id = 0; id < s->nb_globals && be->nb_loop < LOOP_MAX_GLOBALS; id++) {
            if (body_written[id] && s->temps[id].kind == TCG_TEMP_GLOBAL &&
                !s->temps[id].observed && !s->temps[id].pinned) {
                be->loop_written[be->nb_loop] = true;
                be->loop_gid[be->nb_loop++] = id;
            }
        }
    }
    g_free(refs);
    g_free(placed);
    g_free(written);
    g_free(body_written);
    g_free(uses);
}

static void backend_reset(TCGContext *s, uint8_t *code_rw, const uint8_t *code_rx, size_t avail)
{
    TCGBackendState *be = s->be;

    be->code.buf = code_rw;
    be->code.pos = 0;
    be->code_rx = code_rx;
    be->cap = avail;
    be->failed = false;
    be->locked = 0;
    be->op = NULL;
    be->nb_slow = 0;
    memset(be->reg_to_temp, 0, sizeof(be->reg_to_temp));
    be->reg_to_temp[TCG_REG_ENV] = TCG_ENV.id;
    memset(be->free_slots, 0xff, sizeof(be->free_slots));
    be->free_slots[FRAME_WORDS - 1] = FRAME_SLOTS % 64 ? (UINT64_C(1) << (FRAME_SLOTS % 64)) - 1
                                                       : UINT64_MAX;
    s->temps[TCG_ENV.id].val_type = TEMP_VAL_REG;
    s->temps[TCG_ENV.id].reg = TCG_REG_ENV;
    for (uint32_t i = s->nb_globals; i < s->nb_temps; i++) {
        TCGTemp *t = &s->temps[i];
        t->val_type = t->kind == TCG_TEMP_CONST ? TEMP_VAL_CONST : TEMP_VAL_DEAD;
        t->mem_offset = -1;
        t->mem_coherent = 0;
    }
    be->reserved = 0;
    be->pinned_id = 0;
    for (uint32_t i = TCG_ENV.id + 1; i < s->nb_globals; i++) {
        TCGTemp *t = &s->temps[i];
        t->val_type = TEMP_VAL_MEM;
        t->mem_coherent = 1;
        if (t->pinned) {
            /* In its register since the prologue; env may be behind. */
            t->val_type = TEMP_VAL_REG;
            t->reg = TCG_REG_PINNED;
            t->mem_coherent = 0;
            be->reg_to_temp[TCG_REG_PINNED] = i;
            be->reserved = REG_BIT(TCG_REG_PINNED);
            be->pinned_id = i;
        }
    }
    for (uint32_t i = 0; i < s->nb_labels; i++) {
        s->labels[i].host_offset = -1;
        s->labels[i].first_reloc = 0;
    }
    s->nb_relocs = 1;
    s->nb_insns = 0;
}

int tcg_backend_gen_code(TCGContext *s, uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                         uintptr_t tb_exit_value, TCGCodeGenOut *out)
{
    TCGBackendState *be = s->be;
    X86Code *code = &be->code;

    if (avail < OP_MARGIN * 2) {
        return -1;
    }
    backend_reset(s, code_rw, code_rx, avail);
    be->rt = tcg_jit_runtime(s->jit);
    be->tb_exit_value = tb_exit_value;
    be->common_off = (int32_t)s->common_offset;
    out->jmp_insn_offset[0] = out->jmp_insn_offset[1] = UINT16_MAX;
    out->jmp_reset_offset[0] = out->jmp_reset_offset[1] = UINT16_MAX;

    /* Block entry: leave at once when the vCPU was asked to exit (kick, interrupt). */
    emit_alu_mi(code, ALU_CMP, TCG_REG_ENV,
                be->common_off + (int32_t)offsetof(TCGCPUCommon, exit_request), 0, true);
    size_t exit_req_at = emit_jcc32(code, X86_CC_NE);

    loop_prepare(s, out->pc);
    out->jmp_loop_offset[0] = out->jmp_loop_offset[1] = UINT16_MAX;
    if (be->loop_slot[0] || be->loop_slot[1]) {
        /* The loop head: where the back edge re-enters, loop globals in registers. */
        for (unsigned k = 0; k < be->nb_loop; k++) {
            TCGTemp *g = &s->temps[be->loop_gid[k]];
            emit_ld64(code, loop_regs[k], TCG_REG_ENV, g->mem_offset);
            g->val_type = TEMP_VAL_REG;
            g->reg = loop_regs[k];
            /* The back edge stores only observed ones; a global the block never
             * writes stays what env has. */
            g->mem_coherent = g->observed || !be->loop_written[k];
            be->reg_to_temp[loop_regs[k]] = be->loop_gid[k];
        }
        be->loop_head = code->pos;
    }

    for (uint32_t i = 0; i < s->nb_ops; i++) {
        if (code->pos + OP_MARGIN > be->cap) {
            return -1;
        }
        be->op = &s->ops[i];
        gen_op(s, &s->ops[i], out);
        if (be->failed) {
            return -1;
        }
    }
    if (s->nb_insns) {
        s->insn_end_off[s->nb_insns - 1] = (uint32_t)code->pos;
    }
    for (uint32_t i = 0; i < be->nb_slow; i++) {
        if (code->pos + OP_MARGIN > be->cap) {
            return -1;
        }
        if (be->slow[i].fp_fn) {
            emit_fp_slow_path(s, &be->slow[i]);
        } else {
            emit_slow_path(s, &be->slow[i]);
        }
    }
    if (be->loop_exit_at[0] || be->loop_exit_at[1]) {
        /* A back edge that sees an exit request: env gets the loop globals first. */
        for (unsigned k = 0; k < 2; k++) {
            if (be->loop_exit_at[k]) {
                patch_rel32(code, be->loop_exit_at[k], code->pos);
            }
        }
        for (unsigned k = 0; k < be->nb_loop; k++) {
            emit_st64(code, loop_regs[k], TCG_REG_ENV, s->temps[be->loop_gid[k]].mem_offset);
        }
    }
    patch_rel32(code, exit_req_at, code->pos);
    emit_exit(s, tb_exit_value | TCG_EXIT_REQUESTED);
    if (code->pos > UINT16_MAX) {
        return -1; /* goto_tb offsets are 16-bit */
    }
    return (int)code->pos;
}

int tcg_backend_gen_prologue(uint8_t *code_rw, const uint8_t *code_rx, size_t avail,
                             int32_t pinned_offset, size_t *epilogue_offset,
                             size_t *lookup_miss_offset)
{
    static const X86Reg saved[] = {RBP, RBX, R12, R13, R14, R15};
    X86Code c = {.buf = code_rw, .pos = 0};

    if (avail < 128) {
        return -1;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(saved); i++) {
        emit_push(&c, saved[i]);
    }
    emit_alu_ri(&c, ALU_SUB, RSP, FRAME_SIZE, false);
    emit_mov_rr(&c, TCG_REG_ENV, RDI);
    if (pinned_offset >= 0) {
        emit_ld64(&c, TCG_REG_PINNED, TCG_REG_ENV, pinned_offset);
    }
    emit_jmp_r(&c, RSI);

    /* lookup_and_goto_ptr's miss target: return 0 to the loop. */
    *lookup_miss_offset = c.pos;
    emit_zero(&c, RAX);
    *epilogue_offset = c.pos;
    if (pinned_offset >= 0) {
        emit_st64(&c, TCG_REG_PINNED, TCG_REG_ENV, pinned_offset);
    }
    emit_alu_ri(&c, ALU_ADD, RSP, FRAME_SIZE, false);
    for (unsigned i = G_N_ELEMENTS(saved); i > 0; i--) {
        emit_pop(&c, saved[i - 1]);
    }
    emit_ret(&c);
    (void)code_rx;
    return (int)c.pos;
}

void tcg_backend_patch_jump(uint8_t *jmp_rw, const uint8_t *jmp_rx, const void *target_rx)
{
    int32_t rel = (int32_t)((const uint8_t *)target_rx - (jmp_rx + 4));
    __atomic_store_n((int32_t *)jmp_rw, rel, __ATOMIC_RELEASE);
}

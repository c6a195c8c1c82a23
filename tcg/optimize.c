/*
 * IR optimizer: one forward pass per extended basic block (labels reset it, except one
 * only a forward brcond reaches) doing constant folding, copy propagation, algebraic
 * simplification, sign-extension tracking and branch folding, plus removal of code after
 * unconditional exits. Dead code elimination follows in tcg_liveness().
 */
#include <glib.h>
#include <string.h>

#include "tcg/tcg.h"
#include "tcg/tcg-internal.h"

/* What is known about a temp. Valid only while `epoch` matches the pass's epoch (bumped
 * at every basic-block boundary), which resets all knowledge in O(1). */
typedef struct TempInfo {
    uint32_t epoch;
    uint32_t version;   /* bumped at every write: invalidates copies of this temp */
    bool is_const;
    uint64_t val;
    uint32_t copy_of;   /* 0: none */
    uint32_t copy_version;
    uint32_t shl32_of;  /* the temp is `shl32_of << 32` (0: not known so) */
    uint32_t shl32_version;
    /* The temp is ext32s or ext32u of ext32_of: the same low 32 bits, which is all a `_w`
     * op reads (0: not known so). */
    uint32_t ext32_of;
    uint32_t ext32_version;
    /* The value is the sign extension of its low 32 bits (RV64 keeps 32-bit results so). */
    bool sext32;
} TempInfo;

typedef struct OptState {
    TCGContext *s;
    TempInfo *info;
    uint32_t cap;
    uint32_t epoch;
    /* What was known at a brcond whose label nothing else reaches: restored there when
     * the op before the label cannot fall through (a side exit). */
    TempInfo *snap;
    uint32_t snap_cap, snap_alloc;
    TCGArg snap_label; /* UINT64_MAX: none */
} OptState;

static TempInfo *info_of(OptState *st, uint32_t id)
{
    if (id >= st->cap) {
        uint32_t n = MAX(st->cap * 2, id + 64);
        st->info = g_renew(TempInfo, st->info, n);
        memset(st->info + st->cap, 0, (n - st->cap) * sizeof(TempInfo));
        st->cap = n;
    }
    TempInfo *ti = &st->info[id];
    if (ti->epoch != st->epoch) {
        ti->epoch = st->epoch;
        ti->is_const = false;
        ti->copy_of = 0;
        ti->shl32_of = 0;
        ti->ext32_of = 0;
        ti->sext32 = false;
    }
    return ti;
}

static bool arg_const(OptState *st, TCGArg id, uint64_t *val)
{
    const TCGTemp *t = &st->s->temps[id];

    if (t->kind == TCG_TEMP_CONST) {
        *val = (uint64_t)t->val;
        return true;
    }
    TempInfo *ti = info_of(st, (uint32_t)id);
    if (ti->is_const) {
        *val = ti->val;
        return true;
    }
    return false;
}

/* The value source an input can read instead: a constant temp, or what it copies. */
static TCGArg canonical_input(OptState *st, TCGArg id)
{
    const TCGTemp *t = &st->s->temps[id];

    if (t->kind == TCG_TEMP_CONST || t->kind == TCG_TEMP_FIXED) {
        return id;
    }
    TempInfo *ti = info_of(st, (uint32_t)id);
    if (ti->is_const) {
        return tcg_constant(st->s, (int64_t)ti->val).id;
    }
    if (ti->copy_of) {
        TempInfo *src = info_of(st, ti->copy_of);
        if (src->version == ti->copy_version) {
            return ti->copy_of;
        }
        ti->copy_of = 0;
    }
    return id;
}

/* A write to temp id: forget what was known and invalidate copies of it. */
static TempInfo *note_write(OptState *st, TCGArg id)
{
    TempInfo *ti = info_of(st, (uint32_t)id);
    ti->version++;
    ti->is_const = false;
    ti->copy_of = 0;
    ti->shl32_of = 0;
    ti->ext32_of = 0;
    ti->sext32 = false;
    return ti;
}

static bool fits_int32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)v == v;
}

/* Whether the value of id is known to be the sign extension of its low 32 bits. */
static bool is_sext32(OptState *st, TCGArg id)
{
    uint64_t v;

    if (arg_const(st, id, &v)) {
        return fits_int32(v);
    }
    return st->s->temps[id].kind != TCG_TEMP_FIXED && info_of(st, (uint32_t)id)->sext32;
}

static void note_const(OptState *st, TCGArg id, uint64_t val)
{
    TempInfo *ti = note_write(st, id);
    ti->is_const = true;
    ti->val = val;
}

static void note_copy(OptState *st, TCGArg d, TCGArg src)
{
    uint64_t v;

    if (arg_const(st, src, &v)) {
        note_const(st, d, v);
        return;
    }
    bool sext = is_sext32(st, src);
    TempInfo *ti = note_write(st, d);
    if (src != d) {
        ti->copy_of = (uint32_t)src;
        ti->copy_version = info_of(st, (uint32_t)src)->version;
    }
    ti->sext32 = sext;
}

static void forget_all(OptState *st)
{
    st->epoch++;
}

/* Globals may have changed behind the IR's back (a helper wrote env). */
static void forget_globals(OptState *st)
{
    for (uint32_t i = 1; i < st->s->nb_globals; i++) {
        note_write(st, i);
    }
}

static void set_op_mov(OptState *st, TCGOp *op, TCGArg d, TCGArg src)
{
    op->opc = INDEX_op_mov;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
    op->args[0] = d;
    op->args[1] = src;
    note_copy(st, d, src);
}

static void set_op_movi(OptState *st, TCGOp *op, TCGArg d, uint64_t val)
{
    set_op_mov(st, op, d, tcg_constant(st->s, (int64_t)val).id);
}

static void set_op_unary(OptState *st, TCGOp *op, TCGOpcode opc, TCGArg d, TCGArg a)
{
    op->opc = opc;
    op->nb_oargs = 1;
    op->nb_iargs = 1;
    op->nb_cargs = 0;
    op->args[0] = d;
    op->args[1] = a;
    note_write(st, d);
}

/* The temp whose low 32 bits id has (an ext32s/ext32u source), or id itself. */
static TCGArg low32_source(OptState *st, TCGArg id)
{
    if (st->s->temps[id].kind == TCG_TEMP_CONST || st->s->temps[id].kind == TCG_TEMP_FIXED) {
        return id;
    }
    TempInfo *ti = info_of(st, (uint32_t)id);
    if (ti->ext32_of && info_of(st, ti->ext32_of)->version == ti->ext32_version) {
        return ti->ext32_of;
    }
    return id;
}

/*
 * ext32s/ext32u d, a: reads through an ext32 of a (same low bits); ext32s of a value
 * already sign-extended is a mov. Records d as an extension of a.
 */
static void fold_ext32(OptState *st, TCGOp *op)
{
    TCGArg d = op->args[0], a = low32_source(st, op->args[1]);
    uint64_t v, r;

    op->args[1] = a;
    if (arg_const(st, a, &v) && tcg_op_eval(op->opc, v, 0, &r)) {
        set_op_movi(st, op, d, r);
        return;
    }
    if (op->opc == INDEX_op_ext32s && is_sext32(st, a)) {
        set_op_mov(st, op, d, a);
        return;
    }
    uint32_t a_version = info_of(st, (uint32_t)a)->version;
    TempInfo *ti = note_write(st, d);
    if (d != a) {
        ti->ext32_of = (uint32_t)a;
        ti->ext32_version = a_version;
    }
    ti->sext32 = op->opc == INDEX_op_ext32s;
}

static void discard_op(OptState *st, TCGOp *op)
{
    if (op->opc == INDEX_op_br) {
        st->s->labels[op->args[0]].refs--;
    } else if (op->opc == INDEX_op_brcond) {
        st->s->labels[op->args[3]].refs--;
    }
    op->opc = INDEX_op_discard;
}

static bool is_commutative(TCGOpcode opc)
{
    switch (opc) {
    case INDEX_op_add:
    case INDEX_op_and:
    case INDEX_op_or:
    case INDEX_op_xor:
    case INDEX_op_mul:
    case INDEX_op_mulsh:
    case INDEX_op_muluh:
    case INDEX_op_add_w:
    case INDEX_op_mul_w:
        return true;
    default:
        return false;
    }
}

static bool is_w_op(TCGOpcode opc)
{
    return opc >= INDEX_op_add_w && opc <= INDEX_op_remu_w;
}

/* Algebraic identities with one constant operand (b) or equal operands. Returns true when
 * the op was rewritten. */
static bool simplify_binary(OptState *st, TCGOp *op)
{
    TCGOpcode opc = op->opc;
    TCGArg d = op->args[0], a = op->args[1], b = op->args[2];
    uint64_t bv = 0;
    bool w = is_w_op(opc);
    bool b_const = arg_const(st, b, &bv);
    uint64_t av = 0;
    bool a_const = arg_const(st, a, &av);

    /* x op 0, x op 1, ... ; a "w" op still sign-extends the low 32 bits of x. */
    if (b_const) {
        if (w) {
            bv = (uint64_t)(int64_t)(int32_t)bv;
        }
        bool identity = false, zero = false;
        switch (opc) {
        case INDEX_op_add:
        case INDEX_op_sub:
        case INDEX_op_or:
        case INDEX_op_xor:
        case INDEX_op_add_w:
        case INDEX_op_sub_w:
            identity = bv == 0;
            break;
        case INDEX_op_shl:
        case INDEX_op_shr:
        case INDEX_op_sar:
            identity = (bv & 63) == 0;
            break;
        case INDEX_op_shl_w:
        case INDEX_op_shr_w:
        case INDEX_op_sar_w:
            identity = (bv & 31) == 0;
            break;
        case INDEX_op_mul:
        case INDEX_op_mul_w:
        case INDEX_op_div:
        case INDEX_op_divu:
        case INDEX_op_div_w:
        case INDEX_op_divu_w:
            identity = bv == 1;
            zero = bv == 0 && (opc == INDEX_op_mul || opc == INDEX_op_mul_w);
            break;
        case INDEX_op_rem:
        case INDEX_op_remu:
        case INDEX_op_rem_w:
        case INDEX_op_remu_w:
            zero = bv == 1;
            break;
        case INDEX_op_and:
            identity = bv == UINT64_MAX;
            zero = bv == 0;
            break;
        case INDEX_op_mulsh:
        case INDEX_op_muluh:
        case INDEX_op_mulsuh:
            zero = bv == 0;
            break;
        default:
            break;
        }
        if (opc == INDEX_op_or && bv == UINT64_MAX) {
            set_op_movi(st, op, d, UINT64_MAX);
            return true;
        }
        if (zero) {
            set_op_movi(st, op, d, 0);
            return true;
        }
        if (identity) {
            if (w) {
                set_op_unary(st, op, INDEX_op_ext32s, d, a);
                fold_ext32(st, op);
            } else {
                set_op_mov(st, op, d, a);
            }
            return true;
        }
    }
    /* 0 shifted or multiplied stays 0. */
    if (a_const && av == 0) {
        switch (opc) {
        case INDEX_op_shl:
        case INDEX_op_shr:
        case INDEX_op_sar:
        case INDEX_op_shl_w:
        case INDEX_op_shr_w:
        case INDEX_op_sar_w:
        case INDEX_op_mulsuh:
            set_op_movi(st, op, d, 0);
            return true;
        default:
            break;
        }
    }
    if (a == b) {
        switch (opc) {
        case INDEX_op_sub:
        case INDEX_op_xor:
        case INDEX_op_sub_w:
            set_op_movi(st, op, d, 0);
            return true;
        case INDEX_op_and:
        case INDEX_op_or:
            set_op_mov(st, op, d, a);
            return true;
        default:
            break;
        }
    }
    return false;
}

static void fold_binary(OptState *st, TCGOp *op)
{
    uint64_t a, b, r;

    /* A `_w` op reads the low 32 bits of its inputs only: skip extensions. */
    if (is_w_op(op->opc)) {
        op->args[1] = low32_source(st, op->args[1]);
        op->args[2] = low32_source(st, op->args[2]);
    }

    /* Canonical form: a constant operand second. */
    if (is_commutative(op->opc) && arg_const(st, op->args[1], &a) &&
        !arg_const(st, op->args[2], &b)) {
        TCGArg t = op->args[1];
        op->args[1] = op->args[2];
        op->args[2] = t;
    }
    if (arg_const(st, op->args[1], &a) && arg_const(st, op->args[2], &b) &&
        tcg_op_eval(op->opc, a, b, &r)) {
        set_op_movi(st, op, op->args[0], r);
        return;
    }
    if (simplify_binary(st, op)) {
        return;
    }
    /* (x << 32) >> 32, RV64's zero-extension idiom (slli + srli): one ext32u of x. */
    uint64_t c;
    if (op->opc == INDEX_op_shr && arg_const(st, op->args[2], &c) && c == 32) {
        TempInfo *ti = info_of(st, (uint32_t)op->args[1]);
        uint32_t x = ti->shl32_of;
        if (x && info_of(st, x)->version == ti->shl32_version) {
            set_op_unary(st, op, INDEX_op_ext32u, op->args[0], x);
            fold_ext32(st, op);
            return;
        }
    }
    bool shl32 = op->opc == INDEX_op_shl && op->args[1] != op->args[0] &&
                 st->s->temps[op->args[1]].kind != TCG_TEMP_CONST &&
                 arg_const(st, op->args[2], &c) && c == 32;
    uint32_t x_version = shl32 ? info_of(st, (uint32_t)op->args[1])->version : 0;
    TempInfo *d = note_write(st, op->args[0]);
    if (shl32) {
        d->shl32_of = (uint32_t)op->args[1];
        d->shl32_version = x_version;
    }
}

static void fold_unary(OptState *st, TCGOp *op)
{
    uint64_t a, r;

    if (arg_const(st, op->args[1], &a) && tcg_op_eval(op->opc, a, 0, &r)) {
        set_op_movi(st, op, op->args[0], r);
        return;
    }
    note_write(st, op->args[0]);
}

/* Evaluates `a cond b` when known: 1 true, 0 false, -1 unknown. */
static int fold_cond(OptState *st, TCGCond c, TCGArg a, TCGArg b)
{
    uint64_t av, bv;

    if (c == TCG_COND_ALWAYS) {
        return 1;
    }
    if (c == TCG_COND_NEVER) {
        return 0;
    }
    if (arg_const(st, a, &av) && arg_const(st, b, &bv)) {
        return tcg_cond_eval(c, av, bv);
    }
    if (a == b) {
        return tcg_cond_eval(c, 0, 0);
    }
    return -1;
}

static void fold_setcond(OptState *st, TCGOp *op)
{
    int r = fold_cond(st, (TCGCond)op->args[3], op->args[1], op->args[2]);

    if (r >= 0) {
        set_op_movi(st, op, op->args[0], (uint64_t)r);
        return;
    }
    note_write(st, op->args[0]);
}

static void fold_movcond(OptState *st, TCGOp *op)
{
    TCGArg d = op->args[0], v1 = op->args[3], v2 = op->args[4];
    int r = fold_cond(st, (TCGCond)op->args[5], op->args[1], op->args[2]);

    if (r >= 0 || v1 == v2) {
        set_op_mov(st, op, d, r == 0 ? v2 : v1);
        return;
    }
    note_write(st, d);
}

/* Returns true when the branch became unconditional. */
static bool fold_brcond(OptState *st, TCGOp *op)
{
    int r = fold_cond(st, (TCGCond)op->args[2], op->args[0], op->args[1]);

    if (r == 0) {
        discard_op(st, op);
        return false;
    }
    if (r == 1) {
        TCGArg label = op->args[3];
        op->opc = INDEX_op_br;
        op->nb_oargs = 0;
        op->nb_iargs = 0;
        op->nb_cargs = 1;
        op->args[0] = label;
        return true;
    }
    return false;
}

static bool is_nonneg31(OptState *st, TCGArg id)
{
    uint64_t v;

    return arg_const(st, id, &v) && v <= INT32_MAX;
}

/* Whether op's result is the sign extension of its low 32 bits, from its inputs as they
 * are before the op writes. */
static bool result_sext32(OptState *st, const TCGOp *op)
{
    TCGArg a = op->args[1], b = op->args[2];
    uint64_t c;

    switch ((TCGOpcode)op->opc) {
    case INDEX_op_add_w ... INDEX_op_remu_w:
    case INDEX_op_ext8s:
    case INDEX_op_ext8u:
    case INDEX_op_ext16s:
    case INDEX_op_ext16u:
    case INDEX_op_ext32s:
    case INDEX_op_setcond:
    case INDEX_op_ld8u:
    case INDEX_op_ld8s:
    case INDEX_op_ld16u:
    case INDEX_op_ld16s:
    case INDEX_op_ld32s:
        return true;
    case INDEX_op_qemu_ld: {
        TCGMemOp mo = tcg_memop_idx_op((TCGMemOpIdx)op->args[2]);
        return (mo & MO_SIZE) < MO_32 || (mo & (MO_SIZE | MO_SIGN)) == (MO_32 | MO_SIGN);
    }
    case INDEX_op_mov:
    case INDEX_op_not:
        return is_sext32(st, a);
    case INDEX_op_and:
        return (is_sext32(st, a) && is_sext32(st, b)) || is_nonneg31(st, a) ||
               is_nonneg31(st, b);
    case INDEX_op_or:
    case INDEX_op_xor:
        return is_sext32(st, a) && is_sext32(st, b);
    case INDEX_op_shr:
        return arg_const(st, b, &c) && (c & 63) >= 33;
    case INDEX_op_sar:
        return (arg_const(st, b, &c) && (c & 63) >= 32) || is_sext32(st, a);
    case INDEX_op_movcond:
        return is_sext32(st, op->args[3]) && is_sext32(st, op->args[4]);
    default:
        return false;
    }
}

/* Saves what is known at a brcond to label (the only reference to it). */
static void snapshot_take(OptState *st, TCGArg label)
{
    if (st->snap_alloc < st->cap) {
        st->snap_alloc = st->cap;
        st->snap = g_renew(TempInfo, st->snap, st->snap_alloc);
    }
    memcpy(st->snap, st->info, st->cap * sizeof(TempInfo));
    st->snap_cap = st->cap;
    st->snap_label = label;
}

/*
 * At the label: what was known at its brcond, which is the only way in. Normal temps die
 * at labels, so nothing may refer to them any more.
 */
static void snapshot_restore(OptState *st)
{
    TCGTemp *temps = st->s->temps;

    memcpy(st->info, st->snap, st->snap_cap * sizeof(TempInfo));
    memset(st->info + st->snap_cap, 0, (st->cap - st->snap_cap) * sizeof(TempInfo));
    for (uint32_t i = 0; i < st->snap_cap; i++) {
        TempInfo *ti = &st->info[i];
        if (ti->epoch != st->epoch) {
            continue;
        }
        if (temps[i].kind == TCG_TEMP_NORMAL) {
            ti->epoch = 0;
            continue;
        }
        if (ti->copy_of && temps[ti->copy_of].kind == TCG_TEMP_NORMAL) {
            ti->copy_of = 0;
        }
        if (ti->shl32_of && temps[ti->shl32_of].kind == TCG_TEMP_NORMAL) {
            ti->shl32_of = 0;
        }
        if (ti->ext32_of && temps[ti->ext32_of].kind == TCG_TEMP_NORMAL) {
            ti->ext32_of = 0;
        }
    }
    st->snap_label = UINT64_MAX;
}

/* Whether the branch at ops[n] targets the next label, with nothing to jump over: for
 * `br`, the ops in between are unreachable anyway; for `brcond` there must be none. */
static bool branch_to_next(TCGContext *s, uint32_t n, const TCGOp *op)
{
    bool uncond = op->opc == INDEX_op_br;
    TCGArg label = uncond ? op->args[0] : op->args[3];

    for (uint32_t k = n + 1; k < s->nb_ops; k++) {
        const TCGOp *next = &s->ops[k];
        if (next->opc == INDEX_op_set_label) {
            return next->args[0] == label;
        }
        if (next->opc != INDEX_op_discard && !uncond) {
            return false;
        }
    }
    return false;
}

void tcg_optimize(TCGContext *s)
{
    OptState st = {.s = s, .epoch = 1, .snap_label = UINT64_MAX};
    bool unreachable = false;
    bool falls_through = true; /* the last op kept can continue to the next one */
    TCGArg resume_label = UINT64_MAX;
    g_autofree bool *placed = g_new0(bool, s->nb_labels + 1);

    st.cap = s->nb_temps + 64;
    st.info = g_new0(TempInfo, st.cap);

    for (uint32_t n = 0; n < s->nb_ops; n++) {
        TCGOp *op = &s->ops[n];
        TCGOpcode opc = op->opc;

        if (opc == INDEX_op_discard) {
            continue;
        }
        if (opc == INDEX_op_set_label) {
            if (op->args[0] == resume_label) {
                unreachable = false;
                resume_label = UINT64_MAX;
            }
            if (s->labels[op->args[0]].refs == 0) {
                /* Nothing branches here: fall-through only, the block continues. */
                op->opc = INDEX_op_discard;
                continue;
            }
            unreachable = false;
            if (op->args[0] < s->nb_labels) {
                placed[op->args[0]] = true;
            }
            if (st.snap_label == op->args[0] && !falls_through) {
                snapshot_restore(&st);
            } else {
                forget_all(&st);
            }
            falls_through = true;
            continue;
        }
        if (unreachable) {
            discard_op(&st, op);
            continue;
        }
        for (unsigned i = op->nb_oargs; i < op->nb_oargs + op->nb_iargs; i++) {
            op->args[i] = canonical_input(&st, op->args[i]);
        }
        bool sext_result = op->nb_oargs == 1 && result_sext32(&st, op);

        switch (opc) {
        case INDEX_op_mov:
            if (op->args[0] == op->args[1]) {
                op->opc = INDEX_op_discard;
            } else {
                note_copy(&st, op->args[0], op->args[1]);
            }
            break;
        case INDEX_op_add ... INDEX_op_remu:
        case INDEX_op_add_w ... INDEX_op_remu_w:
            fold_binary(&st, op);
            break;
        case INDEX_op_ext32s:
        case INDEX_op_ext32u:
            fold_ext32(&st, op);
            break;
        case INDEX_op_neg ... INDEX_op_ext16u:
            fold_unary(&st, op);
            break;
        case INDEX_op_setcond:
            fold_setcond(&st, op);
            break;
        case INDEX_op_movcond:
            fold_movcond(&st, op);
            break;
        case INDEX_op_brcond:
        case INDEX_op_br:
            if (op->opc == INDEX_op_brcond && fold_brcond(&st, op)) {
                unreachable = true;
            }
            if (op->opc == INDEX_op_br) {
                unreachable = true;
            }
            if (op->opc != INDEX_op_discard && branch_to_next(s, n, op)) {
                /* The ops it jumps over are unreachable (and discarded) or absent;
                 * execution goes on at the label, which no longer needs to exist. */
                resume_label = op->opc == INDEX_op_br ? op->args[0] : op->args[3];
                discard_op(&st, op);
            }
            if (op->opc == INDEX_op_brcond && op->args[3] < s->nb_labels &&
                s->labels[op->args[3]].refs == 1 && !placed[op->args[3]]) {
                snapshot_take(&st, op->args[3]);
            }
            break;
        case INDEX_op_call: {
            unsigned cflags = (unsigned)op->args[op->nb_oargs + op->nb_iargs + TCG_CALL_ARG_FLAGS];
            if (!(cflags & TCG_CALL_NO_WRITE_GLOBALS)) {
                forget_globals(&st);
            }
            for (unsigned i = 0; i < op->nb_oargs; i++) {
                note_write(&st, op->args[i]);
            }
            break;
        }
        default:
            for (unsigned i = 0; i < op->nb_oargs; i++) {
                note_write(&st, op->args[i]);
            }
            break;
        }
        if (op->opc == INDEX_op_discard) {
            continue;
        }
        if (sext_result) {
            info_of(&st, (uint32_t)op->args[0])->sext32 = true;
        }
        falls_through = op->opc != INDEX_op_br &&
                        !(tcg_op_defs[op->opc].flags & TCG_OPF_TB_END);
        if (!falls_through) {
            unreachable = true;
        }
    }
    g_free(st.info);
    g_free(st.snap);
}

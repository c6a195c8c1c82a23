/*
 * The IR container: translation contexts, temps, labels, the op array, op definitions,
 * constant semantics shared by the optimizer and tests, and a textual dump.
 */
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "tcg/tcg.h"
#include "tcg/tcg-op.h"
#include "tcg/jit.h"
#include "tcg/tcg-internal.h"

const TCGOpDef tcg_op_defs[TCG_OPCODE_COUNT] = {
#define TCG_OPC_DEF(name, o, i, c, f) [INDEX_op_##name] = {#name, o, i, c, f},
    TCG_OPCODE_LIST(TCG_OPC_DEF)
#undef TCG_OPC_DEF
};

#define TCG_FIRST_GLOBAL 2 /* 0 is "none", 1 is env */

static void *grow(void *array, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) {
        return array;
    }
    uint32_t n = *cap ? *cap : 64;
    while (n < need) {
        n *= 2;
    }
    *cap = n;
    return g_realloc_n(array, n, elem);
}

static TCGTemp *temp_alloc(TCGContext *s, TCGTempKind kind, TCGv *handle)
{
    s->temps = grow(s->temps, &s->temps_cap, s->nb_temps + 1, sizeof(TCGTemp));
    handle->id = s->nb_temps;
    TCGTemp *t = &s->temps[s->nb_temps++];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->mem_offset = -1;
    return t;
}

TCGContext *tcg_context_new(TCGJit *jit, size_t common_offset)
{
    TCGContext *s = g_new0(TCGContext, 1);
    TCGv h;

    s->jit = jit;
    s->common_offset = common_offset;
    temp_alloc(s, TCG_TEMP_CONST, &h); /* id 0: never referenced */
    TCGTemp *env = temp_alloc(s, TCG_TEMP_FIXED, &h);
    env->name = "env";
    s->nb_globals = s->nb_temps;
    s->const_table_size = 256;
    s->const_table = g_new0(uint32_t, s->const_table_size);
    tcg_backend_context_init(s);
    return s;
}

void tcg_context_free(TCGContext *s)
{
    if (!s) {
        return;
    }
    tcg_backend_context_free(s);
    g_free(s->temps);
    g_free(s->ops);
    g_free(s->labels);
    g_free(s->relocs);
    g_free(s->const_table);
    g_free(s->insn_data);
    g_free(s->insn_end_off);
    g_free(s);
}

TCGv tcg_global_new(TCGContext *s, int32_t offset, const char *name)
{
    TCGv h;

    g_assert(s->nb_temps == s->nb_globals); /* before any translation */
    TCGTemp *t = temp_alloc(s, TCG_TEMP_GLOBAL, &h);
    t->mem_offset = offset;
    t->mem_coherent = 1;
    t->name = name;
    if (s->jit) {
        const TCGFrontend *fe = tcg_jit_frontend(s->jit);
        t->pinned = fe->has_pinned_global && fe->pinned_global_offset == offset;
    }
    s->nb_globals = s->nb_temps;
    return h;
}

void tcg_global_set_observed(TCGContext *s, TCGv g)
{
    g_assert(g.id < s->nb_globals && s->temps[g.id].kind == TCG_TEMP_GLOBAL);
    s->temps[g.id].observed = 1;
}

void tcg_func_start(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->nb_ops = 0;
    s->nb_labels = 0;
    s->nb_relocs = 1; /* reloc 0 is the end-of-chain marker */
    s->relocs = grow(s->relocs, &s->relocs_cap, 1, sizeof(TCGReloc));
    s->nb_insns = 0;
    memset(s->const_table, 0, s->const_table_size * sizeof(uint32_t));
    s->nb_consts = 0;
    for (uint32_t i = 1; i < s->nb_globals; i++) {
        s->temps[i].val_type = TEMP_VAL_MEM;
        s->temps[i].mem_coherent = 1;
    }
}

TCGv tcg_temp_new(TCGContext *s)
{
    TCGv h;
    temp_alloc(s, TCG_TEMP_NORMAL, &h);
    return h;
}

TCGv tcg_temp_new_local(TCGContext *s)
{
    TCGv h;
    temp_alloc(s, TCG_TEMP_LOCAL, &h);
    return h;
}

static void const_table_insert(TCGContext *s, uint32_t id)
{
    uint32_t mask = s->const_table_size - 1;
    uint64_t v = (uint64_t)s->temps[id].val;
    uint32_t i = (uint32_t)((v * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;

    while (s->const_table[i]) {
        i = (i + 1) & mask;
    }
    s->const_table[i] = id;
}

TCGv tcg_constant(TCGContext *s, int64_t val)
{
    uint32_t mask = s->const_table_size - 1;
    uint32_t i = (uint32_t)(((uint64_t)val * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;
    while (s->const_table[i]) {
        uint32_t id = s->const_table[i];
        if (s->temps[id].val == val) {
            return (TCGv){id};
        }
        i = (i + 1) & mask;
    }
    TCGv h;
    TCGTemp *t = temp_alloc(s, TCG_TEMP_CONST, &h);
    t->val = val;
    t->val_type = TEMP_VAL_CONST;
    if (++s->nb_consts * 2 > s->const_table_size) {
        /* Keep the table at most half full: rehash into twice the size. */
        uint32_t *old = s->const_table;
        uint32_t old_size = s->const_table_size;
        s->const_table_size *= 2;
        s->const_table = g_new0(uint32_t, s->const_table_size);
        for (uint32_t k = 0; k < old_size; k++) {
            if (old[k]) {
                const_table_insert(s, old[k]);
            }
        }
        g_free(old);
    }
    const_table_insert(s, h.id);
    return h;
}

TCGLabel tcg_label_new(TCGContext *s)
{
    s->labels = grow(s->labels, &s->labels_cap, s->nb_labels + 1, sizeof(TCGLabelInfo));
    TCGLabelInfo *l = &s->labels[s->nb_labels];
    l->host_offset = -1;
    l->first_reloc = 0;
    l->refs = 0;
    return (TCGLabel){s->nb_labels++};
}

TCGOp *tcg_emit_op(TCGContext *s, TCGOpcode opc, const TCGArg *args)
{
    const TCGOpDef *def = &tcg_op_defs[opc];
    unsigned n = def->nb_oargs + def->nb_iargs + def->nb_cargs;

    s->ops = grow(s->ops, &s->ops_cap, s->nb_ops + 1, sizeof(TCGOp));
    TCGOp *op = &s->ops[s->nb_ops++];
    op->opc = opc;
    op->nb_oargs = def->nb_oargs;
    op->nb_iargs = def->nb_iargs;
    op->nb_cargs = def->nb_cargs;
    op->dead_args = 0;
    op->pad = 0;
    if (n) {
        memcpy(op->args, args, n * sizeof(TCGArg));
    }
    if (opc == INDEX_op_br) {
        s->labels[args[0]].refs++;
    } else if (opc == INDEX_op_brcond) {
        s->labels[args[3]].refs++;
    }
    return op;
}

void tcg_gen_call(TCGContext *s, void *fn, unsigned flags, TCGv ret, unsigned nargs,
                  const TCGv *args)
{
    g_assert(nargs <= TCG_MAX_CALL_ARGS);
    s->ops = grow(s->ops, &s->ops_cap, s->nb_ops + 1, sizeof(TCGOp));
    TCGOp *op = &s->ops[s->nb_ops++];
    unsigned k = 0;

    memset(op, 0, sizeof(*op));
    op->opc = INDEX_op_call;
    op->nb_oargs = ret.id ? 1 : 0;
    op->nb_iargs = nargs;
    op->nb_cargs = 2;
    if (ret.id) {
        op->args[k++] = ret.id;
    }
    for (unsigned i = 0; i < nargs; i++) {
        op->args[k++] = args[i].id;
    }
    op->args[k + TCG_CALL_ARG_FUNC] = (uintptr_t)fn;
    op->args[k + TCG_CALL_ARG_FLAGS] = flags;
}

uint32_t tcg_count_ops(TCGContext *s)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        n += s->ops[i].opc != INDEX_op_discard;
    }
    return n;
}

/* ---- conditions ---- */

TCGCond tcg_cond_invert(TCGCond c)
{
    static const TCGCond inv[] = {
        [TCG_COND_NEVER] = TCG_COND_ALWAYS, [TCG_COND_ALWAYS] = TCG_COND_NEVER,
        [TCG_COND_EQ] = TCG_COND_NE,        [TCG_COND_NE] = TCG_COND_EQ,
        [TCG_COND_LT] = TCG_COND_GE,        [TCG_COND_GE] = TCG_COND_LT,
        [TCG_COND_LE] = TCG_COND_GT,        [TCG_COND_GT] = TCG_COND_LE,
        [TCG_COND_LTU] = TCG_COND_GEU,      [TCG_COND_GEU] = TCG_COND_LTU,
        [TCG_COND_LEU] = TCG_COND_GTU,      [TCG_COND_GTU] = TCG_COND_LEU,
    };
    return inv[c];
}

TCGCond tcg_cond_swap(TCGCond c)
{
    static const TCGCond swp[] = {
        [TCG_COND_NEVER] = TCG_COND_NEVER, [TCG_COND_ALWAYS] = TCG_COND_ALWAYS,
        [TCG_COND_EQ] = TCG_COND_EQ,       [TCG_COND_NE] = TCG_COND_NE,
        [TCG_COND_LT] = TCG_COND_GT,       [TCG_COND_GE] = TCG_COND_LE,
        [TCG_COND_LE] = TCG_COND_GE,       [TCG_COND_GT] = TCG_COND_LT,
        [TCG_COND_LTU] = TCG_COND_GTU,     [TCG_COND_GEU] = TCG_COND_LEU,
        [TCG_COND_LEU] = TCG_COND_GEU,     [TCG_COND_GTU] = TCG_COND_LTU,
    };
    return swp[c];
}

bool tcg_cond_eval(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_NEVER:
        return false;
    case TCG_COND_ALWAYS:
        return true;
    case TCG_COND_EQ:
        return a == b;
    case TCG_COND_NE:
        return a != b;
    case TCG_COND_LT:
        return (int64_t)a < (int64_t)b;
    case TCG_COND_GE:
        return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE:
        return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT:
        return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU:
        return a < b;
    case TCG_COND_GEU:
        return a >= b;
    case TCG_COND_LEU:
        return a <= b;
    case TCG_COND_GTU:
        return a > b;
    }
    g_assert_not_reached();
}

/* ---- constant semantics ---- */

static uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static uint64_t eval_div(int64_t a, int64_t b)
{
    if (b == 0) {
        return UINT64_MAX;
    }
    if (b == -1) {
        return -(uint64_t)a; /* MIN / -1 = MIN */
    }
    return (uint64_t)(a / b);
}

static uint64_t eval_rem(int64_t a, int64_t b)
{
    if (b == 0) {
        return (uint64_t)a;
    }
    if (b == -1) {
        return 0;
    }
    return (uint64_t)(a % b);
}

static uint64_t eval_div32(int32_t a, int32_t b)
{
    if (b == 0) {
        return UINT64_MAX;
    }
    if (b == -1) {
        return sext32(-(uint32_t)a);
    }
    return (uint64_t)(int64_t)(a / b);
}

static uint64_t eval_rem32(int32_t a, int32_t b)
{
    if (b == 0) {
        return (uint64_t)(int64_t)a;
    }
    if (b == -1) {
        return 0;
    }
    return (uint64_t)(int64_t)(a % b);
}

bool tcg_op_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *r)
{
    switch (opc) {
    case INDEX_op_mov:
        *r = a;
        return true;
    case INDEX_op_add:
        *r = a + b;
        return true;
    case INDEX_op_sub:
        *r = a - b;
        return true;
    case INDEX_op_and:
        *r = a & b;
        return true;
    case INDEX_op_or:
        *r = a | b;
        return true;
    case INDEX_op_xor:
        *r = a ^ b;
        return true;
    case INDEX_op_shl:
        *r = a << (b & 63);
        return true;
    case INDEX_op_shr:
        *r = a >> (b & 63);
        return true;
    case INDEX_op_sar:
        *r = (uint64_t)((int64_t)a >> (b & 63));
        return true;
    case INDEX_op_mul:
        *r = a * b;
        return true;
    case INDEX_op_mulsh:
        *r = (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64);
        return true;
    case INDEX_op_muluh:
        *r = (uint64_t)(((unsigned __int128)a * b) >> 64);
        return true;
    case INDEX_op_mulsuh:
        *r = (uint64_t)(((__int128)(int64_t)a * (__int128)b) >> 64);
        return true;
    case INDEX_op_div:
        *r = eval_div((int64_t)a, (int64_t)b);
        return true;
    case INDEX_op_divu:
        *r = b ? a / b : UINT64_MAX;
        return true;
    case INDEX_op_rem:
        *r = eval_rem((int64_t)a, (int64_t)b);
        return true;
    case INDEX_op_remu:
        *r = b ? a % b : a;
        return true;
    case INDEX_op_neg:
        *r = -a;
        return true;
    case INDEX_op_not:
        *r = ~a;
        return true;
    case INDEX_op_ext8s:
        *r = (uint64_t)(int64_t)(int8_t)a;
        return true;
    case INDEX_op_ext8u:
        *r = (uint8_t)a;
        return true;
    case INDEX_op_ext16s:
        *r = (uint64_t)(int64_t)(int16_t)a;
        return true;
    case INDEX_op_ext16u:
        *r = (uint16_t)a;
        return true;
    case INDEX_op_ext32s:
        *r = sext32(a);
        return true;
    case INDEX_op_ext32u:
        *r = (uint32_t)a;
        return true;
    case INDEX_op_add_w:
        *r = sext32(a + b);
        return true;
    case INDEX_op_sub_w:
        *r = sext32(a - b);
        return true;
    case INDEX_op_mul_w:
        *r = sext32((uint32_t)a * (uint32_t)b);
        return true;
    case INDEX_op_shl_w:
        *r = sext32((uint32_t)a << (b & 31));
        return true;
    case INDEX_op_shr_w:
        *r = sext32((uint32_t)a >> (b & 31));
        return true;
    case INDEX_op_sar_w:
        *r = sext32((uint32_t)((int32_t)a >> (b & 31)));
        return true;
    case INDEX_op_div_w:
        *r = eval_div32((int32_t)a, (int32_t)b);
        return true;
    case INDEX_op_divu_w:
        *r = (uint32_t)b ? sext32((uint32_t)a / (uint32_t)b) : UINT64_MAX;
        return true;
    case INDEX_op_rem_w:
        *r = eval_rem32((int32_t)a, (int32_t)b);
        return true;
    case INDEX_op_remu_w:
        *r = (uint32_t)b ? sext32((uint32_t)a % (uint32_t)b) : sext32(a);
        return true;
    default:
        return false;
    }
}

/* ---- dump ---- */

static const char *const cond_names[] = {
    "never", "always", "eq", "ne", "lt", "ge", "le", "gt", "ltu", "geu", "leu", "gtu",
};

static void dump_temp(TCGContext *s, GString *out, TCGArg id)
{
    const TCGTemp *t = &s->temps[id];

    switch (t->kind) {
    case TCG_TEMP_FIXED:
    case TCG_TEMP_GLOBAL:
        g_string_append(out, t->name);
        break;
    case TCG_TEMP_CONST:
        g_string_append_printf(out, "$%" PRId64, t->val);
        break;
    case TCG_TEMP_LOCAL:
        g_string_append_printf(out, "loc%u", (unsigned)(id - s->nb_globals));
        break;
    case TCG_TEMP_NORMAL:
        g_string_append_printf(out, "tmp%u", (unsigned)(id - s->nb_globals));
        break;
    }
}

char *tcg_dump_op(TCGContext *s, const TCGOp *op)
{
    GString *out = g_string_new(tcg_op_defs[op->opc].name);
    unsigned nt = op->nb_oargs + op->nb_iargs;
    const TCGArg *c = &op->args[nt];
    bool first = true;

    for (unsigned i = 0; i < nt; i++) {
        g_string_append(out, first ? " " : ",");
        first = false;
        dump_temp(s, out, op->args[i]);
    }
    for (unsigned i = 0; i < op->nb_cargs; i++) {
        g_string_append(out, first ? " " : ",");
        first = false;
        switch (op->opc) {
        case INDEX_op_setcond:
        case INDEX_op_movcond:
            g_string_append(out, cond_names[c[i]]);
            break;
        case INDEX_op_brcond:
            if (i == 0) {
                g_string_append(out, cond_names[c[i]]);
            } else {
                g_string_append_printf(out, "L%u", (unsigned)c[i]);
            }
            break;
        case INDEX_op_br:
        case INDEX_op_set_label:
            g_string_append_printf(out, "L%u", (unsigned)c[i]);
            break;
        case INDEX_op_call:
            if (i == TCG_CALL_ARG_FUNC) {
                g_string_append_printf(out, "%p", (void *)(uintptr_t)c[i]);
            } else {
                g_string_append_printf(out, "0x%x", (unsigned)c[i]);
            }
            break;
        case INDEX_op_qemu_ld_a:
        case INDEX_op_qemu_st_a:
            if (i == 1) { /* the displacement */
                g_string_append_printf(out, "%" PRId64, (int64_t)c[i]);
                break;
            }
            /* fall through: the memop index */
        case INDEX_op_insn_start:
        case INDEX_op_qemu_ld:
        case INDEX_op_qemu_st:
            g_string_append_printf(out, "0x%" PRIx64, c[i]);
            break;
        default:
            g_string_append_printf(out, "%" PRId64, (int64_t)c[i]);
            break;
        }
    }
    return g_string_free(out, false);
}

char *tcg_dump_ops(TCGContext *s)
{
    GString *out = g_string_new(NULL);

    for (uint32_t i = 0; i < s->nb_ops; i++) {
        if (s->ops[i].opc == INDEX_op_discard) {
            continue;
        }
        g_autofree char *line = tcg_dump_op(s, &s->ops[i]);
        g_string_append(out, line);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, false);
}

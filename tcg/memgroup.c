/*
 * Grouping of guest memory accesses: accesses of one basic block whose addresses are one
 * value plus constants (a stack frame, a struct) share one soft-MMU TLB check for the
 * window they cover (tlb_check); each access then only tests the check's result.
 */
#include <glib.h>
#include <string.h>

#include "tcg/tcg.h"
#include "tcg/tcg-internal.h"

/* Window bytes one check covers: under half a page, so its first and last byte are in
 * the same page or in adjacent pages (which the TLB never holds in the same entry). */
#define GROUP_MAX_SPAN 2048
/* Displacements folded into an access stay well inside an x86 disp32. */
#define DISP_MAX (INT64_C(1) << 30)
/* Stand-in base of addresses known at translation time (constants). */
#define BASE_CONST UINT32_MAX

/* A temp's value as base value + constant: the base temp as it was at a version. */
typedef struct AddrRep {
    uint32_t base, ver;
    int64_t off;
} AddrRep;

typedef struct Access {
    uint32_t op;
    AddrRep rep;
    /* What the rewritten access addresses: its base temp plus rep.off when the base
     * still holds that value there (the address temp then often dies), else the
     * address temp plus 0. */
    TCGArg reg;
    int64_t disp;
    unsigned size_log2, mmu;
    bool store;
    bool grouped;
} Access;

typedef struct Group {
    uint32_t leader_op; /* the first access: its check goes right before it */
    unsigned nb;
    unsigned size_log2; /* widest access */
    unsigned access;    /* TCG_TLB_CHECK_READ/WRITE */
    int64_t lo, hi;     /* window relative to the leader's address: see tlb_check */
} Group;

typedef struct MemGroupState {
    TCGContext *s;
    uint32_t *ver;   /* per temp: bumped by every write */
    AddrRep *rep;    /* per temp: its value, when has_rep */
    bool *has_rep;
    Access *acc;
    uint32_t nb_acc, acc_cap;
    Group *groups;
    uint32_t nb_groups, groups_cap;
    uint32_t *member_of; /* per op: group index + 1 of a member, 0 otherwise */
    TCGArg *member_reg;  /* per op of a member: Access.reg and Access.disp */
    int64_t *member_disp;
} MemGroupState;

static AddrRep rep_of(MemGroupState *st, TCGArg t)
{
    const TCGTemp *tt = &st->s->temps[t];

    if (tt->kind == TCG_TEMP_CONST) {
        return (AddrRep){BASE_CONST, 0, tt->val};
    }
    if (st->has_rep[t]) {
        return st->rep[t];
    }
    return (AddrRep){(uint32_t)t, st->ver[t], 0};
}

static void note_write(MemGroupState *st, TCGArg t)
{
    st->ver[t]++;
    st->has_rep[t] = false;
}

/* A label: values may arrive from elsewhere, nothing known before holds. */
static void forget_all(MemGroupState *st)
{
    for (uint32_t t = 0; t < st->s->nb_temps; t++) {
        note_write(st, t);
    }
}

static bool temp_is_const(MemGroupState *st, TCGArg t)
{
    return st->s->temps[t].kind == TCG_TEMP_CONST;
}

/* Follows `d = a + c`, `d = a - c` and `d = a` so that addresses keep their base (offsets
 * wrap around like the guest's address arithmetic). */
static void track_op(MemGroupState *st, const TCGOp *op)
{
    TCGContext *s = st->s;
    AddrRep r;
    bool known = true;

    switch (op->opc) {
    case INDEX_op_mov:
        r = rep_of(st, op->args[1]);
        break;
    case INDEX_op_add:
        if (temp_is_const(st, op->args[2])) {
            r = rep_of(st, op->args[1]);
            r.off = (int64_t)((uint64_t)r.off + (uint64_t)s->temps[op->args[2]].val);
        } else if (temp_is_const(st, op->args[1])) {
            r = rep_of(st, op->args[2]);
            r.off = (int64_t)((uint64_t)r.off + (uint64_t)s->temps[op->args[1]].val);
        } else {
            known = false;
        }
        break;
    case INDEX_op_sub:
        if (temp_is_const(st, op->args[2])) {
            r = rep_of(st, op->args[1]);
            r.off = (int64_t)((uint64_t)r.off - (uint64_t)s->temps[op->args[2]].val);
        } else {
            known = false;
        }
        break;
    default:
        known = false;
        break;
    }
    for (unsigned i = 0; i < op->nb_oargs; i++) {
        note_write(st, op->args[i]);
    }
    if (known && op->nb_oargs == 1) {
        st->rep[op->args[0]] = r;
        st->has_rep[op->args[0]] = true;
    }
}

/*
 * The window of a set of accesses (offsets relative to the first): the widest one (size
 * S, first of them = anchor) fixes the alignment every other access must share modulo its
 * own size, so that one S-alignment test of anchor covers them all. lo is the lowest
 * offset, hi = anchor + a multiple of S, the last S-aligned unit reaching the end.
 */
static bool window_of(const Access *acc, const uint32_t *m, unsigned n, Group *g)
{
    unsigned size_log2 = 0;
    int64_t anchor = 0, lo = 0, end = 0;
    int64_t base = acc[m[0]].rep.off;

    for (unsigned i = 0; i < n; i++) {
        int64_t d = (int64_t)((uint64_t)acc[m[i]].rep.off - (uint64_t)base);
        if (d < -GROUP_MAX_SPAN || d > GROUP_MAX_SPAN) {
            return false;
        }
        if (i == 0 || acc[m[i]].size_log2 > size_log2) {
            size_log2 = acc[m[i]].size_log2;
            anchor = d;
        }
    }
    int64_t size = INT64_C(1) << size_log2;
    g->access = 0;
    for (unsigned i = 0; i < n; i++) {
        const Access *a = &acc[m[i]];
        int64_t d = (int64_t)((uint64_t)a->rep.off - (uint64_t)base); /* checked above */
        int64_t s = INT64_C(1) << a->size_log2;
        if (((uint64_t)(d - anchor) & (uint64_t)(s - 1)) != 0) {
            return false;
        }
        lo = MIN(lo, d);
        end = MAX(end, d + s);
        g->access |= a->store ? TCG_TLB_CHECK_WRITE : TCG_TLB_CHECK_READ;
    }
    /* end - size - anchor >= 0: the anchor's own bytes end at anchor + size <= end. */
    int64_t hi = anchor + (end - size - anchor + size - 1) / size * size;
    if (hi + size - lo > GROUP_MAX_SPAN) {
        return false;
    }
    g->size_log2 = size_log2;
    g->lo = lo;
    g->hi = hi;
    return true;
}

/* Groups the accesses since the last barrier: same base value and MMU index, greedily in
 * program order, as long as the window stays small and the alignments agree. */
static void close_segment(MemGroupState *st)
{
    g_autofree uint32_t *m = g_new(uint32_t, st->nb_acc + 1);

    for (uint32_t i = 0; i < st->nb_acc; i++) {
        Access *lead = &st->acc[i];
        Group g;
        unsigned n = 1;

        if (lead->grouped) {
            continue;
        }
        m[0] = i;
        for (uint32_t j = i + 1; j < st->nb_acc; j++) {
            Access *a = &st->acc[j];
            if (a->grouped || a->mmu != lead->mmu || a->rep.base != lead->rep.base ||
                a->rep.ver != lead->rep.ver) {
                continue;
            }
            m[n] = j;
            if (window_of(st->acc, m, n + 1, &g)) {
                n++;
            }
        }
        if (n < 2 || !window_of(st->acc, m, n, &g)) {
            continue;
        }
        g.leader_op = lead->op;
        g.nb = n;
        if (st->nb_groups == st->groups_cap) {
            st->groups_cap = st->groups_cap ? st->groups_cap * 2 : 8;
            st->groups = g_renew(Group, st->groups, st->groups_cap);
        }
        st->groups[st->nb_groups++] = g;
        for (unsigned k = 0; k < n; k++) {
            st->acc[m[k]].grouped = true;
            st->member_of[st->acc[m[k]].op] = st->nb_groups;
            st->member_reg[st->acc[m[k]].op] = st->acc[m[k]].reg;
            st->member_disp[st->acc[m[k]].op] = st->acc[m[k]].disp;
        }
    }
    st->nb_acc = 0;
}

void tcg_memgroup(TCGContext *s)
{
    MemGroupState st = {.s = s};
    uint32_t nb_temps = s->nb_temps;

    st.ver = g_new0(uint32_t, nb_temps);
    st.rep = g_new(AddrRep, nb_temps);
    st.has_rep = g_new0(bool, nb_temps);
    st.member_of = g_new0(uint32_t, s->nb_ops);
    st.member_reg = g_new(TCGArg, s->nb_ops);
    st.member_disp = g_new(int64_t, s->nb_ops);

    for (uint32_t n = 0; n < s->nb_ops; n++) {
        const TCGOp *op = &s->ops[n];
        const TCGOpDef *def = &tcg_op_defs[op->opc];

        if (op->opc == INDEX_op_discard || op->opc == INDEX_op_insn_start) {
            continue;
        }
        if (op->opc == INDEX_op_qemu_ld || op->opc == INDEX_op_qemu_st) {
            TCGMemOpIdx oi = (TCGMemOpIdx)op->args[2];
            if (st.nb_acc == st.acc_cap) {
                st.acc_cap = st.acc_cap ? st.acc_cap * 2 : 32;
                st.acc = g_renew(Access, st.acc, st.acc_cap);
            }
            AddrRep r = rep_of(&st, op->args[1]);
            bool fold = r.base != BASE_CONST && st.ver[r.base] == r.ver &&
                        r.off >= -DISP_MAX && r.off <= DISP_MAX;
            st.acc[st.nb_acc++] = (Access){
                .op = n,
                .rep = r,
                .reg = fold ? r.base : op->args[1],
                .disp = fold ? r.off : 0,
                .size_log2 = tcg_memop_idx_op(oi) & MO_SIZE,
                .mmu = tcg_memop_idx_mmu(oi),
                .store = op->opc == INDEX_op_qemu_st,
            };
            if (op->opc == INDEX_op_qemu_ld) {
                note_write(&st, op->args[0]);
            }
            continue;
        }
        /*
         * Barriers: between the check and an access of its group nothing may change what
         * the TLB maps. Helpers may (CSR writes, sfence.vma); so may the code at a label
         * or after a branch, which other paths reach. Slow paths of other accesses only
         * fill TLB entries, do MMIO or raise (leaving the block), and fpop's out-of-line
         * fallback only computes: they stay inside. An op that may call code changing
         * the TLB must be a call op (or be added here).
         */
        if (op->opc == INDEX_op_call || op->opc == INDEX_op_set_label ||
            (def->flags & (TCG_OPF_BB_END | TCG_OPF_TB_END))) {
            close_segment(&st);
        }
        if (op->opc == INDEX_op_set_label) {
            forget_all(&st);
            continue;
        }
        if (op->opc == INDEX_op_call) {
            unsigned flags = (unsigned)op->args[op->nb_oargs + op->nb_iargs + TCG_CALL_ARG_FLAGS];
            if (!(flags & TCG_CALL_NO_WRITE_GLOBALS)) {
                for (uint32_t t = 0; t < s->nb_globals; t++) {
                    note_write(&st, t);
                }
            }
        }
        track_op(&st, op);
    }
    close_segment(&st);

    if (st.nb_groups) {
        /* Each group's check goes right before its first access, with a new temp for the
         * addend; the accesses get the temp as an extra input. */
        uint32_t need = s->nb_ops + st.nb_groups;
        if (s->ops_cap < need) {
            s->ops = g_renew(TCGOp, s->ops, need);
            s->ops_cap = need;
        }
        g_autofree TCGArg *addend = g_new(TCGArg, st.nb_groups);
        for (uint32_t k = 0; k < st.nb_groups; k++) {
            addend[k] = tcg_temp_new(s).id;
        }
        uint32_t dst = need;
        for (uint32_t src = s->nb_ops; src-- > 0;) {
            TCGOp op = s->ops[src];
            uint32_t gi = st.member_of[src];
            if (!gi) {
                s->ops[--dst] = op;
                continue;
            }
            const Group *g = &st.groups[gi - 1];
            TCGArg a = addend[gi - 1];
            TCGArg oi = op.args[2];
            TCGArg reg = st.member_reg[src];
            int64_t disp = st.member_disp[src];
            op.opc = op.opc == INDEX_op_qemu_ld ? INDEX_op_qemu_ld_a : INDEX_op_qemu_st_a;
            op.args[1] = reg;
            op.args[2] = a;
            op.args[3] = oi;
            op.args[4] = (TCGArg)disp;
            op.nb_iargs++;
            op.nb_cargs = 2;
            s->ops[--dst] = op;
            if (g->leader_op == src) {
                TCGOp check = {
                    .opc = INDEX_op_tlb_check,
                    .nb_oargs = 1,
                    .nb_iargs = 1,
                    .nb_cargs = 4,
                    .args = {a, reg,
                             tcg_make_memop_idx((TCGMemOp)g->size_log2,
                                                tcg_memop_idx_mmu((TCGMemOpIdx)oi)),
                             g->access, (TCGArg)(disp + g->lo), (TCGArg)(disp + g->hi)},
                };
                s->ops[--dst] = check;
            }
        }
        g_assert(dst == 0);
        s->nb_ops = need;
    }
    g_free(st.ver);
    g_free(st.rep);
    g_free(st.has_rep);
    g_free(st.acc);
    g_free(st.groups);
    g_free(st.member_of);
    g_free(st.member_reg);
    g_free(st.member_disp);
}

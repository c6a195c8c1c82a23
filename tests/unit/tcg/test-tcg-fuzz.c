/*
 * Differential fuzzing of the JIT: random IR blocks (arithmetic, comparisons, forward
 * branches, host and guest memory accesses, helper calls, heavy register pressure) run
 * both through an IR interpreter written here and through optimizer + backend.
 */
#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "tcg/jit.h"
#include "tcg/tcg-op.h"

#define NGLOBALS 12
#define NLOCALS 6
#define NNORMALS 24
#define NSCRATCH 4
#define RAM_BASE UINT64_C(0x40000000)
#define RAM_SIZE 4096

typedef struct FuzzCPU {
    uint64_t g[NGLOBALS];
    uint64_t scratch[NSCRATCH]; /* reached with ld/st, never a global */
    TCGCPUCommon common;
} FuzzCPU;

static uint8_t fuzz_ram[RAM_SIZE];

static void fuzz_init_context(TCGContext *s, void *opaque)
{
    TCGv *g = g_new0(TCGv, NGLOBALS);
    for (unsigned i = 0; i < NGLOBALS; i++) {
        g[i] = tcg_global_new(s, offsetof(FuzzCPU, g) + 8 * i, "g");
    }
    s->frontend_data = g;
}

static void fuzz_free_context(TCGContext *s, void *opaque)
{
    g_free(s->frontend_data);
}

static void fuzz_get_tb_cpu_state(void *env, uint64_t *pc, uint32_t *flags)
{
    *pc = 0;
    *flags = 0;
}

static uint64_t fuzz_get_code_phys(void *env, uint64_t pc)
{
    return pc;
}

static void fuzz_restore_state(void *env, const uint64_t data[2])
{
}

/* Guest memory: RAM_SIZE bytes at RAM_BASE; addresses are masked into it by the IR. */
static uint64_t fuzz_load_slow(void *env, uint64_t addr, TCGMemOpIdx oi, uintptr_t retaddr)
{
    FuzzCPU *cpu = env;
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);
    uint64_t val = 0;

    g_assert_cmpuint(addr - RAM_BASE, <=, RAM_SIZE - size);
    tcg_tlb_set_page(&cpu->common, tcg_memop_idx_mmu(oi), addr, fuzz_ram,
                     TCG_PROT_READ | TCG_PROT_WRITE);
    memcpy(&val, fuzz_ram + (addr - RAM_BASE), size);
    return val;
}

static void fuzz_store_slow(void *env, uint64_t addr, uint64_t val, TCGMemOpIdx oi,
                            uintptr_t retaddr)
{
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);

    g_assert_cmpuint(addr - RAM_BASE, <=, RAM_SIZE - size);
    memcpy(fuzz_ram + (addr - RAM_BASE), &val, size);
}

static const TCGFrontend fuzz_frontend = {
    .name = "fuzz",
    .common_offset = offsetof(FuzzCPU, common),
    .init_context = fuzz_init_context,
    .free_context = fuzz_free_context,
    .get_tb_cpu_state = fuzz_get_tb_cpu_state,
    .get_code_phys = fuzz_get_code_phys,
    .restore_state = fuzz_restore_state,
    .load_slow = fuzz_load_slow,
    .store_slow = fuzz_store_slow,
};

static uint64_t helper_mix3(uint64_t a, uint64_t b, uint64_t c)
{
    return (a * 31) ^ (b + 7) ^ (c << 3);
}

/* ---- the reference interpreter ---- */

static uint64_t interp_mem_load(uint64_t addr, TCGMemOp mop)
{
    unsigned size = 1u << (mop & MO_SIZE);
    uint64_t v = 0;
    memcpy(&v, fuzz_ram + (addr - RAM_BASE), size);
    if (mop & MO_SIGN) {
        unsigned shift = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << shift) >> shift);
    }
    return v;
}

/* Runs ops[0..n) over vals (indexed by temp id); globals and scratch live in cpu. */
static void interp_run(TCGContext *s, const TCGOp *ops, uint32_t n, FuzzCPU *cpu,
                       uint64_t *vals)
{
    for (uint32_t i = 1; i < s->nb_temps; i++) {
        const TCGTemp *t = &s->temps[i];
        if (t->kind == TCG_TEMP_CONST) {
            vals[i] = (uint64_t)t->val;
        } else if (t->kind == TCG_TEMP_GLOBAL) {
            vals[i] = *(uint64_t *)((char *)cpu + t->mem_offset);
        }
    }
    for (uint32_t pc = 0; pc < n; pc++) {
        const TCGOp *op = &ops[pc];
        const TCGArg *a = op->args;
        uint64_t r;
        switch ((TCGOpcode)op->opc) {
        case INDEX_op_discard:
        case INDEX_op_set_label:
        case INDEX_op_insn_start:
            break;
        case INDEX_op_br:
        case INDEX_op_brcond: {
            TCGArg label = op->opc == INDEX_op_br ? a[0] : a[3];
            if (op->opc == INDEX_op_br || tcg_cond_eval((TCGCond)a[2], vals[a[0]], vals[a[1]])) {
                while (!(ops[pc].opc == INDEX_op_set_label && ops[pc].args[0] == label)) {
                    pc++;
                    g_assert_cmpuint(pc, <, n);
                }
            }
            break;
        }
        case INDEX_op_setcond:
            vals[a[0]] = tcg_cond_eval((TCGCond)a[3], vals[a[1]], vals[a[2]]);
            break;
        case INDEX_op_movcond:
            vals[a[0]] = tcg_cond_eval((TCGCond)a[5], vals[a[1]], vals[a[2]]) ? vals[a[3]]
                                                                             : vals[a[4]];
            break;
        case INDEX_op_ld64:
            g_assert_cmpuint(a[1], ==, TCG_ENV.id);
            vals[a[0]] = *(uint64_t *)((char *)cpu + (int64_t)a[2]);
            break;
        case INDEX_op_st64:
            g_assert_cmpuint(a[1], ==, TCG_ENV.id);
            *(uint64_t *)((char *)cpu + (int64_t)a[2]) = vals[a[0]];
            break;
        case INDEX_op_qemu_ld:
            vals[a[0]] = interp_mem_load(vals[a[1]], tcg_memop_idx_op((TCGMemOpIdx)a[2]));
            break;
        case INDEX_op_qemu_st: {
            unsigned size = 1u << (tcg_memop_idx_op((TCGMemOpIdx)a[2]) & MO_SIZE);
            memcpy(fuzz_ram + (vals[a[1]] - RAM_BASE), &vals[a[0]], size);
            break;
        }
        case INDEX_op_call:
            vals[a[0]] = helper_mix3(vals[a[1]], vals[a[2]], vals[a[3]]);
            break;
        case INDEX_op_exit_tb:
            pc = n;
            break;
        default:
            g_assert_true(tcg_op_eval((TCGOpcode)op->opc, vals[a[1]],
                                      op->nb_iargs > 1 ? vals[a[2]] : 0, &r));
            vals[a[0]] = r;
            break;
        }
    }
    for (uint32_t i = 1; i < s->nb_globals; i++) {
        const TCGTemp *t = &s->temps[i];
        if (t->kind == TCG_TEMP_GLOBAL) {
            *(uint64_t *)((char *)cpu + t->mem_offset) = vals[i];
        }
    }
}

/* ---- the generator ---- */

static const TCGOpcode fuzz_binary[] = {
    INDEX_op_add,   INDEX_op_sub,   INDEX_op_and,    INDEX_op_or,     INDEX_op_xor,
    INDEX_op_shl,   INDEX_op_shr,   INDEX_op_sar,    INDEX_op_mul,    INDEX_op_mulsh,
    INDEX_op_muluh, INDEX_op_mulsuh, INDEX_op_div,   INDEX_op_divu,   INDEX_op_rem,
    INDEX_op_remu,  INDEX_op_add_w, INDEX_op_sub_w,  INDEX_op_mul_w,  INDEX_op_shl_w,
    INDEX_op_shr_w, INDEX_op_sar_w, INDEX_op_div_w,  INDEX_op_divu_w, INDEX_op_rem_w,
    INDEX_op_remu_w,
};
static const TCGOpcode fuzz_unary[] = {
    INDEX_op_neg,    INDEX_op_not,    INDEX_op_ext8s,  INDEX_op_ext8u,
    INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u, INDEX_op_mov,
};

typedef struct Gen {
    TCGContext *s;
    GRand *rng;
    TCGv *globals;
    TCGv locals[NLOCALS];
    TCGv normals[NNORMALS];
    bool defined[NNORMALS]; /* normal temps written since the last label */
    TCGLabel pending[8];
    unsigned nb_pending;
} Gen;

static int64_t gen_const(Gen *g)
{
    static const int64_t edges[] = {0, 1, -1, 2, 31, 32, 63, 64, INT64_MIN, INT64_MAX,
                                    0x7fffffff, -0x80000000ll, 0xffffffffll, 0x100000000ll};
    if (g_rand_boolean(g->rng)) {
        return edges[g_rand_int_range(g->rng, 0, G_N_ELEMENTS(edges))];
    }
    return (int64_t)(((uint64_t)g_rand_int(g->rng) << 32) | g_rand_int(g->rng));
}

/* A readable value: global, local, defined normal temp, or constant. */
static TCGv gen_input(Gen *g)
{
    for (;;) {
        switch (g_rand_int_range(g->rng, 0, 8)) {
        case 0:
        case 1:
        case 2:
            return g->globals[g_rand_int_range(g->rng, 0, NGLOBALS)];
        case 3:
            return g->locals[g_rand_int_range(g->rng, 0, NLOCALS)];
        case 4:
            return tcg_constant(g->s, gen_const(g));
        default: {
            unsigned k = (unsigned)g_rand_int_range(g->rng, 0, NNORMALS);
            if (g->defined[k]) {
                return g->normals[k];
            }
            break;
        }
        }
    }
}

static TCGv gen_output(Gen *g)
{
    switch (g_rand_int_range(g->rng, 0, 4)) {
    case 0:
        return g->globals[g_rand_int_range(g->rng, 0, NGLOBALS)];
    case 1:
        return g->locals[g_rand_int_range(g->rng, 0, NLOCALS)];
    default: {
        unsigned k = (unsigned)g_rand_int_range(g->rng, 0, NNORMALS);
        g->defined[k] = true;
        return g->normals[k];
    }
    }
}

/* A guest address inside RAM, aligned or not, computed from a random value. */
static TCGv gen_address(Gen *g, unsigned size)
{
    TCGv addr = tcg_temp_new(g->s);
    int64_t mask = 0x7ff & ~(int64_t)(g_rand_boolean(g->rng) ? size - 1 : 0);
    tcg_gen_andi(g->s, addr, gen_input(g), mask);
    tcg_gen_addi(g->s, addr, addr, (int64_t)RAM_BASE);
    return addr;
}

static void gen_place_label(Gen *g)
{
    unsigned k = (unsigned)g_rand_int_range(g->rng, 0, g->nb_pending);
    tcg_gen_set_label(g->s, g->pending[k]);
    g->pending[k] = g->pending[--g->nb_pending];
    memset(g->defined, 0, sizeof(g->defined)); /* normal temps die at labels */
}

static void gen_block(Gen *g, unsigned nops)
{
    TCGContext *s = g->s;

    for (unsigned i = 0; i < NLOCALS; i++) {
        tcg_gen_movi(s, g->locals[i], gen_const(g));
    }
    for (unsigned n = 0; n < nops; n++) {
        unsigned kind = (unsigned)g_rand_int_range(g->rng, 0, 100);
        TCGv in0 = gen_input(g), in1 = gen_input(g);
        if (kind < 45) {
            TCGOpcode opc = fuzz_binary[g_rand_int_range(g->rng, 0, G_N_ELEMENTS(fuzz_binary))];
            TCGArg args[3] = {gen_output(g).id, in0.id, in1.id};
            tcg_emit_op(s, opc, args);
        } else if (kind < 58) {
            TCGOpcode opc = fuzz_unary[g_rand_int_range(g->rng, 0, G_N_ELEMENTS(fuzz_unary))];
            TCGArg args[2] = {gen_output(g).id, in0.id};
            tcg_emit_op(s, opc, args);
        } else if (kind < 64) {
            TCGCond c = (TCGCond)g_rand_int_range(g->rng, TCG_COND_NEVER, TCG_COND_GTU + 1);
            tcg_gen_setcond(s, c, gen_output(g), in0, in1);
        } else if (kind < 70) {
            TCGCond c = (TCGCond)g_rand_int_range(g->rng, TCG_COND_NEVER, TCG_COND_GTU + 1);
            TCGv v1 = gen_input(g), v2 = gen_input(g);
            tcg_gen_movcond(s, c, gen_output(g), in0, in1, v1, v2);
        } else if (kind < 76 && g->nb_pending < G_N_ELEMENTS(g->pending)) {
            TCGCond c = (TCGCond)g_rand_int_range(g->rng, TCG_COND_NEVER, TCG_COND_GTU + 1);
            TCGLabel l = tcg_label_new(s);
            g->pending[g->nb_pending++] = l;
            if (g_rand_int_range(g->rng, 0, 6) == 0) {
                tcg_gen_br(s, l);
            } else {
                tcg_gen_brcond(s, c, in0, in1, l);
            }
        } else if (kind < 80 && g->nb_pending) {
            gen_place_label(g);
        } else if (kind < 86) {
            TCGMemOp mop = (TCGMemOp)g_rand_int_range(g->rng, 0, 8);
            if ((mop & MO_SIZE) == MO_64) {
                mop = MO_64;
            }
            TCGv addr = gen_address(g, 1u << (mop & MO_SIZE));
            if (g_rand_boolean(g->rng)) {
                tcg_gen_qemu_ld(s, gen_output(g), addr, g_rand_int_range(g->rng, 0, 2), mop);
            } else {
                tcg_gen_qemu_st(s, in0, addr, g_rand_int_range(g->rng, 0, 2), mop & MO_SIZE);
            }
        } else if (kind < 91) {
            int32_t off = (int32_t)(offsetof(FuzzCPU, scratch) +
                                    8 * g_rand_int_range(g->rng, 0, NSCRATCH));
            if (g_rand_boolean(g->rng)) {
                tcg_gen_ld64(s, gen_output(g), TCG_ENV, off);
            } else {
                tcg_gen_st64(s, in0, TCG_ENV, off);
            }
        } else {
            TCGv args[3] = {in0, in1, gen_input(g)};
            tcg_gen_call(s, (void *)helper_mix3, TCG_CALL_PURE, gen_output(g), 3, args);
        }
    }
    while (g->nb_pending) {
        gen_place_label(g);
    }
    /* Make locals observable. */
    for (unsigned i = 0; i < NLOCALS; i++) {
        tcg_gen_xor(s, g->globals[i], g->globals[i], g->locals[i]);
    }
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
}

static void run_fuzz(gconstpointer data)
{
    bool optimize = data != NULL;
    g_autoptr(GError) err = NULL;
    TCGJitOptions opts = {.code_size = 16 * 1024 * 1024, .no_optimize = !optimize};
    TCGJit *jit = tcg_jit_new(&fuzz_frontend, &opts, &err);
    g_assert_no_error(err);
    FuzzCPU *cpu = g_new0(FuzzCPU, 1);
    FuzzCPU *ref = g_new0(FuzzCPU, 1);
    g_assert_true(tcg_cpu_init(jit, cpu, &err));
    TCGContext *s = cpu->common.ctx;
    unsigned iterations = g_test_slow() ? 20000 : 1000;
    g_autoptr(GRand) rng = g_rand_new_with_seed(optimize ? 4242 : 2424);
    g_autofree uint8_t *ram_before = g_malloc(RAM_SIZE);
    g_autofree uint8_t *ram_ref = g_malloc(RAM_SIZE);

    for (unsigned it = 0; it < iterations; it++) {
        Gen g = {.s = s, .rng = rng, .globals = s->frontend_data};
        tcg_func_start(s);
        for (unsigned i = 0; i < NLOCALS; i++) {
            g.locals[i] = tcg_temp_new_local(s);
        }
        for (unsigned i = 0; i < NNORMALS; i++) {
            g.normals[i] = tcg_temp_new(s);
        }
        gen_block(&g, (unsigned)g_rand_int_range(rng, 5, it % 10 == 0 ? 400 : 80));

        /* Reference first, on copies of the op list and state (the JIT rewrites ops). */
        for (unsigned i = 0; i < NGLOBALS; i++) {
            cpu->g[i] = (uint64_t)gen_const(&g);
        }
        for (unsigned i = 0; i < NSCRATCH; i++) {
            cpu->scratch[i] = g_rand_int(rng);
        }
        for (unsigned i = 0; i < RAM_SIZE; i++) {
            fuzz_ram[i] = (uint8_t)g_rand_int(rng);
        }
        memcpy(ram_before, fuzz_ram, RAM_SIZE);
        memcpy(ref->g, cpu->g, sizeof(cpu->g));
        memcpy(ref->scratch, cpu->scratch, sizeof(cpu->scratch));
        g_autofree TCGOp *ops = g_memdup2(s->ops, s->nb_ops * sizeof(TCGOp));
        g_autofree uint64_t *vals = g_new0(uint64_t, s->nb_temps + 1);
        interp_run(s, ops, s->nb_ops, ref, vals);
        memcpy(ram_ref, fuzz_ram, RAM_SIZE);
        memcpy(fuzz_ram, ram_before, RAM_SIZE);

        TranslationBlock *tb = tcg_tb_compile(s, 0x1000 + 4 * it, 0x1000 + 4 * it, UINT64_MAX,
                                              0, 4);
        if (!tb) {
            /* Too many spill slots for one block: that is reported, not miscompiled. */
            continue;
        }
        tcg_exec_tb(jit, cpu, tb);
        for (unsigned i = 0; i < NGLOBALS; i++) {
            if (cpu->g[i] != ref->g[i]) {
                g_autofree char *dump = tcg_dump_ops(s);
                g_test_message("iteration %u, global %u:\n%s", it, i, dump);
            }
            g_assert_cmphex(cpu->g[i], ==, ref->g[i]);
        }
        for (unsigned i = 0; i < NSCRATCH; i++) {
            g_assert_cmphex(cpu->scratch[i], ==, ref->scratch[i]);
        }
        g_assert_cmpmem(fuzz_ram, RAM_SIZE, ram_ref, RAM_SIZE);
    }
    tcg_cpu_finalize(jit, cpu);
    tcg_jit_free(jit);
    g_free(cpu);
    g_free(ref);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/tcg/fuzz/backend", NULL, run_fuzz);
    g_test_add_data_func("/tcg/fuzz/optimized", "opt", run_fuzz);
    return g_test_run();
}

/*
 * Tests of the x86-64 backend: IR built by hand, compiled into the code buffer, run on a
 * fake CPU state and checked against C evaluation of the same ops.
 */
#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "config-host.h"
#include "tcg/jit.h"
#include "tcg/tcg-op.h"

#define NREGS 16
#define RAM_BASE UINT64_C(0x80000000)
#define RAM_SIZE (64 * 1024)
#define MMIO_BASE UINT64_C(0x10000000)

typedef struct FakeCPU {
    uint64_t regs[NREGS];
    uint64_t pc;
    uint64_t fault_pc; /* pc restored by restore_state */
    uint64_t fault_word;
    uint64_t mmio_last;
    uint64_t mmio_reads, mmio_writes;
    uint64_t helper_calls;
    uint32_t flags_xor; /* changes what get_tb_cpu_state says (the helper's flags) */
    TCGCPUCommon common;
} FakeCPU;

typedef struct Fixture {
    TCGJit *jit;
    FakeCPU *cpu;
    TCGContext *s;
    TCGv r[NREGS];
    TCGv pc;
    uint8_t *ram;
    uint64_t next_pc; /* every test block gets its own cache key */
} Fixture;

/* The front end's opaque: handles of the globals. */
typedef struct FakeGlobals {
    TCGv r[NREGS];
    TCGv pc;
} FakeGlobals;

static uint8_t *fake_ram; /* one test at a time: set by fixture setup */

static void fake_init_context(TCGContext *s, void *opaque)
{
    FakeGlobals *g = g_new0(FakeGlobals, 1);
    static const char *const names[NREGS] = {"r0", "r1", "r2",  "r3",  "r4",  "r5",
                                             "r6", "r7", "r8",  "r9",  "r10", "r11",
                                             "r12", "r13", "r14", "r15"};
    for (unsigned i = 0; i < NREGS; i++) {
        g->r[i] = tcg_global_new(s, offsetof(FakeCPU, regs) + 8 * i, names[i]);
    }
    g->pc = tcg_global_new(s, offsetof(FakeCPU, pc), "pc");
    s->frontend_data = g;
}

static void fake_free_context(TCGContext *s, void *opaque)
{
    g_free(s->frontend_data);
}

static void fake_get_tb_cpu_state(void *env, uint64_t *pc, uint32_t *flags)
{
    *pc = ((FakeCPU *)env)->pc;
    *flags = TCG_TB_FLAG_PHYS ^ ((FakeCPU *)env)->flags_xor;
}

static uint64_t fake_get_code_phys(void *env, uint64_t pc)
{
    return pc;
}

static void fake_restore_state(void *env, const uint64_t data[2])
{
    FakeCPU *cpu = env;
    cpu->fault_pc = data[0];
    cpu->fault_word = data[1];
    cpu->pc = data[0];
}

static uint64_t fake_load_slow(void *env, uint64_t addr, TCGMemOpIdx oi, uintptr_t retaddr)
{
    FakeCPU *cpu = env;
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);
    uint64_t val = 0;

    if (addr >= MMIO_BASE && addr < MMIO_BASE + 0x1000) {
        cpu->mmio_reads++;
        return (addr - MMIO_BASE) * 0x0101010101010101ull & (size == 8 ? UINT64_MAX
                                                                      : (1ull << (8 * size)) - 1);
    }
    if (addr < RAM_BASE || addr + size > RAM_BASE + RAM_SIZE) {
        tcg_cpu_loop_exit_restore(&cpu->common, retaddr);
    }
    /* Fill the TLB so that the next access to this page hits; misaligned stays slow. */
    tcg_tlb_set_page(&cpu->common, tcg_memop_idx_mmu(oi), addr,
                     fake_ram + ((addr - RAM_BASE) & TCG_PAGE_MASK),
                     TCG_PROT_READ | TCG_PROT_WRITE);
    memcpy(&val, fake_ram + (addr - RAM_BASE), size);
    return val;
}

static void fake_store_slow(void *env, uint64_t addr, uint64_t val, TCGMemOpIdx oi,
                            uintptr_t retaddr)
{
    FakeCPU *cpu = env;
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);

    if (addr >= MMIO_BASE && addr < MMIO_BASE + 0x1000) {
        cpu->mmio_writes++;
        cpu->mmio_last = val;
        return;
    }
    if (addr < RAM_BASE || addr + size > RAM_BASE + RAM_SIZE) {
        tcg_cpu_loop_exit_restore(&cpu->common, retaddr);
    }
    tcg_tlb_set_page(&cpu->common, tcg_memop_idx_mmu(oi), addr,
                     fake_ram + ((addr - RAM_BASE) & TCG_PAGE_MASK),
                     TCG_PROT_READ | TCG_PROT_WRITE);
    memcpy(fake_ram + (addr - RAM_BASE), &val, size);
}

static const TCGFrontend fake_frontend = {
    .name = "fake",
    .common_offset = offsetof(FakeCPU, common),
    .init_context = fake_init_context,
    .free_context = fake_free_context,
    .get_tb_cpu_state = fake_get_tb_cpu_state,
    .get_code_phys = fake_get_code_phys,
    .restore_state = fake_restore_state,
    .load_slow = fake_load_slow,
    .store_slow = fake_store_slow,
};

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    TCGJitOptions opts = {.code_size = 4 * 1024 * 1024, .no_optimize = data != NULL};

    f->jit = tcg_jit_new(&fake_frontend, &opts, &err);
    g_assert_no_error(err);
    f->cpu = g_new0(FakeCPU, 1);
    g_assert_true(tcg_cpu_init(f->jit, f->cpu, &err));
    f->s = f->cpu->common.ctx;
    FakeGlobals *g = f->s->frontend_data;
    memcpy(f->r, g->r, sizeof(f->r));
    f->pc = g->pc;
    f->ram = g_malloc0(RAM_SIZE);
    fake_ram = f->ram;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    tcg_cpu_finalize(f->jit, f->cpu);
    tcg_jit_free(f->jit);
    g_free(f->cpu);
    g_free(f->ram);
    fake_ram = NULL;
}

static TranslationBlock *compile(Fixture *f)
{
    uint64_t pc = 0x100000 + 4 * f->next_pc++;

    tcg_gen_exit_tb(f->s, TCG_EXIT_NOCHAIN);
    TranslationBlock *tb = tcg_tb_compile(f->s, pc, pc, UINT64_MAX, TCG_TB_FLAG_PHYS, 4);
    g_assert_nonnull(tb);
    return tb;
}

static uintptr_t run(Fixture *f, TranslationBlock *tb)
{
    return tcg_exec_tb(f->jit, f->cpu, tb);
}

/* ---- differential arithmetic ---- */

static const uint64_t edge_values[] = {
    0, 1, 2, 3, 7, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
    0x8000000000000000ull, 0xffffffff80000000ull, 0xfffffffffffffffeull, UINT64_MAX,
    0x123456789abcdef0ull, 0xfedcba9876543210ull,
};

static const TCGOpcode binary_ops[] = {
    INDEX_op_add,   INDEX_op_sub,    INDEX_op_and,   INDEX_op_or,     INDEX_op_xor,
    INDEX_op_shl,   INDEX_op_shr,    INDEX_op_sar,   INDEX_op_mul,    INDEX_op_mulsh,
    INDEX_op_muluh, INDEX_op_mulsuh, INDEX_op_div,   INDEX_op_divu,   INDEX_op_rem,
    INDEX_op_remu,  INDEX_op_add_w,  INDEX_op_sub_w, INDEX_op_mul_w,  INDEX_op_shl_w,
    INDEX_op_shr_w, INDEX_op_sar_w,  INDEX_op_div_w, INDEX_op_divu_w, INDEX_op_rem_w,
    INDEX_op_remu_w,
};

static const TCGOpcode unary_ops[] = {
    INDEX_op_neg,    INDEX_op_not,   INDEX_op_ext8s,  INDEX_op_ext8u,
    INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u,
};

static uint64_t pick_value(GRand *rng)
{
    if (g_rand_boolean(rng)) {
        return edge_values[g_rand_int_range(rng, 0, G_N_ELEMENTS(edge_values))];
    }
    return ((uint64_t)g_rand_int(rng) << 32) | g_rand_int(rng);
}

static void emit_binop(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    TCGArg args[3] = {d.id, a.id, b.id};
    tcg_emit_op(s, opc, args);
}

/* Variants of operand placement that exercise different allocator paths. */
enum { V_GLOBALS, V_INPLACE, V_SAME, V_TEMPS, V_CONST_B, V_CONST_A, V_COUNT };

static void test_binary_ops(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(1234);

    for (unsigned k = 0; k < G_N_ELEMENTS(binary_ops); k++) {
        TCGOpcode opc = binary_ops[k];
        for (unsigned v = 0; v < V_COUNT; v++) {
            unsigned nconst = (v == V_CONST_A || v == V_CONST_B) ? 12 : 1;
            for (unsigned c = 0; c < nconst; c++) {
                uint64_t cval = c == 0  ? 0 /* 0 - x is lowered as a negation */
                                : c < 6 ? edge_values[g_rand_int_range(rng, 0,
                                                                       G_N_ELEMENTS(edge_values))]
                                        : pick_value(rng);
                TCGContext *s = f->s;
                tcg_func_start(s);
                switch (v) {
                case V_GLOBALS:
                    emit_binop(s, opc, f->r[2], f->r[0], f->r[1]);
                    break;
                case V_INPLACE:
                    tcg_gen_mov(s, f->r[2], f->r[0]);
                    emit_binop(s, opc, f->r[2], f->r[2], f->r[1]);
                    break;
                case V_SAME:
                    emit_binop(s, opc, f->r[3], f->r[0], f->r[0]);
                    emit_binop(s, opc, f->r[2], f->r[0], f->r[1]);
                    break;
                case V_TEMPS: {
                    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), d = tcg_temp_new(s);
                    tcg_gen_mov(s, a, f->r[0]);
                    tcg_gen_mov(s, b, f->r[1]);
                    emit_binop(s, opc, d, a, b);
                    tcg_gen_mov(s, f->r[2], d);
                    break;
                }
                case V_CONST_B:
                    emit_binop(s, opc, f->r[2], f->r[0], tcg_constant(s, (int64_t)cval));
                    break;
                case V_CONST_A:
                    emit_binop(s, opc, f->r[2], tcg_constant(s, (int64_t)cval), f->r[1]);
                    break;
                }
                TranslationBlock *tb = compile(f);
                for (unsigned n = 0; n < 40; n++) {
                    uint64_t a = pick_value(rng), b = pick_value(rng), want, want_same = 0;
                    uint64_t a_in = a;
                    f->cpu->regs[0] = a;
                    f->cpu->regs[1] = b;
                    run(f, tb);
                    if (v == V_CONST_B) {
                        b = cval;
                    } else if (v == V_CONST_A) {
                        a = cval;
                    }
                    g_assert_true(tcg_op_eval(opc, a, b, &want));
                    if (f->cpu->regs[2] != want) {
                        g_test_message("%s variant %u: a=0x%" G_GINT64_MODIFIER "x b=0x%"
                                       G_GINT64_MODIFIER "x got 0x%" G_GINT64_MODIFIER
                                       "x want 0x%" G_GINT64_MODIFIER "x",
                                       tcg_op_defs[opc].name, v, a, b, f->cpu->regs[2], want);
                    }
                    g_assert_cmphex(f->cpu->regs[2], ==, want);
                    if (v == V_SAME) {
                        tcg_op_eval(opc, a, a, &want_same);
                        g_assert_cmphex(f->cpu->regs[3], ==, want_same);
                    }
                    g_assert_cmphex(f->cpu->regs[0], ==, a_in);
                }
            }
        }
    }
}

static void test_unary_ops(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(99);

    for (unsigned k = 0; k < G_N_ELEMENTS(unary_ops); k++) {
        TCGContext *s = f->s;
        TCGArg args[2] = {f->r[2].id, f->r[0].id};
        TCGArg args2[2] = {f->r[1].id, f->r[1].id};
        tcg_func_start(s);
        tcg_emit_op(s, unary_ops[k], args);
        tcg_emit_op(s, unary_ops[k], args2);
        TranslationBlock *tb = compile(f);
        for (unsigned n = 0; n < 200; n++) {
            uint64_t a = pick_value(rng), b = pick_value(rng), want, want_b;
            f->cpu->regs[0] = a;
            f->cpu->regs[1] = b;
            run(f, tb);
            tcg_op_eval(unary_ops[k], a, 0, &want);
            tcg_op_eval(unary_ops[k], b, 0, &want_b);
            g_assert_cmphex(f->cpu->regs[2], ==, want);
            g_assert_cmphex(f->cpu->regs[1], ==, want_b);
        }
    }
}

static const TCGCond all_conds[] = {
    TCG_COND_EQ, TCG_COND_NE,  TCG_COND_LT,  TCG_COND_GE,  TCG_COND_LE,  TCG_COND_GT,
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU, TCG_COND_ALWAYS, TCG_COND_NEVER,
};

static void test_setcond_movcond(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(7);

    for (unsigned k = 0; k < G_N_ELEMENTS(all_conds); k++) {
        TCGCond c = all_conds[k];
        TCGContext *s = f->s;
        tcg_func_start(s);
        tcg_gen_setcond(s, c, f->r[2], f->r[0], f->r[1]);
        tcg_gen_movcond(s, c, f->r[3], f->r[0], f->r[1], f->r[4], f->r[5]);
        tcg_gen_setcondi(s, c, f->r[6], f->r[0], 0x80000000);
        tcg_gen_setcondi(s, c, f->r[7], f->r[0], 0);
        tcg_gen_movcond(s, c, f->r[8], f->r[0], tcg_constant(s, -5), tcg_constant(s, 11),
                        f->r[5]);
        TranslationBlock *tb = compile(f);
        for (unsigned n = 0; n < 300; n++) {
            uint64_t a = pick_value(rng), b = n % 3 == 0 ? a : pick_value(rng);
            if (n % 7 == 0) {
                a = (uint64_t)-5;
            }
            f->cpu->regs[0] = a;
            f->cpu->regs[1] = b;
            f->cpu->regs[4] = 0x4444;
            f->cpu->regs[5] = 0x5555;
            run(f, tb);
            g_assert_cmpuint(f->cpu->regs[2], ==, tcg_cond_eval(c, a, b));
            g_assert_cmphex(f->cpu->regs[3], ==, tcg_cond_eval(c, a, b) ? 0x4444 : 0x5555);
            g_assert_cmpuint(f->cpu->regs[6], ==, tcg_cond_eval(c, a, 0x80000000));
            g_assert_cmpuint(f->cpu->regs[7], ==, tcg_cond_eval(c, a, 0));
            g_assert_cmphex(f->cpu->regs[8], ==, tcg_cond_eval(c, a, (uint64_t)-5) ? 11 : 0x5555);
        }
    }
}

/* if (r0 cond r1) r2 = r0 + 1 else r2 = r1 - 1; through labels and a local temp. */
static void test_brcond(Fixture *f, gconstpointer data)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(8);

    for (unsigned k = 0; k < G_N_ELEMENTS(all_conds); k++) {
        TCGCond c = all_conds[k];
        TCGContext *s = f->s;
        tcg_func_start(s);
        TCGLabel l_else = tcg_label_new(s), l_end = tcg_label_new(s);
        TCGv loc = tcg_temp_new_local(s);
        tcg_gen_movi(s, loc, 100);
        tcg_gen_addi(s, f->r[9], f->r[9], 1); /* dirty global across the branch */
        tcg_gen_brcond(s, tcg_cond_invert(c), f->r[0], f->r[1], l_else);
        tcg_gen_addi(s, f->r[2], f->r[0], 1);
        tcg_gen_addi(s, loc, loc, 1);
        tcg_gen_br(s, l_end);
        tcg_gen_set_label(s, l_else);
        tcg_gen_subi(s, f->r[2], f->r[1], 1);
        tcg_gen_subi(s, loc, loc, 1);
        tcg_gen_set_label(s, l_end);
        tcg_gen_mov(s, f->r[3], loc);
        TranslationBlock *tb = compile(f);
        for (unsigned n = 0; n < 100; n++) {
            uint64_t a = pick_value(rng), b = n % 4 == 0 ? a : pick_value(rng);
            f->cpu->regs[0] = a;
            f->cpu->regs[1] = b;
            f->cpu->regs[9] = n;
            run(f, tb);
            bool t = tcg_cond_eval(c, a, b);
            g_assert_cmphex(f->cpu->regs[2], ==, t ? a + 1 : b - 1);
            g_assert_cmpuint(f->cpu->regs[3], ==, t ? 101 : 99);
            g_assert_cmpuint(f->cpu->regs[9], ==, n + 1);
        }
    }
}

/* ---- helpers ---- */

static uint64_t helper_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                           uint64_t g)
{
    return a * 1 + b * 10 + c * 100 + d * 1000 + e * 10000 + g * 100000;
}

/* Reads and writes globals through env: the JIT must sync before and reload after. */
static uint64_t helper_touch_env(void *env)
{
    FakeCPU *cpu = env;
    cpu->helper_calls++;
    cpu->regs[5] = cpu->regs[4] * 2;
    return cpu->regs[4] + 1;
}

static uint64_t helper_pure_add(uint64_t a, uint64_t b)
{
    return a + b;
}

static void test_call(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    tcg_func_start(s);
    TCGv t = tcg_temp_new(s);
    TCGv keep[8];
    /* Values live across the calls, in more registers than are callee-saved. */
    for (unsigned i = 0; i < 8; i++) {
        keep[i] = tcg_temp_new_local(s);
        tcg_gen_addi(s, keep[i], f->r[0], i);
    }
    TCGv args[6] = {f->r[0], f->r[1], tcg_constant(s, 3), f->r[2], keep[1], f->r[0]};
    tcg_gen_call(s, (void *)helper_mix, TCG_CALL_PURE, f->r[6], 6, args);
    tcg_gen_addi(s, f->r[4], f->r[0], 5); /* dirty: the helper must see it */
    TCGv envarg[1] = {TCG_ENV};
    tcg_gen_call(s, (void *)helper_touch_env, 0, t, 1, envarg);
    tcg_gen_add(s, f->r[7], t, f->r[5]); /* r5 was written by the helper */
    TCGv pargs[2] = {keep[0], keep[7]};
    tcg_gen_call(s, (void *)helper_pure_add, TCG_CALL_PURE, f->r[8], 2, pargs);
    TCGv unused = tcg_temp_new(s);
    tcg_gen_call(s, (void *)helper_pure_add, TCG_CALL_PURE, unused, 2, pargs);
    TCGv sum = tcg_temp_new(s);
    tcg_gen_movi(s, sum, 0);
    for (unsigned i = 0; i < 8; i++) {
        tcg_gen_add(s, sum, sum, keep[i]);
    }
    tcg_gen_mov(s, f->r[10], sum);
    TranslationBlock *tb = compile(f);

    f->cpu->regs[0] = 1;
    f->cpu->regs[1] = 2;
    f->cpu->regs[2] = 4;
    run(f, tb);
    g_assert_cmpuint(f->cpu->regs[6], ==, helper_mix(1, 2, 3, 4, 2, 1));
    g_assert_cmpuint(f->cpu->regs[4], ==, 6);
    g_assert_cmpuint(f->cpu->regs[5], ==, 12);
    g_assert_cmpuint(f->cpu->regs[7], ==, 7 + 12);
    g_assert_cmpuint(f->cpu->regs[8], ==, 1 + 8);
    g_assert_cmpuint(f->cpu->regs[10], ==, 8 * 1 + 28);
    g_assert_cmpuint(f->cpu->helper_calls, ==, 1);
}

/* ---- register pressure ---- */

static void test_spills(Fixture *f, gconstpointer data)
{
    enum { N = 60 };
    g_autoptr(GRand) rng = g_rand_new_with_seed(5);
    TCGContext *s = f->s;
    TCGv t[N];

    tcg_func_start(s);
    for (unsigned i = 0; i < N; i++) {
        t[i] = tcg_temp_new(s);
        tcg_gen_muli(s, t[i], f->r[i % 4], (int64_t)(i * 2 + 1));
        tcg_gen_xori(s, t[i], t[i], (int64_t)i << 40);
    }
    /* Everything is still live: combine in a different order, with shifts and divisions
     * that need fixed registers. */
    TCGv acc = tcg_temp_new(s);
    tcg_gen_movi(s, acc, 0);
    for (unsigned i = N; i-- > 0;) {
        tcg_gen_shl(s, t[i], t[i], f->r[4]);
        tcg_gen_add(s, acc, acc, t[i]);
        tcg_gen_divu(s, f->r[6], acc, f->r[5]);
        tcg_gen_add(s, acc, acc, f->r[6]);
    }
    tcg_gen_mov(s, f->r[7], acc);
    TranslationBlock *tb = compile(f);

    for (unsigned n = 0; n < 50; n++) {
        uint64_t in[6];
        for (unsigned i = 0; i < 6; i++) {
            in[i] = pick_value(rng);
            f->cpu->regs[i] = in[i];
        }
        run(f, tb);
        uint64_t v[N], a = 0, q = 0;
        for (unsigned i = 0; i < N; i++) {
            v[i] = (in[i % 4] * (i * 2 + 1)) ^ ((uint64_t)i << 40);
        }
        for (unsigned i = N; i-- > 0;) {
            v[i] <<= in[4] & 63;
            a += v[i];
            q = in[5] ? a / in[5] : UINT64_MAX;
            a += q;
        }
        g_assert_cmphex(f->cpu->regs[7], ==, a);
        g_assert_cmphex(f->cpu->regs[6], ==, q);
    }
}

/* ---- soft-MMU ---- */

static void test_qemu_ld_st(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    static const TCGMemOp loads[] = {MO_UB, MO_SB, MO_UW, MO_SW, MO_UL, MO_SL, MO_UQ};

    tcg_func_start(s);
    /* r1 = address; store r0 with every size at r1 + 0/8/16/24, load back. */
    TCGv addr = tcg_temp_new(s);
    for (unsigned sz = 0; sz < 4; sz++) {
        tcg_gen_addi(s, addr, f->r[1], sz * 8);
        tcg_gen_qemu_st(s, f->r[0], addr, 0, (TCGMemOp)sz);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(loads); i++) {
        tcg_gen_qemu_ld(s, f->r[2 + i], f->r[1], 0, loads[i]);
    }
    TranslationBlock *tb = compile(f);

    uint64_t misses_before = f->cpu->common.stats.tlb_misses;
    for (unsigned round = 0; round < 3; round++) {
        uint64_t a = RAM_BASE + 0x1000 * round + 0x100;
        f->cpu->regs[0] = 0x8899aabbccddeeffull;
        f->cpu->regs[1] = a;
        run(f, tb);
        uint8_t *p = f->ram + (a - RAM_BASE);
        g_assert_cmphex(p[0], ==, 0xff);
        g_assert_cmphex(*(uint16_t *)(p + 8), ==, 0xeeff);
        g_assert_cmphex(*(uint32_t *)(p + 16), ==, 0xccddeeff);
        g_assert_cmphex(*(uint64_t *)(p + 24), ==, 0x8899aabbccddeeffull);
        g_assert_cmphex(f->cpu->regs[2], ==, 0xff);
        g_assert_cmphex(f->cpu->regs[3], ==, UINT64_MAX);
        g_assert_cmphex(f->cpu->regs[4], ==, 0xff);
        g_assert_cmphex(f->cpu->regs[5], ==, 0xff);
        g_assert_cmphex(f->cpu->regs[6], ==, 0xff);
        g_assert_cmphex(f->cpu->regs[7], ==, 0xff);
        g_assert_cmphex(f->cpu->regs[8], ==, 0xff);
        g_assert_cmpuint(f->cpu->regs[0], ==, 0x8899aabbccddeeffull);
        g_assert_cmpuint(f->cpu->regs[1], ==, a);
    }
    /* The first access of each page missed; the TLB then served the rest. */
    uint64_t misses = f->cpu->common.stats.tlb_misses - misses_before;
    g_assert_cmpuint(misses, ==, 3);
    run(f, tb);
    g_assert_cmpuint(f->cpu->common.stats.tlb_misses - misses_before, ==, 3);

    /* Misaligned accesses always take the slow path, and still work. */
    f->cpu->regs[1] = RAM_BASE + 0x2001;
    run(f, tb);
    g_assert_cmphex(f->cpu->regs[8], ==, 0xff);
    /* byte accesses hit (the page is cached); the 3 wider stores and 5 wider loads miss */
    g_assert_cmpuint(f->cpu->common.stats.tlb_misses - misses_before, ==, 3 + 3 + 5);

    /* MMIO: never cached in the TLB. */
    f->cpu->regs[1] = MMIO_BASE + 0x12;
    run(f, tb);
    g_assert_cmpuint(f->cpu->mmio_writes, ==, 4);
    g_assert_cmpuint(f->cpu->mmio_reads, ==, 7);
    g_assert_cmphex(f->cpu->regs[4], ==, 0x1212);
    g_assert_cmphex(f->cpu->regs[5], ==, 0x1212);
}

/* Constant values are stored as immediates: every size, RAM (hit and miss) and MMIO. */
static void test_qemu_st_const(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    static const int64_t vals[] = {0, -2, 0x12345678, INT64_C(0x123456789abcdef0)};

    tcg_func_start(s);
    for (unsigned sz = 0; sz < 4; sz++) {
        for (unsigned v = 0; v < G_N_ELEMENTS(vals); v++) {
            TCGv addr = tcg_temp_new(s);
            tcg_gen_addi(s, addr, f->r[1], (int64_t)(sz * 32 + v * 8));
            tcg_gen_qemu_st(s, tcg_constant(s, vals[v]), addr, 0, (TCGMemOp)sz);
        }
    }
    TranslationBlock *tb = compile(f);
#if CONFIG_CAPSTONE
    g_autofree char *listing = tcg_tb_disas(tb);
    g_assert_nonnull(strstr(listing, "], 0xfffe\n"));   /* mov word ptr [...], imm16 */
    g_assert_nonnull(strstr(listing, "], -2\n"));       /* mov qword ptr [...], imm32 */
#endif

    for (unsigned round = 0; round < 3; round++) {
        uint64_t a = RAM_BASE + 0x3000 + 0x100 * round;
        memset(f->ram + (a - RAM_BASE), 0xee, 128);
        f->cpu->regs[1] = a;
        run(f, tb);
        for (unsigned sz = 0; sz < 4; sz++) {
            for (unsigned v = 0; v < G_N_ELEMENTS(vals); v++) {
                uint64_t got = 0, want = (uint64_t)vals[v];
                unsigned n = 1u << sz;
                memcpy(&got, f->ram + (a - RAM_BASE) + sz * 32 + v * 8, 8);
                if (n < 8) {
                    want = (want & ((UINT64_C(1) << (8 * n)) - 1)) |
                           (UINT64_C(0xeeeeeeeeeeeeeeee) << (8 * n));
                }
                g_assert_cmphex(got, ==, want);
            }
        }
    }
    f->cpu->regs[1] = MMIO_BASE;
    uint64_t w = f->cpu->mmio_writes;
    run(f, tb);
    g_assert_cmpuint(f->cpu->mmio_writes - w, ==, 16);
    g_assert_cmphex(f->cpu->mmio_last, ==, 0x123456789abcdef0ull);

    /* The slow path gets the constant too. */
    tcg_func_start(s);
    tcg_gen_qemu_st(s, tcg_constant(s, -2), f->r[1], 0, MO_UL);
    tb = compile(f);
    run(f, tb);
    g_assert_cmphex((uint32_t)f->cpu->mmio_last, ==, 0xfffffffe);
}

/* ---- grouped accesses (tcg_memgroup) ---- */

static unsigned count_ops(TCGContext *s, TCGOpcode opc)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        n += s->ops[i].opc == opc;
    }
    return n;
}

static uint64_t ram_get(Fixture *f, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, f->ram + (addr - RAM_BASE), size);
    return v;
}

static void ram_set(Fixture *f, uint64_t addr, uint64_t v, unsigned size)
{
    memcpy(f->ram + (addr - RAM_BASE), &v, size);
}

/* Runs tb; true when it left through a guest fault (fake_*_slow outside RAM). */
static bool run_may_fault(Fixture *f, TranslationBlock *tb)
{
    if (sigsetjmp(f->cpu->common.jmp_env, 0) != 0) {
        return true;
    }
    run(f, tb);
    return false;
}

/*
 * One block, six accesses off r1 (one check for the window [r1 - 8, r1 + 24)), run where
 * the check passes, where it fails (TLB miss, window across pages, misaligned base,
 * MMIO, watched or read-only page) and where an access in the middle faults.
 */
static void test_grouped_accesses(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    static const struct {
        bool store;
        int off;
        TCGMemOp mop;
        unsigned reg;
    } acc[] = {
        {true, 0, MO_UQ, 0},  {true, 8, MO_UQ, 2},  {false, -8, MO_UQ, 3},
        {true, 16, MO_UL, 4}, {false, 20, MO_SL, 5}, {false, 3, MO_UB, 6},
    };

    tcg_func_start(s);
    for (unsigned i = 0; i < G_N_ELEMENTS(acc); i++) {
        TCGv addr = tcg_temp_new(s);
        tcg_gen_insn_start(s, 0x100800 + 4 * i, 0); /* compile()'s page */
        tcg_gen_addi(s, addr, f->r[1], acc[i].off);
        if (acc[i].store) {
            tcg_gen_qemu_st(s, f->r[acc[i].reg], addr, 0, acc[i].mop);
        } else {
            tcg_gen_qemu_ld(s, f->r[acc[i].reg], addr, 0, acc[i].mop);
        }
        tcg_gen_addi(s, f->r[7], f->r[7], 1); /* instructions done, synced at a fault */
    }
    TranslationBlock *tb = compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 1);
    g_assert_cmpuint(count_ops(s, INDEX_op_qemu_st_a), ==, 3);
    g_assert_cmpuint(count_ops(s, INDEX_op_qemu_ld_a), ==, 3);
    g_assert_cmpuint(count_ops(s, INDEX_op_qemu_ld) + count_ops(s, INDEX_op_qemu_st), ==, 0);

    TCGCPUStats *st = &f->cpu->common.stats;
    uint64_t bases[] = {
        RAM_BASE + 0x1008, /* first: TLB empty; second round: the check passes */
        RAM_BASE + 0x1008,
        RAM_BASE + 0x2000, /* r1 - 8 in the page before */
        RAM_BASE + 0x3104, /* not 8-aligned: every 8-byte access takes the slow path, */
        RAM_BASE + 0x3104, /* also once the page is in the TLB */
        RAM_BASE + 0x2ff0, /* r1 + 16 in the next page */
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(bases); k++) {
        uint64_t b = bases[k];
        uint64_t misses = st->tlb_misses;
        f->cpu->regs[1] = b;
        f->cpu->regs[0] = 0x1111111111111111ull * (k + 1);
        f->cpu->regs[2] = 0x2222222222222222ull * (k + 1);
        f->cpu->regs[4] = 0x80000004u + k;
        f->cpu->regs[7] = 0;
        ram_set(f, b - 8, 0xabcdef0123456789ull + k, 8);
        run(f, tb);
        g_assert_cmpuint(f->cpu->regs[7], ==, G_N_ELEMENTS(acc));
        g_assert_cmphex(ram_get(f, b, 8), ==, f->cpu->regs[0]);
        g_assert_cmphex(ram_get(f, b + 8, 8), ==, f->cpu->regs[2]);
        g_assert_cmphex(f->cpu->regs[3], ==, 0xabcdef0123456789ull + k);
        g_assert_cmphex(ram_get(f, b + 16, 4), ==, 0x80000004u + k);
        g_assert_cmphex(f->cpu->regs[5], ==, (uint64_t)(int64_t)(int32_t)ram_get(f, b + 20, 4));
        g_assert_cmphex(f->cpu->regs[6], ==, 0x11 * (k + 1));
        if (k == 1) {
            g_assert_cmpuint(st->tlb_misses, ==, misses); /* all through the one check */
        } else if (k < 5) {
            g_assert_cmpuint(st->tlb_misses, >, misses); /* a new page, or misaligned */
        }
    }

    /* Pages that are not contiguous in host memory: r1 - 8 must be read from the page
     * before r1's, not through r1's page's addend. */
    g_autofree uint8_t *other = g_malloc0(3 * TCG_PAGE_SIZE);
    tcg_tlb_set_page(&f->cpu->common, 0, RAM_BASE + 0x1000, f->ram + 0x1000,
                     TCG_PROT_READ | TCG_PROT_WRITE);
    tcg_tlb_set_page(&f->cpu->common, 0, RAM_BASE + 0x2000, other + TCG_PAGE_SIZE,
                     TCG_PROT_READ | TCG_PROT_WRITE);
    for (unsigned round = 0; round < 2; round++) {
        uint64_t misses = st->tlb_misses;
        f->cpu->regs[0] = 0x0a0b0c0d0e0f0001ull + round;
        f->cpu->regs[1] = RAM_BASE + 0x2000;
        ram_set(f, RAM_BASE + 0x1ff8, 0x6666666666666666ull + round, 8);
        memset(other + TCG_PAGE_SIZE, 0x33, 32);
        run(f, tb);
        g_assert_cmphex(f->cpu->regs[3], ==, 0x6666666666666666ull + round);
        uint64_t v;
        memcpy(&v, other + TCG_PAGE_SIZE, 8);
        g_assert_cmphex(v, ==, 0x0a0b0c0d0e0f0001ull + round);
        g_assert_cmphex(f->cpu->regs[5], ==, 0x33333333);
        g_assert_cmpuint(st->tlb_misses, ==, misses);
        /* Same with the window in the one page: through the check. */
        f->cpu->regs[1] = RAM_BASE + 0x2010;
        run(f, tb);
        g_assert_cmphex(f->cpu->regs[3], ==, f->cpu->regs[2]); /* stored at r1 + 8 above */
        memcpy(&v, other + TCG_PAGE_SIZE + 0x10, 8);
        g_assert_cmphex(v, ==, 0x0a0b0c0d0e0f0001ull + round);
        /* r1 + 16 and r1 + 20 in the next page. */
        f->cpu->regs[1] = RAM_BASE + 0x1ff0;
        f->cpu->regs[4] = 0x12345678 + round;
        memset(other + TCG_PAGE_SIZE, 0x44, 8);
        run(f, tb);
        uint32_t w32;
        memcpy(&w32, other + TCG_PAGE_SIZE, 4);
        g_assert_cmphex(w32, ==, 0x12345678 + round);
        g_assert_cmphex(f->cpu->regs[5], ==, 0x44444444);
        g_assert_cmphex(ram_get(f, RAM_BASE + 0x1ff0, 8), ==, f->cpu->regs[0]);
        g_assert_cmpuint(st->tlb_misses, ==, misses);
    }
    tcg_tlb_flush_page(&f->cpu->common, RAM_BASE + 0x2000);

    /* Flags the check must respect: a watched page (code: stores go to the slow path
     * that invalidates translations) and a read-only one. */
    for (unsigned prot = 0; prot < 2; prot++) {
        tcg_tlb_set_page(&f->cpu->common, 0, RAM_BASE + 0x1000, f->ram + 0x1000,
                         prot ? TCG_PROT_READ
                              : TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_WATCH_WRITE);
        uint64_t misses = st->tlb_misses;
        f->cpu->regs[0] = 0x5a5a5a5a5a5a5a5aull + prot;
        f->cpu->regs[1] = RAM_BASE + 0x1008;
        run(f, tb);
        g_assert_cmphex(ram_get(f, RAM_BASE + 0x1008, 8), ==, 0x5a5a5a5a5a5a5a5aull + prot);
        g_assert_cmpuint(st->tlb_misses, >, misses);
    }

    /* MMIO: every access reaches the device. */
    uint64_t w = f->cpu->mmio_writes, r = f->cpu->mmio_reads;
    f->cpu->regs[1] = MMIO_BASE + 0x100;
    f->cpu->regs[4] = 0x44;
    run(f, tb);
    g_assert_cmpuint(f->cpu->mmio_writes - w, ==, 3);
    g_assert_cmpuint(f->cpu->mmio_reads - r, ==, 3);
    g_assert_cmphex(f->cpu->mmio_last, ==, 0x44);
    g_assert_cmphex(f->cpu->regs[3], ==, 0xf8f8f8f8f8f8f8f8ull);
    g_assert_cmphex(f->cpu->regs[5], ==, (uint32_t)(0x114 * 0x01010101u));
    g_assert_cmphex(f->cpu->regs[6], ==, 0x03);

    /* r1 = start of RAM: the load of r1 - 8 faults. The stores before it are done, the
     * one after it is not, and the fault names the load's instruction. */
    f->cpu->regs[1] = RAM_BASE + 0x10;
    run(f, tb); /* page 0 in the TLB: the first two stores hit */
    ram_set(f, RAM_BASE + 16, 0x77777777, 4);
    f->cpu->regs[0] = 0x0102030405060708ull;
    f->cpu->regs[2] = 0x1112131415161718ull;
    f->cpu->regs[1] = RAM_BASE;
    f->cpu->regs[7] = 0;
    uint64_t misses = st->tlb_misses;
    g_assert_true(run_may_fault(f, tb));
    g_assert_cmphex(f->cpu->fault_pc, ==, 0x100808);
    g_assert_cmpuint(f->cpu->regs[7], ==, 2);
    g_assert_cmphex(ram_get(f, RAM_BASE, 8), ==, 0x0102030405060708ull);
    g_assert_cmphex(ram_get(f, RAM_BASE + 8, 8), ==, 0x1112131415161718ull);
    g_assert_cmphex(ram_get(f, RAM_BASE + 16, 4), ==, 0x77777777);
    g_assert_cmpuint(st->tlb_misses, ==, misses + 1);
}

/* What does not group: a base changed in between, a helper call in between, a window
 * too wide, accesses through other MMU indexes. */
static void test_grouping_limits(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    tcg_func_start(s);
    TCGv a = tcg_temp_new(s);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[2], a, 0, MO_UQ);
    tcg_gen_xori(s, f->r[1], f->r[1], 16); /* a new base value (an add would be followed) */
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[3], a, 0, MO_UQ);
    tcg_gen_qemu_ld(s, f->r[4], f->r[5], 1, MO_UQ); /* other MMU index, other base */
    tcg_gen_addi(s, a, f->r[5], 3000);
    tcg_gen_qemu_ld(s, f->r[6], a, 1, MO_UQ); /* 3000 bytes away */
    compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 0);

    tcg_func_start(s);
    a = tcg_temp_new(s);
    tcg_gen_qemu_ld(s, f->r[2], f->r[1], 0, MO_UQ);
    TCGv args[1] = {TCG_ENV};
    tcg_gen_call(s, (void *)helper_touch_env, 0, f->r[9], 1, args);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[3], a, 0, MO_UQ);
    compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 0);

    /* Alignments that one test of the widest access cannot vouch for. */
    tcg_func_start(s);
    a = tcg_temp_new(s);
    tcg_gen_qemu_ld(s, f->r[2], f->r[1], 0, MO_UQ);
    tcg_gen_addi(s, a, f->r[1], 2);
    tcg_gen_qemu_ld(s, f->r[3], a, 0, MO_UL);
    compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 0);

    /* Addresses known at translation time group too. */
    tcg_func_start(s);
    tcg_gen_qemu_ld(s, f->r[2], tcg_constant(s, RAM_BASE + 0x208), 0, MO_UQ);
    tcg_gen_qemu_st(s, f->r[4], tcg_constant(s, RAM_BASE + 0x200), 0, MO_UL);
    tcg_gen_qemu_ld(s, f->r[3], tcg_constant(s, RAM_BASE + 0x200), 0, MO_UQ);
    TranslationBlock *ctb = compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 1);
    ram_set(f, RAM_BASE + 0x200, 0x1111111111111111ull, 8);
    ram_set(f, RAM_BASE + 0x208, 0x2222, 8);
    for (unsigned round = 0; round < 2; round++) {
        f->cpu->regs[4] = 0x33333333 + round;
        run(f, ctb);
        g_assert_cmphex(f->cpu->regs[2], ==, 0x2222);
        g_assert_cmphex(f->cpu->regs[3], ==, 0x1111111133333333ull + round);
    }

    /* The base changed, but the addresses were computed from its earlier value. */
    tcg_func_start(s);
    a = tcg_temp_new(s);
    TCGv b = tcg_temp_new(s);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_addi(s, b, f->r[1], 16);
    tcg_gen_movi(s, f->r[1], 0);
    tcg_gen_qemu_ld(s, f->r[2], a, 0, MO_UQ);
    tcg_gen_qemu_ld(s, f->r[3], b, 0, MO_UQ);
    TranslationBlock *tb = compile(f);
    g_assert_cmpuint(count_ops(s, INDEX_op_tlb_check), ==, 1);
    ram_set(f, RAM_BASE + 0x108, 1, 8);
    ram_set(f, RAM_BASE + 0x110, 2, 8);
    for (unsigned round = 0; round < 2; round++) {
        f->cpu->regs[1] = RAM_BASE + 0x100;
        run(f, tb);
        g_assert_cmpuint(f->cpu->regs[2], ==, 1);
        g_assert_cmpuint(f->cpu->regs[3], ==, 2);
        g_assert_cmpuint(f->cpu->regs[1], ==, 0);
    }
}

/* ---- block exits, chaining, exit requests ---- */

static TranslationBlock *compile_at(Fixture *f, uint64_t pc)
{
    TranslationBlock *tb = tcg_tb_compile(f->s, pc, pc, UINT64_MAX, TCG_TB_FLAG_PHYS, 4);
    g_assert_nonnull(tb);
    return tb;
}

static void test_goto_tb_chain(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    /* A: r0 += 1; goto_tb 0 -> pc = 0x2000 */
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x1000, 0);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_goto_tb(s, 0);
    tcg_gen_movi(s, f->pc, 0x2000);
    tcg_gen_exit_tb(s, TCG_EXIT_IDX0);
    TranslationBlock *a = compile_at(f, 0x1000);

    /* B: r1 += r0; exit to the loop */
    tcg_func_start(s);
    tcg_gen_insn_start(s, 0x2000, 0);
    tcg_gen_add(s, f->r[1], f->r[1], f->r[0]);
    tcg_gen_movi(s, f->pc, 0x3000);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    TranslationBlock *b = compile_at(f, 0x2000);

    f->cpu->regs[0] = 10;
    uintptr_t ret = run(f, a);
    g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)a);
    g_assert_cmpuint(ret & 3, ==, TCG_EXIT_IDX0);
    g_assert_cmpuint(f->cpu->pc, ==, 0x2000);
    g_assert_cmpuint(f->cpu->regs[0], ==, 11);

    tcg_tb_add_jump(f->jit, a, 0, b);
    f->cpu->pc = 0;
    ret = run(f, a);
    g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)b);
    g_assert_cmpuint(ret & 3, ==, TCG_EXIT_NOCHAIN);
    g_assert_cmpuint(f->cpu->regs[0], ==, 12);
    g_assert_cmpuint(f->cpu->regs[1], ==, 12);
    g_assert_cmpuint(f->cpu->pc, ==, 0x3000);

    /* Invalidating B unlinks A's jump: A exits to the loop again. */
    tcg_tb_invalidate_phys_range(f->jit, 0x2000, 0x2001);
    g_assert_true(b->invalid);
    g_assert_null(tcg_tb_lookup(f->jit, 0x2000, 0x2000, TCG_TB_FLAG_PHYS));
    g_assert_true(tcg_tb_lookup(f->jit, 0x1000, 0x1000, TCG_TB_FLAG_PHYS) == a);
    ret = run(f, a);
    g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)a);
    g_assert_cmpuint(f->cpu->regs[1], ==, 12);

    /* Exit request: the block leaves at entry without running. */
    f->cpu->common.exit_request = 1;
    ret = run(f, a);
    g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)a);
    g_assert_cmpuint(ret & 3, ==, TCG_EXIT_REQUESTED);
    g_assert_cmpuint(f->cpu->regs[0], ==, 13);

    g_autofree char *listing = tcg_tb_disas(a);
#if CONFIG_CAPSTONE
    /* The block-entry exit-request check comes first. */
    g_assert_nonnull(strstr(listing, "cmp dword ptr [r14"));
#endif
    g_assert_cmpuint(strlen(listing), >, 0);

    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.tbs_translated, ==, 2);
    g_assert_cmpuint(st.chained_jumps, ==, 1);
    g_assert_cmpuint(st.invalidations, ==, 1);
}

/* data: the flags the jump passes (a pointer to them), or NULL for unknown flags. */
static void test_lookup_and_goto_ptr(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    const uint64_t *flags = data;
    TranslationBlock **slot = &f->cpu->common.jmp_cache[tcg_jmp_cache_hash(0x5000)];

    tcg_func_start(s);
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_mov(s, f->pc, f->r[1]); /* indirect jump target */
    tcg_gen_lookup_and_goto_ptr(s, f->pc, flags ? *flags : TCG_LOOKUP_FLAGS_UNKNOWN);
    TranslationBlock *a = compile_at(f, 0x1000);

    tcg_func_start(s);
    tcg_gen_addi(s, f->r[2], f->r[2], 100);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    TranslationBlock *b = compile_at(f, 0x5000);

    f->cpu->regs[1] = 0x5000;
    /* Not in the jump cache: back to the loop with 0. */
    g_assert_cmpuint(run(f, a), ==, 0);
    g_assert_cmpuint(f->cpu->regs[2], ==, 0);
    g_assert_cmpuint(f->cpu->pc, ==, 0x5000);
    *slot = b;
    uintptr_t ret = run(f, a);
    g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)b);
    g_assert_cmpuint(f->cpu->regs[0], ==, 2);
    g_assert_cmpuint(f->cpu->regs[2], ==, 100);

    /* A target known at translation time (its slot is computed then). */
    tcg_func_start(s);
    tcg_gen_movi(s, f->pc, 0x5000);
    tcg_gen_lookup_and_goto_ptr(s, tcg_constant(s, 0x5000),
                                flags ? *flags : TCG_LOOKUP_FLAGS_UNKNOWN);
    TranslationBlock *k = compile_at(f, 0x1100);
    /* With other flags in the CPU state, only the inline probe (the flags given to the
     * op) finds b; the helper (the CPU's flags) does not. */
    f->cpu->flags_xor = 1;
    ret = run(f, k);
    f->cpu->flags_xor = 0;
    if (flags) {
        g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)b);
    } else {
        g_assert_cmpuint(ret, ==, 0);
        ret = run(f, k);
        g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)b);
    }
    g_assert_cmpuint(f->cpu->regs[2], ==, 200);
    *slot = NULL;
    if (flags) {
        /* With known flags it is a direct jump: a miss leaves through goto_tb slot 0 for
         * the loop to chain, and once chained it needs no jump cache. */
        g_assert_true(run(f, k) == ((uintptr_t)k | TCG_EXIT_IDX0));
        g_assert_cmpuint(f->cpu->pc, ==, 0x5000);
        tcg_tb_add_jump(f->jit, k, 0, b);
        ret = run(f, k);
        g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)b);
        g_assert_cmpuint(f->cpu->regs[2], ==, 300);
        /* Invalidating b unchains k: back to the probe, which misses. */
        tcg_tb_invalidate_phys_range(f->jit, 0x5000, 0x5004);
        g_assert_true(run(f, k) == ((uintptr_t)k | TCG_EXIT_IDX0));
        g_assert_cmpuint(f->cpu->regs[2], ==, 300);
        /* A new b for what follows. */
        tcg_func_start(s);
        tcg_gen_addi(s, f->r[2], f->r[2], -100);
        tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
        b = compile_at(f, 0x5000);
    } else {
        g_assert_cmpuint(run(f, k), ==, 0);
        g_assert_cmpuint(f->cpu->regs[2], ==, 200);
        f->cpu->regs[2] = 300;
    }
    *slot = b;
    f->cpu->common.stats.jc_misses = 0;

    /* Another pc with the same slot: the entry is not taken. */
    uint64_t alias = 0x5000 + (UINT64_C(1) << (1 + 2 * TCG_JMP_CACHE_BITS));
    g_assert_cmpuint(tcg_jmp_cache_hash(alias), ==, tcg_jmp_cache_hash(0x5000));
    f->cpu->regs[1] = alias;
    g_assert_cmpuint(run(f, a), ==, 0);
    g_assert_cmpuint(f->cpu->regs[2], ==, 300);
    g_assert_cmpuint(f->cpu->common.stats.jc_misses, ==, 1);

    /* A block of the same pc with other flags is not taken either. */
    tcg_func_start(s);
    tcg_gen_addi(s, f->r[2], f->r[2], 1000);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    TranslationBlock *c = tcg_tb_compile(s, 0x5000, 0x5000, UINT64_MAX, 1, 4);
    g_assert_nonnull(c);
    *slot = c;
    f->cpu->regs[1] = 0x5000;
    g_assert_cmpuint(run(f, a), ==, 0);
    g_assert_cmpuint(f->cpu->regs[2], ==, 300);

    /* Nor an invalidated block left in the slot (the loop may store one it found just
     * before another thread invalidated it). */
    tcg_tb_invalidate_phys_range(f->jit, 0x5000, 0x5004);
    g_assert_true(b->invalid);
    *slot = b;
    g_assert_cmpuint(run(f, a), ==, 0);
    g_assert_cmpuint(f->cpu->regs[2], ==, 300);
    g_assert_cmpuint(f->cpu->regs[0], ==, 5);
}

static const uint64_t fake_flags = TCG_TB_FLAG_PHYS;

/* A block with three jumps to constant targets (side exits): the first two get a goto_tb
 * slot each, the third probes the jump cache only; each reaches its own target. */
static void test_lookup_constant_slots(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    static const uint64_t targets[3] = {0x6000, 0x7000, 0x8000};
    TranslationBlock *dest[3];
    TCGLabel l1, l2;

    for (unsigned k = 0; k < 3; k++) {
        tcg_func_start(s);
        tcg_gen_addi(s, f->r[4], f->r[4], 1 << (4 * k));
        tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
        dest[k] = compile_at(f, targets[k]);
    }
    tcg_func_start(s);
    l1 = tcg_label_new(s);
    l2 = tcg_label_new(s);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[3], tcg_constant(s, 0), l1);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[3], tcg_constant(s, 1), l2);
    tcg_gen_movi(s, f->pc, (int64_t)targets[2]);
    tcg_gen_lookup_and_goto_ptr(s, tcg_constant(s, (int64_t)targets[2]), TCG_TB_FLAG_PHYS);
    tcg_gen_set_label(s, l1);
    tcg_gen_movi(s, f->pc, (int64_t)targets[0]);
    tcg_gen_lookup_and_goto_ptr(s, tcg_constant(s, (int64_t)targets[0]), TCG_TB_FLAG_PHYS);
    tcg_gen_set_label(s, l2);
    tcg_gen_movi(s, f->pc, (int64_t)targets[1]);
    tcg_gen_lookup_and_goto_ptr(s, tcg_constant(s, (int64_t)targets[1]), TCG_TB_FLAG_PHYS);
    TranslationBlock *a = compile_at(f, 0x1000);
    g_assert_cmpuint(a->jmp_insn_offset[0], !=, UINT16_MAX);
    g_assert_cmpuint(a->jmp_insn_offset[1], !=, UINT16_MAX);
    g_assert_cmpuint(a->jmp_insn_offset[0], !=, a->jmp_insn_offset[1]);

    /* Path r3 = 2 (the third target), 0 (the first), 1 (the second). */
    static const unsigned path_of[3] = {2, 0, 1};
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned p = 0; p < 3; p++) {
            unsigned k = path_of[p];
            f->cpu->regs[3] = (uint64_t)(k == 2 ? 2 : k);
            f->cpu->regs[4] = 0;
            uintptr_t ret = run(f, a);
            if (round == 0) {
                /* Nothing cached or chained: back to the loop (through a slot or not). */
                g_assert_true(ret == 0 || (ret & ~(uintptr_t)3) == (uintptr_t)a);
                g_assert_cmpuint(f->cpu->pc, ==, targets[k]);
                g_assert_cmpuint(f->cpu->regs[4], ==, 0);
                if (ret) {
                    tcg_tb_add_jump(f->jit, a, (unsigned)(ret & 3), dest[k]);
                } else {
                    f->cpu->common.jmp_cache[tcg_jmp_cache_hash(targets[k])] = dest[k];
                }
            } else {
                g_assert_true((ret & ~(uintptr_t)3) == (uintptr_t)dest[k]);
                g_assert_cmphex(f->cpu->regs[4], ==, 1u << (4 * k));
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn, data)                                                                    \
    g_test_add(path, Fixture, data, fixture_setup, fn, fixture_teardown)
    ADD("/tcg/backend/binary-ops", test_binary_ops, "noopt");
    ADD("/tcg/backend/binary-ops-optimized", test_binary_ops, NULL);
    ADD("/tcg/backend/unary-ops", test_unary_ops, "noopt");
    ADD("/tcg/backend/setcond-movcond", test_setcond_movcond, "noopt");
    ADD("/tcg/backend/setcond-movcond-optimized", test_setcond_movcond, NULL);
    ADD("/tcg/backend/brcond", test_brcond, "noopt");
    ADD("/tcg/backend/call", test_call, "noopt");
    ADD("/tcg/backend/call-optimized", test_call, NULL);
    ADD("/tcg/backend/spills", test_spills, "noopt");
    ADD("/tcg/backend/qemu-ld-st", test_qemu_ld_st, "noopt");
    ADD("/tcg/backend/qemu-st-const", test_qemu_st_const, "noopt");
    ADD("/tcg/backend/qemu-st-const-grouped", test_qemu_st_const, NULL);
    ADD("/tcg/backend/lookup-constant-slots", test_lookup_constant_slots, NULL);
    ADD("/tcg/backend/grouped-accesses", test_grouped_accesses, NULL);
    ADD("/tcg/backend/grouping-limits", test_grouping_limits, NULL);
    ADD("/tcg/backend/goto-tb-chain", test_goto_tb_chain, "noopt");
    g_test_add("/tcg/backend/lookup-and-goto-ptr/inline", Fixture, &fake_flags, fixture_setup,
               test_lookup_and_goto_ptr, fixture_teardown);
    g_test_add("/tcg/backend/lookup-and-goto-ptr/helper", Fixture, NULL, fixture_setup,
               test_lookup_and_goto_ptr, fixture_teardown);
    return g_test_run();
}

/*
 * Tests of the execution loop and TB cache through a tiny made-up guest ISA: chaining,
 * indirect jumps, precise exceptions from the soft-MMU and from helpers, kicks,
 * invalidation of modified code, and code-buffer flushes.
 */
#include <glib.h>
#include <stddef.h>
#include <string.h>

#include "tcg/jit.h"
#include "tcg/tcg-op.h"

/*
 * The toy ISA: 32-bit words, op in bits 0-7, rd 8-11, rs 12-15, signed imm 16-31.
 * r0 reads as whatever is stored (the programs keep it 0).
 */
enum {
    OP_ADDI = 1,  /* rd = rs + imm */
    OP_LD = 2,    /* rd = mem64[rs + imm] */
    OP_ST = 3,    /* mem64[rs + imm] = rd */
    OP_BNE = 4,   /* if rd != rs: pc += imm * 4 */
    OP_JR = 5,    /* pc = rs */
    OP_HALT = 6,  /* stop the loop */
    OP_ECALL = 7, /* trap to tvec (raised by a helper) */
    OP_MODE = 8,  /* mode = imm; ends the block (the mode is part of the TB flags) */
    OP_JRU = 9,   /* pc = rs, looked up with flags unknown at translation time */
};

#define RAM_BASE UINT64_C(0x10000)
#define RAM_SIZE (64 * 1024)

typedef struct ToyCPU {
    uint64_t r[16];
    uint64_t pc;
    uint64_t tvec, epc, traps;
    uint64_t mode; /* in mode 1, ADDI to r1 adds twice its immediate */
    TCGCPUCommon common;
} ToyCPU;

typedef struct ToyGlobals {
    TCGv r[16];
    TCGv pc;
} ToyGlobals;

static uint8_t toy_ram[RAM_SIZE];

static uint32_t insn(unsigned op, unsigned rd, unsigned rs, int imm)
{
    return op | rd << 8 | rs << 12 | (uint32_t)(uint16_t)imm << 16;
}

static void put_insn(uint64_t addr, uint32_t word)
{
    memcpy(toy_ram + (addr - RAM_BASE), &word, 4);
}

static void toy_init_context(TCGContext *s, void *opaque)
{
    ToyGlobals *g = g_new0(ToyGlobals, 1);
    for (unsigned i = 0; i < 16; i++) {
        g->r[i] = tcg_global_new(s, offsetof(ToyCPU, r) + 8 * i, "r");
    }
    g->pc = tcg_global_new(s, offsetof(ToyCPU, pc), "pc");
    s->frontend_data = g;
}

static void toy_free_context(TCGContext *s, void *opaque)
{
    g_free(s->frontend_data);
}

static void toy_get_tb_cpu_state(void *env, uint64_t *pc, uint32_t *flags)
{
    *pc = ((ToyCPU *)env)->pc;
    *flags = TCG_TB_FLAG_PHYS | (uint32_t)((ToyCPU *)env)->mode;
}

static void toy_trap(ToyCPU *cpu)
{
    cpu->epc = cpu->pc;
    cpu->traps++;
    cpu->pc = cpu->tvec;
}

static uint64_t toy_get_code_phys(void *env, uint64_t pc)
{
    ToyCPU *cpu = env;
    if (pc < RAM_BASE || pc + 4 > RAM_BASE + RAM_SIZE) {
        toy_trap(cpu);
        tcg_cpu_loop_exit(&cpu->common);
    }
    return pc;
}

static void toy_restore_state(void *env, const uint64_t data[2])
{
    ((ToyCPU *)env)->pc = data[0];
}

static uint64_t toy_load_slow(void *env, uint64_t addr, TCGMemOpIdx oi, uintptr_t retaddr)
{
    ToyCPU *cpu = env;
    uint64_t val = 0;

    if (addr < RAM_BASE || addr + 8 > RAM_BASE + RAM_SIZE) {
        g_assert_true(tcg_cpu_restore_state(&cpu->common, retaddr));
        toy_trap(cpu);
        tcg_cpu_loop_exit(&cpu->common);
    }
    tcg_tlb_set_page(&cpu->common, 0, addr, toy_ram + ((addr - RAM_BASE) & TCG_PAGE_MASK),
                     TCG_PROT_READ);
    memcpy(&val, toy_ram + (addr - RAM_BASE), 8);
    return val;
}

static void toy_store_slow(void *env, uint64_t addr, uint64_t val, TCGMemOpIdx oi,
                           uintptr_t retaddr)
{
    ToyCPU *cpu = env;

    if (addr < RAM_BASE || addr + 8 > RAM_BASE + RAM_SIZE) {
        tcg_cpu_loop_exit_restore(&cpu->common, retaddr);
    }
    /* Stores always take this path (no write permission in the TLB): they may hit code. */
    memcpy(toy_ram + (addr - RAM_BASE), &val, 8);
    tcg_tb_invalidate_phys_range(cpu->common.jit, addr, addr + 8);
}

static void helper_ecall(void *env)
{
    ToyCPU *cpu = env;
    g_assert_true(tcg_cpu_restore_state(&cpu->common, TCG_GETPC()));
    toy_trap(cpu);
    tcg_cpu_loop_exit(&cpu->common);
}

static void helper_mode(void *env, uint64_t mode)
{
    ((ToyCPU *)env)->mode = mode;
}

static void helper_halt(void *env)
{
    tcg_cpu_kick(&((ToyCPU *)env)->common);
}

static uint32_t toy_translate_block(TCGContext *s, void *env, uint64_t pc, uint32_t flags,
                                    unsigned max_insns)
{
    ToyGlobals *g = s->frontend_data;
    uint64_t start = pc;
    TCGv envarg[1] = {TCG_ENV};

    for (unsigned n = 0; n < max_insns; n++) {
        uint32_t w;
        memcpy(&w, toy_ram + (pc - RAM_BASE), 4);
        unsigned op = w & 0xff, rd = (w >> 8) & 15, rs = (w >> 12) & 15;
        int imm = (int16_t)(w >> 16);
        if (op < OP_ADDI || op > OP_JRU) {
            g_assert_cmpuint(n, >, 0); /* the programs never run into undefined words */
            break;
        }
        tcg_gen_insn_start(s, pc, 0);
        switch (op) {
        case OP_ADDI:
            tcg_gen_addi(s, g->r[rd], g->r[rs], (flags & 1) && rd == 1 ? 2 * imm : imm);
            break;
        case OP_LD:
        case OP_ST: {
            TCGv addr = tcg_temp_new(s);
            tcg_gen_addi(s, addr, g->r[rs], imm);
            if (op == OP_LD) {
                tcg_gen_qemu_ld(s, g->r[rd], addr, 0, MO_UQ);
            } else {
                tcg_gen_qemu_st(s, g->r[rd], addr, 0, MO_UQ);
            }
            break;
        }
        case OP_BNE: {
            TCGLabel taken = tcg_label_new(s);
            tcg_gen_brcond(s, TCG_COND_NE, g->r[rd], g->r[rs], taken);
            tcg_gen_goto_tb(s, 0);
            tcg_gen_movi(s, g->pc, (int64_t)(pc + 4));
            tcg_gen_exit_tb(s, TCG_EXIT_IDX0);
            tcg_gen_set_label(s, taken);
            tcg_gen_goto_tb(s, 1);
            tcg_gen_movi(s, g->pc, (int64_t)(pc + (int64_t)imm * 4));
            tcg_gen_exit_tb(s, TCG_EXIT_IDX1);
            return (uint32_t)(pc + 4 - start);
        }
        case OP_JR:
        case OP_JRU:
            tcg_gen_mov(s, g->pc, g->r[rs]);
            /* Only OP_MODE changes the flags, and it ends its block. */
            tcg_gen_lookup_and_goto_ptr(s, g->pc, op == OP_JR ? flags : TCG_LOOKUP_FLAGS_UNKNOWN);
            return (uint32_t)(pc + 4 - start);
        case OP_MODE: {
            TCGv args[2] = {TCG_ENV, tcg_constant(s, imm)};
            tcg_gen_call(s, (void *)helper_mode, TCG_CALL_NO_RWG, (TCGv){0}, 2, args);
            tcg_gen_movi(s, g->pc, (int64_t)(pc + 4));
            tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
            return (uint32_t)(pc + 4 - start);
        }
        case OP_HALT:
            tcg_gen_movi(s, g->pc, (int64_t)(pc + 4));
            tcg_gen_call(s, (void *)helper_halt, TCG_CALL_NO_RWG, (TCGv){0}, 1, envarg);
            tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
            return (uint32_t)(pc + 4 - start);
        case OP_ECALL:
            tcg_gen_call(s, (void *)helper_ecall, 0, (TCGv){0}, 1, envarg);
            break;
        default:
            g_assert_not_reached();
        }
        pc += 4;
    }
    tcg_gen_goto_tb(s, 0);
    tcg_gen_movi(s, g->pc, (int64_t)pc);
    tcg_gen_exit_tb(s, TCG_EXIT_IDX0);
    return (uint32_t)(pc - start);
}

#define TOY_FRONTEND_CALLBACKS                                                                 \
    .name = "toy", .common_offset = offsetof(ToyCPU, common),                                  \
    .init_context = toy_init_context, .free_context = toy_free_context,                        \
    .get_tb_cpu_state = toy_get_tb_cpu_state, .get_code_phys = toy_get_code_phys,              \
    .translate_block = toy_translate_block, .restore_state = toy_restore_state,                \
    .load_slow = toy_load_slow, .store_slow = toy_store_slow

static const TCGFrontend toy_frontend = {TOY_FRONTEND_CALLBACKS};
/* The same with r1 pinned in a host register (TCGFrontend.has_pinned_global): every test
 * runs on both. */
static const TCGFrontend toy_frontend_pinned = {
    TOY_FRONTEND_CALLBACKS,
    .has_pinned_global = true,
    .pinned_global_offset = offsetof(ToyCPU, r[1]),
};

typedef struct Params {
    const TCGJitOptions *opts;
    const TCGFrontend *fe;
} Params;

typedef struct Fixture {
    TCGJit *jit;
    ToyCPU *cpu;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    const Params *params = data;

    memset(toy_ram, 0, sizeof(toy_ram));
    f->jit = tcg_jit_new(params->fe, params->opts, &err);
    g_assert_no_error(err);
    f->cpu = g_new0(ToyCPU, 1);
    g_assert_true(tcg_cpu_init(f->jit, f->cpu, &err));
    f->cpu->pc = RAM_BASE;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    tcg_cpu_finalize(f->jit, f->cpu);
    tcg_jit_free(f->jit);
    g_free(f->cpu);
}

static void test_loop_chaining(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    put_insn(a + 0, insn(OP_ADDI, 2, 0, 1000));
    put_insn(a + 4, insn(OP_ADDI, 1, 1, 3));  /* loop: */
    put_insn(a + 8, insn(OP_ADDI, 2, 2, -1));
    put_insn(a + 12, insn(OP_BNE, 2, 0, -2));
    put_insn(a + 16, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[1], ==, 3000);
    g_assert_cmpuint(f->cpu->r[2], ==, 0);
    g_assert_cmpuint(f->cpu->pc, ==, a + 20);

    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.tbs_translated, ==, 3);
    g_assert_cmpuint(st.chained_jumps, >=, 1);
    /* The 1000 iterations ran chained, without coming back to the loop each time. */
    g_assert_cmpuint(f->cpu->common.stats.loop_exits, <, 10);
    g_assert_true(tcg_tb_page_has_code(f->jit, a));
    g_assert_false(tcg_tb_page_has_code(f->jit, a + 0x4000));
}

static void test_indirect_jump(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    /* Ping-pong through two indirect jumps until r5 counts down to 0. */
    f->cpu->r[6] = a + 0x100;
    f->cpu->r[7] = a + 4;
    put_insn(a + 0, insn(OP_ADDI, 5, 0, 50));
    put_insn(a + 4, insn(OP_JR, 0, 6, 0));
    put_insn(a + 0x100, insn(OP_ADDI, 5, 5, -1));
    put_insn(a + 0x104, insn(OP_ADDI, 8, 8, 2));
    put_insn(a + 0x108, insn(OP_BNE, 5, 0, 2)); /* r5 != 0: a + 0x110 */
    put_insn(a + 0x10c, insn(OP_HALT, 0, 0, 0));
    put_insn(a + 0x110, insn(OP_JR, 0, 7, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[5], ==, 0);
    g_assert_cmpuint(f->cpu->r[8], ==, 100);
    g_assert_cmpuint(f->cpu->pc, ==, a + 0x110);
    /* Once the jump cache knows both targets, the jumps stay in generated code. */
    g_assert_cmpuint(f->cpu->common.stats.loop_exits, <, 20);
}

/* The same target runs in two modes: the jump cache entry of one is not taken in the other. */
static void check_indirect_jump_flags(Fixture *f, unsigned jr)
{
    uint64_t a = RAM_BASE, t = a + 0x100;

    f->cpu->r[6] = t;
    put_insn(a + 0, insn(OP_ADDI, 5, 0, 2));
    put_insn(a + 4, insn(jr, 0, 6, 0));
    put_insn(t + 0, insn(OP_ADDI, 1, 1, 5)); /* mode 1: 10 */
    put_insn(t + 4, insn(OP_ADDI, 5, 5, -1));
    put_insn(t + 8, insn(OP_BNE, 5, 0, 2));
    put_insn(t + 12, insn(OP_HALT, 0, 0, 0));
    put_insn(t + 16, insn(OP_MODE, 0, 0, 1));
    put_insn(t + 20, insn(jr, 0, 6, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->mode, ==, 1);
    g_assert_cmpuint(f->cpu->r[1], ==, 5 + 10);
    g_assert_cmpuint(f->cpu->r[5], ==, 0);
}

static void test_indirect_jump_flags(Fixture *f, gconstpointer data)
{
    check_indirect_jump_flags(f, OP_JR);
}

static void test_indirect_jump_flags_unknown(Fixture *f, gconstpointer data)
{
    check_indirect_jump_flags(f, OP_JRU);
}

/* A block reached through the jump cache is rewritten by a store: the next indirect jump
 * to it runs the new code. */
static void test_indirect_jump_smc(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE, t = a + 0x100;

    f->cpu->r[6] = t;
    f->cpu->r[11] = t;
    f->cpu->r[10] = insn(OP_ADDI, 1, 1, 100) | (uint64_t)insn(OP_ADDI, 5, 5, -1) << 32;
    put_insn(a + 0, insn(OP_ADDI, 5, 0, 3));
    put_insn(a + 4, insn(OP_JR, 0, 6, 0));
    put_insn(t + 0, insn(OP_ADDI, 1, 1, 1)); /* rewritten to r1 += 100 */
    put_insn(t + 4, insn(OP_ADDI, 5, 5, -1));
    put_insn(t + 8, insn(OP_BNE, 5, 0, 2));
    put_insn(t + 12, insn(OP_HALT, 0, 0, 0));
    put_insn(t + 16, insn(OP_ADDI, 7, 0, 1));
    put_insn(t + 20, insn(OP_BNE, 5, 7, 2)); /* r5 != 1: back to t unchanged */
    put_insn(t + 24, insn(OP_ST, 10, 11, 0));
    put_insn(t + 28, insn(OP_JR, 0, 6, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[1], ==, 1 + 1 + 100);
    g_assert_cmpuint(f->cpu->r[5], ==, 0);
    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.invalidations, >=, 1);
}

static void test_precise_fault(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    f->cpu->tvec = a + 0x200;
    put_insn(a + 0, insn(OP_ADDI, 3, 0, 5));
    put_insn(a + 4, insn(OP_ADDI, 4, 3, 1));
    put_insn(a + 8, insn(OP_ADDI, 9, 0, 0x100));
    put_insn(a + 12, insn(OP_LD, 5, 9, 0x10));
    put_insn(a + 16, insn(OP_ADDI, 4, 4, 100));
    put_insn(a + 0x200, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    /* 0x110 is outside RAM: the load faults with everything before it done. */
    g_assert_cmpuint(f->cpu->traps, ==, 1);
    g_assert_cmpuint(f->cpu->epc, ==, a + 12);
    g_assert_cmpuint(f->cpu->r[3], ==, 5);
    g_assert_cmpuint(f->cpu->r[4], ==, 6);
    g_assert_cmpuint(f->cpu->pc, ==, a + 0x204);
    g_assert_cmpuint(f->cpu->common.stats.exceptions, ==, 1);
}

/* A block that loops on itself keeps r1 and r3 in registers across iterations: a fault
 * in a later iteration still sees the values of that iteration. */
static void test_self_loop_fault(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    uint64_t end = RAM_BASE + RAM_SIZE;
    uint64_t last = 0x1122334455667788;

    f->cpu->tvec = a + 0x200;
    f->cpu->r[1] = end - 24;
    memcpy(toy_ram + RAM_SIZE - 8, &last, 8);
    put_insn(a + 0, insn(OP_LD, 5, 1, 0));   /* loop: */
    put_insn(a + 4, insn(OP_ADDI, 1, 1, 8));
    put_insn(a + 8, insn(OP_ADDI, 3, 3, 1));
    put_insn(a + 12, insn(OP_BNE, 1, 0, -3));
    put_insn(a + 0x200, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    /* Three loads succeed; the fourth, at the end of RAM, faults. */
    g_assert_cmpuint(f->cpu->traps, ==, 1);
    g_assert_cmpuint(f->cpu->epc, ==, a);
    g_assert_cmpuint(f->cpu->r[1], ==, end);
    g_assert_cmpuint(f->cpu->r[3], ==, 3);
    g_assert_cmpuint(f->cpu->r[5], ==, last);
    g_assert_cmpuint(f->cpu->pc, ==, a + 0x204);
}

static void test_load_store(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    f->cpu->r[9] = a + 0x4000;
    put_insn(a + 0, insn(OP_ADDI, 0, 0, 0));
    put_insn(a + 4, insn(OP_ADDI, 0, 0, 0));
    put_insn(a + 8, insn(OP_ADDI, 1, 0, 1234));
    put_insn(a + 12, insn(OP_ST, 1, 9, 8));
    put_insn(a + 16, insn(OP_LD, 2, 9, 8));
    put_insn(a + 20, insn(OP_LD, 3, 9, 8));
    put_insn(a + 24, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[2], ==, 1234);
    g_assert_cmpuint(f->cpu->r[3], ==, 1234);
    /* store (no write permission) and first load miss; the second load hits */
    g_assert_cmpuint(f->cpu->common.stats.tlb_misses, ==, 2);
}

static void test_helper_exception(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    f->cpu->tvec = a + 0x40;
    put_insn(a + 0, insn(OP_ADDI, 1, 0, 7));
    put_insn(a + 4, insn(OP_ECALL, 0, 0, 0));
    put_insn(a + 8, insn(OP_ADDI, 1, 0, 99));
    put_insn(a + 0x40, insn(OP_ADDI, 2, 1, 1));
    put_insn(a + 0x44, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->epc, ==, a + 4);
    g_assert_cmpuint(f->cpu->r[1], ==, 7);
    g_assert_cmpuint(f->cpu->r[2], ==, 8);
}

static void test_self_modifying_code(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    put_insn(a + 0, insn(OP_ADDI, 1, 0, 1));
    put_insn(a + 4, insn(OP_HALT, 0, 0, 0));
    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[1], ==, 1);

    /* The guest rewrites its first instruction with a store: the block is retranslated. */
    uint32_t new_insn = insn(OP_ADDI, 1, 0, 2);
    f->cpu->r[10] = new_insn | (uint64_t)insn(OP_HALT, 0, 0, 0) << 32;
    f->cpu->r[11] = a;
    put_insn(a + 0x80, insn(OP_ST, 10, 11, 0));
    put_insn(a + 0x84, insn(OP_HALT, 0, 0, 0));
    f->cpu->pc = a + 0x80;
    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);

    f->cpu->pc = a;
    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->cpu->r[1], ==, 2);
    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.invalidations, ==, 1);
}

static gpointer kicker(gpointer data)
{
    g_usleep(50 * 1000);
    tcg_cpu_kick(data);
    return NULL;
}

static void test_kick(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    put_insn(a + 0, insn(OP_ADDI, 1, 0, 1));
    put_insn(a + 4, insn(OP_ADDI, 2, 2, 1));  /* loop: r2 carried, */
    put_insn(a + 8, insn(OP_ADDI, 3, 2, 5));  /* r3 only written: both stay in registers */
    put_insn(a + 12, insn(OP_BNE, 1, 0, -2)); /* forever */

    GThread *t = g_thread_new("kicker", kicker, &f->cpu->common);
    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_thread_join(t);
    /* the kick leaves through the back edge's exit: the registers reach env */
    g_assert_cmpuint(f->cpu->r[2], >, 1000);
    g_assert_cmpuint(f->cpu->r[3], ==, f->cpu->r[2] + 5);
}

/* Many small blocks in a 64 KiB buffer: it fills up, is flushed, and execution goes on. */
static void test_flush(Fixture *f, gconstpointer data)
{
    uint64_t a = RAM_BASE;
    unsigned n = 4000;
    for (unsigned i = 0; i < n; i++) {
        put_insn(a + 4 * i, insn(OP_ADDI, 1 + i % 4, 1 + i % 4, (int)i));
    }
    put_insn(a + 4 * n, insn(OP_HALT, 0, 0, 0));

    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    uint64_t want[4] = {0};
    for (unsigned i = 0; i < n; i++) {
        want[i % 4] += i;
    }
    for (unsigned k = 0; k < 4; k++) {
        g_assert_cmpuint(f->cpu->r[1 + k], ==, want[k]);
    }
    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.flushes, >=, 1);
    g_assert_cmpuint(st.code_buffer_used, <=, st.code_buffer_size);
}

static gpointer run_second_cpu(gpointer data)
{
    ToyCPU *cpu = data;
    g_assert_cmpint(tcg_cpu_exec(&cpu->common), ==, TCG_EXEC_STOPPED);
    return NULL;
}

/* Two vCPUs share one small code buffer: translations, chaining and flushes race. */
static void test_concurrent_flush(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    uint64_t a = RAM_BASE;
    unsigned n = 4000;

    for (unsigned i = 0; i < n; i++) {
        put_insn(a + 4 * i, insn(OP_ADDI, 1 + i % 4, 1 + i % 4, (int)i));
    }
    put_insn(a + 4 * n, insn(OP_ADDI, 5, 5, -1)); /* r5 rounds */
    put_insn(a + 4 * n + 4, insn(OP_BNE, 5, 0, -(int)(n + 1)));
    put_insn(a + 4 * n + 8, insn(OP_HALT, 0, 0, 0));
    g_autofree ToyCPU *other = g_new0(ToyCPU, 1);
    g_assert_true(tcg_cpu_init(f->jit, other, &err));
    other->pc = a;
    other->r[5] = 5;
    f->cpu->r[5] = 5;
    GThread *t = g_thread_new("vcpu1", run_second_cpu, other);
    g_assert_cmpint(tcg_cpu_exec(&f->cpu->common), ==, TCG_EXEC_STOPPED);
    g_thread_join(t);

    uint64_t want[4] = {0};
    for (unsigned i = 0; i < n; i++) {
        want[i % 4] += i;
    }
    for (unsigned k = 0; k < 4; k++) {
        g_assert_cmpuint(f->cpu->r[1 + k], ==, 5 * want[k]);
        g_assert_cmpuint(other->r[1 + k], ==, 5 * want[k]);
    }
    TCGJitStats st;
    tcg_jit_get_stats(f->jit, &st);
    g_assert_cmpuint(st.flushes, >=, 1);
    tcg_cpu_finalize(f->jit, other);
}

static const TCGJitOptions default_opts = {.code_size = 8 * 1024 * 1024};
static const TCGJitOptions small_opts = {.code_size = 64 * 1024, .max_insns = 2};

int main(int argc, char **argv)
{
    static const Params params[2][2] = {
        {{&default_opts, &toy_frontend}, {&small_opts, &toy_frontend}},
        {{&default_opts, &toy_frontend_pinned}, {&small_opts, &toy_frontend_pinned}},
    };

    g_test_init(&argc, &argv, NULL);
    for (unsigned pin = 0; pin < 2; pin++) {
        const char *prefix = pin ? "/tcg/exec/pinned/" : "/tcg/exec/";
        const Params *def = &params[pin][0], *small = &params[pin][1];
#define ADD(path, fn, p)                                                                       \
    do {                                                                                       \
        g_autofree char *name = g_strconcat(prefix, path, NULL);                               \
        g_test_add(name, Fixture, p, fixture_setup, fn, fixture_teardown);                     \
    } while (0)
        ADD("loop-chaining", test_loop_chaining, def);
        ADD("indirect-jump", test_indirect_jump, def);
        ADD("indirect-jump-flags", test_indirect_jump_flags, def);
        ADD("indirect-jump-flags-unknown", test_indirect_jump_flags_unknown, def);
        ADD("indirect-jump-smc", test_indirect_jump_smc, def);
        ADD("precise-fault", test_precise_fault, def);
        ADD("self-loop-fault", test_self_loop_fault, def);
        ADD("load-store", test_load_store, def);
        ADD("helper-exception", test_helper_exception, def);
        ADD("self-modifying-code", test_self_modifying_code, def);
        ADD("kick", test_kick, def);
        ADD("flush", test_flush, small);
        ADD("concurrent-flush", test_concurrent_flush, small);
#undef ADD
    }
    return g_test_run();
}

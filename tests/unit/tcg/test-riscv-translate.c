/*
 * Unit tests of the RISC-V translator's IR: what each kind of instruction emits, where
 * blocks end (branches, jumps, CSR writes, page ends, size limit, fetch faults, pages under
 * paging), how x0 and the instruction counters are handled, MMU indexes and F/D.
 */
#include <glib.h>
#include <string.h>

#include "tcg/riscv/translate.h"
#include "tcg/tcg.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE 0x4000u

typedef struct Fixture {
    RiscvCPU cpu;
    uint8_t ram[RAM_SIZE];
    TCGContext *s;
    const TCGv *x; /* the front end's globals, x[1..31], then pc, minstret */
} Fixture;

/* Layout of the front end's globals: it declares x1..x31, pc, minstret in order,
 * right after the env temp. */
static uint32_t global_id(Fixture *f, const char *name)
{
    for (uint32_t i = 0; i < f->s->nb_globals; i++) {
        if (f->s->temps[i].name && strcmp(f->s->temps[i].name, name) == 0) {
            return i;
        }
    }
    g_error("no global %s", name);
}

static void fx_setup(Fixture *f, gconstpointer data)
{
    RiscvBus bus = {.nr_ram = 1};

    memset(f, 0, sizeof(*f));
    bus.ram[0] = (RiscvRamWindow){.host = f->ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&f->cpu, 0, RAM_BASE, &bus);
    f->s = tcg_context_new(NULL, riscv_tcg_frontend_template.common_offset);
    riscv_tcg_frontend_template.init_context(f->s, NULL);
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    riscv_tcg_frontend_template.free_context(f->s, NULL);
    tcg_context_free(f->s);
}

static void put(Fixture *f, uint64_t addr, const uint32_t *insns, size_t n)
{
    memcpy(f->ram + (addr - RAM_BASE), insns, n * 4);
}

static uint32_t translate_flags(Fixture *f, uint64_t pc, unsigned max_insns, uint32_t flags)
{
    uint32_t size;

    tcg_func_start(f->s);
    size = riscv_tcg_translate_block(f->s, &f->cpu, pc, flags, max_insns);
    g_autofree char *dump = tcg_dump_ops(f->s);
    g_test_message("%s", dump);
    return size;
}

static uint32_t translate(Fixture *f, uint64_t pc, unsigned max_insns)
{
    return translate_flags(f, pc, max_insns,
                           RISCV_PRIV_M | RISCV_PRIV_M << RISCV_TB_FLAGS_DATA_SHIFT |
                               TCG_TB_FLAG_PHYS);
}

/* The opcodes emitted, in order, skipping discarded ops. */
static GArray *opcodes(Fixture *f)
{
    GArray *ops = g_array_new(false, false, sizeof(int));

    for (uint32_t i = 0; i < f->s->nb_ops; i++) {
        int opc = f->s->ops[i].opc;
        if (opc != INDEX_op_discard) {
            g_array_append_val(ops, opc);
        }
    }
    return ops;
}

static unsigned count_op(Fixture *f, TCGOpcode opc)
{
    unsigned n = 0;

    for (uint32_t i = 0; i < f->s->nb_ops; i++) {
        n += f->s->ops[i].opc == opc;
    }
    return n;
}

static const TCGOp *last_op(Fixture *f)
{
    for (uint32_t i = f->s->nb_ops; i-- > 0;) {
        if (f->s->ops[i].opc != INDEX_op_discard) {
            return &f->s->ops[i];
        }
    }
    g_assert_not_reached();
}

static const TCGOp *nth_op(Fixture *f, TCGOpcode opc, unsigned n)
{
    for (uint32_t i = 0; i < f->s->nb_ops; i++) {
        if (f->s->ops[i].opc == opc && n-- == 0) {
            return &f->s->ops[i];
        }
    }
    g_error("fewer %s ops than expected", tcg_op_defs[opc].name);
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t off)
{
    uint32_t u = (uint32_t)off;

    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 |
           f3 << 12 | ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

/* addi a0, a1, 5 ; beq a0, a1, -8: a backward branch (not to the block's start) ends the
 * block with two exits. */
static void test_alu_and_branch(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x00558513, enc_b(0, 10, 11, -8)};
    static const int expect[] = {
        INDEX_op_insn_start, INDEX_op_add,                       /* addi */
        INDEX_op_insn_start, INDEX_op_add,                       /* minstret += 2 */
        INDEX_op_brcond,                                         /* beq */
        INDEX_op_goto_tb,    INDEX_op_mov,   INDEX_op_exit_tb,   /* fall through */
        INDEX_op_set_label,  INDEX_op_goto_tb, INDEX_op_mov, INDEX_op_exit_tb, /* taken */
    };
    g_autoptr(GArray) ops = NULL;
    const TCGOp *op;

    put(f, RAM_BASE + 0x10, code, 2);
    g_assert_cmpuint(translate(f, RAM_BASE + 0x10, 64), ==, 8);
    ops = opcodes(f);
    g_assert_cmpuint(ops->len, ==, G_N_ELEMENTS(expect));
    for (unsigned i = 0; i < ops->len; i++) {
        g_assert_cmpstr(tcg_op_defs[g_array_index(ops, int, i)].name, ==,
                        tcg_op_defs[expect[i]].name);
    }

    op = nth_op(f, INDEX_op_add, 0);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "a0"));
    g_assert_cmpuint(op->args[1], ==, global_id(f, "a1"));
    g_assert_true(f->s->temps[op->args[2]].kind == TCG_TEMP_CONST);
    g_assert_cmpint(f->s->temps[op->args[2]].val, ==, 5);

    op = nth_op(f, INDEX_op_add, 1);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "minstret"));
    g_assert_cmpint(f->s->temps[op->args[2]].val, ==, 2);

    op = nth_op(f, INDEX_op_brcond, 0);
    g_assert_cmpuint(op->args[2], ==, TCG_COND_EQ);

    /* insn_start records the pc and the instructions not yet counted before it. */
    op = nth_op(f, INDEX_op_insn_start, 1);
    g_assert_cmphex(op->args[0], ==, RAM_BASE + 0x14);
    g_assert_cmpuint(op->args[1], ==, 1);

    /* The taken path sets pc to the target, the other to the next instruction. */
    op = nth_op(f, INDEX_op_mov, 0);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "pc"));
    g_assert_cmphex(f->s->temps[op->args[1]].val, ==, RAM_BASE + 0x18);
    op = nth_op(f, INDEX_op_mov, 1);
    g_assert_cmphex(f->s->temps[op->args[1]].val, ==, RAM_BASE + 0xc);
    g_assert_cmpuint(nth_op(f, INDEX_op_exit_tb, 1)->args[0], ==, TCG_EXIT_IDX1);
}

/* Writes to x0 land in a scratch temp; reads of x0 are the constant 0. */
static void test_x0(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x00558013 /* addi x0, a1, 5 */, 0x00000533 /* add a0, x0, x0 */};
    const TCGOp *op;

    put(f, RAM_BASE, code, 2);
    translate(f, RAM_BASE, 2);
    op = nth_op(f, INDEX_op_add, 0);
    g_assert_true(f->s->temps[op->args[0]].kind == TCG_TEMP_NORMAL);
    op = nth_op(f, INDEX_op_add, 1);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "a0"));
    g_assert_true(f->s->temps[op->args[1]].kind == TCG_TEMP_CONST);
    g_assert_cmpint(f->s->temps[op->args[1]].val, ==, 0);
}

static void test_max_insns(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x00150513, 0x00150513, 0x00150513};

    put(f, RAM_BASE, code, 3);
    g_assert_cmpuint(translate(f, RAM_BASE, 2), ==, 8);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_exit_tb);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 1);
    g_assert_cmphex(f->s->temps[nth_op(f, INDEX_op_mov, 0)->args[1]].val, ==, RAM_BASE + 8);
}

static void test_page_end(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x00150513, 0x00150513, 0x00150513};

    /* Two instructions before the page end, one after: the block stops at the page. */
    put(f, RAM_BASE + 0x1000 - 8, code, 3);
    g_assert_cmpuint(translate(f, RAM_BASE + 0x1000 - 8, 64), ==, 8);

    /* A 32-bit instruction straddling the page end is translated whole. */
    memcpy(f->ram + 0x1ffe, "\x13\x05", 2);
    memcpy(f->ram + 0x2000, "\x15\x00", 2); /* addi a0, a0, 1 split across pages */
    g_assert_cmpuint(translate(f, RAM_BASE + 0x1ffe, 64), ==, 4);
}

static void test_fetch_fault_ends_block(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x00150513};

    /* The next instruction would come from past the end of RAM. */
    put(f, RAM_BASE + RAM_SIZE - 4, code, 1);
    g_assert_cmpuint(translate(f, RAM_BASE + RAM_SIZE - 4, 64), ==, 4);
    g_assert_cmphex(f->s->temps[nth_op(f, INDEX_op_mov, 0)->args[1]].val, ==,
                    RAM_BASE + RAM_SIZE);
}

static void test_jalr(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0x000580e7 /* jalr ra, 0(a1) */};

    put(f, RAM_BASE, code, 1);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 4);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_lookup_and_goto_ptr);
    g_assert_cmpuint(count_op(f, INDEX_op_and), ==, 1); /* bit 0 cleared */
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 0);
}

static uint32_t enc_jal(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;

    return (u & 0x100000) << 11 | (u & 0x7fe) << 20 | (u & 0x800) << 9 | (u & 0xff000) |
           rd << 7 | 0x6f;
}

static uint32_t enc_i(unsigned funct3, unsigned opcode, unsigned rd, unsigned rs1, int32_t imm)
{
    return (uint32_t)imm << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

#define ADDI(rd, rs1, imm) enc_i(0, 0x13, rd, rs1, imm)
#define JALR(rd, rs1, imm) enc_i(0, 0x67, rd, rs1, imm)

/* The pcs of the block's instructions, in translation order. */
static void assert_insn_pcs(Fixture *f, const uint64_t *pcs, unsigned n)
{
    g_assert_cmpuint(count_op(f, INDEX_op_insn_start), ==, n);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(nth_op(f, INDEX_op_insn_start, i)->args[0], ==, RAM_BASE + pcs[i]);
    }
}

/* The constant the block's last exit stores to pc. */
static uint64_t exit_pc(Fixture *f)
{
    for (uint32_t i = f->s->nb_ops; i-- > 0;) {
        const TCGOp *op = &f->s->ops[i];
        if (op->opc == INDEX_op_mov && op->args[0] == global_id(f, "pc")) {
            return (uint64_t)f->s->temps[op->args[1]].val;
        }
    }
    g_error("no pc update");
}

/* A jump out of the block's page ends it with a chainable exit. */
static void test_jal_chains(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {enc_jal(1, 0x1000)};
    const TCGOp *op;

    put(f, RAM_BASE, code, 1);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 4);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 1);
    op = nth_op(f, INDEX_op_mov, 0); /* ra = pc + 4 */
    g_assert_cmpuint(op->args[0], ==, global_id(f, "ra"));
    g_assert_cmphex(f->s->temps[op->args[1]].val, ==, RAM_BASE + 4);
    op = nth_op(f, INDEX_op_mov, 1);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "pc"));
    g_assert_cmphex(f->s->temps[op->args[1]].val, ==, RAM_BASE + 0x1000);
}

/*
 * A call within the page continues the block in the callee; the callee's return to the
 * address the call put in ra continues it after the call: one block, no indirect jump.
 */
static void test_jal_extends(Fixture *f, gconstpointer data)
{
    uint32_t code[10] = {ADDI(10, 10, 1), enc_jal(1, 0x1c), ADDI(10, 10, 3), enc_b(0, 10, 11, -8)};
    static const uint64_t pcs[] = {0x0, 0x4, 0x20, 0x24, 0x8, 0xc};

    code[8] = ADDI(10, 10, 2);
    code[9] = JALR(0, 1, 0);
    put(f, RAM_BASE, code, 10);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 0x28); /* up to the highest byte */
    assert_insn_pcs(f, pcs, G_N_ELEMENTS(pcs));
    g_assert_cmpuint(count_op(f, INDEX_op_lookup_and_goto_ptr), ==, 0);
    g_assert_cmpuint(count_op(f, INDEX_op_brcond), ==, 1);
    g_assert_cmpuint(nth_op(f, INDEX_op_insn_start, 5)->args[1], ==, 5); /* not counted */
    const TCGOp *op = nth_op(f, INDEX_op_mov, 0);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "ra"));
    g_assert_cmphex(f->s->temps[op->args[1]].val, ==, RAM_BASE + 8);
    /* Both counters get all six instructions at the branch. */
    g_assert_cmpint(f->s->temps[nth_op(f, INDEX_op_add, 3)->args[2]].val, ==, 6);

    /* Backwards within the page: the block's range starts below its pc. */
    const uint32_t back[] = {enc_jal(0, -0xf8)};
    static const uint64_t back_pcs[] = {0x100, 0x8, 0xc};
    put(f, RAM_BASE + 0x100, back, 1);
    g_assert_cmpuint(translate(f, RAM_BASE + 0x100, 64), ==, 4);
    assert_insn_pcs(f, back_pcs, G_N_ELEMENTS(back_pcs));
}

/* Where a direct jump must not continue the block. */
static void test_jal_no_extension(Fixture *f, gconstpointer data)
{
    /* Back to code the block already holds, not its start: an exit to it. */
    const uint32_t loop[] = {ADDI(10, 10, 1), ADDI(10, 10, 1), enc_jal(0, -4)};
    static const uint64_t loop_pcs[] = {0x0, 0x4, 0x8};
    put(f, RAM_BASE, loop, 3);
    translate(f, RAM_BASE, 64);
    assert_insn_pcs(f, loop_pcs, 3);
    g_assert_cmphex(exit_pc(f), ==, RAM_BASE + 4);

    /* The instruction limit: the jump is the last one, its target the exit. */
    const uint32_t call[] = {ADDI(10, 10, 1), enc_jal(1, 0x1c)};
    put(f, RAM_BASE, call, 2);
    g_assert_cmpuint(translate(f, RAM_BASE, 2), ==, 8);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 1);
    g_assert_cmphex(exit_pc(f), ==, RAM_BASE + 0x20);

    /* ra rewritten after the call: the return is an indirect jump again. */
    uint32_t code[4] = {enc_jal(1, 8), 0, ADDI(1, 1, 0), JALR(0, 1, 0)};
    put(f, RAM_BASE, code, 4);
    translate(f, RAM_BASE, 64);
    g_assert_cmpuint(count_op(f, INDEX_op_insn_start), ==, 3);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_lookup_and_goto_ptr);

    /* At most eight pieces: a chain of jumps stops at the eighth. */
    uint32_t chain[9];
    for (unsigned i = 0; i < 9; i++) {
        chain[i] = enc_jal(0, 0x10);
        put(f, RAM_BASE + 0x10 * i, &chain[i], 1);
    }
    translate(f, RAM_BASE, 64);
    g_assert_cmpuint(count_op(f, INDEX_op_insn_start), ==, 8);
    g_assert_cmphex(exit_pc(f), ==, RAM_BASE + 0x80);
}

/*
 * A forward branch does not end the block: its taken path is a side exit (goto_tb slot 1
 * for the first) that counts the instructions retired so far, and the block goes on at
 * the fall-through. The backward branch ending the block then takes slot 0 for its taken
 * path and looks the fall-through up.
 */
static void test_branch_side_exit(Fixture *f, gconstpointer data)
{
    /* at 0x10: addi a0, a1, 5 ; beq a0, a1, +8 ; addi a0, a0, 1 ; bne a0, a1, -16 */
    const uint32_t code[] = {0x00558513, enc_b(0, 10, 11, 8), 0x00150513,
                             enc_b(1, 10, 11, -16)};
    static const int expect[] = {
        INDEX_op_insn_start, INDEX_op_add,                        /* addi */
        INDEX_op_insn_start, INDEX_op_brcond,                     /* beq: if not, on */
        INDEX_op_add,                                             /* minstret += 2 */
        INDEX_op_goto_tb,    INDEX_op_mov,   INDEX_op_exit_tb,    /* taken: 0x1c */
        INDEX_op_set_label,
        INDEX_op_insn_start, INDEX_op_add,                        /* addi */
        INDEX_op_insn_start, INDEX_op_add,                        /* minstret += 4 */
        INDEX_op_brcond,                                          /* bne */
        INDEX_op_mov,        INDEX_op_lookup_and_goto_ptr,        /* fall through: 0x20 */
        INDEX_op_set_label,  INDEX_op_goto_tb, INDEX_op_mov, INDEX_op_exit_tb, /* 0x0c */
    };
    g_autoptr(GArray) ops = NULL;

    put(f, RAM_BASE + 0x10, code, 4);
    g_assert_cmpuint(translate(f, RAM_BASE + 0x10, 64), ==, 16);
    ops = opcodes(f);
    g_assert_cmpuint(ops->len, ==, G_N_ELEMENTS(expect));
    for (unsigned i = 0; i < ops->len; i++) {
        g_assert_cmpstr(tcg_op_defs[g_array_index(ops, int, i)].name, ==,
                        tcg_op_defs[expect[i]].name);
    }
    g_assert_cmpuint(nth_op(f, INDEX_op_brcond, 0)->args[2], ==, TCG_COND_NE);
    g_assert_cmpint(f->s->temps[nth_op(f, INDEX_op_add, 1)->args[2]].val, ==, 2);
    g_assert_cmpuint(nth_op(f, INDEX_op_goto_tb, 0)->args[0], ==, 1);
    g_assert_cmphex(f->s->temps[nth_op(f, INDEX_op_mov, 0)->args[1]].val, ==, RAM_BASE + 0x1c);
    /* The fall-through keeps counting: the third instruction has two uncounted. */
    g_assert_cmpuint(nth_op(f, INDEX_op_insn_start, 2)->args[1], ==, 2);
    g_assert_cmpint(f->s->temps[nth_op(f, INDEX_op_add, 3)->args[2]].val, ==, 4);
    g_assert_cmphex(f->s->temps[nth_op(f, INDEX_op_mov, 1)->args[1]].val, ==, RAM_BASE + 0x20);
    g_assert_cmpuint(nth_op(f, INDEX_op_goto_tb, 1)->args[0], ==, 0);
    g_assert_cmphex(exit_pc(f), ==, RAM_BASE + 0xc);
}

/*
 * A short loop back to the block's start is unrolled once: the first copy's loop exit is
 * a side exit, the second copy ends the block with the loop edge on slot 0.
 */
static void test_loop_unrolled(Fixture *f, gconstpointer data)
{
    /* addi a0, a0, 1 ; bne a0, a1, -4 */
    const uint32_t code[] = {0x00150513, enc_b(1, 10, 11, -4)};
    static const uint64_t pcs[] = {0x0, 0x4, 0x0, 0x4};

    put(f, RAM_BASE, code, 2);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 8);
    assert_insn_pcs(f, pcs, G_N_ELEMENTS(pcs));
    const TCGOp *op = nth_op(f, INDEX_op_goto_tb, 0); /* the first copy's loop exit */
    g_assert_cmpuint(op->args[0], ==, 1);
    g_assert_cmphex(f->s->temps[nth_op(f, INDEX_op_mov, 0)->args[1]].val, ==, RAM_BASE + 8);
    g_assert_cmpuint(nth_op(f, INDEX_op_brcond, 0)->args[2], ==, TCG_COND_NE);
    g_assert_cmpint(f->s->temps[nth_op(f, INDEX_op_add, 1)->args[2]].val, ==, 2);
    g_assert_cmpuint(nth_op(f, INDEX_op_insn_start, 2)->args[1], ==, 2);
    g_assert_cmpint(f->s->temps[nth_op(f, INDEX_op_add, 3)->args[2]].val, ==, 4);
    g_assert_cmpuint(count_op(f, INDEX_op_lookup_and_goto_ptr), ==, 1);
    g_assert_cmpuint(nth_op(f, INDEX_op_goto_tb, 1)->args[0], ==, 0);
    g_assert_cmphex(exit_pc(f), ==, RAM_BASE);

    /* Not a longer body: 65 instructions and the branch. */
    uint32_t longer[66];
    for (unsigned i = 0; i < 65; i++) {
        longer[i] = 0x00150513;
    }
    longer[65] = enc_b(1, 10, 11, -65 * 4);
    put(f, RAM_BASE, longer, 66);
    g_assert_cmpuint(translate(f, RAM_BASE, 512), ==, 66 * 4);
    g_assert_cmpuint(count_op(f, INDEX_op_insn_start), ==, 66);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 2);
    g_assert_cmpuint(count_op(f, INDEX_op_lookup_and_goto_ptr), ==, 0);
}

/* At most 8 side exits (the later ones look the next block up), and none whose
 * fall-through leaves the page. */
static void test_branch_side_exit_limits(Fixture *f, gconstpointer data)
{
    uint32_t code[9];

    for (unsigned i = 0; i < 9; i++) {
        code[i] = enc_b(0, 10, 11, 0x40);
    }
    put(f, RAM_BASE, code, 9);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 36);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 2);
    g_assert_cmpuint(count_op(f, INDEX_op_lookup_and_goto_ptr), ==, 8);

    put(f, RAM_BASE + 0xffc, code, 1);
    g_assert_cmpuint(translate(f, RAM_BASE + 0xffc, 64), ==, 4);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 2);
    g_assert_cmpuint(count_op(f, INDEX_op_lookup_and_goto_ptr), ==, 0);
}

static void test_loads_stores(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0xfff58503 /* lb a0, -1(a1) */, 0x00f13823 /* sd a5, 16(sp) */,
                             0x0045e503 /* lwu a0, 4(a1) */};
    const TCGOp *op;

    put(f, RAM_BASE, code, 3);
    translate(f, RAM_BASE, 3);
    op = nth_op(f, INDEX_op_qemu_ld, 0);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "a0"));
    g_assert_cmpuint(tcg_memop_idx_op(op->args[2]), ==, MO_SB);
    g_assert_cmpuint(tcg_memop_idx_mmu(op->args[2]), ==, RISCV_PRIV_M);
    op = nth_op(f, INDEX_op_qemu_st, 0);
    g_assert_cmpuint(op->args[0], ==, global_id(f, "a5"));
    g_assert_cmpuint(tcg_memop_idx_op(op->args[2]), ==, MO_UQ);
    op = nth_op(f, INDEX_op_qemu_ld, 1);
    g_assert_cmpuint(tcg_memop_idx_op(op->args[2]), ==, MO_UL);
    /* The third instruction's insn_start says two are not yet counted. */
    g_assert_cmpuint(nth_op(f, INDEX_op_insn_start, 2)->args[1], ==, 2);
}

/* A CSR write ends the block after the helper; a pure read does not. */
static void test_csr(Fixture *f, gconstpointer data)
{
    const uint32_t read[] = {0x34002573 /* csrr a0, mscratch */, 0x00150513};
    const uint32_t write[] = {0x34059073 /* csrw mscratch, a1 */, 0x00150513};

    put(f, RAM_BASE, read, 2);
    g_assert_cmpuint(translate(f, RAM_BASE, 2), ==, 8);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 1);

    put(f, RAM_BASE, write, 2);
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 4);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 1);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_exit_tb);
    g_assert_cmpuint(last_op(f)->args[0], ==, TCG_EXIT_NOCHAIN);
}

static void test_system_ends_block(Fixture *f, gconstpointer data)
{
    static const uint32_t enders[] = {0x00000073 /* ecall */, 0x00100073 /* ebreak */,
                                      0x30200073 /* mret */,  0x10500073 /* wfi */,
                                      0x0000100f /* fence.i */, 0xfe000033 /* illegal */,
                                      0x10200073 /* sret */, 0x12000073 /* sfence.vma */};

    for (size_t i = 0; i < G_N_ELEMENTS(enders); i++) {
        const uint32_t code[] = {enders[i], 0x00150513};

        put(f, RAM_BASE, code, 2);
        g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 4);
        g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_exit_tb);
        g_assert_cmpuint(last_op(f)->args[0], ==, TCG_EXIT_NOCHAIN);
    }

    /* fence and atomics do not end the block. */
    const uint32_t more[] = {0x0ff0000f /* fence */, 0x00c5a52f /* amoadd.w */, 0x00150513};
    put(f, RAM_BASE, more, 3);
    g_assert_cmpuint(translate(f, RAM_BASE, 3), ==, 12);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 2);
}

/* With paging (no TCG_TB_FLAG_PHYS) a block never reaches into a second page: it stops
 * before a 32-bit instruction straddling the page end, which gets a block of its own that
 * the interpreter executes. */
static void test_paged_straddle(Fixture *f, gconstpointer data)
{
    const uint32_t flags = RISCV_PRIV_S | RISCV_PRIV_S << RISCV_TB_FLAGS_DATA_SHIFT;
    const uint32_t two[] = {0x00150513, 0x00150513};

    put(f, RAM_BASE + 0x1ff6, two, 2);
    memcpy(f->ram + 0x1ffe, "\x13\x05", 2);
    memcpy(f->ram + 0x2000, "\x15\x00", 2);
    g_assert_cmpuint(translate_flags(f, RAM_BASE + 0x1ff6, 64, flags), ==, 8);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 0);
    g_assert_cmpuint(translate_flags(f, RAM_BASE + 0x1ffe, 64, flags), ==, 2);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 1);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_exit_tb);
    g_assert_cmpuint(last_op(f)->args[0], ==, TCG_EXIT_NOCHAIN);
    /* A compressed instruction there fits: the block ends at the page as usual. */
    memcpy(f->ram + 0x1ffe, "\x05\x05", 2); /* c.addi a0, 1 */
    g_assert_cmpuint(translate_flags(f, RAM_BASE + 0x1ffe, 64, flags), ==, 2);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 0);
}

/* Loads and stores use the data privilege of the flags (MPRV) as their MMU index. */
static void test_data_mmu_index(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {0xfff58503 /* lb a0, -1(a1) */, 0x00f13823 /* sd a5, 16(sp) */};

    put(f, RAM_BASE, code, 2);
    translate_flags(f, RAM_BASE, 2,
                    RISCV_PRIV_M | RISCV_PRIV_U << RISCV_TB_FLAGS_DATA_SHIFT | TCG_TB_FLAG_PHYS);
    g_assert_cmpuint(tcg_memop_idx_mmu(nth_op(f, INDEX_op_qemu_ld, 0)->args[2]), ==,
                     RISCV_PRIV_U);
    g_assert_cmpuint(tcg_memop_idx_mmu(nth_op(f, INDEX_op_qemu_st, 0)->args[2]), ==,
                     RISCV_PRIV_U);
}

/* F/D: illegal with FS = Off; loads inline (marking FS Dirty unless it is); arithmetic in
 * round-to-nearest is an fpop guarded by fflags.NX (dynamic rounding also by frm), the
 * rest one helper call; neither ends the block. */
static void test_fp(Fixture *f, gconstpointer data)
{
    const uint32_t base = RISCV_PRIV_M | RISCV_PRIV_M << RISCV_TB_FLAGS_DATA_SHIFT |
                          TCG_TB_FLAG_PHYS;
    const uint32_t code[] = {0x0005b087 /* fld f1, 0(a1) */, 0x022080d3 /* fadd.d f1, f1, f2 */,
                             0x2a2080d3 /* fmin.d f1, f1, f2 */, 0x0220f0d3 /* fadd.d, dyn */,
                             0x00150513};

    put(f, RAM_BASE, code, 5);
    g_assert_cmpuint(translate_flags(f, RAM_BASE, 64, base), ==, 4);
    g_assert_cmpuint(last_op(f)->opc, ==, INDEX_op_exit_tb); /* raised */
    g_assert_cmpuint(count_op(f, INDEX_op_qemu_ld), ==, 0);

    g_assert_cmpuint(translate_flags(f, RAM_BASE, 5, base | RISCV_TB_FLAG_FS_ON), ==, 20);
    g_assert_cmpuint(count_op(f, INDEX_op_qemu_ld), ==, 1);
    g_assert_cmpuint(count_op(f, INDEX_op_call), ==, 1);
    g_assert_cmpuint(count_op(f, INDEX_op_fpop), ==, 2);
    TCGArg rne = nth_op(f, INDEX_op_fpop, 0)->args[4], dyn = nth_op(f, INDEX_op_fpop, 1)->args[4];
    g_assert_cmpuint(rne & TCG_FP_KIND_MASK, ==, TCG_FP_ADD);
    g_assert_true(rne & TCG_FP_DOUBLE);
    g_assert_true(rne & TCG_FP_GUARD_SET);
    g_assert_false(rne & TCG_FP_GUARD_ZERO);
    g_assert_true(dyn & TCG_FP_GUARD_ZERO);
    g_assert_cmpuint(count_op(f, INDEX_op_st64), ==, 6); /* f1 and mstatus by fld and fadds */

    translate_flags(f, RAM_BASE, 5, base | RISCV_TB_FLAG_FS_ON | RISCV_TB_FLAG_FS_DIRTY);
    g_assert_cmpuint(count_op(f, INDEX_op_st64), ==, 3); /* f1 only */
}

static void test_compressed(Fixture *f, gconstpointer data)
{
    /* c.li a0, 1 ; c.addi a0, 1 ; c.j -4 */
    const uint16_t code[] = {0x4505, 0x0505, 0xbff5};

    memcpy(f->ram, code, sizeof(code));
    g_assert_cmpuint(translate(f, RAM_BASE, 64), ==, 6);
    g_assert_cmphex(nth_op(f, INDEX_op_insn_start, 2)->args[0], ==, RAM_BASE + 4);
    g_assert_cmpuint(count_op(f, INDEX_op_goto_tb), ==, 1);
    g_assert_cmphex(f->s->temps[last_op(f)[-1].args[1]].val, ==, RAM_BASE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add("/riscv/translate/" path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("alu-and-branch", test_alu_and_branch);
    ADD("branch-side-exit", test_branch_side_exit);
    ADD("branch-side-exit-limits", test_branch_side_exit_limits);
    ADD("loop-unrolled", test_loop_unrolled);
    ADD("x0", test_x0);
    ADD("max-insns", test_max_insns);
    ADD("page-end", test_page_end);
    ADD("fetch-fault-ends-block", test_fetch_fault_ends_block);
    ADD("jalr", test_jalr);
    ADD("jal-chains", test_jal_chains);
    ADD("jal-extends", test_jal_extends);
    ADD("jal-no-extension", test_jal_no_extension);
    ADD("loads-stores", test_loads_stores);
    ADD("csr", test_csr);
    ADD("system-ends-block", test_system_ends_block);
    ADD("compressed", test_compressed);
    ADD("paged-straddle", test_paged_straddle);
    ADD("data-mmu-index", test_data_mmu_index);
    ADD("fp", test_fp);
#undef ADD
    return g_test_run();
}

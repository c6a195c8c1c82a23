/*
 * Tests of the IR optimizer and liveness: hand-built op lists, checked op by op after
 * tcg_optimize() + tcg_liveness(), for each rule where it applies and where it must
 * not. Also pins the IR's constant semantics.
 */
#include <glib.h>
#include <stddef.h>

#include "ir-fixture.h"

static char *optimize_and_dump(Fixture *f)
{
    return pass_and_dump(f, tcg_optimize);
}

/* Ends the block, optimizes, then compares the op list with the expected text. */
static void check_ops(Fixture *f, const char *expected)
{
    check_pass(f, tcg_optimize, expected);
}

static void test_constant_folding(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), c = tcg_temp_new(s);

    tcg_gen_movi(s, a, 6);
    tcg_gen_movi(s, b, 7);
    tcg_gen_mul(s, c, a, b);
    tcg_gen_subi(s, c, c, 2);
    tcg_gen_mov(s, f->r[0], c);
    tcg_gen_divu(s, f->r[1], c, tcg_constant(s, 0));     /* RISC-V: all ones */
    tcg_gen_ext8s(s, f->r[2], tcg_constant(s, 0x80));
    tcg_gen_add_w(s, f->r[3], tcg_constant(s, 0x7fffffff), tcg_constant(s, 1));
    check_ops(f, "mov r0,$40\n"
                 "mov r1,$-1\n"
                 "mov r2,$-128\n"
                 "mov r3,$-2147483648\n");
}

static void test_copy_propagation(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s), u = tcg_temp_new(s);

    tcg_gen_mov(s, t, f->r[1]);
    tcg_gen_mov(s, u, t);
    tcg_gen_add(s, f->r[0], u, f->r[2]);
    /* A constant known through a global */
    tcg_gen_movi(s, f->r[3], 5);
    tcg_gen_add(s, f->r[4], f->r[3], f->r[3]);
    /* Once the source changes, the copy is no longer used. */
    tcg_gen_mov(s, t, f->r[5]);
    tcg_gen_movi(s, f->r[5], 1);
    tcg_gen_add(s, f->r[6], t, f->r[6]);
    check_ops(f, "add r0,r1,r2\n"
                 "mov r3,$5\n"
                 "mov r4,$10\n"
                 "mov tmp0,r5\n"
                 "mov r5,$1\n"
                 "add r6,tmp0,r6\n");
}

static void test_algebraic(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    tcg_gen_addi(s, f->r[0], f->r[1], 0);
    tcg_gen_muli(s, f->r[1], f->r[2], 1);
    tcg_gen_andi(s, f->r[2], f->r[3], 0);
    tcg_gen_xor(s, f->r[3], f->r[4], f->r[4]);
    tcg_gen_shli(s, f->r[4], f->r[5], 64); /* counts are modulo 64 */
    tcg_gen_ori(s, f->r[5], f->r[6], -1);
    tcg_gen_add_w(s, f->r[6], f->r[7], tcg_constant(s, 0));
    tcg_gen_sub(s, f->r[7], f->r[0], f->r[0]);
    check_ops(f, "mov r0,r1\n"
                 "mov r1,r2\n"
                 "mov r2,$0\n"
                 "mov r3,$0\n"
                 "mov r4,r5\n"
                 "mov r5,$-1\n"
                 "ext32s r6,r7\n"
                 "mov r7,$0\n");
}

static void test_zext_idiom(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    /* RV64's slli + srli by 32: the shr becomes ext32u of the original, the shl dies. */
    tcg_gen_shli(s, f->r[0], f->r[1], 32);
    tcg_gen_shri(s, f->r[0], f->r[0], 32);
    /* Not when the source changed in between. */
    tcg_gen_shli(s, f->r[2], f->r[3], 32);
    tcg_gen_movi(s, f->r[3], 7);
    tcg_gen_shri(s, f->r[4], f->r[2], 32);
    /* Nor for other counts. */
    tcg_gen_shli(s, f->r[5], f->r[6], 32);
    tcg_gen_shri(s, f->r[5], f->r[5], 31);
    check_ops(f, "ext32u r0,r1\n"
                 "shl r2,r3,$32\n"
                 "mov r3,$7\n"
                 "shr r4,r2,$32\n"
                 "shl r5,r6,$32\n"
                 "shr r5,r5,$31\n");
}

static void test_commutative_constant_second(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    tcg_gen_add(s, f->r[0], tcg_constant(s, 3), f->r[1]);
    tcg_gen_sub(s, f->r[2], tcg_constant(s, 3), f->r[1]);
    check_ops(f, "add r0,r1,$3\n"
                 "sub r2,$3,r1\n");
}

static void test_dead_code(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s);

    tcg_gen_add(s, t, f->r[1], f->r[2]);     /* never used */
    tcg_gen_add(s, f->r[0], f->r[1], f->r[2]); /* overwritten before anything reads it */
    tcg_gen_sub(s, f->r[0], f->r[3], f->r[4]);
    tcg_gen_add(s, f->r[5], f->r[1], f->r[2]); /* a memory access may fault: kept */
    tcg_gen_qemu_ld(s, f->r[6], f->r[7], 0, MO_UQ);
    tcg_gen_sub(s, f->r[5], f->r[3], f->r[4]);
    check_ops(f, "sub r0,r3,r4\n"
                 "add r5,r1,r2\n"
                 "qemu_ld r6,r7,0x3\n"
                 "sub r5,r3,r4\n");
}

static void test_branch_folding(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGLabel l1 = tcg_label_new(s), l2 = tcg_label_new(s);
    TCGv t = tcg_temp_new(s);

    tcg_gen_movi(s, t, 4);
    tcg_gen_brcondi(s, TCG_COND_LTU, t, 3, l1); /* never taken: removed with its label */
    tcg_gen_addi(s, f->r[0], f->r[0], 1);
    tcg_gen_set_label(s, l1);
    tcg_gen_brcondi(s, TCG_COND_GEU, t, 3, l2); /* always taken */
    tcg_gen_addi(s, f->r[1], f->r[1], 1);         /* unreachable */
    tcg_gen_set_label(s, l2);
    tcg_gen_addi(s, f->r[2], f->r[2], 1);
    /* The taken branch jumps over dead code only: it goes, and so does its label. */
    check_ops(f, "add r0,r0,$1\n"
                 "add r2,r2,$1\n");
}

static void test_branch_over_code(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGLabel l1 = tcg_label_new(s), l2 = tcg_label_new(s);

    tcg_gen_brcondi(s, TCG_COND_EQ, f->r[0], 0, l1); /* over reachable code: kept */
    tcg_gen_addi(s, f->r[1], f->r[1], 1);
    tcg_gen_set_label(s, l1);
    tcg_gen_brcondi(s, TCG_COND_EQ, f->r[0], 5, l2); /* to the next op: dropped */
    tcg_gen_set_label(s, l2);
    tcg_gen_addi(s, f->r[2], f->r[2], 1);
    check_ops(f, "brcond r0,$0,eq,L0\n"
                 "add r1,r1,$1\n"
                 "set_label L0\n"
                 "add r2,r2,$1\n");
}

static void test_unreachable_after_exit(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    tcg_gen_movi(s, f->r[0], 1);
    tcg_gen_exit_tb(s, TCG_EXIT_IDX0);
    tcg_gen_movi(s, f->r[1], 2);
    tcg_gen_movi(s, f->r[1], 3);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    g_autofree char *dump = optimize_and_dump(f);
    g_assert_cmpstr(dump, ==, "mov r0,$1\n"
                              "exit_tb 0\n");
}

static void test_setcond_movcond(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;

    tcg_gen_setcond(s, TCG_COND_LE, f->r[0], f->r[1], f->r[1]);
    tcg_gen_setcond(s, TCG_COND_LTU, f->r[1], f->r[2], f->r[2]);
    tcg_gen_movcond(s, TCG_COND_EQ, f->r[2], tcg_constant(s, 1), tcg_constant(s, 2), f->r[3],
                    f->r[4]);
    tcg_gen_movcond(s, TCG_COND_LT, f->r[3], f->r[5], f->r[6], f->r[7], f->r[7]);
    tcg_gen_setcondi(s, TCG_COND_GT, f->r[4], tcg_constant(s, -1), 0);
    check_ops(f, "mov r0,$1\n"
                 "mov r1,$0\n"
                 "mov r2,r4\n"
                 "mov r3,r7\n"
                 "mov r4,$0\n");
}

static uint64_t helper_dummy(uint64_t a)
{
    return a;
}

static void test_calls(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s);
    TCGv args[1] = {f->r[1]};

    tcg_gen_movi(s, f->r[0], 5);
    tcg_gen_call(s, (void *)helper_dummy, TCG_CALL_PURE, t, 1, args); /* unused: removed */
    tcg_gen_addi(s, f->r[2], f->r[0], 1);                               /* folded: 6 */
    tcg_gen_call(s, (void *)helper_dummy, 0, t, 1, args); /* may write globals */
    tcg_gen_addi(s, f->r[3], f->r[0], 1);                 /* not folded any more */
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    g_autofree char *dump = optimize_and_dump(f);
    g_auto(GStrv) lines = g_strsplit(dump, "\n", -1);
    g_assert_cmpstr(lines[0], ==, "mov r0,$5");
    g_assert_cmpstr(lines[1], ==, "mov r2,$6");
    g_assert_true(g_str_has_prefix(lines[2], "call tmp0,r1,"));
    g_assert_cmpstr(lines[3], ==, "add r3,r0,$1");
}

/* Values known to be sign-extended 32-bit ones need no ext32s (RV64's sext.w). */
static void test_sext32_tracking(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s), u = tcg_temp_new(s);

    /* Results of _w ops, and of 32-bit-preserving ops on such values. */
    tcg_gen_add_w(s, t, f->r[1], f->r[2]);
    tcg_gen_ext32s(s, f->r[0], t);
    tcg_gen_shl_w(s, u, f->r[3], tcg_constant(s, 3));
    tcg_gen_xor(s, u, u, t);
    tcg_gen_not(s, u, u);
    tcg_gen_add_w(s, f->r[1], u, tcg_constant(s, 0)); /* addiw rd, rs, 0 */
    /* Loads: sign-extending 32-bit ones and narrower ones are; lwu is not. */
    tcg_gen_qemu_ld(s, f->r[2], f->r[7], 0, MO_SL);
    tcg_gen_ext32s(s, f->r[3], f->r[2]);
    tcg_gen_qemu_ld(s, f->r[4], f->r[7], 0, MO_UL);
    tcg_gen_ext32s(s, f->r[5], f->r[4]);
    check_ops(f, "add_w tmp0,r1,r2\n"
                 "mov r0,tmp0\n"
                 "shl_w tmp1,r3,$3\n"
                 "xor tmp1,tmp1,tmp0\n"
                 "not tmp1,tmp1\n"
                 "mov r1,tmp1\n"
                 "qemu_ld r2,r7,0x6\n"
                 "mov r3,r2\n"
                 "qemu_ld r4,r7,0x2\n"
                 "ext32s r5,r4\n");
}

/* Where the extension must stay. */
static void test_sext32_not(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s);

    tcg_gen_ext32s(s, f->r[0], f->r[1]); /* a global from the block's entry */
    tcg_gen_add_w(s, t, f->r[1], f->r[2]);
    tcg_gen_add(s, t, t, t); /* 64-bit add: may leave 32 bits */
    tcg_gen_ext32s(s, f->r[2], t);
    tcg_gen_andi(s, t, f->r[3], 0x80000000);
    tcg_gen_ext32s(s, f->r[3], t);
    tcg_gen_shri(s, t, f->r[4], 32); /* up to 2^32 - 1 */
    tcg_gen_ext32s(s, f->r[4], t);
    tcg_gen_or(s, t, f->r[5], f->r[2]); /* one side unknown */
    tcg_gen_ext32s(s, f->r[5], t);
    check_ops(f, "ext32s r0,r1\n"
                 "add_w tmp0,r1,r2\n"
                 "add tmp0,tmp0,tmp0\n"
                 "ext32s r2,tmp0\n"
                 "and tmp0,r3,$2147483648\n"
                 "ext32s r3,tmp0\n"
                 "shr tmp0,r4,$32\n"
                 "ext32s r4,tmp0\n"
                 "or tmp0,r5,r2\n"
                 "ext32s r5,tmp0\n");
}

/* A helper that may write globals: what was known about them is gone. */
static void test_sext32_after_call(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv args[1] = {f->r[1]};

    tcg_gen_sub_w(s, f->r[5], f->r[5], f->r[6]);
    tcg_gen_call(s, (void *)helper_dummy, 0, (TCGv){0}, 1, args);
    tcg_gen_ext32s(s, f->r[6], f->r[5]);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    g_autofree char *dump = optimize_and_dump(f);
    g_auto(GStrv) lines = g_strsplit(dump, "\n", -1);
    g_assert_cmpstr(lines[0], ==, "sub_w r5,r5,r6");
    g_assert_true(g_str_has_prefix(lines[1], "call "));
    g_assert_cmpstr(lines[2], ==, "ext32s r6,r5");
}

/* Other ops keeping or making sign-extended values: masks, shifts, setcond. */
static void test_sext32_ops(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s);

    tcg_gen_andi(s, t, f->r[1], 0x7fffffff);
    tcg_gen_ext32s(s, f->r[0], t);
    tcg_gen_shri(s, t, f->r[2], 33);
    tcg_gen_ext32s(s, f->r[1], t);
    tcg_gen_sari(s, t, f->r[3], 32);
    tcg_gen_ext32s(s, f->r[2], t);
    tcg_gen_setcond(s, TCG_COND_LT, t, f->r[4], f->r[5]);
    tcg_gen_ext32s(s, f->r[3], t);
    check_ops(f, "and tmp0,r1,$2147483647\n"
                 "mov r0,tmp0\n"
                 "shr tmp0,r2,$33\n"
                 "mov r1,tmp0\n"
                 "sar tmp0,r3,$32\n"
                 "mov r2,tmp0\n"
                 "setcond tmp0,r4,r5,lt\n"
                 "mov r3,tmp0\n");
}

/* A _w op reads the low 32 bits only: it skips an ext32s/ext32u of its input, which then
 * dies when nothing else needs it; not when the source changed in between. */
static void test_w_reads_low_bits(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s), u = tcg_temp_new(s);

    tcg_gen_ext32u(s, t, f->r[1]);
    tcg_gen_add_w(s, f->r[0], t, f->r[2]);
    tcg_gen_ext32s(s, u, f->r[3]);
    tcg_gen_movi(s, f->r[3], 9);
    tcg_gen_sub_w(s, f->r[1], f->r[2], u);
    check_ops(f, "add_w r0,r1,r2\n"
                 "ext32s tmp1,r3\n"
                 "mov r3,$9\n"
                 "sub_w r1,r2,tmp1\n");
}

/*
 * A label reached only by a forward brcond, after an op that cannot fall through (a side
 * exit): what was known at the brcond still holds there, except about normal temps,
 * which die at labels.
 */
static void test_side_exit_label(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGLabel l = tcg_label_new(s);
    TCGv t = tcg_temp_new(s);

    tcg_gen_movi(s, f->r[1], 5);
    tcg_gen_add(s, t, f->r[2], f->r[3]);
    tcg_gen_mov(s, f->r[4], t);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[5], f->r[6], l);
    tcg_gen_movi(s, f->r[1], 7); /* only on the exit path */
    tcg_gen_exit_tb(s, TCG_EXIT_IDX1);
    tcg_gen_set_label(s, l);
    tcg_gen_addi(s, f->r[0], f->r[1], 1);
    tcg_gen_addi(s, f->r[7], f->r[4], 1); /* r4, not the dead tmp0 */
    check_ops(f, "mov r1,$5\n"
                 "add tmp0,r2,r3\n"
                 "mov r4,tmp0\n"
                 "brcond r5,r6,eq,L0\n"
                 "mov r1,$7\n"
                 "exit_tb 1\n"
                 "set_label L0\n"
                 "mov r0,$6\n"
                 "add r7,r4,$1\n");
}

/* Not when the label can also be reached by falling through, or by two branches. */
static void test_side_exit_label_not(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGLabel l1 = tcg_label_new(s), l2 = tcg_label_new(s);

    tcg_gen_movi(s, f->r[1], 5);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[5], f->r[6], l1);
    tcg_gen_movi(s, f->r[1], 7);
    tcg_gen_set_label(s, l1);
    tcg_gen_addi(s, f->r[0], f->r[1], 1);
    tcg_gen_movi(s, f->r[2], 5);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[5], f->r[6], l2);
    tcg_gen_brcond(s, TCG_COND_EQ, f->r[5], f->r[7], l2);
    tcg_gen_exit_tb(s, TCG_EXIT_IDX0);
    tcg_gen_set_label(s, l2);
    tcg_gen_addi(s, f->r[3], f->r[2], 1);
    check_ops(f, "mov r1,$5\n"
                 "brcond r5,r6,eq,L0\n"
                 "mov r1,$7\n"
                 "set_label L0\n"
                 "add r0,r1,$1\n"
                 "mov r2,$5\n"
                 "brcond r5,r6,eq,L1\n"
                 "brcond r5,r7,eq,L1\n"
                 "exit_tb 0\n"
                 "set_label L1\n"
                 "add r3,r2,$1\n");
}

static void test_liveness_dead_args(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv t = tcg_temp_new(s), u = tcg_temp_new(s);

    tcg_gen_add(s, t, f->r[0], f->r[1]);
    tcg_gen_add(s, u, t, t);   /* t dies here */
    tcg_gen_mov(s, f->r[2], u); /* u dies here */
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    tcg_liveness(s);
    g_assert_cmphex(s->ops[0].dead_args, ==, 0); /* globals never die, t lives on */
    g_assert_cmphex(s->ops[1].dead_args, ==, 0x6);
    g_assert_cmphex(s->ops[2].dead_args, ==, 0x2);
}

/* The IR's division and shift semantics (RISC-V's), which folding and the backend share. */
static void test_eval_semantics(void)
{
    uint64_t r;

    g_assert_true(tcg_op_eval(INDEX_op_div, 7, 0, &r));
    g_assert_cmphex(r, ==, UINT64_MAX);
    tcg_op_eval(INDEX_op_rem, 7, 0, &r);
    g_assert_cmphex(r, ==, 7);
    tcg_op_eval(INDEX_op_div, INT64_MIN, (uint64_t)-1, &r);
    g_assert_cmphex(r, ==, (uint64_t)INT64_MIN);
    tcg_op_eval(INDEX_op_rem, INT64_MIN, (uint64_t)-1, &r);
    g_assert_cmphex(r, ==, 0);
    tcg_op_eval(INDEX_op_div, (uint64_t)-7, 2, &r);
    g_assert_cmphex(r, ==, (uint64_t)-3);
    tcg_op_eval(INDEX_op_rem, (uint64_t)-7, 2, &r);
    g_assert_cmphex(r, ==, (uint64_t)-1);
    tcg_op_eval(INDEX_op_div_w, 0x80000000, 0xffffffff, &r);
    g_assert_cmphex(r, ==, 0xffffffff80000000ull);
    tcg_op_eval(INDEX_op_remu_w, 0x1ffffffffull, 0, &r);
    g_assert_cmphex(r, ==, UINT64_MAX); /* low 32 bits of the dividend, sign-extended */
    tcg_op_eval(INDEX_op_divu_w, 5, 0x100000000ull, &r);
    g_assert_cmphex(r, ==, UINT64_MAX); /* the divisor's low 32 bits are 0 */
    tcg_op_eval(INDEX_op_shl, 1, 65, &r);
    g_assert_cmphex(r, ==, 2);
    tcg_op_eval(INDEX_op_sar_w, 0x80000000, 33, &r);
    g_assert_cmphex(r, ==, 0xffffffffc0000000ull);
    tcg_op_eval(INDEX_op_mulsuh, (uint64_t)-1, UINT64_MAX, &r);
    g_assert_cmphex(r, ==, UINT64_MAX);
    tcg_op_eval(INDEX_op_muluh, UINT64_MAX, UINT64_MAX, &r);
    g_assert_cmphex(r, ==, UINT64_MAX - 1);
    g_assert_false(tcg_op_eval(INDEX_op_qemu_ld, 0, 0, &r));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/tcg/optimize/constant-folding", test_constant_folding);
    ADD("/tcg/optimize/sext32-tracking", test_sext32_tracking);
    ADD("/tcg/optimize/sext32-not", test_sext32_not);
    ADD("/tcg/optimize/sext32-after-call", test_sext32_after_call);
    ADD("/tcg/optimize/sext32-ops", test_sext32_ops);
    ADD("/tcg/optimize/w-reads-low-bits", test_w_reads_low_bits);
    ADD("/tcg/optimize/side-exit-label", test_side_exit_label);
    ADD("/tcg/optimize/side-exit-label-not", test_side_exit_label_not);
    ADD("/tcg/optimize/copy-propagation", test_copy_propagation);
    ADD("/tcg/optimize/algebraic", test_algebraic);
    ADD("/tcg/optimize/commutative", test_commutative_constant_second);
    ADD("/tcg/optimize/zext-idiom", test_zext_idiom);
    ADD("/tcg/optimize/dead-code", test_dead_code);
    ADD("/tcg/optimize/branch-folding", test_branch_folding);
    ADD("/tcg/optimize/branch-over-code", test_branch_over_code);
    ADD("/tcg/optimize/unreachable", test_unreachable_after_exit);
    ADD("/tcg/optimize/setcond-movcond", test_setcond_movcond);
    ADD("/tcg/optimize/calls", test_calls);
    ADD("/tcg/optimize/liveness", test_liveness_dead_args);
    g_test_add_func("/tcg/optimize/eval-semantics", test_eval_semantics);
    return g_test_run();
}

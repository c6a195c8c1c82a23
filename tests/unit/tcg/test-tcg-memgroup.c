/*
 * Tests of the access-grouping pass (tcg_memgroup): hand-built op lists, checked op by op
 * after tcg_memgroup() + tcg_liveness(): which accesses share a check, the window and
 * access types the check gets, and the displacements the accesses use.
 */
#include <glib.h>
#include <stddef.h>

#include "ir-fixture.h"

static void check_ops(Fixture *f, const char *expected)
{
    check_pass(f, tcg_memgroup, expected);
}

/* r1 + constant, r1 unchanged: one check of [r1 - 8, r1 + 16 + 8), reads and writes; the
 * accesses address r1 + displacement and the address adds die. */
static void test_frame(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), c = tcg_temp_new(s);

    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_st(s, f->r[2], a, 0, MO_UQ);
    tcg_gen_addi(s, b, f->r[1], -8);
    tcg_gen_qemu_ld(s, f->r[3], b, 0, MO_SL);
    tcg_gen_addi(s, c, f->r[1], 16);
    tcg_gen_qemu_ld(s, f->r[4], c, 0, MO_UQ);
    check_ops(f, "tlb_check tmp6,r1,3,3,-8,16\n"
                 "qemu_st_a r2,r1,tmp6,0x3,8\n"
                 "qemu_ld_a r3,r1,tmp6,0x6,-8\n"
                 "qemu_ld_a r4,r1,tmp6,0x3,16\n");
}

/* Loads only: the check tests the read tag only; the widest access (4 bytes at +2)
 * anchors the alignment, the window ends with its last 4-byte unit. */
static void test_reads_anchor(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s);

    tcg_gen_qemu_ld(s, f->r[2], f->r[1], 1, MO_UB);
    tcg_gen_addi(s, a, f->r[1], 2);
    tcg_gen_qemu_ld(s, f->r[3], a, 1, MO_UW);
    tcg_gen_addi(s, b, f->r[1], 6);
    tcg_gen_qemu_ld(s, f->r[4], b, 1, MO_UL);
    check_ops(f, "tlb_check tmp4,r1,18,1,0,6\n"
                 "qemu_ld_a r2,r1,tmp4,0x10,0\n"
                 "qemu_ld_a r3,r1,tmp4,0x11,2\n"
                 "qemu_ld_a r4,r1,tmp4,0x12,6\n");
}

/* The base is written between the accesses: an add of a constant is followed (the
 * addresses still share the old value, through their address temps), anything else
 * starts a new base. */
static void test_base_written(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), c = tcg_temp_new(s);

    tcg_gen_qemu_ld(s, f->r[2], f->r[1], 0, MO_UQ);
    tcg_gen_addi(s, f->r[1], f->r[1], -16);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[3], a, 0, MO_UQ);
    tcg_gen_xori(s, f->r[1], f->r[1], 1);
    tcg_gen_addi(s, b, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[4], b, 0, MO_UQ);
    tcg_gen_addi(s, c, f->r[1], 16);
    tcg_gen_qemu_ld(s, f->r[5], c, 0, MO_UQ);
    check_ops(f, "tlb_check tmp7,r1,3,1,-8,0\n"
                 "qemu_ld_a r2,r1,tmp7,0x3,0\n"
                 "add r1,r1,$-16\n"
                 "add tmp0,r1,$8\n"
                 "qemu_ld_a r3,tmp0,tmp7,0x3,0\n"
                 "xor r1,r1,$1\n"
                 "tlb_check tmp8,r1,3,1,8,16\n"
                 "qemu_ld_a r4,r1,tmp8,0x3,8\n"
                 "qemu_ld_a r5,r1,tmp8,0x3,16\n");
}

/* Only translated, never run. */
static void helper_never_run(void *env)
{
    g_assert_not_reached();
}

/* What stays apart: another MMU index, a window over 2048 bytes, a misaligned partner,
 * and anything across a helper call or a label. */
static void test_limits(Fixture *f, gconstpointer data)
{
    TCGContext *s = f->s;
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), c = tcg_temp_new(s);
    TCGv d = tcg_temp_new(s), e = tcg_temp_new(s);
    TCGLabel l = tcg_label_new(s);

    tcg_gen_qemu_ld(s, f->r[2], f->r[1], 0, MO_UQ);
    tcg_gen_addi(s, a, f->r[1], 8);
    tcg_gen_qemu_ld(s, f->r[3], a, 1, MO_UQ);      /* MMU index 1 */
    tcg_gen_addi(s, b, f->r[1], 2048);
    tcg_gen_qemu_ld(s, f->r[4], b, 0, MO_UQ);      /* 2056 bytes */
    tcg_gen_addi(s, c, f->r[1], 12);
    tcg_gen_qemu_ld(s, f->r[5], c, 0, MO_UQ);      /* 8 bytes at +12 */
    TCGv args[1] = {TCG_ENV};
    /* Even a helper that leaves the globals alone may change the TLB. */
    tcg_gen_call(s, (void *)helper_never_run, TCG_CALL_NO_RWG, (TCGv){0}, 1, args);
    tcg_gen_addi(s, d, f->r[1], 16);
    tcg_gen_qemu_ld(s, f->r[6], d, 0, MO_UQ);
    tcg_gen_br(s, l);
    tcg_gen_set_label(s, l);
    tcg_gen_addi(s, e, f->r[1], 24);
    tcg_gen_qemu_ld(s, f->r[7], e, 0, MO_UQ);
    tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
    uint32_t n = s->nb_ops;
    tcg_memgroup(s);
    g_assert_cmpuint(s->nb_ops, ==, n);
    for (uint32_t i = 0; i < s->nb_ops; i++) {
        g_assert_cmpuint(s->ops[i].opc, !=, INDEX_op_tlb_check);
    }
}


int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/tcg/memgroup/frame", test_frame);
    ADD("/tcg/memgroup/reads-anchor", test_reads_anchor);
    ADD("/tcg/memgroup/base-written", test_base_written);
    ADD("/tcg/memgroup/limits", test_limits);
    return g_test_run();
}

/*
 * For tests that build IR by hand and check what a pass leaves: a translation context
 * with eight 64-bit globals r0..r7 (at env offsets 0, 8, ...) and a comparison of the op
 * dump with the expected text.
 */
#ifndef HULL_TESTS_UNIT_TCG_IR_FIXTURE_H
#define HULL_TESTS_UNIT_TCG_IR_FIXTURE_H

#include <glib.h>

#include "tcg/tcg-op.h"

typedef struct Fixture {
    TCGContext *s;
    TCGv r[8];
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    static const char *const names[8] = {"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"};

    f->s = tcg_context_new(NULL, 0);
    for (unsigned i = 0; i < 8; i++) {
        f->r[i] = tcg_global_new(f->s, (int32_t)(8 * i), names[i]);
    }
    tcg_func_start(f->s);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    tcg_context_free(f->s);
}

/* Runs `pass` and liveness over the ops built so far and returns the dump (g_free). With
 * SHOW set in the environment the dump is printed too. */
static char *pass_and_dump(Fixture *f, void (*pass)(TCGContext *))
{
    pass(f->s);
    tcg_liveness(f->s);
    char *dump = tcg_dump_ops(f->s);
    if (g_getenv("SHOW")) {
        g_printerr("%s", dump);
    }
    return dump;
}

/* Ends the block, runs the pass and liveness, compares the op list with the text. */
static void check_pass(Fixture *f, void (*pass)(TCGContext *), const char *expected)
{
    tcg_gen_exit_tb(f->s, TCG_EXIT_NOCHAIN);
    g_autofree char *dump = pass_and_dump(f, pass);
    g_autofree char *want = g_strconcat(expected, "exit_tb 2\n", NULL);
    g_assert_cmpstr(dump, ==, want);
}

#endif

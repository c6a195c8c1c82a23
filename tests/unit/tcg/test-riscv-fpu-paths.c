/*
 * The two ways tcg/riscv/fpu.c computes round-to-nearest-even arithmetic must agree bit
 * for bit, flags included: the host fast path (one SSE/FMA3 instruction, MXCSR flags) in
 * libhull, and the portable path (extended precision with software rounding), compiled
 * here from the same file with the fast path disabled. Operands are random bit patterns
 * biased towards the hard cases (zeros, subnormals, infinities, NaNs, near-overflow).
 */
#define RISCV_FP_NO_HOST_FAST_PATH 1
#define riscv_fp_exec riscv_fp_exec_portable
#include "../../../tcg/riscv/fpu.c"
#undef riscv_fp_exec

#include <glib.h>

/* libhull's, with the fast path (the header's declaration was renamed above). */
bool riscv_fp_exec(CPURISCVState *env, RiscvOp op, unsigned rd, unsigned rs1, unsigned rs2,
                   unsigned rs3, unsigned rm, uint64_t *x_out);

static uint64_t random_operand(GRand *rand, bool d)
{
    unsigned ebits = d ? 11 : 8, mbits = d ? 52 : 23;
    uint64_t sign = (uint64_t)g_rand_int_range(rand, 0, 2) << (ebits + mbits);
    uint64_t emax = (UINT64_C(1) << ebits) - 1;
    uint64_t mant = ((uint64_t)g_rand_int(rand) << 32 | g_rand_int(rand)) &
                    ((UINT64_C(1) << mbits) - 1);
    uint64_t exp;

    switch (g_rand_int_range(rand, 0, 8)) {
    case 0:
        exp = 0; /* zero or subnormal */
        mant = g_rand_boolean(rand) ? 0 : mant;
        break;
    case 1:
        exp = emax; /* infinity or NaN */
        mant = g_rand_boolean(rand) ? 0 : mant;
        break;
    case 2:
        exp = emax - 1 - (uint64_t)g_rand_int_range(rand, 0, 3); /* near overflow */
        break;
    case 3:
        exp = 1 + (uint64_t)g_rand_int_range(rand, 0, 3); /* near underflow */
        break;
    default:
        exp = (emax >> 1) + (uint64_t)g_rand_int_range(rand, -40, 40); /* ordinary */
        break;
    }
    uint64_t v = sign | exp << mbits | mant;
    return d ? v : (UINT64_C(0xffffffff00000000) | v); /* NaN-boxed single */
}

static void test_paths_agree(void)
{
    static const RiscvOp ops[] = {
        RISCV_OP_FADD_S, RISCV_OP_FSUB_S, RISCV_OP_FMUL_S, RISCV_OP_FDIV_S, RISCV_OP_FSQRT_S,
        RISCV_OP_FMADD_S, RISCV_OP_FMSUB_S, RISCV_OP_FNMADD_S, RISCV_OP_FNMSUB_S,
        RISCV_OP_FADD_D, RISCV_OP_FSUB_D, RISCV_OP_FMUL_D, RISCV_OP_FDIV_D, RISCV_OP_FSQRT_D,
        RISCV_OP_FMADD_D, RISCV_OP_FMSUB_D, RISCV_OP_FNMADD_D, RISCV_OP_FNMSUB_D,
    };
    unsigned cases = g_test_slow() ? 2000000 : 200000;
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261205);
    static CPURISCVState fast, slow;

    for (unsigned i = 0; i < cases; i++) {
        RiscvOp op = ops[i % G_N_ELEMENTS(ops)];
        bool d = g_str_has_suffix(riscv_op_name(op), ".d");

        memset(&fast, 0, sizeof(fast));
        fast.mstatus = RISCV_MSTATUS_FS;
        for (unsigned r = 1; r <= 3; r++) {
            fast.f[r] = random_operand(rand, d);
        }
        slow = fast;
        /* rm 0 (RNE) directly, and 7 (dynamic) with frm = RNE */
        unsigned rm = i & 1 ? 7 : 0;
        g_assert_true(riscv_fp_exec(&fast, op, 4, 1, 2, 3, rm, NULL));
        g_assert_true(riscv_fp_exec_portable(&slow, op, 4, 1, 2, 3, rm, NULL));
        if (fast.f[4] != slow.f[4] || fast.fflags != slow.fflags) {
            g_error("%s: %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                    G_GINT64_MODIFIER "x -> fast %016" G_GINT64_MODIFIER "x flags %"
                    G_GINT64_MODIFIER "x, portable %016" G_GINT64_MODIFIER "x flags %"
                    G_GINT64_MODIFIER "x", riscv_op_name(op), fast.f[1], fast.f[2], fast.f[3],
                    fast.f[4], fast.fflags, slow.f[4], slow.fflags);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/riscv/fpu/fast-and-portable-paths-agree", test_paths_agree);
    return g_test_run();
}

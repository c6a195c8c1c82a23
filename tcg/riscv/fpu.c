/*
 * RISC-V F and D arithmetic with IEEE 754-2008 semantics as the ISA specifies them:
 * canonical NaNs, NaN-boxing, all five rounding modes (RMM included), tininess detected
 * after rounding, and the accrued flags.
 *
 * Method: in round-to-nearest-even, add/sub/mul/div/sqrt are one SSE instruction whose
 * result and MXCSR flags are exactly what RISC-V specifies (fp_sse). Everything else is
 * computed once by the host in x87 extended precision (64-bit significand) rounding
 * toward zero, which for single or double operands keeps at least two extra bits; the
 * host's inexact flag is the sticky bit below them. fp_round_pack() then rounds that to
 * the target format in the requested mode, so one routine decides every other rounding,
 * overflow and underflow.
 */
#include "tcg/riscv/fpu.h"
#include "tcg/tcg.h"

#include <fenv.h>
#include <math.h>
#include <string.h>

#define F32_CANON_NAN UINT32_C(0x7fc00000)
#define F64_CANON_NAN UINT64_C(0x7ff8000000000000)

typedef struct FpFormat {
    unsigned p;     /* significand bits, implicit bit included */
    int emin, emax; /* normal exponent range */
    unsigned bits;  /* storage width */
} FpFormat;

static const FpFormat fp_s = {24, -126, 127, 32};
static const FpFormat fp_d = {53, -1022, 1023, 64};

/* ---- classification on bit patterns ---- */

static bool fp_is_nan(uint64_t v, bool d)
{
    return d ? (v & UINT64_C(0x7fffffffffffffff)) > UINT64_C(0x7ff0000000000000)
             : (v & 0x7fffffffu) > 0x7f800000u;
}

static bool fp_is_snan(uint64_t v, bool d)
{
    return fp_is_nan(v, d) && !(d ? (v >> 51) & 1 : (v >> 22) & 1);
}

static bool fp_is_inf(uint64_t v, bool d)
{
    return d ? (v & UINT64_C(0x7fffffffffffffff)) == UINT64_C(0x7ff0000000000000)
             : (v & 0x7fffffffu) == 0x7f800000u;
}

static bool fp_is_zero(uint64_t v, bool d)
{
    return d ? (v << 1) == 0 : (uint32_t)(v << 1) == 0;
}

static uint64_t fp_canon(bool d)
{
    return d ? F64_CANON_NAN : F32_CANON_NAN;
}

static uint64_t fp_sign_bit(bool d)
{
    return d ? UINT64_C(1) << 63 : UINT64_C(1) << 31;
}

/* An operand from an f register: singles must be NaN-boxed, else they read as the
 * canonical NaN. */
static uint64_t fp_get(const CPURISCVState *env, unsigned r, bool d)
{
    uint64_t v = env->f[r];

    if (d) {
        return v;
    }
    return (v >> 32) == UINT32_MAX ? (uint32_t)v : F32_CANON_NAN;
}

static long double fp_to_ld(uint64_t v, bool d)
{
    if (d) {
        double x;
        memcpy(&x, &v, 8);
        return x;
    }
    uint32_t w = (uint32_t)v;
    float x;
    memcpy(&x, &w, 4);
    return x;
}

/* ---- rounding ---- */

static bool fp_round_up(unsigned rm, bool neg, bool odd, unsigned __int128 rem,
                        unsigned __int128 half, bool sticky)
{
    switch (rm) {
    case RISCV_RM_RNE:
        return rem > half || (rem == half && (sticky || odd));
    case RISCV_RM_RTZ:
        return false;
    case RISCV_RM_RDN:
        return neg && (rem || sticky);
    case RISCV_RM_RUP:
        return !neg && (rem || sticky);
    default: /* RMM: ties (and anything above) away from zero */
        return rem >= half;
    }
}

/*
 * Rounds v (truncated toward zero; `sticky` = nonzero bits were lost below it) to the
 * format in mode rm; accrues NX/UF/OF. Returns the bit pattern.
 */
static uint64_t fp_round_pack(long double v, bool sticky, const FpFormat *f, unsigned rm,
                              unsigned *flags)
{
    union {
        long double ld;
        struct {
            uint64_t mant;
            uint16_t sexp;
        } p;
    } u;
    bool d = f == &fp_d;
    unsigned p = f->p;
    uint64_t sign, exp_ones, inf_bits, max_bits, mant, kept;
    unsigned __int128 sig, rem, half;
    int e, shift;
    bool neg, up, inexact, tiny = false;

    memset(&u, 0, sizeof(u));
    u.ld = v;
    neg = u.p.sexp >> 15;
    sign = neg ? fp_sign_bit(d) : 0;
    exp_ones = (UINT64_C(1) << (f->bits - p)) - 1;
    inf_bits = sign | (exp_ones << (p - 1));
    max_bits = sign | ((exp_ones - 1) << (p - 1)) | ((UINT64_C(1) << (p - 1)) - 1);

    if ((u.p.sexp & 0x7fff) == 0x7fff) {
        return (u.p.mant << 1) ? fp_canon(d) : inf_bits;
    }
    if (u.p.mant == 0) {
        return sign;
    }
    mant = u.p.mant;
    e = (int)(u.p.sexp & 0x7fff) - 16383;
    if ((u.p.sexp & 0x7fff) == 0) {
        e = 1 - 16383;
    }
    {
        int lz = __builtin_clzll(mant);
        mant <<= lz;
        e -= lz;
    }
    /* value = mant * 2^(e - 63), mant normalized. */
    shift = e < f->emin ? 64 - (int)p + (f->emin - e) : 64 - (int)p;
    if (shift > 127) {
        shift = 127;
    }
    sig = mant;
    kept = (uint64_t)(sig >> shift);
    rem = sig & (((unsigned __int128)1 << shift) - 1);
    half = (unsigned __int128)1 << (shift - 1);
    inexact = rem != 0 || sticky;
    up = fp_round_up(rm, neg, kept & 1, rem, half, sticky);

    if (e < f->emin - 1) {
        tiny = true;
    } else if (e == f->emin - 1) {
        /* Tininess after rounding: would rounding at full precision reach 2^emin? */
        int s2 = 64 - (int)p;
        uint64_t k2 = mant >> s2;
        unsigned __int128 r2 = sig & (((unsigned __int128)1 << s2) - 1);
        bool up2 = fp_round_up(rm, neg, k2 & 1, r2, (unsigned __int128)1 << (s2 - 1), sticky);

        tiny = k2 + up2 < (UINT64_C(1) << p);
    }
    kept += up;
    if (inexact) {
        *flags |= RISCV_FFLAG_NX;
        if (tiny) {
            *flags |= RISCV_FFLAG_UF;
        }
    }
    if (e < f->emin) {
        /* Subnormal; a carry into bit p-1 makes it the smallest normal, which the
         * encoding expresses by itself. */
        return sign | kept;
    }
    if (kept == (UINT64_C(1) << p)) {
        kept >>= 1;
        e++;
    }
    if (e > f->emax) {
        *flags |= RISCV_FFLAG_OF | RISCV_FFLAG_NX;
        switch (rm) {
        case RISCV_RM_RTZ:
            return max_bits;
        case RISCV_RM_RDN:
            return neg ? inf_bits : max_bits;
        case RISCV_RM_RUP:
            return neg ? max_bits : inf_bits;
        default:
            return inf_bits;
        }
    }
    return sign | ((uint64_t)(e + (f->emax)) << (p - 1)) | (kept & ((UINT64_C(1) << (p - 1)) - 1));
}

/* ---- host arithmetic ---- */

typedef enum FpHostOp { FP_ADD, FP_MUL, FP_DIV, FP_SQRT, FP_FMA } FpHostOp;

static int fp_host_mode(unsigned rm)
{
    switch (rm) {
    case RISCV_RM_RTZ:
        return FE_TOWARDZERO;
    case RISCV_RM_RDN:
        return FE_DOWNWARD;
    case RISCV_RM_RUP:
        return FE_UPWARD;
    default:
        return FE_TONEAREST;
    }
}

/* One operation in extended precision with the host rounding `mode`; host exceptions as
 * fflags (NX meaning: inexact in extended precision). Volatile keeps the compiler from
 * moving the arithmetic across the fenv calls. */
static long double fp_host(FpHostOp op, long double a, long double b, long double c, int mode,
                           unsigned *hflags)
{
    volatile long double va = a, vb = b, vc = c, r = 0;
    int old = fegetround();
    int ex;

    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case FP_ADD:
        r = va + vb;
        break;
    case FP_MUL:
        r = va * vb;
        break;
    case FP_DIV:
        r = va / vb;
        break;
    case FP_SQRT:
        r = sqrtl(va);
        break;
    case FP_FMA:
        r = fmal(va, vb, vc);
        break;
    }
    ex = fetestexcept(FE_ALL_EXCEPT);
    fesetround(old);
    *hflags = ((ex & FE_INVALID) ? RISCV_FFLAG_NV : 0) | ((ex & FE_DIVBYZERO) ? RISCV_FFLAG_DZ : 0) |
              ((ex & FE_INEXACT) ? RISCV_FFLAG_NX : 0);
    return r;
}

#if defined(__x86_64__) && !defined(RISCV_FP_NO_HOST_FAST_PATH)
/*
 * Round to nearest, even: one SSE instruction gives the IEEE result, and MXCSR the flags
 * with the same meaning as fflags (x86 also detects tininess after rounding; underflow is
 * flagged only when inexact while masked). Only NaN results need fixing: RISC-V returns
 * the canonical NaN. The empty asm statements pin the operation between the MXCSR
 * accesses. The host MXCSR keeps its default control bits (all exceptions masked, RNE,
 * no FTZ/DAZ); only its sticky flags change.
 */
#define FP_MXCSR_DEFAULT 0x1f80u

static uint64_t fp_sse(FpHostOp op, bool d, uint64_t a, uint64_t b, uint64_t c,
                       unsigned *flags)
{
    uint32_t csr = FP_MXCSR_DEFAULT;
    uint64_t res;

    __asm__ volatile("ldmxcsr %0" : : "m"(csr));
    if (d) {
        double x, y, r;

        memcpy(&x, &a, 8);
        memcpy(&y, &b, 8);
        memcpy(&r, &c, 8);
        __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(r));
        switch (op) {
        case FP_FMA:
            /* r = x * y + r, rounded once */
            __asm__ volatile("vfmadd231sd %2, %1, %0" : "+x"(r) : "x"(x), "x"(y));
            break;
        case FP_ADD:
            r = x + y;
            break;
        case FP_MUL:
            r = x * y;
            break;
        case FP_DIV:
            r = x / y;
            break;
        default:
            __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
            break;
        }
        __asm__ volatile("" : "+x"(r));
        memcpy(&res, &r, 8);
    } else {
        uint32_t wa = (uint32_t)a, wb = (uint32_t)b, wc = (uint32_t)c, wr;
        float x, y, r;

        memcpy(&x, &wa, 4);
        memcpy(&y, &wb, 4);
        memcpy(&r, &wc, 4);
        __asm__ volatile("" : "+x"(x), "+x"(y), "+x"(r));
        switch (op) {
        case FP_FMA:
            __asm__ volatile("vfmadd231ss %2, %1, %0" : "+x"(r) : "x"(x), "x"(y));
            break;
        case FP_ADD:
            r = x + y;
            break;
        case FP_MUL:
            r = x * y;
            break;
        case FP_DIV:
            r = x / y;
            break;
        default:
            __asm__("sqrtss %1, %0" : "=x"(r) : "x"(x));
            break;
        }
        __asm__ volatile("" : "+x"(r));
        memcpy(&wr, &r, 4);
        res = wr;
    }
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    *flags |= ((csr & 0x01) ? RISCV_FFLAG_NV : 0) | ((csr & 0x04) ? RISCV_FFLAG_DZ : 0) |
              ((csr & 0x08) ? RISCV_FFLAG_OF : 0) | ((csr & 0x10) ? RISCV_FFLAG_UF : 0) |
              ((csr & 0x20) ? RISCV_FFLAG_NX : 0);
    return fp_is_nan(res, d) ? fp_canon(d) : res;
}
#endif

/* add/sub/mul/div/sqrt/fma on bit patterns (negations already applied). */
static uint64_t fp_arith(FpHostOp op, bool d, uint64_t a, uint64_t b, uint64_t c, unsigned rm,
                         unsigned *flags)
{
    unsigned nops = op == FP_SQRT ? 1 : op == FP_FMA ? 3 : 2;
    uint64_t in[3] = {a, b, c};
    bool any_nan = false;
    unsigned hflags;
    long double r;

#if defined(__x86_64__) && !defined(RISCV_FP_NO_HOST_FAST_PATH)
    /* FMA too when the host has it, unless a NaN or inf * 0 is involved: RISC-V raises
     * NV for inf * 0 even with a quiet NaN addend, which the slow path handles. */
    if (rm == RISCV_RM_RNE &&
        (op != FP_FMA ||
         (tcg_host_has_fma() && !fp_is_nan(a, d) && !fp_is_nan(b, d) && !fp_is_nan(c, d) &&
          !fp_is_inf(a, d) && !fp_is_inf(b, d)))) {
        return fp_sse(op, d, a, b, c, flags);
    }
#endif

    for (unsigned i = 0; i < nops; i++) {
        if (fp_is_snan(in[i], d)) {
            *flags |= RISCV_FFLAG_NV;
        }
        any_nan |= fp_is_nan(in[i], d);
    }
    /* inf * 0 is invalid even when the addend is a quiet NaN. */
    if (op == FP_FMA && ((fp_is_inf(a, d) && fp_is_zero(b, d)) ||
                         (fp_is_zero(a, d) && fp_is_inf(b, d)))) {
        *flags |= RISCV_FFLAG_NV;
        return fp_canon(d);
    }
    if (any_nan) {
        return fp_canon(d);
    }
    r = fp_host(op, fp_to_ld(a, d), fp_to_ld(b, d), fp_to_ld(c, d), FE_TOWARDZERO, &hflags);
    if (hflags & RISCV_FFLAG_NV) {
        *flags |= RISCV_FFLAG_NV;
        return fp_canon(d);
    }
    *flags |= hflags & RISCV_FFLAG_DZ;
    if (r == 0 && !(hflags & RISCV_FFLAG_NX) && (op == FP_ADD || op == FP_FMA)) {
        /* An exact zero sum: its sign depends on the rounding mode (-0 only in RDN). */
        unsigned ignore;
        r = fp_host(op, fp_to_ld(a, d), fp_to_ld(b, d), fp_to_ld(c, d), fp_host_mode(rm),
                    &ignore);
    }
    return fp_round_pack(r, hflags & RISCV_FFLAG_NX, d ? &fp_d : &fp_s, rm, flags);
}

/* ---- the other operations ---- */

static uint64_t fp_minmax(bool d, bool max, uint64_t a, uint64_t b, unsigned *flags)
{
    bool an = fp_is_nan(a, d), bn = fp_is_nan(b, d);
    uint64_t sbit = fp_sign_bit(d);
    long double x, y;

    if (fp_is_snan(a, d) || fp_is_snan(b, d)) {
        *flags |= RISCV_FFLAG_NV;
    }
    if (an && bn) {
        return fp_canon(d);
    }
    if (an) {
        return b;
    }
    if (bn) {
        return a;
    }
    if (fp_is_zero(a, d) && fp_is_zero(b, d)) {
        /* -0 is less than +0 here. */
        bool a_neg = a & sbit;
        return (max ? !a_neg : a_neg) ? a : b;
    }
    x = fp_to_ld(a, d);
    y = fp_to_ld(b, d);
    return (max ? x > y : x < y) ? a : b;
}

static uint64_t fp_compare(RiscvOp op, bool d, uint64_t a, uint64_t b, unsigned *flags)
{
    bool quiet = op == RISCV_OP_FEQ_S || op == RISCV_OP_FEQ_D;
    long double x, y;

    if (fp_is_nan(a, d) || fp_is_nan(b, d)) {
        if (!quiet || fp_is_snan(a, d) || fp_is_snan(b, d)) {
            *flags |= RISCV_FFLAG_NV;
        }
        return 0;
    }
    x = fp_to_ld(a, d);
    y = fp_to_ld(b, d);
    switch (op) {
    case RISCV_OP_FEQ_S:
    case RISCV_OP_FEQ_D:
        return x == y;
    case RISCV_OP_FLT_S:
    case RISCV_OP_FLT_D:
        return x < y;
    default:
        return x <= y;
    }
}

static uint64_t fp_class(bool d, uint64_t v)
{
    bool neg = v & fp_sign_bit(d);
    uint64_t exp_mask = d ? UINT64_C(0x7ff0000000000000) : 0x7f800000u;

    if (fp_is_nan(v, d)) {
        return fp_is_snan(v, d) ? 1u << 8 : 1u << 9;
    }
    if (fp_is_inf(v, d)) {
        return neg ? 1u << 0 : 1u << 7;
    }
    if (fp_is_zero(v, d)) {
        return neg ? 1u << 3 : 1u << 4;
    }
    if ((v & exp_mask) == 0) {
        return neg ? 1u << 2 : 1u << 5;
    }
    return neg ? 1u << 1 : 1u << 6;
}

/* fcvt.{w,wu,l,lu}.{s,d}: `kind` 0 W, 1 WU, 2 L, 3 LU. Results as written to rd. */
static uint64_t fp_to_int(bool d, unsigned kind, uint64_t v, unsigned rm, unsigned *flags)
{
    static const long double lo[4] = {-2147483648.0L, 0.0L, -9223372036854775808.0L, 0.0L};
    static const long double hi[4] = {2147483647.0L, 4294967295.0L, 9223372036854775807.0L,
                                      18446744073709551615.0L};
    static const uint64_t min_res[4] = {UINT64_C(0xffffffff80000000), 0,
                                        UINT64_C(0x8000000000000000), 0};
    static const uint64_t max_res[4] = {0x7fffffff, UINT64_MAX, INT64_MAX, UINT64_MAX};
    long double x, r;

    if (fp_is_nan(v, d)) {
        *flags |= RISCV_FFLAG_NV;
        return max_res[kind];
    }
    x = fp_to_ld(v, d);
    switch (rm) {
    case RISCV_RM_RTZ:
        r = truncl(x);
        break;
    case RISCV_RM_RDN:
        r = floorl(x);
        break;
    case RISCV_RM_RUP:
        r = ceill(x);
        break;
    case RISCV_RM_RMM:
        r = roundl(x);
        break;
    default: {
        int old = fegetround();

        fesetround(FE_TONEAREST);
        r = nearbyintl(x);
        fesetround(old);
        break;
    }
    }
    if (r < lo[kind]) {
        *flags |= RISCV_FFLAG_NV;
        return min_res[kind];
    }
    if (r > hi[kind]) {
        *flags |= RISCV_FFLAG_NV;
        return max_res[kind];
    }
    if (r != x) {
        *flags |= RISCV_FFLAG_NX;
    }
    switch (kind) {
    case 0:
        return (uint64_t)(int64_t)(int32_t)(int64_t)r;
    case 1:
        return (uint64_t)(int64_t)(int32_t)(uint32_t)(uint64_t)r;
    case 2:
        return (uint64_t)(int64_t)r;
    default:
        return (uint64_t)r;
    }
}

/* fcvt.{s,d}.{w,wu,l,lu}: exact in extended precision, then one rounding. */
static uint64_t fp_from_int(bool d, unsigned kind, uint64_t x, unsigned rm, unsigned *flags)
{
    long double v;

    switch (kind) {
    case 0:
        v = (long double)(int32_t)x;
        break;
    case 1:
        v = (long double)(uint32_t)x;
        break;
    case 2:
        v = (long double)(int64_t)x;
        break;
    default:
        v = (long double)x;
        break;
    }
    return fp_round_pack(v, false, d ? &fp_d : &fp_s, rm, flags);
}

/* ---- dispatch ---- */

static bool fp_op_is_double(RiscvOp op)
{
    switch (op) {
    case RISCV_OP_FCVT_S_D:
        return true;
    case RISCV_OP_FCVT_D_S:
        return false;
    default:
        return ((op - RISCV_OP_FMADD_S) & 1) != 0;
    }
}

/* Whether the instruction has a rounding mode (the others use funct3 as an opcode). */
static bool fp_op_has_rm(RiscvOp op)
{
    return (op >= RISCV_OP_FMADD_S && op <= RISCV_OP_FSQRT_D) ||
           (op >= RISCV_OP_FCVT_W_S && op <= RISCV_OP_FCVT_D_LU) || op == RISCV_OP_FCVT_S_D ||
           op == RISCV_OP_FCVT_D_S;
}

bool riscv_fp_exec(CPURISCVState *env, RiscvOp op, unsigned rd, unsigned rs1, unsigned rs2,
                   unsigned rs3, unsigned rm, uint64_t *x_out)
{
    bool d = fp_op_is_double(op);
    unsigned flags = 0;
    uint64_t a, b, c, res;
    bool to_x = false; /* the result goes to x[rd] */

    if (fp_op_has_rm(op)) {
        if (rm == RISCV_RM_DYN) {
            rm = env->frm;
        }
        if (rm > RISCV_RM_RMM) {
            return false;
        }
    }
    a = fp_get(env, rs1, d);
    b = fp_get(env, rs2, d);
    c = fp_get(env, rs3, d);

    switch (op) {
    case RISCV_OP_FMADD_S:
    case RISCV_OP_FMADD_D:
        res = fp_arith(FP_FMA, d, a, b, c, rm, &flags);
        break;
    case RISCV_OP_FMSUB_S:
    case RISCV_OP_FMSUB_D:
    case RISCV_OP_FNMSUB_S:
    case RISCV_OP_FNMSUB_D:
    case RISCV_OP_FNMADD_S:
    case RISCV_OP_FNMADD_D: {
        bool neg_prod = op >= RISCV_OP_FNMSUB_S;
        bool neg_add = op <= RISCV_OP_FMSUB_D || op >= RISCV_OP_FNMADD_S;
        /* Negations flip signs only; NaN inputs are handled before they matter. */
        uint64_t na = a, nc = c;

        if (neg_prod && !fp_is_nan(a, d)) {
            na ^= fp_sign_bit(d);
        }
        if (neg_add && !fp_is_nan(c, d)) {
            nc ^= fp_sign_bit(d);
        }
        res = fp_arith(FP_FMA, d, na, b, nc, rm, &flags);
        break;
    }
    case RISCV_OP_FADD_S:
    case RISCV_OP_FADD_D:
        res = fp_arith(FP_ADD, d, a, b, 0, rm, &flags);
        break;
    case RISCV_OP_FSUB_S:
    case RISCV_OP_FSUB_D:
        res = fp_arith(FP_ADD, d, a, fp_is_nan(b, d) ? b : b ^ fp_sign_bit(d), 0, rm, &flags);
        break;
    case RISCV_OP_FMUL_S:
    case RISCV_OP_FMUL_D:
        res = fp_arith(FP_MUL, d, a, b, 0, rm, &flags);
        break;
    case RISCV_OP_FDIV_S:
    case RISCV_OP_FDIV_D:
        res = fp_arith(FP_DIV, d, a, b, 0, rm, &flags);
        break;
    case RISCV_OP_FSQRT_S:
    case RISCV_OP_FSQRT_D:
        res = fp_arith(FP_SQRT, d, a, 0, 0, rm, &flags);
        break;
    case RISCV_OP_FSGNJ_S:
    case RISCV_OP_FSGNJ_D:
        res = (a & ~fp_sign_bit(d)) | (b & fp_sign_bit(d));
        break;
    case RISCV_OP_FSGNJN_S:
    case RISCV_OP_FSGNJN_D:
        res = (a & ~fp_sign_bit(d)) | (~b & fp_sign_bit(d));
        break;
    case RISCV_OP_FSGNJX_S:
    case RISCV_OP_FSGNJX_D:
        res = a ^ (b & fp_sign_bit(d));
        break;
    case RISCV_OP_FMIN_S:
    case RISCV_OP_FMIN_D:
    case RISCV_OP_FMAX_S:
    case RISCV_OP_FMAX_D:
        res = fp_minmax(d, op == RISCV_OP_FMAX_S || op == RISCV_OP_FMAX_D, a, b, &flags);
        break;
    case RISCV_OP_FEQ_S:
    case RISCV_OP_FEQ_D:
    case RISCV_OP_FLT_S:
    case RISCV_OP_FLT_D:
    case RISCV_OP_FLE_S:
    case RISCV_OP_FLE_D:
        res = fp_compare(op, d, a, b, &flags);
        to_x = true;
        break;
    case RISCV_OP_FCVT_W_S:
    case RISCV_OP_FCVT_W_D:
    case RISCV_OP_FCVT_WU_S:
    case RISCV_OP_FCVT_WU_D:
    case RISCV_OP_FCVT_L_S:
    case RISCV_OP_FCVT_L_D:
    case RISCV_OP_FCVT_LU_S:
    case RISCV_OP_FCVT_LU_D:
        res = fp_to_int(d, (op - RISCV_OP_FCVT_W_S) / 2, a, rm, &flags);
        to_x = true;
        break;
    case RISCV_OP_FCVT_S_W:
    case RISCV_OP_FCVT_D_W:
    case RISCV_OP_FCVT_S_WU:
    case RISCV_OP_FCVT_D_WU:
    case RISCV_OP_FCVT_S_L:
    case RISCV_OP_FCVT_D_L:
    case RISCV_OP_FCVT_S_LU:
    case RISCV_OP_FCVT_D_LU:
        res = fp_from_int(d, (op - RISCV_OP_FCVT_S_W) / 2, env->x[rs1], rm, &flags);
        break;
    case RISCV_OP_FMV_X_W:
        res = (uint64_t)(int64_t)(int32_t)(uint32_t)env->f[rs1];
        to_x = true;
        break;
    case RISCV_OP_FMV_X_D:
        res = env->f[rs1];
        to_x = true;
        break;
    case RISCV_OP_FCLASS_S:
    case RISCV_OP_FCLASS_D:
        res = fp_class(d, a);
        to_x = true;
        break;
    case RISCV_OP_FMV_W_X:
        res = (uint32_t)env->x[rs1];
        break;
    case RISCV_OP_FMV_D_X:
        res = env->x[rs1];
        break;
    case RISCV_OP_FCVT_S_D:
        if (fp_is_nan(a, true)) {
            flags |= fp_is_snan(a, true) ? RISCV_FFLAG_NV : 0;
            res = F32_CANON_NAN;
        } else {
            res = fp_round_pack(fp_to_ld(a, true), false, &fp_s, rm, &flags);
        }
        break;
    case RISCV_OP_FCVT_D_S:
        if (fp_is_nan(a, false)) {
            flags |= fp_is_snan(a, false) ? RISCV_FFLAG_NV : 0;
            res = F64_CANON_NAN;
        } else {
            res = fp_round_pack(fp_to_ld(a, false), false, &fp_d, rm, &flags);
        }
        break;
    default:
        return false;
    }

    if (to_x) {
        if (x_out) {
            *x_out = res;
        } else if (rd != 0) {
            env->x[rd] = res;
        }
        if (flags & ~env->fflags) {
            riscv_fp_set_dirty(env);
        }
    } else {
        bool s_result = op == RISCV_OP_FCVT_S_D || op == RISCV_OP_FMV_W_X ||
                        (op != RISCV_OP_FCVT_D_S && op != RISCV_OP_FMV_D_X && !d);
        env->f[rd] = s_result ? riscv_fp_box_s((uint32_t)res) : res;
        riscv_fp_set_dirty(env);
    }
    env->fflags |= flags;
    return true;
}

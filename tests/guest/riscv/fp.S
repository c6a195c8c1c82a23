/* F and D: FS gating and dirty tracking, fcsr/frm/fflags, NaN boxing and canonical NaNs,
 * every rounding mode (static and dynamic, reserved ones trapping), overflow, underflow
 * with tininess after rounding, exact fused multiply-add, conversions with saturation,
 * min/max/compare/classify, and FP loads and stores. */
#include "test.h"
#include "priv.h"

#define MSTATUS_FS 0x6000
#define FS_INITIAL 0x2000
#define FS_CLEAN 0x4000

#define LD(fr, bits) li t0, bits; fmv.d.x fr, t0
#define LS(fr, bits) li t0, bits; fmv.w.x fr, t0
#define CHECK_D(fr, bits) fmv.x.d a0, fr; CHECK(a0, bits)
#define CHECK_S(fr, bits) fmv.x.d a0, fr; CHECK(a0, 0xffffffff00000000 | (bits))
/* Reads and clears fflags. */
#define CHECK_FLAGS(v) csrrw a0, fflags, zero; CHECK(a0, v)
#define NX 1
#define UF 2
#define OF 4
#define DZ 8
#define NV 16

    .data
    .align 3
mem:
    .dword 0x1122334455667788
    .dword 0

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    PRIV_SETUP

    /* FS = Off: FP instructions and CSRs are illegal. */
    TEST(1)
    li t0, MSTATUS_FS
    csrc mstatus, t0
    CLEAR_RECORD
    la s5, 1f
    fadd.d f0, f0, f0
1:  CHECK(s2, 2)
    CLEAR_RECORD
    la s5, 1f
    csrr a0, fcsr
1:  CHECK(s2, 2)
    li t0, FS_INITIAL
    csrs mstatus, t0

    /* The first FP write makes FS Dirty, and SD reads 1. */
    TEST(2)
    LD(f1, 0x3ff8000000000000)  /* 1.5 */
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK(a2, 3)
    bgez a1, fail
    LD(f2, 0x4002000000000000)  /* 2.25 */
    fadd.d f3, f1, f2
    CHECK_D(f3, 0x400e000000000000)
    CHECK_FLAGS(0)
    /* Clean, then an FP register write: Dirty again. */
    li t0, MSTATUS_FS
    csrc mstatus, t0
    li t0, FS_CLEAN
    csrs mstatus, t0
    fsgnj.d f4, f1, f1
    csrr a1, mstatus
    srli a2, a1, 13
    andi a2, a2, 3
    CHECK(a2, 3)

    /* fcsr = frm << 5 | fflags. */
    TEST(3)
    li t0, 0xff
    csrw fcsr, t0
    csrr a0, frm
    CHECK(a0, 7)
    csrr a0, fflags
    CHECK(a0, 0x1f)
    csrwi frm, 2
    csrr a0, fcsr
    CHECK(a0, 0x5f)
    csrw fcsr, zero

    /* Rounding modes: 1/3 in double. */
    TEST(4)
    LD(f1, 0x3ff0000000000000)
    LD(f2, 0x4008000000000000)
    fdiv.d f3, f1, f2
    CHECK_D(f3, 0x3fd5555555555555)
    CHECK_FLAGS(NX)
    fdiv.d f3, f1, f2, rup
    CHECK_D(f3, 0x3fd5555555555556)
    fdiv.d f3, f1, f2, rdn
    CHECK_D(f3, 0x3fd5555555555555)
    fdiv.d f3, f1, f2, rtz
    CHECK_D(f3, 0x3fd5555555555555)
    fdiv.d f3, f1, f2, rmm
    CHECK_D(f3, 0x3fd5555555555555)
    fneg.d f1, f1
    fdiv.d f3, f1, f2, rdn
    CHECK_D(f3, 0xbfd5555555555556)
    fdiv.d f3, f1, f2, rup
    CHECK_D(f3, 0xbfd5555555555555)
    CHECK_FLAGS(NX)

    /* Single: 1 + 2^-24 is a tie: RNE keeps 1, RMM and RUP go up. */
    TEST(5)
    LS(f1, 0x3f800000)
    LS(f2, 0x33800000)
    fadd.s f3, f1, f2
    CHECK_S(f3, 0x3f800000)
    fadd.s f3, f1, f2, rmm
    CHECK_S(f3, 0x3f800001)
    fadd.s f3, f1, f2, rup
    CHECK_S(f3, 0x3f800001)
    fadd.s f3, f1, f2, rtz
    CHECK_S(f3, 0x3f800000)
    CHECK_FLAGS(NX)
    /* Exact zero sums are +0, except -0 when rounding down. */
    fsub.s f3, f1, f1
    CHECK_S(f3, 0)
    fsub.s f3, f1, f1, rdn
    CHECK_S(f3, 0x80000000)
    CHECK_FLAGS(0)

    /* Dynamic rounding from frm; reserved modes are illegal. */
    TEST(6)
    LD(f1, 0x3ff0000000000000)
    LD(f2, 0x4008000000000000)
    csrwi frm, 3
    fdiv.d f3, f1, f2, dyn
    CHECK_D(f3, 0x3fd5555555555556)
    csrwi frm, 5
    CLEAR_RECORD
    la s5, 1f
    fdiv.d f3, f1, f2, dyn
1:  CHECK(s2, 2)
    csrwi frm, 0
    CLEAR_RECORD
    la s5, 1f
    .word 0x1a20d1d3 /* fdiv.d f3, f1, f2 with rm = 5 */
1:  CHECK(s2, 2)
    CHECK(s3, 0x1a20d1d3)
    CHECK_FLAGS(NX)

    /* NaN boxing: an unboxed single reads as the canonical NaN (quiet: no NV). */
    TEST(7)
    li t0, 0x3f800000
    fmv.d.x f1, t0
    fadd.s f3, f1, f1
    CHECK_S(f3, 0x7fc00000)
    CHECK_FLAGS(0)
    /* A signalling NaN raises NV; the result is canonical. */
    LS(f1, 0x7f800001)
    LS(f2, 0x3f800000)
    fadd.s f3, f1, f2
    CHECK_S(f3, 0x7fc00000)
    CHECK_FLAGS(NV)
    fclass.s a0, f1
    CHECK(a0, 0x100)
    li t0, 0x3f800000
    fmv.d.x f1, t0
    fclass.s a0, f1
    CHECK(a0, 0x200)

    /* Division by zero, invalid operations. */
    TEST(8)
    LS(f1, 0x3f800000)
    fmv.w.x f2, zero
    fdiv.s f3, f1, f2
    CHECK_S(f3, 0x7f800000)
    CHECK_FLAGS(DZ)
    fdiv.s f3, f2, f2
    CHECK_S(f3, 0x7fc00000)
    CHECK_FLAGS(NV)
    LD(f1, 0xbff0000000000000)
    fsqrt.d f3, f1
    CHECK_D(f3, 0x7ff8000000000000)
    CHECK_FLAGS(NV)
    LD(f1, 0x4000000000000000)
    fsqrt.d f3, f1
    CHECK_D(f3, 0x3ff6a09e667f3bcd)
    CHECK_FLAGS(NX)

    /* Overflow: inf when rounding to nearest, the largest finite value toward zero. */
    TEST(9)
    LD(f1, 0x7fefffffffffffff)
    LD(f2, 0x4000000000000000)
    fmul.d f3, f1, f2
    CHECK_D(f3, 0x7ff0000000000000)
    CHECK_FLAGS(OF | NX)
    fmul.d f3, f1, f2, rtz
    CHECK_D(f3, 0x7fefffffffffffff)
    CHECK_FLAGS(OF | NX)
    fneg.d f1, f1
    fmul.d f3, f1, f2, rup
    CHECK_D(f3, 0xffefffffffffffff)
    CHECK_FLAGS(OF | NX)

    /* Underflow: exact subnormals raise nothing; an inexact tiny result raises UF. */
    TEST(10)
    LD(f1, 0x0010000000000000) /* 2^-1022 */
    LD(f2, 0x3fe0000000000000) /* 0.5 */
    fmul.d f3, f1, f2
    CHECK_D(f3, 0x0008000000000000)
    CHECK_FLAGS(0)
    li t0, 1
    fmv.d.x f1, t0
    fmul.d f3, f1, f2 /* half the smallest subnormal: a tie, to even (0) */
    CHECK_D(f3, 0)
    CHECK_FLAGS(UF | NX)
    fmul.d f3, f1, f2, rup
    CHECK_D(f3, 1)
    CHECK_FLAGS(UF | NX)
    /* Tininess after rounding: 2^-126 - 2^-150 is tiny (it rounds to 2^-126 only in the
     * subnormal range), 2^-126 - 2^-152 is not. */
    LD(f1, 0x380fffffe0000000)
    fcvt.s.d f3, f1
    CHECK_S(f3, 0x00800000)
    CHECK_FLAGS(UF | NX)
    LD(f1, 0x380ffffff8000000)
    fcvt.s.d f3, f1
    CHECK_S(f3, 0x00800000)
    CHECK_FLAGS(NX)

    /* Fused multiply-add rounds once. */
    TEST(11)
    LD(f1, 0x3ff0000000400000) /* 1 + 2^-30 */
    LD(f2, 0x3fefffffff800000) /* 1 - 2^-30 */
    LD(f4, 0xbff0000000000000) /* -1 */
    fmadd.d f3, f1, f2, f4
    CHECK_D(f3, 0xbc30000000000000) /* -2^-60 */
    CHECK_FLAGS(0)
    LD(f1, 0x4000000000000000)
    LD(f2, 0x4008000000000000)
    LD(f4, 0x3ff0000000000000)
    fmadd.d f3, f1, f2, f4
    CHECK_D(f3, 0x401c000000000000)
    fmsub.d f3, f1, f2, f4
    CHECK_D(f3, 0x4014000000000000)
    fnmsub.d f3, f1, f2, f4
    CHECK_D(f3, 0xc014000000000000)
    fnmadd.d f3, f1, f2, f4
    CHECK_D(f3, 0xc01c000000000000)
    /* inf * 0 + qNaN is invalid. */
    LD(f1, 0x7ff0000000000000)
    fmv.d.x f2, zero
    LD(f4, 0x7ff8000000000000)
    fmadd.d f3, f1, f2, f4
    CHECK_D(f3, 0x7ff8000000000000)
    CHECK_FLAGS(NV)

    /* Conversions to integers: rounding modes, saturation, NaN. */
    TEST(12)
    LD(f1, 0x4004000000000000) /* 2.5 */
    fcvt.w.d a0, f1, rne
    CHECK(a0, 2)
    fcvt.w.d a0, f1, rmm
    CHECK(a0, 3)
    fcvt.w.d a0, f1, rup
    CHECK(a0, 3)
    fcvt.w.d a0, f1, rdn
    CHECK(a0, 2)
    CHECK_FLAGS(NX)
    fneg.d f1, f1
    fcvt.l.d a0, f1, rmm
    CHECK(a0, -3)
    fcvt.l.d a0, f1, rtz
    CHECK(a0, -2)
    CHECK_FLAGS(NX)
    LD(f1, 0x41e65a0bc0000000) /* 3e9 */
    fcvt.w.d a0, f1, rtz
    CHECK(a0, 0x7fffffff)
    CHECK_FLAGS(NV)
    fcvt.wu.d a0, f1, rtz
    CHECK(a0, 0xffffffffb2d05e00)
    CHECK_FLAGS(0)
    LD(f1, 0xbff0000000000000)
    fcvt.wu.d a0, f1, rtz
    CHECK(a0, 0)
    CHECK_FLAGS(NV)
    LD(f1, 0x7ff8000000000000)
    fcvt.lu.d a0, f1, rtz
    CHECK(a0, -1)
    fcvt.w.d a0, f1, rtz
    CHECK(a0, 0x7fffffff)
    CHECK_FLAGS(NV)

    /* Conversions from integers round too. */
    TEST(13)
    li a1, 16777217
    fcvt.s.l f3, a1
    CHECK_S(f3, 0x4b800000)
    fcvt.s.l f3, a1, rmm
    CHECK_S(f3, 0x4b800001)
    fcvt.s.l f3, a1, rup
    CHECK_S(f3, 0x4b800001)
    CHECK_FLAGS(NX)
    fcvt.d.w f3, a1
    CHECK_D(f3, 0x4170000010000000)
    li a1, -1
    fcvt.d.wu f3, a1
    CHECK_D(f3, 0x41efffffffe00000)
    CHECK_FLAGS(0)
    /* Between the formats. */
    LD(f1, 0x3fd5555555555555)
    fcvt.s.d f3, f1
    CHECK_S(f3, 0x3eaaaaab)
    CHECK_FLAGS(NX)
    LS(f1, 0x7f800001)
    fcvt.d.s f3, f1
    CHECK_D(f3, 0x7ff8000000000000)
    CHECK_FLAGS(NV)

    /* min/max: -0 < +0; a quiet NaN operand loses silently, a signalling one with NV. */
    TEST(14)
    LD(f1, 0x8000000000000000)
    fmv.d.x f2, zero
    fmin.d f3, f1, f2
    CHECK_D(f3, 0x8000000000000000)
    fmax.d f3, f1, f2
    CHECK_D(f3, 0)
    LD(f1, 0x7ff8000000000000)
    LD(f2, 0x3ff0000000000000)
    fmax.d f3, f1, f2
    CHECK_D(f3, 0x3ff0000000000000)
    CHECK_FLAGS(0)
    LD(f1, 0x7ff0000000000001)
    fmin.d f3, f1, f2
    CHECK_D(f3, 0x3ff0000000000000)
    CHECK_FLAGS(NV)
    fmin.d f3, f1, f1
    CHECK_D(f3, 0x7ff8000000000000)
    CHECK_FLAGS(NV)

    /* Compares: feq is quiet, flt/fle signal on any NaN. */
    TEST(15)
    LD(f1, 0x7ff8000000000000)
    feq.d a0, f1, f2
    CHECK(a0, 0)
    CHECK_FLAGS(0)
    flt.d a0, f1, f2
    CHECK(a0, 0)
    CHECK_FLAGS(NV)
    fle.d a0, f2, f2
    CHECK(a0, 1)
    LD(f1, 0x8000000000000000)
    fmv.d.x f4, zero
    feq.d a0, f1, f4
    CHECK(a0, 1)
    CHECK_FLAGS(0)

    /* fclass. */
    TEST(16)
    LD(f1, 0xfff0000000000000)
    fclass.d a0, f1
    CHECK(a0, 0x1)
    LD(f1, 0xbff0000000000000)
    fclass.d a0, f1
    CHECK(a0, 0x2)
    LD(f1, 0x8000000000000001)
    fclass.d a0, f1
    CHECK(a0, 0x4)
    fmv.d.x f1, zero
    fclass.d a0, f1
    CHECK(a0, 0x10)
    li t0, 1
    fmv.d.x f1, t0
    fclass.d a0, f1
    CHECK(a0, 0x20)
    LD(f1, 0x7ff0000000000001)
    fclass.d a0, f1
    CHECK(a0, 0x100)

    /* Sign injection; fmv.x.w sign-extends. */
    TEST(17)
    LS(f1, 0x3f800000)
    LS(f2, 0xc0000000)
    fsgnj.s f3, f1, f2
    CHECK_S(f3, 0xbf800000)
    fsgnjn.s f3, f1, f2
    CHECK_S(f3, 0x3f800000)
    fsgnjx.s f3, f2, f2
    CHECK_S(f3, 0x40000000)
    fmv.x.w a0, f2
    CHECK(a0, 0xffffffffc0000000)

    /* Loads and stores: flw NaN-boxes, fsw stores the low word. */
    TEST(18)
    la a1, mem
    flw f1, 0(a1)
    CHECK_S(f1, 0x55667788)
    fld f2, 0(a1)
    CHECK_D(f2, 0x1122334455667788)
    fsw f2, 8(a1)
    ld a0, 8(a1)
    CHECK(a0, 0x55667788)
    fsd f2, 8(a1)
    ld a0, 8(a1)
    CHECK(a0, 0x1122334455667788)

    la t0, unexpected
    csrw mtvec, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mv ra, s0
    ret

unexpected:
    li t0, 0x8000
    or gp, gp, t0
    j fail

    PRIV_HANDLERS

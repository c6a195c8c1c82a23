/*
 * x86-64 instruction encoders: one small named emitter per instruction form, with REX,
 * ModRM/SIB and immediate-size selection in one place.
 */
#ifndef HULL_TCG_X86_64_EMIT_H
#define HULL_TCG_X86_64_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum X86Reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
    R8, R9, R10, R11, R12, R13, R14, R15,
    X86_NO_REG = -1,
} X86Reg;

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
typedef enum X86Cond {
    X86_CC_O, X86_CC_NO, X86_CC_B, X86_CC_AE, X86_CC_E, X86_CC_NE, X86_CC_BE, X86_CC_A,
    X86_CC_S, X86_CC_NS, X86_CC_P, X86_CC_NP, X86_CC_L, X86_CC_GE, X86_CC_LE, X86_CC_G,
} X86Cond;

/* Group-1 ALU operations (the /digit of 0x81/0x83, and opcode base >> 3 for reg forms). */
typedef enum X86Alu {
    ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6,
    ALU_CMP = 7,
} X86Alu;

/* Group-2 shifts (the /digit of 0xC1/0xD3). */
typedef enum X86Shift {
    SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5, SHIFT_SAR = 7,
} X86Shift;

/* Group-3 unary operations (the /digit of 0xF7). */
typedef enum X86Unary {
    UN_NOT = 2, UN_NEG = 3, UN_MUL = 4, UN_IMUL = 5, UN_DIV = 6, UN_IDIV = 7,
} X86Unary;

/* Opcode flags combined with the opcode byte(s). */
#define OPC_0F 0x100      /* two-byte opcode */
#define OPC_W 0x1000      /* REX.W: 64-bit operand */
#define OPC_66 0x2000     /* operand-size prefix: 16-bit */
#define OPC_BYTE 0x4000   /* byte register operand: SPL..DIL need a REX prefix */
#define OPC_F2 0x10000    /* mandatory prefix of scalar-double SSE instructions */
#define OPC_F3 0x20000    /* mandatory prefix of scalar-single SSE instructions */

#define OPC_MOV_LOAD 0x8b
#define OPC_MOV_STORE 0x89
#define OPC_MOV_STORE8 (0x88 | OPC_BYTE)
#define OPC_MOVZBL (0xb6 | OPC_0F | OPC_BYTE)
#define OPC_MOVZWL (0xb7 | OPC_0F)
#define OPC_MOVSBQ (0xbe | OPC_0F | OPC_W | OPC_BYTE)
#define OPC_MOVSWQ (0xbf | OPC_0F | OPC_W)
#define OPC_MOVSLQ (0x63 | OPC_W)
#define OPC_LEA 0x8d
#define OPC_IMUL_RM (0xaf | OPC_0F)
#define OPC_TEST 0x85
#define OPC_CMOV (0x40 | OPC_0F)

typedef struct X86Code {
    uint8_t *buf; /* writable view */
    size_t pos;
} X86Code;

static inline void emit8(X86Code *c, uint8_t b)
{
    c->buf[c->pos++] = b;
}

static inline void emit32(X86Code *c, uint32_t v)
{
    memcpy(c->buf + c->pos, &v, 4);
    c->pos += 4;
}

static inline void emit64(X86Code *c, uint64_t v)
{
    memcpy(c->buf + c->pos, &v, 8);
    c->pos += 8;
}

static inline bool fits_i8(int64_t v)
{
    return v == (int8_t)v;
}

static inline bool fits_i32(int64_t v)
{
    return v == (int32_t)v;
}

/* Prefixes, REX and opcode bytes; r, x, b are the full register numbers (or 0). */
static inline void emit_opc(X86Code *c, int opc, int r, int x, int b)
{
    int rex = 0;

    if (opc & OPC_66) {
        emit8(c, 0x66);
    }
    if (opc & OPC_F2) {
        emit8(c, 0xf2);
    }
    if (opc & OPC_F3) {
        emit8(c, 0xf3);
    }
    if (opc & OPC_W) {
        rex |= 8;
    }
    rex |= (r & 8) >> 1 | (x & 8) >> 2 | (b & 8) >> 3;
    /* Byte access to SPL/BPL/SIL/DIL (4..7) needs a REX prefix, otherwise it means AH..BH. */
    if (rex || ((opc & OPC_BYTE) && ((r >= 4 && r < 8) || (b >= 4 && b < 8)))) {
        emit8(c, 0x40 | rex);
    }
    if (opc & OPC_0F) {
        emit8(c, 0x0f);
    }
    emit8(c, opc & 0xff);
}

/* opc with ModRM in register-direct form: reg field r, r/m field rm. */
static inline void emit_modrm_rr(X86Code *c, int opc, int r, int rm)
{
    emit_opc(c, opc, r, 0, rm);
    emit8(c, 0xc0 | (r & 7) << 3 | (rm & 7));
}

/* opc with a [base + index*scale + disp] memory operand; index may be X86_NO_REG. */
static inline void emit_modrm_sib(X86Code *c, int opc, int r, int base, int index, int shift,
                                  int32_t disp)
{
    int mod;

    emit_opc(c, opc, r, index < 0 ? 0 : index, base);
    if (disp == 0 && (base & 7) != RBP) {
        mod = 0x00;
    } else if (fits_i8(disp)) {
        mod = 0x40;
    } else {
        mod = 0x80;
    }
    if (index < 0 && (base & 7) != RSP) {
        emit8(c, mod | (r & 7) << 3 | (base & 7));
    } else {
        int idx = index < 0 ? 4 : index & 7; /* 4 = no index */
        emit8(c, mod | (r & 7) << 3 | 4);
        emit8(c, shift << 6 | idx << 3 | (base & 7));
    }
    if (mod == 0x40) {
        emit8(c, (uint8_t)disp);
    } else if (mod == 0x80) {
        emit32(c, (uint32_t)disp);
    }
}

static inline void emit_modrm_mem(X86Code *c, int opc, int r, int base, int32_t disp)
{
    emit_modrm_sib(c, opc, r, base, X86_NO_REG, 0, disp);
}

/* [rip + disp32] operand; the displacement is relative to the end of the instruction, so
 * the caller passes how many immediate bytes follow. Returns the offset of the disp32. */
static inline size_t emit_modrm_rip(X86Code *c, int opc, int r)
{
    emit_opc(c, opc, r, 0, 0);
    emit8(c, (r & 7) << 3 | 5);
    size_t at = c->pos;
    emit32(c, 0);
    return at;
}

/* ---- moves ---- */
static inline void emit_mov_rr(X86Code *c, X86Reg d, X86Reg s)
{
    if (d != s) {
        emit_modrm_rr(c, OPC_MOV_LOAD | OPC_W, d, s);
    }
}

static inline void emit_mov_rr32(X86Code *c, X86Reg d, X86Reg s)
{
    emit_modrm_rr(c, OPC_MOV_LOAD, d, s);
}

/* d = imm, in the shortest form; never touches the flags. */
static inline void emit_movi(X86Code *c, X86Reg d, uint64_t imm)
{
    if (imm == (uint32_t)imm) {
        emit_opc(c, 0xb8 + (d & 7), 0, 0, d); /* mov r32, imm32 zero-extends */
        emit32(c, (uint32_t)imm);
    } else if (fits_i32((int64_t)imm)) {
        emit_modrm_rr(c, 0xc7 | OPC_W, 0, d);
        emit32(c, (uint32_t)imm);
    } else {
        emit_opc(c, (0xb8 + (d & 7)) | OPC_W, 0, 0, d);
        emit64(c, imm);
    }
}

/* d = 0 via xor: shorter than mov, but clobbers the flags. */
static inline void emit_zero(X86Code *c, X86Reg d)
{
    emit_modrm_rr(c, (ALU_XOR << 3) | 3, d, d);
}

static inline void emit_load(X86Code *c, int opc, X86Reg d, X86Reg base, int32_t disp)
{
    emit_modrm_mem(c, opc, d, base, disp);
}

static inline void emit_ld64(X86Code *c, X86Reg d, X86Reg base, int32_t disp)
{
    emit_modrm_mem(c, OPC_MOV_LOAD | OPC_W, d, base, disp);
}

static inline void emit_st64(X86Code *c, X86Reg s, X86Reg base, int32_t disp)
{
    emit_modrm_mem(c, OPC_MOV_STORE | OPC_W, s, base, disp);
}

/* Stores of 1, 2, 4 or 8 bytes of register s (size log2). */
static inline void emit_store_sized(X86Code *c, unsigned size_log2, X86Reg s, X86Reg base,
                                    X86Reg index, int32_t disp)
{
    static const int opc[4] = {OPC_MOV_STORE8, OPC_MOV_STORE | OPC_66, OPC_MOV_STORE,
                               OPC_MOV_STORE | OPC_W};
    emit_modrm_sib(c, opc[size_log2], s, base, index, 0, disp);
}

/* mov [base + index + disp], imm of 1 << size_log2 bytes (a 64-bit store sign-extends
 * its imm32). */
static inline void emit_store_imm_sized(X86Code *c, unsigned size_log2, int32_t imm,
                                        X86Reg base, X86Reg index, int32_t disp)
{
    static const int opc[4] = {0xc6, 0xc7 | OPC_66, 0xc7, 0xc7 | OPC_W};
    emit_modrm_sib(c, opc[size_log2], 0, base, index, 0, disp);
    if (size_log2 == 0) {
        emit8(c, (uint8_t)imm);
    } else if (size_log2 == 1) {
        emit8(c, (uint8_t)imm);
        emit8(c, (uint8_t)(imm >> 8));
    } else {
        emit32(c, (uint32_t)imm);
    }
}

static inline void emit_lea(X86Code *c, X86Reg d, X86Reg base, X86Reg index, int shift,
                            int32_t disp)
{
    emit_modrm_sib(c, OPC_LEA | OPC_W, d, base, index, shift, disp);
}

/* d = base + disp, as a mov when disp is 0. */
static inline void emit_lea_or_mov(X86Code *c, X86Reg d, X86Reg base, int32_t disp)
{
    if (disp) {
        emit_lea(c, d, base, X86_NO_REG, 0, disp);
    } else {
        emit_mov_rr(c, d, base);
    }
}

/* ---- arithmetic ---- */
/* d = d op s (64-bit, or 32-bit when w32) */
static inline void emit_alu_rr(X86Code *c, X86Alu op, X86Reg d, X86Reg s, bool w32)
{
    emit_modrm_rr(c, ((op << 3) | 3) | (w32 ? 0 : OPC_W), d, s);
}

/* d = d op imm (imm must fit in a sign-extended 32-bit field). */
static inline void emit_alu_ri(X86Code *c, X86Alu op, X86Reg d, int64_t imm, bool w32)
{
    int w = w32 ? 0 : OPC_W;

    if (fits_i8(imm)) {
        emit_modrm_rr(c, 0x83 | w, op, d);
        emit8(c, (uint8_t)imm);
    } else {
        emit_modrm_rr(c, 0x81 | w, op, d);
        emit32(c, (uint32_t)imm);
    }
}

/* op [base + disp], imm (64-bit). */
static inline void emit_alu_mi(X86Code *c, X86Alu op, X86Reg base, int32_t disp, int32_t imm,
                               bool w32)
{
    int w = w32 ? 0 : OPC_W;

    if (fits_i8(imm)) {
        emit_modrm_mem(c, 0x83 | w, op, base, disp);
        emit8(c, (uint8_t)imm);
    } else {
        emit_modrm_mem(c, 0x81 | w, op, base, disp);
        emit32(c, (uint32_t)imm);
    }
}

/* d = d op [base + disp] */
static inline void emit_alu_rm(X86Code *c, X86Alu op, X86Reg d, X86Reg base, int32_t disp)
{
    emit_modrm_mem(c, ((op << 3) | 3) | OPC_W, d, base, disp);
}

static inline void emit_test_rr(X86Code *c, X86Reg a, X86Reg b, bool w32)
{
    emit_modrm_rr(c, OPC_TEST | (w32 ? 0 : OPC_W), b, a);
}

static inline void emit_shift_ri(X86Code *c, X86Shift op, X86Reg d, unsigned count, bool w32)
{
    emit_modrm_rr(c, 0xc1 | (w32 ? 0 : OPC_W), op, d);
    emit8(c, (uint8_t)count);
}

/* d = d shift cl */
static inline void emit_shift_cl(X86Code *c, X86Shift op, X86Reg d, bool w32)
{
    emit_modrm_rr(c, 0xd3 | (w32 ? 0 : OPC_W), op, d);
}

static inline void emit_unary(X86Code *c, X86Unary op, X86Reg r, bool w32)
{
    emit_modrm_rr(c, 0xf7 | (w32 ? 0 : OPC_W), op, r);
}

static inline void emit_imul_rr(X86Code *c, X86Reg d, X86Reg s, bool w32)
{
    emit_modrm_rr(c, OPC_IMUL_RM | (w32 ? 0 : OPC_W), d, s);
}

/* d = s * imm */
static inline void emit_imul_rri(X86Code *c, X86Reg d, X86Reg s, int32_t imm, bool w32)
{
    int w = w32 ? 0 : OPC_W;

    if (fits_i8(imm)) {
        emit_modrm_rr(c, 0x6b | w, d, s);
        emit8(c, (uint8_t)imm);
    } else {
        emit_modrm_rr(c, 0x69 | w, d, s);
        emit32(c, (uint32_t)imm);
    }
}

/* Sign-extends rax into rdx (cqo, or cdq for 32 bits). */
static inline void emit_sign_extend_rax(X86Code *c, bool w32)
{
    if (!w32) {
        emit8(c, 0x48);
    }
    emit8(c, 0x99);
}

static inline void emit_ext(X86Code *c, int opc, X86Reg d, X86Reg s)
{
    emit_modrm_rr(c, opc, d, s);
}

static inline void emit_setcc(X86Code *c, X86Cond cc, X86Reg d)
{
    emit_modrm_rr(c, (0x90 + cc) | OPC_0F | OPC_BYTE, 0, d);
}

static inline void emit_cmov(X86Code *c, X86Cond cc, X86Reg d, X86Reg s)
{
    emit_modrm_rr(c, (OPC_CMOV + cc) | OPC_W, d, s);
}

/* ---- SSE scalar floating point (xmm registers are numbered 0..15 like X86Reg) ---- */
#define OPC_MOVQ_XR (0x6e | OPC_0F | OPC_66 | OPC_W) /* movq xmm, r64 (OPC_W off: movd) */
#define OPC_MOVQ_RX (0x7e | OPC_0F | OPC_66 | OPC_W) /* movq r64, xmm: reg field is the xmm */
#define OPC_SQRTSD (0x51 | OPC_0F | OPC_F2)
#define OPC_ADDSD (0x58 | OPC_0F | OPC_F2)
#define OPC_MULSD (0x59 | OPC_0F | OPC_F2)
#define OPC_SUBSD (0x5c | OPC_0F | OPC_F2)
#define OPC_DIVSD (0x5e | OPC_0F | OPC_F2)
#define OPC_UCOMISD (0x2e | OPC_0F | OPC_66)
#define OPC_CVTSI2SD (0x2a | OPC_0F | OPC_F2)  /* xmm, r32 (OPC_W: r64) */
#define OPC_CVTTSD2SI (0x2c | OPC_0F | OPC_F2) /* r32, xmm (OPC_W: r64), truncating */
#define OPC_CVTSD2SI (0x2d | OPC_0F | OPC_F2)  /* r32, xmm (OPC_W: r64), MXCSR rounding */
/* The single-precision form of a scalar-double opcode above (F2 -> F3, 66 -> none). */
#define OPC_SS(opc) (((opc) & OPC_F2) ? (((opc) & ~OPC_F2) | OPC_F3) : ((opc) & ~OPC_66))

/* xmm = r (64 bits, or the low 32 with w32) */
static inline void emit_movq_xr(X86Code *c, int xmm, X86Reg r, bool w32)
{
    emit_modrm_rr(c, w32 ? OPC_MOVQ_XR & ~OPC_W : OPC_MOVQ_XR, xmm, r);
}

/* r = xmm (64 bits, or the low 32 zero-extended with w32) */
static inline void emit_movq_rx(X86Code *c, X86Reg r, int xmm, bool w32)
{
    emit_modrm_rr(c, w32 ? OPC_MOVQ_RX & ~OPC_W : OPC_MOVQ_RX, xmm, r);
}

/* FMA3 (VEX.128.66.0F38 W1 for double, W0 for single) 231 form: x0 = x1 * x2 +- x0;
 * opcode 0xb9 vfmadd, 0xbb vfmsub, 0xbd vfnmadd, 0xbf vfnmsub. */
static inline void emit_fma231(X86Code *c, uint8_t opcode, bool dbl, int x0, int x1, int x2)
{
    emit8(c, 0xc4);
    emit8(c, (uint8_t)(0xe2 & ~((x0 & 8) << 4) & ~((x2 & 8) << 2))); /* ~R ~X ~B, map 0F38 */
    emit8(c, (uint8_t)((dbl ? 0x80 : 0) | ((~x1 & 15) << 3) | 0x01));  /* W, ~vvvv, L0, 66 */
    emit8(c, opcode);
    emit8(c, (uint8_t)(0xc0 | (x0 & 7) << 3 | (x2 & 7)));
}

/* ---- control flow ---- */
/* Jumps with a rel32 to be patched: returns the offset of the rel32 field. */
static inline size_t emit_jcc32(X86Code *c, X86Cond cc)
{
    emit8(c, 0x0f);
    emit8(c, 0x80 + cc);
    size_t at = c->pos;
    emit32(c, 0);
    return at;
}

static inline size_t emit_jmp32(X86Code *c)
{
    emit8(c, 0xe9);
    size_t at = c->pos;
    emit32(c, 0);
    return at;
}

/* Short forward jumps inside one op's code: returns the offset of the rel8 field. */
static inline size_t emit_jcc8(X86Code *c, X86Cond cc)
{
    emit8(c, 0x70 + cc);
    emit8(c, 0);
    return c->pos - 1;
}

static inline size_t emit_jmp8(X86Code *c)
{
    emit8(c, 0xeb);
    emit8(c, 0);
    return c->pos - 1;
}

/* Points the rel8 at `at` to the current position. */
static inline void patch_rel8_here(X86Code *c, size_t at)
{
    c->buf[at] = (uint8_t)(c->pos - (at + 1));
}

static inline void patch_rel32(X86Code *c, size_t at, size_t target)
{
    int32_t rel = (int32_t)((int64_t)target - (int64_t)(at + 4));
    memcpy(c->buf + at, &rel, 4);
}

static inline void emit_call_r(X86Code *c, X86Reg r)
{
    emit_modrm_rr(c, 0xff, 2, r);
}

static inline void emit_jmp_r(X86Code *c, X86Reg r)
{
    emit_modrm_rr(c, 0xff, 4, r);
}

/* jmp qword [base + disp] */
static inline void emit_jmp_m(X86Code *c, X86Reg base, int32_t disp)
{
    emit_modrm_mem(c, 0xff, 4, base, disp);
}

/* cmp byte [base + disp], imm8 */
static inline void emit_cmp_m8i(X86Code *c, X86Reg base, int32_t disp, uint8_t imm)
{
    emit_modrm_mem(c, 0x80, ALU_CMP, base, disp);
    emit8(c, imm);
}

static inline void emit_push(X86Code *c, X86Reg r)
{
    emit_opc(c, 0x50 + (r & 7), 0, 0, r);
}

static inline void emit_pop(X86Code *c, X86Reg r)
{
    emit_opc(c, 0x58 + (r & 7), 0, 0, r);
}

static inline void emit_ret(X86Code *c)
{
    emit8(c, 0xc3);
}

static inline void emit_nops(X86Code *c, unsigned n)
{
    while (n--) {
        emit8(c, 0x90);
    }
}

#endif

/*
 * RISC-V instruction decoder: 32-bit RV64IMAFD/Zicsr/Zifencei encodings and the RV64C
 * compressed set, each expanded to its base instruction. Reserved encodings are illegal.
 */
#include "tcg/riscv/decode.h"

#include <string.h>

static inline uint32_t bits(uint32_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((UINT32_C(1) << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t v, unsigned width)
{
    unsigned shift = 64 - width;

    return (int64_t)(v << shift) >> shift;
}

static bool insn_set(RiscvInsn *insn, RiscvOp op, unsigned rd, unsigned rs1, unsigned rs2,
                     int64_t imm)
{
    insn->op = op;
    insn->rd = rd;
    insn->rs1 = rs1;
    insn->rs2 = rs2;
    insn->imm = imm;
    return true;
}

static bool insn_illegal(RiscvInsn *insn)
{
    insn->op = RISCV_OP_ILLEGAL;
    return false;
}

/* ---- 32-bit encodings ---- */

static int64_t imm_i(uint32_t w)
{
    return sext(bits(w, 31, 20), 12);
}

static int64_t imm_s(uint32_t w)
{
    return sext(bits(w, 31, 25) << 5 | bits(w, 11, 7), 12);
}

static int64_t imm_b(uint32_t w)
{
    return sext(bits(w, 31, 31) << 12 | bits(w, 7, 7) << 11 | bits(w, 30, 25) << 5 |
                    bits(w, 11, 8) << 1,
                13);
}

static int64_t imm_u(uint32_t w)
{
    return sext(w & 0xfffff000u, 32);
}

static int64_t imm_j(uint32_t w)
{
    return sext(bits(w, 31, 31) << 20 | bits(w, 19, 12) << 12 | bits(w, 20, 20) << 11 |
                    bits(w, 30, 21) << 1,
                21);
}

static bool decode_op(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1, unsigned rs2)
{
    static const RiscvOp base[8] = {RISCV_OP_ADD, RISCV_OP_SLL, RISCV_OP_SLT, RISCV_OP_SLTU,
                                    RISCV_OP_XOR, RISCV_OP_SRL, RISCV_OP_OR,  RISCV_OP_AND};
    static const RiscvOp mul[8] = {RISCV_OP_MUL, RISCV_OP_MULH, RISCV_OP_MULHSU, RISCV_OP_MULHU,
                                   RISCV_OP_DIV, RISCV_OP_DIVU, RISCV_OP_REM,    RISCV_OP_REMU};
    unsigned funct3 = bits(w, 14, 12), funct7 = bits(w, 31, 25);

    switch (funct7) {
    case 0x00:
        return insn_set(insn, base[funct3], rd, rs1, rs2, 0);
    case 0x01:
        return insn_set(insn, mul[funct3], rd, rs1, rs2, 0);
    case 0x20:
        if (funct3 == 0) {
            return insn_set(insn, RISCV_OP_SUB, rd, rs1, rs2, 0);
        }
        if (funct3 == 5) {
            return insn_set(insn, RISCV_OP_SRA, rd, rs1, rs2, 0);
        }
        return insn_illegal(insn);
    default:
        return insn_illegal(insn);
    }
}

static bool decode_op32(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1, unsigned rs2)
{
    unsigned funct3 = bits(w, 14, 12), funct7 = bits(w, 31, 25);
    RiscvOp op = RISCV_OP_ILLEGAL;

    switch (funct7 << 3 | funct3) {
    case 0x00 << 3 | 0:
        op = RISCV_OP_ADDW;
        break;
    case 0x20 << 3 | 0:
        op = RISCV_OP_SUBW;
        break;
    case 0x00 << 3 | 1:
        op = RISCV_OP_SLLW;
        break;
    case 0x00 << 3 | 5:
        op = RISCV_OP_SRLW;
        break;
    case 0x20 << 3 | 5:
        op = RISCV_OP_SRAW;
        break;
    case 0x01 << 3 | 0:
        op = RISCV_OP_MULW;
        break;
    case 0x01 << 3 | 4:
        op = RISCV_OP_DIVW;
        break;
    case 0x01 << 3 | 5:
        op = RISCV_OP_DIVUW;
        break;
    case 0x01 << 3 | 6:
        op = RISCV_OP_REMW;
        break;
    case 0x01 << 3 | 7:
        op = RISCV_OP_REMUW;
        break;
    default:
        return insn_illegal(insn);
    }
    return insn_set(insn, op, rd, rs1, rs2, 0);
}

static bool decode_op_imm(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1)
{
    unsigned funct3 = bits(w, 14, 12), funct6 = bits(w, 31, 26), shamt = bits(w, 25, 20);

    switch (funct3) {
    case 0:
        return insn_set(insn, RISCV_OP_ADDI, rd, rs1, 0, imm_i(w));
    case 2:
        return insn_set(insn, RISCV_OP_SLTI, rd, rs1, 0, imm_i(w));
    case 3:
        return insn_set(insn, RISCV_OP_SLTIU, rd, rs1, 0, imm_i(w));
    case 4:
        return insn_set(insn, RISCV_OP_XORI, rd, rs1, 0, imm_i(w));
    case 6:
        return insn_set(insn, RISCV_OP_ORI, rd, rs1, 0, imm_i(w));
    case 7:
        return insn_set(insn, RISCV_OP_ANDI, rd, rs1, 0, imm_i(w));
    case 1:
        if (funct6 != 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_SLLI, rd, rs1, 0, shamt);
    default: /* 5 */
        if (funct6 == 0x00) {
            return insn_set(insn, RISCV_OP_SRLI, rd, rs1, 0, shamt);
        }
        if (funct6 == 0x10) {
            return insn_set(insn, RISCV_OP_SRAI, rd, rs1, 0, shamt);
        }
        return insn_illegal(insn);
    }
}

static bool decode_op_imm32(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1)
{
    unsigned funct3 = bits(w, 14, 12), funct7 = bits(w, 31, 25), shamt = bits(w, 24, 20);

    switch (funct3) {
    case 0:
        return insn_set(insn, RISCV_OP_ADDIW, rd, rs1, 0, imm_i(w));
    case 1:
        if (funct7 != 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_SLLIW, rd, rs1, 0, shamt);
    case 5:
        if (funct7 == 0x00) {
            return insn_set(insn, RISCV_OP_SRLIW, rd, rs1, 0, shamt);
        }
        if (funct7 == 0x20) {
            return insn_set(insn, RISCV_OP_SRAIW, rd, rs1, 0, shamt);
        }
        return insn_illegal(insn);
    default:
        return insn_illegal(insn);
    }
}

static bool decode_amo(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1, unsigned rs2)
{
    static const struct {
        unsigned funct5;
        RiscvOp w, d;
    } amos[] = {
        {0x02, RISCV_OP_LR_W, RISCV_OP_LR_D},
        {0x03, RISCV_OP_SC_W, RISCV_OP_SC_D},
        {0x01, RISCV_OP_AMOSWAP_W, RISCV_OP_AMOSWAP_D},
        {0x00, RISCV_OP_AMOADD_W, RISCV_OP_AMOADD_D},
        {0x04, RISCV_OP_AMOXOR_W, RISCV_OP_AMOXOR_D},
        {0x0c, RISCV_OP_AMOAND_W, RISCV_OP_AMOAND_D},
        {0x08, RISCV_OP_AMOOR_W, RISCV_OP_AMOOR_D},
        {0x10, RISCV_OP_AMOMIN_W, RISCV_OP_AMOMIN_D},
        {0x14, RISCV_OP_AMOMAX_W, RISCV_OP_AMOMAX_D},
        {0x18, RISCV_OP_AMOMINU_W, RISCV_OP_AMOMINU_D},
        {0x1c, RISCV_OP_AMOMAXU_W, RISCV_OP_AMOMAXU_D},
    };
    unsigned funct3 = bits(w, 14, 12), funct5 = bits(w, 31, 27);

    if (funct3 != 2 && funct3 != 3) {
        return insn_illegal(insn);
    }
    for (unsigned i = 0; i < sizeof(amos) / sizeof(amos[0]); i++) {
        if (amos[i].funct5 != funct5) {
            continue;
        }
        if (funct5 == 0x02 && rs2 != 0) {
            return insn_illegal(insn); /* LR's rs2 field is reserved */
        }
        insn->aq = bits(w, 26, 26);
        insn->rl = bits(w, 25, 25);
        return insn_set(insn, funct3 == 2 ? amos[i].w : amos[i].d, rd, rs1, rs2, 0);
    }
    return insn_illegal(insn);
}

static bool decode_system(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1)
{
    static const RiscvOp csr_ops[8] = {
        RISCV_OP_ILLEGAL, RISCV_OP_CSRRW,  RISCV_OP_CSRRS,  RISCV_OP_CSRRC,
        RISCV_OP_ILLEGAL, RISCV_OP_CSRRWI, RISCV_OP_CSRRSI, RISCV_OP_CSRRCI,
    };
    unsigned funct3 = bits(w, 14, 12);

    if (funct3 != 0) {
        if (csr_ops[funct3] == RISCV_OP_ILLEGAL) {
            return insn_illegal(insn);
        }
        insn->csr = bits(w, 31, 20);
        /* For the immediate forms rs1 holds the 5-bit zimm. */
        return insn_set(insn, csr_ops[funct3], rd, rs1, 0, funct3 >= 5 ? rs1 : 0);
    }
    switch (w) {
    case 0x00000073:
        return insn_set(insn, RISCV_OP_ECALL, 0, 0, 0, 0);
    case 0x00100073:
        return insn_set(insn, RISCV_OP_EBREAK, 0, 0, 0, 0);
    case 0x30200073:
        return insn_set(insn, RISCV_OP_MRET, 0, 0, 0, 0);
    case 0x10200073:
        return insn_set(insn, RISCV_OP_SRET, 0, 0, 0, 0);
    case 0x10500073:
        return insn_set(insn, RISCV_OP_WFI, 0, 0, 0, 0);
    default:
        if ((w & 0xfe007fff) == 0x12000073) {
            return insn_set(insn, RISCV_OP_SFENCE_VMA, 0, rs1, bits(w, 24, 20), 0);
        }
        /* The hypervisor forms need an extension this hart lacks. */
        return insn_illegal(insn);
    }
}

/* ---- F and D ---- */

static bool decode_fp_rm(RiscvInsn *insn, RiscvOp op, unsigned rd, unsigned rs1, unsigned rs2,
                         unsigned rm)
{
    insn->rm = rm;
    return insn_set(insn, op, rd, rs1, rs2, 0);
}

static bool decode_op_fp(uint32_t w, RiscvInsn *insn, unsigned rd, unsigned rs1, unsigned rs2)
{
    unsigned funct7 = bits(w, 31, 25), rm = bits(w, 14, 12);
    unsigned fmt = funct7 & 3, funct5 = funct7 >> 2;
    /* S and D variants are adjacent in RiscvOp: add fmt (0 = S, 1 = D). */
#define FP(name) (RiscvOp)(RISCV_OP_##name##_S + fmt)

    if (fmt > 1) {
        return insn_illegal(insn);
    }
    switch (funct5) {
    case 0x00:
        return decode_fp_rm(insn, FP(FADD), rd, rs1, rs2, rm);
    case 0x01:
        return decode_fp_rm(insn, FP(FSUB), rd, rs1, rs2, rm);
    case 0x02:
        return decode_fp_rm(insn, FP(FMUL), rd, rs1, rs2, rm);
    case 0x03:
        return decode_fp_rm(insn, FP(FDIV), rd, rs1, rs2, rm);
    case 0x0b:
        if (rs2 != 0) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, FP(FSQRT), rd, rs1, 0, rm);
    case 0x04: {
        static const RiscvOp ops[3] = {RISCV_OP_FSGNJ_S, RISCV_OP_FSGNJN_S, RISCV_OP_FSGNJX_S};
        if (rm > 2) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, (RiscvOp)(ops[rm] + fmt), rd, rs1, rs2, 0);
    }
    case 0x05:
        if (rm > 1) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, rm ? FP(FMAX) : FP(FMIN), rd, rs1, rs2, 0);
    case 0x08:
        /* fcvt.s.d (fmt S, rs2 = 1) and fcvt.d.s (fmt D, rs2 = 0). */
        if (rs2 != (fmt ? 0u : 1u)) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, fmt ? RISCV_OP_FCVT_D_S : RISCV_OP_FCVT_S_D, rd, rs1, 0, rm);
    case 0x14: {
        static const RiscvOp ops[3] = {RISCV_OP_FLE_S, RISCV_OP_FLT_S, RISCV_OP_FEQ_S};
        if (rm > 2) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, (RiscvOp)(ops[rm] + fmt), rd, rs1, rs2, 0);
    }
    case 0x18: {
        static const RiscvOp ops[4] = {RISCV_OP_FCVT_W_S, RISCV_OP_FCVT_WU_S, RISCV_OP_FCVT_L_S,
                                       RISCV_OP_FCVT_LU_S};
        if (rs2 > 3) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, (RiscvOp)(ops[rs2] + fmt), rd, rs1, 0, rm);
    }
    case 0x1a: {
        static const RiscvOp ops[4] = {RISCV_OP_FCVT_S_W, RISCV_OP_FCVT_S_WU, RISCV_OP_FCVT_S_L,
                                       RISCV_OP_FCVT_S_LU};
        if (rs2 > 3) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, (RiscvOp)(ops[rs2] + fmt), rd, rs1, 0, rm);
    }
    case 0x1c:
        if (rs2 != 0 || rm > 1) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, rm ? FP(FCLASS) : (fmt ? RISCV_OP_FMV_X_D : RISCV_OP_FMV_X_W),
                            rd, rs1, 0, 0);
    case 0x1e:
        if (rs2 != 0 || rm != 0) {
            return insn_illegal(insn);
        }
        return decode_fp_rm(insn, fmt ? RISCV_OP_FMV_D_X : RISCV_OP_FMV_W_X, rd, rs1, 0, 0);
    default:
        return insn_illegal(insn);
    }
#undef FP
}

static bool decode_fmadd(uint32_t w, RiscvInsn *insn, RiscvOp base, unsigned rd, unsigned rs1,
                         unsigned rs2)
{
    unsigned fmt = bits(w, 26, 25);

    if (fmt > 1) {
        return insn_illegal(insn);
    }
    insn->rs3 = bits(w, 31, 27);
    return decode_fp_rm(insn, (RiscvOp)(base + fmt), rd, rs1, rs2, bits(w, 14, 12));
}

static bool decode32(uint32_t w, RiscvInsn *insn)
{
    unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20);
    unsigned funct3 = bits(w, 14, 12);

    switch (bits(w, 6, 0)) {
    case 0x37:
        return insn_set(insn, RISCV_OP_LUI, rd, 0, 0, imm_u(w));
    case 0x17:
        return insn_set(insn, RISCV_OP_AUIPC, rd, 0, 0, imm_u(w));
    case 0x6f:
        return insn_set(insn, RISCV_OP_JAL, rd, 0, 0, imm_j(w));
    case 0x67:
        if (funct3 != 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_JALR, rd, rs1, 0, imm_i(w));
    case 0x63: {
        static const RiscvOp ops[8] = {RISCV_OP_BEQ,     RISCV_OP_BNE, RISCV_OP_ILLEGAL,
                                       RISCV_OP_ILLEGAL, RISCV_OP_BLT, RISCV_OP_BGE,
                                       RISCV_OP_BLTU,    RISCV_OP_BGEU};
        if (ops[funct3] == RISCV_OP_ILLEGAL) {
            return insn_illegal(insn);
        }
        return insn_set(insn, ops[funct3], 0, rs1, rs2, imm_b(w));
    }
    case 0x03: {
        static const RiscvOp ops[8] = {RISCV_OP_LB,  RISCV_OP_LH,  RISCV_OP_LW,  RISCV_OP_LD,
                                       RISCV_OP_LBU, RISCV_OP_LHU, RISCV_OP_LWU, RISCV_OP_ILLEGAL};
        if (ops[funct3] == RISCV_OP_ILLEGAL) {
            return insn_illegal(insn);
        }
        return insn_set(insn, ops[funct3], rd, rs1, 0, imm_i(w));
    }
    case 0x23: {
        static const RiscvOp ops[4] = {RISCV_OP_SB, RISCV_OP_SH, RISCV_OP_SW, RISCV_OP_SD};
        if (funct3 > 3) {
            return insn_illegal(insn);
        }
        return insn_set(insn, ops[funct3], 0, rs1, rs2, imm_s(w));
    }
    case 0x13:
        return decode_op_imm(w, insn, rd, rs1);
    case 0x1b:
        return decode_op_imm32(w, insn, rd, rs1);
    case 0x33:
        return decode_op(w, insn, rd, rs1, rs2);
    case 0x3b:
        return decode_op32(w, insn, rd, rs1, rs2);
    case 0x2f:
        return decode_amo(w, insn, rd, rs1, rs2);
    case 0x0f:
        /* fence's fm/pred/succ (fence.tso, pause) all order at least as much as needed
         * when executed as a full fence; unused fields are ignored as the spec asks. */
        if (funct3 == 0) {
            return insn_set(insn, RISCV_OP_FENCE, rd, rs1, 0, imm_i(w) & 0xfff);
        }
        if (funct3 == 1) {
            return insn_set(insn, RISCV_OP_FENCE_I, rd, rs1, 0, imm_i(w));
        }
        return insn_illegal(insn);
    case 0x73:
        return decode_system(w, insn, rd, rs1);
    case 0x07:
        if (funct3 != 2 && funct3 != 3) {
            return insn_illegal(insn);
        }
        return insn_set(insn, funct3 == 2 ? RISCV_OP_FLW : RISCV_OP_FLD, rd, rs1, 0, imm_i(w));
    case 0x27:
        if (funct3 != 2 && funct3 != 3) {
            return insn_illegal(insn);
        }
        return insn_set(insn, funct3 == 2 ? RISCV_OP_FSW : RISCV_OP_FSD, 0, rs1, rs2, imm_s(w));
    case 0x43:
        return decode_fmadd(w, insn, RISCV_OP_FMADD_S, rd, rs1, rs2);
    case 0x47:
        return decode_fmadd(w, insn, RISCV_OP_FMSUB_S, rd, rs1, rs2);
    case 0x4b:
        return decode_fmadd(w, insn, RISCV_OP_FNMSUB_S, rd, rs1, rs2);
    case 0x4f:
        return decode_fmadd(w, insn, RISCV_OP_FNMADD_S, rd, rs1, rs2);
    case 0x53:
        return decode_op_fp(w, insn, rd, rs1, rs2);
    default:
        return insn_illegal(insn);
    }
}

/* ---- 16-bit encodings (RV64C) ---- */

/* The 3-bit register fields of CIW/CL/CS/CA/CB name x8..x15. */
static inline unsigned creg(uint32_t h, unsigned lo)
{
    return 8 + bits(h, lo + 2, lo);
}

static bool decode_c0(uint32_t h, RiscvInsn *insn)
{
    unsigned rdp = creg(h, 2), rs1p = creg(h, 7);
    uint32_t lw_off = bits(h, 12, 10) << 3 | bits(h, 6, 6) << 2 | bits(h, 5, 5) << 6;
    uint32_t ld_off = bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6;

    switch (bits(h, 15, 13)) {
    case 0: { /* c.addi4spn */
        uint32_t nzuimm = bits(h, 12, 11) << 4 | bits(h, 10, 7) << 6 | bits(h, 6, 6) << 2 |
                          bits(h, 5, 5) << 3;
        if (nzuimm == 0) {
            return insn_illegal(insn); /* includes the all-zero illegal instruction */
        }
        return insn_set(insn, RISCV_OP_ADDI, rdp, 2, 0, nzuimm);
    }
    case 2: /* c.lw */
        return insn_set(insn, RISCV_OP_LW, rdp, rs1p, 0, lw_off);
    case 1: /* c.fld */
        return insn_set(insn, RISCV_OP_FLD, rdp, rs1p, 0, ld_off);
    case 3: /* c.ld */
        return insn_set(insn, RISCV_OP_LD, rdp, rs1p, 0, ld_off);
    case 5: /* c.fsd */
        return insn_set(insn, RISCV_OP_FSD, 0, rs1p, rdp, ld_off);
    case 6: /* c.sw */
        return insn_set(insn, RISCV_OP_SW, 0, rs1p, rdp, lw_off);
    case 7: /* c.sd */
        return insn_set(insn, RISCV_OP_SD, 0, rs1p, rdp, ld_off);
    default: /* reserved */
        return insn_illegal(insn);
    }
}

static bool decode_c1_alu(uint32_t h, RiscvInsn *insn)
{
    unsigned rd = creg(h, 7), rs2 = creg(h, 2);
    unsigned shamt = bits(h, 12, 12) << 5 | bits(h, 6, 2);

    switch (bits(h, 11, 10)) {
    case 0: /* c.srli; shamt 0 is a hint and executes as srli 0 */
        return insn_set(insn, RISCV_OP_SRLI, rd, rd, 0, shamt);
    case 1:
        return insn_set(insn, RISCV_OP_SRAI, rd, rd, 0, shamt);
    case 2:
        return insn_set(insn, RISCV_OP_ANDI, rd, rd, 0, sext(shamt, 6));
    default:
        break;
    }
    if (bits(h, 12, 12) == 0) {
        static const RiscvOp ops[4] = {RISCV_OP_SUB, RISCV_OP_XOR, RISCV_OP_OR, RISCV_OP_AND};
        return insn_set(insn, ops[bits(h, 6, 5)], rd, rd, rs2, 0);
    }
    switch (bits(h, 6, 5)) {
    case 0:
        return insn_set(insn, RISCV_OP_SUBW, rd, rd, rs2, 0);
    case 1:
        return insn_set(insn, RISCV_OP_ADDW, rd, rd, rs2, 0);
    default:
        return insn_illegal(insn);
    }
}

static bool decode_c1(uint32_t h, RiscvInsn *insn)
{
    unsigned rd = bits(h, 11, 7);
    int64_t imm6 = sext(bits(h, 12, 12) << 5 | bits(h, 6, 2), 6);

    switch (bits(h, 15, 13)) {
    case 0: /* c.addi (c.nop when rd is 0; other rd=0 or imm=0 forms are hints) */
        return insn_set(insn, RISCV_OP_ADDI, rd, rd, 0, imm6);
    case 1: /* c.addiw */
        if (rd == 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_ADDIW, rd, rd, 0, imm6);
    case 2: /* c.li */
        return insn_set(insn, RISCV_OP_ADDI, rd, 0, 0, imm6);
    case 3:
        if (rd == 2) { /* c.addi16sp */
            int64_t imm = sext(bits(h, 12, 12) << 9 | bits(h, 6, 6) << 4 | bits(h, 5, 5) << 6 |
                                   bits(h, 4, 3) << 7 | bits(h, 2, 2) << 5,
                               10);
            if (imm == 0) {
                return insn_illegal(insn);
            }
            return insn_set(insn, RISCV_OP_ADDI, 2, 2, 0, imm);
        }
        if (imm6 == 0) {
            return insn_illegal(insn); /* c.lui with nzimm 0 is reserved */
        }
        return insn_set(insn, RISCV_OP_LUI, rd, 0, 0, (int64_t)((uint64_t)imm6 << 12));
    case 4:
        return decode_c1_alu(h, insn);
    case 5: { /* c.j */
        int64_t off = sext(bits(h, 12, 12) << 11 | bits(h, 11, 11) << 4 | bits(h, 10, 9) << 8 |
                               bits(h, 8, 8) << 10 | bits(h, 7, 7) << 6 | bits(h, 6, 6) << 7 |
                               bits(h, 5, 3) << 1 | bits(h, 2, 2) << 5,
                           12);
        return insn_set(insn, RISCV_OP_JAL, 0, 0, 0, off);
    }
    default: { /* c.beqz, c.bnez */
        int64_t off = sext(bits(h, 12, 12) << 8 | bits(h, 11, 10) << 3 | bits(h, 6, 5) << 6 |
                               bits(h, 4, 3) << 1 | bits(h, 2, 2) << 5,
                           9);
        RiscvOp op = bits(h, 15, 13) == 6 ? RISCV_OP_BEQ : RISCV_OP_BNE;
        return insn_set(insn, op, 0, creg(h, 7), 0, off);
    }
    }
}

static bool decode_c2(uint32_t h, RiscvInsn *insn)
{
    unsigned rd = bits(h, 11, 7), rs2 = bits(h, 6, 2);

    switch (bits(h, 15, 13)) {
    case 0: /* c.slli; rd 0 or shamt 0 are hints */
        return insn_set(insn, RISCV_OP_SLLI, rd, rd, 0, bits(h, 12, 12) << 5 | bits(h, 6, 2));
    case 2: /* c.lwsp */
        if (rd == 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_LW, rd, 2, 0,
                        bits(h, 12, 12) << 5 | bits(h, 6, 4) << 2 | bits(h, 3, 2) << 6);
    case 1: /* c.fldsp */
        return insn_set(insn, RISCV_OP_FLD, rd, 2, 0,
                        bits(h, 12, 12) << 5 | bits(h, 6, 5) << 3 | bits(h, 4, 2) << 6);
    case 5: /* c.fsdsp */
        return insn_set(insn, RISCV_OP_FSD, 0, 2, rs2, bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6);
    case 3: /* c.ldsp */
        if (rd == 0) {
            return insn_illegal(insn);
        }
        return insn_set(insn, RISCV_OP_LD, rd, 2, 0,
                        bits(h, 12, 12) << 5 | bits(h, 6, 5) << 3 | bits(h, 4, 2) << 6);
    case 4:
        if (bits(h, 12, 12) == 0) {
            if (rs2 == 0) { /* c.jr */
                if (rd == 0) {
                    return insn_illegal(insn);
                }
                return insn_set(insn, RISCV_OP_JALR, 0, rd, 0, 0);
            }
            return insn_set(insn, RISCV_OP_ADD, rd, 0, rs2, 0); /* c.mv */
        }
        if (rs2 == 0) {
            if (rd == 0) {
                return insn_set(insn, RISCV_OP_EBREAK, 0, 0, 0, 0);
            }
            return insn_set(insn, RISCV_OP_JALR, 1, rd, 0, 0); /* c.jalr */
        }
        return insn_set(insn, RISCV_OP_ADD, rd, rd, rs2, 0); /* c.add */
    case 6: /* c.swsp */
        return insn_set(insn, RISCV_OP_SW, 0, 2, rs2, bits(h, 12, 9) << 2 | bits(h, 8, 7) << 6);
    case 7: /* c.sdsp */
        return insn_set(insn, RISCV_OP_SD, 0, 2, rs2, bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6);
    default:
        return insn_illegal(insn);
    }
}

bool riscv_decode(uint32_t w, RiscvInsn *insn)
{
    memset(insn, 0, sizeof(*insn));
    if ((w & 3) != 3) {
        w &= 0xffff;
        insn->len = 2;
        insn->raw = w;
        switch (w & 3) {
        case 0:
            return decode_c0(w, insn);
        case 1:
            return decode_c1(w, insn);
        default:
            return decode_c2(w, insn);
        }
    }
    insn->len = 4;
    insn->raw = w;
    if ((w & 0x1c) == 0x1c) {
        return insn_illegal(insn); /* 48-bit and longer encodings */
    }
    return decode32(w, insn);
}

const char *riscv_op_name(RiscvOp op)
{
    static const char *const names[RISCV_OP__COUNT] = {
        [RISCV_OP_ILLEGAL] = "illegal",
        [RISCV_OP_LUI] = "lui",         [RISCV_OP_AUIPC] = "auipc",
        [RISCV_OP_JAL] = "jal",         [RISCV_OP_JALR] = "jalr",
        [RISCV_OP_BEQ] = "beq",         [RISCV_OP_BNE] = "bne",
        [RISCV_OP_BLT] = "blt",         [RISCV_OP_BGE] = "bge",
        [RISCV_OP_BLTU] = "bltu",       [RISCV_OP_BGEU] = "bgeu",
        [RISCV_OP_LB] = "lb",           [RISCV_OP_LH] = "lh",
        [RISCV_OP_LW] = "lw",           [RISCV_OP_LD] = "ld",
        [RISCV_OP_LBU] = "lbu",         [RISCV_OP_LHU] = "lhu",
        [RISCV_OP_LWU] = "lwu",         [RISCV_OP_SB] = "sb",
        [RISCV_OP_SH] = "sh",           [RISCV_OP_SW] = "sw",
        [RISCV_OP_SD] = "sd",           [RISCV_OP_ADDI] = "addi",
        [RISCV_OP_SLTI] = "slti",       [RISCV_OP_SLTIU] = "sltiu",
        [RISCV_OP_XORI] = "xori",       [RISCV_OP_ORI] = "ori",
        [RISCV_OP_ANDI] = "andi",       [RISCV_OP_SLLI] = "slli",
        [RISCV_OP_SRLI] = "srli",       [RISCV_OP_SRAI] = "srai",
        [RISCV_OP_ADD] = "add",         [RISCV_OP_SUB] = "sub",
        [RISCV_OP_SLL] = "sll",         [RISCV_OP_SLT] = "slt",
        [RISCV_OP_SLTU] = "sltu",       [RISCV_OP_XOR] = "xor",
        [RISCV_OP_SRL] = "srl",         [RISCV_OP_SRA] = "sra",
        [RISCV_OP_OR] = "or",           [RISCV_OP_AND] = "and",
        [RISCV_OP_ADDIW] = "addiw",     [RISCV_OP_SLLIW] = "slliw",
        [RISCV_OP_SRLIW] = "srliw",     [RISCV_OP_SRAIW] = "sraiw",
        [RISCV_OP_ADDW] = "addw",       [RISCV_OP_SUBW] = "subw",
        [RISCV_OP_SLLW] = "sllw",       [RISCV_OP_SRLW] = "srlw",
        [RISCV_OP_SRAW] = "sraw",       [RISCV_OP_MUL] = "mul",
        [RISCV_OP_MULH] = "mulh",       [RISCV_OP_MULHSU] = "mulhsu",
        [RISCV_OP_MULHU] = "mulhu",     [RISCV_OP_DIV] = "div",
        [RISCV_OP_DIVU] = "divu",       [RISCV_OP_REM] = "rem",
        [RISCV_OP_REMU] = "remu",       [RISCV_OP_MULW] = "mulw",
        [RISCV_OP_DIVW] = "divw",       [RISCV_OP_DIVUW] = "divuw",
        [RISCV_OP_REMW] = "remw",       [RISCV_OP_REMUW] = "remuw",
        [RISCV_OP_LR_W] = "lr.w",       [RISCV_OP_SC_W] = "sc.w",
        [RISCV_OP_AMOSWAP_W] = "amoswap.w", [RISCV_OP_AMOADD_W] = "amoadd.w",
        [RISCV_OP_AMOXOR_W] = "amoxor.w",   [RISCV_OP_AMOAND_W] = "amoand.w",
        [RISCV_OP_AMOOR_W] = "amoor.w",     [RISCV_OP_AMOMIN_W] = "amomin.w",
        [RISCV_OP_AMOMAX_W] = "amomax.w",   [RISCV_OP_AMOMINU_W] = "amominu.w",
        [RISCV_OP_AMOMAXU_W] = "amomaxu.w", [RISCV_OP_LR_D] = "lr.d",
        [RISCV_OP_SC_D] = "sc.d",           [RISCV_OP_AMOSWAP_D] = "amoswap.d",
        [RISCV_OP_AMOADD_D] = "amoadd.d",   [RISCV_OP_AMOXOR_D] = "amoxor.d",
        [RISCV_OP_AMOAND_D] = "amoand.d",   [RISCV_OP_AMOOR_D] = "amoor.d",
        [RISCV_OP_AMOMIN_D] = "amomin.d",   [RISCV_OP_AMOMAX_D] = "amomax.d",
        [RISCV_OP_AMOMINU_D] = "amominu.d", [RISCV_OP_AMOMAXU_D] = "amomaxu.d",
        [RISCV_OP_FENCE] = "fence",     [RISCV_OP_FENCE_I] = "fence.i",
        [RISCV_OP_ECALL] = "ecall",     [RISCV_OP_EBREAK] = "ebreak",
        [RISCV_OP_MRET] = "mret",       [RISCV_OP_WFI] = "wfi",
        [RISCV_OP_SRET] = "sret",       [RISCV_OP_SFENCE_VMA] = "sfence.vma",
        [RISCV_OP_CSRRW] = "csrrw",     [RISCV_OP_CSRRS] = "csrrs",
        [RISCV_OP_CSRRC] = "csrrc",     [RISCV_OP_CSRRWI] = "csrrwi",
        [RISCV_OP_CSRRSI] = "csrrsi",   [RISCV_OP_CSRRCI] = "csrrci",
#define RISCV_FP_NAME(op, str) [RISCV_OP_##op] = str,
        RISCV_FP_NAME(FLW, "flw") RISCV_FP_NAME(FLD, "fld") RISCV_FP_NAME(FSW, "fsw")
        RISCV_FP_NAME(FSD, "fsd")
        RISCV_FP_NAME(FMADD_S, "fmadd.s") RISCV_FP_NAME(FMADD_D, "fmadd.d")
        RISCV_FP_NAME(FMSUB_S, "fmsub.s") RISCV_FP_NAME(FMSUB_D, "fmsub.d")
        RISCV_FP_NAME(FNMSUB_S, "fnmsub.s") RISCV_FP_NAME(FNMSUB_D, "fnmsub.d")
        RISCV_FP_NAME(FNMADD_S, "fnmadd.s") RISCV_FP_NAME(FNMADD_D, "fnmadd.d")
        RISCV_FP_NAME(FADD_S, "fadd.s") RISCV_FP_NAME(FADD_D, "fadd.d")
        RISCV_FP_NAME(FSUB_S, "fsub.s") RISCV_FP_NAME(FSUB_D, "fsub.d")
        RISCV_FP_NAME(FMUL_S, "fmul.s") RISCV_FP_NAME(FMUL_D, "fmul.d")
        RISCV_FP_NAME(FDIV_S, "fdiv.s") RISCV_FP_NAME(FDIV_D, "fdiv.d")
        RISCV_FP_NAME(FSQRT_S, "fsqrt.s") RISCV_FP_NAME(FSQRT_D, "fsqrt.d")
        RISCV_FP_NAME(FSGNJ_S, "fsgnj.s") RISCV_FP_NAME(FSGNJ_D, "fsgnj.d")
        RISCV_FP_NAME(FSGNJN_S, "fsgnjn.s") RISCV_FP_NAME(FSGNJN_D, "fsgnjn.d")
        RISCV_FP_NAME(FSGNJX_S, "fsgnjx.s") RISCV_FP_NAME(FSGNJX_D, "fsgnjx.d")
        RISCV_FP_NAME(FMIN_S, "fmin.s") RISCV_FP_NAME(FMIN_D, "fmin.d")
        RISCV_FP_NAME(FMAX_S, "fmax.s") RISCV_FP_NAME(FMAX_D, "fmax.d")
        RISCV_FP_NAME(FEQ_S, "feq.s") RISCV_FP_NAME(FEQ_D, "feq.d")
        RISCV_FP_NAME(FLT_S, "flt.s") RISCV_FP_NAME(FLT_D, "flt.d")
        RISCV_FP_NAME(FLE_S, "fle.s") RISCV_FP_NAME(FLE_D, "fle.d")
        RISCV_FP_NAME(FCVT_W_S, "fcvt.w.s") RISCV_FP_NAME(FCVT_W_D, "fcvt.w.d")
        RISCV_FP_NAME(FCVT_WU_S, "fcvt.wu.s") RISCV_FP_NAME(FCVT_WU_D, "fcvt.wu.d")
        RISCV_FP_NAME(FCVT_L_S, "fcvt.l.s") RISCV_FP_NAME(FCVT_L_D, "fcvt.l.d")
        RISCV_FP_NAME(FCVT_LU_S, "fcvt.lu.s") RISCV_FP_NAME(FCVT_LU_D, "fcvt.lu.d")
        RISCV_FP_NAME(FCVT_S_W, "fcvt.s.w") RISCV_FP_NAME(FCVT_D_W, "fcvt.d.w")
        RISCV_FP_NAME(FCVT_S_WU, "fcvt.s.wu") RISCV_FP_NAME(FCVT_D_WU, "fcvt.d.wu")
        RISCV_FP_NAME(FCVT_S_L, "fcvt.s.l") RISCV_FP_NAME(FCVT_D_L, "fcvt.d.l")
        RISCV_FP_NAME(FCVT_S_LU, "fcvt.s.lu") RISCV_FP_NAME(FCVT_D_LU, "fcvt.d.lu")
        RISCV_FP_NAME(FMV_X_W, "fmv.x.w") RISCV_FP_NAME(FMV_X_D, "fmv.x.d")
        RISCV_FP_NAME(FCLASS_S, "fclass.s") RISCV_FP_NAME(FCLASS_D, "fclass.d")
        RISCV_FP_NAME(FMV_W_X, "fmv.w.x") RISCV_FP_NAME(FMV_D_X, "fmv.d.x")
        RISCV_FP_NAME(FCVT_S_D, "fcvt.s.d") RISCV_FP_NAME(FCVT_D_S, "fcvt.d.s")
#undef RISCV_FP_NAME
    };

    if ((unsigned)op >= RISCV_OP__COUNT || !names[op]) {
        return "?";
    }
    return names[op];
}

bool riscv_op_is_branch(RiscvOp op)
{
    return op >= RISCV_OP_BEQ && op <= RISCV_OP_BGEU;
}

bool riscv_op_is_load(RiscvOp op)
{
    return op >= RISCV_OP_LB && op <= RISCV_OP_LWU;
}

bool riscv_op_is_fp(RiscvOp op)
{
    return op >= RISCV_OP_FLW && op <= RISCV_OP_FCVT_D_S;
}

bool riscv_op_is_store(RiscvOp op)
{
    return op >= RISCV_OP_SB && op <= RISCV_OP_SD;
}

unsigned riscv_op_mem_size(RiscvOp op)
{
    switch (op) {
    case RISCV_OP_LB:
    case RISCV_OP_LBU:
    case RISCV_OP_SB:
        return 1;
    case RISCV_OP_LH:
    case RISCV_OP_LHU:
    case RISCV_OP_SH:
        return 2;
    case RISCV_OP_LW:
    case RISCV_OP_LWU:
    case RISCV_OP_SW:
    case RISCV_OP_FLW:
    case RISCV_OP_FSW:
        return 4;
    case RISCV_OP_LD:
    case RISCV_OP_SD:
    case RISCV_OP_FLD:
    case RISCV_OP_FSD:
        return 8;
    default:
        if (op >= RISCV_OP_LR_W && op <= RISCV_OP_AMOMAXU_W) {
            return 4;
        }
        if (op >= RISCV_OP_LR_D && op <= RISCV_OP_AMOMAXU_D) {
            return 8;
        }
        return 0;
    }
}

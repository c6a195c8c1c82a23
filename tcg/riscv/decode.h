/*
 * RISC-V instruction decoder (RV64IMAFDC, Zicsr, Zifencei, privileged instructions).
 * Compressed instructions are expanded to the base instruction they stand for, so the
 * interpreter and the translator handle one form of each operation.
 */
#ifndef HULL_TCG_RISCV_DECODE_H
#define HULL_TCG_RISCV_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#define RISCV_OPS(X)                                                                           \
    X(LUI) X(AUIPC) X(JAL) X(JALR)                                                             \
    X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)                                                \
    X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU)                                               \
    X(SB) X(SH) X(SW) X(SD)                                                                    \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)                    \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)                      \
    X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW)                                                        \
    X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)                                                    \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                            \
    X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)                                                  \
    X(LR_W) X(SC_W) X(AMOSWAP_W) X(AMOADD_W) X(AMOXOR_W) X(AMOAND_W) X(AMOOR_W)                \
    X(AMOMIN_W) X(AMOMAX_W) X(AMOMINU_W) X(AMOMAXU_W)                                          \
    X(LR_D) X(SC_D) X(AMOSWAP_D) X(AMOADD_D) X(AMOXOR_D) X(AMOAND_D) X(AMOOR_D)                \
    X(AMOMIN_D) X(AMOMAX_D) X(AMOMINU_D) X(AMOMAXU_D)                                          \
    X(FENCE) X(FENCE_I)                                                                        \
    X(ECALL) X(EBREAK) X(MRET) X(SRET) X(WFI) X(SFENCE_VMA)                                                          \
    X(CSRRW) X(CSRRS) X(CSRRC) X(CSRRWI) X(CSRRSI) X(CSRRCI)                                   \
    X(FLW) X(FLD) X(FSW) X(FSD)                                                                \
    X(FMADD_S) X(FMADD_D) X(FMSUB_S) X(FMSUB_D) X(FNMSUB_S) X(FNMSUB_D)                        \
    X(FNMADD_S) X(FNMADD_D)                                                                    \
    X(FADD_S) X(FADD_D) X(FSUB_S) X(FSUB_D) X(FMUL_S) X(FMUL_D) X(FDIV_S) X(FDIV_D)            \
    X(FSQRT_S) X(FSQRT_D)                                                                      \
    X(FSGNJ_S) X(FSGNJ_D) X(FSGNJN_S) X(FSGNJN_D) X(FSGNJX_S) X(FSGNJX_D)                      \
    X(FMIN_S) X(FMIN_D) X(FMAX_S) X(FMAX_D)                                                    \
    X(FEQ_S) X(FEQ_D) X(FLT_S) X(FLT_D) X(FLE_S) X(FLE_D)                                      \
    X(FCVT_W_S) X(FCVT_W_D) X(FCVT_WU_S) X(FCVT_WU_D)                                          \
    X(FCVT_L_S) X(FCVT_L_D) X(FCVT_LU_S) X(FCVT_LU_D)                                          \
    X(FCVT_S_W) X(FCVT_D_W) X(FCVT_S_WU) X(FCVT_D_WU)                                          \
    X(FCVT_S_L) X(FCVT_D_L) X(FCVT_S_LU) X(FCVT_D_LU)                                          \
    X(FMV_X_W) X(FMV_X_D) X(FCLASS_S) X(FCLASS_D) X(FMV_W_X) X(FMV_D_X)                        \
    X(FCVT_S_D) X(FCVT_D_S)

typedef enum RiscvOp {
    RISCV_OP_ILLEGAL,
#define RISCV_OP_ENUM(name) RISCV_OP_##name,
    RISCV_OPS(RISCV_OP_ENUM)
#undef RISCV_OP_ENUM
    RISCV_OP__COUNT
} RiscvOp;

typedef struct RiscvInsn {
    RiscvOp op;
    uint8_t rd, rs1, rs2;
    uint8_t len;  /* 2 (compressed) or 4 bytes */
    bool aq, rl;  /* A extension ordering bits */
    int64_t imm;  /* sign-extended immediate, shift amount, or the zimm of csrr*i */
    uint16_t csr; /* CSR number of Zicsr instructions */
    uint8_t rs3;  /* F/D fused multiply-add: the addend */
    uint8_t rm;   /* F/D rounding mode field (funct3) */
    uint32_t raw; /* the instruction bits as fetched (16 bits for compressed) */
} RiscvInsn;

/* Instruction length from its first 16-bit parcel: 2 or 4 (longer encodings are not
 * supported and decode as illegal). */
static inline unsigned riscv_insn_length(uint16_t parcel)
{
    return (parcel & 3) == 3 ? 4 : 2;
}

/* Decodes one instruction (the low 16 bits when compressed). Returns false, with
 * insn->op == RISCV_OP_ILLEGAL, for a reserved or unsupported encoding. */
bool riscv_decode(uint32_t bits, RiscvInsn *insn);

/* The mnemonic of an operation, lower case ("addi", "amoswap.w"). */
const char *riscv_op_name(RiscvOp op);

/* Operation classes the translator and tests ask about. */
bool riscv_op_is_branch(RiscvOp op);
bool riscv_op_is_load(RiscvOp op);
bool riscv_op_is_store(RiscvOp op);
/* F/D: any instruction of the F or D extension (loads and stores included). */
bool riscv_op_is_fp(RiscvOp op);
/* Access size in bytes of a load, store, LR/SC, AMO or FP load/store. */
unsigned riscv_op_mem_size(RiscvOp op);

#endif

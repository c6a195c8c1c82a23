/*
 * Unit tests of the RISC-V decoder: encodings produced by riscv64-unknown-elf-as for every
 * operation and compressed form, and the reserved encodings it must refuse.
 */
#include <glib.h>

#include "tcg/riscv/decode.h"

typedef struct DecodeCase {
    uint32_t bits;
    const char *text; /* what the assembler was given */
    RiscvOp op;
    uint8_t rd, rs1, rs2;
    int64_t imm;
    uint16_t csr;
    bool aq, rl;
} DecodeCase;

#define OP(x) RISCV_OP_##x

static const DecodeCase cases[] = {
    {0x80000537, "lui a0, 0x80000", OP(LUI), 10, 0, 0, -2147483648LL},
    {0xfffff317, "auipc t1, 0xfffff", OP(AUIPC), 6, 0, 0, -4096},
    {0x7ff000ef, "jal ra, .+0xffe", OP(JAL), 1, 0, 0, 4094},
    {0x8000006f, "jal x0, .-0x100000", OP(JAL), 0, 0, 0, -1048576},
    {0x800605e7, "jalr a1, -2048(a2)", OP(JALR), 11, 12, 0, -2048},
    {0x80b50063, "beq a0, a1, .-4096", OP(BEQ), 0, 10, 11, -4096},
    {0x7e941fe3, "bne s0, s1, .+4094", OP(BNE), 0, 8, 9, 4094},
    {0x0062c863, "blt t0, t1, .+16", OP(BLT), 0, 5, 6, 16},
    {0xfe62dfe3, "bge t0, t1, .-2", OP(BGE), 0, 5, 6, -2},
    {0x0020e463, "bltu x1, x2, .+8", OP(BLTU), 0, 1, 2, 8},
    {0x01eff0e3, "bgeu x31, x30, .+2048", OP(BGEU), 0, 31, 30, 2048},
    {0xfff58503, "lb a0, -1(a1)", OP(LB), 10, 11, 0, -1},
    {0x7ff59503, "lh a0, 2047(a1)", OP(LH), 10, 11, 0, 2047},
    {0x80012503, "lw a0, -2048(sp)", OP(LW), 10, 2, 0, -2048},
    {0x008fbd83, "ld s11, 8(t6)", OP(LD), 27, 31, 0, 8},
    {0x0005c503, "lbu a0, 0(a1)", OP(LBU), 10, 11, 0, 0},
    {0x0025d503, "lhu a0, 2(a1)", OP(LHU), 10, 11, 0, 2},
    {0x0045e503, "lwu a0, 4(a1)", OP(LWU), 10, 11, 0, 4},
    {0xfea58fa3, "sb a0, -1(a1)", OP(SB), 0, 11, 10, -1},
    {0x7e531fa3, "sh t0, 2047(t1)", OP(SH), 0, 6, 5, 2047},
    {0x81f0a023, "sw x31, -2048(x1)", OP(SW), 0, 1, 31, -2048},
    {0x00f13823, "sd a5, 16(sp)", OP(SD), 0, 2, 15, 16},
    {0xfff58513, "addi a0, a1, -1", OP(ADDI), 10, 11, 0, -1},
    {0x0055a513, "slti a0, a1, 5", OP(SLTI), 10, 11, 0, 5},
    {0xffb5b513, "sltiu a0, a1, -5", OP(SLTIU), 10, 11, 0, -5},
    {0x7ff5c513, "xori a0, a1, 0x7ff", OP(XORI), 10, 11, 0, 2047},
    {0x8005e513, "ori a0, a1, -2048", OP(ORI), 10, 11, 0, -2048},
    {0x0ff5f513, "andi a0, a1, 255", OP(ANDI), 10, 11, 0, 255},
    {0x03f59513, "slli a0, a1, 63", OP(SLLI), 10, 11, 0, 63},
    {0x0215d513, "srli a0, a1, 33", OP(SRLI), 10, 11, 0, 33},
    {0x4015d513, "srai a0, a1, 1", OP(SRAI), 10, 11, 0, 1},
    {0x00c58533, "add a0, a1, a2", OP(ADD), 10, 11, 12},
    {0x40c58533, "sub a0, a1, a2", OP(SUB), 10, 11, 12},
    {0x00c59533, "sll a0, a1, a2", OP(SLL), 10, 11, 12},
    {0x00c5a533, "slt a0, a1, a2", OP(SLT), 10, 11, 12},
    {0x00c5b533, "sltu a0, a1, a2", OP(SLTU), 10, 11, 12},
    {0x00c5c533, "xor a0, a1, a2", OP(XOR), 10, 11, 12},
    {0x00c5d533, "srl a0, a1, a2", OP(SRL), 10, 11, 12},
    {0x40c5d533, "sra a0, a1, a2", OP(SRA), 10, 11, 12},
    {0x00c5e533, "or a0, a1, a2", OP(OR), 10, 11, 12},
    {0x00c5f533, "and a0, a1, a2", OP(AND), 10, 11, 12},
    {0xfff5851b, "addiw a0, a1, -1", OP(ADDIW), 10, 11, 0, -1},
    {0x01f5951b, "slliw a0, a1, 31", OP(SLLIW), 10, 11, 0, 31},
    {0x0055d51b, "srliw a0, a1, 5", OP(SRLIW), 10, 11, 0, 5},
    {0x41f5d51b, "sraiw a0, a1, 31", OP(SRAIW), 10, 11, 0, 31},
    {0x00c5853b, "addw a0, a1, a2", OP(ADDW), 10, 11, 12},
    {0x40c5853b, "subw a0, a1, a2", OP(SUBW), 10, 11, 12},
    {0x00c5953b, "sllw a0, a1, a2", OP(SLLW), 10, 11, 12},
    {0x00c5d53b, "srlw a0, a1, a2", OP(SRLW), 10, 11, 12},
    {0x40c5d53b, "sraw a0, a1, a2", OP(SRAW), 10, 11, 12},
    {0x02c58533, "mul a0, a1, a2", OP(MUL), 10, 11, 12},
    {0x02c59533, "mulh a0, a1, a2", OP(MULH), 10, 11, 12},
    {0x02c5a533, "mulhsu a0, a1, a2", OP(MULHSU), 10, 11, 12},
    {0x02c5b533, "mulhu a0, a1, a2", OP(MULHU), 10, 11, 12},
    {0x02c5c533, "div a0, a1, a2", OP(DIV), 10, 11, 12},
    {0x02c5d533, "divu a0, a1, a2", OP(DIVU), 10, 11, 12},
    {0x02c5e533, "rem a0, a1, a2", OP(REM), 10, 11, 12},
    {0x02c5f533, "remu a0, a1, a2", OP(REMU), 10, 11, 12},
    {0x02c5853b, "mulw a0, a1, a2", OP(MULW), 10, 11, 12},
    {0x02c5c53b, "divw a0, a1, a2", OP(DIVW), 10, 11, 12},
    {0x02c5d53b, "divuw a0, a1, a2", OP(DIVUW), 10, 11, 12},
    {0x02c5e53b, "remw a0, a1, a2", OP(REMW), 10, 11, 12},
    {0x02c5f53b, "remuw a0, a1, a2", OP(REMUW), 10, 11, 12},
    {0x1005a52f, "lr.w a0, (a1)", OP(LR_W), 10, 11, 0},
    {0x1cc5a52f, "sc.w.aq a0, a2, (a1)", OP(SC_W), 10, 11, 12, 0, 0, true, false},
    {0x0ac5a52f, "amoswap.w.rl a0, a2, (a1)", OP(AMOSWAP_W), 10, 11, 12, 0, 0, false, true},
    {0x00c5a52f, "amoadd.w", OP(AMOADD_W), 10, 11, 12},
    {0x20c5a52f, "amoxor.w", OP(AMOXOR_W), 10, 11, 12},
    {0x60c5a52f, "amoand.w", OP(AMOAND_W), 10, 11, 12},
    {0x40c5a52f, "amoor.w", OP(AMOOR_W), 10, 11, 12},
    {0x80c5a52f, "amomin.w", OP(AMOMIN_W), 10, 11, 12},
    {0xa0c5a52f, "amomax.w", OP(AMOMAX_W), 10, 11, 12},
    {0xc0c5a52f, "amominu.w", OP(AMOMINU_W), 10, 11, 12},
    {0xe6c5a52f, "amomaxu.w.aqrl", OP(AMOMAXU_W), 10, 11, 12, 0, 0, true, true},
    {0x1605b52f, "lr.d.aqrl a0, (a1)", OP(LR_D), 10, 11, 0, 0, 0, true, true},
    {0x18c5b52f, "sc.d", OP(SC_D), 10, 11, 12},
    {0x08c5b52f, "amoswap.d", OP(AMOSWAP_D), 10, 11, 12},
    {0x00c5b52f, "amoadd.d", OP(AMOADD_D), 10, 11, 12},
    {0x20c5b52f, "amoxor.d", OP(AMOXOR_D), 10, 11, 12},
    {0x60c5b52f, "amoand.d", OP(AMOAND_D), 10, 11, 12},
    {0x40c5b52f, "amoor.d", OP(AMOOR_D), 10, 11, 12},
    {0x80c5b52f, "amomin.d", OP(AMOMIN_D), 10, 11, 12},
    {0xa0c5b52f, "amomax.d", OP(AMOMAX_D), 10, 11, 12},
    {0xc0c5b52f, "amominu.d", OP(AMOMINU_D), 10, 11, 12},
    {0xe0c5b52f, "amomaxu.d", OP(AMOMAXU_D), 10, 11, 12},
    {0x0330000f, "fence rw, rw", OP(FENCE), 0, 0, 0, 0x033},
    {0x8330000f, "fence.tso", OP(FENCE), 0, 0, 0, 0x833},
    {0x0000100f, "fence.i", OP(FENCE_I), 0, 0, 0, 0},
    {0x00000073, "ecall", OP(ECALL)},
    {0x00100073, "ebreak", OP(EBREAK)},
    {0x30200073, "mret", OP(MRET)},
    {0x10500073, "wfi", OP(WFI)},
    {0x34059573, "csrrw a0, mscratch, a1", OP(CSRRW), 10, 11, 0, 0, 0x340},
    {0x30002573, "csrrs a0, mstatus, x0", OP(CSRRS), 10, 0, 0, 0, 0x300},
    {0x3045b573, "csrrc a0, mie, a1", OP(CSRRC), 10, 11, 0, 0, 0x304},
    {0x305fd573, "csrrwi a0, mtvec, 31", OP(CSRRWI), 10, 31, 0, 31, 0x305},
    {0xfff0e573, "csrrsi a0, 0xfff, 1", OP(CSRRSI), 10, 1, 0, 1, 0xfff},
    {0xc0007573, "csrrci a0, cycle, 0", OP(CSRRCI), 10, 0, 0, 0, 0xc00},
    /* RV64C, each expanded to its base instruction */
    {0x1fe8, "c.addi4spn a0, sp, 1020", OP(ADDI), 10, 2, 0, 1020},
    {0x5cfc, "c.lw a5, 124(s1)", OP(LW), 15, 9, 0, 124},
    {0x7fe0, "c.ld s0, 248(a5)", OP(LD), 8, 15, 0, 248},
    {0xc1c8, "c.sw a0, 4(a1)", OP(SW), 0, 11, 10, 4},
    {0xe2d0, "c.sd a2, 128(a3)", OP(SD), 0, 13, 12, 128},
    {0x0001, "c.nop", OP(ADDI), 0, 0, 0, 0},
    {0x1501, "c.addi a0, -32", OP(ADDI), 10, 10, 0, -32},
    {0x22fd, "c.addiw t0, 31", OP(ADDIW), 5, 5, 0, 31},
    {0x547d, "c.li s0, -1", OP(ADDI), 8, 0, 0, -1},
    {0x7101, "c.addi16sp sp, -512", OP(ADDI), 2, 2, 0, -512},
    {0x7301, "c.lui t1, 0xfffe0", OP(LUI), 6, 0, 0, -131072},
    {0x6305, "c.lui t1, 1", OP(LUI), 6, 0, 0, 4096},
    {0x917d, "c.srli a0, 63", OP(SRLI), 10, 10, 0, 63},
    {0x8585, "c.srai a1, 1", OP(SRAI), 11, 11, 0, 1},
    {0x9a01, "c.andi a2, -32", OP(ANDI), 12, 12, 0, -32},
    {0x8c05, "c.sub s0, s1", OP(SUB), 8, 8, 9},
    {0x8d2d, "c.xor a0, a1", OP(XOR), 10, 10, 11},
    {0x8e55, "c.or a2, a3", OP(OR), 12, 12, 13},
    {0x8f7d, "c.and a4, a5", OP(AND), 14, 14, 15},
    {0x9d1d, "c.subw a0, a5", OP(SUBW), 10, 10, 15},
    {0x9ca1, "c.addw s1, s0", OP(ADDW), 9, 9, 8},
    {0xb001, "c.j .-2048", OP(JAL), 0, 0, 0, -2048},
    {0xaffd, "c.j .+2046", OP(JAL), 0, 0, 0, 2046},
    {0xd101, "c.beqz a0, .-256", OP(BEQ), 0, 10, 0, -256},
    {0xecfd, "c.bnez s1, .+254", OP(BNE), 0, 9, 0, 254},
    {0x10fe, "c.slli ra, 63", OP(SLLI), 1, 1, 0, 63},
    {0x52fe, "c.lwsp t0, 252(sp)", OP(LW), 5, 2, 0, 252},
    {0x737e, "c.ldsp t1, 504(sp)", OP(LD), 6, 2, 0, 504},
    {0x8082, "c.jr ra", OP(JALR), 0, 1, 0, 0},
    {0x852e, "c.mv a0, a1", OP(ADD), 10, 0, 11},
    {0x9002, "c.ebreak", OP(EBREAK)},
    {0x9282, "c.jalr t0", OP(JALR), 1, 5, 0, 0},
    {0x952e, "c.add a0, a1", OP(ADD), 10, 10, 11},
    {0xdf9e, "c.swsp t2, 252(sp)", OP(SW), 0, 2, 7, 252},
    {0xfff2, "c.sdsp t3, 504(sp)", OP(SD), 0, 2, 28, 504},
};

static void test_known_encodings(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const DecodeCase *c = &cases[i];
        RiscvInsn insn;
        bool is_c = (c->bits & 3) != 3;

        g_test_message("%08x %s", c->bits, c->text);
        g_assert_true(riscv_decode(c->bits, &insn));
        g_assert_cmpstr(riscv_op_name(insn.op), ==, riscv_op_name(c->op));
        g_assert_cmpuint(insn.rd, ==, c->rd);
        g_assert_cmpuint(insn.rs1, ==, c->rs1);
        g_assert_cmpuint(insn.rs2, ==, c->rs2);
        g_assert_cmpint(insn.imm, ==, c->imm);
        g_assert_cmpuint(insn.csr, ==, c->csr);
        g_assert_cmpint(insn.aq, ==, c->aq);
        g_assert_cmpint(insn.rl, ==, c->rl);
        g_assert_cmpuint(insn.len, ==, is_c ? 2 : 4);
        g_assert_cmpuint(insn.raw, ==, c->bits);
    }
}

/* A compressed instruction in the low half ignores whatever follows it. */
static void test_compressed_ignores_upper_half(void)
{
    RiscvInsn insn;

    g_assert_true(riscv_decode(0xdead0000u | 0x852e, &insn));
    g_assert_cmpint(insn.op, ==, RISCV_OP_ADD);
    g_assert_cmpuint(insn.raw, ==, 0x852e);
    g_assert_cmpuint(riscv_insn_length(0x852e), ==, 2);
    g_assert_cmpuint(riscv_insn_length(0x0513), ==, 4);
}

static const struct {
    uint32_t bits;
    const char *why;
} illegal[] = {
    {0x0000, "all-zero parcel"},
    {0xffffffff, "48-bit and longer encodings"},
    {0x6101, "c.addi16sp with 0"},
    {0x6301, "c.lui with 0"},
    {0x2001, "c.addiw x0"},
    {0x4002, "c.lwsp x0"},
    {0x6002, "c.ldsp x0"},
    {0x8002, "c.jr x0"},
    {0x8000, "reserved quadrant-0 funct3 100"},
    {0x9c41, "reserved CA form 1-11-10"},
    {0x9c61, "reserved CA form 1-11-11"},
    {0x04059513, "slli with funct6 != 0"},
    {0x0205951b, "slliw with shamt[5] set"},
    {0x4205d51b, "sraiw with shamt[5] set"},
    {0x0005f503, "load funct3 7"},
    {0x00a5c023, "store funct3 4"},
    {0x00b52063, "branch funct3 2"},
    {0x00b53063, "branch funct3 3"},
    {0x800615e7, "jalr funct3 1"},
    {0xfe000033, "OP funct7 0x7f"},
    {0x20c58533, "OP funct7 0x10"},
    {0x40c59533, "sub-style funct7 with sll"},
    {0x02c5953b, "OP-32 M funct3 1"},
    {0x10c5a52f, "lr.w with rs2 != 0"},
    {0x28c5a52f, "AMO funct5 0x05"},
    {0x00c5852f, "AMO funct3 0"},
    {0x00c5c52f, "AMO funct3 4"},
    {0x00004073, "SYSTEM funct3 4"},
    {0x12000ff3, "sfence.vma with rd != 0"},
    {0x000000f3, "ecall with rd != 0"},
    {0x0000200f, "MISC-MEM funct3 2"},
    {0x0000000b, "custom-0"},
    {0x00000007, "LOAD-FP funct3 0"},
    {0x00004007, "LOAD-FP funct3 4 (no Q/Zfh)"},
    {0x00001027, "STORE-FP funct3 1"},
    {0x04000053, "OP-FP fmt 2 (no Q)"},
    {0x06000043, "FMADD fmt 3 (no Q)"},
    {0x58100053, "fsqrt.s with rs2 != 0"},
    {0x20003053, "fsgnj funct3 3"},
    {0x28002053, "fmin/fmax funct3 2"},
    {0x40000053, "fcvt.s.s (rs2 0 with fmt S)"},
    {0xa0003053, "fcmp funct3 3"},
    {0xc0400053, "fcvt.w.s with rs2 4"},
    {0xe0002053, "fmv.x.w funct3 2"},
    {0xf0001053, "fmv.w.x funct3 1"},
};

static void test_illegal_encodings(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(illegal); i++) {
        RiscvInsn insn;

        g_test_message("%08x %s", illegal[i].bits, illegal[i].why);
        g_assert_false(riscv_decode(illegal[i].bits, &insn));
        g_assert_cmpint(insn.op, ==, RISCV_OP_ILLEGAL);
        g_assert_cmpuint(insn.raw, ==,
                         (illegal[i].bits & 3) == 3 ? illegal[i].bits : (illegal[i].bits & 0xffff));
    }
}

/* Every 16-bit parcel: a legal one expands to a well-formed base instruction whose
 * registers are in range and whose x8..x15-only forms name only those. */
static void test_all_compressed_parcels(void)
{
    unsigned legal = 0;

    for (uint32_t h = 0; h < 0x10000; h++) {
        RiscvInsn insn;

        if ((h & 3) == 3) {
            continue;
        }
        if (!riscv_decode(h, &insn)) {
            g_assert_cmpint(insn.op, ==, RISCV_OP_ILLEGAL);
            continue;
        }
        legal++;
        g_assert_cmpuint(insn.len, ==, 2);
        g_assert_cmpint(insn.op, >, RISCV_OP_ILLEGAL);
        g_assert_cmpint(insn.op, <, RISCV_OP__COUNT);
        g_assert_cmpuint(insn.rd, <, 32);
        g_assert_cmpuint(insn.rs1, <, 32);
        g_assert_cmpuint(insn.rs2, <, 32);
        if ((h & 3) == 0) { /* quadrant 0 only names x8..x15 (and sp) */
            g_assert_true(insn.rd == 0 || (insn.rd >= 8 && insn.rd <= 15));
        }
        if (riscv_op_is_load(insn.op) || riscv_op_is_store(insn.op)) {
            g_assert_cmpint(insn.imm % riscv_op_mem_size(insn.op), ==, 0);
            g_assert_cmpint(insn.imm, >=, 0);
        }
        if (insn.op == RISCV_OP_JAL || riscv_op_is_branch(insn.op)) {
            g_assert_cmpint(insn.imm % 2, ==, 0);
        }
    }
    /*
     * 24 funct3 slots of 2048 parcels. Legal: quadrant 0: c.addi4spn 2040 (not nzuimm 0),
     * c.lw/c.ld/c.sw/c.sd 4 x 2048; quadrant 1: c.addi 2048, c.addiw 1984 (not rd 0),
     * c.li 2048, c.lui/c.addi16sp 2016 (not imm 0), misc-ALU 1920 (not the two reserved
     * CA forms), c.j/c.beqz/c.bnez 3 x 2048; quadrant 2: c.slli 2048, c.lwsp/c.ldsp
     * 2 x 1984 (not rd 0), c.jr/c.mv/c.ebreak/c.jalr/c.add 2047 (not c.jr x0),
     * c.swsp/c.sdsp 2 x 2048. D: c.fld/c.fsd/c.fldsp/c.fsdsp 4 x 2048.
     */
    g_assert_cmpuint(legal, ==, 10232 + 16160 + 12159 + 4 * 2048);
}

static void test_op_names_unique(void)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (int op = RISCV_OP_ILLEGAL; op < RISCV_OP__COUNT; op++) {
        const char *name = riscv_op_name(op);

        g_assert_cmpstr(name, !=, "?");
        g_assert_false(g_hash_table_contains(seen, name));
        g_hash_table_add(seen, (gpointer)name);
    }
    g_hash_table_destroy(seen);
    g_assert_cmpstr(riscv_op_name(RISCV_OP__COUNT), ==, "?");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/decode/known-encodings", test_known_encodings);
    g_test_add_func("/riscv/decode/compressed-upper-half", test_compressed_ignores_upper_half);
    g_test_add_func("/riscv/decode/illegal", test_illegal_encodings);
    g_test_add_func("/riscv/decode/all-compressed", test_all_compressed_parcels);
    g_test_add_func("/riscv/decode/op-names", test_op_names_unique);
    return g_test_run();
}

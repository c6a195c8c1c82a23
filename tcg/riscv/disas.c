/*
 * A listing of guest RISC-V instructions for the translation log: address, encoding and
 * the decoded operation with its operands (compressed instructions shown as the base
 * instruction they expand to). Instructions are fetched as the hart would fetch them.
 */
#include <glib.h>
#include <inttypes.h>

#include "tcg/riscv/cpu.h"
#include "tcg/riscv/decode.h"
#include "tcg/riscv/translate.h"

static void append_insn(GString *out, const RiscvInsn *in)
{
    const char *name = riscv_op_name(in->op);

    if (in->op == RISCV_OP_ILLEGAL) {
        g_string_append(out, "(illegal)");
    } else if (riscv_op_is_branch(in->op)) {
        g_string_append_printf(out, "%s x%u, x%u, %+" PRId64, name, in->rs1, in->rs2, in->imm);
    } else if (riscv_op_is_load(in->op)) {
        g_string_append_printf(out, "%s x%u, %" PRId64 "(x%u)", name, in->rd, in->imm, in->rs1);
    } else if (riscv_op_is_store(in->op)) {
        g_string_append_printf(out, "%s x%u, %" PRId64 "(x%u)", name, in->rs2, in->imm, in->rs1);
    } else if (in->op >= RISCV_OP_CSRRW && in->op <= RISCV_OP_CSRRCI) {
        g_string_append_printf(out, "%s x%u, 0x%x, %s%" PRId64, name, in->rd, in->csr,
                               in->op >= RISCV_OP_CSRRWI ? "" : "x",
                               in->op >= RISCV_OP_CSRRWI ? in->imm : (int64_t)in->rs1);
    } else if (in->op == RISCV_OP_FLW || in->op == RISCV_OP_FLD) {
        g_string_append_printf(out, "%s f%u, %" PRId64 "(x%u)", name, in->rd, in->imm, in->rs1);
    } else if (in->op == RISCV_OP_FSW || in->op == RISCV_OP_FSD) {
        g_string_append_printf(out, "%s f%u, %" PRId64 "(x%u)", name, in->rs2, in->imm, in->rs1);
    } else if (riscv_op_is_fp(in->op)) {
        /* Operands by number: which are x or f registers depends on the operation. */
        g_string_append_printf(out, "%s rd %u, rs1 %u, rs2 %u, rs3 %u, rm %u", name, in->rd,
                               in->rs1, in->rs2, in->rs3, in->rm);
    } else {
        g_string_append_printf(out, "%s x%u, x%u, x%u, imm %" PRId64, name, in->rd, in->rs1,
                               in->rs2, in->imm);
    }
}

char *riscv_tcg_disas_guest(void *env, uint64_t pc, uint32_t size)
{
    RiscvCPU *cpu = env;
    GString *out = g_string_new(NULL);
    uint64_t end = pc + size;

    while (pc < end) {
        RiscvTrap trap;
        uint16_t lo, hi = 0;
        uint32_t bits;
        RiscvInsn in;

        if (!riscv_mem_fetch16(cpu, pc, &lo, &trap)) {
            g_string_append_printf(out, "  0x%016" PRIx64 ":  (not fetchable)\n", pc);
            break;
        }
        bits = lo;
        if (riscv_insn_length(lo) == 4) {
            if (!riscv_mem_fetch16(cpu, pc + 2, &hi, &trap)) {
                g_string_append_printf(out, "  0x%016" PRIx64 ":  (not fetchable)\n", pc);
                break;
            }
            bits |= (uint32_t)hi << 16;
        }
        riscv_decode(bits, &in);
        if (riscv_insn_length(lo) == 4) {
            g_string_append_printf(out, "  0x%016" PRIx64 ":  %08x  ", pc, bits);
        } else {
            g_string_append_printf(out, "  0x%016" PRIx64 ":  %04x      ", pc, bits);
        }
        append_insn(out, &in);
        g_string_append_c(out, '\n');
        pc += riscv_insn_length(lo);
    }
    return g_string_free(out, false);
}

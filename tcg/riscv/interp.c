/*
 * Reference interpreter: one switch over the decoded operation, written to be obviously
 * right rather than fast. Differential tests hold the JIT to its results.
 */
#include "tcg/riscv/interp.h"

#include "tcg/riscv/fpu.h"

static inline int64_t sext32(uint64_t v)
{
    return (int64_t)(int32_t)(uint32_t)v;
}

static inline void set_rd(CPURISCVState *env, unsigned rd, uint64_t v)
{
    if (rd != 0) {
        env->x[rd] = v;
    }
}

static uint64_t alu_div(RiscvOp op, uint64_t a, uint64_t b)
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    int32_t wa = (int32_t)a, wb = (int32_t)b;
    uint32_t ua = (uint32_t)a, ub = (uint32_t)b;

    switch (op) {
    case RISCV_OP_DIV:
        if (sb == 0) {
            return UINT64_MAX;
        }
        if (sa == INT64_MIN && sb == -1) {
            return a;
        }
        return (uint64_t)(sa / sb);
    case RISCV_OP_DIVU:
        return b == 0 ? UINT64_MAX : a / b;
    case RISCV_OP_REM:
        if (sb == 0) {
            return a;
        }
        if (sa == INT64_MIN && sb == -1) {
            return 0;
        }
        return (uint64_t)(sa % sb);
    case RISCV_OP_REMU:
        return b == 0 ? a : a % b;
    case RISCV_OP_DIVW:
        if (wb == 0) {
            return UINT64_MAX;
        }
        if (wa == INT32_MIN && wb == -1) {
            return (uint64_t)(int64_t)wa;
        }
        return (uint64_t)(int64_t)(wa / wb);
    case RISCV_OP_DIVUW:
        return ub == 0 ? UINT64_MAX : (uint64_t)sext32(ua / ub);
    case RISCV_OP_REMW:
        if (wb == 0) {
            return (uint64_t)(int64_t)wa;
        }
        if (wa == INT32_MIN && wb == -1) {
            return 0;
        }
        return (uint64_t)(int64_t)(wa % wb);
    default: /* REMUW */
        return ub == 0 ? (uint64_t)sext32(ua) : (uint64_t)sext32(ua % ub);
    }
}

/* Register-register and register-immediate arithmetic: b is rs2 or the immediate. */
static bool alu(RiscvOp op, uint64_t a, uint64_t b, uint64_t *out)
{
    switch (op) {
    case RISCV_OP_ADD:
    case RISCV_OP_ADDI:
        *out = a + b;
        return true;
    case RISCV_OP_SUB:
        *out = a - b;
        return true;
    case RISCV_OP_SLL:
    case RISCV_OP_SLLI:
        *out = a << (b & 63);
        return true;
    case RISCV_OP_SLT:
    case RISCV_OP_SLTI:
        *out = (int64_t)a < (int64_t)b;
        return true;
    case RISCV_OP_SLTU:
    case RISCV_OP_SLTIU:
        *out = a < b;
        return true;
    case RISCV_OP_XOR:
    case RISCV_OP_XORI:
        *out = a ^ b;
        return true;
    case RISCV_OP_SRL:
    case RISCV_OP_SRLI:
        *out = a >> (b & 63);
        return true;
    case RISCV_OP_SRA:
    case RISCV_OP_SRAI:
        *out = (uint64_t)((int64_t)a >> (b & 63));
        return true;
    case RISCV_OP_OR:
    case RISCV_OP_ORI:
        *out = a | b;
        return true;
    case RISCV_OP_AND:
    case RISCV_OP_ANDI:
        *out = a & b;
        return true;
    case RISCV_OP_ADDW:
    case RISCV_OP_ADDIW:
        *out = sext32(a + b);
        return true;
    case RISCV_OP_SUBW:
        *out = sext32(a - b);
        return true;
    case RISCV_OP_SLLW:
    case RISCV_OP_SLLIW:
        *out = sext32((uint32_t)a << (b & 31));
        return true;
    case RISCV_OP_SRLW:
    case RISCV_OP_SRLIW:
        *out = sext32((uint32_t)a >> (b & 31));
        return true;
    case RISCV_OP_SRAW:
    case RISCV_OP_SRAIW:
        *out = (uint64_t)(int64_t)((int32_t)a >> (b & 31));
        return true;
    case RISCV_OP_MUL:
        *out = a * b;
        return true;
    case RISCV_OP_MULH:
        *out = (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64);
        return true;
    case RISCV_OP_MULHSU:
        *out = (uint64_t)(((__int128)(int64_t)a * (__int128)(unsigned __int128)b) >> 64);
        return true;
    case RISCV_OP_MULHU:
        *out = (uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64);
        return true;
    case RISCV_OP_MULW:
        *out = sext32(a * b);
        return true;
    case RISCV_OP_DIV:
    case RISCV_OP_DIVU:
    case RISCV_OP_REM:
    case RISCV_OP_REMU:
    case RISCV_OP_DIVW:
    case RISCV_OP_DIVUW:
    case RISCV_OP_REMW:
    case RISCV_OP_REMUW:
        *out = alu_div(op, a, b);
        return true;
    default:
        return false;
    }
}

/* The register-immediate forms: alu() takes the immediate in place of rs2. */
static bool op_has_imm(RiscvOp op)
{
    switch (op) {
    case RISCV_OP_ADDI:
    case RISCV_OP_SLTI:
    case RISCV_OP_SLTIU:
    case RISCV_OP_XORI:
    case RISCV_OP_ORI:
    case RISCV_OP_ANDI:
    case RISCV_OP_SLLI:
    case RISCV_OP_SRLI:
    case RISCV_OP_SRAI:
    case RISCV_OP_ADDIW:
    case RISCV_OP_SLLIW:
    case RISCV_OP_SRLIW:
    case RISCV_OP_SRAIW:
        return true;
    default:
        return false;
    }
}

static bool branch_taken(RiscvOp op, uint64_t a, uint64_t b)
{
    switch (op) {
    case RISCV_OP_BEQ:
        return a == b;
    case RISCV_OP_BNE:
        return a != b;
    case RISCV_OP_BLT:
        return (int64_t)a < (int64_t)b;
    case RISCV_OP_BGE:
        return (int64_t)a >= (int64_t)b;
    case RISCV_OP_BLTU:
        return a < b;
    default:
        return a >= b;
    }
}

static RiscvAmoOp amo_op(RiscvOp op)
{
    static const RiscvAmoOp ops[] = {RISCV_AMO_SWAP, RISCV_AMO_ADD,  RISCV_AMO_XOR,
                                     RISCV_AMO_AND,  RISCV_AMO_OR,   RISCV_AMO_MIN,
                                     RISCV_AMO_MAX,  RISCV_AMO_MINU, RISCV_AMO_MAXU};
    unsigned idx = op >= RISCV_OP_LR_D ? op - RISCV_OP_AMOSWAP_D : op - RISCV_OP_AMOSWAP_W;

    return ops[idx];
}

bool riscv_sret_allowed(const CPURISCVState *env)
{
    return env->priv == RISCV_PRIV_M ||
           (env->priv == RISCV_PRIV_S && !(env->mstatus & RISCV_MSTATUS_TSR));
}

bool riscv_wfi_allowed(const CPURISCVState *env)
{
    /* Below M, wfi would wait unboundedly: illegal in U, and in S when TW is set. */
    return env->priv == RISCV_PRIV_M ||
           (env->priv == RISCV_PRIV_S && !(env->mstatus & RISCV_MSTATUS_TW));
}

bool riscv_sfence_vma_allowed(const CPURISCVState *env)
{
    return env->priv == RISCV_PRIV_M ||
           (env->priv == RISCV_PRIV_S && !(env->mstatus & RISCV_MSTATUS_TVM));
}

static RiscvExecResult exec_trap(RiscvTrap *trap, uint64_t cause, uint64_t tval)
{
    trap->cause = cause;
    trap->tval = tval;
    return RISCV_EXEC_TRAP;
}

static RiscvExecResult exec_csr(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    bool imm = insn->op >= RISCV_OP_CSRRWI;
    uint64_t src = imm ? (uint64_t)insn->imm : env->x[insn->rs1];
    RiscvCsrOp op;
    bool write;
    uint64_t old;

    switch (insn->op) {
    case RISCV_OP_CSRRW:
    case RISCV_OP_CSRRWI:
        op = RISCV_CSR_OP_WRITE;
        write = true;
        break;
    case RISCV_OP_CSRRS:
    case RISCV_OP_CSRRSI:
        op = RISCV_CSR_OP_SET;
        write = insn->rs1 != 0; /* rs1 = x0 or zimm = 0: a pure read */
        break;
    default:
        op = RISCV_CSR_OP_CLEAR;
        write = insn->rs1 != 0;
        break;
    }
    if (!riscv_csr_access(cpu, insn->csr, op, src, write, &old)) {
        return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
    }
    set_rd(env, insn->rd, old);
    env->pc += insn->len;
    return RISCV_EXEC_OK;
}

static RiscvExecResult exec_load(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    unsigned size = riscv_op_mem_size(insn->op);
    uint64_t addr = env->x[insn->rs1] + (uint64_t)insn->imm;
    uint64_t v;

    if (!riscv_mem_load(cpu, addr, size, &v, trap)) {
        return RISCV_EXEC_TRAP;
    }
    switch (insn->op) {
    case RISCV_OP_LB:
        v = (uint64_t)(int64_t)(int8_t)v;
        break;
    case RISCV_OP_LH:
        v = (uint64_t)(int64_t)(int16_t)v;
        break;
    case RISCV_OP_LW:
        v = (uint64_t)sext32(v);
        break;
    default:
        break;
    }
    set_rd(env, insn->rd, v);
    env->pc += insn->len;
    return RISCV_EXEC_OK;
}

bool riscv_exec_atomic(RiscvCPU *cpu, RiscvOp op, uint64_t addr, uint64_t src, uint64_t *rd,
                       RiscvTrap *trap)
{
    unsigned size = riscv_op_mem_size(op);

    if (op == RISCV_OP_LR_W || op == RISCV_OP_LR_D) {
        return riscv_mem_lr(cpu, addr, size, rd, trap);
    }
    if (op == RISCV_OP_SC_W || op == RISCV_OP_SC_D) {
        return riscv_mem_sc(cpu, addr, size, src, rd, trap);
    }
    return riscv_mem_amo(cpu, amo_op(op), addr, size, src, rd, trap);
}

static RiscvExecResult exec_atomic(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    uint64_t v;

    if (!riscv_exec_atomic(cpu, insn->op, env->x[insn->rs1], env->x[insn->rs2], &v, trap)) {
        return RISCV_EXEC_TRAP;
    }
    set_rd(env, insn->rd, v);
    env->pc += insn->len;
    return RISCV_EXEC_OK;
}

static RiscvExecResult exec_fp(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    uint64_t addr = env->x[insn->rs1] + (uint64_t)insn->imm;
    unsigned size = riscv_op_mem_size(insn->op);
    uint64_t v;

    if (!(env->mstatus & RISCV_MSTATUS_FS)) {
        return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
    }
    switch (insn->op) {
    case RISCV_OP_FLW:
    case RISCV_OP_FLD:
        if (!riscv_mem_load(cpu, addr, size, &v, trap)) {
            return RISCV_EXEC_TRAP;
        }
        env->f[insn->rd] = size == 4 ? riscv_fp_box_s((uint32_t)v) : v;
        riscv_fp_set_dirty(env);
        break;
    case RISCV_OP_FSW:
    case RISCV_OP_FSD:
        if (!riscv_mem_store(cpu, addr, size, env->f[insn->rs2], trap)) {
            return RISCV_EXEC_TRAP;
        }
        break;
    default:
        if (!riscv_fp_exec(env, insn->op, insn->rd, insn->rs1, insn->rs2, insn->rs3, insn->rm,
                           NULL)) {
            return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        }
        break;
    }
    env->pc += insn->len;
    return RISCV_EXEC_OK;
}

RiscvExecResult riscv_interp_exec(RiscvCPU *cpu, const RiscvInsn *insn, RiscvTrap *trap)
{
    CPURISCVState *env = &cpu->env;
    uint64_t a = env->x[insn->rs1], b = env->x[insn->rs2];
    uint64_t next = env->pc + insn->len;
    uint64_t v;

    if (alu(insn->op, a, op_has_imm(insn->op) ? (uint64_t)insn->imm : b, &v)) {
        set_rd(env, insn->rd, v);
        env->pc = next;
        return RISCV_EXEC_OK;
    }
    switch (insn->op) {
    case RISCV_OP_LUI:
        set_rd(env, insn->rd, (uint64_t)insn->imm);
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_AUIPC:
        set_rd(env, insn->rd, env->pc + (uint64_t)insn->imm);
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_JAL:
        set_rd(env, insn->rd, next);
        env->pc += (uint64_t)insn->imm;
        return RISCV_EXEC_OK;
    case RISCV_OP_JALR: {
        /* With C, targets only need 2-byte alignment, which clearing bit 0 gives. */
        uint64_t target = (a + (uint64_t)insn->imm) & ~UINT64_C(1);
        set_rd(env, insn->rd, next);
        env->pc = target;
        return RISCV_EXEC_OK;
    }
    case RISCV_OP_BEQ:
    case RISCV_OP_BNE:
    case RISCV_OP_BLT:
    case RISCV_OP_BGE:
    case RISCV_OP_BLTU:
    case RISCV_OP_BGEU:
        env->pc = branch_taken(insn->op, a, b) ? env->pc + (uint64_t)insn->imm : next;
        return RISCV_EXEC_OK;
    case RISCV_OP_LB:
    case RISCV_OP_LH:
    case RISCV_OP_LW:
    case RISCV_OP_LD:
    case RISCV_OP_LBU:
    case RISCV_OP_LHU:
    case RISCV_OP_LWU:
        return exec_load(cpu, insn, trap);
    case RISCV_OP_SB:
    case RISCV_OP_SH:
    case RISCV_OP_SW:
    case RISCV_OP_SD:
        if (!riscv_mem_store(cpu, a + (uint64_t)insn->imm, riscv_op_mem_size(insn->op), b,
                             trap)) {
            return RISCV_EXEC_TRAP;
        }
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_FENCE:
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_FENCE_I: /* the interpreter caches no instructions */
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_ECALL:
        return exec_trap(trap, RISCV_EXCP_ECALL_U + env->priv, 0);
    case RISCV_OP_EBREAK:
        return exec_trap(trap, RISCV_EXCP_BREAKPOINT, env->pc);
    case RISCV_OP_MRET:
        if (env->priv != RISCV_PRIV_M) {
            return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        }
        riscv_cpu_do_mret(env);
        return RISCV_EXEC_OK;
    case RISCV_OP_SRET:
        if (!riscv_sret_allowed(env)) {
            return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        }
        riscv_cpu_do_sret(env);
        return RISCV_EXEC_OK;
    case RISCV_OP_WFI:
        if (!riscv_wfi_allowed(env)) {
            return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        }
        env->pc = next;
        return riscv_cpu_wfi_wakeup(env) ? RISCV_EXEC_OK : RISCV_EXEC_WFI;
    case RISCV_OP_SFENCE_VMA: /* the interpreter caches no translations */
        if (!riscv_sfence_vma_allowed(env)) {
            return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        }
        env->pc = next;
        return RISCV_EXEC_OK;
    case RISCV_OP_CSRRW:
    case RISCV_OP_CSRRS:
    case RISCV_OP_CSRRC:
    case RISCV_OP_CSRRWI:
    case RISCV_OP_CSRRSI:
    case RISCV_OP_CSRRCI:
        return exec_csr(cpu, insn, trap);
    default:
        if (insn->op >= RISCV_OP_LR_W && insn->op <= RISCV_OP_AMOMAXU_D) {
            return exec_atomic(cpu, insn, trap);
        }
        if (riscv_op_is_fp(insn->op)) {
            return exec_fp(cpu, insn, trap);
        }
        return exec_trap(trap, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
    }
}

RiscvExitReason riscv_interp_run(RiscvCPU *cpu, uint64_t max_insns, uint64_t *steps)
{
    CPURISCVState *env = &cpu->env;
    RiscvExitReason reason = RISCV_EXIT_BUDGET;
    uint64_t n;

    for (n = 0; n < max_insns; n++) {
        RiscvTrap trap;
        RiscvInsn insn;
        uint32_t bits;
        int irq;

        if (__atomic_exchange_n(&cpu->exit_request, 0, __ATOMIC_SEQ_CST)) {
            reason = RISCV_EXIT_KICKED;
            break;
        }
        irq = riscv_cpu_pending_irq(env);
        if (irq >= 0) {
            riscv_cpu_do_trap(env, (RiscvTrap){RISCV_CAUSE_INTERRUPT | (uint64_t)irq, 0});
            continue;
        }
        if (!riscv_cpu_fetch(cpu, &bits, &trap)) {
            riscv_cpu_do_trap(env, trap);
            continue;
        }
        if (!riscv_decode(bits, &insn)) {
            riscv_cpu_do_trap(env, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, insn.raw});
            continue;
        }
        switch (riscv_interp_exec(cpu, &insn, &trap)) {
        case RISCV_EXEC_TRAP:
            riscv_cpu_do_trap(env, trap);
            continue;
        case RISCV_EXEC_WFI:
            env->minstret++;
            if (steps) {
                *steps = n + 1;
            }
            return RISCV_EXIT_WFI;
        default:
            env->minstret++;
            break;
        }
    }
    if (steps) {
        *steps = n;
    }
    return reason;
}

/*
 * RISC-V to IR translation and the JIT front-end callbacks: one block per call, ending at
 * control transfers, state-changing system instructions, page ends or the size limit.
 * Traps, CSRs, atomics and wfi go through helpers that share the interpreter's code.
 */
#include "tcg/riscv/translate.h"

#include "tcg/riscv/decode.h"
#include "tcg/riscv/fpu.h"
#include "tcg/riscv/interp.h"
#include "tcg/tcg-op.h"
#include "util/error.h"

/*
 * TB flags: everything translation depends on. The privilege level (bits 0-1), the
 * privilege of loads and stores, which is also their MMU index (bits 2-3: differs under
 * mstatus.MPRV), the FS state (bits 4-5), and TCG_TB_FLAG_PHYS when fetches are not translated (M mode, or
 * satp.MODE = Bare), which lets blocks chain across pages.
 */
#define RISCV_MMU_IDX(priv) ((unsigned)(priv))

/* Address ranges one block may stitch together by following direct jumps. */
#define RISCV_TB_MAX_RUNS 8
/* Forward conditional branches a block may continue past (each has an exit of its own). */
#define RISCV_TB_MAX_SIDE_EXITS 8
/* A loop back to the block's start this short (in instructions) is unrolled once. */
#define RISCV_TB_UNROLL_MAX 64

struct RiscvTcg {
    TCGFrontend fe;
    TCGJit *jit;
    RiscvCPU **harts;
    unsigned nr_harts, max_harts;
};

typedef struct RiscvTcgGlobals {
    TCGv x[32]; /* x[0] is never used: reads are the constant 0 */
    TCGv pc;
    TCGv minstret;
} RiscvTcgGlobals;

typedef struct DisasContext {
    TCGContext *s;
    RiscvCPU *cpu;
    const RiscvTcgGlobals *g;
    RiscvPriv priv;
    unsigned mmu_idx; /* loads and stores: the data privilege */
    bool paged;       /* fetches go through page tables: no block spans pages */
    uint32_t flags;
    uint64_t pc;      /* the instruction being translated */
    uint64_t next_pc; /* the one after it */
    /* Retired instructions of this block not yet added to minstret (mcycle follows it). Counters are
     * brought up to date before helpers and at exits; a fault in between restores them
     * from the insn_start word. */
    unsigned unsynced;
    bool ended; /* the block's exits are emitted */
    /*
     * Block extension: a direct jump to code in the block's page that this block has not
     * translated yet continues the block there. `runs` are the contiguous address ranges
     * translated so far, the last one growing; `link` holds the x registers whose value
     * a jump in this block set to a known return address (bit r of link_valid), so that
     * a return to it is a direct jump too.
     */
    uint64_t block_pc;
    struct {
        uint64_t lo, hi;
    } runs[RISCV_TB_MAX_RUNS];
    unsigned nb_runs;
    uint32_t link_valid;
    uint64_t link[32];
    /* Side exits: the taken paths of branches the block continued past. The first one
     * gets goto_tb slot 1, later ones look the next block up. */
    unsigned nb_side_exits;
    bool unrolled; /* the loop body was translated a second time */
    unsigned nb_insns; /* translated so far */
    /* An F/D instruction was translated: with FS Initial or Clean it may have made FS
     * Dirty, so the flags at the block's end may differ from its own. */
    bool fp_seen;
} DisasContext;

static inline RiscvCPU *riscv_cpu_of(void *env)
{
    return env;
}

/* ---- helpers called from generated code ---- */

/* Enters the trap and unwinds to the execution loop, which resumes at mtvec. */
static G_NORETURN void riscv_tcg_raise(RiscvCPU *cpu, RiscvTrap trap, uintptr_t retaddr)
{
    if (retaddr) {
        tcg_cpu_restore_state(&cpu->tcg, retaddr);
    }
    riscv_cpu_do_trap(&cpu->env, trap);
    tcg_cpu_loop_exit(&cpu->tcg);
}

/* After anything that may enable a pending interrupt (CSR writes, mret). */
static void riscv_tcg_check_irq(RiscvCPU *cpu)
{
    if (riscv_cpu_pending_irq(&cpu->env) >= 0) {
        tcg_cpu_interrupt(&cpu->tcg);
    }
}

/*
 * After a CSR write: a new satp, or mstatus.SUM/MXR, changes what the TLB's entries allow;
 * new PMP rules also drop every translated block (from the loop, which exec_interrupt
 * reaches through the interrupt request).
 */
static void riscv_tcg_after_csr_write(RiscvCPU *cpu, uint64_t old_satp, uint64_t old_mstatus)
{
    uint64_t tlb_bits = RISCV_MSTATUS_SUM | RISCV_MSTATUS_MXR;

    if (cpu->env.satp != old_satp || ((cpu->env.mstatus ^ old_mstatus) & tlb_bits) ||
        cpu->tb_flush_pending) {
        tcg_tlb_flush(&cpu->tcg);
    }
    if (cpu->tb_flush_pending) {
        tcg_cpu_interrupt(&cpu->tcg);
    }
    riscv_tcg_check_irq(cpu);
}

/* A guest store reached physical memory at vaddr: drop the translations it overwrote. */
static void riscv_tcg_note_store(RiscvCPU *cpu, uint64_t vaddr, unsigned size)
{
    uint64_t first, last;

    if (!riscv_mem_data_paddr(cpu, vaddr, RISCV_ACCESS_WRITE, &first) ||
        !riscv_mem_data_paddr(cpu, vaddr + size - 1, RISCV_ACCESS_WRITE, &last)) {
        return;
    }
    /* The two pages of an access that crosses one need not be contiguous. */
    if (tcg_tb_page_has_code(cpu->tcg.jit, first)) {
        uint64_t page_end = (first & TCG_PAGE_MASK) + TCG_PAGE_SIZE;

        tcg_tb_invalidate_phys_range(cpu->tcg.jit, first, MIN(first + size, page_end));
    }
    if ((last & TCG_PAGE_MASK) != (first & TCG_PAGE_MASK) &&
        tcg_tb_page_has_code(cpu->tcg.jit, last)) {
        tcg_tb_invalidate_phys_range(cpu->tcg.jit, last & TCG_PAGE_MASK, last + 1);
    }
}

static void helper_raise(void *env, uint64_t cause, uint64_t tval)
{
    riscv_tcg_raise(riscv_cpu_of(env), (RiscvTrap){cause, tval}, 0);
}

/* op_write: RiscvCsrOp in bits 0-1, bit 2 set when the instruction writes. */
static uint64_t helper_csr(void *env, uint64_t csrno, uint64_t src, uint64_t op_write,
                           uint64_t raw)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    bool write = op_write & 4;
    uint64_t satp = cpu->env.satp, mstatus = cpu->env.mstatus;
    uint64_t old;

    if (!riscv_csr_access(cpu, (unsigned)csrno, (RiscvCsrOp)(op_write & 3), src, write, &old)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, 0);
    }
    if (write) {
        riscv_tcg_after_csr_write(cpu, satp, mstatus);
    }
    return old;
}

static uint64_t helper_atomic(void *env, uint64_t op, uint64_t addr, uint64_t src)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    RiscvTrap trap;
    uint64_t rd;

    if (!riscv_exec_atomic(cpu, (RiscvOp)op, addr, src, &rd, &trap)) {
        riscv_tcg_raise(cpu, trap, 0);
    }
    /* Atomics write RAM directly, bypassing the TLB's watch on code pages. */
    if (op != RISCV_OP_LR_W && op != RISCV_OP_LR_D) {
        riscv_tcg_note_store(cpu, addr, riscv_op_mem_size(op));
    }
    return rd;
}

static void helper_mret(void *env, uint64_t raw)
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    if (cpu->env.priv != RISCV_PRIV_M) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, 0);
    }
    riscv_cpu_do_mret(&cpu->env);
    riscv_tcg_check_irq(cpu);
}

static void helper_sret(void *env, uint64_t raw)
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    if (!riscv_sret_allowed(&cpu->env)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, 0);
    }
    riscv_cpu_do_sret(&cpu->env);
    riscv_tcg_check_irq(cpu);
}

static void helper_sfence_vma(void *env, uint64_t vaddr, uint64_t all, uint64_t raw)
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    if (!riscv_sfence_vma_allowed(&cpu->env)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, 0);
    }
    /* The TLB holds 4 KiB entries (superpages too), keyed by virtual page, untagged by
     * ASID: flushing the page of vaddr, or everything, covers every ASID. */
    if (all) {
        tcg_tlb_flush(&cpu->tcg);
    } else {
        tcg_tlb_flush_page(&cpu->tcg, vaddr);
    }
}

static void helper_wfi(void *env, uint64_t raw)
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    if (!riscv_wfi_allowed(&cpu->env)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, 0);
    }
    /* The loop then calls exec_interrupt, which reports the hart halted. */
    if (!riscv_cpu_wfi_wakeup(&cpu->env)) {
        cpu->halted = true;
        tcg_cpu_interrupt(&cpu->tcg);
    }
}

/*
 * A 32-bit instruction straddling two pages while fetches are translated: executed by the
 * interpreter, fetching through the current mapping every time, so the block holding it
 * depends on its first page only and no stale second page can ever run.
 */
static void helper_exec_one(void *env)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    uint64_t satp = cpu->env.satp, mstatus = cpu->env.mstatus;
    RiscvTrap trap;
    RiscvInsn insn;
    uint32_t bits;

    if (!riscv_cpu_fetch(cpu, &bits, &trap)) {
        riscv_tcg_raise(cpu, trap, 0);
    }
    if (!riscv_decode(bits, &insn)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, insn.raw}, 0);
    }
    {
        uint64_t addr = cpu->env.x[insn.rs1] + (uint64_t)insn.imm;
        RiscvExecResult r = riscv_interp_exec(cpu, &insn, &trap);

        if (r == RISCV_EXEC_TRAP) {
            riscv_tcg_raise(cpu, trap, 0);
        }
        cpu->env.minstret++;
        if (riscv_op_is_store(insn.op) || insn.op == RISCV_OP_FSW || insn.op == RISCV_OP_FSD) {
            riscv_tcg_note_store(cpu, addr, riscv_op_mem_size(insn.op));
        } else if (insn.op >= RISCV_OP_SC_W && insn.op <= RISCV_OP_AMOMAXU_D &&
                   insn.op != RISCV_OP_LR_D) {
            riscv_tcg_note_store(cpu, cpu->env.x[insn.rs1], riscv_op_mem_size(insn.op));
        } else if (insn.op == RISCV_OP_SFENCE_VMA) {
            tcg_tlb_flush(&cpu->tcg);
        }
        if (r == RISCV_EXEC_WFI) {
            cpu->halted = true;
            tcg_cpu_interrupt(&cpu->tcg);
        }
    }
    riscv_tcg_after_csr_write(cpu, satp, mstatus);
}

/*
 * An F/D instruction other than a load or store, for the helpers: `word` holds the raw
 * instruction in bits 0-31 (these are never compressed, so the register and rounding
 * fields are where the base encoding has them), bit 32 when the caller takes an integer
 * result itself, and the RiscvOp in bits 40-47.
 */
static uint64_t fp_word(const RiscvInsn *insn, bool x_to_caller)
{
    return insn->raw | (x_to_caller ? UINT64_C(1) << 32 : 0) | (uint64_t)insn->op << 40;
}

/* Runs the instruction of `word` (raising illegal instruction for a reserved rounding
 * mode, restoring state from retaddr when not 0); returns rd. */
static unsigned fp_exec_word(RiscvCPU *cpu, uint64_t word, uint64_t *x_out, uintptr_t retaddr)
{
    uint32_t raw = (uint32_t)word;
    unsigned rd = (raw >> 7) & 31;

    if (!riscv_fp_exec(&cpu->env, (RiscvOp)((word >> 40) & 0xff), rd, (raw >> 15) & 31,
                       (raw >> 20) & 31, raw >> 27, (raw >> 12) & 7, x_out)) {
        riscv_tcg_raise(cpu, (RiscvTrap){RISCV_EXCP_ILLEGAL_INSN, raw}, retaddr);
    }
    return rd;
}

/* The F/D instructions with no fast path: the whole instruction, x registers included. */
static void helper_fp(void *env, uint64_t word)
{
    fp_exec_word(riscv_cpu_of(env), word, NULL, 0);
}

/* The fallback of an F/D instruction done inline (fpop): computes it exactly (flags, FS,
 * reserved rounding modes) and returns what the generated code continues with: the new
 * f[rd], or the integer result (x[rd] is the generated code's to write). */
static uint64_t helper_fp_fallback(void *env, uint64_t word, uintptr_t retaddr)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    uint64_t x = 0;
    unsigned rd = fp_exec_word(cpu, word, &x, retaddr);

    return (word >> 32) & 1 ? x : cpu->env.f[rd];
}

static void helper_fence(void *env)
{
    /* x86 orders everything but store->load; a full fence covers every pred/succ set. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---- emission ---- */

static TCGv gpr(DisasContext *dc, unsigned r)
{
    return r ? dc->g->x[r] : tcg_constant(dc->s, 0);
}

/* Where an instruction writes rd: a scratch temp for x0, so the result is discarded. */
static TCGv dest(DisasContext *dc, unsigned r)
{
    return r ? dc->g->x[r] : tcg_temp_new(dc->s);
}

static void gen_call(DisasContext *dc, void *fn, unsigned flags, TCGv ret, unsigned nargs,
                     const TCGv *args)
{
    tcg_gen_call(dc->s, fn, flags, ret, nargs, args);
}

/* Adds the retired instructions (and `more`) to the counters. */
static void gen_sync_counters(DisasContext *dc, unsigned more)
{
    unsigned n = dc->unsynced + more;

    if (n) {
        tcg_gen_addi(dc->s, dc->g->minstret, dc->g->minstret, n);
    }
    dc->unsynced = 0;
}

/* A direct jump to a known pc through goto_tb slot `slot`. The execution loop chains it
 * across pages only for blocks with TCG_TB_FLAG_PHYS (fetches not translated). */
static void gen_goto(DisasContext *dc, unsigned slot, uint64_t target)
{
    tcg_gen_goto_tb(dc->s, slot);
    tcg_gen_movi(dc->s, dc->g->pc, (int64_t)target);
    tcg_gen_exit_tb(dc->s, slot);
}

/* Leaves to the loop after a state change it must see (interrupt enables, wfi, ...). */
static void gen_exit_nochain(DisasContext *dc, uint64_t next)
{
    tcg_gen_movi(dc->s, dc->g->pc, (int64_t)next);
    tcg_gen_exit_tb(dc->s, TCG_EXIT_NOCHAIN);
    dc->ended = true;
}

/* An exception at the current instruction: it does not retire. */
static void gen_raise(DisasContext *dc, uint64_t cause, uint64_t tval)
{
    TCGv args[3] = {TCG_ENV, tcg_constant(dc->s, (int64_t)cause),
                    tcg_constant(dc->s, (int64_t)tval)};

    tcg_gen_movi(dc->s, dc->g->pc, (int64_t)dc->pc);
    gen_sync_counters(dc, 0);
    gen_call(dc, (void *)helper_raise, 0, (TCGv){0}, 3, args);
    tcg_gen_exit_tb(dc->s, TCG_EXIT_NOCHAIN); /* not reached */
    dc->ended = true;
}

static bool gen_alu(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;
    TCGv a = gpr(dc, insn->rs1), b = gpr(dc, insn->rs2), d = dest(dc, insn->rd);
    int64_t imm = insn->imm;

    switch (insn->op) {
    case RISCV_OP_ADD: tcg_gen_add(s, d, a, b); return true;
    case RISCV_OP_SUB: tcg_gen_sub(s, d, a, b); return true;
    case RISCV_OP_SLL: tcg_gen_shl(s, d, a, b); return true;
    case RISCV_OP_SLT: tcg_gen_setcond(s, TCG_COND_LT, d, a, b); return true;
    case RISCV_OP_SLTU: tcg_gen_setcond(s, TCG_COND_LTU, d, a, b); return true;
    case RISCV_OP_XOR: tcg_gen_xor(s, d, a, b); return true;
    case RISCV_OP_SRL: tcg_gen_shr(s, d, a, b); return true;
    case RISCV_OP_SRA: tcg_gen_sar(s, d, a, b); return true;
    case RISCV_OP_OR: tcg_gen_or(s, d, a, b); return true;
    case RISCV_OP_AND: tcg_gen_and(s, d, a, b); return true;
    case RISCV_OP_ADDI: tcg_gen_addi(s, d, a, imm); return true;
    case RISCV_OP_SLTI: tcg_gen_setcondi(s, TCG_COND_LT, d, a, imm); return true;
    case RISCV_OP_SLTIU: tcg_gen_setcondi(s, TCG_COND_LTU, d, a, imm); return true;
    case RISCV_OP_XORI: tcg_gen_xori(s, d, a, imm); return true;
    case RISCV_OP_ORI: tcg_gen_ori(s, d, a, imm); return true;
    case RISCV_OP_ANDI: tcg_gen_andi(s, d, a, imm); return true;
    case RISCV_OP_SLLI: tcg_gen_shli(s, d, a, imm); return true;
    case RISCV_OP_SRLI: tcg_gen_shri(s, d, a, imm); return true;
    case RISCV_OP_SRAI: tcg_gen_sari(s, d, a, imm); return true;
    case RISCV_OP_ADDIW: tcg_gen_add_wi(s, d, a, imm); return true;
    case RISCV_OP_SLLIW: tcg_gen_shl_wi(s, d, a, imm); return true;
    case RISCV_OP_SRLIW: tcg_gen_shr_wi(s, d, a, imm); return true;
    case RISCV_OP_SRAIW: tcg_gen_sar_wi(s, d, a, imm); return true;
    case RISCV_OP_ADDW: tcg_gen_add_w(s, d, a, b); return true;
    case RISCV_OP_SUBW: tcg_gen_sub_w(s, d, a, b); return true;
    case RISCV_OP_SLLW: tcg_gen_shl_w(s, d, a, b); return true;
    case RISCV_OP_SRLW: tcg_gen_shr_w(s, d, a, b); return true;
    case RISCV_OP_SRAW: tcg_gen_sar_w(s, d, a, b); return true;
    case RISCV_OP_MUL: tcg_gen_mul(s, d, a, b); return true;
    case RISCV_OP_MULH: tcg_gen_mulsh(s, d, a, b); return true;
    case RISCV_OP_MULHSU: tcg_gen_mulsuh(s, d, a, b); return true;
    case RISCV_OP_MULHU: tcg_gen_muluh(s, d, a, b); return true;
    case RISCV_OP_DIV: tcg_gen_div(s, d, a, b); return true;
    case RISCV_OP_DIVU: tcg_gen_divu(s, d, a, b); return true;
    case RISCV_OP_REM: tcg_gen_rem(s, d, a, b); return true;
    case RISCV_OP_REMU: tcg_gen_remu(s, d, a, b); return true;
    case RISCV_OP_MULW: tcg_gen_mul_w(s, d, a, b); return true;
    case RISCV_OP_DIVW: tcg_gen_div_w(s, d, a, b); return true;
    case RISCV_OP_DIVUW: tcg_gen_divu_w(s, d, a, b); return true;
    case RISCV_OP_REMW: tcg_gen_rem_w(s, d, a, b); return true;
    case RISCV_OP_REMUW: tcg_gen_remu_w(s, d, a, b); return true;
    case RISCV_OP_LUI: tcg_gen_movi(s, d, imm); return true;
    case RISCV_OP_AUIPC: tcg_gen_movi(s, d, (int64_t)(dc->pc + (uint64_t)imm)); return true;
    default:
        return false;
    }
}

static TCGMemOp riscv_memop(RiscvOp op)
{
    switch (op) {
    case RISCV_OP_LB: return MO_SB;
    case RISCV_OP_LBU: return MO_UB;
    case RISCV_OP_LH: return MO_SW;
    case RISCV_OP_LHU: return MO_UW;
    case RISCV_OP_LW: return MO_SL;
    case RISCV_OP_LWU: return MO_UL;
    case RISCV_OP_LD: return MO_UQ;
    case RISCV_OP_SB: return MO_UB;
    case RISCV_OP_SH: return MO_UW;
    case RISCV_OP_SW: return MO_UL;
    default: return MO_UQ; /* SD */
    }
}

static void gen_load_store(DisasContext *dc, const RiscvInsn *insn)
{
    TCGv addr = tcg_temp_new(dc->s);
    unsigned mmu_idx;

    tcg_gen_addi(dc->s, addr, gpr(dc, insn->rs1), insn->imm);
    mmu_idx = dc->mmu_idx;
    if (riscv_op_is_load(insn->op)) {
        tcg_gen_qemu_ld(dc->s, dest(dc, insn->rd), addr, mmu_idx, riscv_memop(insn->op));
    } else {
        tcg_gen_qemu_st(dc->s, gpr(dc, insn->rs2), addr, mmu_idx, riscv_memop(insn->op));
    }
}

/* mstatus.FS = Dirty after an instruction wrote an f register, unless the block's flags
 * say it already is. */
static void gen_fs_dirty(DisasContext *dc)
{
    if (!(dc->flags & RISCV_TB_FLAG_FS_DIRTY)) {
        TCGv st = tcg_temp_new(dc->s);

        tcg_gen_ld64(dc->s, st, TCG_ENV, offsetof(RiscvCPU, env.mstatus));
        tcg_gen_ori(dc->s, st, st, (int64_t)RISCV_MSTATUS_FS);
        tcg_gen_st64(dc->s, st, TCG_ENV, offsetof(RiscvCPU, env.mstatus));
    }
}

static TCGv fpr_load(DisasContext *dc, unsigned r)
{
    TCGv v = tcg_temp_new(dc->s);

    tcg_gen_ld64(dc->s, v, TCG_ENV, offsetof(RiscvCPU, env.f[r]));
    return v;
}

static void fpr_store(DisasContext *dc, unsigned r, TCGv v)
{
    tcg_gen_st64(dc->s, v, TCG_ENV, offsetof(RiscvCPU, env.f[r]));
    gen_fs_dirty(dc);
}

/* A binary32 operand as the arithmetic sees it: a value that is not NaN-boxed is the
 * canonical NaN. */
static TCGv fpr_unbox_s(DisasContext *dc, TCGv v)
{
    TCGContext *s = dc->s;
    TCGv hi = tcg_temp_new(s), r = tcg_temp_new(s);

    tcg_gen_shri(s, hi, v, 32);
    tcg_gen_movcond(s, TCG_COND_EQ, r, hi, tcg_constant(s, 0xffffffff), v,
                    tcg_constant(s, (int64_t)UINT64_C(0xffffffff7fc00000)));
    return r;
}

/* Sign injection and moves between x and f registers: bit operations, no flags. */
static bool gen_fp_bits(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;
    bool d = insn->op == RISCV_OP_FSGNJ_D || insn->op == RISCV_OP_FSGNJN_D ||
             insn->op == RISCV_OP_FSGNJX_D;
    int64_t sign = d ? INT64_MIN : INT64_C(0x80000000);

    switch (insn->op) {
    case RISCV_OP_FSGNJ_S:
    case RISCV_OP_FSGNJ_D:
    case RISCV_OP_FSGNJN_S:
    case RISCV_OP_FSGNJN_D:
    case RISCV_OP_FSGNJX_S:
    case RISCV_OP_FSGNJX_D: {
        TCGv a = fpr_load(dc, insn->rs1), b = fpr_load(dc, insn->rs2);
        TCGv r = tcg_temp_new(s), t = tcg_temp_new(s);

        if (!d) {
            a = fpr_unbox_s(dc, a);
            b = fpr_unbox_s(dc, b);
        }
        if (insn->op == RISCV_OP_FSGNJX_S || insn->op == RISCV_OP_FSGNJX_D) {
            tcg_gen_andi(s, t, b, sign);
            tcg_gen_xor(s, r, a, t);
        } else {
            if (insn->op == RISCV_OP_FSGNJN_S || insn->op == RISCV_OP_FSGNJN_D) {
                tcg_gen_not(s, t, b);
                tcg_gen_andi(s, t, t, sign);
            } else {
                tcg_gen_andi(s, t, b, sign);
            }
            tcg_gen_andi(s, r, a, ~sign);
            tcg_gen_or(s, r, r, t);
        }
        fpr_store(dc, insn->rd, r);
        return true;
    }
    case RISCV_OP_FMV_X_D:
    case RISCV_OP_FMV_X_W:
        if (insn->rd) {
            tcg_gen_ld64(s, dc->g->x[insn->rd], TCG_ENV, offsetof(RiscvCPU, env.f[insn->rs1]));
            if (insn->op == RISCV_OP_FMV_X_W) {
                tcg_gen_ext32s(s, dc->g->x[insn->rd], dc->g->x[insn->rd]);
            }
        }
        return true;
    case RISCV_OP_FMV_D_X:
        fpr_store(dc, insn->rd, gpr(dc, insn->rs1));
        return true;
    case RISCV_OP_FMV_W_X: {
        TCGv r = tcg_temp_new(s);

        tcg_gen_ori(s, r, gpr(dc, insn->rs1), (int64_t)UINT64_C(0xffffffff00000000));
        fpr_store(dc, insn->rd, r);
        return true;
    }
    default:
        return false;
    }
}

/*
 * F/D arithmetic, comparisons and conversions as one host SSE instruction (fpop) where the
 * result needs no flag the guest has not accrued already: the fast path requires fflags.NX
 * for anything that may be inexact (programs set it early and rarely clear it), round to
 * nearest even (static, or dynamic with frm = RNE; conversions to integer also RTZ), and a
 * normal finite result; everything else takes helper_fp_fallback, which computes the exact
 * result and flags. Returns false for the instructions with no fast path.
 */
static bool gen_fp_inline(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;
    RiscvOp op = insn->op;
    unsigned kind, nin = 2;
    bool d = false, to_x = false, nx = true, has_rm = true, from_u32 = false;

    if (gen_fp_bits(dc, insn)) {
        return true;
    }
    switch (op) {
    case RISCV_OP_FADD_S ... RISCV_OP_FDIV_D:
        kind = TCG_FP_ADD + (op - RISCV_OP_FADD_S) / 2;
        d = (op - RISCV_OP_FADD_S) & 1;
        break;
    case RISCV_OP_FSQRT_S:
    case RISCV_OP_FSQRT_D:
        kind = TCG_FP_SQRT;
        d = op == RISCV_OP_FSQRT_D;
        nin = 1;
        break;
    case RISCV_OP_FMADD_S ... RISCV_OP_FNMADD_D:
        if (!tcg_host_has_fma()) {
            return false;
        }
        kind = TCG_FP_MADD + (op - RISCV_OP_FMADD_S) / 2;
        d = (op - RISCV_OP_FMADD_S) & 1;
        nin = 3;
        break;
    case RISCV_OP_FEQ_S ... RISCV_OP_FLE_D:
        kind = TCG_FP_EQ + (op - RISCV_OP_FEQ_S) / 2;
        d = (op - RISCV_OP_FEQ_S) & 1;
        to_x = true;
        nx = false;
        has_rm = false;
        break;
    case RISCV_OP_FCVT_W_S:
    case RISCV_OP_FCVT_W_D:
    case RISCV_OP_FCVT_L_S:
    case RISCV_OP_FCVT_L_D:
        kind = op <= RISCV_OP_FCVT_W_D ? TCG_FP_TO_I32 : TCG_FP_TO_I64;
        d = op == RISCV_OP_FCVT_W_D || op == RISCV_OP_FCVT_L_D;
        to_x = true;
        nin = 1;
        break;
    case RISCV_OP_FCVT_S_W:
    case RISCV_OP_FCVT_D_W:
    case RISCV_OP_FCVT_S_WU:
    case RISCV_OP_FCVT_D_WU:
    case RISCV_OP_FCVT_S_L:
    case RISCV_OP_FCVT_D_L:
        d = (op - RISCV_OP_FCVT_S_W) & 1;
        from_u32 = op == RISCV_OP_FCVT_S_WU || op == RISCV_OP_FCVT_D_WU;
        kind = (op == RISCV_OP_FCVT_S_W || op == RISCV_OP_FCVT_D_W) ? TCG_FP_FROM_I32
                                                                    : TCG_FP_FROM_I64;
        /* Every 32-bit integer is exact in binary64. */
        nx = !(d && op != RISCV_OP_FCVT_D_L);
        nin = 1;
        break;
    default:
        return false;
    }

    unsigned kind_flags = kind | (d ? TCG_FP_DOUBLE : 0) | (nx ? TCG_FP_GUARD_SET : 0);
    if (has_rm) {
        if (insn->rm == RISCV_RM_DYN) {
            kind_flags |= TCG_FP_GUARD_ZERO; /* frm = RNE (an invalid frm traps in the fallback) */
        } else if (insn->rm == RISCV_RM_RTZ && (kind == TCG_FP_TO_I32 || kind == TCG_FP_TO_I64)) {
            kind_flags |= TCG_FP_TRUNC;
        } else if (insn->rm != RISCV_RM_RNE) {
            return false;
        }
    }

    TCGv in[3], zero = tcg_constant(s, 0);
    bool from_int = kind == TCG_FP_FROM_I32 || kind == TCG_FP_FROM_I64;
    unsigned regs[3] = {insn->rs1, insn->rs2, insn->rs3};
    for (unsigned i = 0; i < 3; i++) {
        in[i] = i >= nin ? zero : from_int ? gpr(dc, regs[i]) : fpr_load(dc, regs[i]);
    }
    if (from_u32) {
        TCGv u = tcg_temp_new(s);
        tcg_gen_ext32u(s, u, in[0]);
        in[0] = u;
    }
    TCGArg desc = tcg_fp_desc(kind_flags, offsetof(RiscvCPU, env.fflags),
                              offsetof(RiscvCPU, env.frm));
    TCGv r = to_x ? dest(dc, insn->rd) : tcg_temp_new(s);

    tcg_gen_fpop(s, r, in[0], in[1], in[2], desc, helper_fp_fallback, fp_word(insn, to_x));
    if (!to_x) {
        fpr_store(dc, insn->rd, r);
    }
    return true;
}

static void gen_fp(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;

    if (!(dc->flags & RISCV_TB_FLAG_FS_ON)) {
        gen_raise(dc, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        return;
    }
    switch (insn->op) {
    case RISCV_OP_FLW:
    case RISCV_OP_FLD: {
        TCGv addr = tcg_temp_new(s), v = tcg_temp_new(s);

        tcg_gen_addi(s, addr, gpr(dc, insn->rs1), insn->imm);
        tcg_gen_qemu_ld(s, v, addr, dc->mmu_idx, insn->op == RISCV_OP_FLW ? MO_UL : MO_UQ);
        if (insn->op == RISCV_OP_FLW) {
            tcg_gen_ori(s, v, v, (int64_t)UINT64_C(0xffffffff00000000)); /* NaN-box */
        }
        fpr_store(dc, insn->rd, v);
        return;
    }
    case RISCV_OP_FSW:
    case RISCV_OP_FSD: {
        TCGv addr = tcg_temp_new(s), v = tcg_temp_new(s);

        tcg_gen_addi(s, addr, gpr(dc, insn->rs1), insn->imm);
        tcg_gen_ld64(s, v, TCG_ENV, offsetof(RiscvCPU, env.f[insn->rs2]));
        tcg_gen_qemu_st(s, v, addr, dc->mmu_idx, insn->op == RISCV_OP_FSW ? MO_UL : MO_UQ);
        return;
    }
    default: {
        if (gen_fp_inline(dc, insn)) {
            return;
        }
        TCGv args[2] = {TCG_ENV, tcg_constant(s, (int64_t)fp_word(insn, false))};

        /* The helper may raise (reserved rounding mode), so pc and the counters go to env
         * first; only the forms with an integer destination write x registers, the others
         * leave the globals as they were. */
        bool writes_x = (insn->op >= RISCV_OP_FEQ_S && insn->op <= RISCV_OP_FCVT_LU_D) ||
                        (insn->op >= RISCV_OP_FMV_X_W && insn->op <= RISCV_OP_FCLASS_D);

        tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
        gen_sync_counters(dc, 0);
        gen_call(dc, (void *)helper_fp, writes_x ? 0 : TCG_CALL_NO_WRITE_GLOBALS, (TCGv){0}, 2,
                 args);
        return;
    }
    }
}

/* The flags of the block that follows, when translation can tell them. */
static uint64_t next_tb_flags(const DisasContext *dc)
{
    /*
     * The next block's flags are this block's: everything else that changes privilege,
     * MPRV, satp or mstatus.FS (traps, xRET, CSR writes) ends its block without a jump
     * cache lookup, except F/D instructions making FS Dirty.
     */
    bool flags_known = !dc->fp_seen || (dc->flags & RISCV_TB_FLAG_FS_DIRTY);

    return flags_known ? dc->flags : TCG_LOOKUP_FLAGS_UNKNOWN;
}

/* An exit to a known pc through a jump cache lookup (no goto_tb slot left for it). */
static void gen_lookup_exit(DisasContext *dc, uint64_t target)
{
    tcg_gen_movi(dc->s, dc->g->pc, (int64_t)target);
    tcg_gen_lookup_and_goto_ptr(dc->s, tcg_constant(dc->s, (int64_t)target), next_tb_flags(dc));
}

/*
 * Whether the block goes on past a conditional branch, its taken path becoming a side
 * exit: for forward branches (statically predicted not taken; backward ones are loop
 * edges, which end the block so that a loop to its start is a self-loop), a limited
 * number per block, with the fall-through in the block's page.
 */
static bool can_continue_past(const DisasContext *dc, const RiscvInsn *insn)
{
    return insn->imm > 0 && dc->nb_side_exits < RISCV_TB_MAX_SIDE_EXITS &&
           (dc->next_pc & TCG_PAGE_MASK) == (dc->block_pc & TCG_PAGE_MASK);
}

/*
 * Whether a backward branch to the block's start (a loop edge) continues the block with a
 * second copy of the loop body instead, its fall-through (the loop exit) a side exit:
 * once per block, for short bodies. Each iteration of the unrolled loop then pays the
 * back edge (stores of observed globals, the exit-request check) for two.
 */
static bool can_unroll(const DisasContext *dc, uint64_t target)
{
    return target == dc->block_pc && !dc->unrolled && dc->nb_insns <= RISCV_TB_UNROLL_MAX &&
           dc->nb_runs < RISCV_TB_MAX_RUNS && dc->nb_side_exits < RISCV_TB_MAX_SIDE_EXITS;
}

/* The exit of a side path to target: goto_tb slot 1 for the block's first, else a lookup. */
static void gen_side_exit(DisasContext *dc, uint64_t target)
{
    if (dc->nb_side_exits++ == 0) {
        gen_goto(dc, 1, target);
    } else {
        gen_lookup_exit(dc, target);
    }
}

static void gen_branch(DisasContext *dc, const RiscvInsn *insn)
{
    static const TCGCond conds[] = {
        [RISCV_OP_BEQ - RISCV_OP_BEQ] = TCG_COND_EQ,  [RISCV_OP_BNE - RISCV_OP_BEQ] = TCG_COND_NE,
        [RISCV_OP_BLT - RISCV_OP_BEQ] = TCG_COND_LT,  [RISCV_OP_BGE - RISCV_OP_BEQ] = TCG_COND_GE,
        [RISCV_OP_BLTU - RISCV_OP_BEQ] = TCG_COND_LTU, [RISCV_OP_BGEU - RISCV_OP_BEQ] = TCG_COND_GEU,
    };
    TCGCond cond = conds[insn->op - RISCV_OP_BEQ];
    uint64_t target = dc->pc + (uint64_t)insn->imm;
    TCGLabel label = tcg_label_new(dc->s);

    if (can_continue_past(dc, insn)) {
        /* The side exit, skipped when not taken; it alone counts what retired so far
         * (the branch included), the fall-through keeps counting. */
        unsigned unsynced = dc->unsynced;

        tcg_gen_brcond(dc->s, tcg_cond_invert(cond), gpr(dc, insn->rs1), gpr(dc, insn->rs2),
                       label);
        gen_sync_counters(dc, 1);
        dc->unsynced = unsynced;
        gen_side_exit(dc, target);
        tcg_gen_set_label(dc->s, label);
        return;
    }
    if (can_unroll(dc, target)) {
        unsigned unsynced = dc->unsynced;

        tcg_gen_brcond(dc->s, cond, gpr(dc, insn->rs1), gpr(dc, insn->rs2), label);
        gen_sync_counters(dc, 1);
        dc->unsynced = unsynced;
        gen_side_exit(dc, dc->next_pc);
        tcg_gen_set_label(dc->s, label);
        dc->unrolled = true;
        dc->runs[dc->nb_runs].lo = target;
        dc->runs[dc->nb_runs].hi = target;
        dc->nb_runs++;
        dc->next_pc = target;
        return;
    }
    gen_sync_counters(dc, 1); /* the branch retires on both paths */
    tcg_gen_brcond(dc->s, cond, gpr(dc, insn->rs1), gpr(dc, insn->rs2), label);
    if (dc->nb_side_exits == 0) {
        gen_goto(dc, 0, dc->next_pc);
        tcg_gen_set_label(dc->s, label);
        gen_goto(dc, 1, target);
    } else {
        /* Slot 1 went to a side exit: slot 0 for the taken path (a loop edge, most
         * likely), a lookup for the fall-through. */
        gen_lookup_exit(dc, dc->next_pc);
        tcg_gen_set_label(dc->s, label);
        gen_goto(dc, 0, target);
    }
    dc->ended = true;
}

/*
 * Whether a direct jump to target may continue this block instead of ending it: the
 * target lies in the block's page (so the block still depends on one guest page, and
 * invalidating that page drops it) and was not translated by this block already (a jump
 * back to the block's own start stays a loop back edge; other backward targets would
 * only duplicate code).
 */
static bool can_extend_to(const DisasContext *dc, uint64_t target)
{
    if ((target & TCG_PAGE_MASK) != (dc->block_pc & TCG_PAGE_MASK) ||
        dc->nb_runs == RISCV_TB_MAX_RUNS) {
        return false;
    }
    for (unsigned i = 0; i < dc->nb_runs; i++) {
        if (target >= dc->runs[i].lo && target < dc->runs[i].hi) {
            return false;
        }
    }
    return true;
}

/* Ends the instruction with a direct jump to target: within the block when allowed
 * (translation goes on there), else through goto_tb slot 0. The jump retires. */
static void gen_direct_jump(DisasContext *dc, uint64_t target)
{
    if (can_extend_to(dc, target)) {
        dc->runs[dc->nb_runs].lo = target;
        dc->runs[dc->nb_runs].hi = target;
        dc->nb_runs++;
        dc->next_pc = target;
        return;
    }
    gen_sync_counters(dc, 1);
    gen_goto(dc, 0, target);
    dc->ended = true;
}

static void gen_jal(DisasContext *dc, const RiscvInsn *insn)
{
    if (insn->rd) {
        tcg_gen_movi(dc->s, dc->g->x[insn->rd], (int64_t)dc->next_pc);
    }
    gen_direct_jump(dc, dc->pc + (uint64_t)insn->imm);
}

static void gen_jalr(DisasContext *dc, const RiscvInsn *insn)
{
    /* A return to an address a jump of this block put in rs1: a direct jump. */
    if (insn->rs1 && (dc->link_valid >> insn->rs1 & 1)) {
        uint64_t target = (dc->link[insn->rs1] + (uint64_t)insn->imm) & ~UINT64_C(1);

        if (insn->rd) {
            tcg_gen_movi(dc->s, dc->g->x[insn->rd], (int64_t)dc->next_pc);
        }
        gen_direct_jump(dc, target);
        return;
    }
    TCGv target = tcg_temp_new(dc->s);

    /* Target first: rd may be rs1. With C, clearing bit 0 is all the alignment needed. */
    tcg_gen_addi(dc->s, target, gpr(dc, insn->rs1), insn->imm);
    tcg_gen_andi(dc->s, target, target, ~INT64_C(1));
    if (insn->rd) {
        tcg_gen_movi(dc->s, dc->g->x[insn->rd], (int64_t)dc->next_pc);
    }
    tcg_gen_mov(dc->s, dc->g->pc, target);
    gen_sync_counters(dc, 1);
    tcg_gen_lookup_and_goto_ptr(dc->s, target, next_tb_flags(dc));
    dc->ended = true;
}

static void gen_csr(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;
    bool imm = insn->op >= RISCV_OP_CSRRWI;
    RiscvCsrOp op;
    bool write;
    TCGv ret = tcg_temp_new(s);

    switch (insn->op) {
    case RISCV_OP_CSRRW:
    case RISCV_OP_CSRRWI:
        op = RISCV_CSR_OP_WRITE;
        write = true;
        break;
    case RISCV_OP_CSRRS:
    case RISCV_OP_CSRRSI:
        op = RISCV_CSR_OP_SET;
        write = insn->rs1 != 0;
        break;
    default:
        op = RISCV_CSR_OP_CLEAR;
        write = insn->rs1 != 0;
        break;
    }
    TCGv args[5] = {TCG_ENV, tcg_constant(s, insn->csr),
                    imm ? tcg_constant(s, insn->imm) : gpr(dc, insn->rs1),
                    tcg_constant(s, (int64_t)op | (write ? 4 : 0)),
                    tcg_constant(s, insn->raw)};

    /* The helper may raise (pc), and counters must be exact when it reads them. */
    tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
    gen_sync_counters(dc, 0);
    gen_call(dc, (void *)helper_csr, 0, ret, 5, args);
    if (insn->rd) {
        tcg_gen_mov(s, dc->g->x[insn->rd], ret);
    }
    if (write) {
        /* A write may change what the loop must do next (interrupt enables, ...). */
        gen_sync_counters(dc, 1);
        gen_exit_nochain(dc, dc->next_pc);
    }
}

static void gen_atomic(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;
    TCGv ret = tcg_temp_new(s);
    TCGv args[4] = {TCG_ENV, tcg_constant(s, insn->op), gpr(dc, insn->rs1),
                    gpr(dc, insn->rs2)};

    tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
    gen_sync_counters(dc, 0);
    gen_call(dc, (void *)helper_atomic, 0, ret, 4, args);
    tcg_gen_mov(s, dest(dc, insn->rd), ret);
}

static void gen_system(DisasContext *dc, const RiscvInsn *insn)
{
    TCGContext *s = dc->s;

    switch (insn->op) {
    case RISCV_OP_ECALL:
        gen_raise(dc, RISCV_EXCP_ECALL_U + dc->priv, 0);
        return;
    case RISCV_OP_EBREAK:
        gen_raise(dc, RISCV_EXCP_BREAKPOINT, dc->pc);
        return;
    case RISCV_OP_MRET: {
        TCGv args[2] = {TCG_ENV, tcg_constant(s, insn->raw)};
        tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
        gen_sync_counters(dc, 0);
        gen_call(dc, (void *)helper_mret, 0, (TCGv){0}, 2, args);
        gen_sync_counters(dc, 1);
        tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN); /* the helper set pc and privilege */
        dc->ended = true;
        return;
    }
    case RISCV_OP_SRET: {
        TCGv args[2] = {TCG_ENV, tcg_constant(s, insn->raw)};
        tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
        gen_sync_counters(dc, 0);
        gen_call(dc, (void *)helper_sret, 0, (TCGv){0}, 2, args);
        gen_sync_counters(dc, 1);
        tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN); /* the helper set pc and privilege */
        dc->ended = true;
        return;
    }
    case RISCV_OP_SFENCE_VMA: {
        TCGv args[4] = {TCG_ENV, gpr(dc, insn->rs1), tcg_constant(s, insn->rs1 == 0),
                        tcg_constant(s, insn->raw)};
        tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
        gen_sync_counters(dc, 0);
        gen_call(dc, (void *)helper_sfence_vma, 0, (TCGv){0}, 4, args);
        /* Later fetches must see the new mappings too. */
        gen_sync_counters(dc, 1);
        gen_exit_nochain(dc, dc->next_pc);
        return;
    }
    case RISCV_OP_WFI: {
        TCGv args[2] = {TCG_ENV, tcg_constant(s, insn->raw)};
        tcg_gen_movi(s, dc->g->pc, (int64_t)dc->pc);
        gen_sync_counters(dc, 0);
        gen_call(dc, (void *)helper_wfi, 0, (TCGv){0}, 2, args);
        gen_sync_counters(dc, 1);
        gen_exit_nochain(dc, dc->next_pc);
        return;
    }
    case RISCV_OP_FENCE: {
        TCGv args[1] = {TCG_ENV};
        gen_call(dc, (void *)helper_fence, TCG_CALL_NO_RWG, (TCGv){0}, 1, args);
        return;
    }
    case RISCV_OP_FENCE_I:
        /*
         * Stores to pages holding translations invalidate them as they happen (watched
         * TLB entries, atomics helper); ending the block makes the next fetch see the
         * new code, which is all fence.i has to guarantee on this hart.
         */
        gen_sync_counters(dc, 1);
        gen_exit_nochain(dc, dc->next_pc);
        return;
    default:
        gen_csr(dc, insn);
        return;
    }
}

static void gen_insn(DisasContext *dc, const RiscvInsn *insn)
{
    if (gen_alu(dc, insn)) {
        return;
    }
    switch (insn->op) {
    case RISCV_OP_JAL:
        gen_jal(dc, insn);
        return;
    case RISCV_OP_JALR:
        gen_jalr(dc, insn);
        return;
    case RISCV_OP_ILLEGAL:
        gen_raise(dc, RISCV_EXCP_ILLEGAL_INSN, insn->raw);
        return;
    default:
        break;
    }
    if (riscv_op_is_branch(insn->op)) {
        gen_branch(dc, insn);
    } else if (riscv_op_is_load(insn->op) || riscv_op_is_store(insn->op)) {
        gen_load_store(dc, insn);
    } else if (insn->op >= RISCV_OP_LR_W && insn->op <= RISCV_OP_AMOMAXU_D) {
        gen_atomic(dc, insn);
    } else if (riscv_op_is_fp(insn->op)) {
        dc->fp_seen = true;
        gen_fp(dc, insn);
    } else {
        gen_system(dc, insn);
    }
}

/*
 * Tracks the x registers holding a return address set by a jump of this block. Any other
 * instruction is assumed to write its rd field (those that do not only lose the
 * knowledge), and helpers write no other x register.
 */
static void note_link(DisasContext *dc, const RiscvInsn *insn)
{
    if (!insn->rd) {
        return;
    }
    if (insn->op == RISCV_OP_JAL || insn->op == RISCV_OP_JALR) {
        dc->link_valid |= 1u << insn->rd;
        dc->link[insn->rd] = dc->pc + insn->len;
    } else {
        dc->link_valid &= ~(1u << insn->rd);
    }
}

/* Fetches the instruction at pc. false: fetch fault in *trap. */
static bool riscv_tcg_fetch(RiscvCPU *cpu, uint64_t pc, uint32_t *bits, RiscvTrap *trap)
{
    uint16_t lo, hi;

    if (!riscv_mem_fetch16(cpu, pc, &lo, trap)) {
        return false;
    }
    if (riscv_insn_length(lo) == 2) {
        *bits = lo;
        return true;
    }
    if (!riscv_mem_fetch16(cpu, pc + 2, &hi, trap)) {
        return false;
    }
    *bits = lo | (uint32_t)hi << 16;
    return true;
}

uint32_t riscv_tcg_translate_block(TCGContext *s, void *env, uint64_t pc, uint32_t flags,
                                   unsigned max_insns)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    DisasContext dc = {
        .s = s,
        .cpu = cpu,
        .g = s->frontend_data,
        .priv = (RiscvPriv)(flags & RISCV_TB_FLAGS_PRIV_MASK),
        .mmu_idx = RISCV_MMU_IDX((flags >> RISCV_TB_FLAGS_DATA_SHIFT) & RISCV_TB_FLAGS_PRIV_MASK),
        .paged = !(flags & TCG_TB_FLAG_PHYS),
        .flags = flags,
        .pc = pc,
        .block_pc = pc,
        .runs = {{pc, pc}},
        .nb_runs = 1,
    };

    for (unsigned n = 0; n < max_insns && !dc.ended; n++) {
        RiscvTrap trap;
        RiscvInsn insn;
        uint32_t bits;

        /* A block stays within one guest page, so invalidating a page drops all the
         * blocks that read it. An instruction may still straddle into the next page. */
        if (n > 0 && (dc.pc & TCG_PAGE_MASK) != (pc & TCG_PAGE_MASK)) {
            break;
        }
        if (dc.paged && (dc.pc & ~TCG_PAGE_MASK) == TCG_PAGE_SIZE - 2) {
            uint16_t lo;

            if (!riscv_mem_fetch16(cpu, dc.pc, &lo, &trap)) {
                if (n == 0) {
                    riscv_tcg_raise(cpu, trap, 0);
                }
                break;
            }
            if (riscv_insn_length(lo) == 4) {
                if (n > 0) {
                    break; /* it gets a block of its own */
                }
                TCGv args[1] = {TCG_ENV};
                tcg_gen_insn_start(s, dc.pc, 0);
                tcg_gen_movi(s, dc.g->pc, (int64_t)dc.pc);
                gen_call(&dc, (void *)helper_exec_one, 0, (TCGv){0}, 1, args);
                tcg_gen_exit_tb(s, TCG_EXIT_NOCHAIN);
                return 2;
            }
        }
        if (!riscv_tcg_fetch(cpu, dc.pc, &bits, &trap)) {
            if (n == 0) {
                riscv_tcg_raise(cpu, trap, 0);
            }
            break; /* the fault is taken when a block starts there */
        }
        riscv_decode(bits, &insn);
        dc.next_pc = dc.pc + insn.len;
        dc.runs[dc.nb_runs - 1].hi = dc.next_pc;
        tcg_gen_insn_start(s, dc.pc, dc.unsynced);
        dc.nb_insns++;
        gen_insn(&dc, &insn);
        note_link(&dc, &insn);
        dc.pc = dc.next_pc;
        if (!dc.ended) {
            dc.unsynced++;
        }
    }
    if (!dc.ended) {
        gen_sync_counters(&dc, 0);
        gen_goto(&dc, 0, dc.pc);
    }
    /* The range translated: from below pc (the block may have jumped back within its
     * page; tb.c finds that end from the insn_start pcs) to the end of the highest run.
     * A jump at the instruction limit, or to a fetch fault, leaves an empty last run. */
    uint64_t end = pc;
    for (unsigned i = 0; i < dc.nb_runs; i++) {
        if (dc.runs[i].hi > dc.runs[i].lo) {
            end = MAX(end, dc.runs[i].hi);
        }
    }
    return (uint32_t)(end - pc);
}

/* ---- front-end callbacks ---- */

static void riscv_tcg_init_context(TCGContext *s, void *opaque)
{
    RiscvTcgGlobals *g = g_new0(RiscvTcgGlobals, 1);
    static const char *const names[32] = {
        "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
        "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
        "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };

    for (unsigned i = 1; i < 32; i++) {
        g->x[i] = tcg_global_new(s, offsetof(RiscvCPU, env.x[i]), names[i]);
    }
    g->pc = tcg_global_new(s, offsetof(RiscvCPU, env.pc), "pc");
    g->minstret = tcg_global_new(s, offsetof(RiscvCPU, env.minstret), "minstret");
    tcg_global_set_observed(s, g->minstret); /* query-jit's instruction count */
    tcg_global_set_observed(s, g->pc);       /* query-jit's pc */
    s->frontend_data = g;
}

static void riscv_tcg_free_context(TCGContext *s, void *opaque)
{
    g_clear_pointer(&s->frontend_data, g_free);
}

static void riscv_tcg_get_tb_cpu_state(void *env, uint64_t *pc, uint32_t *flags)
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    *pc = cpu->env.pc;
    *flags = (uint32_t)cpu->env.priv |
             (uint32_t)riscv_cpu_data_priv(&cpu->env) << RISCV_TB_FLAGS_DATA_SHIFT |
             (riscv_cpu_fetch_paged(&cpu->env) ? 0 : TCG_TB_FLAG_PHYS);
    if (cpu->env.mstatus & RISCV_MSTATUS_FS) {
        *flags |= RISCV_TB_FLAG_FS_ON;
    }
    if ((cpu->env.mstatus & RISCV_MSTATUS_FS) == RISCV_MSTATUS_FS) {
        *flags |= RISCV_TB_FLAG_FS_DIRTY;
    }
}

/* Translates pc for a fetch (page tables, PMP); raises the fetch fault if it cannot. */
static uint64_t riscv_tcg_get_code_phys(void *env, uint64_t pc)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    RiscvTrap trap;
    uint64_t pa;

    if (!riscv_mem_fetch_paddr(cpu, pc & ~UINT64_C(1), &pa, &trap)) {
        riscv_tcg_raise(cpu, trap, 0);
    }
    return pa | (pc & 1);
}

static void riscv_tcg_restore_state(void *env, const uint64_t data[2])
{
    RiscvCPU *cpu = riscv_cpu_of(env);

    cpu->env.pc = data[0];
    cpu->env.minstret += data[1];
}

/*
 * Maps the virtual page of addr in the TLB of mmu_idx (= the data privilege) when its
 * physical page is wholly RAM, with what the PTE (A/D included) and PMP allow for the
 * whole page; stores to pages with translated code stay on the slow path, which
 * invalidates those translations.
 */
static void riscv_tcg_tlb_fill(RiscvCPU *cpu, unsigned mmu_idx, uint64_t addr)
{
    RiscvPriv priv = (RiscvPriv)mmu_idx;
    uint64_t page = addr & TCG_PAGE_MASK;
    uint64_t pa;
    unsigned prot;
    RiscvTrap trap;
    void *host;

    if (!riscv_cpu_translate(cpu, page, RISCV_ACCESS_READ, priv, &pa, &prot, &trap)) {
        return;
    }
    pa &= TCG_PAGE_MASK;
    prot &= riscv_pmp_page_prot(&cpu->env, pa, priv);
    host = riscv_mem_host_ptr(cpu, pa, TCG_PAGE_SIZE, false);
    if (!host || !(prot & TCG_PROT_READ)) {
        return;
    }
    if ((prot & TCG_PROT_WRITE) && riscv_mem_host_ptr(cpu, pa, TCG_PAGE_SIZE, true)) {
        if (tcg_tb_page_has_code(cpu->tcg.jit, pa)) {
            prot |= TCG_PROT_WATCH_WRITE;
        }
    } else {
        prot &= ~(unsigned)TCG_PROT_WRITE;
    }
    tcg_tlb_set_page(&cpu->tcg, mmu_idx, page, host, prot);
}

static uint64_t riscv_tcg_load_slow(void *env, uint64_t addr, TCGMemOpIdx oi, uintptr_t retaddr)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);
    RiscvTrap trap;
    uint64_t val;

    if (!riscv_mem_load(cpu, addr, size, &val, &trap)) {
        riscv_tcg_raise(cpu, trap, retaddr);
    }
    riscv_tcg_tlb_fill(cpu, tcg_memop_idx_mmu(oi), addr);
    return val;
}

static void riscv_tcg_store_slow(void *env, uint64_t addr, uint64_t val, TCGMemOpIdx oi,
                                 uintptr_t retaddr)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    unsigned size = 1u << (tcg_memop_idx_op(oi) & MO_SIZE);
    RiscvTrap trap;

    if (!riscv_mem_store(cpu, addr, size, val, &trap)) {
        riscv_tcg_raise(cpu, trap, retaddr);
    }
    /* RISC-V needs fence.i before new code must be seen, so the block running now may
     * finish with the old code; later fetches get the new one. */
    riscv_tcg_note_store(cpu, addr, size);
    riscv_tcg_tlb_fill(cpu, tcg_memop_idx_mmu(oi), addr);
}

static bool riscv_tcg_exec_interrupt(void *env)
{
    RiscvCPU *cpu = riscv_cpu_of(env);
    int irq;

    /* Clear first: an interrupt raised after the checks below sets it again. */
    __atomic_store_n(&cpu->tcg.interrupt_request, 0, __ATOMIC_SEQ_CST);
    if (cpu->tb_flush_pending) {
        /* PMP changed: blocks (and chains) checked against the old rules go. Safe here:
         * this vCPU is outside generated code. */
        cpu->tb_flush_pending = false;
        tcg_tb_flush(cpu->tcg.jit);
        tcg_tlb_flush(&cpu->tcg);
    }
    if (cpu->halted) {
        if (!riscv_cpu_wfi_wakeup(&cpu->env)) {
            __atomic_store_n(&cpu->tcg.interrupt_request, 1, __ATOMIC_SEQ_CST);
            return true;
        }
        cpu->halted = false;
    }
    irq = riscv_cpu_pending_irq(&cpu->env);
    if (irq >= 0) {
        riscv_cpu_do_trap(&cpu->env, (RiscvTrap){RISCV_CAUSE_INTERRUPT | (uint64_t)irq, 0});
    }
    return false;
}

/*
 * Makes hart h's stores to phys_page (to any page, when any_page) take the slow path by
 * invalidating write tags only, each with one atomic store. Safe while h runs generated
 * code on another thread: an access that already matched the tag completes with the
 * entry's (unchanged) host address, any later one misses. Neither addends nor the jump
 * cache are touched, so a concurrent reader never sees a torn entry.
 */
static void riscv_tcg_watch_writes(RiscvCPU *h, uint64_t phys_page, bool any_page)
{
    unsigned idx = (unsigned)(phys_page >> TCG_PAGE_BITS) & (TCG_TLB_SIZE - 1);

    for (unsigned mmu = 0; mmu < TCG_MMU_IDX_MAX; mmu++) {
        for (unsigned i = any_page ? 0 : idx; i < (any_page ? TCG_TLB_SIZE : idx + 1); i++) {
            TCGTLBEntry *e = &h->tcg.tlb[mmu][i];
            uint64_t tag = __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);

            if (!(tag & TCG_TLB_INVALID) && (any_page || (tag & TCG_PAGE_MASK) == phys_page)) {
                __atomic_store_n(&e->addr_write, UINT64_MAX, __ATOMIC_SEQ_CST);
            }
        }
    }
}

/*
 * A guest-physical page now holds translated code: every hart's stores to it must take the
 * slow path, which invalidates the translations. A hart with paging on may map the page
 * at any virtual address, so all its write entries go. Other harts may be running: see
 * riscv_tcg_watch_writes. (A store racing with this on another hart may still reach the
 * page unnoticed; making that impossible needs the engine's run-on-vCPU mechanism.)
 */
static void riscv_tcg_code_page_added(void *opaque, uint64_t phys_page)
{
    RiscvTcg *t = opaque;

    for (unsigned i = 0; i < t->nr_harts; i++) {
        RiscvCPU *h = t->harts[i];
        uint64_t satp = __atomic_load_n(&h->env.satp, __ATOMIC_RELAXED);

        riscv_tcg_watch_writes(h, phys_page,
                               (satp >> RISCV_SATP_MODE_SHIFT) != RISCV_SATP_MODE_BARE);
    }
}

const TCGFrontend riscv_tcg_frontend_template = {
    .name = "riscv64",
    /* Every block adds to minstret: it stays in a host register (query-jit sees it as of
     * the last exit to the loop or loop iteration). */
    .has_pinned_global = true,
    .pinned_global_offset = offsetof(RiscvCPU, env.minstret),
    .common_offset = offsetof(RiscvCPU, tcg),
    .init_context = riscv_tcg_init_context,
    .free_context = riscv_tcg_free_context,
    .get_tb_cpu_state = riscv_tcg_get_tb_cpu_state,
    .get_code_phys = riscv_tcg_get_code_phys,
    .translate_block = riscv_tcg_translate_block,
    .restore_state = riscv_tcg_restore_state,
    .load_slow = riscv_tcg_load_slow,
    .store_slow = riscv_tcg_store_slow,
    .exec_interrupt = riscv_tcg_exec_interrupt,
    .code_page_added = riscv_tcg_code_page_added,
    .disas_guest = riscv_tcg_disas_guest,
};

/* ---- binding harts to a JIT ---- */

static void riscv_tcg_notify(RiscvCPU *cpu, bool interrupt)
{
    if (interrupt) {
        tcg_cpu_interrupt(&cpu->tcg);
    } else {
        tcg_cpu_kick(&cpu->tcg);
    }
}

RiscvTcg *riscv_tcg_new(unsigned max_harts, const TCGJitOptions *opts, GError **errp)
{
    g_autoptr(RiscvTcg) t = g_new0(RiscvTcg, 1);

    if (max_harts == 0) {
        hull_error_setg(errp, "riscv: a JIT needs at least one hart");
        return NULL;
    }
    t->fe = riscv_tcg_frontend_template;
    t->fe.opaque = t;
    t->harts = g_new0(RiscvCPU *, max_harts);
    t->max_harts = max_harts;
    t->jit = tcg_jit_new(&t->fe, opts, errp);
    if (!t->jit) {
        return NULL;
    }
    return g_steal_pointer(&t);
}

void riscv_tcg_free(RiscvTcg *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < t->nr_harts; i++) {
        t->harts[i]->notify = NULL;
        tcg_cpu_finalize(t->jit, t->harts[i]);
    }
    if (t->jit) {
        tcg_jit_free(t->jit);
    }
    g_free(t->harts);
    g_free(t);
}

bool riscv_tcg_attach(RiscvTcg *t, RiscvCPU *cpu, GError **errp)
{
    if (t->nr_harts == t->max_harts) {
        return hull_error_setg(errp, "riscv: the JIT was created for %u harts", t->max_harts);
    }
    if (!tcg_cpu_init(t->jit, cpu, errp)) {
        return false;
    }
    cpu->notify = riscv_tcg_notify;
    t->harts[t->nr_harts++] = cpu;
    return true;
}

TCGExecStatus riscv_tcg_exec(RiscvCPU *cpu)
{
    /* State set up behind the JIT's back (reset, a board writing env directly) may
     * already have an interrupt to take or a wfi to wait out. */
    if (cpu->halted || cpu->tb_flush_pending || riscv_cpu_pending_irq(&cpu->env) >= 0) {
        tcg_cpu_interrupt(&cpu->tcg);
    }
    return tcg_cpu_exec(&cpu->tcg);
}

TCGJit *riscv_tcg_jit(RiscvTcg *t)
{
    return t->jit;
}

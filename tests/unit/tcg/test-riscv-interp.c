/*
 * Unit tests of the RISC-V reference interpreter and hart model: interrupts and their
 * priority, wfi, trap values, CSR legal values, counters, the memory interface (devices,
 * read-only windows, misaligned and atomic accesses) and exit requests.
 */
#include <glib.h>
#include <string.h>

#include "tcg/riscv/cpu.h"
#include "tcg/riscv/interp.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE 0x10000u
#define ROM_BASE 0x1000u
#define DEV_BASE 0x10000000u

/* Instruction encoders (formats of the unprivileged spec). */
static uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3, unsigned op)
{
    return (uint32_t)((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (uint32_t)(imm & 0x1f) << 7 | op;
}

static uint32_t enc_r(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd,
                      unsigned op)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

#define ADDI(rd, rs1, imm) enc_i(imm, rs1, 0, rd, 0x13)
#define LW(rd, rs1, imm) enc_i(imm, rs1, 2, rd, 0x03)
#define SW(rs2, rs1, imm) enc_s(imm, rs2, rs1, 2, 0x23)
#define CSRRW(rd, csr, rs1) enc_i(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1) enc_i(csr, rs1, 2, rd, 0x73)
#define LR_W(rd, rs1) enc_r(0x02 << 2, 0, rs1, 2, rd, 0x2f)
#define SC_W(rd, rs2, rs1) enc_r(0x03 << 2, rs2, rs1, 2, rd, 0x2f)
#define AMOADD_W(rd, rs2, rs1) enc_r(0x00, rs2, rs1, 2, rd, 0x2f)
#define J_SELF 0x0000006fu
#define WFI 0x10500073u
#define ECALL 0x00000073u
#define EBREAK 0x00100073u
#define MRET 0x30200073u

typedef struct Fixture {
    RiscvCPU cpu;
    uint8_t ram[RAM_SIZE];
    uint8_t rom[0x100];
    uint32_t dev_reg;
    unsigned dev_accesses;
    bool with_time;
} Fixture;

static bool fx_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
    Fixture *f = opaque;

    if (addr >= DEV_BASE && addr < DEV_BASE + 8) {
        f->dev_accesses++;
        *val = f->dev_reg >> (8 * (addr & 3));
        return true;
    }
    return false;
}

static bool fx_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    Fixture *f = opaque;

    if (addr >= DEV_BASE && addr < DEV_BASE + 8) {
        f->dev_accesses++;
        f->dev_reg = (uint32_t)val;
        return true;
    }
    return false;
}

static uint64_t fx_time(void *opaque)
{
    return 123456;
}

static const RiscvBusOps fx_ops = {.read = fx_read, .write = fx_write, .get_time = fx_time};
static const RiscvBusOps fx_ops_no_time = {.read = fx_read, .write = fx_write};

static void fx_setup(Fixture *f, gconstpointer data)
{
    RiscvBus bus = {.ops = data ? &fx_ops_no_time : &fx_ops, .opaque = f, .nr_ram = 2};

    memset(f, 0, sizeof(*f));
    bus.ram[0] = (RiscvRamWindow){.host = f->ram, .base = RAM_BASE, .size = RAM_SIZE};
    bus.ram[1] = (RiscvRamWindow){.host = f->rom, .base = ROM_BASE, .size = sizeof(f->rom),
                                  .readonly = true};
    riscv_cpu_init(&f->cpu, 0, RAM_BASE, &bus);
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
}

/* Places instructions at RAM_BASE + off. */
static void fx_code(Fixture *f, uint64_t off, const uint32_t *insns, size_t n)
{
    memcpy(f->ram + off, insns, n * 4);
}

static RiscvExitReason fx_run(Fixture *f, uint64_t steps)
{
    return riscv_interp_run(&f->cpu, steps, NULL);
}

/* ---- interrupts ---- */

static void test_interrupt_direct(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {J_SELF};

    fx_code(f, 0, code, 1);
    env->mtvec = RAM_BASE + 0x100;
    fx_run(f, 3);
    g_assert_cmphex(env->pc, ==, RAM_BASE); /* nothing pending */

    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_TIMER, true);
    fx_run(f, 3);
    g_assert_cmphex(env->pc, ==, RAM_BASE); /* pending but not enabled in mie */
    env->mie = 1u << RISCV_IRQ_M_TIMER;
    fx_run(f, 3);
    g_assert_cmphex(env->pc, ==, RAM_BASE); /* enabled in mie, but mstatus.MIE = 0 */

    env->mstatus |= RISCV_MSTATUS_MIE;
    fx_run(f, 1);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 0x100);
    g_assert_cmphex(env->mcause, ==, RISCV_CAUSE_INTERRUPT | RISCV_IRQ_M_TIMER);
    g_assert_cmphex(env->mepc, ==, RAM_BASE);
    g_assert_cmphex(env->mtval, ==, 0);
    g_assert_false(env->mstatus & RISCV_MSTATUS_MIE);
    g_assert_true(env->mstatus & RISCV_MSTATUS_MPIE);
    g_assert_cmpuint((env->mstatus & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT, ==, 3);
    /* Taking an interrupt retires nothing: nine jumps so far. */
    g_assert_cmpuint(env->minstret, ==, 9);
}

static void test_interrupt_vectored_priority(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {J_SELF};

    fx_code(f, 0, code, 1);
    env->mtvec = (RAM_BASE + 0x200) | 1;
    env->mie = (1u << RISCV_IRQ_M_TIMER) | (1u << RISCV_IRQ_M_SOFT) | (1u << RISCV_IRQ_M_EXT);
    env->mstatus |= RISCV_MSTATUS_MIE;
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_TIMER, true);
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_SOFT, true);
    g_assert_cmpint(riscv_cpu_pending_irq(env), ==, RISCV_IRQ_M_SOFT); /* MSI before MTI */
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_EXT, true);
    g_assert_cmpint(riscv_cpu_pending_irq(env), ==, RISCV_IRQ_M_EXT); /* MEI first */
    fx_run(f, 1);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 0x200 + 4 * RISCV_IRQ_M_EXT);
    g_assert_cmphex(env->mcause, ==, RISCV_CAUSE_INTERRUPT | RISCV_IRQ_M_EXT);

    /* Lowering the line clears the pending bit; S-level lines cannot be raised on an
     * M-only hart. */
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_EXT, false);
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_S_EXT, true);
    g_assert_cmphex(env->mip, ==, (1u << RISCV_IRQ_M_TIMER) | (1u << RISCV_IRQ_M_SOFT));

    /* Exceptions go to the base even in vectored mode. */
    const uint32_t ecall[] = {ECALL};
    fx_code(f, 0x300, ecall, 1);
    env->pc = RAM_BASE + 0x300;
    env->mie = 0;
    fx_run(f, 1);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 0x200);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_ECALL_M);
}

static void test_mret(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {MRET};

    fx_code(f, 0, code, 1);
    env->mepc = RAM_BASE + 0x40;
    env->mstatus |= RISCV_MSTATUS_MPIE;
    fx_run(f, 1);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 0x40);
    g_assert_true(env->mstatus & RISCV_MSTATUS_MIE);
    g_assert_true(env->mstatus & RISCV_MSTATUS_MPIE);
    g_assert_cmpint(env->priv, ==, RISCV_PRIV_M); /* MPP held M (its reset value) */
    /* mret leaves MPP at the least-privileged mode, U. */
    g_assert_cmpuint((env->mstatus & RISCV_MSTATUS_MPP) >> RISCV_MSTATUS_MPP_SHIFT, ==, 0);
}

static void test_wfi(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {WFI, WFI, J_SELF};
    uint64_t steps;

    fx_code(f, 0, code, 3);
    g_assert_cmpint(riscv_interp_run(&f->cpu, 10, &steps), ==, RISCV_EXIT_WFI);
    g_assert_cmpuint(steps, ==, 1);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 4); /* wfi retired */
    g_assert_cmpuint(env->minstret, ==, 1);

    /* Pending and enabled in mie wakes wfi even with mstatus.MIE clear: no trap. */
    env->mie = 1u << RISCV_IRQ_M_SOFT;
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_SOFT, true);
    g_assert_true(riscv_cpu_wfi_wakeup(env));
    g_assert_cmpint(riscv_interp_run(&f->cpu, 3, &steps), ==, RISCV_EXIT_BUDGET);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 8);
    g_assert_cmphex(env->mcause, ==, 0);
}

static void test_kick(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {J_SELF};
    uint64_t steps;

    fx_code(f, 0, code, 1);
    riscv_cpu_kick(&f->cpu);
    g_assert_cmpint(riscv_interp_run(&f->cpu, 100, &steps), ==, RISCV_EXIT_KICKED);
    g_assert_cmpuint(steps, ==, 0);
    g_assert_cmpint(riscv_interp_run(&f->cpu, 100, &steps), ==, RISCV_EXIT_BUDGET);
    g_assert_cmpuint(steps, ==, 100);
}

/* ---- exceptions and their mtval ---- */

static void expect_trap(Fixture *f, uint32_t insn, uint64_t cause, uint64_t tval)
{
    CPURISCVState *env = &f->cpu.env;

    fx_code(f, 0x80, &insn, 1);
    env->pc = RAM_BASE + 0x80;
    env->mtvec = RAM_BASE + 0x400;
    fx_run(f, 1);
    g_assert_cmphex(env->mcause, ==, cause);
    g_assert_cmphex(env->mtval, ==, tval);
    g_assert_cmphex(env->mepc, ==, RAM_BASE + 0x80);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 0x400);
}

static void test_exception_values(Fixture *f, gconstpointer data)
{
    uint64_t before;

    expect_trap(f, ECALL, RISCV_EXCP_ECALL_M, 0);
    expect_trap(f, EBREAK, RISCV_EXCP_BREAKPOINT, RAM_BASE + 0x80);
    expect_trap(f, 0x9002, RISCV_EXCP_BREAKPOINT, RAM_BASE + 0x80); /* c.ebreak */
    expect_trap(f, 0xfe000033, RISCV_EXCP_ILLEGAL_INSN, 0xfe000033);
    expect_trap(f, 0x6101, RISCV_EXCP_ILLEGAL_INSN, 0x6101); /* reserved 16-bit */
    expect_trap(f, CSRRS(10, 0x7ff, 0), RISCV_EXCP_ILLEGAL_INSN, CSRRS(10, 0x7ff, 0));
    expect_trap(f, CSRRW(0, RISCV_CSR_MHARTID, 5), RISCV_EXCP_ILLEGAL_INSN,
                CSRRW(0, RISCV_CSR_MHARTID, 5));
    /* Traps retire nothing. */
    before = f->cpu.env.minstret;
    expect_trap(f, ECALL, RISCV_EXCP_ECALL_M, 0);
    g_assert_cmpuint(f->cpu.env.minstret, ==, before);
}

static void test_fetch_faults(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;

    /* A 32-bit instruction whose second half lies past the end of RAM. */
    f->ram[RAM_SIZE - 2] = 0x13;
    f->ram[RAM_SIZE - 1] = 0x05;
    env->pc = RAM_BASE + RAM_SIZE - 2;
    env->mtvec = RAM_BASE;
    fx_run(f, 1);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_INSN_ACCESS);
    g_assert_cmphex(env->mepc, ==, RAM_BASE + RAM_SIZE - 2);
    g_assert_cmphex(env->mtval, ==, RAM_BASE + RAM_SIZE);

    env->pc = 0x40000000;
    fx_run(f, 1);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_INSN_ACCESS);
    g_assert_cmphex(env->mtval, ==, 0x40000000);
}

static void test_fetch_from_device(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;

    /* Instructions also come through the bus callbacks (a ROM modelled as a device). */
    f->dev_reg = ADDI(10, 10, 5);
    env->pc = DEV_BASE;
    fx_run(f, 1);
    g_assert_cmpuint(env->x[10], ==, 5);
    g_assert_cmphex(env->pc, ==, DEV_BASE + 4);
    g_assert_cmpuint(f->dev_accesses, ==, 2); /* two 16-bit parcels */
}

/* ---- CSRs ---- */

static uint64_t csr_rw(Fixture *f, unsigned csr, RiscvCsrOp op, uint64_t val, bool write)
{
    uint64_t old = 0;

    g_assert_true(riscv_csr_access(&f->cpu, csr, op, val, write, &old));
    return old;
}

static void test_csr_legal_values(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    uint64_t misa = env->misa, old;

    g_assert_cmphex(misa, ==, RISCV_MISA_MXL_64 | RISCV_MISA_EXT('I') | RISCV_MISA_EXT('M') |
                                  RISCV_MISA_EXT('A') | RISCV_MISA_EXT('F') |
                                  RISCV_MISA_EXT('D') | RISCV_MISA_EXT('C') |
                                  RISCV_MISA_EXT('S') | RISCV_MISA_EXT('U'));
    csr_rw(f, RISCV_CSR_MISA, RISCV_CSR_OP_WRITE, 0, true);
    g_assert_cmphex(env->misa, ==, misa);

    csr_rw(f, RISCV_CSR_MTVEC, RISCV_CSR_OP_WRITE, 0x80001001, true);
    g_assert_cmphex(env->mtvec, ==, 0x80001001);
    csr_rw(f, RISCV_CSR_MTVEC, RISCV_CSR_OP_WRITE, 0x80002002, true); /* reserved mode */
    g_assert_cmphex(env->mtvec, ==, 0x80002001);

    csr_rw(f, RISCV_CSR_MEPC, RISCV_CSR_OP_WRITE, 0x80000003, true);
    g_assert_cmphex(env->mepc, ==, 0x80000002);

    /* The privileged spec's writable fields; UXL/SXL read 64-bit; SD follows FS; MPP
     * keeps its value when written with the reserved mode 2. */
    csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    old = csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_SET, 0, false);
    g_assert_cmphex(old, ==, 0x8000000a007e79aa);
    csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_WRITE, 2u << RISCV_MSTATUS_MPP_SHIFT, true);
    g_assert_cmphex(env->mstatus, ==, RISCV_MSTATUS_MPP | (UINT64_C(0xa) << 32));
    csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_WRITE, 0, true);
    g_assert_cmphex(env->mstatus, ==, UINT64_C(0xa) << 32);
    /* sstatus is a view: SIE, SPIE, SPP, FS, SUM, MXR, UXL, SD. */
    csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    old = csr_rw(f, RISCV_CSR_SSTATUS, RISCV_CSR_OP_SET, 0, false);
    g_assert_cmphex(old, ==, 0x80000002000c6122);
    csr_rw(f, RISCV_CSR_SSTATUS, RISCV_CSR_OP_WRITE, 0, true);
    g_assert_cmphex(env->mstatus, ==, 0x0000000a00721888);
    csr_rw(f, RISCV_CSR_MSTATUS, RISCV_CSR_OP_WRITE, 0, true);

    csr_rw(f, RISCV_CSR_MIE, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    g_assert_cmphex(env->mie, ==, 0xaaa);
    /* Software writes SSIP, STIP and SEIP; the M bits are the platform's. */
    csr_rw(f, RISCV_CSR_MIP, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    g_assert_cmphex(env->mip, ==, 0x222);
    csr_rw(f, RISCV_CSR_MIP, RISCV_CSR_OP_WRITE, 0, true);
    /* Delegation: S interrupts only; every exception but ecall from M. */
    csr_rw(f, RISCV_CSR_MIDELEG, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    g_assert_cmphex(env->mideleg, ==, 0x222);
    csr_rw(f, RISCV_CSR_MEDELEG, RISCV_CSR_OP_WRITE, UINT64_MAX, true);
    g_assert_cmphex(env->medeleg, ==, 0xb3ff);
    /* satp: Bare, Sv39, Sv48, Sv57 only; another mode leaves it unchanged. */
    csr_rw(f, RISCV_CSR_SATP, RISCV_CSR_OP_WRITE, UINT64_C(8) << 60 | 0x80123, true);
    g_assert_cmphex(env->satp, ==, UINT64_C(8) << 60 | 0x80123);
    csr_rw(f, RISCV_CSR_SATP, RISCV_CSR_OP_WRITE, UINT64_C(11) << 60 | 0x5, true);
    g_assert_cmphex(env->satp, ==, UINT64_C(8) << 60 | 0x80123);
    csr_rw(f, RISCV_CSR_SATP, RISCV_CSR_OP_WRITE, 0, true);
    /* PMP: W without R is reserved; a locked entry ignores writes. */
    csr_rw(f, RISCV_CSR_PMPCFG0, RISCV_CSR_OP_WRITE, 0x8a02, true);
    g_assert_cmphex(csr_rw(f, RISCV_CSR_PMPCFG0, RISCV_CSR_OP_SET, 0, false), ==, 0x8800);
    csr_rw(f, RISCV_CSR_PMPADDR0 + 1, RISCV_CSR_OP_WRITE, 0x1234, true);
    g_assert_cmphex(env->pmpaddr[1], ==, 0);
    csr_rw(f, RISCV_CSR_PMPCFG0, RISCV_CSR_OP_WRITE, 0, true);
    g_assert_cmphex(env->pmpcfg[1], ==, 0x88);

    csr_rw(f, RISCV_CSR_MSCRATCH, RISCV_CSR_OP_WRITE, 0xf0, true);
    old = csr_rw(f, RISCV_CSR_MSCRATCH, RISCV_CSR_OP_SET, 0x0f, true);
    g_assert_cmphex(old, ==, 0xf0);
    old = csr_rw(f, RISCV_CSR_MSCRATCH, RISCV_CSR_OP_CLEAR, 0x3c, true);
    g_assert_cmphex(old, ==, 0xff);
    g_assert_cmphex(env->mscratch, ==, 0xc3);

    g_assert_cmpuint(csr_rw(f, RISCV_CSR_MHPMCOUNTER3 + 4, RISCV_CSR_OP_WRITE, 9, true), ==, 0);
    g_assert_cmpuint(csr_rw(f, RISCV_CSR_MHPMCOUNTER3 + 4, RISCV_CSR_OP_SET, 0, false), ==, 0);
    g_assert_cmpuint(csr_rw(f, RISCV_CSR_TIME, RISCV_CSR_OP_SET, 0, false), ==, 123456);
    g_assert_cmpuint(csr_rw(f, RISCV_CSR_MHARTID, RISCV_CSR_OP_SET, 0, false), ==, 0);
}

static void test_csr_refused(Fixture *f, gconstpointer data)
{
    uint64_t old;

    /* Read-only CSRs refuse writes, even of zero bits, but allow pure reads. */
    g_assert_false(riscv_csr_access(&f->cpu, RISCV_CSR_CYCLE, RISCV_CSR_OP_SET, 0, true, &old));
    g_assert_true(riscv_csr_access(&f->cpu, RISCV_CSR_CYCLE, RISCV_CSR_OP_SET, 0, false, &old));
    /* Not implemented: odd pmpcfg (RV32 only), hypervisor, debug, unallocated. */
    g_assert_false(riscv_csr_access(&f->cpu, 0x3a1, RISCV_CSR_OP_SET, 0, false, &old));
    g_assert_false(riscv_csr_access(&f->cpu, 0x600, RISCV_CSR_OP_SET, 0, false, &old));
    g_assert_false(riscv_csr_access(&f->cpu, 0x7b0, RISCV_CSR_OP_SET, 0, false, &old));
    g_assert_false(riscv_csr_access(&f->cpu, 0x1000, RISCV_CSR_OP_SET, 0, false, &old));
}

static void test_csr_time_absent(Fixture *f, gconstpointer data)
{
    uint32_t rdtime = CSRRS(10, RISCV_CSR_TIME, 0);

    /* Without a platform timer, `time` traps so that M-mode software can emulate it. */
    expect_trap(f, rdtime, RISCV_EXCP_ILLEGAL_INSN, rdtime);
}

static void test_counters(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {
        ADDI(1, 1, 1), ADDI(1, 1, 1), ADDI(1, 1, 1),
        CSRRS(10, RISCV_CSR_MINSTRET, 0), /* reads 3: the instructions before it */
        ADDI(5, 0, 1000),
        CSRRW(0, RISCV_CSR_MINSTRET, 5), /* the write wins over this one's own count */
        CSRRS(11, RISCV_CSR_INSTRET, 0),  /* reads 1000 */
        CSRRS(12, RISCV_CSR_MCYCLE, 0),
        CSRRW(0, RISCV_CSR_MCYCLE, 0),
        CSRRS(13, RISCV_CSR_CYCLE, 0),
    };

    fx_code(f, 0, code, G_N_ELEMENTS(code));
    fx_run(f, G_N_ELEMENTS(code));
    g_assert_cmpuint(env->x[10], ==, 3);
    g_assert_cmpuint(env->x[11], ==, 1000);
    g_assert_cmpuint(env->x[12], ==, 7);
    g_assert_cmpuint(env->x[13], ==, 0);
    g_assert_cmpuint(env->minstret, ==, 1004);
    g_assert_cmpuint(riscv_cpu_mcycle(env), ==, 1);
}

/* ---- memory interface ---- */

static void test_device_accesses(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {SW(11, 10, 0), LW(12, 10, 0), SW(11, 10, 2)};

    env->x[10] = DEV_BASE;
    env->x[11] = 0xfffffffff00dcafe;
    env->mtvec = RAM_BASE + 0x400;
    fx_code(f, 0, code, 3);
    fx_run(f, 2);
    g_assert_cmphex(f->dev_reg, ==, 0xf00dcafe);
    g_assert_cmphex(env->x[12], ==, 0xfffffffff00dcafe); /* lw sign-extends */
    /* A misaligned device access is not split: access fault, device untouched. */
    fx_run(f, 1);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_STORE_ACCESS);
    g_assert_cmphex(env->mtval, ==, DEV_BASE + 2);
    g_assert_cmpuint(f->dev_accesses, ==, 2);
}

static void test_readonly_window(Fixture *f, gconstpointer data)
{
    RiscvTrap trap;
    uint64_t v;

    f->rom[0x10] = 0x5a;
    g_assert_true(riscv_mem_load(&f->cpu, ROM_BASE + 0x10, 1, &v, &trap));
    g_assert_cmphex(v, ==, 0x5a);
    g_assert_false(riscv_mem_store(&f->cpu, ROM_BASE + 0x10, 1, 0, &trap));
    g_assert_cmphex(trap.cause, ==, RISCV_EXCP_STORE_ACCESS);
    g_assert_cmphex(f->rom[0x10], ==, 0x5a);
    g_assert_false(riscv_mem_lr(&f->cpu, ROM_BASE, 4, &v, &trap));
    g_assert_cmphex(trap.cause, ==, RISCV_EXCP_LOAD_ACCESS);
    g_assert_false(riscv_mem_amo(&f->cpu, RISCV_AMO_ADD, ROM_BASE, 4, 1, &v, &trap));
    g_assert_cmphex(trap.cause, ==, RISCV_EXCP_STORE_ACCESS);
    /* A RAM access running off the end of its window goes to the bus, and faults. */
    g_assert_false(riscv_mem_load(&f->cpu, RAM_BASE + RAM_SIZE - 4, 8, &v, &trap));
    g_assert_cmphex(trap.cause, ==, RISCV_EXCP_LOAD_ACCESS);
}

static void test_misaligned_ram(Fixture *f, gconstpointer data)
{
    RiscvTrap trap;
    uint64_t v;

    g_assert_true(riscv_mem_store(&f->cpu, RAM_BASE + 3, 8, 0x0807060504030201, &trap));
    g_assert_true(riscv_mem_load(&f->cpu, RAM_BASE + 5, 4, &v, &trap));
    g_assert_cmphex(v, ==, 0x06050403);
    g_assert_false(riscv_mem_amo(&f->cpu, RISCV_AMO_ADD, RAM_BASE + 4, 8, 1, &v, &trap));
    g_assert_cmphex(trap.cause, ==, RISCV_EXCP_STORE_ACCESS);
    g_assert_cmphex(trap.tval, ==, RAM_BASE + 4);
}

static void test_lr_sc(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {LR_W(11, 10), SC_W(12, 13, 10), LR_W(11, 10), SC_W(12, 13, 10),
                             AMOADD_W(14, 13, 10)};
    uint32_t word = 0x80000000u;

    env->x[10] = RAM_BASE + 0x800;
    env->x[13] = 7;
    memcpy(f->ram + 0x800, &word, 4);
    fx_code(f, 0, code, G_N_ELEMENTS(code));
    fx_run(f, 1);
    g_assert_cmphex(env->x[11], ==, 0xffffffff80000000);
    /* Another hart changes the word between LR and SC: SC fails and writes nothing. */
    word = 1;
    memcpy(f->ram + 0x800, &word, 4);
    fx_run(f, 1);
    g_assert_cmpuint(env->x[12], ==, 1);
    memcpy(&word, f->ram + 0x800, 4);
    g_assert_cmpuint(word, ==, 1);
    fx_run(f, 2);
    g_assert_cmpuint(env->x[12], ==, 0);
    memcpy(&word, f->ram + 0x800, 4);
    g_assert_cmpuint(word, ==, 7);
    g_assert_cmphex(env->lr_addr, ==, RISCV_NO_RESERVATION);
    fx_run(f, 1);
    g_assert_cmpuint(env->x[14], ==, 7);
    memcpy(&word, f->ram + 0x800, 4);
    g_assert_cmpuint(word, ==, 14);
}

static void test_x0(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {ADDI(0, 0, 5), LW(0, 10, 0)};

    f->cpu.env.x[10] = RAM_BASE;
    fx_code(f, 0, code, 2);
    fx_run(f, 2);
    g_assert_cmpuint(f->cpu.env.x[0], ==, 0);
    g_assert_cmphex(f->cpu.env.pc, ==, RAM_BASE + 8);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/riscv/interp/" path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("interrupt-direct", test_interrupt_direct);
    ADD("interrupt-vectored-priority", test_interrupt_vectored_priority);
    ADD("mret", test_mret);
    ADD("wfi", test_wfi);
    ADD("kick", test_kick);
    ADD("exception-values", test_exception_values);
    ADD("fetch-faults", test_fetch_faults);
    ADD("fetch-from-device", test_fetch_from_device);
    ADD("csr-legal-values", test_csr_legal_values);
    ADD("csr-refused", test_csr_refused);
    ADD("counters", test_counters);
    ADD("device-accesses", test_device_accesses);
    ADD("readonly-window", test_readonly_window);
    ADD("misaligned-ram", test_misaligned_ram);
    ADD("lr-sc", test_lr_sc);
    ADD("x0", test_x0);
#undef ADD
    g_test_add("/riscv/interp/csr-time-absent", Fixture, "no-time", fx_setup,
               test_csr_time_absent, fx_teardown);
    return g_test_run();
}

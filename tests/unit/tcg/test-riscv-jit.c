/*
 * Unit tests of the RISC-V harts on the JIT for what the differential fuzzer does not
 * reach: interrupts from another thread, wfi halting and waking (in M and, for a delegated
 * external interrupt, in S), kicks, self-modifying
 * code with fence.i (also in a block that followed jumps), device accesses through the soft-MMU slow path, fetch faults.
 */
#include <glib.h>
#include <string.h>

#include "tcg/riscv/translate.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE 0x10000u
#define DEV_BASE 0x10000000u

#define J_SELF 0x0000006fu
#define WFI 0x10500073u
#define NOP 0x00000013u

typedef struct Fixture {
    RiscvCPU cpu;
    uint8_t *ram;
    RiscvTcg *tcg;
    uint64_t dev_reg;
    unsigned dev_reads, dev_writes;
} Fixture;

static bool fx_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
    Fixture *f = opaque;

    if (addr != DEV_BASE) {
        return false;
    }
    f->dev_reads++;
    *val = f->dev_reg;
    return true;
}

static bool fx_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    Fixture *f = opaque;

    if (addr != DEV_BASE) {
        return false;
    }
    f->dev_writes++;
    f->dev_reg = val;
    /* Like the test device: a write ends the run. */
    riscv_cpu_kick(&f->cpu);
    return true;
}

static const RiscvBusOps fx_ops = {.read = fx_read, .write = fx_write};

static void fx_setup(Fixture *f, gconstpointer data)
{
    RiscvBus bus = {.ops = &fx_ops, .opaque = f, .nr_ram = 1};
    g_autoptr(GError) err = NULL;

    memset(f, 0, sizeof(*f));
    f->ram = g_malloc0(RAM_SIZE);
    bus.ram[0] = (RiscvRamWindow){.host = f->ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&f->cpu, 0, RAM_BASE, &bus);
    f->tcg = riscv_tcg_new(1, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(riscv_tcg_attach(f->tcg, &f->cpu, &err));
    f->cpu.env.mtvec = RAM_BASE + 0x800;
}

static void fx_teardown(Fixture *f, gconstpointer data)
{
    riscv_tcg_free(f->tcg);
    g_free(f->ram);
}

static void put(Fixture *f, uint64_t off, const uint32_t *insns, size_t n)
{
    memcpy(f->ram + off, insns, n * 4);
}

static uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3)
{
    return (uint32_t)((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (uint32_t)(imm & 0x1f) << 7 | 0x23;
}

/* The device write at the handler ends the run: the handler stores mcause there. */
static void put_handler(Fixture *f)
{
    const uint32_t handler[] = {
        enc_i(RISCV_CSR_MCAUSE, 0, 2, 11, 0x73), /* csrr a1, mcause */
        enc_s(0, 11, 10, 3),                     /* sd a1, 0(a0) */
        J_SELF,
    };

    put(f, 0x800, handler, G_N_ELEMENTS(handler));
    f->cpu.env.x[10] = DEV_BASE;
}

typedef struct Raiser {
    RiscvCPU *cpu;
    unsigned irq;
} Raiser;

static gpointer raise_later(gpointer data)
{
    Raiser *r = data;

    g_usleep(20000);
    riscv_cpu_set_irq(r->cpu, r->irq, true);
    return NULL;
}

static void test_interrupt_from_thread(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t loop[] = {0x00150513 /* addi a0, a0, 1 */, 0xffdff06f /* j -4 */};
    /* a0 counts iterations here, so this handler finds the device through a3. */
    const uint32_t handler[] = {
        enc_i((int32_t)RISCV_CSR_MCAUSE, 0, 2, 11, 0x73), /* csrr a1, mcause */
        0x100006b7,                                        /* lui a3, 0x10000 */
        enc_s(0, 11, 13, 3),                               /* sd a1, 0(a3) */
        J_SELF,
    };
    Raiser r = {&f->cpu, RISCV_IRQ_M_EXT};
    GThread *t;

    put(f, 0, loop, 2);
    put(f, 0x800, handler, G_N_ELEMENTS(handler));
    env->mie = 1u << RISCV_IRQ_M_EXT;
    env->mstatus |= RISCV_MSTATUS_MIE;

    t = g_thread_new("raiser", raise_later, &r);
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_thread_join(t);
    g_assert_cmphex(f->dev_reg, ==, RISCV_CAUSE_INTERRUPT | RISCV_IRQ_M_EXT);
    g_assert_cmpuint(env->x[10], >, 0); /* the loop ran */
    g_assert_true(env->mepc == RAM_BASE || env->mepc == RAM_BASE + 4);
    g_assert_false(env->mstatus & RISCV_MSTATUS_MIE);
    g_assert_true(env->mstatus & RISCV_MSTATUS_MPIE);
    /* Counting stays exact across chained blocks: two instructions per iteration (the
     * last one maybe cut after its addi), then the handler's. */
    g_assert_cmpuint(env->minstret, >=, 2 * env->x[10] - 1 + 3);
    g_assert_cmpuint(env->minstret, <=, 2 * env->x[10] + 4);
}

static void test_wfi_halt_and_wake(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {WFI, 0x00100593 /* li a1, 1 */, enc_s(0, 11, 10, 3), J_SELF};

    put(f, 0, code, G_N_ELEMENTS(code));
    env->x[10] = DEV_BASE;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_HALTED);
    g_assert_true(f->cpu.halted);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 4);
    /* Still nothing pending: halted again. */
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_HALTED);

    /* Pending and enabled in mie (MIE clear): wfi completes without a trap. */
    env->mie = 1u << RISCV_IRQ_M_TIMER;
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_M_TIMER, true);
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_false(f->cpu.halted);
    g_assert_cmphex(f->dev_reg, ==, 1);
    g_assert_cmphex(env->mcause, ==, 0);
    g_assert_cmpuint(env->minstret, >=, 3); /* wfi, li, sd (and maybe the final `j .`) */
    g_assert_cmpuint(env->minstret, <=, 4);
}

/* A hart in S mode sleeping in wfi wakes for the PLIC's S-level line, and the delegated
 * interrupt enters stvec in S mode; mip shows the line as SEIP. */
static void test_s_mode_external_interrupt(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {WFI, J_SELF};
    const uint32_t handler[] = {
        enc_i(RISCV_CSR_SCAUSE, 0, 2, 11, 0x73), /* csrr a1, scause */
        enc_s(0, 11, 10, 3),                     /* sd a1, 0(a0) */
        J_SELF,
    };

    put(f, 0, code, G_N_ELEMENTS(code));
    put(f, 0x900, handler, G_N_ELEMENTS(handler));
    env->x[10] = DEV_BASE;
    env->pmpaddr[0] = UINT64_MAX >> 10; /* NAPOT over everything, RWX: S may run */
    env->pmpcfg[0] = RISCV_PMP_R | RISCV_PMP_W | RISCV_PMP_X |
                     (RISCV_PMP_NAPOT << RISCV_PMP_A_SHIFT);
    env->stvec = RAM_BASE + 0x900;
    env->mideleg = 1u << RISCV_IRQ_S_EXT;
    env->mie = 1u << RISCV_IRQ_S_EXT;
    env->mstatus |= RISCV_MSTATUS_SIE;
    env->priv = RISCV_PRIV_S;

    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_HALTED);
    g_assert_cmphex(env->pc, ==, RAM_BASE + 4);
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_S_EXT, true);
    g_assert_true(riscv_cpu_wfi_wakeup(env));
    g_assert_cmphex(riscv_cpu_read_mip(env), ==, 1u << RISCV_IRQ_S_EXT);
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmphex(f->dev_reg, ==, RISCV_CAUSE_INTERRUPT | RISCV_IRQ_S_EXT);
    g_assert_cmpint(env->priv, ==, RISCV_PRIV_S);
    g_assert_cmphex(env->sepc, ==, RAM_BASE + 4);
    g_assert_cmphex(env->mcause, ==, 0); /* M saw nothing */
    g_assert_true(env->mstatus & RISCV_MSTATUS_SPP);
    /* The software SEIP bit is separate from the line. */
    riscv_cpu_set_irq(&f->cpu, RISCV_IRQ_S_EXT, false);
    g_assert_cmphex(riscv_cpu_read_mip(env), ==, 0);
}

static gpointer kick_later(gpointer data)
{
    g_usleep(20000);
    riscv_cpu_kick(data);
    return NULL;
}

static void test_kick(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {J_SELF};
    GThread *t;

    put(f, 0, code, 1);
    t = g_thread_new("kicker", kick_later, &f->cpu);
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_thread_join(t);
    g_assert_cmphex(f->cpu.env.pc, ==, RAM_BASE);
}

/* Code patches an instruction that already has a translation, then fence.i and a jump
 * to it: the new instruction must run. */
static void test_self_modifying_code(Fixture *f, gconstpointer data)
{
    const uint32_t code[] = {
        0x00000597,                 /* 00: auipc a1, 0 */
        enc_i(0x100, 11, 2, 12, 0x03), /* 04: lw a2, 0x100(a1): the new instruction */
        enc_s(0x18, 12, 11, 2),     /* 08: sw a2, 0x18(a1) */
        0x0000100f,                 /* 0c: fence.i */
        0x0080006f,                 /* 10: j 0x18 */
        NOP,                        /* 14 */
        0x00100693,                 /* 18: li a3, 1 (becomes li a3, 2) */
        enc_s(0, 13, 10, 3),        /* 1c: sd a3, 0(a0) */
        J_SELF,                     /* 20 */
    };
    const uint32_t patched = 0x00200693; /* li a3, 2 */

    put(f, 0, code, G_N_ELEMENTS(code));
    put(f, 0x100, &patched, 1);
    f->cpu.env.x[10] = DEV_BASE;

    /* First translate and run the block at 0x18 as it is. */
    f->cpu.env.pc = RAM_BASE + 0x18;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->dev_reg, ==, 1);

    f->cpu.env.pc = RAM_BASE;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->dev_reg, ==, 2);
}

static uint32_t enc_j(int32_t off, unsigned rd)
{
    uint32_t u = (uint32_t)off;

    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

/*
 * A block that followed jumps within its page, below and above its start, is dropped
 * when the guest stores to either piece: the patched code runs. The patcher lives in
 * another page and reaches the block through a chainable jump, so a stale block would
 * run if invalidation missed it.
 */
static void test_self_modifying_extended_block(Fixture *f, gconstpointer data)
{
    const uint32_t below[] = {
        0x00100693,          /* 040: li a3, 1 (becomes li a3, 2) */
        enc_j(0x2bc, 0),     /* 044: j 0x300 */
    };
    const uint32_t start[] = {
        0x00170713,          /* 200: addi a4, a4, 1 */
        enc_j(-0x1c4, 0),    /* 204: j 0x40 */
    };
    const uint32_t above[] = {
        0x00068693,          /* 300: addi a3, a3, 0 (becomes addi a3, a3, 10) */
        enc_s(0, 13, 10, 3), /* 304: sd a3, 0(a0) */
        J_SELF,              /* 308 */
    };
    const uint32_t patcher[] = {
        enc_i(0, 11, 2, 14, 0x03), /* 1000: lw a4, 0(a1) */
        enc_s(0, 14, 12, 2),       /* 1004: sw a4, 0(a2) */
        0x0000100f,                /* 1008: fence.i */
        enc_j(-0xe0c, 0),          /* 100c: j 0x200 */
    };
    const uint32_t patches[] = {0x00200693 /* li a3, 2 */, 0x00a68693 /* addi a3, a3, 10 */};
    CPURISCVState *env = &f->cpu.env;
    TCGJitStats stats;

    put(f, 0x40, below, G_N_ELEMENTS(below));
    put(f, 0x200, start, G_N_ELEMENTS(start));
    put(f, 0x300, above, G_N_ELEMENTS(above));
    put(f, 0x1000, patcher, G_N_ELEMENTS(patcher));
    put(f, 0x2000, patches, G_N_ELEMENTS(patches));
    env->x[10] = DEV_BASE;

    env->pc = RAM_BASE + 0x200;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->dev_reg, ==, 1);
    /* One block from 0x200 to the store (maybe the `j .` after it too): the jumps were
     * followed, otherwise 0x40 and 0x300 would have blocks of their own. */
    tcg_jit_get_stats(riscv_tcg_jit(f->tcg), &stats);
    g_assert_cmpuint(stats.tbs_translated, <=, 2);

    /* Patch the piece below the block's start. */
    env->x[11] = RAM_BASE + 0x2000;
    env->x[12] = RAM_BASE + 0x40;
    env->pc = RAM_BASE + 0x1000;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->dev_reg, ==, 2);

    /* And the piece above it. */
    env->x[11] = RAM_BASE + 0x2004;
    env->x[12] = RAM_BASE + 0x300;
    env->pc = RAM_BASE + 0x1000;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmpuint(f->dev_reg, ==, 12);
    tcg_jit_get_stats(riscv_tcg_jit(f->tcg), &stats);
    g_assert_cmpuint(stats.invalidations, >=, 2);
}

/* Loads and stores off RAM reach the device callbacks, with the right sign handling;
 * misaligned device accesses fault. */
static void test_device_slow_path(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {
        enc_i(0, 10, 2, 12, 0x03),  /* lw a2, 0(a0) */
        enc_i(0, 10, 6, 13, 0x03),  /* lwu a3, 0(a0) */
        enc_i(0, 10, 0, 14, 0x03),  /* lb a4, 0(a0) */
        enc_i(1, 10, 1, 15, 0x03),  /* lh a5, 1(a0): misaligned -> load access fault */
        J_SELF,
    };

    put(f, 0, code, G_N_ELEMENTS(code));
    put_handler(f);
    env->x[10] = DEV_BASE;
    f->dev_reg = 0x80000080;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmphex(env->x[12], ==, 0xffffffff80000080);
    g_assert_cmphex(env->x[13], ==, 0x80000080);
    g_assert_cmphex(env->x[14], ==, 0xffffffffffffff80);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_LOAD_ACCESS);
    g_assert_cmphex(env->mtval, ==, DEV_BASE + 1);
    g_assert_cmphex(env->mepc, ==, RAM_BASE + 12);
    /* Three loads, then the handler's csrr and sd (and its `j .` when it ran before the
     * loop saw the kick). */
    g_assert_cmpuint(env->minstret, >=, 3 + 2);
    g_assert_cmpuint(env->minstret, <=, 3 + 3);
    g_assert_cmpuint(f->dev_reads, ==, 3);
}

/* minstret lives in a host register while blocks run chained to each other: a fault in a
 * block entered by a chained jump still sees the exact count (the handler reads it). */
static void test_counter_across_chained_blocks(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;
    const uint32_t code[] = {
        NOP,
        enc_i(1, 12, 0, 12, 0x13),                 /* 4: addi a2, a2, 1 */
        0x00065263,                                /* 8: bge a2, x0, +4 (to 12) */
        enc_i(0, 13, 1, 15, 0x03),                 /* 12: lh a5, 0(a3) */
        enc_i(2, 13, 0, 13, 0x13),                 /* 16: addi a3, a3, 2 */
        0xfe0698e3,                                /* 20: bne a3, x0, -16 (to 4) */
    };

    put(f, 0, code, G_N_ELEMENTS(code));
    put_handler(f);
    f->cpu.env.x[13] = RAM_BASE + RAM_SIZE - 20; /* the 11th load leaves RAM */
    /* handler: csrr a1, minstret instead of mcause */
    uint32_t csrr = enc_i(RISCV_CSR_MINSTRET, 0, 2, 11, 0x73);
    memcpy(f->ram + 0x800, &csrr, 4);
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmphex(env->mcause, ==, RISCV_EXCP_LOAD_ACCESS);
    g_assert_cmphex(env->mepc, ==, RAM_BASE + 12);
    g_assert_cmpuint(env->x[12], ==, 11);
    /* nop, 10 iterations of 5, then addi and bge: 53 retired before the fault */
    g_assert_cmpuint(f->dev_reg, ==, 53);
    g_assert_cmpuint(f->cpu.tcg.stats.loop_exits, <, 11); /* the iterations ran chained */
}

static void test_fetch_fault(Fixture *f, gconstpointer data)
{
    CPURISCVState *env = &f->cpu.env;

    put_handler(f);
    env->pc = 0x40000000;
    g_assert_cmpint(riscv_tcg_exec(&f->cpu), ==, TCG_EXEC_STOPPED);
    g_assert_cmphex(f->dev_reg, ==, RISCV_EXCP_INSN_ACCESS);
    g_assert_cmphex(env->mepc, ==, 0x40000000);
    g_assert_cmphex(env->mtval, ==, 0x40000000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/riscv/jit/" path, Fixture, NULL, fx_setup, fn, fx_teardown)
    ADD("interrupt-from-thread", test_interrupt_from_thread);
    ADD("wfi-halt-and-wake", test_wfi_halt_and_wake);
    ADD("s-mode-external-interrupt", test_s_mode_external_interrupt);
    ADD("kick", test_kick);
    ADD("self-modifying-code", test_self_modifying_code);
    ADD("self-modifying-extended-block", test_self_modifying_extended_block);
    ADD("device-slow-path", test_device_slow_path);
    ADD("fetch-fault", test_fetch_fault);
    ADD("counter-across-chained-blocks", test_counter_across_chained_blocks);
#undef ADD
    return g_test_run();
}

/*
 * Unit tests for the "tcg" accelerator (tcg/riscv/accel.c) on engine vCPU threads, in JIT
 * and interpreter mode: the guest ISA images run to their verdict, kicks park a spinning
 * hart, wfi halts the vCPU and an interrupt line wakes it, reset restarts the program
 * with the boot registers, topology changes flush the harts' TLBs.
 */
#include <string.h>

#include "engine/accel.h"
#include "engine/cpu.h"
#include "engine/lock.h"
#include "engine/memory.h"
#include "engine/object.h"
#include "hw/riscv/hart.h"
#include "tcg/riscv/accel.h"
#include "util/elf.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE (1u << 20)
#define TEST_DEVICE 0x100000u
#define EM_RISCV 243
#define TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef struct Board {
    MemoryRegion *root;
    MemoryRegion *ram;
    AddressSpace *as;
    AccelState *accel;
    CpuGroup *cpus;
    RiscvHartConfig hart;
    CPUState *cpu;
    GCond cond;
    unsigned writes; /* to the test device */
    uint32_t status;
    uint64_t a0_seen; /* a1 of the program below, stored next to the status */
} Board;

static MemTxResult testdev_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    *value = 0;
    return MEMTX_OK;
}

static MemTxResult testdev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    Board *b = opaque;

    g_assert_true(engine_lock_held());
    if (offset == 0) {
        b->status = (uint32_t)value;
        b->writes++;
    } else if (offset == 8) {
        b->a0_seen = value;
    }
    g_cond_broadcast(&b->cond);
    return MEMTX_OK;
}

/* The platform timer behind `time`: host nanoseconds / 100 (a 10 MHz timebase). */
static uint64_t board_time(void *opaque)
{
    return (uint64_t)g_get_monotonic_time() * 10;
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .valid = {.min_size = 4, .max_size = 8},
};

/* Options of the next machine, as tcg-set-options leaves them. */
static void set_mode(const char *mode)
{
    Object *machine = object_get_container("/machine");
    Object *old = object_get_child(machine, "tcg-accel");
    g_autoptr(Object) opts = NULL;

    if (old) {
        object_unparent(old);
    }
    if (!mode) {
        return;
    }
    opts = object_new(TYPE_TCG_ACCEL, NULL);
    g_assert_true(object_property_set_str(opts, "mode", mode, NULL));
    g_assert_true(object_add_child(machine, "tcg-accel", opts, NULL));
}

static void board_init(Board *b, const char *mode)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) dev = NULL;

    memset(b, 0, sizeof(*b));
    g_cond_init(&b->cond);
    set_mode(mode);
    b->root = memory_region_new_container("system", UINT64_MAX);
    b->ram = memory_region_new_ram("ram", RAM_SIZE, MEMORY_RAM_DEFAULT, &err);
    g_assert_no_error(err);
    dev = memory_region_new_mmio("test", 0x1000, &testdev_ops, b);
    b->as = address_space_new("memory", b->root);
    b->accel = accel_new("tcg", b->as, &err);
    g_assert_no_error(err);
    g_assert_cmpint(tcg_accel_is_interp(tcg_accel_of(b->accel)), ==, g_strcmp0(mode, "interp") == 0);
    g_assert_true(memory_region_add_subregion(b->root, RAM_BASE, b->ram, 0, &err));
    g_assert_true(memory_region_add_subregion(b->root, TEST_DEVICE, dev, 0, &err));
    b->cpus = cpu_group_new(b->accel);
    b->hart = (RiscvHartConfig){.magic = RISCV_HART_CONFIG_MAGIC, .hartid = 0,
                                .reset_pc = RAM_BASE, .boot_a1 = 0x1234,
                                .get_time = board_time};
}

static void board_start_cpu(Board *b)
{
    g_autoptr(GError) err = NULL;

    b->cpu = cpu_create(b->cpus, &b->hart, &err);
    g_assert_no_error(err);
    g_assert_nonnull(b->cpu);
    g_assert_nonnull(b->hart.irq[RISCV_HART_IRQ_M_EXT]);
    cpus_reset_all(b->cpus);
    cpus_resume_all(b->cpus);
}

static void board_free(Board *b)
{
    cpu_group_free(b->cpus);
    accel_free(b->accel);
    address_space_free(b->as);
    memory_region_unref(b->ram);
    memory_region_unref(b->root);
    g_cond_clear(&b->cond);
    set_mode(NULL);
}

/* Waits (engine lock held) until the test device saw `writes` writes. */
static void wait_writes(Board *b, unsigned writes)
{
    gint64 deadline = g_get_monotonic_time() + TIMEOUT_US;

    while (b->writes < writes) {
        g_assert_true(engine_lock_wait_until(&b->cond, deadline) || b->writes >= writes);
    }
}

static void wait_halted(Board *b)
{
    gint64 deadline = g_get_monotonic_time() + TIMEOUT_US;

    while (!b->cpu->halted) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        engine_unlock();
        g_usleep(1000);
        engine_lock();
    }
}

static void load_program(Board *b, const uint32_t *insns, size_t n)
{
    g_assert_cmpuint(address_space_write_rom(b->as, RAM_BASE, insns, n * 4), ==, MEMTX_OK);
}

/* ---- the guest ISA images ---- */

static void run_image(gconstpointer data)
{
    const char *const *c = data; /* {mode, image} */
    const char *dir = g_getenv("HULL_RISCV_GUEST_DIR");
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(ElfImage) image = NULL;
    g_autoptr(GError) err = NULL;
    Board b;
    gsize len;

    if (!dir) {
        g_test_skip("HULL_RISCV_GUEST_DIR is not set");
        return;
    }
    path = g_strdup_printf("%s/%s.elf", dir, c[1]);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_skip("guest image not built (riscv64-unknown-elf-gcc absent at configure time)");
        return;
    }
    g_assert_true(g_file_get_contents(path, &contents, &len, &err));
    image = elf_parse((const uint8_t *)contents, len, EM_RISCV, &err);
    g_assert_no_error(err);

    board_init(&b, c[0]);
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];

        g_assert_cmpuint(address_space_write_rom(b.as, seg->paddr, seg->data, seg->filesz), ==,
                         MEMTX_OK);
    }
    b.hart.reset_pc = image->entry;
    board_start_cpu(&b);
    wait_writes(&b, 1);
    g_assert_cmphex(b.status, ==, 0x5555);
    /* The test ends in a wfi loop with no interrupt enabled: the vCPU halts. */
    wait_halted(&b);
    board_free(&b);
}

/* ---- kicks, halts, interrupts, reset ---- */

/* addi t0,x0,1; slli t0,t0,11; csrw mie,t0 (MEIE); wfi; lui t0,0x100; sd a0,8(t0);
 * lui t1,5; addi t1,t1,0x555; sw t1,0(t0); j . */
static const uint32_t prog_wfi[] = {
    0x00100293, 0x00b29293, 0x30429073, 0x10500073, 0x001002b7,
    0x00a2b423, 0x00005337, 0x55530313, 0x0062a023, 0x0000006f,
};

static void test_wfi_irq(gconstpointer data)
{
    Board b;
    IrqLine *meip;

    board_init(&b, data);
    load_program(&b, prog_wfi, G_N_ELEMENTS(prog_wfi));
    b.hart.hartid = 0; /* a0 at reset */
    board_start_cpu(&b);
    meip = b.hart.irq[RISCV_HART_IRQ_M_EXT];
    wait_halted(&b);
    g_assert_cmpuint(b.writes, ==, 0);
    irq_raise(meip);
    wait_writes(&b, 1);
    g_assert_cmphex(b.status, ==, 0x5555);
    g_assert_cmphex(b.a0_seen, ==, 0);

    /* Reset: the program runs again from the start, with the line still high (mip keeps
     * the wire's level), so its wfi completes at once. */
    cpus_pause_all(b.cpus);
    cpus_reset_all(b.cpus);
    cpus_resume_all(b.cpus);
    wait_writes(&b, 2);
    irq_lower(meip);

    /* Again with the line low: it waits in wfi until raised. */
    cpus_pause_all(b.cpus);
    cpus_reset_all(b.cpus);
    cpus_resume_all(b.cpus);
    wait_halted(&b);
    g_assert_cmpuint(b.writes, ==, 2);
    irq_raise(meip);
    wait_writes(&b, 3);
    board_free(&b);
}

/* lui t0,0x100; j . (spins forever after loading the test device address) */
static const uint32_t prog_spin[] = {0x001002b7, 0x0000006f};

static void test_kick_pause(gconstpointer data)
{
    Board b;
    g_autoptr(GArray) stats = NULL;
    const TcgAccelVcpuStats *s;
    uint64_t before;

    board_init(&b, data);
    load_program(&b, prog_spin, G_N_ELEMENTS(prog_spin));
    board_start_cpu(&b);
    engine_unlock();
    g_usleep(20000);
    engine_lock();
    for (unsigned i = 0; i < 5; i++) {
        /* Parking needs the spinning hart to see its kick. */
        cpus_pause_all(b.cpus);
        g_assert_true(b.cpu->parked);
        stats = tcg_accel_vcpu_stats(tcg_accel_of(b.accel));
        s = &g_array_index(stats, TcgAccelVcpuStats, 0);
        g_assert_cmphex(s->pc, ==, RAM_BASE + 4);
        before = s->instructions;
        g_assert_cmpuint(before, >, 0);
        g_clear_pointer(&stats, g_array_unref);
        /* A topology change while parked: the TLB is flushed before the next run. */
        memory_region_set_enabled(b.ram, false);
        memory_region_set_enabled(b.ram, true);
        cpus_resume_all(b.cpus);
        engine_unlock();
        g_usleep(5000);
        engine_lock();
    }
    /* It runs on after the last resume (given the time: the host may be loaded). */
    for (gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;;) {
        uint64_t now;

        cpus_pause_all(b.cpus);
        stats = tcg_accel_vcpu_stats(tcg_accel_of(b.accel));
        now = g_array_index(stats, TcgAccelVcpuStats, 0).instructions;
        if (now > before || g_get_monotonic_time() > deadline) {
            g_assert_cmpuint(now, >, before);
            break;
        }
        g_clear_pointer(&stats, g_array_unref);
        cpus_resume_all(b.cpus);
        engine_unlock();
        g_usleep(5000);
        engine_lock();
    }
    if (tcg_accel_jit(tcg_accel_of(b.accel))) {
        TCGJitStats js;

        tcg_jit_get_stats(tcg_accel_jit(tcg_accel_of(b.accel)), &js);
        /* RAM went away and came back: translations were dropped at least once. */
        g_assert_cmpuint(js.flushes, >=, 1);
        g_assert_cmpuint(js.tbs_translated, >=, 2);
    }
    board_free(&b);
}

/* li t0,1; slli t0,t0,63; csrs menvcfg,t0 (STCE); li t1,12345; csrw stimecmp,t1;
 * lui t0,0x100; li t2,0x5555; sw t2,0(t0); j . */
static const uint32_t prog_stimecmp[] = {
    0x00100293, 0x03f29293, 0x30a2a073, 0x00003337, 0x03930313, 0x14d31073,
    0x001002b7, 0x000053b7, 0x55538393, 0x0072a023, 0x0000006f,
};

typedef struct StimecmpSeen {
    unsigned calls;
    uint64_t hartid, value;
    void *opaque;
} StimecmpSeen;

static StimecmpSeen stimecmp_seen;

static void board_stimecmp_changed(void *opaque, uint64_t hartid, uint64_t value)
{
    stimecmp_seen.calls++;
    stimecmp_seen.hartid = hartid;
    stimecmp_seen.value = value;
    stimecmp_seen.opaque = opaque;
}

/* Sstc: a stimecmp write reaches the platform's callback, with the hart's time_opaque. */
static void test_stimecmp(gconstpointer data)
{
    Board b;

    board_init(&b, data);
    memset(&stimecmp_seen, 0, sizeof(stimecmp_seen));
    load_program(&b, prog_stimecmp, G_N_ELEMENTS(prog_stimecmp));
    b.hart.hartid = 0;
    b.hart.time_opaque = &b;
    b.hart.stimecmp_changed = board_stimecmp_changed;
    board_start_cpu(&b);
    wait_writes(&b, 1);
    g_assert_cmphex(b.status, ==, 0x5555);
    /* Setting STCE reports the current stimecmp too; the last call has the new value. */
    g_assert_cmpuint(stimecmp_seen.calls, >=, 1);
    g_assert_cmpuint(stimecmp_seen.value, ==, 12345);
    g_assert_cmpuint(stimecmp_seen.hartid, ==, 0);
    g_assert_true(stimecmp_seen.opaque == &b);
    board_free(&b);
}

static void test_not_a_hart(void)
{
    g_autoptr(GError) err = NULL;
    Board b;
    uint32_t junk = 0;

    board_init(&b, NULL);
    g_assert_null(cpu_create(b.cpus, &junk, &err));
    g_assert_nonnull(strstr(err->message, "RISC-V harts only"));
    board_free(&b);
}

static void test_bad_mode(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(Object) opts = object_new(TYPE_TCG_ACCEL, NULL);

    g_assert_false(object_property_set_str(opts, "mode", "fast", &err));
    g_assert_nonnull(err);
}

int main(int argc, char **argv)
{
    static const char *const images[] = {"arith", "mem", "atomic", "compressed", "csr",
                                         "traps", "fencei"};
    static const char *cases[2 * G_N_ELEMENTS(images)][2];
    int rc;

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = NULL;

        cases[i][0] = i < G_N_ELEMENTS(images) ? "jit" : "interp";
        cases[i][1] = images[i % G_N_ELEMENTS(images)];
        path = g_strdup_printf("/riscv/accel/%s/isa-%s", cases[i][0], cases[i][1]);
        g_test_add_data_func(path, cases[i], run_image);
    }
    g_test_add_data_func("/riscv/accel/jit/wfi-irq", "jit", test_wfi_irq);
    g_test_add_data_func("/riscv/accel/interp/wfi-irq", "interp", test_wfi_irq);
    g_test_add_data_func("/riscv/accel/jit/kick-pause", "jit", test_kick_pause);
    g_test_add_data_func("/riscv/accel/interp/kick-pause", "interp", test_kick_pause);
    g_test_add_data_func("/riscv/accel/jit/stimecmp", "jit", test_stimecmp);
    g_test_add_data_func("/riscv/accel/interp/stimecmp", "interp", test_stimecmp);
    g_test_add_func("/riscv/accel/not-a-hart", test_not_a_hart);
    g_test_add_func("/riscv/accel/bad-mode", test_bad_mode);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

/*
 * Tests for kvm/accel-kvm.c: the "kvm" AccelOps driven the way the engine drives it (an
 * address space with RAM, a port I/O space with devices, vCPU threads of a CpuGroup), on
 * the guests of tests/guest/x86.
 */
#include "engine/accel.h"
#include "engine/cpu.h"
#include "engine/lock.h"
#include "engine/memory.h"
#include "guest-harness.h"
#include "kvm/x86-boot.h"

#define RAM_SIZE (4u << 20)

typedef struct Fixture {
    MemoryRegion *sysmem;
    MemoryRegion *ram;
    MemoryRegion *io;
    AddressSpace *as;
    AddressSpace *io_as;
    AccelState *accel;
    CpuGroup *group;
    X86CpuArch arch;
    GCond changed;
    GString *out;  /* what the guest wrote to port 0x3f8 (lock) */
    int exit_code; /* -1 until it writes port 0x501 (lock) */
    unsigned exits;
} Fixture;

static MemTxResult uart_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    *value = offset == UART_LSR - UART_THR ? LSR_THR_EMPTY : 0;
    return MEMTX_OK;
}

static MemTxResult uart_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    Fixture *f = opaque;

    g_assert_true(engine_lock_held());
    if (offset == 0) {
        g_string_append_c(f->out, (char)value);
    }
    return MEMTX_OK;
}

static const MemoryRegionOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .valid = {.min_size = 1, .max_size = 1},
};

static MemTxResult exit_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    Fixture *f = opaque;

    f->exit_code = (int)(value & 0xff);
    f->exits++;
    g_cond_broadcast(&f->changed);
    return MEMTX_OK;
}

static const MemoryRegionOps exit_ops = {
    .write = exit_write,
    .valid = {.min_size = 1, .max_size = 4},
};

/* Sets up memory, the accelerator and the devices; false (test skipped) without KVM. */
static bool fixture_init(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    memset(f, 0, sizeof(*f));
    if (!kvm_usable_or_skip()) {
        return false;
    }
    g_cond_init(&f->changed);
    f->out = g_string_new(NULL);
    f->exit_code = -1;
    engine_lock();
    f->sysmem = memory_region_new_container("system", 1ull << 36);
    f->ram = memory_region_new_ram("ram", RAM_SIZE, MEMORY_RAM_DEFAULT, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(f->sysmem, 0, f->ram, 0, &err));
    f->as = address_space_new("memory", f->sysmem);
    f->accel = accel_new("kvm", f->as, &err);
    g_assert_no_error(err);

    f->io = memory_region_new_container("io", 0x10000);
    f->io_as = address_space_new("I/O", f->io);
    g_autoptr(MemoryRegion) uart = memory_region_new_mmio("uart", 8, &uart_ops, f);
    g_autoptr(MemoryRegion) exit_port = memory_region_new_mmio("exit", 2, &exit_ops, f);
    g_assert_true(memory_region_add_subregion(f->io, UART_THR, uart, 0, &err));
    g_assert_true(memory_region_add_subregion(f->io, DEBUG_EXIT_PORT, exit_port, 0, &err));
    f->accel->io_as = f->io_as;
    f->group = cpu_group_new(f->accel);
    return true;
}

static void fixture_load(Fixture *f, const char *guest)
{
    g_autoptr(GBytes) image = read_guest(guest);
    g_autoptr(GError) err = NULL;
    X86RamRange range = {.gpa = 0, .size = RAM_SIZE, .host = memory_region_get_ram_ptr(f->ram)};
    X86BootConfig config = {.ram = &range, .n_ram = 1, .cmdline = "accel test"};
    gsize size;
    const uint8_t *data;

    g_assert_nonnull(image);
    data = g_bytes_get_data(image, &size);
    g_assert_true(x86_boot_load(data, size, &config, &f->arch.entry, &err));
    g_assert_no_error(err);
    f->arch.boot = true;
}

static void fixture_cleanup(Fixture *f)
{
    cpu_group_free(f->group);
    f->accel->io_as = NULL;
    accel_free(f->accel);
    address_space_free(f->io_as);
    memory_region_unref(f->io);
    address_space_free(f->as);
    memory_region_unref(f->ram);
    memory_region_unref(f->sysmem);
    engine_unlock();
    g_string_free(f->out, true);
    g_cond_clear(&f->changed);
}

/* Lock held: waits (up to 20 s of this slow KVM) for the guest's next exit-port write. */
static void wait_exit(Fixture *f, unsigned exits)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

    while (f->exits < exits) {
        g_assert_true(engine_lock_wait_until(&f->changed, end) || f->exits >= exits);
    }
}

static void test_hello_then_reset(void)
{
    g_autoptr(GError) err = NULL;
    Fixture f;

    if (!fixture_init(&f)) {
        return;
    }
    fixture_load(&f, "hello.elf");
    CPUState *cpu = cpu_create(f.group, &f.arch, &err);
    g_assert_no_error(err);
    g_assert_nonnull(cpu);

    /* Port I/O reaches the engine's I/O space; RAM is the engine's region. */
    cpus_resume_all(f.group);
    wait_exit(&f, 1);
    cpus_pause_all(f.group);
    g_assert_cmpstr(f.out->str, ==, "Hello from a PVH guest\n");
    g_assert_cmpint(f.exit_code, ==, 0);

    /* A system reset: the vCPU goes back to the loader's entry, on its own thread. */
    g_string_truncate(f.out, 0);
    cpus_reset_all(f.group);
    cpus_resume_all(f.group);
    wait_exit(&f, 2);
    cpus_pause_all(f.group);
    g_assert_cmpstr(f.out->str, ==, "Hello from a PVH guest\n");
    fixture_cleanup(&f);
}

/* The command line reaches the guest through start_info in the engine's RAM. */
static void test_cmdline(void)
{
    g_autoptr(GError) err = NULL;
    Fixture f;

    if (!fixture_init(&f)) {
        return;
    }
    fixture_load(&f, "cmdline.elf");
    g_assert_nonnull(cpu_create(f.group, &f.arch, &err));
    cpus_resume_all(f.group);
    wait_exit(&f, 1);
    cpus_pause_all(f.group);
    g_assert_cmpstr(f.out->str, ==, "accel test\n");
    g_assert_cmpint(f.exit_code, ==, 2); /* RAM below 640 KiB and from 1 MiB */
    fixture_cleanup(&f);
}

/* A guest spinning with interrupts off: pause and teardown get its thread back. */
static void test_pause_spinning(void)
{
    g_autoptr(GError) err = NULL;
    Fixture f;

    if (!fixture_init(&f)) {
        return;
    }
    fixture_load(&f, "spin.elf");
    CPUState *cpu = cpu_create(f.group, &f.arch, &err);
    g_assert_nonnull(cpu);
    for (int round = 0; round < 3; round++) {
        guint64 calls = cpu->exec_calls;

        cpus_resume_all(f.group);
        engine_lock_wait_until(&f.changed, g_get_monotonic_time() + 20 * 1000);
        cpus_pause_all(f.group);
        g_assert_true(cpu->parked);
        g_assert_cmpuint(cpu->exec_calls, >, calls);
    }
    cpus_resume_all(f.group);
    engine_lock_wait_until(&f.changed, g_get_monotonic_time() + 20 * 1000);
    fixture_cleanup(&f); /* joins a running vCPU */
}

/* RAM that KVM cannot map (not page aligned) keeps vCPUs from starting, with the reason. */
static void test_unmappable_ram_refuses_vcpus(void)
{
    g_autoptr(GError) err = NULL;
    Fixture f;

    if (!fixture_init(&f)) {
        return;
    }
    g_autoptr(MemoryRegion) odd = memory_region_new_ram("odd", 0x1000, MEMORY_RAM_DEFAULT, &err);
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(f.sysmem, 0x10000800, odd, 0, &err));
    fixture_load(&f, "hello.elf");
    g_assert_null(cpu_create(f.group, &f.arch, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "KVM cannot map odd at 0x10000800"));
    g_assert_nonnull(strstr(err->message, "page aligned"));
    g_assert_cmpuint(cpu_group_count(f.group), ==, 0);
    fixture_cleanup(&f);
}

static void test_irqchip_inputs(void)
{
    Fixture f;

    if (!fixture_init(&f)) {
        return;
    }
    g_autoptr(GError) err = NULL;
    IrqLine *com1 = accel_irqchip_input(f.accel, 4, &err);
    g_assert_no_error(err);
    g_assert_nonnull(com1);
    irq_raise(com1);
    irq_lower(com1);
    g_assert_nonnull(accel_irqchip_input(f.accel, 23, NULL));
    g_assert_null(accel_irqchip_input(f.accel, 24, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "no interrupt controller input 24"));
    fixture_cleanup(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/accel/hello-then-reset", test_hello_then_reset);
    g_test_add_func("/kvm/accel/cmdline", test_cmdline);
    g_test_add_func("/kvm/accel/pause-spinning", test_pause_spinning);
    g_test_add_func("/kvm/accel/unmappable-ram", test_unmappable_ram_refuses_vcpus);
    g_test_add_func("/kvm/accel/irqchip-inputs", test_irqchip_inputs);
    return g_test_run();
}

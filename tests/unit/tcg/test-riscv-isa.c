/*
 * Runs the guest ISA tests of tests/guest/riscv (bare-metal ELF images) on the reference
 * interpreter and on the JIT, with RAM at 0x80000000 and a QEMU-compatible test device at
 * 0x100000: once on a plain RAM window with bus callbacks, once on an engine AddressSpace
 * through the bus adapter. Scaffolding until hw/riscv/virt.c runs them through QMP.
 */
#include <glib.h>
#include <string.h>

#include "engine/memory.h"
#include "tcg/riscv/bus.h"
#include "tcg/riscv/cpu.h"
#include "tcg/riscv/interp.h"
#include "tcg/riscv/translate.h"
#include "util/elf.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE (1u << 20)
#define TEST_DEVICE 0x100000u
#define EM_RISCV 243
#define STEP_BUDGET 20000000u
#define JIT_TIMEOUT_US (20 * G_USEC_PER_SEC)

typedef struct TestBoard {
    RiscvCPU cpu;
    uint8_t *ram;
    bool done;
    uint32_t status; /* the value written to the test device */
    uint64_t time;
    bool timed_out;
    /* The engine flavour: an address space with a RAM region and an MMIO test device. */
    AddressSpace *as;
    RiscvAddressSpaceBus asb;
} TestBoard;

typedef struct IsaCase {
    const char *image;
    bool jit;
    bool engine;
} IsaCase;

static bool board_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
    if (addr == TEST_DEVICE && size == 4) {
        *val = 0;
        return true;
    }
    return false;
}

static bool board_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    TestBoard *b = opaque;

    if (addr != TEST_DEVICE || size != 4) {
        return false;
    }
    b->status = (uint32_t)val;
    __atomic_store_n(&b->done, true, __ATOMIC_SEQ_CST);
    riscv_cpu_kick(&b->cpu);
    return true;
}

static uint64_t board_time(void *opaque)
{
    TestBoard *b = opaque;

    return b->time++;
}

static const RiscvBusOps board_ops = {
    .read = board_read,
    .write = board_write,
    .get_time = board_time,
};

static MemTxResult test_device_read(void *opaque, uint64_t offset, unsigned size,
                                    uint64_t *value)
{
    return board_read(opaque, TEST_DEVICE + offset, size, value) ? MEMTX_OK : MEMTX_ERROR;
}

static MemTxResult test_device_write(void *opaque, uint64_t offset, unsigned size,
                                     uint64_t value)
{
    return board_write(opaque, TEST_DEVICE + offset, size, value) ? MEMTX_OK : MEMTX_ERROR;
}

static const MemoryRegionOps test_device_ops = {
    .read = test_device_read,
    .write = test_device_write,
    .valid = {.min_size = 4, .max_size = 4},
};

/* RAM and the test device in an engine address space; the image goes in as a loader
 * writes it. */
static void board_init_engine(TestBoard *b, const ElfImage *image)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) root = memory_region_new_container("system", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = memory_region_new_ram("ram", RAM_SIZE, MEMORY_RAM_DEFAULT,
                                                        &err);
    g_autoptr(MemoryRegion) dev = memory_region_new_mmio("test", 0x1000, &test_device_ops, b);
    RiscvBus bus;

    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(root, RAM_BASE, ram, 0, &err));
    g_assert_true(memory_region_add_subregion(root, TEST_DEVICE, dev, 0, &err));
    b->as = address_space_new("memory", root);
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];
        g_assert_cmpuint(address_space_write_rom(b->as, seg->paddr, seg->data, seg->filesz),
                         ==, MEMTX_OK);
    }
    b->asb = (RiscvAddressSpaceBus){.as = b->as, .get_time = board_time, .time_opaque = b};
    riscv_bus_init_address_space(&bus, &b->asb);
    riscv_cpu_init(&b->cpu, 0, image->entry, &bus);
}

static void board_init_flat(TestBoard *b, const ElfImage *image)
{
    RiscvBus bus = {.ops = &board_ops, .opaque = b, .nr_ram = 1};

    b->ram = g_malloc0(RAM_SIZE);
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];
        memcpy(b->ram + (seg->paddr - RAM_BASE), seg->data, seg->filesz);
    }
    bus.ram[0] = (RiscvRamWindow){.host = b->ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&b->cpu, 0, image->entry, &bus);
}

static void run_interp(TestBoard *b)
{
    uint64_t total = 0;

    while (!b->done && total < STEP_BUDGET) {
        uint64_t steps;
        RiscvExitReason why = riscv_interp_run(&b->cpu, STEP_BUDGET - total, &steps);

        total += steps;
        /* Nothing raises interrupts here: a hart waiting in wfi would wait forever. */
        g_assert_cmpint(why, !=, RISCV_EXIT_WFI);
    }
    g_test_message("%" G_GUINT64_FORMAT " steps", total);
}

/* Kicks a JIT run that takes too long, so that a broken test fails instead of hanging. */
static gpointer watchdog(gpointer data)
{
    TestBoard *b = data;
    gint64 deadline = g_get_monotonic_time() + JIT_TIMEOUT_US;

    while (!__atomic_load_n(&b->done, __ATOMIC_SEQ_CST)) {
        if (g_get_monotonic_time() > deadline) {
            __atomic_store_n(&b->timed_out, true, __ATOMIC_SEQ_CST);
            riscv_cpu_kick(&b->cpu);
            break;
        }
        g_usleep(10000);
    }
    return NULL;
}

static void run_jit(TestBoard *b)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(RiscvTcg) jit = riscv_tcg_new(1, NULL, &err);
    GThread *dog;

    g_assert_no_error(err);
    g_assert_true(riscv_tcg_attach(jit, &b->cpu, &err));
    dog = g_thread_new("watchdog", watchdog, b);
    while (!__atomic_load_n(&b->done, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&b->timed_out, __ATOMIC_SEQ_CST)) {
        g_assert_cmpint(riscv_tcg_exec(&b->cpu), ==, TCG_EXEC_STOPPED);
    }
    __atomic_store_n(&b->done, true, __ATOMIC_SEQ_CST);
    g_thread_join(dog);
    g_assert_false(b->timed_out);
}

static void run_image(gconstpointer data)
{
    const IsaCase *c = data;
    const char *name = c->image;
    const char *dir = g_getenv("HULL_RISCV_GUEST_DIR");
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    g_autoptr(ElfImage) image = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree TestBoard *b = g_new0(TestBoard, 1);
    gsize len;

    if (!dir) {
        g_test_skip("HULL_RISCV_GUEST_DIR is not set");
        return;
    }
    path = g_strdup_printf("%s/%s.elf", dir, name);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_skip("guest image not built (riscv64-unknown-elf-gcc absent at configure time)");
        return;
    }
    g_assert_true(g_file_get_contents(path, &contents, &len, &err));
    image = elf_parse((const uint8_t *)contents, len, EM_RISCV, &err);
    g_assert_no_error(err);
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];

        g_assert_cmpuint(seg->paddr, >=, RAM_BASE);
        g_assert_cmpuint(seg->paddr + seg->memsz, <=, (uint64_t)RAM_BASE + RAM_SIZE);
    }
    if (c->engine) {
        board_init_engine(b, image);
    } else {
        board_init_flat(b, image);
    }

    if (c->jit) {
        run_jit(b);
    } else {
        run_interp(b);
    }
    g_clear_pointer(&b->as, address_space_free);
    g_clear_pointer(&b->ram, g_free);
    g_assert_true(b->done);
    if (b->status != 0x5555) {
        g_error("%s failed check %u (status 0x%08x, pc 0x%" G_GINT64_MODIFIER "x)", name,
                b->status >> 16, b->status, b->cpu.env.pc);
    }
}

int main(int argc, char **argv)
{
    static const char *const images[] = {"arith", "shifts", "branches", "jumps", "mem",
                                         "muldiv", "atomic", "compressed", "csr", "traps",
                                         "fencei", "priv", "vm", "pmp", "fp"};

    static IsaCase cases[4 * G_N_ELEMENTS(images)];
    const size_t n = G_N_ELEMENTS(images);

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        IsaCase *c = &cases[i];
        g_autofree char *path = NULL;

        c->image = images[i % n];
        c->jit = (i / n) & 1;
        c->engine = (i / n) & 2;
        path = g_strdup_printf("/riscv/isa/%s%s/%s", c->jit ? "jit" : "interp",
                               c->engine ? "-address-space" : "", c->image);
        g_test_add_data_func(path, c, run_image);
    }
    return g_test_run();
}

/*
 * Runs the guest ISA tests of tests/guest/riscv (bare-metal ELF images) on the reference
 * interpreter and on the JIT, with flat RAM at 0x80000000 and a QEMU-compatible test device at 0x100000,
 * the scaffolding that stands in for the virt board until hw/riscv/virt.c exists.
 */
#include <glib.h>

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
} TestBoard;

typedef struct IsaCase {
    const char *image;
    bool jit;
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
    g_autofree uint8_t *ram = g_malloc0(RAM_SIZE);
    RiscvBus bus = {.ops = &board_ops, .opaque = b, .nr_ram = 1};
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
        memcpy(ram + (seg->paddr - RAM_BASE), seg->data, seg->filesz);
    }

    b->ram = ram;
    bus.ram[0] = (RiscvRamWindow){.host = ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&b->cpu, 0, image->entry, &bus);

    if (c->jit) {
        run_jit(b);
    } else {
        run_interp(b);
    }
    g_assert_true(b->done);
    if (b->status != 0x5555) {
        g_error("%s failed check %u (status 0x%08x, pc 0x%" G_GINT64_MODIFIER "x)", name,
                b->status >> 16, b->status, b->cpu.env.pc);
    }
}

int main(int argc, char **argv)
{
    static const char *const images[] = {"arith", "shifts", "branches", "jumps", "mem",
                                         "muldiv", "atomic", "compressed", "csr", "traps"};

    static IsaCase cases[2 * G_N_ELEMENTS(images)];

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        IsaCase *c = &cases[i];
        g_autofree char *path = NULL;

        c->image = images[i % G_N_ELEMENTS(images)];
        c->jit = i >= G_N_ELEMENTS(images);
        path = g_strdup_printf("/riscv/isa/%s/%s", c->jit ? "jit" : "interp", c->image);
        g_test_add_data_func(path, c, run_image);
    }
    return g_test_run();
}

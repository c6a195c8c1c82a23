/*
 * The RISC-V `virt` board, with QEMU's memory map: DRAM at 0x80000000, a 16550A UART at
 * 0x10000000 on serial[0], the SiFive test finisher at 0x100000. A kernel (ELF, or a raw
 * image at the start of DRAM) starts at its entry in M mode with a0 = hart id.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/machine.h"
#include "hw/char/ns16550a.h"
#include "hw/misc/sifive-test.h"
#include "hw/riscv/hart.h"
#include "util/elf.h"
#include "util/error.h"

#define TYPE_VIRT_MACHINE "virt-machine"

/* The memory map (QEMU's hw/riscv/virt.c addresses; later devices go in the gaps). */
#define VIRT_TEST_BASE UINT64_C(0x100000)
#define VIRT_UART0_BASE UINT64_C(0x10000000)
#define VIRT_DRAM_BASE UINT64_C(0x80000000)

#define VIRT_DEFAULT_RAM (UINT64_C(128) << 20)
#define VIRT_MAX_RAM (UINT64_C(64) << 30)
#define VIRT_MAX_CPUS 8
/* QEMU's virt UART clock (3.6864 MHz) / 16. */
#define VIRT_UART_BAUDBASE 230400
/* The timebase of `time` (QEMU's virt: 10 MHz) until the CLINT provides mtime. */
#define VIRT_TIMEBASE_HZ UINT64_C(10000000)

#define EM_RISCV 243
/* Bounds on what a kernel may make hulld allocate while loading it. */
#define VIRT_MAX_KERNEL_FILE (UINT64_C(1) << 30)
#define VIRT_MAX_ZERO_FILL (UINT64_C(256) << 20)

typedef struct VirtMachine {
    MachineState parent_obj;
    RiscvHartConfig *harts; /* ms->ncpus of them */
    SerialState *uart0;     /* for the interrupt controller to wire, once there is one */
} VirtMachine;

#define VIRT_MACHINE(obj) OBJECT_CHECK(VirtMachine, (obj), TYPE_VIRT_MACHINE)

/* mtime: the virtual clock at the timebase frequency. */
static uint64_t virt_get_time(void *opaque)
{
    return (uint64_t)clock_get_ns(HULL_CLOCK_VIRTUAL) / (UINT64_C(1000000000) / VIRT_TIMEBASE_HZ);
}

/* ---- kernel loading ---- */

/*
 * An ELF kernel: every PT_LOAD segment must lie in DRAM (its file bytes and the zeros up
 * to memsz are rewritten at each reset). Returns the physical entry point.
 */
static bool virt_load_elf(MachineState *ms, const uint8_t *data, size_t size,
                          uint64_t *entry, GError **errp)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ElfImage) image = elf_parse(data, size, EM_RISCV, &err);
    uint64_t dram_end = VIRT_DRAM_BASE + ms->ram_size;
    uint64_t zero_fill = 0;

    if (!image) {
        return hull_error_setg(errp, "kernel '%s': %s", ms->kernel, err->message);
    }
    *entry = image->entry;
    for (unsigned i = 0; i < image->nr_segments; i++) {
        zero_fill += image->segments[i].memsz - image->segments[i].filesz;
    }
    if (zero_fill > VIRT_MAX_ZERO_FILL) {
        return hull_error_setg(errp, "kernel '%s': its segments ask for %" G_GUINT64_FORMAT
                               " bytes of zeros, at most %" G_GUINT64_FORMAT " are supported",
                               ms->kernel, zero_fill, VIRT_MAX_ZERO_FILL);
    }
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];
        g_autofree char *name = g_strdup_printf("kernel segment %u", i);

        if (seg->paddr < VIRT_DRAM_BASE || seg->memsz > dram_end - seg->paddr ||
            seg->paddr >= dram_end) {
            return hull_error_setg(errp, "kernel '%s': segment at 0x%" G_GINT64_MODIFIER
                                   "x..0x%" G_GINT64_MODIFIER "x is outside DRAM (0x%"
                                   G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x)",
                                   ms->kernel, seg->paddr, seg->paddr + seg->memsz - 1,
                                   VIRT_DRAM_BASE, dram_end - 1);
        }
        if (seg->filesz &&
            !machine_add_blob(ms, name, seg->paddr, seg->data, seg->filesz, errp)) {
            return false;
        }
        if (seg->memsz > seg->filesz) {
            g_autofree char *bss = g_strdup_printf("kernel segment %u (zeros)", i);
            g_autofree uint8_t *zeros = g_try_malloc0(seg->memsz - seg->filesz);

            if (!zeros) {
                return hull_error_setg(errp, "kernel '%s': out of memory for its zero fill",
                                       ms->kernel);
            }
            if (!machine_add_blob(ms, bss, seg->paddr + seg->filesz, zeros,
                                  seg->memsz - seg->filesz, errp)) {
                return false;
            }
        }
        /* A linked-at-virtual-address image: enter at the physical address. */
        if (image->entry >= seg->vaddr && image->entry - seg->vaddr < seg->memsz) {
            *entry = seg->paddr + (image->entry - seg->vaddr);
        }
    }
    return true;
}

/*
 * The kernel file's bytes, read (not mapped: a file truncated under a mapping would kill
 * the process) without blocking on something that is not a regular file.
 */
static uint8_t *virt_read_kernel(const char *path, size_t *len, GError **errp)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    g_autofree uint8_t *buf = NULL;
    struct stat st;
    size_t done = 0;

    if (fd < 0) {
        hull_error_setg_errno(errp, errno, "kernel '%s'", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hull_error_setg(errp, "kernel '%s': not a regular file", path);
        return NULL;
    }
    if ((uint64_t)st.st_size > VIRT_MAX_KERNEL_FILE) {
        close(fd);
        hull_error_setg(errp, "kernel '%s' is too big: %" G_GINT64_FORMAT " bytes, at most %"
                        G_GUINT64_FORMAT, path, (gint64)st.st_size, VIRT_MAX_KERNEL_FILE);
        return NULL;
    }
    buf = g_try_malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        hull_error_setg(errp, "kernel '%s': out of memory for %" G_GINT64_FORMAT " bytes",
                        path, (gint64)st.st_size);
        return NULL;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            hull_error_setg_errno(errp, errno, "kernel '%s'", path);
            close(fd);
            return NULL;
        }
        if (n == 0) {
            break; /* it shrank meanwhile: take what is there */
        }
        done += (size_t)n;
    }
    close(fd);
    *len = done;
    return g_steal_pointer(&buf);
}

static bool virt_load_kernel(MachineState *ms, uint64_t *entry, GError **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t size;

    data = virt_read_kernel(ms->kernel, &size, errp);
    if (!data) {
        return false;
    }
    if (size >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0) {
        return virt_load_elf(ms, data, size, entry, errp);
    }
    if (size == 0) {
        return hull_error_setg(errp, "kernel '%s' is empty", ms->kernel);
    }
    if (size > ms->ram_size) {
        return hull_error_setg(errp, "kernel '%s' is too big: %zu bytes, DRAM holds %"
                               G_GUINT64_FORMAT, ms->kernel, size, ms->ram_size);
    }
    /* A raw image runs from its first byte at the start of DRAM. */
    *entry = VIRT_DRAM_BASE;
    return machine_add_blob(ms, "kernel", VIRT_DRAM_BASE, data, size, errp);
}

/* ---- board ---- */

static bool virt_add_uart(MachineState *ms, GError **errp)
{
    VirtMachine *vm = VIRT_MACHINE(ms);
    SerialState *uart = serial_new(machine_serial(ms, 0), 0, NULL, errp);
    bool ok;

    if (!uart) {
        return false;
    }
    ok = object_property_set_uint(OBJECT(uart), "baudbase", VIRT_UART_BAUDBASE, errp) &&
         machine_add_device(ms, DEVICE(uart), errp) &&
         memory_region_add_subregion(ms->sysmem, VIRT_UART0_BASE, serial_get_region(uart), 0,
                                     errp);
    /* The machine keeps it (board devices live until machine teardown). */
    object_unref(OBJECT(uart));
    if (ok) {
        vm->uart0 = uart;
    }
    return ok;
}

static bool virt_add_test(MachineState *ms, GError **errp)
{
    SiFiveTestState *test = sifive_test_new(errp);
    bool ok;

    if (!test) {
        return false;
    }
    ok = machine_add_device(ms, DEVICE(test), errp) &&
         memory_region_add_subregion(ms->sysmem, VIRT_TEST_BASE, sifive_test_get_region(test),
                                     0, errp);
    object_unref(OBJECT(test));
    return ok;
}

static bool virt_init(MachineState *ms, GError **errp)
{
    VirtMachine *vm = VIRT_MACHINE(ms);
    g_autoptr(MemoryRegion) dram = NULL;
    uint64_t entry = VIRT_DRAM_BASE;

    if (ms->firmware) {
        return hull_error_setg(errp, "virt: 'firmware' is not supported yet (it needs the "
                               "device tree and the privileged architecture); give the "
                               "program as 'kernel'");
    }
    if (ms->initrd || ms->cmdline[0]) {
        return hull_error_setg(errp, "virt: 'initrd' and 'cmdline' need a device tree, which "
                               "this board does not build yet");
    }
    dram = machine_ram_new(ms, "riscv_virt_board.ram", ms->ram_size, errp);
    if (!dram || !memory_region_add_subregion(ms->sysmem, VIRT_DRAM_BASE, dram, 0, errp)) {
        return false;
    }
    if (!virt_add_test(ms, errp) || !virt_add_uart(ms, errp)) {
        return false;
    }
    if (ms->kernel && !virt_load_kernel(ms, &entry, errp)) {
        return false;
    }

    vm->harts = g_new0(RiscvHartConfig, ms->ncpus);
    for (uint64_t i = 0; i < ms->ncpus; i++) {
        RiscvHartConfig *hart = &vm->harts[i];

        *hart = (RiscvHartConfig){
            .magic = RISCV_HART_CONFIG_MAGIC,
            .hartid = i,
            .reset_pc = entry,
            .get_time = virt_get_time,
        };
        if (!cpu_create(ms->cpus, hart, errp)) {
            return false;
        }
    }
    return true;
}

static void virt_cleanup(MachineState *ms)
{
    VirtMachine *vm = VIRT_MACHINE(ms);

    /* The vCPUs that named these are gone; the accelerator owns the IRQ lines. */
    g_clear_pointer(&vm->harts, g_free);
    vm->uart0 = NULL;
}

static const char *const virt_accels[] = {"tcg", NULL};

static void virt_class_init(ObjectClass *klass)
{
    MachineClass *mc = MACHINE_CLASS(klass);

    mc->name = "virt";
    mc->arch = "riscv64";
    mc->default_ram_size = VIRT_DEFAULT_RAM;
    mc->max_ram_size = VIRT_MAX_RAM;
    mc->max_cpus = VIRT_MAX_CPUS;
    mc->accels = virt_accels;
    mc->init = virt_init;
    mc->cleanup = virt_cleanup;
}

static const TypeInfo virt_machine_info = {
    .name = TYPE_VIRT_MACHINE,
    .parent = TYPE_MACHINE,
    .description = "RISC-V VirtIO board (QEMU's virt memory map): RV64IMAC harts, "
                   "DRAM at 0x80000000, ns16550a UART, SiFive test finisher",
    .instance_size = sizeof(VirtMachine),
    .class_init = virt_class_init,
};
TYPE_REGISTER(virt_machine_info)

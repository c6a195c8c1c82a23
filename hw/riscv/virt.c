/*
 * The RISC-V `virt` board, with QEMU's memory map (hw/riscv/virt-fdt.h): the reset ROM at
 * 0x1000, the SiFive test finisher at 0x100000, a Goldfish RTC at 0x101000, the CLINT at
 * 0x2000000, the PLIC at 0xc000000, a 16550A UART at 0x10000000 on serial[0], DRAM at
 * 0x80000000, and a device tree generated from all that.
 *
 * Every hart starts in the reset ROM, which enters the start address with a0 = hart id,
 * a1 = the device tree and a2 = OpenSBI's fw_dynamic_info. With `firmware` (ELF, or a raw
 * image at the start of DRAM) the start address is the firmware's and the `kernel` goes
 * to 0x80200000 (raw) or its ELF addresses, handed to the firmware as the next stage in S
 * mode; without it the kernel itself starts, in M mode. An `initrd` goes high in DRAM
 * below the device tree; `cmdline` becomes /chosen/bootargs.
 */
#include <string.h>
#include <sys/random.h>


#include "engine/clock.h"
#include "engine/machine.h"
#include "hw/char/ns16550a.h"
#include "hw/intc/riscv-aclint.h"
#include "hw/intc/sifive-plic.h"
#include "hw/misc/sifive-test.h"
#include "hw/riscv/boot-rom.h"
#include "hw/riscv/hart.h"
#include "hw/riscv/virt-fdt.h"
#include "hw/rtc/goldfish-rtc.h"
#include "util/elf.h"
#include "util/error.h"

#define TYPE_VIRT_MACHINE "virt-machine"

#define VIRT_DEFAULT_RAM (UINT64_C(128) << 20)
#define VIRT_MAX_RAM (UINT64_C(64) << 30)
#define VIRT_MAX_CPUS 8
/* QEMU's virt UART clock (3.6864 MHz) / 16. */
#define VIRT_UART_BAUDBASE 230400
/* With firmware, a raw kernel goes here (OpenSBI's FW_JUMP_ADDR for QEMU's virt). */
#define VIRT_KERNEL_BASE (VIRT_DRAM_BASE + 0x200000)
/* Room reserved for the device tree at the top of DRAM. */
#define VIRT_FDT_MAX (UINT64_C(1) << 20)
/* What the harts implement, as riscv,isa says it. */
#define VIRT_ISA "rv64imafdc_zicntr_zicsr_zifencei_sstc"

#define EM_RISCV 243
/* Bounds on what a kernel may make hulld allocate while loading it. */
#define VIRT_MAX_KERNEL_FILE (UINT64_C(1) << 30)
#define VIRT_MAX_ZERO_FILL (UINT64_C(256) << 20)

typedef struct VirtMachine {
    MachineState parent_obj;
    RiscvHartConfig *harts; /* ms->ncpus of them */
    SiFivePlicState *plic;
    RiscvClintState *clint;
} VirtMachine;

#define VIRT_MACHINE(obj) OBJECT_CHECK(VirtMachine, (obj), TYPE_VIRT_MACHINE)

/* ---- image loading ---- */

/* A firmware or kernel image as loaded: where it starts and what it covers. */
typedef struct VirtImage {
    const char *what; /* "firmware", "kernel" */
    const char *path;
    uint64_t entry;   /* physical */
    uint64_t end;     /* one past the highest byte it occupies */
} VirtImage;

/*
 * An ELF image: every PT_LOAD segment must lie in DRAM (its file bytes and the zeros up
 * to memsz are rewritten at each reset). Sets the physical entry point and the end.
 */
static bool virt_load_elf(MachineState *ms, VirtImage *img, const uint8_t *data, size_t size,
                          GError **errp)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ElfImage) image = elf_parse(data, size, EM_RISCV, &err);
    uint64_t dram_end = VIRT_DRAM_BASE + ms->ram_size;
    uint64_t zero_fill = 0;

    if (!image) {
        return hull_error_setg(errp, "%s '%s': %s", img->what, img->path, err->message);
    }
    img->entry = image->entry;
    img->end = 0;
    for (unsigned i = 0; i < image->nr_segments; i++) {
        zero_fill += image->segments[i].memsz - image->segments[i].filesz;
    }
    if (zero_fill > VIRT_MAX_ZERO_FILL) {
        return hull_error_setg(errp, "%s '%s': its segments ask for %" G_GUINT64_FORMAT
                               " bytes of zeros, at most %" G_GUINT64_FORMAT " are supported",
                               img->what, img->path, zero_fill, VIRT_MAX_ZERO_FILL);
    }
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];
        g_autofree char *name = g_strdup_printf("%s segment %u", img->what, i);

        if (seg->paddr < VIRT_DRAM_BASE || seg->memsz > dram_end - seg->paddr ||
            seg->paddr >= dram_end) {
            return hull_error_setg(errp, "%s '%s': segment at 0x%" G_GINT64_MODIFIER
                                   "x..0x%" G_GINT64_MODIFIER "x is outside DRAM (0x%"
                                   G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x)",
                                   img->what, img->path, seg->paddr,
                                   seg->paddr + seg->memsz - 1, VIRT_DRAM_BASE, dram_end - 1);
        }
        if (seg->filesz &&
            !machine_add_blob(ms, name, seg->paddr, seg->data, seg->filesz, errp)) {
            return false;
        }
        if (seg->memsz > seg->filesz) {
            g_autofree char *bss = g_strdup_printf("%s segment %u (zeros)", img->what, i);
            g_autofree uint8_t *zeros = g_try_malloc0(seg->memsz - seg->filesz);

            if (!zeros) {
                return hull_error_setg(errp, "%s '%s': out of memory for its zero fill",
                                       img->what, img->path);
            }
            if (!machine_add_blob(ms, bss, seg->paddr + seg->filesz, zeros,
                                  seg->memsz - seg->filesz, errp)) {
                return false;
            }
        }
        img->end = MAX(img->end, seg->paddr + seg->memsz);
        /* A linked-at-virtual-address image: enter at the physical address. */
        if (image->entry >= seg->vaddr && image->entry - seg->vaddr < seg->memsz) {
            img->entry = seg->paddr + (image->entry - seg->vaddr);
        }
    }
    return true;
}

/* Loads an ELF at its addresses or a raw image at raw_base (in DRAM). */
static bool virt_load_image(MachineState *ms, VirtImage *img, uint64_t raw_base, GError **errp)
{
    g_autoptr(GBytes) bytes = machine_read_file(img->what, img->path, VIRT_MAX_KERNEL_FILE,
                                                errp);
    uint64_t dram_end = VIRT_DRAM_BASE + ms->ram_size;
    const uint8_t *data;
    size_t size;

    if (!bytes) {
        return false;
    }
    data = g_bytes_get_data(bytes, &size);
    if (size >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0) {
        return virt_load_elf(ms, img, data, size, errp);
    }
    if (size == 0) {
        return hull_error_setg(errp, "%s '%s' is empty", img->what, img->path);
    }
    if (raw_base >= dram_end || size > dram_end - raw_base) {
        return hull_error_setg(errp, "%s '%s' is too big: %zu bytes at 0x%" G_GINT64_MODIFIER
                               "x, DRAM ends at 0x%" G_GINT64_MODIFIER "x", img->what,
                               img->path, size, raw_base, dram_end);
    }
    /* A raw image runs from its first byte. */
    img->entry = raw_base;
    img->end = raw_base + size;
    return machine_add_blob(ms, img->what, raw_base, data, size, errp);
}

/* ---- board ---- */

/* Adds a realized board device and maps its region (the machine keeps the device). */
static bool virt_map_device(MachineState *ms, DeviceState *dev, MemoryRegion *(*region)(void *),
                            uint64_t addr, GError **errp)
{
    bool ok = machine_add_device(ms, dev, errp) &&
              memory_region_add_subregion(ms->sysmem, addr, region(dev), 0, errp);

    object_unref(OBJECT(dev));
    return ok;
}

static MemoryRegion *uart_region(void *dev)
{
    return serial_get_region(dev);
}

static MemoryRegion *test_region(void *dev)
{
    return sifive_test_get_region(dev);
}

static MemoryRegion *rtc_region(void *dev)
{
    return goldfish_rtc_get_region(dev);
}

static MemoryRegion *clint_region(void *dev)
{
    return riscv_clint_get_region(dev);
}

static MemoryRegion *plic_region(void *dev)
{
    return sifive_plic_get_region(dev);
}

/* The PLIC first (the others' interrupts go to it), then the devices on it. */
static bool virt_add_devices(MachineState *ms, GError **errp)
{
    VirtMachine *vm = VIRT_MACHINE(ms);
    SerialState *uart;
    SiFiveTestState *test;
    GoldfishRTCState *rtc;

    vm->plic = sifive_plic_new((unsigned)ms->ncpus, errp);
    if (!vm->plic || !virt_map_device(ms, DEVICE(vm->plic), plic_region, VIRT_PLIC_BASE, errp)) {
        return false;
    }
    vm->clint = riscv_clint_new((unsigned)ms->ncpus, errp);
    if (!vm->clint ||
        !virt_map_device(ms, DEVICE(vm->clint), clint_region, VIRT_CLINT_BASE, errp)) {
        return false;
    }
    test = sifive_test_new(errp);
    if (!test || !virt_map_device(ms, DEVICE(test), test_region, VIRT_TEST_BASE, errp)) {
        return false;
    }
    rtc = goldfish_rtc_new(errp);
    if (!rtc) {
        return false;
    }
    goldfish_rtc_connect_irq(rtc, sifive_plic_get_source(vm->plic, VIRT_RTC_IRQ));
    if (!virt_map_device(ms, DEVICE(rtc), rtc_region, VIRT_RTC_BASE, errp)) {
        return false;
    }
    uart = serial_new(machine_serial(ms, 0), 0, sifive_plic_get_source(vm->plic, VIRT_UART0_IRQ),
                      errp);
    if (!uart) {
        return false;
    }
    if (!object_property_set_uint(OBJECT(uart), "baudbase", VIRT_UART_BAUDBASE, errp)) {
        object_unref(OBJECT(uart));
        return false;
    }
    return virt_map_device(ms, DEVICE(uart), uart_region, VIRT_UART0_BASE, errp);
}

/* The harts, each wired to the CLINT (software and timer interrupts, mtime, Sstc) and to
 * the PLIC (M and S external interrupts). */
static bool virt_add_harts(MachineState *ms, uint64_t fdt_addr, GError **errp)
{
    VirtMachine *vm = VIRT_MACHINE(ms);

    vm->harts = g_new0(RiscvHartConfig, ms->ncpus);
    for (uint64_t i = 0; i < ms->ncpus; i++) {
        RiscvHartConfig *hart = &vm->harts[i];

        *hart = (RiscvHartConfig){
            .magic = RISCV_HART_CONFIG_MAGIC,
            .hartid = i,
            .reset_pc = VIRT_MROM_BASE,
            .boot_a1 = fdt_addr,
            .get_time = riscv_clint_get_time,
            .time_opaque = vm->clint,
            .stimecmp_changed = riscv_clint_set_stimecmp,
        };
        if (!cpu_create(ms->cpus, hart, errp)) {
            return false;
        }
        riscv_clint_connect_hart(vm->clint, (unsigned)i, hart->irq[RISCV_HART_IRQ_M_SOFT],
                                 hart->irq[RISCV_HART_IRQ_M_TIMER],
                                 hart->irq[RISCV_HART_IRQ_S_TIMER]);
        sifive_plic_connect_hart(vm->plic, (unsigned)i, hart->irq[RISCV_HART_IRQ_M_EXT],
                                 hart->irq[RISCV_HART_IRQ_S_EXT]);
    }
    return true;
}

/* Firmware, kernel and initrd; sets where the harts start and what the ROM hands on. */
static bool virt_load_images(MachineState *ms, uint64_t *start, uint64_t *next_addr,
                             unsigned *next_mode, uint64_t *images_end, GError **errp)
{
    VirtImage fw = {.what = "firmware", .path = ms->firmware};
    VirtImage kernel = {.what = "kernel", .path = ms->kernel};

    *start = VIRT_DRAM_BASE;
    *next_addr = 0;
    *next_mode = FW_DYNAMIC_NEXT_MODE_S;
    *images_end = VIRT_DRAM_BASE;
    if (ms->firmware) {
        if (!virt_load_image(ms, &fw, VIRT_DRAM_BASE, errp)) {
            return false;
        }
        *start = fw.entry;
        *images_end = MAX(*images_end, fw.end);
    }
    if (ms->kernel) {
        if (!virt_load_image(ms, &kernel, ms->firmware ? VIRT_KERNEL_BASE : VIRT_DRAM_BASE,
                             errp)) {
            return false;
        }
        if (ms->firmware && kernel.entry < fw.end && fw.entry < kernel.end) {
            return hull_error_setg(errp, "kernel '%s' overlaps firmware '%s'", ms->kernel,
                                   ms->firmware);
        }
        if (ms->firmware) {
            *next_addr = kernel.entry;
        } else {
            *start = kernel.entry;
        }
        *images_end = MAX(*images_end, kernel.end);
    } else if (ms->firmware) {
        *next_addr = VIRT_KERNEL_BASE; /* nothing there: the firmware's problem, as on QEMU */
    }
    return true;
}

static bool virt_init(MachineState *ms, GError **errp)
{
    g_autoptr(MemoryRegion) dram = NULL;
    g_autoptr(MemoryRegion) mrom = NULL;
    g_autofree void *fdt = NULL;
    uint8_t rom[RISCV_BOOT_ROM_SIZE];
    uint8_t rng_seed[32];
    uint64_t start, next_addr, images_end, fdt_addr, initrd_start = 0, initrd_end = 0;
    unsigned next_mode;
    size_t fdt_size;
    VirtFdtConfig cfg;

    dram = machine_ram_new(ms, "riscv_virt_board.ram", ms->ram_size, errp);
    if (!dram || !memory_region_add_subregion(ms->sysmem, VIRT_DRAM_BASE, dram, 0, errp)) {
        return false;
    }
    mrom = memory_region_new_rom("riscv_virt_board.mrom", VIRT_MROM_SIZE, errp);
    if (!mrom || !memory_region_add_subregion(ms->sysmem, VIRT_MROM_BASE, mrom, 0, errp)) {
        return false;
    }
    if (!virt_add_devices(ms, errp) ||
        !virt_load_images(ms, &start, &next_addr, &next_mode, &images_end, errp)) {
        return false;
    }
    /* The device tree at the top of DRAM, the initrd right below it. */
    if (!virt_fdt_place(VIRT_DRAM_BASE, ms->ram_size, VIRT_FDT_MAX, images_end, &fdt_addr,
                        errp)) {
        return false;
    }
    if (ms->initrd) {
        /* Refused when larger than RAM before it is read. */
        g_autoptr(GBytes) initrd = machine_read_file("initrd", ms->initrd, ms->ram_size, errp);
        const void *data;
        gsize len;

        if (!initrd) {
            return false;
        }
        data = g_bytes_get_data(initrd, &len);
        if (!virt_initrd_place(images_end, fdt_addr, len, &initrd_start, errp) ||
            !machine_add_blob(ms, "initrd", initrd_start, data, len, errp)) {
            return false;
        }
        initrd_end = initrd_start + len;
    }
    if (getrandom(rng_seed, sizeof(rng_seed), GRND_NONBLOCK) != (ssize_t)sizeof(rng_seed)) {
        for (unsigned i = 0; i < sizeof(rng_seed); i++) {
            rng_seed[i] = (uint8_t)g_random_int();
        }
    }
    cfg = (VirtFdtConfig){
        .ram_base = VIRT_DRAM_BASE,
        .ram_size = ms->ram_size,
        .nharts = (unsigned)ms->ncpus,
        .isa = VIRT_ISA,
        .mmu_type = "riscv,sv57", /* Sv39, Sv48 and Sv57 are implemented */
        .has_clint = true,
        .has_plic = true,
        .has_uart = true,
        .has_rtc = true,
        .has_test = true,
        .virtio_slots = 0, /* listed once virtio-mmio devices exist */
        .bootargs = ms->cmdline,
        .initrd_start = initrd_start,
        .initrd_end = initrd_end,
        .rng_seed = rng_seed,
        .rng_seed_len = sizeof(rng_seed),
    };
    fdt = virt_fdt_build(&cfg, &fdt_size, errp);
    if (!fdt) {
        return false;
    }
    if (fdt_size > VIRT_FDT_MAX) {
        return hull_error_setg(errp, "the device tree is too big (%zu bytes)", fdt_size);
    }
    if (!machine_add_blob(ms, "device tree", fdt_addr, fdt, fdt_size, errp)) {
        return false;
    }
    ms->fdt = g_bytes_new(fdt, fdt_size);
    riscv_boot_rom_build(rom, start, fdt_addr, next_addr, next_mode);
    return machine_add_blob(ms, "reset ROM", VIRT_MROM_BASE, rom, sizeof(rom), errp) &&
           virt_add_harts(ms, fdt_addr, errp);
}

static void virt_cleanup(MachineState *ms)
{
    VirtMachine *vm = VIRT_MACHINE(ms);

    /* The vCPUs that named these are gone; the accelerator owns the IRQ lines. */
    g_clear_pointer(&vm->harts, g_free);
    vm->plic = NULL;
    vm->clint = NULL;
}

static const char *const virt_accels[] = {"tcg", "qtest", NULL};

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
    .description = "RISC-V VirtIO board (QEMU's virt memory map): RV64IMAFDC harts with "
                   "M/S/U modes, CLINT, PLIC, ns16550a UART, Goldfish RTC, SiFive test, "
                   "device tree, OpenSBI fw_dynamic/fw_jump boot",
    .instance_size = sizeof(VirtMachine),
    .class_init = virt_class_init,
};
TYPE_REGISTER(virt_machine_info)

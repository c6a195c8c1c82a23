/*
 * The x86 `microvm` board: RAM below and above the 32-bit hole, a 16550A on COM1, an
 * i8042 for resets, isa-debug-exit, an MP table, and direct boot of PVH ELF kernels or
 * Linux bzImages (no firmware). Runs on the in-kernel irqchip of the "kvm" accelerator.
 */
#include "engine/accel.h"
#include "engine/cpu.h"
#include "engine/machine.h"
#include "hw/char/ns16550a.h"
#include "hw/input/i8042.h"
#include "hw/misc/isa-debug-exit.h"
#include "kvm/x86-boot.h"
#include "util/error.h"
#include "util/log.h"

#include <string.h>

/* Memory map. RAM starts at 0; what does not fit below MICROVM_LOW_RAM_MAX goes to 4 GiB. */
#define MICROVM_LOW_RAM_MAX   0xc0000000ull /* the 32-bit hole: 3 GiB - 4 GiB */
#define MICROVM_HIGH_RAM_BASE 0x100000000ull
#define MICROVM_IOAPIC_ADDR   0xfec00000ull
#define MICROVM_LAPIC_ADDR    0xfee00000ull
/* The VM's own pages (real-mode TSS, identity map): kvm/kvm.h KVM_X86_RESERVED_*. */
#define MICROVM_KVM_HOLE_BASE 0xfeffc000ull
#define MICROVM_KVM_HOLE_SIZE 0x4000ull
#define MICROVM_MPTABLE_ADDR  0xf0000ull /* in the BIOS area a guest scans for "_MP_" */

/* Ports and interrupt lines (ISA IRQ n is GSI n of the in-kernel PIC/IOAPIC). */
#define MICROVM_COM1_PORT  0x3f8
#define MICROVM_COM1_IRQ   4
#define MICROVM_DEBUG_EXIT 0x501

#define MICROVM_DEFAULT_RAM (128ull << 20)
#define MICROVM_MIN_RAM     (2ull << 20)
#define MICROVM_MAX_CPUS    64
#define MICROVM_IMAGE_MAX   (512ull << 20) /* kernel and initrd files */

typedef struct MicrovmState {
    MachineState parent_obj;

    MemoryRegion *ram;
    MemoryRegion *ram_low;
    MemoryRegion *ram_high;
    X86CpuArch *cpu_arch; /* one per vCPU; [0] boots */

    /* What every reset loads again. */
    GBytes *kernel;
    GBytes *initrd;
    X86RamRange ram_ranges[2];
    X86BootConfig boot;
} MicrovmState;

#define TYPE_MICROVM_MACHINE "microvm-machine"
#define MICROVM(obj)         OBJECT_CHECK(MicrovmState, (obj), TYPE_MICROVM_MACHINE)

static const X86E820Entry microvm_reserved[] = {
    {.addr = MICROVM_KVM_HOLE_BASE, .size = MICROVM_KVM_HOLE_SIZE, .type = X86_E820_RESERVED},
};

/* --- Guest images --- */

/* Loads the kernel (and initrd) into RAM; the entry goes to the boot vCPU's arch state. */
static bool microvm_load_kernel(MicrovmState *m, X86BootEntry *entry, GError **errp)
{
    gsize size;
    const uint8_t *image = g_bytes_get_data(m->kernel, &size);

    return x86_boot_load(image, size, &m->boot, entry, errp);
}

static bool microvm_setup_boot(MicrovmState *m, GError **errp)
{
    MachineState *ms = &m->parent_obj;
    const uint8_t *image;
    gsize size;

    if (ms->firmware) {
        return hull_error_setg(errp, "microvm boots kernels directly: 'firmware' is not "
                                     "supported, give 'kernel' (a PVH ELF or a Linux bzImage)");
    }
    if (!ms->kernel) {
        return hull_error_setg(errp, "microvm needs 'kernel' (a PVH ELF or a Linux bzImage): "
                                     "it has no firmware to boot from");
    }
    m->kernel = machine_read_file("kernel", ms->kernel, MICROVM_IMAGE_MAX, errp);
    if (!m->kernel) {
        return false;
    }
    image = g_bytes_get_data(m->kernel, &size);
    if (x86_kernel_detect(image, size) == X86_KERNEL_UNKNOWN) {
        return hull_error_setg(errp,
                               "kernel '%s' is neither an ELF with a PVH entry note nor "
                               "a Linux bzImage",
                               ms->kernel);
    }
    if (ms->initrd) {
        m->initrd =
            machine_read_file("initrd", ms->initrd, MIN(ms->ram_size, MICROVM_IMAGE_MAX), errp);
        if (!m->initrd) {
            return false;
        }
        m->boot.initrd = g_bytes_get_data(m->initrd, &m->boot.initrd_size);
    }
    m->boot.ram = m->ram_ranges;
    m->boot.reserved = microvm_reserved;
    m->boot.n_reserved = G_N_ELEMENTS(microvm_reserved);
    m->boot.cmdline = ms->cmdline;
    return true;
}

/* --- MP table (Intel MultiProcessor Specification 1.4), so guests find every CPU --- */

#define MP_SPEC_REV        4
#define MP_ENTRY_PROCESSOR 0
#define MP_ENTRY_BUS       1
#define MP_ENTRY_IOAPIC    2
#define MP_ENTRY_IOINT     3
#define MP_ENTRY_LOCALINT  4
#define MP_CPU_ENABLED     0x01
#define MP_CPU_BSP         0x02
#define MP_INT_TYPE_INT    0
#define MP_INT_TYPE_NMI    1
#define MP_INT_TYPE_EXTINT 3
#define MP_LAPIC_VERSION   0x14
#define MP_IOAPIC_VERSION  0x11
#define MP_ISA_IRQS        16
#define MP_ALL_LAPICS      0xff

static void put16(GByteArray *b, uint16_t v)
{
    uint8_t le[2] = {v, v >> 8};
    g_byte_array_append(b, le, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
    uint8_t le[4] = {v, v >> 8, v >> 16, v >> 24};
    g_byte_array_append(b, le, 4);
}

static void put8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static uint8_t mp_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return (uint8_t)-sum;
}

/*
 * The floating pointer structure at `addr`, then the configuration table: one processor
 * entry per vCPU (APIC IDs 0..n-1, as KVM numbers one socket of n cores), the ISA bus, the
 * IOAPIC (ID n) with ISA IRQs identity-mapped to its pins (KVM's default GSI routing), and
 * LINT0 ExtINT / LINT1 NMI on every local APIC.
 */
static GByteArray *microvm_build_mptable(uint64_t addr, unsigned ncpus)
{
    GByteArray *t = g_byte_array_new();
    uint8_t ioapic_id = (uint8_t)ncpus;
    uint16_t entries = 0;
    size_t table;

    /* Floating pointer: "_MP_", table address, length in 16-byte units, revision. */
    g_byte_array_append(t, (const uint8_t *)"_MP_", 4);
    put32(t, (uint32_t)addr + 16);
    put8(t, 1);
    put8(t, MP_SPEC_REV);
    put8(t, 0); /* checksum, below */
    for (int i = 0; i < 5; i++) {
        put8(t, 0); /* no default configuration, no IMCR */
    }
    t->data[10] = mp_checksum(t->data, 16);

    table = t->len;
    g_byte_array_append(t, (const uint8_t *)"PCMP", 4);
    put16(t, 0); /* base table length, below */
    put8(t, MP_SPEC_REV);
    put8(t, 0); /* checksum, below */
    g_byte_array_append(t, (const uint8_t *)"HULL    ", 8);
    g_byte_array_append(t, (const uint8_t *)"MICROVM     ", 12);
    put32(t, 0); /* no OEM table */
    put16(t, 0);
    put16(t, 0); /* entry count, below */
    put32(t, (uint32_t)MICROVM_LAPIC_ADDR);
    put16(t, 0); /* no extended table */
    put8(t, 0);
    put8(t, 0);

    for (unsigned i = 0; i < ncpus; i++, entries++) {
        put8(t, MP_ENTRY_PROCESSOR);
        put8(t, (uint8_t)i);
        put8(t, MP_LAPIC_VERSION);
        put8(t, MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0));
        put32(t, 0x600); /* family 6 */
        put32(t, 0x201); /* FPU, APIC */
        put32(t, 0);
        put32(t, 0);
    }
    put8(t, MP_ENTRY_BUS);
    put8(t, 0);
    g_byte_array_append(t, (const uint8_t *)"ISA   ", 6);
    entries++;
    put8(t, MP_ENTRY_IOAPIC);
    put8(t, ioapic_id);
    put8(t, MP_IOAPIC_VERSION);
    put8(t, 1); /* enabled */
    put32(t, (uint32_t)MICROVM_IOAPIC_ADDR);
    entries++;
    for (unsigned irq = 0; irq < MP_ISA_IRQS; irq++, entries++) {
        put8(t, MP_ENTRY_IOINT);
        put8(t, MP_INT_TYPE_INT);
        put16(t, 0); /* polarity and trigger as the bus says (ISA: high, edge) */
        put8(t, 0);  /* bus 0 */
        put8(t, (uint8_t)irq);
        put8(t, ioapic_id);
        put8(t, (uint8_t)irq);
    }
    for (unsigned lint = 0; lint < 2; lint++, entries++) {
        put8(t, MP_ENTRY_LOCALINT);
        put8(t, lint == 0 ? MP_INT_TYPE_EXTINT : MP_INT_TYPE_NMI);
        put16(t, 0);
        put8(t, 0);
        put8(t, 0);
        put8(t, MP_ALL_LAPICS);
        put8(t, (uint8_t)lint);
    }
    t->data[table + 4] = (uint8_t)(t->len - table);
    t->data[table + 5] = (uint8_t)((t->len - table) >> 8);
    t->data[table + 34] = (uint8_t)entries;
    t->data[table + 35] = (uint8_t)(entries >> 8);
    t->data[table + 7] = mp_checksum(t->data + table, t->len - table);
    return t;
}

/* --- Board --- */

static bool microvm_map_io(MicrovmState *m, uint64_t port, MemoryRegion *mr, GError **errp)
{
    return memory_region_add_subregion(m->parent_obj.iomem, port, mr, 0, errp);
}

static bool microvm_init_ram(MicrovmState *m, GError **errp)
{
    MachineState *ms = &m->parent_obj;
    uint64_t low = MIN(ms->ram_size, MICROVM_LOW_RAM_MAX);
    uint8_t *host;

    m->ram = machine_ram_new(ms, "microvm.ram", ms->ram_size, errp);
    if (!m->ram) {
        return false;
    }
    host = memory_region_get_ram_ptr(m->ram);
    m->ram_low = memory_region_new_alias("ram-below-4g", m->ram, 0, low, errp);
    if (!m->ram_low || !memory_region_add_subregion(ms->sysmem, 0, m->ram_low, 0, errp)) {
        return false;
    }
    m->ram_ranges[0] = (X86RamRange){.gpa = 0, .size = low, .host = host};
    m->boot.n_ram = 1;
    if (ms->ram_size > low) {
        m->ram_high =
            memory_region_new_alias("ram-above-4g", m->ram, low, ms->ram_size - low, errp);
        if (!m->ram_high ||
            !memory_region_add_subregion(ms->sysmem, MICROVM_HIGH_RAM_BASE, m->ram_high, 0, errp)) {
            return false;
        }
        m->ram_ranges[1] = (X86RamRange){
            .gpa = MICROVM_HIGH_RAM_BASE, .size = ms->ram_size - low, .host = host + low};
        m->boot.n_ram = 2;
    }
    return true;
}

/* The 16550A on COM1, wired to serial[0] and ISA IRQ 4. */
static bool microvm_init_serial(MicrovmState *m, GError **errp)
{
    MachineState *ms = &m->parent_obj;
    IrqLine *irq = accel_irqchip_input(ms->accel, MICROVM_COM1_IRQ, errp);
    SerialState *uart;
    bool ok;

    if (!irq) {
        return false;
    }
    uart = serial_new(machine_serial(ms, 0), 0, irq, errp);
    if (!uart) {
        return false;
    }
    ok = machine_add_device(ms, DEVICE(uart), errp) &&
         microvm_map_io(m, MICROVM_COM1_PORT, serial_get_region(uart), errp);
    object_unref(OBJECT(uart));
    return ok;
}

static bool microvm_init_devices(MicrovmState *m, GError **errp)
{
    MachineState *ms = &m->parent_obj;
    g_autoptr(Object) kbd = NULL;
    g_autoptr(Object) exit_dev = NULL;

    if (!microvm_init_serial(m, errp)) {
        return false;
    }
    kbd = object_new(TYPE_I8042, errp);
    if (!kbd || !machine_add_device(ms, DEVICE(kbd), errp) ||
        !microvm_map_io(m, I8042_DATA_PORT, i8042_data_io(DEVICE(kbd)), errp) ||
        !microvm_map_io(m, I8042_STATUS_PORT, i8042_cmd_io(DEVICE(kbd)), errp)) {
        return false;
    }
    exit_dev = object_new(TYPE_ISA_DEBUG_EXIT, errp);
    return exit_dev && machine_add_device(ms, DEVICE(exit_dev), errp) &&
           microvm_map_io(m, isa_debug_exit_iobase(DEVICE(exit_dev)),
                          isa_debug_exit_io(DEVICE(exit_dev)), errp);
}

static bool microvm_init(MachineState *ms, GError **errp)
{
    MicrovmState *m = MICROVM(ms);
    g_autoptr(GByteArray) mptable = NULL;
    X86BootEntry entry;

    if (!ms->accel->ops->irqchip_input) {
        return hull_error_setg(errp,
                               "microvm needs an accelerator with an in-kernel "
                               "interrupt controller (kvm), not '%s'",
                               ms->accel->ops->name);
    }
    if (!microvm_init_ram(m, errp) || !microvm_setup_boot(m, errp) ||
        !microvm_init_devices(m, errp)) {
        return false;
    }
    /* Loaded now to refuse a bad image before anything runs; reset loads it again. */
    if (!microvm_load_kernel(m, &entry, errp)) {
        return false;
    }
    mptable = microvm_build_mptable(MICROVM_MPTABLE_ADDR, (unsigned)ms->ncpus);
    if (!machine_add_blob(ms, "mptable", MICROVM_MPTABLE_ADDR, mptable->data, mptable->len, errp)) {
        return false;
    }

    m->cpu_arch = g_new0(X86CpuArch, ms->ncpus);
    m->cpu_arch[0] = (X86CpuArch){.boot = true, .entry = entry};
    for (uint64_t i = 0; i < ms->ncpus; i++) {
        if (!cpu_create(ms->cpus, &m->cpu_arch[i], errp)) {
            return false;
        }
    }
    hull_info("microvm", "%s kernel '%s', %" G_GUINT64_FORMAT " MiB, %" G_GUINT64_FORMAT " vCPU(s)",
              x86_kernel_format_name(x86_kernel_detect(g_bytes_get_data(m->kernel, NULL),
                                                       g_bytes_get_size(m->kernel))),
              ms->kernel, (guint64)(ms->ram_size >> 20), (guint64)ms->ncpus);
    return true;
}

/*
 * device_add: isa-debug-exit devices at the ports their iobase/iosize name, if nothing
 * else uses them (the board's own isa-debug-exit sits at 0x501).
 */
static bool microvm_plug(MachineState *ms, DeviceState *dev, GError **errp)
{
    g_autoptr(FlatView) view = NULL;
    MemoryRegion *io;
    uint64_t base, size;

    if (!object_dynamic_cast(OBJECT(dev), TYPE_ISA_DEBUG_EXIT)) {
        return hull_error_setg(errp,
                               "microvm cannot plug '%s' devices (it takes "
                               "isa-debug-exit)",
                               object_get_typename(OBJECT(dev)));
    }
    if (!OBJECT(dev)->realized && !device_realize(dev, errp)) {
        return false;
    }
    io = isa_debug_exit_io(dev);
    base = isa_debug_exit_iobase(dev);
    size = memory_region_size(io);
    view = address_space_get_flatview(ms->io_as);
    for (uint64_t port = base; port < base + size; port++) {
        const MemorySection *used = flatview_lookup(view, port);

        if (used) {
            device_unrealize(dev);
            return hull_error_setg(errp,
                                   "I/O port 0x%" G_GINT64_MODIFIER "x is already used "
                                   "by %s",
                                   (guint64)port, memory_region_name(used->mr));
        }
    }
    if (!memory_region_add_subregion(ms->iomem, base, io, 0, errp)) {
        device_unrealize(dev);
        return false;
    }
    return true;
}

static void microvm_unplug(MachineState *ms, DeviceState *dev)
{
    if (object_dynamic_cast(OBJECT(dev), TYPE_ISA_DEBUG_EXIT) && isa_debug_exit_io(dev)) {
        memory_region_del_subregion(ms->iomem, isa_debug_exit_io(dev));
    }
}

/* After every device and vCPU was reset (the accelerator put the boot vCPU at the entry):
 * the kernel and initrd go back into RAM, as a firmware would load them again. */
static void microvm_reset(MachineState *ms)
{
    MicrovmState *m = MICROVM(ms);
    g_autoptr(GError) err = NULL;
    X86BootEntry entry;

    if (!m->kernel) {
        return;
    }
    if (!microvm_load_kernel(m, &entry, &err)) {
        g_autofree char *reason =
            g_strdup_printf("microvm: reloading the kernel failed: %s", err->message);

        hull_error("microvm", "%s", reason);
        machine_report_internal_error(reason);
    }
}

static void microvm_cleanup(MachineState *ms)
{
    MicrovmState *m = MICROVM(ms);

    g_clear_pointer(&m->ram_high, memory_region_unref);
    g_clear_pointer(&m->ram_low, memory_region_unref);
    g_clear_pointer(&m->ram, memory_region_unref);
    g_clear_pointer(&m->cpu_arch, g_free);
    g_clear_pointer(&m->kernel, g_bytes_unref);
    g_clear_pointer(&m->initrd, g_bytes_unref);
    m->boot = (X86BootConfig){0};
}

static const char *const microvm_accels[] = {"kvm", NULL};

static void microvm_class_init(ObjectClass *klass)
{
    MachineClass *mc = MACHINE_CLASS(klass);

    mc->name = "microvm";
    mc->arch = "x86_64";
    mc->default_ram_size = MICROVM_DEFAULT_RAM;
    mc->min_ram_size = MICROVM_MIN_RAM;
    mc->max_cpus = MICROVM_MAX_CPUS;
    mc->has_io_space = true;
    mc->accels = microvm_accels;
    mc->init = microvm_init;
    mc->cleanup = microvm_cleanup;
    mc->reset = microvm_reset;
    mc->plug = microvm_plug;
    mc->unplug = microvm_unplug;
}

static const TypeInfo microvm_type_info = {
    .name = TYPE_MICROVM_MACHINE,
    .parent = TYPE_MACHINE,
    .description = "x86-64 microvm: direct kernel boot (PVH or bzImage), 16550A, i8042, "
                   "isa-debug-exit, on KVM",
    .instance_size = sizeof(MicrovmState),
    .class_init = microvm_class_init,
};
TYPE_REGISTER(microvm_type_info)

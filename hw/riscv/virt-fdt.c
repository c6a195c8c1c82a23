/*
 * The virt board's device tree, built with libfdt's sequential-write API. Node names,
 * compatibles and properties follow the Linux device tree bindings for these devices
 * (riscv cpus and cpu-intc, sifive,clint0, sifive,plic-1.0.0, ns16550a,
 * google,goldfish-rtc, sifive,test0 + syscon-poweroff/-reboot, virtio,mmio).
 */
#include "hw/riscv/virt-fdt.h"

#include <libfdt.h>
#include <string.h>

#include "util/error.h"

/* Phandles: one per hart's interrupt controller, then the PLIC and the test device. */
#define PHANDLE_CPU_INTC(h) (1u + (h))
#define PHANDLE_PLIC(n)     (1u + (n))
#define PHANDLE_TEST(n)     (2u + (n))

/* RISC-V local interrupt numbers (mip bits). */
#define IRQ_S_SOFT  1
#define IRQ_M_SOFT  3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT   9
#define IRQ_M_EXT   11

/* Sequential-write state: the first libfdt error sticks and ends the build. */
typedef struct FdtWriter {
    void *fdt;
    int err;
} FdtWriter;

static void w_check(FdtWriter *w, int ret)
{
    if (ret < 0 && !w->err) {
        w->err = ret;
    }
}

static void w_begin(FdtWriter *w, const char *name)
{
    if (!w->err) {
        w_check(w, fdt_begin_node(w->fdt, name));
    }
}

static void w_end(FdtWriter *w)
{
    if (!w->err) {
        w_check(w, fdt_end_node(w->fdt));
    }
}

static void w_prop(FdtWriter *w, const char *name, const void *val, int len)
{
    if (!w->err) {
        w_check(w, fdt_property(w->fdt, name, val, len));
    }
}

static void w_str(FdtWriter *w, const char *name, const char *val)
{
    if (!w->err) {
        w_check(w, fdt_property_string(w->fdt, name, val));
    }
}

static void w_u32(FdtWriter *w, const char *name, uint32_t val)
{
    if (!w->err) {
        w_check(w, fdt_property_u32(w->fdt, name, val));
    }
}

static void w_u64(FdtWriter *w, const char *name, uint64_t val)
{
    if (!w->err) {
        w_check(w, fdt_property_u64(w->fdt, name, val));
    }
}

static void w_empty(FdtWriter *w, const char *name)
{
    w_prop(w, name, NULL, 0);
}

/* A list of cells. */
static void w_cells(FdtWriter *w, const char *name, const uint32_t *cells, unsigned n)
{
    g_autofree fdt32_t *be = g_new(fdt32_t, n ? n : 1);

    for (unsigned i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    w_prop(w, name, be, (int)(n * sizeof(fdt32_t)));
}

/* reg = <addr size> with #address-cells = #size-cells = 2. */
static void w_reg(FdtWriter *w, uint64_t addr, uint64_t size)
{
    const uint32_t cells[4] = {(uint32_t)(addr >> 32), (uint32_t)addr, (uint32_t)(size >> 32),
                               (uint32_t)size};

    w_cells(w, "reg", cells, 4);
}

/* A string list ("a\0b\0"). */
static void w_strs(FdtWriter *w, const char *name, const char *const *strs)
{
    GString *buf = g_string_new(NULL);

    for (; *strs; strs++) {
        g_string_append_len(buf, *strs, (gssize)strlen(*strs) + 1);
    }
    w_prop(w, name, buf->str, (int)buf->len);
    g_string_free(buf, true);
}

/* interrupts-extended = <&cpuN-intc irq_a [&cpuN-intc irq_b]> for every hart. */
static void w_hart_irqs(FdtWriter *w, unsigned nharts, int irq_a, int irq_b)
{
    g_autofree uint32_t *cells = g_new(uint32_t, nharts * 4);
    unsigned n = 0;

    for (unsigned h = 0; h < nharts; h++) {
        cells[n++] = PHANDLE_CPU_INTC(h);
        cells[n++] = (uint32_t)irq_a;
        if (irq_b >= 0) {
            cells[n++] = PHANDLE_CPU_INTC(h);
            cells[n++] = (uint32_t)irq_b;
        }
    }
    w_cells(w, "interrupts-extended", cells, n);
}

static void build_cpus(FdtWriter *w, const VirtFdtConfig *cfg)
{
    w_begin(w, "cpus");
    w_u32(w, "#address-cells", 1);
    w_u32(w, "#size-cells", 0);
    w_u32(w, "timebase-frequency", VIRT_TIMEBASE_FREQ);
    for (unsigned h = 0; h < cfg->nharts; h++) {
        g_autofree char *name = g_strdup_printf("cpu@%x", h);

        w_begin(w, name);
        w_str(w, "device_type", "cpu");
        w_u32(w, "reg", h);
        w_str(w, "status", "okay");
        w_str(w, "compatible", "riscv");
        w_str(w, "riscv,isa", cfg->isa);
        if (cfg->mmu_type) {
            w_str(w, "mmu-type", cfg->mmu_type);
        }
        w_u32(w, "phandle", 0x100 + h); /* the cpu node, for cpu-map */
        w_begin(w, "interrupt-controller");
        w_u32(w, "#interrupt-cells", 1);
        w_empty(w, "interrupt-controller");
        w_str(w, "compatible", "riscv,cpu-intc");
        w_u32(w, "phandle", PHANDLE_CPU_INTC(h));
        w_end(w);
        w_end(w);
    }
    w_begin(w, "cpu-map");
    w_begin(w, "cluster0");
    for (unsigned h = 0; h < cfg->nharts; h++) {
        g_autofree char *name = g_strdup_printf("core%u", h);

        w_begin(w, name);
        w_u32(w, "cpu", 0x100 + h);
        w_end(w);
    }
    w_end(w);
    w_end(w);
    w_end(w);
}

/* Opens soc node "<kind>@<base>" with one compatible string and its reg. */
static void w_begin_device(FdtWriter *w, const char *kind, const char *compatible,
                           uint64_t base, uint64_t size)
{
    g_autofree char *name = g_strdup_printf("%s@%" G_GINT64_MODIFIER "x", kind, base);

    w_begin(w, name);
    w_str(w, "compatible", compatible);
    w_reg(w, base, size);
}

/* interrupt-parent/interrupts of a device on PLIC source `irq` (when there is a PLIC). */
static void w_plic_irq(FdtWriter *w, const VirtFdtConfig *cfg, uint32_t plic, unsigned irq)
{
    if (cfg->has_plic) {
        w_u32(w, "interrupt-parent", plic);
        w_u32(w, "interrupts", irq);
    }
}

static void build_soc(FdtWriter *w, const VirtFdtConfig *cfg)
{
    const uint32_t plic = PHANDLE_PLIC(cfg->nharts);

    w_begin(w, "soc");
    w_u32(w, "#address-cells", 2);
    w_u32(w, "#size-cells", 2);
    w_str(w, "compatible", "simple-bus");
    w_empty(w, "ranges");

    if (cfg->has_clint) {
        static const char *const compat[] = {"sifive,clint0", "riscv,clint0", NULL};
        g_autofree char *name = g_strdup_printf("clint@%" G_GINT64_MODIFIER "x", VIRT_CLINT_BASE);

        w_begin(w, name);
        w_strs(w, "compatible", compat);
        w_reg(w, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
        w_hart_irqs(w, cfg->nharts, IRQ_M_SOFT, IRQ_M_TIMER);
        w_end(w);
    }
    if (cfg->has_plic) {
        static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0", NULL};
        g_autofree char *name = g_strdup_printf("plic@%" G_GINT64_MODIFIER "x", VIRT_PLIC_BASE);

        w_begin(w, name);
        w_strs(w, "compatible", compat);
        w_u32(w, "#address-cells", 0);
        w_u32(w, "#interrupt-cells", 1);
        w_empty(w, "interrupt-controller");
        w_reg(w, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
        w_u32(w, "riscv,ndev", VIRT_PLIC_NDEV);
        /* Context 2h is the hart's M-mode, 2h+1 its S-mode external interrupt. */
        w_hart_irqs(w, cfg->nharts, IRQ_M_EXT, IRQ_S_EXT);
        w_u32(w, "phandle", plic);
        w_end(w);
    }
    if (cfg->has_test) {
        static const char *const compat[] = {"sifive,test1", "sifive,test0", "syscon", NULL};
        g_autofree char *name = g_strdup_printf("test@%" G_GINT64_MODIFIER "x", VIRT_TEST_BASE);

        w_begin(w, name);
        w_strs(w, "compatible", compat);
        w_reg(w, VIRT_TEST_BASE, VIRT_TEST_SIZE);
        w_u32(w, "phandle", PHANDLE_TEST(cfg->nharts));
        w_end(w);
    }
    if (cfg->has_rtc) {
        w_begin_device(w, "rtc", "google,goldfish-rtc", VIRT_RTC_BASE, VIRT_RTC_SIZE);
        w_plic_irq(w, cfg, plic, VIRT_RTC_IRQ);
        w_end(w);
    }
    if (cfg->has_uart) {
        w_begin_device(w, "serial", "ns16550a", VIRT_UART0_BASE, VIRT_UART0_SIZE);
        w_u32(w, "clock-frequency", VIRT_UART_CLOCK);
        w_plic_irq(w, cfg, plic, VIRT_UART0_IRQ);
        w_end(w);
    }
    /* Listed from the highest address down, as Linux then probes slot 0 first. */
    for (unsigned i = cfg->virtio_slots; i > 0; i--) {
        w_begin_device(w, "virtio_mmio", "virtio,mmio",
                       VIRT_VIRTIO_BASE + (i - 1) * VIRT_VIRTIO_SIZE, VIRT_VIRTIO_SIZE);
        w_plic_irq(w, cfg, plic, VIRT_VIRTIO_IRQ + i - 1);
        w_end(w);
    }
    w_end(w);
}

void *virt_fdt_build(const VirtFdtConfig *cfg, size_t *size, GError **errp)
{
    FdtWriter w = {0};
    int bufsize = 64 * 1024 + (int)cfg->nharts * 1024 + (int)cfg->rng_seed_len +
                  (cfg->bootargs ? (int)strlen(cfg->bootargs) : 0);

    if (cfg->nharts == 0 || cfg->nharts > 64 || !cfg->isa ||
        cfg->virtio_slots > VIRT_VIRTIO_COUNT || cfg->rng_seed_len > 4096 ||
        (cfg->bootargs && strlen(cfg->bootargs) > 1 << 20)) {
        hull_error_setg(errp, "device tree: unsupported configuration");
        return NULL;
    }
    w.fdt = g_malloc0((gsize)bufsize);
    w_check(&w, fdt_create(w.fdt, bufsize));
    w_check(&w, fdt_finish_reservemap(w.fdt));
    w_begin(&w, "");
    w_u32(&w, "#address-cells", 2);
    w_u32(&w, "#size-cells", 2);
    w_str(&w, "compatible", "riscv-virtio");
    w_str(&w, "model", "riscv-virtio,qemu");

    w_begin(&w, "chosen");
    if (cfg->has_uart) {
        g_autofree char *path = g_strdup_printf("/soc/serial@%" G_GINT64_MODIFIER "x", VIRT_UART0_BASE);
        w_str(&w, "stdout-path", path);
    }
    if (cfg->bootargs && cfg->bootargs[0]) {
        w_str(&w, "bootargs", cfg->bootargs);
    }
    if (cfg->initrd_end > cfg->initrd_start) {
        w_u64(&w, "linux,initrd-start", cfg->initrd_start);
        w_u64(&w, "linux,initrd-end", cfg->initrd_end);
    }
    if (cfg->rng_seed && cfg->rng_seed_len) {
        w_prop(&w, "rng-seed", cfg->rng_seed, (int)cfg->rng_seed_len);
    }
    w_end(&w);

    {
        g_autofree char *name = g_strdup_printf("memory@%" G_GINT64_MODIFIER "x", cfg->ram_base);

        w_begin(&w, name);
        w_str(&w, "device_type", "memory");
        w_reg(&w, cfg->ram_base, cfg->ram_size);
        w_end(&w);
    }
    build_cpus(&w, cfg);
    build_soc(&w, cfg);
    if (cfg->has_test) {
        w_begin(&w, "poweroff");
        w_str(&w, "compatible", "syscon-poweroff");
        w_u32(&w, "regmap", PHANDLE_TEST(cfg->nharts));
        w_u32(&w, "offset", 0);
        w_u32(&w, "value", 0x5555);
        w_end(&w);
        w_begin(&w, "reboot");
        w_str(&w, "compatible", "syscon-reboot");
        w_u32(&w, "regmap", PHANDLE_TEST(cfg->nharts));
        w_u32(&w, "offset", 0);
        w_u32(&w, "value", 0x7777);
        w_end(&w);
    }
    w_end(&w);
    if (!w.err) {
        w_check(&w, fdt_finish(w.fdt));
    }
    if (!w.err) {
        w_check(&w, fdt_pack(w.fdt));
    }
    if (w.err) {
        hull_error_setg(errp, "device tree: %s", fdt_strerror(w.err));
        g_free(w.fdt);
        return NULL;
    }
    *size = fdt_totalsize(w.fdt);
    return w.fdt;
}

bool virt_fdt_place(uint64_t ram_base, uint64_t ram_size, size_t fdt_size,
                    uint64_t reserved_end, uint64_t *addr, GError **errp)
{
    uint64_t top = ram_base + MIN(ram_size, 3ULL << 30);
    uint64_t at;

    if (fdt_size > top - ram_base) {
        return hull_error_setg(errp, "the device tree does not fit in RAM");
    }
    at = (top - fdt_size) & ~((2ULL << 20) - 1);
    if (at < reserved_end || at < ram_base) {
        /* Small RAM: just below the top, 8-byte aligned. */
        at = (top - fdt_size) & ~7ULL;
    }
    if (at < reserved_end || at < ram_base) {
        return hull_error_setg(errp, "RAM is too small: the device tree (%zu bytes) does "
                               "not fit above the images loaded up to 0x%" G_GINT64_MODIFIER
                               "x", fdt_size, reserved_end);
    }
    *addr = at;
    return true;
}

bool virt_initrd_place(uint64_t reserved_end, uint64_t limit, uint64_t size, uint64_t *addr,
                       GError **errp)
{
    uint64_t at;

    if (size > limit || limit - size < reserved_end) {
        return hull_error_setg(errp, "the initrd (%" G_GUINT64_FORMAT " bytes) does not fit "
                               "in RAM between the kernel and the device tree", size);
    }
    at = (limit - size) & ~0xfffULL;
    if (at < reserved_end) {
        return hull_error_setg(errp, "the initrd (%" G_GUINT64_FORMAT " bytes) does not fit "
                               "in RAM between the kernel and the device tree", size);
    }
    *addr = at;
    return true;
}

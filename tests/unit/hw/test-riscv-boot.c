/*
 * The virt board's device tree (read back with libfdt, as firmware would) and the reset
 * vector ROM (decoded back into the instructions and data firmware expects).
 */
#include <glib.h>
#include <libfdt.h>
#include <string.h>

#include "hw/riscv/boot-rom.h"
#include "hw/riscv/virt-fdt.h"

static const VirtFdtConfig full_config = {
    .ram_base = VIRT_DRAM_BASE,
    .ram_size = 256 << 20,
    .nharts = 4,
    .isa = "rv64imafdc_zicsr_zifencei",
    .mmu_type = "riscv,sv48",
    .has_clint = true,
    .has_plic = true,
    .has_uart = true,
    .has_rtc = true,
    .has_test = true,
    .virtio_slots = 8,
    .bootargs = "console=ttyS0 earlycon",
    .initrd_start = 0x88000000,
    .initrd_end = 0x88100000,
    .rng_seed = (const uint8_t *)"0123456789abcdef0123456789abcdef",
    .rng_seed_len = 32,
};

static const void *getprop(const void *fdt, const char *path, const char *name, int *len)
{
    int node = fdt_path_offset(fdt, path);

    g_assert_cmpint(node, >=, 0);
    return fdt_getprop(fdt, node, name, len);
}

static uint32_t getprop_u32(const void *fdt, const char *path, const char *name)
{
    int len;
    const fdt32_t *p = getprop(fdt, path, name, &len);

    g_assert_nonnull(p);
    g_assert_cmpint(len, ==, 4);
    return fdt32_to_cpu(*p);
}

static uint64_t getprop_u64(const void *fdt, const char *path, const char *name)
{
    int len;
    const void *p = getprop(fdt, path, name, &len);
    fdt64_t v;

    g_assert_nonnull(p);
    g_assert_cmpint(len, ==, 8);
    memcpy(&v, p, sizeof(v)); /* properties are only 4-byte aligned */
    return fdt64_to_cpu(v);
}

static void test_fdt_full(void)
{
    g_autoptr(GError) err = NULL;
    size_t size;
    g_autofree void *fdt = virt_fdt_build(&full_config, &size, &err);
    int len;

    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(fdt), ==, 0);
    g_assert_cmpuint(fdt_totalsize(fdt), ==, size);
    g_assert_cmpstr(getprop(fdt, "/", "compatible", &len), ==, "riscv-virtio");

    /* chosen */
    g_assert_cmpstr(getprop(fdt, "/chosen", "bootargs", &len), ==, "console=ttyS0 earlycon");
    g_assert_cmpstr(getprop(fdt, "/chosen", "stdout-path", &len), ==,
                    "/soc/serial@10000000");
    g_assert_cmphex(getprop_u64(fdt, "/chosen", "linux,initrd-start"), ==, 0x88000000);
    g_assert_cmphex(getprop_u64(fdt, "/chosen", "linux,initrd-end"), ==, 0x88100000);
    g_assert_nonnull(getprop(fdt, "/chosen", "rng-seed", &len));
    g_assert_cmpint(len, ==, 32);
    /* the stdout path resolves */
    g_assert_cmpint(fdt_path_offset(fdt, "/soc/serial@10000000"), >=, 0);

    /* memory */
    const fdt32_t *reg = getprop(fdt, "/memory@80000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmphex(fdt32_to_cpu(reg[1]), ==, 0x80000000);
    g_assert_cmphex(fdt32_to_cpu(reg[3]), ==, 256 << 20);
    g_assert_cmpstr(getprop(fdt, "/memory@80000000", "device_type", &len), ==, "memory");

    /* cpus: each with riscv,isa and an interrupt controller the CLINT/PLIC point to */
    g_assert_cmpuint(getprop_u32(fdt, "/cpus", "timebase-frequency"), ==, 10000000);
    for (unsigned h = 0; h < 4; h++) {
        g_autofree char *cpu = g_strdup_printf("/cpus/cpu@%x", h);
        g_autofree char *intc = g_strdup_printf("%s/interrupt-controller", cpu);

        g_assert_cmpstr(getprop(fdt, cpu, "riscv,isa", &len), ==, full_config.isa);
        g_assert_cmpstr(getprop(fdt, cpu, "mmu-type", &len), ==, "riscv,sv48");
        g_assert_cmpuint(getprop_u32(fdt, cpu, "reg"), ==, h);
        g_assert_cmpstr(getprop(fdt, intc, "compatible", &len), ==, "riscv,cpu-intc");
    }
    g_assert_cmpint(fdt_path_offset(fdt, "/cpus/cpu@4"), <, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/cpus/cpu-map/cluster0/core3"), >=, 0);

    /* CLINT: M soft (3) and M timer (7) for every hart, through each hart's intc */
    const fdt32_t *ie = getprop(fdt, "/soc/clint@2000000", "interrupts-extended", &len);
    g_assert_cmpint(len, ==, 4 * 4 * 4);
    for (unsigned h = 0; h < 4; h++) {
        g_autofree char *intc = g_strdup_printf("/cpus/cpu@%x/interrupt-controller", h);
        uint32_t ph = fdt_get_phandle(fdt, fdt_path_offset(fdt, intc));

        g_assert_cmpuint(fdt32_to_cpu(ie[4 * h]), ==, ph);
        g_assert_cmpuint(fdt32_to_cpu(ie[4 * h + 1]), ==, 3);
        g_assert_cmpuint(fdt32_to_cpu(ie[4 * h + 3]), ==, 7);
    }
    /* PLIC: M ext (11) and S ext (9) per hart; devices name it as their parent */
    ie = getprop(fdt, "/soc/plic@c000000", "interrupts-extended", &len);
    g_assert_cmpint(len, ==, 4 * 4 * 4);
    g_assert_cmpuint(fdt32_to_cpu(ie[1]), ==, 11);
    g_assert_cmpuint(fdt32_to_cpu(ie[3]), ==, 9);
    g_assert_cmpuint(getprop_u32(fdt, "/soc/plic@c000000", "riscv,ndev"), ==, 95);
    uint32_t plic = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/soc/plic@c000000"));
    g_assert_cmpuint(plic, !=, 0);
    g_assert_cmpuint(getprop_u32(fdt, "/soc/serial@10000000", "interrupt-parent"), ==, plic);
    g_assert_cmpuint(getprop_u32(fdt, "/soc/serial@10000000", "interrupts"), ==, 10);
    g_assert_cmpuint(getprop_u32(fdt, "/soc/rtc@101000", "interrupts"), ==, 11);
    for (unsigned i = 0; i < 8; i++) {
        g_autofree char *node = g_strdup_printf("/soc/virtio_mmio@%x", 0x10001000 + i * 0x1000);

        g_assert_cmpuint(getprop_u32(fdt, node, "interrupts"), ==, 1 + i);
    }
    /* poweroff/reboot through the test device's syscon */
    uint32_t test = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/soc/test@100000"));
    g_assert_cmpuint(getprop_u32(fdt, "/poweroff", "regmap"), ==, test);
    g_assert_cmphex(getprop_u32(fdt, "/poweroff", "value"), ==, 0x5555);
    g_assert_cmphex(getprop_u32(fdt, "/reboot", "value"), ==, 0x7777);
}

static void test_fdt_minimal(void)
{
    const VirtFdtConfig cfg = {
        .ram_base = VIRT_DRAM_BASE, .ram_size = 64 << 20, .nharts = 1, .isa = "rv64imac",
    };
    g_autoptr(GError) err = NULL;
    size_t size;
    g_autofree void *fdt = virt_fdt_build(&cfg, &size, &err);
    int len;

    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(fdt), ==, 0);
    g_assert_null(getprop(fdt, "/chosen", "bootargs", &len));
    g_assert_null(getprop(fdt, "/chosen", "linux,initrd-start", &len));
    g_assert_null(getprop(fdt, "/cpus/cpu@0", "mmu-type", &len));
    g_assert_cmpint(fdt_path_offset(fdt, "/soc/plic@c000000"), <, 0);
    g_assert_cmpint(fdt_path_offset(fdt, "/poweroff"), <, 0);
}

static void test_fdt_bad_config(void)
{
    VirtFdtConfig cfg = full_config;
    g_autoptr(GError) err = NULL;
    size_t size;

    cfg.nharts = 0;
    g_assert_null(virt_fdt_build(&cfg, &size, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    cfg = full_config;
    cfg.virtio_slots = 9;
    g_assert_null(virt_fdt_build(&cfg, &size, &err));
    g_assert_nonnull(err);
}

static void test_placement(void)
{
    g_autoptr(GError) err = NULL;
    uint64_t addr;

    /* 256 MiB: 2 MiB aligned below the top */
    g_assert_true(virt_fdt_place(VIRT_DRAM_BASE, 256 << 20, 0x2000, VIRT_DRAM_BASE + 0x400000,
                                 &addr, &err));
    g_assert_cmphex(addr, ==, VIRT_DRAM_BASE + (256 << 20) - (2 << 20));
    /* 8 GiB: capped at 3 GiB above the base */
    g_assert_true(virt_fdt_place(VIRT_DRAM_BASE, 8ULL << 30, 0x2000, 0, &addr, &err));
    g_assert_cmphex(addr, ==, VIRT_DRAM_BASE + (3ULL << 30) - (2 << 20));
    /* tiny RAM whose 2 MiB-aligned slot would be below the images: just under the top */
    g_assert_true(virt_fdt_place(VIRT_DRAM_BASE, 1 << 20, 0x2000, VIRT_DRAM_BASE + 0x10000,
                                 &addr, &err));
    g_assert_cmphex(addr, ==, VIRT_DRAM_BASE + (1 << 20) - 0x2000);
    /* no room at all */
    g_assert_false(virt_fdt_place(VIRT_DRAM_BASE, 1 << 20, 0x2000, VIRT_DRAM_BASE + (1 << 20),
                                  &addr, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    g_assert_true(virt_initrd_place(0x80400000, 0x8fe00000, 0x12345, &addr, &err));
    g_assert_cmphex(addr, ==, (0x8fe00000 - 0x12345) & ~0xfffULL);
    g_assert_false(virt_initrd_place(0x80400000, 0x80500000, 0x200000, &addr, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(virt_initrd_place(0x80400000, 0x100, 0x200000, &addr, &err));
    g_assert_nonnull(err);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void test_boot_rom(void)
{
    uint8_t rom[RISCV_BOOT_ROM_SIZE];

    riscv_boot_rom_build(rom, 0x80000000, 0x8fe00000, 0x80200000, FW_DYNAMIC_NEXT_MODE_S);
    /* The instructions, as riscv64-unknown-elf-as encodes them. */
    g_assert_cmphex(get32(rom + 0), ==, 0x00000297);  /* auipc t0, 0 */
    g_assert_cmphex(get32(rom + 4), ==, 0x02828613);  /* addi a2, t0, 40 */
    g_assert_cmphex(get32(rom + 8), ==, 0xf1402573);  /* csrr a0, mhartid */
    g_assert_cmphex(get32(rom + 12), ==, 0x0202b583); /* ld a1, 32(t0) */
    g_assert_cmphex(get32(rom + 16), ==, 0x0182b283); /* ld t0, 24(t0) */
    g_assert_cmphex(get32(rom + 20), ==, 0x00028067); /* jr t0 */
    g_assert_cmphex(get64(rom + 24), ==, 0x80000000);
    g_assert_cmphex(get64(rom + 32), ==, 0x8fe00000);
    g_assert_cmphex(get64(rom + 40), ==, 0x4942534f); /* "OSBI" */
    g_assert_cmpuint(get64(rom + 48), ==, 2);
    g_assert_cmphex(get64(rom + 56), ==, 0x80200000);
    g_assert_cmpuint(get64(rom + 64), ==, 1);
    g_assert_cmpuint(get64(rom + 72), ==, 0);
    g_assert_cmphex(get64(rom + 80), ==, UINT64_MAX);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/riscv/fdt/full", test_fdt_full);
    g_test_add_func("/hw/riscv/fdt/minimal", test_fdt_minimal);
    g_test_add_func("/hw/riscv/fdt/bad-config", test_fdt_bad_config);
    g_test_add_func("/hw/riscv/fdt/placement", test_placement);
    g_test_add_func("/hw/riscv/boot-rom", test_boot_rom);
    return g_test_run();
}

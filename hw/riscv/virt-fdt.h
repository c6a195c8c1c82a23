/*
 * The device tree of the RISC-V `virt` board, generated with libfdt from what the machine
 * contains (harts, RAM, the devices present, boot arguments) — the tree that OpenSBI,
 * U-Boot and Linux read. Also the placement rules for the tree and the initrd in RAM.
 */
#ifndef HULL_HW_RISCV_VIRT_FDT_H
#define HULL_HW_RISCV_VIRT_FDT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QEMU's virt memory map (the addresses firmware built for QEMU expects). */
#define VIRT_MROM_BASE      UINT64_C(0x1000)
#define VIRT_MROM_SIZE      UINT64_C(0xf000)
#define VIRT_TEST_BASE      UINT64_C(0x100000)
#define VIRT_TEST_SIZE      UINT64_C(0x1000)
#define VIRT_RTC_BASE       UINT64_C(0x101000)
#define VIRT_RTC_SIZE       UINT64_C(0x1000)
#define VIRT_CLINT_BASE     UINT64_C(0x2000000)
#define VIRT_CLINT_SIZE     UINT64_C(0x10000)
#define VIRT_PLIC_BASE      UINT64_C(0xc000000)
#define VIRT_PLIC_SIZE      UINT64_C(0x600000) /* enough for 15872 contexts */
#define VIRT_UART0_BASE     UINT64_C(0x10000000)
#define VIRT_UART0_SIZE     UINT64_C(0x100)
#define VIRT_VIRTIO_BASE    UINT64_C(0x10001000)
#define VIRT_VIRTIO_SIZE    UINT64_C(0x1000)
#define VIRT_VIRTIO_COUNT   8
#define VIRT_DRAM_BASE      UINT64_C(0x80000000)

/* PLIC sources. */
#define VIRT_UART0_IRQ      10
#define VIRT_RTC_IRQ        11
#define VIRT_VIRTIO_IRQ     1 /* slots 0..7 use sources 1..8 */
#define VIRT_PLIC_NDEV      95 /* sources 1..95 (96 with the reserved source 0) */

#define VIRT_TIMEBASE_FREQ  10000000u /* CLINT mtime: 10 MHz */
#define VIRT_UART_CLOCK     3686400u

typedef struct VirtFdtConfig {
    uint64_t ram_base;
    uint64_t ram_size;
    unsigned nharts;
    const char *isa;       /* riscv,isa of every hart, e.g. "rv64imafdc_zicsr_zifencei" */
    const char *mmu_type;  /* "riscv,sv39", "riscv,sv48", or NULL: no MMU */
    bool has_clint, has_plic, has_uart, has_rtc, has_test;
    unsigned virtio_slots; /* virtio-mmio slots to describe (0..VIRT_VIRTIO_COUNT) */
    const char *bootargs;  /* NULL or "": no bootargs */
    uint64_t initrd_start, initrd_end; /* both 0: no initrd */
    const uint8_t *rng_seed; /* NULL: none */
    size_t rng_seed_len;
} VirtFdtConfig;

/* Builds the flattened tree; returns g_malloc'ed memory of *size bytes (a valid,
 * packed FDT) or NULL with an error. */
void *virt_fdt_build(const VirtFdtConfig *cfg, size_t *size, GError **errp);

/*
 * Where the tree goes: at the top of RAM below 3 GiB above ram_base (32-bit-only code can
 * reach it), 2 MiB aligned down, as QEMU places it. Fails when RAM cannot hold it above
 * `reserved_end` (the end of what the firmware and kernel occupy).
 */
bool virt_fdt_place(uint64_t ram_base, uint64_t ram_size, size_t fdt_size,
                    uint64_t reserved_end, uint64_t *addr, GError **errp);

/*
 * Where an initrd of `size` bytes goes: high in RAM but below the tree (`limit`), 4 KiB
 * aligned, and above `reserved_end`. Fails when it does not fit.
 */
bool virt_initrd_place(uint64_t reserved_end, uint64_t limit, uint64_t size, uint64_t *addr,
                       GError **errp);

#endif

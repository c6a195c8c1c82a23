/*
 * What a RISC-V board asks of each hart, whichever accelerator runs it: the board passes
 * one RiscvHartConfig per hart to cpu_create() (as CPUState.arch) and the accelerator
 * builds the hart from it, fills in the hart's interrupt inputs, and applies the boot
 * registers at every reset. Boards never see the CPU model itself (tcg/riscv/).
 */
#ifndef HULL_HW_RISCV_HART_H
#define HULL_HW_RISCV_HART_H

#include <stdint.h>

#include "engine/irq.h"

/* Interrupt inputs of a hart: the mip bit each one drives. */
enum {
    RISCV_HART_IRQ_S_SOFT = 1,
    RISCV_HART_IRQ_M_SOFT = 3,
    RISCV_HART_IRQ_S_TIMER = 5,
    RISCV_HART_IRQ_M_TIMER = 7,
    RISCV_HART_IRQ_S_EXT = 9,
    RISCV_HART_IRQ_M_EXT = 11,
    RISCV_HART_NR_IRQS = 12,
};

/* Guards against handing a TCG vCPU something that is not a hart description. */
#define RISCV_HART_CONFIG_MAGIC 0x72763634u /* "rv64" */

typedef struct RiscvHartConfig {
    uint32_t magic; /* RISCV_HART_CONFIG_MAGIC */

    uint64_t hartid; /* mhartid */
    /*
     * Boot state applied at every reset: M mode at reset_pc with a0 = hartid and
     * a1 = boot_a1 (the device tree's address, or 0), as QEMU's virt reset vector does.
     * The board may change these until machine-start's reset.
     */
    uint64_t reset_pc;
    uint64_t boot_a1;

    /* The platform timer behind the `time` CSR (the ACLINT's mtime), or NULL: then
     * `time` is an illegal instruction that M-mode software may emulate. */
    uint64_t (*get_time)(void *opaque);
    void *time_opaque;
    /* Sstc: the hart wrote stimecmp while menvcfg.STCE is set; the platform raises the
     * hart's S_TIMER line once mtime reaches `value` (the CLINT's
     * riscv_clint_set_stimecmp, called with time_opaque). NULL: none. */
    void (*stimecmp_changed)(void *opaque, uint64_t hartid, uint64_t value);

    /*
     * Filled by the accelerator when cpu_create() returns: the hart's interrupt inputs,
     * indexed by mip bit (RISCV_HART_IRQ_*), for interrupt controllers (CLINT, PLIC) to
     * drive. Entries for other indices stay NULL. The lines belong to the accelerator and
     * live until the machine is torn down.
     */
    IrqLine *irq[RISCV_HART_NR_IRQS];
} RiscvHartConfig;

#endif

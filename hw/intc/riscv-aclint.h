/*
 * The RISC-V CLINT (SiFive layout, as QEMU's virt board maps it with aclint=off): per-hart
 * machine software interrupts (msip), machine timer compare registers (mtimecmp) and the
 * shared mtime counter, which runs at 10 MHz on the engine's virtual clock. It also times
 * the harts' Sstc stimecmp, which lives in the hart.
 */
#ifndef HULL_HW_INTC_RISCV_ACLINT_H
#define HULL_HW_INTC_RISCV_ACLINT_H

#include <stdint.h>

#include "engine/device.h"
#include "engine/irq.h"
#include "engine/memory.h"

#define TYPE_RISCV_CLINT "riscv.sifive.clint"

/* Register window (QEMU: VIRT_CLINT size) and layout. */
#define RISCV_CLINT_SIZE 0x10000
#define RISCV_CLINT_MSIP_BASE 0x0       /* 4 bytes per hart, bit 0 */
#define RISCV_CLINT_MTIMECMP_BASE 0x4000 /* 8 bytes per hart */
#define RISCV_CLINT_MTIME 0xbff8
#define RISCV_CLINT_MAX_HARTS 4095
/* mtime's frequency: the device tree's timebase-frequency. */
#define RISCV_CLINT_TIMEBASE_HZ 10000000

typedef struct RiscvClintState RiscvClintState;

#define RISCV_CLINT(obj) OBJECT_CHECK(RiscvClintState, (obj), TYPE_RISCV_CLINT)

/* A new, unrealized CLINT for harts 0 .. num_harts - 1; the caller owns the reference
 * (see machine_add_device). */
RiscvClintState *riscv_clint_new(unsigned num_harts, GError **errp);

/* Its register window once realized, for the board to map. */
MemoryRegion *riscv_clint_get_region(RiscvClintState *s);

/*
 * Wires hart `hart`'s interrupt inputs (the hart's RISCV_HART_IRQ_M_SOFT, M_TIMER and, for
 * Sstc, S_TIMER lines; any may be NULL). Once realized, before the machine runs. Levels
 * are driven from then on (under the engine lock).
 */
void riscv_clint_connect_hart(RiscvClintState *s, unsigned hart, IrqLine *msip, IrqLine *mtip,
                              IrqLine *stip);

/* mtime: the hart's `time` CSR (RiscvHartConfig.get_time with time_opaque = s). Any
 * thread. */
uint64_t riscv_clint_get_time(void *opaque);

/*
 * Sstc: hart `hart` wrote stimecmp (with menvcfg.STCE set). Any thread (the hart's vCPU
 * thread, without the engine lock): arms a timer that raises the hart's STIP line once
 * mtime >= value. The hart already updated STIP for the present time itself.
 */
void riscv_clint_set_stimecmp(void *opaque, uint64_t hart, uint64_t value);

#endif

/*
 * The SiFive PLIC as QEMU's virt board has it: 96 interrupt sources (1..95; 0 means none),
 * priorities 0..7, and two contexts per hart (2n: M mode, 2n+1: S mode), each with its own
 * enables, threshold and claim/complete register, driving the hart's MEIP or SEIP.
 */
#ifndef HULL_HW_INTC_SIFIVE_PLIC_H
#define HULL_HW_INTC_SIFIVE_PLIC_H

#include "engine/device.h"
#include "engine/irq.h"
#include "engine/memory.h"

#define TYPE_SIFIVE_PLIC "riscv.sifive.plic"

#define SIFIVE_PLIC_NUM_SOURCES 96 /* ids 0..95; 0 is reserved */
#define SIFIVE_PLIC_MAX_PRIORITY 7
#define SIFIVE_PLIC_MAX_HARTS 512

/* Layout. */
#define SIFIVE_PLIC_PRIORITY_BASE 0x0
#define SIFIVE_PLIC_PENDING_BASE 0x1000
#define SIFIVE_PLIC_ENABLE_BASE 0x2000
#define SIFIVE_PLIC_ENABLE_STRIDE 0x80
#define SIFIVE_PLIC_CONTEXT_BASE 0x200000
#define SIFIVE_PLIC_CONTEXT_STRIDE 0x1000 /* threshold at +0, claim/complete at +4 */
/* The window for num_harts harts (QEMU: VIRT_PLIC_SIZE(2 * harts)). */
#define SIFIVE_PLIC_SIZE(num_harts)                                                            \
    (SIFIVE_PLIC_CONTEXT_BASE + 2 * (uint64_t)(num_harts) * SIFIVE_PLIC_CONTEXT_STRIDE)

typedef struct SiFivePlicState SiFivePlicState;

#define SIFIVE_PLIC(obj) OBJECT_CHECK(SiFivePlicState, (obj), TYPE_SIFIVE_PLIC)

/* A new, unrealized PLIC with M and S contexts for harts 0 .. num_harts - 1; the caller
 * owns the reference (see machine_add_device). */
SiFivePlicState *sifive_plic_new(unsigned num_harts, GError **errp);

/* Its register window once realized (SIFIVE_PLIC_SIZE(num_harts) bytes). */
MemoryRegion *sifive_plic_get_region(SiFivePlicState *s);

/* The input line of source `id` (1..95) once realized, for a device's interrupt output
 * (level-triggered). The PLIC owns it. */
IrqLine *sifive_plic_get_source(SiFivePlicState *s, unsigned id);

/* Wires hart `hart`'s external interrupt inputs (its RISCV_HART_IRQ_M_EXT and S_EXT lines;
 * either may be NULL). Once realized, before the machine runs. */
void sifive_plic_connect_hart(SiFivePlicState *s, unsigned hart, IrqLine *meip, IrqLine *seip);

#endif

/*
 * A hart's memory interface on the engine's AddressSpace: RAM and ROM straight from the
 * current flat view, everything else dispatched to the devices as single CPU accesses.
 */
#ifndef HULL_TCG_RISCV_BUS_H
#define HULL_TCG_RISCV_BUS_H

#include "engine/memory.h"
#include "tcg/riscv/cpu.h"

/* What the adapter needs; owned by the caller and alive as long as the hart. */
typedef struct RiscvAddressSpaceBus {
    AddressSpace *as;
    /* The platform timer behind the `time` CSR (the ACLINT's mtime), or NULL. */
    uint64_t (*get_time)(void *opaque);
    void *time_opaque;
    /* Sstc: the hart wrote stimecmp (riscv_clint_set_stimecmp, with time_opaque), or NULL. */
    void (*stimecmp_changed)(void *opaque, uint64_t hartid, uint64_t value);
} RiscvAddressSpaceBus;

/*
 * Fills *bus (for riscv_cpu_init) so that every access goes through asb->as. The RAM
 * pointers it hands out stay valid while their regions are mapped: the board pauses the
 * harts around topology changes and flushes their JIT TLBs (tcg_tlb_flush) after one.
 */
void riscv_bus_init_address_space(RiscvBus *bus, RiscvAddressSpaceBus *asb);

#endif

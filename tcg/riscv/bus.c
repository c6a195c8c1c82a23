/*
 * RISC-V hart memory interface on an engine AddressSpace (see bus.h). An access the
 * address space does not complete (nothing mapped, or the device refused it) becomes the
 * hart's access fault.
 */
#include "tcg/riscv/bus.h"

static bool riscv_as_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
    RiscvAddressSpaceBus *asb = opaque;
    uint64_t v = 0;

    if (address_space_access(asb->as, addr, &v, size, false) != MEMTX_OK) {
        return false;
    }
    *val = v; /* little-endian host: the low `size` bytes hold the value */
    return true;
}

static bool riscv_as_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    RiscvAddressSpaceBus *asb = opaque;

    return address_space_access(asb->as, addr, &val, size, true) == MEMTX_OK;
}

static uint64_t riscv_as_get_time(void *opaque)
{
    RiscvAddressSpaceBus *asb = opaque;

    return asb->get_time(asb->time_opaque);
}

static void riscv_as_stimecmp_changed(void *opaque, uint64_t hartid, uint64_t value)
{
    RiscvAddressSpaceBus *asb = opaque;

    if (asb->stimecmp_changed) {
        asb->stimecmp_changed(asb->time_opaque, hartid, value);
    }
}

static void *riscv_as_host_ptr(void *opaque, uint64_t addr, uint64_t size, bool write)
{
    RiscvAddressSpaceBus *asb = opaque;
    uint64_t len = size;
    void *host = address_space_translate(asb->as, addr, &len, write);

    return host && len >= size ? host : NULL;
}

static const RiscvBusOps riscv_as_ops = {
    .read = riscv_as_read,
    .write = riscv_as_write,
    .get_time = riscv_as_get_time,
    .stimecmp_changed = riscv_as_stimecmp_changed,
    .host_ptr = riscv_as_host_ptr,
};

static const RiscvBusOps riscv_as_ops_no_time = {
    .read = riscv_as_read,
    .write = riscv_as_write,
    .host_ptr = riscv_as_host_ptr,
};

void riscv_bus_init_address_space(RiscvBus *bus, RiscvAddressSpaceBus *asb)
{
    *bus = (RiscvBus){
        .ops = asb->get_time ? &riscv_as_ops : &riscv_as_ops_no_time,
        .opaque = asb,
    };
}

/*
 * isa-debug-exit: a port that ends the run with the value written (QEMU's test device).
 */
#ifndef HULL_HW_MISC_ISA_DEBUG_EXIT_H
#define HULL_HW_MISC_ISA_DEBUG_EXIT_H

#include "engine/device.h"
#include "engine/memory.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

/* The port range to map in the I/O space at isa_debug_exit_iobase() (after realize). */
MemoryRegion *isa_debug_exit_io(DeviceState *dev);
uint64_t isa_debug_exit_iobase(DeviceState *dev);

#endif

/*
 * The 16550A UART (QEMU's TYPE_SERIAL): eight byte registers spaced 1 << regshift apart,
 * for boards that map it as MMIO (RISC-V virt, 0x10000000) or in an I/O address space
 * (x86 port 0x3f8), with one interrupt output and a chardev backend.
 */
#ifndef HULL_HW_CHAR_NS16550A_H
#define HULL_HW_CHAR_NS16550A_H

#include <stdbool.h>

#include "engine/chardev.h"
#include "engine/device.h"
#include "engine/irq.h"
#include "engine/memory.h"

#define TYPE_SERIAL "serial"

typedef struct SerialState SerialState;

#define SERIAL(obj) OBJECT_CHECK(SerialState, (obj), TYPE_SERIAL)

/* Bytes of the FIFOs (receive and transmit). */
#define SERIAL_FIFO_SIZE 16

/*
 * A new, unrealized UART: `chr` is its backend (NULL: output is dropped, no input),
 * registers are 1 << regshift bytes apart (0..4), `irq` is the pin its interrupt drives
 * (NULL: unconnected). The caller owns the returned reference; a board then attaches it
 * with machine_add_device() and drops its reference. Fails on a bad regshift.
 */
SerialState *serial_new(Chardev *chr, unsigned regshift, IrqLine *irq, GError **errp);

/* The interrupt output; set it before the guest runs (engine lock held). */
void serial_set_irq(SerialState *s, IrqLine *irq);

/*
 * The register block (8 << regshift bytes) once the device is realized, for the board to
 * map with memory_region_add_subregion() (the mapping takes its own reference).
 */
MemoryRegion *serial_get_region(SerialState *s);

#endif

/*
 * i8042: the PC keyboard controller, as far as a guest needs it without a keyboard or
 * mouse: self-test, command byte, output port, and the reset line (0xfe to port 0x64).
 */
#ifndef HULL_HW_INPUT_I8042_H
#define HULL_HW_INPUT_I8042_H

#include "engine/device.h"
#include "engine/memory.h"

#define TYPE_I8042        "i8042"
#define I8042_DATA_PORT   0x60
#define I8042_STATUS_PORT 0x64

/* The data port (map at I8042_DATA_PORT) and command/status port (at I8042_STATUS_PORT). */
MemoryRegion *i8042_data_io(DeviceState *dev);
MemoryRegion *i8042_cmd_io(DeviceState *dev);

#endif

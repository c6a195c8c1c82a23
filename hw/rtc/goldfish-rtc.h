/*
 * The Goldfish real-time clock (Android's emulator RTC, on QEMU's RISC-V virt board at
 * 0x101000): nanoseconds since the Unix epoch, settable by the guest, with one alarm that
 * raises an interrupt. Guest time runs with the machine's virtual clock (it stops while
 * the machine is paused) from the host's wall-clock time at realize.
 */
#ifndef HULL_HW_RTC_GOLDFISH_RTC_H
#define HULL_HW_RTC_GOLDFISH_RTC_H

#include "engine/device.h"
#include "engine/irq.h"
#include "engine/memory.h"

#define TYPE_GOLDFISH_RTC "goldfish_rtc"
#define GOLDFISH_RTC_SIZE 0x1000

typedef struct GoldfishRTCState GoldfishRTCState;

#define GOLDFISH_RTC(obj) OBJECT_CHECK(GoldfishRTCState, (obj), TYPE_GOLDFISH_RTC)

/* A new, unrealized device; the caller owns the reference (see machine_add_device). */
GoldfishRTCState *goldfish_rtc_new(GError **errp);
/* Where its interrupt goes (before or after realize; NULL: nowhere). */
void goldfish_rtc_connect_irq(GoldfishRTCState *s, IrqLine *irq);
/* Its register window once realized, for the board to map. */
MemoryRegion *goldfish_rtc_get_region(GoldfishRTCState *s);

#endif

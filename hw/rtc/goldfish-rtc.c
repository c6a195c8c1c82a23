/*
 * Goldfish RTC registers (32-bit, little-endian), as Linux's rtc-goldfish driver uses
 * them:
 *   0x00 TIME_LOW        read: latches the 64-bit time, returns its low half;
 *                        write: sets the time to (TIME_HIGH written before << 32) | value
 *   0x04 TIME_HIGH       read: the latched high half; write: held for TIME_LOW
 *   0x08 ALARM_LOW       write: arms the alarm at (ALARM_HIGH << 32) | value
 *   0x0c ALARM_HIGH      write: held for ALARM_LOW
 *   0x10 IRQ_ENABLED     read/write: bit 0 lets the alarm raise the interrupt
 *   0x14 CLEAR_ALARM     write: disarms the alarm
 *   0x18 ALARM_STATUS    read: 1 while an alarm is armed
 *   0x1c CLEAR_INTERRUPT write: lowers the interrupt
 * Time = offset + the virtual clock; the alarm is a virtual-clock timer.
 */
#include "hw/rtc/goldfish-rtc.h"

#include "engine/clock.h"
#include "engine/timer.h"
#include "util/error.h"

enum {
    REG_TIME_LOW = 0x00,
    REG_TIME_HIGH = 0x04,
    REG_ALARM_LOW = 0x08,
    REG_ALARM_HIGH = 0x0c,
    REG_IRQ_ENABLED = 0x10,
    REG_CLEAR_ALARM = 0x14,
    REG_ALARM_STATUS = 0x18,
    REG_CLEAR_INTERRUPT = 0x1c,
};

struct GoldfishRTCState {
    DeviceState parent_obj;
    MemoryRegion *mmio;
    Timer *timer;
    IrqLine *irq;
    int64_t offset;     /* guest ns = offset + virtual clock ns */
    uint32_t time_high; /* latched on TIME_LOW reads */
    uint32_t set_high;  /* written TIME_HIGH, applied by a TIME_LOW write */
    uint32_t alarm_high;
    uint64_t alarm_at;  /* guest ns of the armed alarm */
    bool alarm_armed;
    bool irq_enabled;
    bool irq_pending;
};

static uint64_t rtc_now(GoldfishRTCState *s)
{
    return (uint64_t)(s->offset + clock_get_ns(HULL_CLOCK_VIRTUAL));
}

static void rtc_update_irq(GoldfishRTCState *s)
{
    irq_set_level(s->irq, s->irq_pending && s->irq_enabled);
}

static void rtc_alarm_fired(void *opaque)
{
    GoldfishRTCState *s = opaque;

    s->alarm_armed = false;
    s->irq_pending = true;
    rtc_update_irq(s);
}

/* Arms the alarm at guest time `when` (at once when that has passed). */
static void rtc_set_alarm(GoldfishRTCState *s, uint64_t when)
{
    uint64_t now = rtc_now(s);

    s->alarm_armed = true;
    s->alarm_at = when;
    if (when <= now) {
        timer_del(s->timer);
        rtc_alarm_fired(s);
    } else {
        uint64_t delta = MIN(when - now, (uint64_t)INT64_MAX / 4);

        timer_mod(s->timer, clock_get_ns(HULL_CLOCK_VIRTUAL) + (int64_t)delta);
    }
}

static MemTxResult rtc_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    GoldfishRTCState *s = opaque;

    switch (offset) {
    case REG_TIME_LOW: {
        uint64_t now = rtc_now(s);

        s->time_high = (uint32_t)(now >> 32);
        *value = (uint32_t)now;
        break;
    }
    case REG_TIME_HIGH:
        *value = s->time_high;
        break;
    case REG_IRQ_ENABLED:
        *value = s->irq_enabled;
        break;
    case REG_ALARM_STATUS:
        *value = s->alarm_armed;
        break;
    default:
        *value = 0;
        break;
    }
    return MEMTX_OK;
}

static MemTxResult rtc_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    GoldfishRTCState *s = opaque;
    uint32_t v = (uint32_t)value;

    switch (offset) {
    case REG_TIME_LOW:
        s->offset = (int64_t)((uint64_t)s->set_high << 32 | v) - clock_get_ns(HULL_CLOCK_VIRTUAL);
        if (s->alarm_armed) {
            rtc_set_alarm(s, s->alarm_at); /* in guest time: re-armed against the new time */
        }
        break;
    case REG_TIME_HIGH:
        s->set_high = v;
        break;
    case REG_ALARM_LOW:
        rtc_set_alarm(s, (uint64_t)s->alarm_high << 32 | v);
        break;
    case REG_ALARM_HIGH:
        s->alarm_high = v;
        break;
    case REG_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        rtc_update_irq(s);
        break;
    case REG_CLEAR_ALARM:
        timer_del(s->timer);
        s->alarm_armed = false;
        break;
    case REG_CLEAR_INTERRUPT:
        s->irq_pending = false;
        rtc_update_irq(s);
        break;
    default:
        break;
    }
    return MEMTX_OK;
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 4, .max_size = 4},
};

static void rtc_release(gpointer owner)
{
    object_unref(owner);
}

static void rtc_instance_init(Object *obj)
{
    GoldfishRTCState *s = GOLDFISH_RTC(obj);

    device_declare_irq_outputs(DEVICE(s), "irq", &s->irq, 1);
}

static bool rtc_realize(DeviceState *dev, GError **errp)
{
    GoldfishRTCState *s = GOLDFISH_RTC(dev);

    s->mmio = memory_region_new_mmio("goldfish-rtc", GOLDFISH_RTC_SIZE, &rtc_ops, s);
    memory_region_set_owner(s->mmio, object_ref(OBJECT(s)), rtc_release);
    s->timer = timer_new(HULL_CLOCK_VIRTUAL, rtc_alarm_fired, s);
    s->offset = g_get_real_time() * 1000 - clock_get_ns(HULL_CLOCK_VIRTUAL);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    GoldfishRTCState *s = GOLDFISH_RTC(dev);

    g_clear_pointer(&s->timer, timer_free);
    g_clear_pointer(&s->mmio, memory_region_unref);
}

/* A reset keeps the time (a real RTC is battery-backed) and drops the alarm. */
static void rtc_reset(DeviceState *dev)
{
    GoldfishRTCState *s = GOLDFISH_RTC(dev);

    timer_del(s->timer);
    s->alarm_armed = false;
    s->irq_enabled = false;
    s->irq_pending = false;
    s->time_high = s->set_high = s->alarm_high = 0;
    rtc_update_irq(s);
}

static void rtc_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = rtc_realize;
    dc->unrealize = rtc_unrealize;
    dc->reset = rtc_reset;
}

static const TypeInfo goldfish_rtc_type_info = {
    .name = TYPE_GOLDFISH_RTC,
    .parent = TYPE_DEVICE,
    .description = "Goldfish real-time clock",
    .instance_size = sizeof(GoldfishRTCState),
    .instance_init = rtc_instance_init,
    .class_init = rtc_class_init,
};
TYPE_REGISTER(goldfish_rtc_type_info)

GoldfishRTCState *goldfish_rtc_new(GError **errp)
{
    return (GoldfishRTCState *)object_new(TYPE_GOLDFISH_RTC, errp);
}

void goldfish_rtc_connect_irq(GoldfishRTCState *s, IrqLine *irq)
{
    s->irq = irq;
    rtc_update_irq(s);
}

MemoryRegion *goldfish_rtc_get_region(GoldfishRTCState *s)
{
    return s->mmio;
}

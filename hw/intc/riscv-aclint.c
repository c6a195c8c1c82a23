/*
 * The RISC-V CLINT: msip (bit 0 of a 32-bit word per hart) drives MSIP, mtimecmp (64-bit,
 * also as two 32-bit halves) drives MTIP while mtime >= mtimecmp, and mtime counts at
 * 10 MHz on the virtual clock (writable: a write moves the counter, not the clock).
 * Interrupt levels change under the engine lock: from MMIO handlers and from timers.
 */
#include "hw/intc/riscv-aclint.h"

#include "engine/clock.h"
#include "engine/timer.h"
#include "util/error.h"

#define NS_PER_TICK (UINT64_C(1000000000) / RISCV_CLINT_TIMEBASE_HZ)

typedef struct RiscvClintHart {
    RiscvClintState *clint;
    unsigned index;
    bool msip;
    uint64_t mtimecmp;
    uint64_t stimecmp; /* atomic: written from the hart's thread */
    Timer *mtimer;
    Timer *stimer;
    IrqLine *msip_line, *mtip_line, *stip_line;
} RiscvClintHart;

struct RiscvClintState {
    DeviceState parent_obj;
    MemoryRegion *mmio;
    unsigned num_harts;
    RiscvClintHart *harts;
    /* mtime = virtual ns / 100 + offset; atomic (read by vCPU threads). */
    int64_t offset;
};

/* ---- mtime and the timers ---- */

static uint64_t clint_ticks(void)
{
    return (uint64_t)clock_get_ns(HULL_CLOCK_VIRTUAL) / NS_PER_TICK;
}

uint64_t riscv_clint_get_time(void *opaque)
{
    RiscvClintState *s = opaque;

    return clint_ticks() + (uint64_t)__atomic_load_n(&s->offset, __ATOMIC_RELAXED);
}

/* Arms `timer` for when mtime reaches cmp; false when mtime already has. */
static bool clint_arm(RiscvClintState *s, Timer *timer, uint64_t cmp)
{
    uint64_t now = riscv_clint_get_time(s);
    uint64_t ticks = cmp - now; /* cmp > now here */
    int64_t now_ns = clock_get_ns(HULL_CLOCK_VIRTUAL);

    if (cmp <= now) {
        timer_del(timer);
        return false;
    }
    /* Beyond ~29 years of virtual time: never (mtimecmp = -1 disables the timer). */
    if (ticks > (uint64_t)(INT64_MAX - now_ns) / NS_PER_TICK) {
        timer_del(timer);
        return true;
    }
    /* The first ns at which mtime reads cmp (mtime counts whole ticks). */
    timer_mod(timer, (now_ns / (int64_t)NS_PER_TICK + (int64_t)ticks) * (int64_t)NS_PER_TICK);
    return true;
}

static void clint_update_mtip(RiscvClintHart *h)
{
    bool pending = !clint_arm(h->clint, h->mtimer, h->mtimecmp);

    irq_set_level(h->mtip_line, pending);
}

static void clint_mtimer_cb(void *opaque)
{
    clint_update_mtip(opaque);
}

static void clint_stimer_cb(void *opaque)
{
    RiscvClintHart *h = opaque;
    uint64_t cmp = __atomic_load_n(&h->stimecmp, __ATOMIC_SEQ_CST);

    /* The hart clears STIP itself when stimecmp moves later; only raise here. */
    if (!clint_arm(h->clint, h->stimer, cmp)) {
        irq_raise(h->stip_line);
    }
}

void riscv_clint_set_stimecmp(void *opaque, uint64_t hart, uint64_t value)
{
    RiscvClintState *s = opaque;
    RiscvClintHart *h;

    if (hart >= s->num_harts) {
        return;
    }
    h = &s->harts[hart];
    __atomic_store_n(&h->stimecmp, value, __ATOMIC_SEQ_CST);
    if (value > riscv_clint_get_time(s)) {
        clint_arm(s, h->stimer, value);
    } else {
        timer_del(h->stimer);
    }
}

/* ---- registers ---- */

static uint64_t clint_merge(uint64_t old, uint64_t offset, unsigned size, uint64_t value)
{
    unsigned shift = (offset & 4) * 8;
    uint64_t mask;

    if (size == 8) {
        return value;
    }
    mask = UINT64_C(0xffffffff) << shift;
    return (old & ~mask) | ((value << shift) & mask);
}

static MemTxResult clint_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    RiscvClintState *s = opaque;
    uint64_t v;

    if (offset < RISCV_CLINT_MSIP_BASE + 4 * (uint64_t)s->num_harts) {
        *value = (offset & 3) == 0 && size == 4 ? s->harts[offset / 4].msip : 0;
        return MEMTX_OK;
    }
    if (offset >= RISCV_CLINT_MTIMECMP_BASE &&
        offset < RISCV_CLINT_MTIMECMP_BASE + 8 * (uint64_t)s->num_harts) {
        v = s->harts[(offset - RISCV_CLINT_MTIMECMP_BASE) / 8].mtimecmp;
    } else if (offset >= RISCV_CLINT_MTIME && offset < RISCV_CLINT_MTIME + 8) {
        v = riscv_clint_get_time(s);
    } else {
        *value = 0; /* reserved: reads zero */
        return MEMTX_OK;
    }
    *value = size == 8 ? v : (uint32_t)(v >> ((offset & 4) * 8));
    return MEMTX_OK;
}

static MemTxResult clint_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    RiscvClintState *s = opaque;

    if (offset < RISCV_CLINT_MSIP_BASE + 4 * (uint64_t)s->num_harts) {
        RiscvClintHart *h = &s->harts[offset / 4];

        if ((offset & 3) == 0 && size == 4) {
            h->msip = value & 1;
            irq_set_level(h->msip_line, h->msip);
        }
        return MEMTX_OK;
    }
    if (offset >= RISCV_CLINT_MTIMECMP_BASE &&
        offset < RISCV_CLINT_MTIMECMP_BASE + 8 * (uint64_t)s->num_harts) {
        RiscvClintHart *h = &s->harts[(offset - RISCV_CLINT_MTIMECMP_BASE) / 8];

        h->mtimecmp = clint_merge(h->mtimecmp, offset, size, value);
        clint_update_mtip(h);
        return MEMTX_OK;
    }
    if (offset >= RISCV_CLINT_MTIME && offset < RISCV_CLINT_MTIME + 8) {
        uint64_t mtime = clint_merge(riscv_clint_get_time(s), offset, size, value);

        __atomic_store_n(&s->offset, (int64_t)(mtime - clint_ticks()), __ATOMIC_SEQ_CST);
        /* Every comparison moved. */
        for (unsigned i = 0; i < s->num_harts; i++) {
            RiscvClintHart *h = &s->harts[i];
            uint64_t scmp = __atomic_load_n(&h->stimecmp, __ATOMIC_SEQ_CST);

            clint_update_mtip(h);
            if (!clint_arm(s, h->stimer, scmp)) {
                irq_raise(h->stip_line);
            }
        }
        return MEMTX_OK;
    }
    return MEMTX_OK; /* reserved: writes ignored */
}

static const MemoryRegionOps clint_ops = {
    .read = clint_read,
    .write = clint_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 4, .max_size = 8},
};

/* ---- device ---- */

static void clint_reset(DeviceState *dev)
{
    RiscvClintState *s = RISCV_CLINT(dev);

    __atomic_store_n(&s->offset, 0, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < s->num_harts; i++) {
        RiscvClintHart *h = &s->harts[i];

        h->msip = false;
        h->mtimecmp = UINT64_MAX; /* no timer interrupt until software asks */
        __atomic_store_n(&h->stimecmp, UINT64_MAX, __ATOMIC_SEQ_CST);
        timer_del(h->mtimer);
        timer_del(h->stimer);
        irq_lower(h->msip_line);
        irq_lower(h->mtip_line);
    }
}

static bool clint_realize(DeviceState *dev, GError **errp)
{
    RiscvClintState *s = RISCV_CLINT(dev);

    if (s->num_harts == 0 || s->num_harts > RISCV_CLINT_MAX_HARTS) {
        return hull_error_setg(errp, "%s: %u harts (1..%u supported)", TYPE_RISCV_CLINT,
                               s->num_harts, RISCV_CLINT_MAX_HARTS);
    }
    s->harts = g_new0(RiscvClintHart, s->num_harts);
    for (unsigned i = 0; i < s->num_harts; i++) {
        RiscvClintHart *h = &s->harts[i];

        h->clint = s;
        h->index = i;
        h->mtimecmp = UINT64_MAX;
        h->stimecmp = UINT64_MAX;
        h->mtimer = timer_new(HULL_CLOCK_VIRTUAL, clint_mtimer_cb, h);
        h->stimer = timer_new(HULL_CLOCK_VIRTUAL, clint_stimer_cb, h);
        /* msip_line, mtip_line, stip_line: lines 0, 1, 2 of "hartN" (qtest) */
        g_autofree char *name = g_strdup_printf("hart%u", i);
        device_declare_irq_outputs(dev, name, &h->msip_line, 3);
    }
    s->mmio = memory_region_new_mmio(TYPE_RISCV_CLINT, RISCV_CLINT_SIZE, &clint_ops, s);
    memory_region_set_owner(s->mmio, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    return true;
}

static void clint_unrealize(DeviceState *dev)
{
    RiscvClintState *s = RISCV_CLINT(dev);

    for (unsigned i = 0; i < s->num_harts; i++) {
        g_clear_pointer(&s->harts[i].mtimer, timer_free);
        g_clear_pointer(&s->harts[i].stimer, timer_free);
    }
    device_clear_irq_outputs(dev);
    g_clear_pointer(&s->harts, g_free);
    g_clear_pointer(&s->mmio, memory_region_unref);
}

RiscvClintState *riscv_clint_new(unsigned num_harts, GError **errp)
{
    Object *obj = object_new(TYPE_RISCV_CLINT, errp);

    if (!obj) {
        return NULL;
    }
    RISCV_CLINT(obj)->num_harts = num_harts;
    return RISCV_CLINT(obj);
}

MemoryRegion *riscv_clint_get_region(RiscvClintState *s)
{
    return s->mmio;
}

void riscv_clint_connect_hart(RiscvClintState *s, unsigned hart, IrqLine *msip, IrqLine *mtip,
                              IrqLine *stip)
{
    g_assert(s->harts && hart < s->num_harts);
    s->harts[hart].msip_line = msip;
    s->harts[hart].mtip_line = mtip;
    s->harts[hart].stip_line = stip;
}

static void clint_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = clint_realize;
    dc->unrealize = clint_unrealize;
    dc->reset = clint_reset;
}

static const TypeInfo clint_type_info = {
    .name = TYPE_RISCV_CLINT,
    .parent = TYPE_DEVICE,
    .description = "RISC-V CLINT: msip, mtimecmp and a 10 MHz mtime per the SiFive layout",
    .instance_size = sizeof(RiscvClintState),
    .class_init = clint_class_init,
};
TYPE_REGISTER(clint_type_info)

/*
 * The SiFive PLIC: level-triggered sources latch a pending bit while their line is high
 * and not claimed; a context's claim returns the enabled pending source of highest
 * priority above its threshold (the lowest id among equals) and marks it claimed until
 * the context completes it. Each context's output is high while it has such a source.
 */
#include "hw/intc/sifive-plic.h"

#include <string.h>

#include "util/error.h"

#define PLIC_WORDS ((SIFIVE_PLIC_NUM_SOURCES + 31) / 32)

typedef struct PlicContext {
    uint32_t enable[PLIC_WORDS];
    uint32_t threshold;
    IrqLine *out;
} PlicContext;

struct SiFivePlicState {
    DeviceState parent_obj;
    MemoryRegion *mmio;
    unsigned num_harts;
    unsigned num_contexts;
    uint32_t priority[SIFIVE_PLIC_NUM_SOURCES];
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS];
    bool level[SIFIVE_PLIC_NUM_SOURCES];
    PlicContext *contexts;
    IrqLine **sources;
};

static bool plic_bit(const uint32_t *map, unsigned id)
{
    return (map[id / 32] >> (id % 32)) & 1;
}

static void plic_set_bit(uint32_t *map, unsigned id, bool v)
{
    if (v) {
        map[id / 32] |= UINT32_C(1) << (id % 32);
    } else {
        map[id / 32] &= ~(UINT32_C(1) << (id % 32));
    }
}

/* The source a claim by `ctx` would return now, or 0. */
static unsigned plic_best(const SiFivePlicState *s, const PlicContext *ctx)
{
    unsigned best = 0;
    uint32_t best_prio = ctx->threshold;

    for (unsigned id = 1; id < SIFIVE_PLIC_NUM_SOURCES; id++) {
        if (plic_bit(s->pending, id) && !plic_bit(s->claimed, id) &&
            plic_bit(ctx->enable, id) && s->priority[id] > best_prio) {
            best = id;
            best_prio = s->priority[id];
        }
    }
    return best;
}

static void plic_update(SiFivePlicState *s)
{
    for (unsigned c = 0; c < s->num_contexts; c++) {
        irq_set_level(s->contexts[c].out, plic_best(s, &s->contexts[c]) != 0);
    }
}

static void plic_source_handler(void *opaque, unsigned id, bool level)
{
    SiFivePlicState *s = opaque;

    s->level[id] = level;
    /* Like QEMU: the pending bit follows the line while the source is not claimed. */
    if (!plic_bit(s->claimed, id)) {
        plic_set_bit(s->pending, id, level);
    }
    plic_update(s);
}

/* ---- registers ---- */

static MemTxResult plic_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    SiFivePlicState *s = opaque;

    *value = 0;
    if (offset < SIFIVE_PLIC_PRIORITY_BASE + 4 * SIFIVE_PLIC_NUM_SOURCES) {
        *value = s->priority[offset / 4];
    } else if (offset >= SIFIVE_PLIC_PENDING_BASE &&
               offset < SIFIVE_PLIC_PENDING_BASE + 4 * PLIC_WORDS) {
        *value = s->pending[(offset - SIFIVE_PLIC_PENDING_BASE) / 4];
    } else if (offset >= SIFIVE_PLIC_ENABLE_BASE &&
               offset < SIFIVE_PLIC_ENABLE_BASE +
                            (uint64_t)s->num_contexts * SIFIVE_PLIC_ENABLE_STRIDE) {
        uint64_t rel = offset - SIFIVE_PLIC_ENABLE_BASE;
        unsigned word = (rel % SIFIVE_PLIC_ENABLE_STRIDE) / 4;

        if (word < PLIC_WORDS) {
            *value = s->contexts[rel / SIFIVE_PLIC_ENABLE_STRIDE].enable[word];
        }
    } else if (offset >= SIFIVE_PLIC_CONTEXT_BASE &&
               offset < SIFIVE_PLIC_SIZE(s->num_harts)) {
        uint64_t rel = offset - SIFIVE_PLIC_CONTEXT_BASE;
        PlicContext *ctx = &s->contexts[rel / SIFIVE_PLIC_CONTEXT_STRIDE];

        switch (rel % SIFIVE_PLIC_CONTEXT_STRIDE) {
        case 0:
            *value = ctx->threshold;
            break;
        case 4: { /* claim */
            unsigned id = plic_best(s, ctx);

            if (id) {
                plic_set_bit(s->pending, id, false);
                plic_set_bit(s->claimed, id, true);
                plic_update(s);
            }
            *value = id;
            break;
        }
        default:
            break;
        }
    }
    return MEMTX_OK;
}

static MemTxResult plic_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    SiFivePlicState *s = opaque;
    uint32_t v = (uint32_t)value;

    if (offset < SIFIVE_PLIC_PRIORITY_BASE + 4 * SIFIVE_PLIC_NUM_SOURCES) {
        if (offset / 4 != 0) { /* source 0 does not exist */
            s->priority[offset / 4] = v & SIFIVE_PLIC_MAX_PRIORITY;
        }
    } else if (offset >= SIFIVE_PLIC_ENABLE_BASE &&
               offset < SIFIVE_PLIC_ENABLE_BASE +
                            (uint64_t)s->num_contexts * SIFIVE_PLIC_ENABLE_STRIDE) {
        uint64_t rel = offset - SIFIVE_PLIC_ENABLE_BASE;
        unsigned word = (rel % SIFIVE_PLIC_ENABLE_STRIDE) / 4;

        if (word < PLIC_WORDS) {
            if (word == 0) {
                v &= ~UINT32_C(1); /* source 0 */
            }
            s->contexts[rel / SIFIVE_PLIC_ENABLE_STRIDE].enable[word] = v;
        }
    } else if (offset >= SIFIVE_PLIC_CONTEXT_BASE &&
               offset < SIFIVE_PLIC_SIZE(s->num_harts)) {
        uint64_t rel = offset - SIFIVE_PLIC_CONTEXT_BASE;
        PlicContext *ctx = &s->contexts[rel / SIFIVE_PLIC_CONTEXT_STRIDE];

        switch (rel % SIFIVE_PLIC_CONTEXT_STRIDE) {
        case 0:
            ctx->threshold = v & SIFIVE_PLIC_MAX_PRIORITY;
            break;
        case 4: /* complete: ignored unless the source is enabled for this context */
            if (v > 0 && v < SIFIVE_PLIC_NUM_SOURCES && plic_bit(ctx->enable, v)) {
                plic_set_bit(s->claimed, v, false);
                if (s->level[v]) {
                    plic_set_bit(s->pending, v, true); /* still asserted: a new request */
                }
            }
            break;
        default:
            break;
        }
    }
    /* The pending array is read-only; other offsets are reserved. */
    plic_update(s);
    return MEMTX_OK;
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 4, .max_size = 4},
};

/* ---- device ---- */

static void plic_reset(DeviceState *dev)
{
    SiFivePlicState *s = SIFIVE_PLIC(dev);

    memset(s->priority, 0, sizeof(s->priority));
    memset(s->claimed, 0, sizeof(s->claimed));
    /* Source levels are wires: they stay, and so do the requests they make. */
    for (unsigned id = 0; id < SIFIVE_PLIC_NUM_SOURCES; id++) {
        plic_set_bit(s->pending, id, id != 0 && s->level[id]);
    }
    for (unsigned c = 0; c < s->num_contexts; c++) {
        memset(s->contexts[c].enable, 0, sizeof(s->contexts[c].enable));
        s->contexts[c].threshold = 0;
    }
    plic_update(s);
}

static bool plic_realize(DeviceState *dev, GError **errp)
{
    SiFivePlicState *s = SIFIVE_PLIC(dev);

    if (s->num_harts == 0 || s->num_harts > SIFIVE_PLIC_MAX_HARTS) {
        return hull_error_setg(errp, "%s: %u harts (1..%u supported)", TYPE_SIFIVE_PLIC,
                               s->num_harts, SIFIVE_PLIC_MAX_HARTS);
    }
    s->num_contexts = 2 * s->num_harts;
    s->contexts = g_new0(PlicContext, s->num_contexts);
    for (unsigned c = 0; c < s->num_contexts; c++) {
        /* Context 2h is hart h's M-mode external interrupt, 2h + 1 its S-mode one. */
        g_autofree char *name = g_strdup_printf("context%u", c);

        device_declare_irq_outputs(dev, name, &s->contexts[c].out, 1);
    }
    s->sources = irq_lines_new(plic_source_handler, s, 0, SIFIVE_PLIC_NUM_SOURCES);
    s->mmio = memory_region_new_mmio(TYPE_SIFIVE_PLIC, SIFIVE_PLIC_SIZE(s->num_harts),
                                     &plic_ops, s);
    memory_region_set_owner(s->mmio, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    return true;
}

static void plic_unrealize(DeviceState *dev)
{
    SiFivePlicState *s = SIFIVE_PLIC(dev);

    if (s->sources) {
        irq_lines_free(s->sources, SIFIVE_PLIC_NUM_SOURCES);
        s->sources = NULL;
    }
    device_clear_irq_outputs(dev);
    g_clear_pointer(&s->contexts, g_free);
    g_clear_pointer(&s->mmio, memory_region_unref);
}

SiFivePlicState *sifive_plic_new(unsigned num_harts, GError **errp)
{
    Object *obj = object_new(TYPE_SIFIVE_PLIC, errp);

    if (!obj) {
        return NULL;
    }
    SIFIVE_PLIC(obj)->num_harts = num_harts;
    return SIFIVE_PLIC(obj);
}

MemoryRegion *sifive_plic_get_region(SiFivePlicState *s)
{
    return s->mmio;
}

IrqLine *sifive_plic_get_source(SiFivePlicState *s, unsigned id)
{
    g_assert(s->sources && id > 0 && id < SIFIVE_PLIC_NUM_SOURCES);
    return s->sources[id];
}

void sifive_plic_connect_hart(SiFivePlicState *s, unsigned hart, IrqLine *meip, IrqLine *seip)
{
    g_assert(s->contexts && hart < s->num_harts);
    s->contexts[2 * hart].out = meip;
    s->contexts[2 * hart + 1].out = seip;
    plic_update(s);
}

static void plic_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = plic_realize;
    dc->unrealize = plic_unrealize;
    dc->reset = plic_reset;
}

static const TypeInfo plic_type_info = {
    .name = TYPE_SIFIVE_PLIC,
    .parent = TYPE_DEVICE,
    .description = "SiFive PLIC: 96 sources, priorities 0-7, M and S contexts per hart",
    .instance_size = sizeof(SiFivePlicState),
    .class_init = plic_class_init,
};
TYPE_REGISTER(plic_type_info)

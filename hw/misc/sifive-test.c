/*
 * The SiFive test finisher: a 32-bit write to offset 0 of 0x5555 powers off, of
 * (code << 16) | 0x3333 records `code` as the guest's exit code and powers off, of 0x7777
 * resets. Other values and offsets do nothing; reads return 0.
 */
#include "hw/misc/sifive-test.h"

#include "engine/machine.h"
#include "util/log.h"

#define SIFIVE_TEST_REG_FINISHER 0x0

struct SiFiveTestState {
    DeviceState parent_obj;
    MemoryRegion *mmio;
    bool warned; /* an unknown command was logged once */
};

static MemTxResult sifive_test_read(void *opaque, uint64_t offset, unsigned size,
                                    uint64_t *value)
{
    *value = 0;
    return MEMTX_OK;
}

static MemTxResult sifive_test_write(void *opaque, uint64_t offset, unsigned size,
                                     uint64_t value)
{
    SiFiveTestState *s = opaque;
    uint32_t status = value & 0xffff;
    uint32_t code = (value >> 16) & 0xffff;

    if (offset == SIFIVE_TEST_REG_FINISHER) {
        switch (status) {
        case SIFIVE_TEST_FAIL:
            machine_set_guest_exit_code(code);
            machine_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
            return MEMTX_OK;
        case SIFIVE_TEST_PASS:
            machine_set_guest_exit_code(0);
            machine_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
            return MEMTX_OK;
        case SIFIVE_TEST_RESET:
            machine_request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
            return MEMTX_OK;
        }
    }
    if (!s->warned) {
        s->warned = true;
        hull_warn("sifive-test", "guest wrote 0x%" G_GINT64_MODIFIER "x at offset 0x%"
                  G_GINT64_MODIFIER "x: not a test command (ignored; logged once)",
                  value, offset);
    }
    return MEMTX_OK;
}

static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 2, .max_size = 4},
};

static bool sifive_test_realize(DeviceState *dev, GError **errp)
{
    SiFiveTestState *s = SIFIVE_TEST(dev);

    s->mmio = memory_region_new_mmio("riscv.sifive.test", SIFIVE_TEST_SIZE, &sifive_test_ops, s);
    memory_region_set_owner(s->mmio, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    return true;
}

static void sifive_test_unrealize(DeviceState *dev)
{
    g_clear_pointer(&SIFIVE_TEST(dev)->mmio, memory_region_unref);
}

SiFiveTestState *sifive_test_new(GError **errp)
{
    Object *obj = object_new(TYPE_SIFIVE_TEST, errp);

    return obj ? SIFIVE_TEST(obj) : NULL;
}

MemoryRegion *sifive_test_get_region(SiFiveTestState *s)
{
    return s->mmio;
}

static void sifive_test_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = sifive_test_realize;
    dc->unrealize = sifive_test_unrealize;
}

static const TypeInfo sifive_test_type_info = {
    .name = TYPE_SIFIVE_TEST,
    .parent = TYPE_DEVICE,
    .description = "SiFive test finisher: guest power-off with an exit code, and reset",
    .instance_size = sizeof(SiFiveTestState),
    .class_init = sifive_test_class_init,
};
TYPE_REGISTER(sifive_test_type_info)

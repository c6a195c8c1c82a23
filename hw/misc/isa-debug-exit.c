/*
 * isa-debug-exit: any write to its ports ends the run. The guest's exit code is
 * (value << 1) | 1, as QEMU makes it, shown by query-status; the machine shuts down with
 * SHUTDOWN {guest: true, reason: guest-shutdown}. The run has ended with the first write:
 * the guest may execute a little longer until the main loop stops it, and what it writes
 * then does not change the code (until a system reset).
 */
#include "hw/misc/isa-debug-exit.h"

#include "engine/machine.h"
#include "util/error.h"
#include "util/log.h"

#define ISA_DEBUG_EXIT_IOBASE 0x501
#define ISA_DEBUG_EXIT_IOSIZE 0x02
#define ISA_IO_SPACE_SIZE     0x10000

typedef struct IsaDebugExitState {
    DeviceState parent_obj;
    uint64_t iobase;
    uint64_t iosize;
    MemoryRegion *io;
    bool exited; /* the exit code is taken; later writes are ignored until reset */
} IsaDebugExitState;

#define ISA_DEBUG_EXIT(obj) OBJECT_CHECK(IsaDebugExitState, (obj), TYPE_ISA_DEBUG_EXIT)

static MemTxResult isa_debug_exit_read(void *opaque, uint64_t offset, unsigned size,
                                       uint64_t *value)
{
    *value = 0;
    return MEMTX_OK;
}

static MemTxResult isa_debug_exit_write(void *opaque, uint64_t offset, unsigned size,
                                        uint64_t value)
{
    IsaDebugExitState *s = opaque;
    int64_t code = (int64_t)((value << 1) | 1);

    if (s->exited) {
        return MEMTX_OK;
    }
    s->exited = true;
    hull_info("isa-debug-exit",
              "the guest exits with code %" G_GINT64_FORMAT " (wrote 0x%" G_GINT64_MODIFIER "x)",
              code, (guint64)value);
    machine_set_guest_exit_code(code);
    machine_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    return MEMTX_OK;
}

static const MemoryRegionOps isa_debug_exit_ops = {
    .read = isa_debug_exit_read,
    .write = isa_debug_exit_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 1, .max_size = 4},
};

static void isa_debug_exit_reset(DeviceState *dev)
{
    ISA_DEBUG_EXIT(dev)->exited = false;
}

static bool isa_debug_exit_realize(DeviceState *dev, GError **errp)
{
    IsaDebugExitState *s = ISA_DEBUG_EXIT(dev);

    if (s->iosize == 0 || s->iobase >= ISA_IO_SPACE_SIZE ||
        s->iosize > ISA_IO_SPACE_SIZE - s->iobase) {
        return hull_error_setg(errp,
                               "isa-debug-exit: ports 0x%" G_GINT64_MODIFIER
                               "x + 0x%" G_GINT64_MODIFIER "x do not fit the 64 KiB I/O space",
                               (guint64)s->iobase, (guint64)s->iosize);
    }
    s->io = memory_region_new_mmio("isa-debug-exit", s->iosize, &isa_debug_exit_ops, s);
    memory_region_set_owner(s->io, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    return true;
}

static void isa_debug_exit_unrealize(DeviceState *dev)
{
    IsaDebugExitState *s = ISA_DEBUG_EXIT(dev);

    g_clear_pointer(&s->io, memory_region_unref);
}

MemoryRegion *isa_debug_exit_io(DeviceState *dev)
{
    return ISA_DEBUG_EXIT(dev)->io;
}

uint64_t isa_debug_exit_iobase(DeviceState *dev)
{
    return ISA_DEBUG_EXIT(dev)->iobase;
}

static const Property isa_debug_exit_props[] = {
    PROP_UINT("iobase", IsaDebugExitState, iobase, ISA_DEBUG_EXIT_IOBASE, "first I/O port",
              .umax = ISA_IO_SPACE_SIZE - 1),
    PROP_UINT("iosize", IsaDebugExitState, iosize, ISA_DEBUG_EXIT_IOSIZE, "number of I/O ports",
              .umax = ISA_IO_SPACE_SIZE),
    PROP_END,
};

static void isa_debug_exit_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->user_creatable = true; /* device_add isa-debug-exit,iobase=0xf4 as with QEMU */
    dc->realize = isa_debug_exit_realize;
    dc->unrealize = isa_debug_exit_unrealize;
    dc->reset = isa_debug_exit_reset;
}

static const TypeInfo isa_debug_exit_type_info = {
    .name = TYPE_ISA_DEBUG_EXIT,
    .parent = TYPE_DEVICE,
    .description = "ISA debug exit port: a write ends the run with exit code (value << 1) | 1",
    .instance_size = sizeof(IsaDebugExitState),
    .class_init = isa_debug_exit_class_init,
    .properties = isa_debug_exit_props,
};
TYPE_REGISTER(isa_debug_exit_type_info)

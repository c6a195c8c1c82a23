/*
 * i8042 keyboard controller without keyboard or mouse: enough for a guest to find the
 * controller, test it and reset the machine through it (0xfe, or clearing bit 0 of the
 * output port). Keyboard and mouse commands go unanswered, as with nothing plugged in;
 * no interrupts are raised.
 */
#include "hw/input/i8042.h"

#include "engine/machine.h"
#include "util/log.h"

/* Status register (read from port 0x64). */
#define I8042_STR_OBF    0x01 /* output buffer full */
#define I8042_STR_SYSTEM 0x04 /* system flag: the self-test passed */
#define I8042_STR_CMD    0x08 /* the last write went to the command port */
#define I8042_STR_AUXOBF 0x20 /* the output buffer holds mouse data */

/* Controller configuration byte ("command byte"). */
#define I8042_CTR_KBDINT  0x01
#define I8042_CTR_SYSTEM  0x04
#define I8042_CTR_KBDDIS  0x10
#define I8042_CTR_AUXDIS  0x20
#define I8042_CTR_XLATE   0x40
#define I8042_CTR_DEFAULT (I8042_CTR_KBDINT | I8042_CTR_SYSTEM | I8042_CTR_XLATE)

/* Commands (written to port 0x64). */
#define I8042_CMD_READ_CTR     0x20
#define I8042_CMD_WRITE_CTR    0x60
#define I8042_CMD_AUX_DISABLE  0xa7
#define I8042_CMD_AUX_ENABLE   0xa8
#define I8042_CMD_AUX_TEST     0xa9
#define I8042_CMD_SELF_TEST    0xaa
#define I8042_CMD_KBD_TEST     0xab
#define I8042_CMD_KBD_DISABLE  0xad
#define I8042_CMD_KBD_ENABLE   0xae
#define I8042_CMD_READ_OUTPUT  0xd0
#define I8042_CMD_WRITE_OUTPUT 0xd1
#define I8042_CMD_PULSE_FIRST  0xf0 /* 0xf0-0xff pulse output lines whose bit is 0 */

#define I8042_SELF_TEST_OK   0x55
#define I8042_PORT_TEST_OK   0x00
#define I8042_OUT_RESET_HIGH 0x01 /* output port bit 0: the CPU reset line, active low */
#define I8042_OUT_A20        0x02
#define I8042_OUT_DEFAULT    (I8042_OUT_RESET_HIGH | I8042_OUT_A20)

typedef struct I8042State {
    DeviceState parent_obj;
    MemoryRegion *data_io;
    MemoryRegion *cmd_io;
    uint8_t status;
    uint8_t ctr;
    uint8_t outport;
    uint8_t outbuf;
    uint8_t pending_cmd; /* a command waiting for its data byte on port 0x60, or 0 */
} I8042State;

#define I8042(obj) OBJECT_CHECK(I8042State, (obj), TYPE_I8042)

static void i8042_reply(I8042State *s, uint8_t value)
{
    s->outbuf = value;
    s->status = (s->status | I8042_STR_OBF) & ~I8042_STR_AUXOBF;
}

static void i8042_system_reset(I8042State *s)
{
    hull_info("i8042", "the guest resets the machine through the keyboard controller");
    machine_request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
}

static void i8042_write_outport(I8042State *s, uint8_t value)
{
    s->outport = value;
    if (!(value & I8042_OUT_RESET_HIGH)) {
        i8042_system_reset(s);
    }
}

static MemTxResult i8042_data_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    I8042State *s = opaque;

    *value = s->outbuf;
    s->status &= ~(I8042_STR_OBF | I8042_STR_AUXOBF);
    return MEMTX_OK;
}

static MemTxResult i8042_data_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    I8042State *s = opaque;
    uint8_t cmd = s->pending_cmd;

    s->status &= ~I8042_STR_CMD;
    s->pending_cmd = 0;
    switch (cmd) {
    case I8042_CMD_WRITE_CTR:
        s->ctr = (uint8_t)value;
        s->status = (s->status & ~I8042_STR_SYSTEM) | (s->ctr & I8042_CTR_SYSTEM);
        break;
    case I8042_CMD_WRITE_OUTPUT:
        i8042_write_outport(s, (uint8_t)value);
        break;
    default:
        /* A byte for the keyboard: none is attached, nothing answers. */
        break;
    }
    return MEMTX_OK;
}

static MemTxResult i8042_status_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    *value = ((I8042State *)opaque)->status;
    return MEMTX_OK;
}

static MemTxResult i8042_cmd_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    I8042State *s = opaque;
    uint8_t cmd = (uint8_t)value;

    s->status |= I8042_STR_CMD;
    s->pending_cmd = 0;
    if (cmd >= I8042_CMD_PULSE_FIRST) {
        if (!(cmd & I8042_OUT_RESET_HIGH)) {
            i8042_system_reset(s);
        }
        return MEMTX_OK;
    }
    switch (cmd) {
    case I8042_CMD_READ_CTR:
        i8042_reply(s, s->ctr);
        break;
    case I8042_CMD_WRITE_CTR:
    case I8042_CMD_WRITE_OUTPUT:
        s->pending_cmd = cmd;
        break;
    case I8042_CMD_SELF_TEST:
        s->status |= I8042_STR_SYSTEM;
        i8042_reply(s, I8042_SELF_TEST_OK);
        break;
    case I8042_CMD_KBD_TEST:
    case I8042_CMD_AUX_TEST:
        i8042_reply(s, I8042_PORT_TEST_OK);
        break;
    case I8042_CMD_KBD_DISABLE:
        s->ctr |= I8042_CTR_KBDDIS;
        break;
    case I8042_CMD_KBD_ENABLE:
        s->ctr &= ~I8042_CTR_KBDDIS;
        break;
    case I8042_CMD_AUX_DISABLE:
        s->ctr |= I8042_CTR_AUXDIS;
        break;
    case I8042_CMD_AUX_ENABLE:
        s->ctr &= ~I8042_CTR_AUXDIS;
        break;
    case I8042_CMD_READ_OUTPUT:
        i8042_reply(s, s->outport);
        break;
    default:
        hull_debug("i8042", "unhandled command 0x%02x", cmd);
        break;
    }
    return MEMTX_OK;
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 1, .max_size = 1},
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 1, .max_size = 1},
};

static void i8042_reset(DeviceState *dev)
{
    I8042State *s = I8042(dev);

    s->ctr = I8042_CTR_DEFAULT;
    s->status = I8042_STR_SYSTEM;
    s->outport = I8042_OUT_DEFAULT;
    s->outbuf = 0;
    s->pending_cmd = 0;
}

static bool i8042_realize(DeviceState *dev, GError **errp)
{
    I8042State *s = I8042(dev);

    s->data_io = memory_region_new_mmio("i8042-data", 1, &i8042_data_ops, s);
    memory_region_set_owner(s->data_io, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    s->cmd_io = memory_region_new_mmio("i8042-cmd", 1, &i8042_cmd_ops, s);
    memory_region_set_owner(s->cmd_io, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    i8042_reset(dev);
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = I8042(dev);

    g_clear_pointer(&s->data_io, memory_region_unref);
    g_clear_pointer(&s->cmd_io, memory_region_unref);
}

MemoryRegion *i8042_data_io(DeviceState *dev)
{
    return I8042(dev)->data_io;
}

MemoryRegion *i8042_cmd_io(DeviceState *dev)
{
    return I8042(dev)->cmd_io;
}

static void i8042_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = i8042_realize;
    dc->unrealize = i8042_unrealize;
    dc->reset = i8042_reset;
}

static const TypeInfo i8042_type_info = {
    .name = TYPE_I8042,
    .parent = TYPE_DEVICE,
    .description = "PC keyboard controller (no keyboard or mouse attached): self-test and "
                   "system reset",
    .instance_size = sizeof(I8042State),
    .class_init = i8042_class_init,
};
TYPE_REGISTER(i8042_type_info)

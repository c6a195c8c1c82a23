/*
 * The `test` board (engine-only, no guest architecture) and its `test-device` device, for
 * exercising the machine lifecycle, memory dispatch, timers, IRQs, chardevs and device_add
 * through QMP with the qtest accelerator.
 *
 * Memory map: RAM at 0; test-device at 0x10000000 (the board's own, IRQ line 0 of the
 * board's interrupt sink) and device_add'ed test-devices at 0x10001000 + 0x1000 * n; one
 * byte of port I/O at 0x500 on the board's test-device.
 *
 * test-device registers (little-endian, 4- or 8-byte accesses):
 *   0x00 ID       read-only 0x4c4c5548 ("HULL")
 *   0x08 SCRATCH  read/write, 64 bits; reset clears it
 *   0x10 IRQ      write: the level of the interrupt output (0 or 1); read: the level
 *   0x18 TIMER    write N: after N ns of virtual time STATUS.0 is set and the output
 *                 raised; write 0 cancels; read: ns left (0 when idle)
 *   0x20 STATUS   bit 0: the timer fired; write 1 to clear it (lowers the output)
 *   0x28 OUT      write: the low byte goes to the device's chardev (if any)
 *   0x30 DISK_OFFSET  byte offset on the device's block node (`drive`)
 *   0x38 DISK_ADDR    guest physical address of the data
 *   0x40 DISK_LEN     bytes (at most 1 MiB)
 *   0x48 DISK_CMD     write 1: read the disk into memory, 2: write memory to the disk,
 *                     3: flush; read: 1 while a request is in flight
 *   0x50 DISK_RESULT  0, or the errno of the last request (EFAULT: a guest address that
 *                     is not memory, EBUSY: a request in flight, ENOMEDIUM: no drive)
 * A finished request sets STATUS bit 1 and raises the output (cleared by writing 2 to
 * STATUS). Requests run asynchronously off the main thread (engine/block.c).
 */
#include <errno.h>

#include "engine/block.h"
#include "engine/clock.h"
#include "engine/machine.h"
#include "engine/timer.h"
#include "util/error.h"

#define TYPE_TEST_DEV       "test-device"
#define TYPE_TEST_MACHINE   "test-machine"
#define TEST_DEV_BASE       0x10000000ULL
#define TEST_DEV_SLOT_BASE  0x10001000ULL
#define TEST_DEV_SIZE       0x1000ULL
#define TEST_DEV_SLOTS      16
#define TEST_DEV_ID         0x4c4c5548ULL
#define TEST_IO_PORT        0x500
#define TEST_DISK_MAX_LEN   (1u << 20)

enum { DISK_CMD_READ = 1, DISK_CMD_WRITE = 2, DISK_CMD_FLUSH = 3 };

typedef struct TestDev {
    DeviceState parent_obj;
    Object *chr; /* PROP_CHARDEV */
    MemoryRegion *mmio;
    MemoryRegion *io;
    Timer *timer;
    IrqLine *irq;
    bool level;
    uint64_t scratch;
    uint64_t status;
    uint8_t io_byte;
    /* the disk interface */
    Object *drive; /* PROP_DRIVE */
    uint64_t disk_offset, disk_addr, disk_len, disk_result;
    uint8_t *disk_buf; /* the request in flight's bounce buffer, or NULL */
    unsigned disk_cmd;
    bool disk_busy;
} TestDev;

#define TEST_DEV(obj) OBJECT_CHECK(TestDev, (obj), TYPE_TEST_DEV)

static void test_dev_update_irq(TestDev *d, bool level)
{
    d->level = level;
    irq_set_level(d->irq, level);
}

static uint64_t test_dev_reg(TestDev *d, uint64_t addr, unsigned size)
{
    switch (addr) {
    case 0x00:
        return TEST_DEV_ID;
    case 0x08:
        return size == 8 ? d->scratch : (uint32_t)d->scratch;
    case 0x10:
        return d->level;
    case 0x18:
        if (timer_pending(d->timer)) {
            int64_t left = timer_expire_time(d->timer) - clock_get_ns(HULL_CLOCK_VIRTUAL);
            return left > 0 ? (uint64_t)left : 0;
        }
        return 0;
    case 0x20:
        return d->status;
    case 0x30:
        return d->disk_offset;
    case 0x38:
        return d->disk_addr;
    case 0x40:
        return d->disk_len;
    case 0x48:
        return d->disk_busy;
    case 0x50:
        return d->disk_result;
    default:
        return 0;
    }
}

static AddressSpace *test_dev_as(void)
{
    MachineState *ms = machine_get();

    return ms ? ms->as : NULL;
}

static void test_dev_disk_done(void *opaque, int ret)
{
    TestDev *d = opaque;
    AddressSpace *as = test_dev_as();

    if (ret == 0 && d->disk_cmd == DISK_CMD_READ &&
        (!as || address_space_write(as, d->disk_addr, d->disk_buf, d->disk_len) != MEMTX_OK)) {
        ret = -EFAULT;
    }
    g_clear_pointer(&d->disk_buf, g_free);
    d->disk_busy = false;
    d->disk_result = (uint64_t)-ret;
    d->status |= 2;
    test_dev_update_irq(d, true);
}

/* Starts a disk request; the guest's numbers are checked before anything is queued. */
static void test_dev_disk_start(TestDev *d, unsigned cmd)
{
    BlockNode *bs = d->drive ? BLOCK_NODE(d->drive) : NULL;
    AddressSpace *as = test_dev_as();
    int ret;

    if (d->disk_busy) {
        d->disk_result = EBUSY;
        return;
    }
    if (!bs || !as) {
        d->disk_result = ENOMEDIUM;
        return;
    }
    d->disk_cmd = cmd;
    if (cmd == DISK_CMD_FLUSH) {
        ret = block_aio_flush(bs, test_dev_disk_done, d);
    } else {
        if (d->disk_len == 0 || d->disk_len > TEST_DISK_MAX_LEN) {
            d->disk_result = EINVAL;
            return;
        }
        d->disk_buf = g_malloc0(d->disk_len);
        if (cmd == DISK_CMD_WRITE &&
            address_space_read(as, d->disk_addr, d->disk_buf, d->disk_len) != MEMTX_OK) {
            g_clear_pointer(&d->disk_buf, g_free);
            d->disk_result = EFAULT;
            return;
        }
        ret = cmd == DISK_CMD_WRITE
                  ? block_aio_write(bs, d->disk_offset, d->disk_buf, d->disk_len,
                                    test_dev_disk_done, d)
                  : block_aio_read(bs, d->disk_offset, d->disk_buf, d->disk_len,
                                   test_dev_disk_done, d);
    }
    if (ret < 0) {
        g_clear_pointer(&d->disk_buf, g_free);
        d->disk_result = (uint64_t)-ret;
        return;
    }
    d->disk_result = 0;
    d->disk_busy = true;
}

static MemTxResult test_dev_read(void *opaque, uint64_t addr, unsigned size, uint64_t *value)
{
    *value = test_dev_reg(opaque, addr, size);
    return MEMTX_OK;
}

static MemTxResult test_dev_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    TestDev *d = opaque;

    switch (addr) {
    case 0x08:
        d->scratch = size == 8 ? val : (d->scratch & ~0xffffffffULL) | (uint32_t)val;
        break;
    case 0x10:
        test_dev_update_irq(d, val & 1);
        break;
    case 0x18:
        if (val) {
            timer_mod(d->timer, clock_get_ns(HULL_CLOCK_VIRTUAL) + (int64_t)MIN(val, INT64_MAX / 2));
        } else {
            timer_del(d->timer);
        }
        break;
    case 0x20:
        if (val & 3) {
            d->status &= ~(val & 3);
            test_dev_update_irq(d, false);
        }
        break;
    case 0x30:
        d->disk_offset = val;
        break;
    case 0x38:
        d->disk_addr = val;
        break;
    case 0x40:
        d->disk_len = val;
        break;
    case 0x48:
        if (val >= DISK_CMD_READ && val <= DISK_CMD_FLUSH) {
            test_dev_disk_start(d, (unsigned)val);
        }
        break;
    case 0x28:
        if (d->chr) {
            uint8_t c = (uint8_t)val;

            chardev_write(CHARDEV(d->chr), &c, 1);
        }
        break;
    default:
        break;
    }
    return MEMTX_OK;
}

static const MemoryRegionOps test_dev_ops = {
    .read = test_dev_read,
    .write = test_dev_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 4, .max_size = 8},
    .impl = {.min_size = 4, .max_size = 8},
};

static MemTxResult test_io_read(void *opaque, uint64_t addr, unsigned size, uint64_t *value)
{
    *value = ((TestDev *)opaque)->io_byte;
    return MEMTX_OK;
}

static MemTxResult test_io_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    ((TestDev *)opaque)->io_byte = (uint8_t)val;
    return MEMTX_OK;
}

static const MemoryRegionOps test_io_ops = {
    .read = test_io_read,
    .write = test_io_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 1, .max_size = 1},
    .impl = {.min_size = 1, .max_size = 1},
};

static void test_dev_timer_cb(void *opaque)
{
    TestDev *d = opaque;

    d->status |= 1;
    test_dev_update_irq(d, true);
}

static void test_dev_instance_init(Object *obj)
{
    TestDev *d = TEST_DEV(obj);

    device_declare_irq_outputs(DEVICE(d), "irq", &d->irq, 1);
}

static void test_dev_release(gpointer owner)
{
    object_unref(owner);
}

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *d = TEST_DEV(dev);

    d->mmio = memory_region_new_mmio("test-dev", TEST_DEV_SIZE, &test_dev_ops, d);
    memory_region_set_owner(d->mmio, object_ref(OBJECT(d)), test_dev_release);
    d->io = memory_region_new_mmio("test-dev-io", 1, &test_io_ops, d);
    memory_region_set_owner(d->io, object_ref(OBJECT(d)), test_dev_release);
    d->timer = timer_new(HULL_CLOCK_VIRTUAL, test_dev_timer_cb, d);
    return true;
}

static void test_dev_unrealize(DeviceState *dev)
{
    TestDev *d = TEST_DEV(dev);

    /* A request in flight completes (and writes what the guest wrote) before we go. */
    if (d->drive) {
        block_node_drain(BLOCK_NODE(d->drive));
    }

    g_clear_pointer(&d->timer, timer_free);
    g_clear_pointer(&d->mmio, memory_region_unref);
    g_clear_pointer(&d->io, memory_region_unref);
}

static void test_dev_reset(DeviceState *dev)
{
    TestDev *d = TEST_DEV(dev);

    timer_del(d->timer);
    if (d->drive) {
        block_node_drain(BLOCK_NODE(d->drive)); /* the request finishes; its result drops */
    }
    d->disk_offset = d->disk_addr = d->disk_len = d->disk_result = 0;
    d->scratch = 0;
    d->status = 0;
    d->io_byte = 0;
    test_dev_update_irq(d, false);
}

static void test_dev_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->user_creatable = true;
    dc->hotpluggable = true;
    dc->realize = test_dev_realize;
    dc->unrealize = test_dev_unrealize;
    dc->reset = test_dev_reset;
}

static const Property test_dev_properties[] = {
    PROP_CHARDEV("chardev", TestDev, chr, "where writes to the OUT register go"),
    PROP_DRIVE("drive", TestDev, drive, "the block node of the disk registers"),
    PROP_END,
};

static const TypeInfo test_dev_type_info = {
    .name = TYPE_TEST_DEV,
    .parent = TYPE_DEVICE,
    .description = "the test board's device: scratch, IRQ, timer and output registers",
    .instance_size = sizeof(TestDev),
    .instance_init = test_dev_instance_init,
    .class_init = test_dev_class_init,
    .properties = test_dev_properties,
};
TYPE_REGISTER(test_dev_type_info)

/* ---- The board ---------------------------------------------------------------------- */

typedef struct TestMachine {
    MachineState parent_obj;
    IrqLine **irq_sink; /* the board's "interrupt controller": remembers levels */
    bool levels[TEST_DEV_SLOTS + 1];
    DeviceState *slots[TEST_DEV_SLOTS];
} TestMachine;

#define TEST_MACHINE(obj) OBJECT_CHECK(TestMachine, (obj), TYPE_TEST_MACHINE)

static void test_irq_sink(void *opaque, unsigned n, bool level)
{
    TEST_MACHINE(opaque)->levels[n] = level;
}

static bool test_machine_init(MachineState *ms, GError **errp)
{
    TestMachine *tm = TEST_MACHINE(ms);
    g_autoptr(MemoryRegion) ram = machine_ram_new(ms, "test.ram", ms->ram_size, errp);
    g_autoptr(Object) dev = NULL;
    TestDev *d;

    if (!ram || !memory_region_add_subregion(ms->sysmem, 0, ram, 0, errp)) {
        return false;
    }
    tm->irq_sink = irq_lines_new(test_irq_sink, tm, 0, TEST_DEV_SLOTS + 1);
    dev = object_new(TYPE_TEST_DEV, errp);
    if (!dev) {
        return false;
    }
    d = TEST_DEV(dev);
    if (machine_serial(ms, 0) &&
        !object_property_set_link(dev, "chardev", OBJECT(machine_serial(ms, 0)), errp)) {
        return false;
    }
    d->irq = tm->irq_sink[0];
    if (!machine_add_device(ms, DEVICE(d), errp) ||
        !memory_region_add_subregion(ms->sysmem, TEST_DEV_BASE, d->mmio, 0, errp) ||
        !memory_region_add_subregion(ms->iomem, TEST_IO_PORT, d->io, 0, errp)) {
        return false;
    }
    for (uint64_t i = 0; i < ms->ncpus; i++) {
        if (!cpu_create(ms->cpus, NULL, errp)) {
            return false;
        }
    }
    if (ms->kernel && !machine_add_file_blob(ms, "kernel", ms->kernel, 0, ms->ram_size, NULL,
                                             errp)) {
        return false;
    }
    return true;
}

static void test_machine_cleanup(MachineState *ms)
{
    TestMachine *tm = TEST_MACHINE(ms);

    if (tm->irq_sink) {
        irq_lines_free(tm->irq_sink, TEST_DEV_SLOTS + 1);
        tm->irq_sink = NULL;
    }
    memset(tm->slots, 0, sizeof(tm->slots));
}

static bool test_machine_plug(MachineState *ms, DeviceState *dev, GError **errp)
{
    TestMachine *tm = TEST_MACHINE(ms);
    TestDev *d = (TestDev *)object_dynamic_cast(OBJECT(dev), TYPE_TEST_DEV);
    unsigned slot;

    if (!d) {
        return hull_error_setg(errp, "the test board takes only test-device devices, not '%s'",
                               object_get_typename(OBJECT(dev)));
    }
    for (slot = 0; slot < TEST_DEV_SLOTS && tm->slots[slot]; slot++) {
    }
    if (slot == TEST_DEV_SLOTS) {
        return hull_error_setg(errp, "all %u test-device slots are taken", TEST_DEV_SLOTS);
    }
    if (!dev->parent_obj.realized && !device_realize(dev, errp)) {
        return false;
    }
    if (!memory_region_add_subregion(ms->sysmem, TEST_DEV_SLOT_BASE + slot * TEST_DEV_SIZE,
                                     d->mmio, 0, errp)) {
        device_unrealize(dev);
        return false;
    }
    d->irq = tm->irq_sink[slot + 1];
    tm->slots[slot] = dev;
    return true;
}

static void test_machine_unplug(MachineState *ms, DeviceState *dev)
{
    TestMachine *tm = TEST_MACHINE(ms);

    for (unsigned slot = 0; slot < TEST_DEV_SLOTS; slot++) {
        if (tm->slots[slot] == dev) {
            TestDev *d = TEST_DEV(dev);

            if (d->mmio) {
                memory_region_del_subregion(ms->sysmem, d->mmio);
            }
            d->irq = NULL;
            tm->slots[slot] = NULL;
        }
    }
}

static bool test_machine_powerdown(MachineState *ms, GError **errp)
{
    /* No guest to tell: the board powers off at once, as if the guest obeyed. */
    machine_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    return true;
}

static const char *const test_machine_accels[] = {"qtest", NULL};

static void test_machine_class_init(ObjectClass *klass)
{
    MachineClass *mc = MACHINE_CLASS(klass);

    mc->name = "test";
    mc->arch = "none";
    mc->default_ram_size = 16 << 20;
    mc->max_ram_size = 1ULL << 30;
    mc->max_cpus = 8;
    mc->accels = test_machine_accels;
    mc->has_io_space = true;
    mc->init = test_machine_init;
    mc->cleanup = test_machine_cleanup;
    mc->plug = test_machine_plug;
    mc->unplug = test_machine_unplug;
    mc->powerdown = test_machine_powerdown;
}

static const TypeInfo test_machine_type_info = {
    .name = TYPE_TEST_MACHINE,
    .parent = TYPE_MACHINE,
    .description = "engine test board: RAM, a test device and port I/O (qtest only)",
    .instance_size = sizeof(TestMachine),
    .class_init = test_machine_class_init,
};
TYPE_REGISTER(test_machine_type_info)

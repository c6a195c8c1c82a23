/*
 * The qtest accelerator: vCPUs exist but run no guest code (they stay halted); the
 * virtual clock moves only when a test steps it; and QMP commands (qapi-schema/qtest.json)
 * play the CPU and the interrupt controller, so that device models are tested from Python
 * without guest programs.
 */
#include <string.h>

#include "engine/clock.h"
#include "engine/machine-internal.h"
#include "engine/timer.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"
#include "util/error.h"

#define QTEST_MAX_BULK (1u << 20)

/* One intercepted output group of a device. */
typedef struct QtestIntercept {
    char *path;
    char *name;
    IrqLine **lines; /* ours, stored in the device's pins */
    bool *levels;    /* last level reported per line (devices re-assert unchanged ones) */
    unsigned n;
} QtestIntercept;

typedef struct QtestState {
    GPtrArray *intercepts; /* QtestIntercept * */
} QtestState;

static void intercept_free(gpointer p)
{
    QtestIntercept *ic = p;

    irq_lines_free(ic->lines, ic->n);
    g_free(ic->levels);
    g_free(ic->path);
    g_free(ic->name);
    g_free(ic);
}

static bool qtest_probe(char **reason)
{
    return true;
}

static bool qtest_init_machine(AccelState *accel, GError **errp)
{
    QtestState *s = g_new0(QtestState, 1);

    s->intercepts = g_ptr_array_new_with_free_func(intercept_free);
    accel->opaque = s;
    clock_set_manual(true);
    return true;
}

static void qtest_cleanup_machine(AccelState *accel)
{
    QtestState *s = accel->opaque;

    /* Devices are gone by now: nothing drives the intercept lines any more. */
    g_ptr_array_unref(s->intercepts);
    g_free(s);
    clock_set_manual(false);
}

static CpuExecResult qtest_exec(CPUState *cpu)
{
    return CPU_EXEC_HALTED; /* no guest code: the test is the CPU */
}

static const AccelOps qtest_accel_ops = {
    .name = "qtest",
    .description = "no guest code runs; QMP commands drive memory, ports, clock and IRQs",
    .probe = qtest_probe,
    .init_machine = qtest_init_machine,
    .cleanup_machine = qtest_cleanup_machine,
    .exec = qtest_exec,
};
ACCEL_REGISTER(qtest_accel_ops)

/* The running machine's qtest state, or an error when it runs on something else. */
static QtestState *qtest_state(GError **errp)
{
    MachineState *ms = machine_get();

    if (!ms || !ms->accel || ms->accel->ops != &qtest_accel_ops) {
        hull_error_setg(errp, "qtest commands need a machine started with accel 'qtest'");
        return NULL;
    }
    return ms->accel->opaque;
}

static bool check_range(uint64_t addr, int64_t size, uint64_t limit, GError **errp)
{
    if (size < 1 || (uint64_t)size > limit) {
        return hull_error_setg(errp, "size must be between 1 and %" G_GUINT64_FORMAT, limit);
    }
    if (addr + (uint64_t)size - 1 < addr) {
        return hull_error_setg(errp, "0x%" G_GINT64_MODIFIER "x + %" G_GINT64_FORMAT
                               " goes past the end of the address space", addr, size);
    }
    return true;
}

QtestMemory *qmp_qtest_memory_read(uint64_t addr, int64_t size, GError **errp)
{
    g_autofree uint8_t *buf = NULL;
    QtestMemory *ret;
    GString *hex;

    if (!qtest_state(errp) || !check_range(addr, size, QTEST_MAX_BULK, errp)) {
        return NULL;
    }
    buf = g_malloc((gsize)size);
    if (address_space_read(machine_get()->as, addr, buf, (uint64_t)size) != MEMTX_OK) {
        hull_error_setg(errp, "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                        "x is not all backed by memory or devices", addr,
                        addr + (uint64_t)size - 1);
        return NULL;
    }
    hex = g_string_sized_new((gsize)size * 2);
    for (int64_t i = 0; i < size; i++) {
        g_string_append_printf(hex, "%02x", buf[i]);
    }
    ret = g_new0(QtestMemory, 1);
    ret->data = g_string_free(hex, false);
    return ret;
}

void qmp_qtest_memory_write(uint64_t addr, const char *data, GError **errp)
{
    size_t hexlen = strlen(data);
    g_autofree uint8_t *buf = NULL;
    size_t len = hexlen / 2;

    if (!qtest_state(errp)) {
        return;
    }
    if (hexlen % 2) {
        hull_error_setg(errp, "data: an odd number of hexadecimal digits");
        return;
    }
    if (!check_range(addr, (int64_t)len, QTEST_MAX_BULK, errp)) {
        return;
    }
    buf = g_malloc(len);
    for (size_t i = 0; i < len; i++) {
        int hi = g_ascii_xdigit_value(data[2 * i]);
        int lo = g_ascii_xdigit_value(data[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            hull_error_setg(errp, "data: '%c%c' at offset %zu is not hexadecimal",
                            data[2 * i], data[2 * i + 1], 2 * i);
            return;
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    if (address_space_write(machine_get()->as, addr, buf, len) != MEMTX_OK) {
        hull_error_setg(errp, "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                        "x is not all backed by memory or devices", addr, addr + len - 1);
    }
}

static bool check_access(uint64_t addr, int64_t size, int64_t max_size, GError **errp)
{
    if (size != 1 && size != 2 && size != 4 && (size != 8 || max_size < 8)) {
        return hull_error_setg(errp, "size must be 1, 2, 4%s", max_size >= 8 ? " or 8" : "");
    }
    if (addr % (uint64_t)size) {
        return hull_error_setg(errp, "0x%" G_GINT64_MODIFIER "x is not aligned to %"
                               G_GINT64_FORMAT " bytes", addr, size);
    }
    return true;
}

static uint64_t load(AddressSpace *as, uint64_t addr, int64_t size, MemTxResult *res)
{
    switch (size) {
    case 1:
        return address_space_ldub(as, addr, res);
    case 2:
        return address_space_lduw_le(as, addr, res);
    case 4:
        return address_space_ldl_le(as, addr, res);
    default:
        return address_space_ldq_le(as, addr, res);
    }
}

static void store(AddressSpace *as, uint64_t addr, int64_t size, uint64_t val,
                  MemTxResult *res)
{
    switch (size) {
    case 1:
        address_space_stb(as, addr, (uint8_t)val, res);
        break;
    case 2:
        address_space_stw_le(as, addr, (uint16_t)val, res);
        break;
    case 4:
        address_space_stl_le(as, addr, (uint32_t)val, res);
        break;
    default:
        address_space_stq_le(as, addr, val, res);
        break;
    }
}

static bool access_error(MemTxResult res, const char *space, uint64_t addr, GError **errp)
{
    if (res == MEMTX_OK) {
        return true;
    }
    return hull_error_setg(errp, "%s 0x%" G_GINT64_MODIFIER "x: %s", space, addr,
                           res == MEMTX_DECODE_ERROR ? "nothing decodes this address"
                                                     : "the device refused the access");
}

static QtestValue *do_read(AddressSpace *as, const char *space, uint64_t addr, int64_t size,
                           GError **errp)
{
    MemTxResult res = MEMTX_OK;
    uint64_t val = load(as, addr, size, &res);
    QtestValue *ret;

    if (!access_error(res, space, addr, errp)) {
        return NULL;
    }
    ret = g_new0(QtestValue, 1);
    ret->value = val;
    return ret;
}

static void do_write(AddressSpace *as, const char *space, uint64_t addr, int64_t size,
                     uint64_t value, GError **errp)
{
    MemTxResult res = MEMTX_OK;

    if (size < 8 && value >> (size * 8)) {
        hull_error_setg(errp, "value 0x%" G_GINT64_MODIFIER "x does not fit in %" G_GINT64_FORMAT
                        " byte(s)", value, size);
        return;
    }
    store(as, addr, size, value, &res);
    access_error(res, space, addr, errp);
}

QtestValue *qmp_qtest_read(uint64_t addr, int64_t size, GError **errp)
{
    if (!qtest_state(errp) || !check_access(addr, size, 8, errp)) {
        return NULL;
    }
    return do_read(machine_get()->as, "address", addr, size, errp);
}

void qmp_qtest_write(uint64_t addr, int64_t size, uint64_t value, GError **errp)
{
    if (!qtest_state(errp) || !check_access(addr, size, 8, errp)) {
        return;
    }
    do_write(machine_get()->as, "address", addr, size, value, errp);
}

static AddressSpace *io_space(uint64_t addr, int64_t size, GError **errp)
{
    MachineState *ms = machine_get();

    if (!qtest_state(errp)) {
        return NULL;
    }
    if (!ms->io_as) {
        hull_error_setg(errp, "machine '%s' has no port I/O", MACHINE_GET_CLASS(ms)->name);
        return NULL;
    }
    if (addr > 0xffff || !check_access(addr, size, 4, errp)) {
        if (addr > 0xffff) {
            hull_error_setg(errp, "port 0x%" G_GINT64_MODIFIER "x is out of range", addr);
        }
        return NULL;
    }
    return ms->io_as;
}

QtestValue *qmp_qtest_io_read(uint64_t addr, int64_t size, GError **errp)
{
    AddressSpace *as = io_space(addr, size, errp);

    return as ? do_read(as, "port", addr, size, errp) : NULL;
}

void qmp_qtest_io_write(uint64_t addr, int64_t size, uint64_t value, GError **errp)
{
    AddressSpace *as = io_space(addr, size, errp);

    if (as) {
        do_write(as, "port", addr, size, value, errp);
    }
}

QtestClock *qmp_qtest_clock_step(bool has_ns, int64_t ns, GError **errp)
{
    QtestClock *ret;
    int64_t now;

    if (!qtest_state(errp)) {
        return NULL;
    }
    if (has_ns) {
        if (ns < 0) {
            hull_error_setg(errp, "ns must not be negative");
            return NULL;
        }
        now = clock_step(ns);
    } else {
        int64_t deadline = timers_next_deadline(HULL_CLOCK_VIRTUAL);

        now = deadline >= 0 && deadline > clock_get_ns(HULL_CLOCK_VIRTUAL)
                  ? clock_set_ns(deadline)
                  : clock_get_ns(HULL_CLOCK_VIRTUAL);
    }
    if (now < 0) {
        hull_error_setg(errp, "the virtual clock cannot be stepped now");
        return NULL;
    }
    ret = g_new0(QtestClock, 1);
    ret->ns = now;
    return ret;
}

static void intercepted_irq(void *opaque, unsigned n, bool level)
{
    QtestIntercept *ic = opaque;

    if (ic->levels[n] != level) {
        ic->levels[n] = level;
        qapi_event_send_qtest_irq(ic->path, ic->name, n, level);
    }
}

void qmp_qtest_irq_intercept(const char *qom_path, GError **errp)
{
    QtestState *s = qtest_state(errp);
    Object *obj;
    DeviceState *dev;

    if (!s) {
        return;
    }
    obj = object_resolve_path(qom_path, NULL, NULL);
    if (!obj) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", qom_path);
        return;
    }
    dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (!dev || !dev->irq_outs || dev->irq_outs->len == 0) {
        hull_error_setg(errp, "'%s' has no interrupt outputs", qom_path);
        return;
    }
    g_autofree char *path = object_get_canonical_path(obj);
    for (guint i = 0; i < s->intercepts->len; i++) {
        QtestIntercept *ic = g_ptr_array_index(s->intercepts, i);

        if (strcmp(ic->path, path) == 0) {
            hull_error_setg(errp, "the interrupt outputs of '%s' are already intercepted",
                            qom_path);
            return;
        }
    }
    for (guint i = 0; i < dev->irq_outs->len; i++) {
        const DeviceIrqOutputs *out = &g_array_index(dev->irq_outs, DeviceIrqOutputs, i);
        QtestIntercept *ic = g_new0(QtestIntercept, 1);

        ic->path = g_strdup(path);
        ic->name = g_strdup(out->name);
        ic->n = out->n;
        ic->lines = irq_lines_new(intercepted_irq, ic, 0, out->n);
        ic->levels = g_new0(bool, out->n);
        for (unsigned j = 0; j < out->n; j++) {
            out->pins[j] = ic->lines[j];
        }
        g_ptr_array_add(s->intercepts, ic);
    }
}

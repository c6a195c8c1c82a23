/*
 * The machine lifecycle: the abstract "machine" type boards derive from, building a
 * machine at machine-start (and unbuilding it on failure or machine-destroy), pausing,
 * resetting, and the guest's shutdown/reset/panic requests with their set-action policy.
 *
 * Everything runs on the main thread under the engine lock except machine_request_*(),
 * which only record the request and wake the main loop.
 */
#include "engine/machine-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/lock.h"
#include "engine/timer.h"
#include "engine/phase.h"
#include "qapi/qapi-events.h"
#include "util/error.h"
#include "util/log.h"

#define TYPE_CPU_OBJECT "cpu"

typedef struct MachineBlob {
    char *name;
    uint64_t addr;
    GBytes *data;
} MachineBlob;

/* A vCPU's node in the composition tree (/machine/cpu[N]) for qom-list and
 * query-cpus-fast. */
typedef struct CpuObject {
    Object parent_obj;
    uint64_t index;
    uint64_t thread_id;
} CpuObject;

static MachineState *current_machine;
/* Bumped whenever the machine goes away, so that stale guest requests are dropped. */
static guint64 machine_generation;

static struct {
    RebootAction reboot;
    ShutdownAction shutdown;
    PanicAction panic;
} actions = {REBOOT_ACTION_RESET, SHUTDOWN_ACTION_POWEROFF, PANIC_ACTION_SHUTDOWN};

/* Guest-side requests, recorded from any thread and acted on by the main loop. */
static GMutex request_lock;
static struct {
    guint64 generation;
    bool shutdown, reset, panic;
    ShutdownCause shutdown_cause, reset_cause;
    char *internal_error;
    bool scheduled;
} requests;

static gint64 guest_exit_code;
static gint guest_exit_code_set;
static char *internal_error_reason;

MachineState *machine_get(void)
{
    return current_machine;
}

/* ---- The machine and cpu types ------------------------------------------------------- */

static void blob_free(gpointer p);

static void machine_instance_init(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    ms->board_devices = g_ptr_array_new_with_free_func((GDestroyNotify)object_unref);
    ms->blobs = g_ptr_array_new_with_free_func(blob_free);
}

static void machine_finalize(Object *obj)
{
    MachineState *ms = MACHINE(obj);

    g_ptr_array_unref(ms->board_devices);
    g_ptr_array_unref(ms->blobs);

    /* Property fields (accel_name, kernel, ...) are released by the object model. */
    g_strfreev(ms->serial);
}

/* Settable with qom-set while the machine is configured (checked again at machine-start);
 * fixed once it started. */
static const Property machine_properties[] = {
    PROP_STR("accel", MachineState, accel_name, NULL, "the accelerator"),
    PROP_SIZE("memory", MachineState, ram_size, 0, "guest RAM in bytes"),
    PROP_UINT("cpus", MachineState, ncpus, 1, "number of vCPUs"),
    PROP_STR("firmware", MachineState, firmware, NULL, "firmware image (host path)"),
    PROP_STR("kernel", MachineState, kernel, NULL, "kernel image (host path)"),
    PROP_STR("initrd", MachineState, initrd, NULL, "initial RAM disk (host path)"),
    PROP_STR("cmdline", MachineState, cmdline, NULL, "kernel command line"),
    PROP_END,
};

static const TypeInfo machine_type_info = {
    .name = TYPE_MACHINE,
    .parent = TYPE_OBJECT,
    .description = "a machine (abstract: boards derive from it)",
    .abstract = true,
    .instance_size = sizeof(MachineState),
    .class_size = sizeof(MachineClass),
    .instance_init = machine_instance_init,
    .instance_finalize = machine_finalize,
    .properties = machine_properties,
};
TYPE_REGISTER(machine_type_info)

static const Property cpu_object_properties[] = {
    PROP_UINT("cpu-index", CpuObject, index, 0, "the vCPU's index", .flags = PROP_READONLY),
    PROP_UINT("thread-id", CpuObject, thread_id, 0, "the host thread running it",
              .flags = PROP_READONLY),
    PROP_END,
};

static const TypeInfo cpu_object_type_info = {
    .name = TYPE_CPU_OBJECT,
    .parent = TYPE_OBJECT,
    .description = "a vCPU of the machine",
    .instance_size = sizeof(CpuObject),
    .properties = cpu_object_properties,
};
TYPE_REGISTER(cpu_object_type_info)

MachineClass *machine_class_find(const char *name)
{
    g_autoptr(GPtrArray) types = type_list_names(TYPE_MACHINE, false);

    for (guint i = 0; i < types->len; i++) {
        MachineClass *mc = MACHINE_CLASS(object_class_by_name(g_ptr_array_index(types, i)));

        if (mc && g_strcmp0(mc->name, name) == 0) {
            return mc;
        }
    }
    return NULL;
}

GPtrArray *machine_class_list(void)
{
    g_autoptr(GPtrArray) types = type_list_names(TYPE_MACHINE, false);
    GPtrArray *list = g_ptr_array_new();

    for (guint i = 0; i < types->len; i++) {
        MachineClass *mc = MACHINE_CLASS(object_class_by_name(g_ptr_array_index(types, i)));

        if (mc && mc->name) {
            g_ptr_array_add(list, mc);
        }
    }
    return list;
}

/* ---- Phases and events ---------------------------------------------------------------- */

static void phase_event(MachinePhase old_phase, MachinePhase new_phase, void *opaque)
{
    qapi_event_send_machine_phase(new_phase, old_phase);
}

void machine_init(GMainContext *ctx)
{
    machine_phase_add_listener(phase_event, NULL);
    timers_attach(ctx);
}

static void set_phase(MachinePhase phase)
{
    machine_phase_set(phase);
}

/* ---- Helpers for boards ---------------------------------------------------------------- */

MemoryRegion *machine_ram_new(MachineState *ms, const char *name, uint64_t size,
                              GError **errp)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, MEMORY_RAM_DEFAULT, &err);

    if (!mr) {
        hull_error_setg(errp, "cannot allocate %" G_GUINT64_FORMAT " MiB of guest RAM: %s",
                        size >> 20, err->message);
    }
    return mr;
}

bool machine_add_device(MachineState *ms, DeviceState *dev, GError **errp)
{
    if (!OBJECT(dev)->parent && !device_attach(dev, NULL, errp)) {
        return false;
    }
    if (!device_realize(dev, errp)) {
        object_unparent(OBJECT(dev));
        return false;
    }
    g_ptr_array_add(ms->board_devices, object_ref(OBJECT(dev)));
    return true;
}

Chardev *machine_serial(MachineState *ms, unsigned index)
{
    if (!ms->serial || index >= g_strv_length(ms->serial)) {
        return NULL;
    }
    return chardev_find(ms->serial[index]);
}

static void blob_free(gpointer p)
{
    MachineBlob *blob = p;

    g_free(blob->name);
    g_bytes_unref(blob->data);
    g_free(blob);
}

/* Whether [addr, addr + len) is all RAM or ROM in the address space. */
static bool range_is_memory(AddressSpace *as, uint64_t addr, uint64_t len)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);

    if (len == 0) {
        return true;
    }
    if (addr + len < addr) {
        return false;
    }
    while (len) {
        const MemorySection *s = flatview_lookup(fv, addr);
        uint64_t avail;

        if (!s || !s->host) {
            return false;
        }
        avail = s->gpa + s->size - addr;
        if (avail >= len) {
            return true;
        }
        addr += avail;
        len -= avail;
    }
    return true;
}

bool machine_add_blob(MachineState *ms, const char *name, uint64_t addr, const void *data,
                      size_t len, GError **errp)
{
    MachineBlob *blob;

    if (!range_is_memory(ms->as, addr, len)) {
        return hull_error_setg(errp,
                               "%s does not fit in guest memory: 0x%" G_GINT64_MODIFIER
                               "x..0x%" G_GINT64_MODIFIER "x is not all RAM or ROM",
                               name, addr, addr + len - 1);
    }
    blob = g_new0(MachineBlob, 1);
    blob->name = g_strdup(name);
    blob->addr = addr;
    blob->data = g_bytes_new(data, len);
    g_ptr_array_add(ms->blobs, blob);
    return true;
}

GBytes *machine_read_file(const char *what, const char *path, uint64_t max_len, GError **errp)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    g_autofree uint8_t *buf = NULL;
    struct stat st;
    size_t done = 0;

    if (fd < 0) {
        hull_error_setg(errp, "%s '%s': %s", what, path, g_strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hull_error_setg(errp, "%s '%s': not a regular file", what, path);
        return NULL;
    }
    if ((uint64_t)st.st_size > max_len) {
        close(fd);
        hull_error_setg(errp, "%s '%s' is too big: %" G_GINT64_FORMAT " bytes, at most %"
                        G_GUINT64_FORMAT, what, path, (gint64)st.st_size, max_len);
        return NULL;
    }
    buf = g_try_malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        hull_error_setg(errp, "%s '%s': out of memory for %" G_GINT64_FORMAT " bytes", what,
                        path, (gint64)st.st_size);
        return NULL;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            hull_error_setg(errp, "%s '%s': %s", what, path, g_strerror(errno));
            close(fd);
            return NULL;
        }
        if (n == 0) {
            break; /* it shrank meanwhile: take what is there */
        }
        done += (size_t)n;
    }
    close(fd);
    return g_bytes_new_take(g_steal_pointer(&buf), done);
}

bool machine_add_file_blob(MachineState *ms, const char *name, const char *path,
                           uint64_t addr, uint64_t max_len, uint64_t *len_out, GError **errp)
{
    g_autoptr(GBytes) data = machine_read_file(name, path, max_len, errp);
    gsize len;
    const void *bytes;

    if (!data) {
        return false;
    }
    bytes = g_bytes_get_data(data, &len);
    if (!machine_add_blob(ms, name, addr, bytes, len, errp)) {
        return false;
    }
    if (len_out) {
        *len_out = len;
    }
    return true;
}

static void write_blobs(MachineState *ms)
{
    for (guint i = 0; i < ms->blobs->len; i++) {
        MachineBlob *blob = g_ptr_array_index(ms->blobs, i);
        gsize len;
        const void *data = g_bytes_get_data(blob->data, &len);

        if (address_space_write_rom(ms->as, blob->addr, data, len) != MEMTX_OK) {
            /* Checked when added; the memory map does not change after init. */
            hull_warn("machine", "%s: could not be written at 0x%" G_GINT64_MODIFIER "x",
                      blob->name, blob->addr);
        }
    }
}

/* ---- Creating ------------------------------------------------------------------------- */

bool machine_check_file(const char *what, const char *path, GError **errp)
{
    struct stat st;
    /* O_NONBLOCK: a FIFO or device given as a file must not block the main thread. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        return hull_error_setg(errp, "%s '%s': %s", what, path, g_strerror(errno));
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return hull_error_setg(errp, "%s '%s': not a regular file", what, path);
    }
    close(fd);
    return true;
}

static bool accel_supported(const MachineClass *mc, const char *accel)
{
    for (const char *const *a = mc->accels; a && *a; a++) {
        if (strcmp(*a, accel) == 0) {
            return true;
        }
    }
    return false;
}

static bool accel_check_usable(const char *name, GError **errp)
{
    const AccelOps *ops = accel_find(name);
    g_autofree char *reason = NULL;

    if (!ops) {
        return hull_error_setg(errp, "accelerator '%s' is not built into this hulld", name);
    }
    if (ops->probe && !ops->probe(&reason)) {
        return hull_error_setg(errp, "accelerator '%s' cannot run here: %s", name,
                               reason ? reason : "unknown reason");
    }
    return true;
}

/* Everything machine-create checks, for its arguments or (at machine-start) for the
 * properties as qom-set may have changed them. */
static bool machine_check_config(MachineClass *mc, const char *accel, uint64_t ncpus,
                                 uint64_t ram, const char *firmware, const char *kernel,
                                 const char *initrd, const char *cmdline, GError **errp)
{
    if (!accel || !accel_supported(mc, accel)) {
        g_autofree char *list = g_strjoinv(", ", (char **)mc->accels);
        return hull_error_setg(errp, "machine '%s' does not run on accelerator '%s' "
                               "(it runs on: %s)", mc->name, accel ? accel : "", list);
    }
    if (!accel_check_usable(accel, errp)) {
        return false;
    }
    if (ncpus < 1 || ncpus > mc->max_cpus) {
        return hull_error_setg(errp, "machine '%s' supports 1 to %u CPUs, not %" PRIu64,
                               mc->name, mc->max_cpus, ncpus);
    }
    if (ram == 0 || ram % 4096) {
        return hull_error_setg(errp, "memory must be a non-zero multiple of 4 KiB, not %"
                               G_GUINT64_FORMAT, ram);
    }
    if (ram < mc->min_ram_size) {
        return hull_error_setg(errp, "machine '%s' needs at least %" G_GUINT64_FORMAT
                               " MiB of memory", mc->name, mc->min_ram_size >> 20);
    }
    if (mc->max_ram_size && ram > mc->max_ram_size) {
        return hull_error_setg(errp, "machine '%s' supports at most %" G_GUINT64_FORMAT
                               " MiB of memory", mc->name, mc->max_ram_size >> 20);
    }
    if ((initrd || (cmdline && cmdline[0])) && !kernel) {
        return hull_error_setg(errp, "'%s' needs 'kernel'", initrd ? "initrd" : "cmdline");
    }
    return (!firmware || machine_check_file("firmware", firmware, errp)) &&
           (!kernel || machine_check_file("kernel", kernel, errp)) &&
           (!initrd || machine_check_file("initrd", initrd, errp));
}

bool machine_create(const MachineCreateArgs *args, GError **errp)
{
    MachineClass *mc = machine_class_find(args->type);
    uint64_t ncpus = args->has_cpus ? (uint64_t)args->cpus : 1;
    MachineState *ms;
    GError *err = NULL;

    g_assert(!current_machine);
    if (!mc) {
        return hull_error_setg(errp, "unknown machine type '%s' (see query-machines)",
                               args->type);
    }
    if (args->has_cpus && args->cpus < 1) {
        ncpus = 0; /* refused below with the board's range */
    }
    if (!machine_check_config(mc, args->accel ? args->accel : mc->accels[0], ncpus,
                              args->has_memory ? args->memory : mc->default_ram_size,
                              args->firmware, args->kernel, args->initrd, args->cmdline,
                              errp)) {
        return false;
    }
    for (strList *s = args->serial; s; s = s->next) {
        if (!id_wellformed(s->value)) {
            return hull_error_setg(errp, "serial: '%s' is not a valid chardev id", s->value);
        }
    }

    ms = MACHINE(object_new(object_class_get_name((ObjectClass *)mc), &err));
    if (!ms) {
        g_propagate_error(errp, err);
        return false;
    }
    ms->accel_name = g_strdup(args->accel ? args->accel : mc->accels[0]);
    ms->ram_size = args->has_memory ? args->memory : mc->default_ram_size;
    ms->ncpus = ncpus;
    ms->firmware = g_strdup(args->firmware);
    ms->kernel = g_strdup(args->kernel);
    ms->initrd = g_strdup(args->initrd);
    ms->cmdline = g_strdup(args->cmdline ? args->cmdline : "");
    {
        GPtrArray *ids = g_ptr_array_new();

        for (strList *s = args->serial; s; s = s->next) {
            g_ptr_array_add(ids, g_strdup(s->value));
        }
        g_ptr_array_add(ids, NULL);
        ms->serial = (char **)g_ptr_array_free(ids, false);
    }
    if (!object_add_child(object_get_root(), "machine", OBJECT(ms), errp)) {
        object_unref(OBJECT(ms));
        return false;
    }
    object_unref(OBJECT(ms)); /* the tree holds it */
    current_machine = ms;
    g_atomic_int_set(&guest_exit_code_set, 0);
    g_clear_pointer(&internal_error_reason, g_free);
    hull_info("machine", "created '%s' on %s: %" G_GUINT64_FORMAT " vCPU(s), %"
              G_GUINT64_FORMAT " MiB", mc->name, ms->accel_name, ncpus, ms->ram_size >> 20);
    set_phase(MACHINE_PHASE_CONFIGURING);
    return true;
}

/* ---- Building and unbuilding ------------------------------------------------------------ */

/* Devices added by device_add (with an id, then without), in creation order. */
static GPtrArray *peripherals(void)
{
    static const char *const containers[] = {"/machine/peripheral", "/machine/peripheral-anon"};
    GPtrArray *list = g_ptr_array_new();

    for (unsigned c = 0; c < G_N_ELEMENTS(containers); c++) {
        Object *container = object_resolve_path(containers[c], NULL, NULL);

        for (guint i = 0; container && container->children && i < container->children->len;
             i++) {
            Object *child = g_ptr_array_index(container->children, i);

            if (object_dynamic_cast(child, TYPE_DEVICE)) {
                g_ptr_array_add(list, child);
            }
        }
    }
    return list;
}

static void cpu_failed(CPUState *cpu, void *opaque)
{
    g_autofree char *reason = g_strdup_printf("%s stopped: the accelerator could not go on",
                                              cpu->name);

    machine_report_internal_error(reason);
}

/* Undoes machine-start's building, in reverse. User devices stay, unrealized. */
static void machine_unbuild(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    g_autoptr(GPtrArray) periph = peripherals();

    clock_virtual_stop();
    if (ms->cpus) {
        cpu_group_free(ms->cpus);
        ms->cpus = NULL;
    }
    for (guint i = periph->len; i > 0; i--) {
        DeviceState *dev = DEVICE(g_ptr_array_index(periph, i - 1));

        if (OBJECT(dev)->realized) {
            if (mc->unplug) {
                mc->unplug(ms, dev);
            }
            device_unrealize(dev);
        }
    }
    for (guint i = ms->board_devices->len; i > 0; i--) {
        Object *dev = g_ptr_array_index(ms->board_devices, i - 1);

        object_unparent(dev);
    }
    g_ptr_array_set_size(ms->board_devices, 0);
    {
        /* vCPU nodes */
        GPtrArray *children = OBJECT(ms)->children;

        for (guint i = children ? children->len : 0; i > 0; i--) {
            Object *child = g_ptr_array_index(children, i - 1);

            if (object_dynamic_cast(child, TYPE_CPU_OBJECT)) {
                object_unparent(child);
            }
        }
    }
    g_ptr_array_set_size(ms->blobs, 0);
    g_clear_pointer(&ms->fdt, g_bytes_unref);
    if (mc->cleanup) {
        mc->cleanup(ms);
    }
    if (ms->accel) {
        accel_free(ms->accel);
        ms->accel = NULL;
    }
    g_clear_pointer(&ms->as, address_space_free);
    g_clear_pointer(&ms->io_as, address_space_free);
    g_clear_pointer(&ms->sysmem, memory_region_unref);
    g_clear_pointer(&ms->iomem, memory_region_unref);
    ms->started = false;
    OBJECT(ms)->realized = false;
}

static bool add_cpu_objects(MachineState *ms, GError **errp)
{
    for (unsigned i = 0; i < cpu_group_count(ms->cpus); i++) {
        CPUState *cpu = cpu_group_get(ms->cpus, i);
        CpuObject *obj = (CpuObject *)object_new(TYPE_CPU_OBJECT, errp);
        g_autofree char *name = g_strdup_printf("cpu[%u]", i);

        if (!obj) {
            return false;
        }
        obj->index = cpu->index;
        obj->thread_id = (uint64_t)cpu->thread_id;
        if (!object_add_child(OBJECT(ms), name, OBJECT(obj), errp)) {
            object_unref(OBJECT(obj));
            return false;
        }
        object_unref(OBJECT(obj));
    }
    return true;
}

/* Resets devices, memory images, vCPUs and the board's boot state; vCPUs parked. */
static void machine_reset_locked(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    g_autoptr(GPtrArray) periph = peripherals();

    for (guint i = 0; i < ms->board_devices->len; i++) {
        device_reset(DEVICE(g_ptr_array_index(ms->board_devices, i)));
    }
    for (guint i = 0; i < periph->len; i++) {
        DeviceState *dev = DEVICE(g_ptr_array_index(periph, i));

        if (OBJECT(dev)->realized) {
            device_reset(dev);
        }
    }
    write_blobs(ms);
    cpus_reset_all(ms->cpus);
    if (mc->reset) {
        mc->reset(ms);
    }
}

static void machine_run(void)
{
    MachineState *ms = current_machine;

    clock_virtual_start();
    cpus_resume_all(ms->cpus);
    set_phase(MACHINE_PHASE_RUNNING);
    qapi_event_send_resume();
}

static void machine_pause(MachinePhase phase)
{
    MachineState *ms = current_machine;

    cpus_pause_all(ms->cpus);
    clock_virtual_stop();
    set_phase(phase);
}

bool machine_start(bool paused, GError **errp)
{
    MachineState *ms = current_machine;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    g_autoptr(GPtrArray) periph = NULL;

    g_assert(ms && !ms->started);
    if (!ms->cmdline) {
        ms->cmdline = g_strdup(""); /* qom-set may have cleared it */
    }
    if (!machine_check_config(mc, ms->accel_name, ms->ncpus, ms->ram_size, ms->firmware,
                              ms->kernel, ms->initrd, ms->cmdline, errp)) {
        return false;
    }
    for (unsigned i = 0; ms->serial[i]; i++) {
        if (!chardev_find(ms->serial[i])) {
            return hull_error_setg(errp, "serial[%u]: no chardev '%s' (add it with "
                                   "chardev-add)", i, ms->serial[i]);
        }
    }
    ms->sysmem = memory_region_new_container("system", UINT64_MAX);
    ms->as = address_space_new("memory", ms->sysmem);
    if (mc->has_io_space) {
        ms->iomem = memory_region_new_container("io", 0x10000);
        ms->io_as = address_space_new("I/O", ms->iomem);
    }
    ms->accel = accel_new(ms->accel_name, ms->as, errp);
    if (!ms->accel) {
        goto fail;
    }
    ms->accel->io_as = ms->io_as;
    ms->cpus = cpu_group_new(ms->accel);
    cpu_group_set_error_handler(ms->cpus, cpu_failed, NULL);
    ms->started = true;
    if (!mc->init(ms, errp)) {
        goto fail;
    }
    if (cpu_group_count(ms->cpus) == 0) {
        hull_error_setg(errp, "machine '%s' created no vCPU", mc->name);
        goto fail;
    }
    periph = peripherals();
    for (guint i = 0; i < periph->len; i++) {
        DeviceState *dev = DEVICE(g_ptr_array_index(periph, i));
        g_autoptr(GError) err = NULL;

        if ((mc->plug && !mc->plug(ms, dev, &err)) || !device_realize(dev, &err)) {
            hull_error_setg(errp, "device '%s': %s", dev->id ? dev->id : "?", err->message);
            goto fail;
        }
    }
    if (!add_cpu_objects(ms, errp)) {
        goto fail;
    }
    machine_reset_locked(ms);
    if (paused) {
        set_phase(MACHINE_PHASE_PAUSED);
    } else {
        machine_run();
    }
    OBJECT(ms)->realized = true; /* its properties are fixed from now on */
    hull_info("machine", "started%s", paused ? " (paused)" : "");
    return true;

fail:
    machine_unbuild(ms);
    ms->started = false;
    return false;
}

void machine_stop(void)
{
    if (machine_phase_get() != MACHINE_PHASE_RUNNING) {
        return;
    }
    machine_pause(MACHINE_PHASE_PAUSED);
    qapi_event_send_stop();
}

bool machine_cont(GError **errp)
{
    switch (machine_phase_get()) {
    case MACHINE_PHASE_RUNNING:
        return true;
    case MACHINE_PHASE_PAUSED:
        machine_run();
        return true;
    default:
        return hull_error_setg(errp, "Resetting the Virtual Machine is required (phase %s)",
                               machine_phase_name(machine_phase_get()));
    }
}

void machine_system_reset(bool guest, ShutdownCause reason)
{
    MachineState *ms = current_machine;
    MachinePhase phase = machine_phase_get();
    bool was_running = phase == MACHINE_PHASE_RUNNING;

    if (!ms || !ms->started) {
        return;
    }
    if (was_running) {
        cpus_pause_all(ms->cpus);
        clock_virtual_stop();
    }
    machine_reset_locked(ms);
    g_atomic_int_set(&guest_exit_code_set, 0);
    g_clear_pointer(&internal_error_reason, g_free);
    qapi_event_send_reset(guest, reason);
    if (was_running) {
        clock_virtual_start();
        cpus_resume_all(ms->cpus);
    } else {
        set_phase(MACHINE_PHASE_PAUSED);
    }
}

bool machine_powerdown(GError **errp)
{
    MachineState *ms = current_machine;
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    if (!mc->powerdown) {
        return hull_error_setg(errp, "machine '%s' has no power button", mc->name);
    }
    if (!mc->powerdown(ms, errp)) {
        return false;
    }
    qapi_event_send_powerdown();
    return true;
}

void machine_destroy(void)
{
    MachineState *ms = current_machine;
    g_autoptr(GPtrArray) periph = NULL;

    if (!ms) {
        return;
    }
    if (ms->started) {
        machine_unbuild(ms);
    }
    periph = peripherals();
    for (guint i = periph->len; i > 0; i--) {
        object_unparent(g_ptr_array_index(periph, i - 1));
    }
    g_mutex_lock(&request_lock);
    machine_generation++;
    g_mutex_unlock(&request_lock);
    current_machine = NULL;
    object_unparent(OBJECT(ms));
    clock_reset();
    g_clear_pointer(&internal_error_reason, g_free);
    hull_info("machine", "destroyed");
    set_phase(MACHINE_PHASE_NO_MACHINE);
}

void machine_set_actions(const RebootAction *reboot, const ShutdownAction *shutdown,
                         const PanicAction *panic)
{
    if (reboot) {
        actions.reboot = *reboot;
    }
    if (shutdown) {
        actions.shutdown = *shutdown;
    }
    if (panic) {
        actions.panic = *panic;
    }
}

bool machine_guest_exit_code(int64_t *code)
{
    if (!g_atomic_int_get(&guest_exit_code_set)) {
        return false;
    }
    *code = guest_exit_code;
    return true;
}

const char *machine_internal_error_reason(void)
{
    return internal_error_reason;
}

/* ---- Guest requests ----------------------------------------------------------------------- */

static void guest_shutdown(ShutdownCause cause)
{
    MachinePhase phase = machine_phase_get();

    if (phase != MACHINE_PHASE_RUNNING && phase != MACHINE_PHASE_PAUSED) {
        return;
    }
    qapi_event_send_shutdown(true, cause);
    if (actions.shutdown == SHUTDOWN_ACTION_PAUSE) {
        if (phase == MACHINE_PHASE_RUNNING) {
            machine_pause(MACHINE_PHASE_PAUSED);
            qapi_event_send_stop();
        }
        return;
    }
    machine_pause(MACHINE_PHASE_SHUTDOWN);
}

static gboolean handle_requests(gpointer opaque)
{
    bool shutdown, reset, panic;
    ShutdownCause shutdown_cause, reset_cause;
    g_autofree char *error = NULL;
    bool stale;

    engine_lock();
    g_mutex_lock(&request_lock);
    stale = requests.generation != machine_generation;
    shutdown = requests.shutdown;
    reset = requests.reset;
    panic = requests.panic;
    shutdown_cause = requests.shutdown_cause;
    reset_cause = requests.reset_cause;
    error = g_steal_pointer(&requests.internal_error);
    requests.shutdown = requests.reset = requests.panic = false;
    requests.scheduled = false;
    g_mutex_unlock(&request_lock);

    if (stale || !current_machine || !current_machine->started) {
        engine_unlock();
        return G_SOURCE_REMOVE;
    }
    if (error) {
        MachinePhase phase = machine_phase_get();

        hull_error("machine", "internal error: %s", error);
        if (phase == MACHINE_PHASE_RUNNING || phase == MACHINE_PHASE_PAUSED) {
            bool was_running = phase == MACHINE_PHASE_RUNNING;

            g_free(internal_error_reason);
            internal_error_reason = g_steal_pointer(&error);
            machine_pause(MACHINE_PHASE_INTERNAL_ERROR);
            if (was_running) {
                qapi_event_send_stop();
            }
        }
    } else if (panic) {
        switch (actions.panic) {
        case PANIC_ACTION_PAUSE:
            qapi_event_send_guest_panicked(GUEST_PANIC_ACTION_PAUSE);
            if (machine_phase_get() == MACHINE_PHASE_RUNNING) {
                machine_pause(MACHINE_PHASE_GUEST_PANICKED);
                qapi_event_send_stop();
            }
            break;
        case PANIC_ACTION_SHUTDOWN:
            qapi_event_send_guest_panicked(GUEST_PANIC_ACTION_POWEROFF);
            guest_shutdown(SHUTDOWN_CAUSE_GUEST_PANIC);
            break;
        default:
            qapi_event_send_guest_panicked(GUEST_PANIC_ACTION_RUN);
            break;
        }
    } else if (shutdown) {
        guest_shutdown(shutdown_cause);
    } else if (reset) {
        if (actions.reboot == REBOOT_ACTION_SHUTDOWN) {
            guest_shutdown(reset_cause);
        } else if (machine_phase_get() == MACHINE_PHASE_RUNNING ||
                   machine_phase_get() == MACHINE_PHASE_PAUSED) {
            machine_system_reset(true, reset_cause);
        }
    }
    /* A vCPU parked by its own request runs again if the machine goes on running. */
    if (current_machine && current_machine->cpus &&
        machine_phase_get() == MACHINE_PHASE_RUNNING) {
        cpus_resume_all(current_machine->cpus);
    }
    engine_unlock();
    return G_SOURCE_REMOVE;
}

/* A vCPU that asks for a shutdown, reset or panic stops at once, as on QEMU: no guest
 * code of it runs after the request; the main loop resumes it when the machine goes on. */
static void park_requesting_vcpu(void)
{
    CPUState *cpu = cpu_current();
    bool taken;

    if (!cpu) {
        return;
    }
    taken = engine_lock_acquire_if_needed();
    cpu->stop_requested = true;
    engine_lock_release_if_taken(taken);
    cpu_kick(cpu);
}

/* Under request_lock. */
static void schedule_requests(void)
{
    requests.generation = machine_generation;
    if (!requests.scheduled) {
        /* Always through the loop, never at once: the caller may hold the engine lock. */
        GSource *source = g_idle_source_new();

        requests.scheduled = true;
        g_source_set_priority(source, G_PRIORITY_DEFAULT);
        g_source_set_callback(source, handle_requests, NULL, NULL);
        g_source_attach(source, NULL);
        g_source_unref(source);
    }
}

void machine_request_shutdown(ShutdownCause cause)
{
    park_requesting_vcpu();
    g_mutex_lock(&request_lock);
    if (!requests.shutdown) {
        requests.shutdown = true;
        requests.shutdown_cause = cause;
    }
    schedule_requests();
    g_mutex_unlock(&request_lock);
}

void machine_request_reset(ShutdownCause cause)
{
    park_requesting_vcpu();
    g_mutex_lock(&request_lock);
    if (!requests.reset) {
        requests.reset = true;
        requests.reset_cause = cause;
    }
    schedule_requests();
    g_mutex_unlock(&request_lock);
}

void machine_request_panic(void)
{
    park_requesting_vcpu();
    g_mutex_lock(&request_lock);
    requests.panic = true;
    schedule_requests();
    g_mutex_unlock(&request_lock);
}

void machine_set_guest_exit_code(int64_t code)
{
    guest_exit_code = code;
    g_atomic_int_set(&guest_exit_code_set, 1);
}

void machine_report_internal_error(const char *reason)
{
    g_mutex_lock(&request_lock);
    if (!requests.internal_error) {
        requests.internal_error = g_strdup(reason);
    }
    schedule_requests();
    g_mutex_unlock(&request_lock);
}

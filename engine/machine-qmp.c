/*
 * QMP handlers of qapi-schema/machine.json and query-status: thin layers over
 * engine/machine.c. The dispatcher has checked the phase and runs them under the engine
 * lock.
 */
#include "engine/machine-internal.h"

#include "engine/phase.h"
#include "qapi/qapi-commands.h"
#include "util/error.h"

StatusInfo *qmp_query_status(GError **errp)
{
    StatusInfo *info = g_new0(StatusInfo, 1);
    const char *reason = machine_internal_error_reason();

    info->status = machine_phase_get();
    info->running = info->status == MACHINE_PHASE_RUNNING;
    info->has_guest_exit_code = machine_guest_exit_code(&info->guest_exit_code);
    if (info->status == MACHINE_PHASE_INTERNAL_ERROR && reason) {
        info->reason = g_strdup(reason);
    }
    return info;
}

MachineInfoList *qmp_query_machines(GError **errp)
{
    g_autoptr(GPtrArray) classes = machine_class_list();
    MachineInfoList *list = NULL;
    MachineInfoList **tail = &list;

    for (guint i = 0; i < classes->len; i++) {
        MachineClass *mc = g_ptr_array_index(classes, i);
        MachineInfoList *entry = g_new0(MachineInfoList, 1);
        MachineInfo *info = g_new0(MachineInfo, 1);
        strList **accel_tail = &info->accels;

        info->name = g_strdup(mc->name);
        info->arch = g_strdup(mc->arch);
        info->description = g_strdup(object_class_get_description((ObjectClass *)mc));
        info->default_ram_size = mc->default_ram_size;
        info->max_cpus = mc->max_cpus;
        for (const char *const *a = mc->accels; a && *a; a++) {
            strList *s = g_new0(strList, 1);

            s->value = g_strdup(*a);
            *accel_tail = s;
            accel_tail = &s->next;
        }
        entry->value = info;
        *tail = entry;
        tail = &entry->next;
    }
    return list;
}

AccelInfoList *qmp_query_accels(GError **errp)
{
    GArray *accels = accel_query_all();
    AccelInfoList *list = NULL;
    AccelInfoList **tail = &list;

    for (guint i = 0; i < accels->len; i++) {
        const AccelStatus *a = &g_array_index(accels, AccelStatus, i);
        AccelInfoList *entry = g_new0(AccelInfoList, 1);

        entry->value = g_new0(AccelInfo, 1);
        entry->value->name = g_strdup(a->name);
        entry->value->description = g_strdup(a->description ? a->description : "");
        entry->value->present = true;
        entry->value->usable = a->usable;
        entry->value->reason = a->usable ? NULL : g_strdup(a->reason);
        *tail = entry;
        tail = &entry->next;
    }
    accel_info_list_free(accels);
    return list;
}

void qmp_machine_create(const char *type, const char *accel, bool has_cpus, int64_t cpus,
                        bool has_memory, uint64_t memory, const char *firmware,
                        const char *kernel, const char *initrd, const char *cmdline,
                        strList *serial, GError **errp)
{
    const MachineCreateArgs args = {
        .type = type,
        .accel = accel,
        .has_cpus = has_cpus,
        .cpus = cpus,
        .has_memory = has_memory,
        .memory = memory,
        .firmware = firmware,
        .kernel = kernel,
        .initrd = initrd,
        .cmdline = cmdline,
        .serial = serial,
    };

    machine_create(&args, errp);
}

void qmp_machine_start(bool has_paused, bool paused, GError **errp)
{
    machine_start(has_paused && paused, errp);
}

void qmp_stop(GError **errp)
{
    machine_stop();
}

void qmp_cont(GError **errp)
{
    machine_cont(errp);
}

void qmp_system_reset(GError **errp)
{
    machine_system_reset(false, SHUTDOWN_CAUSE_HOST_QMP_SYSTEM_RESET);
}

void qmp_system_powerdown(GError **errp)
{
    machine_powerdown(errp);
}

void qmp_machine_destroy(GError **errp)
{
    machine_destroy();
}

void qmp_set_action(bool has_reboot, RebootAction reboot, bool has_shutdown,
                    ShutdownAction shutdown, bool has_panic, PanicAction panic, GError **errp)
{
    machine_set_actions(has_reboot ? &reboot : NULL, has_shutdown ? &shutdown : NULL,
                        has_panic ? &panic : NULL);
}

CpuInfoFastList *qmp_query_cpus_fast(GError **errp)
{
    MachineState *ms = machine_get();
    CpuInfoFastList *list = NULL;
    CpuInfoFastList **tail = &list;

    if (!ms || !ms->cpus) {
        return NULL;
    }
    for (unsigned i = 0; i < cpu_group_count(ms->cpus); i++) {
        CPUState *cpu = cpu_group_get(ms->cpus, i);
        CpuInfoFastList *entry = g_new0(CpuInfoFastList, 1);

        entry->value = g_new0(CpuInfoFast, 1);
        entry->value->cpu_index = cpu->index;
        entry->value->qom_path = g_strdup_printf("/machine/cpu[%u]", cpu->index);
        entry->value->thread_id = cpu->thread_id;
        entry->value->target = g_strdup(MACHINE_GET_CLASS(ms)->arch);
        *tail = entry;
        tail = &entry->next;
    }
    return list;
}

void qmp_dumpdtb(const char *filename, GError **errp)
{
    MachineState *ms = machine_get();
    g_autoptr(GError) err = NULL;
    gsize len;
    const char *data;

    if (!ms || !ms->fdt) {
        hull_error_setg(errp, "machine '%s' has no device tree",
                        ms ? MACHINE_GET_CLASS(ms)->name : "");
        return;
    }
    data = g_bytes_get_data(ms->fdt, &len);
    if (!g_file_set_contents(filename, data, (gssize)len, &err)) {
        hull_error_setg(errp, "%s", err->message);
    }
}

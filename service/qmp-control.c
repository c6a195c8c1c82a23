/*
 * QMP commands that control the process and the monitor itself, and the dispatch glue:
 * capabilities negotiation gates every other command, events go to negotiated clients.
 */
#include "service/qmp-control.h"

#include <unistd.h>

#include "config-host.h"
#include "engine/lock.h"
#include "engine/phase.h"
#include "qapi/qapi-commands.h"
#include "service/daemon.h"
#include "service/fdstore.h"
#include "service/monitor.h"
#include "util/error.h"
#include "util/qapi-event.h"
#include "util/qapi-introspect-qmp.h"
#include "util/qmp-dispatch.h"

/* The command registries, filled once at start-up: everything (command mode) and the one
 * command accepted during capabilities negotiation. */
static QmpCommandList *qmp_commands;
static QmpCommandList *qmp_cap_commands;

static Monitor *current_or_error(GError **errp)
{
    Monitor *mon = monitor_current();

    if (!mon) {
        hull_error_setg(errp, "this command needs a QMP client");
    }
    return mon;
}

void qmp_qmp_capabilities(QMPCapabilityList *enable, GError **errp)
{
    Monitor *mon = current_or_error(errp);
    bool oob = false;

    if (!mon) {
        return;
    }
    if (monitor_is_negotiated(mon)) {
        hull_error_set(errp, HULL_ERROR_COMMAND_NOT_FOUND,
                       "Capabilities negotiation is already complete, command ignored");
        return;
    }
    for (QMPCapabilityList *c = enable; c; c = c->next) {
        if (c->value == QMP_CAPABILITY_OOB) {
            oob = true;
        }
    }
    monitor_enter_command_mode(mon, oob);
}

VersionInfo *qmp_query_version(GError **errp)
{
    VersionInfo *info = g_new0(VersionInfo, 1);

    info->qemu = g_new0(VersionTriple, 1);
    info->qemu->major = HULL_VERSION_MAJOR;
    info->qemu->minor = HULL_VERSION_MINOR;
    info->qemu->micro = HULL_VERSION_MICRO;
    info->package = g_strdup("hull " HULL_VERSION);
    return info;
}

static void add_command_info(const QmpCommand *cmd, void *opaque)
{
    CommandInfoList ***tail = opaque;
    CommandInfoList *entry;

    if (!cmd->enabled) {
        return;
    }
    entry = g_new0(CommandInfoList, 1);
    entry->value = g_new0(CommandInfo, 1);
    entry->value->name = g_strdup(cmd->name);
    **tail = entry;
    *tail = &entry->next;
}

CommandInfoList *qmp_query_commands(GError **errp)
{
    CommandInfoList *list = NULL;
    CommandInfoList **tail = &list;

    qmp_for_each_command(qmp_commands, add_command_info, &tail);
    return list;
}

void qmp_quit(GError **errp)
{
    daemon_request_exit(SHUTDOWN_CAUSE_HOST_QMP_QUIT);
}

static int take_passed_fd(Monitor *mon, GError **errp)
{
    int fd = monitor_take_received_fd(mon);

    if (fd < 0) {
        hull_error_setg(errp, "No file descriptor supplied via SCM_RIGHTS");
    }
    return fd;
}

void qmp_getfd(const char *fdname, GError **errp)
{
    Monitor *mon = current_or_error(errp);
    int fd;

    if (!mon) {
        return;
    }
    fd = take_passed_fd(mon, errp);
    if (fd < 0) {
        return;
    }
    if (!monitor_fds_add(monitor_get_fds(mon), fdname, fd, errp)) {
        close(fd);
    }
}

void qmp_closefd(const char *fdname, GError **errp)
{
    Monitor *mon = current_or_error(errp);

    if (mon) {
        monitor_fds_close(monitor_get_fds(mon), fdname, errp);
    }
}

AddfdInfo *qmp_add_fd(bool has_fdset_id, int64_t fdset_id, const char *opaque, GError **errp)
{
    Monitor *mon = current_or_error(errp);
    AddfdInfo *info;
    int fd;

    if (!mon) {
        return NULL;
    }
    if (has_fdset_id && fdset_id < 0) {
        hull_error_setg(errp, "Parameter 'fdset-id' expects a non-negative value");
        return NULL;
    }
    fd = take_passed_fd(mon, errp);
    if (fd < 0) {
        return NULL;
    }
    if (!fdset_add_fd(has_fdset_id, &fdset_id, fd, opaque, errp)) {
        close(fd);
        return NULL;
    }
    info = g_new0(AddfdInfo, 1);
    info->fdset_id = fdset_id;
    info->fd = fd;
    return info;
}

void qmp_remove_fd(int64_t fdset_id, bool has_fd, int64_t fd, GError **errp)
{
    fdset_remove_fd(fdset_id, has_fd, fd, errp);
}

FdsetInfoList *qmp_query_fdsets(GError **errp)
{
    g_autoptr(GPtrArray) sets = fdset_list();
    FdsetInfoList *list = NULL;
    FdsetInfoList **tail = &list;

    for (guint i = 0; i < sets->len; i++) {
        FdsetEntry *set = g_ptr_array_index(sets, i);
        FdsetInfoList *entry = g_new0(FdsetInfoList, 1);
        FdsetFdInfoList **fd_tail;

        entry->value = g_new0(FdsetInfo, 1);
        entry->value->fdset_id = set->id;
        fd_tail = &entry->value->fds;
        for (guint j = 0; j < set->fds->len; j++) {
            FdsetFdEntry *e = &g_array_index(set->fds, FdsetFdEntry, j);
            FdsetFdInfoList *fd_entry = g_new0(FdsetFdInfoList, 1);

            fd_entry->value = g_new0(FdsetFdInfo, 1);
            fd_entry->value->fd = e->fd;
            fd_entry->value->opaque = g_strdup(e->opaque);
            *fd_tail = fd_entry;
            fd_tail = &fd_entry->next;
        }
        *tail = entry;
        tail = &entry->next;
    }
    return list;
}

/* ---- Dispatch glue ------------------------------------------------------------------------ */

static JsonNode *control_dispatch(Monitor *mon, JsonNode *request, bool oob)
{
    bool negotiated = monitor_is_negotiated(mon);
    JsonNode *resp;
    JsonObject *obj, *error;

    /* Events already emitted (by earlier commands, timers, vCPUs) go out before this
     * command's reply: a client that sees the reply has seen them. */
    monitor_flush_events();
    /* Commands run under the engine lock, as device emulation does. */
    engine_lock();
    resp = qmp_dispatch(negotiated ? qmp_commands : qmp_cap_commands, request, oob,
                        machine_phase_get());
    engine_unlock();

    if (negotiated || !resp) {
        return resp;
    }
    /* In negotiation mode every other command "does not exist": say what is expected, as
     * QEMU does. */
    obj = json_node_get_object(resp);
    error = json_object_has_member(obj, "error") ? json_object_get_object_member(obj, "error")
                                                 : NULL;
    if (error && g_strcmp0(json_object_get_string_member_with_default(error, "class", ""),
                           "CommandNotFound") == 0) {
        json_object_set_string_member(error, "desc",
                                      "Expecting capabilities negotiation with "
                                      "'qmp_capabilities'");
    }
    return resp;
}

static void control_event_sink(const char *name, JsonNode *event, void *opaque)
{
    monitor_queue_event(event);
}

void qmp_control_init(void)
{
    qmp_commands = qmp_command_list_new();
    qmp_init_marshal(qmp_commands);
    qmp_register_introspection(qmp_commands);

    qmp_cap_commands = qmp_command_list_new();
    qmp_register_command(qmp_cap_commands, "qmp_capabilities", qmp_marshal_qmp_capabilities,
                         QCO_NO_OPTIONS, QMP_PHASES_ALL);

    monitor_set_dispatcher(control_dispatch);
    qapi_event_set_sink(control_event_sink, NULL);
}

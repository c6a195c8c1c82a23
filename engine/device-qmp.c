/*
 * device_add and device_del over QMP. While the machine is configured, device_add only
 * creates and places the device (machine-start plugs and realizes it); while it runs or
 * is paused, device_add/device_del plug/unplug at once through the board's hooks.
 */
#include <string.h>

#include "engine/device.h"
#include "engine/machine.h"
#include "engine/phase.h"
#include "qapi/qapi-commands.h"
#include "qapi/qapi-events.h"
#include "util/error.h"

#define PERIPHERAL "/machine/peripheral"

static bool device_qmp_live(void)
{
    MachinePhase phase = machine_phase_get();

    return phase == MACHINE_PHASE_RUNNING || phase == MACHINE_PHASE_PAUSED;
}

/* The device class for `driver`, checked as QEMU checks it, for this phase. */
static DeviceClass *device_qmp_class(const char *driver, GError **errp)
{
    ObjectClass *klass = object_class_by_name(driver);
    DeviceClass *dc = klass ? DEVICE_CLASS(klass) : NULL;

    if (!dc) {
        hull_error_setg(errp, "'%s' is not a valid device model name", driver);
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        hull_error_setg(errp, "Parameter 'driver' expects a non-abstract device type");
        return NULL;
    }
    if (!dc->user_creatable) {
        hull_error_setg(errp, "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    if (device_qmp_live() && !dc->hotpluggable) {
        hull_error_setg(errp, "Device '%s' does not support hotplugging: add it before "
                        "machine-start", driver);
        return NULL;
    }
    return dc;
}

/* Plugs and realizes a device added to a live machine; on failure it is unplugged. */
static bool device_qmp_hotplug(DeviceState *dev, GError **errp)
{
    MachineState *ms = machine_get();
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    if (mc->plug && !mc->plug(ms, dev, errp)) {
        return false;
    }
    if (!device_realize(dev, errp)) {
        if (mc->unplug) {
            mc->unplug(ms, dev);
        }
        device_unrealize(dev);
        return false;
    }
    return true;
}

static bool device_qmp_add(JsonObject *args, GError **errp)
{
    JsonNode *driver_node = args ? json_object_get_member(args, "driver") : NULL;
    JsonNode *id_node = args ? json_object_get_member(args, "id") : NULL;
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(GList) members = NULL;
    g_autoptr(Object) obj = NULL;
    const char *driver, *id;

    if (!driver_node) {
        return hull_error_setg(errp, "Parameter 'driver' is missing");
    }
    if (json_node_get_value_type(driver_node) != G_TYPE_STRING) {
        return hull_error_setg(errp, "Invalid parameter type for 'driver', expected: string");
    }
    if (id_node && json_node_get_value_type(id_node) != G_TYPE_STRING) {
        return hull_error_setg(errp, "Invalid parameter type for 'id', expected: string");
    }
    driver = json_node_get_string(driver_node);
    id = id_node ? json_node_get_string(id_node) : NULL;
    if (!device_qmp_class(driver, errp)) {
        return false;
    }
    if (id && !id_wellformed(id)) {
        return hull_error_setg(errp, "Parameter 'id' expects an identifier");
    }
    if (id && object_resolve_path(PERIPHERAL, NULL, NULL) &&
        object_get_child(object_get_container(PERIPHERAL), id)) {
        return hull_error_setg(errp, "Duplicate device ID '%s'", id);
    }

    members = json_object_get_members(args);
    for (GList *l = members; l; l = l->next) {
        if (!g_str_equal(l->data, "driver") && !g_str_equal(l->data, "id")) {
            json_object_set_member(props, l->data,
                                   json_node_copy(json_object_get_member(args, l->data)));
        }
    }
    obj = object_new(driver, errp);
    if (!obj || !object_set_props_json(obj, props, errp) ||
        !device_attach_user(DEVICE(obj), id, errp)) {
        return false;
    }
    if (device_qmp_live() && !device_qmp_hotplug(DEVICE(obj), errp)) {
        object_unparent(obj);
        return false;
    }
    return true;
}

void qmp_marshal_device_add(JsonObject *args, JsonNode **ret, GError **errp)
{
    device_qmp_add(args, errp);
}

void qmp_device_del(const char *id, GError **errp)
{
    Object *container = object_resolve_path(PERIPHERAL, NULL, NULL);
    Object *obj = NULL;
    g_autofree char *path = NULL;
    g_autofree char *dev_id = NULL;
    DeviceState *dev;

    if (id[0] == '/') {
        obj = object_resolve_path(id, TYPE_DEVICE, NULL);
    } else if (container) {
        obj = object_get_child(container, id);
    }
    if (!obj || !object_dynamic_cast(obj, TYPE_DEVICE)) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
        return;
    }
    if (obj->parent != container &&
        obj->parent != object_resolve_path(PERIPHERAL "-anon", NULL, NULL)) {
        hull_error_setg(errp, "Device '%s' was not added with device_add", id);
        return;
    }
    dev = DEVICE(obj);
    if (device_qmp_live() && obj->realized && !DEVICE_GET_CLASS(dev)->hotpluggable) {
        hull_error_setg(errp, "Device '%s' does not support hot-unplug", id);
        return;
    }
    path = object_get_canonical_path(obj);
    dev_id = g_strdup(dev->id);
    if (obj->realized) {
        MachineState *ms = machine_get();
        MachineClass *mc = ms ? MACHINE_GET_CLASS(ms) : NULL;

        /* As machine teardown does: the board unmaps it, then it is unrealized. */
        if (mc && mc->unplug) {
            mc->unplug(ms, dev);
        }
        device_unrealize(dev);
    }
    object_unparent(obj);
    qapi_event_send_device_deleted(dev_id, path);
}

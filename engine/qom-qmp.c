/*
 * QMP commands of the object model: qom-list, qom-get, qom-set over the composition tree,
 * and qom-list-types, qom-list-properties, device-list-properties over the type registry.
 */
#include <string.h>

#include "engine/device.h"
#include "engine/object.h"
#include "qapi/qapi-commands.h"
#include "util/error.h"

/* Objects below `obj` (itself included) whose canonical path ends with "/" + suffix. */
static void qom_find_suffix(Object *obj, const char *const *parts, guint nparts,
                            GPtrArray *found)
{
    Object *o = obj;
    guint i = nparts;

    while (i > 0 && o && o->parent && g_str_equal(o->name, parts[i - 1])) {
        o = o->parent;
        i--;
    }
    if (i == 0) {
        g_ptr_array_add(found, obj);
    }
    for (guint c = 0; c < obj->children->len; c++) {
        qom_find_suffix(g_ptr_array_index(obj->children, c), parts, nparts, found);
    }
}

/*
 * An absolute path, or a partial one ("peripheral/dev0", "ring0") that names exactly one
 * object, as QEMU resolves them. Unknown: DeviceNotFound, with QEMU's text.
 */
static Object *qom_resolve(const char *path, GError **errp)
{
    g_autoptr(GPtrArray) found = NULL;
    g_auto(GStrv) parts = NULL;

    if (path[0] == '/') {
        return object_resolve_path(path, NULL, errp);
    }
    parts = g_strsplit(path, "/", -1);
    if (!parts[0]) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
        return NULL;
    }
    for (char **p = parts; *p; p++) {
        if (!**p) {
            hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
            return NULL;
        }
    }
    found = g_ptr_array_new();
    qom_find_suffix(object_get_root(), (const char *const *)parts, g_strv_length(parts),
                    found);
    if (found->len == 0) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
        return NULL;
    }
    if (found->len > 1) {
        hull_error_setg(errp, "Path '%s' is ambiguous", path);
        return NULL;
    }
    return g_ptr_array_index(found, 0);
}

/* Converts the engine's listing into the QAPI list (order kept). */
static ObjectPropertyInfoList *qom_property_list(GPtrArray *entries)
{
    ObjectPropertyInfoList *head = NULL, **tail = &head;

    for (guint i = 0; i < entries->len; i++) {
        ObjectPropertyEntry *e = g_ptr_array_index(entries, i);
        ObjectPropertyInfo *info = g_new0(ObjectPropertyInfo, 1);
        ObjectPropertyInfoList *node = g_new0(ObjectPropertyInfoList, 1);

        info->name = g_strdup(e->name);
        info->type = g_strdup(e->type);
        info->description = g_strdup(e->description);
        info->default_value = e->default_value ? json_node_copy(e->default_value) : NULL;
        node->value = info;
        *tail = node;
        tail = &node->next;
    }
    return head;
}

ObjectPropertyInfoList *qmp_qom_list(const char *path, GError **errp)
{
    Object *obj = qom_resolve(path, errp);
    g_autoptr(GPtrArray) entries = NULL;

    if (!obj) {
        return NULL;
    }
    entries = object_list_properties(obj);
    return qom_property_list(entries);
}

JsonNode *qmp_qom_get(const char *path, const char *property, GError **errp)
{
    Object *obj = qom_resolve(path, errp);

    return obj ? object_property_get_json(obj, property, errp) : NULL;
}

void qmp_qom_set(const char *path, const char *property, JsonNode *value, GError **errp)
{
    Object *obj = qom_resolve(path, errp);

    if (!obj) {
        return;
    }
    if (g_str_equal(property, "type") || object_get_child(obj, property)) {
        hull_error_setg(errp, "property '%s' of '%s' is read-only", property,
                        object_get_typename(obj));
        return;
    }
    object_property_set_json(obj, property, value, errp);
}

ObjectTypeInfoList *qmp_qom_list_types(const char *implements, bool has_abstract,
                                       bool abstract, GError **errp)
{
    g_autoptr(GPtrArray) names = NULL;
    ObjectTypeInfoList *head = NULL, **tail = &head;

    /* QEMU lists nothing for an unknown 'implements' rather than failing. */
    names = type_list_names(implements, has_abstract && abstract);
    for (guint i = 0; i < names->len; i++) {
        ObjectClass *klass = object_class_by_name(g_ptr_array_index(names, i));
        ObjectClass *parent = object_class_get_parent(klass);
        ObjectTypeInfo *info = g_new0(ObjectTypeInfo, 1);
        ObjectTypeInfoList *node = g_new0(ObjectTypeInfoList, 1);

        info->name = g_strdup(object_class_get_name(klass));
        if (object_class_is_abstract(klass)) {
            info->has_abstract = true;
            info->abstract = true;
        }
        info->parent = parent ? g_strdup(object_class_get_name(parent)) : NULL;
        node->value = info;
        *tail = node;
        tail = &node->next;
    }
    return head;
}

ObjectPropertyInfoList *qmp_qom_list_properties(const char *type_name, GError **errp)
{
    ObjectClass *klass = object_class_by_name(type_name);
    g_autoptr(GPtrArray) entries = NULL;

    if (!klass) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Class '%s' not found", type_name);
        return NULL;
    }
    entries = object_class_list_properties(klass);
    return qom_property_list(entries);
}

ObjectPropertyInfoList *qmp_device_list_properties(const char *type_name, GError **errp)
{
    ObjectClass *klass = object_class_by_name(type_name);
    g_autoptr(GPtrArray) entries = NULL;

    if (!klass) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", type_name);
        return NULL;
    }
    if (!object_class_dynamic_cast(klass, TYPE_DEVICE)) {
        hull_error_setg(errp, "Parameter 'typename' expects device");
        return NULL;
    }
    if (object_class_is_abstract(klass)) {
        hull_error_setg(errp, "Parameter 'typename' expects non-abstract device");
        return NULL;
    }
    entries = object_class_list_properties(klass);
    return qom_property_list(entries);
}

/*
 * The object model: type registry and lazily built classes, instances with typed
 * properties stored in their structs, the composition tree, and JSON/text conversions.
 */
#include "engine/object.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct TypeImpl {
    const TypeInfo *info;
    TypeImpl *parent;
    bool abstract; /* declared so, or an interface */
    ObjectClass *klass;
    size_t instance_size;
    size_t class_size;
    GPtrArray *properties;   /* const Property *, ancestors' first */
    GPtrArray *interfaces;   /* TypeImpl * of every implemented interface */
    GHashTable *iface_classes; /* interface name -> its class struct for this type */
};

/* Filled at start-up by TYPE_REGISTER constructors; classes are built on first use. */
static GHashTable *type_table;
static Object *object_root;

static const TypeInfo object_type_info = {
    .name = TYPE_OBJECT,
    .description = "the base of every object",
    .abstract = true,
    .instance_size = sizeof(Object),
    .class_size = sizeof(ObjectClass),
};

static const TypeInfo container_type_info = {
    .name = TYPE_CONTAINER,
    .parent = TYPE_OBJECT,
    .description = "a node of the composition tree that only holds children",
};

static const TypeInfo interface_type_info = {
    .name = TYPE_INTERFACE,
    .description = "the base of every interface",
    .abstract = true,
    .class_size = sizeof(ObjectClass),
};

TYPE_REGISTER(object_type_info)
TYPE_REGISTER(container_type_info)
TYPE_REGISTER(interface_type_info)

/* ---------------------------------------------------------------------------------------
 * Types and classes
 */

void type_register_static(const TypeInfo *info)
{
    TypeImpl *type;

    if (!type_table) {
        type_table = g_hash_table_new(g_str_hash, g_str_equal);
    }
    if (g_hash_table_contains(type_table, info->name)) {
        g_error("type '%s' is registered twice", info->name);
    }
    type = g_new0(TypeImpl, 1);
    type->info = info;
    g_hash_table_insert(type_table, (gpointer)info->name, type);
}

static TypeImpl *type_lookup(const char *name)
{
    return type_table && name ? g_hash_table_lookup(type_table, name) : NULL;
}

static bool type_is_a(const TypeImpl *type, const TypeImpl *ancestor)
{
    for (; type; type = type->parent) {
        if (type == ancestor) {
            return true;
        }
    }
    return false;
}

static void type_initialize(TypeImpl *type);

static void type_add_interface(TypeImpl *type, TypeImpl *iface)
{
    for (TypeImpl *t = iface; t && t->parent; t = t->parent) {
        if (!g_ptr_array_find(type->interfaces, t, NULL)) {
            g_ptr_array_add(type->interfaces, t);
        }
    }
}

static void type_initialize(TypeImpl *type)
{
    const TypeInfo *info = type->info;

    if (type->klass) {
        return;
    }
    if (info->parent) {
        type->parent = type_lookup(info->parent);
        if (!type->parent) {
            g_error("type '%s' has unknown parent '%s'", info->name, info->parent);
        }
        type_initialize(type->parent);
    }
    type->instance_size = info->instance_size ? info->instance_size
                          : type->parent      ? type->parent->instance_size
                                              : 0;
    type->class_size = info->class_size ? info->class_size
                       : type->parent   ? type->parent->class_size
                                        : sizeof(ObjectClass);
    g_assert(type->class_size >= sizeof(ObjectClass));

    type->klass = g_malloc0(type->class_size);
    type->properties = g_ptr_array_new();
    type->interfaces = g_ptr_array_new();
    type->iface_classes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    if (type->parent) {
        TypeImpl *parent = type->parent;
        GHashTableIter iter;
        gpointer name, iface_class;

        g_assert(type->class_size >= parent->class_size);
        memcpy(type->klass, parent->klass, parent->class_size);
        g_ptr_array_extend(type->properties, parent->properties, NULL, NULL);
        g_ptr_array_extend(type->interfaces, parent->interfaces, NULL, NULL);
        g_hash_table_iter_init(&iter, parent->iface_classes);
        while (g_hash_table_iter_next(&iter, &name, &iface_class)) {
            TypeImpl *iface = type_lookup(name);

            g_hash_table_insert(type->iface_classes, name,
                                g_memdup2(iface_class, iface->class_size));
        }
    }
    type->klass->type = type;
    type->abstract = info->abstract || type_is_a(type, type_lookup(TYPE_INTERFACE));

    for (const Property *prop = info->properties; prop && prop->name; prop++) {
        for (unsigned i = 0; i < type->properties->len; i++) {
            const Property *other = g_ptr_array_index(type->properties, i);

            if (g_str_equal(other->name, prop->name)) {
                g_error("type '%s': property '%s' is defined twice", info->name, prop->name);
            }
        }
        g_ptr_array_add(type->properties, (gpointer)prop);
    }
    for (const char *const *name = info->interfaces; name && *name; name++) {
        TypeImpl *iface = type_lookup(*name);

        if (iface) {
            type_initialize(iface);
        }
        if (!iface || !type_is_a(iface, type_lookup(TYPE_INTERFACE))) {
            g_error("type '%s': '%s' is not an interface", info->name, *name);
        }
        type_add_interface(type, iface);
    }
    for (unsigned i = 0; i < type->interfaces->len; i++) {
        TypeImpl *iface = g_ptr_array_index(type->interfaces, i);

        if (!g_hash_table_contains(type->iface_classes, iface->info->name)) {
            g_hash_table_insert(type->iface_classes, (gpointer)iface->info->name,
                                g_malloc0(iface->class_size));
        }
    }
    if (info->class_init) {
        info->class_init(type->klass);
    }
}

ObjectClass *object_class_by_name(const char *name)
{
    TypeImpl *type = type_lookup(name);

    if (!type) {
        return NULL;
    }
    type_initialize(type);
    return type->klass;
}

const char *object_class_get_name(const ObjectClass *klass)
{
    return klass->type->info->name;
}

const char *object_class_get_description(const ObjectClass *klass)
{
    return klass->type->info->description;
}

ObjectClass *object_class_get_parent(const ObjectClass *klass)
{
    return klass->type->parent ? klass->type->parent->klass : NULL;
}

bool object_class_is_abstract(const ObjectClass *klass)
{
    return klass->type->abstract;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *name)
{
    TypeImpl *target = type_lookup(name);

    if (!klass || !target) {
        return NULL;
    }
    if (type_is_a(klass->type, target) || g_ptr_array_find(klass->type->interfaces, target, NULL)) {
        return klass;
    }
    return NULL;
}

void *object_class_get_interface(ObjectClass *klass, const char *iface)
{
    return g_hash_table_lookup(klass->type->iface_classes, iface);
}

const Property *object_class_find_property(ObjectClass *klass, const char *name)
{
    GPtrArray *props = klass->type->properties;

    for (unsigned i = 0; i < props->len; i++) {
        const Property *prop = g_ptr_array_index(props, i);

        if (g_str_equal(prop->name, name)) {
            return prop;
        }
    }
    return NULL;
}

GPtrArray *object_class_get_properties(ObjectClass *klass)
{
    return klass->type->properties;
}

static gint type_name_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *type_list_names(const char *implements, bool include_abstract)
{
    GPtrArray *names = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    if (!type_table) {
        return names;
    }
    g_hash_table_iter_init(&iter, type_table);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        TypeImpl *type = value;

        type_initialize(type);
        if (!include_abstract && type->abstract) {
            continue;
        }
        if (implements && !object_class_dynamic_cast(type->klass, implements)) {
            continue;
        }
        g_ptr_array_add(names, (gpointer)type->info->name);
    }
    g_ptr_array_sort(names, type_name_compare);
    return names;
}

/* ---------------------------------------------------------------------------------------
 * Property storage
 */

#define PROP_PTR(obj, prop, ctype) ((ctype *)((char *)(obj) + (prop)->offset))

static void property_apply_default(Object *obj, const Property *prop)
{
    switch (prop->type) {
    case PROP_TYPE_STR:
        *PROP_PTR(obj, prop, char *) = g_strdup(prop->default_str);
        break;
    case PROP_TYPE_BOOL:
        *PROP_PTR(obj, prop, bool) = prop->default_bool;
        break;
    case PROP_TYPE_INT:
        *PROP_PTR(obj, prop, int64_t) = prop->default_int;
        break;
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE:
        *PROP_PTR(obj, prop, uint64_t) = prop->default_uint;
        break;
    case PROP_TYPE_LINK:
        break;
    }
}

static void property_release(Object *obj, const Property *prop)
{
    if (prop->type == PROP_TYPE_STR) {
        g_clear_pointer(PROP_PTR(obj, prop, char *), g_free);
    } else if (prop->type == PROP_TYPE_LINK) {
        g_clear_pointer(PROP_PTR(obj, prop, Object *), object_unref);
    }
}

static const char *property_type_name(const Property *prop, char **owned)
{
    *owned = NULL;
    switch (prop->type) {
    case PROP_TYPE_STR:
        return "string";
    case PROP_TYPE_BOOL:
        return "bool";
    case PROP_TYPE_INT:
        return "int";
    case PROP_TYPE_UINT:
        return "uint64";
    case PROP_TYPE_SIZE:
        return "size";
    case PROP_TYPE_LINK:
        *owned = g_strdup_printf("link<%s>", prop->link_type ? prop->link_type : TYPE_OBJECT);
        return *owned;
    }
    g_assert_not_reached();
}

/* A parsed, validated value on its way into a property. */
typedef struct PropValue {
    char *str;
    bool b;
    int64_t i;
    uint64_t u;
    Object *link;
} PropValue;

static void prop_value_clear(PropValue *v)
{
    g_free(v->str);
    if (v->link) {
        object_unref(v->link);
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PropValue, prop_value_clear)

static bool property_check_range(Object *obj, const Property *prop, const PropValue *v,
                                 GError **errp)
{
    switch (prop->type) {
    case PROP_TYPE_STR:
        if (prop->enum_values && v->str && !g_strv_contains(prop->enum_values, v->str)) {
            g_autofree char *allowed = g_strjoinv("', '", (char **)prop->enum_values);

            return hull_error_setg(errp, "property '%s' of '%s': '%s' is not one of '%s'",
                                   prop->name, object_get_typename(obj), v->str, allowed);
        }
        return true;
    case PROP_TYPE_INT:
        if (prop->imin < prop->imax && (v->i < prop->imin || v->i > prop->imax)) {
            return hull_error_setg(errp, "property '%s' of '%s': %" G_GINT64_FORMAT
                                   " is out of range [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                                   "]", prop->name, object_get_typename(obj), v->i, prop->imin,
                                   prop->imax);
        }
        return true;
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE:
        if (prop->umax && v->u > prop->umax) {
            return hull_error_setg(errp, "property '%s' of '%s': %" G_GUINT64_FORMAT
                                   " is above the maximum %" G_GUINT64_FORMAT, prop->name,
                                   object_get_typename(obj), v->u, prop->umax);
        }
        return true;
    default:
        return true;
    }
}

/* Swaps `v` with the property's current value (so v ends up holding the old one). */
static void property_swap(Object *obj, const Property *prop, PropValue *v)
{
    switch (prop->type) {
    case PROP_TYPE_STR: {
        char *old = *PROP_PTR(obj, prop, char *);

        *PROP_PTR(obj, prop, char *) = v->str;
        v->str = old;
        break;
    }
    case PROP_TYPE_BOOL: {
        bool old = *PROP_PTR(obj, prop, bool);

        *PROP_PTR(obj, prop, bool) = v->b;
        v->b = old;
        break;
    }
    case PROP_TYPE_INT: {
        int64_t old = *PROP_PTR(obj, prop, int64_t);

        *PROP_PTR(obj, prop, int64_t) = v->i;
        v->i = old;
        break;
    }
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE: {
        uint64_t old = *PROP_PTR(obj, prop, uint64_t);

        *PROP_PTR(obj, prop, uint64_t) = v->u;
        v->u = old;
        break;
    }
    case PROP_TYPE_LINK: {
        Object *old = *PROP_PTR(obj, prop, Object *);

        *PROP_PTR(obj, prop, Object *) = v->link;
        v->link = old;
        break;
    }
    }
}

static const Property *property_find(Object *obj, const char *name, GError **errp)
{
    const Property *prop = object_class_find_property(obj->klass, name);

    if (!prop) {
        hull_error_setg(errp, "'%s' has no property '%s'", object_get_typename(obj), name);
    }
    return prop;
}

/* The common tail of every setter: permission, range, store, change hook. */
static bool property_store(Object *obj, const Property *prop, PropValue *v, bool internal,
                           GError **errp)
{
    if ((prop->flags & PROP_READONLY) && !internal) {
        return hull_error_setg(errp, "property '%s' of '%s' is read-only", prop->name,
                               object_get_typename(obj));
    }
    if (obj->realized && !(prop->flags & PROP_MUTABLE)) {
        return hull_error_setg(errp, "property '%s' of '%s' cannot be changed after it is "
                               "realized", prop->name, object_get_typename(obj));
    }
    if (!property_check_range(obj, prop, v, errp)) {
        return false;
    }
    property_swap(obj, prop, v);
    if (obj->realized && obj->klass->property_changed &&
        !obj->klass->property_changed(obj, prop, errp)) {
        property_swap(obj, prop, v);
        return false;
    }
    return true;
}

static bool property_expect(Object *obj, const Property *prop, PropertyType type, GError **errp)
{
    g_autofree char *owned = NULL;

    if (prop->type == type || (type == PROP_TYPE_UINT && prop->type == PROP_TYPE_SIZE)) {
        return true;
    }
    return hull_error_setg(errp, "property '%s' of '%s' is of type '%s'", prop->name,
                           object_get_typename(obj), property_type_name(prop, &owned));
}

bool object_property_set_str(Object *obj, const char *name, const char *value, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {.str = g_strdup(value)};

    return prop && property_expect(obj, prop, PROP_TYPE_STR, errp) &&
           property_store(obj, prop, &v, false, errp);
}

bool object_property_set_bool(Object *obj, const char *name, bool value, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {.b = value};

    return prop && property_expect(obj, prop, PROP_TYPE_BOOL, errp) &&
           property_store(obj, prop, &v, false, errp);
}

bool object_property_set_int(Object *obj, const char *name, int64_t value, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {.i = value};

    return prop && property_expect(obj, prop, PROP_TYPE_INT, errp) &&
           property_store(obj, prop, &v, false, errp);
}

bool object_property_set_uint(Object *obj, const char *name, uint64_t value, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {.u = value};

    return prop && property_expect(obj, prop, PROP_TYPE_UINT, errp) &&
           property_store(obj, prop, &v, false, errp);
}

static bool property_check_link(Object *obj, const Property *prop, Object *target,
                                GError **errp)
{
    const char *want = prop->link_type ? prop->link_type : TYPE_OBJECT;

    if (target && !object_dynamic_cast(target, want)) {
        g_autofree char *path = object_get_canonical_path(target);

        return hull_error_setg(errp, "property '%s' of '%s': '%s' is a '%s', not a '%s'",
                               prop->name, object_get_typename(obj), path,
                               object_get_typename(target), want);
    }
    return true;
}

bool object_property_set_link(Object *obj, const char *name, Object *target, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {0};

    if (!prop || !property_expect(obj, prop, PROP_TYPE_LINK, errp) ||
        !property_check_link(obj, prop, target, errp)) {
        return false;
    }
    v.link = target ? object_ref(target) : NULL;
    return property_store(obj, prop, &v, false, errp);
}

/* ---------------------------------------------------------------------------------------
 * Parsing values
 */

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"on", "true", "yes", NULL};
    static const char *const no[] = {"off", "false", "no", NULL};

    if (g_strv_contains(yes, text)) {
        *out = true;
        return true;
    }
    if (g_strv_contains(no, text)) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_int(const char *text, int64_t *out)
{
    char *end;

    errno = 0;
    *out = strtoll(text, &end, 0);
    return *text && !*end && errno == 0 && !g_ascii_isspace(*text);
}

static bool parse_uint(const char *text, uint64_t *out)
{
    char *end;

    /* strtoull accepts "-1" as a huge number: a size is never negative. */
    if (!*text || !g_ascii_isdigit(*text)) {
        return false;
    }
    errno = 0;
    *out = strtoull(text, &end, 0);
    return !*end && errno == 0;
}

/* "4096", "0x1000", "64k", "512M", "2G" (binary multiples), optionally with "B"/"iB". */
static bool parse_size(const char *text, uint64_t *out)
{
    static const char suffixes[] = "KMGTPE";
    uint64_t value, mult = 1;
    const char *s;
    char *end;

    if (!*text || !g_ascii_isdigit(*text)) {
        return false;
    }
    errno = 0;
    value = strtoull(text, &end, 0);
    if (errno) {
        return false;
    }
    if (*end) {
        s = strchr(suffixes, g_ascii_toupper(*end));
        if (!s || !*s) {
            return false;
        }
        mult = 1ull << (10 * (s - suffixes + 1));
        end++;
        if (g_ascii_strcasecmp(end, "") && g_ascii_strcasecmp(end, "B") &&
            g_ascii_strcasecmp(end, "iB")) {
            return false;
        }
    }
    if (value > UINT64_MAX / mult) {
        return false;
    }
    *out = value * mult;
    return true;
}

static Object *property_resolve_link(Object *obj, const Property *prop, const char *text,
                                     GError **errp)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    Object *target;

    if (text[0] == '/' || !prop->link_container) {
        path = g_strdup(text);
    } else {
        path = g_strdup_printf("%s/%s", prop->link_container, text);
    }
    target = object_resolve_path(path, NULL, &err);
    if (!target) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "property '%s' of '%s': '%s' not "
                       "found", prop->name, object_get_typename(obj), text);
        return NULL;
    }
    return property_check_link(obj, prop, target, errp) ? target : NULL;
}

static bool property_parse_text(Object *obj, const Property *prop, const char *text,
                                PropValue *v, GError **errp)
{
    bool ok = true;

    switch (prop->type) {
    case PROP_TYPE_STR:
        v->str = g_strdup(text);
        return true;
    case PROP_TYPE_BOOL:
        ok = parse_bool(text, &v->b);
        break;
    case PROP_TYPE_INT:
        ok = parse_int(text, &v->i);
        break;
    case PROP_TYPE_UINT:
        ok = parse_uint(text, &v->u);
        break;
    case PROP_TYPE_SIZE:
        ok = parse_size(text, &v->u);
        break;
    case PROP_TYPE_LINK:
        if (!*text) {
            return true;
        }
        v->link = property_resolve_link(obj, prop, text, errp);
        if (v->link) {
            object_ref(v->link);
        }
        return v->link != NULL;
    }
    if (!ok) {
        g_autofree char *owned = NULL;

        return hull_error_setg(errp, "property '%s' of '%s': '%s' is not a valid %s",
                               prop->name, object_get_typename(obj), text,
                               property_type_name(prop, &owned));
    }
    return true;
}

bool object_property_parse(Object *obj, const char *name, const char *text, GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {0};

    return prop && property_parse_text(obj, prop, text, &v, errp) &&
           property_store(obj, prop, &v, false, errp);
}

static bool property_from_json(Object *obj, const Property *prop, JsonNode *node,
                               PropValue *v, GError **errp)
{
    GType vtype = JSON_NODE_HOLDS_VALUE(node) ? json_node_get_value_type(node) : G_TYPE_INVALID;
    bool is_null = JSON_NODE_HOLDS_NULL(node);
    g_autofree char *owned = NULL;

    switch (prop->type) {
    case PROP_TYPE_STR:
        if (is_null || vtype == G_TYPE_STRING) {
            v->str = is_null ? NULL : g_strdup(json_node_get_string(node));
            return true;
        }
        break;
    case PROP_TYPE_BOOL:
        if (vtype == G_TYPE_BOOLEAN) {
            v->b = json_node_get_boolean(node);
            return true;
        }
        break;
    case PROP_TYPE_INT:
        if (vtype == G_TYPE_INT64) {
            v->i = json_node_get_int(node);
            return true;
        }
        break;
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE:
        if (vtype == G_TYPE_INT64 && json_node_get_int(node) >= 0) {
            v->u = (uint64_t)json_node_get_int(node);
            return true;
        }
        if (prop->type == PROP_TYPE_SIZE && vtype == G_TYPE_STRING) {
            return property_parse_text(obj, prop, json_node_get_string(node), v, errp);
        }
        break;
    case PROP_TYPE_LINK:
        if (is_null) {
            return true;
        }
        if (vtype == G_TYPE_STRING) {
            return property_parse_text(obj, prop, json_node_get_string(node), v, errp);
        }
        break;
    }
    return hull_error_setg(errp, "property '%s' of '%s' expects a %s", prop->name,
                           object_get_typename(obj), property_type_name(prop, &owned));
}

static bool property_set_json(Object *obj, const char *name, JsonNode *value, bool internal,
                              GError **errp)
{
    const Property *prop = property_find(obj, name, errp);
    g_auto(PropValue) v = {0};

    return prop && property_from_json(obj, prop, value, &v, errp) &&
           property_store(obj, prop, &v, internal, errp);
}

bool object_property_set_json(Object *obj, const char *name, JsonNode *value, GError **errp)
{
    return property_set_json(obj, name, value, false, errp);
}

bool object_property_set_json_internal(Object *obj, const char *name, JsonNode *value,
                                       GError **errp)
{
    return property_set_json(obj, name, value, true, errp);
}

bool object_set_props_json(Object *obj, JsonObject *props, GError **errp)
{
    g_autoptr(GList) names = json_object_get_members(props);

    for (GList *l = names; l; l = l->next) {
        if (!object_property_set_json(obj, l->data, json_object_get_member(props, l->data),
                                      errp)) {
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Getters
 */

static const Property *property_find_typed(Object *obj, const char *name, PropertyType type,
                                           GError **errp)
{
    const Property *prop = property_find(obj, name, errp);

    return prop && property_expect(obj, prop, type, errp) ? prop : NULL;
}

char *object_property_get_str(Object *obj, const char *name, GError **errp)
{
    const Property *prop = property_find_typed(obj, name, PROP_TYPE_STR, errp);

    return prop ? g_strdup(*PROP_PTR(obj, prop, char *)) : NULL;
}

bool object_property_get_bool(Object *obj, const char *name, GError **errp)
{
    const Property *prop = property_find_typed(obj, name, PROP_TYPE_BOOL, errp);

    return prop ? *PROP_PTR(obj, prop, bool) : false;
}

int64_t object_property_get_int(Object *obj, const char *name, GError **errp)
{
    const Property *prop = property_find_typed(obj, name, PROP_TYPE_INT, errp);

    return prop ? *PROP_PTR(obj, prop, int64_t) : 0;
}

uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp)
{
    const Property *prop = property_find_typed(obj, name, PROP_TYPE_UINT, errp);

    return prop ? *PROP_PTR(obj, prop, uint64_t) : 0;
}

Object *object_property_get_link(Object *obj, const char *name, GError **errp)
{
    const Property *prop = property_find_typed(obj, name, PROP_TYPE_LINK, errp);

    return prop ? *PROP_PTR(obj, prop, Object *) : NULL;
}

static JsonNode *json_uint(uint64_t u)
{
    /* JSON-GLib integers are signed 64-bit; larger values go out as doubles. */
    return u <= INT64_MAX ? json_node_init_int(json_node_alloc(), (gint64)u)
                          : json_node_init_double(json_node_alloc(), (double)u);
}

static JsonNode *property_to_json(Object *obj, const Property *prop)
{
    switch (prop->type) {
    case PROP_TYPE_STR: {
        const char *s = *PROP_PTR(obj, prop, char *);

        return s ? json_node_init_string(json_node_alloc(), s)
                 : json_node_init_null(json_node_alloc());
    }
    case PROP_TYPE_BOOL:
        return json_node_init_boolean(json_node_alloc(), *PROP_PTR(obj, prop, bool));
    case PROP_TYPE_INT:
        return json_node_init_int(json_node_alloc(), *PROP_PTR(obj, prop, int64_t));
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE:
        return json_uint(*PROP_PTR(obj, prop, uint64_t));
    case PROP_TYPE_LINK: {
        Object *target = *PROP_PTR(obj, prop, Object *);
        g_autofree char *path = target ? object_get_canonical_path(target) : g_strdup("");

        return json_node_init_string(json_node_alloc(), path);
    }
    }
    g_assert_not_reached();
}

JsonNode *object_property_get_json(Object *obj, const char *name, GError **errp)
{
    const Property *prop;
    Object *child;

    if (g_str_equal(name, "type")) {
        return json_node_init_string(json_node_alloc(), object_get_typename(obj));
    }
    child = object_get_child(obj, name);
    if (child) {
        g_autofree char *path = object_get_canonical_path(child);

        return json_node_init_string(json_node_alloc(), path);
    }
    prop = property_find(obj, name, errp);
    return prop ? property_to_json(obj, prop) : NULL;
}

/* ---------------------------------------------------------------------------------------
 * Listing
 */

void object_property_entry_free(ObjectPropertyEntry *info)
{
    if (!info) {
        return;
    }
    g_free(info->name);
    g_free(info->type);
    if (info->default_value) {
        json_node_unref(info->default_value);
    }
    g_free(info);
}

static JsonNode *property_default_json(const Property *prop)
{
    switch (prop->type) {
    case PROP_TYPE_STR:
        return prop->default_str ? json_node_init_string(json_node_alloc(), prop->default_str)
                                 : NULL;
    case PROP_TYPE_BOOL:
        return json_node_init_boolean(json_node_alloc(), prop->default_bool);
    case PROP_TYPE_INT:
        return json_node_init_int(json_node_alloc(), prop->default_int);
    case PROP_TYPE_UINT:
    case PROP_TYPE_SIZE:
        return json_uint(prop->default_uint);
    case PROP_TYPE_LINK:
        return NULL;
    }
    g_assert_not_reached();
}

static ObjectPropertyEntry *property_info_new(const char *name, char *type, const char *desc,
                                             JsonNode *def, bool readonly)
{
    ObjectPropertyEntry *info = g_new0(ObjectPropertyEntry, 1);

    info->name = g_strdup(name);
    info->type = type;
    info->description = desc;
    info->default_value = def;
    info->readonly = readonly;
    return info;
}

GPtrArray *object_class_list_properties(ObjectClass *klass)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)object_property_entry_free);
    GPtrArray *props = klass->type->properties;

    for (unsigned i = 0; i < props->len; i++) {
        const Property *prop = g_ptr_array_index(props, i);
        g_autofree char *owned = NULL;
        const char *type = property_type_name(prop, &owned);

        g_ptr_array_add(list, property_info_new(prop->name, g_strdup(type), prop->description,
                                                property_default_json(prop),
                                                prop->flags & PROP_READONLY));
    }
    return list;
}

GPtrArray *object_list_properties(Object *obj)
{
    GPtrArray *list = object_class_list_properties(obj->klass);

    g_ptr_array_insert(list, 0, property_info_new("type", g_strdup("string"), "the object's type",
                                                  NULL, true));
    for (unsigned i = 0; i < obj->children->len; i++) {
        Object *child = g_ptr_array_index(obj->children, i);

        g_ptr_array_add(list, property_info_new(child->name,
                                                g_strdup_printf("child<%s>",
                                                                object_get_typename(child)),
                                                NULL, NULL, true));
    }
    return list;
}

/* ---------------------------------------------------------------------------------------
 * Instances
 */

static void object_init_chain(Object *obj, TypeImpl *type)
{
    if (type->parent) {
        object_init_chain(obj, type->parent);
    }
    if (type->info->instance_init) {
        type->info->instance_init(obj);
    }
}

Object *object_new(const char *name, GError **errp)
{
    TypeImpl *type = type_lookup(name);
    GPtrArray *props;
    Object *obj;

    if (!type) {
        hull_error_setg(errp, "unknown type '%s'", name);
        return NULL;
    }
    type_initialize(type);
    if (type->abstract) {
        hull_error_setg(errp, "type '%s' is abstract", name);
        return NULL;
    }
    g_assert(type->instance_size >= sizeof(Object));
    obj = g_malloc0(type->instance_size);
    obj->klass = type->klass;
    obj->refcount = 1;
    obj->children = g_ptr_array_new();
    props = type->properties;
    for (unsigned i = 0; i < props->len; i++) {
        property_apply_default(obj, g_ptr_array_index(props, i));
    }
    object_init_chain(obj, type);
    return obj;
}

Object *object_ref(Object *obj)
{
    g_atomic_int_inc(&obj->refcount);
    return obj;
}

static void object_finalize(Object *obj)
{
    GPtrArray *props = obj->klass->type->properties;

    object_unrealize(obj);
    while (obj->children->len) {
        object_unparent(g_ptr_array_index(obj->children, obj->children->len - 1));
    }
    for (TypeImpl *type = obj->klass->type; type; type = type->parent) {
        if (type->info->instance_finalize) {
            type->info->instance_finalize(obj);
        }
    }
    for (unsigned i = 0; i < props->len; i++) {
        property_release(obj, g_ptr_array_index(props, i));
    }
    g_ptr_array_free(obj->children, true);
    g_free(obj->name);
    g_free(obj);
}

void object_unref(Object *obj)
{
    if (obj && g_atomic_int_dec_and_test(&obj->refcount)) {
        g_assert(!obj->parent);
        object_finalize(obj);
    }
}

const char *object_get_typename(const Object *obj)
{
    return obj->klass->type->info->name;
}

Object *object_dynamic_cast(Object *obj, const char *type)
{
    return obj && object_class_dynamic_cast(obj->klass, type) ? obj : NULL;
}

Object *object_check_cast(Object *obj, const char *type)
{
    if (!object_dynamic_cast(obj, type)) {
        g_error("object of type '%s' is not a '%s'", obj ? object_get_typename(obj) : "NULL",
                type);
    }
    return obj;
}

/* ---------------------------------------------------------------------------------------
 * The composition tree
 */

Object *object_get_child(Object *obj, const char *name)
{
    for (unsigned i = 0; i < obj->children->len; i++) {
        Object *child = g_ptr_array_index(obj->children, i);

        if (g_str_equal(child->name, name)) {
            return child;
        }
    }
    return NULL;
}

static bool object_name_valid(const char *name)
{
    return *name && !strchr(name, '/') && !g_str_equal(name, "type") &&
           g_utf8_validate(name, -1, NULL);
}

bool object_add_child(Object *parent, const char *name, Object *child, GError **errp)
{
    g_autofree char *final = NULL;

    if (child->parent) {
        return hull_error_setg(errp, "object is already the child '%s' of another object",
                               child->name);
    }
    for (Object *o = parent; o; o = o->parent) {
        if (o == child) {
            return hull_error_setg(errp, "an object cannot be its own descendant");
        }
    }
    if (g_str_has_suffix(name, "[*]")) {
        g_autofree char *stem = g_strndup(name, strlen(name) - 3);

        for (unsigned i = 0;; i++) {
            g_free(final);
            final = g_strdup_printf("%s[%u]", stem, i);
            if (!object_get_child(parent, final)) {
                break;
            }
        }
    } else {
        final = g_strdup(name);
    }
    if (!object_name_valid(final)) {
        return hull_error_setg(errp, "'%s' is not a valid object name", final);
    }
    if (object_get_child(parent, final) || object_class_find_property(parent->klass, final)) {
        return hull_error_setg(errp, "'%s' already exists in '%s'", final,
                               object_get_typename(parent));
    }
    child->parent = parent;
    child->name = g_steal_pointer(&final);
    g_ptr_array_add(parent->children, object_ref(child));
    return true;
}

void object_unparent(Object *obj)
{
    Object *parent = obj->parent;

    if (!parent) {
        return;
    }
    object_unrealize(obj);
    g_ptr_array_remove(parent->children, obj);
    obj->parent = NULL;
    g_clear_pointer(&obj->name, g_free);
    object_unref(obj);
}

char *object_get_canonical_path(const Object *obj)
{
    GPtrArray *parts = g_ptr_array_new();
    GString *path = g_string_new("");

    for (; obj && obj->parent; obj = obj->parent) {
        g_ptr_array_add(parts, obj->name);
    }
    for (unsigned i = parts->len; i > 0; i--) {
        g_string_append_printf(path, "/%s", (char *)g_ptr_array_index(parts, i - 1));
    }
    g_ptr_array_free(parts, true);
    if (!path->len) {
        g_string_append_c(path, '/');
    }
    return g_string_free(path, false);
}

Object *object_get_root(void)
{
    if (!object_root) {
        object_root = object_new(TYPE_CONTAINER, NULL);
    }
    return object_root;
}

Object *object_get_container(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    Object *obj = object_get_root();

    for (char **part = parts; *part; part++) {
        Object *child;

        if (!**part) {
            continue;
        }
        child = object_get_child(obj, *part);
        if (!child) {
            child = object_new(TYPE_CONTAINER, NULL);
            g_assert(object_add_child(obj, *part, child, NULL));
            object_unref(child);
        }
        obj = child;
    }
    return obj;
}

Object *object_resolve_path(const char *path, const char *type, GError **errp)
{
    g_auto(GStrv) parts = NULL;
    Object *obj = object_get_root();

    if (path[0] != '/') {
        hull_error_setg(errp, "'%s' is not an absolute path", path);
        return NULL;
    }
    parts = g_strsplit(path, "/", -1);
    for (char **part = parts; *part; part++) {
        if (**part) {
            obj = object_get_child(obj, *part);
        }
        if (!obj) {
            hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", path);
            return NULL;
        }
    }
    if (type && !object_dynamic_cast(obj, type)) {
        hull_error_setg(errp, "'%s' is a '%s', not a '%s'", path, object_get_typename(obj), type);
        return NULL;
    }
    return obj;
}

Object *object_find_link_user(Object *root, Object *target)
{
    GPtrArray *props = root->klass->type->properties;

    for (unsigned i = 0; i < props->len; i++) {
        const Property *prop = g_ptr_array_index(props, i);

        if (prop->type == PROP_TYPE_LINK && *PROP_PTR(root, prop, Object *) == target) {
            return root;
        }
    }
    for (unsigned i = 0; i < root->children->len; i++) {
        Object *user = object_find_link_user(g_ptr_array_index(root->children, i), target);

        if (user) {
            return user;
        }
    }
    return NULL;
}

bool object_realize(Object *obj, GError **errp)
{
    if (obj->realized) {
        return true;
    }
    if (obj->klass->realize && !obj->klass->realize(obj, errp)) {
        return false;
    }
    obj->realized = true;
    return true;
}

void object_unrealize(Object *obj)
{
    if (!obj->realized) {
        return;
    }
    /* Children first: a device goes away after the things plugged into it. */
    for (unsigned i = obj->children->len; i > 0; i--) {
        object_unrealize(g_ptr_array_index(obj->children, i - 1));
    }
    if (obj->klass->unrealize) {
        obj->klass->unrealize(obj);
    }
    obj->realized = false;
}

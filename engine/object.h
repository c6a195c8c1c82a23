/*
 * The object model: a type registry with single inheritance and interfaces, typed
 * property tables, reference-counted instances in a composition tree with paths, and
 * the enumeration that qom-list, qom-list-types and qom-list-properties report.
 * Everything here runs under the engine lock, except object_ref/object_unref (atomic).
 */
#ifndef HULL_ENGINE_OBJECT_H
#define HULL_ENGINE_OBJECT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct TypeImpl TypeImpl;

#define TYPE_OBJECT    "object"
#define TYPE_CONTAINER "container"
#define TYPE_INTERFACE "interface"

typedef enum PropertyType {
    PROP_TYPE_STR,  /* char * (owned) */
    PROP_TYPE_BOOL, /* bool */
    PROP_TYPE_INT,  /* int64_t */
    PROP_TYPE_UINT, /* uint64_t */
    PROP_TYPE_SIZE, /* uint64_t; accepts "64M"-style strings */
    PROP_TYPE_LINK, /* Object * (holds a reference) to an object of link_type */
} PropertyType;

typedef enum PropertyFlags {
    PROP_READONLY = 1 << 0,      /* clients can read it, never set it */
    PROP_MUTABLE = 1 << 1,       /* may be set after realize (else refused) */
} PropertyFlags;

/*
 * One entry of a class's property table. The value lives in the instance at `offset`,
 * of the C type given for the PropertyType. Use the PROP_* macros below.
 */
typedef struct Property {
    const char *name;
    PropertyType type;
    size_t offset;
    PropertyFlags flags;
    const char *description;
    /* defaults, applied before instance_init */
    const char *default_str;
    bool default_bool;
    int64_t default_int;
    uint64_t default_uint;
    /* ranges: INT when imin < imax; UINT/SIZE when umax != 0 */
    int64_t imin, imax;
    uint64_t umax;
    /* STR: when set, the only values accepted (NULL-terminated) */
    const char *const *enum_values;
    /* LINK: the target's type, and where a bare id (no '/') is looked up */
    const char *link_type;
    const char *link_container;
} Property;

/* Compile-time check that a field has the C type the property stores. */
#define PROP_FIELD(State, field, ctype)                                                        \
    (offsetof(State, field) +                                                                  \
     0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((State *)0)->field), ctype)      \
                         ? 1                                                                   \
                         : -1]))

#define PROP_STR(_name, State, field, def, desc, ...)                                          \
    {.name = (_name), .type = PROP_TYPE_STR, .offset = PROP_FIELD(State, field, char *),       \
     .default_str = (def), .description = (desc), __VA_ARGS__}
#define PROP_BOOL(_name, State, field, def, desc, ...)                                         \
    {.name = (_name), .type = PROP_TYPE_BOOL, .offset = PROP_FIELD(State, field, bool),        \
     .default_bool = (def), .description = (desc), __VA_ARGS__}
#define PROP_INT(_name, State, field, def, desc, ...)                                          \
    {.name = (_name), .type = PROP_TYPE_INT, .offset = PROP_FIELD(State, field, int64_t),      \
     .default_int = (def), .description = (desc), __VA_ARGS__}
#define PROP_UINT(_name, State, field, def, desc, ...)                                         \
    {.name = (_name), .type = PROP_TYPE_UINT, .offset = PROP_FIELD(State, field, uint64_t),    \
     .default_uint = (def), .description = (desc), __VA_ARGS__}
#define PROP_SIZE(_name, State, field, def, desc, ...)                                         \
    {.name = (_name), .type = PROP_TYPE_SIZE, .offset = PROP_FIELD(State, field, uint64_t),    \
     .default_uint = (def), .description = (desc), __VA_ARGS__}
#define PROP_LINK(_name, State, field, target_type, container, desc, ...)                     \
    {.name = (_name), .type = PROP_TYPE_LINK, .offset = PROP_FIELD(State, field, Object *),    \
     .link_type = (target_type), .link_container = (container), .description = (desc),        \
     __VA_ARGS__}
#define PROP_END {.name = NULL}

typedef struct TypeInfo {
    const char *name;
    const char *parent;      /* NULL only for TYPE_OBJECT and TYPE_INTERFACE */
    const char *description;
    bool abstract;
    size_t instance_size;    /* 0: the parent's */
    size_t class_size;       /* 0: the parent's */
    void (*class_init)(ObjectClass *klass);
    void (*instance_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    const char *const *interfaces; /* NULL-terminated names of TYPE_INTERFACE subtypes */
    const Property *properties;    /* terminated by PROP_END; may be NULL */
} TypeInfo;

struct ObjectClass {
    TypeImpl *type;
    /* Runs after a property of a realized object changed (PROP_MUTABLE ones); a failure
     * puts the old value back. */
    bool (*property_changed)(Object *obj, const Property *prop, GError **errp);
    /* Realize/unrealize for any object (devices use them through device_realize()). */
    bool (*realize)(Object *obj, GError **errp);
    void (*unrealize)(Object *obj);
};

struct Object {
    ObjectClass *klass;
    gint refcount;
    Object *parent;      /* in the composition tree; NULL for the root and loose objects */
    char *name;          /* this object's child name in parent */
    GPtrArray *children; /* in insertion order; each holds a reference */
    bool realized;
};

/* Registration, at start-up: TYPE_REGISTER(my_type_info). */
void type_register_static(const TypeInfo *info);
#define TYPE_REGISTER(info)                                                                    \
    static void __attribute__((constructor)) type_register_##info(void)                        \
    {                                                                                          \
        type_register_static(&(info));                                                         \
    }

/* Classes */
ObjectClass *object_class_by_name(const char *type);
const char *object_class_get_name(const ObjectClass *klass);
const char *object_class_get_description(const ObjectClass *klass);
ObjectClass *object_class_get_parent(const ObjectClass *klass);
bool object_class_is_abstract(const ObjectClass *klass);
/* klass itself if it is `type`, a subtype of it, or implements interface `type`. */
ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *type);
/* The class struct of interface `iface` for this class (filled by its class_init). */
void *object_class_get_interface(ObjectClass *klass, const char *iface);
const Property *object_class_find_property(ObjectClass *klass, const char *name);
/* Every property of the class and its ancestors (parents first); do not free entries. */
GPtrArray *object_class_get_properties(ObjectClass *klass);

/* Types for qom-list-types: names (sorted) of types implementing `implements` (NULL:
 * any), abstract ones only if asked. Free with g_ptr_array_unref. */
GPtrArray *type_list_names(const char *implements, bool include_abstract);

/* Instances */
Object *object_new(const char *type, GError **errp);
Object *object_ref(Object *obj);
void object_unref(Object *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Object, object_unref)
#define OBJECT(obj) ((Object *)(obj))
const char *object_get_typename(const Object *obj);
Object *object_dynamic_cast(Object *obj, const char *type);
/* Casts with a check that is an internal invariant (aborts on mismatch). */
Object *object_check_cast(Object *obj, const char *type);
#define OBJECT_CHECK(CType, obj, type) ((CType *)object_check_cast(OBJECT(obj), (type)))
#define OBJECT_GET_CLASS(CType, obj, type)                                                     \
    ((CType *)object_class_dynamic_cast(OBJECT(obj)->klass, (type)))

/*
 * Composition tree. The parent holds a reference to each child. A name ending in "[*]"
 * gets the first free index ("device[*]" -> "device[3]").
 */
bool object_add_child(Object *parent, const char *name, Object *child, GError **errp);
/* Detaches from the parent (unrealizing it first) and drops the parent's reference. */
void object_unparent(Object *obj);
Object *object_get_child(Object *obj, const char *name);
/* "/machine/peripheral/foo"; the root is "/". */
char *object_get_canonical_path(const Object *obj);

/* The root of the tree ("/"), and containers below it created on first use. */
Object *object_get_root(void);
Object *object_get_container(const char *path);
/* An absolute path; with a type, the object must be (or implement) it. */
Object *object_resolve_path(const char *path, const char *type, GError **errp);

/* The first object at or below `root` (depth first) with a link property pointing at
 * `target`, or NULL: who still uses a chardev or block node. */
Object *object_find_link_user(Object *root, Object *target);

/* Realize through the class hooks (no-op when already realized). */
bool object_realize(Object *obj, GError **errp);
void object_unrealize(Object *obj);

/*
 * Properties. Setting fails, changing nothing, for unknown names, wrong types, values
 * out of range, read-only properties and (unless PROP_MUTABLE) realized objects.
 */
bool object_property_set_str(Object *obj, const char *name, const char *value, GError **errp);
bool object_property_set_bool(Object *obj, const char *name, bool value, GError **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t value, GError **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t value, GError **errp);
bool object_property_set_link(Object *obj, const char *name, Object *target, GError **errp);
/* From text as a command line would give it: "on", "42", "0x10", "64M", a path... */
bool object_property_parse(Object *obj, const char *name, const char *text, GError **errp);
/* From a JSON value as QMP delivers it (null clears a link or string). */
bool object_property_set_json(Object *obj, const char *name, JsonNode *value, GError **errp);
/* Every member of a JSON object (device_add, chardev-add, blockdev-add arguments), in
 * order; stops at the first failure. Meant for new objects that are dropped on error. */
bool object_set_props_json(Object *obj, JsonObject *props, GError **errp);
/* Internal variant used by constructors: ignores PROP_READONLY. */
bool object_property_set_json_internal(Object *obj, const char *name, JsonNode *value,
                                       GError **errp);

char *object_property_get_str(Object *obj, const char *name, GError **errp);
bool object_property_get_bool(Object *obj, const char *name, GError **errp);
int64_t object_property_get_int(Object *obj, const char *name, GError **errp);
uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp);
Object *object_property_get_link(Object *obj, const char *name, GError **errp);
/* Any property, "type", or a child (its path), as JSON for qom-get. */
JsonNode *object_property_get_json(Object *obj, const char *name, GError **errp);

/* What qom-list / qom-list-properties report (the QAPI type ObjectPropertyInfo is built
 * from it in engine/qom-qmp.c). */
typedef struct ObjectPropertyEntry {
    char *name;
    char *type;               /* "string", "bool", "int", "uint64", "size", "link<T>",
                                 "child<T>" */
    const char *description;  /* may be NULL */
    JsonNode *default_value;  /* NULL when there is none */
    bool readonly;
} ObjectPropertyEntry;

void object_property_entry_free(ObjectPropertyEntry *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ObjectPropertyEntry, object_property_entry_free)
/* Properties of an instance, then its children. Free with g_ptr_array_unref. */
GPtrArray *object_list_properties(Object *obj);
/* Properties of a class (no children, no instance needed). */
GPtrArray *object_class_list_properties(ObjectClass *klass);

#endif

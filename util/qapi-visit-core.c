/*
 * Runtime of the QAPI-generated visitors: built-in types, member paths, error texts.
 */
#include "util/qapi-visit-core.h"

#include <math.h>
#include <string.h>

#include "util/error.h"

static void path_append(GString *out, const QapiPath *path)
{
    if (!path) {
        return;
    }
    path_append(out, path->parent);
    if (path->name) {
        if (out->len) {
            g_string_append_c(out, '.');
        }
        g_string_append(out, path->name);
    } else {
        g_string_append_printf(out, "[%u]", path->index);
    }
}

char *qapi_path_str(const QapiPath *path)
{
    GString *out = g_string_new(NULL);

    path_append(out, path);
    if (!out->len) {
        g_string_append(out, "<root>");
    }
    return g_string_free(out, false);
}

bool qapi_name_in(const char *const *names, const char *name)
{
    for (; *names; names++) {
        if (strcmp(*names, name) == 0) {
            return true;
        }
    }
    return false;
}

bool visit_error_missing(const QapiPath *path, GError **errp)
{
    g_autofree char *p = qapi_path_str(path);

    return hull_error_setg(errp, "Parameter '%s' is missing", p);
}

bool visit_error_type(const QapiPath *path, const char *expected, GError **errp)
{
    g_autofree char *p = qapi_path_str(path);

    return hull_error_setg(errp, "Invalid parameter type for '%s', expected: %s", p, expected);
}

static bool error_range(const QapiPath *path, int64_t min, uint64_t max, GError **errp)
{
    g_autofree char *p = qapi_path_str(path);

    return hull_error_setg(errp, "Parameter '%s' expects an integer between %" G_GINT64_FORMAT
                           " and %" G_GUINT64_FORMAT, p, min, max);
}

QType visit_in_qtype(JsonNode *node)
{
    if (!node) {
        return QTYPE_NONE;
    }
    switch (json_node_get_node_type(node)) {
    case JSON_NODE_NULL:
        return QTYPE_QNULL;
    case JSON_NODE_OBJECT:
        return QTYPE_QDICT;
    case JSON_NODE_ARRAY:
        return QTYPE_QLIST;
    case JSON_NODE_VALUE:
        break;
    }
    switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
        return QTYPE_QSTRING;
    case G_TYPE_BOOLEAN:
        return QTYPE_QBOOL;
    case G_TYPE_INT64:
    case G_TYPE_DOUBLE:
        return QTYPE_QNUM;
    default:
        return QTYPE_NONE;
    }
}

static bool node_is_value(JsonNode *node, GType type)
{
    return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}

bool visit_in_str(JsonNode *node, const QapiPath *path, char **obj, GError **errp)
{
    if (!node_is_value(node, G_TYPE_STRING)) {
        return visit_error_type(path, "string", errp);
    }
    *obj = g_strdup(json_node_get_string(node));
    return true;
}

bool visit_in_number(JsonNode *node, const QapiPath *path, double *obj, GError **errp)
{
    double v;

    if (node_is_value(node, G_TYPE_INT64)) {
        *obj = (double)json_node_get_int(node);
        return true;
    }
    if (!node_is_value(node, G_TYPE_DOUBLE)) {
        return visit_error_type(path, "number", errp);
    }
    v = json_node_get_double(node);
    if (!isfinite(v)) {
        g_autofree char *p = qapi_path_str(path);

        return hull_error_setg(errp, "Parameter '%s' expects a finite number", p);
    }
    *obj = v;
    return true;
}

/* Signed integers within [min, max]. */
static bool in_signed(JsonNode *node, const QapiPath *path, int64_t min, int64_t max,
                      int64_t *obj, GError **errp)
{
    int64_t v;

    if (!node_is_value(node, G_TYPE_INT64)) {
        return visit_error_type(path, "integer", errp);
    }
    v = json_node_get_int(node);
    if (v < min || v > max) {
        return error_range(path, min, (uint64_t)max, errp);
    }
    *obj = v;
    return true;
}

/* Unsigned integers up to max. json-glib stores integers as int64, so values above
 * INT64_MAX never reach us as integers. */
static bool in_unsigned(JsonNode *node, const QapiPath *path, uint64_t max, uint64_t *obj,
                        GError **errp)
{
    int64_t v;

    if (!node_is_value(node, G_TYPE_INT64)) {
        return visit_error_type(path, "integer", errp);
    }
    v = json_node_get_int(node);
    if (v < 0 && max == UINT64_MAX) {
        g_autofree char *p = qapi_path_str(path);

        return hull_error_setg(errp, "Parameter '%s' expects an unsigned integer", p);
    }
    if (v < 0 || (uint64_t)v > max) {
        return error_range(path, 0, max, errp);
    }
    *obj = (uint64_t)v;
    return true;
}

#define DEFINE_VISIT_IN_SIGNED(name, ctype, min, max)                                        \
    bool visit_in_##name(JsonNode *node, const QapiPath *path, ctype *obj, GError **errp)    \
    {                                                                                        \
        int64_t v;                                                                           \
                                                                                             \
        if (!in_signed(node, path, (min), (max), &v, errp)) {                                \
            return false;                                                                    \
        }                                                                                    \
        *obj = (ctype)v;                                                                     \
        return true;                                                                         \
    }

#define DEFINE_VISIT_IN_UNSIGNED(name, ctype, max)                                           \
    bool visit_in_##name(JsonNode *node, const QapiPath *path, ctype *obj, GError **errp)    \
    {                                                                                        \
        uint64_t v;                                                                          \
                                                                                             \
        if (!in_unsigned(node, path, (max), &v, errp)) {                                     \
            return false;                                                                    \
        }                                                                                    \
        *obj = (ctype)v;                                                                     \
        return true;                                                                         \
    }

DEFINE_VISIT_IN_SIGNED(int, int64_t, INT64_MIN, INT64_MAX)
DEFINE_VISIT_IN_SIGNED(int8, int8_t, INT8_MIN, INT8_MAX)
DEFINE_VISIT_IN_SIGNED(int16, int16_t, INT16_MIN, INT16_MAX)
DEFINE_VISIT_IN_SIGNED(int32, int32_t, INT32_MIN, INT32_MAX)
DEFINE_VISIT_IN_SIGNED(int64, int64_t, INT64_MIN, INT64_MAX)
DEFINE_VISIT_IN_UNSIGNED(uint8, uint8_t, UINT8_MAX)
DEFINE_VISIT_IN_UNSIGNED(uint16, uint16_t, UINT16_MAX)
DEFINE_VISIT_IN_UNSIGNED(uint32, uint32_t, UINT32_MAX)
DEFINE_VISIT_IN_UNSIGNED(uint64, uint64_t, UINT64_MAX)
DEFINE_VISIT_IN_UNSIGNED(size, uint64_t, UINT64_MAX)

bool visit_in_bool(JsonNode *node, const QapiPath *path, bool *obj, GError **errp)
{
    if (!node_is_value(node, G_TYPE_BOOLEAN)) {
        return visit_error_type(path, "boolean", errp);
    }
    *obj = json_node_get_boolean(node);
    return true;
}

bool visit_in_null(JsonNode *node, const QapiPath *path, JsonNode **obj, GError **errp)
{
    if (!JSON_NODE_HOLDS_NULL(node)) {
        return visit_error_type(path, "null", errp);
    }
    *obj = json_node_new(JSON_NODE_NULL);
    return true;
}

bool visit_in_any(JsonNode *node, const QapiPath *path, JsonNode **obj, GError **errp)
{
    *obj = json_node_copy(node);
    return true;
}

bool visit_in_enum(JsonNode *node, const QapiPath *path, const QEnumLookup *lookup, int *obj,
                   GError **errp)
{
    const char *s;

    if (!node_is_value(node, G_TYPE_STRING)) {
        return visit_error_type(path, "string", errp);
    }
    s = json_node_get_string(node);
    for (int i = 0; i < lookup->size; i++) {
        if (lookup->array[i] && strcmp(lookup->array[i], s) == 0) {
            *obj = i;
            return true;
        }
    }
    g_autofree char *p = qapi_path_str(path);
    return hull_error_setg(errp, "Parameter '%s' does not accept value '%s'", p, s);
}

/* Recursive schema types (a struct with a list of itself) would let a client nest values
 * until the visitors, the free functions and the output visitor run out of stack. */
static bool check_depth(const QapiPath *path, GError **errp)
{
    guint depth = 0;

    for (const QapiPath *p = path; p; p = p->parent) {
        if (++depth > QAPI_MAX_NESTING) {
            g_autofree char *text = qapi_path_str(path);

            return hull_error_setg(errp, "Parameter '%s' is nested too deeply", text);
        }
    }
    return true;
}

bool visit_in_get_object(JsonNode *node, const QapiPath *path, JsonObject **obj,
                         GError **errp)
{
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        return visit_error_type(path, "object", errp);
    }
    if (!check_depth(path, errp)) {
        return false;
    }
    *obj = json_node_get_object(node);
    return true;
}

bool visit_in_get_array(JsonNode *node, const QapiPath *path, JsonArray **obj, GError **errp)
{
    if (!JSON_NODE_HOLDS_ARRAY(node)) {
        return visit_error_type(path, "array", errp);
    }
    if (!check_depth(path, errp)) {
        return false;
    }
    *obj = json_node_get_array(node);
    return true;
}

static bool error_unexpected(const QapiPath *path, const char *name, GError **errp)
{
    const QapiPath member = { path, name, 0 };
    g_autofree char *p = qapi_path_str(&member);

    return hull_error_setg(errp, "Parameter '%s' is unexpected", p);
}

bool visit_in_check_object(JsonObject *o, const QapiPath *path, guint consumed,
                           QapiKnowsFunc *knows, const void *obj, GError **errp)
{
    g_autoptr(GList) names = NULL;

    if (json_object_get_size(o) == consumed) {
        return true;
    }
    /* Request order, so that the first offending member is the one reported. */
    names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
        if (!knows(obj, l->data)) {
            return error_unexpected(path, l->data, errp);
        }
    }
    /* Only reachable if a generated visitor miscounted: never accept silently. */
    return hull_error_setg(errp, "Internal error: member count mismatch");
}

bool qmp_check_no_args(JsonObject *args, GError **errp)
{
    g_autoptr(GList) names = NULL;

    if (!args || json_object_get_size(args) == 0) {
        return true;
    }
    names = json_object_get_members(args);
    return error_unexpected(NULL, names->data, errp);
}

JsonNode *qapi_node_take_object(JsonObject *obj)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), obj);

    json_object_unref(obj);
    return node;
}

JsonNode *qapi_node_take_array(JsonArray *array)
{
    JsonNode *node = json_node_init_array(json_node_alloc(), array);

    json_array_unref(array);
    return node;
}

JsonNode *visit_out_str(const char *value)
{
    return json_node_init_string(json_node_alloc(), value ? value : "");
}

JsonNode *visit_out_number(double value)
{
    return json_node_init_double(json_node_alloc(), value);
}

JsonNode *visit_out_int(int64_t value)
{
    return json_node_init_int(json_node_alloc(), value);
}

JsonNode *visit_out_int8(int8_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_int16(int16_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_int32(int32_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_int64(int64_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_uint8(uint8_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_uint16(uint16_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_uint32(uint32_t value)
{
    return visit_out_int(value);
}

JsonNode *visit_out_uint64(uint64_t value)
{
    if (value > INT64_MAX) {
        return visit_out_number((double)value);
    }
    return visit_out_int((int64_t)value);
}

JsonNode *visit_out_size(uint64_t value)
{
    return visit_out_uint64(value);
}

JsonNode *visit_out_bool(bool value)
{
    return json_node_init_boolean(json_node_alloc(), value);
}

JsonNode *visit_out_null(const JsonNode *value)
{
    return json_node_new(JSON_NODE_NULL);
}

JsonNode *visit_out_any(const JsonNode *value)
{
    if (!value) {
        return json_node_new(JSON_NODE_NULL);
    }
    return json_node_copy((JsonNode *)value);
}

JsonNode *visit_out_enum(const QEnumLookup *lookup, int value)
{
    const char *name = qapi_enum_lookup(lookup, value);

    if (!name) {
        return json_node_new(JSON_NODE_NULL);
    }
    return visit_out_str(name);
}

/*
 * Runtime of the QAPI-generated visitors: strict JSON (json-glib) -> C input visitors and
 * C -> JSON output visitors for built-in types, and the error texts they share.
 *
 * Input errors are GenericError with QEMU-style texts naming the full member path
 * ("backend.data.size", "devices[2].id"):
 *   "Invalid parameter type for 'P', expected: integer"   wrong JSON type (also for
 *                                       alternates: "expected: integer or string")
 *   "Parameter 'P' is missing"          a mandatory member is absent
 *   "Parameter 'P' is unexpected"       a member the type does not have
 *   "Parameter 'P' expects an integer between MIN and MAX"   sized integer out of range
 *   "Parameter 'P' expects an unsigned integer"   negative value for uint64/size
 *   "Parameter 'P' expects a finite number"        inf/nan for number
 *   "Parameter 'P' does not accept value 'V'"      not a value of the enum
 *   "Parameter 'P' is nested too deeply"           more than QAPI_MAX_NESTING path levels
 * The path of the whole value being visited (no member name) reads "<root>".
 */
#ifndef HULL_UTIL_QAPI_VISIT_CORE_H
#define HULL_UTIL_QAPI_VISIT_CORE_H

#include "util/qapi-util.h"

/*
 * Where a value sits in the input, as a chain of stack frames: the member name, or (name
 * NULL) the index in the parent array. Building one costs nothing; the text is only made
 * when an error is reported.
 */
/* Objects and arrays deeper than this many path components are refused. */
#define QAPI_MAX_NESTING 1024

typedef struct QapiPath {
    const struct QapiPath *parent;
    const char *name;
    guint index;
} QapiPath;

/* "a.b[3].c"; "<root>" for NULL. */
char *qapi_path_str(const QapiPath *path);

/* Whether name is in the NULL-terminated array names. */
bool qapi_name_in(const char *const *names, const char *name);

/* What an alternate branch matches: the JSON type of node (QTYPE_NONE for NULL). */
QType visit_in_qtype(JsonNode *node);

/* Input visitors for built-in types: on success fill *obj; on error set errp and leave
 * *obj untouched (pointer types: NULL). */
bool visit_in_str(JsonNode *node, const QapiPath *path, char **obj, GError **errp);
bool visit_in_number(JsonNode *node, const QapiPath *path, double *obj, GError **errp);
bool visit_in_int(JsonNode *node, const QapiPath *path, int64_t *obj, GError **errp);
bool visit_in_int8(JsonNode *node, const QapiPath *path, int8_t *obj, GError **errp);
bool visit_in_int16(JsonNode *node, const QapiPath *path, int16_t *obj, GError **errp);
bool visit_in_int32(JsonNode *node, const QapiPath *path, int32_t *obj, GError **errp);
bool visit_in_int64(JsonNode *node, const QapiPath *path, int64_t *obj, GError **errp);
bool visit_in_uint8(JsonNode *node, const QapiPath *path, uint8_t *obj, GError **errp);
bool visit_in_uint16(JsonNode *node, const QapiPath *path, uint16_t *obj, GError **errp);
bool visit_in_uint32(JsonNode *node, const QapiPath *path, uint32_t *obj, GError **errp);
bool visit_in_uint64(JsonNode *node, const QapiPath *path, uint64_t *obj, GError **errp);
bool visit_in_size(JsonNode *node, const QapiPath *path, uint64_t *obj, GError **errp);
bool visit_in_bool(JsonNode *node, const QapiPath *path, bool *obj, GError **errp);
/* 'null' accepts only JSON null; 'any' accepts every value (a copy is stored). */
bool visit_in_null(JsonNode *node, const QapiPath *path, JsonNode **obj, GError **errp);
bool visit_in_any(JsonNode *node, const QapiPath *path, JsonNode **obj, GError **errp);
bool visit_in_enum(JsonNode *node, const QapiPath *path, const QEnumLookup *lookup, int *obj,
                   GError **errp);

/* The object / array of node, or a type error. */
bool visit_in_get_object(JsonNode *node, const QapiPath *path, JsonObject **obj,
                         GError **errp);
bool visit_in_get_array(JsonNode *node, const QapiPath *path, JsonArray **obj, GError **errp);

/* Tells whether a (partly filled) object of a generated type has a member name. */
typedef bool QapiKnowsFunc(const void *obj, const char *name);

/* After the members of o were visited (consumed of them found), fails on the first member
 * that knows() rejects. Cheap when everything was consumed. */
bool visit_in_check_object(JsonObject *o, const QapiPath *path, guint consumed,
                           QapiKnowsFunc *knows, const void *obj, GError **errp);

/* Error helpers; they return false. */
bool visit_error_missing(const QapiPath *path, GError **errp);
bool visit_error_type(const QapiPath *path, const char *expected, GError **errp);

/* Output visitors for built-in types: new JsonNodes (transfer full). Unsigned values
 * above INT64_MAX, which json-glib cannot hold as integers, are emitted as numbers. A NULL
 * string is emitted as "" and a NULL 'any' as null. */
JsonNode *visit_out_str(const char *value);
JsonNode *visit_out_number(double value);
JsonNode *visit_out_int(int64_t value);
JsonNode *visit_out_int8(int8_t value);
JsonNode *visit_out_int16(int16_t value);
JsonNode *visit_out_int32(int32_t value);
JsonNode *visit_out_int64(int64_t value);
JsonNode *visit_out_uint8(uint8_t value);
JsonNode *visit_out_uint16(uint16_t value);
JsonNode *visit_out_uint32(uint32_t value);
JsonNode *visit_out_uint64(uint64_t value);
JsonNode *visit_out_size(uint64_t value);
JsonNode *visit_out_bool(bool value);
JsonNode *visit_out_null(const JsonNode *value);
JsonNode *visit_out_any(const JsonNode *value);
JsonNode *visit_out_enum(const QEnumLookup *lookup, int value);

/* Wrap a container into a node, dropping the caller's reference. */
JsonNode *qapi_node_take_object(JsonObject *obj);
JsonNode *qapi_node_take_array(JsonArray *array);

/* Commands without arguments: fails on the first member of args (NULL is fine). */
bool qmp_check_no_args(JsonObject *args, GError **errp);

#endif

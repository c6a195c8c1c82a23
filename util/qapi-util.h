/*
 * Core definitions shared by QAPI-generated C code: enum lookup tables, the JSON type tag
 * of alternates, special feature flags.
 */
#ifndef HULL_UTIL_QAPI_UTIL_H
#define HULL_UTIL_QAPI_UTIL_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Flags in QEnumLookup.special_features: the enum value has feature 'deprecated' or
 * 'unstable'. */
enum {
    QAPI_FEATURE_DEPRECATED = 1 << 0,
    QAPI_FEATURE_UNSTABLE = 1 << 1,
};

/* Names of a generated enum's values, indexed by value; generated as Foo_lookup. */
typedef struct QEnumLookup {
    const char *const *array;
    const unsigned char *special_features; /* NULL when no value has special features */
    int size;
} QEnumLookup;

/* The JSON type an alternate holds (its "type" member), named as in QEMU. */
typedef enum QType {
    QTYPE_NONE,
    QTYPE_QNULL,
    QTYPE_QNUM,
    QTYPE_QSTRING,
    QTYPE_QDICT,
    QTYPE_QLIST,
    QTYPE_QBOOL,
    QTYPE__MAX,
} QType;

/* The name of value val, or NULL when val is out of range (never for valid values). */
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);

/* Sets *val to the value named str. Unknown names fail with GenericError
 * "Invalid parameter value 'str'" (text as the input visitor's, without a path). */
bool qapi_enum_parse(const QEnumLookup *lookup, const char *str, int *val, GError **errp);

/* Releases a JsonNode held by a generated 'any' or 'null' member (NULL is fine). */
void qapi_free_any(JsonNode *node);

#endif

/*
 * Core helpers for QAPI-generated C code: enum lookup and parsing.
 */
#include "util/qapi-util.h"

#include <string.h>

#include "util/error.h"

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    if (val < 0 || val >= lookup->size) {
        return NULL;
    }
    return lookup->array[val];
}

bool qapi_enum_parse(const QEnumLookup *lookup, const char *str, int *val, GError **errp)
{
    if (str) {
        for (int i = 0; i < lookup->size; i++) {
            /* Values compiled out by an 'if' condition leave holes. */
            if (lookup->array[i] && strcmp(lookup->array[i], str) == 0) {
                *val = i;
                return true;
            }
        }
    }
    return hull_error_setg(errp, "Invalid parameter value '%s'", str ? str : "(null)");
}

void qapi_free_any(JsonNode *node)
{
    if (node) {
        json_node_unref(node);
    }
}

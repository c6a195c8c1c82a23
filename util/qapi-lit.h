/*
 * Constant JSON trees in C initializers, for QAPI-generated data such as the
 * query-qmp-schema answer: 'if' conditions become #if lines between initializers.
 */
#ifndef HULL_UTIL_QAPI_LIT_H
#define HULL_UTIL_QAPI_LIT_H

#include "util/qapi-util.h"

typedef enum QapiLitType {
    QAPI_LIT_END,    /* terminates an array's items */
    QAPI_LIT_NULL,
    QAPI_LIT_BOOL,
    QAPI_LIT_STR,
    QAPI_LIT_OBJECT,
    QAPI_LIT_ARRAY,
} QapiLitType;

typedef struct QapiLitEntry QapiLitEntry;

typedef struct QapiLit {
    QapiLitType type;
    bool boolean;
    const char *str;
    const QapiLitEntry *entries;   /* QAPI_LIT_OBJECT: terminated by a NULL key */
    const struct QapiLit *items;   /* QAPI_LIT_ARRAY: terminated by QAPI_LIT_END */
} QapiLit;

struct QapiLitEntry {
    const char *key;
    QapiLit value;
};

/* A new JsonNode (transfer full) holding the same value as lit. */
JsonNode *qapi_lit_to_node(const QapiLit *lit);

#endif

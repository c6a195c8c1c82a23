/*
 * The hand-written query-qmp-schema command ('gen': false in
 * qapi-schema/introspect.json): its answer is generated data (qapi/qapi-introspect.h).
 */
#ifndef HULL_UTIL_QAPI_INTROSPECT_QMP_H
#define HULL_UTIL_QAPI_INTROSPECT_QMP_H

#include "util/qmp-dispatch.h"

/* Marshaller of query-qmp-schema: takes no arguments, returns the SchemaInfo array. */
void qmp_marshal_query_qmp_schema(JsonObject *args, JsonNode **ret, GError **errp);

/* Registers query-qmp-schema (allow-oob, every phase) in cmds. */
void qmp_register_introspection(QmpCommandList *cmds);

#endif

/*
 * query-qmp-schema: answers with the introspection data qapi-gen generated from the
 * schema. Hand-written because the answer is not built from C types.
 */
#include "util/qapi-introspect-qmp.h"

#include "qapi/qapi-commands.h"
#include "qapi/qapi-introspect.h"

void qmp_marshal_query_qmp_schema(JsonObject *args, JsonNode **ret, GError **errp)
{
    if (!qmp_check_no_args(args, errp)) {
        return;
    }
    *ret = qapi_introspect_schema();
}

void qmp_register_introspection(QmpCommandList *cmds)
{
    if (qmp_find_command(cmds, "query-qmp-schema")) {
        return;
    }
    qmp_register_command(cmds, "query-qmp-schema", qmp_marshal_query_qmp_schema, QCO_ALLOW_OOB,
                         QMP_PHASES_ALL);
}

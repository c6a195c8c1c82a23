/*
 * The hand-written query-qmp-schema command ('gen': false in
 * qapi-schema/introspect.json): its answer is generated data (qapi/qapi-introspect.h).
 * Its marshaller, qmp_marshal_query_qmp_schema(), is declared and registered by the
 * generated qapi/qapi-commands.h / qmp_init_marshal(), like every 'gen': false command.
 */
#ifndef HULL_UTIL_QAPI_INTROSPECT_QMP_H
#define HULL_UTIL_QAPI_INTROSPECT_QMP_H

#include "util/qmp-dispatch.h"

/* Registers query-qmp-schema (allow-oob, every phase) in cmds unless qmp_init_marshal()
 * already did. */
void qmp_register_introspection(QmpCommandList *cmds);

#endif

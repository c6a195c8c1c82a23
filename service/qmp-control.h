/*
 * The QMP server's own commands (negotiation, versions, status, quit, fd passing) and the
 * glue between monitor sessions and the generated dispatcher.
 */
#ifndef HULL_SERVICE_QMP_CONTROL_H
#define HULL_SERVICE_QMP_CONTROL_H

/* Registers every generated command, installs the dispatcher and the event sink. Call once
 * before the first client connects. */
void qmp_control_init(void);

#endif

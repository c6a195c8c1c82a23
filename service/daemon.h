/*
 * hulld's process lifecycle: the main loop and how it ends (quit, signals).
 */
#ifndef HULL_SERVICE_DAEMON_H
#define HULL_SERVICE_DAEMON_H

#include <stdbool.h>

#include "qapi/qapi-types.h"

/* Runs the main loop until daemon_request_exit(); returns then. */
void daemon_run(void);

/*
 * Asks hulld to exit: emits SHUTDOWN {guest: false, reason: cause} once, lets the main loop
 * send pending replies and events, then daemon_run() returns. Main thread only; later
 * requests are ignored.
 */
void daemon_request_exit(ShutdownCause cause);

bool daemon_exit_requested(void);

#endif

/*
 * hulld under systemd: socket activation, readiness and status notification, the watchdog,
 * and journal logging. Each call is a no-op (or a clear message) when hulld is not run by
 * systemd or was built without libsystemd.
 */
#ifndef HULL_SERVICE_SYSTEMD_H
#define HULL_SERVICE_SYSTEMD_H

#include <glib.h>
#include <stdbool.h>

/*
 * Adopts every socket passed through LISTEN_FDS/LISTEN_FDNAMES (for this process) as a QMP
 * listener, logging the names. Returns how many, or -1 with errp when a passed descriptor is
 * not a listening stream socket. Clears the variables so that children do not see them.
 */
int systemd_adopt_listeners(GError **errp);

/* sd_notify: "READY=1", "STATUS=...", "STOPPING=1". No-op without NOTIFY_SOCKET. */
void systemd_notify_ready(void);
void systemd_notify_status(const char *status);
void systemd_notify_stopping(void);

/* Starts WATCHDOG=1 pings at half the interval systemd asks for (WATCHDOG_USEC). */
void systemd_start_watchdog(void);

/* True when stderr is connected to the journal (JOURNAL_STREAM) or hulld was socket
 * activated; then systemd_install_journal_log() is the better sink. */
bool systemd_journal_wanted(void);

/* Routes util/log.h to the journal with structured fields (PRIORITY, HULL_COMPONENT, ...). */
void systemd_install_journal_log(void);

#endif

/*
 * QMP monitor sessions: one per connected client. A session frames its input, queues requests,
 * hands them to the dispatcher in order, and owns a bounded output queue. Main thread only,
 * except monitor_queue_event().
 */
#ifndef HULL_SERVICE_MONITOR_H
#define HULL_SERVICE_MONITOR_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "service/fdstore.h"

/* Output a client has not read yet; past this the client is disconnected. */
#define MONITOR_OUTPUT_MAX (16u << 20)
/* In-band requests queued ahead of the dispatcher once OOB is enabled (QEMU's limit); while
 * the queue is full the session stops reading its socket. */
#define MONITOR_QUEUE_MAX 8u
/* SCM_RIGHTS descriptors a session keeps unclaimed (getfd/add-fd take them). */
#define MONITOR_PENDING_FDS_MAX 16u

typedef struct Monitor Monitor;

/*
 * Runs one request (a parsed JSON value from the client) and returns the complete response
 * object, or NULL when there is none. oob_allowed tells whether this request is run out of band.
 * Called with monitor_current() == mon.
 */
typedef JsonNode *MonitorDispatchFn(Monitor *mon, JsonNode *request, bool oob_allowed);

/* Installed once at start-up, before the first client. */
void monitor_set_dispatcher(MonitorDispatchFn *fn);

/* Starts a session on a connected stream socket (ownership of fd passes to the session) and
 * sends the greeting. peer describes the client for logs. Returns the session (owned by the
 * server), or NULL when the client was gone before its greeting could be sent. */
Monitor *monitor_new(int fd, const char *peer);

/* The session whose command is being dispatched now, or NULL. */
Monitor *monitor_current(void);

unsigned monitor_get_id(const Monitor *mon);

/* Negotiation (qmp_capabilities): false while still in capabilities negotiation mode. */
bool monitor_is_negotiated(const Monitor *mon);
bool monitor_oob_enabled(const Monitor *mon);
void monitor_enter_command_mode(Monitor *mon, bool enable_oob);

/* The oldest descriptor this client sent with SCM_RIGHTS and no command has claimed yet, or
 * -1. The caller owns it. */
int monitor_take_received_fd(Monitor *mon);

/* The descriptors this client named with getfd. */
MonitorFds *monitor_get_fds(Monitor *mon);

/* Queues an event ({"event", "data", "timestamp"}; stamped now if it has no timestamp) for
 * every negotiated client. Safe from any thread: the main loop writes it, in emission order.
 * event is consumed. */
void monitor_queue_event(JsonNode *event);

/* Writes out queued events now (main thread). */
void monitor_flush_events(void);

/* Number of connected clients. */
unsigned monitor_count(void);

/* At exit: writes queued events and replies, waiting at most timeout_ms in all, then closes
 * every session. */
void monitor_close_all(unsigned timeout_ms);

/* Builds {"error": {"class": ..., "desc": ...}} plus the request's id when it has one. */
JsonNode *monitor_error_response(const GError *err, JsonNode *id);

#endif

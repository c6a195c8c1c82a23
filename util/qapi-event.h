/*
 * QAPI events: generated qapi_event_send_NAME() functions build the event and pass it to
 * the sink that the QMP server installed. Callable from any thread.
 */
#ifndef HULL_UTIL_QAPI_EVENT_H
#define HULL_UTIL_QAPI_EVENT_H

#include "util/qapi-visit-core.h"

/*
 * Receives every event: name is the event name, event the complete message
 * {"event": NAME, "data": {...}, "timestamp": {"seconds": S, "microseconds": US}}
 * ("data" absent for events without data), transfer full. Called on the emitting
 * thread (main loop or vCPU thread), so it must be thread-safe.
 */
typedef void QapiEventSink(const char *name, JsonNode *event, void *opaque);

/* Installs the sink (NULL: events are dropped). Set once at start-up. */
void qapi_event_set_sink(QapiEventSink *sink, void *opaque);

/* Used by generated code: wraps data (transfer full, may be NULL) and emits. */
void qapi_event_emit(const char *name, JsonObject *data);

#endif

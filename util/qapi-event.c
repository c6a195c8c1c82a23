/*
 * QAPI event emission: timestamps the event and hands it to the installed sink.
 */
#include "util/qapi-event.h"

static GMutex sink_lock;
static QapiEventSink *event_sink;
static void *event_sink_opaque;

void qapi_event_set_sink(QapiEventSink *sink, void *opaque)
{
    g_mutex_lock(&sink_lock);
    event_sink = sink;
    event_sink_opaque = opaque;
    g_mutex_unlock(&sink_lock);
}

void qapi_event_emit(const char *name, JsonObject *data)
{
    JsonObject *event = json_object_new();
    JsonObject *timestamp = json_object_new();
    gint64 now = g_get_real_time();
    QapiEventSink *sink;
    void *opaque;

    json_object_set_string_member(event, "event", name);
    if (data) {
        json_object_set_member(event, "data", qapi_node_take_object(data));
    }
    json_object_set_int_member(timestamp, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(timestamp, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_member(event, "timestamp", qapi_node_take_object(timestamp));

    g_mutex_lock(&sink_lock);
    sink = event_sink;
    opaque = event_sink_opaque;
    g_mutex_unlock(&sink_lock);
    if (sink) {
        sink(name, qapi_node_take_object(event), opaque);
    } else {
        json_object_unref(event);
    }
}

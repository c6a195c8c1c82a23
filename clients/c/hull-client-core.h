/*
 * libhull-client runtime: a synchronous QMP connection to hulld with event handlers that
 * run from a GMainContext. The typed functions (hull-client.h) are generated on top of it.
 */
#ifndef HULL_CLIENT_CORE_H
#define HULL_CLIENT_CORE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "util/error.h"

/* Wait for a reply or the greeting at most this long, unless hull_client_set_timeout(). */
#define HULL_CLIENT_DEFAULT_TIMEOUT_MS 30000

typedef struct HullClient HullClient;

/* When the server sent an event. */
typedef struct HullTimestamp {
    gint64 seconds;
    gint64 microseconds;
} HullTimestamp;

/*
 * Connects to the QMP unix socket at path, reads the greeting and negotiates capabilities.
 * Event handlers run from the thread-default GMainContext of the caller (the global default
 * context when there is none). Errors: G_IO_ERROR (cannot connect, timeout, closed), or
 * HULL_ERROR when the server refuses the negotiation.
 */
HullClient *hull_client_connect(const char *path, GError **errp);
/* The same with an explicit context for event handlers (NULL: the global default). */
HullClient *hull_client_connect_full(const char *path, GMainContext *context, GError **errp);
/* Closes the connection; handlers' destroy notifiers run. NULL is fine. */
void hull_client_free(HullClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HullClient, hull_client_free)

/* How long calls wait for their reply, in milliseconds; 0 waits forever. */
void hull_client_set_timeout(HullClient *client, int timeout_ms);
bool hull_client_is_connected(HullClient *client);
/* The greeting's "QMP" object (borrowed). */
JsonObject *hull_client_get_greeting(HullClient *client);

/*
 * Runs one command and waits for its reply. args (borrowed, may be NULL) are its JSON
 * arguments; on success *ret (if ret is not NULL) gets the "return" value (transfer full).
 * A QMP error sets HULL_ERROR with the code of its class (HULL_ERROR_COMMAND_NOT_FOUND...)
 * and the server's text. Events arriving meanwhile are queued for the GMainContext:
 * handlers never run inside a call.
 */
bool hull_client_execute(HullClient *client, const char *command, JsonObject *args,
                         JsonNode **ret, GError **errp);

/*
 * Sends a command without waiting for a reply, for commands the schema marks
 * 'success-response': false (the server answers only errors, which are then dropped).
 */
bool hull_client_send(HullClient *client, const char *command, JsonObject *args,
                      GError **errp);

/* An event handler: name is the event's name, data its "data" object (NULL when absent). */
typedef void HullEventFunc(HullClient *client, const char *name, JsonObject *data,
                           const HullTimestamp *timestamp, gpointer opaque);
/* Calls fn for each event named name (every event for NULL); returns an id (> 0). */
guint hull_client_add_event_handler(HullClient *client, const char *name, HullEventFunc *fn,
                                    gpointer opaque, GDestroyNotify destroy);
void hull_client_remove_event_handler(HullClient *client, guint id);

/* Called once, from the GMainContext, when the server closes the connection. */
typedef void HullDisconnectFunc(HullClient *client, gpointer opaque);
void hull_client_set_disconnect_handler(HullClient *client, HullDisconnectFunc *fn,
                                        gpointer opaque);

/* For the generated typed handlers. */
typedef struct HullTypedHandler {
    void (*fn)(void);
    gpointer opaque;
} HullTypedHandler;
/* A new arguments object: the members of arguments (may be NULL) and those of extra (may
 * be NULL) that arguments lacks. NULL when both are empty. */
JsonNode *hull_client_merge_arguments(JsonNode *arguments, JsonObject *extra);
/* An event whose data does not match the schema: logged with g_warning, not delivered. */
void hull_client_event_mismatch(HullClient *client, const char *name, const GError *err);

#endif

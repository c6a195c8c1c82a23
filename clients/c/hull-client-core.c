/*
 * libhull-client runtime: a synchronous QMP connection over a unix socket. Calls block until
 * their reply; events are queued and handed to handlers from the client's GMainContext.
 */
#include "hull-client-core.h"

#include <gio/gio.h>
#include <string.h>

/* A reply or event larger than this is not QMP from hulld (its own limit is 16 MiB). */
#define HULL_CLIENT_MAX_MESSAGE (64u << 20)

typedef struct EventHandler {
    guint id;
    char *name; /* NULL: every event */
    HullEventFunc *fn;
    gpointer opaque;
    GDestroyNotify destroy;
} EventHandler;

struct HullClient {
    GSocket *sock;
    GMainContext *context;
    GSource *watch;        /* readable socket, while connected */
    GSource *idle;         /* dispatches events queued during a call */
    GString *in;           /* bytes received, not yet a full line */
    GQueue events;         /* JsonNode * of events not yet dispatched */
    GPtrArray *handlers;   /* EventHandler * */
    guint next_handler_id;
    gint64 next_request_id;
    int timeout_ms;
    JsonNode *greeting;
    char *lost_reason;     /* NULL while connected */
    bool disconnect_reported;
    HullDisconnectFunc *disconnect_fn;
    gpointer disconnect_opaque;
    bool dispatching;
};

static const char *const error_classes[] = {
    [HULL_ERROR_GENERIC] = "GenericError",
    [HULL_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [HULL_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [HULL_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [HULL_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
};

static HullErrorCode error_code_of_class(const char *cls)
{
    for (size_t i = 0; cls && i < G_N_ELEMENTS(error_classes); i++) {
        if (strcmp(error_classes[i], cls) == 0) {
            return (HullErrorCode)i;
        }
    }
    return HULL_ERROR_GENERIC;
}

static void event_handler_free(gpointer p)
{
    EventHandler *h = p;

    if (h->destroy) {
        h->destroy(h->opaque);
    }
    g_free(h->name);
    g_free(h);
}

static void schedule_dispatch(HullClient *client);

/* The connection is gone: remember why, stop watching, tell the handler (from the context). */
static void client_lose(HullClient *client, const char *reason)
{
    if (client->lost_reason) {
        return;
    }
    client->lost_reason = g_strdup(reason);
    if (client->watch) {
        g_source_destroy(client->watch);
        g_source_unref(client->watch);
        client->watch = NULL;
    }
    if (client->sock) {
        g_socket_close(client->sock, NULL);
    }
    schedule_dispatch(client);
}

static bool lost_error(HullClient *client, GError **errp)
{
    g_set_error(errp, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "%s",
                client->lost_reason ? client->lost_reason : "not connected");
    return false;
}

/* Reads what the socket has (waiting until deadline, -1: forever, 0: not at all) into
 * client->in. False with errp set on timeout, error or end of stream. */
static bool client_fill(HullClient *client, gint64 deadline, GError **errp)
{
    char buf[65536];
    gssize n;

    if (client->lost_reason) {
        return lost_error(client, errp);
    }
    for (;;) {
        g_autoptr(GError) err = NULL;

        n = g_socket_receive(client->sock, buf, sizeof(buf), NULL, &err);
        if (n > 0) {
            g_string_append_len(client->in, buf, n);
            if (client->in->len > HULL_CLIENT_MAX_MESSAGE) {
                client_lose(client, "message from the server exceeds the size limit");
                return lost_error(client, errp);
            }
            return true;
        }
        if (n == 0) {
            client_lose(client, "the server closed the connection");
            return lost_error(client, errp);
        }
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_autofree char *why = g_strdup_printf("connection error: %s", err->message);

            client_lose(client, why);
            return lost_error(client, errp);
        }
        if (deadline == 0) {
            g_propagate_error(errp, g_steal_pointer(&err));
            return false;
        }
        gint64 wait_us = -1;
        if (deadline > 0) {
            wait_us = deadline - g_get_monotonic_time();
            if (wait_us <= 0) {
                g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                            "no reply from the server within %d ms", client->timeout_ms);
                return false;
            }
        }
        g_clear_error(&err);
        if (!g_socket_condition_timed_wait(client->sock, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                           wait_us, NULL, &err) &&
            g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "no reply from the server within %d ms", client->timeout_ms);
            return false;
        }
    }
}

/* The next complete message in client->in, or NULL (no full line yet, or a bad one: then
 * errp is set and the connection is dropped). */
static JsonNode *client_take_message(HullClient *client, bool *bad, GError **errp)
{
    *bad = false;
    for (;;) {
        char *nl = memchr(client->in->str, '\n', client->in->len);
        if (!nl) {
            return NULL;
        }
        gsize len = nl - client->in->str;
        g_autofree char *line = g_strndup(client->in->str, len);
        g_string_erase(client->in, 0, len + 1);
        g_strstrip(line);
        if (!*line) {
            continue;
        }
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) err = NULL;
        if (!json_parser_load_from_data(parser, line, -1, &err) ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
            g_autofree char *why = g_strdup_printf("the server sent a message that is not a "
                                                   "JSON object: %s",
                                                   err ? err->message : line);
            client_lose(client, why);
            *bad = true;
            return (void)lost_error(client, errp), NULL;
        }
        return json_node_ref(json_parser_get_root(parser));
    }
}

static void dispatch_event(HullClient *client, JsonNode *node)
{
    JsonObject *msg = json_node_get_object(node);
    const char *name = json_object_get_string_member_with_default(msg, "event", NULL);
    JsonObject *data = NULL;
    HullTimestamp ts = { 0 };

    if (json_object_has_member(msg, "data") &&
        JSON_NODE_HOLDS_OBJECT(json_object_get_member(msg, "data"))) {
        data = json_object_get_object_member(msg, "data");
    }
    if (json_object_has_member(msg, "timestamp") &&
        JSON_NODE_HOLDS_OBJECT(json_object_get_member(msg, "timestamp"))) {
        JsonObject *t = json_object_get_object_member(msg, "timestamp");

        ts.seconds = json_object_get_int_member_with_default(t, "seconds", 0);
        ts.microseconds = json_object_get_int_member_with_default(t, "microseconds", 0);
    }
    /* A handler may add or remove handlers: walk by id over a snapshot. */
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < client->handlers->len; i++) {
        EventHandler *h = g_ptr_array_index(client->handlers, i);

        if (!h->name || g_strcmp0(h->name, name) == 0) {
            g_array_append_val(ids, h->id);
        }
    }
    for (guint i = 0; i < ids->len; i++) {
        guint id = g_array_index(ids, guint, i);

        for (guint j = 0; j < client->handlers->len; j++) {
            EventHandler *h = g_ptr_array_index(client->handlers, j);

            if (h->id == id) {
                h->fn(client, name, data, &ts, h->opaque);
                break;
            }
        }
    }
}

/* Hands queued events to their handlers, then reports a lost connection once. */
static void dispatch_pending(HullClient *client)
{
    JsonNode *node;

    if (client->dispatching) {
        return;
    }
    client->dispatching = true;
    while ((node = g_queue_pop_head(&client->events))) {
        dispatch_event(client, node);
        json_node_unref(node);
    }
    client->dispatching = false;
    if (client->lost_reason && !client->disconnect_reported) {
        client->disconnect_reported = true;
        if (client->disconnect_fn) {
            client->disconnect_fn(client, client->disconnect_opaque);
        }
    }
}

static gboolean idle_dispatch(gpointer opaque)
{
    HullClient *client = opaque;

    g_source_unref(client->idle);
    client->idle = NULL;
    dispatch_pending(client);
    return G_SOURCE_REMOVE;
}

static void schedule_dispatch(HullClient *client)
{
    if (client->idle) {
        return;
    }
    client->idle = g_idle_source_new();
    g_source_set_callback(client->idle, idle_dispatch, client, NULL);
    g_source_attach(client->idle, client->context);
}

static bool is_event(JsonNode *node)
{
    return json_object_has_member(json_node_get_object(node), "event");
}

/* Queues the complete messages already buffered: events for the handlers; replies nobody
 * waits for (their call timed out) are dropped. */
static void drain_buffered(HullClient *client)
{
    JsonNode *node;
    bool bad;

    while ((node = client_take_message(client, &bad, NULL))) {
        if (is_event(node)) {
            g_queue_push_tail(&client->events, node);
        } else {
            json_node_unref(node);
        }
    }
    if (!g_queue_is_empty(&client->events)) {
        schedule_dispatch(client);
    }
}

/* The socket is readable while no call runs: read, queue the events, dispatch them. Bytes
 * read before the end of the stream are parsed even when the read that follows fails. */
static gboolean socket_readable(GSocket *sock, GIOCondition cond, gpointer opaque)
{
    HullClient *client = opaque;

    client_fill(client, 0, NULL);
    drain_buffered(client);
    dispatch_pending(client);
    return client->lost_reason ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static bool send_all(HullClient *client, const char *data, gsize len, gint64 deadline,
                     GError **errp)
{
    while (len > 0) {
        g_autoptr(GError) err = NULL;
        gssize n = g_socket_send(client->sock, data, len, NULL, &err);

        if (n > 0) {
            data += n;
            len -= n;
            continue;
        }
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_autofree char *why = g_strdup_printf("connection error: %s",
                                                   err ? err->message : "short write");

            client_lose(client, why);
            return lost_error(client, errp);
        }
        g_clear_error(&err);
        gint64 wait_us = deadline > 0 ? MAX(deadline - g_get_monotonic_time(), 0) : -1;
        if (!g_socket_condition_timed_wait(client->sock, G_IO_OUT, wait_us, NULL, &err)) {
            g_set_error(errp, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "cannot send to the server within %d ms", client->timeout_ms);
            return false;
        }
    }
    return true;
}

static gint64 call_deadline(HullClient *client)
{
    return client->timeout_ms > 0 ? g_get_monotonic_time() + client->timeout_ms * 1000ll : -1;
}

/* Waits for the message answering request id (-1: the greeting), queueing events. */
static JsonNode *wait_message(HullClient *client, gint64 id, gint64 deadline, GError **errp)
{
    for (;;) {
        JsonNode *node;
        bool bad;

        while ((node = client_take_message(client, &bad, errp))) {
            JsonObject *msg = json_node_get_object(node);

            if (id < 0 ? json_object_has_member(msg, "QMP") :
                (json_object_has_member(msg, "id") &&
                 JSON_NODE_HOLDS_VALUE(json_object_get_member(msg, "id")) &&
                 json_object_get_int_member(msg, "id") == id)) {
                return node;
            }
            if (is_event(node)) {
                g_queue_push_tail(&client->events, node);
                schedule_dispatch(client);
                continue;
            }
            if (id < 0) {
                g_autofree char *why = g_strdup("the server did not send a QMP greeting");

                json_node_unref(node);
                client_lose(client, why);
                return (void)lost_error(client, errp), NULL;
            }
            json_node_unref(node);
        }
        if (bad || !client_fill(client, deadline, errp)) {
            return NULL;
        }
    }
}

/* Sends {"execute": command, "arguments": args, "id": id}. */
static bool send_request(HullClient *client, const char *command, JsonObject *args, gint64 id,
                         gint64 deadline, GError **errp)
{
    if (client->lost_reason) {
        return lost_error(client, errp);
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (args) {
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, json_node_init_object(json_node_alloc(), args));
    }
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, id);
    json_builder_end_object(b);
    g_autoptr(JsonNode) req = json_builder_get_root(b);
    g_autofree char *text = json_to_string(req, FALSE);
    g_autofree char *line = g_strconcat(text, "\n", NULL);

    return send_all(client, line, strlen(line), deadline, errp);
}

bool hull_client_send(HullClient *client, const char *command, JsonObject *args,
                      GError **errp)
{
    g_return_val_if_fail(client && command, false);
    return send_request(client, command, args, ++client->next_request_id,
                        call_deadline(client), errp);
}

bool hull_client_execute(HullClient *client, const char *command, JsonObject *args,
                         JsonNode **ret, GError **errp)
{
    g_return_val_if_fail(client && command, false);
    gint64 id = ++client->next_request_id;
    gint64 deadline = call_deadline(client);

    if (!send_request(client, command, args, id, deadline, errp)) {
        return false;
    }
    g_autoptr(JsonNode) reply = wait_message(client, id, deadline, errp);
    /* Events that arrived in the same read as the reply, or before a failure. */
    drain_buffered(client);
    if (!reply) {
        g_prefix_error(errp, "%s: ", command);
        return false;
    }
    JsonObject *msg = json_node_get_object(reply);
    if (json_object_has_member(msg, "error")) {
        JsonNode *e = json_object_get_member(msg, "error");
        JsonObject *eo = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
        const char *cls = eo ? json_object_get_string_member_with_default(eo, "class", NULL)
                             : NULL;
        const char *desc = eo ? json_object_get_string_member_with_default(eo, "desc", NULL)
                              : NULL;

        g_set_error(errp, HULL_ERROR, error_code_of_class(cls), "%s",
                    desc ? desc : "malformed error reply");
        return false;
    }
    if (!json_object_has_member(msg, "return")) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s: reply has neither return nor error", command);
        return false;
    }
    if (ret) {
        *ret = json_node_copy(json_object_get_member(msg, "return"));
    }
    return true;
}

HullClient *hull_client_connect(const char *path, GError **errp)
{
    return hull_client_connect_full(path, NULL, errp);
}

HullClient *hull_client_connect_full(const char *path, GMainContext *context, GError **errp)
{
    g_return_val_if_fail(path, NULL);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_DEFAULT, errp);
    if (!sock) {
        return NULL;
    }
    if (!g_socket_connect(sock, addr, NULL, errp)) {
        g_prefix_error(errp, "cannot connect to %s: ", path);
        return NULL;
    }
    g_socket_set_blocking(sock, FALSE);

    g_autoptr(HullClient) client = g_new0(HullClient, 1);
    client->sock = g_steal_pointer(&sock);
    client->context = context ? g_main_context_ref(context)
                              : g_main_context_ref_thread_default();
    client->in = g_string_new(NULL);
    g_queue_init(&client->events);
    client->handlers = g_ptr_array_new_with_free_func(event_handler_free);
    client->timeout_ms = HULL_CLIENT_DEFAULT_TIMEOUT_MS;

    client->greeting = wait_message(client, -1, call_deadline(client), errp);
    if (!client->greeting) {
        g_prefix_error(errp, "%s: ", path);
        return NULL;
    }
    JsonNode *qmp = json_object_get_member(json_node_get_object(client->greeting), "QMP");
    if (!JSON_NODE_HOLDS_OBJECT(qmp)) {
        g_set_error(errp, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: malformed QMP greeting",
                    path);
        return NULL;
    }
    if (!hull_client_execute(client, "qmp_capabilities", NULL, NULL, errp)) {
        return NULL;
    }
    client->watch = g_socket_create_source(client->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(client->watch, (GSourceFunc)(void (*)(void))socket_readable, client,
                          NULL);
    g_source_attach(client->watch, client->context);
    return g_steal_pointer(&client);
}

void hull_client_free(HullClient *client)
{
    JsonNode *node;

    if (!client) {
        return;
    }
    if (client->watch) {
        g_source_destroy(client->watch);
        g_source_unref(client->watch);
    }
    if (client->idle) {
        g_source_destroy(client->idle);
        g_source_unref(client->idle);
    }
    if (client->sock) {
        g_socket_close(client->sock, NULL);
        g_object_unref(client->sock);
    }
    while ((node = g_queue_pop_head(&client->events))) {
        json_node_unref(node);
    }
    g_ptr_array_unref(client->handlers);
    if (client->greeting) {
        json_node_unref(client->greeting);
    }
    g_string_free(client->in, TRUE);
    g_main_context_unref(client->context);
    g_free(client->lost_reason);
    g_free(client);
}

void hull_client_set_timeout(HullClient *client, int timeout_ms)
{
    client->timeout_ms = MAX(timeout_ms, 0);
}

bool hull_client_is_connected(HullClient *client)
{
    return client->lost_reason == NULL;
}

JsonObject *hull_client_get_greeting(HullClient *client)
{
    return json_object_get_object_member(json_node_get_object(client->greeting), "QMP");
}

guint hull_client_add_event_handler(HullClient *client, const char *name, HullEventFunc *fn,
                                    gpointer opaque, GDestroyNotify destroy)
{
    EventHandler *h = g_new0(EventHandler, 1);

    h->id = ++client->next_handler_id;
    h->name = g_strdup(name);
    h->fn = fn;
    h->opaque = opaque;
    h->destroy = destroy;
    g_ptr_array_add(client->handlers, h);
    return h->id;
}

void hull_client_remove_event_handler(HullClient *client, guint id)
{
    for (guint i = 0; i < client->handlers->len; i++) {
        EventHandler *h = g_ptr_array_index(client->handlers, i);

        if (h->id == id) {
            g_ptr_array_remove_index(client->handlers, i);
            return;
        }
    }
}

void hull_client_set_disconnect_handler(HullClient *client, HullDisconnectFunc *fn,
                                        gpointer opaque)
{
    client->disconnect_fn = fn;
    client->disconnect_opaque = opaque;
}

void hull_client_event_mismatch(HullClient *client, const char *name, const GError *err)
{
    g_warning("hull-client: event %s does not match the schema: %s", name, err->message);
}

JsonNode *hull_client_merge_arguments(JsonNode *arguments, JsonObject *extra)
{
    JsonObject *out = json_object_new();
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;

    if (arguments && JSON_NODE_HOLDS_OBJECT(arguments)) {
        json_object_iter_init(&iter, json_node_get_object(arguments));
        while (json_object_iter_next(&iter, &name, &value)) {
            json_object_set_member(out, name, json_node_copy(value));
        }
    }
    if (extra) {
        json_object_iter_init(&iter, extra);
        while (json_object_iter_next(&iter, &name, &value)) {
            if (!json_object_has_member(out, name)) {
                json_object_set_member(out, name, json_node_copy(value));
            }
        }
    }
    if (json_object_get_size(out) == 0) {
        json_object_unref(out);
        return NULL;
    }
    JsonNode *node = json_node_init_object(json_node_alloc(), out);

    json_object_unref(out);
    return node;
}

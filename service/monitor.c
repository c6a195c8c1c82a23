/*
 * QMP monitor sessions: socket I/O with SCM_RIGHTS, framing, the in-band request queue,
 * out-of-band dispatch, bounded output and event fan-out. Everything but the event queue runs
 * on the main thread.
 */
#include "service/monitor.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config-host.h"
#include "service/json-framer.h"
#include "service/json-writer.h"
#include "util/error.h"
#include "util/log.h"

#define MONITOR_READ_SIZE 65536

typedef struct MonitorRequest {
    JsonNode *request; /* NULL when framing or parsing failed */
    GError *err;
} MonitorRequest;

typedef struct MonitorSource {
    GSource base;
    Monitor *mon;
} MonitorSource;

struct Monitor {
    int ref;
    unsigned id;
    int fd;
    char *peer;
    GSource *source;
    gpointer fd_tag;
    GIOCondition watching;

    JsonFramer *framer;
    GByteArray *in; /* received, not yet framed */
    size_t in_pos;
    GQueue requests; /* MonitorRequest, in arrival order */
    GSource *dispatch_source;
    bool dispatching;

    GString *out; /* to send */
    size_t out_pos;

    bool negotiated;
    bool oob;
    bool eof;  /* the client shut down its sending side */
    bool dead; /* closed: everything still to come is dropped */

    GQueue received_fds; /* GINT_TO_POINTER(fd), oldest first */
    MonitorFds *fds;
};

/* The registry of sessions and the dispatch context: main-thread state of the QMP server. */
static GHashTable *monitors; /* id -> Monitor (holds a reference) */
static unsigned next_monitor_id = 1;
static Monitor *current_monitor;
static MonitorDispatchFn *dispatcher;

/* Events may come from any thread; they are handed to the main loop through this queue. */
static GMutex event_lock;
static GQueue event_lines; /* GString, ready to send */
static guint event_source_id;

static void monitor_update_watch(Monitor *mon);
static void monitor_process_input(Monitor *mon);
static void monitor_close(Monitor *mon, const char *why);

static void monitor_request_free(MonitorRequest *req)
{
    if (req->request) {
        json_node_unref(req->request);
    }
    g_clear_error(&req->err);
    g_free(req);
}

static Monitor *monitor_ref(Monitor *mon)
{
    mon->ref++;
    return mon;
}

static void monitor_unref(Monitor *mon)
{
    if (--mon->ref > 0) {
        return;
    }
    g_assert(mon->dead);
    json_framer_free(mon->framer);
    g_byte_array_unref(mon->in);
    g_string_free(mon->out, true);
    g_queue_clear_full(&mon->requests, (GDestroyNotify)monitor_request_free);
    g_free(mon->peer);
    g_free(mon);
}

void monitor_set_dispatcher(MonitorDispatchFn *fn)
{
    dispatcher = fn;
}

Monitor *monitor_current(void)
{
    return current_monitor;
}

unsigned monitor_get_id(const Monitor *mon)
{
    return mon->id;
}

bool monitor_is_negotiated(const Monitor *mon)
{
    return mon->negotiated;
}

bool monitor_oob_enabled(const Monitor *mon)
{
    return mon->oob;
}

void monitor_enter_command_mode(Monitor *mon, bool enable_oob)
{
    mon->negotiated = true;
    mon->oob = enable_oob;
    hull_info("qmp", "client %u: capabilities negotiated%s", mon->id,
              enable_oob ? " (oob enabled)" : "");
}

MonitorFds *monitor_get_fds(Monitor *mon)
{
    return mon->fds;
}

int monitor_take_received_fd(Monitor *mon)
{
    if (g_queue_is_empty(&mon->received_fds)) {
        return -1;
    }
    return GPOINTER_TO_INT(g_queue_pop_head(&mon->received_fds));
}

unsigned monitor_count(void)
{
    return monitors ? g_hash_table_size(monitors) : 0;
}

/* ---- Output ----------------------------------------------------------------------------- */

static size_t monitor_output_pending(const Monitor *mon)
{
    return mon->out->len - mon->out_pos;
}

static void monitor_flush(Monitor *mon)
{
    while (!mon->dead && monitor_output_pending(mon) > 0) {
        ssize_t n = send(mon->fd, mon->out->str + mon->out_pos, monitor_output_pending(mon),
                         MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                g_autofree char *why = g_strdup_printf("write failed: %s", g_strerror(errno));

                monitor_close(mon, why);
            }
            break;
        }
        mon->out_pos += (size_t)n;
    }
    if (mon->dead) {
        return;
    }
    if (mon->out_pos == mon->out->len) {
        if (mon->out->allocated_len > (1u << 20)) {
            g_string_free(mon->out, true);
            mon->out = g_string_sized_new(4096);
        } else {
            g_string_truncate(mon->out, 0);
        }
        mon->out_pos = 0;
    } else if (mon->out_pos > (1u << 20)) {
        g_string_erase(mon->out, 0, (gssize)mon->out_pos);
        mon->out_pos = 0;
    }
}

static void monitor_send_text(Monitor *mon, const char *text, size_t len)
{
    if (mon->dead) {
        return;
    }
    /* Sending can close the session; keep it alive until we are done with it. */
    monitor_ref(mon);
    if (monitor_output_pending(mon) + len > MONITOR_OUTPUT_MAX) {
        hull_warn("qmp", "client %u: more than %u MiB of output not read, disconnecting it",
                  mon->id, MONITOR_OUTPUT_MAX >> 20);
        monitor_close(mon, "output queue overflow");
    } else {
        g_string_append_len(mon->out, text, (gssize)len);
        monitor_flush(mon);
        monitor_update_watch(mon);
    }
    monitor_unref(mon);
}

static void monitor_send_node(Monitor *mon, JsonNode *node)
{
    g_autoptr(GString) line = json_writer_line(node);

    monitor_send_text(mon, line->str, line->len);
}

JsonNode *monitor_error_response(const GError *err, JsonNode *id)
{
    JsonObject *error = json_object_new();
    JsonObject *resp = json_object_new();
    JsonNode *node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_string_member(error, "class", hull_error_class(err));
    json_object_set_string_member(error, "desc", err->message);
    json_object_set_object_member(resp, "error", error);
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    json_node_take_object(node, resp);
    return node;
}

static JsonNode *monitor_greeting(void)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "QMP");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "version");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "qemu");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "micro");
    json_builder_add_int_value(b, HULL_VERSION_MICRO);
    json_builder_set_member_name(b, "minor");
    json_builder_add_int_value(b, HULL_VERSION_MINOR);
    json_builder_set_member_name(b, "major");
    json_builder_add_int_value(b, HULL_VERSION_MAJOR);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "package");
    json_builder_add_string_value(b, "hull " HULL_VERSION);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "capabilities");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "oob");
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- Dispatch ---------------------------------------------------------------------------- */

static const char *request_command_name(JsonNode *request)
{
    JsonObject *obj;
    JsonNode *name;

    if (!request || !JSON_NODE_HOLDS_OBJECT(request)) {
        return NULL;
    }
    obj = json_node_get_object(request);
    name = json_object_get_member(obj, "execute");
    if (!name) {
        name = json_object_get_member(obj, "exec-oob");
    }
    if (!name || json_node_get_value_type(name) != G_TYPE_STRING) {
        return NULL;
    }
    return json_node_get_string(name);
}

static bool request_is_oob(JsonNode *request)
{
    return JSON_NODE_HOLDS_OBJECT(request) &&
           json_object_has_member(json_node_get_object(request), "exec-oob");
}

static void monitor_log_error(Monitor *mon, const char *command, JsonNode *resp)
{
    JsonObject *obj, *error;

    if (!resp || !JSON_NODE_HOLDS_OBJECT(resp)) {
        return;
    }
    obj = json_node_get_object(resp);
    if (!json_object_has_member(obj, "error")) {
        return;
    }
    error = json_object_get_object_member(obj, "error");
    hull_info("qmp", "client %u: %s%s%s: %s", mon->id, command ? "command '" : "request",
              command ? command : "", command ? "'" : "",
              json_object_get_string_member_with_default(error, "desc", "?"));
}

static void monitor_run(Monitor *mon, MonitorRequest *req, bool oob)
{
    g_autoptr(JsonNode) resp = NULL;
    const char *command = request_command_name(req->request);

    if (req->err) {
        resp = monitor_error_response(req->err, NULL);
    } else {
        Monitor *outer = current_monitor;

        current_monitor = mon;
        resp = dispatcher(mon, req->request, oob);
        current_monitor = outer;
    }
    monitor_log_error(mon, command, resp);
    /* A client that left while its command ran gets nothing: monitor_send_* drop output for
     * closed sessions. */
    if (resp) {
        monitor_send_node(mon, resp);
    }
}

static bool monitor_can_take_request(const Monitor *mon)
{
    /* Without OOB one request at a time, in order; with it a short queue so that exec-oob
     * requests behind it are still read and run at once. */
    if (mon->oob) {
        return g_queue_get_length((GQueue *)&mon->requests) < MONITOR_QUEUE_MAX;
    }
    return g_queue_is_empty((GQueue *)&mon->requests) && !mon->dispatching;
}

static gboolean monitor_dispatch_one(gpointer opaque)
{
    Monitor *mon = opaque;
    MonitorRequest *req;

    if (mon->dead || g_queue_is_empty(&mon->requests)) {
        mon->dispatch_source = NULL;
        return G_SOURCE_REMOVE;
    }
    monitor_ref(mon);
    req = g_queue_pop_head(&mon->requests);
    mon->dispatching = true;
    monitor_run(mon, req, false);
    mon->dispatching = false;
    monitor_request_free(req);

    /* Room for another request: frame what is already buffered, then read more. */
    monitor_process_input(mon);
    if (mon->dead || g_queue_is_empty(&mon->requests)) {
        mon->dispatch_source = NULL;
        monitor_unref(mon);
        return G_SOURCE_REMOVE;
    }
    monitor_unref(mon);
    return G_SOURCE_CONTINUE;
}

static void monitor_schedule_dispatch(Monitor *mon)
{
    if (mon->dispatch_source || g_queue_is_empty(&mon->requests)) {
        return;
    }
    mon->dispatch_source = g_idle_source_new();
    g_source_set_priority(mon->dispatch_source, G_PRIORITY_DEFAULT);
    g_source_set_callback(mon->dispatch_source, monitor_dispatch_one, monitor_ref(mon),
                          (GDestroyNotify)monitor_unref);
    g_source_attach(mon->dispatch_source, NULL);
    g_source_unref(mon->dispatch_source);
}

/* ---- Input ------------------------------------------------------------------------------- */

static void monitor_take_message(Monitor *mon, char *text, size_t len)
{
    MonitorRequest *req = g_new0(MonitorRequest, 1);

    req->request = json_message_parse(text, len, &req->err);
    if (mon->oob && req->request && request_is_oob(req->request)) {
        /* Out of band: ahead of every queued in-band request. */
        monitor_run(mon, req, true);
        monitor_request_free(req);
        return;
    }
    g_queue_push_tail(&mon->requests, req);
}

static void monitor_process_input(Monitor *mon)
{
    while (!mon->dead && mon->in_pos < mon->in->len && monitor_can_take_request(mon)) {
        g_autoptr(GError) err = NULL;
        char *text = NULL;
        size_t used = 0, len = 0;
        JsonFramerStatus st = json_framer_feed(mon->framer, (char *)mon->in->data + mon->in_pos,
                                               mon->in->len - mon->in_pos, &used, &text, &len,
                                               &err);

        mon->in_pos += used;
        if (st == JSON_FRAMER_MESSAGE) {
            monitor_take_message(mon, text, len);
            g_free(text);
        } else if (st == JSON_FRAMER_ERROR) {
            MonitorRequest *req = g_new0(MonitorRequest, 1);

            hull_info("qmp", "client %u: bad input: %s", mon->id, err->message);
            req->err = g_steal_pointer(&err);
            g_queue_push_tail(&mon->requests, req);
        }
    }
    if (mon->dead) {
        return;
    }
    if (mon->in_pos == mon->in->len) {
        g_byte_array_set_size(mon->in, 0);
        mon->in_pos = 0;
    }
    monitor_schedule_dispatch(mon);
    if (mon->eof && g_queue_is_empty(&mon->requests) && !mon->dispatching &&
        mon->in_pos == mon->in->len && monitor_output_pending(mon) == 0) {
        monitor_close(mon, "end of input");
        return;
    }
    monitor_update_watch(mon);
}

static void monitor_keep_fds(Monitor *mon, struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        size_t n;
        int *fds;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        fds = (int *)CMSG_DATA(c);
        for (size_t i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, &fds[i], sizeof(fd));
            if (g_queue_get_length(&mon->received_fds) >= MONITOR_PENDING_FDS_MAX) {
                hull_warn("qmp", "client %u: more than %u unclaimed descriptors, closing one",
                          mon->id, MONITOR_PENDING_FDS_MAX);
                close(fd);
                continue;
            }
            g_queue_push_tail(&mon->received_fds, GINT_TO_POINTER(fd));
        }
    }
    if (msg->msg_flags & MSG_CTRUNC) {
        hull_warn("qmp", "client %u: too many descriptors in one message, some were dropped",
                  mon->id);
    }
}

static void monitor_read(Monitor *mon)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } control;
    struct iovec iov;
    struct msghdr msg = {0};
    guint old_len = mon->in->len;
    ssize_t n;
    int stale;

    /* Like QEMU, descriptors live until the next read once every request that arrived with
     * them has run; then unclaimed ones are closed. */
    while (g_queue_is_empty(&mon->requests) && !mon->dispatching &&
           (stale = monitor_take_received_fd(mon)) >= 0) {
        close(stale);
    }
    g_byte_array_set_size(mon->in, old_len + MONITOR_READ_SIZE);
    iov.iov_base = mon->in->data + old_len;
    iov.iov_len = MONITOR_READ_SIZE;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    do {
        n = recvmsg(mon->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    g_byte_array_set_size(mon->in, old_len + (n > 0 ? (guint)n : 0));

    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            g_autofree char *why = g_strdup_printf("read failed: %s", g_strerror(errno));

            monitor_close(mon, why);
        }
        return;
    }
    monitor_keep_fds(mon, &msg);
    if (n == 0) {
        mon->eof = true;
    }
    monitor_process_input(mon);
}

/* ---- Socket watch ------------------------------------------------------------------------ */

static bool monitor_wants_input(const Monitor *mon)
{
    return !mon->dead && !mon->eof && mon->in_pos == mon->in->len &&
           monitor_can_take_request(mon);
}

static void monitor_update_watch(Monitor *mon)
{
    GIOCondition cond = 0;

    if (mon->dead) {
        return;
    }
    if (monitor_wants_input(mon)) {
        cond |= G_IO_IN;
    }
    if (monitor_output_pending(mon) > 0) {
        cond |= G_IO_OUT;
    }
    if (cond != mon->watching) {
        g_source_modify_unix_fd(mon->source, mon->fd_tag, cond);
        mon->watching = cond;
    }
}

static gboolean monitor_source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    MonitorSource *ms = (MonitorSource *)source;
    Monitor *mon = monitor_ref(ms->mon);
    GIOCondition rev = g_source_query_unix_fd(source, mon->fd_tag);

    if (rev & G_IO_OUT) {
        monitor_flush(mon);
    }
    if (!mon->dead && (rev & G_IO_IN) && monitor_wants_input(mon)) {
        monitor_read(mon);
    }
    if (!mon->dead && (rev & (G_IO_HUP | G_IO_ERR))) {
        /* The peer is gone in both directions: nothing can be answered any more. */
        monitor_close(mon, "connection closed by the client");
    }
    if (!mon->dead) {
        if (mon->eof && monitor_output_pending(mon) == 0 && g_queue_is_empty(&mon->requests) &&
            !mon->dispatching) {
            monitor_close(mon, "end of input");
        } else {
            monitor_update_watch(mon);
        }
    }
    monitor_unref(mon);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs monitor_source_funcs = {
    .dispatch = monitor_source_dispatch,
};

/* ---- Lifetime ---------------------------------------------------------------------------- */

Monitor *monitor_new(int fd, const char *peer)
{
    Monitor *mon = g_new0(Monitor, 1);
    g_autoptr(JsonNode) greeting = monitor_greeting();
    unsigned id = next_monitor_id++;
    MonitorSource *ms;

    mon->ref = 1; /* the registry's */
    mon->id = id;
    mon->fd = fd;
    mon->peer = g_strdup(peer);
    mon->framer = json_framer_new(NULL);
    mon->in = g_byte_array_new();
    mon->out = g_string_sized_new(4096);
    mon->fds = monitor_fds_new();
    g_queue_init(&mon->requests);
    g_queue_init(&mon->received_fds);

    mon->source = g_source_new(&monitor_source_funcs, sizeof(MonitorSource));
    ms = (MonitorSource *)mon->source;
    ms->mon = mon;
    mon->watching = G_IO_IN;
    mon->fd_tag = g_source_add_unix_fd(mon->source, fd, G_IO_IN);
    g_source_attach(mon->source, NULL);

    if (!monitors) {
        monitors = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    g_hash_table_insert(monitors, GUINT_TO_POINTER(mon->id), mon);
    hull_info("qmp", "client %u connected (%s)", id, peer);
    monitor_send_node(mon, greeting);
    /* The registry's reference (and mon with it) is gone if the client left before its
     * greeting. */
    return g_hash_table_lookup(monitors, GUINT_TO_POINTER(id));
}

static void monitor_close(Monitor *mon, const char *why)
{
    int fd;

    if (mon->dead) {
        return;
    }
    mon->dead = true;
    hull_info("qmp", "client %u disconnected (%s)", mon->id, why);
    g_source_destroy(mon->source);
    g_source_unref(mon->source);
    mon->source = NULL;
    if (mon->dispatch_source) {
        g_source_destroy(mon->dispatch_source);
        mon->dispatch_source = NULL;
    }
    close(mon->fd);
    mon->fd = -1;
    while ((fd = monitor_take_received_fd(mon)) >= 0) {
        close(fd);
    }
    monitor_fds_free(mon->fds);
    mon->fds = NULL;
    g_queue_clear_full(&mon->requests, (GDestroyNotify)monitor_request_free);
    g_queue_init(&mon->requests);
    g_hash_table_remove(monitors, GUINT_TO_POINTER(mon->id));
    monitor_unref(mon);
}

/* ---- Events ------------------------------------------------------------------------------ */

static void monitor_broadcast(const GString *line)
{
    GHashTableIter iter;
    gpointer value;
    g_autoptr(GPtrArray) targets = g_ptr_array_new();

    if (!monitors) {
        return;
    }
    /* Sending may close a session (overflow), which edits the table: collect first. */
    g_hash_table_iter_init(&iter, monitors);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        if (((Monitor *)value)->negotiated) {
            g_ptr_array_add(targets, monitor_ref(value));
        }
    }
    for (guint i = 0; i < targets->len; i++) {
        Monitor *mon = g_ptr_array_index(targets, i);

        monitor_send_text(mon, line->str, line->len);
        monitor_unref(mon);
    }
}

void monitor_flush_events(void)
{
    for (;;) {
        GString *line;

        g_mutex_lock(&event_lock);
        line = g_queue_pop_head(&event_lines);
        if (!line) {
            event_source_id = 0;
        }
        g_mutex_unlock(&event_lock);
        if (!line) {
            return;
        }
        monitor_broadcast(line);
        g_string_free(line, true);
    }
}

static gboolean monitor_flush_events_cb(gpointer unused)
{
    monitor_flush_events();
    return G_SOURCE_REMOVE;
}

void monitor_queue_event(JsonNode *event)
{
    JsonObject *obj = json_node_get_object(event);
    GString *line;

    if (!json_object_has_member(obj, "timestamp")) {
        gint64 now = g_get_real_time();
        JsonObject *stamp = json_object_new();

        json_object_set_int_member(stamp, "seconds", now / G_USEC_PER_SEC);
        json_object_set_int_member(stamp, "microseconds", now % G_USEC_PER_SEC);
        json_object_set_object_member(obj, "timestamp", stamp);
    }
    line = json_writer_line(event);
    json_node_unref(event);

    g_mutex_lock(&event_lock);
    g_queue_push_tail(&event_lines, line);
    if (!event_source_id) {
        /* g_idle_add is thread-safe; the main loop wakes up for it. */
        event_source_id = g_idle_add(monitor_flush_events_cb, NULL);
    }
    g_mutex_unlock(&event_lock);
}

void monitor_close_all(unsigned timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    monitor_flush_events();
    if (!monitors) {
        return;
    }
    g_hash_table_iter_init(&iter, monitors);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        g_ptr_array_add(all, monitor_ref(value));
    }
    for (guint i = 0; i < all->len; i++) {
        Monitor *mon = g_ptr_array_index(all, i);

        while (!mon->dead && monitor_output_pending(mon) > 0) {
            struct pollfd pfd = {.fd = mon->fd, .events = POLLOUT};
            gint64 left = (deadline - g_get_monotonic_time()) / 1000;

            if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
                break;
            }
            monitor_flush(mon);
        }
        monitor_close(mon, "hulld is exiting");
        monitor_unref(mon);
    }
}

/*
 * libhull-client against a live hulld: typed calls through the generated functions, QMP
 * error classes as GError codes, typed event handlers on a GMainContext, connection loss.
 */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hull-client.h"

typedef struct Fixture {
    char *dir;
    char *socket;
    GSubprocess *hulld;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    const char *hulld = g_getenv("HULLD");
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(hulld);
    f->dir = g_dir_make_tmp("hc-XXXXXX", &err);
    g_assert_no_error(err);
    f->socket = g_build_filename(f->dir, "qmp.sock", NULL);
    f->hulld = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err, hulld, "--socket",
                                f->socket, "--sandbox", "off", NULL);
    g_assert_no_error(err);
    /* hulld is ready once its socket accepts connections. */
    bool ready = false;
    for (int i = 0; i < 1000 && !ready; i++) {
        g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_DEFAULT, NULL);
        g_autoptr(GSocketAddress) a = g_unix_socket_address_new(f->socket);

        ready = g_socket_connect(s, a, NULL, NULL);
        if (!ready) {
            g_usleep(10000);
        }
    }
    g_assert_true(ready);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    g_subprocess_send_signal(f->hulld, SIGTERM);
    g_subprocess_wait(f->hulld, NULL, NULL);
    g_object_unref(f->hulld);
    g_unlink(f->socket);
    g_rmdir(f->dir);
    g_free(f->socket);
    g_free(f->dir);
}

static HullClient *connect_ok(Fixture *f, GMainContext *ctx)
{
    g_autoptr(GError) err = NULL;
    HullClient *client = hull_client_connect_full(f->socket, ctx, &err);

    g_assert_no_error(err);
    g_assert_nonnull(client);
    return client;
}

static void test_typed_calls(Fixture *f, gconstpointer data)
{
    g_autoptr(HullClient) client = connect_ok(f, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(VersionInfo) version = NULL;
    g_autoptr(StatusInfo) status = NULL;
    g_autoptr(CommandInfoList) commands = NULL;
    g_autofree char *expect = NULL;
    bool seen_status = false;

    g_assert_true(hull_client_is_connected(client));
    g_assert_true(json_object_has_member(hull_client_get_greeting(client), "version"));

    g_assert_true(hull_query_version(client, &version, &err));
    g_assert_no_error(err);
    expect = g_strdup_printf("hull %" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                             (gint64)version->qemu->major, (gint64)version->qemu->minor,
                             (gint64)version->qemu->micro);
    g_assert_cmpstr(version->package, ==, expect);

    g_assert_true(hull_query_status(client, &status, &err));
    g_assert_false(status->running);
    g_assert_cmpint(status->status, ==, MACHINE_PHASE_NO_MACHINE);

    g_assert_true(hull_query_commands(client, &commands, &err));
    for (CommandInfoList *c = commands; c; c = c->next) {
        seen_status |= strcmp(c->value->name, "query-status") == 0;
    }
    g_assert_true(seen_status);
}

static void test_arguments_and_results(Fixture *f, gconstpointer data)
{
    g_autoptr(HullClient) client = connect_ok(f, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(FdsetInfoList) sets = NULL;
    HullClosefdArgs closefd = { .fdname = (char *)"no-such-fd" };
    HullAddFdArgs add = { .has_fdset_id = true, .fdset_id = 3 };

    /* Arguments travel through the generated output visitor. */
    g_assert_false(hull_closefd(client, &closefd, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "no-such-fd"));
    g_clear_error(&err);

    /* add-fd needs a descriptor passed along; without one hulld refuses it. */
    AddfdInfo *info = NULL;
    g_assert_false(hull_add_fd(client, &add, &info, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_null(info);
    g_clear_error(&err);

    g_assert_true(hull_query_fdsets(client, &sets, &err));
    g_assert_no_error(err);
    g_assert_null(sets);
}

/* device_add ('gen': false) takes device properties beyond its schema in extra. */
static void test_extra_members(Fixture *f, gconstpointer data)
{
    g_autoptr(HullClient) client = connect_ok(f, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) props = json_object_new();
    g_autoptr(JsonNode) chardev = NULL;
    g_autoptr(JsonNode) created = NULL;
    HullMachineCreateArgs create = { .type = (char *)"test" };
    HullDeviceAddArgs dev = { .driver = (char *)"test-device", .id = (char *)"dev0" };
    HullQomGetArgs get = { .path = (char *)"/machine/peripheral/dev0",
                           .property = (char *)"chardev" };
    g_autoptr(JsonParser) parser = json_parser_new();

    g_assert_true(json_parser_load_from_data(
        parser, "{\"id\": \"con0\", \"backend\": {\"type\": \"ringbuf\", \"data\": {}}}",
        -1, NULL));
    if (!hull_client_execute(client, "chardev-add",
                             json_node_get_object(json_parser_get_root(parser)), NULL, &err)) {
        g_test_skip(err->message);
        return;
    }
    g_assert_true(hull_machine_create(client, &create, &err));
    g_assert_no_error(err);

    json_object_set_string_member(props, "nope", "x");
    g_assert_false(hull_device_add(client, &dev, props, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "nope"));
    g_clear_error(&err);

    json_object_remove_member(props, "nope");
    json_object_set_string_member(props, "chardev", "con0");
    /* A member of args wins over the same name in extra. */
    json_object_set_string_member(props, "driver", "no-such-driver");
    g_assert_true(hull_device_add(client, &dev, props, &err));
    g_assert_no_error(err);
    g_assert_true(hull_qom_get(client, &get, &chardev, &err));
    g_assert_cmpstr(json_node_get_string(chardev), ==, "/chardevs/con0");
}

static void test_error_classes(Fixture *f, gconstpointer data)
{
    g_autoptr(HullClient) client = connect_ok(f, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;

    g_assert_false(hull_client_execute(client, "no-such-command", NULL, &ret, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_COMMAND_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "no-such-command"));
    g_assert_null(ret);
    g_clear_error(&err);

    /* Negotiation already happened in hull_client_connect(). */
    g_assert_false(hull_qmp_capabilities(client, NULL, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_COMMAND_NOT_FOUND);
    g_clear_error(&err);

    /* The untyped call returns the raw result. */
    g_assert_true(hull_client_execute(client, "query-status", NULL, &ret, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(json_object_get_string_member(json_node_get_object(ret), "status"), ==,
                    "no-machine");
}

typedef struct EventLog {
    int typed;
    int any;
    int removed;
    int disconnects;
    ShutdownCause reason;
    gint64 seconds;
} EventLog;

static void on_shutdown(HullClient *client, const HullShutdownData *d, const HullTimestamp *ts,
                        gpointer opaque)
{
    EventLog *log = opaque;

    log->typed++;
    log->reason = d->reason;
    log->seconds = ts->seconds;
}

static void on_any(HullClient *client, const char *name, JsonObject *d, const HullTimestamp *ts,
                   gpointer opaque)
{
    EventLog *log = opaque;

    g_assert_cmpstr(name, ==, "SHUTDOWN");
    log->any++;
}

static void on_removed(HullClient *client, const HullShutdownData *d, const HullTimestamp *ts,
                       gpointer opaque)
{
    ((EventLog *)opaque)->removed++;
}

static void on_disconnect(HullClient *client, gpointer opaque)
{
    ((EventLog *)opaque)->disconnects++;
}

static void test_events_on_context(Fixture *f, gconstpointer data)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(HullClient) client = connect_ok(f, ctx);
    g_autoptr(GError) err = NULL;
    g_autoptr(StatusInfo) status = NULL;
    EventLog log = { 0 };
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    hull_on_shutdown(client, on_shutdown, &log);
    hull_client_add_event_handler(client, NULL, on_any, &log, NULL);
    guint gone = hull_on_shutdown(client, on_removed, &log);
    hull_client_remove_event_handler(client, gone);
    hull_client_set_disconnect_handler(client, on_disconnect, &log);

    g_assert_true(hull_quit(client, &err));
    g_assert_no_error(err);
    /* Handlers never run inside a call: only from the context. */
    g_assert_cmpint(log.typed, ==, 0);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (log.disconnects == 0 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(ctx, TRUE);
    }
    g_assert_cmpint(log.typed, ==, 1);
    g_assert_cmpint(log.any, ==, 1);
    g_assert_cmpint(log.removed, ==, 0);
    g_assert_cmpint(log.disconnects, ==, 1);
    g_assert_cmpint(log.reason, ==, SHUTDOWN_CAUSE_HOST_QMP_QUIT);
    g_assert_cmpint(log.seconds, >=, now - 5);
    g_assert_cmpint(log.seconds, <=, now + 5);

    g_assert_false(hull_client_is_connected(client));
    g_assert_false(hull_query_status(client, &status, &err));
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
    g_assert_true(g_subprocess_wait_check(f->hulld, NULL, NULL));
}

static void on_phase(HullClient *client, const HullMachinePhaseData *d, const HullTimestamp *ts,
                     gpointer opaque)
{
    GArray *phases = opaque;

    g_array_append_val(phases, d->previous);
    g_array_append_val(phases, d->phase);
}

/* Typed events with enum data through the machine lifecycle, in the server's order. */
static void test_machine_phase_events(Fixture *f, gconstpointer data)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(HullClient) client = connect_ok(f, ctx);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) phases = g_array_new(FALSE, FALSE, sizeof(MachinePhase));
    HullMachineCreateArgs create = { .type = (char *)"test" };

    hull_on_machine_phase(client, on_phase, phases);
    g_assert_true(hull_machine_create(client, &create, &err));
    g_assert_no_error(err);
    g_assert_true(hull_machine_destroy(client, &err));
    g_assert_no_error(err);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (phases->len < 4 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(ctx, TRUE);
    }
    g_assert_cmpuint(phases->len, ==, 4);
    g_assert_cmpint(g_array_index(phases, MachinePhase, 0), ==, MACHINE_PHASE_NO_MACHINE);
    g_assert_cmpint(g_array_index(phases, MachinePhase, 1), ==, MACHINE_PHASE_CONFIGURING);
    g_assert_cmpint(g_array_index(phases, MachinePhase, 2), ==, MACHINE_PHASE_CONFIGURING);
    g_assert_cmpint(g_array_index(phases, MachinePhase, 3), ==, MACHINE_PHASE_NO_MACHINE);
}

static void test_connect_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *absent = g_build_filename(f->dir, "absent.sock", NULL);
    HullClient *client = hull_client_connect(absent, &err);

    g_assert_null(client);
    g_assert_error(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "absent.sock"));
}

/* A scripted server: greets, accepts negotiation, then answers the next request with its
 * reply and an event in one write and closes, as hulld does for quit on a fast machine. */
static gpointer scripted_server(gpointer opaque)
{
    GSocket *listener = opaque;
    g_autoptr(GSocket) conn = g_socket_accept(listener, NULL, NULL);
    char buf[4096];
    const char *greeting = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n";
    const char *burst = "{\"return\": {}, \"id\": 2}\r\n"
                        "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, "
                        "\"reason\": \"guest-reset\"}, "
                        "\"timestamp\": {\"seconds\": 7, \"microseconds\": 0}}\r\n";

    g_assert_nonnull(conn);
    g_socket_set_blocking(conn, TRUE);
    g_socket_send(conn, greeting, strlen(greeting), NULL, NULL);
    g_socket_receive(conn, buf, sizeof(buf), NULL, NULL);
    g_socket_send(conn, "{\"return\": {}, \"id\": 1}\r\n", 25, NULL, NULL);
    g_socket_receive(conn, buf, sizeof(buf), NULL, NULL);
    g_socket_send(conn, burst, strlen(burst), NULL, NULL);
    g_socket_close(conn, NULL);
    return NULL;
}

static void test_event_behind_reply(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "fake.sock", NULL);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    g_autoptr(GSocket) listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                               G_SOCKET_PROTOCOL_DEFAULT, NULL);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_autoptr(GError) err = NULL;
    EventLog log = { 0 };

    g_assert_true(g_socket_bind(listener, addr, TRUE, NULL));
    g_assert_true(g_socket_listen(listener, NULL));
    GThread *server = g_thread_new("server", scripted_server, listener);
    g_autoptr(HullClient) client = hull_client_connect_full(path, ctx, &err);
    g_assert_no_error(err);
    hull_on_shutdown(client, on_shutdown, &log);
    hull_client_set_disconnect_handler(client, on_disconnect, &log);
    g_assert_true(hull_quit(client, &err));
    g_thread_join(server);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (log.disconnects == 0 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(ctx, TRUE);
    }
    /* The event that shared a read with the reply is delivered before the disconnect. */
    g_assert_cmpint(log.typed, ==, 1);
    g_assert_cmpint(log.reason, ==, SHUTDOWN_CAUSE_GUEST_RESET);
    g_assert_cmpint(log.seconds, ==, 7);
    g_assert_cmpint(log.disconnects, ==, 1);
    g_unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/hull-client/typed-calls", Fixture, NULL, fixture_set_up, test_typed_calls,
               fixture_tear_down);
    g_test_add("/hull-client/arguments", Fixture, NULL, fixture_set_up,
               test_arguments_and_results, fixture_tear_down);
    g_test_add("/hull-client/extra-members", Fixture, NULL, fixture_set_up, test_extra_members,
               fixture_tear_down);
    g_test_add("/hull-client/error-classes", Fixture, NULL, fixture_set_up, test_error_classes,
               fixture_tear_down);
    g_test_add("/hull-client/events", Fixture, NULL, fixture_set_up, test_events_on_context,
               fixture_tear_down);
    g_test_add("/hull-client/machine-phase-events", Fixture, NULL, fixture_set_up,
               test_machine_phase_events, fixture_tear_down);
    g_test_add("/hull-client/connect-failure", Fixture, NULL, fixture_set_up,
               test_connect_failure, fixture_tear_down);
    g_test_add("/hull-client/event-behind-reply", Fixture, NULL, fixture_set_up,
               test_event_behind_reply, fixture_tear_down);
    return g_test_run();
}

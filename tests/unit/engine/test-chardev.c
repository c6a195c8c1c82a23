/*
 * Unit tests for engine/chardev: ringbuf semantics, file output, socket server and
 * client round trips, non-blocking output to a slow reader, fd and pty backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/chardev.h"
#include "engine/device.h"
#include "engine/lock.h"
#include "util/error.h"

/* ---- a frontend that records what it gets ---- */

typedef struct TestFe {
    GByteArray *rx;
    size_t window; /* how much it takes per can_receive; 0 means stalled */
    GString *events;
} TestFe;

static size_t fe_can_receive(void *opaque)
{
    return ((TestFe *)opaque)->window;
}

static void fe_receive(void *opaque, const uint8_t *buf, size_t len)
{
    TestFe *fe = opaque;

    g_assert_true(engine_lock_held());
    g_assert_cmpuint(len, <=, fe->window);
    g_byte_array_append(fe->rx, buf, (guint)len);
}

static void fe_event(void *opaque, ChardevEvent event)
{
    g_string_append(((TestFe *)opaque)->events, event == CHARDEV_EVENT_OPENED ? "open " : "close ");
}

static const ChardevFrontendOps fe_ops = {
    .can_receive = fe_can_receive,
    .receive = fe_receive,
    .event = fe_event,
};

static void fe_init(TestFe *fe)
{
    fe->rx = g_byte_array_new();
    fe->window = 4096;
    fe->events = g_string_new("");
}

static void fe_clear(TestFe *fe)
{
    g_byte_array_free(fe->rx, true);
    g_string_free(fe->events, true);
}

/* ---- helpers ---- */

static Chardev *add(const char *type, const char *id, const char *props_json, GError **errp)
{
    g_autoptr(JsonNode) root = json_from_string(props_json, NULL);
    g_autoptr(Object) obj = object_new(type, errp);

    if (!obj || !object_set_props_json(obj, json_node_get_object(root), errp)) {
        return NULL;
    }
    if (!chardev_add(CHARDEV(obj), id, errp)) {
        return NULL;
    }
    return CHARDEV(obj);
}

static Chardev *add_ok(const char *type, const char *id, const char *props_json)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = add(type, id, props_json, &err);

    g_assert_no_error(err);
    return chr;
}

static void remove_ok(const char *id)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(chardev_remove(id, &err));
    g_assert_no_error(err);
    g_assert_null(chardev_find(id));
}

/* Runs the main context (lock released while it polls) until cond() or 10 s. */
static void run_until(bool (*cond)(void *), void *opaque)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!cond(opaque)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        engine_unlock();
        g_main_context_iteration(NULL, false);
        g_usleep(500);
        engine_lock();
    }
}

typedef struct WaitRx {
    TestFe *fe;
    size_t len;
} WaitRx;

static bool rx_has(void *opaque)
{
    WaitRx *w = opaque;

    return w->fe->rx->len >= w->len;
}

static bool events_are(void *opaque)
{
    const char **want = opaque;
    TestFe *fe = (TestFe *)want[0];

    return g_str_equal(fe->events->str, want[1]);
}

static void wait_events(TestFe *fe, const char *events)
{
    const char *want[] = {(const char *)fe, events};

    run_until(events_are, want);
}

static void wait_rx(TestFe *fe, size_t len)
{
    WaitRx w = {fe, len};

    run_until(rx_has, &w);
}

static void read_exact(int fd, char *buf, size_t len)
{
    size_t got = 0;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (got < len) {
        ssize_t n;

        engine_unlock();
        g_main_context_iteration(NULL, false);
        n = read(fd, buf + got, len - got);
        engine_lock();
        if (n > 0) {
            got += (size_t)n;
        } else {
            g_assert_true(n < 0 && errno == EAGAIN);
            g_assert_cmpint(g_get_monotonic_time(), <, deadline);
            g_usleep(500);
        }
    }
}

static char *temp_dir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("hull-chardev-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

/* ---- tests ---- */

static void test_lifecycle(void)
{
    g_autoptr(GError) err = NULL;
    TestFe fe, fe2;
    Chardev *chr;

    fe_init(&fe);
    fe_init(&fe2);
    chr = add_ok(TYPE_CHARDEV_NULL, "null0", "{}");
    g_assert_true(chardev_find("null0") == chr);
    chardev_write(chr, "abc", 3);
    g_assert_cmpuint(chr->bytes_written, ==, 3);

    g_assert_null(add(TYPE_CHARDEV_NULL, "null0", "{}", &err));
    g_assert_cmpstr(err->message, ==, "chardev 'null0' already exists");
    g_clear_error(&err);
    g_assert_null(add(TYPE_CHARDEV_NULL, "9lives", "{}", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));
    g_assert_false(chardev_attach_frontend(chr, &fe_ops, &fe2, &err));
    g_clear_error(&err);
    g_assert_false(chardev_remove("null0", &err));
    g_assert_cmpstr(err->message, ==, "Chardev 'null0' is busy");
    g_clear_error(&err);
    chardev_detach_frontend(chr);
    remove_ok("null0");
    g_assert_false(chardev_remove("null0", &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    fe_clear(&fe);
    fe_clear(&fe2);
}

static void test_ringbuf(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr;
    char *s;

    g_assert_null(add(TYPE_CHARDEV_RINGBUF, "rb", "{\"size\": 1000}", &err));
    g_assert_nonnull(strstr(err->message, "power of two"));
    g_clear_error(&err);
    g_assert_null(chardev_find("rb"));

    chr = add_ok(TYPE_CHARDEV_RINGBUF, "rb", "{\"size\": 8}");
    chardev_write(chr, "hello", 5);
    s = chardev_ringbuf_read(chr, 3, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(s, ==, "hel");
    g_free(s);
    s = chardev_ringbuf_read(chr, 100, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(s, ==, "lo");
    g_free(s);
    s = chardev_ringbuf_read(chr, 100, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(s, ==, "");
    g_free(s);

    /* Full: the oldest bytes are overwritten and counted. */
    chardev_write(chr, "0123456789AB", 12);
    g_assert_cmpuint(chr->bytes_dropped, ==, 4);
    s = chardev_ringbuf_read(chr, 100, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(s, ==, "456789AB");
    g_free(s);

    chardev_write(chr, "\x00\xff" "a\xc3\xa9", 5);
    s = chardev_ringbuf_read(chr, 100, CHARDEV_DATA_BASE64, NULL);
    g_assert_cmpstr(s, ==, "AP9hw6k=");
    g_free(s);
    chardev_write(chr, "\xff" "a\xc3\xa9", 4);
    s = chardev_ringbuf_read(chr, 100, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(s, ==, "\xef\xbf\xbd" "a\xc3\xa9");
    g_free(s);

    g_assert_null(chardev_ringbuf_read(chr, -1, CHARDEV_DATA_UTF8, &err));
    g_clear_error(&err);
    remove_ok("rb");

    chr = add_ok(TYPE_CHARDEV_NULL, "notrb", "{}");
    g_assert_null(chardev_ringbuf_read(chr, 1, CHARDEV_DATA_UTF8, &err));
    g_assert_cmpstr(err->message, ==, "chardev 'notrb' is not a ringbuf");
    g_clear_error(&err);
    g_assert_false(chardev_ringbuf_write(chr, "x", CHARDEV_DATA_UTF8, &err));
    g_clear_error(&err);
    remove_ok("notrb");
}

static void test_ringbuf_input(void)
{
    g_autoptr(GError) err = NULL;
    Chardev *chr = add_ok(TYPE_CHARDEV_RINGBUF, "console", "{\"size\": 16}");
    TestFe fe;

    fe_init(&fe);
    /* Input waits until a frontend is there and takes it, as fast as it takes it. */
    g_assert_true(chardev_ringbuf_write(chr, "ls\n", CHARDEV_DATA_UTF8, NULL));
    fe.window = 2;
    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));
    g_assert_cmpuint(fe.rx->len, ==, 3);
    fe.window = 0;
    g_assert_true(chardev_ringbuf_write(chr, "aGk=", CHARDEV_DATA_BASE64, NULL));
    g_assert_cmpuint(fe.rx->len, ==, 3);
    fe.window = 1;
    chardev_accept_input(chr);
    g_assert_cmpmem(fe.rx->data, fe.rx->len, "ls\nhi", 5);

    g_assert_false(chardev_ringbuf_write(chr, "aGk", CHARDEV_DATA_BASE64, &err));
    g_assert_cmpstr(err->message, ==, "data is not valid base64");
    g_clear_error(&err);
    g_assert_false(chardev_ringbuf_write(chr, "a=Gk", CHARDEV_DATA_BASE64, &err));
    g_clear_error(&err);
    fe.window = 0;
    g_assert_false(chardev_ringbuf_write(chr, "0123456789abcdefX", CHARDEV_DATA_UTF8, &err));
    g_assert_nonnull(err);
    g_assert_cmpuint(fe.rx->len, ==, 5);

    chardev_detach_frontend(chr);
    remove_ok("console");
    fe_clear(&fe);
}

static void test_file(void)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *path = g_build_filename(dir, "out.log", NULL);
    g_autofree char *props = g_strdup_printf("{\"path\": \"%s\"}", path);
    g_autofree char *props_append = g_strdup_printf("{\"path\": \"%s\", \"append\": true}", path);
    g_autoptr(GError) err = NULL;
    g_autofree char *content = NULL;
    Chardev *chr;

    chr = add_ok(TYPE_CHARDEV_FILE, "log", props);
    chardev_write(chr, "first\n", 6);
    remove_ok("log");
    chr = add_ok(TYPE_CHARDEV_FILE, "log", props_append);
    chardev_write(chr, "second\n", 7);
    remove_ok("log");
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "first\nsecond\n");
    g_clear_pointer(&content, g_free);

    chr = add_ok(TYPE_CHARDEV_FILE, "log", props);
    remove_ok("log");
    g_assert_true(g_file_get_contents(path, &content, NULL, NULL));
    g_assert_cmpstr(content, ==, "");

    g_assert_null(add(TYPE_CHARDEV_FILE, "log", "{\"path\": \"/nonexistent/dir/x\"}", &err));
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
    g_clear_error(&err);
    g_assert_null(add(TYPE_CHARDEV_FILE, "log", "{}", &err));
    g_clear_error(&err);
    g_assert_null(chardev_find("log"));
    unlink(path);
    rmdir(dir);
}

static int unix_connect(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    g_assert_cmpint(fcntl(fd, F_SETFL, O_NONBLOCK), ==, 0);
    return fd;
}

static void test_socket_unix_server(void)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *path = g_build_filename(dir, "serial.sock", NULL);
    g_autofree char *props = g_strdup_printf("{\"path\": \"%s\", \"server\": true}", path);
    Chardev *chr = add_ok(TYPE_CHARDEV_SOCKET, "serial0", props);
    char buf[16] = {0};
    TestFe fe;
    int client;

    fe_init(&fe);
    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));
    /* No client yet: output is dropped, not queued forever, and nothing blocks. */
    chardev_write(chr, "lost", 4);
    g_assert_cmpuint(chr->bytes_dropped, ==, 4);

    for (unsigned round = 0; round < 2; round++) {
        client = unix_connect(path);
        wait_events(&fe, round ? "open close open " : "open ");
        g_assert_cmpint(write(client, "hello", 5), ==, 5);
        wait_rx(&fe, 5 * (round + 1));
        g_assert_cmpmem(fe.rx->data + 5 * round, 5, "hello", 5);
        chardev_write(chr, "world", 5);
        read_exact(client, buf, 5);
        g_assert_cmpstr(buf, ==, "world");
        close(client);
        wait_events(&fe, round ? "open close open close " : "open close ");
    }

    chardev_detach_frontend(chr);
    remove_ok("serial0");
    /* The socket file goes away with the chardev. */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    rmdir(dir);
    fe_clear(&fe);
}

static void test_socket_tcp_pair(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *port = NULL;
    g_autofree char *client_props = NULL;
    Chardev *server, *client;
    TestFe fs, fc;

    fe_init(&fs);
    fe_init(&fc);
    server = add_ok(TYPE_CHARDEV_SOCKET, "srv",
                    "{\"host\": \"127.0.0.1\", \"port\": \"0\", \"server\": true}");
    port = object_property_get_str(OBJECT(server), "port", NULL);
    g_assert_cmpstr(port, !=, "0");
    g_assert_true(chardev_attach_frontend(server, &fe_ops, &fs, NULL));

    client_props = g_strdup_printf("{\"host\": \"127.0.0.1\", \"port\": \"%s\"}", port);
    client = add_ok(TYPE_CHARDEV_SOCKET, "cli", client_props);
    g_assert_true(chardev_attach_frontend(client, &fe_ops, &fc, NULL));
    g_assert_cmpstr(fc.events->str, ==, "open ");
    wait_events(&fs, "open ");

    chardev_write(client, "ping", 4);
    wait_rx(&fs, 4);
    chardev_write(server, "pong", 4);
    wait_rx(&fc, 4);
    g_assert_cmpmem(fs.rx->data, 4, "ping", 4);
    g_assert_cmpmem(fc.rx->data, 4, "pong", 4);

    chardev_detach_frontend(client);
    remove_ok("cli");
    wait_events(&fs, "open close ");

    /* Bad configurations fail cleanly. */
    g_assert_null(add(TYPE_CHARDEV_SOCKET, "bad", "{\"host\": \"127.0.0.1\"}", &err));
    g_clear_error(&err);
    g_assert_null(add(TYPE_CHARDEV_SOCKET, "bad", "{\"path\": \"/x\", \"port\": \"1\"}", &err));
    g_clear_error(&err);
    g_assert_null(add(TYPE_CHARDEV_SOCKET, "bad",
                      "{\"path\": \"/tmp/x\", \"server\": true, \"wait\": true}", &err));
    g_clear_error(&err);
    g_assert_null(add(TYPE_CHARDEV_SOCKET, "bad", "{\"path\": \"/nonexistent/sock\"}", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_null(chardev_find("bad"));
    /* A client that may reconnect is created even when the server is not there yet. */
    client = add_ok(TYPE_CHARDEV_SOCKET, "later",
                    "{\"path\": \"/nonexistent/sock\", \"reconnect\": 1}");
    g_assert_false(client->peer_connected);
    remove_ok("later");

    chardev_detach_frontend(server);
    remove_ok("srv");
    /* Nobody listens there any more: a client without reconnect fails at once. */
    g_assert_null(add(TYPE_CHARDEV_SOCKET, "cli", client_props, &err));
    g_assert_nonnull(strstr(err->message, "Connection refused"));
    g_clear_error(&err);
    g_assert_null(chardev_find("cli"));
    fe_clear(&fs);
    fe_clear(&fc);
}

static void test_socket_reconnect(void)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *path = g_build_filename(dir, "late.sock", NULL);
    g_autofree char *client_props = g_strdup_printf("{\"path\": \"%s\", \"reconnect\": 1}",
                                                    path);
    g_autofree char *server_props = g_strdup_printf("{\"path\": \"%s\", \"server\": true}",
                                                    path);
    Chardev *client, *server;
    TestFe fc, fs;

    fe_init(&fc);
    fe_init(&fs);
    /* The client comes first and keeps trying; the server appears later. */
    client = add_ok(TYPE_CHARDEV_SOCKET, "cli", client_props);
    g_assert_true(chardev_attach_frontend(client, &fe_ops, &fc, NULL));
    server = add_ok(TYPE_CHARDEV_SOCKET, "srv", server_props);
    g_assert_true(chardev_attach_frontend(server, &fe_ops, &fs, NULL));
    wait_events(&fc, "open ");
    wait_events(&fs, "open ");

    /* The server goes away and comes back: the client finds it again. */
    chardev_detach_frontend(server);
    remove_ok("srv");
    wait_events(&fc, "open close ");
    server = add_ok(TYPE_CHARDEV_SOCKET, "srv", server_props);
    wait_events(&fc, "open close open ");
    chardev_write(client, "again", 5);
    g_assert_cmpuint(client->bytes_dropped, ==, 0);

    chardev_detach_frontend(client);
    remove_ok("cli");
    remove_ok("srv");
    rmdir(dir);
    fe_clear(&fc);
    fe_clear(&fs);
}

static void test_socket_slow_reader(void)
{
    g_autofree char *dir = temp_dir();
    g_autofree char *path = g_build_filename(dir, "slow.sock", NULL);
    g_autofree char *props = g_strdup_printf("{\"path\": \"%s\", \"server\": true}", path);
    Chardev *chr = add_ok(TYPE_CHARDEV_SOCKET, "slow", props);
    uint8_t chunk[4096];
    gint64 start;
    int client;
    TestFe fe;

    fe_init(&fe);
    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));
    client = unix_connect(path);
    wait_events(&fe, "open ");
    memset(chunk, 'x', sizeof(chunk));

    /* 16 MiB at a client that never reads: every write returns at once. */
    start = g_get_monotonic_time();
    for (unsigned i = 0; i < 4096; i++) {
        chardev_write(chr, chunk, sizeof(chunk));
    }
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
    g_assert_cmpuint(chr->bytes_written + chr->bytes_dropped, ==, 4096 * sizeof(chunk));
    g_assert_cmpuint(chr->bytes_dropped, >, 0);

    close(client);
    chardev_detach_frontend(chr);
    remove_ok("slow");
    rmdir(dir);
    fe_clear(&fe);
}

static void test_fd(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *props = NULL;
    char buf[8] = {0};
    int sv[2];
    Chardev *chr;
    TestFe fe;

    fe_init(&fe);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    props = g_strdup_printf("{\"fd\": %d}", sv[0]);
    chr = add_ok(TYPE_CHARDEV_FD, "fd0", props);
    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));
    g_assert_cmpstr(fe.events->str, ==, "open ");
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    chardev_write(chr, "out", 3);
    read_exact(sv[1], buf, 3);
    g_assert_cmpstr(buf, ==, "out");
    g_assert_cmpint(write(sv[1], "in", 2), ==, 2);
    wait_rx(&fe, 2);
    close(sv[1]);
    wait_events(&fe, "open close ");
    chardev_detach_frontend(chr);
    remove_ok("fd0");

    g_assert_null(add(TYPE_CHARDEV_FD, "fd1", "{\"fd\": 987654}", &err));
    g_assert_nonnull(err);
    fe_clear(&fe);
}

static void test_pty(void)
{
    g_autofree char *path = NULL;
    char buf[8] = {0};
    Chardev *chr;
    TestFe fe;
    int tty;

    fe_init(&fe);
    chr = add_ok(TYPE_CHARDEV_PTY, "pty0", "{}");
    path = object_property_get_str(OBJECT(chr), "path", NULL);
    g_assert_true(g_str_has_prefix(path, "/dev/pts/"));
    g_assert_true(chardev_attach_frontend(chr, &fe_ops, &fe, NULL));

    tty = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    g_assert_cmpint(tty, >=, 0);
    chardev_write(chr, "boot\n", 5);
    read_exact(tty, buf, 5);
    g_assert_cmpstr(buf, ==, "boot\n");
    g_assert_cmpint(write(tty, "key", 3), ==, 3);
    wait_rx(&fe, 3);
    g_assert_cmpmem(fe.rx->data, 3, "key", 3);
    close(tty);

    chardev_detach_frontend(chr);
    remove_ok("pty0");
    fe_clear(&fe);
}

/* ---- a device with a chardev property, as hw/ devices use it ---- */

typedef struct TestSerial {
    DeviceState parent_obj;
    Object *chr;
    TestFe fe;
} TestSerial;

static bool test_serial_realize(DeviceState *dev, GError **errp)
{
    TestSerial *ts = (TestSerial *)dev;

    if (!ts->chr) {
        return hull_error_setg(errp, "'chardev' is required");
    }
    return chardev_attach_frontend(CHARDEV(ts->chr), &fe_ops, &ts->fe, errp);
}

static void test_serial_unrealize(DeviceState *dev)
{
    chardev_detach_frontend(CHARDEV(((TestSerial *)dev)->chr));
}

static void test_serial_init(Object *obj)
{
    fe_init(&((TestSerial *)obj)->fe);
}

static void test_serial_finalize(Object *obj)
{
    fe_clear(&((TestSerial *)obj)->fe);
}

static void test_serial_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = test_serial_realize;
    dc->unrealize = test_serial_unrealize;
}

static const Property test_serial_props[] = {
    PROP_CHARDEV("chardev", TestSerial, chr, "the backend"),
    PROP_END,
};

static const TypeInfo test_serial_info = {
    .name = "test-serial",
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(TestSerial),
    .instance_init = test_serial_init,
    .instance_finalize = test_serial_finalize,
    .class_init = test_serial_class_init,
    .properties = test_serial_props,
};
TYPE_REGISTER(test_serial_info)

static void test_device_frontend(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(Object) dev = object_new("test-serial", NULL);
    TestSerial *ts = (TestSerial *)dev;
    Chardev *chr = add_ok(TYPE_CHARDEV_RINGBUF, "con", "{}");
    g_autofree char *out = NULL;

    g_assert_false(object_property_parse(dev, "chardev", "missing", &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    g_assert_true(object_property_parse(dev, "chardev", "con", NULL));
    g_assert_true(device_realize(DEVICE(dev), NULL));

    g_assert_true(chardev_ringbuf_write(chr, "in", CHARDEV_DATA_UTF8, NULL));
    g_assert_cmpmem(ts->fe.rx->data, ts->fe.rx->len, "in", 2);
    chardev_write(chr, "out", 3);
    out = chardev_ringbuf_read(chr, 10, CHARDEV_DATA_UTF8, NULL);
    g_assert_cmpstr(out, ==, "out");

    g_assert_false(chardev_remove("con", &err));
    g_clear_error(&err);
    device_unrealize(DEVICE(dev));
    /* The device's link still holds the object, but the id is free again; the closed
     * backend takes nothing and cannot be attached to. */
    remove_ok("con");
    chardev_write(chr, "late", 4);
    g_assert_cmpuint(chr->bytes_dropped, ==, 4);
    g_assert_false(device_realize(DEVICE(dev), &err));
    g_assert_nonnull(strstr(err->message, "is not open"));
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    /* hulld ignores SIGPIPE too; pipes are the one place MSG_NOSIGNAL cannot reach. */
    signal(SIGPIPE, SIG_IGN);
    g_test_add_func("/engine/chardev/lifecycle", test_lifecycle);
    g_test_add_func("/engine/chardev/ringbuf", test_ringbuf);
    g_test_add_func("/engine/chardev/ringbuf-input", test_ringbuf_input);
    g_test_add_func("/engine/chardev/file", test_file);
    g_test_add_func("/engine/chardev/socket-unix-server", test_socket_unix_server);
    g_test_add_func("/engine/chardev/socket-tcp-pair", test_socket_tcp_pair);
    g_test_add_func("/engine/chardev/socket-reconnect", test_socket_reconnect);
    g_test_add_func("/engine/chardev/socket-slow-reader", test_socket_slow_reader);
    g_test_add_func("/engine/chardev/fd", test_fd);
    g_test_add_func("/engine/chardev/pty", test_pty);
    g_test_add_func("/engine/chardev/device-frontend", test_device_frontend);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

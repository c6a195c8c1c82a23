/*
 * Unit tests for QMP monitor sessions over a socketpair: greeting, negotiation through the
 * real dispatcher, events from other threads, the output bound, fd passing.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "qapi/qapi-events.h"
#include "service/monitor.h"
#include "service/qmp-control.h"

typedef struct Peer {
    int fd;
    GString *in;
} Peer;

static void run_until(gboolean (*cond)(gpointer), gpointer data)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (!cond(data)) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, false);
        g_usleep(100);
    }
}

static Peer *peer_connect(void)
{
    int sv[2];
    Peer *p = g_new0(Peer, 1);

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), ==,
                    0);
    p->fd = sv[0];
    p->in = g_string_new(NULL);
    monitor_new(sv[1], "test");
    return p;
}

static void peer_free(Peer *p)
{
    close(p->fd);
    g_string_free(p->in, true);
    g_free(p);
}

static gboolean peer_has_line(gpointer data)
{
    Peer *p = data;
    char buf[4096];
    ssize_t n;

    while ((n = read(p->fd, buf, sizeof(buf))) > 0) {
        g_string_append_len(p->in, buf, n);
    }
    return strstr(p->in->str, "\r\n") != NULL;
}

/* The next line from hulld, parsed. */
static JsonNode *peer_recv(Peer *p)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    char *end;
    g_autofree char *line = NULL;

    run_until(peer_has_line, p);
    end = strstr(p->in->str, "\r\n");
    line = g_strndup(p->in->str, end - p->in->str);
    g_string_erase(p->in, 0, end - p->in->str + 2);
    g_assert_true(json_parser_load_from_data(parser, line, -1, NULL));
    return json_parser_steal_root(parser);
}

static void peer_send(Peer *p, const char *text)
{
    g_assert_cmpint(write(p->fd, text, strlen(text)), ==, (ssize_t)strlen(text));
}

static void assert_return(JsonNode *node)
{
    g_assert_true(json_object_has_member(json_node_get_object(node), "return"));
    json_node_unref(node);
}

static Peer *peer_negotiated(void)
{
    Peer *p = peer_connect();

    json_node_unref(peer_recv(p)); /* greeting */
    peer_send(p, "{\"execute\": \"qmp_capabilities\"}");
    assert_return(peer_recv(p));
    return p;
}

static void test_greeting(void)
{
    Peer *p = peer_connect();
    g_autoptr(JsonNode) g = peer_recv(p);
    JsonObject *qmp = json_object_get_object_member(json_node_get_object(g), "QMP");

    g_assert_nonnull(json_object_get_object_member(qmp, "version"));
    g_assert_cmpstr(json_array_get_string_element(
                        json_object_get_array_member(qmp, "capabilities"), 0), ==, "oob");
    peer_free(p);
}

static gpointer emit_from_thread(gpointer unused)
{
    qapi_event_send_shutdown(true, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    return NULL;
}

static void test_event_from_thread(void)
{
    Peer *negotiated = peer_negotiated();
    Peer *waiting = peer_connect();
    g_autoptr(JsonNode) ev = NULL;
    JsonObject *obj;
    GThread *t;

    json_node_unref(peer_recv(waiting));
    t = g_thread_new("emitter", emit_from_thread, NULL);
    g_thread_join(t);
    ev = peer_recv(negotiated);
    obj = json_node_get_object(ev);
    g_assert_cmpstr(json_object_get_string_member(obj, "event"), ==, "SHUTDOWN");
    g_assert_true(json_object_get_boolean_member(json_object_get_object_member(obj, "data"),
                                                 "guest"));
    g_assert_true(json_object_has_member(json_object_get_object_member(obj, "timestamp"),
                                         "microseconds"));
    /* The client still negotiating got nothing. */
    g_assert_false(peer_has_line(waiting));
    peer_free(negotiated);
    peer_free(waiting);
}

static gboolean count_is(gpointer data)
{
    return monitor_count() == GPOINTER_TO_UINT(data);
}

static void test_output_bound_disconnects(void)
{
    unsigned before = 0;
    Peer *slow = peer_negotiated();
    Peer *fine = peer_negotiated();

    /* ~120 bytes per event: well past 16 MiB, never read by slow. */
    for (int i = 0; i < 160000 && monitor_count() == before + 2; i++) {
        qapi_event_send_shutdown(false, SHUTDOWN_CAUSE_HOST_ERROR);
        if (i % 1000 == 0) {
            monitor_flush_events();
            while (peer_has_line(fine)) {
                g_string_truncate(fine->in, 0); /* fine reads everything */
            }
        }
    }
    monitor_flush_events();
    run_until(count_is, GUINT_TO_POINTER(before + 1));
    g_string_truncate(fine->in, 0);
    peer_send(fine, "{\"execute\": \"query-status\", \"id\": 1}");
    for (;;) {
        g_autoptr(JsonNode) n = peer_recv(fine);

        if (json_object_has_member(json_node_get_object(n), "id")) {
            break;
        }
    }
    peer_free(slow);
    peer_free(fine);
    run_until(count_is, GUINT_TO_POINTER(before));
}

static void test_getfd_over_scm_rights(void)
{
    Peer *p = peer_negotiated();
    const char *req = "{\"execute\": \"getfd\", \"arguments\": {\"fdname\": \"x\"}}";
    int pipefd[2];
    char cbuf[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {(void *)req, strlen(req)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

    g_assert_cmpint(pipe(pipefd), ==, 0);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pipefd[0], sizeof(int));
    g_assert_cmpint(sendmsg(p->fd, &msg, 0), ==, (ssize_t)strlen(req));
    assert_return(peer_recv(p));
    peer_send(p, "{\"execute\": \"closefd\", \"arguments\": {\"fdname\": \"x\"}}");
    assert_return(peer_recv(p));
    close(pipefd[0]);
    close(pipefd[1]);
    peer_free(p);
}

/* Lets sessions of earlier tests notice that their peers closed. */
static void settle(gconstpointer test)
{
    run_until(count_is, GUINT_TO_POINTER(0));
    ((void (*)(void))test)();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qmp_control_init();
    g_test_add_data_func("/monitor/greeting", test_greeting, settle);
    g_test_add_data_func("/monitor/event-from-thread", test_event_from_thread, settle);
    g_test_add_data_func("/monitor/output-bound", test_output_bound_disconnects, settle);
    g_test_add_data_func("/monitor/getfd", test_getfd_over_scm_rights, settle);
    return g_test_run();
}

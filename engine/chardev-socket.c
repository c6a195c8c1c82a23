/*
 * The socket chardev: a unix or TCP stream, as a server (one client at a time, never
 * waiting for it) or a client (optionally reconnecting every `reconnect` seconds).
 */
#include "engine/chardev-internal.h"

#include <errno.h>
#include <glib-unix.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/lock.h"
#include "util/error.h"
#include "util/log.h"

/* How long chardev-add may wait for a TCP server that does not answer. */
#define CHARDEV_SOCKET_CONNECT_TIMEOUT_MS 5000

typedef struct ChardevSocket {
    Chardev parent_obj;
    /* properties */
    char *path;
    char *host;
    char *port;
    bool server;
    bool wait;
    uint64_t reconnect;
    /* state */
    int listen_fd;
    GSource *listen_source;
    char *bound_path; /* the unix socket this chardev created, removed on close */
    guint reconnect_id;
    ChardevStream conn;
} ChardevSocket;

#define CHARDEV_SOCKET(obj) OBJECT_CHECK(ChardevSocket, (obj), TYPE_CHARDEV_SOCKET)

static void chardev_socket_listen_watch(ChardevSocket *s);

static const char *chardev_socket_describe(ChardevSocket *s, char *buf, size_t len)
{
    if (s->path) {
        g_snprintf(buf, len, "unix:%s", s->path);
    } else {
        g_snprintf(buf, len, "tcp:%s:%s", s->host ? s->host : "", s->port);
    }
    return buf;
}

static bool chardev_socket_unix_addr(const char *path, struct sockaddr_un *addr, GError **errp)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        return hull_error_setg(errp, "unix socket path '%s' is longer than %zu bytes", path,
                               sizeof(addr->sun_path) - 1);
    }
    strcpy(addr->sun_path, path);
    return true;
}

static struct addrinfo *chardev_socket_resolve(ChardevSocket *s, bool passive, GError **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(s->host && *s->host ? s->host : NULL, s->port, &hints, &res);

    if (rc != 0) {
        hull_error_setg(errp, "cannot resolve '%s:%s': %s", s->host ? s->host : "", s->port,
                        gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int chardev_socket_listen_unix(ChardevSocket *s, GError **errp)
{
    struct sockaddr_un addr;
    struct stat st;
    int fd;

    if (!chardev_socket_unix_addr(s->path, &addr, errp)) {
        return -1;
    }
    /* A stale socket from an earlier run is replaced; any other file is not. */
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(s->path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
        hull_error_setg_errno(errp, errno, "cannot listen on '%s'", s->path);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    s->bound_path = g_strdup(s->path);
    return fd;
}

/* Port 0 asks for any free port: the property then says which one we got. */
static void chardev_socket_update_port(ChardevSocket *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    in_port_t port;

    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        return;
    }
    port = ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                    : ((struct sockaddr_in *)&ss)->sin_port;
    g_free(s->port);
    s->port = g_strdup_printf("%u", ntohs(port));
}

static int chardev_socket_listen_tcp(ChardevSocket *s, GError **errp)
{
    struct addrinfo *res = chardev_socket_resolve(s, true, errp);
    int fd = -1, err = 0;

    if (!res) {
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int one = 1;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        hull_error_setg_errno(errp, err, "cannot listen on '%s:%s'", s->host ? s->host : "",
                              s->port);
        return -1;
    }
    chardev_socket_update_port(s, fd);
    return fd;
}

static int chardev_socket_connect_unix(ChardevSocket *s, GError **errp)
{
    struct sockaddr_un addr;
    int fd;

    if (!chardev_socket_unix_addr(s->path, &addr, errp)) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        hull_error_setg_errno(errp, errno, "cannot connect to '%s'", s->path);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* connect() with a bound on how long the main thread can wait for a remote host. */
static int chardev_socket_connect_timeout(int fd, const struct addrinfo *ai)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0;
    socklen_t len = sizeof(err);
    int rc;

    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS) {
        return errno;
    }
    do {
        rc = poll(&pfd, 1, CHARDEV_SOCKET_CONNECT_TIMEOUT_MS);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        return ETIMEDOUT;
    }
    if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        return errno;
    }
    return err;
}

static int chardev_socket_connect_tcp(ChardevSocket *s, GError **errp)
{
    struct addrinfo *res = chardev_socket_resolve(s, false, errp);
    int fd = -1, err = 0;

    if (!res) {
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        err = chardev_socket_connect_timeout(fd, ai);
        if (err == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        hull_error_setg_errno(errp, err, "cannot connect to '%s:%s'", s->host ? s->host : "",
                              s->port);
    }
    return fd;
}

static int chardev_socket_listen(ChardevSocket *s, GError **errp)
{
    return s->path ? chardev_socket_listen_unix(s, errp) : chardev_socket_listen_tcp(s, errp);
}

static int chardev_socket_connect(ChardevSocket *s, GError **errp)
{
    return s->path ? chardev_socket_connect_unix(s, errp) : chardev_socket_connect_tcp(s, errp);
}

static void chardev_socket_hup(Chardev *chr);

static void chardev_socket_connected(ChardevSocket *s, int fd)
{
    chardev_stream_start(&s->conn, CHARDEV(s), fd, true, chardev_socket_hup);
    chardev_be_event(CHARDEV(s), CHARDEV_EVENT_OPENED);
}

static gboolean chardev_socket_reconnect(gpointer opaque)
{
    ChardevSocket *s = opaque;
    bool taken = engine_lock_acquire_if_needed();
    int fd;

    fd = chardev_socket_connect(s, NULL);
    if (fd >= 0) {
        s->reconnect_id = 0;
        chardev_socket_connected(s, fd);
    }
    engine_lock_release_if_taken(taken);
    return fd >= 0 ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void chardev_socket_schedule_reconnect(ChardevSocket *s)
{
    if (!s->reconnect_id) {
        s->reconnect_id = g_timeout_add_seconds((guint)MIN(s->reconnect, G_MAXUINT),
                                                chardev_socket_reconnect, s);
    }
}

static void chardev_socket_hup(Chardev *chr)
{
    ChardevSocket *s = CHARDEV_SOCKET(chr);
    char where[160];

    hull_info("chardev", "%s: peer %s disconnected",
              chardev_get_id(chr) ? chardev_get_id(chr) : "?",
              chardev_socket_describe(s, where, sizeof(where)));
    chardev_be_event(chr, CHARDEV_EVENT_CLOSED);
    if (s->server) {
        chardev_socket_listen_watch(s);
    } else if (s->reconnect) {
        chardev_socket_schedule_reconnect(s);
    }
}

static gboolean chardev_socket_accept(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevSocket *s = opaque;
    bool taken = engine_lock_acquire_if_needed();
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (client < 0) {
        engine_lock_release_if_taken(taken);
        return G_SOURCE_CONTINUE;
    }
    /* One client at a time: others wait in the backlog until this one leaves. */
    g_clear_pointer(&s->listen_source, g_source_unref);
    chardev_socket_connected(s, client);
    engine_lock_release_if_taken(taken);
    return G_SOURCE_REMOVE;
}

static void chardev_socket_listen_watch(ChardevSocket *s)
{
    if (s->listen_source || s->listen_fd < 0) {
        return;
    }
    s->listen_source = g_unix_fd_source_new(s->listen_fd, G_IO_IN);
    g_source_set_callback(s->listen_source, G_SOURCE_FUNC(chardev_socket_accept), s, NULL);
    g_source_attach(s->listen_source, NULL);
}

static bool chardev_socket_open(Chardev *chr, GError **errp)
{
    ChardevSocket *s = CHARDEV_SOCKET(chr);
    bool is_tcp = s->host || s->port;
    g_autoptr(GError) err = NULL;
    int fd;

    if (!!s->path == is_tcp) {
        return hull_error_setg(errp, "a socket chardev needs either 'path' (unix) or 'host' "
                               "and 'port' (tcp)");
    }
    if (is_tcp && (!s->port || !*s->port)) {
        return hull_error_setg(errp, "a tcp socket chardev needs a 'port'");
    }
    if (s->path && !*s->path) {
        return hull_error_setg(errp, "'path' must not be empty");
    }
    if (s->wait) {
        return hull_error_setg(errp, "'wait' is not supported: the server never blocks the "
                               "machine waiting for a client");
    }
    if (s->server && s->reconnect) {
        return hull_error_setg(errp, "'reconnect' applies to clients only");
    }
    if (s->server) {
        s->listen_fd = chardev_socket_listen(s, errp);
        if (s->listen_fd < 0) {
            return false;
        }
        chardev_socket_listen_watch(s);
        return true;
    }
    fd = chardev_socket_connect(s, &err);
    if (fd >= 0) {
        chardev_socket_connected(s, fd);
        return true;
    }
    if (!s->reconnect) {
        g_propagate_error(errp, g_steal_pointer(&err));
        return false;
    }
    hull_warn("chardev", "%s; retrying every %" G_GUINT64_FORMAT " s", err->message,
              s->reconnect);
    chardev_socket_schedule_reconnect(s);
    return true;
}

static void chardev_socket_close(Chardev *chr)
{
    ChardevSocket *s = CHARDEV_SOCKET(chr);

    if (chardev_stream_active(&s->conn)) {
        chardev_stream_stop(&s->conn);
        chardev_be_event(chr, CHARDEV_EVENT_CLOSED);
    }
    if (s->listen_source) {
        g_source_destroy(s->listen_source);
        g_clear_pointer(&s->listen_source, g_source_unref);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->bound_path) {
        unlink(s->bound_path);
        g_clear_pointer(&s->bound_path, g_free);
    }
    if (s->reconnect_id) {
        g_source_remove(s->reconnect_id);
        s->reconnect_id = 0;
    }
}

static size_t chardev_socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return chardev_stream_write(&CHARDEV_SOCKET(chr)->conn, buf, len);
}

static void chardev_socket_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&CHARDEV_SOCKET(chr)->conn);
}

/* QEMU's notation: "disconnected:" while no peer is there, the TCP peer after " <-> ". */
static char *chardev_socket_filename(Chardev *chr)
{
    ChardevSocket *s = CHARDEV_SOCKET(chr);
    bool connected = chardev_stream_active(&s->conn);
    g_autoptr(GString) text = g_string_new(connected ? "" : "disconnected:");
    char buf[512];

    g_string_append(text, chardev_socket_describe(s, buf, sizeof(buf)));
    if (s->server) {
        g_string_append(text, ",server=on");
    }
    if (connected && !s->path) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        char host[NI_MAXHOST], serv[NI_MAXSERV];

        if (getpeername(s->conn.fd, (struct sockaddr *)&peer, &len) == 0 &&
            getnameinfo((struct sockaddr *)&peer, len, host, sizeof(host), serv, sizeof(serv),
                        NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
            g_string_append_printf(text, " <-> %s:%s", host, serv);
        }
    }
    return g_string_free(g_steal_pointer(&text), false);
}

static void chardev_socket_init(Object *obj)
{
    ChardevSocket *s = CHARDEV_SOCKET(obj);

    s->listen_fd = -1;
    s->conn.fd = -1;
}

static void chardev_socket_class_init(ObjectClass *klass)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->open = chardev_socket_open;
    cc->close = chardev_socket_close;
    cc->write = chardev_socket_write;
    cc->accept_input = chardev_socket_accept_input;
    cc->filename = chardev_socket_filename;
}

static const Property chardev_socket_props[] = {
    PROP_STR("path", ChardevSocket, path, NULL, "unix socket path"),
    PROP_STR("host", ChardevSocket, host, NULL, "tcp host (server: address to bind)"),
    PROP_STR("port", ChardevSocket, port, NULL, "tcp port (server: 0 picks a free one)"),
    PROP_BOOL("server", ChardevSocket, server, false, "listen instead of connecting"),
    PROP_BOOL("wait", ChardevSocket, wait, false, "must be false: never wait for a client"),
    PROP_UINT("reconnect", ChardevSocket, reconnect, 0,
              "client: seconds between reconnection attempts (0: none)"),
    PROP_END,
};

static const TypeInfo chardev_socket_info = {
    .name = TYPE_CHARDEV_SOCKET,
    .parent = TYPE_CHARDEV,
    .description = "a unix or tcp stream socket, server or client",
    .instance_size = sizeof(ChardevSocket),
    .instance_init = chardev_socket_init,
    .class_init = chardev_socket_class_init,
    .properties = chardev_socket_props,
};
TYPE_REGISTER(chardev_socket_info)

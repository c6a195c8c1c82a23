/*
 * QMP listeners: creating, adopting and accepting on unix and TCP stream sockets.
 */
#include "service/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "service/monitor.h"
#include "util/error.h"
#include "util/log.h"

/* How long a listener rests after accept() failed for lack of resources. */
#define SERVER_ACCEPT_RETRY_MS 100u
/* Beyond this many clients new connections are refused (closed at once), with a log line. */
#define SERVER_MAX_CLIENTS 1024u

typedef struct Listener {
    int fd;
    char *name;      /* for logs: "unix:/run/hull/x.qmp", "tcp:127.0.0.1:4444", "fd:3" */
    char *unix_path; /* socket file to remove at exit, when we created it */
    dev_t dev;       /* ... and its identity, so we never remove someone else's */
    ino_t ino;
    guint source_id;
} Listener;

/* The process's listeners: set up at start-up, torn down at exit. */
static GPtrArray *listeners;

static void peer_describe(const Listener *l, const struct sockaddr_storage *ss, socklen_t len,
                          char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        g_snprintf(buf, size, "tcp:%s:%u via %s", host, ntohs(in->sin_port), l->name);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        g_snprintf(buf, size, "tcp:[%s]:%u via %s", host, ntohs(in6->sin6_port), l->name);
    } else {
        g_snprintf(buf, size, "%s", l->name);
    }
}

static gboolean listener_accept(int fd, GIOCondition cond, gpointer opaque);

static gboolean listener_resume(gpointer opaque)
{
    Listener *l = opaque;

    l->source_id = g_unix_fd_add(l->fd, G_IO_IN, listener_accept, l);
    return G_SOURCE_REMOVE;
}

static gboolean listener_accept(int fd, GIOCondition cond, gpointer opaque)
{
    Listener *l = opaque;

    /* Take every pending connection: one wake-up may stand for many clients. */
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char peer[160];
        int client = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            /* Out of descriptors or memory: the client waits in the backlog. Pause this
             * listener instead of spinning on a socket that stays readable. */
            hull_warn("qmp", "%s: accept failed: %s; pausing it for %u ms", l->name,
                      g_strerror(errno), SERVER_ACCEPT_RETRY_MS);
            l->source_id = g_timeout_add(SERVER_ACCEPT_RETRY_MS, listener_resume, l);
            return G_SOURCE_REMOVE;
        }
        if (monitor_count() >= SERVER_MAX_CLIENTS) {
            hull_warn("qmp", "%s: %u clients connected already, refusing another", l->name,
                      SERVER_MAX_CLIENTS);
            close(client);
            continue;
        }
        peer_describe(l, &ss, len, peer, sizeof(peer));
        monitor_new(client, peer);
    }
    return G_SOURCE_CONTINUE;
}

static void server_add(int fd, const char *name, const char *unix_path)
{
    Listener *l = g_new0(Listener, 1);
    struct stat st;

    l->fd = fd;
    l->name = g_strdup(name);
    if (unix_path && stat(unix_path, &st) == 0) {
        l->unix_path = g_strdup(unix_path);
        l->dev = st.st_dev;
        l->ino = st.st_ino;
    }
    g_unix_set_fd_nonblocking(fd, true, NULL);
    l->source_id = g_unix_fd_add(fd, G_IO_IN, listener_accept, l);
    if (!listeners) {
        listeners = g_ptr_array_new();
    }
    g_ptr_array_add(listeners, l);
    hull_info("qmp", "listening on %s", name);
}

unsigned server_listener_count(void)
{
    return listeners ? listeners->len : 0;
}

/* A socket file nobody accepts on is what a crashed hulld leaves behind. */
static bool unix_socket_is_stale(const char *path, GError **errp)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd;
    int rc;

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return hull_error_setg_errno(errp, errno, "socket");
    }
    rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
    close(fd);
    if (rc == 0) {
        return hull_error_setg(errp, "'%s' is in use: another process listens on it", path);
    }
    if (errno != ECONNREFUSED) {
        return hull_error_setg_errno(errp, errno, "'%s' exists and cannot be checked", path);
    }
    return true;
}

bool server_listen_unix(const char *path, GError **errp)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    g_autofree char *name = g_strdup_printf("unix:%s", path);
    struct stat st;
    mode_t old_mask;
    int fd;
    int rc;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        return hull_error_setg(errp, "socket path '%s' is too long (at most %zu bytes)", path,
                               sizeof(sun.sun_path) - 1);
    }
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return hull_error_setg(errp, "'%s' exists and is not a socket", path);
        }
        if (!unix_socket_is_stale(path, errp)) {
            return false;
        }
        hull_info("qmp", "replacing stale socket %s", path);
        if (unlink(path) < 0 && errno != ENOENT) {
            return hull_error_setg_errno(errp, errno, "could not remove stale socket '%s'", path);
        }
    }
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return hull_error_setg_errno(errp, errno, "socket");
    }
    /* The file is created by bind(): make it 0600 from the start, never wider. */
    old_mask = umask(0177);
    rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
    umask(old_mask);
    if (rc < 0) {
        int err = errno;

        close(fd);
        return hull_error_setg_errno(errp, err, "could not bind '%s'", path);
    }
    if (listen(fd, 64) < 0) {
        int err = errno;

        close(fd);
        unlink(path);
        return hull_error_setg_errno(errp, err, "could not listen on '%s'", path);
    }
    server_add(fd, name, path);
    return true;
}

static bool address_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

        if (IN6_IS_ADDR_LOOPBACK(a)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

static bool split_host_port(const char *spec, char **host, char **port, GError **errp)
{
    const char *colon;

    if (spec[0] == '[') {
        const char *close_bracket = strchr(spec, ']');

        if (!close_bracket || close_bracket[1] != ':') {
            return hull_error_setg(errp, "'%s' is not [HOST]:PORT", spec);
        }
        *host = g_strndup(spec + 1, (gsize)(close_bracket - spec - 1));
        *port = g_strdup(close_bracket + 2);
    } else {
        colon = strrchr(spec, ':');
        if (!colon) {
            return hull_error_setg(errp, "'%s' is not HOST:PORT", spec);
        }
        *host = g_strndup(spec, (gsize)(colon - spec));
        *port = g_strdup(colon + 1);
    }
    if (!**host || !**port) {
        g_clear_pointer(host, g_free);
        g_clear_pointer(port, g_free);
        return hull_error_setg(errp, "'%s' is not HOST:PORT", spec);
    }
    return true;
}

bool server_listen_tcp(const char *spec, bool allow_remote, GError **errp)
{
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc;
    bool ok = false;

    if (!split_host_port(spec, &host, &port, errp)) {
        return false;
    }
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        return hull_error_setg(errp, "cannot resolve '%s': %s", spec, gai_strerror(rc));
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (!allow_remote && !address_is_loopback(ai->ai_addr)) {
            freeaddrinfo(res);
            return hull_error_setg(errp, "refusing to listen on non-loopback address '%s': QMP "
                                         "has no authentication (--tcp-allow-remote overrides)",
                                   spec);
        }
    }
    for (struct addrinfo *ai = res; ai && !ok; ai = ai->ai_next) {
        int one = 1;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        char name[128];

        if (fd < 0) {
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
            int err = errno;

            close(fd);
            if (!ai->ai_next) {
                freeaddrinfo(res);
                return hull_error_setg_errno(errp, err, "could not listen on '%s'", spec);
            }
            continue;
        }
        g_snprintf(name, sizeof(name), "tcp:%s", spec);
        server_add(fd, name, NULL);
        ok = true;
    }
    freeaddrinfo(res);
    if (!ok) {
        return hull_error_setg(errp, "could not listen on '%s'", spec);
    }
    return true;
}

bool server_listen_fd(int fd, const char *name, GError **errp)
{
    int accepting = 0, type = 0;
    socklen_t len = sizeof(accepting);
    g_autofree char *label = g_strdup_printf("fd:%d%s%s", fd, name ? ":" : "", name ? name : "");

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0) {
        return hull_error_setg_errno(errp, errno, "descriptor %d (%s) is not a socket", fd,
                                     name ? name : "unnamed");
    }
    len = sizeof(type);
    if (!accepting || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
        type != SOCK_STREAM) {
        return hull_error_setg(errp, "descriptor %d (%s) is not a listening stream socket", fd,
                               name ? name : "unnamed");
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    server_add(fd, label, NULL);
    return true;
}

void server_shutdown(void)
{
    if (!listeners) {
        return;
    }
    for (guint i = 0; i < listeners->len; i++) {
        Listener *l = g_ptr_array_index(listeners, i);
        struct stat st;

        g_source_remove(l->source_id);
        /* Remove the file only if it is still the socket we bound. */
        if (l->unix_path && stat(l->unix_path, &st) == 0 && st.st_dev == l->dev &&
            st.st_ino == l->ino) {
            unlink(l->unix_path);
        }
        close(l->fd);
        g_free(l->name);
        g_free(l->unix_path);
        g_free(l);
    }
    g_ptr_array_free(listeners, true);
    listeners = NULL;
}

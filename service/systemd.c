/*
 * systemd integration: socket activation (sd_listen_fds_with_names), sd_notify, the watchdog
 * and journal logging. Without libsystemd, activation and notification are done by hand from
 * the documented environment protocol; the journal falls back to stderr.
 */
#include "service/systemd.h"

#include "config-host.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef CONFIG_SYSTEMD
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

#include "service/server.h"
#include "util/error.h"
#include "util/log.h"

#define LISTEN_FDS_START 3

/* Set once at start-up: whether the process was socket activated. */
static bool socket_activated;

#ifdef CONFIG_SYSTEMD

static int listen_fds_with_names(char ***names)
{
    return sd_listen_fds_with_names(1, names);
}

static void notify(const char *state)
{
    sd_notify(0, state);
}

#else

/* The protocol of sd_listen_fds(3): LISTEN_PID must be us; fds start at 3. */
static int listen_fds_with_names(char ***names)
{
    const char *pid_s = g_getenv("LISTEN_PID");
    const char *fds_s = g_getenv("LISTEN_FDS");
    const char *names_s = g_getenv("LISTEN_FDNAMES");
    guint64 pid, n;

    *names = NULL;
    if (!pid_s || !fds_s ||
        !g_ascii_string_to_unsigned(pid_s, 10, 1, G_MAXINT, &pid, NULL) ||
        (pid_t)pid != getpid() || !g_ascii_string_to_unsigned(fds_s, 10, 0, 4096, &n, NULL)) {
        return 0;
    }
    if (names_s) {
        *names = g_strsplit(names_s, ":", -1);
    }
    g_unsetenv("LISTEN_PID");
    g_unsetenv("LISTEN_FDS");
    g_unsetenv("LISTEN_FDNAMES");
    return (int)n;
}

/* The protocol of sd_notify(3): one datagram to $NOTIFY_SOCKET ('@' is abstract). */
static void notify(const char *state)
{
    const char *path = g_getenv("NOTIFY_SOCKET");
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    socklen_t len;
    int fd;

    if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sun.sun_path)) {
        return;
    }
    memcpy(sun.sun_path, path, strlen(path));
    if (path[0] == '@') {
        sun.sun_path[0] = '\0';
    }
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
    close(fd);
}

#endif

int systemd_adopt_listeners(GError **errp)
{
    char **names = NULL;
    int n = listen_fds_with_names(&names);

    if (n < 0) {
        g_strfreev(names);
        hull_error_setg_errno(errp, -n, "socket activation");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int fd = LISTEN_FDS_START + i;
        const char *name = names && i < (int)g_strv_length(names) ? names[i] : NULL;

        if (!server_listen_fd(fd, name, errp)) {
            g_prefix_error(errp, "socket activation: ");
            g_strfreev(names);
            return -1;
        }
        hull_info("systemd", "socket-activated listener fd %d, name '%s'", fd,
                  name ? name : "unknown");
    }
    g_strfreev(names);
    if (n > 0) {
        socket_activated = true;
    }
    return n;
}

void systemd_notify_ready(void)
{
    notify("READY=1");
}

void systemd_notify_status(const char *status)
{
    g_autofree char *msg = g_strdup_printf("STATUS=%s", status);

    notify(msg);
}

void systemd_notify_stopping(void)
{
    notify("STOPPING=1");
}

static gboolean watchdog_ping(gpointer unused)
{
    notify("WATCHDOG=1");
    return G_SOURCE_CONTINUE;
}

void systemd_start_watchdog(void)
{
    const char *usec_s = g_getenv("WATCHDOG_USEC");
    const char *pid_s = g_getenv("WATCHDOG_PID");
    guint64 usec, pid;

    if (!usec_s || !g_ascii_string_to_unsigned(usec_s, 10, 1, G_MAXUINT64, &usec, NULL)) {
        return;
    }
    if (pid_s && (!g_ascii_string_to_unsigned(pid_s, 10, 1, G_MAXINT, &pid, NULL) ||
                  (pid_t)pid != getpid())) {
        return;
    }
    /* Ping at half the interval, as sd_watchdog_enabled(3) recommends. */
    g_timeout_add(MAX(usec / 2000, 1), watchdog_ping, NULL);
    notify("WATCHDOG=1");
    hull_info("systemd", "watchdog enabled, pinging every %" G_GUINT64_FORMAT " ms",
              MAX(usec / 2000, 1));
}

bool systemd_journal_wanted(void)
{
    const char *stream = g_getenv("JOURNAL_STREAM");
    guint64 dev, ino;
    struct stat st;
    char **parts;
    bool match = false;

    /* Only when journald is there to listen: elsewhere stderr is the better sink. */
    if (access("/run/systemd/journal/socket", W_OK) < 0) {
        return false;
    }
    if (socket_activated) {
        return true;
    }
    if (!stream || fstat(STDERR_FILENO, &st) < 0) {
        return false;
    }
    parts = g_strsplit(stream, ":", 2);
    if (g_strv_length(parts) == 2 &&
        g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT64, &dev, NULL) &&
        g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT64, &ino, NULL)) {
        match = st.st_dev == dev && st.st_ino == ino;
    }
    g_strfreev(parts);
    return match;
}

#ifdef CONFIG_SYSTEMD

static void journal_sink(HullLogLevel level, const char *component, const char *message,
                         void *opaque)
{
    static const int priorities[] = {
        [HULL_LOG_ERROR] = LOG_ERR,
        [HULL_LOG_WARNING] = LOG_WARNING,
        [HULL_LOG_INFO] = LOG_INFO,
        [HULL_LOG_DEBUG] = LOG_DEBUG,
    };

    sd_journal_send("MESSAGE=%s%s%s", component ? component : "", component ? ": " : "",
                    message, "PRIORITY=%d", priorities[level], "HULL_COMPONENT=%s",
                    component ? component : "", "SYSLOG_IDENTIFIER=hulld", NULL);
}

void systemd_install_journal_log(void)
{
    hull_log_set_sink(journal_sink, NULL);
}

#else

void systemd_install_journal_log(void)
{
    /* Built without libsystemd: stderr, which systemd forwards to the journal anyway. */
}

#endif

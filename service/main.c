/*
 * hulld: process entry point. The command line says where to listen, how to log and whether
 * to sandbox; nothing about machines is accepted here (machines are built over QMP).
 */
#include "config-host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "engine/block.h"
#include "engine/lock.h"
#include "engine/machine-internal.h"
#include "engine/phase.h"
#include "service/daemon.h"
#include "service/monitor.h"
#include "service/qmp-control.h"
#include "service/sandbox.h"
#include "service/server.h"
#include "service/systemd.h"
#include "util/error.h"
#include "util/log.h"

typedef struct Options {
    gboolean version;
    char **sockets;
    char *tcp;
    gboolean tcp_allow_remote;
    char **fds;
    char *pidfile;
    char *sandbox;
    char *log_level;
    char *name;
} Options;

static void options_clear(Options *o)
{
    g_strfreev(o->sockets);
    g_free(o->tcp);
    g_strfreev(o->fds);
    g_free(o->pidfile);
    g_free(o->sandbox);
    g_free(o->log_level);
    g_free(o->name);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static bool parse_options(Options *o, int *argc, char ***argv, GError **errp)
{
    const GOptionEntry entries[] = {
        {"socket", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->sockets,
         "Listen for QMP clients on a unix socket at PATH (mode 0600; repeatable)", "PATH"},
        {"tcp", 0, 0, G_OPTION_ARG_STRING, &o->tcp,
         "Listen for QMP clients on TCP HOST:PORT (loopback only unless --tcp-allow-remote)",
         "HOST:PORT"},
        {"tcp-allow-remote", 0, 0, G_OPTION_ARG_NONE, &o->tcp_allow_remote,
         "Allow --tcp on a non-loopback address (QMP has no authentication)", NULL},
        {"fd", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->fds,
         "Listen on an inherited listening socket, descriptor N (repeatable)", "N[:NAME]"},
        {"pidfile", 0, 0, G_OPTION_ARG_FILENAME, &o->pidfile,
         "Write the process id to PATH (removed on exit)", "PATH"},
        {"sandbox", 0, 0, G_OPTION_ARG_STRING, &o->sandbox,
         "seccomp sandbox after start-up: on (default when built with seccomp) or off", "on|off"},
        {"log-level", 0, 0, G_OPTION_ARG_STRING, &o->log_level,
         "Log level: error, warning, info, debug (default: info)", "LEVEL"},
        {"name", 0, 0, G_OPTION_ARG_STRING, &o->name,
         "A name for this instance, used in logs and the process title", "NAME"},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- Hull QMP virtualization service");

    g_option_context_set_summary(ctx, "hulld starts with no machine; QMP clients create and "
                                      "drive it. Give at least one listener, or start hulld "
                                      "through systemd socket activation.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, errp)) {
        return false;
    }
    if (*argc > 1) {
        return hull_error_setg(errp, "unexpected argument '%s'", (*argv)[1]);
    }
    return true;
}

static bool parse_fd_option(const char *spec, int *fd, char **name, GError **errp)
{
    g_auto(GStrv) parts = g_strsplit(spec, ":", 2);
    guint64 n;

    if (!g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXINT, &n, NULL)) {
        return hull_error_setg(errp, "--fd %s: expected a descriptor number", spec);
    }
    *fd = (int)n;
    *name = parts[1] ? g_strdup(parts[1]) : NULL;
    return true;
}

static bool setup_listeners(const Options *o, GError **errp)
{
    int activated = systemd_adopt_listeners(errp);

    if (activated < 0) {
        return false;
    }
    for (char **p = o->sockets; p && *p; p++) {
        if (!server_listen_unix(*p, errp)) {
            return false;
        }
    }
    if (o->tcp && !server_listen_tcp(o->tcp, o->tcp_allow_remote, errp)) {
        return false;
    }
    for (char **p = o->fds; p && *p; p++) {
        g_autofree char *name = NULL;
        int fd = -1;

        if (!parse_fd_option(*p, &fd, &name, errp) || !server_listen_fd(fd, name, errp)) {
            return false;
        }
    }
    if (server_listener_count() == 0) {
        return hull_error_setg(errp, "no QMP listener: give --socket PATH, --tcp HOST:PORT or "
                                     "--fd N (or start hulld through systemd socket "
                                     "activation)");
    }
    return true;
}

static bool write_pidfile(const char *path, GError **errp)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());

    if (!g_file_set_contents(path, text, -1, errp)) {
        g_prefix_error(errp, "--pidfile: ");
        return false;
    }
    return true;
}

static gboolean on_terminate_signal(gpointer unused)
{
    daemon_request_exit(SHUTDOWN_CAUSE_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

static void phase_to_systemd_status(MachinePhase old_phase, MachinePhase new_phase, void *opaque)
{
    g_autofree char *status = g_strdup_printf("machine: %s", machine_phase_name(new_phase));

    systemd_notify_status(status);
}

/*
 * Test hook for the sandbox (tests/qmp/test_process.py): with HULL_TEST_SANDBOX_PROBE=fork
 * hulld tries fork() once the filter is on and logs the outcome; with =exec it tries execve,
 * which the filter answers by killing the process. It exercises only what the filter denies
 * anyway, so it is harmless to leave in a production binary.
 */
static void sandbox_probe(void)
{
    const char *probe = g_getenv("HULL_TEST_SANDBOX_PROBE");

    if (!probe) {
        return;
    }
    if (g_str_equal(probe, "fork")) {
        pid_t pid = fork();

        if (pid == 0) {
            _exit(0);
        }
        if (pid > 0) {
            waitpid(pid, NULL, 0);
            hull_warn("sandbox", "probe: fork() succeeded");
        } else {
            hull_info("sandbox", "probe: fork() denied: %s", g_strerror(errno));
        }
    } else if (g_str_equal(probe, "exec")) {
        char *const argv[] = {(char *)"/bin/true", NULL};

        hull_info("sandbox", "probe: trying execve()");
        execve(argv[0], argv, environ);
        hull_warn("sandbox", "probe: execve() returned: %s", g_strerror(errno));
    }
}

static bool setup_sandbox(const Options *o, GError **errp)
{
    bool want = sandbox_available();

    if (o->sandbox) {
        if (g_str_equal(o->sandbox, "on")) {
            want = true;
        } else if (g_str_equal(o->sandbox, "off")) {
            want = false;
        } else {
            return hull_error_setg(errp, "--sandbox: expected 'on' or 'off', not '%s'",
                                   o->sandbox);
        }
    } else if (!want) {
        hull_warn("sandbox", "built without seccomp: running without a sandbox");
    }
    if (!want) {
        return true;
    }
    return sandbox_apply(errp);
}

int main(int argc, char **argv)
{
    g_auto(Options) opts = {0};
    g_autoptr(GError) err = NULL;

    if (!parse_options(&opts, &argc, &argv, &err)) {
        fprintf(stderr, "hulld: %s\n", err->message);
        return EXIT_FAILURE;
    }
    if (opts.version) {
        printf("hulld %s\n", HULL_VERSION);
        return EXIT_SUCCESS;
    }
    if (opts.log_level) {
        HullLogLevel level;

        if (!hull_log_level_parse(opts.log_level, &level)) {
            fprintf(stderr, "hulld: unknown log level '%s' (error, warning, info, debug)\n",
                    opts.log_level);
            return EXIT_FAILURE;
        }
        hull_log_set_level(level);
    }
    if (opts.name) {
        g_set_prgname(opts.name);
    }
    /* A client that vanishes must cost an EPIPE, not the process. */
    signal(SIGPIPE, SIG_IGN);

    qmp_control_init();
    machine_init(NULL);
    /* Before the first listener: a signal that comes while starting up is handled once the
     * loop runs, instead of killing hulld with its socket and pidfile left behind. */
    g_unix_signal_add(SIGTERM, on_terminate_signal, NULL);
    g_unix_signal_add(SIGINT, on_terminate_signal, NULL);
    g_unix_signal_add(SIGHUP, on_terminate_signal, NULL);
    if (!setup_listeners(&opts, &err)) {
        fprintf(stderr, "hulld: %s\n", err->message);
        server_shutdown();
        return EXIT_FAILURE;
    }
    if (systemd_journal_wanted()) {
        systemd_install_journal_log();
    }
    if (opts.pidfile && !write_pidfile(opts.pidfile, &err)) {
        hull_error("main", "%s", err->message);
        server_shutdown();
        return EXIT_FAILURE;
    }
    if (!setup_sandbox(&opts, &err)) {
        hull_error("main", "%s", err->message);
        server_shutdown();
        if (opts.pidfile) {
            unlink(opts.pidfile);
        }
        return EXIT_FAILURE;
    }
    sandbox_probe();

    machine_phase_add_listener(phase_to_systemd_status, NULL);
    systemd_notify_status("machine: no-machine");
    systemd_notify_ready();
    systemd_start_watchdog();
    hull_info("main", "hulld %s ready%s%s", HULL_VERSION, opts.name ? ", instance " : "",
              opts.name ? opts.name : "");

    daemon_run();

    systemd_notify_stopping();
    /* The machine goes first (vCPUs joined, devices gone), then block nodes are drained
     * and flushed: nothing a guest wrote is lost on quit or SIGTERM. */
    engine_lock();
    machine_destroy();
    blockdev_close_all();
    engine_unlock();
    monitor_close_all(1000);
    server_shutdown();
    if (opts.pidfile) {
        unlink(opts.pidfile);
    }
    hull_info("main", "hulld exited");
    return EXIT_SUCCESS;
}

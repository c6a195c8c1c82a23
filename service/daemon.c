/*
 * hulld's process lifecycle: the main loop, and an orderly exit that still delivers the
 * reply to 'quit' and the SHUTDOWN event.
 */
#include "service/daemon.h"

#include <glib.h>

#include "qapi/qapi-events.h"
#include "util/log.h"

/* The process's one main loop, created by daemon_run(). */
static GMainLoop *main_loop;
static bool exit_requested;

static gboolean daemon_stop_loop(gpointer unused)
{
    if (main_loop) {
        g_main_loop_quit(main_loop);
    }
    return G_SOURCE_REMOVE;
}

void daemon_run(void)
{
    main_loop = g_main_loop_new(NULL, false);
    if (!exit_requested) {
        g_main_loop_run(main_loop);
    }
    g_main_loop_unref(main_loop);
    main_loop = NULL;
}

void daemon_request_exit(ShutdownCause cause)
{
    if (exit_requested) {
        return;
    }
    exit_requested = true;
    hull_info("main", "exiting (%s)", ShutdownCause_str(cause));
    qapi_event_send_shutdown(false, cause);
    /* Low priority: the reply being written and the event queue go out first. */
    g_idle_add_full(G_PRIORITY_LOW, daemon_stop_loop, NULL, NULL);
}

bool daemon_exit_requested(void)
{
    return exit_requested;
}

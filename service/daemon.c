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
    /* The loop ends after the current dispatch (the reply to 'quit' is written by then);
     * main() then writes the queued events and pending output before closing. Clients that
     * keep sending cannot hold the exit back. */
    if (main_loop) {
        g_main_loop_quit(main_loop);
    }
}

bool daemon_exit_requested(void)
{
    return exit_requested;
}

/*
 * hulld: process entry point. Parses where to listen and how to log; nothing about
 * machines is accepted here (machines are built over QMP).
 */
#include "config-host.h"

#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "util/log.h"

static gboolean opt_version;
static char **opt_sockets;
static char *opt_log_level;

static const GOptionEntry entries[] = {
    {"socket", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_sockets,
     "Listen for QMP clients on a unix socket at PATH (repeatable)", "PATH"},
    {"log-level", 0, 0, G_OPTION_ARG_STRING, &opt_log_level,
     "Log level: error, warning, info, debug (default: info)", "LEVEL"},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL},
    {NULL},
};

int main(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("- Hull QMP virtualization service");
    g_autoptr(GError) err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "hulld: %s\n", err->message);
        return EXIT_FAILURE;
    }
    if (opt_version) {
        printf("hulld %s\n", HULL_VERSION);
        return EXIT_SUCCESS;
    }
    if (opt_log_level) {
        HullLogLevel level;

        if (!hull_log_level_parse(opt_log_level, &level)) {
            fprintf(stderr, "hulld: unknown log level '%s'\n", opt_log_level);
            return EXIT_FAILURE;
        }
        hull_log_set_level(level);
    }
    if (!opt_sockets) {
        fprintf(stderr, "hulld: no QMP listener: give --socket PATH (or start hulld through "
                        "systemd socket activation)\n");
        return EXIT_FAILURE;
    }
    hull_error("main", "the QMP server is not built yet");
    return EXIT_FAILURE;
}

/*
 * Example of libhull-client (docs/clients.md): prints hulld's version and phase, then, with
 * --quit, asks it to exit and waits for the SHUTDOWN event.
 *   cc example.c $(pkg-config --cflags --libs hull-client)
 */
#include <hull-client.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void on_shutdown(HullClient *client, const HullShutdownData *data,
                        const HullTimestamp *timestamp, gpointer opaque)
{
    printf("SHUTDOWN (reason %s)\n", ShutdownCause_str(data->reason));
    g_main_loop_quit(opaque);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VersionInfo) version = NULL;
    g_autoptr(StatusInfo) status = NULL;

    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET [--quit]\n", argv[0]);
        return 2;
    }
    g_autoptr(HullClient) client = hull_client_connect(argv[1], &err);
    if (!client) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    if (!hull_query_version(client, &version, &err) ||
        !hull_query_status(client, &status, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    printf("%s (%" PRId64 ".%" PRId64 "), phase %s\n", version->package,
           version->qemu->major, version->qemu->minor, MachinePhase_str(status->status));

    if (argc > 2 && strcmp(argv[2], "--quit") == 0) {
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);

        hull_on_shutdown(client, on_shutdown, loop);
        if (!hull_quit(client, &err)) {
            fprintf(stderr, "%s\n", err->message);
            return 1;
        }
        g_main_loop_run(loop);
    }
    return 0;
}

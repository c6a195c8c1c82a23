/*
 * Benchmark: throughput of the generated input visitor (JsonNode -> C) and output visitor
 * on a ~1 MiB argument object of nested structs, unions, lists and strings, plus a full
 * qmp_dispatch of the same object. Prints MB/s of JSON text per CPU second; asserts
 * nothing about time.
 */
#include "test-qapi-impl.h"

#include <stdio.h>
#include <time.h>

/* A Device tree: `width` children per level, `depth` levels, each with a file backend. */
static void append_device(GString *out, int depth, int width, int *serial)
{
    g_string_append_printf(out, "{\"id\": \"device-%06d-with-a-longish-name\", "
                           "\"backend\": {\"kind\": \"file\", \"label\": \"disk %d\", "
                           "\"path\": \"/var/lib/hull/images/disk-%06d.qcow2\", "
                           "\"size\": %d}, \"alt\": %d, \"complex\": [1, 2, 3]",
                           *serial, *serial, *serial, *serial * 4096, *serial);
    (*serial)++;
    if (depth > 0) {
        g_string_append(out, ", \"children\": [");
        for (int i = 0; i < width; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            append_device(out, depth - 1, width, serial);
        }
        g_string_append(out, "]");
    }
    g_string_append(out, "}");
}

/* CPU time of this thread: the machine running benchmarks is often shared, and wall-clock
 * time would mostly measure the other load. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;
    g_autoptr(QmpCommandList) cmds = qmp_command_list_new();
    int serial = 0;
    double t0, t_in, t_free, t_out, t_parse, t_dispatch;
    /* Warm-up rounds first: steady state (caches, allocator) as in a running daemon. */
    int warmup = 3;
    int rounds = 100;
    double mb;
    JsonNode *root;
    Device *dev;

    /* 6 levels of 4 children: ~5500 devices, about 1 MiB of JSON. */
    append_device(text, 6, 4, &serial);
    mb = text->len / 1e6;

    /* The tree the visitors read comes from one parse into fresh memory, like a request. */
    if (!json_parser_load_from_data(parser, text->str, text->len, &err)) {
        g_error("%s", err->message);
    }
    t0 = now();
    for (int i = 0; i < warmup; i++) {
        g_autoptr(JsonParser) p = json_parser_new();

        if (!json_parser_load_from_data(p, text->str, text->len, &err)) {
            g_error("%s", err->message);
        }
    }
    t_parse = (now() - t0) / warmup;
    root = json_parser_get_root(parser);

    /* Only the visitor is timed; freeing each result before the next round lets the
     * allocator reuse memory as it does for a stream of commands. */
    t_in = t_free = 0;
    for (int i = 0; i < warmup; i++) {
        if (!visit_in_Device(root, NULL, &dev, &err)) {
            g_error("%s", err->message);
        }
        qapi_free_Device(dev);
    }
    for (int i = 0; i < rounds; i++) {
        t0 = now();
        if (!visit_in_Device(root, NULL, &dev, &err)) {
            g_error("%s", err->message);
        }
        t_in += now() - t0;
        if (i + 1 < rounds) {
            t0 = now();
            qapi_free_Device(dev);
            t_free += now() - t0;
        }
    }
    t_in /= rounds;
    t_free /= rounds - 1;

    t0 = now();
    for (int i = 0; i < rounds + warmup; i++) {
        JsonNode *out;

        if (i == warmup) {
            t0 = now();
        }
        out = visit_out_Device(dev);

        json_node_unref(out);
    }
    t_out = (now() - t0) / rounds;

    /* The full command path: envelope, marshaller, handler, result, response. */
    test_qmp_init_marshal(cmds);
    {
        g_autoptr(JsonObject) req = json_object_new();
        g_autoptr(JsonNode) req_node = NULL;

        /* test-device-add takes the members of Device as its arguments. */
        json_object_set_string_member(req, "execute", "test-device-add");
        json_object_set_member(req, "arguments", json_node_copy(root));
        req_node = json_node_init_object(json_node_alloc(), req);
        for (int i = 0; i < rounds + warmup; i++) {
            g_autoptr(JsonNode) resp = NULL;

            if (i == warmup) {
                t0 = now();
            }
            resp = qmp_dispatch(cmds, req_node, false, TEST_PHASE_SETUP);

            if (!json_object_has_member(json_node_get_object(resp), "return")) {
                g_error("test-device-add failed");
            }
        }
        t_dispatch = (now() - t0) / rounds;
    }
    qapi_free_Device(dev);

    printf("argument object: %.2f MB of JSON, %d devices\n", mb, serial);
    printf("json-glib parse:        %8.1f MB/s (%.2f ms)\n", mb / t_parse, t_parse * 1e3);
    printf("input visitor:          %8.1f MB/s (%.2f ms)  [goal >= 100 MB/s]\n", mb / t_in,
           t_in * 1e3);
    printf("qapi_free_Device:       %8.1f MB/s (%.2f ms)\n", mb / t_free, t_free * 1e3);
    printf("output visitor:         %8.1f MB/s (%.2f ms)\n", mb / t_out, t_out * 1e3);
    printf("qmp_dispatch (no parse):%8.1f MB/s (%.2f ms)\n", mb / t_dispatch,
           t_dispatch * 1e3);
    return 0;
}

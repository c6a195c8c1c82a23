/*
 * libFuzzer target: bytes from a QMP client through the framer, json-glib, the generated
 * dispatcher (the QMP server's own commands) and the ASCII output writer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "qapi/qapi-commands.h"
#include "service/json-framer.h"
#include "service/json-writer.h"
#include "util/log.h"
#include "util/qapi-introspect-qmp.h"
#include "util/qmp-dispatch.h"

/* Commands safe to run over and over without a client or a machine ('quit' is not). */
static const char *const fuzz_commands[] = {
    "qmp_capabilities", "query-version", "query-commands", "query-status", "query-qmp-schema",
    "getfd", "closefd", "add-fd", "remove-fd", "query-fdsets",
};

static QmpCommandList *fuzz_cmds;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(QmpCommandList) all = qmp_command_list_new();

    hull_log_set_level(HULL_LOG_ERROR);
    qmp_init_marshal(all);
    qmp_register_introspection(all);
    fuzz_cmds = qmp_command_list_new();
    for (size_t i = 0; i < G_N_ELEMENTS(fuzz_commands); i++) {
        const QmpCommand *cmd = qmp_find_command(all, fuzz_commands[i]);

        if (cmd) {
            qmp_register_command(fuzz_cmds, cmd->name, cmd->fn, cmd->options, cmd->phases);
        }
    }
    return 0;
}

static void check_output(JsonNode *resp)
{
    g_autoptr(GString) line = json_writer_line(resp);

    for (size_t i = 0; i < line->len; i++) {
        unsigned char c = (unsigned char)line->str[i];

        /* ASCII, no control characters but the final CRLF. */
        if (c >= 0x7f || (c < 0x20 && i + 2 < line->len)) {
            abort();
        }
    }
    if (line->len < 2 || strcmp(line->str + line->len - 2, "\r\n") != 0) {
        abort();
    }
}

static void handle_message(const char *text, size_t len, bool oob, int phase)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) request = json_message_parse(text, len, &err);
    g_autoptr(JsonNode) resp = NULL;

    if (!request) {
        resp = qmp_error_response(err, NULL);
    } else {
        resp = qmp_dispatch(fuzz_cmds, request, oob, phase);
    }
    if (resp) {
        check_output(resp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks how the input is chopped, the limits, OOB and the phase. */
    static const JsonFramerLimits small = {.max_size = 4096, .max_tokens = 256, .max_depth = 16};
    g_autoptr(JsonFramer) framer = NULL;
    size_t chunk, pos = 1;
    uint8_t sel;

    if (size < 1) {
        return 0;
    }
    sel = data[0];
    framer = json_framer_new(sel & 0x80 ? &small : NULL);
    chunk = (sel & 0x0f) ? (sel & 0x0f) : size;
    while (pos < size) {
        size_t avail = MIN(chunk, size - pos);
        size_t off = 0;

        while (off < avail) {
            g_autoptr(GError) err = NULL;
            g_autofree char *msg = NULL;
            size_t used = 0, len = 0;
            JsonFramerStatus st = json_framer_feed(framer, (const char *)data + pos + off,
                                                   avail - off, &used, &msg, &len, &err);

            if (used > avail - off) {
                abort();
            }
            off += used;
            if (st == JSON_FRAMER_MESSAGE) {
                if (strlen(msg) != len) {
                    abort(); /* a NUL got into a message */
                }
                handle_message(msg, len, sel & 0x40, (sel >> 4) % 7);
            } else if (st == JSON_FRAMER_ERROR) {
                g_autoptr(JsonNode) resp = qmp_error_response(err, NULL);

                check_output(resp);
            } else {
                break;
            }
        }
        pos += avail;
    }
    return 0;
}

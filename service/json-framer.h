/*
 * QMP input framing: cuts a byte stream into complete JSON texts before any parsing, enforcing
 * QEMU's per-message limits and its lexical error recovery (see docs/interop/qmp-spec.rst).
 */
#ifndef HULL_SERVICE_JSON_FRAMER_H
#define HULL_SERVICE_JSON_FRAMER_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QEMU's limits for one message (json-streamer). */
#define JSON_FRAMER_MAX_SIZE (64u << 20)
#define JSON_FRAMER_MAX_TOKENS (2u << 20)
#define JSON_FRAMER_MAX_DEPTH 1024u

typedef struct JsonFramerLimits {
    size_t max_size;   /* bytes from a message's first token to its last */
    size_t max_tokens; /* tokens per message */
    unsigned max_depth; /* open brackets and braces */
} JsonFramerLimits;

typedef enum JsonFramerStatus {
    JSON_FRAMER_NEED_MORE, /* all input consumed, no message ended in it */
    JSON_FRAMER_MESSAGE,   /* a complete JSON text was cut out; more input may follow */
    JSON_FRAMER_ERROR,     /* a lexical error or a limit hit; the framer already recovers */
} JsonFramerStatus;

typedef struct JsonFramer JsonFramer;

/* limits may be NULL for QEMU's (the JSON_FRAMER_MAX_* above). */
JsonFramer *json_framer_new(const JsonFramerLimits *limits);
void json_framer_free(JsonFramer *framer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JsonFramer, json_framer_free)

/*
 * Consumes input up to and including the end of the next message or error, or all of it.
 * *consumed tells how many bytes of data were used; the caller feeds the rest later (so a
 * caller can stop between two messages, which is how QMP back-pressure works).
 *
 * JSON_FRAMER_MESSAGE: *message is the message text (NUL-terminated, owned by the caller,
 * *message_len bytes), ready for a JSON parser. Scalars and strings at the top level are
 * messages too; the parser and dispatcher reject them.
 *
 * JSON_FRAMER_ERROR: errp says what, in QEMU's words ("JSON parse error, stray '#'",
 * "JSON token size limit exceeded", ...). After a lexical error the framer skips input up to
 * the next structural character, like QEMU's lexer; after a limit it skips the rest of the
 * offending message (until its brackets balance) so that one oversized message yields one
 * error. An ASCII control character other than tab, CR and LF, or the bytes 0xFE and 0xFF,
 * always abandon whatever was pending: clients send one to force a known-good state.
 */
JsonFramerStatus json_framer_feed(JsonFramer *framer, const char *data, size_t len,
                                  size_t *consumed, char **message, size_t *message_len,
                                  GError **errp);

/* Parses one framed message. Errors read "JSON parse error, ..."; objects with two members of
 * the same name are refused, as QEMU does. */
JsonNode *json_message_parse(const char *text, size_t len, GError **errp);

/* True when no message is partially buffered (only whitespace seen since the last one). */
bool json_framer_is_idle(const JsonFramer *framer);

#endif

/*
 * QMP input framing: a small lexer that follows strings, escapes and nesting so that complete
 * JSON texts can be handed to json-glib, with QEMU's limits and error recovery.
 */
#include "service/json-framer.h"

#include <errno.h>
#include <string.h>

#include "util/error.h"

typedef enum LexState {
    LEX_START,         /* between tokens */
    LEX_STRING,        /* inside "..." */
    LEX_STRING_ESCAPE, /* after a backslash inside a string */
    LEX_STRING_UNICODE, /* in the four hex digits of a \uXXXX escape */
    LEX_SCALAR,        /* inside a number or a literal name */
    LEX_RECOVERY,      /* after a lexical error: skipping to a structural character */
} LexState;

struct JsonFramer {
    JsonFramerLimits limits;
    LexState state;
    /* A limit was hit inside the current message: follow its structure to its end without
     * keeping it, so that one oversized message produces exactly one error. */
    bool skipping;
    bool in_message;
    long braces, brackets;
    size_t tokens;
    GString *text;
    size_t scalar_start; /* offset of the current scalar in text */
    const char *limit_error; /* set while processing a byte that broke a limit */
    char quote; /* that opened the current string: '"', or '\'' (QEMU's extension) */
    unsigned unicode_digits; /* of the current \uXXXX escape */
    unsigned unicode_value;
};

JsonFramer *json_framer_new(const JsonFramerLimits *limits)
{
    JsonFramer *f = g_new0(JsonFramer, 1);

    if (limits) {
        f->limits = *limits;
    } else {
        f->limits = (JsonFramerLimits){JSON_FRAMER_MAX_SIZE, JSON_FRAMER_MAX_TOKENS,
                                       JSON_FRAMER_MAX_DEPTH};
    }
    f->text = g_string_sized_new(256);
    return f;
}

void json_framer_free(JsonFramer *f)
{
    if (f) {
        g_string_free(f->text, true);
        g_free(f);
    }
}

bool json_framer_is_idle(const JsonFramer *f)
{
    return !f->in_message && (f->state == LEX_START || f->state == LEX_RECOVERY);
}

static void framer_drop_message(JsonFramer *f)
{
    f->in_message = false;
    f->skipping = false;
    f->braces = f->brackets = 0;
    f->tokens = 0;
    /* Don't keep a 64 MiB buffer around for the next small message. */
    if (f->text->allocated_len > 65536) {
        g_string_free(f->text, true);
        f->text = g_string_sized_new(256);
    } else {
        g_string_truncate(f->text, 0);
    }
}

/* The current message is bad (a limit, an invalid escape): report it once and follow its
 * structure to its end without keeping it. */
static void framer_reject_message(JsonFramer *f, const char *what)
{
    if (!f->skipping) {
        f->skipping = true;
        f->limit_error = what;
        g_string_truncate(f->text, 0);
    }
}

static void framer_store(JsonFramer *f, char c)
{
    if (f->skipping) {
        return;
    }
    if (f->text->len + 1 > f->limits.max_size) {
        framer_reject_message(f, "JSON token size limit exceeded");
        return;
    }
    g_string_append_c(f->text, c);
}

/* A token starts with byte c. */
static void framer_begin_token(JsonFramer *f, char c)
{
    f->in_message = true;
    if (!f->skipping && f->tokens + 1 > f->limits.max_tokens) {
        framer_reject_message(f, "JSON token count limit exceeded");
    }
    f->tokens++;
    framer_store(f, c);
}

static bool framer_message_ended(const JsonFramer *f)
{
    /* Like QEMU's streamer: done when nothing is open, or when brackets went negative (the
     * parser then reports the imbalance). */
    return (f->braces <= 0 && f->brackets <= 0) || f->braces < 0 || f->brackets < 0;
}

static bool is_json_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_scalar_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '.' || c == '+' || c == '-';
}

/* Bytes that can never occur in JSON text, and are what clients send to reset the parser. */
static bool is_reset_byte(unsigned char c)
{
    return (c < 0x20 && !is_json_space(c)) || c == 0x7f || c >= 0xfe;
}

static bool scalar_is_number(const char *s, size_t len)
{
    size_t i = 0;

    if (i < len && s[i] == '-') {
        i++;
    }
    if (i < len && s[i] == '0') {
        i++;
    } else if (i < len && s[i] >= '1' && s[i] <= '9') {
        while (i < len && g_ascii_isdigit(s[i])) {
            i++;
        }
    } else {
        return false;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || !g_ascii_isdigit(s[i])) {
            return false;
        }
        while (i < len && g_ascii_isdigit(s[i])) {
            i++;
        }
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        if (i >= len || !g_ascii_isdigit(s[i])) {
            return false;
        }
        while (i < len && g_ascii_isdigit(s[i])) {
            i++;
        }
    }
    return i == len;
}

/* Checks the scalar that just ended; json-glib would accept more than JSON allows. */
static bool framer_check_scalar(JsonFramer *f, GError **errp)
{
    const char *s = f->text->str + f->scalar_start;
    size_t len = f->text->len - f->scalar_start;

    if (f->skipping) {
        return true;
    }
    if (g_ascii_islower(s[0])) {
        if ((len == 4 && memcmp(s, "true", 4) == 0) || (len == 5 && memcmp(s, "false", 5) == 0) ||
            (len == 4 && memcmp(s, "null", 4) == 0)) {
            return true;
        }
        return hull_error_setg(errp, "JSON parse error, invalid keyword '%.*s'",
                               (int)MIN(len, 64), s);
    }
    if (!scalar_is_number(s, len)) {
        return hull_error_setg(errp, "JSON parse error, invalid number '%.*s'",
                               (int)MIN(len, 64), s);
    }
    if (!memchr(s, '.', len) && !memchr(s, 'e', len) && !memchr(s, 'E', len)) {
        errno = 0;
        g_ascii_strtoll(s, NULL, 10);
        if (errno == ERANGE) {
            /* json-glib would wrap it around; QEMU makes it a double. */
            g_string_append(f->text, ".0");
        }
    }
    return true;
}

static void framer_set_stray(unsigned char c, GError **errp)
{
    if (c >= 0x20 && c < 0x7f) {
        hull_error_setg(errp, "JSON parse error, stray '%c'", c);
    } else {
        hull_error_setg(errp, "JSON parse error, stray '\\x%02x'", c);
    }
}

/*
 * A byte that cannot occur in JSON. Inside a message whose structure is still known (a stray
 * printable character, a bad scalar) the rest of that message is skipped so that it yields one
 * error; a reset byte, or an error outside any message, abandons everything and skips to the
 * next structural character as QEMU's lexer does.
 */
static void framer_lexical_error(JsonFramer *f, bool reset)
{
    if (reset || !f->in_message) {
        framer_drop_message(f);
        f->state = LEX_RECOVERY;
        return;
    }
    f->skipping = true;
    f->state = LEX_START;
    g_string_truncate(f->text, 0);
}

JsonFramerStatus json_framer_feed(JsonFramer *f, const char *data, size_t len, size_t *consumed,
                                  char **message, size_t *message_len, GError **errp)
{
    size_t i = 0;

    *message = NULL;
    *message_len = 0;
    while (i < len) {
        unsigned char c = (unsigned char)data[i];
        bool ended = false;
        bool consume = true;

        switch (f->state) {
        case LEX_RECOVERY:
            if (is_reset_byte(c)) {
                f->state = LEX_START; /* reported again below, as QEMU does */
                continue;
            }
            if (c != '\0' && strchr("{}[],:", c)) {
                f->state = LEX_START;
                continue;
            }
            if (c == '\r' || c == '\n') {
                f->state = LEX_START;
            }
            i++;
            continue;

        case LEX_STRING:
            if (c < 0x20 || c >= 0xfe) {
                framer_set_stray(c, errp);
                framer_lexical_error(f, true);
                *consumed = i + 1;
                return JSON_FRAMER_ERROR;
            }
            if (c == '\\') {
                framer_store(f, '\\');
                f->state = LEX_STRING_ESCAPE;
            } else if (c == f->quote) {
                /* A 'single-quoted' string (QEMU's extension) is handed on double-quoted. */
                framer_store(f, '"');
                f->state = LEX_START;
                ended = framer_message_ended(f);
            } else if (c == '"') {
                framer_store(f, '\\'); /* a plain '"' inside a single-quoted string */
                framer_store(f, '"');
            } else {
                framer_store(f, (char)c);
            }
            break;

        case LEX_STRING_ESCAPE:
            if (c < 0x20 || c >= 0xfe) {
                framer_set_stray(c, errp);
                framer_lexical_error(f, true);
                *consumed = i + 1;
                return JSON_FRAMER_ERROR;
            }
            f->state = LEX_STRING;
            if (c == '\'') {
                /* QEMU's extra escape \' means a plain apostrophe, in both kinds of string:
                 * drop the backslash already kept. */
                if (!f->skipping && f->text->len > 0) {
                    g_string_truncate(f->text, f->text->len - 1);
                }
                framer_store(f, '\'');
                break;
            }
            framer_store(f, (char)c);
            if (c == 'u') {
                f->state = LEX_STRING_UNICODE;
                f->unicode_digits = 0;
                f->unicode_value = 0;
            } else if (!strchr("\"\\/bfnrt", c)) {
                /* json-glib would take "\q" for "q". */
                framer_reject_message(f, "JSON parse error, invalid escape sequence in string");
            }
            break;

        case LEX_STRING_UNICODE:
            if (c < 0x20 || c >= 0xfe) {
                framer_set_stray(c, errp);
                framer_lexical_error(f, true);
                *consumed = i + 1;
                return JSON_FRAMER_ERROR;
            }
            if (!g_ascii_isxdigit(c)) {
                /* Not consumed: it may end the string. */
                framer_reject_message(f, "JSON parse error, invalid escape sequence in string");
                f->state = LEX_STRING;
                consume = false;
                break;
            }
            framer_store(f, (char)c);
            f->unicode_value = f->unicode_value * 16 + (unsigned)g_ascii_xdigit_value(c);
            if (++f->unicode_digits == 4) {
                f->state = LEX_STRING;
                if (f->unicode_value == 0) {
                    /* json-glib would cut the string there. */
                    framer_reject_message(f, "JSON parse error, \\u0000 is not supported");
                }
            }
            break;

        case LEX_SCALAR:
            if (is_scalar_char(c)) {
                framer_store(f, (char)c);
                break;
            }
            f->state = LEX_START;
            if (!framer_check_scalar(f, errp)) {
                /* c has not been consumed: it is looked at again after the error. */
                framer_lexical_error(f, false);
                *consumed = i;
                return JSON_FRAMER_ERROR;
            }
            if (!framer_message_ended(f)) {
                continue;
            }
            ended = true;
            consume = false; /* c belongs to what follows the scalar */
            break;

        case LEX_START:
            if (is_json_space(c)) {
                if (f->in_message) {
                    framer_store(f, (char)c);
                }
                break;
            }
            switch (c) {
            case '{':
            case '[':
                framer_begin_token(f, (char)c);
                if (c == '{') {
                    f->braces++;
                } else {
                    f->brackets++;
                }
                if (f->braces + f->brackets > (long)f->limits.max_depth) {
                    framer_reject_message(f, "JSON nesting depth limit exceeded");
                }
                break;
            case '}':
            case ']':
                framer_begin_token(f, (char)c);
                if (c == '}') {
                    f->braces--;
                } else {
                    f->brackets--;
                }
                ended = framer_message_ended(f);
                break;
            case ',':
            case ':':
                framer_begin_token(f, (char)c);
                ended = framer_message_ended(f);
                break;
            case '"':
            case '\'':
                framer_begin_token(f, '"');
                f->quote = (char)c;
                f->state = LEX_STRING;
                break;
            default:
                if (c == '-' || g_ascii_isdigit(c) || g_ascii_islower(c)) {
                    f->scalar_start = f->text->len;
                    framer_begin_token(f, (char)c);
                    f->state = LEX_SCALAR;
                    break;
                }
                if (f->skipping && !is_reset_byte(c)) {
                    break; /* this message already had its error */
                }
                framer_set_stray(c, errp);
                framer_lexical_error(f, is_reset_byte(c));
                *consumed = i + 1;
                return JSON_FRAMER_ERROR;
            }
            break;
        }
        if (consume) {
            i++;
        }

        if (f->limit_error) {
            hull_error_setg(errp, "%s", f->limit_error);
            f->limit_error = NULL;
            if (ended) {
                framer_drop_message(f);
            }
            *consumed = i;
            return JSON_FRAMER_ERROR;
        }
        if (ended) {
            bool skipped = f->skipping;

            if (!skipped) {
                *message_len = f->text->len;
                *message = g_string_free(f->text, false);
                f->text = g_string_sized_new(256);
            }
            framer_drop_message(f);
            if (!skipped) {
                *consumed = i;
                return JSON_FRAMER_MESSAGE;
            }
        }
    }
    *consumed = i;
    return JSON_FRAMER_NEED_MORE;
}

/* Counts the members parsed into each object: json-glib silently keeps the last of two
 * members with the same name, QMP (like QEMU) refuses the message. */
typedef struct DuplicateCheck {
    GHashTable *members; /* JsonObject -> number of members parsed */
    char *duplicate;
} DuplicateCheck;

static void on_object_member(JsonParser *parser, JsonObject *object, const char *name,
                             gpointer opaque)
{
    DuplicateCheck *check = opaque;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(check->members, object)) + 1;

    g_hash_table_insert(check->members, object, GUINT_TO_POINTER(n));
    if (n != json_object_get_size(object) && !check->duplicate) {
        check->duplicate = g_strdup(name);
    }
}

JsonNode *json_message_parse(const char *text, size_t len, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    DuplicateCheck check = {.members = g_hash_table_new(NULL, NULL)};
    JsonNode *root = NULL;

    g_signal_connect(parser, "object-member", G_CALLBACK(on_object_member), &check);
    if (!json_parser_load_from_data(parser, text, (gssize)len, &err)) {
        hull_error_setg(errp, "JSON parse error, %s", err->message);
    } else if (check.duplicate) {
        hull_error_setg(errp, "JSON parse error, duplicate key '%s'", check.duplicate);
    } else {
        root = json_parser_steal_root(parser);
    }
    g_hash_table_destroy(check.members);
    g_free(check.duplicate);
    return root;
}

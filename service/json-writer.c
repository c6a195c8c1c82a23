/*
 * QMP output encoding: compact JSON, ASCII only, members in insertion order.
 */
#include "service/json-writer.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

static void append_codeunit(GString *out, unsigned u)
{
    g_string_append_printf(out, "\\u%04X", u);
}

void json_writer_append_string(GString *out, const char *s, gssize len)
{
    const char *p = s;
    const char *end = s + (len < 0 ? (gssize)strlen(s) : len);

    g_string_append_c(out, '"');
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        gunichar u;

        if (c < 0x80) {
            switch (c) {
            case '"': g_string_append(out, "\\\""); break;
            case '\\': g_string_append(out, "\\\\"); break;
            case '\b': g_string_append(out, "\\b"); break;
            case '\f': g_string_append(out, "\\f"); break;
            case '\n': g_string_append(out, "\\n"); break;
            case '\r': g_string_append(out, "\\r"); break;
            case '\t': g_string_append(out, "\\t"); break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    append_codeunit(out, c);
                } else {
                    g_string_append_c(out, (char)c);
                }
            }
            p++;
            continue;
        }
        u = g_utf8_get_char_validated(p, end - p);
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            append_codeunit(out, 0xfffd);
            p++;
            continue;
        }
        if (u > 0xffff) {
            u -= 0x10000;
            append_codeunit(out, 0xd800 | (u >> 10));
            append_codeunit(out, 0xdc00 | (u & 0x3ff));
        } else {
            append_codeunit(out, u);
        }
        p = g_utf8_next_char(p);
    }
    g_string_append_c(out, '"');
}

static void append_value(GString *out, JsonNode *node)
{
    GType type = json_node_get_value_type(node);

    if (type == G_TYPE_INT64) {
        g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
    } else if (type == G_TYPE_DOUBLE) {
        double d = json_node_get_double(node);
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        if (!isfinite(d)) {
            g_string_append(out, "null");
        } else {
            g_string_append(out, g_ascii_formatd(buf, sizeof(buf), "%.17g", d));
        }
    } else if (type == G_TYPE_BOOLEAN) {
        g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
    } else if (type == G_TYPE_STRING) {
        json_writer_append_string(out, json_node_get_string(node), -1);
    } else {
        g_string_append(out, "null");
    }
}

void json_writer_append(GString *out, JsonNode *node)
{
    switch (node ? json_node_get_node_type(node) : JSON_NODE_NULL) {
    case JSON_NODE_OBJECT: {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        bool first = true;

        g_string_append_c(out, '{');
        json_object_iter_init_ordered(&iter, json_node_get_object(node));
        while (json_object_iter_next_ordered(&iter, &name, &member)) {
            if (!first) {
                g_string_append(out, ", ");
            }
            first = false;
            json_writer_append_string(out, name, -1);
            g_string_append(out, ": ");
            json_writer_append(out, member);
        }
        g_string_append_c(out, '}');
        break;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *array = json_node_get_array(node);
        guint n = json_array_get_length(array);

        g_string_append_c(out, '[');
        for (guint i = 0; i < n; i++) {
            if (i) {
                g_string_append(out, ", ");
            }
            json_writer_append(out, json_array_get_element(array, i));
        }
        g_string_append_c(out, ']');
        break;
    }
    case JSON_NODE_VALUE:
        append_value(out, node);
        break;
    case JSON_NODE_NULL:
        g_string_append(out, "null");
        break;
    }
}

GString *json_writer_line(JsonNode *node)
{
    GString *out = g_string_sized_new(128);

    json_writer_append(out, node);
    g_string_append(out, "\r\n");
    return out;
}

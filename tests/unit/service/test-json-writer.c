/*
 * Unit tests for QMP output encoding: ASCII only, QEMU's compact style, member order.
 */
#include <glib.h>
#include <json-glib/json-glib.h>

#include "service/json-writer.h"

static char *write_json(const char *json)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) err = NULL;

    g_assert_true(json_parser_load_from_data(parser, json, -1, &err));
    json_writer_append(out, json_parser_get_root(parser));
    return g_strdup(out->str);
}

static void check(const char *in, const char *expected)
{
    g_autofree char *got = write_json(in);

    g_assert_cmpstr(got, ==, expected);
}

static void test_compact_style_and_order(void)
{
    check("{\"return\":{},\"id\":1}", "{\"return\": {}, \"id\": 1}");
    check("{\"z\":1,\"a\":[true,false,null],\"m\":-5}",
          "{\"z\": 1, \"a\": [true, false, null], \"m\": -5}");
    check("[]", "[]");
}

static void test_numbers(void)
{
    check("[9223372036854775807,-9223372036854775808]",
          "[9223372036854775807, -9223372036854775808]");
    check("[0.5,1e3]", "[0.5, 1000]");
}

static void test_escapes(void)
{
    check("\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"");
    check("\"\\b\\f\\n\\r\\t\\u0001\\u007f\"", "\"\\b\\f\\n\\r\\t\\u0001\\u007F\"");
}

static void test_non_ascii(void)
{
    /* é is U+00E9; U+1F600 needs a surrogate pair. */
    check("\"\xc3\xa9\"", "\"\\u00E9\"");
    check("\"\xf0\x9f\x98\x80\"", "\"\\uD83D\\uDE00\"");
    check("{\"\xe2\x82\xac\":1}", "{\"\\u20AC\": 1}");
}

static void test_invalid_utf8_replaced(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    json_writer_append_string(out, "a\xff" "b\xc3", -1);
    g_assert_cmpstr(out->str, ==, "\"a\\uFFFDb\\uFFFD\"");
}

static void test_line_ends_in_crlf(void)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    g_autoptr(GString) line = NULL;

    json_node_take_object(node, json_object_new());
    line = json_writer_line(node);
    g_assert_cmpstr(line->str, ==, "{}\r\n");
}

static void test_output_is_ascii(void)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (unsigned c = 1; c < 0x800; c++) {
        char buf[8];
        int n = g_unichar_to_utf8(c, buf);

        json_writer_append_string(out, buf, n);
    }
    for (size_t i = 0; i < out->len; i++) {
        g_assert_cmpuint((unsigned char)out->str[i], <, 0x7f);
        g_assert_cmpuint((unsigned char)out->str[i], >=, 0x20);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-writer/compact-style-and-order", test_compact_style_and_order);
    g_test_add_func("/json-writer/numbers", test_numbers);
    g_test_add_func("/json-writer/escapes", test_escapes);
    g_test_add_func("/json-writer/non-ascii", test_non_ascii);
    g_test_add_func("/json-writer/invalid-utf8", test_invalid_utf8_replaced);
    g_test_add_func("/json-writer/crlf", test_line_ends_in_crlf);
    g_test_add_func("/json-writer/ascii-only", test_output_is_ascii);
    return g_test_run();
}

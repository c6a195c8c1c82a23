/*
 * Unit tests for the QMP input framer: splitting, coalescing, limits, error recovery.
 */
#include <string.h>

#include <glib.h>

#include "service/json-framer.h"

/* Feeds input in chunks of chunk bytes (0: all at once) and records what came out, one entry
 * per message ("M:<text>") or error ("E:<message>"). */
static GPtrArray *frame(JsonFramer *f, const char *input, size_t len, size_t chunk)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    size_t pos = 0;

    if (chunk == 0) {
        chunk = len ? len : 1;
    }
    while (pos < len) {
        size_t avail = MIN(chunk, len - pos);
        size_t off = 0;

        while (off < avail) {
            g_autoptr(GError) err = NULL;
            g_autofree char *msg = NULL;
            size_t used, msg_len;
            JsonFramerStatus st = json_framer_feed(f, input + pos + off, avail - off, &used, &msg,
                                                   &msg_len, &err);

            g_assert_cmpuint(used, <=, avail - off);
            off += used;
            if (st == JSON_FRAMER_MESSAGE) {
                g_assert_cmpuint(strlen(msg), ==, msg_len);
                g_ptr_array_add(out, g_strdup_printf("M:%s", msg));
            } else if (st == JSON_FRAMER_ERROR) {
                g_ptr_array_add(out, g_strdup_printf("E:%s", err->message));
            } else {
                g_assert_cmpuint(used, ==, avail - off + used);
                break;
            }
        }
        pos += avail;
    }
    return out;
}

static void assert_frames(const char *input, const char *const *expected)
{
    /* Every chunking must give the same result. */
    for (size_t chunk = 0; chunk <= 7; chunk++) {
        g_autoptr(JsonFramer) f = json_framer_new(NULL);
        g_autoptr(GPtrArray) got = frame(f, input, strlen(input), chunk);
        size_t n = g_strv_length((char **)expected);

        for (size_t i = 0; i < MIN(n, got->len); i++) {
            g_assert_cmpstr(g_ptr_array_index(got, i), ==, expected[i]);
        }
        g_assert_cmpuint(got->len, ==, n);
    }
}

static void test_single_and_coalesced(void)
{
    const char *exp[] = {"M:{\"execute\": \"a\"}", "M:{\"execute\":\"b\",\"x\":[1,{}]}", NULL};

    assert_frames("  {\"execute\": \"a\"}\r\n\n{\"execute\":\"b\",\"x\":[1,{}]}  ", exp);
}

static void test_strings_hide_brackets(void)
{
    const char *exp[] = {"M:{\"a\":\"}]{[\\\"\\\\\"}", "M:[\"x\"]", NULL};

    assert_frames("{\"a\":\"}]{[\\\"\\\\\"}[\"x\"]", exp);
}

static void test_top_level_scalars(void)
{
    const char *exp[] = {"M:1", "M:\"s\"", "M:true", "M:-2.5e3", NULL};

    assert_frames("1 \"s\" true -2.5e3 ", exp);
}

static void test_unbalanced_close_is_a_message(void)
{
    /* The parser reports it; the framer must not wait forever. */
    const char *exp[] = {"M:}", "M:{}", NULL};

    assert_frames("}{}", exp);
}

static void test_stray_character_recovers(void)
{
    const char *exp[] = {"E:JSON parse error, stray '#'", "M:{\"ok\":1}",
                         "E:JSON parse error, stray '#'", "M:[2]", NULL};

    /* One error per broken message: the rest of it is skipped until its brackets balance
     * (strings included); outside a message, up to the next structural character. */
    assert_frames("{\"a\": #garbage, \"}\": [1, {}]} {\"ok\":1} #x [2]", exp);
}

static void test_invalid_keyword_and_number(void)
{
    const char *exp[] = {"E:JSON parse error, invalid keyword 'nul'", "M:{}",
                         "E:JSON parse error, invalid number '01'", "M:[]", NULL};

    assert_frames("[nul]{} [01][]", exp);
}

static void test_control_character_resets(void)
{
    /* A half-sent object is abandoned on \x04; the next object parses. */
    const char *exp[] = {"E:JSON parse error, stray '\\x04'", "M:{\"b\":2}", NULL};

    assert_frames("{\"a\": [1, 2, \x04{\"b\":2}", exp);
}

static void test_control_character_in_string(void)
{
    const char *exp[] = {"E:JSON parse error, stray '\\x01'", "M:{}", NULL};

    assert_frames("{\"a\x01\n{}", exp);
}

static void test_invalid_utf8_byte_resets(void)
{
    const char *exp[] = {"E:JSON parse error, stray '\\xff'", "M:{}", NULL};

    assert_frames("{\"a\":\xff{}", exp);
}

static void test_utf8_in_strings_passes(void)
{
    const char *exp[] = {"M:{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\"}", NULL};

    assert_frames("{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\"}", exp);
}

static void test_escapes_checked(void)
{
    const char *exp[] = {"E:JSON parse error, invalid escape sequence in string", "M:{}",
                         "E:JSON parse error, \\u0000 is not supported", "M:[]",
                         "E:JSON parse error, invalid escape sequence in string", "M:1",
                         "M:[\"\\u00e9\\n\\/\"]", NULL};

    /* One error per message; the string (and its brackets) is still followed to its end. */
    assert_frames("{\"a\": \"\\q}\"}{} [\"\\u0000\"][] [\"\\u12x\"]1 "
                  "[\"\\u00e9\\n\\/\"]",
                  exp);
}

static void test_single_quotes(void)
{
    /* Handed on as standard JSON. */
    const char *exp[] = {"M:{\"a\": \"x\\\"y'z\"}", "M:[\"'\"]", NULL};

    assert_frames("{'a': 'x\"y\\'z'}[\"\\'\"]", exp);
}

static void test_huge_integer_becomes_float(void)
{
    const char *exp[] = {"M:[99999999999999999999.0,-9223372036854775808,1e99]", NULL};

    assert_frames("[99999999999999999999,-9223372036854775808,1e99]", exp);
}

static void test_parse_rejects_duplicate_keys(void)
{
    g_autoptr(GError) err = NULL;
    const char *dup = "{\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}}";
    const char *ok = "{\"a\": {\"a\": 1}, \"b\": [{\"a\": 2}, {\"a\": 3}]}";
    g_autoptr(JsonNode) good = NULL;

    g_assert_null(json_message_parse(dup, strlen(dup), &err));
    g_assert_cmpstr(err->message, ==, "JSON parse error, duplicate key 'c'");
    good = json_message_parse(ok, strlen(ok), NULL);
    g_assert_nonnull(good);
}

static void test_depth_limit(void)
{
    g_autoptr(GString) in = g_string_new(NULL);
    const char *exp[] = {"E:JSON nesting depth limit exceeded", "M:{\"after\":1}", NULL};
    g_autofree char *okmsg = NULL;

    for (int i = 0; i < 1025; i++) {
        g_string_append_c(in, '[');
    }
    for (int i = 0; i < 1025; i++) {
        g_string_append_c(in, ']');
    }
    g_string_append(in, "{\"after\":1}");
    assert_frames(in->str, exp);

    /* 1024 levels are fine. */
    g_string_truncate(in, 0);
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(in, '[');
    }
    for (int i = 0; i < 1024; i++) {
        g_string_append_c(in, ']');
    }
    okmsg = g_strdup_printf("M:%s", in->str);
    assert_frames(in->str, (const char *const[]){okmsg, NULL});
}

static void test_token_and_size_limits(void)
{
    JsonFramerLimits small = {.max_size = 64, .max_tokens = 10, .max_depth = 4};
    struct {
        const char *input;
        const char *first;
    } cases[] = {
        {"[1,2,3,4,5,6]{}", "E:JSON token count limit exceeded"},
        {"[\"0123456789012345678901234567890123456789012345678901234567890123\"]{}",
         "E:JSON token size limit exceeded"},
        {"[[[[[]]]]]{}", "E:JSON nesting depth limit exceeded"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        for (size_t chunk = 0; chunk < 4; chunk++) {
            g_autoptr(JsonFramer) f = json_framer_new(&small);
            g_autoptr(GPtrArray) got = frame(f, cases[i].input, strlen(cases[i].input), chunk);

            /* One error for the oversized message, then the next message is intact. */
            g_assert_cmpuint(got->len, ==, 2);
            g_assert_cmpstr(g_ptr_array_index(got, 0), ==, cases[i].first);
            g_assert_cmpstr(g_ptr_array_index(got, 1), ==, "M:{}");
        }
    }
}

static void test_stop_between_messages(void)
{
    g_autoptr(JsonFramer) f = json_framer_new(NULL);
    const char *in = "{}[]";
    g_autofree char *m1 = NULL;
    g_autofree char *m2 = NULL;
    size_t used, len;

    g_assert_cmpint(json_framer_feed(f, in, 4, &used, &m1, &len, NULL), ==, JSON_FRAMER_MESSAGE);
    g_assert_cmpuint(used, ==, 2);
    g_assert_true(json_framer_is_idle(f));
    g_assert_cmpint(json_framer_feed(f, in + 2, 2, &used, &m2, &len, NULL), ==,
                    JSON_FRAMER_MESSAGE);
    g_assert_cmpstr(m2, ==, "[]");
}

static void test_partial_is_not_idle(void)
{
    g_autoptr(JsonFramer) f = json_framer_new(NULL);
    g_autofree char *m = NULL;
    size_t used, len;

    g_assert_cmpint(json_framer_feed(f, "{\"a", 3, &used, &m, &len, NULL), ==,
                    JSON_FRAMER_NEED_MORE);
    g_assert_cmpuint(used, ==, 3);
    g_assert_false(json_framer_is_idle(f));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-framer/single-and-coalesced", test_single_and_coalesced);
    g_test_add_func("/json-framer/strings-hide-brackets", test_strings_hide_brackets);
    g_test_add_func("/json-framer/top-level-scalars", test_top_level_scalars);
    g_test_add_func("/json-framer/unbalanced-close", test_unbalanced_close_is_a_message);
    g_test_add_func("/json-framer/stray-character", test_stray_character_recovers);
    g_test_add_func("/json-framer/invalid-scalars", test_invalid_keyword_and_number);
    g_test_add_func("/json-framer/control-character-resets", test_control_character_resets);
    g_test_add_func("/json-framer/control-character-in-string", test_control_character_in_string);
    g_test_add_func("/json-framer/invalid-utf8-byte", test_invalid_utf8_byte_resets);
    g_test_add_func("/json-framer/utf8-in-strings", test_utf8_in_strings_passes);
    g_test_add_func("/json-framer/escapes-checked", test_escapes_checked);
    g_test_add_func("/json-framer/single-quotes", test_single_quotes);
    g_test_add_func("/json-framer/huge-integer", test_huge_integer_becomes_float);
    g_test_add_func("/json-framer/duplicate-keys", test_parse_rejects_duplicate_keys);
    g_test_add_func("/json-framer/depth-limit", test_depth_limit);
    g_test_add_func("/json-framer/token-and-size-limits", test_token_and_size_limits);
    g_test_add_func("/json-framer/stop-between-messages", test_stop_between_messages);
    g_test_add_func("/json-framer/partial-is-not-idle", test_partial_is_not_idle);
    return g_test_run();
}

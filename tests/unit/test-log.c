/*
 * Unit tests for util/log: level parsing, filtering and the sink.
 */
#include "util/log.h"

typedef struct Captured {
    GPtrArray *lines;
} Captured;

static void capture_sink(HullLogLevel level, const char *component, const char *message,
                         void *opaque)
{
    Captured *c = opaque;

    g_ptr_array_add(c->lines, g_strdup_printf("%s|%s|%s", hull_log_level_name(level),
                                              component, message));
}

static void test_log_level_parse(void)
{
    HullLogLevel level;

    g_assert_true(hull_log_level_parse("debug", &level));
    g_assert_cmpint(level, ==, HULL_LOG_DEBUG);
    g_assert_true(hull_log_level_parse("WARN", &level));
    g_assert_cmpint(level, ==, HULL_LOG_WARNING);
    g_assert_false(hull_log_level_parse("verbose", &level));
}

static void test_log_filtering(void)
{
    Captured c = {.lines = g_ptr_array_new_with_free_func(g_free)};

    hull_log_set_sink(capture_sink, &c);
    hull_log_set_level(HULL_LOG_WARNING);
    hull_info("qmp", "dropped %d", 1);
    hull_warn("qmp", "kept %d", 2);
    hull_debug("qmp", "dropped %d", 3);
    hull_log_set_level(HULL_LOG_DEBUG);
    hull_debug("tcg", "kept %d", 4);
    hull_log_set_sink(NULL, NULL);
    hull_log_set_level(HULL_LOG_INFO);

    g_assert_cmpuint(c.lines->len, ==, 2);
    g_assert_cmpstr(c.lines->pdata[0], ==, "warning|qmp|kept 2");
    g_assert_cmpstr(c.lines->pdata[1], ==, "debug|tcg|kept 4");
    g_ptr_array_unref(c.lines);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/log/level-parse", test_log_level_parse);
    g_test_add_func("/util/log/filtering", test_log_filtering);
    return g_test_run();
}

/*
 * QMP dispatch on the test schema: envelope checks, argument checking by the generated
 * marshallers, phases, OOB, flags, responses and events, as a client would see them.
 */
#include "test-qapi-impl.h"

#include "util/error.h"

typedef struct Fixture {
    QmpCommandList *cmds;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->cmds = qmp_command_list_new();
    test_qmp_init_marshal(f->cmds);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    qmp_command_list_free(f->cmds);
}

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;

    g_assert_true(json_parser_load_from_data(parser, text, -1, &err));
    g_assert_no_error(err);
    return json_node_copy(json_parser_get_root(parser));
}

/* The response to request (JSON text) as compact JSON text, or NULL for no response. */
static char *dispatch(Fixture *f, const char *request, bool allow_oob, int phase)
{
    g_autoptr(JsonNode) req = parse(request);
    g_autoptr(JsonNode) resp = qmp_dispatch(f->cmds, req, allow_oob, phase);

    return resp ? json_to_string(resp, false) : NULL;
}

static void assert_response(Fixture *f, const char *request, int phase, const char *expected)
{
    g_autofree char *got = dispatch(f, request, false, phase);

    g_assert_cmpstr(got, ==, expected);
}

static void assert_error(Fixture *f, const char *request, bool oob, int phase,
                         const char *cls, const char *desc)
{
    g_autofree char *got = dispatch(f, request, oob, phase);
    g_autofree char *expected = g_strdup_printf("{\"error\":{\"class\":\"%s\",\"desc\":\"%s\"}}",
                                                cls, desc);

    g_assert_cmpstr(got, ==, expected);
}

static void test_envelope(Fixture *f, gconstpointer data)
{
    int p = TEST_PHASE_IDLE;

    assert_error(f, "[1]", false, p, "GenericError", "QMP input must be a JSON object");
    assert_error(f, "\"x\"", false, p, "GenericError", "QMP input must be a JSON object");
    assert_error(f, "{}", false, p, "GenericError", "QMP input lacks member 'execute'");
    assert_error(f, "{\"execute\": 1}", false, p, "GenericError",
                 "QMP input member 'execute' must be a string");
    assert_error(f, "{\"execute\": \"test-nothing\", \"arguments\": []}", false, p,
                 "GenericError", "QMP input member 'arguments' must be an object");
    assert_error(f, "{\"execute\": \"test-nothing\", \"argument\": {}}", false, p,
                 "GenericError", "QMP input member 'argument' is unexpected");
    /* Without the oob capability, exec-oob is just an unknown key. */
    assert_error(f, "{\"exec-oob\": \"test-echo\"}", false, p, "GenericError",
                 "QMP input member 'exec-oob' is unexpected");
    assert_error(f, "{\"execute\": \"test-nothing\", \"exec-oob\": \"test-nothing\"}", true, p,
                 "GenericError", "QMP input member 'exec-oob' clashes with 'execute'");
    assert_error(f, "{\"execute\": \"nope\"}", false, p, "CommandNotFound",
                 "The command nope has not been found");
}

static void test_id_copied(Fixture *f, gconstpointer data)
{
    assert_response(f, "{\"execute\": \"test-nothing\", \"id\": {\"a\": [1, \"x\"]}}",
                    TEST_PHASE_IDLE, "{\"return\":{},\"id\":{\"a\":[1,\"x\"]}}");
    assert_response(f, "{\"id\": 7, \"execute\": \"nope\"}", TEST_PHASE_IDLE,
                    "{\"error\":{\"class\":\"CommandNotFound\","
                    "\"desc\":\"The command nope has not been found\"},\"id\":7}");
    assert_response(f, "{\"id\": \"s\", \"execute\": 3}", TEST_PHASE_IDLE,
                    "{\"error\":{\"class\":\"GenericError\","
                    "\"desc\":\"QMP input member 'execute' must be a string\"},\"id\":\"s\"}");
}

static void test_arguments(Fixture *f, gconstpointer data)
{
    int p = TEST_PHASE_IDLE;

    assert_response(f, "{\"execute\": \"test-add\", \"arguments\": {\"a\": 40, \"b\": 2}}", p,
                    "{\"return\":42}");
    assert_response(f, "{\"execute\": \"test-add\", \"arguments\": {\"a\": 40}}", p,
                    "{\"return\":41}");
    assert_error(f, "{\"execute\": \"test-add\"}", false, p, "GenericError",
                 "Parameter 'a' is missing");
    assert_error(f, "{\"execute\": \"test-add\", \"arguments\": {\"a\": 1, \"c\": 2}}", false,
                 p, "GenericError", "Parameter 'c' is unexpected");
    assert_error(f, "{\"execute\": \"test-add\", \"arguments\": {\"a\": \"1\"}}", false, p,
                 "GenericError", "Invalid parameter type for 'a', expected: integer");
    assert_error(f, "{\"execute\": \"test-nothing\", \"arguments\": {\"x\": 1}}", false, p,
                 "GenericError", "Parameter 'x' is unexpected");
    assert_response(f, "{\"execute\": \"test-nothing\", \"arguments\": {}}", p,
                    "{\"return\":{}}");
    assert_error(f, "{\"execute\": \"test-echo\", \"arguments\": {\"dev\": {\"id\": \"d\", "
                 "\"backend\": {\"kind\": \"file\", \"path\": \"/x\", \"size\": -1}}}}", false,
                 p, "GenericError", "Parameter 'dev.backend.size' expects an unsigned integer");
    assert_error(f, "{\"execute\": \"test-echo\", \"arguments\": {\"times\": 256, \"dev\": "
                 "{\"id\": \"d\", \"backend\": {\"kind\": \"null\"}}}}", false, p,
                 "GenericError", "Parameter 'times' expects an integer between 0 and 255");
    assert_response(f, "{\"execute\": \"test-colors\", \"arguments\": {\"colors\": "
                    "[\"red\", \"blue\", \"x-infra-red\"]}}", p,
                    "{\"return\":[\"x-infra-red\",\"blue\",\"red\"]}");
    assert_error(f, "{\"execute\": \"test-colors\", \"arguments\": {\"colors\": "
                 "[\"red\", \"pink\"]}}", false, p, "GenericError",
                 "Parameter 'colors[1]' does not accept value 'pink'");
    assert_response(f, "{\"execute\": \"test-echo-any\", \"arguments\": {\"v\": [1, {}]}}", p,
                    "{\"return\":[1,{}]}");
    assert_response(f, "{\"execute\": \"test-echo-any\"}", p, "{\"return\":null}");
    assert_response(f, "{\"execute\": \"test-manual\", \"arguments\": {\"x\": 21}}", p,
                    "{\"return\":42}");
#if defined(CONFIG_KVM) || defined(CONFIG_TCG)
    assert_response(f, "{\"execute\": \"test-included\", \"arguments\": {\"where\": \"w\", "
                    "\"any-cond\": 1}}", p, "{\"return\":{\"where\":\"included:w\",\"any-cond\":2}}");
#else
    assert_error(f, "{\"execute\": \"test-included\", \"arguments\": {\"where\": \"w\", "
                 "\"any-cond\": 1}}", false, p, "GenericError", "Parameter 'any-cond' is unexpected");
#endif
}

static void test_boxed_union(Fixture *f, gconstpointer data)
{
    int p = TEST_PHASE_IDLE;

    assert_response(f, "{\"execute\": \"test-boxed\", \"arguments\": {\"kind\": \"file\", "
                    "\"path\": \"/img\", \"size\": 4096}}", p,
                    "{\"return\":[{\"id\":\"file\",\"tag-opt\":4096,\"extra\":[]}]}");
    assert_error(f, "{\"execute\": \"test-boxed\", \"arguments\": {\"kind\": \"file\", "
                 "\"host\": \"h\", \"path\": \"/img\"}}", false, p, "GenericError",
                 "Parameter 'host' is unexpected");
    assert_error(f, "{\"execute\": \"test-boxed\", \"arguments\": {\"kind\": \"socket\", "
                 "\"host\": \"h\"}}", false, p, "GenericError", "Parameter 'port' is missing");
    assert_error(f, "{\"execute\": \"test-boxed\", \"arguments\": {\"kind\": \"disk\"}}",
                 false, p, "GenericError", "Parameter 'kind' does not accept value 'disk'");
    assert_response(f, "{\"execute\": \"test-boxed\", \"arguments\": {\"kind\": \"null\", "
                    "\"label\": \"l\"}}", p, "{\"return\":[{\"id\":\"null\",\"extra\":[]}]}");
}

static void test_errors_from_command(Fixture *f, gconstpointer data)
{
    assert_error(f, "{\"execute\": \"test-fail\", \"arguments\": {\"message\": \"no disk\"}}",
                 false, TEST_PHASE_IDLE, "DeviceNotFound", "no disk");
    assert_error(f, "{\"execute\": \"test-device-add\", \"arguments\": {\"id\": \"busy\", "
                 "\"backend\": {\"kind\": \"null\"}}}", false, TEST_PHASE_SETUP,
                 "DeviceNotActive", "Device 'busy' is busy");
}

static void test_phases(Fixture *f, gconstpointer data)
{
    const char *req = "{\"execute\": \"test-device-add\", \"arguments\": {\"id\": \"d0\", "
                      "\"backend\": {\"kind\": \"null\"}}}";
    int before = test_qapi_device_adds;

    assert_error(f, req, false, TEST_PHASE_IDLE, "GenericError",
                 "The command test-device-add is not available in phase 'idle' "
                 "(allowed phases: setup)");
    g_assert_cmpint(test_qapi_device_adds, ==, before);
    assert_response(f, req, TEST_PHASE_SETUP, "{\"return\":{}}");
    g_assert_cmpint(test_qapi_device_adds, ==, before + 1);
    assert_error(f, "{\"execute\": \"test-deprecated\"}", false, TEST_PHASE_SETUP,
                 "GenericError", "The command test-deprecated is not available in phase "
                 "'setup' (allowed phases: idle, active)");
    assert_response(f, "{\"execute\": \"test-deprecated\"}", TEST_PHASE_ACTIVE,
                    "{\"return\":{}}");
    /* No 'phases': every phase, even one out of the enum's range. */
    assert_response(f, "{\"execute\": \"test-nothing\"}", 99, "{\"return\":{}}");
    assert_error(f, "{\"execute\": \"test-deprecated\"}", false, -1, "GenericError",
                 "The command test-deprecated is not available in phase '-1' "
                 "(allowed phases: idle, active)");
}

static void test_oob(Fixture *f, gconstpointer data)
{
    g_autofree char *got = NULL;
    g_autoptr(JsonNode) req = parse("{\"exec-oob\": \"test-echo\", \"id\": 1}");

    g_assert_true(qmp_is_oob(json_node_get_object(req)));
    assert_error(f, "{\"exec-oob\": \"test-add\", \"arguments\": {\"a\": 1}}", true,
                 TEST_PHASE_IDLE, "GenericError", "The command test-add does not support OOB");
    got = dispatch(f, "{\"exec-oob\": \"test-echo\", \"arguments\": {\"dev\": {\"id\": \"x\", "
                   "\"backend\": {\"kind\": \"null\"}, \"alt\": 5}}}", true, TEST_PHASE_IDLE);
    g_assert_cmpstr(got, ==, "{\"return\":{\"id\":\"x\",\"backend\":{\"kind\":\"null\"},"
                    "\"alt\":5}}");
}

static void test_no_success_response(Fixture *f, gconstpointer data)
{
    int before = test_qapi_quiet_calls;
    g_autofree char *got = dispatch(f, "{\"execute\": \"test-quiet\", \"id\": 3}", false,
                                    TEST_PHASE_IDLE);

    g_assert_null(got);
    g_assert_cmpint(test_qapi_quiet_calls, ==, before + 1);
    /* Errors are still reported. */
    assert_error(f, "{\"execute\": \"test-quiet\", \"arguments\": {\"a\": 1}}", false,
                 TEST_PHASE_IDLE, "GenericError", "Parameter 'a' is unexpected");
}

static void test_disable(Fixture *f, gconstpointer data)
{
    g_assert_true(qmp_command_set_enabled(f->cmds, "test-nothing", false));
    g_assert_false(qmp_command_set_enabled(f->cmds, "nope", false));
    assert_error(f, "{\"execute\": \"test-nothing\"}", false, TEST_PHASE_IDLE, "GenericError",
                 "The command test-nothing has been disabled for this instance");
    g_assert_true(qmp_command_set_enabled(f->cmds, "test-nothing", true));
    assert_response(f, "{\"execute\": \"test-nothing\"}", TEST_PHASE_IDLE, "{\"return\":{}}");
}

static void count_command(const QmpCommand *cmd, void *opaque)
{
    GPtrArray *names = opaque;

    g_ptr_array_add(names, cmd->name);
}

static void test_registry(Fixture *f, gconstpointer data)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    const QmpCommand *cmd;

    cmd = qmp_find_command(f->cmds, "test-deprecated");
    g_assert_nonnull(cmd);
    g_assert_cmpint(cmd->options, ==, QCO_DEPRECATED | QCO_UNSTABLE);
    g_assert_cmpuint(cmd->phases, ==,
                     QMP_PHASE_BIT(TEST_PHASE_IDLE) | QMP_PHASE_BIT(TEST_PHASE_ACTIVE));
    cmd = qmp_find_command(f->cmds, "test-echo");
    g_assert_cmpint(cmd->options, ==, QCO_ALLOW_OOB);
    g_assert_cmpuint(cmd->phases, ==, QMP_PHASES_ALL);
    g_assert_cmpint(qmp_find_command(f->cmds, "test-quiet")->options, ==, QCO_NO_SUCCESS_RESP);
    /* The feature's condition is never true. */
    g_assert_cmpint(qmp_find_command(f->cmds, "test-cond-feature")->options, ==, 0);
    g_assert_nonnull(qmp_find_command(f->cmds, "test_underscore"));
    g_assert_null(qmp_find_command(f->cmds, "test-never"));
#if defined(CONFIG_KVM)
    g_assert_nonnull(qmp_find_command(f->cmds, "test-kvm"));
#else
    g_assert_null(qmp_find_command(f->cmds, "test-kvm"));
#endif
    qmp_for_each_command(f->cmds, count_command, names);
    g_assert_cmpuint(names->len, >=, 13);
    g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "test-nothing");
    /* Schema order, 'gen': false commands included (their marshaller is hand-written). */
    g_assert_cmpstr(g_ptr_array_index(names, names->len - 1), ==, "test-cond-feature");
    g_assert_nonnull(qmp_find_command(f->cmds, "test-manual"));
}

typedef struct Events {
    GPtrArray *names;
    GPtrArray *texts;
} Events;

static void event_sink(const char *name, JsonNode *event, void *opaque)
{
    Events *ev = opaque;
    JsonObject *o = json_node_get_object(event);
    JsonObject *ts = json_object_get_object_member(o, "timestamp");

    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 1600000000);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <, 1000000);
    json_object_remove_member(o, "timestamp");
    g_ptr_array_add(ev->names, g_strdup(name));
    g_ptr_array_add(ev->texts, json_to_string(event, false));
    json_node_unref(event);
}

static void test_events(void)
{
    Events ev = { g_ptr_array_new_with_free_func(g_free),
                  g_ptr_array_new_with_free_func(g_free) };
    Backend b = { .kind = BACKEND_TYPE_SOCKET, .label = (char *)"l" };

    b.u.socket.host = (char *)"h";
    b.u.socket.port = 22;
    qapi_event_set_sink(event_sink, &ev);
    qapi_event_send_test_event(7, "str", true, COLOR_GREEN);
    qapi_event_send_test_event(8, NULL, false, COLOR_RED);
    qapi_event_send_test_empty();
    qapi_event_send_test_boxed(&b);
    qapi_event_set_sink(NULL, NULL);
    qapi_event_send_test_empty(); /* dropped */

    g_assert_cmpuint(ev.names->len, ==, 4);
    g_assert_cmpstr(g_ptr_array_index(ev.names, 0), ==, "TEST_EVENT");
    g_assert_cmpstr(g_ptr_array_index(ev.texts, 0), ==,
                    "{\"event\":\"TEST_EVENT\",\"data\":{\"a\":7,\"s\":\"str\",\"c\":\"green\"}}");
    g_assert_cmpstr(g_ptr_array_index(ev.texts, 1), ==,
                    "{\"event\":\"TEST_EVENT\",\"data\":{\"a\":8}}");
    g_assert_cmpstr(g_ptr_array_index(ev.texts, 2), ==, "{\"event\":\"TEST_EMPTY\"}");
    g_assert_cmpstr(g_ptr_array_index(ev.texts, 3), ==,
                    "{\"event\":\"TEST_BOXED\",\"data\":{\"kind\":\"socket\",\"label\":\"l\","
                    "\"host\":\"h\",\"port\":22}}");
    g_ptr_array_free(ev.names, true);
    g_ptr_array_free(ev.texts, true);
}

static void test_error_response_helper(void)
{
    g_autoptr(GError) err = g_error_new(HULL_ERROR, HULL_ERROR_GENERIC, "JSON parse error");
    g_autoptr(JsonNode) id = json_node_init_int(json_node_alloc(), 5);
    g_autoptr(JsonNode) resp = qmp_error_response(err, id);
    g_autofree char *text = json_to_string(resp, false);

    g_assert_cmpstr(text, ==, "{\"error\":{\"class\":\"GenericError\","
                    "\"desc\":\"JSON parse error\"},\"id\":5}");
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/qmp-dispatch/envelope", test_envelope);
    ADD("/qmp-dispatch/id-copied", test_id_copied);
    ADD("/qmp-dispatch/arguments", test_arguments);
    ADD("/qmp-dispatch/boxed-union", test_boxed_union);
    ADD("/qmp-dispatch/command-errors", test_errors_from_command);
    ADD("/qmp-dispatch/phases", test_phases);
    ADD("/qmp-dispatch/oob", test_oob);
    ADD("/qmp-dispatch/no-success-response", test_no_success_response);
    ADD("/qmp-dispatch/disable", test_disable);
    ADD("/qmp-dispatch/registry", test_registry);
    g_test_add_func("/qmp-dispatch/events", test_events);
    g_test_add_func("/qmp-dispatch/error-response", test_error_response_helper);
    return g_test_run();
}

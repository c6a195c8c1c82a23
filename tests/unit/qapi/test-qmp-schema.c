/*
 * query-qmp-schema on Hull's real schema: dispatched like any command, and its answer is
 * valid input for the schema's own SchemaInfo type.
 */
#include "qapi/qapi-commands.h"
#include "qapi/qapi-introspect.h"
#include "qapi/qapi-visit.h"
#include "util/qapi-introspect-qmp.h"

static void test_self_describing(void)
{
    g_autoptr(JsonNode) schema = qapi_introspect_schema();
    g_autoptr(SchemaInfoList) list = NULL;
    g_autoptr(GError) err = NULL;
    bool found = false;

    g_assert_true(visit_in_SchemaInfoList(schema, NULL, &list, &err));
    g_assert_no_error(err);
    for (SchemaInfoList *l = list; l; l = l->next) {
        if (g_str_equal(l->value->name, "query-qmp-schema")) {
            g_assert_cmpint(l->value->meta_type, ==, SCHEMA_META_TYPE_COMMAND);
            g_assert_true(l->value->u.command.has_allow_oob);
            g_assert_true(l->value->u.command.allow_oob);
            found = true;
        }
    }
    g_assert_true(found);
}

static void test_dispatch(void)
{
    g_autoptr(QmpCommandList) cmds = qmp_command_list_new();
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(JsonNode) resp = NULL;
    g_autoptr(JsonNode) expected = qapi_introspect_schema();
    JsonObject *o;

    qmp_init_marshal(cmds);
    qmp_register_introspection(cmds);
    g_assert_true(json_parser_load_from_data(parser, "{\"exec-oob\": \"query-qmp-schema\", "
                                             "\"id\": 1}", -1, NULL));
    resp = qmp_dispatch(cmds, json_parser_get_root(parser), true, MACHINE_PHASE_NO_MACHINE);
    o = json_node_get_object(resp);
    g_assert_true(json_node_equal(json_object_get_member(o, "return"), expected));
    g_assert_cmpint(json_object_get_int_member(o, "id"), ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp-schema/self-describing", test_self_describing);
    g_test_add_func("/qmp-schema/dispatch", test_dispatch);
    return g_test_run();
}

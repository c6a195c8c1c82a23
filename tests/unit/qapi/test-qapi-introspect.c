/*
 * Introspection data generated for the test schema: every command and event is listed,
 * every type name it uses resolves to an entity, non-builtin names are masked, and 'if'
 * conditions and features are honoured.
 */
#include "test-qapi-impl.h"
#include "test-qapi-introspect.h"

#include <stdlib.h>

typedef struct Schema {
    JsonNode *root;
    GHashTable *by_name; /* name -> JsonObject (borrowed) */
} Schema;

static void schema_load(Schema *s)
{
    JsonArray *array;

    s->root = test_qapi_introspect_schema();
    g_assert_true(JSON_NODE_HOLDS_ARRAY(s->root));
    array = json_node_get_array(s->root);
    s->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonObject *ent = json_array_get_object_element(array, i);
        const char *name = json_object_get_string_member(ent, "name");

        g_assert_false(g_hash_table_contains(s->by_name, name));
        g_hash_table_insert(s->by_name, (gpointer)name, ent);
    }
}

static void schema_free(Schema *s)
{
    g_hash_table_destroy(s->by_name);
    json_node_unref(s->root);
}

static JsonObject *lookup(Schema *s, const char *name)
{
    return g_hash_table_lookup(s->by_name, name);
}

static const char *str(JsonObject *o, const char *member)
{
    return json_object_get_string_member(o, member);
}

/* The type a command/event/member refers to must exist, with a masked name unless it is
 * a built-in or an array. */
static JsonObject *resolve(Schema *s, const char *name)
{
    JsonObject *ent = lookup(s, name);
    const char *meta;

    g_assert_nonnull(ent);
    meta = str(ent, "meta-type");
    if (g_str_equal(meta, "array")) {
        g_assert_true(name[0] == '[');
    } else if (!g_str_equal(meta, "builtin")) {
        char *end;

        strtol(name, &end, 10);
        g_assert_true(*end == '\0');
    }
    return ent;
}

static void check_all_references(Schema *s)
{
    JsonArray *array = json_node_get_array(s->root);

    for (guint i = 0; i < json_array_get_length(array); i++) {
        JsonObject *ent = json_array_get_object_element(array, i);
        const char *meta = str(ent, "meta-type");

        if (g_str_equal(meta, "command")) {
            g_assert_cmpstr(str(resolve(s, str(ent, "arg-type")), "meta-type"), ==, "object");
            resolve(s, str(ent, "ret-type"));
        } else if (g_str_equal(meta, "event")) {
            g_assert_cmpstr(str(resolve(s, str(ent, "arg-type")), "meta-type"), ==, "object");
        } else if (g_str_equal(meta, "array")) {
            resolve(s, str(ent, "element-type"));
        } else if (g_str_equal(meta, "object")) {
            JsonArray *members = json_object_get_array_member(ent, "members");

            for (guint j = 0; j < json_array_get_length(members); j++) {
                resolve(s, str(json_array_get_object_element(members, j), "type"));
            }
            if (json_object_has_member(ent, "variants")) {
                JsonArray *v = json_object_get_array_member(ent, "variants");

                for (guint j = 0; j < json_array_get_length(v); j++) {
                    resolve(s, str(json_array_get_object_element(v, j), "type"));
                }
            }
        } else if (g_str_equal(meta, "alternate")) {
            JsonArray *members = json_object_get_array_member(ent, "members");

            for (guint j = 0; j < json_array_get_length(members); j++) {
                resolve(s, str(json_array_get_object_element(members, j), "type"));
            }
        }
    }
}

static JsonObject *member(JsonObject *obj, const char *name)
{
    JsonArray *members = json_object_get_array_member(obj, "members");

    for (guint j = 0; j < json_array_get_length(members); j++) {
        JsonObject *m = json_array_get_object_element(members, j);

        if (g_str_equal(str(m, "name"), name)) {
            return m;
        }
    }
    return NULL;
}

static char *features(JsonObject *o)
{
    g_autoptr(GString) out = g_string_new(NULL);
    JsonArray *f;

    if (!json_object_has_member(o, "features")) {
        return g_string_free(g_steal_pointer(&out), false);
    }
    f = json_object_get_array_member(o, "features");
    for (guint i = 0; i < json_array_get_length(f); i++) {
        g_string_append_printf(out, "%s%s", i ? "," : "", json_array_get_string_element(f, i));
    }
    return g_string_free(g_steal_pointer(&out), false);
}

static void test_structure(void)
{
    Schema s;
    JsonObject *cmd, *args, *m, *obj, *alt;
    g_autofree char *f1 = NULL;
    g_autofree char *f2 = NULL;

    schema_load(&s);
    check_all_references(&s);

    cmd = lookup(&s, "test-add");
    g_assert_cmpstr(str(cmd, "meta-type"), ==, "command");
    g_assert_cmpstr(str(cmd, "ret-type"), ==, "int");
    g_assert_false(json_object_has_member(cmd, "allow-oob"));
    args = lookup(&s, str(cmd, "arg-type"));
    m = member(args, "a");
    g_assert_cmpstr(str(m, "type"), ==, "int");
    g_assert_false(json_object_has_member(m, "default"));
    m = member(args, "b");
    g_assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(m, "default")));

    g_assert_true(json_object_get_boolean_member(lookup(&s, "test-echo"), "allow-oob"));
    /* Sized integers are all "int" on the wire. */
    args = lookup(&s, str(lookup(&s, "test-echo"), "arg-type"));
    g_assert_cmpstr(str(member(args, "times"), "type"), ==, "int");

    g_assert_nonnull(lookup(&s, "test-manual"));
    g_assert_nonnull(lookup(&s, "TEST_BOXED"));
    g_assert_null(lookup(&s, "test-never"));
    g_assert_null(lookup(&s, "TEST_NEVER"));
#if defined(CONFIG_KVM)
    g_assert_nonnull(lookup(&s, "test-kvm"));
#else
    g_assert_null(lookup(&s, "test-kvm"));
#endif
    f1 = features(lookup(&s, "test-deprecated"));
    g_assert_cmpstr(f1, ==, "deprecated,unstable");
    f2 = features(lookup(&s, "test-cond-feature"));
    g_assert_cmpstr(f2, ==, "");

    /* The boxed union as arguments: members, tag and variants. */
    obj = lookup(&s, str(lookup(&s, "test-boxed"), "arg-type"));
    g_assert_cmpstr(str(obj, "tag"), ==, "kind");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(obj, "variants")), ==,
                     2);
    g_assert_nonnull(member(obj, "label"));
    g_assert_cmpstr(str(lookup(&s, str(lookup(&s, "test-boxed"), "ret-type")), "meta-type"), ==,
                    "array");

    /* The alternate inside Device, reached through test-echo's result. */
    obj = lookup(&s, str(lookup(&s, "test-echo"), "ret-type"));
    alt = lookup(&s, str(member(obj, "alt"), "type"));
    g_assert_cmpstr(str(alt, "meta-type"), ==, "alternate");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(alt, "members")), ==, 2);
    schema_free(&s);
}

static void test_enum_values(void)
{
    Schema s;
    JsonObject *colors;
    JsonArray *values;
    g_autoptr(GString) all = g_string_new(NULL);

    schema_load(&s);
    colors = lookup(&s, str(lookup(&s, str(lookup(&s, "test-colors"), "ret-type")),
                            "element-type"));
    values = json_object_get_array_member(colors, "values");
    for (guint i = 0; i < json_array_get_length(values); i++) {
        g_string_append_printf(all, "%s ", json_array_get_string_element(values, i));
    }
#if defined(CONFIG_KVM)
    g_assert_cmpstr(all->str, ==, "red green blue kvm-only x-infra-red ");
#else
    g_assert_cmpstr(all->str, ==, "red green blue x-infra-red ");
#endif
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(colors, "members")),
                     ==, json_array_get_length(values));
    schema_free(&s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi-introspect/structure", test_structure);
    g_test_add_func("/qapi-introspect/enum-values", test_enum_values);
    return g_test_run();
}

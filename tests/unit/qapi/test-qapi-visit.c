/*
 * Generated types and visitors on the test schema: every type round-trips JSON -> C ->
 * JSON unchanged, and every kind of bad input is rejected with its QEMU-style message
 * naming the full member path.
 */
#include "test-qapi-impl.h"

#include <string.h>

#include "util/error.h"

static JsonNode *parse(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(parser, text, -1, &err)) {
        g_error("bad test JSON %s: %s", text, err->message);
    }
    return json_node_copy(json_parser_get_root(parser));
}

static char *to_json(JsonNode *node)
{
    return json_to_string(node, false);
}

/* JSON text in canonical compact form, for comparisons. */
static char *canonical(const char *text)
{
    g_autoptr(JsonNode) node = parse(text);

    return to_json(node);
}

/* Input then output visitor for type T: the JSON must come back unchanged. */
#define ROUND_TRIP(T, text, check)                                                          \
    do {                                                                                    \
        g_autoptr(JsonNode) in_ = parse(text);                                              \
        g_autoptr(T) obj = NULL;                                                            \
        g_autoptr(GError) err_ = NULL;                                                      \
        g_autoptr(JsonNode) out_ = NULL;                                                    \
        g_autofree char *got_ = NULL;                                                       \
        g_autofree char *want_ = canonical(text);                                           \
                                                                                            \
        g_assert_true(visit_in_##T(in_, NULL, &obj, &err_));                                \
        g_assert_no_error(err_);                                                            \
        g_assert_nonnull(obj);                                                              \
        check;                                                                              \
        out_ = visit_out_##T(obj);                                                          \
        got_ = to_json(out_);                                                               \
        g_assert_cmpstr(got_, ==, want_);                                                   \
    } while (0)

/* Input visitor for type T must fail with message msg and leave *obj NULL. */
#define REJECT(T, text, msg)                                                                \
    do {                                                                                    \
        g_autoptr(JsonNode) in_ = parse(text);                                              \
        T *obj_ = (T *)&obj_;                                                               \
        g_autoptr(GError) err_ = NULL;                                                      \
                                                                                            \
        g_assert_false(visit_in_##T(in_, NULL, &obj_, &err_));                              \
        g_assert_null(obj_);                                                                \
        g_assert_error(err_, HULL_ERROR, HULL_ERROR_GENERIC);                               \
        g_assert_cmpstr(err_->message, ==, msg);                                            \
    } while (0)

#define SCALARS_JSON(extra)                                                                 \
    "{\"s\": \"text \\u00e9\", \"n\": 1.5, \"i\": -9007199254740993, \"i8\": -128, "        \
    "\"i16\": 32767, \"i32\": -2147483648, \"i64\": 9223372036854775807, \"u8\": 255, "     \
    "\"u16\": 65535, \"u32\": 4294967295, \"u64\": 9223372036854775807, \"sz\": 4096, "     \
    "\"b\": true" extra ", \"e\": \"blue\"}"

static void test_scalars(void)
{
    ROUND_TRIP(Scalars, SCALARS_JSON(""), {
        g_assert_cmpstr(obj->s, ==, "text \xc3\xa9");
        g_assert_cmpfloat(obj->n, ==, 1.5);
        g_assert_cmpint(obj->i, ==, -9007199254740993LL);
        g_assert_cmpint(obj->i8, ==, -128);
        g_assert_cmpint(obj->i16, ==, 32767);
        g_assert_cmpint(obj->i32, ==, INT32_MIN);
        g_assert_cmpint(obj->i64, ==, INT64_MAX);
        g_assert_cmpuint(obj->u8, ==, 255);
        g_assert_cmpuint(obj->u16, ==, 65535);
        g_assert_cmpuint(obj->u32, ==, UINT32_MAX);
        g_assert_cmpuint(obj->u64, ==, INT64_MAX);
        g_assert_cmpuint(obj->sz, ==, 4096);
        g_assert_true(obj->b);
        g_assert_cmpint(obj->e, ==, COLOR_BLUE);
        g_assert_null(obj->a);
        g_assert_null(obj->nul);
        g_assert_false(obj->has_p);
        g_assert_false(obj->has_opt_int);
        g_assert_null(obj->opt_str);
    });
    /* Optional members of every kind, present. */
    ROUND_TRIP(Scalars, "{\"s\": \"\", \"n\": -2.0, \"i\": 0, \"i8\": 0, \"i16\": 0, \"i32\": 0, "
               "\"i64\": 0, \"u8\": 0, \"u16\": 0, \"u32\": 0, \"u64\": 0, \"sz\": 0, "
               "\"b\": false, \"a\": {\"x\": [1, null, \"y\"]}, \"nul\": null, "
               "\"e\": \"x-infra-red\", \"p\": \"two-words\", \"opt-int\": 0, \"opt-str\": \"\"}",
               {
                   g_assert_cmpfloat(obj->n, ==, -2.0);
                   g_assert_true(JSON_NODE_HOLDS_OBJECT(obj->a));
                   g_assert_true(JSON_NODE_HOLDS_NULL(obj->nul));
                   g_assert_true(obj->has_p);
                   g_assert_cmpint(obj->p, ==, PFX_TWO_WORDS);
                   g_assert_true(obj->has_opt_int);
                   g_assert_cmpint(obj->opt_int, ==, 0);
                   g_assert_cmpstr(obj->opt_str, ==, "");
               });
}

static void test_struct_base_lists(void)
{
    ROUND_TRIP(Derived, "{\"id\": \"d\", \"tag-opt\": 3, \"extra\": [1, -2, 3], "
               "\"nested\": " SCALARS_JSON("") ", \"list\": [" SCALARS_JSON("") ", "
               SCALARS_JSON("") "], \"colors\": [\"red\", \"green\"], \"x-experimental\": false}",
               {
                   Base *base = qapi_Derived_base(obj);
                   g_assert_cmpstr(base->id, ==, "d");
                   g_assert_true(base->has_tag_opt);
                   g_assert_cmpint(obj->extra->next->value, ==, -2);
                   g_assert_null(obj->extra->next->next->next);
                   g_assert_cmpint(obj->nested->u16, ==, 65535);
                   g_assert_nonnull(obj->list->next);
                   g_assert_cmpint(obj->colors->next->value, ==, COLOR_GREEN);
                   g_assert_true(obj->has_x_experimental);
               });
    ROUND_TRIP(Derived, "{\"id\": \"\", \"extra\": []}", g_assert_null(obj->extra));
#if defined(CONFIG_KVM)
    ROUND_TRIP(Derived, "{\"id\": \"c\", \"extra\": [], \"cond\": \"kvm\"}",
               g_assert_cmpstr(obj->cond, ==, "kvm"));
#else
    REJECT(Derived, "{\"id\": \"c\", \"extra\": [], \"cond\": \"kvm\"}",
           "Parameter 'cond' is unexpected");
#endif
    /* Compiled-out members do not exist on the wire. */
    REJECT(Derived, "{\"id\": \"c\", \"extra\": [], \"never\": \"x\"}",
           "Parameter 'never' is unexpected");
}

static void test_unions(void)
{
    ROUND_TRIP(Backend, "{\"kind\": \"file\", \"label\": \"disk\", \"path\": \"/a\", "
               "\"size\": 512}", {
                   g_assert_cmpint(obj->kind, ==, BACKEND_TYPE_FILE);
                   g_assert_cmpstr(obj->u.file.path, ==, "/a");
                   g_assert_true(obj->u.file.has_size);
               });
    ROUND_TRIP(Backend, "{\"kind\": \"socket\", \"host\": \"h\", \"port\": 80}",
               g_assert_cmpuint(obj->u.socket.port, ==, 80));
    ROUND_TRIP(Backend, "{\"kind\": \"null\"}", g_assert_null(obj->label));
    ROUND_TRIP(NamedBaseUnion, "{\"type\": \"file\", \"common\": 1, \"path\": \"p\"}",
               g_assert_cmpint(qapi_NamedBaseUnion_base(obj)->common, ==, 1));
    ROUND_TRIP(NamedBaseUnion, "{\"type\": \"null\", \"common\": 2}",
               g_assert_cmpint(obj->type, ==, BACKEND_TYPE_NULL));
    /* A branch without entry in 'data' has no members. */
    ROUND_TRIP(NamedBaseUnion, "{\"type\": \"socket\", \"common\": 3}",
               g_assert_cmpint(obj->type, ==, BACKEND_TYPE_SOCKET));

    REJECT(Backend, "{\"path\": \"/a\"}", "Parameter 'kind' is missing");
    REJECT(Backend, "{\"kind\": \"tape\"}", "Parameter 'kind' does not accept value 'tape'");
    REJECT(Backend, "{\"kind\": 1}", "Invalid parameter type for 'kind', expected: string");
    REJECT(Backend, "{\"kind\": \"file\"}", "Parameter 'path' is missing");
    REJECT(Backend, "{\"kind\": \"null\", \"path\": \"/a\"}", "Parameter 'path' is unexpected");
    REJECT(Backend, "{\"kind\": \"socket\", \"host\": \"h\", \"port\": 65536}",
           "Parameter 'port' expects an integer between 0 and 65535");
    REJECT(NamedBaseUnion, "{\"type\": \"null\", \"common\": 2, \"x\": 1}",
           "Parameter 'x' is unexpected");
}

static void test_alternates(void)
{
    ROUND_TRIP(IntOrStr, "5", {
        g_assert_cmpint(obj->type, ==, QTYPE_QNUM);
        g_assert_cmpint(obj->u.i, ==, 5);
    });
    ROUND_TRIP(IntOrStr, "\"five\"", g_assert_cmpstr(obj->u.s, ==, "five"));
    ROUND_TRIP(Complex, "2.5", g_assert_cmpfloat(obj->u.n, ==, 2.5));
    ROUND_TRIP(Complex, "false", g_assert_cmpint(obj->type, ==, QTYPE_QBOOL));
    ROUND_TRIP(Complex, "null", g_assert_cmpint(obj->type, ==, QTYPE_QNULL));
    ROUND_TRIP(Complex, "{\"kind\": \"null\"}", g_assert_cmpint(obj->type, ==, QTYPE_QDICT));
    ROUND_TRIP(Complex, "[1, 2]", g_assert_cmpint(obj->u.l->next->value, ==, 2));
    ROUND_TRIP(Complex, "\"green\"", g_assert_cmpint(obj->u.e, ==, COLOR_GREEN));

    REJECT(IntOrStr, "1.5", "Invalid parameter type for '<root>', expected: integer");
    REJECT(IntOrStr, "true", "Invalid parameter type for '<root>', expected: integer or string");
    REJECT(IntOrStr, "[]", "Invalid parameter type for '<root>', expected: integer or string");
    REJECT(Complex, "\"pink\"", "Parameter '<root>' does not accept value 'pink'");
    REJECT(Complex, "{\"kind\": \"file\"}", "Parameter 'path' is missing");
    REJECT(Complex, "[1, \"2\"]", "Invalid parameter type for '[1]', expected: integer");
}

static void test_recursive_and_paths(void)
{
    const char *dev = "{\"id\": \"root\", \"backend\": {\"kind\": \"null\"}, \"alt\": \"a\", "
                      "\"complex\": [3], \"children\": [{\"id\": \"c0\", \"backend\": "
                      "{\"kind\": \"file\", \"path\": \"/c0\"}, \"children\": [{\"id\": \"g\", "
                      "\"backend\": {\"kind\": \"null\"}}]}]}";

    ROUND_TRIP(Device, dev, {
        g_assert_cmpstr(obj->children->value->children->value->id, ==, "g");
        g_assert_cmpstr(obj->children->value->backend->u.file.path, ==, "/c0");
    });
    REJECT(Device, "{\"id\": \"r\", \"backend\": {\"kind\": \"null\"}, \"children\": "
           "[{\"id\": \"c0\", \"backend\": {\"kind\": \"null\"}}, {\"id\": \"c1\", "
           "\"backend\": {\"kind\": \"file\", \"path\": \"/x\", \"size\": -1}}]}",
           "Parameter 'children[1].backend.size' expects an unsigned integer");
    REJECT(Device, "{\"id\": \"r\", \"backend\": {\"kind\": \"null\"}, \"children\": "
           "[{\"backend\": {\"kind\": \"null\"}}]}", "Parameter 'children[0].id' is missing");
    REJECT(Device, "{\"id\": \"r\", \"backend\": {\"kind\": \"null\", \"bogus\": 1}}",
           "Parameter 'backend.bogus' is unexpected");
    REJECT(Device, "{\"id\": \"r\", \"backend\": {\"kind\": \"null\"}, \"alt\": {}}",
           "Invalid parameter type for 'alt', expected: integer or string");
    REJECT(Device, "{\"id\": \"r\", \"backend\": {\"kind\": \"null\"}, \"children\": {}}",
           "Invalid parameter type for 'children', expected: array");
    REJECT(Device, "{\"id\": \"r\", \"backend\": []}",
           "Invalid parameter type for 'backend', expected: object");
    REJECT(Device, "[]", "Invalid parameter type for '<root>', expected: object");
    REJECT(Device, "{\"id\": null, \"backend\": {\"kind\": \"null\"}}",
           "Invalid parameter type for 'id', expected: string");
}

/* A Device whose children nest `levels` deep. */
static char *nested_devices(int levels)
{
    GString *text = g_string_new(NULL);

    for (int i = 0; i < levels; i++) {
        g_string_append(text, "{\"id\": \"d\", \"backend\": {\"kind\": \"null\"}, "
                              "\"children\": [");
    }
    g_string_append(text, "{\"id\": \"leaf\", \"backend\": {\"kind\": \"null\"}}");
    for (int i = 0; i < levels; i++) {
        g_string_append(text, "]}");
    }
    return g_string_free(text, false);
}

static void test_nesting_limit(void)
{
    g_autofree char *ok_text = nested_devices(400);
    g_autofree char *bad_text = nested_devices(600);
    g_autoptr(JsonNode) ok_node = parse(ok_text);
    g_autoptr(JsonNode) bad_node = parse(bad_text);
    g_autoptr(Device) dev = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_true(visit_in_Device(ok_node, NULL, &dev, &err));
    g_assert_no_error(err);
    g_clear_pointer(&dev, qapi_free_Device);
    g_assert_false(visit_in_Device(bad_node, NULL, &dev, &err));
    g_assert_null(dev);
    g_assert_true(g_str_has_prefix(err->message, "Parameter 'children[0].children[0]."));
    g_assert_true(g_str_has_suffix(err->message, "' is nested too deeply"));
}

/* A random JSON value, small, of any type. */
static JsonNode *random_value(int depth)
{
    switch (g_test_rand_int_range(0, depth > 2 ? 6 : 8)) {
    case 0:
        return json_node_new(JSON_NODE_NULL);
    case 1:
        return json_node_init_int(json_node_alloc(), g_test_rand_int_range(-70000, 70000));
    case 2:
        return json_node_init_double(json_node_alloc(), g_test_rand_double());
    case 3:
        return json_node_init_boolean(json_node_alloc(), g_test_rand_bit());
    case 4: {
        static const char *const strings[] = { "", "file", "null", "socket", "red", "x" };

        return json_node_init_string(json_node_alloc(),
                                     strings[g_test_rand_int_range(0, G_N_ELEMENTS(strings))]);
    }
    case 5:
        return json_node_init_int(json_node_alloc(), g_test_rand_bit() ? INT64_MAX : INT64_MIN);
    case 6: {
        JsonArray *a = json_array_new();

        for (int i = g_test_rand_int_range(0, 3); i > 0; i--) {
            json_array_add_element(a, random_value(depth + 1));
        }
        return qapi_node_take_array(a);
    }
    default: {
        static const char *const keys[] = { "id", "backend", "kind", "path", "size", "alt",
                                            "complex", "children", "port", "zz" };
        JsonObject *o = json_object_new();

        for (int i = g_test_rand_int_range(0, 4); i > 0; i--) {
            json_object_set_member(o, keys[g_test_rand_int_range(0, G_N_ELEMENTS(keys))],
                                   random_value(depth + 1));
        }
        return qapi_node_take_object(o);
    }
    }
}

/* Replaces one random value somewhere inside node (an object or array tree). */
static void mutate(JsonNode *node, int depth)
{
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonObject *o = json_node_get_object(node);
        g_autoptr(GList) names = json_object_get_members(o);
        const char *name;

        if (!names || g_test_rand_int_range(0, 8) == 0) {
            json_object_set_member(o, g_test_rand_bit() ? "zz" : "id", random_value(depth));
            return;
        }
        name = g_list_nth_data(names, g_test_rand_int_range(0, g_list_length(names)));
        if (g_test_rand_int_range(0, 3) == 0) {
            json_object_set_member(o, name, random_value(depth));
        } else if (g_test_rand_int_range(0, 6) == 0) {
            json_object_remove_member(o, name);
        } else {
            mutate(json_object_get_member(o, name), depth + 1);
        }
    } else if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *a = json_node_get_array(node);
        guint len = json_array_get_length(a);

        if (len == 0 || g_test_rand_int_range(0, 4) == 0) {
            json_array_add_element(a, random_value(depth));
        } else {
            mutate(json_array_get_element(a, g_test_rand_int_range(0, len)), depth + 1);
        }
    }
}

/* Random damage to a valid Device: never a crash, an error iff the result is invalid, and
 * a success only if the output visitor gives back the same JSON. */
static void test_random_input(void)
{
    const char *dev = "{\"id\": \"root\", \"backend\": {\"kind\": \"file\", \"path\": \"/p\", "
                      "\"size\": 1}, \"alt\": 1, \"complex\": [1, 2], \"children\": [{\"id\": "
                      "\"c\", \"backend\": {\"kind\": \"socket\", \"host\": \"h\", "
                      "\"port\": 1}}]}";
    int accepted = 0;

    for (int i = 0; i < 3000; i++) {
        g_autoptr(JsonNode) node = parse(dev);
        g_autoptr(Device) obj = NULL;
        g_autoptr(GError) err = NULL;

        for (int n = g_test_rand_int_range(1, 4); n > 0; n--) {
            mutate(node, 0);
        }
        if (visit_in_Device(node, NULL, &obj, &err)) {
            g_autoptr(JsonNode) out = visit_out_Device(obj);
            g_autoptr(Device) again = NULL;

            g_assert_no_error(err);
            /* Numbers may change representation (1 -> 1.0 in 'complex'), so compare by
             * reading the output back in. */
            g_assert_true(visit_in_Device(out, NULL, &again, &err));
            accepted++;
        } else {
            g_assert_null(obj);
            g_assert_nonnull(err);
            g_assert_true(g_str_has_prefix(err->message, "Parameter '") ||
                          g_str_has_prefix(err->message, "Invalid parameter type for '"));
        }
    }
    g_test_message("%d of 3000 damaged inputs were still valid", accepted);
    g_assert_cmpint(accepted, >, 0);
    g_assert_cmpint(accepted, <, 3000);
}

static void test_scalar_type_errors(void)
{
    static const struct {
        const char *member;
        const char *value;
        const char *msg;
    } cases[] = {
        { "s", "1", "Invalid parameter type for 'nested.s', expected: string" },
        { "n", "\"1\"", "Invalid parameter type for 'nested.n', expected: number" },
        { "n", "1e400", "Parameter 'nested.n' expects a finite number" },
        { "i", "1.0", "Invalid parameter type for 'nested.i', expected: integer" },
        { "i", "true", "Invalid parameter type for 'nested.i', expected: integer" },
        { "i8", "-129", "Parameter 'nested.i8' expects an integer between -128 and 127" },
        { "i16", "32768", "Parameter 'nested.i16' expects an integer between -32768 and 32767" },
        { "i32", "2147483648",
          "Parameter 'nested.i32' expects an integer between -2147483648 and 2147483647" },
        { "u8", "-1", "Parameter 'nested.u8' expects an integer between 0 and 255" },
        { "u16", "65536", "Parameter 'nested.u16' expects an integer between 0 and 65535" },
        { "u32", "4294967296",
          "Parameter 'nested.u32' expects an integer between 0 and 4294967295" },
        { "u64", "-1", "Parameter 'nested.u64' expects an unsigned integer" },
        { "sz", "-4096", "Parameter 'nested.sz' expects an unsigned integer" },
        { "sz", "\"4k\"", "Invalid parameter type for 'nested.sz', expected: integer" },
        { "b", "1", "Invalid parameter type for 'nested.b', expected: boolean" },
        { "nul", "0", "Invalid parameter type for 'nested.nul', expected: null" },
        { "e", "\"purple\"", "Parameter 'nested.e' does not accept value 'purple'" },
        { "e", "\"never\"", "Parameter 'nested.e' does not accept value 'never'" },
        { "p", "\"PFX_ONE\"", "Parameter 'nested.p' does not accept value 'PFX_ONE'" },
        { "opt-str", "null", "Invalid parameter type for 'nested.opt-str', expected: string" },
        { "zzz", "1", "Parameter 'nested.zzz' is unexpected" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(JsonNode) nested = parse(SCALARS_JSON(""));
        g_autoptr(JsonObject) outer = json_object_new();
        g_autoptr(JsonNode) node = NULL;
        g_autoptr(GError) err = NULL;
        Derived *obj = NULL;

        json_object_set_member(json_node_get_object(nested), cases[i].member,
                               parse(cases[i].value));
        json_object_set_string_member(outer, "id", "x");
        json_object_set_member(outer, "extra", parse("[]"));
        json_object_set_member(outer, "nested", g_steal_pointer(&nested));
        node = json_node_init_object(json_node_alloc(), outer);
        g_assert_false(visit_in_Derived(node, NULL, &obj, &err));
        g_assert_null(obj);
        g_assert_cmpstr(err->message, ==, cases[i].msg);
    }
    /* Mandatory members missing, one at a time. */
    for (const char *const *m = (const char *const[]) { "s", "u64", "e", "b", NULL }; *m; m++) {
        g_autoptr(JsonNode) node = parse(SCALARS_JSON(""));
        g_autoptr(GError) err = NULL;
        g_autofree char *msg = g_strdup_printf("Parameter '%s' is missing", *m);
        Scalars *obj = NULL;

        json_object_remove_member(json_node_get_object(node), *m);
        g_assert_false(visit_in_Scalars(node, NULL, &obj, &err));
        g_assert_cmpstr(err->message, ==, msg);
    }
}

static void test_mangled_names(void)
{
    ROUND_TRIP(Mangled, "{\"default\": 1, \"if\": \"x\", \"case\": true, \"a-b\": 2, "
               "\"__org.example_member\": 3}", {
                   g_assert_cmpint(obj->q_default, ==, 1);
                   g_assert_cmpstr(obj->q_if, ==, "x");
                   g_assert_true(obj->has_q_case && obj->q_case);
                   g_assert_cmpint(obj->a_b, ==, 2);
                   g_assert_cmpint(obj->__org_example_member, ==, 3);
               });
    ROUND_TRIP(__org_example_Vendor, "{\"x-y\": 4}", g_assert_cmpint(obj->x_y, ==, 4));
    ROUND_TRIP(LegacyStruct, "{\"Upper_case\": 5}", g_assert_cmpint(obj->Upper_case, ==, 5));
    ROUND_TRIP(Empty, "{}", (void)obj);
    REJECT(Empty, "{\"a\": 1}", "Parameter 'a' is unexpected");
}

static void test_builtin_lists(void)
{
    ROUND_TRIP(strList, "[\"a\", \"\", \"c\"]", g_assert_cmpstr(obj->next->next->value, ==, "c"));
    ROUND_TRIP(intList, "[1, 2]", g_assert_cmpint(obj->value, ==, 1));
    ROUND_TRIP(uint8List, "[0, 255]", g_assert_cmpuint(obj->next->value, ==, 255));
    ROUND_TRIP(boolList, "[true, false]", g_assert_false(obj->next->value));
    ROUND_TRIP(anyList, "[{}, [], 1, \"s\", null]", g_assert_nonnull(obj->value));
    ROUND_TRIP(numberList, "[0.5]", g_assert_cmpfloat(obj->value, ==, 0.5));
    ROUND_TRIP(ColorList, "[\"red\"]", g_assert_cmpint(obj->value, ==, COLOR_RED));
    REJECT(uint8List, "[0, 256]", "Parameter '[1]' expects an integer between 0 and 255");
    REJECT(strList, "{}", "Invalid parameter type for '<root>', expected: array");
}

static void test_enums(void)
{
    g_autoptr(GError) err = NULL;
    Color c = COLOR_RED;

    g_assert_cmpstr(Color_str(COLOR_X_INFRA_RED), ==, "x-infra-red");
    g_assert_null(Color_str(COLOR__MAX));
    g_assert_null(Color_str(-1));
    g_assert_true(Color_parse("blue", &c, &err));
    g_assert_cmpint(c, ==, COLOR_BLUE);
    g_assert_false(Color_parse("never", &c, &err));
    g_assert_cmpstr(err->message, ==, "Invalid parameter value 'never'");
    g_assert_cmpint(c, ==, COLOR_BLUE);
    g_assert_cmpint(Color_lookup.special_features[COLOR_BLUE], ==, QAPI_FEATURE_DEPRECATED);
    g_assert_cmpint(Color_lookup.special_features[COLOR_RED], ==, 0);
    g_assert_null(Prefixed_lookup.special_features);
    g_assert_cmpstr(Prefixed_str(PFX_ONE), ==, "one");
    g_assert_cmpint(TEST_PHASE__MAX, ==, 3);
#if defined(CONFIG_KVM)
    g_assert_cmpint(COLOR__MAX, ==, 5);
    g_assert_cmpstr(Color_str(COLOR_KVM_ONLY), ==, "kvm-only");
#else
    g_assert_cmpint(COLOR__MAX, ==, 4);
#endif
}

static void test_output_of_c_values(void)
{
    g_autoptr(Backend) b = g_new0(Backend, 1);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    g_autoptr(JsonNode) big = visit_out_uint64(UINT64_MAX);

    /* Optional members absent in C are absent in JSON; NULL strings print as "". */
    b->kind = BACKEND_TYPE_FILE;
    node = visit_out_Backend(b);
    text = to_json(node);
    g_assert_cmpstr(text, ==, "{\"kind\":\"file\",\"path\":\"\"}");
    g_assert_cmpint(json_node_get_value_type(big), ==, G_TYPE_DOUBLE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi-visit/scalars", test_scalars);
    g_test_add_func("/qapi-visit/scalar-type-errors", test_scalar_type_errors);
    g_test_add_func("/qapi-visit/struct-base-lists", test_struct_base_lists);
    g_test_add_func("/qapi-visit/unions", test_unions);
    g_test_add_func("/qapi-visit/alternates", test_alternates);
    g_test_add_func("/qapi-visit/recursive-and-paths", test_recursive_and_paths);
    g_test_add_func("/qapi-visit/nesting-limit", test_nesting_limit);
    g_test_add_func("/qapi-visit/random-input", test_random_input);
    g_test_add_func("/qapi-visit/mangled-names", test_mangled_names);
    g_test_add_func("/qapi-visit/builtin-lists", test_builtin_lists);
    g_test_add_func("/qapi-visit/enums", test_enums);
    g_test_add_func("/qapi-visit/output", test_output_of_c_values);
    return g_test_run();
}

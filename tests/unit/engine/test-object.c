/*
 * Unit tests for engine/object and engine/device: types and interfaces, typed
 * properties (text, typed and JSON access), links, the composition tree, realize.
 */
#include "engine/device.h"
#include "util/error.h"

#define TYPE_TEST_IFACE "test-iface"
#define TYPE_TEST_BASE  "test-base"
#define TYPE_TEST_DEV   "test-dev"

typedef struct TestIfaceClass {
    ObjectClass parent_class;
    int (*answer)(Object *obj);
} TestIfaceClass;

typedef struct TestBase {
    DeviceState parent_obj;
    char *name;
    bool enabled;
} TestBase;

typedef struct TestDev {
    TestBase parent_obj;
    uint64_t count;
    int64_t offset;
    uint64_t size;
    char *mode;
    Object *peer;
    uint64_t level;
    char *serial;
    unsigned realizes;
    unsigned unrealizes;
    unsigned changes;
    bool init_saw_defaults;
} TestDev;

static const char *const test_modes[] = {"fast", "slow", NULL};

static const Property test_base_props[] = {
    PROP_STR("name", TestBase, name, "base", "a name"),
    PROP_BOOL("enabled", TestBase, enabled, true, "whether it is on"),
    PROP_END,
};

static const Property test_dev_props[] = {
    PROP_UINT("count", TestDev, count, 4, "how many", .umax = 16),
    PROP_INT("offset", TestDev, offset, -1, "signed", .imin = -10, .imax = 10),
    PROP_SIZE("size", TestDev, size, 64 * 1024, "bytes"),
    PROP_STR("mode", TestDev, mode, "fast", "fast or slow", .enum_values = test_modes),
    PROP_LINK("peer", TestDev, peer, TYPE_TEST_DEV, "/peers", "another test-dev"),
    PROP_UINT("level", TestDev, level, 0, "changeable at run time", .flags = PROP_MUTABLE),
    PROP_STR("serial", TestDev, serial, "S/N 1", "fixed", .flags = PROP_READONLY),
    PROP_END,
};

static int test_dev_answer(Object *obj)
{
    return 42;
}

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = (TestDev *)dev;

    if (t->count == 13) {
        return hull_error_setg(errp, "unlucky count");
    }
    t->realizes++;
    return true;
}

static void test_dev_unrealize(DeviceState *dev)
{
    ((TestDev *)dev)->unrealizes++;
}

static bool test_dev_property_changed(Object *obj, const Property *prop, GError **errp)
{
    TestDev *t = (TestDev *)obj;

    if (t->level > 100) {
        return hull_error_setg(errp, "level too high for a running device");
    }
    t->changes++;
    return true;
}

static void test_dev_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    TestIfaceClass *ic = object_class_get_interface(klass, TYPE_TEST_IFACE);

    dc->realize = test_dev_realize;
    dc->unrealize = test_dev_unrealize;
    dc->user_creatable = true;
    klass->property_changed = test_dev_property_changed;
    ic->answer = test_dev_answer;
}

static void test_dev_init(Object *obj)
{
    TestDev *t = (TestDev *)obj;

    t->init_saw_defaults = t->count == 4 && g_strcmp0(t->mode, "fast") == 0;
}

static const TypeInfo test_iface_info = {
    .name = TYPE_TEST_IFACE,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(TestIfaceClass),
};

static const TypeInfo test_base_info = {
    .name = TYPE_TEST_BASE,
    .parent = TYPE_DEVICE,
    .abstract = true,
    .instance_size = sizeof(TestBase),
    .properties = test_base_props,
};

static const TypeInfo test_dev_info = {
    .name = TYPE_TEST_DEV,
    .parent = TYPE_TEST_BASE,
    .description = "a device for tests",
    .instance_size = sizeof(TestDev),
    .class_init = test_dev_class_init,
    .instance_init = test_dev_init,
    .interfaces = (const char *const[]){TYPE_TEST_IFACE, NULL},
    .properties = test_dev_props,
};

TYPE_REGISTER(test_iface_info)
TYPE_REGISTER(test_base_info)
TYPE_REGISTER(test_dev_info)

static void test_dev_unref(TestDev *t)
{
    object_unref(OBJECT(t));
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestDev, test_dev_unref)

static TestDev *new_dev(void)
{
    g_autoptr(GError) err = NULL;
    Object *obj = object_new(TYPE_TEST_DEV, &err);

    g_assert_no_error(err);
    return (TestDev *)obj;
}

static JsonNode *json(const char *text)
{
    g_autoptr(GError) err = NULL;
    JsonNode *node = json_from_string(text, &err);

    g_assert_no_error(err);
    return node;
}

static char *json_text(JsonNode *node)
{
    char *text = json_to_string(node, false);

    json_node_unref(node);
    return text;
}

/* ---- tests ---- */

static void test_types(void)
{
    ObjectClass *dev = object_class_by_name(TYPE_TEST_DEV);
    ObjectClass *base = object_class_by_name(TYPE_TEST_BASE);
    g_autoptr(GPtrArray) names = NULL;
    TestIfaceClass *ic;

    g_assert_nonnull(dev);
    g_assert_null(object_class_by_name("no-such-type"));
    g_assert_true(object_class_get_parent(dev) == base);
    g_assert_true(object_class_is_abstract(base));
    g_assert_false(object_class_is_abstract(dev));
    g_assert_cmpstr(object_class_get_description(dev), ==, "a device for tests");
    g_assert_true(object_class_dynamic_cast(dev, TYPE_DEVICE) == dev);
    g_assert_true(object_class_dynamic_cast(dev, TYPE_TEST_IFACE) == dev);
    g_assert_null(object_class_dynamic_cast(base, TYPE_TEST_IFACE));
    g_assert_null(object_class_dynamic_cast(dev, TYPE_CONTAINER));
    ic = object_class_get_interface(dev, TYPE_TEST_IFACE);
    g_assert_nonnull(ic);
    g_assert_cmpint(ic->answer(NULL), ==, 42);
    g_assert_true(DEVICE_CLASS(dev)->user_creatable);

    names = type_list_names(TYPE_TEST_IFACE, false);
    g_assert_cmpuint(names->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(names, 0), ==, TYPE_TEST_DEV);
    g_ptr_array_unref(names);
    names = type_list_names(TYPE_TEST_BASE, false);
    g_assert_cmpuint(names->len, ==, 1);
    g_ptr_array_unref(names);
    names = type_list_names(TYPE_TEST_BASE, true);
    g_assert_cmpuint(names->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(names, 0), ==, TYPE_TEST_BASE);
    g_ptr_array_unref(names);
    /* Every type, sorted. */
    names = type_list_names(NULL, true);
    g_assert_cmpuint(names->len, >=, 7);
    for (unsigned i = 1; i < names->len; i++) {
        g_assert_cmpstr(g_ptr_array_index(names, i - 1), <, g_ptr_array_index(names, i));
    }
}

static void test_new_failures(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(object_new("no-such-type", &err));
    g_assert_cmpstr(err->message, ==, "unknown type 'no-such-type'");
    g_clear_error(&err);
    g_assert_null(object_new(TYPE_TEST_BASE, &err));
    g_assert_cmpstr(err->message, ==, "type 'test-base' is abstract");
    g_clear_error(&err);
    g_assert_null(object_new(TYPE_TEST_IFACE, &err));
    g_assert_nonnull(err);
}

static void test_defaults_and_typed_access(void)
{
    g_autoptr(TestDev) t = new_dev();
    Object *obj = OBJECT(t);
    g_autoptr(GError) err = NULL;
    g_autofree char *s = NULL;

    g_assert_true(t->init_saw_defaults);
    g_assert_cmpstr(((TestBase *)t)->name, ==, "base");
    g_assert_true(((TestBase *)t)->enabled);
    g_assert_cmpuint(t->size, ==, 65536);
    g_assert_cmpint(t->offset, ==, -1);

    g_assert_true(object_property_set_uint(obj, "count", 16, &err));
    g_assert_cmpuint(object_property_get_uint(obj, "count", NULL), ==, 16);
    g_assert_true(object_property_set_str(obj, "name", "uart0", NULL));
    s = object_property_get_str(obj, "name", NULL);
    g_assert_cmpstr(s, ==, "uart0");
    g_assert_true(object_property_set_bool(obj, "enabled", false, NULL));
    g_assert_false(object_property_get_bool(obj, "enabled", NULL));
    g_assert_true(object_property_set_int(obj, "offset", -10, NULL));
    g_assert_cmpint(object_property_get_int(obj, "offset", NULL), ==, -10);

    /* Every refusal leaves the value alone. */
    g_assert_false(object_property_set_uint(obj, "count", 17, &err));
    g_assert_cmpstr(err->message, ==, "property 'count' of 'test-dev': 17 is above the "
                                      "maximum 16");
    g_clear_error(&err);
    g_assert_false(object_property_set_int(obj, "offset", 11, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_false(object_property_set_str(obj, "mode", "medium", &err));
    g_assert_cmpstr(err->message, ==, "property 'mode' of 'test-dev': 'medium' is not one of "
                                      "'fast', 'slow'");
    g_clear_error(&err);
    g_assert_false(object_property_set_bool(obj, "count", true, &err));
    g_assert_cmpstr(err->message, ==, "property 'count' of 'test-dev' is of type 'uint64'");
    g_clear_error(&err);
    g_assert_false(object_property_set_str(obj, "serial", "forged", &err));
    g_assert_cmpstr(err->message, ==, "property 'serial' of 'test-dev' is read-only");
    g_clear_error(&err);
    g_assert_false(object_property_set_uint(obj, "nope", 1, &err));
    g_assert_cmpstr(err->message, ==, "'test-dev' has no property 'nope'");
    g_assert_cmpuint(t->count, ==, 16);
    g_assert_cmpint(t->offset, ==, -10);
    g_assert_cmpstr(t->mode, ==, "fast");
    g_assert_cmpstr(t->serial, ==, "S/N 1");
}

static void test_parse(void)
{
    g_autoptr(TestDev) t = new_dev();
    Object *obj = OBJECT(t);
    static const struct {
        const char *prop, *text;
        bool ok;
    } cases[] = {
        {"enabled", "off", true},   {"enabled", "yes", true},   {"enabled", "maybe", false},
        {"count", "0x10", true},    {"count", "-1", false},     {"count", "12x", false},
        {"count", "", false},       {"offset", "-7", true},     {"offset", " 1", false},
        {"size", "2M", true},       {"size", "1GiB", true},     {"size", "4k", true},
        {"size", "16E", false},     {"size", "3Q", false},      {"size", "-4k", false},
        {"mode", "slow", true},     {"mode", "turbo", false},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        bool ok = object_property_parse(obj, cases[i].prop, cases[i].text, &err);

        g_assert_cmpint(ok, ==, cases[i].ok);
        g_assert_true(ok == (err == NULL));
    }
    g_assert_true(object_property_parse(obj, "size", "512M", NULL));
    g_assert_cmpuint(t->size, ==, 512ull << 20);
    g_assert_true(object_property_parse(obj, "count", "0x10", NULL));
    g_assert_cmpuint(t->count, ==, 16);
    g_assert_cmpint(t->offset, ==, -7);
}

static void test_json(void)
{
    g_autoptr(TestDev) t = new_dev();
    Object *obj = OBJECT(t);
    g_autoptr(GError) err = NULL;
    static const struct {
        const char *prop, *value;
        bool ok;
    } cases[] = {
        {"count", "3", true},        {"count", "\"3\"", false},  {"count", "-3", false},
        {"count", "3.5", false},     {"enabled", "true", true},  {"enabled", "1", false},
        {"name", "\"x\"", true},     {"name", "null", true},     {"name", "[]", false},
        {"size", "\"1M\"", true},    {"size", "4096", true},     {"offset", "5", true},
        {"offset", "{}", false},     {"level", "7", true},
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        JsonNode *node = json(cases[i].value);
        bool ok = object_property_set_json(obj, cases[i].prop, node, &err);

        g_assert_cmpint(ok, ==, cases[i].ok);
        g_clear_error(&err);
        json_node_unref(node);
    }
    {
        g_autofree char *a = json_text(object_property_get_json(obj, "count", NULL));
        g_autofree char *b = json_text(object_property_get_json(obj, "size", NULL));
        g_autofree char *c = json_text(object_property_get_json(obj, "name", NULL));
        g_autofree char *d = json_text(object_property_get_json(obj, "type", NULL));
        g_autofree char *e = json_text(object_property_get_json(obj, "peer", NULL));

        g_assert_cmpstr(a, ==, "3");
        g_assert_cmpstr(b, ==, "4096");
        g_assert_cmpstr(c, ==, "null");
        g_assert_cmpstr(d, ==, "\"test-dev\"");
        g_assert_cmpstr(e, ==, "\"\"");
    }
    g_assert_null(object_property_get_json(obj, "nope", &err));
    g_assert_nonnull(err);
    g_clear_error(&err);

    /* A whole argument object at once, as QMP delivers device_add's properties. */
    {
        JsonNode *args = json("{\"count\": 5, \"mode\": \"slow\", \"size\": \"2k\"}");
        JsonNode *bad = json("{\"count\": 6, \"bogus\": 1}");

        g_assert_true(object_set_props_json(obj, json_node_get_object(args), NULL));
        g_assert_cmpuint(t->count, ==, 5);
        g_assert_cmpstr(t->mode, ==, "slow");
        g_assert_cmpuint(t->size, ==, 2048);
        g_assert_false(object_set_props_json(obj, json_node_get_object(bad), &err));
        g_assert_cmpstr(err->message, ==, "'test-dev' has no property 'bogus'");
        g_clear_error(&err);
        json_node_unref(args);
        json_node_unref(bad);
    }

    /* Read-only for clients, settable internally. */
    {
        JsonNode *node = json("\"S/N 2\"");

        g_assert_false(object_property_set_json(obj, "serial", node, &err));
        g_clear_error(&err);
        g_assert_true(object_property_set_json_internal(obj, "serial", node, NULL));
        g_assert_cmpstr(t->serial, ==, "S/N 2");
        json_node_unref(node);
    }
}

static void test_links(void)
{
    Object *peers = object_get_container("/peers");
    g_autoptr(TestDev) a = new_dev();
    g_autoptr(TestDev) b = new_dev();
    g_autoptr(GError) err = NULL;
    Object *container = object_new(TYPE_CONTAINER, NULL);

    g_assert_true(object_add_child(peers, "b", OBJECT(b), NULL));
    g_assert_true(object_add_child(peers, "other", container, NULL));
    object_unref(container);

    g_assert_true(object_property_parse(OBJECT(a), "peer", "b", &err));
    g_assert_no_error(err);
    g_assert_true(a->peer == OBJECT(b));
    g_assert_cmpint(OBJECT(b)->refcount, ==, 3); /* ours, the tree's, the link's */
    {
        g_autofree char *path = json_text(object_property_get_json(OBJECT(a), "peer", NULL));

        g_assert_cmpstr(path, ==, "\"/peers/b\"");
    }
    g_assert_false(object_property_parse(OBJECT(a), "peer", "missing", &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    g_assert_false(object_property_parse(OBJECT(a), "peer", "/peers/other", &err));
    g_assert_cmpstr(err->message, ==, "property 'peer' of 'test-dev': '/peers/other' is a "
                                      "'container', not a 'test-dev'");
    g_clear_error(&err);
    g_assert_true(a->peer == OBJECT(b));
    {
        JsonNode *null = json("null");

        g_assert_true(object_property_set_json(OBJECT(a), "peer", null, NULL));
        json_node_unref(null);
    }
    g_assert_null(a->peer);
    g_assert_cmpint(OBJECT(b)->refcount, ==, 2);
    g_assert_true(object_property_set_link(OBJECT(a), "peer", OBJECT(b), NULL));
    g_assert_true(object_property_get_link(OBJECT(a), "peer", NULL) == OBJECT(b));

    object_unparent(OBJECT(b));
    object_unparent(peers);
}

/* Who links to an object, anywhere below a root (chardev-remove / blockdev-del use it). */
static void test_find_link_user(void)
{
    Object *root = object_get_container("/users");
    g_autoptr(TestDev) target = new_dev();
    g_autoptr(TestDev) user = new_dev();
    Object *deep = object_get_container("/users/a/b");

    g_assert_null(object_find_link_user(root, OBJECT(target)));
    g_assert_true(object_add_child(deep, "user", OBJECT(user), NULL));
    g_assert_null(object_find_link_user(root, OBJECT(target)));
    g_assert_true(object_property_set_link(OBJECT(user), "peer", OBJECT(target), NULL));
    g_assert_true(object_find_link_user(root, OBJECT(target)) == OBJECT(user));
    /* The target is not a user of itself, nor is an object outside the root's subtree. */
    g_assert_null(object_find_link_user(object_get_container("/elsewhere"), OBJECT(target)));
    g_assert_true(object_property_set_link(OBJECT(user), "peer", NULL, NULL));
    g_assert_null(object_find_link_user(root, OBJECT(target)));
    object_unparent(root);
    object_unparent(object_get_container("/elsewhere"));
}

static void test_tree(void)
{
    Object *top = object_get_container("/tree");
    g_autoptr(TestDev) t = new_dev();
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    Object *c1 = object_new(TYPE_CONTAINER, NULL);
    Object *c2 = object_new(TYPE_CONTAINER, NULL);

    g_assert_true(object_add_child(top, "dev[*]", c1, NULL));
    g_assert_true(object_add_child(top, "dev[*]", c2, NULL));
    g_assert_cmpstr(c1->name, ==, "dev[0]");
    g_assert_cmpstr(c2->name, ==, "dev[1]");
    object_unref(c1);
    object_unref(c2);

    g_assert_true(object_add_child(c2, "leaf", OBJECT(t), NULL));
    path = object_get_canonical_path(OBJECT(t));
    g_assert_cmpstr(path, ==, "/tree/dev[1]/leaf");
    g_assert_true(object_resolve_path("/tree/dev[1]/leaf", TYPE_DEVICE, NULL) == OBJECT(t));
    g_assert_null(object_resolve_path("/tree/dev[1]/leaf", TYPE_CONTAINER, &err));
    g_clear_error(&err);
    g_assert_null(object_resolve_path("/tree/dev[9]", NULL, &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(object_resolve_path("tree", NULL, &err));
    g_clear_error(&err);

    /* Names: unique, valid, no cycles, one parent. */
    g_assert_false(object_add_child(top, "dev[0]", OBJECT(t), &err));
    g_clear_error(&err);
    {
        Object *x = object_new(TYPE_CONTAINER, NULL);

        g_assert_false(object_add_child(top, "dev[0]", x, &err));
        g_assert_cmpstr(err->message, ==, "'dev[0]' already exists in 'container'");
        g_clear_error(&err);
        g_assert_false(object_add_child(top, "a/b", x, &err));
        g_clear_error(&err);
        g_assert_false(object_add_child(OBJECT(t), "count", x, &err));
        g_clear_error(&err);
        g_assert_false(object_add_child(x, "loop", x, &err));
        g_clear_error(&err);
        object_unref(x);
    }
    g_assert_false(object_add_child(OBJECT(t), "up", top, &err));
    g_clear_error(&err);

    /* Unparenting frees what only the tree held; freed slots get reused by "[*]". */
    g_assert_true(object_realize(OBJECT(t), NULL));
    object_unparent(c1);
    g_assert_null(object_get_child(top, "dev[0]"));
    object_unparent(c2);
    g_assert_false(OBJECT(t)->realized);
    g_assert_cmpuint(t->unrealizes, ==, 1);
    g_assert_null(OBJECT(t)->parent);
    g_assert_cmpint(OBJECT(t)->refcount, ==, 1);
    object_unparent(top);
}

static void test_realize(void)
{
    g_autoptr(TestDev) t = new_dev();
    Object *obj = OBJECT(t);
    g_autoptr(GError) err = NULL;

    t->count = 13;
    g_assert_false(device_realize(DEVICE(t), &err));
    g_assert_cmpstr(err->message, ==, "unlucky count");
    g_clear_error(&err);
    g_assert_false(obj->realized);

    g_assert_true(object_property_set_uint(obj, "count", 2, NULL));
    g_assert_true(device_realize(DEVICE(t), NULL));
    g_assert_true(device_realize(DEVICE(t), NULL));
    g_assert_cmpuint(t->realizes, ==, 1);

    g_assert_false(object_property_set_uint(obj, "count", 3, &err));
    g_assert_cmpstr(err->message, ==, "property 'count' of 'test-dev' cannot be changed after "
                                      "it is realized");
    g_clear_error(&err);
    g_assert_true(object_property_set_uint(obj, "level", 50, NULL));
    g_assert_cmpuint(t->changes, ==, 1);
    /* The class vetoes: the old value comes back. */
    g_assert_false(object_property_set_uint(obj, "level", 500, &err));
    g_assert_cmpstr(err->message, ==, "level too high for a running device");
    g_assert_cmpuint(t->level, ==, 50);

    device_unrealize(DEVICE(t));
    g_assert_cmpuint(t->unrealizes, ==, 1);
    g_assert_true(object_property_set_uint(obj, "count", 3, NULL));
}

static void test_listing(void)
{
    g_autoptr(TestDev) t = new_dev();
    g_autoptr(GPtrArray) props = NULL;
    Object *child = object_new(TYPE_CONTAINER, NULL);
    const ObjectPropertyEntry *info;

    g_assert_true(object_add_child(OBJECT(t), "bus", child, NULL));
    object_unref(child);

    props = object_list_properties(OBJECT(t));
    /* type, 2 base properties, 7 own, 1 child */
    g_assert_cmpuint(props->len, ==, 11);
    info = g_ptr_array_index(props, 0);
    g_assert_cmpstr(info->name, ==, "type");
    g_assert_true(info->readonly);
    info = g_ptr_array_index(props, 1);
    g_assert_cmpstr(info->name, ==, "name");
    g_assert_cmpstr(info->type, ==, "string");
    g_assert_cmpstr(json_node_get_string(info->default_value), ==, "base");
    info = g_ptr_array_index(props, 7);
    g_assert_cmpstr(info->name, ==, "peer");
    g_assert_cmpstr(info->type, ==, "link<test-dev>");
    g_assert_null(info->default_value);
    info = g_ptr_array_index(props, 10);
    g_assert_cmpstr(info->name, ==, "bus");
    g_assert_cmpstr(info->type, ==, "child<container>");
    g_ptr_array_unref(g_steal_pointer(&props));

    props = object_class_list_properties(object_class_by_name(TYPE_TEST_DEV));
    g_assert_cmpuint(props->len, ==, 9);
    info = g_ptr_array_index(props, 4);
    g_assert_cmpstr(info->name, ==, "size");
    g_assert_cmpstr(info->type, ==, "size");
    g_assert_cmpint(json_node_get_int(info->default_value), ==, 65536);
    g_assert_cmpstr(info->description, ==, "bytes");
}

static void test_device_attach(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(TestDev) a = new_dev();
    g_autoptr(TestDev) b = new_dev();
    g_autoptr(TestDev) c = new_dev();
    g_autoptr(TestDev) d = new_dev();
    g_autofree char *path = NULL;
    Object *machine;

    g_assert_false(device_attach(DEVICE(a), "a", &err));
    g_assert_cmpstr(err->message, ==, "there is no machine to attach the device to");
    g_clear_error(&err);
    machine = object_get_container("/machine");

    g_assert_true(device_attach(DEVICE(a), "serial0", NULL));
    path = object_get_canonical_path(OBJECT(a));
    g_assert_cmpstr(path, ==, "/machine/peripheral/serial0");
    g_assert_cmpstr(DEVICE(a)->id, ==, "serial0");
    g_assert_false(device_attach(DEVICE(b), "serial0", &err));
    g_assert_cmpstr(err->message, ==, "duplicate device id 'serial0'");
    g_clear_error(&err);
    g_assert_false(device_attach(DEVICE(b), "0bad", &err));
    g_clear_error(&err);
    g_assert_false(device_attach(DEVICE(b), "bad/id", &err));
    g_clear_error(&err);
    g_assert_null(OBJECT(b)->parent);

    g_assert_true(device_attach(DEVICE(b), NULL, NULL));
    g_assert_true(device_attach(DEVICE(c), NULL, NULL));
    g_free(path);
    path = object_get_canonical_path(OBJECT(c));
    g_assert_cmpstr(path, ==, "/machine/unattached/device[1]");
    g_assert_true(device_attach(DEVICE(d), "a-b.c_d", NULL));

    object_unparent(machine);
    g_assert_null(OBJECT(a)->parent);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/engine/object/types", test_types);
    g_test_add_func("/engine/object/new-failures", test_new_failures);
    g_test_add_func("/engine/object/typed-access", test_defaults_and_typed_access);
    g_test_add_func("/engine/object/parse", test_parse);
    g_test_add_func("/engine/object/json", test_json);
    g_test_add_func("/engine/object/links", test_links);
    g_test_add_func("/engine/object/find-link-user", test_find_link_user);
    g_test_add_func("/engine/object/tree", test_tree);
    g_test_add_func("/engine/object/realize", test_realize);
    g_test_add_func("/engine/object/listing", test_listing);
    g_test_add_func("/engine/device/attach", test_device_attach);
    return g_test_run();
}

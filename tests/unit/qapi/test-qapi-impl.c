/*
 * Implementations of the test schema's commands (tests/qapi-schema/qapi-schema-test.json)
 * for the QAPI unit tests: small, observable behaviours the tests assert on.
 */
#include "test-qapi-impl.h"

#include "util/error.h"

int test_qapi_quiet_calls;
int test_qapi_device_adds;

/* 'gen': false: a hand-written marshaller that reads its raw arguments. */
void qmp_marshal_test_manual(JsonObject *args, JsonNode **ret, GError **errp)
{
    *ret = visit_out_int(args && json_object_has_member(args, "x")
                         ? json_object_get_int_member(args, "x") * 2 : -1);
}

void qmp_test_nothing(GError **errp)
{
}

int64_t qmp_test_add(int64_t a, bool has_b, int64_t b, GError **errp)
{
    return a + (has_b ? b : 1);
}

void qmp_test_device_add(const char *id, Backend *backend, IntOrStr *alt, Complex *complex,
                         DeviceList *children, GError **errp)
{
    if (g_str_equal(id, "busy")) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_ACTIVE, "Device '%s' is busy", id);
        return;
    }
    test_qapi_device_adds++;
}

Device *qmp_test_echo(Device *dev, bool has_times, uint8_t times, GError **errp)
{
    g_autoptr(JsonNode) node = visit_out_Device(dev);
    Device *copy = NULL;

    /* A copy through both visitors: the result must equal the input. */
    if (!visit_in_Device(node, NULL, &copy, errp)) {
        return NULL;
    }
    return copy;
}

DerivedList *qmp_test_boxed(Backend *arg, GError **errp)
{
    DerivedList *list = g_new0(DerivedList, 1);

    list->value = g_new0(Derived, 1);
    list->value->id = g_strdup(BackendType_str(arg->kind));
    if (arg->kind == BACKEND_TYPE_FILE) {
        list->value->has_tag_opt = true;
        list->value->tag_opt = (int64_t)arg->u.file.size;
    }
    return list;
}

JsonNode *qmp_test_echo_any(JsonNode *v, GError **errp)
{
    return v ? json_node_copy(v) : NULL;
}

ColorList *qmp_test_colors(ColorList *colors, GError **errp)
{
    ColorList *rev = NULL;

    for (; colors; colors = colors->next) {
        ColorList *e = g_new0(ColorList, 1);

        e->value = colors->value;
        e->next = rev;
        rev = e;
    }
    return rev;
}

IncludedStruct *qmp_test_included(IncludedStruct *arg, GError **errp)
{
    IncludedStruct *ret = g_new0(IncludedStruct, 1);

    ret->where = g_strdup_printf("included:%s", arg->where);
#if defined(CONFIG_KVM) || defined(CONFIG_TCG)
    ret->has_any_cond = arg->has_any_cond;
    ret->any_cond = arg->any_cond + 1;
#endif
    return ret;
}

void qmp_test_quiet(GError **errp)
{
    test_qapi_quiet_calls++;
}

void qmp_test_deprecated(GError **errp)
{
}

void qmp_test_fail(const char *message, GError **errp)
{
    hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "%s", message);
}

void qmp_test_underscore(GError **errp)
{
}

#if defined(CONFIG_KVM)
Empty *qmp_test_kvm(GError **errp)
{
    return g_new0(Empty, 1);
}
#endif

void qmp_test_cond_feature(GError **errp)
{
}

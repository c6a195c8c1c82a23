/*
 * Unit tests for util/error: QMP error classes and message formatting.
 */
#include <errno.h>

#include <gio/gio.h>

#include "util/error.h"

static void test_error_class_mapping(void)
{
    static const struct {
        HullErrorCode code;
        const char *name;
    } cases[] = {
        {HULL_ERROR_GENERIC, "GenericError"},
        {HULL_ERROR_COMMAND_NOT_FOUND, "CommandNotFound"},
        {HULL_ERROR_DEVICE_NOT_ACTIVE, "DeviceNotActive"},
        {HULL_ERROR_DEVICE_NOT_FOUND, "DeviceNotFound"},
        {HULL_ERROR_KVM_MISSING_CAP, "KVMMissingCap"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_false(hull_error_set(&err, cases[i].code, "case %zu", i));
        g_assert_cmpstr(hull_error_class(err), ==, cases[i].name);
    }
}

static void test_error_foreign_domain_is_generic(void)
{
    g_autoptr(GError) err = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");

    g_assert_cmpstr(hull_error_class(err), ==, "GenericError");
}

static void test_error_errno_message(void)
{
    g_autoptr(GError) err = NULL;

    hull_error_setg_errno(&err, ENOENT, "could not open '%s'", "disk.img");
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_cmpstr(err->message, ==, "could not open 'disk.img': No such file or directory");
}

static void test_error_null_errp_is_allowed(void)
{
    g_assert_false(hull_error_setg(NULL, "ignored %d", 1));
    g_assert_false(hull_error_setg_errno(NULL, EINVAL, "ignored"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/error/class-mapping", test_error_class_mapping);
    g_test_add_func("/util/error/foreign-domain", test_error_foreign_domain_is_generic);
    g_test_add_func("/util/error/errno-message", test_error_errno_message);
    g_test_add_func("/util/error/null-errp", test_error_null_errp_is_allowed);
    return g_test_run();
}

/*
 * Hull's GError domain and the mapping of its codes to QMP error classes.
 */
#include "util/error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(hull-error-quark, hull_error)

static const char *const error_class_names[] = {
    [HULL_ERROR_GENERIC] = "GenericError",
    [HULL_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [HULL_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
    [HULL_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [HULL_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
};

const char *hull_error_class(const GError *err)
{
    if (err && err->domain == HULL_ERROR && err->code >= 0 &&
        (size_t)err->code < G_N_ELEMENTS(error_class_names)) {
        return error_class_names[err->code];
    }
    return "GenericError";
}

static void error_set_valist(GError **errp, HullErrorCode code, const char *fmt, va_list ap)
{
    if (!errp) {
        return;
    }
    g_return_if_fail(*errp == NULL);
    *errp = g_error_new_valist(HULL_ERROR, code, fmt, ap);
}

bool hull_error_setg(GError **errp, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_set_valist(errp, HULL_ERROR_GENERIC, fmt, ap);
    va_end(ap);
    return false;
}

bool hull_error_set(GError **errp, HullErrorCode code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_set_valist(errp, code, fmt, ap);
    va_end(ap);
    return false;
}

bool hull_error_setg_errno(GError **errp, int errnum, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *prefix = NULL;

    if (!errp) {
        return false;
    }
    va_start(ap, fmt);
    prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    *errp = g_error_new(HULL_ERROR, HULL_ERROR_GENERIC, "%s: %s", prefix, g_strerror(errnum));
    return false;
}

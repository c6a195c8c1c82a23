/*
 * Hull's GError domain. Its codes are QMP's error classes, so an error raised anywhere in
 * the daemon reaches a QMP client with the right "class" and its message as "desc".
 */
#ifndef HULL_UTIL_ERROR_H
#define HULL_UTIL_ERROR_H

#include <glib.h>
#include <stdbool.h>

#define HULL_ERROR (hull_error_quark())

typedef enum HullErrorCode {
    HULL_ERROR_GENERIC,           /* GenericError */
    HULL_ERROR_COMMAND_NOT_FOUND, /* CommandNotFound */
    HULL_ERROR_DEVICE_NOT_ACTIVE, /* DeviceNotActive */
    HULL_ERROR_DEVICE_NOT_FOUND,  /* DeviceNotFound */
    HULL_ERROR_KVM_MISSING_CAP,   /* KVMMissingCap */
} HullErrorCode;

GQuark hull_error_quark(void);

/* The QMP error class of any GError: Hull's codes map one to one, other domains are
 * GenericError. */
const char *hull_error_class(const GError *err);

/* Sets *errp (if errp is not NULL) to a GenericError with a printf-style message;
 * returns false so that callers can write `return hull_error_setg(errp, ...);`. */
G_GNUC_PRINTF(2, 3) bool hull_error_setg(GError **errp, const char *fmt, ...);

/* The same with an explicit class. */
G_GNUC_PRINTF(3, 4) bool hull_error_set(GError **errp, HullErrorCode code, const char *fmt, ...);

/* Sets *errp to "<prefix>: <strerror(errnum)>", GenericError. Returns false. */
G_GNUC_PRINTF(3, 4) bool hull_error_setg_errno(GError **errp, int errnum, const char *fmt, ...);

#endif

/*
 * The one logging helper: levels, a client/component prefix, and a sink that is stderr by
 * default and the journal (structured fields) when hulld runs under systemd.
 */
#ifndef HULL_UTIL_LOG_H
#define HULL_UTIL_LOG_H

#include <glib.h>
#include <stdbool.h>

typedef enum HullLogLevel {
    HULL_LOG_ERROR,
    HULL_LOG_WARNING,
    HULL_LOG_INFO,
    HULL_LOG_DEBUG,
} HullLogLevel;

/* Sinks run under the log lock, one message at a time. */
typedef void HullLogSink(HullLogLevel level, const char *component, const char *message,
                         void *opaque);

void hull_log_set_level(HullLogLevel level);
HullLogLevel hull_log_get_level(void);
bool hull_log_level_parse(const char *name, HullLogLevel *level);
const char *hull_log_level_name(HullLogLevel level);

/* Replaces the sink (NULL restores stderr). Called once at start-up. */
void hull_log_set_sink(HullLogSink *sink, void *opaque);

G_GNUC_PRINTF(3, 4)
void hull_log(HullLogLevel level, const char *component, const char *fmt, ...);

#define hull_error(comp, ...) hull_log(HULL_LOG_ERROR, comp, __VA_ARGS__)
#define hull_warn(comp, ...) hull_log(HULL_LOG_WARNING, comp, __VA_ARGS__)
#define hull_info(comp, ...) hull_log(HULL_LOG_INFO, comp, __VA_ARGS__)
#define hull_debug(comp, ...)                                                                  \
    do {                                                                                       \
        if (hull_log_get_level() >= HULL_LOG_DEBUG) {                                          \
            hull_log(HULL_LOG_DEBUG, comp, __VA_ARGS__);                                       \
        }                                                                                      \
    } while (0)

#endif

/*
 * Logging: level filtering and the pluggable sink (stderr here; service/ installs the
 * journal sink under systemd).
 */
#include "util/log.h"

#include <stdio.h>
#include <string.h>

/* Registry-style globals filled at start-up; reads are racy-but-benign ints/pointers. */
static HullLogLevel log_level = HULL_LOG_INFO;
static HullLogSink *log_sink;
static void *log_sink_opaque;
static GMutex log_lock;

static const char *const level_names[] = {
    [HULL_LOG_ERROR] = "error",
    [HULL_LOG_WARNING] = "warning",
    [HULL_LOG_INFO] = "info",
    [HULL_LOG_DEBUG] = "debug",
};

void hull_log_set_level(HullLogLevel level)
{
    log_level = level;
}

HullLogLevel hull_log_get_level(void)
{
    return log_level;
}

const char *hull_log_level_name(HullLogLevel level)
{
    return level <= HULL_LOG_DEBUG ? level_names[level] : "unknown";
}

bool hull_log_level_parse(const char *name, HullLogLevel *level)
{
    for (size_t i = 0; i < G_N_ELEMENTS(level_names); i++) {
        if (g_ascii_strcasecmp(name, level_names[i]) == 0) {
            *level = (HullLogLevel)i;
            return true;
        }
    }
    if (g_ascii_strcasecmp(name, "warn") == 0) {
        *level = HULL_LOG_WARNING;
        return true;
    }
    return false;
}

void hull_log_set_sink(HullLogSink *sink, void *opaque)
{
    g_mutex_lock(&log_lock);
    log_sink = sink;
    log_sink_opaque = opaque;
    g_mutex_unlock(&log_lock);
}

static void log_to_stderr(HullLogLevel level, const char *component, const char *message)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S.%f");

    /* %f gives microseconds; keep milliseconds. */
    if (stamp && strlen(stamp) > 12) {
        stamp[12] = '\0';
    }
    fprintf(stderr, "hulld %s %s: %s%s%s\n", stamp ? stamp : "", level_names[level],
            component ? component : "", component ? ": " : "", message);
}

void hull_log(HullLogLevel level, const char *component, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *message = NULL;

    if (level > log_level) {
        return;
    }
    va_start(ap, fmt);
    message = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    g_mutex_lock(&log_lock);
    if (log_sink) {
        log_sink(level, component, message, log_sink_opaque);
    } else {
        log_to_stderr(level, component, message);
    }
    g_mutex_unlock(&log_lock);
}

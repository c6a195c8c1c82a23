/*
 * The virtual clock. One machine per process, so one clock: its state is guarded by a
 * mutex because vCPU threads read it (guest timer registers) while the main thread
 * starts, stops and steps it.
 */
#include "engine/clock.h"

#include <glib.h>
#include <time.h>

#include "engine/timer.h"

static GMutex clock_lock;
static bool clock_running;
static bool clock_manual;
/* While running: virtual = virtual_base + (host now - host_base). Else virtual_base. */
static int64_t clock_virtual_base;
static int64_t clock_host_base;

static int64_t clock_host_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t clock_virtual_locked(void)
{
    if (clock_running && !clock_manual) {
        return clock_virtual_base + (clock_host_ns() - clock_host_base);
    }
    return clock_virtual_base;
}

int64_t clock_get_ns(ClockType type)
{
    int64_t now;

    if (type == HULL_CLOCK_REALTIME) {
        return clock_host_ns();
    }
    g_mutex_lock(&clock_lock);
    now = clock_virtual_locked();
    g_mutex_unlock(&clock_lock);
    return now;
}

/* Freezes or thaws the automatic advance; called with clock_lock held. */
static void clock_set_state_locked(bool running, bool manual)
{
    clock_virtual_base = clock_virtual_locked();
    clock_host_base = clock_host_ns();
    clock_running = running;
    clock_manual = manual;
}

void clock_virtual_start(void)
{
    g_mutex_lock(&clock_lock);
    clock_set_state_locked(true, clock_manual);
    g_mutex_unlock(&clock_lock);
    timers_notify();
}

void clock_virtual_stop(void)
{
    g_mutex_lock(&clock_lock);
    clock_set_state_locked(false, clock_manual);
    g_mutex_unlock(&clock_lock);
    timers_notify();
}

bool clock_virtual_running(void)
{
    bool running;

    g_mutex_lock(&clock_lock);
    running = clock_running;
    g_mutex_unlock(&clock_lock);
    return running;
}

void clock_set_manual(bool manual)
{
    g_mutex_lock(&clock_lock);
    clock_set_state_locked(clock_running, manual);
    g_mutex_unlock(&clock_lock);
    timers_notify();
}

bool clock_is_manual(void)
{
    bool manual;

    g_mutex_lock(&clock_lock);
    manual = clock_manual;
    g_mutex_unlock(&clock_lock);
    return manual;
}

int64_t clock_set_ns(int64_t target_ns)
{
    g_mutex_lock(&clock_lock);
    if (!clock_manual || target_ns < clock_virtual_base) {
        g_mutex_unlock(&clock_lock);
        return -1;
    }
    g_mutex_unlock(&clock_lock);

    /* Walk from deadline to deadline so each timer sees the time it asked for. */
    for (;;) {
        int64_t next = timers_next_deadline(HULL_CLOCK_VIRTUAL);
        int64_t step_to = next >= 0 && next < target_ns ? next : target_ns;

        g_mutex_lock(&clock_lock);
        if (step_to > clock_virtual_base) {
            clock_virtual_base = step_to;
        }
        g_mutex_unlock(&clock_lock);
        timers_run_due(HULL_CLOCK_VIRTUAL);
        if (step_to >= target_ns) {
            break;
        }
    }
    return target_ns;
}

int64_t clock_step(int64_t ns)
{
    int64_t now = clock_get_ns(HULL_CLOCK_VIRTUAL);

    if (ns < 0 || ns > INT64_MAX - now) {
        return -1;
    }
    return clock_set_ns(now + ns);
}

void clock_reset(void)
{
    g_mutex_lock(&clock_lock);
    clock_running = false;
    clock_manual = false;
    clock_virtual_base = 0;
    clock_host_base = clock_host_ns();
    g_mutex_unlock(&clock_lock);
    timers_notify();
}

int64_t clock_virtual_host_delay(int64_t deadline)
{
    int64_t delay = -1;

    g_mutex_lock(&clock_lock);
    if (deadline <= clock_virtual_locked()) {
        delay = 0;
    } else if (clock_running && !clock_manual) {
        delay = deadline - clock_virtual_locked();
    }
    g_mutex_unlock(&clock_lock);
    return delay;
}

/*
 * Timer lists (one per clock, sorted by deadline, under a mutex so vCPU threads can arm
 * timers) and the GSource that runs them on the main context.
 */
#include "engine/timer.h"

#include "engine/lock.h"

struct Timer {
    ClockType type;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;
    bool pending;
};

/* Armed timers of each clock, earliest first; guarded by timer_lock. */
static GMutex timer_lock;
static GList *timer_lists[HULL_CLOCK_COUNT];
static GMainContext *timer_context;
static GSource *timer_source;

Timer *timer_new(ClockType type, TimerCallback *cb, void *opaque)
{
    Timer *timer = g_new0(Timer, 1);

    g_assert(type < HULL_CLOCK_COUNT && cb);
    timer->type = type;
    timer->cb = cb;
    timer->opaque = opaque;
    timer->expire = -1;
    return timer;
}

void timer_free(Timer *timer)
{
    if (!timer) {
        return;
    }
    timer_del(timer);
    g_free(timer);
}

static gint timer_compare(gconstpointer a, gconstpointer b)
{
    const Timer *ta = a, *tb = b;

    /* Never "equal": a new timer goes after those with the same deadline (FIFO). */
    return ta->expire < tb->expire ? -1 : 1;
}

static void timer_unlink_locked(Timer *timer)
{
    if (timer->pending) {
        timer_lists[timer->type] = g_list_remove(timer_lists[timer->type], timer);
        timer->pending = false;
    }
}

void timer_mod(Timer *timer, int64_t expire_ns)
{
    bool earliest;

    g_mutex_lock(&timer_lock);
    timer_unlink_locked(timer);
    timer->expire = expire_ns;
    timer->pending = true;
    timer_lists[timer->type] = g_list_insert_sorted(timer_lists[timer->type], timer,
                                                    timer_compare);
    earliest = timer_lists[timer->type]->data == timer;
    g_mutex_unlock(&timer_lock);

    if (earliest) {
        timers_notify();
    }
}

void timer_del(Timer *timer)
{
    g_mutex_lock(&timer_lock);
    timer_unlink_locked(timer);
    timer->expire = -1;
    g_mutex_unlock(&timer_lock);
}

bool timer_pending(Timer *timer)
{
    bool pending;

    g_mutex_lock(&timer_lock);
    pending = timer->pending;
    g_mutex_unlock(&timer_lock);
    return pending;
}

int64_t timer_expire_time(Timer *timer)
{
    int64_t expire;

    g_mutex_lock(&timer_lock);
    expire = timer->pending ? timer->expire : -1;
    g_mutex_unlock(&timer_lock);
    return expire;
}

int64_t timers_next_deadline(ClockType type)
{
    int64_t deadline;

    g_mutex_lock(&timer_lock);
    deadline = timer_lists[type] ? ((Timer *)timer_lists[type]->data)->expire : -1;
    g_mutex_unlock(&timer_lock);
    return deadline;
}

unsigned timers_run_due(ClockType type)
{
    unsigned ran = 0;

    g_assert(engine_lock_held());
    for (;;) {
        int64_t now = clock_get_ns(type);
        Timer *timer;

        g_mutex_lock(&timer_lock);
        timer = timer_lists[type] ? timer_lists[type]->data : NULL;
        if (!timer || timer->expire > now) {
            g_mutex_unlock(&timer_lock);
            return ran;
        }
        timer_unlink_locked(timer);
        g_mutex_unlock(&timer_lock);

        /* Unlocked: the callback may re-arm this timer or free it. */
        timer->cb(timer->opaque);
        ran++;
    }
}

/* Host nanoseconds until the next timer of any clock is due, or -1 if none will be. */
static int64_t timers_next_delay(void)
{
    int64_t best = -1;

    for (ClockType type = 0; type < HULL_CLOCK_COUNT; type++) {
        int64_t deadline = timers_next_deadline(type);
        int64_t delay;

        if (deadline < 0) {
            continue;
        }
        if (type == HULL_CLOCK_REALTIME) {
            delay = MAX(deadline - clock_get_ns(HULL_CLOCK_REALTIME), 0);
        } else {
            delay = clock_virtual_host_delay(deadline);
        }
        if (delay >= 0 && (best < 0 || delay < best)) {
            best = delay;
        }
    }
    return best;
}

static gboolean timer_source_prepare(GSource *source, gint *timeout)
{
    int64_t delay = timers_next_delay();

    if (delay == 0) {
        *timeout = 0;
        return TRUE;
    }
    if (delay < 0) {
        *timeout = -1;
    } else {
        /* Round up: waking early would only spin until the deadline. */
        *timeout = (gint)MIN((delay + 999999) / 1000000, G_MAXINT);
    }
    return FALSE;
}

static gboolean timer_source_check(GSource *source)
{
    return timers_next_delay() == 0;
}

static gboolean timer_source_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
    bool taken = engine_lock_acquire_if_needed();

    for (ClockType type = 0; type < HULL_CLOCK_COUNT; type++) {
        timers_run_due(type);
    }
    engine_lock_release_if_taken(taken);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

void timers_attach(GMainContext *ctx)
{
    GSource *source;

    g_assert(!timer_source);
    source = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_set_name(source, "hull-timers");
    g_source_attach(source, ctx);
    g_mutex_lock(&timer_lock);
    timer_context = ctx ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
    timer_source = source;
    g_mutex_unlock(&timer_lock);
}

void timers_detach(void)
{
    GMainContext *ctx;
    GSource *source;

    g_mutex_lock(&timer_lock);
    ctx = g_steal_pointer(&timer_context);
    source = g_steal_pointer(&timer_source);
    g_mutex_unlock(&timer_lock);
    if (source) {
        g_source_destroy(source);
        g_source_unref(source);
    }
    if (ctx) {
        g_main_context_unref(ctx);
    }
}

void timers_notify(void)
{
    GMainContext *ctx = NULL;

    g_mutex_lock(&timer_lock);
    if (timer_context) {
        ctx = g_main_context_ref(timer_context);
    }
    g_mutex_unlock(&timer_lock);
    if (ctx) {
        g_main_context_wakeup(ctx);
        g_main_context_unref(ctx);
    }
}

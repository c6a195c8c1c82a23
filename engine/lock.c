/*
 * The engine lock. A plain mutex plus a per-thread flag so that code reached both from
 * the main loop (lock held) and from vCPU threads (lock not held) can ask which it is.
 */
#include "engine/lock.h"

static GMutex engine_mutex;
static __thread bool engine_lock_owned;

void engine_lock(void)
{
    g_assert(!engine_lock_owned);
    g_mutex_lock(&engine_mutex);
    engine_lock_owned = true;
}

void engine_unlock(void)
{
    g_assert(engine_lock_owned);
    engine_lock_owned = false;
    g_mutex_unlock(&engine_mutex);
}

bool engine_lock_held(void)
{
    return engine_lock_owned;
}

bool engine_lock_acquire_if_needed(void)
{
    if (engine_lock_owned) {
        return false;
    }
    engine_lock();
    return true;
}

void engine_lock_release_if_taken(bool taken)
{
    if (taken) {
        engine_unlock();
    }
}

void engine_lock_wait(GCond *cond)
{
    g_assert(engine_lock_owned);
    engine_lock_owned = false;
    g_cond_wait(cond, &engine_mutex);
    engine_lock_owned = true;
}

bool engine_lock_wait_until(GCond *cond, gint64 end_time)
{
    bool signalled;

    g_assert(engine_lock_owned);
    engine_lock_owned = false;
    signalled = g_cond_wait_until(cond, &engine_mutex, end_time);
    engine_lock_owned = true;
    return signalled;
}

/*
 * The engine lock: one big lock (like QEMU's BQL) under which all device emulation and
 * machine-state changes run. RAM accesses, translated code and KVM_RUN run without it.
 */
#ifndef HULL_ENGINE_LOCK_H
#define HULL_ENGINE_LOCK_H

#include <glib.h>
#include <stdbool.h>

/* Not recursive: taking it twice in one thread is a bug and aborts. */
void engine_lock(void);
void engine_unlock(void);

/* Whether the calling thread holds the engine lock. */
bool engine_lock_held(void);

/*
 * Runs with the lock held: takes it if the calling thread does not hold it yet. Returns
 * whether it was taken, to be passed to engine_lock_release_if_taken().
 */
bool engine_lock_acquire_if_needed(void);
void engine_lock_release_if_taken(bool taken);

/* The condition variable to wait on while holding the lock (vCPU parking, etc.). */
void engine_lock_wait(GCond *cond);
bool engine_lock_wait_until(GCond *cond, gint64 end_time);

#endif

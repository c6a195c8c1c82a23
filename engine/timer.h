/*
 * Timers on the REALTIME or VIRTUAL clock. Arm and cancel from any thread; callbacks run
 * on the main context (or in clock_step) with the engine lock held.
 */
#ifndef HULL_ENGINE_TIMER_H
#define HULL_ENGINE_TIMER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/clock.h"

typedef struct Timer Timer;
typedef void TimerCallback(void *opaque);

Timer *timer_new(ClockType type, TimerCallback *cb, void *opaque);
/* Cancels it first. Engine lock held (so its callback is not running). */
void timer_free(Timer *timer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Timer, timer_free)

/* Arms (or re-arms) the timer to fire when its clock reads `expire_ns`. */
void timer_mod(Timer *timer, int64_t expire_ns);
void timer_del(Timer *timer);
bool timer_pending(Timer *timer);
/* Its deadline, or -1 when not armed. */
int64_t timer_expire_time(Timer *timer);

/*
 * Runs the timers of `type` that are due, earliest first; a callback may re-arm or free
 * timers. Caller holds the engine lock. Returns how many ran.
 */
unsigned timers_run_due(ClockType type);
/* The earliest armed deadline on that clock, or -1. */
int64_t timers_next_deadline(ClockType type);

/*
 * Dispatches timers on `ctx`: a GSource that wakes at the next deadline (re-computed
 * when a timer is armed from another thread, or the virtual clock starts or stops).
 * One context at a time; detach before attaching elsewhere.
 */
void timers_attach(GMainContext *ctx);
void timers_detach(void);

/* Tells the attached context the deadlines changed (used by the clock). */
void timers_notify(void);

#endif

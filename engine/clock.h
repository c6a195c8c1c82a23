/*
 * Clocks: host REALTIME (monotonic) and the machine's VIRTUAL clock, which advances only
 * while the machine runs, or only when stepped (qtest's manual mode).
 */
#ifndef HULL_ENGINE_CLOCK_H
#define HULL_ENGINE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ClockType {
    HULL_CLOCK_REALTIME, /* host monotonic time */
    HULL_CLOCK_VIRTUAL,  /* guest time: stops while the machine is paused */
    HULL_CLOCK_COUNT,
} ClockType;

/* Nanoseconds; any thread. */
int64_t clock_get_ns(ClockType type);

/* The machine starts/stops running (machine-start, cont, stop). */
void clock_virtual_start(void);
void clock_virtual_stop(void);
bool clock_virtual_running(void);

/*
 * Manual mode: the virtual clock moves only through clock_step()/clock_set_ns(), which
 * run the timers that fall due, in deadline order, on the calling thread (engine lock
 * held). Both fail (return -1) outside manual mode or when asked to go backwards.
 */
void clock_set_manual(bool manual);
bool clock_is_manual(void);
int64_t clock_step(int64_t ns);
int64_t clock_set_ns(int64_t target_ns);

/* Back to a new machine's clock: 0, stopped, automatic. */
void clock_reset(void);

/* Host nanoseconds until VIRTUAL reads `deadline` (0 if it already does), or -1 if the
 * clock will not get there by itself (stopped or manual). */
int64_t clock_virtual_host_delay(int64_t deadline);

#endif

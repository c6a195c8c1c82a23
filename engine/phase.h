/*
 * The machine's lifecycle phase (no-machine, configuring, running, ...): one value for the
 * whole process, readable from any thread, with listeners told of every change.
 */
#ifndef HULL_ENGINE_PHASE_H
#define HULL_ENGINE_PHASE_H

#include <stdbool.h>

#include "qapi/qapi-types.h" /* MachinePhase, generated from the schema */

/* Called after the phase changed, on the thread that changed it, without internal locks held
 * (a listener may read the phase; it must not set it). */
typedef void MachinePhaseListener(MachinePhase old_phase, MachinePhase new_phase, void *opaque);

MachinePhase machine_phase_get(void);

/* Sets the phase; listeners run only when it actually changes. */
void machine_phase_set(MachinePhase phase);

/* Listeners are registered at start-up or by long-lived components; the returned id removes
 * one again. */
unsigned machine_phase_add_listener(MachinePhaseListener *fn, void *opaque);
void machine_phase_remove_listener(unsigned id);

/* "no-machine", "running", ... (the schema's names). */
const char *machine_phase_name(MachinePhase phase);

#endif

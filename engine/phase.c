/*
 * The machine's lifecycle phase: an atomic value plus a listener registry.
 */
#include "engine/phase.h"

#include <glib.h>

typedef struct PhaseListener {
    unsigned id;
    MachinePhaseListener *fn;
    void *opaque;
} PhaseListener;

/* The phase is the process's one piece of lifecycle state; changes are serialised by
 * phase_lock so that listeners see them in order. */
static GMutex phase_lock;
static int current_phase = MACHINE_PHASE_NO_MACHINE;
static GArray *phase_listeners;
static unsigned next_listener_id = 1;

MachinePhase machine_phase_get(void)
{
    return (MachinePhase)g_atomic_int_get(&current_phase);
}

void machine_phase_set(MachinePhase phase)
{
    g_autoptr(GArray) snapshot = NULL;
    MachinePhase old;

    g_mutex_lock(&phase_lock);
    old = (MachinePhase)g_atomic_int_get(&current_phase);
    if (old == phase) {
        g_mutex_unlock(&phase_lock);
        return;
    }
    g_atomic_int_set(&current_phase, phase);
    if (phase_listeners) {
        snapshot = g_array_copy(phase_listeners);
    }
    g_mutex_unlock(&phase_lock);

    for (guint i = 0; snapshot && i < snapshot->len; i++) {
        PhaseListener *l = &g_array_index(snapshot, PhaseListener, i);

        l->fn(old, phase, l->opaque);
    }
}

unsigned machine_phase_add_listener(MachinePhaseListener *fn, void *opaque)
{
    PhaseListener l = {.fn = fn, .opaque = opaque};

    g_mutex_lock(&phase_lock);
    if (!phase_listeners) {
        phase_listeners = g_array_new(false, false, sizeof(PhaseListener));
    }
    l.id = next_listener_id++;
    g_array_append_val(phase_listeners, l);
    g_mutex_unlock(&phase_lock);
    return l.id;
}

void machine_phase_remove_listener(unsigned id)
{
    g_mutex_lock(&phase_lock);
    for (guint i = 0; phase_listeners && i < phase_listeners->len; i++) {
        if (g_array_index(phase_listeners, PhaseListener, i).id == id) {
            g_array_remove_index(phase_listeners, i);
            break;
        }
    }
    g_mutex_unlock(&phase_lock);
}

const char *machine_phase_name(MachinePhase phase)
{
    return MachinePhase_str(phase);
}

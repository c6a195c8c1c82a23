/*
 * vCPU threads: one thread per vCPU running the accelerator's exec loop, parked and
 * resumed as a group with a request / kick / wait barrier.
 */
#ifndef HULL_ENGINE_CPU_H
#define HULL_ENGINE_CPU_H

#include <glib.h>
#include <stdbool.h>

#include "engine/accel.h"

typedef struct CpuGroup CpuGroup;

/*
 * One vCPU. Fields marked (lock) are read and written under the engine lock only;
 * exit_request is atomic and polled by exec() without the lock.
 */
struct CPUState {
    CpuGroup *group;
    AccelState *accel;
    unsigned index;
    char *name;          /* "cpu<index>": thread name, logs */
    void *arch;          /* the CPU model's state (front end, board) */
    void *accel_data;    /* the accelerator's per-vCPU state */

    gint exit_request;   /* non-zero: exec() must return soon */

    GThread *thread;
    int thread_id;       /* (lock) the host thread's id, once created */
    GCond cond;          /* wakes the thread from parked/halted (with the engine lock) */
    bool created;        /* (lock) create_vcpu finished */
    bool stop_requested; /* (lock) park at the next chance */
    bool parked;         /* (lock) outside guest code and waiting to be resumed */
    bool halted;         /* (lock) the guest waits for an interrupt */
    guint64 wake_seq;    /* (lock) bumped by cpu_wake(): no wake-up is lost */
    bool failed;         /* (lock) exec() reported an error; stays parked */
    bool quit;           /* (lock) leave the loop and end the thread */
    bool exited;         /* (lock) the loop has ended */
    guint64 exec_calls;  /* (lock) how many times exec() ran */
    GQueue work;         /* (lock) cpu_run_on() items waiting for the thread */
};

/* Called under the engine lock on the failing vCPU's thread (keep it short: schedule). */
typedef void CpuErrorHandler(CPUState *cpu, void *opaque);

/* The machine's vCPUs. Every call below runs under the engine lock, not on a vCPU of
 * the group (a vCPU asks the main loop instead: it cannot wait for itself). */
CpuGroup *cpu_group_new(AccelState *accel);
void cpu_group_set_error_handler(CpuGroup *group, CpuErrorHandler *handler, void *opaque);

/*
 * Starts a vCPU thread, runs the accelerator's create_vcpu on it and waits for that;
 * the vCPU starts parked if the group is paused (as a new group is), else running.
 */
CPUState *cpu_create(CpuGroup *group, void *arch, GError **errp);
unsigned cpu_group_count(const CpuGroup *group);
CPUState *cpu_group_get(const CpuGroup *group, unsigned index);

/* Returns only when every vCPU is parked outside guest code. */
void cpus_pause_all(CpuGroup *group);
void cpus_resume_all(CpuGroup *group);
bool cpus_paused(const CpuGroup *group);

/* Stops and joins every vCPU thread (destroy_vcpu runs on each), then frees the group. */
void cpu_group_free(CpuGroup *group);

/* Makes the vCPU's exec() return soon so it looks at its requests. Any thread. */
void cpu_kick(CPUState *cpu);
/* Ends a halt (an interrupt became pending). Engine lock held. */
void cpu_wake(CPUState *cpu);
/* Resets every vCPU through the accelerator (on each vCPU's thread); the group must be
 * paused. */
void cpus_reset_all(CpuGroup *group);

/*
 * Runs fn(cpu, data) on the vCPU's own thread, with the engine lock held, and waits for
 * it: KVM wants vCPU ioctls from the thread that created the vCPU. Works whether the
 * vCPU runs, halts or is parked (it stays parked). Engine lock held; from the vCPU's own
 * thread (or once it has exited) fn runs at once.
 */
typedef void CpuWorkFunc(CPUState *cpu, void *data);
void cpu_run_on(CPUState *cpu, CpuWorkFunc *fn, void *data);

/* The vCPU whose thread is calling, or NULL on other threads. */
CPUState *cpu_current(void);

#endif

/*
 * vCPU threads and the park/resume barrier. A vCPU's state flags live under the engine
 * lock; the only lock-free signal is exit_request, which exec() polls.
 */
#include "engine/cpu.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "engine/lock.h"
#include "util/error.h"
#include "util/log.h"

typedef struct CpuWork {
    CpuWorkFunc *fn;
    void *data;
    bool done;
} CpuWork;

struct CpuGroup {
    AccelState *accel;
    GPtrArray *cpus;
    bool paused;
    GCond changed; /* a vCPU was created, parked or exited */
    CpuErrorHandler *error_handler;
    void *error_opaque;
};

static __thread CPUState *cpu_self;

CpuGroup *cpu_group_new(AccelState *accel)
{
    CpuGroup *group = g_new0(CpuGroup, 1);

    group->accel = accel;
    group->cpus = g_ptr_array_new();
    group->paused = true;
    g_cond_init(&group->changed);
    return group;
}

void cpu_group_set_error_handler(CpuGroup *group, CpuErrorHandler *handler, void *opaque)
{
    group->error_handler = handler;
    group->error_opaque = opaque;
}

unsigned cpu_group_count(const CpuGroup *group)
{
    return group->cpus->len;
}

CPUState *cpu_group_get(const CpuGroup *group, unsigned index)
{
    return index < group->cpus->len ? g_ptr_array_index(group->cpus, index) : NULL;
}

CPUState *cpu_current(void)
{
    return cpu_self;
}

void cpu_kick(CPUState *cpu)
{
    g_atomic_int_set(&cpu->exit_request, 1);
    if (cpu->accel->ops->kick_vcpu) {
        cpu->accel->ops->kick_vcpu(cpu);
    }
}

void cpu_wake(CPUState *cpu)
{
    g_assert(engine_lock_held());
    cpu->wake_seq++;
    if (cpu->halted) {
        cpu->halted = false;
        g_cond_broadcast(&cpu->cond);
    } else {
        /* It may be running and about to halt: make it look again. */
        cpu_kick(cpu);
    }
}

static void cpu_set_parked(CPUState *cpu, bool parked)
{
    if (cpu->parked != parked) {
        cpu->parked = parked;
        g_cond_broadcast(&cpu->group->changed);
    }
}

/* Under the lock, on the vCPU thread: runs what cpu_run_on() queued. */
static void cpu_process_work(CPUState *cpu)
{
    CpuWork *work;

    while ((work = g_queue_pop_head(&cpu->work))) {
        work->fn(cpu, work->data);
        work->done = true;
        g_cond_broadcast(&cpu->group->changed);
    }
}

/* Under the lock: waits while the vCPU must not run; false when it must quit. */
static bool cpu_wait_runnable(CPUState *cpu)
{
    for (;;) {
        cpu_process_work(cpu);
        if (cpu->quit) {
            return false;
        }
        if (cpu->stop_requested || cpu->failed) {
            cpu_set_parked(cpu, true);
            engine_lock_wait(&cpu->cond);
            continue;
        }
        cpu_set_parked(cpu, false);
        if (cpu->halted) {
            engine_lock_wait(&cpu->cond);
            continue;
        }
        return true;
    }
}

static gpointer cpu_thread_main(gpointer opaque)
{
    CPUState *cpu = opaque;
    const AccelOps *ops = cpu->accel->ops;
    g_autoptr(GError) err = NULL;
    bool ok = true;

    cpu_self = cpu;
    int tid = (int)syscall(SYS_gettid);
    if (ops->create_vcpu) {
        ok = ops->create_vcpu(cpu, &err);
    }

    engine_lock();
    cpu->thread_id = tid;
    cpu->created = true;
    if (!ok) {
        hull_error("cpu", "%s: %s", cpu->name, err->message);
        cpu->failed = true;
        cpu->exited = true;
        g_cond_broadcast(&cpu->group->changed);
        engine_unlock();
        return g_steal_pointer(&err);
    }
    g_cond_broadcast(&cpu->group->changed);

    while (cpu_wait_runnable(cpu)) {
        guint64 wake_seq = cpu->wake_seq;
        CpuExecResult result;

        /* Cleared under the lock, so a kick that follows a request is never lost. */
        g_atomic_int_set(&cpu->exit_request, 0);
        cpu->exec_calls++;
        engine_unlock();
        result = ops->exec(cpu);
        engine_lock();

        switch (result) {
        case CPU_EXEC_EXIT:
            break;
        case CPU_EXEC_HALTED:
            /* A cpu_wake() while exec() was deciding to halt wins. */
            cpu->halted = cpu->wake_seq == wake_seq;
            break;
        case CPU_EXEC_ERROR:
            hull_error("cpu", "%s stopped on an accelerator error", cpu->name);
            cpu->failed = true;
            if (cpu->group->error_handler) {
                cpu->group->error_handler(cpu, cpu->group->error_opaque);
            }
            break;
        }
    }
    /* Whatever was queued before quit still runs here, in the same critical section that
     * marks the thread exited: later cpu_run_on() calls run fn themselves. */
    cpu_process_work(cpu);
    cpu->parked = true;
    cpu->exited = true;
    g_cond_broadcast(&cpu->group->changed);
    engine_unlock();

    if (ops->destroy_vcpu) {
        ops->destroy_vcpu(cpu);
    }
    return NULL;
}

static void cpu_free(CPUState *cpu)
{
    g_cond_clear(&cpu->cond);
    g_free(cpu->name);
    g_free(cpu);
}

/* Under the lock: waits for a thread told to quit, and joins it. */
static void cpu_join_thread(CPUState *cpu)
{
    GError *create_err;

    while (!cpu->exited) {
        engine_lock_wait(&cpu->group->changed);
    }
    /* The thread no longer needs the lock: joining with it held cannot deadlock. */
    create_err = g_thread_join(cpu->thread);
    if (create_err) {
        g_error_free(create_err);
    }
}

CPUState *cpu_create(CpuGroup *group, void *arch, GError **errp)
{
    g_autoptr(GError) thread_err = NULL;
    CPUState *cpu;

    g_assert(engine_lock_held());
    cpu = g_new0(CPUState, 1);
    cpu->group = group;
    cpu->accel = group->accel;
    cpu->index = group->cpus->len;
    cpu->name = g_strdup_printf("cpu%u", cpu->index);
    cpu->arch = arch;
    cpu->stop_requested = group->paused;
    g_cond_init(&cpu->cond);
    g_queue_init(&cpu->work);

    cpu->thread = g_thread_try_new(cpu->name, cpu_thread_main, cpu, &thread_err);
    if (!cpu->thread) {
        hull_error_setg(errp, "cannot start the thread of %s: %s", cpu->name,
                        thread_err->message);
        cpu_free(cpu);
        return NULL;
    }
    while (!cpu->created) {
        engine_lock_wait(&group->changed);
    }
    if (cpu->exited) {
        GError *create_err = g_thread_join(cpu->thread);

        g_propagate_prefixed_error(errp, create_err, "%s: ", cpu->name);
        cpu_free(cpu);
        return NULL;
    }
    g_ptr_array_add(group->cpus, cpu);
    return cpu;
}

void cpus_pause_all(CpuGroup *group)
{
    g_assert(engine_lock_held());
    g_assert(!cpu_self || cpu_self->group != group);

    group->paused = true;
    for (unsigned i = 0; i < group->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(group->cpus, i);

        cpu->stop_requested = true;
        cpu_kick(cpu);
        g_cond_broadcast(&cpu->cond);
    }
    for (unsigned i = 0; i < group->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(group->cpus, i);

        while (!cpu->parked && !cpu->exited) {
            engine_lock_wait(&group->changed);
        }
    }
}

void cpus_resume_all(CpuGroup *group)
{
    g_assert(engine_lock_held());
    group->paused = false;
    for (unsigned i = 0; i < group->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(group->cpus, i);

        cpu->stop_requested = false;
        g_cond_broadcast(&cpu->cond);
    }
}

bool cpus_paused(const CpuGroup *group)
{
    return group->paused;
}

void cpu_run_on(CPUState *cpu, CpuWorkFunc *fn, void *data)
{
    CpuWork work = {.fn = fn, .data = data};

    g_assert(engine_lock_held());
    if (cpu_self == cpu || cpu->exited) {
        fn(cpu, data);
        return;
    }
    g_queue_push_tail(&cpu->work, &work);
    g_cond_broadcast(&cpu->cond);
    cpu_kick(cpu);
    while (!work.done) {
        engine_lock_wait(&cpu->group->changed);
    }
}

static void cpu_reset_on_thread(CPUState *cpu, void *data)
{
    cpu->accel->ops->reset_vcpu(cpu);
}

void cpus_reset_all(CpuGroup *group)
{
    g_assert(engine_lock_held());
    g_assert(group->paused);
    for (unsigned i = 0; i < group->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(group->cpus, i);

        cpu->halted = false;
        cpu->failed = false;
        if (cpu->accel->ops->reset_vcpu) {
            cpu_run_on(cpu, cpu_reset_on_thread, NULL);
        }
    }
}

void cpu_group_free(CpuGroup *group)
{
    if (!group) {
        return;
    }
    g_assert(engine_lock_held());
    g_assert(!cpu_self || cpu_self->group != group);
    for (unsigned i = 0; i < group->cpus->len; i++) {
        CPUState *cpu = g_ptr_array_index(group->cpus, i);

        cpu->quit = true;
        cpu_kick(cpu);
        g_cond_broadcast(&cpu->cond);
    }
    for (unsigned i = 0; i < group->cpus->len; i++) {
        cpu_join_thread(g_ptr_array_index(group->cpus, i));
    }
    for (unsigned i = 0; i < group->cpus->len; i++) {
        cpu_free(g_ptr_array_index(group->cpus, i));
    }
    g_ptr_array_free(group->cpus, true);
    g_cond_clear(&group->changed);
    g_free(group);
}

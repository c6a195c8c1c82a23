/*
 * The accelerator interface (AccelOps) through which TCG, KVM and qtest plug into the
 * engine, and the registry of accelerators built into this hulld.
 */
#ifndef HULL_ENGINE_ACCEL_H
#define HULL_ENGINE_ACCEL_H

#include <glib.h>
#include <stdbool.h>

#include "engine/irq.h"
#include "engine/memory.h"
#include "util/error.h"

typedef struct CPUState CPUState;
typedef struct AccelOps AccelOps;

/* One accelerator instance, for one machine. */
typedef struct AccelState {
    const AccelOps *ops;
    AddressSpace *as;        /* the machine's system address space */
    /* The machine's port I/O space (x86 IN/OUT), or NULL (set before vCPUs exist); without
     * one, port reads see all-ones and writes are dropped. */
    AddressSpace *io_as;
    void *opaque;            /* the accelerator's own state, set by init_machine */
    MemoryListener listener; /* forwards to ops->region_add/region_del/memory_commit */
    bool listening;
} AccelState;

/* Why exec() returned. */
typedef enum CpuExecResult {
    CPU_EXEC_EXIT,   /* kicked, or something the engine must look at: run the loop again */
    CPU_EXEC_HALTED, /* the guest waits for an interrupt (wfi/hlt): sleep until cpu_wake() */
    CPU_EXEC_ERROR,  /* the vCPU cannot go on: it parks and the machine is told */
} CpuExecResult;

struct AccelOps {
    const char *name;        /* "tcg", "kvm", "qtest" */
    const char *description;

    /* Whether it can run on this host; if not, *reason (g_malloc'ed) says why. */
    bool (*probe)(char **reason);

    /* Per machine, on the main thread under the engine lock. */
    bool (*init_machine)(AccelState *accel, GError **errp);
    void (*cleanup_machine)(AccelState *accel);

    /* Memory topology changes, as MemoryListener callbacks (engine lock held). */
    void (*region_add)(AccelState *accel, const MemorySection *section);
    void (*region_del)(AccelState *accel, const MemorySection *section);
    void (*memory_commit)(AccelState *accel);

    /* On the vCPU's own thread, before its first and after its last exec(), no lock. */
    bool (*create_vcpu)(CPUState *cpu, GError **errp);
    void (*destroy_vcpu)(CPUState *cpu);

    /*
     * Runs guest code on the vCPU thread without the engine lock until the guest halts,
     * fails, or cpu->exit_request becomes non-zero (checked often enough that a kick
     * takes effect within microseconds of guest time).
     */
    CpuExecResult (*exec)(CPUState *cpu);

    /* Makes a running or about-to-run exec() return; any thread, exit_request already
     * set. TCG needs nothing more; KVM signals the thread / sets immediate_exit. */
    void (*kick_vcpu)(CPUState *cpu);

    /* Resets the vCPU's architectural state; on the vCPU thread, engine lock held, the
     * vCPU parked (cpus_reset_all). */
    void (*reset_vcpu)(CPUState *cpu);

    /*
     * For accelerators that emulate the interrupt controller themselves (KVM's in-kernel
     * PIC/IOAPIC): the input line `n` of that controller (KVM: GSI n), which a board
     * hands to its devices; NULL when n is out of range. The line belongs to the
     * accelerator and lives until cleanup_machine. NULL hook: no such controller.
     */
    IrqLine *(*irqchip_input)(AccelState *accel, unsigned n);
};

/*
 * Registry, filled at start-up (before any thread), e.g. from a constructor:
 *     ACCEL_REGISTER(tcg_accel_ops)
 * Returns false if the name is taken.
 */
bool accel_register(const AccelOps *ops);
#define ACCEL_REGISTER(ops)                                                                    \
    static void __attribute__((constructor)) accel_register_##ops(void)                        \
    {                                                                                          \
        accel_register(&(ops));                                                                \
    }

const AccelOps *accel_find(const char *name);

/* What query-accels reports for one accelerator. */
typedef struct AccelStatus {
    const char *name;
    const char *description;
    bool usable;  /* probe() says it can run here */
    char *reason; /* why not, when !usable */
} AccelStatus;

/* Every registered accelerator, sorted by name; free with accel_info_list_free(). */
GArray *accel_query_all(void);
void accel_info_list_free(GArray *list);

/*
 * Sets up an accelerator for a machine whose memory is `as`: unknown or unusable names
 * fail with a clear error and change nothing. Main thread, engine lock held.
 */
AccelState *accel_new(const char *name, AddressSpace *as, GError **errp);
/*
 * The accelerator's in-kernel interrupt controller input `n` (AccelOps.irqchip_input), or
 * NULL with an error when it has no such controller or no such input.
 */
static inline IrqLine *accel_irqchip_input(AccelState *accel, unsigned n, GError **errp)
{
    IrqLine *line = accel->ops->irqchip_input ? accel->ops->irqchip_input(accel, n) : NULL;

    if (!line) {
        hull_error_setg(errp, "accelerator '%s' has no interrupt controller input %u",
                        accel->ops->name, n);
    }
    return line;
}

/* Tears it down; every vCPU must already be destroyed. */
void accel_free(AccelState *accel);

#endif

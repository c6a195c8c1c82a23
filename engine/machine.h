/*
 * The machine: boards register a MachineClass; QMP's machine-create / machine-start /
 * stop / cont / system_reset / machine-destroy drive one MachineState at /machine through
 * the lifecycle phases. This header is the contract between the engine and boards (hw/).
 *
 * Threads: everything here runs on the main thread with the engine lock held, except the
 * machine_request_*() calls, which any thread (a vCPU, a device) may make.
 */
#ifndef HULL_ENGINE_MACHINE_H
#define HULL_ENGINE_MACHINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/accel.h"
#include "engine/chardev.h"
#include "engine/cpu.h"
#include "engine/device.h"
#include "engine/memory.h"
#include "engine/object.h"
#include "qapi/qapi-types.h"

#define TYPE_MACHINE "machine"

typedef struct MachineState {
    Object parent_obj;

    /* What machine-create asked for (read-only properties of /machine). */
    char *accel_name;
    uint64_t ram_size;  /* bytes; the board's default when not given */
    uint64_t ncpus;
    char *firmware;     /* host paths, checked readable at machine-create; NULL if absent */
    char *kernel;
    char *initrd;
    char *cmdline;      /* never NULL ("" when absent) */
    char **serial;      /* chardev ids (NULL-terminated, possibly empty) */

    /* Set up by machine-start before the board's init runs, torn down after cleanup. */
    MemoryRegion *sysmem;  /* the root container of the system address space */
    AddressSpace *as;      /* the system address space over sysmem */
    AccelState *accel;
    CpuGroup *cpus;        /* the board adds vCPUs with cpu_create(ms->cpus, arch, errp) */
    MemoryRegion *iomem;   /* boards with has_io_space: the 64 KiB port I/O space */
    AddressSpace *io_as;
    GBytes *fdt;           /* the device tree the board built (dumpdtb), or NULL */

    /* Engine-private from here on. */
    GPtrArray *board_devices; /* realized by machine_add_device(), in order */
    GPtrArray *blobs;         /* MachineBlob *, rewritten on every reset */
    bool started;
} MachineState;

typedef struct MachineClass {
    ObjectClass parent_class;

    const char *name;         /* what machine-create's 'type' names: "virt", "microvm" */
    const char *arch;         /* "riscv64", "x86_64", "none" */
    uint64_t default_ram_size;
    uint64_t min_ram_size;    /* 0: any size >= one page */
    uint64_t max_ram_size;    /* 0: no board limit */
    unsigned max_cpus;        /* >= 1 */
    const char *const *accels;/* accelerators the board runs on, NULL-terminated; the
                                 first is the default */
    bool has_io_space;        /* x86-style port I/O (ms->iomem / ms->io_as) */

    /*
     * machine-start, after the accelerator and the (empty) system address space exist:
     * allocate RAM (machine_ram_new), create and map board devices (machine_add_device),
     * create vCPUs, load firmware/kernel/initrd (machine_load_*). Any failure returns an
     * error naming the cause; the engine then tears everything down (vCPUs, devices,
     * blobs, memory, cleanup) and the machine stays in configuring.
     */
    bool (*init)(MachineState *ms, GError **errp);
    /* Frees what init allocated outside the helpers below (also after a failed init). */
    void (*cleanup)(MachineState *ms);

    /*
     * Plugging a device_add device: called before the engine realizes it (at
     * machine-start for cold-plugged devices), e.g. to give it a virtio-mmio slot, map it
     * or wire its IRQ. NULL: the board takes no user devices that need wiring. The hook
     * may realize the device itself (when wiring needs its regions); the engine's realize
     * is then a no-op. unplug runs before the engine unrealizes a plugged device
     * (device_del, teardown).
     */
    bool (*plug)(MachineState *ms, DeviceState *dev, GError **errp);
    void (*unplug)(MachineState *ms, DeviceState *dev);

    /*
     * System reset, vCPUs parked: runs after every device was reset, blobs were rewritten
     * and every vCPU was reset by the accelerator; sets the boot state (entry pc,
     * registers) — through cpu_run_on() where the accelerator needs the vCPU's thread.
     */
    void (*reset)(MachineState *ms);

    /* system_powerdown: signal the guest (ACPI button, GPIO key...). NULL: refused. */
    bool (*powerdown)(MachineState *ms, GError **errp);
} MachineClass;

#define MACHINE(obj)           OBJECT_CHECK(MachineState, (obj), TYPE_MACHINE)
#define MACHINE_GET_CLASS(obj) OBJECT_GET_CLASS(MachineClass, (obj), TYPE_MACHINE)
#define MACHINE_CLASS(klass)   ((MachineClass *)object_class_dynamic_cast((klass), TYPE_MACHINE))

/* The machine (created, starting or started), or NULL in phase no-machine. */
MachineState *machine_get(void);

/* --- Helpers for a board's init --- */

/* Guest RAM of ms->ram_size or another size; allocation failure is an error, not a crash.
 * The region belongs to the caller (map it with memory_region_add_subregion). */
MemoryRegion *machine_ram_new(MachineState *ms, const char *name, uint64_t size,
                              GError **errp);

/* Attaches a board device under /machine/unattached, realizes it and remembers it for
 * reset and teardown (devices are reset in this order and unrealized in reverse). */
bool machine_add_device(MachineState *ms, DeviceState *dev, GError **errp);

/* The chardev connected to serial[index] by machine-create, or NULL (no chardev given).
 * The ids were checked to exist at machine-start before init runs. */
Chardev *machine_serial(MachineState *ms, unsigned index);

/*
 * Guest memory contents written at every reset, like firmware images in ROM: the bytes
 * are copied now (the engine keeps them) and written at `addr` of ms->as on each reset
 * (RAM or ROM only; a range not backed by RAM/ROM is an error naming the range).
 */
bool machine_add_blob(MachineState *ms, const char *name, uint64_t addr, const void *data,
                      size_t len, GError **errp);
/*
 * The whole of a host image file (kernel, firmware, initrd): opened without blocking, it
 * must be a regular file of at most max_len bytes; read, never mapped (a file truncated
 * under a mapping would kill hulld). Errors name `what` and the path.
 */
GBytes *machine_read_file(const char *what, const char *path, uint64_t max_len, GError **errp);

/* A host file as a blob: the whole file (up to max_len bytes, else an error). */
bool machine_add_file_blob(MachineState *ms, const char *name, const char *path,
                           uint64_t addr, uint64_t max_len, uint64_t *len_out, GError **errp);

/* --- Requests from the guest side (any thread; the main loop acts on them) --- */

/* The guest powered off / reset itself / panicked; the set-action policy decides what
 * happens (SHUTDOWN, RESET, STOP events; phase changes). */
void machine_request_shutdown(ShutdownCause cause);
void machine_request_reset(ShutdownCause cause);
void machine_request_panic(void);
/* A test device's exit code (isa-debug-exit, sifive-test): shown by query-status. */
void machine_set_guest_exit_code(int64_t code);
/* Emulation cannot go on (a vCPU failed): phase internal-error with this reason. */
void machine_report_internal_error(const char *reason);

#endif

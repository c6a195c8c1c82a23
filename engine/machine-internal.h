/*
 * The machine lifecycle as the QMP handlers (engine/machine-qmp.c) and the service see it.
 * Boards use engine/machine.h only.
 */
#ifndef HULL_ENGINE_MACHINE_INTERNAL_H
#define HULL_ENGINE_MACHINE_INTERNAL_H

#include "engine/machine.h"

/* machine-create's arguments, as the generated marshaller hands them over. */
typedef struct MachineCreateArgs {
    const char *type;
    const char *accel;
    bool has_cpus;
    int64_t cpus;
    bool has_memory;
    uint64_t memory;
    const char *firmware;
    const char *kernel;
    const char *initrd;
    const char *cmdline;
    strList *serial;
} MachineCreateArgs;

/* At start-up: MACHINE_PHASE events, timers on ctx (NULL: the default context). */
void machine_init(GMainContext *ctx);

MachineClass *machine_class_find(const char *name);
/* Every board class (MachineClass *), sorted by type name; free with g_ptr_array_unref. */
GPtrArray *machine_class_list(void);

/* Opens path read-only and checks it is a regular file; the error names `what`. */
bool machine_check_file(const char *what, const char *path, GError **errp);

bool machine_create(const MachineCreateArgs *args, GError **errp);
bool machine_start(bool paused, GError **errp);
void machine_stop(void);
bool machine_cont(GError **errp);
void machine_system_reset(bool guest, ShutdownCause reason);
bool machine_powerdown(GError **errp);
void machine_destroy(void);
void machine_set_actions(const RebootAction *reboot, const ShutdownAction *shutdown,
                         const PanicAction *panic);

/* What query-status shows besides the phase. */
bool machine_guest_exit_code(int64_t *code);
const char *machine_internal_error_reason(void);

#endif

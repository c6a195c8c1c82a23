/*
 * The seccomp sandbox hulld enters once start-up is done (listeners up, nothing left to
 * exec or fork). It is what contains a guest that escapes its device emulation.
 */
#ifndef HULL_SERVICE_SANDBOX_H
#define HULL_SERVICE_SANDBOX_H

#include <glib.h>
#include <stdbool.h>

/* Whether this build can sandbox (CONFIG_SECCOMP). */
bool sandbox_available(void);

/*
 * Installs the filter on every thread of the process (and threads created later).
 * Denied, with the process killed (SIGSYS) because nothing legitimate in hulld reaches them:
 * execve/execveat, kernel and system administration (reboot, kexec, module loading, mount,
 * swap, clock setting, ...), ptrace and process_vm_*, and QEMU's "obsolete" calls.
 * Denied with EPERM, so that a library that tries gets an error rather than a dead daemon:
 * fork/vfork/clone without CLONE_THREAD (clone3 gets ENOSYS so that libc falls back to clone,
 * whose flags seccomp can see), the setuid/setgid family, and raising scheduling priority or
 * changing policy/affinity (QEMU's resourcecontrol).
 * Fails (errp) when the filter cannot be loaded, or when seccomp is not built in.
 */
bool sandbox_apply(GError **errp);

#endif

/*
 * File descriptors passed by QMP clients over SCM_RIGHTS, with QEMU's semantics: named
 * descriptors per client (getfd/closefd) and process-wide fd sets (add-fd/remove-fd/
 * query-fdsets). Code that opens files for the machine (chardevs, disks) looks them up here.
 */
#ifndef HULL_SERVICE_FDSTORE_H
#define HULL_SERVICE_FDSTORE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- Lookup API for the rest of Hull ------------------------------------------------- */

/*
 * Takes the descriptor that the client running the current QMP command stored with
 * `getfd fdname=NAME` (QEMU's monitor_get_fd). The caller owns the returned fd; the name is
 * gone afterwards. Outside a QMP command, or for an unknown name, -1 and errp.
 */
int hull_fd_take_named(const char *name, GError **errp);

/*
 * Returns a new descriptor (a dup, close-on-exec, owned by the caller) of a descriptor in fd
 * set fdset_id whose access mode (O_RDONLY/O_WRONLY/O_RDWR) matches flags & O_ACCMODE, as
 * QEMU does for "/dev/fdset/N". Thread-safe. -1 and errp when there is none.
 */
int hull_fdset_dup(int64_t fdset_id, int flags, GError **errp);

/* open(2) that also understands "/dev/fdset/N" (then hull_fdset_dup()). Close-on-exec. */
int hull_open(const char *path, int flags, mode_t mode, GError **errp);

/* ---- Per-client named descriptors (getfd/closefd) ------------------------------------ */

typedef struct MonitorFds MonitorFds;

MonitorFds *monitor_fds_new(void);
/* Closes every descriptor still named. */
void monitor_fds_free(MonitorFds *fds);

/* Names fd (taking ownership); an existing descriptor of that name is closed first. Names
 * starting with a digit are refused, as in QEMU. */
bool monitor_fds_add(MonitorFds *fds, const char *name, int fd, GError **errp);
bool monitor_fds_close(MonitorFds *fds, const char *name, GError **errp);
int monitor_fds_take(MonitorFds *fds, const char *name, GError **errp);

/* ---- Fd sets (add-fd/remove-fd/query-fdsets) ----------------------------------------- */

typedef struct FdsetFdEntry {
    int fd;
    char *opaque; /* may be NULL */
} FdsetFdEntry;

typedef struct FdsetEntry {
    int64_t id;
    GArray *fds; /* of FdsetFdEntry */
} FdsetEntry;

/*
 * Adds fd (ownership passes) to set *fdset_id, creating the set; with has_id false the lowest
 * free id is chosen and stored in *fdset_id. Returns false (fd left to the caller) for a
 * negative id.
 */
bool fdset_add_fd(bool has_id, int64_t *fdset_id, int fd, const char *opaque, GError **errp);

/* Closes one descriptor of a set (has_fd) or all of them; an emptied set disappears. */
bool fdset_remove_fd(int64_t fdset_id, bool has_fd, int64_t fd, GError **errp);

/* A snapshot of every set, ordered by id: GPtrArray of FdsetEntry, freed with
 * g_ptr_array_unref. */
GPtrArray *fdset_list(void);

#endif

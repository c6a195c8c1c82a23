/*
 * Descriptors passed over SCM_RIGHTS: per-client names (getfd) and process-wide fd sets
 * (add-fd), with the lookups that device and backend code use.
 */
#include "service/fdstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/monitor.h"
#include "util/error.h"

struct MonitorFds {
    GHashTable *by_name; /* name -> GINT_TO_POINTER(fd) */
};

static void close_fd_value(gpointer value)
{
    close(GPOINTER_TO_INT(value));
}

MonitorFds *monitor_fds_new(void)
{
    MonitorFds *fds = g_new0(MonitorFds, 1);

    fds->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, close_fd_value);
    return fds;
}

void monitor_fds_free(MonitorFds *fds)
{
    if (fds) {
        g_hash_table_destroy(fds->by_name);
        g_free(fds);
    }
}

bool monitor_fds_add(MonitorFds *fds, const char *name, int fd, GError **errp)
{
    if (g_ascii_isdigit(name[0])) {
        return hull_error_setg(errp, "Parameter 'fdname' expects a name not starting with a "
                                     "digit");
    }
    /* Replacing closes the old descriptor (the table's value destructor). */
    g_hash_table_insert(fds->by_name, g_strdup(name), GINT_TO_POINTER(fd));
    return true;
}

bool monitor_fds_close(MonitorFds *fds, const char *name, GError **errp)
{
    if (!g_hash_table_remove(fds->by_name, name)) {
        return hull_error_setg(errp, "File descriptor named '%s' not found", name);
    }
    return true;
}

int monitor_fds_take(MonitorFds *fds, const char *name, GError **errp)
{
    gpointer key, value;

    if (!g_hash_table_steal_extended(fds->by_name, name, &key, &value)) {
        hull_error_setg(errp, "File descriptor named '%s' has not been found", name);
        return -1;
    }
    g_free(key);
    return GPOINTER_TO_INT(value);
}

int hull_fd_take_named(const char *name, GError **errp)
{
    Monitor *mon = monitor_current();

    if (!mon) {
        hull_error_setg(errp, "File descriptor '%s' can only be used from a QMP command", name);
        return -1;
    }
    return monitor_fds_take(monitor_get_fds(mon), name, errp);
}

/* ---- fd sets ---------------------------------------------------------------------------- */

/* The fd set registry: process-wide like QEMU's, guarded because backends may open
 * "/dev/fdset/N" from I/O threads. */
static GMutex fdset_lock;
static GTree *fdsets; /* int64 id -> FdsetEntry */

static gint compare_ids(gconstpointer a, gconstpointer b, gpointer unused)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static void fdset_entry_free(gpointer p)
{
    FdsetEntry *set = p;

    for (guint i = 0; i < set->fds->len; i++) {
        FdsetFdEntry *e = &g_array_index(set->fds, FdsetFdEntry, i);

        g_free(e->opaque);
    }
    g_array_free(set->fds, true);
    g_free(set);
}

static GTree *fdsets_locked(void)
{
    if (!fdsets) {
        fdsets = g_tree_new_full(compare_ids, NULL, NULL, fdset_entry_free);
    }
    return fdsets;
}

static gboolean find_gap(gpointer key, gpointer value, gpointer data)
{
    int64_t *candidate = data;

    if (*(int64_t *)key != *candidate) {
        return true; /* ids are visited in order: the first gap is free */
    }
    (*candidate)++;
    return false;
}

bool fdset_add_fd(bool has_id, int64_t *fdset_id, int fd, const char *opaque, GError **errp)
{
    FdsetEntry *set;
    FdsetFdEntry entry = {.fd = fd, .opaque = g_strdup(opaque)};

    if (has_id && *fdset_id < 0) {
        g_free(entry.opaque);
        return hull_error_setg(errp, "Parameter 'fdset-id' expects a non-negative value");
    }
    g_mutex_lock(&fdset_lock);
    if (!has_id) {
        *fdset_id = 0;
        g_tree_foreach(fdsets_locked(), find_gap, fdset_id);
    }
    set = g_tree_lookup(fdsets_locked(), fdset_id);
    if (!set) {
        set = g_new0(FdsetEntry, 1);
        set->id = *fdset_id;
        set->fds = g_array_new(false, false, sizeof(FdsetFdEntry));
        g_tree_insert(fdsets, &set->id, set);
    }
    g_array_append_val(set->fds, entry);
    g_mutex_unlock(&fdset_lock);
    return true;
}

bool fdset_remove_fd(int64_t fdset_id, bool has_fd, int64_t fd, GError **errp)
{
    FdsetEntry *set;
    bool found = false;

    g_mutex_lock(&fdset_lock);
    set = g_tree_lookup(fdsets_locked(), &fdset_id);
    for (guint i = 0; set && i < set->fds->len; i++) {
        FdsetFdEntry *e = &g_array_index(set->fds, FdsetFdEntry, i);

        if (has_fd && e->fd != fd) {
            continue;
        }
        close(e->fd);
        g_free(e->opaque);
        g_array_remove_index(set->fds, i--);
        found = true;
    }
    if (set && set->fds->len == 0) {
        g_tree_remove(fdsets, &fdset_id);
    }
    g_mutex_unlock(&fdset_lock);
    if (!found) {
        if (has_fd) {
            return hull_error_setg(errp,
                                   "File descriptor named 'fdset-id:%" G_GINT64_FORMAT
                                   ", fd:%" G_GINT64_FORMAT "' not found",
                                   fdset_id, fd);
        }
        return hull_error_setg(errp, "File descriptor named 'fdset-id:%" G_GINT64_FORMAT
                                     "' not found", fdset_id);
    }
    return true;
}

static gboolean copy_set(gpointer key, gpointer value, gpointer data)
{
    FdsetEntry *set = value, *copy = g_new0(FdsetEntry, 1);

    copy->id = set->id;
    copy->fds = g_array_new(false, false, sizeof(FdsetFdEntry));
    for (guint i = 0; i < set->fds->len; i++) {
        FdsetFdEntry e = g_array_index(set->fds, FdsetFdEntry, i);

        e.opaque = g_strdup(e.opaque);
        g_array_append_val(copy->fds, e);
    }
    g_ptr_array_add(data, copy);
    return false;
}

GPtrArray *fdset_list(void)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(fdset_entry_free);

    g_mutex_lock(&fdset_lock);
    g_tree_foreach(fdsets_locked(), copy_set, list);
    g_mutex_unlock(&fdset_lock);
    return list;
}

int hull_fdset_dup(int64_t fdset_id, int flags, GError **errp)
{
    FdsetEntry *set;
    int mode = flags & O_ACCMODE;
    int dup_fd = -1;
    int saved_errno = 0;
    bool found = false;

    g_mutex_lock(&fdset_lock);
    set = g_tree_lookup(fdsets_locked(), &fdset_id);
    for (guint i = 0; set && i < set->fds->len && !found; i++) {
        int fd = g_array_index(set->fds, FdsetFdEntry, i).fd;
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0 || (fl & O_ACCMODE) != mode) {
            continue;
        }
        found = true;
        dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        saved_errno = errno;
    }
    g_mutex_unlock(&fdset_lock);

    if (!set) {
        hull_error_setg(errp, "fd set %" G_GINT64_FORMAT " does not exist",
                        fdset_id);
        return -1;
    }
    if (!found) {
        hull_error_setg(errp, "fd set %" G_GINT64_FORMAT " has no descriptor opened %s", fdset_id,
                        mode == O_RDONLY ? "read-only" : mode == O_WRONLY ? "write-only"
                                                                           : "read-write");
        return -1;
    }
    if (dup_fd < 0) {
        hull_error_setg_errno(errp, saved_errno, "Could not duplicate a descriptor of fd set %"
                              G_GINT64_FORMAT, fdset_id);
    }
    return dup_fd;
}

int hull_open(const char *path, int flags, mode_t mode, GError **errp)
{
    const char *id_str;
    int fd;

    if (g_str_has_prefix(path, "/dev/fdset/")) {
        guint64 id;

        id_str = path + strlen("/dev/fdset/");
        if (!g_ascii_string_to_unsigned(id_str, 10, 0, G_MAXINT64, &id, NULL)) {
            hull_error_setg(errp, "'%s' is not a valid fd set path", path);
            return -1;
        }
        return hull_fdset_dup((int64_t)id, flags, errp);
    }
    fd = open(path, flags | O_CLOEXEC, mode);
    if (fd < 0) {
        hull_error_setg_errno(errp, errno, "Could not open '%s'", path);
    }
    return fd;
}

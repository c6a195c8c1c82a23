/*
 * Block nodes: the file protocol node (image file or fd, I/O on a thread pool, O_DIRECT
 * with bounce buffers for unaligned requests) and the raw format node over it.
 */
#include "engine/block.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/device.h"
#include "engine/lock.h"
#include "util/error.h"
#include "util/log.h"

#define BLOCK_NODE_NAME_MAX 31
#define BLOCK_POOL_THREADS  4
#define BLOCK_BUF_ALIGN     4096

struct BlockNode {
    Object parent_obj;
    bool read_only;
    unsigned users;
    BlockNode *protocol; /* the file node requests end up in (self for a file node) */
    uint64_t base;       /* this node's byte 0 in the protocol node */
    uint64_t size;
};

typedef struct BlockFile {
    BlockNode parent_obj;
    /* properties */
    char *filename;
    int64_t fd_prop;
    char *cache;
    bool no_flush;
    /* state */
    int fd;
    bool direct;
    bool sync_each_write; /* directsync on an fd where O_DSYNC could not be set */
    size_t align;         /* offsets/lengths/buffers O_DIRECT needs aligned; 1 otherwise */
    GThreadPool *pool;
    GRWLock rmw_lock;     /* writers: read-modify-write of partial blocks */
    GMutex lock;          /* guards the fields below */
    GCond done;
    GQueue completed;
    unsigned inflight;    /* queued, running, or completed with the callback not yet run */
    GSource *idle;
} BlockFile;

typedef struct BlockRaw {
    BlockNode parent_obj;
    Object *file;
    uint64_t offset;
    uint64_t size_prop;
} BlockRaw;

#define BLOCK_FILE(obj) OBJECT_CHECK(BlockFile, (obj), TYPE_BLOCK_FILE)
#define BLOCK_RAW(obj)  OBJECT_CHECK(BlockRaw, (obj), TYPE_BLOCK_RAW)

typedef enum BlockRequestType {
    BLOCK_REQ_READ,
    BLOCK_REQ_WRITE,
    BLOCK_REQ_FLUSH,
} BlockRequestType;

typedef struct BlockRequest {
    BlockFile *file;
    BlockRequestType type;
    uint64_t offset;
    uint8_t *buf;
    size_t len;
    int ret;
    BlockCompletionFunc *cb;
    void *opaque;
} BlockRequest;

/* ---------------------------------------------------------------------------------------
 * File I/O on the worker threads
 */

static int block_pread_full(int fd, uint8_t *buf, size_t len, uint64_t offset)
{
    while (len) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            /* The file shrank under us: what is not there reads as zeros. */
            memset(buf, 0, len);
            return 0;
        }
        buf += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

static int block_pwrite_full(int fd, const uint8_t *buf, size_t len, uint64_t offset)
{
    while (len) {
        ssize_t n = pwrite(fd, buf, len, (off_t)offset);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        buf += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

static bool block_file_aligned(BlockFile *f, uint64_t offset, size_t len, const void *buf)
{
    return offset % f->align == 0 && len % f->align == 0 &&
           (!f->direct || (uintptr_t)buf % BLOCK_BUF_ALIGN == 0);
}

/* An O_DIRECT request that is not aligned goes through an aligned bounce buffer. */
static int block_file_bounce(BlockFile *f, BlockRequest *req)
{
    uint64_t start = req->offset / f->align * f->align;
    uint64_t end = (req->offset + req->len + f->align - 1) / f->align * f->align;
    size_t span = (size_t)(end - start);
    void *tmp = NULL;
    int ret;

    if (posix_memalign(&tmp, BLOCK_BUF_ALIGN, span)) {
        return -ENOMEM;
    }
    if (req->type == BLOCK_REQ_READ) {
        ret = block_pread_full(f->fd, tmp, span, start);
        if (ret == 0) {
            memcpy(req->buf, (uint8_t *)tmp + (req->offset - start), req->len);
        }
        free(tmp);
        return ret;
    }
    /* Read-modify-write: exclusive against every other write of this file. */
    g_rw_lock_writer_lock(&f->rmw_lock);
    ret = block_pread_full(f->fd, tmp, span, start);
    if (ret == 0) {
        memcpy((uint8_t *)tmp + (req->offset - start), req->buf, req->len);
        ret = block_pwrite_full(f->fd, tmp, span, start);
    }
    g_rw_lock_writer_unlock(&f->rmw_lock);
    free(tmp);
    return ret;
}

static int block_file_do_io(BlockFile *f, BlockRequest *req)
{
    int ret;

    switch (req->type) {
    case BLOCK_REQ_FLUSH:
        /* cache.no-flush: the guest's flushes are not passed on (closing still syncs). */
        if (f->no_flush) {
            return 0;
        }
        return fdatasync(f->fd) < 0 ? -errno : 0;
    case BLOCK_REQ_READ:
        if (!block_file_aligned(f, req->offset, req->len, req->buf)) {
            return block_file_bounce(f, req);
        }
        return block_pread_full(f->fd, req->buf, req->len, req->offset);
    case BLOCK_REQ_WRITE:
        if (!block_file_aligned(f, req->offset, req->len, req->buf)) {
            ret = block_file_bounce(f, req);
        } else {
            g_rw_lock_reader_lock(&f->rmw_lock);
            ret = block_pwrite_full(f->fd, req->buf, req->len, req->offset);
            g_rw_lock_reader_unlock(&f->rmw_lock);
        }
        if (ret == 0 && f->sync_each_write && fdatasync(f->fd) < 0) {
            ret = -errno;
        }
        return ret;
    }
    g_assert_not_reached();
}

static gboolean block_file_complete_idle(gpointer opaque);

static void block_worker(gpointer data, gpointer user_data)
{
    BlockRequest *req = data;
    BlockFile *f = req->file;

    req->ret = block_file_do_io(f, req);

    g_mutex_lock(&f->lock);
    g_queue_push_tail(&f->completed, req);
    if (!f->idle) {
        f->idle = g_idle_source_new();
        g_source_set_callback(f->idle, block_file_complete_idle, f, NULL);
        g_source_attach(f->idle, NULL);
    }
    g_cond_broadcast(&f->done);
    g_mutex_unlock(&f->lock);
}

/* ---------------------------------------------------------------------------------------
 * Completions, on the main thread
 */

static void block_file_run_completions(BlockFile *f)
{
    for (;;) {
        BlockRequest *req;

        g_mutex_lock(&f->lock);
        req = g_queue_pop_head(&f->completed);
        g_mutex_unlock(&f->lock);
        if (!req) {
            return;
        }
        req->cb(req->opaque, req->ret);
        g_free(req);
        /* Counted down after the callback, so drain also waits for callbacks. */
        g_mutex_lock(&f->lock);
        f->inflight--;
        g_mutex_unlock(&f->lock);
    }
}

static gboolean block_file_complete_idle(gpointer opaque)
{
    BlockFile *f = opaque;
    bool taken;

    g_mutex_lock(&f->lock);
    g_clear_pointer(&f->idle, g_source_unref);
    g_mutex_unlock(&f->lock);

    taken = engine_lock_acquire_if_needed();
    block_file_run_completions(f);
    engine_lock_release_if_taken(taken);
    return G_SOURCE_REMOVE;
}

static void block_file_drain(BlockFile *f)
{
    for (;;) {
        block_file_run_completions(f);
        g_mutex_lock(&f->lock);
        if (f->inflight == 0) {
            g_mutex_unlock(&f->lock);
            return;
        }
        if (g_queue_is_empty(&f->completed)) {
            g_cond_wait(&f->done, &f->lock);
        }
        g_mutex_unlock(&f->lock);
    }
}

void block_node_drain(BlockNode *bs)
{
    if (bs->protocol) {
        block_file_drain(BLOCK_FILE(bs->protocol));
    }
}

/* ---------------------------------------------------------------------------------------
 * Submission
 */

static int block_submit(BlockNode *bs, BlockRequestType type, uint64_t offset, void *buf,
                        size_t len, BlockCompletionFunc *cb, void *opaque)
{
    BlockFile *f;
    BlockRequest *req;

    /* The file below a raw node may have been closed first (forced shutdown). */
    if (!OBJECT(bs)->realized || !bs->protocol || !bs->protocol->protocol) {
        return -ENOMEDIUM;
    }
    if (type == BLOCK_REQ_WRITE && bs->read_only) {
        return -EROFS;
    }
    if (type != BLOCK_REQ_FLUSH && (offset > bs->size || len > bs->size - offset)) {
        return -EIO;
    }
    f = BLOCK_FILE(bs->protocol);
    req = g_new0(BlockRequest, 1);
    req->file = f;
    req->type = type;
    req->offset = bs->base + offset;
    req->buf = buf;
    req->len = len;
    req->cb = cb;
    req->opaque = opaque;

    g_mutex_lock(&f->lock);
    f->inflight++;
    g_mutex_unlock(&f->lock);
    g_thread_pool_push(f->pool, req, NULL);
    return 0;
}

int block_aio_read(BlockNode *bs, uint64_t offset, void *buf, size_t len,
                   BlockCompletionFunc *cb, void *opaque)
{
    return block_submit(bs, BLOCK_REQ_READ, offset, buf, len, cb, opaque);
}

int block_aio_write(BlockNode *bs, uint64_t offset, const void *buf, size_t len,
                    BlockCompletionFunc *cb, void *opaque)
{
    /* The worker only reads from a write request's buffer. */
    return block_submit(bs, BLOCK_REQ_WRITE, offset, (void *)buf, len, cb, opaque);
}

int block_aio_flush(BlockNode *bs, BlockCompletionFunc *cb, void *opaque)
{
    return block_submit(bs, BLOCK_REQ_FLUSH, 0, NULL, 0, cb, opaque);
}

/* ---------------------------------------------------------------------------------------
 * The base type
 */

static const Property block_node_props[] = {
    PROP_BOOL("read-only", BlockNode, read_only, false, "refuse writes"),
    PROP_END,
};

static const TypeInfo block_node_info = {
    .name = TYPE_BLOCK_NODE,
    .parent = TYPE_OBJECT,
    .description = "a block backend node",
    .abstract = true,
    .instance_size = sizeof(BlockNode),
    .properties = block_node_props,
};
TYPE_REGISTER(block_node_info)

const char *block_node_get_name(BlockNode *bs)
{
    return OBJECT(bs)->name;
}

uint64_t block_node_get_size(BlockNode *bs)
{
    return bs->size;
}

bool block_node_is_read_only(BlockNode *bs)
{
    return bs->read_only;
}

bool block_node_in_use(BlockNode *bs)
{
    return bs->users > 0;
}

void block_node_get_info(BlockNode *bs, BlockNodeInfo *info)
{
    BlockFile *f = bs->protocol ? BLOCK_FILE(bs->protocol) : NULL;
    BlockRaw *raw = (BlockRaw *)object_dynamic_cast(OBJECT(bs), TYPE_BLOCK_RAW);
    struct stat st;

    memset(info, 0, sizeof(*info));
    info->driver = raw ? "raw" : "file";
    info->size = bs->size;
    info->read_only = bs->read_only;
    info->actual_size = -1;
    if (raw && raw->file) {
        info->file_node = block_node_get_name(BLOCK_NODE(raw->file));
    }
    if (f) {
        info->filename = f->filename;
        info->direct = f->direct;
        info->no_flush = f->no_flush;
        info->writeback = !f->sync_each_write && g_strcmp0(f->cache, "directsync") != 0;
        if (f->fd >= 0 && fstat(f->fd, &st) == 0) {
            info->actual_size = (int64_t)st.st_blocks * 512;
        }
    }
}

void block_node_attach(BlockNode *bs)
{
    bs->users++;
}

void block_node_detach(BlockNode *bs)
{
    g_assert(bs->users > 0);
    bs->users--;
}

/* ---------------------------------------------------------------------------------------
 * The file node
 */

static bool block_file_get_size(BlockFile *f, GError **errp)
{
    struct stat st;

    if (fstat(f->fd, &st) < 0) {
        return hull_error_setg_errno(errp, errno, "cannot stat the image");
    }
    if (S_ISREG(st.st_mode)) {
        f->parent_obj.size = (uint64_t)st.st_size;
        return true;
    }
    if (S_ISBLK(st.st_mode)) {
        uint64_t bytes;

        if (ioctl(f->fd, BLKGETSIZE64, &bytes) < 0) {
            return hull_error_setg_errno(errp, errno, "cannot get the size of the device");
        }
        f->parent_obj.size = bytes;
        return true;
    }
    return hull_error_setg(errp, "the image is neither a regular file nor a block device");
}

/* The smallest O_DIRECT granularity the file accepts. */
static size_t block_file_probe_align(BlockFile *f)
{
    static const size_t candidates[] = {512, 1024, 2048, 4096};
    int sector;
    void *buf = NULL;
    size_t found = BLOCK_BUF_ALIGN;

    if (ioctl(f->fd, BLKSSZGET, &sector) == 0 && sector > 0) {
        return (size_t)sector;
    }
    if (posix_memalign(&buf, BLOCK_BUF_ALIGN, BLOCK_BUF_ALIGN)) {
        return found;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if (pread(f->fd, buf, candidates[i], 0) >= 0 || errno != EINVAL) {
            found = candidates[i];
            break;
        }
    }
    free(buf);
    return found;
}

static bool block_file_open_fd(BlockFile *f, bool want_direct, bool dsync, GError **errp)
{
    BlockNode *bs = &f->parent_obj;
    int flags = (bs->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | (dsync ? O_DSYNC : 0);

    if (f->fd_prop >= 0) {
        int fl = f->fd_prop <= INT32_MAX ? fcntl((int)f->fd_prop, F_GETFL) : -1;

        if (fl < 0) {
            return hull_error_setg(errp, "'fd' %" G_GINT64_FORMAT " is not an open file "
                                   "descriptor", f->fd_prop);
        }
        if (!bs->read_only && (fl & O_ACCMODE) == O_RDONLY) {
            return hull_error_setg(errp, "'fd' is open read-only; set read-only");
        }
        f->fd = (int)f->fd_prop;
        f->fd_prop = -1;
        fcntl(f->fd, F_SETFD, FD_CLOEXEC);
        /* O_DSYNC cannot be changed on an open fd: emulate it with fdatasync. */
        f->sync_each_write = dsync;
        f->direct = want_direct && fcntl(f->fd, F_SETFL, fl | O_DIRECT) == 0;
        return true;
    }
    if (want_direct) {
        f->fd = open(f->filename, flags | O_DIRECT);
        f->direct = f->fd >= 0;
        if (f->fd < 0 && errno != EINVAL) {
            return hull_error_setg_errno(errp, errno, "cannot open '%s'", f->filename);
        }
    }
    if (f->fd < 0) {
        f->fd = open(f->filename, flags);
    }
    if (f->fd < 0) {
        return hull_error_setg_errno(errp, errno, "cannot open '%s'", f->filename);
    }
    return true;
}

static bool block_file_open(Object *obj, GError **errp)
{
    BlockFile *f = BLOCK_FILE(obj);
    BlockNode *bs = &f->parent_obj;
    bool want_direct = g_strcmp0(f->cache, "writeback") != 0;
    bool dsync = g_strcmp0(f->cache, "directsync") == 0;
    const char *what = f->filename ? f->filename : "fd";

    /* With both, the fd is used and the filename is only what the node is called. */
    if (!(f->filename && *f->filename) && f->fd_prop < 0) {
        return hull_error_setg(errp, "a file node needs 'filename' or 'fd'");
    }
    if (!block_file_open_fd(f, want_direct, dsync, errp) || !block_file_get_size(f, errp)) {
        if (f->fd >= 0) {
            close(f->fd);
            f->fd = -1;
        }
        return false;
    }
    f->align = 1;
    if (f->direct) {
        f->align = block_file_probe_align(f);
        if (bs->size % f->align) {
            /* O_DIRECT cannot reach the tail of this image: use the page cache. */
            fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_DIRECT);
            f->direct = false;
            f->align = 1;
        }
    }
    if (want_direct && !f->direct) {
        hull_warn("block", "%s: O_DIRECT is not possible here; cache=%s uses the page cache",
                  what, f->cache);
    }
    f->pool = g_thread_pool_new(block_worker, f, BLOCK_POOL_THREADS, false, errp);
    if (!f->pool) {
        close(f->fd);
        f->fd = -1;
        return false;
    }
    bs->protocol = bs;
    bs->base = 0;
    return true;
}

static void block_file_close(Object *obj)
{
    BlockFile *f = BLOCK_FILE(obj);
    BlockNode *bs = &f->parent_obj;

    block_file_drain(f);
    if (!bs->read_only && fdatasync(f->fd) < 0) {
        hull_warn("block", "%s: flush on close failed: %s", block_node_get_name(bs),
                  g_strerror(errno));
    }
    g_thread_pool_free(f->pool, false, true);
    f->pool = NULL;
    g_mutex_lock(&f->lock);
    if (f->idle) {
        g_source_destroy(f->idle);
        g_clear_pointer(&f->idle, g_source_unref);
    }
    g_mutex_unlock(&f->lock);
    close(f->fd);
    f->fd = -1;
    bs->protocol = NULL;
}

static void block_file_init(Object *obj)
{
    BlockFile *f = BLOCK_FILE(obj);

    f->fd = -1;
    g_mutex_init(&f->lock);
    g_cond_init(&f->done);
    g_rw_lock_init(&f->rmw_lock);
    g_queue_init(&f->completed);
}

static void block_file_finalize(Object *obj)
{
    BlockFile *f = BLOCK_FILE(obj);

    /* An fd handed in but never opened is still ours to close. */
    if (f->fd_prop >= 0 && f->fd_prop <= INT32_MAX) {
        close((int)f->fd_prop);
    }
    g_mutex_clear(&f->lock);
    g_cond_clear(&f->done);
    g_rw_lock_clear(&f->rmw_lock);
}

static void block_file_class_init(ObjectClass *klass)
{
    klass->realize = block_file_open;
    klass->unrealize = block_file_close;
}

static const char *const block_cache_modes[] = {"writeback", "none", "directsync", NULL};

static const Property block_file_props[] = {
    PROP_STR("filename", BlockFile, filename, NULL, "the image file"),
    PROP_INT("fd", BlockFile, fd_prop, -1, "an open file descriptor (the node takes it)"),
    PROP_STR("cache", BlockFile, cache, "writeback",
             "writeback, none (O_DIRECT) or directsync (O_DIRECT + O_DSYNC)",
             .enum_values = block_cache_modes),
    PROP_BOOL("no-flush", BlockFile, no_flush, false,
              "complete flush requests without syncing (data survives hulld, not the host)"),
    PROP_END,
};

static const TypeInfo block_file_info = {
    .name = TYPE_BLOCK_FILE,
    .parent = TYPE_BLOCK_NODE,
    .description = "an image file or block device",
    .instance_size = sizeof(BlockFile),
    .instance_init = block_file_init,
    .instance_finalize = block_file_finalize,
    .class_init = block_file_class_init,
    .properties = block_file_props,
};
TYPE_REGISTER(block_file_info)

/* ---------------------------------------------------------------------------------------
 * The raw node
 */

static bool block_raw_open(Object *obj, GError **errp)
{
    BlockRaw *raw = BLOCK_RAW(obj);
    BlockNode *bs = &raw->parent_obj;
    BlockNode *file;
    uint64_t avail;

    if (!raw->file) {
        return hull_error_setg(errp, "a raw node needs 'file'");
    }
    file = BLOCK_NODE(raw->file);
    if (!file->protocol) {
        return hull_error_setg(errp, "node '%s' is not open", block_node_get_name(file));
    }
    if (!bs->read_only && file->read_only) {
        return hull_error_setg(errp, "node '%s' is read-only; set read-only here too",
                               block_node_get_name(file));
    }
    if (raw->offset > file->size) {
        return hull_error_setg(errp, "offset %" G_GUINT64_FORMAT " is beyond the end of '%s' "
                               "(%" G_GUINT64_FORMAT " bytes)", raw->offset,
                               block_node_get_name(file), file->size);
    }
    avail = file->size - raw->offset;
    if (raw->size_prop > avail) {
        return hull_error_setg(errp, "offset + size go beyond the end of '%s'",
                               block_node_get_name(file));
    }
    bs->size = raw->size_prop ? raw->size_prop : avail;
    bs->protocol = file->protocol;
    bs->base = file->base + raw->offset;
    block_node_attach(file);
    return true;
}

static void block_raw_close(Object *obj)
{
    BlockRaw *raw = BLOCK_RAW(obj);
    BlockNode *bs = &raw->parent_obj;

    block_node_drain(bs);
    block_node_detach(BLOCK_NODE(raw->file));
    bs->protocol = NULL;
}

static void block_raw_class_init(ObjectClass *klass)
{
    klass->realize = block_raw_open;
    klass->unrealize = block_raw_close;
}

static const Property block_raw_props[] = {
    PROP_LINK("file", BlockRaw, file, TYPE_BLOCK_NODE, "/blockdevs", "the node holding the data"),
    PROP_SIZE("offset", BlockRaw, offset, 0, "where the disk starts in 'file'"),
    PROP_SIZE("size", BlockRaw, size_prop, 0, "the disk size (0: up to the end of 'file')"),
    PROP_END,
};

static const TypeInfo block_raw_info = {
    .name = TYPE_BLOCK_RAW,
    .parent = TYPE_BLOCK_NODE,
    .description = "raw disk image format",
    .instance_size = sizeof(BlockRaw),
    .class_init = block_raw_class_init,
    .properties = block_raw_props,
};
TYPE_REGISTER(block_raw_info)

/* ---------------------------------------------------------------------------------------
 * /blockdevs
 */

bool blockdev_add(BlockNode *bs, const char *node_name, GError **errp)
{
    Object *container = object_get_container("/blockdevs");

    if (!id_wellformed(node_name) || strlen(node_name) > BLOCK_NODE_NAME_MAX) {
        return hull_error_setg(errp, "invalid node-name '%s': up to %d letters, digits, '-', "
                               "'.', '_', starting with a letter", node_name,
                               BLOCK_NODE_NAME_MAX);
    }
    if (object_get_child(container, node_name)) {
        return hull_error_setg(errp, "node-name '%s' is already in use", node_name);
    }
    if (!object_realize(OBJECT(bs), errp)) {
        return false;
    }
    if (!object_add_child(container, node_name, OBJECT(bs), errp)) {
        object_unrealize(OBJECT(bs));
        return false;
    }
    return true;
}

bool blockdev_add_anonymous(BlockNode *bs, GError **errp)
{
    Object *container = object_get_container("/blockdevs");
    g_autofree char *name = NULL;

    for (unsigned i = 0;; i++) {
        g_free(name);
        name = g_strdup_printf("#block%u", i);
        if (!object_get_child(container, name)) {
            break;
        }
    }
    if (!object_realize(OBJECT(bs), errp)) {
        return false;
    }
    if (!object_add_child(container, name, OBJECT(bs), errp)) {
        object_unrealize(OBJECT(bs));
        return false;
    }
    return true;
}

BlockNode *blockdev_find(const char *node_name)
{
    Object *obj = object_get_child(object_get_container("/blockdevs"), node_name);

    return obj ? BLOCK_NODE(obj) : NULL;
}

bool blockdev_del(const char *node_name, GError **errp)
{
    BlockNode *bs = blockdev_find(node_name);

    if (!bs) {
        return hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "node '%s' not found",
                              node_name);
    }
    if (bs->users) {
        return hull_error_setg(errp, "node '%s' is busy: %u user(s)", node_name, bs->users);
    }
    object_unparent(OBJECT(bs));
    return true;
}

void blockdev_close_all(void)
{
    Object *container = object_get_container("/blockdevs");
    bool progress = true;

    /* Nodes nobody uses first (raw before the file below it), then whatever is left. */
    while (progress) {
        progress = false;
        for (unsigned i = container->children->len; i > 0; i--) {
            BlockNode *bs = BLOCK_NODE(g_ptr_array_index(container->children, i - 1));

            if (!bs->users) {
                object_unparent(OBJECT(bs));
                progress = true;
                break;
            }
        }
    }
    while (container->children->len) {
        object_unparent(g_ptr_array_index(container->children, container->children->len - 1));
    }
}

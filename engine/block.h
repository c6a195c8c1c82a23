/*
 * Block backends: nodes named in /blockdevs/<node-name>. A "file" node is an image file
 * (or a handed-in fd) read and written asynchronously off the main thread; a "raw"
 * node presents a window of a file node to devices.
 */
#ifndef HULL_ENGINE_BLOCK_H
#define HULL_ENGINE_BLOCK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/object.h"

#define TYPE_BLOCK_NODE "block-node"
#define TYPE_BLOCK_FILE "block-file"
#define TYPE_BLOCK_RAW  "block-raw"

typedef struct BlockNode BlockNode;

#define BLOCK_NODE(obj) OBJECT_CHECK(BlockNode, (obj), TYPE_BLOCK_NODE)

/* A device property naming a block node: the field is declared `Object *drive`. */
#define PROP_DRIVE(_name, State, field, desc, ...)                                            \
    PROP_LINK(_name, State, field, TYPE_BLOCK_NODE, "/blockdevs", desc, __VA_ARGS__)

/*
 * blockdev-add / blockdev-del. `bs` is a new node with its properties set:
 *   block-file: filename | fd (with both, fd is used and filename names it), read-only,
 *               cache ("writeback", "none": O_DIRECT where the file system allows it,
 *               "directsync": O_DIRECT where possible + O_DSYNC), no-flush (flush
 *               requests complete without syncing)
 *   block-raw:  file (a node-name or path), offset, size (0: to the end), read-only
 * blockdev_add opens it and places it at /blockdevs/<node_name>; on failure nothing is
 * left. blockdev_del drains, flushes and closes; refused while the node is in use.
 */
bool blockdev_add(BlockNode *bs, const char *node_name, GError **errp);
bool blockdev_del(const char *node_name, GError **errp);
/* blockdev_add under a generated name "#blockN" (nodes defined inside another one). */
bool blockdev_add_anonymous(BlockNode *bs, GError **errp);
BlockNode *blockdev_find(const char *node_name);
/* Machine shutdown: drain, flush and close every node (users first). */
void blockdev_close_all(void);

const char *block_node_get_name(BlockNode *bs);
uint64_t block_node_get_size(BlockNode *bs);
bool block_node_is_read_only(BlockNode *bs);

/* What query-named-block-nodes reports about a node (pointers owned by the node). */
typedef struct BlockNodeInfo {
    const char *driver;     /* "file" or "raw" */
    const char *filename;   /* of the file node the data is in; NULL when opened by fd */
    const char *file_node;  /* raw: the node-name of its file node */
    uint64_t size;          /* what devices see */
    int64_t actual_size;    /* bytes allocated on the host for the file, -1 if unknown */
    bool read_only;
    bool direct;            /* O_DIRECT in effect */
    bool writeback;         /* writes complete before they are synced */
    bool no_flush;
} BlockNodeInfo;

void block_node_get_info(BlockNode *bs, BlockNodeInfo *info);
/* Whether a device or another node holds it (blockdev_del would refuse). */
bool block_node_in_use(BlockNode *bs);

/* A device (or a raw node) holds the node: blockdev_del refuses while it does. */
void block_node_attach(BlockNode *bs);
void block_node_detach(BlockNode *bs);

/*
 * Asynchronous I/O. Returns 0 when the request is queued: `cb(opaque, ret)` then runs
 * on the main context with the engine lock held, ret 0 or -errno. Returns -errno, and
 * never calls cb, when refused: -ENOMEDIUM (not open), -EROFS (write to a read-only
 * node), -EIO (beyond the end of the node). `buf` must stay valid until cb. Engine lock
 * held; any thread.
 */
typedef void BlockCompletionFunc(void *opaque, int ret);

int block_aio_read(BlockNode *bs, uint64_t offset, void *buf, size_t len,
                   BlockCompletionFunc *cb, void *opaque);
int block_aio_write(BlockNode *bs, uint64_t offset, const void *buf, size_t len,
                    BlockCompletionFunc *cb, void *opaque);
int block_aio_flush(BlockNode *bs, BlockCompletionFunc *cb, void *opaque);

/* Waits for every queued request of the node to complete (running their callbacks).
 * Main thread, engine lock held. */
void block_node_drain(BlockNode *bs);

#endif

/*
 * QMP commands for block nodes: blockdev-add (QEMU's BlockdevOptions for the file and raw
 * drivers, nested definitions, /dev/fdset/N), blockdev-del, query-named-block-nodes and
 * query-block.
 */
#include <fcntl.h>
#include <string.h>

#include "engine/block.h"
#include "engine/device.h"
#include "qapi/qapi-commands.h"
#include "service/fdstore.h"
#include "util/error.h"

#define FDSET_PREFIX "/dev/fdset/"

static bool block_qmp_add(BlockdevOptions *opts, bool root, bool inherit_ro,
                          GPtrArray *created, BlockNode **out, GError **errp);

/* The file driver's options; for /dev/fdset/N the node gets a dup of a fitting fd. */
static bool block_qmp_configure_file(Object *obj, BlockdevOptions *opts, bool read_only,
                                     GError **errp)
{
    const char *filename = opts->u.file.filename;
    BlockdevCacheOptions *cache = opts->cache;

    if (!*filename) {
        return hull_error_setg(errp, "'filename' must not be empty");
    }
    if (g_str_has_prefix(filename, FDSET_PREFIX)) {
        const char *num = filename + strlen(FDSET_PREFIX);
        gint64 id;
        int fd;

        if (!g_ascii_string_to_signed(num, 10, 0, G_MAXINT64, &id, NULL)) {
            return hull_error_setg(errp, "'%s' does not name an fd set", filename);
        }
        fd = hull_fdset_dup(id, read_only ? O_RDONLY : O_RDWR, errp);
        /* The object owns fd from here on (closed if it is dropped unopened). */
        if (fd < 0 || !object_property_set_int(obj, "fd", fd, errp)) {
            return false;
        }
    }
    return object_property_set_str(obj, "filename", filename, errp) &&
           object_property_set_str(obj, "cache",
                                   cache && cache->has_direct && cache->direct ? "none"
                                                                               : "writeback",
                                   errp) &&
           object_property_set_bool(obj, "no-flush",
                                    cache && cache->has_no_flush && cache->no_flush, errp);
}

static bool block_qmp_configure_raw(Object *obj, BlockdevOptions *opts, bool read_only,
                                    GPtrArray *created, GError **errp)
{
    BlockdevOptionsRaw *raw = &opts->u.raw;
    BlockNode *file;

    if (raw->has_offset && raw->offset < 0) {
        return hull_error_setg(errp, "'offset' must not be negative");
    }
    if (raw->has_size && raw->size <= 0) {
        return hull_error_setg(errp, "'size' must be positive");
    }
    if (raw->file->type == QTYPE_QSTRING) {
        file = blockdev_find(raw->file->u.reference);
        if (!file) {
            return hull_error_setg(errp, "Cannot find device='' nor node-name='%s'",
                                   raw->file->u.reference);
        }
    } else {
        BlockdevOptions *def = raw->file->u.definition;

        /* A nested definition inherits read-only and cache modes, as in QEMU. */
        if (!def->cache && opts->cache) {
            def->cache = g_memdup2(opts->cache, sizeof(*opts->cache));
        }
        if (!block_qmp_add(def, false, read_only, created, &file, errp)) {
            return false;
        }
    }
    return object_property_set_link(obj, "file", OBJECT(file), errp) &&
           object_property_set_uint(obj, "offset", raw->has_offset ? (uint64_t)raw->offset : 0,
                                    errp) &&
           object_property_set_uint(obj, "size", raw->has_size ? (uint64_t)raw->size : 0, errp);
}

/*
 * Creates the node (and its nested definitions, recorded in `created` so that the caller
 * can undo them). The root node needs a node-name; nested ones get "#blockN" without.
 */
static bool block_qmp_add(BlockdevOptions *opts, bool root, bool inherit_ro,
                          GPtrArray *created, BlockNode **out, GError **errp)
{
    bool read_only = opts->has_read_only ? opts->read_only : inherit_ro;
    g_autoptr(Object) obj = NULL;
    bool ok;

    if (root && !opts->node_name) {
        return hull_error_setg(errp, "'node-name' must be specified for the root node");
    }
    if (opts->node_name) {
        if (!id_wellformed(opts->node_name)) {
            return hull_error_setg(errp, "Invalid node-name: '%s'", opts->node_name);
        }
        if (blockdev_find(opts->node_name)) {
            return hull_error_setg(errp, "Duplicate nodes with node-name='%s'",
                                   opts->node_name);
        }
    }
    obj = object_new(opts->driver == BLOCKDEV_DRIVER_RAW ? TYPE_BLOCK_RAW : TYPE_BLOCK_FILE,
                     errp);
    if (!obj || !object_property_set_bool(obj, "read-only", read_only, errp)) {
        return false;
    }
    if (opts->driver == BLOCKDEV_DRIVER_RAW) {
        ok = block_qmp_configure_raw(obj, opts, read_only, created, errp);
    } else {
        ok = block_qmp_configure_file(obj, opts, read_only, errp);
    }
    if (!ok) {
        return false;
    }
    ok = opts->node_name ? blockdev_add(BLOCK_NODE(obj), opts->node_name, errp)
                         : blockdev_add_anonymous(BLOCK_NODE(obj), errp);
    if (!ok) {
        return false;
    }
    g_ptr_array_add(created, g_strdup(block_node_get_name(BLOCK_NODE(obj))));
    *out = BLOCK_NODE(obj);
    return true;
}

void qmp_blockdev_add(BlockdevOptions *arg, GError **errp)
{
    g_autoptr(GPtrArray) created = g_ptr_array_new_with_free_func(g_free);
    BlockNode *bs;

    if (block_qmp_add(arg, true, false, created, &bs, errp)) {
        return;
    }
    /* Undo nested nodes opened before the failure, users (raw) before what they use. */
    for (guint i = created->len; i > 0; i--) {
        blockdev_del(g_ptr_array_index(created, i - 1), NULL);
    }
}

void qmp_blockdev_del(const char *node_name, GError **errp)
{
    BlockNode *bs = blockdev_find(node_name);
    Object *machine = object_get_child(object_get_root(), "machine");
    g_autoptr(Object) file = NULL;

    if (!bs) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND,
                       "Failed to find node with node-name='%s'", node_name);
        return;
    }
    if (block_node_in_use(bs) ||
        (machine && object_find_link_user(machine, OBJECT(bs)))) {
        hull_error_setg(errp, "Node '%s' is in use", node_name);
        return;
    }
    if (object_dynamic_cast(OBJECT(bs), TYPE_BLOCK_RAW)) {
        Object *link = object_property_get_link(OBJECT(bs), "file", NULL);

        file = link ? object_ref(link) : NULL;
    }
    if (!blockdev_del(node_name, errp)) {
        return;
    }
    /* A node defined inside this one goes with it once nobody else holds it. */
    while (file) {
        BlockNode *child = BLOCK_NODE(file);
        const char *name = block_node_get_name(child);
        g_autoptr(Object) next = NULL;

        if (!name || name[0] != '#' || block_node_in_use(child)) {
            break;
        }
        if (object_dynamic_cast(file, TYPE_BLOCK_RAW)) {
            Object *link = object_property_get_link(file, "file", NULL);

            next = link ? object_ref(link) : NULL;
        }
        blockdev_del(name, NULL);
        object_unref(file);
        file = g_steal_pointer(&next);
    }
}

static BlockDeviceInfo *block_qmp_node_info(BlockNode *bs)
{
    BlockDeviceInfo *info = g_new0(BlockDeviceInfo, 1);
    BlockNodeInfo ni;

    block_node_get_info(bs, &ni);
    info->file = g_strdup(ni.filename ? ni.filename : "");
    info->node_name = g_strdup(block_node_get_name(bs));
    info->ro = ni.read_only;
    info->drv = g_strdup(ni.driver);
    info->file_node = g_strdup(ni.file_node);
    info->encrypted = false;
    info->backing_file_depth = 0;
    info->cache = g_new0(BlockdevCacheInfo, 1);
    info->cache->writeback = ni.writeback;
    info->cache->direct = ni.direct;
    info->cache->no_flush = ni.no_flush;
    info->image = g_new0(ImageInfo, 1);
    info->image->filename = g_strdup(info->file);
    info->image->format = g_strdup(ni.driver);
    info->image->virtual_size = (int64_t)MIN(ni.size, (uint64_t)G_MAXINT64);
    if (ni.actual_size >= 0) {
        info->image->has_actual_size = true;
        info->image->actual_size = ni.actual_size;
    }
    return info;
}

BlockDeviceInfoList *qmp_query_named_block_nodes(GError **errp)
{
    Object *container = object_get_container("/blockdevs");
    BlockDeviceInfoList *head = NULL, **tail = &head;

    for (guint i = 0; i < container->children->len; i++) {
        BlockDeviceInfoList *node = g_new0(BlockDeviceInfoList, 1);

        node->value = block_qmp_node_info(BLOCK_NODE(g_ptr_array_index(container->children, i)));
        *tail = node;
        tail = &node->next;
    }
    return head;
}

/* Every device property taking a block node, below obj, in tree order. */
static void block_qmp_find_disks(Object *obj, BlockInfoList ***tail)
{
    if (object_dynamic_cast(obj, TYPE_DEVICE)) {
        GPtrArray *props = object_class_get_properties(obj->klass);

        for (guint i = 0; i < props->len; i++) {
            const Property *prop = g_ptr_array_index(props, i);
            BlockInfoList *node;
            BlockInfo *info;
            Object *target;

            if (prop->type != PROP_TYPE_LINK || g_strcmp0(prop->link_type, TYPE_BLOCK_NODE)) {
                continue;
            }
            target = object_property_get_link(obj, prop->name, NULL);
            info = g_new0(BlockInfo, 1);
            info->device = g_strdup("");
            info->qdev = DEVICE(obj)->id ? g_strdup(DEVICE(obj)->id)
                                         : object_get_canonical_path(obj);
            info->inserted = target ? block_qmp_node_info(BLOCK_NODE(target)) : NULL;
            node = g_new0(BlockInfoList, 1);
            node->value = info;
            **tail = node;
            *tail = &node->next;
        }
    }
    for (guint i = 0; i < obj->children->len; i++) {
        block_qmp_find_disks(g_ptr_array_index(obj->children, i), tail);
    }
}

BlockInfoList *qmp_query_block(GError **errp)
{
    Object *machine = object_get_child(object_get_root(), "machine");
    BlockInfoList *head = NULL, **tail = &head;

    if (machine) {
        block_qmp_find_disks(machine, &tail);
    }
    return head;
}

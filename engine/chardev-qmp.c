/*
 * QMP commands for chardevs: chardev-add (QEMU's ChardevBackend layout mapped onto the
 * engine's backend objects), chardev-remove, query-chardev, ringbuf-read/-write.
 */
#include "engine/chardev.h"
#include "engine/device.h"
#include "qapi/qapi-commands.h"
#include "service/fdstore.h"
#include "util/error.h"

/* Sets the engine object's properties from the QMP options; no side effect outside obj. */
static bool chardev_qmp_configure(Object *obj, ChardevBackend *backend, GError **errp)
{
    switch (backend->type) {
    case CHARDEV_BACKEND_TYPE_FILE: {
        ChardevFile *file = backend->u.file.data;

        return object_property_set_str(obj, "path", file->out, errp) &&
               object_property_set_bool(obj, "append", file->has_append && file->append, errp);
    }
    case CHARDEV_BACKEND_TYPE_RINGBUF: {
        ChardevRingbuf *rb = backend->u.ringbuf.data;

        if (!rb->has_size) {
            return true;
        }
        if (rb->size <= 0) {
            return hull_error_setg(errp, "ringbuf size must be a positive power of two");
        }
        return object_property_set_uint(obj, "size", (uint64_t)rb->size, errp);
    }
    case CHARDEV_BACKEND_TYPE_SOCKET: {
        ChardevSocket *sock = backend->u.socket.data;
        SocketAddressLegacy *addr = sock->addr;

        if (addr->type == SOCKET_ADDRESS_TYPE_UNIX) {
            if (!object_property_set_str(obj, "path", addr->u.q_unix.data->path, errp)) {
                return false;
            }
        } else if (!object_property_set_str(obj, "host", addr->u.inet.data->host, errp) ||
                   !object_property_set_str(obj, "port", addr->u.inet.data->port, errp)) {
            return false;
        }
        if (sock->has_reconnect && sock->reconnect < 0) {
            return hull_error_setg(errp, "'reconnect' must not be negative");
        }
        return object_property_set_bool(obj, "server", sock->has_server && sock->server,
                                        errp) &&
               object_property_set_bool(obj, "wait", sock->has_wait && sock->wait, errp) &&
               object_property_set_uint(obj, "reconnect",
                                        sock->has_reconnect ? (uint64_t)sock->reconnect : 0,
                                        errp);
    }
    case CHARDEV_BACKEND_TYPE_FD: {
        int fd = hull_fd_take_named(backend->u.fd.data->fdname, errp);

        /* From here on the object owns fd: it is closed if the chardev is dropped. */
        return fd >= 0 && object_property_set_int(obj, "fd", fd, errp);
    }
    case CHARDEV_BACKEND_TYPE_PTY:
    case CHARDEV_BACKEND_TYPE_NULL:
    case CHARDEV_BACKEND_TYPE__MAX:
        return true;
    }
    return true;
}

static const char *chardev_qmp_type(ChardevBackendType type)
{
    switch (type) {
    case CHARDEV_BACKEND_TYPE_FILE:
        return TYPE_CHARDEV_FILE;
    case CHARDEV_BACKEND_TYPE_SOCKET:
        return TYPE_CHARDEV_SOCKET;
    case CHARDEV_BACKEND_TYPE_PTY:
        return TYPE_CHARDEV_PTY;
    case CHARDEV_BACKEND_TYPE_NULL:
        return TYPE_CHARDEV_NULL;
    case CHARDEV_BACKEND_TYPE_RINGBUF:
        return TYPE_CHARDEV_RINGBUF;
    case CHARDEV_BACKEND_TYPE_FD:
        return TYPE_CHARDEV_FD;
    case CHARDEV_BACKEND_TYPE__MAX:
        break;
    }
    g_assert_not_reached();
}

ChardevReturn *qmp_chardev_add(const char *id, ChardevBackend *backend, GError **errp)
{
    g_autoptr(Object) obj = NULL;
    ChardevReturn *ret;

    /* Checked before anything is opened or a passed descriptor is taken. */
    if (!id_wellformed(id)) {
        hull_error_setg(errp, "invalid chardev id '%s': it must start with a letter and "
                        "contain only letters, digits, '-', '.', '_'", id);
        return NULL;
    }
    if (chardev_find(id)) {
        hull_error_setg(errp, "attempt to add duplicate chardev id '%s'", id);
        return NULL;
    }
    obj = object_new(chardev_qmp_type(backend->type), errp);
    if (!obj || !chardev_qmp_configure(obj, backend, errp) ||
        !chardev_add(CHARDEV(obj), id, errp)) {
        return NULL;
    }
    ret = g_new0(ChardevReturn, 1);
    if (backend->type == CHARDEV_BACKEND_TYPE_PTY) {
        ret->pty = object_property_get_str(obj, "path", NULL);
    }
    return ret;
}

void qmp_chardev_remove(const char *id, GError **errp)
{
    Chardev *chr = chardev_find(id);
    Object *machine = object_get_child(object_get_root(), "machine");

    /* A device that names the chardev claims it, realized or not (as in QEMU). */
    if (chr && machine && object_find_link_user(machine, OBJECT(chr))) {
        hull_error_setg(errp, "Chardev '%s' is busy", id);
        return;
    }
    chardev_remove(id, errp);
}

ChardevInfoList *qmp_query_chardev(GError **errp)
{
    Object *container = object_get_container("/chardevs");
    ChardevInfoList *head = NULL, **tail = &head;

    for (guint i = 0; i < container->children->len; i++) {
        Chardev *chr = CHARDEV(g_ptr_array_index(container->children, i));
        ChardevInfoList *node = g_new0(ChardevInfoList, 1);

        node->value = g_new0(ChardevInfo, 1);
        node->value->label = g_strdup(chardev_get_id(chr));
        node->value->filename = chardev_get_filename(chr);
        node->value->frontend_open = chr->fe_ops != NULL;
        *tail = node;
        tail = &node->next;
    }
    return head;
}

static Chardev *chardev_qmp_find(const char *id, GError **errp)
{
    Chardev *chr = chardev_find(id);

    if (!chr) {
        hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Device '%s' not found", id);
    }
    return chr;
}

static ChardevDataFormat chardev_qmp_format(bool has_format, DataFormat format)
{
    return has_format && format == DATA_FORMAT_BASE64 ? CHARDEV_DATA_BASE64 : CHARDEV_DATA_UTF8;
}

void qmp_ringbuf_write(const char *device, const char *data, bool has_format,
                       DataFormat format, GError **errp)
{
    Chardev *chr = chardev_qmp_find(device, errp);

    if (chr) {
        chardev_ringbuf_write(chr, data, chardev_qmp_format(has_format, format), errp);
    }
}

char *qmp_ringbuf_read(const char *device, int64_t size, bool has_format, DataFormat format,
                       GError **errp)
{
    Chardev *chr = chardev_qmp_find(device, errp);

    return chr ? chardev_ringbuf_read(chr, size, chardev_qmp_format(has_format, format), errp)
               : NULL;
}

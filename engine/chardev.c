/*
 * The chardev base type, its frontend API and /chardevs bookkeeping, and the backends
 * that need no fd stream: ringbuf (memory), file (output to a file), null.
 */
#include "engine/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/device.h"
#include "engine/lock.h"
#include "util/error.h"

/* ---------------------------------------------------------------------------------------
 * Base type
 */

static bool chardev_object_realize(Object *obj, GError **errp)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(obj);

    return !cc->open || cc->open(CHARDEV(obj), errp);
}

static void chardev_object_unrealize(Object *obj)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(obj);

    if (cc->close) {
        cc->close(CHARDEV(obj));
    }
}

static void chardev_class_init(ObjectClass *klass)
{
    klass->realize = chardev_object_realize;
    klass->unrealize = chardev_object_unrealize;
}

static const TypeInfo chardev_type_info = {
    .name = TYPE_CHARDEV,
    .parent = TYPE_OBJECT,
    .description = "a character device backend",
    .abstract = true,
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .class_init = chardev_class_init,
};
TYPE_REGISTER(chardev_type_info)

bool chardev_add(Chardev *chr, const char *id, GError **errp)
{
    Object *container = object_get_container("/chardevs");

    if (!id_wellformed(id)) {
        return hull_error_setg(errp, "invalid chardev id '%s': it must start with a letter "
                               "and contain only letters, digits, '-', '.', '_'", id);
    }
    if (object_get_child(container, id)) {
        return hull_error_setg(errp, "chardev '%s' already exists", id);
    }
    if (!object_realize(OBJECT(chr), errp)) {
        return false;
    }
    if (!object_add_child(container, id, OBJECT(chr), errp)) {
        object_unrealize(OBJECT(chr));
        return false;
    }
    return true;
}

Chardev *chardev_find(const char *id)
{
    Object *obj = object_get_child(object_get_container("/chardevs"), id);

    return obj ? CHARDEV(obj) : NULL;
}

bool chardev_remove(const char *id, GError **errp)
{
    Chardev *chr = chardev_find(id);

    if (!chr) {
        return hull_error_set(errp, HULL_ERROR_DEVICE_NOT_FOUND, "Chardev '%s' not found", id);
    }
    if (chr->fe_ops) {
        return hull_error_setg(errp, "Chardev '%s' is busy", id);
    }
    object_unparent(OBJECT(chr));
    return true;
}

const char *chardev_get_id(Chardev *chr)
{
    return OBJECT(chr)->name;
}

char *chardev_get_filename(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    const char *type = object_get_typename(OBJECT(chr));

    if (cc->filename) {
        return cc->filename(chr);
    }
    return g_strdup(g_str_has_prefix(type, "chardev-") ? type + strlen("chardev-") : type);
}

bool chardev_attach_frontend(Chardev *chr, const ChardevFrontendOps *ops, void *opaque,
                             GError **errp)
{
    if (!OBJECT(chr)->realized) {
        return hull_error_setg(errp, "chardev '%s' is not open",
                               chardev_get_id(chr) ? chardev_get_id(chr) : "?");
    }
    if (chr->fe_ops) {
        return hull_error_setg(errp, "chardev '%s' is already in use by another device",
                               chardev_get_id(chr) ? chardev_get_id(chr) : "?");
    }
    chr->fe_ops = ops;
    chr->fe_opaque = opaque;
    if (chr->peer_connected && ops->event) {
        ops->event(opaque, CHARDEV_EVENT_OPENED);
    }
    chardev_accept_input(chr);
    return true;
}

void chardev_detach_frontend(Chardev *chr)
{
    chr->fe_ops = NULL;
    chr->fe_opaque = NULL;
}

void chardev_write(Chardev *chr, const void *buf, size_t len)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);
    /* A closed backend (removed under a device that kept its link) takes nothing. */
    size_t kept = cc->write && OBJECT(chr)->realized ? cc->write(chr, buf, len) : 0;

    chr->bytes_written += kept;
    chr->bytes_dropped += len - kept;
}

void chardev_accept_input(Chardev *chr)
{
    ChardevClass *cc = CHARDEV_GET_CLASS(chr);

    if (cc->accept_input && OBJECT(chr)->realized) {
        cc->accept_input(chr);
    }
}

size_t chardev_be_can_receive(Chardev *chr)
{
    return chr->fe_ops ? chr->fe_ops->can_receive(chr->fe_opaque) : 0;
}

void chardev_be_receive(Chardev *chr, const uint8_t *buf, size_t len)
{
    if (chr->fe_ops) {
        chr->fe_ops->receive(chr->fe_opaque, buf, len);
    }
}

void chardev_be_event(Chardev *chr, ChardevEvent event)
{
    chr->peer_connected = event == CHARDEV_EVENT_OPENED;
    if (chr->fe_ops && chr->fe_ops->event) {
        chr->fe_ops->event(chr->fe_opaque, event);
    }
}

/* ---------------------------------------------------------------------------------------
 * null: swallows output, never has input
 */

static size_t chardev_null_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return len;
}

static void chardev_null_class_init(ObjectClass *klass)
{
    ((ChardevClass *)klass)->write = chardev_null_write;
}

static const TypeInfo chardev_null_info = {
    .name = TYPE_CHARDEV_NULL,
    .parent = TYPE_CHARDEV,
    .description = "discards output, gives no input",
    .class_init = chardev_null_class_init,
};
TYPE_REGISTER(chardev_null_info)

/* ---------------------------------------------------------------------------------------
 * ringbuf: output kept in a ring for ringbuf-read; ringbuf-write feeds the frontend
 */

#define RINGBUF_SIZE_MAX (1ull << 30)

typedef struct ChardevRingbuf {
    Chardev parent_obj;
    uint64_t size;
    uint8_t *ring;
    uint64_t prod, cons;  /* free-running counters; prod - cons bytes are in the ring */
    GByteArray *input;    /* ringbuf-write data the frontend has not taken yet */
} ChardevRingbuf;

#define CHARDEV_RINGBUF(obj) OBJECT_CHECK(ChardevRingbuf, (obj), TYPE_CHARDEV_RINGBUF)

static bool chardev_ringbuf_open(Chardev *chr, GError **errp)
{
    ChardevRingbuf *rb = CHARDEV_RINGBUF(chr);

    if (rb->size == 0 || (rb->size & (rb->size - 1)) || rb->size > RINGBUF_SIZE_MAX) {
        return hull_error_setg(errp, "ringbuf size %" G_GUINT64_FORMAT " must be a power of "
                               "two between 1 and %llu", rb->size, RINGBUF_SIZE_MAX);
    }
    rb->ring = g_try_malloc0(rb->size);
    if (!rb->ring) {
        return hull_error_setg(errp, "cannot allocate a ring of %" G_GUINT64_FORMAT " bytes",
                               rb->size);
    }
    rb->input = g_byte_array_new();
    rb->prod = rb->cons = 0;
    return true;
}

static void chardev_ringbuf_close(Chardev *chr)
{
    ChardevRingbuf *rb = CHARDEV_RINGBUF(chr);

    g_clear_pointer(&rb->ring, g_free);
    if (rb->input) {
        g_byte_array_free(rb->input, true);
        rb->input = NULL;
    }
}

static size_t chardev_ringbuf_chr_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    ChardevRingbuf *rb = CHARDEV_RINGBUF(chr);

    for (size_t i = 0; i < len; i++) {
        rb->ring[rb->prod++ & (rb->size - 1)] = buf[i];
        if (rb->prod - rb->cons > rb->size) {
            /* Full: the oldest byte is overwritten, as a console log would. */
            rb->cons++;
            chr->bytes_dropped++;
        }
    }
    return len;
}

static void chardev_ringbuf_accept_input(Chardev *chr)
{
    ChardevRingbuf *rb = CHARDEV_RINGBUF(chr);

    while (rb->input->len) {
        size_t n = MIN(chardev_be_can_receive(chr), rb->input->len);
        g_autofree uint8_t *chunk = NULL;

        if (n == 0) {
            return;
        }
        /* Take the bytes out first: receive() may call back into accept_input. */
        chunk = g_memdup2(rb->input->data, n);
        g_byte_array_remove_range(rb->input, 0, (guint)n);
        chardev_be_receive(chr, chunk, n);
    }
}

static void chardev_ringbuf_class_init(ObjectClass *klass)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->open = chardev_ringbuf_open;
    cc->close = chardev_ringbuf_close;
    cc->write = chardev_ringbuf_chr_write;
    cc->accept_input = chardev_ringbuf_accept_input;
}

static const Property chardev_ringbuf_props[] = {
    PROP_SIZE("size", ChardevRingbuf, size, 65536, "ring size in bytes (a power of two)"),
    PROP_END,
};

static const TypeInfo chardev_ringbuf_info = {
    .name = TYPE_CHARDEV_RINGBUF,
    .parent = TYPE_CHARDEV,
    .description = "keeps output in memory for ringbuf-read",
    .instance_size = sizeof(ChardevRingbuf),
    .class_init = chardev_ringbuf_class_init,
    .properties = chardev_ringbuf_props,
};
TYPE_REGISTER(chardev_ringbuf_info)

static ChardevRingbuf *chardev_ringbuf_check(Chardev *chr, GError **errp)
{
    ChardevRingbuf *rb = (ChardevRingbuf *)object_dynamic_cast(OBJECT(chr),
                                                               TYPE_CHARDEV_RINGBUF);

    if (!rb) {
        hull_error_setg(errp, "chardev '%s' is not a ringbuf", chardev_get_id(chr));
        return NULL;
    }
    if (!rb->ring) {
        hull_error_setg(errp, "chardev '%s' is not open", chardev_get_id(chr));
        return NULL;
    }
    return rb;
}

char *chardev_ringbuf_read(Chardev *chr, int64_t size, ChardevDataFormat format, GError **errp)
{
    ChardevRingbuf *rb = chardev_ringbuf_check(chr, errp);
    g_autofree uint8_t *data = NULL;
    uint64_t n;

    if (!rb) {
        return NULL;
    }
    if (size < 0) {
        hull_error_setg(errp, "size must not be negative");
        return NULL;
    }
    n = MIN((uint64_t)size, rb->prod - rb->cons);
    data = g_malloc(n + 1);
    for (uint64_t i = 0; i < n; i++) {
        data[i] = rb->ring[rb->cons++ & (rb->size - 1)];
    }
    if (format == CHARDEV_DATA_BASE64) {
        return g_base64_encode(data, n);
    }
    return g_utf8_make_valid((const char *)data, (gssize)n);
}

static int base64_value(char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;

    return p ? (int)(p - alphabet) : -1;
}

/* Strict base64: whole quanta, padding only at the end, nothing but the alphabet. */
static bool base64_valid(const char *text)
{
    size_t len = strlen(text), pad = 0;

    if (len % 4) {
        return false;
    }
    while (pad < 2 && len > pad && text[len - 1 - pad] == '=') {
        pad++;
    }
    for (size_t i = 0; i < len - pad; i++) {
        if (base64_value(text[i]) < 0) {
            return false;
        }
    }
    return true;
}

bool chardev_ringbuf_write(Chardev *chr, const char *data, ChardevDataFormat format,
                           GError **errp)
{
    ChardevRingbuf *rb = chardev_ringbuf_check(chr, errp);
    g_autofree uint8_t *decoded = NULL;
    const uint8_t *bytes = (const uint8_t *)data;
    size_t len = strlen(data);

    if (!rb) {
        return false;
    }
    if (format == CHARDEV_DATA_BASE64) {
        if (!base64_valid(data)) {
            return hull_error_setg(errp, "data is not valid base64");
        }
        decoded = g_base64_decode(data, &len);
        bytes = decoded;
    }
    if (len > rb->size - rb->input->len) {
        return hull_error_setg(errp, "chardev '%s': the device is not reading; %zu bytes "
                               "would not fit in its input queue", chardev_get_id(chr), len);
    }
    g_byte_array_append(rb->input, bytes, (guint)len);
    chardev_ringbuf_accept_input(chr);
    return true;
}

/* ---------------------------------------------------------------------------------------
 * file: output appended or written to a file
 */

typedef struct ChardevFile {
    Chardev parent_obj;
    char *path;
    bool append;
    int fd;
} ChardevFile;

#define CHARDEV_FILE(obj) OBJECT_CHECK(ChardevFile, (obj), TYPE_CHARDEV_FILE)

static bool chardev_file_open(Chardev *chr, GError **errp)
{
    ChardevFile *f = CHARDEV_FILE(chr);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (f->append ? O_APPEND : O_TRUNC);

    if (!f->path || !*f->path) {
        return hull_error_setg(errp, "a file chardev needs a 'path'");
    }
    f->fd = open(f->path, flags, 0666);
    if (f->fd < 0) {
        return hull_error_setg_errno(errp, errno, "cannot open '%s'", f->path);
    }
    return true;
}

static void chardev_file_close(Chardev *chr)
{
    ChardevFile *f = CHARDEV_FILE(chr);

    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
}

static size_t chardev_file_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    ChardevFile *f = CHARDEV_FILE(chr);
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(f->fd, buf + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* A full disk loses console output, not the machine. */
            break;
        }
        done += (size_t)n;
    }
    return done;
}

static char *chardev_file_filename(Chardev *chr)
{
    return g_strdup_printf("file:%s", CHARDEV_FILE(chr)->path);
}

static void chardev_file_init(Object *obj)
{
    CHARDEV_FILE(obj)->fd = -1;
}

static void chardev_file_class_init(ObjectClass *klass)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->open = chardev_file_open;
    cc->close = chardev_file_close;
    cc->write = chardev_file_write;
    cc->filename = chardev_file_filename;
}

static const Property chardev_file_props[] = {
    PROP_STR("path", ChardevFile, path, NULL, "the file to write"),
    PROP_BOOL("append", ChardevFile, append, false, "append instead of truncating"),
    PROP_END,
};

static const TypeInfo chardev_file_info = {
    .name = TYPE_CHARDEV_FILE,
    .parent = TYPE_CHARDEV,
    .description = "writes output to a file",
    .instance_size = sizeof(ChardevFile),
    .instance_init = chardev_file_init,
    .class_init = chardev_file_class_init,
    .properties = chardev_file_props,
};
TYPE_REGISTER(chardev_file_info)

/*
 * Character devices: byte-stream backends (ringbuf, file, null, socket, pty, fd) that a
 * device's frontend writes to and receives from. Chardevs are objects at /chardevs/<id>.
 */
#ifndef HULL_ENGINE_CHARDEV_H
#define HULL_ENGINE_CHARDEV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/object.h"

#define TYPE_CHARDEV         "chardev"
#define TYPE_CHARDEV_RINGBUF "chardev-ringbuf"
#define TYPE_CHARDEV_FILE    "chardev-file"
#define TYPE_CHARDEV_NULL    "chardev-null"
#define TYPE_CHARDEV_SOCKET  "chardev-socket"
#define TYPE_CHARDEV_PTY     "chardev-pty"
#define TYPE_CHARDEV_FD      "chardev-fd"

/* Output a backend buffers for a slow reader before it starts dropping bytes. */
#define CHARDEV_OUTPUT_LIMIT (64 * 1024)

typedef enum ChardevEvent {
    CHARDEV_EVENT_OPENED, /* a peer is there (socket client connected) */
    CHARDEV_EVENT_CLOSED, /* the peer went away */
} ChardevEvent;

/*
 * What a device (the frontend) provides. All three run on the main thread with the
 * engine lock held. can_receive says how many bytes the device takes right now; when it
 * says 0 the backend stops reading until chardev_accept_input().
 */
typedef struct ChardevFrontendOps {
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void (*event)(void *opaque, ChardevEvent event); /* may be NULL */
} ChardevFrontendOps;

typedef struct ChardevStream ChardevStream;

typedef struct Chardev {
    Object parent_obj;
    const ChardevFrontendOps *fe_ops;
    void *fe_opaque;
    bool peer_connected;
    uint64_t bytes_written; /* accepted from the frontend */
    uint64_t bytes_dropped; /* thrown away because the peer was too slow or absent */
} Chardev;

typedef struct ChardevClass {
    ObjectClass parent_class;
    /* Open/close the backend (realize/unrealize); main thread, engine lock held. */
    bool (*open)(Chardev *chr, GError **errp);
    void (*close)(Chardev *chr);
    /* Takes the frontend's output without blocking; returns how much it kept. */
    size_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* The frontend can take input again. */
    void (*accept_input)(Chardev *chr);
    /* What query-chardev shows as 'filename' (QEMU's notation); NULL: the type's name. */
    char *(*filename)(Chardev *chr);
} ChardevClass;

#define CHARDEV(obj)           OBJECT_CHECK(Chardev, (obj), TYPE_CHARDEV)
#define CHARDEV_GET_CLASS(obj) OBJECT_GET_CLASS(ChardevClass, (obj), TYPE_CHARDEV)

/* A device property naming a chardev by id: PROP_CHARDEV("chardev", MyState, chr, "..."),
 * with the field declared `Object *chr`. */
#define PROP_CHARDEV(_name, State, field, desc, ...)                                          \
    PROP_LINK(_name, State, field, TYPE_CHARDEV, "/chardevs", desc, __VA_ARGS__)

/*
 * Lifecycle for chardev-add / chardev-remove: `chr` is a new, configured (properties
 * set) backend object. chardev_add opens it and places it at /chardevs/<id>; on failure
 * nothing is left behind.
 */
bool chardev_add(Chardev *chr, const char *id, GError **errp);
Chardev *chardev_find(const char *id);
/* Refused while a frontend uses it. */
bool chardev_remove(const char *id, GError **errp);
const char *chardev_get_id(Chardev *chr);
/* "ringbuf", "file:/path", "pty:/dev/pts/3", "disconnected:unix:/p,server=on"... */
char *chardev_get_filename(Chardev *chr);

/* Frontend side (engine lock held). One frontend per chardev. */
bool chardev_attach_frontend(Chardev *chr, const ChardevFrontendOps *ops, void *opaque,
                             GError **errp);
void chardev_detach_frontend(Chardev *chr);
/* Never blocks and never fails: what the backend cannot take is dropped and counted. */
void chardev_write(Chardev *chr, const void *buf, size_t len);
void chardev_accept_input(Chardev *chr);

/* Backend side: hand input and events to the frontend (engine lock held). */
size_t chardev_be_can_receive(Chardev *chr);
void chardev_be_receive(Chardev *chr, const uint8_t *buf, size_t len);
void chardev_be_event(Chardev *chr, ChardevEvent event);

/* ringbuf-read / ringbuf-write */
typedef enum ChardevDataFormat {
    CHARDEV_DATA_UTF8,
    CHARDEV_DATA_BASE64,
} ChardevDataFormat;

/*
 * Takes up to `size` bytes of the frontend's output out of the ring. In UTF-8 format
 * bytes that are not valid UTF-8 come out as U+FFFD. Fails for other chardev types.
 */
char *chardev_ringbuf_read(Chardev *chr, int64_t size, ChardevDataFormat format, GError **errp);
/*
 * Queues data as input for the frontend (the guest reads it), delivered as fast as the
 * frontend accepts it. Strict base64; fails when the queue (ring size) would overflow.
 */
bool chardev_ringbuf_write(Chardev *chr, const char *data, ChardevDataFormat format,
                           GError **errp);

#endif

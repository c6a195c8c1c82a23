/*
 * Shared by the fd-based chardev backends (socket, pty, fd): a non-blocking byte stream
 * on one fd with main-context watches, bounded output buffering and input flow control.
 */
#ifndef HULL_ENGINE_CHARDEV_INTERNAL_H
#define HULL_ENGINE_CHARDEV_INTERNAL_H

#include "engine/chardev.h"

/* The peer closed or the fd failed; called on the main thread with the engine lock. */
typedef void ChardevStreamHupFunc(Chardev *chr);

struct ChardevStream {
    Chardev *chr;
    int fd; /* -1 when stopped */
    bool is_socket;
    GSource *in_source;
    GSource *out_source;
    GByteArray *out;
    ChardevStreamHupFunc *on_hup;
};

/* Takes ownership of fd (made non-blocking) and starts reading it. */
void chardev_stream_start(ChardevStream *s, Chardev *chr, int fd, bool is_socket,
                          ChardevStreamHupFunc *on_hup);
/* Stops watching, drops unsent output (counted) and closes the fd. Idempotent. */
void chardev_stream_stop(ChardevStream *s);
bool chardev_stream_active(const ChardevStream *s);
size_t chardev_stream_write(ChardevStream *s, const uint8_t *buf, size_t len);
void chardev_stream_accept_input(ChardevStream *s);

#endif

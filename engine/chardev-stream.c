/*
 * The non-blocking fd stream under the socket, pty and fd chardevs. Writes come from
 * device code on any thread (engine lock held) and never block: what the fd does not
 * take at once waits in a bounded buffer flushed from the main context, the rest is
 * dropped and counted.
 */
#include "engine/chardev-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/lock.h"

static gboolean chardev_stream_in_ready(gint fd, GIOCondition cond, gpointer opaque);
static gboolean chardev_stream_out_ready(gint fd, GIOCondition cond, gpointer opaque);

static GSource *chardev_stream_watch(ChardevStream *s, GIOCondition cond, GUnixFDSourceFunc fn)
{
    GSource *source = g_unix_fd_source_new(s->fd, cond);

    g_source_set_callback(source, G_SOURCE_FUNC(fn), s, NULL);
    g_source_attach(source, NULL);
    return source;
}

static void chardev_stream_unwatch(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_clear_pointer(source, g_source_unref);
    }
}

void chardev_stream_start(ChardevStream *s, Chardev *chr, int fd, bool is_socket,
                          ChardevStreamHupFunc *on_hup)
{
    g_assert(s->fd < 0);
    s->chr = chr;
    s->fd = fd;
    s->is_socket = is_socket;
    s->on_hup = on_hup;
    if (!s->out) {
        s->out = g_byte_array_new();
    }
    g_unix_set_fd_nonblocking(fd, true, NULL);
    s->in_source = chardev_stream_watch(s, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                        chardev_stream_in_ready);
}

void chardev_stream_stop(ChardevStream *s)
{
    chardev_stream_unwatch(&s->in_source);
    chardev_stream_unwatch(&s->out_source);
    if (s->out) {
        if (s->chr) {
            s->chr->bytes_dropped += s->out->len;
        }
        g_byte_array_free(s->out, true);
        s->out = NULL;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
}

bool chardev_stream_active(const ChardevStream *s)
{
    return s->fd >= 0;
}

static ssize_t chardev_stream_raw_write(ChardevStream *s, const uint8_t *buf, size_t len)
{
    ssize_t n;

    do {
        /* MSG_NOSIGNAL: a vanished peer is an error code, not a SIGPIPE. */
        n = s->is_socket ? send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT)
                         : write(s->fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}

/* The peer is gone: stop and let the backend decide (reconnect, listen again...). */
static void chardev_stream_hangup(ChardevStream *s)
{
    Chardev *chr = s->chr;

    chardev_stream_stop(s);
    if (s->on_hup) {
        s->on_hup(chr);
    }
}

static gboolean chardev_stream_in_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevStream *s = opaque;
    bool taken = engine_lock_acquire_if_needed();
    size_t can = chardev_be_can_receive(s->chr);
    uint8_t buf[4096];
    ssize_t n;

    if (can == 0) {
        /*
         * Flow control: leave the bytes in the kernel until chardev_accept_input(). A
         * socket peer that left without sending anything is noticed now, so that a server
         * with no device reading it still takes the next client.
         */
        ssize_t peek = 0;

        if (s->is_socket) {
            do {
                peek = recv(s->fd, buf, 1, MSG_PEEK | MSG_DONTWAIT);
            } while (peek < 0 && errno == EINTR);
            if (peek < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                /* Nothing to read after all: keep watching for input and hangups. */
                engine_lock_release_if_taken(taken);
                return G_SOURCE_CONTINUE;
            }
        }
        g_clear_pointer(&s->in_source, g_source_unref);
        if (s->is_socket && peek <= 0) {
            chardev_stream_hangup(s);
        }
        engine_lock_release_if_taken(taken);
        return G_SOURCE_REMOVE;
    }
    do {
        n = read(s->fd, buf, MIN(can, sizeof(buf)));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        chardev_be_receive(s->chr, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        /* The in source ends here; stop() must not destroy it a second time. */
        g_clear_pointer(&s->in_source, g_source_unref);
        chardev_stream_hangup(s);
        engine_lock_release_if_taken(taken);
        return G_SOURCE_REMOVE;
    }
    engine_lock_release_if_taken(taken);
    return G_SOURCE_CONTINUE;
}

static gboolean chardev_stream_out_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ChardevStream *s = opaque;
    bool taken = engine_lock_acquire_if_needed();
    ssize_t n = chardev_stream_raw_write(s, s->out->data, s->out->len);
    gboolean keep = G_SOURCE_CONTINUE;

    if (n > 0) {
        g_byte_array_remove_range(s->out, 0, (guint)n);
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        /* Broken: the reader side will see the hangup; what was queued is lost. */
        s->chr->bytes_dropped += s->out->len;
        g_byte_array_set_size(s->out, 0);
    }
    if (s->out->len == 0) {
        g_clear_pointer(&s->out_source, g_source_unref);
        keep = G_SOURCE_REMOVE;
    }
    engine_lock_release_if_taken(taken);
    return keep;
}

size_t chardev_stream_write(ChardevStream *s, const uint8_t *buf, size_t len)
{
    size_t done = 0, keep;

    if (s->fd < 0) {
        return 0;
    }
    if (s->out->len == 0) {
        ssize_t n = chardev_stream_raw_write(s, buf, len);

        if (n > 0) {
            done = (size_t)n;
        }
    }
    keep = MIN(len - done, CHARDEV_OUTPUT_LIMIT - s->out->len);
    g_byte_array_append(s->out, buf + done, (guint)keep);
    if (s->out->len && !s->out_source) {
        s->out_source = chardev_stream_watch(s, G_IO_OUT | G_IO_ERR | G_IO_HUP,
                                             chardev_stream_out_ready);
    }
    return done + keep;
}

void chardev_stream_accept_input(ChardevStream *s)
{
    if (s->fd >= 0 && !s->in_source) {
        s->in_source = chardev_stream_watch(s, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                            chardev_stream_in_ready);
    }
}

/*
 * The fd chardev (a file descriptor handed in by the client, e.g. one end of a
 * socketpair) and the pty chardev (a new pseudo-terminal whose name is reported).
 */
#include "engine/chardev-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "util/error.h"

static void chardev_fd_stream_hup(Chardev *chr)
{
    chardev_be_event(chr, CHARDEV_EVENT_CLOSED);
}

static bool fd_is_socket(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---------------------------------------------------------------------------------------
 * fd
 */

typedef struct ChardevFd {
    Chardev parent_obj;
    int64_t fd;
    ChardevStream stream;
} ChardevFd;

#define CHARDEV_FD(obj) OBJECT_CHECK(ChardevFd, (obj), TYPE_CHARDEV_FD)

static bool chardev_fd_open(Chardev *chr, GError **errp)
{
    ChardevFd *c = CHARDEV_FD(chr);
    int fd;

    if (c->fd < 0 || c->fd > INT32_MAX || fcntl((int)c->fd, F_GETFD) < 0) {
        return hull_error_setg(errp, "'fd' must be an open file descriptor (got %" G_GINT64_FORMAT
                               ")", c->fd);
    }
    fd = (int)c->fd;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* The chardev owns the fd from now on. */
    c->fd = -1;
    chardev_stream_start(&c->stream, chr, fd, fd_is_socket(fd), chardev_fd_stream_hup);
    chardev_be_event(chr, CHARDEV_EVENT_OPENED);
    return true;
}

static void chardev_fd_close(Chardev *chr)
{
    chardev_stream_stop(&CHARDEV_FD(chr)->stream);
}

static size_t chardev_fd_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return chardev_stream_write(&CHARDEV_FD(chr)->stream, buf, len);
}

static void chardev_fd_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&CHARDEV_FD(chr)->stream);
}

static char *chardev_fd_filename(Chardev *chr)
{
    return g_strdup_printf("fd:%d", CHARDEV_FD(chr)->stream.fd);
}

static void chardev_fd_init(Object *obj)
{
    CHARDEV_FD(obj)->stream.fd = -1;
}

static void chardev_fd_finalize(Object *obj)
{
    ChardevFd *c = CHARDEV_FD(obj);

    /* Handed in but never opened: still ours to close. */
    if (c->fd >= 0 && c->fd <= INT32_MAX && !obj->realized) {
        close((int)c->fd);
    }
}

static void chardev_fd_class_init(ObjectClass *klass)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->open = chardev_fd_open;
    cc->close = chardev_fd_close;
    cc->write = chardev_fd_write;
    cc->accept_input = chardev_fd_accept_input;
    cc->filename = chardev_fd_filename;
}

static const Property chardev_fd_props[] = {
    PROP_INT("fd", ChardevFd, fd, -1, "the file descriptor to use (the chardev takes it)"),
    PROP_END,
};

static const TypeInfo chardev_fd_info = {
    .name = TYPE_CHARDEV_FD,
    .parent = TYPE_CHARDEV,
    .description = "a file descriptor passed in by the client",
    .instance_size = sizeof(ChardevFd),
    .instance_init = chardev_fd_init,
    .instance_finalize = chardev_fd_finalize,
    .class_init = chardev_fd_class_init,
    .properties = chardev_fd_props,
};
TYPE_REGISTER(chardev_fd_info)

/* ---------------------------------------------------------------------------------------
 * pty
 */

typedef struct ChardevPty {
    Chardev parent_obj;
    char *path;    /* read-only: the slave's name, once open */
    int slave_fd;  /* kept open so the master never sees a hangup while nobody is there */
    ChardevStream stream;
} ChardevPty;

#define CHARDEV_PTY(obj) OBJECT_CHECK(ChardevPty, (obj), TYPE_CHARDEV_PTY)

static bool chardev_pty_open(Chardev *chr, GError **errp)
{
    ChardevPty *p = CHARDEV_PTY(chr);
    char name[256];
    struct termios tio;
    int master;

    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) {
        return hull_error_setg_errno(errp, errno, "cannot open a pseudo-terminal");
    }
    if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name))) {
        hull_error_setg_errno(errp, errno, "cannot set up the pseudo-terminal");
        close(master);
        return false;
    }
    p->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave_fd < 0) {
        hull_error_setg_errno(errp, errno, "cannot open '%s'", name);
        close(master);
        return false;
    }
    /* Raw: bytes pass through untouched, as on a serial line. */
    if (tcgetattr(p->slave_fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(p->slave_fd, TCSANOW, &tio);
    }
    g_free(p->path);
    p->path = g_strdup(name);
    chardev_stream_start(&p->stream, chr, master, false, chardev_fd_stream_hup);
    return true;
}

static void chardev_pty_close(Chardev *chr)
{
    ChardevPty *p = CHARDEV_PTY(chr);

    chardev_stream_stop(&p->stream);
    if (p->slave_fd >= 0) {
        close(p->slave_fd);
        p->slave_fd = -1;
    }
}

static size_t chardev_pty_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    return chardev_stream_write(&CHARDEV_PTY(chr)->stream, buf, len);
}

static void chardev_pty_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&CHARDEV_PTY(chr)->stream);
}

static char *chardev_pty_filename(Chardev *chr)
{
    return g_strdup_printf("pty:%s", CHARDEV_PTY(chr)->path ? CHARDEV_PTY(chr)->path : "");
}

static void chardev_pty_init(Object *obj)
{
    ChardevPty *p = CHARDEV_PTY(obj);

    p->slave_fd = -1;
    p->stream.fd = -1;
}

static void chardev_pty_class_init(ObjectClass *klass)
{
    ChardevClass *cc = (ChardevClass *)klass;

    cc->open = chardev_pty_open;
    cc->close = chardev_pty_close;
    cc->write = chardev_pty_write;
    cc->accept_input = chardev_pty_accept_input;
    cc->filename = chardev_pty_filename;
}

static const Property chardev_pty_props[] = {
    PROP_STR("path", ChardevPty, path, NULL, "the terminal to open (set when created)",
             .flags = PROP_READONLY),
    PROP_END,
};

static const TypeInfo chardev_pty_info = {
    .name = TYPE_CHARDEV_PTY,
    .parent = TYPE_CHARDEV,
    .description = "a new pseudo-terminal",
    .instance_size = sizeof(ChardevPty),
    .instance_init = chardev_pty_init,
    .class_init = chardev_pty_class_init,
    .properties = chardev_pty_props,
};
TYPE_REGISTER(chardev_pty_info)

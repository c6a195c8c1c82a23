/*
 * QMP listeners: unix sockets hulld creates, loopback TCP, and listening sockets it inherits
 * (--fd, systemd socket activation). Each accepted connection becomes a monitor session.
 */
#ifndef HULL_SERVICE_SERVER_H
#define HULL_SERVICE_SERVER_H

#include <glib.h>
#include <stdbool.h>

/*
 * Creates a unix stream socket at path with mode 0600. A file already there is replaced only
 * when it is a socket that nobody listens on (left by a hulld that died); anything else is an
 * error. The socket file is removed by server_shutdown().
 */
bool server_listen_unix(const char *path, GError **errp);

/* Listens on HOST:PORT ("[::1]:4444" for IPv6). Addresses other than loopback are refused
 * unless allow_remote: QMP has no authentication. */
bool server_listen_tcp(const char *host_port, bool allow_remote, GError **errp);

/* Adopts an inherited descriptor, which must be a listening stream socket. name is for logs. */
bool server_listen_fd(int fd, const char *name, GError **errp);

unsigned server_listener_count(void);

/* Stops listening, closes the listeners and removes the socket files this process created. */
void server_shutdown(void);

#endif

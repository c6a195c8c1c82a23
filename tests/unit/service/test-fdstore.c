/*
 * Unit tests for descriptor stores: per-client names and process-wide fd sets, including the
 * /dev/fdset/N lookup that backends use.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "service/fdstore.h"

static bool fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static void test_named(void)
{
    MonitorFds *fds = monitor_fds_new();
    g_autoptr(GError) err = NULL;
    int p[2], taken;

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_false(monitor_fds_add(fds, "1x", p[0], &err));
    g_assert_nonnull(strstr(err->message, "digit"));
    g_clear_error(&err);
    g_assert_true(monitor_fds_add(fds, "r", p[0], NULL));
    g_assert_true(monitor_fds_add(fds, "w", p[1], NULL));
    taken = monitor_fds_take(fds, "r", NULL);
    g_assert_cmpint(taken, ==, p[0]);
    g_assert_cmpint(monitor_fds_take(fds, "r", &err), ==, -1);
    g_clear_error(&err);
    g_assert_false(monitor_fds_close(fds, "nope", &err));
    g_assert_cmpstr(err->message, ==, "File descriptor named 'nope' not found");
    monitor_fds_free(fds); /* closes w */
    g_assert_false(fd_is_open(p[1]));
    g_assert_true(fd_is_open(p[0]));
    close(p[0]);
}

static void test_fdsets(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) list = NULL;
    int64_t id = 0;
    int p[2], dup_fd;
    char c = 0;

    g_assert_cmpint(pipe(p), ==, 0);
    g_assert_true(fdset_add_fd(false, &id, p[0], "read", NULL));
    g_assert_cmpint(id, ==, 0);
    id = 7;
    g_assert_true(fdset_add_fd(true, &id, p[1], NULL, NULL));
    id = -1;
    g_assert_false(fdset_add_fd(true, &id, p[1], NULL, &err));
    g_clear_error(&err);

    list = fdset_list();
    g_assert_cmpuint(list->len, ==, 2);
    g_assert_cmpint(((FdsetEntry *)g_ptr_array_index(list, 1))->id, ==, 7);

    /* The access mode picks the descriptor: the write end lives in set 7. */
    dup_fd = hull_open("/dev/fdset/7", O_WRONLY, 0, NULL);
    g_assert_cmpint(dup_fd, >=, 0);
    g_assert_cmpint(write(dup_fd, "x", 1), ==, 1);
    close(dup_fd);
    g_assert_cmpint(hull_fdset_dup(7, O_RDONLY, &err), ==, -1);
    g_clear_error(&err);
    dup_fd = hull_fdset_dup(0, O_RDONLY, NULL);
    g_assert_cmpint(read(dup_fd, &c, 1), ==, 1);
    g_assert_cmpint(c, ==, 'x');
    close(dup_fd);
    g_assert_cmpint(hull_open("/dev/fdset/x", O_RDONLY, 0, &err), ==, -1);
    g_clear_error(&err);

    g_assert_false(fdset_remove_fd(0, true, p[1], &err));
    {
        g_autofree char *expected =
            g_strdup_printf("File descriptor named 'fdset-id:0, fd:%d' not found", p[1]);

        g_assert_cmpstr(err->message, ==, expected);
    }
    g_clear_error(&err);
    g_assert_true(fdset_remove_fd(0, false, 0, NULL));
    g_assert_false(fd_is_open(p[0]));
    g_assert_true(fdset_remove_fd(7, true, p[1], NULL));
    g_assert_false(fd_is_open(p[1]));
    g_ptr_array_unref(list);
    list = fdset_list();
    g_assert_cmpuint(list->len, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdstore/named", test_named);
    g_test_add_func("/fdstore/fdsets", test_fdsets);
    return g_test_run();
}

/*
 * Unit tests for engine/block: asynchronous I/O round trips through raw and file nodes,
 * O_DIRECT with unaligned requests, refusals (read-only, out of bounds), and that
 * closing drains every queued request.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "engine/block.h"
#include "engine/lock.h"
#include "util/error.h"

typedef struct Image {
    char *dir;
    char *path;
} Image;

static void image_create(Image *img, size_t size)
{
    g_autoptr(GError) err = NULL;
    int fd;

    img->dir = g_dir_make_tmp("hull-block-XXXXXX", &err);
    g_assert_no_error(err);
    img->path = g_build_filename(img->dir, "disk.img", NULL);
    fd = open(img->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    close(fd);
}

static void image_destroy(Image *img)
{
    unlink(img->path);
    rmdir(img->dir);
    g_free(img->path);
    g_free(img->dir);
}

static void image_read(Image *img, uint64_t offset, void *buf, size_t len)
{
    int fd = open(img->path, O_RDONLY | O_CLOEXEC);

    g_assert_cmpint(pread(fd, buf, len, (off_t)offset), ==, (ssize_t)len);
    close(fd);
}

static BlockNode *node_new(const char *type, const char *name, const char *props_json,
                           GError **errp)
{
    g_autoptr(JsonNode) root = json_from_string(props_json, NULL);
    g_autoptr(Object) obj = object_new(type, errp);

    if (!object_set_props_json(obj, json_node_get_object(root), errp)) {
        return NULL;
    }
    return blockdev_add(BLOCK_NODE(obj), name, errp) ? BLOCK_NODE(obj) : NULL;
}

static BlockNode *node_ok(const char *type, const char *name, const char *props_json)
{
    g_autoptr(GError) err = NULL;
    BlockNode *bs = node_new(type, name, props_json, &err);

    g_assert_no_error(err);
    return bs;
}

static void del_ok(const char *name)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(blockdev_del(name, &err));
    g_assert_no_error(err);
}

static BlockNode *file_node(Image *img, const char *name, const char *extra)
{
    g_autofree char *props = g_strdup_printf("{\"filename\": \"%s\"%s}", img->path, extra);

    return node_ok(TYPE_BLOCK_FILE, name, props);
}

/* Completion bookkeeping */
typedef struct Done {
    unsigned count;
    int last;
    unsigned errors;
} Done;

static void on_done(void *opaque, int ret)
{
    Done *d = opaque;

    g_assert_true(engine_lock_held());
    d->count++;
    d->last = ret;
    d->errors += ret != 0;
}

static void wait_done(Done *d, unsigned count)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (d->count < count) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        engine_unlock();
        g_main_context_iteration(NULL, true);
        engine_lock();
    }
}

/* ---- tests ---- */

static void test_round_trip(void)
{
    Image img;
    BlockNode *raw;
    uint8_t out[8192], in[8192];
    Done d = {0};

    image_create(&img, 1 << 20);
    file_node(&img, "img0", "");
    raw = node_ok(TYPE_BLOCK_RAW, "disk0", "{\"file\": \"img0\"}");
    g_assert_cmpuint(block_node_get_size(raw), ==, 1 << 20);
    g_assert_cmpstr(block_node_get_name(raw), ==, "disk0");

    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 31 + 7);
    }
    g_assert_cmpint(block_aio_write(raw, 4096, out, sizeof(out), on_done, &d), ==, 0);
    wait_done(&d, 1);
    g_assert_cmpint(d.last, ==, 0);
    g_assert_cmpint(block_aio_read(raw, 4096, in, sizeof(in), on_done, &d), ==, 0);
    g_assert_cmpint(block_aio_flush(raw, on_done, &d), ==, 0);
    wait_done(&d, 3);
    g_assert_cmpuint(d.errors, ==, 0);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    memset(in, 0, sizeof(in));
    image_read(&img, 4096, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));

    del_ok("disk0");
    del_ok("img0");
    image_destroy(&img);
}

static void test_refusals(void)
{
    g_autoptr(GError) err = NULL;
    Image img;
    BlockNode *file, *raw, *win;
    uint8_t buf[64] = {0};
    Done d = {0};

    image_create(&img, 65536);
    file = file_node(&img, "img0", "");
    raw = node_ok(TYPE_BLOCK_RAW, "ro", "{\"file\": \"img0\", \"read-only\": true}");

    g_assert_cmpint(block_aio_write(raw, 0, buf, 16, on_done, &d), ==, -EROFS);
    g_assert_cmpint(block_aio_read(raw, 65536 - 10, buf, 20, on_done, &d), ==, -EIO);
    g_assert_cmpint(block_aio_read(raw, 65537, buf, 0, on_done, &d), ==, -EIO);
    g_assert_cmpint(block_aio_read(raw, UINT64_MAX - 4, buf, 16, on_done, &d), ==, -EIO);
    g_assert_cmpint(block_aio_read(raw, 65536 - 16, buf, 16, on_done, &d), ==, 0);
    wait_done(&d, 1);
    g_assert_cmpint(d.last, ==, 0);

    /* A window: bounds and offsets are the window's. */
    win = node_ok(TYPE_BLOCK_RAW, "win", "{\"file\": \"img0\", \"offset\": 4096, \"size\": 4096}");
    g_assert_cmpuint(block_node_get_size(win), ==, 4096);
    g_assert_cmpint(block_aio_write(win, 4096 - 8, "12345678", 8, on_done, &d), ==, 0);
    g_assert_cmpint(block_aio_write(win, 4096 - 8, "123456789", 9, on_done, &d), ==, -EIO);
    wait_done(&d, 2);
    g_assert_cmpint(d.last, ==, 0);
    image_read(&img, 8192 - 8, buf, 8);
    g_assert_cmpmem(buf, 8, "12345678", 8);

    /* Configuration errors leave nothing behind. */
    g_assert_null(node_new(TYPE_BLOCK_RAW, "bad", "{\"file\": \"img0\", \"offset\": 70000}", &err));
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_RAW, "bad", "{\"file\": \"nope\"}", &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_RAW, "bad", "{}", &err));
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_FILE, "bad", "{\"filename\": \"/nonexistent.img\"}",
                           &err));
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_FILE, "bad", "{\"filename\": \"/x\", \"cache\": \"turbo\"}",
                           &err));
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_FILE, "img0", "{\"filename\": \"/dev/null\"}", &err));
    g_assert_cmpstr(err->message, ==, "node-name 'img0' is already in use");
    g_clear_error(&err);
    g_assert_null(node_new(TYPE_BLOCK_FILE, "#auto", "{\"filename\": \"/dev/null\"}", &err));
    g_clear_error(&err);
    g_assert_null(blockdev_find("bad"));

    /* In use: the file cannot go while raw nodes sit on it. */
    g_assert_false(blockdev_del("img0", &err));
    g_assert_cmpstr(err->message, ==, "node 'img0' is busy: 2 user(s)");
    g_clear_error(&err);
    g_assert_false(blockdev_del("missing", &err));
    g_assert_error(err, HULL_ERROR, HULL_ERROR_DEVICE_NOT_FOUND);
    g_clear_error(&err);
    del_ok("ro");
    del_ok("win");
    g_assert_cmpint(block_aio_read(file, 0, buf, 8, on_done, &d), ==, 0);
    del_ok("img0");
    g_assert_cmpuint(d.count, ==, 3);
    image_destroy(&img);
}

static void test_read_only_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *props = NULL;
    Image img;
    BlockNode *file;
    Done d = {0};
    int fd;

    image_create(&img, 4096);
    file = file_node(&img, "rofile", ", \"read-only\": true");
    g_assert_true(block_node_is_read_only(file));
    g_assert_cmpint(block_aio_write(file, 0, "x", 1, on_done, &d), ==, -EROFS);
    g_assert_null(node_new(TYPE_BLOCK_RAW, "rw", "{\"file\": \"rofile\"}", &err));
    g_assert_cmpstr(err->message, ==, "node 'rofile' is read-only; set read-only here too");
    g_clear_error(&err);
    del_ok("rofile");

    /* A read-only fd cannot back a writable node; the refused fd is closed. */
    fd = open(img.path, O_RDONLY | O_CLOEXEC);
    props = g_strdup_printf("{\"fd\": %d}", fd);
    g_assert_null(node_new(TYPE_BLOCK_FILE, "fdnode", props, &err));
    g_assert_cmpstr(err->message, ==, "'fd' is open read-only; set read-only");
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
    image_destroy(&img);
}

static void test_fd_node(void)
{
    g_autofree char *props = NULL;
    Image img;
    BlockNode *bs;
    char buf[6] = {0};
    Done d = {0};
    int fd;

    image_create(&img, 8192);
    fd = open(img.path, O_RDWR | O_CLOEXEC);
    props = g_strdup_printf("{\"fd\": %d, \"cache\": \"directsync\"}", fd);
    bs = node_ok(TYPE_BLOCK_FILE, "fdnode", props);
    g_assert_cmpint(block_aio_write(bs, 10, "hello", 5, on_done, &d), ==, 0);
    wait_done(&d, 1);
    g_assert_cmpint(d.last, ==, 0);
    image_read(&img, 10, buf, 5);
    g_assert_cmpstr(buf, ==, "hello");
    del_ok("fdnode");
    /* The node owned the fd and closed it. */
    g_assert_cmpint(fcntl(fd, F_GETFD), ==, -1);
    image_destroy(&img);
}

static void test_direct_unaligned(void)
{
    Image img;
    BlockNode *bs;
    uint8_t expect[4096], got[4096];
    char patterns[8][100];
    Done d = {0};

    image_create(&img, 1 << 20);
    bs = file_node(&img, "direct", ", \"cache\": \"none\"");
    memset(expect, 0, sizeof(expect));
    /* Eight small writes into the same sector: each is a read-modify-write that must not
     * lose the others'. */
    for (unsigned i = 0; i < 8; i++) {
        memset(patterns[i], 'a' + i, sizeof(patterns[i]));
        g_assert_cmpint(block_aio_write(bs, 3 + i * 100, patterns[i], 100, on_done, &d), ==, 0);
        memcpy(expect + 3 + i * 100, patterns[i], 100);
    }
    block_node_drain(bs);
    g_assert_cmpuint(d.count, ==, 8);
    g_assert_cmpuint(d.errors, ==, 0);
    image_read(&img, 0, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), expect, sizeof(expect));

    /* An unaligned read through an unaligned buffer. */
    memset(got, 0, sizeof(got));
    g_assert_cmpint(block_aio_read(bs, 101, got + 1, 450, on_done, &d), ==, 0);
    block_node_drain(bs);
    g_assert_cmpmem(got + 1, 450, expect + 101, 450);
    del_ok("direct");
    image_destroy(&img);
}

static void test_close_drains(void)
{
    enum { N = 256 };
    static uint8_t bufs[N][4096];
    Image img;
    BlockNode *raw;
    uint8_t check[4096];
    Done d = {0};

    image_create(&img, N * 4096);
    file_node(&img, "img", "");
    raw = node_ok(TYPE_BLOCK_RAW, "disk", "{\"file\": \"img\"}");
    for (unsigned i = 0; i < N; i++) {
        memset(bufs[i], (int)i, sizeof(bufs[i]));
        g_assert_cmpint(block_aio_write(raw, (uint64_t)i * 4096, bufs[i], 4096, on_done, &d),
                        ==, 0);
    }
    /* No main loop iteration at all: deleting must wait for every write and callback. */
    del_ok("disk");
    g_assert_cmpuint(d.count, ==, N);
    g_assert_cmpuint(d.errors, ==, 0);
    blockdev_close_all();
    g_assert_null(blockdev_find("img"));
    for (unsigned i = 0; i < N; i++) {
        image_read(&img, (uint64_t)i * 4096, check, sizeof(check));
        g_assert_cmpmem(check, sizeof(check), bufs[i], sizeof(bufs[i]));
    }
    image_destroy(&img);
}

static void test_close_all(void)
{
    Image img;
    BlockNode *raw;
    Done d = {0};
    uint8_t buf[512];

    image_create(&img, 4096);
    file_node(&img, "a", "");
    raw = node_ok(TYPE_BLOCK_RAW, "b", "{\"file\": \"a\"}");
    node_ok(TYPE_BLOCK_RAW, "c", "{\"file\": \"a\", \"read-only\": true}");
    block_node_attach(raw); /* a device still holds "b" */
    g_assert_cmpint(block_aio_read(raw, 0, buf, sizeof(buf), on_done, &d), ==, 0);
    blockdev_close_all();
    g_assert_cmpuint(d.count, ==, 1);
    g_assert_null(blockdev_find("a"));
    g_assert_null(blockdev_find("b"));
    image_destroy(&img);
}

/* Nodes defined inside another (blockdev-add's nested definitions) get "#blockN". */
static void test_anonymous_and_info(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(Object) f = object_new(TYPE_BLOCK_FILE, NULL);
    g_autoptr(Object) g = object_new(TYPE_BLOCK_FILE, NULL);
    BlockNodeInfo info;
    BlockNode *raw;
    Image img;

    image_create(&img, 65536);
    g_assert_true(object_property_set_str(f, "filename", img.path, NULL));
    g_assert_true(object_property_set_bool(f, "no-flush", true, NULL));
    g_assert_true(object_property_set_str(g, "filename", img.path, NULL));
    g_assert_true(blockdev_add_anonymous(BLOCK_NODE(f), &err));
    g_assert_no_error(err);
    g_assert_true(blockdev_add_anonymous(BLOCK_NODE(g), &err));
    g_assert_cmpstr(block_node_get_name(BLOCK_NODE(f)), ==, "#block0");
    g_assert_cmpstr(block_node_get_name(BLOCK_NODE(g)), ==, "#block1");
    g_assert_true(blockdev_find("#block1") == BLOCK_NODE(g));

    raw = node_ok(TYPE_BLOCK_RAW, "disk0",
                  "{\"file\": \"#block0\", \"offset\": 4096, \"size\": 8192}");
    g_assert_true(block_node_in_use(BLOCK_NODE(f)));
    g_assert_false(block_node_in_use(raw));
    block_node_get_info(raw, &info);
    g_assert_cmpstr(info.driver, ==, "raw");
    g_assert_cmpstr(info.filename, ==, img.path);
    g_assert_cmpstr(info.file_node, ==, "#block0");
    g_assert_cmpuint(info.size, ==, 8192);
    g_assert_true(info.no_flush);
    g_assert_true(info.writeback);
    g_assert_false(info.read_only);
    block_node_get_info(BLOCK_NODE(g), &info);
    g_assert_cmpstr(info.driver, ==, "file");
    g_assert_null(info.file_node);
    g_assert_cmpuint(info.size, ==, 65536);
    g_assert_false(info.no_flush);

    {
        /* no-flush: flushes complete (successfully) without syncing. */
        Done done = {0};

        g_assert_cmpint(block_aio_flush(raw, on_done, &done), ==, 0);
        wait_done(&done, 1);
        g_assert_cmpint(done.last, ==, 0);
    }
    del_ok("disk0");
    g_assert_false(block_node_in_use(BLOCK_NODE(f)));
    del_ok("#block0");
    del_ok("#block1");
    image_destroy(&img);
}

/* With both 'fd' and 'filename' the fd is used and the filename only names the node. */
static void test_fd_with_filename(void)
{
    g_autoptr(Object) f = object_new(TYPE_BLOCK_FILE, NULL);
    g_autoptr(GError) err = NULL;
    BlockNodeInfo info;
    Image img;
    int fd;

    image_create(&img, 4096);
    fd = open(img.path, O_RDWR | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(object_property_set_int(f, "fd", fd, NULL));
    g_assert_true(object_property_set_str(f, "filename", "/dev/fdset/3", NULL));
    g_assert_true(blockdev_add(BLOCK_NODE(f), "byfd", &err));
    g_assert_no_error(err);
    block_node_get_info(BLOCK_NODE(f), &info);
    g_assert_cmpstr(info.filename, ==, "/dev/fdset/3");
    g_assert_cmpuint(info.size, ==, 4096);
    del_ok("byfd");
    g_assert_cmpint(fcntl(fd, F_GETFD), <, 0); /* the node owned and closed it */
    image_destroy(&img);
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    /* I/O threads end when idle, so that a leak checker sees no thread at exit. */
    g_thread_pool_set_max_unused_threads(0);
    g_test_add_func("/engine/block/round-trip", test_round_trip);
    g_test_add_func("/engine/block/refusals", test_refusals);
    g_test_add_func("/engine/block/read-only-file", test_read_only_file);
    g_test_add_func("/engine/block/fd", test_fd_node);
    g_test_add_func("/engine/block/direct-unaligned", test_direct_unaligned);
    g_test_add_func("/engine/block/close-drains", test_close_drains);
    g_test_add_func("/engine/block/close-all", test_close_all);
    g_test_add_func("/engine/block/anonymous-and-info", test_anonymous_and_info);
    g_test_add_func("/engine/block/fd-with-filename", test_fd_with_filename);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

/*
 * Executable memory for generated code: a memfd mapped twice (RW for the JIT, RX for
 * execution), sized from a parameter and capped by the host's RAM.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/tcg-internal.h"
#include "util/error.h"

#define CODE_BUFFER_DEFAULT (256u * 1024 * 1024)
#define CODE_BUFFER_MIN (16u * 1024 * 1024)
/* Generated code reaches the prologue and other blocks with rel32 jumps. */
#define CODE_BUFFER_MAX (UINT64_C(1) << 30)

size_t tcg_code_buffer_default_size(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    uint64_t size = CODE_BUFFER_DEFAULT;

    if (pages > 0 && page_size > 0) {
        uint64_t ram = (uint64_t)pages * (uint64_t)page_size;
        size = MIN(size, ram / 8);
    }
    return MAX(size, CODE_BUFFER_MIN);
}

bool tcg_code_buffer_init(TCGCodeBuffer *cb, size_t size, GError **errp)
{
    long page_size = sysconf(_SC_PAGESIZE);

    if (size == 0) {
        size = tcg_code_buffer_default_size();
    }
    if (size < 64 * 1024 || size > CODE_BUFFER_MAX) {
        return hull_error_setg(errp, "JIT code buffer size %zu out of range (64 KiB..1 GiB)",
                               size);
    }
    size = (size + (size_t)page_size - 1) & ~((size_t)page_size - 1);

    int fd = memfd_create("hull-jit", MFD_CLOEXEC);
    if (fd < 0) {
        return hull_error_setg_errno(errp, errno, "memfd_create for the JIT code buffer");
    }
    if (ftruncate(fd, (off_t)size) < 0) {
        int err = errno;
        close(fd);
        return hull_error_setg_errno(errp, err, "sizing the JIT code buffer");
    }
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED) {
        int err = errno;
        close(fd);
        return hull_error_setg_errno(errp, err, "mapping the JIT code buffer writable");
    }
    void *rx = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd); /* the mappings keep the memory */
    if (rx == MAP_FAILED) {
        munmap(rw, size);
        return hull_error_setg_errno(errp, err, "mapping the JIT code buffer executable");
    }
    cb->rw = rw;
    cb->rx = rx;
    cb->size = size;
    cb->used = 0;
    return true;
}

void tcg_code_buffer_destroy(TCGCodeBuffer *cb)
{
    if (cb->rw) {
        munmap(cb->rw, cb->size);
        munmap((void *)cb->rx, cb->size);
    }
    cb->rw = NULL;
    cb->rx = NULL;
}

/*
 * JIT benchmark: runs a bare-metal RISC-V workload on Hull's JIT and, when installed, on
 * QEMU's TCG (qemu-system-riscv64 -M virt), and prints the times side by side with the
 * JIT's statistics. Both must report the checksum the native build of the workload gives.
 *
 *   bench-jit GUEST.elf ROUNDS [EMPTY-GUEST.elf QEMU]
 */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/riscv/cpu.h"
#include "tcg/riscv/translate.h"
#include "util/elf.h"

#include "guest/workload.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE (16u << 20)
#define TEST_DEVICE 0x100000u
#define EM_RISCV 243

typedef struct Board {
    RiscvCPU cpu;
    uint8_t *ram;
    bool done;
    uint32_t status;
    uint64_t time;
} Board;

static bool board_read(void *opaque, uint64_t addr, unsigned size, uint64_t *val)
{
    if (addr == TEST_DEVICE && size == 4) {
        *val = 0;
        return true;
    }
    return false;
}

static bool board_write(void *opaque, uint64_t addr, unsigned size, uint64_t val)
{
    Board *b = opaque;

    if (addr != TEST_DEVICE || size != 4) {
        return false;
    }
    b->status = (uint32_t)val;
    __atomic_store_n(&b->done, true, __ATOMIC_SEQ_CST);
    riscv_cpu_kick(&b->cpu);
    return true;
}

static uint64_t board_time(void *opaque)
{
    return ((Board *)opaque)->time++;
}

static const RiscvBusOps board_ops = {
    .read = board_read,
    .write = board_write,
    .get_time = board_time,
};

static bool load_image(Board *b, const char *path, uint64_t *entry, GError **errp)
{
    g_autofree char *contents = NULL;
    gsize len;

    if (!g_file_get_contents(path, &contents, &len, errp)) {
        return false;
    }
    g_autoptr(ElfImage) image = elf_parse((const uint8_t *)contents, len, EM_RISCV, errp);
    if (!image) {
        return false;
    }
    for (unsigned i = 0; i < image->nr_segments; i++) {
        const ElfSegment *seg = &image->segments[i];
        if (seg->paddr < RAM_BASE || seg->paddr + seg->memsz > (uint64_t)RAM_BASE + RAM_SIZE) {
            g_set_error(errp, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: segment outside RAM",
                        path);
            return false;
        }
        memcpy(b->ram + (seg->paddr - RAM_BASE), seg->data, seg->filesz);
    }
    *entry = image->entry;
    return true;
}

/* Runs the guest on Hull's JIT; returns seconds, or a negative value on error. */
static double run_hull(const char *path, unsigned *code)
{
    g_autoptr(GError) err = NULL;
    g_autofree Board *b = g_new0(Board, 1);
    g_autofree uint8_t *ram = g_malloc0(RAM_SIZE);
    RiscvBus bus = {.ops = &board_ops, .opaque = b, .nr_ram = 1};
    uint64_t entry;

    b->ram = ram;
    if (!load_image(b, path, &entry, &err)) {
        fprintf(stderr, "bench-jit: %s\n", err->message);
        return -1;
    }
    bus.ram[0] = (RiscvRamWindow){.host = ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&b->cpu, 0, entry, &bus);

    gint64 start = g_get_monotonic_time();
    g_autoptr(RiscvTcg) jit = riscv_tcg_new(1, NULL, &err);
    if (!jit || !riscv_tcg_attach(jit, &b->cpu, &err)) {
        fprintf(stderr, "bench-jit: %s\n", err->message);
        return -1;
    }
    while (!__atomic_load_n(&b->done, __ATOMIC_SEQ_CST)) {
        if (riscv_tcg_exec(&b->cpu) == TCG_EXEC_HALTED) {
            fprintf(stderr, "bench-jit: guest halted without reporting\n");
            return -1;
        }
    }
    double secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;

    TCGJitStats st;
    tcg_jit_get_stats(riscv_tcg_jit(jit), &st);
    printf("hull jit: %" PRIu64 " blocks, %" PRIu64 " guest bytes -> %" PRIu64
           " host bytes (%.1fx), %" PRIu64 " chained jumps, %" PRIu64 " flushes\n",
           st.tbs_translated, st.guest_code_bytes, st.host_code_bytes,
           st.guest_code_bytes ? (double)st.host_code_bytes / st.guest_code_bytes : 0.0,
           st.chained_jumps, st.flushes);
    if ((b->status & 0xffff) != 0x3333) {
        fprintf(stderr, "bench-jit: unexpected test device status 0x%x\n", b->status);
        return -1;
    }
    *code = b->status >> 16;
    return secs;
}

/* Runs the guest under QEMU's TCG; returns wall seconds, or a negative value. */
static double run_qemu(const char *qemu, const char *path, unsigned *code)
{
    const char *argv[] = {qemu, "-M", "virt", "-m", "128M", "-bios", "none", "-nographic",
                          "-nodefaults", "-kernel", path, NULL};
    g_autoptr(GError) err = NULL;
    int status;

    gint64 start = g_get_monotonic_time();
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                      NULL, &status, &err)) {
        fprintf(stderr, "bench-jit: %s\n", err->message);
        return -1;
    }
    double secs = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    if (!WIFEXITED(status)) {
        fprintf(stderr, "bench-jit: qemu did not exit normally\n");
        return -1;
    }
    *code = (unsigned)WEXITSTATUS(status);
    return secs;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: bench-jit GUEST.elf ROUNDS [EMPTY-GUEST.elf QEMU]\n");
        return 2;
    }
    unsigned rounds = (unsigned)strtoul(argv[2], NULL, 0);
    static WorkloadState native_state;

    gint64 start = g_get_monotonic_time();
    unsigned want = workload_code(workload_run(&native_state, rounds));
    double native = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;

    unsigned code = 0;
    double hull = run_hull(argv[1], &code);
    if (hull < 0) {
        return 1;
    }
    if (code != want) {
        fprintf(stderr, "bench-jit: hull computed code %u, native %u\n", code, want);
        return 1;
    }
    printf("workload (%u rounds): native %.3f s, hull jit %.3f s\n", rounds, native, hull);

    if (argc == 5) {
        unsigned qcode = 0, qempty = 0;
        double q = run_qemu(argv[4], argv[1], &qcode);
        double q0 = run_qemu(argv[4], argv[3], &qempty);
        if (q < 0 || q0 < 0) {
            return 1;
        }
        if (qcode != want) {
            fprintf(stderr, "bench-jit: qemu computed code %u, native %u\n", qcode, want);
            return 1;
        }
        double qrun = q - q0;
        printf("qemu tcg: %.3f s wall, %.3f s start-up, %.3f s running\n", q, q0, qrun);
        printf("hull jit vs qemu tcg: %.2fx\n", qrun / hull);
    } else {
        printf("qemu-system-riscv64 not found: no comparison\n");
    }
    return 0;
}

/*
 * End-to-end tests of the KVM layer with tiny guests from tests/guest/x86: load with the
 * PVH / bzImage loaders, run one vCPU, check serial output, exit codes, resets, kicks,
 * LAPIC timer interrupts, and the speed probe. Skipped where /dev/kvm is unusable.
 */
#include "guest-harness.h"
#include "kvm/kvm-speed.h"
#include "kvm/x86-boot.h"

#include <string.h>
#include <sys/mman.h>

static void run_pvh_guest(const char *file, const char *cmdline, const char *expect_out,
                          int expect_code)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest(file);
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, cmdline);
    KvmVcpuExit exit = guest_run(&g, &err);
    g_assert_no_error(err);
    g_assert_cmpint(exit, ==, KVM_VCPU_EXIT_KICKED);
    g_assert_cmpstr(g.out->str, ==, expect_out);
    g_assert_cmpint(g.exit_code, ==, expect_code);
    g_assert_cmpuint(g.stray_pio, ==, 0);
    guest_stop(&g);
}

static void test_hello(void)
{
    run_pvh_guest("hello.elf", NULL, "Hello from a PVH guest\n", 0);
}

static void test_cmdline(void)
{
    /* Three memory map entries: low RAM, RAM from 1 MiB, KVM's reserved hole. */
    run_pvh_guest("cmdline.elf", "root=/dev/vda console=ttyS0 hull.test=1",
                  "root=/dev/vda console=ttyS0 hull.test=1\n", 3);
}

static void test_lapic_timer(void)
{
    run_pvh_guest("lapic-timer.elf", NULL, "tick\n", 0);
}

static void test_ioapic_irq(void)
{
    run_pvh_guest("ioapic-irq.elf", NULL, "irq 4\n", 0);
}

static void test_string_io(void)
{
    run_pvh_guest("string-io.elf", NULL, "string I/O\n", 0);
}

static void test_mmio_and_rom(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("mmio.elf");
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, NULL);
    uint8_t *rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(rom != MAP_FAILED);
    memset(rom, 0x5a, ROM_SIZE);
    g_assert_true(kvm_vm_map_ram(g.vm, ROM_BASE, ROM_SIZE, rom, true, &err));
    g_assert_no_error(err);

    KvmVcpuExit exit = guest_run(&g, &err);
    g_assert_no_error(err);
    g_assert_cmpint(exit, ==, KVM_VCPU_EXIT_KICKED);
    g_assert_cmpint(g.exit_code, ==, 7);
    g_assert_cmpuint(g.mmio_reads, ==, 1);
    g_assert_cmpuint(g.mmio_writes->len, ==, 2);
    MmioWrite *w = &g_array_index(g.mmio_writes, MmioWrite, 0);
    g_assert_cmphex(w->addr, ==, MMIO_BASE);
    g_assert_cmpuint(w->len, ==, 4);
    g_assert_cmphex(w->value, ==, 0x12345678);
    /* The write to the read-only page came out as MMIO and left the page alone. */
    w = &g_array_index(g.mmio_writes, MmioWrite, 1);
    g_assert_cmphex(w->addr, ==, ROM_BASE);
    g_assert_cmpuint(w->len, ==, 1);
    g_assert_cmphex(w->value, ==, 0xa5);
    g_assert_cmpuint(rom[0], ==, 0x5a);
    guest_stop(&g);
    munmap(rom, ROM_SIZE);
}

static void test_exit_then_resume(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("exit.elf");
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, NULL);
    g_assert_cmpint(guest_run(&g, &err), ==, KVM_VCPU_EXIT_KICKED);
    g_assert_cmpint(g.exit_code, ==, 42);
    /* The kick from the exit callback stopped the guest right after its OUT. */
    g_assert_cmpstr(g.out->str, ==, "");

    g.exit_code = -1;
    g_assert_cmpint(guest_run(&g, &err), ==, KVM_VCPU_EXIT_KICKED);
    g_assert_no_error(err);
    g_assert_cmpstr(g.out->str, ==, "X");
    g_assert_cmpint(g.exit_code, ==, 0);
    guest_stop(&g);
}

static void test_triple_fault(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("triple-fault.elf");
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, NULL);
    g_assert_cmpint(guest_run(&g, &err), ==, KVM_VCPU_EXIT_RESET);
    g_assert_no_error(err);
    /* After the machine's reset the vCPU is back at the reset vector. */
    g_assert_true(kvm_vcpu_reset(g.vcpu, &err));
    struct kvm_regs regs;
    g_assert_true(kvm_vcpu_get_regs(g.vcpu, &regs, &err));
    g_assert_cmphex(regs.rip, ==, 0xfff0);
    guest_stop(&g);
}

/* A stand-in Linux kernel: the 64-bit blob behind a bzImage setup header built here. */
static GBytes *wrap_bzimage(GBytes *blob)
{
    gsize blob_size;
    const uint8_t *blob_data = g_bytes_get_data(blob, &blob_size);
    size_t setup = 2 * 512;
    uint8_t *img = g_malloc0(setup + blob_size);
    uint16_t u16;
    uint32_t u32;

    img[0x1f1] = 1; /* setup_sects */
    u16 = 0xaa55;
    memcpy(img + 0x1fe, &u16, 2);
    img[0x201] = 0x66; /* header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    u16 = 0x020f;
    memcpy(img + 0x206, &u16, 2); /* protocol 2.15 */
    img[0x211] = 1;               /* LOADED_HIGH */
    u32 = 0x7fffffff;
    memcpy(img + 0x22c, &u32, 4); /* initrd_addr_max */
    u16 = 1;
    memcpy(img + 0x236, &u16, 2); /* XLF_KERNEL_64 */
    u32 = 2047;
    memcpy(img + 0x238, &u32, 4); /* cmdline_size */
    u32 = 0x10000;
    memcpy(img + 0x260, &u32, 4); /* init_size */
    memcpy(img + setup, blob_data, blob_size);
    return g_bytes_new_take(img, setup + blob_size);
}

static void test_linux64_entry(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) blob = read_guest("linux64.bin");
    if (!blob) {
        return;
    }
    g_autoptr(GBytes) image = wrap_bzimage(blob);
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, "console=ttyS0 init=/bin/sh");
    g_assert_cmpint(guest_run(&g, &err), ==, KVM_VCPU_EXIT_KICKED);
    g_assert_no_error(err);
    g_assert_cmpstr(g.out->str, ==, "console=ttyS0 init=/bin/sh\n");
    g_assert_cmpint(g.exit_code, ==, 3);

    /* It really ran in long mode with paging. */
    struct kvm_sregs sregs;
    g_assert_true(kvm_vcpu_get_sregs(g.vcpu, &sregs, &err));
    g_assert_true(sregs.efer & (1u << 10));
    g_assert_true(sregs.cs.l);
    g_assert_true(sregs.cr0 & (1ull << 31));
    guest_stop(&g);
}

/* Kicking a spinning guest from another thread. */
typedef struct KickRun {
    Guest *g;
    GMutex lock;
    GCond cond;
    bool returned;
    KvmVcpuExit exit;
} KickRun;

static gpointer kick_run_thread(gpointer data)
{
    KickRun *k = data;
    g_autoptr(GError) err = NULL;
    KvmVcpuExit exit = kvm_vcpu_run(k->g->vcpu, &err);

    g_mutex_lock(&k->lock);
    k->exit = exit;
    k->returned = true;
    g_cond_signal(&k->cond);
    g_mutex_unlock(&k->lock);
    return NULL;
}

static void test_kick(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("spin.elf");
    if (!image) {
        return;
    }
    Guest g;
    guest_start(&g, image, NULL);

    for (int round = 0; round < 3; round++) {
        KickRun k = {.g = &g};
        g_mutex_init(&k.lock);
        g_cond_init(&k.cond);
        GThread *thread = g_thread_new("vcpu", kick_run_thread, &k);

        /* Let it get into KVM_RUN and spin a while: it must not come back on its own. */
        g_usleep(50 * 1000);
        g_mutex_lock(&k.lock);
        g_assert_false(k.returned);
        g_mutex_unlock(&k.lock);

        gint64 kicked = g_get_monotonic_time();
        kvm_vcpu_kick(g.vcpu);
        g_mutex_lock(&k.lock);
        gint64 deadline = kicked + 5 * G_TIME_SPAN_SECOND;
        while (!k.returned) {
            if (!g_cond_wait_until(&k.cond, &k.lock, deadline)) {
                g_error("the vCPU did not leave KVM_RUN within 5 s of the kick");
            }
        }
        g_mutex_unlock(&k.lock);
        g_test_message("round %d: back %" G_GINT64_FORMAT " us after the kick", round,
                       g_get_monotonic_time() - kicked);
        g_assert_cmpint(k.exit, ==, KVM_VCPU_EXIT_KICKED);
        g_thread_join(thread);
        g_mutex_clear(&k.lock);
        g_cond_clear(&k.cond);
    }

    /* A kick while not running is kept for the next run, which returns at once. */
    g_autoptr(GError) err = NULL;
    kvm_vcpu_kick(g.vcpu);
    g_assert_cmpint(kvm_vcpu_run(g.vcpu, &err), ==, KVM_VCPU_EXIT_KICKED);
    g_assert_no_error(err);
    guest_stop(&g);
}

typedef struct ApThread {
    KvmVcpu *vcpu;
    KvmVcpuExit exit;
    GError *err;
} ApThread;

static gpointer ap_thread(gpointer data)
{
    ApThread *ap = data;

    ap->exit = kvm_vcpu_run(ap->vcpu, &ap->err);
    return NULL;
}

static void test_smp_startup(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("smp.elf");
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start_cpus(&g, image, NULL, 2);

    /* The AP waits in KVM_RUN (in the kernel) until the BSP's INIT and start-up IPI. */
    ApThread ap = {.vcpu = g.aps[0]};
    GThread *thread = g_thread_new("ap", ap_thread, &ap);
    KvmVcpuExit exit = guest_run(&g, &err);
    g_assert_no_error(err);
    g_assert_cmpint(exit, ==, KVM_VCPU_EXIT_KICKED);
    g_assert_cmpint(g.exit_code, ==, 0);
    g_assert_cmpstr(g.out->str, ==, "+BSP saw the AP\n");

    /* The AP halted in its trampoline; a kick brings its thread back. */
    kvm_vcpu_kick(ap.vcpu);
    g_thread_join(thread);
    g_assert_no_error(ap.err);
    g_assert_cmpint(ap.exit, ==, KVM_VCPU_EXIT_KICKED);
    struct kvm_sregs sregs;
    g_assert_true(kvm_vcpu_get_sregs(ap.vcpu, &sregs, &err));
    g_assert_cmphex(sregs.cs.base, ==, 0x10000);
    g_assert_cmphex(sregs.cr0 & 1, ==, 0);
    guest_stop(&g);
}

static void test_bad_entry_is_an_error(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GBytes) image = read_guest("hello.elf");
    if (!image) {
        return;
    }
    g_autoptr(GError) err = NULL;
    Guest g;
    guest_start(&g, image, NULL);
    /* Execute from an address with no memory behind it: KVM cannot fetch the code. */
    X86BootEntry entry = {.mode = X86_BOOT_MODE_PVH,
                          .rip = 0x40000000,
                          .gdt_base = X86_BOOT_GDT_ADDR,
                          .gdt_limit = 47};
    g_assert_true(kvm_vcpu_set_boot_entry(g.vcpu, &entry, &err));
    KvmVcpuExit exit = guest_run(&g, &err);
    g_test_message("exit: %s: %s", kvm_vcpu_exit_name(exit), err ? err->message : "-");
    g_assert_cmpint(exit, ==, KVM_VCPU_EXIT_ERROR);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "vCPU 0"));
    guest_stop(&g);
}

static void test_speed_probe(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GError) err = NULL;
    double mips = 0;

    g_assert_true(kvm_measure_speed(NULL, 20000, &mips, &err));
    g_assert_no_error(err);
    g_assert_cmpfloat(mips, >, 0);
    g_test_message("guest speed: %.2f MIPS", mips);

    g_autofree char *reason = NULL;
    g_assert_false(kvm_fast_enough(1e12, &reason));
    g_assert_nonnull(strstr(reason, "MIPS"));

    g_assert_false(kvm_measure_speed("/nonexistent/kvm", 1000, &mips, &err));
    g_assert_nonnull(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/run/pvh-hello", test_hello);
    g_test_add_func("/kvm/run/pvh-cmdline", test_cmdline);
    g_test_add_func("/kvm/run/exit-then-resume", test_exit_then_resume);
    g_test_add_func("/kvm/run/triple-fault-resets", test_triple_fault);
    g_test_add_func("/kvm/run/linux64-entry", test_linux64_entry);
    g_test_add_func("/kvm/run/kick", test_kick);
    g_test_add_func("/kvm/run/lapic-timer", test_lapic_timer);
    g_test_add_func("/kvm/run/ioapic-irq", test_ioapic_irq);
    g_test_add_func("/kvm/run/string-io", test_string_io);
    g_test_add_func("/kvm/run/mmio-and-rom", test_mmio_and_rom);
    g_test_add_func("/kvm/run/smp-startup", test_smp_startup);
    g_test_add_func("/kvm/run/bad-entry-error", test_bad_entry_is_an_error);
    g_test_add_func("/kvm/run/speed-probe", test_speed_probe);
    return g_test_run();
}

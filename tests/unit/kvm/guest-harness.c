/*
 * The KVM test harness: see guest-harness.h.
 */
#include "guest-harness.h"

#include "kvm/x86-boot.h"

#include <string.h>
#include <sys/mman.h>

static void guest_pio(void *opaque, uint16_t port, unsigned size, uint32_t count, bool is_write,
                      uint8_t *data)
{
    Guest *g = opaque;

    if (port == UART_THR && is_write && size == 1) {
        g_mutex_lock(&g->lock);
        g_string_append_len(g->out, (const char *)data, count);
        g_mutex_unlock(&g->lock);
    } else if (port == UART_LSR && !is_write && size == 1) {
        memset(data, LSR_THR_EMPTY, count);
    } else if (port == DEBUG_EXIT_PORT && is_write) {
        g->exit_code = data[0];
        /* Like a machine powering off: no further guest instruction runs. */
        kvm_vcpu_kick(g->vcpu);
    } else if (port == RAISE_IRQ_PORT && is_write) {
        /* An edge, as an ISA device raises it: from the vCPU thread, like device code. */
        g_assert_true(kvm_vm_set_irq(g->vm, RAISE_IRQ_GSI, true, NULL));
        g_assert_true(kvm_vm_set_irq(g->vm, RAISE_IRQ_GSI, false, NULL));
    } else {
        g->stray_pio++;
        if (!is_write) {
            memset(data, 0xff, (size_t)size * count);
        }
    }
}

static void guest_mmio(void *opaque, uint64_t addr, unsigned len, bool is_write, uint8_t *data)
{
    Guest *g = opaque;

    if (is_write) {
        MmioWrite w = {.addr = addr, .len = len};
        memcpy(&w.value, data, len);
        g_array_append_val(g->mmio_writes, w);
        return;
    }
    g->mmio_reads++;
    uint32_t value = addr == MMIO_BASE + 8 && len == 4 ? MMIO_READ_VALUE : 0xffffffff;
    memcpy(data, &value, MIN(len, sizeof(value)));
}

static const KvmVcpuOps guest_ops = {.pio = guest_pio, .mmio = guest_mmio};

bool kvm_usable_or_skip(void)
{
    KvmProbeResult probe;

    kvm_probe(NULL, &probe);
    bool usable = probe.usable;
    if (!usable) {
        g_autofree char *msg = g_strdup_printf("KVM unusable: %s", probe.reason);
        g_test_skip(msg);
    }
    kvm_probe_result_clear(&probe);
    return usable;
}

static char *guest_file(const char *name)
{
    const char *dir = g_getenv("HULL_X86_GUEST_DIR");

    return dir ? g_build_filename(dir, name, NULL) : NULL;
}

GBytes *read_guest(const char *name)
{
    g_autofree char *path = guest_file(name);
    g_autoptr(GError) err = NULL;
    char *data;
    gsize len;

    if (!path) {
        g_test_skip("HULL_X86_GUEST_DIR is not set (run through meson test)");
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &err)) {
        g_test_skip(err->message);
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

void guest_start(Guest *g, GBytes *image, const char *cmdline)
{
    guest_start_cpus(g, image, cmdline, 1);
}

void guest_start_cpus(Guest *g, GBytes *image, const char *cmdline, unsigned cpus)
{
    KvmVmConfig topology = {.cores = cpus};

    g_autoptr(GError) err = NULL;

    memset(g, 0, sizeof(*g));
    g->exit_code = -1;
    g->out = g_string_new(NULL);
    g->mmio_writes = g_array_new(FALSE, FALSE, sizeof(MmioWrite));
    g_assert_cmpuint(cpus, <=, G_N_ELEMENTS(g->aps) + 1);
    g_mutex_init(&g->lock);
    g->vm = kvm_vm_create(&topology, &err);
    g_assert_no_error(err);
    g->ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(g->ram != MAP_FAILED);
    g_assert_true(kvm_vm_map_ram(g->vm, 0, GUEST_RAM_SIZE, g->ram, false, &err));
    g_assert_no_error(err);
    g->vcpu = kvm_vcpu_create(g->vm, 0, &guest_ops, g, &err);
    g_assert_no_error(err);
    for (unsigned i = 1; i < cpus; i++) {
        g->aps[g->n_aps++] = kvm_vcpu_create(g->vm, i, &guest_ops, g, &err);
        g_assert_no_error(err);
    }

    X86RamRange ram = {.gpa = 0, .size = GUEST_RAM_SIZE, .host = g->ram};
    X86E820Entry hole = {
        .addr = KVM_X86_RESERVED_BASE, .size = KVM_X86_RESERVED_SIZE, .type = X86_E820_RESERVED};
    X86BootConfig config = {
        .ram = &ram, .n_ram = 1, .reserved = &hole, .n_reserved = 1, .cmdline = cmdline};
    X86BootEntry entry;
    gsize size;
    const uint8_t *data = g_bytes_get_data(image, &size);
    g_assert_true(x86_boot_load(data, size, &config, &entry, &err));
    g_assert_no_error(err);
    g_assert_true(kvm_vcpu_set_boot_entry(g->vcpu, &entry, &err));
    g_assert_no_error(err);
}

void guest_stop(Guest *g)
{
    for (unsigned i = 0; i < g->n_aps; i++) {
        kvm_vcpu_free(g->aps[i]);
    }
    g_clear_pointer(&g->vcpu, kvm_vcpu_free);
    g_clear_pointer(&g->vm, kvm_vm_free);
    munmap(g->ram, GUEST_RAM_SIZE);
    g_string_free(g->out, TRUE);
    g_array_unref(g->mmio_writes);
    g_mutex_clear(&g->lock);
}

KvmVcpuExit guest_run(Guest *g, GError **errp)
{
    for (int i = 0; i < 100; i++) {
        KvmVcpuExit exit = kvm_vcpu_run(g->vcpu, errp);
        if (exit != KVM_VCPU_EXIT_KICKED || g->exit_code >= 0) {
            return exit;
        }
    }
    g_error("the guest kept coming back without exiting");
}

/*
 * Tests for kvm/kvm.c and the vCPU setup in kvm/kvm-vcpu.c: probing, VM creation, memory
 * slots, IRQ lines, CPUID normalisation, reset state. Skipped where /dev/kvm is unusable.
 */
#include "guest-harness.h"
#include "util/error.h"

#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void test_probe_missing_device(void)
{
    KvmProbeResult probe;

    kvm_probe("/nonexistent/kvm", &probe);
    g_assert_false(probe.present);
    g_assert_false(probe.usable);
    g_assert_nonnull(strstr(probe.reason, "does not exist"));
    kvm_probe_result_clear(&probe);
    g_assert_null(probe.reason);
}

static void test_probe_not_a_device(void)
{
    KvmProbeResult probe;

    kvm_probe("/dev/null", &probe);
    g_assert_true(probe.present);
    g_assert_false(probe.usable);
    g_assert_nonnull(probe.reason);
    kvm_probe_result_clear(&probe);

    /* A regular file: present but not a device. */
    kvm_probe("/proc/self/status", &probe);
    g_assert_true(probe.present);
    g_assert_false(probe.usable);
    g_assert_nonnull(strstr(probe.reason, "not a character device"));
    kvm_probe_result_clear(&probe);
}

static void test_create_missing_device(void)
{
    g_autoptr(GError) err = NULL;
    KvmVmConfig config = {.device = "/nonexistent/kvm"};
    g_autoptr(KvmVm) vm = kvm_vm_create(&config, &err);

    g_assert_null(vm);
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "/nonexistent/kvm"));
}

static void test_create_wrong_device(void)
{
    g_autoptr(GError) err = NULL;
    KvmVmConfig config = {.device = "/dev/null"};
    g_autoptr(KvmVm) vm = kvm_vm_create(&config, &err);

    /* /dev/null answers no KVM ioctl: the API version check refuses it. */
    g_assert_null(vm);
    g_assert_nonnull(strstr(err->message, "not a KVM device"));
}

static void test_probe_host(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    KvmProbeResult probe;
    kvm_probe(NULL, &probe);
    g_assert_true(probe.present);
    g_assert_null(probe.reason);
    kvm_probe_result_clear(&probe);
}

static void *alloc_guest(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    g_assert(p != MAP_FAILED);
    return p;
}

static void test_memory_slots(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(KvmVm) vm = kvm_vm_create(NULL, &err);
    g_assert_no_error(err);
    uint8_t *ram = alloc_guest(0x40000);
    KvmRamSlot slot;

    g_assert_true(kvm_vm_map_ram(vm, 0, 0x10000, ram, false, &err));
    g_assert_no_error(err);
    g_assert_true(kvm_vm_map_ram(vm, 0x100000, 0x10000, ram + 0x10000, false, &err));
    g_assert_cmpuint(kvm_vm_ram_slot_count(vm), ==, 2);
    g_assert_true(kvm_vm_find_ram(vm, 0x100fff, &slot));
    g_assert_cmphex(slot.gpa, ==, 0x100000);
    g_assert_true(slot.host == ram + 0x10000);
    g_assert_false(kvm_vm_find_ram(vm, 0x10000, &slot));

    /* Overlaps, misalignment, empty and wrapping ranges are refused and change nothing. */
    g_assert_false(kvm_vm_map_ram(vm, 0xf000, 0x2000, ram + 0x20000, false, &err));
    g_assert_nonnull(strstr(err->message, "overlaps"));
    g_clear_error(&err);
    g_assert_false(kvm_vm_map_ram(vm, 0x200800, 0x1000, ram + 0x20000, false, &err));
    g_assert_nonnull(strstr(err->message, "aligned"));
    g_clear_error(&err);
    g_assert_false(kvm_vm_map_ram(vm, 0x200000, 0x1000, ram + 0x20010, false, &err));
    g_clear_error(&err);
    g_assert_false(kvm_vm_map_ram(vm, 0x200000, 0, ram, false, &err));
    g_clear_error(&err);
    g_assert_false(kvm_vm_map_ram(vm, 0xfffffffffffff000ull, 0x2000, ram, false, &err));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_vm_ram_slot_count(vm), ==, 2);

    /* Unmap and remap name a mapped range exactly. */
    g_assert_false(kvm_vm_unmap_ram(vm, 0, 0x8000, &err));
    g_assert_nonnull(strstr(err->message, "exactly"));
    g_clear_error(&err);
    g_assert_true(kvm_vm_remap_ram(vm, 0x100000, 0x10000, ram + 0x30000, true, &err));
    g_assert_no_error(err);
    g_assert_true(kvm_vm_find_ram(vm, 0x100000, &slot));
    g_assert_true(slot.readonly);
    g_assert_true(slot.host == ram + 0x30000);
    g_assert_true(kvm_vm_unmap_ram(vm, 0, 0x10000, &err));
    g_assert_cmpuint(kvm_vm_ram_slot_count(vm), ==, 1);
    g_assert_false(kvm_vm_find_ram(vm, 0, &slot));
    /* The freed slot is reused. */
    g_assert_true(kvm_vm_map_ram(vm, 0, 0x20000, ram, false, &err));
    g_assert_true(kvm_vm_find_ram(vm, 0x1000, &slot));
    g_assert_cmpuint(slot.slot, <, 2);

    /* The raw call checks the slot number against KVM's limit. */
    g_assert_false(kvm_set_memory_region(vm, 1u << 20, 0x400000, 0x1000, ram, false, &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_clear_error(&err);
    munmap(ram, 0x40000);
}

static void test_irq_lines(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GError) err = NULL;
    g_autoptr(KvmVm) vm = kvm_vm_create(NULL, &err);
    g_assert_no_error(err);

    g_assert_true(kvm_vm_set_irq(vm, 4, true, &err));
    g_assert_true(kvm_vm_set_irq(vm, 4, false, &err));
    g_assert_no_error(err);
    int efd = eventfd(0, EFD_CLOEXEC);
    g_assert_cmpint(efd, >=, 0);
    g_assert_true(kvm_vm_irqfd_add(vm, efd, 5, &err));
    g_assert_no_error(err);
    /* The same eventfd twice is refused by KVM. */
    g_assert_false(kvm_vm_irqfd_add(vm, efd, 5, &err));
    g_clear_error(&err);
    g_assert_true(kvm_vm_irqfd_remove(vm, efd, 5, &err));
    g_assert_no_error(err);
    g_assert_false(kvm_vm_irqfd_add(vm, -1, 5, &err));
    g_clear_error(&err);
    close(efd);
}

/* A host-like supported table: vendor, leaf 1, leaf 4 (L1 and L3), 0xB, KVM leaves. */
static struct kvm_cpuid2 *fake_supported(bool amd)
{
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + 16 * sizeof(struct kvm_cpuid_entry2));
    struct kvm_cpuid_entry2 *e = c->entries;

    e[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 0x1f};
    if (amd) {
        e[0].ebx = 0x68747541;
        e[0].edx = 0x69746e65;
        e[0].ecx = 0x444d4163;
    }
    e[1] = (struct kvm_cpuid_entry2){.function = 1, .eax = 0x800f12, .ebx = 0xff000800};
    e[2] = (struct kvm_cpuid_entry2){
        .function = 4, .index = 0, .eax = 0x121, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX};
    e[3] = (struct kvm_cpuid_entry2){
        .function = 4, .index = 1, .eax = 0x163, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX};
    e[4] = (struct kvm_cpuid_entry2){
        .function = 0xb, .index = 0, .eax = 7, .edx = 99, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX};
    e[5] = (struct kvm_cpuid_entry2){.function = 0x40000001, .eax = 0x1234};
    e[6] = (struct kvm_cpuid_entry2){.function = 0x80000008, .ecx = 0xffff};
    e[7] = (struct kvm_cpuid_entry2){.function = 0x8000001e, .eax = 77};
    c->nent = 8;
    return c;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function == fn && c->entries[i].index == idx) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static void test_cpuid_normalise(void)
{
    g_autofree struct kvm_cpuid2 *supported = fake_supported(true);
    KvmVmConfig topo = {.sockets = 2, .cores = 3, .threads = 2};

    /* 3 cores need 2 bits, 2 threads 1 bit: index 7 = socket 1, core 0, thread 1. */
    g_assert_cmpuint(kvm_x86_apic_id(&topo, 7), ==, (1u << 3) | 1);
    g_assert_cmpuint(kvm_x86_apic_id(&topo, 5), ==, (2u << 1) | 1);

    g_autofree struct kvm_cpuid2 *c = kvm_x86_cpuid_for_vcpu(supported, &topo, 7);
    const struct kvm_cpuid_entry2 *e = find(c, 1, 0);
    g_assert_cmphex(e->ebx >> 24, ==, 9);
    g_assert_cmpuint((e->ebx >> 16) & 0xff, ==, 8);
    g_assert_cmphex(e->ebx & 0xffff, ==, 0x0800);
    g_assert_true(e->ecx & (1u << 31));
    g_assert_true(e->edx & (1u << 28));

    e = find(c, 4, 0); /* L1: shared by the threads of a core */
    g_assert_cmpuint((e->eax >> 14) & 0xfff, ==, 1);
    g_assert_cmpuint(e->eax >> 26, ==, 3);
    e = find(c, 4, 1); /* L3: the package */
    g_assert_cmpuint((e->eax >> 14) & 0xfff, ==, 7);

    for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x1f - 0xb) {
        e = find(c, leaf, 0);
        g_assert_nonnull(e);
        g_assert_cmpuint(e->eax, ==, 1);
        g_assert_cmpuint(e->ebx, ==, 2);
        g_assert_cmphex(e->ecx, ==, 0x100);
        g_assert_cmpuint(e->edx, ==, 9);
        e = find(c, leaf, 1);
        g_assert_cmpuint(e->eax, ==, 3);
        g_assert_cmpuint(e->ebx, ==, 6);
        g_assert_cmphex(e->ecx, ==, 0x201);
        e = find(c, leaf, 2);
        g_assert_cmphex(e->ecx, ==, 0x2);
        g_assert_cmpuint(e->ebx, ==, 0);
    }

    e = find(c, 0x40000000, 0);
    g_assert_cmphex(e->eax, ==, 0x40000001);
    char sig[13] = {0};
    memcpy(sig, &e->ebx, 4);
    memcpy(sig + 4, &e->ecx, 4);
    memcpy(sig + 8, &e->edx, 4);
    g_assert_cmpstr(sig, ==, "KVMKVMKVM");
    e = find(c, 0x40000001, 0);
    g_assert_cmphex(e->eax, ==, 0x1234);

    e = find(c, 0x80000008, 0);
    g_assert_cmphex(e->ecx & 0xff, ==, 5);
    g_assert_cmphex((e->ecx >> 12) & 0xf, ==, 3);
    e = find(c, 0x8000001e, 0);
    g_assert_cmpuint(e->eax, ==, 9);

    /* A single CPU clears HTT. */
    KvmVmConfig one = {0};
    g_autofree struct kvm_cpuid2 *single = kvm_x86_cpuid_for_vcpu(supported, &one, 0);
    g_assert_false(find(single, 1, 0)->edx & (1u << 28));
    g_assert_cmpuint(find(single, 1, 0)->ebx >> 24, ==, 0);
}

static void test_vcpu_reset_state(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    g_autoptr(GError) err = NULL;
    KvmVmConfig config = {.cores = 2};
    g_autoptr(KvmVm) vm = kvm_vm_create(&config, &err);
    g_assert_no_error(err);

    g_autoptr(KvmVcpu) bsp = kvm_vcpu_create(vm, 0, NULL, NULL, &err);
    g_assert_no_error(err);
    g_autoptr(KvmVcpu) ap = kvm_vcpu_create(vm, 1, NULL, NULL, &err);
    g_assert_no_error(err);
    g_assert_null(kvm_vcpu_create(vm, 2, NULL, NULL, &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_clear_error(&err);

    struct kvm_sregs sregs;
    struct kvm_regs regs;
    g_assert_true(kvm_vcpu_get_sregs(bsp, &sregs, &err));
    g_assert_true(kvm_vcpu_get_regs(bsp, &regs, &err));
    g_assert_cmphex(sregs.cs.selector, ==, 0xf000);
    g_assert_cmphex(sregs.cs.base, ==, 0xffff0000);
    g_assert_cmphex(regs.rip, ==, 0xfff0);
    g_assert_cmphex(regs.rflags, ==, 2);
    g_assert_cmphex(sregs.cr0 & 1, ==, 0);
    g_assert_cmphex(sregs.apic_base, ==, 0xfee00900);
    g_assert_true(kvm_vcpu_get_sregs(ap, &sregs, &err));
    g_assert_cmphex(sregs.apic_base, ==, 0xfee00800);
    g_assert_cmpuint(kvm_vcpu_apic_id(ap), ==, 1);

    struct kvm_mp_state mp;
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(ap), KVM_GET_MP_STATE, &mp), ==, 0);
    g_assert_cmpuint(mp.mp_state, ==, KVM_MP_STATE_UNINITIALIZED);

    /* A guest's LAPIC programming does not survive a reset. */
    struct kvm_lapic_state lapic;
    uint32_t v;
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(bsp), KVM_GET_LAPIC, &lapic), ==, 0);
    v = 0x1ff;
    memcpy(&lapic.regs[0xf0], &v, 4);
    v = 0x40;
    memcpy(&lapic.regs[0x320], &v, 4);
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(bsp), KVM_SET_LAPIC, &lapic), ==, 0);
    g_assert_true(kvm_vcpu_reset(bsp, &err));
    g_assert_no_error(err);
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(bsp), KVM_GET_LAPIC, &lapic), ==, 0);
    memcpy(&v, &lapic.regs[0xf0], 4);
    g_assert_cmphex(v, ==, 0xff);
    memcpy(&v, &lapic.regs[0x320], 4);
    g_assert_cmphex(v, ==, 0x10000);
    memcpy(&v, &lapic.regs[0x350], 4);
    g_assert_cmphex(v, ==, 0x700); /* BSP LINT0: ExtINT */
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(ap), KVM_GET_LAPIC, &lapic), ==, 0);
    memcpy(&v, &lapic.regs[0x20], 4);
    g_assert_cmphex(v >> 24, ==, 1);
    memcpy(&v, &lapic.regs[0x350], 4);
    g_assert_cmphex(v, ==, 0x10000);

    /* What the guest sees through CPUID: its APIC ID and the hypervisor leaves. */
    struct {
        struct kvm_cpuid2 hdr;
        struct kvm_cpuid_entry2 e[256];
    } got = {.hdr.nent = 256};
    g_assert_cmpint(ioctl(kvm_vcpu_get_fd(ap), KVM_GET_CPUID2, &got), ==, 0);
    const struct kvm_cpuid_entry2 *leaf1 = find(&got.hdr, 1, 0);
    g_assert_cmpuint(leaf1->ebx >> 24, ==, 1);
    g_assert_true(leaf1->ecx & (1u << 31));
    g_assert_nonnull(find(&got.hdr, 0x40000000, 0));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/probe/missing-device", test_probe_missing_device);
    g_test_add_func("/kvm/probe/not-a-device", test_probe_not_a_device);
    g_test_add_func("/kvm/probe/host", test_probe_host);
    g_test_add_func("/kvm/vm/create-missing-device", test_create_missing_device);
    g_test_add_func("/kvm/vm/create-wrong-device", test_create_wrong_device);
    g_test_add_func("/kvm/vm/memory-slots", test_memory_slots);
    g_test_add_func("/kvm/vm/irq-lines", test_irq_lines);
    g_test_add_func("/kvm/vcpu/cpuid-normalise", test_cpuid_normalise);
    g_test_add_func("/kvm/vcpu/reset-state", test_vcpu_reset_state);
    return g_test_run();
}

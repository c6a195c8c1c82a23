/*
 * The KVM virtual machine for x86-64 guests: probing /dev/kvm, capability checks, the
 * VM file descriptor with its in-kernel irqchip and PIT, guest memory slots, IRQ lines.
 */
#ifndef HULL_KVM_KVM_H
#define HULL_KVM_KVM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define KVM_DEVICE_PATH "/dev/kvm"

/*
 * Guest-physical pages the VM itself needs below 4 GiB (VMX uses them for the real-mode
 * TSS and the identity map of unpaged protected mode). The board keeps this hole out of
 * RAM and MMIO and lists it as reserved in the guest's memory map.
 */
#define KVM_X86_IDENTITY_MAP_ADDR 0xfeffc000ull /* one page */
#define KVM_X86_TSS_ADDR          0xfeffd000ull /* three pages */
#define KVM_X86_RESERVED_BASE     KVM_X86_IDENTITY_MAP_ADDR
#define KVM_X86_RESERVED_SIZE     0x4000ull

/* What query-accels / query-kvm report about the host's KVM. */
typedef struct KvmProbeResult {
    bool present; /* the device node exists */
    bool usable;  /* it opens, speaks API 12, has every capability Hull needs, makes a VM */
    char *reason; /* why not usable (NULL when usable) */
} KvmProbeResult;

/* Probes `path` (NULL: KVM_DEVICE_PATH). Never fails; the result says what works. */
void kvm_probe(const char *path, KvmProbeResult *result);
void kvm_probe_result_clear(KvmProbeResult *result);

typedef struct KvmVm KvmVm;

typedef struct KvmVmConfig {
    const char *device; /* NULL: KVM_DEVICE_PATH */
    /* Topology used for APIC IDs and CPUID (zero means 1). */
    uint32_t sockets;
    uint32_t cores;   /* per socket */
    uint32_t threads; /* per core */
} KvmVmConfig;

/*
 * Opens the device, checks the API version and every capability used (a missing one is
 * HULL_ERROR_KVM_MISSING_CAP naming it), creates the VM, places the TSS and identity map
 * at KVM_X86_TSS_ADDR / KVM_X86_IDENTITY_MAP_ADDR and creates the in-kernel irqchip
 * (PIC, IOAPIC, LAPICs) and PIT. vCPUs are created afterwards (kvm-vcpu.h).
 */
KvmVm *kvm_vm_create(const KvmVmConfig *config, GError **errp);
/* Frees the VM; every vCPU must be freed first. */
void kvm_vm_free(KvmVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KvmVm, kvm_vm_free)

int kvm_vm_get_fd(const KvmVm *vm);
const KvmVmConfig *kvm_vm_get_config(const KvmVm *vm);
/* sockets * cores * threads */
uint32_t kvm_vm_max_cpus(const KvmVm *vm);

/*
 * Drives interrupt line `gsi` of the in-kernel irqchip (0-15: PIC and IOAPIC, 16-23:
 * IOAPIC) to `level`. Edge-triggered devices pulse it (true then false).
 */
bool kvm_vm_set_irq(KvmVm *vm, uint32_t gsi, bool level, GError **errp);

/*
 * Lets a device raise `gsi` by writing to an eventfd, without a trip through the vCPU or
 * main thread (edge semantics: each write is a pulse).
 */
bool kvm_vm_irqfd_add(KvmVm *vm, int eventfd, uint32_t gsi, GError **errp);
bool kvm_vm_irqfd_remove(KvmVm *vm, int eventfd, uint32_t gsi, GError **errp);

/*
 * Guest memory. The raw call sets slot `slot` (size 0 deletes it). Everything must be
 * page aligned; `readonly` needs KVM_CAP_READONLY_MEM (guest writes then exit as MMIO).
 * The allocator below owns slot numbers: a VM uses either it or the raw call, not both.
 */
bool kvm_set_memory_region(KvmVm *vm, uint32_t slot, uint64_t guest_phys, uint64_t size,
                           void *host_ptr, bool readonly, GError **errp);

/*
 * The slot allocator, keyed by guest-physical range: what an engine MemoryListener calls
 * from region_add / region_del for RAM and ROM sections (section->gpa, ->size, ->host,
 * ->readonly). Ranges must not overlap a mapped one; unmap and remap name an existing
 * range exactly. Remap changes the host memory or read-only flag of a range (KVM cannot
 * change them in place, so it deletes and re-creates the slot: a vCPU touching the range
 * in between sees an MMIO exit, as it would between a listener's region_del and
 * region_add). Main thread only, under the engine lock; vCPUs may keep running.
 */
bool kvm_vm_map_ram(KvmVm *vm, uint64_t gpa, uint64_t size, void *host, bool readonly,
                    GError **errp);
bool kvm_vm_unmap_ram(KvmVm *vm, uint64_t gpa, uint64_t size, GError **errp);
bool kvm_vm_remap_ram(KvmVm *vm, uint64_t gpa, uint64_t size, void *host, bool readonly,
                      GError **errp);

typedef struct KvmRamSlot {
    uint32_t slot;
    uint64_t gpa;
    uint64_t size;
    void *host;
    bool readonly;
} KvmRamSlot;

/* The mapped range containing `gpa`, if any. */
bool kvm_vm_find_ram(const KvmVm *vm, uint64_t gpa, KvmRamSlot *out);
/* Number of slots in use. */
uint32_t kvm_vm_ram_slot_count(const KvmVm *vm);

#endif

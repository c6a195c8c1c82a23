/*
 * KVM vCPUs for x86-64: creation, CPUID/MSR/FPU setup, reset and boot register state,
 * the KVM_RUN loop with exits dispatched to callbacks, and kicking a running vCPU.
 */
#ifndef HULL_KVM_KVM_VCPU_H
#define HULL_KVM_KVM_VCPU_H

#include "kvm/kvm.h"
#include "kvm/x86-boot.h"

#include <linux/kvm.h>
#include <signal.h>

/*
 * The signal that kicks a vCPU thread out of KVM_RUN. Its handler (installed once,
 * without SA_RESTART) does nothing; the signal is blocked in a vCPU thread except inside
 * KVM_RUN (KVM_SET_SIGNAL_MASK), and a pending one is consumed after KVM_RUN returns.
 */
#define KVM_KICK_SIGNAL SIGUSR1

typedef struct KvmVcpu KvmVcpu;

/*
 * Exits the run loop hands to the machine. Both run on the vCPU thread, without any lock
 * taken by kvm/; `data` is the kernel's buffer:
 *  - pio: `count` (>1 for string I/O) accesses of `size` bytes (1, 2, 4) at `port`; for
 *    an IN the callback fills size * count bytes, for an OUT it reads them.
 *  - mmio: one access of `len` bytes (1..8) at guest-physical `addr`.
 * A NULL callback makes reads return all-ones and writes be dropped, as an empty bus.
 * A callback that wants the loop to return (e.g. the guest asked to power off) calls
 * kvm_vcpu_kick() on its own vCPU: the access completes and kvm_vcpu_run() returns
 * KVM_VCPU_EXIT_KICKED before any further guest instruction runs.
 */
typedef struct KvmVcpuOps {
    void (*pio)(void *opaque, uint16_t port, unsigned size, uint32_t count, bool is_write,
                uint8_t *data);
    void (*mmio)(void *opaque, uint64_t addr, unsigned len, bool is_write, uint8_t *data);
} KvmVcpuOps;

typedef enum KvmVcpuExit {
    KVM_VCPU_EXIT_KICKED,   /* kvm_vcpu_kick() was called (before or during the run) */
    KVM_VCPU_EXIT_HALTED,   /* HLT that the kernel did not handle itself */
    KVM_VCPU_EXIT_RESET,    /* triple fault, or the guest asked for a reset */
    KVM_VCPU_EXIT_SHUTDOWN, /* the guest asked to power off */
    KVM_VCPU_EXIT_CRASH,    /* the guest reported a crash */
    KVM_VCPU_EXIT_ERROR,    /* KVM could not run the vCPU; errp says why */
} KvmVcpuExit;

const char *kvm_vcpu_exit_name(KvmVcpuExit exit);

/* The APIC ID of CPU `index` (0-based) in the VM's socket/core/thread topology. */
uint32_t kvm_x86_apic_id(const KvmVmConfig *topology, uint32_t index);

/*
 * The CPUID table vCPU `index` gets: the host's supported leaves with its APIC ID (leaf
 * 1, 0xB, 0x1F, AMD 0x8000001E), the topology (leaves 1, 4, 0xB, 0x1F, 0x80000008), the
 * hypervisor bit and KVM's signature leaves. Free with g_free().
 */
struct kvm_cpuid2 *kvm_x86_cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
                                          const KvmVmConfig *topology, uint32_t index);

/*
 * Creates vCPU `index` (< kvm_vm_max_cpus()), maps its kvm_run area, sets its CPUID and
 * puts it in the architectural reset state. `ops` and `opaque` serve its exits.
 */
KvmVcpu *kvm_vcpu_create(KvmVm *vm, uint32_t index, const KvmVcpuOps *ops, void *opaque,
                         GError **errp);
void kvm_vcpu_free(KvmVcpu *vcpu);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KvmVcpu, kvm_vcpu_free)

KvmVm *kvm_vcpu_get_vm(const KvmVcpu *vcpu);
uint32_t kvm_vcpu_index(const KvmVcpu *vcpu);
uint32_t kvm_vcpu_apic_id(const KvmVcpu *vcpu);
int kvm_vcpu_get_fd(const KvmVcpu *vcpu);

/*
 * Power-on state (Intel SDM "Processor state following power-up"): real mode at
 * F000:FFF0, FPU/SSE/XSAVE init state, XCR0 = 1, reset MSR values, APIC enabled at
 * 0xfee00000 with its registers reset (vCPU 0 in virtual-wire mode); vCPU 0 runnable, the
 * others waiting for INIT/SIPI. The vCPU must not be running (the engine parks it first).
 */
bool kvm_vcpu_reset(KvmVcpu *vcpu, GError **errp);

/* After a reset: the entry state a loader asked for (x86-boot.h), on the boot vCPU. */
bool kvm_vcpu_set_boot_entry(KvmVcpu *vcpu, const X86BootEntry *entry, GError **errp);

/*
 * Runs the vCPU on the calling thread until something the caller must handle; port and
 * MMIO exits are served through the ops inside. The engine calls it in a loop on the
 * vCPU's thread, without the engine lock.
 */
KvmVcpuExit kvm_vcpu_run(KvmVcpu *vcpu, GError **errp);

/*
 * Makes kvm_vcpu_run() return KVM_VCPU_EXIT_KICKED promptly, from any thread (or from a
 * callback on the vCPU's own thread). A kick while the vCPU is not in kvm_vcpu_run()
 * stays pending and makes the next call return at once.
 */
void kvm_vcpu_kick(KvmVcpu *vcpu);

/* Register access for tests, debugging and the engine's query commands. */
bool kvm_vcpu_get_regs(KvmVcpu *vcpu, struct kvm_regs *regs, GError **errp);
bool kvm_vcpu_get_sregs(KvmVcpu *vcpu, struct kvm_sregs *sregs, GError **errp);

#endif

/*
 * The "kvm" accelerator: AccelOps over kvm/kvm.c and kvm/kvm-vcpu.c. Memory slots follow
 * the engine's flat view, port and MMIO exits go to the engine's address spaces, and
 * what a vCPU cannot handle itself (triple fault, KVM errors) goes to the machine.
 */
#include "config-host.h"
#include "engine/accel.h"
#include "engine/cpu.h"
#include "engine/irq.h"
#include "engine/machine.h"
#include "kvm/kvm-sandbox.h"
#include "kvm/kvm-vcpu.h"
#include "kvm/kvm.h"
#include "util/error.h"
#include "util/log.h"

#include <inttypes.h>
#include <string.h>
#include <sys/prctl.h>

/* GSIs of the in-kernel irqchip: 0-15 reach the PIC and the IOAPIC, 16-23 the IOAPIC. */
#define KVM_ACCEL_NR_GSIS 24

typedef struct KvmAccel {
    KvmVm *vm;
    IrqLine *gsi[KVM_ACCEL_NR_GSIS];
    /* The first guest RAM range KVM could not map; vCPUs refuse to start while set. */
    GError *map_error;
} KvmAccel;

static KvmAccel *kvm_accel_of(AccelState *accel)
{
    return accel->opaque;
}

static bool kvm_accel_probe(char **reason)
{
    KvmProbeResult result = {0};
    bool usable;

    kvm_probe(NULL, &result);
    usable = result.usable;
    if (!usable) {
        *reason = g_steal_pointer(&result.reason);
    }
    kvm_probe_result_clear(&result);
    return usable;
}

/* Main thread or a vCPU thread, engine lock held: a device moved its interrupt line. */
static void kvm_accel_set_gsi(void *opaque, unsigned gsi, bool level)
{
    KvmAccel *ka = opaque;
    g_autoptr(GError) err = NULL;

    if (!kvm_vm_set_irq(ka->vm, gsi, level, &err)) {
        hull_error("kvm", "GSI %u: %s", gsi, err->message);
    }
}

static bool kvm_accel_init_machine(AccelState *accel, GError **errp)
{
    MachineState *ms = machine_get();
    KvmVmConfig config = {
        .sockets = 1,
        .cores = ms && ms->ncpus ? (uint32_t)ms->ncpus : 1,
        .threads = 1,
    };
    KvmAccel *ka;
    KvmVm *vm;

    if (ms && ms->ncpus > 255) {
        return hull_error_setg(errp, "KVM on this board supports up to 255 vCPUs, not %" PRIu64,
                               ms->ncpus);
    }
    vm = kvm_vm_create(&config, errp);
    if (!vm) {
        return false;
    }
    ka = g_new0(KvmAccel, 1);
    ka->vm = vm;
    for (unsigned i = 0; i < KVM_ACCEL_NR_GSIS; i++) {
        ka->gsi[i] = irq_line_new(kvm_accel_set_gsi, ka, i);
    }
    accel->opaque = ka;
    return true;
}

static void kvm_accel_cleanup_machine(AccelState *accel)
{
    KvmAccel *ka = kvm_accel_of(accel);

    if (!ka) {
        return;
    }
    for (unsigned i = 0; i < KVM_ACCEL_NR_GSIS; i++) {
        irq_line_free(ka->gsi[i]);
    }
    kvm_vm_free(ka->vm);
    g_clear_error(&ka->map_error);
    g_free(ka);
    accel->opaque = NULL;
}

static IrqLine *kvm_accel_irqchip_input(AccelState *accel, unsigned n)
{
    KvmAccel *ka = kvm_accel_of(accel);

    return ka && n < KVM_ACCEL_NR_GSIS ? ka->gsi[n] : NULL;
}

/*
 * Memory slots. RAM and ROM sections become slots (ROM read-only: guest writes exit as
 * MMIO and are dropped by the engine); MMIO sections stay unmapped so that accesses exit.
 * A RAM section KVM cannot map (not page aligned, no slot left) is an error that
 * create_vcpu reports: the guest would otherwise run with RAM it cannot execute from.
 */
static bool kvm_accel_section_is_ram(const MemorySection *s)
{
    return s->host != NULL;
}

static bool kvm_accel_section_aligned(const MemorySection *s)
{
    uint64_t page = 4096;

    return !(s->gpa % page) && !(s->size % page) && !((uintptr_t)s->host % page);
}

static void kvm_accel_map_failed(KvmAccel *ka, GError *err)
{
    hull_error("kvm", "%s", err->message);
    if (!ka->map_error) {
        ka->map_error = err;
    } else {
        g_error_free(err);
    }
}

static void kvm_accel_region_add(AccelState *accel, const MemorySection *s)
{
    KvmAccel *ka = kvm_accel_of(accel);
    g_autoptr(GError) err = NULL;

    if (!kvm_accel_section_is_ram(s)) {
        return;
    }
    if (!kvm_accel_section_aligned(s)) {
        kvm_accel_map_failed(ka, g_error_new(HULL_ERROR, HULL_ERROR_GENERIC,
                                             "KVM cannot map %s at 0x%" PRIx64 " (+0x%" PRIx64
                                             "): guest RAM must be page aligned",
                                             memory_region_name(s->mr), s->gpa, s->size));
        return;
    }
    if (!kvm_vm_map_ram(ka->vm, s->gpa, s->size, s->host, s->readonly, &err)) {
        kvm_accel_map_failed(ka, g_error_new(HULL_ERROR, HULL_ERROR_GENERIC,
                                             "KVM cannot map %s at 0x%" PRIx64 ": %s",
                                             memory_region_name(s->mr), s->gpa, err->message));
    }
}

static void kvm_accel_region_del(AccelState *accel, const MemorySection *s)
{
    KvmAccel *ka = kvm_accel_of(accel);
    g_autoptr(GError) err = NULL;
    KvmRamSlot slot;

    if (!kvm_accel_section_is_ram(s) || !kvm_vm_find_ram(ka->vm, s->gpa, &slot) ||
        slot.gpa != s->gpa || slot.size != s->size) {
        return; /* never mapped (MMIO, or refused by region_add) */
    }
    if (!kvm_vm_unmap_ram(ka->vm, s->gpa, s->size, &err)) {
        hull_error("kvm", "cannot unmap %s at 0x%" PRIx64 ": %s", memory_region_name(s->mr), s->gpa,
                   err->message);
    }
}

/* --- vCPUs --- */

static KvmVcpu *kvm_vcpu_of(CPUState *cpu)
{
    return cpu->accel_data;
}

/* On the vCPU thread, no lock: dispatch takes the engine lock for device callbacks. */
static void kvm_accel_pio(void *opaque, uint16_t port, unsigned size, uint32_t count, bool is_write,
                          uint8_t *data)
{
    CPUState *cpu = opaque;
    AddressSpace *io = cpu->accel->io_as;

    for (uint32_t i = 0; i < count; i++, data += size) {
        if (!io) {
            if (!is_write) {
                memset(data, 0xff, size);
            }
            continue;
        }
        /* Unassigned ports read as all-ones and drop writes, as on a PC's ISA bus. */
        address_space_access(io, port, data, size, is_write);
    }
}

static void kvm_accel_mmio(void *opaque, uint64_t addr, unsigned len, bool is_write, uint8_t *data)
{
    CPUState *cpu = opaque;
    AddressSpace *as = cpu->accel->as;

    if (len == 1 || len == 2 || len == 4 || len == 8) {
        address_space_access(as, addr, data, len, is_write);
    } else if (is_write) {
        address_space_write(as, addr, data, len);
    } else {
        address_space_read(as, addr, data, len);
    }
}

static const KvmVcpuOps kvm_accel_vcpu_ops = {
    .pio = kvm_accel_pio,
    .mmio = kvm_accel_mmio,
};

/* Whether this process runs under a seccomp filter (hulld's sandbox is on). */
static bool kvm_accel_process_sandboxed(void)
{
    return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2;
}

/* Power-on state, then the loader's entry on the vCPU the board boots from. */
static bool kvm_accel_vcpu_reset_state(CPUState *cpu, KvmVcpu *vcpu, GError **errp)
{
    const X86CpuArch *arch = cpu->arch;

    if (!kvm_vcpu_reset(vcpu, errp)) {
        return false;
    }
    return !arch || !arch->boot || kvm_vcpu_set_boot_entry(vcpu, &arch->entry, errp);
}

static bool kvm_accel_create_vcpu(CPUState *cpu, GError **errp)
{
    KvmAccel *ka = kvm_accel_of(cpu->accel);
    g_autoptr(GError) err = NULL;
    KvmVcpu *vcpu;

    /* The board mapped its RAM before creating vCPUs (the main thread waits for us). */
    if (ka->map_error) {
        g_propagate_error(errp, g_error_copy(ka->map_error));
        return false;
    }
    vcpu = kvm_vcpu_create(ka->vm, cpu->index, &kvm_accel_vcpu_ops, cpu, errp);
    if (!vcpu) {
        return false;
    }
    cpu->accel_data = vcpu;
    if (!kvm_accel_vcpu_reset_state(cpu, vcpu, errp)) {
        cpu->accel_data = NULL;
        kvm_vcpu_free(vcpu);
        return false;
    }
    /* The vCPU thread's own allowlist stacks on hulld's sandbox; without that one (hulld
     * --sandbox=off) the vCPU threads are not filtered either. */
    if (kvm_accel_process_sandboxed() && !kvm_vcpu_sandbox_apply(vcpu, &err)) {
        hull_warn("kvm", "%s runs without its own seccomp filter: %s", cpu->name, err->message);
    }
    return true;
}

static void kvm_accel_destroy_vcpu(CPUState *cpu)
{
    KvmVcpu *vcpu = kvm_vcpu_of(cpu);

    cpu->accel_data = NULL;
    kvm_vcpu_free(vcpu);
}

static CpuExecResult kvm_accel_exec(CPUState *cpu)
{
    KvmVcpu *vcpu = kvm_vcpu_of(cpu);
    g_autoptr(GError) err = NULL;
    KvmVcpuExit exit;

    if (g_atomic_int_get(&cpu->exit_request)) {
        return CPU_EXEC_EXIT;
    }
    exit = kvm_vcpu_run(vcpu, &err);
    switch (exit) {
    case KVM_VCPU_EXIT_KICKED:
        return CPU_EXEC_EXIT;
    case KVM_VCPU_EXIT_HALTED:
        return CPU_EXEC_HALTED;
    /*
     * The machine acts on these from the main loop (set-action decides between reset,
     * shutdown and pause); until then this vCPU waits instead of re-entering a guest
     * that has nothing left to run. The reset or pause that follows wakes it.
     */
    case KVM_VCPU_EXIT_RESET:
        hull_info("kvm", "%s: the guest reset the machine (triple fault or reset event)",
                  cpu->name);
        machine_request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        return CPU_EXEC_HALTED;
    case KVM_VCPU_EXIT_SHUTDOWN:
        machine_request_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        return CPU_EXEC_HALTED;
    case KVM_VCPU_EXIT_CRASH:
        machine_request_panic();
        return CPU_EXEC_HALTED;
    case KVM_VCPU_EXIT_ERROR:
        break;
    }
    hull_error("kvm", "%s: %s", cpu->name, err ? err->message : "KVM_RUN failed");
    machine_report_internal_error(err ? err->message : "KVM_RUN failed");
    return CPU_EXEC_ERROR;
}

static void kvm_accel_kick_vcpu(CPUState *cpu)
{
    KvmVcpu *vcpu = kvm_vcpu_of(cpu);

    if (vcpu) {
        kvm_vcpu_kick(vcpu);
    }
}

static void kvm_accel_reset_vcpu(CPUState *cpu)
{
    g_autoptr(GError) err = NULL;
    KvmVcpu *vcpu = kvm_vcpu_of(cpu);

    if (vcpu && !kvm_accel_vcpu_reset_state(cpu, vcpu, &err)) {
        g_autofree char *reason = g_strdup_printf("%s: reset failed: %s", cpu->name, err->message);

        hull_error("kvm", "%s", reason);
        machine_report_internal_error(reason);
    }
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .description = "KVM: x86-64 guests on the host CPU through /dev/kvm",
    .probe = kvm_accel_probe,
    .init_machine = kvm_accel_init_machine,
    .cleanup_machine = kvm_accel_cleanup_machine,
    .region_add = kvm_accel_region_add,
    .region_del = kvm_accel_region_del,
    .create_vcpu = kvm_accel_create_vcpu,
    .destroy_vcpu = kvm_accel_destroy_vcpu,
    .exec = kvm_accel_exec,
    .kick_vcpu = kvm_accel_kick_vcpu,
    .reset_vcpu = kvm_accel_reset_vcpu,
    .irqchip_input = kvm_accel_irqchip_input,
};
ACCEL_REGISTER(kvm_accel_ops)

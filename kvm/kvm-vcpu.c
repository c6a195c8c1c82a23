/*
 * KVM x86 vCPUs: CPUID normalised per vCPU, reset and boot register state, the KVM_RUN
 * loop and its exits, and the kick protocol that gets a thread out of KVM_RUN.
 */
#include "kvm/kvm-vcpu.h"

#include "kvm/kvm-internal.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* MSR numbers (Intel SDM vol. 4; KVM's paravirtual ones from its API docs). */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_CR_PAT         0x277
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_KVM_WALL_CLOCK_NEW  0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN     0x4b564d02
#define MSR_KVM_STEAL_TIME      0x4b564d03
#define MSR_KVM_PV_EOI_EN       0x4b564d04

#define MISC_ENABLE_FAST_STRING (1ull << 0)
#define PAT_POWER_ON            0x0007040600070406ull
/* MTRRs enabled, default type write-back: what firmware leaves and a direct boot needs. */
#define MTRR_DEF_TYPE_WB_ENABLED ((1ull << 11) | 6)

/* Local APIC registers (SDM vol. 3, "Local APIC register address map"). */
#define APIC_REG_ID        0x20
#define APIC_REG_TPR       0x80
#define APIC_REG_LDR       0xd0
#define APIC_REG_DFR       0xe0
#define APIC_REG_SVR       0xf0
#define APIC_REG_ISR       0x100 /* ISR, TMR, IRR: 8 registers each, to 0x270 */
#define APIC_REG_IRR_END   0x280
#define APIC_REG_ESR       0x280
#define APIC_REG_ICR_LOW   0x300
#define APIC_REG_ICR_HIGH  0x310
#define APIC_REG_LVT_CMCI  0x2f0
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_LINT0 0x350
#define APIC_REG_LVT_LINT1 0x360
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_ICR 0x380
#define APIC_REG_TIMER_CCR 0x390
#define APIC_REG_TIMER_DCR 0x3e0
#define APIC_LVT_MASKED    (1u << 16)
#define APIC_DM_NMI        (4u << 8)
#define APIC_DM_EXTINT     (7u << 8)

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_BASE_BSP     (1ull << 8)
#define APIC_BASE_ENABLE  (1ull << 11)

#define CR0_PE   (1ull << 0)
#define CR0_ET   (1ull << 4)
#define CR0_NE   (1ull << 5)
#define CR0_WP   (1ull << 16)
#define CR0_NW   (1ull << 29)
#define CR0_CD   (1ull << 30)
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define CPUID_1_ECX_HYPERVISOR   (1u << 31)
#define CPUID_1_EDX_HTT          (1u << 28)
#define KVM_CPUID_SIGNATURE_LEAF 0x40000000
#define KVM_CPUID_FEATURES_LEAF  0x40000001

/* Offsets in the XSAVE area (SDM vol. 1, 13.4). */
#define XSAVE_FCW       0
#define XSAVE_MXCSR     24
#define XSAVE_XSTATE_BV 512
#define XSTATE_X87_SSE  0x3ull

struct KvmVcpu {
    KvmVm *vm;
    uint32_t index;
    uint32_t apic_id;
    int fd;
    struct kvm_run *run;
    size_t run_size;
    const KvmVcpuOps *ops;
    void *opaque;
    struct kvm_cpuid2 *cpuid;

    /* Kick protocol state, under kick_lock. */
    GMutex kick_lock;
    bool in_run;
    pthread_t thread;
    /* The thread whose signal mask was prepared for KVM_RUN. */
    bool mask_ready;
    pthread_t mask_thread;
};

const char *kvm_vcpu_exit_name(KvmVcpuExit exit)
{
    switch (exit) {
    case KVM_VCPU_EXIT_KICKED:
        return "kicked";
    case KVM_VCPU_EXIT_HALTED:
        return "halted";
    case KVM_VCPU_EXIT_RESET:
        return "reset requested";
    case KVM_VCPU_EXIT_SHUTDOWN:
        return "shutdown requested";
    case KVM_VCPU_EXIT_CRASH:
        return "guest crashed";
    case KVM_VCPU_EXIT_ERROR:
        return "error";
    }
    return "unknown";
}

/* ---------------------------------------------------------------------------------------
 * Topology and CPUID
 */

static uint32_t bits_for(uint32_t count)
{
    uint32_t bits = 0;

    while ((1u << bits) < count) {
        bits++;
    }
    return bits;
}

uint32_t kvm_x86_apic_id(const KvmVmConfig *topo, uint32_t index)
{
    uint32_t threads = MAX(topo->threads, 1u), cores = MAX(topo->cores, 1u);
    uint32_t thread_bits = bits_for(threads), core_bits = bits_for(cores);

    return (index / (cores * threads)) << (core_bits + thread_bits) |
           ((index / threads) % cores) << thread_bits | (index % threads);
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == function &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)) {
            return e;
        }
    }
    return NULL;
}

static void cpuid_remove(struct kvm_cpuid2 *c, uint32_t function)
{
    uint32_t out = 0;

    for (uint32_t i = 0; i < c->nent; i++) {
        if (c->entries[i].function != function) {
            c->entries[out++] = c->entries[i];
        }
    }
    c->nent = out;
}

static struct kvm_cpuid_entry2 *cpuid_add(struct kvm_cpuid2 *c, uint32_t function, uint32_t index,
                                          uint32_t flags)
{
    struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

    memset(e, 0, sizeof(*e));
    e->function = function;
    e->index = index;
    e->flags = flags;
    return e;
}

/* Leaves 0xB and 0x1F: SMT level, core level, then the terminating invalid level. */
static void cpuid_set_extended_topology(struct kvm_cpuid2 *c, uint32_t leaf,
                                        const KvmVmConfig *topo, uint32_t apic_id)
{
    uint32_t threads = MAX(topo->threads, 1u), cores = MAX(topo->cores, 1u);
    uint32_t thread_bits = bits_for(threads), core_bits = bits_for(cores);
    const struct {
        uint32_t shift, count, type;
    } levels[] = {
        {thread_bits, threads, 1},
        {thread_bits + core_bits, threads * cores, 2},
        {0, 0, 0},
    };

    cpuid_remove(c, leaf);
    for (uint32_t i = 0; i < G_N_ELEMENTS(levels); i++) {
        struct kvm_cpuid_entry2 *e = cpuid_add(c, leaf, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
        e->eax = levels[i].shift;
        e->ebx = levels[i].count;
        e->ecx = levels[i].type << 8 | i;
        e->edx = apic_id;
    }
}

static bool cpuid_vendor_is_amd(struct kvm_cpuid2 *c)
{
    struct kvm_cpuid_entry2 *e = cpuid_find(c, 0, 0);

    /* "AuthenticAMD" and "HygonGenuine" share AMD's topology leaves. */
    return e && ((e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163) ||
                 (e->ebx == 0x6f677948 && e->edx == 0x6e65476e && e->ecx == 0x656e6975));
}

struct kvm_cpuid2 *kvm_x86_cpuid_for_vcpu(const struct kvm_cpuid2 *supported,
                                          const KvmVmConfig *topo, uint32_t index)
{
    /* Room for the leaves rebuilt here (3 for 0xB, 3 for 0x1F, 2 signature leaves). */
    uint32_t room = supported->nent + 8;
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + room * sizeof(struct kvm_cpuid_entry2));
    uint32_t apic_id = kvm_x86_apic_id(topo, index);
    uint32_t threads = MAX(topo->threads, 1u), cores = MAX(topo->cores, 1u);
    uint32_t thread_bits = bits_for(threads), core_bits = bits_for(cores);
    uint32_t package_ids = 1u << (thread_bits + core_bits);
    struct kvm_cpuid_entry2 *e;

    memcpy(c->entries, supported->entries, supported->nent * sizeof(c->entries[0]));
    c->nent = supported->nent;

    e = cpuid_find(c, 0, 0);
    uint32_t max_basic = e ? e->eax : 0;

    if ((e = cpuid_find(c, 1, 0))) {
        e->ebx = (e->ebx & 0xffff) | MIN(package_ids, 255u) << 16 | (apic_id & 0xff) << 24;
        e->ecx |= CPUID_1_ECX_HYPERVISOR;
        if (package_ids > 1) {
            e->edx |= CPUID_1_EDX_HTT;
        } else {
            e->edx &= ~CPUID_1_EDX_HTT;
        }
    }
    /* Deterministic cache parameters: who shares each cache, and cores per package. */
    for (uint32_t i = 0; i < c->nent; i++) {
        e = &c->entries[i];
        if (e->function != 4 || (e->eax & 0x1f) == 0) {
            continue;
        }
        uint32_t level = (e->eax >> 5) & 7;
        uint32_t sharing = level >= 3 ? package_ids : 1u << thread_bits;
        e->eax = (e->eax & 0x3fff) | ((sharing - 1) & 0xfff) << 14 |
                 (((1u << core_bits) - 1) & 0x3f) << 26;
    }
    if (max_basic >= 0xb) {
        cpuid_set_extended_topology(c, 0xb, topo, apic_id);
    }
    if (max_basic >= 0x1f) {
        cpuid_set_extended_topology(c, 0x1f, topo, apic_id);
    }
    if (cpuid_vendor_is_amd(c)) {
        if ((e = cpuid_find(c, 0x80000008, 0))) {
            e->ecx = (e->ecx & ~0xf0ffu) | (thread_bits + core_bits) << 12 |
                     ((threads * cores - 1) & 0xff);
        }
        if ((e = cpuid_find(c, 0x8000001e, 0))) {
            e->eax = apic_id;
            e->ebx = (e->ebx & ~0xffffu) | (threads - 1) << 8 | ((apic_id >> thread_bits) & 0xff);
            e->ecx &= ~0xffu;
        }
    }

    /* KVM's signature; the feature leaf keeps what this host's KVM offers (kvmclock...). */
    uint32_t features = 0;
    if ((e = cpuid_find(c, KVM_CPUID_FEATURES_LEAF, 0))) {
        features = e->eax;
    }
    cpuid_remove(c, KVM_CPUID_SIGNATURE_LEAF);
    cpuid_remove(c, KVM_CPUID_FEATURES_LEAF);
    e = cpuid_add(c, KVM_CPUID_SIGNATURE_LEAF, 0, 0);
    e->eax = KVM_CPUID_FEATURES_LEAF;
    e->ebx = 0x4b4d564b; /* "KVMK" */
    e->ecx = 0x564b4d56; /* "VMKV" */
    e->edx = 0x0000004d; /* "M\0\0\0" */
    e = cpuid_add(c, KVM_CPUID_FEATURES_LEAF, 0, 0);
    e->eax = features;
    return c;
}

/* ---------------------------------------------------------------------------------------
 * Creation
 */

static void kvm_kick_handler(int sig)
{
    /* Its only job is to interrupt KVM_RUN; the run loop consumes the signal. */
}

static gpointer kvm_install_kick_handler(gpointer data)
{
    struct sigaction sa = {.sa_handler = kvm_kick_handler};

    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: KVM_RUN must return EINTR. */
    if (sigaction(KVM_KICK_SIGNAL, &sa, NULL) < 0) {
        return GINT_TO_POINTER(errno);
    }
    return GINT_TO_POINTER(0);
}

static bool kvm_ensure_kick_handler(GError **errp)
{
    static GOnce once = G_ONCE_INIT;
    int err = GPOINTER_TO_INT(g_once(&once, kvm_install_kick_handler, NULL));

    if (err) {
        return hull_error_setg_errno(errp, err, "cannot install the vCPU kick handler");
    }
    return true;
}

KvmVcpu *kvm_vcpu_create(KvmVm *vm, uint32_t index, const KvmVcpuOps *ops, void *opaque,
                         GError **errp)
{
    const KvmVmConfig *topo = kvm_vm_get_config(vm);

    if (index >= kvm_vm_max_cpus(vm)) {
        hull_error_setg(errp, "vCPU index %u out of range (the topology has %u CPUs)", index,
                        kvm_vm_max_cpus(vm));
        return NULL;
    }
    if (!kvm_ensure_kick_handler(errp)) {
        return NULL;
    }
    g_autoptr(KvmVcpu) vcpu = g_new0(KvmVcpu, 1);
    g_mutex_init(&vcpu->kick_lock);
    vcpu->fd = -1;
    vcpu->index = index;
    vcpu->apic_id = kvm_x86_apic_id(topo, index);
    vcpu->ops = ops;
    vcpu->opaque = opaque;

    /* KVM's vCPU id is the APIC ID on x86. */
    vcpu->fd = ioctl(kvm_vm_get_fd(vm), KVM_CREATE_VCPU, (unsigned long)vcpu->apic_id);
    if (vcpu->fd < 0) {
        hull_error_setg_errno(errp, errno, "KVM_CREATE_VCPU %u (APIC ID %u)", index, vcpu->apic_id);
        return NULL;
    }
    vcpu->vm = vm;
    kvm_vm_vcpu_created(vm);

    vcpu->run_size = (size_t)kvm_vm_vcpu_mmap_size(vm);
    void *run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
    if (run == MAP_FAILED) {
        hull_error_setg_errno(errp, errno, "cannot map the kvm_run area of vCPU %u", index);
        return NULL;
    }
    vcpu->run = run;

    vcpu->cpuid = kvm_x86_cpuid_for_vcpu(kvm_vm_supported_cpuid(vm), topo, index);
    if (kvm_ioctl_retry(vcpu->fd, KVM_SET_CPUID2, vcpu->cpuid) < 0) {
        hull_error_setg_errno(errp, errno, "KVM_SET_CPUID2 on vCPU %u", index);
        return NULL;
    }
    if (!kvm_vcpu_reset(vcpu, errp)) {
        return NULL;
    }
    return g_steal_pointer(&vcpu);
}

void kvm_vcpu_free(KvmVcpu *vcpu)
{
    if (!vcpu) {
        return;
    }
    if (vcpu->run) {
        munmap(vcpu->run, vcpu->run_size);
    }
    if (vcpu->fd >= 0) {
        close(vcpu->fd);
    }
    if (vcpu->vm) {
        kvm_vm_vcpu_freed(vcpu->vm);
    }
    g_free(vcpu->cpuid);
    g_mutex_clear(&vcpu->kick_lock);
    g_free(vcpu);
}

KvmVm *kvm_vcpu_get_vm(const KvmVcpu *vcpu)
{
    return vcpu->vm;
}

uint32_t kvm_vcpu_index(const KvmVcpu *vcpu)
{
    return vcpu->index;
}

uint32_t kvm_vcpu_apic_id(const KvmVcpu *vcpu)
{
    return vcpu->apic_id;
}

int kvm_vcpu_get_fd(const KvmVcpu *vcpu)
{
    return vcpu->fd;
}

/* ---------------------------------------------------------------------------------------
 * Register state
 */

bool kvm_vcpu_get_regs(KvmVcpu *vcpu, struct kvm_regs *regs, GError **errp)
{
    if (kvm_ioctl_retry(vcpu->fd, KVM_GET_REGS, regs) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_GET_REGS on vCPU %u", vcpu->index);
    }
    return true;
}

bool kvm_vcpu_get_sregs(KvmVcpu *vcpu, struct kvm_sregs *sregs, GError **errp)
{
    if (kvm_ioctl_retry(vcpu->fd, KVM_GET_SREGS, sregs) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_GET_SREGS on vCPU %u", vcpu->index);
    }
    return true;
}

static bool vcpu_ioctl(KvmVcpu *vcpu, unsigned long request, void *arg, const char *name,
                       GError **errp)
{
    if (kvm_ioctl_retry(vcpu->fd, request, arg) < 0) {
        return hull_error_setg_errno(errp, errno, "%s on vCPU %u", name, vcpu->index);
    }
    return true;
}

static bool kvm_vcpu_reset_msrs(KvmVcpu *vcpu, GError **errp)
{
    static const struct {
        uint32_t index;
        uint64_t value;
    } reset_msrs[] = {
        {MSR_IA32_TSC, 0},
        {MSR_IA32_SYSENTER_CS, 0},
        {MSR_IA32_SYSENTER_ESP, 0},
        {MSR_IA32_SYSENTER_EIP, 0},
        {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
        {MSR_IA32_CR_PAT, PAT_POWER_ON},
        {MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_WB_ENABLED},
        {MSR_STAR, 0},
        {MSR_LSTAR, 0},
        {MSR_CSTAR, 0},
        {MSR_SYSCALL_MASK, 0},
        {MSR_KERNEL_GS_BASE, 0},
        /* Paravirtual features a previous boot may have switched on. */
        {MSR_KVM_SYSTEM_TIME_NEW, 0},
        {MSR_KVM_WALL_CLOCK_NEW, 0},
        {MSR_KVM_ASYNC_PF_EN, 0},
        {MSR_KVM_STEAL_TIME, 0},
        {MSR_KVM_PV_EOI_EN, 0},
    };
    g_autofree struct kvm_msrs *msrs =
        g_malloc0(sizeof(*msrs) + G_N_ELEMENTS(reset_msrs) * sizeof(struct kvm_msr_entry));

    for (size_t i = 0; i < G_N_ELEMENTS(reset_msrs); i++) {
        if (kvm_vm_has_msr(vcpu->vm, reset_msrs[i].index)) {
            msrs->entries[msrs->nmsrs].index = reset_msrs[i].index;
            msrs->entries[msrs->nmsrs].data = reset_msrs[i].value;
            msrs->nmsrs++;
        }
    }
    int set = kvm_ioctl_retry(vcpu->fd, KVM_SET_MSRS, msrs);
    if (set < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_SET_MSRS on vCPU %u", vcpu->index);
    }
    if ((uint32_t)set != msrs->nmsrs) {
        return hull_error_setg(errp, "KVM refused MSR 0x%x on vCPU %u", msrs->entries[set].index,
                               vcpu->index);
    }
    return true;
}

static bool kvm_vcpu_reset_fpu(KvmVcpu *vcpu, GError **errp)
{
    size_t size = kvm_vm_xsave_size(vcpu->vm);
    g_autofree uint8_t *area = g_malloc0(size);
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    uint64_t xstate_bv = XSTATE_X87_SSE;

    /* x87 and SSE in their init values; every other component in its init state. */
    memcpy(area + XSAVE_FCW, &fcw, sizeof(fcw));
    memcpy(area + XSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
    memcpy(area + XSAVE_XSTATE_BV, &xstate_bv, sizeof(xstate_bv));
    if (!vcpu_ioctl(vcpu, KVM_SET_XSAVE, area, "KVM_SET_XSAVE", errp)) {
        return false;
    }
    struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs = {{.xcr = 0, .value = 1}}};
    return vcpu_ioctl(vcpu, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", errp);
}

static void lapic_set(struct kvm_lapic_state *lapic, unsigned reg, uint32_t value)
{
    memcpy(&lapic->regs[reg], &value, sizeof(value));
}

/*
 * The local APIC after reset (SDM "Power-up and reset state of the local APIC"), except
 * that the boot vCPU's LINT0 is ExtINT and LINT1 NMI: the virtual-wire mode firmware
 * leaves, which a guest booted without firmware expects for the legacy PIC.
 */
static bool kvm_vcpu_reset_lapic(KvmVcpu *vcpu, GError **errp)
{
    struct kvm_lapic_state lapic;

    if (!vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC", errp)) {
        return false;
    }
    lapic_set(&lapic, APIC_REG_ID, vcpu->apic_id << 24);
    lapic_set(&lapic, APIC_REG_TPR, 0);
    lapic_set(&lapic, APIC_REG_LDR, 0);
    lapic_set(&lapic, APIC_REG_DFR, 0xffffffff);
    lapic_set(&lapic, APIC_REG_SVR, 0xff);
    for (unsigned reg = APIC_REG_ISR; reg < APIC_REG_IRR_END; reg += 0x10) {
        lapic_set(&lapic, reg, 0);
    }
    lapic_set(&lapic, APIC_REG_ESR, 0);
    lapic_set(&lapic, APIC_REG_ICR_LOW, 0);
    lapic_set(&lapic, APIC_REG_ICR_HIGH, 0);
    lapic_set(&lapic, APIC_REG_LVT_CMCI, APIC_LVT_MASKED);
    for (unsigned reg = APIC_REG_LVT_TIMER; reg <= APIC_REG_LVT_ERROR; reg += 0x10) {
        lapic_set(&lapic, reg, APIC_LVT_MASKED);
    }
    if (vcpu->index == 0) {
        lapic_set(&lapic, APIC_REG_LVT_LINT0, APIC_DM_EXTINT);
        lapic_set(&lapic, APIC_REG_LVT_LINT1, APIC_DM_NMI);
    }
    lapic_set(&lapic, APIC_REG_TIMER_ICR, 0);
    lapic_set(&lapic, APIC_REG_TIMER_CCR, 0);
    lapic_set(&lapic, APIC_REG_TIMER_DCR, 0);
    return vcpu_ioctl(vcpu, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC", errp);
}

static void segment_real(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
    *s = (struct kvm_segment){
        .base = (uint64_t)selector << 4,
        .limit = 0xffff,
        .selector = selector,
        .type = type,
        .present = 1,
        .s = 1,
    };
}

bool kvm_vcpu_reset(KvmVcpu *vcpu, GError **errp)
{
    struct kvm_sregs sregs;

    if (!kvm_vcpu_get_sregs(vcpu, &sregs, errp)) {
        return false;
    }
    /* The interrupt bitmap and APIC state are KVM's; everything else is rewritten. */
    segment_real(&sregs.cs, 0xf000, 0xb);
    sregs.cs.base = 0xffff0000;
    segment_real(&sregs.ds, 0, 3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.ldt = (struct kvm_segment){.limit = 0xffff, .type = 2, .present = 1};
    sregs.tr = (struct kvm_segment){.limit = 0xffff, .type = 0xb, .present = 1};
    sregs.gdt = (struct kvm_dtable){.limit = 0xffff};
    sregs.idt = (struct kvm_dtable){.limit = 0xffff};
    sregs.cr0 = CR0_CD | CR0_NW | CR0_ET;
    sregs.cr2 = sregs.cr3 = sregs.cr4 = sregs.cr8 = 0;
    sregs.efer = 0;
    sregs.apic_base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (vcpu->index == 0 ? APIC_BASE_BSP : 0);
    if (!vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", errp)) {
        return false;
    }

    struct kvm_cpuid_entry2 *leaf1 = cpuid_find(vcpu->cpuid, 1, 0);
    struct kvm_regs regs = {
        .rip = 0xfff0, .rflags = 0x2, .rdx = leaf1 ? leaf1->eax : 0, /* family, model, stepping */
    };
    if (!vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS", errp)) {
        return false;
    }
    struct kvm_debugregs dbg = {.dr6 = 0xffff0ff0, .dr7 = 0x400};
    if (!vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dbg, "KVM_SET_DEBUGREGS", errp) ||
        !kvm_vcpu_reset_fpu(vcpu, errp) || !kvm_vcpu_reset_msrs(vcpu, errp) ||
        !kvm_vcpu_reset_lapic(vcpu, errp)) {
        return false;
    }
    /* Application processors wait for INIT-SIPI-SIPI from the boot processor. */
    struct kvm_mp_state mp = {
        .mp_state = vcpu->index == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
    };
    return vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", errp);
}

/* The hidden part of a segment register, from the GDT descriptor the loader wrote. */
static struct kvm_segment segment_from_descriptor(uint64_t d, uint16_t selector)
{
    uint32_t limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 48) & 0xf) << 16;
    struct kvm_segment s = {
        .base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24,
        .selector = selector,
        .type = (d >> 40) & 0xf,
        .s = (d >> 44) & 1,
        .dpl = (d >> 45) & 3,
        .present = (d >> 47) & 1,
        .avl = (d >> 52) & 1,
        .l = (d >> 53) & 1,
        .db = (d >> 54) & 1,
        .g = (d >> 55) & 1,
    };

    s.limit = s.g ? (limit << 12) | 0xfff : limit;
    return s;
}

bool kvm_vcpu_set_boot_entry(KvmVcpu *vcpu, const X86BootEntry *entry, GError **errp)
{
    struct kvm_sregs sregs;
    bool long_mode = entry->mode == X86_BOOT_MODE_LINUX64;

    if (!kvm_vcpu_get_sregs(vcpu, &sregs, errp)) {
        return false;
    }
    sregs.cs = segment_from_descriptor(long_mode ? X86_GDT_CODE64 : X86_GDT_CODE32, X86_BOOT_CS);
    sregs.ds = segment_from_descriptor(X86_GDT_DATA, X86_BOOT_DS);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.tr = segment_from_descriptor(X86_GDT_TSS, X86_BOOT_TSS);
    sregs.ldt = (struct kvm_segment){.type = 2, .present = 1, .unusable = 1};
    sregs.gdt = (struct kvm_dtable){.base = entry->gdt_base, .limit = entry->gdt_limit};
    /* No IDT: an exception before the guest installs one triple-faults (a reset exit). */
    sregs.idt = (struct kvm_dtable){0};
    if (long_mode) {
        sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
        sregs.cr3 = entry->cr3;
        sregs.cr4 = CR4_PAE;
        sregs.efer = EFER_LME | EFER_LMA;
    } else {
        sregs.cr0 = CR0_PE | CR0_ET;
        sregs.cr3 = sregs.cr4 = 0;
        sregs.efer = 0;
    }
    if (!vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", errp)) {
        return false;
    }
    struct kvm_regs regs = {.rip = entry->rip, .rflags = 0x2};
    if (long_mode) {
        regs.rsi = entry->info;
    } else {
        regs.rbx = entry->info;
    }
    return vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS", errp);
}

/* ---------------------------------------------------------------------------------------
 * Running and kicking
 */

/*
 * Blocks the kick signal on this thread and lets KVM_RUN alone unblock it, so the signal
 * can only interrupt KVM_RUN (never a device callback's system call).
 */
static bool kvm_vcpu_prepare_thread(KvmVcpu *vcpu, GError **errp)
{
    pthread_t self = pthread_self();
    sigset_t kick, mask;

    if (vcpu->mask_ready && pthread_equal(vcpu->mask_thread, self)) {
        return true;
    }
    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    int err = pthread_sigmask(SIG_BLOCK, &kick, &mask);
    if (err) {
        return hull_error_setg_errno(errp, err, "cannot block the vCPU kick signal");
    }
    sigdelset(&mask, KVM_KICK_SIGNAL);
    /* The kernel's sigset is 64 bits on x86-64: the first 8 bytes of glibc's. */
    g_autofree struct kvm_signal_mask *kmask = g_malloc0(sizeof(*kmask) + 8);
    kmask->len = 8;
    memcpy(kmask->sigset, &mask, 8);
    if (!vcpu_ioctl(vcpu, KVM_SET_SIGNAL_MASK, kmask, "KVM_SET_SIGNAL_MASK", errp)) {
        return false;
    }
    vcpu->mask_thread = self;
    vcpu->mask_ready = true;
    return true;
}

/* Consumes pending kick signals and the immediate-exit request. Under kick_lock. */
static void kvm_vcpu_ack_kick(KvmVcpu *vcpu)
{
    sigset_t kick;
    struct timespec zero = {0};

    sigemptyset(&kick);
    sigaddset(&kick, KVM_KICK_SIGNAL);
    while (sigtimedwait(&kick, NULL, &zero) == KVM_KICK_SIGNAL) {
    }
    vcpu->run->immediate_exit = 0;
}

void kvm_vcpu_kick(KvmVcpu *vcpu)
{
    g_mutex_lock(&vcpu->kick_lock);
    /* Covers the window before KVM_RUN is entered; the signal covers the time inside. */
    __atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (vcpu->in_run && !pthread_equal(vcpu->thread, pthread_self())) {
        pthread_kill(vcpu->thread, KVM_KICK_SIGNAL);
    }
    g_mutex_unlock(&vcpu->kick_lock);
}

static void kvm_vcpu_dispatch_pio(KvmVcpu *vcpu)
{
    struct kvm_run *run = vcpu->run;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

    if (vcpu->ops && vcpu->ops->pio) {
        vcpu->ops->pio(vcpu->opaque, run->io.port, run->io.size, run->io.count, is_write, data);
    } else if (!is_write) {
        memset(data, 0xff, (size_t)run->io.size * run->io.count);
    }
}

static void kvm_vcpu_dispatch_mmio(KvmVcpu *vcpu)
{
    struct kvm_run *run = vcpu->run;

    if (vcpu->ops && vcpu->ops->mmio) {
        vcpu->ops->mmio(vcpu->opaque, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write,
                        run->mmio.data);
    } else if (!run->mmio.is_write) {
        memset(run->mmio.data, 0xff, run->mmio.len);
    }
}

static const char *internal_error_name(uint32_t suberror)
{
    switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION:
        return "instruction emulation failed";
    case KVM_INTERNAL_ERROR_SIMUL_EX:
        return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV:
        return "event delivery failed";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
        return "unexpected exit reason";
    }
    return "unknown suberror";
}

static void kvm_vcpu_describe_internal_error(KvmVcpu *vcpu, GError **errp)
{
    struct kvm_run *run = vcpu->run;
    g_autoptr(GString) data = g_string_new(NULL);
    struct kvm_regs regs = {0};
    uint32_t n = MIN(run->internal.ndata, (uint32_t)G_N_ELEMENTS(run->internal.data));

    for (uint32_t i = 0; i < n; i++) {
        g_string_append_printf(data, " 0x%" G_GINT64_MODIFIER "x", (guint64)run->internal.data[i]);
    }
    kvm_vcpu_get_regs(vcpu, &regs, NULL);
    hull_error_setg(errp,
                    "KVM internal error on vCPU %u: %s (suberror %u) at RIP 0x%" G_GINT64_MODIFIER
                    "x; data:%s",
                    vcpu->index, internal_error_name(run->internal.suberror),
                    run->internal.suberror, (guint64)regs.rip, data->len ? data->str : " none");
}

/* One exit: true to go on running, false to return `*result`. */
static bool kvm_vcpu_handle_exit(KvmVcpu *vcpu, KvmVcpuExit *result, GError **errp)
{
    struct kvm_run *run = vcpu->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint64_t bytes = (uint64_t)run->io.size * run->io.count;
        if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
            run->io.data_offset > vcpu->run_size || bytes > vcpu->run_size - run->io.data_offset) {
            *result = KVM_VCPU_EXIT_ERROR;
            return hull_error_setg(errp, "malformed port I/O exit on vCPU %u", vcpu->index);
        }
        kvm_vcpu_dispatch_pio(vcpu);
        return true;
    }
    case KVM_EXIT_MMIO:
        if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data)) {
            *result = KVM_VCPU_EXIT_ERROR;
            return hull_error_setg(errp, "malformed MMIO exit on vCPU %u", vcpu->index);
        }
        kvm_vcpu_dispatch_mmio(vcpu);
        return true;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_TPR_ACCESS:
    case KVM_EXIT_SET_TPR:
        return true;
    case KVM_EXIT_INTR:
        *result = KVM_VCPU_EXIT_KICKED;
        return false;
    case KVM_EXIT_HLT:
        *result = KVM_VCPU_EXIT_HALTED;
        return false;
    case KVM_EXIT_SHUTDOWN:
        /* A triple fault: on a PC that resets the machine. */
        *result = KVM_VCPU_EXIT_RESET;
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        switch (run->system_event.type) {
        case KVM_SYSTEM_EVENT_SHUTDOWN:
            *result = KVM_VCPU_EXIT_SHUTDOWN;
            return false;
        case KVM_SYSTEM_EVENT_RESET:
            *result = KVM_VCPU_EXIT_RESET;
            return false;
        case KVM_SYSTEM_EVENT_CRASH:
            *result = KVM_VCPU_EXIT_CRASH;
            return false;
        }
        *result = KVM_VCPU_EXIT_ERROR;
        return hull_error_setg(errp, "unknown system event %u on vCPU %u", run->system_event.type,
                               vcpu->index);
    case KVM_EXIT_INTERNAL_ERROR:
        kvm_vcpu_describe_internal_error(vcpu, errp);
        *result = KVM_VCPU_EXIT_ERROR;
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        *result = KVM_VCPU_EXIT_ERROR;
        return hull_error_setg(errp,
                               "KVM could not enter vCPU %u: hardware entry failure "
                               "reason 0x%" G_GINT64_MODIFIER "x on host CPU %u",
                               vcpu->index, (guint64)run->fail_entry.hardware_entry_failure_reason,
                               run->fail_entry.cpu);
    }
    *result = KVM_VCPU_EXIT_ERROR;
    return hull_error_setg(errp, "unhandled KVM exit reason %u on vCPU %u", run->exit_reason,
                           vcpu->index);
}

KvmVcpuExit kvm_vcpu_run(KvmVcpu *vcpu, GError **errp)
{
    KvmVcpuExit result = KVM_VCPU_EXIT_ERROR;

    if (!kvm_vcpu_prepare_thread(vcpu, errp)) {
        return KVM_VCPU_EXIT_ERROR;
    }
    g_mutex_lock(&vcpu->kick_lock);
    vcpu->thread = pthread_self();
    vcpu->in_run = true;
    g_mutex_unlock(&vcpu->kick_lock);

    for (;;) {
        if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
            if (errno == EAGAIN) {
                /* An AP waiting for INIT-SIPI got an event: KVM wants to be called again. */
                continue;
            }
            if (errno == EINTR) {
                result = KVM_VCPU_EXIT_KICKED;
            } else {
                hull_error_setg_errno(errp, errno, "KVM_RUN on vCPU %u", vcpu->index);
                result = KVM_VCPU_EXIT_ERROR;
            }
            break;
        }
        if (!kvm_vcpu_handle_exit(vcpu, &result, errp)) {
            break;
        }
    }

    g_mutex_lock(&vcpu->kick_lock);
    vcpu->in_run = false;
    if (result == KVM_VCPU_EXIT_KICKED) {
        kvm_vcpu_ack_kick(vcpu);
    }
    g_mutex_unlock(&vcpu->kick_lock);
    return result;
}

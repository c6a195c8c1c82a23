/*
 * The KVM VM: device probing and capability checks, VM creation with the in-kernel
 * irqchip and PIT, memory slots keyed by guest-physical range, interrupt lines.
 */
#include "kvm/kvm-internal.h"

#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KVM_EXPECTED_API_VERSION 12
#define KVM_PAGE_SIZE            4096ull
/* Cap on KVM_GET_SUPPORTED_CPUID growth: real hosts report well under 100 entries. */
#define KVM_MAX_CPUID_ENTRIES 1024
#define KVM_MAX_MSR_INDICES   4096

typedef struct KvmCap {
    int cap;
    const char *name;
} KvmCap;

/* clang-format off */
#define CAP(c) { c, #c }
/* Every capability the VM and vCPU code relies on, checked before anything is created. */
static const KvmCap kvm_required_caps[] = {
    CAP(KVM_CAP_USER_MEMORY),
    CAP(KVM_CAP_SET_TSS_ADDR),
    CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR),
    CAP(KVM_CAP_IRQCHIP),
    CAP(KVM_CAP_PIT2),
    CAP(KVM_CAP_IRQFD),
    CAP(KVM_CAP_IMMEDIATE_EXIT),
    CAP(KVM_CAP_EXT_CPUID),
    CAP(KVM_CAP_MP_STATE),
    CAP(KVM_CAP_XSAVE),
    CAP(KVM_CAP_XCRS),
    CAP(KVM_CAP_NR_MEMSLOTS),
};
#undef CAP
/* clang-format on */

struct KvmVm {
    KvmVmConfig config;
    int kvm_fd;
    int vm_fd;
    int vcpu_mmap_size;
    size_t xsave_size;
    uint32_t max_slots;
    bool readonly_mem;
    GArray *slots;      /* KvmRamSlot, unordered */
    GArray *free_slots; /* uint32_t slot numbers released for reuse */
    uint32_t next_slot;
    struct kvm_cpuid2 *cpuid;
    GArray *msr_indices; /* uint32_t, sorted */
    gint vcpus;          /* atomic: vCPUs are created on their own threads */
};

int kvm_ioctl_retry(int fd, unsigned long request, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret;
}

static bool kvm_check_caps(int kvm_fd, GError **errp)
{
    int version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);

    if (version < 0) {
        return hull_error_setg_errno(errp, errno,
                                     "the device does not answer "
                                     "KVM_GET_API_VERSION (not a KVM device?)");
    }
    if (version != KVM_EXPECTED_API_VERSION) {
        return hull_error_setg(errp, "KVM API version %d is not supported (need %d)", version,
                               KVM_EXPECTED_API_VERSION);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kvm_required_caps); i++) {
        if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
            return hull_error_set(errp, HULL_ERROR_KVM_MISSING_CAP, "KVM lacks the capability %s",
                                  kvm_required_caps[i].name);
        }
    }
    return true;
}

static int kvm_open_device(const char *path, GError **errp)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) {
            hull_error_setg(errp,
                            "%s does not exist (no KVM in the host kernel, or the "
                            "kvm module is not loaded)",
                            path);
        } else if (err == EACCES || err == EPERM) {
            hull_error_setg(errp,
                            "permission denied opening %s (the user needs access "
                            "to it, usually through the kvm group)",
                            path);
        } else {
            hull_error_setg_errno(errp, err, "cannot open %s", path);
        }
        return -1;
    }
    return fd;
}

void kvm_probe(const char *path, KvmProbeResult *result)
{
    g_autoptr(GError) err = NULL;
    struct stat st;

    path = path ? path : KVM_DEVICE_PATH;
    memset(result, 0, sizeof(*result));
    if (stat(path, &st) < 0) {
        result->reason =
            errno == ENOENT
                ? g_strdup_printf("%s does not exist (no KVM in the host kernel, or the kvm "
                                  "module is not loaded)",
                                  path)
                : g_strdup_printf("cannot stat %s: %s", path, g_strerror(errno));
        return;
    }
    result->present = true;
    if (!S_ISCHR(st.st_mode)) {
        result->reason = g_strdup_printf("%s is not a character device", path);
        return;
    }
    KvmVmConfig config = {.device = path};
    g_autoptr(KvmVm) vm = kvm_vm_create(&config, &err);
    if (!vm) {
        result->reason = g_strdup(err->message);
        return;
    }
    result->usable = true;
}

void kvm_probe_result_clear(KvmProbeResult *result)
{
    g_clear_pointer(&result->reason, g_free);
    result->present = result->usable = false;
}

static bool kvm_fetch_cpuid(KvmVm *vm, GError **errp)
{
    for (uint32_t n = 64; n <= KVM_MAX_CPUID_ENTRIES; n *= 2) {
        g_autofree struct kvm_cpuid2 *cpuid =
            g_malloc0(sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
        cpuid->nent = n;
        if (kvm_ioctl_retry(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
            vm->cpuid = g_steal_pointer(&cpuid);
            return true;
        }
        if (errno != E2BIG) {
            return hull_error_setg_errno(errp, errno, "KVM_GET_SUPPORTED_CPUID");
        }
    }
    return hull_error_setg(errp, "KVM_GET_SUPPORTED_CPUID reports more than %d entries",
                           KVM_MAX_CPUID_ENTRIES);
}

static gint compare_u32(gconstpointer a, gconstpointer b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static bool kvm_fetch_msr_indices(KvmVm *vm, GError **errp)
{
    struct kvm_msr_list probe = {.nmsrs = 0};

    /* The first call fails with E2BIG and tells the count. */
    if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG) {
        return hull_error_setg_errno(errp, errno, "KVM_GET_MSR_INDEX_LIST");
    }
    if (probe.nmsrs > KVM_MAX_MSR_INDICES) {
        return hull_error_setg(errp, "KVM reports %u MSRs", probe.nmsrs);
    }
    g_autofree struct kvm_msr_list *list =
        g_malloc0(sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
    list->nmsrs = probe.nmsrs;
    if (kvm_ioctl_retry(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_GET_MSR_INDEX_LIST");
    }
    vm->msr_indices = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), list->nmsrs);
    g_array_append_vals(vm->msr_indices, list->indices, list->nmsrs);
    g_array_sort(vm->msr_indices, compare_u32);
    return true;
}

static bool kvm_vm_setup(KvmVm *vm, GError **errp)
{
    const char *path = vm->config.device ? vm->config.device : KVM_DEVICE_PATH;

    vm->kvm_fd = kvm_open_device(path, errp);
    if (vm->kvm_fd < 0 || !kvm_check_caps(vm->kvm_fd, errp)) {
        return false;
    }
    vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
        return hull_error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE returned %d", vm->vcpu_mmap_size);
    }
    int xsave2 = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    vm->xsave_size = MAX((size_t)MAX(xsave2, 0), sizeof(struct kvm_xsave));
    vm->readonly_mem = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
    if (!kvm_fetch_cpuid(vm, errp) || !kvm_fetch_msr_indices(vm, errp)) {
        return false;
    }

    do {
        vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    } while (vm->vm_fd < 0 && errno == EINTR);
    if (vm->vm_fd < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_CREATE_VM");
    }
    /* The count may differ per VM type, so it is asked of the VM. */
    int slots = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    vm->max_slots = slots > 0 ? (uint32_t)slots : 32;

    if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_X86_TSS_ADDR) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_SET_TSS_ADDR");
    }
    uint64_t identity = KVM_X86_IDENTITY_MAP_ADDR;
    if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_SET_IDENTITY_MAP_ADDR");
    }
    if (kvm_ioctl_retry(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_CREATE_IRQCHIP");
    }
    /* The dummy speaker puts port 0x61 in the kernel too, next to the PIT it gates. */
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (kvm_ioctl_retry(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_CREATE_PIT2");
    }
    return true;
}

static uint32_t topology_or_one(uint32_t v)
{
    return v ? v : 1;
}

KvmVm *kvm_vm_create(const KvmVmConfig *config, GError **errp)
{
    g_autoptr(KvmVm) vm = g_new0(KvmVm, 1);

    vm->kvm_fd = vm->vm_fd = -1;
    vm->slots = g_array_new(FALSE, FALSE, sizeof(KvmRamSlot));
    vm->free_slots = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    if (config) {
        vm->config = *config;
    }
    vm->config.device = g_strdup(vm->config.device ? vm->config.device : KVM_DEVICE_PATH);
    vm->config.sockets = topology_or_one(vm->config.sockets);
    vm->config.cores = topology_or_one(vm->config.cores);
    vm->config.threads = topology_or_one(vm->config.threads);
    if ((uint64_t)vm->config.sockets * vm->config.cores * vm->config.threads > 4096) {
        hull_error_setg(errp, "topology %u sockets x %u cores x %u threads is too large",
                        vm->config.sockets, vm->config.cores, vm->config.threads);
        return NULL;
    }
    if (!kvm_vm_setup(vm, errp)) {
        return NULL;
    }
    hull_debug("kvm", "VM created: %u memory slots, vCPU area %d bytes", vm->max_slots,
               vm->vcpu_mmap_size);
    return g_steal_pointer(&vm);
}

void kvm_vm_free(KvmVm *vm)
{
    if (!vm) {
        return;
    }
    g_assert(g_atomic_int_get(&vm->vcpus) == 0);
    if (vm->vm_fd >= 0) {
        close(vm->vm_fd);
    }
    if (vm->kvm_fd >= 0) {
        close(vm->kvm_fd);
    }
    g_array_unref(vm->slots);
    g_array_unref(vm->free_slots);
    if (vm->msr_indices) {
        g_array_unref(vm->msr_indices);
    }
    g_free(vm->cpuid);
    g_free((char *)vm->config.device);
    g_free(vm);
}

int kvm_vm_get_fd(const KvmVm *vm)
{
    return vm->vm_fd;
}

const KvmVmConfig *kvm_vm_get_config(const KvmVm *vm)
{
    return &vm->config;
}

uint32_t kvm_vm_max_cpus(const KvmVm *vm)
{
    return vm->config.sockets * vm->config.cores * vm->config.threads;
}

const struct kvm_cpuid2 *kvm_vm_supported_cpuid(const KvmVm *vm)
{
    return vm->cpuid;
}

int kvm_vm_get_system_fd(const KvmVm *vm)
{
    return vm->kvm_fd;
}

int kvm_vm_vcpu_mmap_size(const KvmVm *vm)
{
    return vm->vcpu_mmap_size;
}

size_t kvm_vm_xsave_size(const KvmVm *vm)
{
    return vm->xsave_size;
}

bool kvm_vm_has_msr(const KvmVm *vm, uint32_t index)
{
    guint pos;

    return g_array_binary_search(vm->msr_indices, &index, compare_u32, &pos);
}

void kvm_vm_vcpu_created(KvmVm *vm)
{
    g_atomic_int_inc(&vm->vcpus);
}

void kvm_vm_vcpu_freed(KvmVm *vm)
{
    g_assert(g_atomic_int_get(&vm->vcpus) > 0);
    g_atomic_int_dec_and_test(&vm->vcpus);
}

bool kvm_vm_set_irq(KvmVm *vm, uint32_t gsi, bool level, GError **errp)
{
    struct kvm_irq_level irq = {.irq = gsi, .level = level};

    if (kvm_ioctl_retry(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_IRQ_LINE (GSI %u)", gsi);
    }
    return true;
}

static bool kvm_vm_irqfd(KvmVm *vm, int eventfd, uint32_t gsi, uint32_t flags, GError **errp)
{
    struct kvm_irqfd irqfd = {.fd = (uint32_t)eventfd, .gsi = gsi, .flags = flags};

    if (eventfd < 0) {
        return hull_error_setg(errp, "invalid eventfd %d for GSI %u", eventfd, gsi);
    }
    if (kvm_ioctl_retry(vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
        return hull_error_setg_errno(errp, errno, "KVM_IRQFD (GSI %u)", gsi);
    }
    return true;
}

bool kvm_vm_irqfd_add(KvmVm *vm, int eventfd, uint32_t gsi, GError **errp)
{
    return kvm_vm_irqfd(vm, eventfd, gsi, 0, errp);
}

bool kvm_vm_irqfd_remove(KvmVm *vm, int eventfd, uint32_t gsi, GError **errp)
{
    return kvm_vm_irqfd(vm, eventfd, gsi, KVM_IRQFD_FLAG_DEASSIGN, errp);
}

static bool kvm_check_range(uint64_t gpa, uint64_t size, const void *host, GError **errp)
{
    if (size == 0) {
        return hull_error_setg(errp, "empty memory range at 0x%" G_GINT64_MODIFIER "x", gpa);
    }
    if ((gpa | size | (uintptr_t)host) & (KVM_PAGE_SIZE - 1)) {
        return hull_error_setg(errp,
                               "memory range 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                               "x (host %p) is not page aligned",
                               gpa, size, host);
    }
    if (gpa + size < gpa) {
        return hull_error_setg(
            errp, "memory range 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x wraps around",
            gpa, size);
    }
    return true;
}

bool kvm_set_memory_region(KvmVm *vm, uint32_t slot, uint64_t guest_phys, uint64_t size,
                           void *host_ptr, bool readonly, GError **errp)
{
    if (slot >= vm->max_slots) {
        return hull_error_setg(errp, "memory slot %u out of range (KVM has %u)", slot,
                               vm->max_slots);
    }
    if (size && !kvm_check_range(guest_phys, size, host_ptr, errp)) {
        return false;
    }
    if (readonly && !vm->readonly_mem) {
        return hull_error_set(errp, HULL_ERROR_KVM_MISSING_CAP,
                              "KVM lacks the capability KVM_CAP_READONLY_MEM");
    }
    struct kvm_userspace_memory_region region = {
        .slot = slot,
        .flags = readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = guest_phys,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host_ptr,
    };
    if (kvm_ioctl_retry(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return hull_error_setg_errno(errp, errno,
                                     "KVM_SET_USER_MEMORY_REGION slot %u "
                                     "(0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x)",
                                     slot, guest_phys, size);
    }
    return true;
}

static int kvm_find_slot_index(const KvmVm *vm, uint64_t gpa)
{
    for (guint i = 0; i < vm->slots->len; i++) {
        const KvmRamSlot *s = &g_array_index(vm->slots, KvmRamSlot, i);
        if (gpa >= s->gpa && gpa - s->gpa < s->size) {
            return (int)i;
        }
    }
    return -1;
}

static int kvm_find_exact_slot(const KvmVm *vm, uint64_t gpa, uint64_t size, GError **errp)
{
    int i = kvm_find_slot_index(vm, gpa);

    if (i < 0 || g_array_index(vm->slots, KvmRamSlot, i).gpa != gpa ||
        g_array_index(vm->slots, KvmRamSlot, i).size != size) {
        hull_error_setg(
            errp, "no memory slot maps exactly 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x",
            gpa, size);
        return -1;
    }
    return i;
}

bool kvm_vm_map_ram(KvmVm *vm, uint64_t gpa, uint64_t size, void *host, bool readonly,
                    GError **errp)
{
    if (!kvm_check_range(gpa, size, host, errp)) {
        return false;
    }
    for (guint i = 0; i < vm->slots->len; i++) {
        const KvmRamSlot *s = &g_array_index(vm->slots, KvmRamSlot, i);
        if (gpa < s->gpa + s->size && s->gpa < gpa + size) {
            return hull_error_setg(errp,
                                   "memory range 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                                   "x overlaps slot %u (0x%" G_GINT64_MODIFIER
                                   "x+0x%" G_GINT64_MODIFIER "x)",
                                   gpa, size, s->slot, s->gpa, s->size);
        }
    }
    uint32_t slot;
    bool reused = vm->free_slots->len > 0;
    if (reused) {
        slot = g_array_index(vm->free_slots, uint32_t, vm->free_slots->len - 1);
    } else if (vm->next_slot < vm->max_slots) {
        slot = vm->next_slot;
    } else {
        return hull_error_setg(errp, "all %u KVM memory slots are in use", vm->max_slots);
    }
    if (!kvm_set_memory_region(vm, slot, gpa, size, host, readonly, errp)) {
        return false;
    }
    if (reused) {
        g_array_set_size(vm->free_slots, vm->free_slots->len - 1);
    } else {
        vm->next_slot++;
    }
    KvmRamSlot s = {.slot = slot, .gpa = gpa, .size = size, .host = host, .readonly = readonly};
    g_array_append_val(vm->slots, s);
    return true;
}

bool kvm_vm_unmap_ram(KvmVm *vm, uint64_t gpa, uint64_t size, GError **errp)
{
    int i = kvm_find_exact_slot(vm, gpa, size, errp);

    if (i < 0) {
        return false;
    }
    uint32_t slot = g_array_index(vm->slots, KvmRamSlot, i).slot;
    if (!kvm_set_memory_region(vm, slot, gpa, 0, NULL, false, errp)) {
        return false;
    }
    g_array_remove_index_fast(vm->slots, i);
    g_array_append_val(vm->free_slots, slot);
    return true;
}

bool kvm_vm_remap_ram(KvmVm *vm, uint64_t gpa, uint64_t size, void *host, bool readonly,
                      GError **errp)
{
    int i = kvm_find_exact_slot(vm, gpa, size, errp);

    if (i < 0 || !kvm_check_range(gpa, size, host, errp)) {
        return false;
    }
    if (readonly && !vm->readonly_mem) {
        return hull_error_set(errp, HULL_ERROR_KVM_MISSING_CAP,
                              "KVM lacks the capability KVM_CAP_READONLY_MEM");
    }
    KvmRamSlot *s = &g_array_index(vm->slots, KvmRamSlot, i);
    if (!kvm_set_memory_region(vm, s->slot, gpa, 0, NULL, false, errp)) {
        return false;
    }
    if (!kvm_set_memory_region(vm, s->slot, gpa, size, host, readonly, errp)) {
        /* Put the old mapping back so the guest does not lose the range. */
        g_autoptr(GError) restore_err = NULL;
        if (!kvm_set_memory_region(vm, s->slot, gpa, size, s->host, s->readonly, &restore_err)) {
            hull_error("kvm", "memory slot %u lost: %s", s->slot, restore_err->message);
            uint32_t slot = s->slot;
            g_array_remove_index_fast(vm->slots, i);
            g_array_append_val(vm->free_slots, slot);
        }
        return false;
    }
    s->host = host;
    s->readonly = readonly;
    return true;
}

bool kvm_vm_find_ram(const KvmVm *vm, uint64_t gpa, KvmRamSlot *out)
{
    int i = kvm_find_slot_index(vm, gpa);

    if (i < 0) {
        return false;
    }
    *out = g_array_index(vm->slots, KvmRamSlot, i);
    return true;
}

uint32_t kvm_vm_ram_slot_count(const KvmVm *vm)
{
    return vm->slots->len;
}

/*
 * Measures guest execution speed with a counted loop in a throwaway one-vCPU VM, so
 * tests can tell a hardware KVM from a software one before booting anything large.
 */
#include "kvm/kvm-speed.h"

#include "kvm/kvm-vcpu.h"
#include "kvm/kvm.h"
#include "util/error.h"

#include <string.h>
#include <sys/mman.h>

#define SPEED_RAM_SIZE         0x10000
#define SPEED_CODE_ADDR        0x1000
#define SPEED_EXIT_PORT        0x501
#define SPEED_MAX_INSTRUCTIONS 200000000u

typedef struct SpeedRun {
    KvmVcpu *vcpu;
    bool done;
} SpeedRun;

static void speed_pio(void *opaque, uint16_t port, unsigned size, uint32_t count, bool is_write,
                      uint8_t *data)
{
    SpeedRun *run = opaque;

    if (port == SPEED_EXIT_PORT && is_write) {
        run->done = true;
        kvm_vcpu_kick(run->vcpu);
    } else if (!is_write) {
        memset(data, 0xff, (size_t)size * count);
    }
}

static const KvmVcpuOps speed_ops = {.pio = speed_pio};

typedef struct GuestRam {
    void *host;
} GuestRam;

static void guest_ram_free(GuestRam *ram)
{
    if (ram->host && ram->host != MAP_FAILED) {
        munmap(ram->host, SPEED_RAM_SIZE);
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GuestRam, guest_ram_free)

bool kvm_measure_speed(const char *device, unsigned instructions, double *mips, GError **errp)
{
    KvmVmConfig config = {.device = device};
    uint32_t iterations = MAX(instructions, 2u) / 2;

    if (instructions > SPEED_MAX_INSTRUCTIONS) {
        return hull_error_setg(errp, "at most %u instructions can be measured",
                               SPEED_MAX_INSTRUCTIONS);
    }
    g_autoptr(KvmVm) vm = kvm_vm_create(&config, errp);
    if (!vm) {
        return false;
    }
    g_auto(GuestRam) ram = {
        mmap(NULL, SPEED_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)};
    if (ram.host == MAP_FAILED) {
        return hull_error_setg(errp, "cannot allocate guest RAM for the speed probe");
    }
    if (!kvm_vm_map_ram(vm, 0, SPEED_RAM_SIZE, ram.host, false, errp)) {
        return false;
    }
    /* 32-bit code: mov ecx, N; 1: dec ecx; jnz 1b; mov dx, 0x501; out dx, al; hlt; jmp. */
    uint8_t code[] = {0xb9, 0,    0,    0,    0,    0x49, 0x75, 0xfd,
                      0x66, 0xba, 0x01, 0x05, 0xee, 0xf4, 0xeb, 0xfd};
    memcpy(code + 1, &iterations, sizeof(iterations));
    memcpy((uint8_t *)ram.host + SPEED_CODE_ADDR, code, sizeof(code));

    SpeedRun run = {0};
    g_autoptr(KvmVcpu) vcpu = kvm_vcpu_create(vm, 0, &speed_ops, &run, errp);
    if (!vcpu) {
        return false;
    }
    run.vcpu = vcpu;
    X86BootEntry entry = {.mode = X86_BOOT_MODE_PVH, .rip = SPEED_CODE_ADDR};
    if (!kvm_vcpu_set_boot_entry(vcpu, &entry, errp)) {
        return false;
    }

    gint64 start = g_get_monotonic_time();
    while (!run.done) {
        KvmVcpuExit exit = kvm_vcpu_run(vcpu, errp);
        if (exit == KVM_VCPU_EXIT_ERROR) {
            return false;
        }
        if (exit != KVM_VCPU_EXIT_KICKED) {
            return hull_error_setg(errp, "speed probe guest stopped unexpectedly (%s)",
                                   kvm_vcpu_exit_name(exit));
        }
    }
    gint64 elapsed = MAX(g_get_monotonic_time() - start, (gint64)1);
    *mips = (2.0 * iterations + 3) / (double)elapsed;
    return true;
}

bool kvm_fast_enough(double min_mips, char **reason)
{
    g_autoptr(GError) err = NULL;
    double mips = 0;

    /* 300k instructions: well under a millisecond on hardware, 0.3 s when emulated. */
    if (!kvm_measure_speed(NULL, 300000, &mips, &err)) {
        *reason = g_strdup_printf("KVM unusable: %s", err->message);
        return false;
    }
    if (mips < min_mips) {
        *reason = g_strdup_printf("KVM runs guests at %.1f MIPS (emulated?); this needs at "
                                  "least %.0f",
                                  mips, min_mips);
        return false;
    }
    *reason = NULL;
    return true;
}

/*
 * For the guest tests: prints how fast this host's KVM runs guest code ("mips 1.89"), or
 * why KVM cannot be used ("unusable <reason>"). Exit status 0 either way.
 */
#include "kvm/kvm-speed.h"
#include "kvm/kvm.h"

#include <stdio.h>

int main(void)
{
    g_autoptr(GError) err = NULL;
    KvmProbeResult probe = {0};
    double mips = 0;

    kvm_probe(NULL, &probe);
    if (!probe.usable) {
        printf("unusable %s\n", probe.reason);
        kvm_probe_result_clear(&probe);
        return 0;
    }
    kvm_probe_result_clear(&probe);
    if (!kvm_measure_speed(NULL, 2000000, &mips, &err)) {
        printf("unusable speed probe failed: %s\n", err->message);
        return 0;
    }
    printf("mips %.2f\n", mips);
    return 0;
}

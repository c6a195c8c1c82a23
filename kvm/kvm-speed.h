/*
 * How fast this host's KVM runs guest code. Some hosts' /dev/kvm is a software hypervisor
 * (about a million instructions per second); tests that need real speed ask first.
 */
#ifndef HULL_KVM_KVM_SPEED_H
#define HULL_KVM_KVM_SPEED_H

#include <glib.h>
#include <stdbool.h>

/* Below this, booting Linux takes minutes instead of seconds. */
#define KVM_SPEED_LINUX_BOOT_MIN_MIPS 200.0

/*
 * Runs a counted loop of about `instructions` guest instructions in a throwaway VM on
 * `device` (NULL: /dev/kvm) and reports millions of guest instructions per second
 * (including VM entry and exit costs, so small counts understate fast hosts).
 */
bool kvm_measure_speed(const char *device, unsigned instructions, double *mips, GError **errp);

/*
 * For tests: true when the host's KVM is usable and runs guests at least `min_mips`
 * fast; otherwise false with *reason saying why (free with g_free).
 */
bool kvm_fast_enough(double min_mips, char **reason);

#endif

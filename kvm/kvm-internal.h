/*
 * What kvm.c and kvm-vcpu.c share about a VM; not for use outside kvm/.
 */
#ifndef HULL_KVM_KVM_INTERNAL_H
#define HULL_KVM_KVM_INTERNAL_H

#include "kvm/kvm.h"

#include <linux/kvm.h>

/* Retries an ioctl interrupted by a signal; returns its result, errno set on -1. */
int kvm_ioctl_retry(int fd, unsigned long request, void *arg);

/* The host's supported CPUID, fetched once per VM (owned by the VM). */
const struct kvm_cpuid2 *kvm_vm_supported_cpuid(const KvmVm *vm);
int kvm_vm_get_system_fd(const KvmVm *vm);
int kvm_vm_vcpu_mmap_size(const KvmVm *vm);
/* Size of struct kvm_xsave as the kernel wants it (KVM_CAP_XSAVE2 or 4096). */
size_t kvm_vm_xsave_size(const KvmVm *vm);
/* Whether the host lets guests use MSR `index` (KVM_GET_MSR_INDEX_LIST). */
bool kvm_vm_has_msr(const KvmVm *vm, uint32_t index);
/* Counts vCPUs so the VM is not freed under them. */
void kvm_vm_vcpu_created(KvmVm *vm);
void kvm_vm_vcpu_freed(KvmVm *vm);

#endif

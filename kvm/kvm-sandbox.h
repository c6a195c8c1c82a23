/*
 * The seccomp filter of a KVM vCPU thread: an allowlist of what the run loop and the
 * device code it dispatches to need, tighter than the process-wide sandbox.
 */
#ifndef HULL_KVM_KVM_SANDBOX_H
#define HULL_KVM_KVM_SANDBOX_H

#include "kvm/kvm-vcpu.h"

#include <glib.h>
#include <stdbool.h>

/*
 * Installs the filter on the calling thread only (no TSYNC), which must be `vcpu`'s
 * thread after kvm_vcpu_create(). Anything not allowed kills the process (SIGSYS).
 * Allowed:
 *  - ioctl on this vCPU's fd: KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS, KVM_SET_SIGNAL_MASK,
 *    and what kvm_vcpu_reset() / kvm_vcpu_set_boot_entry() use (KVM_SET_REGS, _SREGS,
 *    _MSRS, _XSAVE, _XCRS, _DEBUGREGS, _MP_STATE, KVM_GET/SET_LAPIC): the engine resets a
 *    vCPU on its own thread; ioctl on the VM fd: KVM_IRQ_LINE (devices raising interrupts);
 *  - the kick protocol: rt_sigprocmask, rt_sigtimedwait, rt_sigreturn, tgkill, getpid,
 *    gettid (kicking another vCPU from a device callback);
 *  - locks and time: futex, sched_yield, nanosleep, clock_nanosleep, clock_gettime,
 *    gettimeofday, restart_syscall;
 *  - memory for malloc: brk, mmap / mprotect without PROT_EXEC, munmap, mremap, madvise;
 *  - already-open descriptors (logs, chardevs, eventfds): read, write, writev, sendto,
 *    sendmsg, fstat, newfstatat, close (freeing the vCPU closes its fd);
 *  - ending the thread: exit, exit_group, sigaltstack (sanitizer runtimes at thread exit).
 * Not allowed, among everything else: opening files, sockets, fork/exec, other ioctls,
 * executable memory. Fails (errp) when seccomp is not built in or refuses the filter.
 */
bool kvm_vcpu_sandbox_apply(KvmVcpu *vcpu, GError **errp);

#endif

/*
 * Per-thread seccomp allowlist for KVM vCPU threads (see kvm-sandbox.h for the list and
 * the reasons behind it).
 */
#include "kvm/kvm-sandbox.h"

#include "config-host.h"
#include "util/error.h"

#ifdef CONFIG_SECCOMP
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/mman.h>
#endif

#ifdef CONFIG_SECCOMP

typedef struct SeccompFilter {
    scmp_filter_ctx ctx;
} SeccompFilter;

static void seccomp_filter_clear(SeccompFilter *f)
{
    if (f->ctx) {
        seccomp_release(f->ctx);
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SeccompFilter, seccomp_filter_clear)

/* Plain syscalls the run loop, locks, malloc, logging and thread exit use. */
static const char *const vcpu_allowed_syscalls[] = {
    "rt_sigprocmask",
    "rt_sigtimedwait",
    "rt_sigreturn",
    "sigaltstack", /* thread exit under AddressSanitizer unsets its alternate stack */
    "tgkill",
    "getpid",
    "gettid",
    "futex",
    "sched_yield",
    "nanosleep",
    "clock_nanosleep",
    "clock_gettime",
    "gettimeofday",
    "restart_syscall",
    "brk",
    "munmap",
    "mremap",
    "madvise",
    "read",
    "write",
    "writev",
    "sendto",
    "sendmsg",
    "close",
    "fstat",
    "newfstatat",
    "exit",
    "exit_group",
};

/* What kvm_vcpu_reset() and kvm_vcpu_set_boot_entry() need: the engine resets a vCPU on
 * its own thread (KVM wants vCPU ioctls from the thread that runs it). */
static const unsigned long vcpu_reset_ioctls[] = {
    KVM_SET_REGS,  KVM_SET_SREGS, KVM_SET_MSRS,      KVM_SET_XSAVE,    KVM_SET_XCRS,
    KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_SET_DEBUGREGS, KVM_SET_MP_STATE,
};

static bool add_rule(SeccompFilter *f, int nr, const char *name, unsigned count,
                     const struct scmp_arg_cmp *args, GError **errp)
{
    int rc = seccomp_rule_add_array(f->ctx, SCMP_ACT_ALLOW, nr, count, args);

    if (rc < 0) {
        return hull_error_setg_errno(errp, -rc, "seccomp: cannot allow %s", name);
    }
    return true;
}

static bool allow_ioctl(SeccompFilter *f, int fd, unsigned long request, GError **errp)
{
    /* Both are 32-bit in the kernel's ABI; compare only those bits. */
    struct scmp_arg_cmp args[] = {
        SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)fd),
        SCMP_A1_32(SCMP_CMP_EQ, (uint32_t)request),
    };

    return add_rule(f, SCMP_SYS(ioctl), "ioctl", G_N_ELEMENTS(args), args, errp);
}

/* mmap and mprotect, but never for executable memory. */
static bool allow_without_exec(SeccompFilter *f, int nr, const char *name, GError **errp)
{
    struct scmp_arg_cmp no_exec = SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);

    return add_rule(f, nr, name, 1, &no_exec, errp);
}

bool kvm_vcpu_sandbox_apply(KvmVcpu *vcpu, GError **errp)
{
    g_auto(SeccompFilter) f = {seccomp_init(SCMP_ACT_KILL_PROCESS)};
    int vcpu_fd = kvm_vcpu_get_fd(vcpu), vm_fd = kvm_vm_get_fd(kvm_vcpu_get_vm(vcpu));

    if (!f.ctx) {
        return hull_error_setg(errp, "seccomp: cannot create a filter");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(vcpu_allowed_syscalls); i++) {
        int nr = seccomp_syscall_resolve_name(vcpu_allowed_syscalls[i]);
        if (nr == __NR_SCMP_ERROR) {
            return hull_error_setg(errp, "seccomp: unknown system call %s",
                                   vcpu_allowed_syscalls[i]);
        }
        if (!add_rule(&f, nr, vcpu_allowed_syscalls[i], 0, NULL, errp)) {
            return false;
        }
    }
    if (!allow_without_exec(&f, SCMP_SYS(mmap), "mmap", errp) ||
        !allow_without_exec(&f, SCMP_SYS(mprotect), "mprotect", errp) ||
        !allow_ioctl(&f, vcpu_fd, KVM_RUN, errp) || !allow_ioctl(&f, vcpu_fd, KVM_GET_REGS, errp) ||
        !allow_ioctl(&f, vcpu_fd, KVM_GET_SREGS, errp) ||
        !allow_ioctl(&f, vcpu_fd, KVM_SET_SIGNAL_MASK, errp) ||
        !allow_ioctl(&f, vm_fd, KVM_IRQ_LINE, errp)) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(vcpu_reset_ioctls); i++) {
        if (!allow_ioctl(&f, vcpu_fd, vcpu_reset_ioctls[i], errp)) {
            return false;
        }
    }
    int rc = seccomp_load(f.ctx);
    if (rc < 0) {
        return hull_error_setg_errno(errp, -rc, "seccomp: cannot load the vCPU filter");
    }
    return true;
}

#else

bool kvm_vcpu_sandbox_apply(KvmVcpu *vcpu, GError **errp)
{
    return hull_error_setg(errp, "this hulld was built without seccomp support");
}

#endif

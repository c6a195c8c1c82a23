/*
 * The seccomp sandbox: a deny list in the spirit of QEMU's
 * -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny.
 */
#include "service/sandbox.h"

#include "config-host.h"

#include <errno.h>
#include <sched.h>

#ifdef CONFIG_SECCOMP
#include <seccomp.h>
#endif

#include "util/error.h"
#include "util/log.h"

#ifdef CONFIG_SECCOMP

typedef struct SandboxRule {
    const char *name;
    bool kill; /* kill the process; otherwise fail with EPERM */
} SandboxRule;

static const SandboxRule sandbox_rules[] = {
    /* spawn */
    {"execve", true},
    {"execveat", true},
    {"fork", false},
    {"vfork", false},
    /* system administration, never needed by a VMM */
    {"reboot", true},
    {"kexec_load", true},
    {"kexec_file_load", true},
    {"init_module", true},
    {"finit_module", true},
    {"delete_module", true},
    {"mount", true},
    {"umount", true},
    {"umount2", true},
    {"pivot_root", true},
    {"swapon", true},
    {"swapoff", true},
    {"syslog", true},
    {"acct", true},
    {"settimeofday", true},
    {"clock_settime", true},
    {"clock_adjtime", true},
    {"adjtimex", true},
    {"sethostname", true},
    {"setdomainname", true},
    {"iopl", true},
    {"ioperm", true},
    {"open_by_handle_at", true},
    {"ptrace", true},
    {"process_vm_readv", true},
    {"process_vm_writev", true},
    {"personality", true},
    /* obsolete */
    {"_sysctl", true},
    {"bdflush", true},
    {"create_module", true},
    {"get_kernel_syms", true},
    {"query_module", true},
    {"uselib", true},
    {"sysfs", true},
    {"ustat", true},
    {"readdir", true},
    {"sgetmask", true},
    {"ssetmask", true},
    {"afs_syscall", true},
    {"getpmsg", true},
    {"putpmsg", true},
    {"security", true},
    {"tuxcall", true},
    {"vserver", true},
    /* elevate privileges */
    {"setuid", false},
    {"setgid", false},
    {"setreuid", false},
    {"setregid", false},
    {"setresuid", false},
    {"setresgid", false},
    {"setfsuid", false},
    {"setfsgid", false},
    {"setgroups", false},
    {"setpgid", false},
    {"setsid", false},
    {"unshare", false},
    {"setns", false},
    /* resource control */
    {"setpriority", false},
    {"sched_setparam", false},
    {"sched_setscheduler", false},
    {"sched_setattr", false},
    {"sched_setaffinity", false},
};

bool sandbox_available(void)
{
    return true;
}

bool sandbox_apply(GError **errp)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    unsigned count = 0;
    int rc;

    if (!ctx) {
        return hull_error_setg(errp, "sandbox: seccomp_init failed");
    }
    /* Existing threads (GLib's workers) get the filter too. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc < 0) {
        seccomp_release(ctx);
        return hull_error_setg_errno(errp, -rc, "sandbox: cannot synchronise threads");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sandbox_rules); i++) {
        int nr = seccomp_syscall_resolve_name(sandbox_rules[i].name);

        if (nr == __NR_SCMP_ERROR || nr < 0) {
            continue; /* not a system call on this architecture */
        }
        rc = seccomp_rule_add(ctx,
                              sandbox_rules[i].kill ? SCMP_ACT_KILL_PROCESS
                                                    : SCMP_ACT_ERRNO(EPERM),
                              nr, 0);
        if (rc < 0) {
            seccomp_release(ctx);
            return hull_error_setg_errno(errp, -rc, "sandbox: rule for %s",
                                         sandbox_rules[i].name);
        }
        count++;
    }
    /* clone creating a process (no CLONE_THREAD) is a fork in disguise. */
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                          SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    if (rc == 0) {
        /* clone3 passes its flags in memory, out of seccomp's sight: make libc fall back. */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    if (rc < 0) {
        seccomp_release(ctx);
        return hull_error_setg_errno(errp, -rc, "sandbox: rule for clone");
    }
    rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        return hull_error_setg_errno(errp, -rc, "sandbox: loading the seccomp filter failed");
    }
    hull_info("sandbox", "seccomp sandbox on (%u system calls denied)", count + 2);
    return true;
}

#else

bool sandbox_available(void)
{
    return false;
}

bool sandbox_apply(GError **errp)
{
    return hull_error_setg(errp, "this hulld was built without seccomp (-Dseccomp=disabled): "
                                 "no sandbox; run with --sandbox off");
}

#endif

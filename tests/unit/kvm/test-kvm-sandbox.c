/*
 * Tests for kvm/kvm-sandbox.c: a sandboxed vCPU thread still runs guests and can be
 * kicked, and a system call outside its allowlist kills the process. Each case runs in
 * a subprocess so the filter never reaches the test runner.
 */
#include "guest-harness.h"
#include "kvm/kvm-sandbox.h"

#include "config-host.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

typedef struct SandboxedRun {
    Guest *g;
    bool forbidden_call; /* after sandboxing, open a file instead of running */
    bool single_run;     /* return after one kvm_vcpu_run(), kicked or not */
    bool reset_and_free; /* after the run, reset the vCPU and free it on this thread */
    GMutex lock;
    GCond cond;
    bool in_run; /* the thread is about to enter kvm_vcpu_run() */
    KvmVcpuExit exit;
} SandboxedRun;

static gpointer sandboxed_thread(gpointer data)
{
    SandboxedRun *r = data;
    g_autoptr(GError) err = NULL;

    if (!kvm_vcpu_sandbox_apply(r->g->vcpu, &err)) {
        g_error("sandbox: %s", err->message);
    }
    if (r->forbidden_call) {
        fprintf(stderr, "sandboxed, opening a file\n");
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        fprintf(stderr, "survived the open (fd %d)\n", fd);
        return NULL;
    }
    g_mutex_lock(&r->lock);
    r->in_run = true;
    g_cond_signal(&r->cond);
    g_mutex_unlock(&r->lock);
    r->exit = r->single_run ? kvm_vcpu_run(r->g->vcpu, &err) : guest_run(r->g, &err);
    g_assert_no_error(err);
    if (r->reset_and_free) {
        /* What the engine does on a vCPU thread: reset (system_reset), then destroy. */
        g_assert_true(kvm_vcpu_reset(r->g->vcpu, &err));
        g_assert_no_error(err);
        g_clear_pointer(&r->g->vcpu, kvm_vcpu_free);
        printf("reset and freed on the sandboxed thread\n");
    }
    return NULL;
}

static void run_sandboxed(Guest *g, SandboxedRun *r)
{
    r->g = g;
    g_mutex_init(&r->lock);
    g_cond_init(&r->cond);
    GThread *thread = g_thread_new("vcpu", sandboxed_thread, r);
    g_thread_join(thread);
    g_mutex_clear(&r->lock);
    g_cond_clear(&r->cond);
}

static void test_run_loop_allowed(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stdout("*guest said: Hello from a PVH guest*");
        g_test_trap_assert_stdout("*spinning guest kicked*");
        return;
    }
    g_autoptr(GBytes) hello = read_guest("hello.elf");
    g_autoptr(GBytes) spin = read_guest("spin.elf");
    g_assert_nonnull(hello);
    g_assert_nonnull(spin);

    /* Port I/O callbacks, malloc and the self-kick of the exit port, sandboxed. */
    Guest g;
    guest_start(&g, hello, NULL);
    SandboxedRun r = {0};
    run_sandboxed(&g, &r);
    g_assert_cmpint(r.exit, ==, KVM_VCPU_EXIT_KICKED);
    g_assert_cmpint(g.exit_code, ==, 0);
    printf("guest said: %s", g.out->str);
    guest_stop(&g);

    /* A kick from another thread: the signal and its consumption, sandboxed. */
    guest_start(&g, spin, NULL);
    SandboxedRun k = {.g = &g, .single_run = true};
    g_mutex_init(&k.lock);
    g_cond_init(&k.cond);
    GThread *thread = g_thread_new("vcpu", sandboxed_thread, &k);
    g_mutex_lock(&k.lock);
    while (!k.in_run) {
        g_cond_wait(&k.cond, &k.lock);
    }
    g_mutex_unlock(&k.lock);
    g_usleep(20 * 1000);
    kvm_vcpu_kick(g.vcpu);
    g_thread_join(thread);
    g_assert_cmpint(k.exit, ==, KVM_VCPU_EXIT_KICKED);
    printf("spinning guest kicked\n");
    g_mutex_clear(&k.lock);
    g_cond_clear(&k.cond);
    guest_stop(&g);
}

/* The engine resets a vCPU and finally frees it on the vCPU's own (sandboxed) thread. */
static void test_reset_and_free_allowed(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stdout("*reset and freed on the sandboxed thread*");
        return;
    }
    g_autoptr(GBytes) hello = read_guest("hello.elf");
    g_assert_nonnull(hello);
    Guest g;
    guest_start(&g, hello, NULL);
    SandboxedRun r = {.reset_and_free = true};
    run_sandboxed(&g, &r);
    g_assert_cmpint(g.exit_code, ==, 0);
    g_assert_null(g.vcpu);
    guest_stop(&g);
}

static void test_forbidden_syscall_kills(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_failed();
        g_test_trap_assert_stderr("*sandboxed, opening a file*");
        g_test_trap_assert_stderr_unmatched("*survived*");
        return;
    }
    g_autoptr(GBytes) hello = read_guest("hello.elf");
    g_assert_nonnull(hello);
    Guest g;
    guest_start(&g, hello, NULL);
    SandboxedRun r = {.forbidden_call = true};
    run_sandboxed(&g, &r);
    /* Not reached: the open() killed the process. */
    printf("the process survived a forbidden system call\n");
}

/* The filter is per thread: the other threads of the process are untouched. */
static void test_other_threads_unaffected(void)
{
    if (!kvm_usable_or_skip()) {
        return;
    }
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stdout("*main thread opened a file*");
        return;
    }
    g_autoptr(GBytes) hello = read_guest("hello.elf");
    g_assert_nonnull(hello);
    Guest g;
    guest_start(&g, hello, NULL);
    SandboxedRun r = {0};
    run_sandboxed(&g, &r);
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    printf("main thread opened a file\n");
    guest_stop(&g);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#ifdef CONFIG_SECCOMP
    g_test_add_func("/kvm/sandbox/run-loop-allowed", test_run_loop_allowed);
    g_test_add_func("/kvm/sandbox/reset-and-free-allowed", test_reset_and_free_allowed);
    g_test_add_func("/kvm/sandbox/forbidden-syscall-kills", test_forbidden_syscall_kills);
    g_test_add_func("/kvm/sandbox/other-threads-unaffected", test_other_threads_unaffected);
#endif
    return g_test_run();
}

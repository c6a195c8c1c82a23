/*
 * Unit tests for engine/accel and engine/cpu with a fake accelerator whose exec loop
 * counts iterations: registry, pause/resume/destroy barriers, halt/wake, failures.
 */
#include "engine/cpu.h"
#include "engine/lock.h"
#include "util/error.h"

typedef enum FakeMode {
    FAKE_RUN,      /* spin until kicked */
    FAKE_HALT,     /* halt immediately */
    FAKE_FAIL,     /* report an error */
} FakeMode;

typedef struct FakeCpu {
    gint iterations;
    gint mode;
    gint in_exec;
    bool fail_create;
} FakeCpu;

static gint fake_created;
static gint fake_destroyed;
static gint fake_kicks;
static gint fake_resets;

static bool fake_create_vcpu(CPUState *cpu, GError **errp)
{
    FakeCpu *fc = cpu->arch;

    if (fc->fail_create) {
        return hull_error_setg(errp, "no vCPU for you");
    }
    g_assert_true(cpu_current() == cpu);
    g_atomic_int_inc(&fake_created);
    return true;
}

static void fake_destroy_vcpu(CPUState *cpu)
{
    g_atomic_int_inc(&fake_destroyed);
}

static CpuExecResult fake_exec(CPUState *cpu)
{
    FakeCpu *fc = cpu->arch;
    CpuExecResult result = CPU_EXEC_EXIT;

    g_assert_false(engine_lock_held());
    g_atomic_int_set(&fc->in_exec, 1);
    switch (g_atomic_int_get(&fc->mode)) {
    case FAKE_HALT:
        result = CPU_EXEC_HALTED;
        break;
    case FAKE_FAIL:
        result = CPU_EXEC_ERROR;
        break;
    default:
        while (!g_atomic_int_get(&cpu->exit_request)) {
            g_atomic_int_inc(&fc->iterations);
            g_usleep(50);
        }
        break;
    }
    g_atomic_int_set(&fc->in_exec, 0);
    return result;
}

static void fake_kick(CPUState *cpu)
{
    g_atomic_int_inc(&fake_kicks);
}

static void fake_reset(CPUState *cpu)
{
    FakeCpu *fc = cpu->arch;

    g_assert_false(g_atomic_int_get(&fc->in_exec));
    g_assert_true(cpu_current() == cpu);
    g_assert_true(engine_lock_held());
    g_atomic_int_inc(&fake_resets);
}

static GString *fake_memory_log;

static void fake_region_add(AccelState *accel, const MemorySection *s)
{
    g_string_append_printf(fake_memory_log, "+%s ", memory_region_name(s->mr));
}

static void fake_region_del(AccelState *accel, const MemorySection *s)
{
    g_string_append_printf(fake_memory_log, "-%s ", memory_region_name(s->mr));
}

static const AccelOps fake_ops = {
    .name = "fake",
    .description = "counts loop iterations",
    .create_vcpu = fake_create_vcpu,
    .destroy_vcpu = fake_destroy_vcpu,
    .exec = fake_exec,
    .kick_vcpu = fake_kick,
    .reset_vcpu = fake_reset,
    .region_add = fake_region_add,
    .region_del = fake_region_del,
};

static bool unusable_probe(char **reason)
{
    *reason = g_strdup("needs hardware this host lacks");
    return false;
}

static const AccelOps unusable_ops = {
    .name = "absent",
    .probe = unusable_probe,
    .exec = fake_exec,
};

/* ---- fixture: an address space, the fake accelerator and a group ---- */

typedef struct Fixture {
    MemoryRegion *root;
    AddressSpace *as;
    AccelState *accel;
    CpuGroup *group;
    FakeCpu fc[8];
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->root = memory_region_new_container("root", UINT64_MAX);
    f->as = address_space_new("system", f->root);
    engine_lock();
    f->accel = accel_new("fake", f->as, &err);
    g_assert_no_error(err);
    f->group = cpu_group_new(f->accel);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    cpu_group_free(f->group);
    accel_free(f->accel);
    engine_unlock();
    address_space_free(f->as);
    memory_region_unref(f->root);
}

static void create_cpus(Fixture *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        g_autoptr(GError) err = NULL;

        g_assert_nonnull(cpu_create(f->group, &f->fc[i], &err));
        g_assert_no_error(err);
    }
}

/* Waits (lock released) until every vCPU has looped at least `more` times past `base`. */
static void wait_progress(Fixture *f, unsigned n, const gint *base, gint more)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    for (unsigned i = 0; i < n; i++) {
        while (g_atomic_int_get(&f->fc[i].iterations) < base[i] + more) {
            g_assert_cmpint(g_get_monotonic_time(), <, deadline);
            engine_unlock();
            g_usleep(200);
            engine_lock();
        }
    }
}

static void snapshot(Fixture *f, unsigned n, gint *out)
{
    for (unsigned i = 0; i < n; i++) {
        out[i] = g_atomic_int_get(&f->fc[i].iterations);
    }
}

/* ---- tests ---- */

static void test_registry(void)
{
    g_autoptr(GError) err = NULL;
    GArray *list;
    AccelState *accel;

    g_assert_false(accel_register(&fake_ops));
    g_assert_true(accel_find("fake") == &fake_ops);
    g_assert_null(accel_find("nope"));

    /* Every accelerator linked into libhull is listed too (qtest, tcg, kvm): look for
     * ours, and check the order. */
    list = accel_query_all();
    const AccelStatus *absent = NULL, *fake = NULL;
    for (guint i = 0; i < list->len; i++) {
        const AccelStatus *a = &g_array_index(list, AccelStatus, i);

        if (i > 0) {
            g_assert_cmpstr(g_array_index(list, AccelStatus, i - 1).name, <, a->name);
        }
        if (g_str_equal(a->name, "absent")) {
            absent = a;
        } else if (g_str_equal(a->name, "fake")) {
            fake = a;
        }
    }
    g_assert_nonnull(absent);
    g_assert_nonnull(fake);
    g_assert_false(absent->usable);
    g_assert_cmpstr(absent->reason, ==, "needs hardware this host lacks");
    g_assert_true(fake->usable);
    g_assert_null(fake->reason);
    accel_info_list_free(list);

    accel = accel_new("nope", NULL, &err);
    g_assert_null(accel);
    g_assert_cmpstr(err->message, ==, "unknown accelerator 'nope'");
    g_clear_error(&err);
    accel = accel_new("absent", NULL, &err);
    g_assert_null(accel);
    g_assert_cmpstr(err->message, ==,
                    "accelerator 'absent' is not usable: needs hardware this host lacks");
}

static void test_memory_hooks(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = memory_region_new_ram("ram", 0x1000, 0, NULL);
    g_autoptr(MemoryRegion) rom = memory_region_new_rom("rom", 0x1000, NULL);
    g_autoptr(AddressSpace) as = NULL;
    AccelState *accel;

    fake_memory_log = g_string_new("");
    memory_region_add_subregion(root, 0x80000000, ram, 0, NULL);
    as = address_space_new("system", root);
    engine_lock();
    accel = accel_new("fake", as, NULL);
    g_assert_cmpstr(fake_memory_log->str, ==, "+ram ");
    memory_region_add_subregion(root, 0x1000, rom, 0, NULL);
    g_assert_cmpstr(fake_memory_log->str, ==, "+ram +rom ");
    accel_free(accel);
    engine_unlock();
    g_assert_cmpstr(fake_memory_log->str, ==, "+ram +rom -rom -ram ");
    g_string_free(fake_memory_log, true);
    fake_memory_log = NULL;
}

static void test_pause_resume(Fixture *f, gconstpointer data)
{
    enum { N = 4 };
    gint base[N], after[N];

    g_atomic_int_set(&fake_created, 0);
    create_cpus(f, N);
    g_assert_cmpint(g_atomic_int_get(&fake_created), ==, N);
    g_assert_cmpuint(cpu_group_count(f->group), ==, N);
    g_assert_true(cpus_paused(f->group));

    /* A new group is paused: nothing runs until resumed. */
    engine_unlock();
    g_usleep(5000);
    engine_lock();
    for (unsigned i = 0; i < N; i++) {
        g_assert_cmpint(g_atomic_int_get(&f->fc[i].iterations), ==, 0);
        g_assert_cmpuint(cpu_group_get(f->group, i)->exec_calls, ==, 0);
    }

    for (unsigned round = 0; round < 25; round++) {
        snapshot(f, N, base);
        cpus_resume_all(f->group);
        g_assert_false(cpus_paused(f->group));
        wait_progress(f, N, base, 3);

        cpus_pause_all(f->group);
        for (unsigned i = 0; i < N; i++) {
            g_assert_true(cpu_group_get(f->group, i)->parked);
            g_assert_false(g_atomic_int_get(&f->fc[i].in_exec));
        }
        /* Parked means parked: no iteration happens after pause_all returned. */
        snapshot(f, N, base);
        engine_unlock();
        g_usleep(1000);
        engine_lock();
        snapshot(f, N, after);
        for (unsigned i = 0; i < N; i++) {
            g_assert_cmpint(after[i], ==, base[i]);
        }
    }
    /* Pausing twice and resetting while paused are fine. */
    cpus_pause_all(f->group);
    g_atomic_int_set(&fake_resets, 0);
    cpus_reset_all(f->group);
    g_assert_cmpint(g_atomic_int_get(&fake_resets), ==, N);
}

static void test_destroy_running(Fixture *f, gconstpointer data)
{
    enum { N = 6 };
    gint base[N];

    for (unsigned round = 0; round < 5; round++) {
        g_atomic_int_set(&fake_destroyed, 0);
        create_cpus(f, N);
        snapshot(f, N, base);
        cpus_resume_all(f->group);
        wait_progress(f, N, base, 1);
        cpu_group_free(f->group);
        g_assert_cmpint(g_atomic_int_get(&fake_destroyed), ==, N);
        f->group = cpu_group_new(f->accel);
    }
}

static void test_halt_and_wake(Fixture *f, gconstpointer data)
{
    CPUState *cpu;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    gint base[1] = {0};
    guint64 calls;

    f->fc[0].mode = FAKE_HALT;
    create_cpus(f, 1);
    cpu = cpu_group_get(f->group, 0);
    cpus_resume_all(f->group);
    while (!cpu->halted) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        engine_lock_wait_until(&cpu->cond, g_get_monotonic_time() + 1000);
    }
    /* Halted: exec is not called again until woken. */
    calls = cpu->exec_calls;
    engine_unlock();
    g_usleep(2000);
    engine_lock();
    g_assert_cmpuint(cpu->exec_calls, ==, calls);

    /* Pausing a halted vCPU works (it parks). */
    cpus_pause_all(f->group);
    g_assert_true(cpu->parked);
    cpus_resume_all(f->group);

    g_atomic_int_set(&f->fc[0].mode, FAKE_RUN);
    cpu_wake(cpu);
    wait_progress(f, 1, base, 2);
    g_assert_cmpuint(cpu->exec_calls, >, calls);
}

static void count_on_thread(CPUState *cpu, void *data)
{
    g_assert_true(cpu_current() == cpu);
    g_assert_true(engine_lock_held());
    g_assert_false(g_atomic_int_get(&((FakeCpu *)cpu->arch)->in_exec));
    (*(unsigned *)data)++;
}

static void test_run_on(Fixture *f, gconstpointer data)
{
    enum { N = 3 };
    gint base[N];
    unsigned calls = 0;

    create_cpus(f, N);
    /* Parked vCPUs run the work and stay parked. */
    for (unsigned i = 0; i < N; i++) {
        cpu_run_on(cpu_group_get(f->group, i), count_on_thread, &calls);
    }
    g_assert_cmpuint(calls, ==, N);
    g_assert_cmpuint(cpu_group_get(f->group, 0)->exec_calls, ==, 0);

    /* Running vCPUs are pulled out of exec, run it, and go on running. */
    snapshot(f, N, base);
    cpus_resume_all(f->group);
    wait_progress(f, N, base, 1);
    for (unsigned round = 0; round < 20; round++) {
        cpu_run_on(cpu_group_get(f->group, round % N), count_on_thread, &calls);
    }
    g_assert_cmpuint(calls, ==, N + 20);
    snapshot(f, N, base);
    wait_progress(f, N, base, 2);
}

static bool error_seen;

static void on_cpu_error(CPUState *cpu, void *opaque)
{
    g_assert_true(engine_lock_held());
    error_seen = true;
}

static void test_exec_error(Fixture *f, gconstpointer data)
{
    CPUState *cpu;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    error_seen = false;
    cpu_group_set_error_handler(f->group, on_cpu_error, NULL);
    f->fc[0].mode = FAKE_FAIL;
    create_cpus(f, 1);
    cpu = cpu_group_get(f->group, 0);
    cpus_resume_all(f->group);
    while (!error_seen) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        engine_unlock();
        g_usleep(200);
        engine_lock();
    }
    g_assert_true(cpu->failed);
    /* A failed vCPU stays parked; pausing returns at once and a reset clears it. */
    cpus_pause_all(f->group);
    g_assert_true(cpu->parked);
    cpus_reset_all(f->group);
    g_assert_false(cpu->failed);
}

static void test_create_failure(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->fc[0].fail_create = true;
    g_assert_null(cpu_create(f->group, &f->fc[0], &err));
    g_assert_cmpstr(err->message, ==, "cpu0: no vCPU for you");
    g_assert_cmpuint(cpu_group_count(f->group), ==, 0);
    f->fc[0].fail_create = false;
    create_cpus(f, 2);
    g_assert_cmpuint(cpu_group_count(f->group), ==, 2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(accel_register(&fake_ops));
    g_assert_true(accel_register(&unusable_ops));

    g_test_add_func("/engine/accel/registry", test_registry);
    g_test_add_func("/engine/accel/memory-hooks", test_memory_hooks);
    g_test_add("/engine/cpu/pause-resume", Fixture, NULL, fixture_setup, test_pause_resume,
               fixture_teardown);
    g_test_add("/engine/cpu/destroy-running", Fixture, NULL, fixture_setup,
               test_destroy_running, fixture_teardown);
    g_test_add("/engine/cpu/halt-and-wake", Fixture, NULL, fixture_setup, test_halt_and_wake,
               fixture_teardown);
    g_test_add("/engine/cpu/run-on", Fixture, NULL, fixture_setup, test_run_on,
               fixture_teardown);
    g_test_add("/engine/cpu/exec-error", Fixture, NULL, fixture_setup, test_exec_error,
               fixture_teardown);
    g_test_add("/engine/cpu/create-failure", Fixture, NULL, fixture_setup, test_create_failure,
               fixture_teardown);
    return g_test_run();
}

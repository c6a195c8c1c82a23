/*
 * Unit tests for engine/irq, engine/clock and engine/timer: line levels and combiners,
 * the virtual clock's run/stop/manual modes, and timers on the main context.
 */
#include "engine/clock.h"
#include "engine/irq.h"
#include "engine/lock.h"
#include "engine/timer.h"

/* ---- IRQ lines ---- */

typedef struct IrqProbe {
    GString *log;
} IrqProbe;

static void probe_handler(void *opaque, unsigned n, bool level)
{
    IrqProbe *p = opaque;

    g_string_append_printf(p->log, "%u%c ", n, level ? '+' : '-');
}

static void test_irq_levels(void)
{
    IrqProbe p = {g_string_new("")};
    IrqLine **lines = irq_lines_new(probe_handler, &p, 3, 2);

    irq_raise(lines[0]);
    irq_lower(lines[0]);
    irq_pulse(lines[1]);
    irq_set_level(lines[1], true);
    g_assert_cmpstr(p.log->str, ==, "3+ 3- 4+ 4- 4+ ");
    g_assert_false(irq_get_level(lines[0]));
    g_assert_true(irq_get_level(lines[1]));
    /* An unconnected pin: nothing happens. */
    irq_raise(NULL);
    g_assert_false(irq_get_level(NULL));
    irq_lines_free(lines, 2);
    g_string_free(p.log, true);
}

static void test_irq_combiners(void)
{
    IrqProbe p = {g_string_new("")};
    g_autoptr(IrqLine) out = irq_line_new(probe_handler, &p, 7);
    g_autoptr(IrqLine) out2 = irq_line_new(probe_handler, &p, 8);
    IrqOrGate *gate = irq_or_gate_new(out, 3);
    IrqLine *outs[] = {out, out2};
    IrqSplitter *split = irq_splitter_new(outs, 2);

    /* The output changes only when the OR of the inputs does. */
    irq_raise(irq_or_gate_input(gate, 0));
    irq_raise(irq_or_gate_input(gate, 2));
    irq_raise(irq_or_gate_input(gate, 2));
    irq_lower(irq_or_gate_input(gate, 0));
    g_assert_cmpstr(p.log->str, ==, "7+ ");
    irq_lower(irq_or_gate_input(gate, 2));
    g_assert_cmpstr(p.log->str, ==, "7+ 7- ");
    g_string_truncate(p.log, 0);

    irq_pulse(irq_splitter_input(split));
    g_assert_cmpstr(p.log->str, ==, "7+ 8+ 7- 8- ");

    irq_or_gate_free(gate);
    irq_splitter_free(split);
    g_string_free(p.log, true);
}

/* ---- clocks and timers ---- */

typedef struct TimerProbe {
    GString *log;
    const char *name;
    Timer *timer;
    int64_t rearm_period; /* > 0: periodic */
    unsigned fired;
    int64_t fired_at;
} TimerProbe;

static void probe_timer_cb(void *opaque)
{
    TimerProbe *p = opaque;

    g_assert_true(engine_lock_held());
    p->fired++;
    p->fired_at = clock_get_ns(HULL_CLOCK_VIRTUAL);
    if (p->log) {
        g_string_append_printf(p->log, "%s@%" G_GINT64_FORMAT " ", p->name, p->fired_at);
    }
    if (p->rearm_period > 0) {
        timer_mod(p->timer, p->fired_at + p->rearm_period);
    }
}

static void test_virtual_clock_run_stop(void)
{
    int64_t t0, t1;

    clock_reset();
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, 0);
    g_assert_false(clock_virtual_running());
    g_usleep(2000);
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, 0);

    clock_virtual_start();
    g_usleep(2000);
    t0 = clock_get_ns(HULL_CLOCK_VIRTUAL);
    g_assert_cmpint(t0, >=, 2000000);
    clock_virtual_stop();
    t1 = clock_get_ns(HULL_CLOCK_VIRTUAL);
    g_usleep(2000);
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, t1);
    g_assert_cmpint(t1, >=, t0);

    /* Restarting continues from where it stopped, not from host time. */
    clock_virtual_start();
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL) - t1, <, 1000000000);
    clock_reset();
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, 0);
}

static void test_manual_clock(void)
{
    g_autoptr(GString) log = g_string_new("");
    TimerProbe a = {.log = log, .name = "a"}, b = {.log = log, .name = "b"};
    TimerProbe c = {.log = log, .name = "c"}, tick = {.log = log, .name = "tick"};

    clock_reset();
    g_assert_cmpint(clock_step(10), ==, -1); /* not in manual mode */
    clock_set_manual(true);
    clock_virtual_start(); /* a running machine does not move a manual clock */
    engine_lock();
    a.timer = timer_new(HULL_CLOCK_VIRTUAL, probe_timer_cb, &a);
    b.timer = timer_new(HULL_CLOCK_VIRTUAL, probe_timer_cb, &b);
    c.timer = timer_new(HULL_CLOCK_VIRTUAL, probe_timer_cb, &c);
    tick.timer = timer_new(HULL_CLOCK_VIRTUAL, probe_timer_cb, &tick);
    tick.rearm_period = 100;

    timer_mod(b.timer, 300);
    timer_mod(a.timer, 150);
    timer_mod(c.timer, 1000);
    timer_mod(tick.timer, 100);
    g_assert_cmpint(timers_next_deadline(HULL_CLOCK_VIRTUAL), ==, 100);

    g_usleep(1000);
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, 0);
    g_assert_cmpint(clock_step(99), ==, 99);
    g_assert_cmpstr(log->str, ==, "");
    /* Each timer runs at its own deadline, in order; the periodic one re-arms itself. */
    g_assert_cmpint(clock_step(251), ==, 350);
    g_assert_cmpstr(log->str, ==, "tick@100 a@150 tick@200 b@300 tick@300 ");
    g_string_truncate(log, 0);

    /* Cancelled timers do not run; going backwards is refused. */
    timer_del(c.timer);
    g_assert_false(timer_pending(c.timer));
    g_assert_cmpint(timer_expire_time(c.timer), ==, -1);
    timer_del(tick.timer);
    g_assert_cmpint(clock_set_ns(2000), ==, 2000);
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpint(clock_set_ns(1000), ==, -1);
    g_assert_cmpint(clock_step(-5), ==, -1);
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_VIRTUAL), ==, 2000);

    /* A timer armed in the past runs at the next step. */
    timer_mod(a.timer, 5);
    g_assert_cmpint(clock_step(0), ==, 2000);
    g_assert_cmpstr(log->str, ==, "a@2000 ");

    timer_free(a.timer);
    timer_free(b.timer);
    timer_free(c.timer);
    timer_free(tick.timer);
    engine_unlock();
    clock_reset();
}

static gboolean fail_on_timeout(gpointer data)
{
    g_error("timed out waiting for a timer");
    return G_SOURCE_REMOVE;
}

static void run_until(GMainContext *ctx, unsigned *counter, unsigned target)
{
    GSource *guard = g_timeout_source_new(10000);

    g_source_set_callback(guard, fail_on_timeout, NULL, NULL);
    g_source_attach(guard, ctx);
    while (*counter < target) {
        g_main_context_iteration(ctx, TRUE);
    }
    g_source_destroy(guard);
    g_source_unref(guard);
}

static void test_main_loop_timers(void)
{
    GMainContext *ctx = g_main_context_new();
    TimerProbe rt = {0}, virt = {0};
    int64_t start;

    clock_reset();
    timers_attach(ctx);
    rt.timer = timer_new(HULL_CLOCK_REALTIME, probe_timer_cb, &rt);
    virt.timer = timer_new(HULL_CLOCK_VIRTUAL, probe_timer_cb, &virt);

    start = clock_get_ns(HULL_CLOCK_REALTIME);
    timer_mod(rt.timer, start + 3000000);
    run_until(ctx, &rt.fired, 1);
    g_assert_cmpint(clock_get_ns(HULL_CLOCK_REALTIME), >=, start + 3000000);
    g_assert_false(timer_pending(rt.timer));

    /* A virtual timer does not fire while the machine is stopped... */
    timer_mod(virt.timer, 1000000);
    for (unsigned i = 0; i < 5; i++) {
        g_main_context_iteration(ctx, FALSE);
        g_usleep(1000);
    }
    g_assert_cmpuint(virt.fired, ==, 0);
    /* ...and fires after it has run for 1 ms of guest time. */
    clock_virtual_start();
    run_until(ctx, &virt.fired, 1);
    g_assert_cmpint(virt.fired_at, >=, 1000000);

    timer_free(rt.timer);
    timer_free(virt.timer);
    timers_detach();
    g_main_context_unref(ctx);
    clock_reset();
}

typedef struct ArmFromThread {
    Timer *timer;
} ArmFromThread;

static gpointer arm_from_thread(gpointer opaque)
{
    ArmFromThread *arm = opaque;

    g_usleep(20000);
    timer_mod(arm->timer, clock_get_ns(HULL_CLOCK_REALTIME) + 1000000);
    return NULL;
}

static void test_arm_from_other_thread(void)
{
    GMainContext *ctx = g_main_context_new();
    TimerProbe p = {0};
    ArmFromThread arm;
    GThread *thread;

    timers_attach(ctx);
    p.timer = timer_new(HULL_CLOCK_REALTIME, probe_timer_cb, &p);
    arm.timer = p.timer;
    /* The loop sleeps with no deadline at all; arming from the thread must wake it. */
    thread = g_thread_new("arm", arm_from_thread, &arm);
    run_until(ctx, &p.fired, 1);
    g_thread_join(thread);
    g_assert_cmpuint(p.fired, ==, 1);

    timer_free(p.timer);
    timers_detach();
    g_main_context_unref(ctx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/engine/irq/levels", test_irq_levels);
    g_test_add_func("/engine/irq/combiners", test_irq_combiners);
    g_test_add_func("/engine/clock/virtual-run-stop", test_virtual_clock_run_stop);
    g_test_add_func("/engine/clock/manual", test_manual_clock);
    g_test_add_func("/engine/timer/main-loop", test_main_loop_timers);
    g_test_add_func("/engine/timer/arm-from-thread", test_arm_from_other_thread);
    return g_test_run();
}

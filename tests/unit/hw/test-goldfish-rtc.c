/*
 * Unit tests for hw/rtc/goldfish-rtc.c through an address space, as Linux's driver uses
 * it: reading the time (latched halves), setting it, the alarm and its interrupt, the
 * clock stopping with the virtual clock, reset.
 */
#include "engine/clock.h"
#include "engine/irq.h"
#include "engine/lock.h"
#include "engine/memory.h"
#include "hw/rtc/goldfish-rtc.h"

#define BASE 0x101000

typedef struct Fixture {
    MemoryRegion *root;
    AddressSpace *as;
    GoldfishRTCState *rtc;
    IrqLine *irq;
    bool level;
} Fixture;

static void irq_handler(void *opaque, unsigned n, bool level)
{
    ((Fixture *)opaque)->level = level;
}

static uint32_t rd(Fixture *f, uint64_t off)
{
    MemTxResult res = MEMTX_OK;
    uint32_t v = address_space_ldl_le(f->as, BASE + off, &res);

    g_assert_cmpuint(res, ==, MEMTX_OK);
    return v;
}

static void wr(Fixture *f, uint64_t off, uint32_t v)
{
    MemTxResult res = MEMTX_OK;

    address_space_stl_le(f->as, BASE + off, v, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
}

static uint64_t read_time(Fixture *f)
{
    uint32_t lo = rd(f, 0x00);

    return (uint64_t)rd(f, 0x04) << 32 | lo;
}

static void setup(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    clock_reset();
    clock_set_manual(true);
    f->root = memory_region_new_container("root", UINT64_MAX);
    f->as = address_space_new("test", f->root);
    f->rtc = goldfish_rtc_new(&err);
    g_assert_no_error(err);
    f->irq = irq_line_new(irq_handler, f, 0);
    goldfish_rtc_connect_irq(f->rtc, f->irq);
    g_assert_true(device_realize(DEVICE(f->rtc), &err));
    g_assert_true(memory_region_add_subregion(f->root, BASE, goldfish_rtc_get_region(f->rtc), 0,
                                              &err));
}

static void teardown(Fixture *f)
{
    memory_region_del_subregion(f->root, goldfish_rtc_get_region(f->rtc));
    object_unref(OBJECT(f->rtc));
    address_space_free(f->as);
    memory_region_unref(f->root);
    irq_line_free(f->irq);
    clock_set_manual(false);
}

static void test_time(void)
{
    Fixture f = {0};
    uint64_t wall = (uint64_t)g_get_real_time() * 1000;

    setup(&f);
    uint64_t t0 = read_time(&f);
    /* starts at the host's wall-clock time */
    g_assert_cmpuint(t0, >=, wall - 1000000000ULL);
    g_assert_cmpuint(t0, <=, wall + 60ULL * 1000000000ULL);
    /* runs with the virtual clock, and only with it */
    g_assert_cmpuint(read_time(&f), ==, t0);
    clock_step(1500);
    g_assert_cmpuint(read_time(&f), ==, t0 + 1500);
    /* the high half is latched by the low read */
    wr(&f, 0x04, 0x12);
    wr(&f, 0x00, 0x345678);
    g_assert_cmpuint(read_time(&f), ==, 0x1200345678ULL);
    clock_step(10);
    g_assert_cmpuint(read_time(&f), ==, 0x1200345682ULL);
    teardown(&f);
}

static void test_alarm(void)
{
    Fixture f = {0};

    setup(&f);
    wr(&f, 0x04, 0);
    wr(&f, 0x00, 1000);          /* time = 1000 ns */
    wr(&f, 0x10, 1);             /* IRQ_ENABLED */
    wr(&f, 0x0c, 0);
    wr(&f, 0x08, 5000);          /* alarm at 5000 */
    g_assert_cmpuint(rd(&f, 0x18), ==, 1);
    clock_step(3999);
    g_assert_false(f.level);
    clock_step(1);
    g_assert_true(f.level);
    g_assert_cmpuint(rd(&f, 0x18), ==, 0);
    wr(&f, 0x1c, 1);             /* CLEAR_INTERRUPT */
    g_assert_false(f.level);

    /* an alarm in the past fires at once; masked, it raises nothing */
    wr(&f, 0x10, 0);
    wr(&f, 0x08, 10);
    g_assert_false(f.level);
    wr(&f, 0x10, 1);
    g_assert_true(f.level);
    wr(&f, 0x1c, 1);

    /* cleared alarms do not fire; setting the time moves a pending alarm with it */
    wr(&f, 0x08, 100000);
    wr(&f, 0x14, 1);
    clock_step(200000);
    g_assert_false(f.level);
    wr(&f, 0x08, (uint32_t)(read_time(&f) + 1000));
    wr(&f, 0x00, (uint32_t)(read_time(&f) + 900)); /* 100 ns left */
    clock_step(99);
    g_assert_false(f.level);
    clock_step(1);
    g_assert_true(f.level);

    /* reset drops alarm and interrupt, keeps the time */
    uint64_t t = read_time(&f);
    wr(&f, 0x08, (uint32_t)(t + 50));
    device_reset(DEVICE(f.rtc));
    g_assert_false(f.level);
    g_assert_cmpuint(rd(&f, 0x18), ==, 0);
    clock_step(100);
    g_assert_false(f.level);
    g_assert_cmpuint(read_time(&f), ==, t + 100);
    teardown(&f);
}

static void test_bad_access(void)
{
    Fixture f = {0};
    MemTxResult res = MEMTX_OK;

    setup(&f);
    address_space_ldub(f.as, BASE, &res);
    g_assert_cmpuint(res, !=, MEMTX_OK); /* 32-bit registers only */
    res = MEMTX_OK;
    g_assert_cmpuint(address_space_ldl_le(f.as, BASE + 0x800, &res), ==, 0);
    g_assert_cmpuint(res, ==, MEMTX_OK); /* unknown registers read as zero */
    teardown(&f);
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/goldfish-rtc/time", test_time);
    g_test_add_func("/hw/goldfish-rtc/alarm", test_alarm);
    g_test_add_func("/hw/goldfish-rtc/bad-access", test_bad_access);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

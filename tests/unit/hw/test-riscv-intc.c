/*
 * Unit tests for hw/intc/: the CLINT (msip, mtimecmp with 32- and 64-bit accesses, mtime
 * at 10 MHz on the virtual clock, writes to mtime, Sstc stimecmp timers) and the PLIC
 * (priorities, enables, thresholds, claim/complete, level-triggered sources, M and S
 * contexts per hart), driven through an address space as a guest sees them.
 */
#include <string.h>

#include "engine/clock.h"
#include "engine/irq.h"
#include "engine/lock.h"
#include "engine/memory.h"
#include "hw/intc/riscv-aclint.h"
#include "hw/intc/sifive-plic.h"

#define CLINT_BASE 0x2000000
#define PLIC_BASE 0xc000000
#define HARTS 2

/* The lines a hart would receive: levels per (hart, mip bit). */
typedef struct Lines {
    bool level[HARTS][12];
    unsigned raises[HARTS][12];
    IrqLine *lines[HARTS][12];
} Lines;

typedef struct Fixture {
    MemoryRegion *root;
    AddressSpace *as;
    RiscvClintState *clint;
    SiFivePlicState *plic;
    Lines in;
} Fixture;

static void hart_irq(void *opaque, unsigned n, bool level)
{
    Lines *l = opaque;
    unsigned hart = n / 12, bit = n % 12;

    if (level) {
        l->raises[hart][bit]++;
    }
    l->level[hart][bit] = level;
}

static void fixture_setup(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    memset(f, 0, sizeof(*f));
    clock_reset();
    clock_set_manual(true);
    f->root = memory_region_new_container("root", UINT64_MAX);
    f->as = address_space_new("test", f->root);
    for (unsigned h = 0; h < HARTS; h++) {
        for (unsigned b = 0; b < 12; b++) {
            f->in.lines[h][b] = irq_line_new(hart_irq, &f->in, h * 12 + b);
        }
    }
    f->clint = riscv_clint_new(HARTS, &err);
    g_assert_no_error(err);
    g_assert_true(device_realize(DEVICE(f->clint), &err));
    g_assert_no_error(err);
    f->plic = sifive_plic_new(HARTS, &err);
    g_assert_no_error(err);
    g_assert_true(device_realize(DEVICE(f->plic), &err));
    g_assert_no_error(err);
    for (unsigned h = 0; h < HARTS; h++) {
        riscv_clint_connect_hart(f->clint, h, f->in.lines[h][3], f->in.lines[h][7],
                                 f->in.lines[h][5]);
        sifive_plic_connect_hart(f->plic, h, f->in.lines[h][11], f->in.lines[h][9]);
    }
    device_reset(DEVICE(f->clint));
    device_reset(DEVICE(f->plic));
    g_assert_true(memory_region_add_subregion(f->root, CLINT_BASE,
                                              riscv_clint_get_region(f->clint), 0, &err));
    g_assert_true(memory_region_add_subregion(f->root, PLIC_BASE,
                                              sifive_plic_get_region(f->plic), 0, &err));
    g_assert_cmpuint(memory_region_size(sifive_plic_get_region(f->plic)), ==,
                     0x200000 + 2 * HARTS * 0x1000);
}

static void fixture_teardown(Fixture *f)
{
    memory_region_del_subregion(f->root, riscv_clint_get_region(f->clint));
    memory_region_del_subregion(f->root, sifive_plic_get_region(f->plic));
    device_unrealize(DEVICE(f->clint));
    device_unrealize(DEVICE(f->plic));
    object_unref(OBJECT(f->clint));
    object_unref(OBJECT(f->plic));
    address_space_free(f->as);
    memory_region_unref(f->root);
    for (unsigned h = 0; h < HARTS; h++) {
        for (unsigned b = 0; b < 12; b++) {
            irq_line_free(f->in.lines[h][b]);
        }
    }
    clock_set_manual(false);
    clock_reset();
}

static uint32_t rd32(Fixture *f, uint64_t addr)
{
    MemTxResult res = MEMTX_OK;
    uint32_t v = address_space_ldl_le(f->as, addr, &res);

    g_assert_cmpuint(res, ==, MEMTX_OK);
    return v;
}

static uint64_t rd64(Fixture *f, uint64_t addr)
{
    MemTxResult res = MEMTX_OK;
    uint64_t v = address_space_ldq_le(f->as, addr, &res);

    g_assert_cmpuint(res, ==, MEMTX_OK);
    return v;
}

static void wr32(Fixture *f, uint64_t addr, uint32_t v)
{
    MemTxResult res = MEMTX_OK;

    address_space_stl_le(f->as, addr, v, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
}

static void wr64(Fixture *f, uint64_t addr, uint64_t v)
{
    MemTxResult res = MEMTX_OK;

    address_space_stq_le(f->as, addr, v, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
}

/* ---- CLINT ---- */

static void test_clint_msip(void)
{
    Fixture f;

    fixture_setup(&f);
    wr32(&f, CLINT_BASE + 4, 0xffffffff); /* hart 1 */
    g_assert_cmphex(rd32(&f, CLINT_BASE + 4), ==, 1);
    g_assert_true(f.in.level[1][3]);
    g_assert_false(f.in.level[0][3]);
    wr32(&f, CLINT_BASE + 4, 2); /* only bit 0 counts */
    g_assert_false(f.in.level[1][3]);
    g_assert_cmphex(rd32(&f, CLINT_BASE + 4), ==, 0);
    /* Beyond the harts and reserved space: reads zero, writes ignored. */
    wr32(&f, CLINT_BASE + 4 * HARTS, 1);
    g_assert_cmphex(rd32(&f, CLINT_BASE + 4 * HARTS), ==, 0);
    g_assert_cmphex(rd32(&f, CLINT_BASE + 0x8000), ==, 0);
    fixture_teardown(&f);
}

static void test_clint_mtime(void)
{
    Fixture f;

    fixture_setup(&f);
    g_assert_cmpuint(rd64(&f, CLINT_BASE + 0xbff8), ==, 0);
    clock_step(1000); /* 1 us = 10 ticks */
    g_assert_cmpuint(rd64(&f, CLINT_BASE + 0xbff8), ==, 10);
    g_assert_cmpuint(riscv_clint_get_time(f.clint), ==, 10);
    /* 32-bit halves. */
    g_assert_cmpuint(rd32(&f, CLINT_BASE + 0xbff8), ==, 10);
    g_assert_cmpuint(rd32(&f, CLINT_BASE + 0xbffc), ==, 0);
    /* A write moves the counter; it keeps counting from there. */
    wr64(&f, CLINT_BASE + 0xbff8, UINT64_C(0x100000000));
    clock_step(500);
    g_assert_cmphex(rd64(&f, CLINT_BASE + 0xbff8), ==, UINT64_C(0x100000005));
    wr32(&f, CLINT_BASE + 0xbffc, 0);
    g_assert_cmphex(rd64(&f, CLINT_BASE + 0xbff8), ==, 5);
    fixture_teardown(&f);
}

static void test_clint_mtimecmp(void)
{
    Fixture f;

    fixture_setup(&f);
    /* Reset: mtimecmp = -1, nothing pending. */
    g_assert_cmphex(rd64(&f, CLINT_BASE + 0x4000), ==, UINT64_MAX);
    g_assert_false(f.in.level[0][7]);
    wr64(&f, CLINT_BASE + 0x4000 + 8, 100); /* hart 1 at 10 us */
    g_assert_false(f.in.level[1][7]);
    clock_step(9 * 1000);
    g_assert_false(f.in.level[1][7]);
    clock_step(1000);
    g_assert_true(f.in.level[1][7]);
    g_assert_false(f.in.level[0][7]);
    /* Moving it later lowers MTIP; 32-bit halves combine. */
    wr32(&f, CLINT_BASE + 0x4000 + 8, 0);
    wr32(&f, CLINT_BASE + 0x4000 + 12, 1);
    g_assert_cmphex(rd64(&f, CLINT_BASE + 0x4008), ==, UINT64_C(0x100000000));
    g_assert_false(f.in.level[1][7]);
    /* A compare value in the past raises at once. */
    wr64(&f, CLINT_BASE + 0x4000, 5);
    g_assert_true(f.in.level[0][7]);
    /* Moving mtime back below it lowers it again. */
    wr64(&f, CLINT_BASE + 0xbff8, 0);
    g_assert_false(f.in.level[0][7]);
    clock_step(500);
    g_assert_true(f.in.level[0][7]);
    /* Reset lowers everything. */
    device_reset(DEVICE(f.clint));
    g_assert_false(f.in.level[0][7]);
    fixture_teardown(&f);
}

static void test_clint_stimecmp(void)
{
    Fixture f;

    fixture_setup(&f);
    riscv_clint_set_stimecmp(f.clint, 0, 50);
    clock_step(4000);
    g_assert_cmpuint(f.in.raises[0][5], ==, 0);
    clock_step(1000);
    g_assert_cmpuint(f.in.raises[0][5], ==, 1);
    /* A later value re-arms; an earlier write replaced by a later one never fires. */
    riscv_clint_set_stimecmp(f.clint, 1, 100);
    riscv_clint_set_stimecmp(f.clint, 1, 200);
    clock_step(6000);
    g_assert_cmpuint(f.in.raises[1][5], ==, 0);
    clock_step(10000);
    g_assert_cmpuint(f.in.raises[1][5], ==, 1);
    /* Out-of-range harts are ignored. */
    riscv_clint_set_stimecmp(f.clint, HARTS, 0);
    fixture_teardown(&f);
}

/* ---- PLIC ---- */

#define PRIO(id) (PLIC_BASE + 4 * (id))
#define PENDING(w) (PLIC_BASE + 0x1000 + 4 * (w))
#define ENABLE(ctx, w) (PLIC_BASE + 0x2000 + 0x80 * (ctx) + 4 * (w))
#define THRESHOLD(ctx) (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define CLAIM(ctx) (PLIC_BASE + 0x200004 + 0x1000 * (ctx))

static void test_plic_registers(void)
{
    Fixture f;

    fixture_setup(&f);
    wr32(&f, PRIO(10), 0xffffffff);
    g_assert_cmphex(rd32(&f, PRIO(10)), ==, 7);
    wr32(&f, PRIO(0), 5); /* source 0 does not exist */
    g_assert_cmphex(rd32(&f, PRIO(0)), ==, 0);
    wr32(&f, ENABLE(1, 0), 0xffffffff);
    g_assert_cmphex(rd32(&f, ENABLE(1, 0)), ==, 0xfffffffe);
    wr32(&f, THRESHOLD(3), 0xff);
    g_assert_cmphex(rd32(&f, THRESHOLD(3)), ==, 7);
    /* Pending is read-only. */
    wr32(&f, PENDING(0), 0xffffffff);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 0);
    /* Reset clears the configuration. */
    device_reset(DEVICE(f.plic));
    g_assert_cmphex(rd32(&f, PRIO(10)), ==, 0);
    g_assert_cmphex(rd32(&f, ENABLE(1, 0)), ==, 0);
    fixture_teardown(&f);
}

static void test_plic_claim_complete(void)
{
    Fixture f;
    IrqLine *uart, *rtc, *virtio;

    fixture_setup(&f);
    uart = sifive_plic_get_source(f.plic, 10);
    rtc = sifive_plic_get_source(f.plic, 11);
    virtio = sifive_plic_get_source(f.plic, 1);

    irq_raise(uart);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 1u << 10);
    /* Priority 0 never interrupts; nor does a disabled source. */
    wr32(&f, ENABLE(0, 0), 1u << 10);
    g_assert_false(f.in.level[0][11]);
    wr32(&f, PRIO(10), 1);
    g_assert_true(f.in.level[0][11]);
    g_assert_false(f.in.level[0][9]); /* the S context has it disabled */
    /* Threshold: only priorities above it. */
    wr32(&f, THRESHOLD(0), 1);
    g_assert_false(f.in.level[0][11]);
    g_assert_cmphex(rd32(&f, CLAIM(0)), ==, 0);
    wr32(&f, THRESHOLD(0), 0);
    g_assert_true(f.in.level[0][11]);

    /* Highest priority first, the lowest id among equals. */
    irq_raise(rtc);
    irq_raise(virtio);
    wr32(&f, PRIO(11), 3);
    wr32(&f, PRIO(1), 3);
    wr32(&f, ENABLE(0, 0), (1u << 10) | (1u << 11) | (1u << 1));
    g_assert_cmphex(rd32(&f, CLAIM(0)), ==, 1);
    g_assert_cmphex(rd32(&f, CLAIM(0)), ==, 11);
    g_assert_cmphex(rd32(&f, CLAIM(0)), ==, 10);
    g_assert_false(f.in.level[0][11]);
    g_assert_cmphex(rd32(&f, CLAIM(0)), ==, 0);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 0);
    /* Completing a source whose line is still high makes it pending again. */
    wr32(&f, CLAIM(0), 10);
    g_assert_true(f.in.level[0][11]);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 1u << 10);
    /* A lowered line is no longer pending; completion then requests nothing. */
    irq_lower(rtc);
    wr32(&f, CLAIM(0), 11);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 1u << 10);
    /* Completing an id not enabled for the context is ignored. */
    irq_lower(virtio);
    wr32(&f, ENABLE(0, 0), 1u << 10);
    wr32(&f, CLAIM(0), 1);
    irq_raise(virtio);
    g_assert_cmphex(rd32(&f, PENDING(0)), ==, 1u << 10); /* 1 is still claimed */
    fixture_teardown(&f);
}

static void test_plic_contexts(void)
{
    Fixture f;
    IrqLine *src = NULL;

    fixture_setup(&f);
    src = sifive_plic_get_source(f.plic, 40);
    wr32(&f, PRIO(40), 2);
    /* Hart 1's S context (3) only. */
    wr32(&f, ENABLE(3, 1), 1u << 8);
    irq_raise(src);
    g_assert_cmphex(rd32(&f, PENDING(1)), ==, 1u << 8);
    g_assert_true(f.in.level[1][9]);
    g_assert_false(f.in.level[1][11]);
    g_assert_false(f.in.level[0][9]);
    g_assert_false(f.in.level[0][11]);
    /* Another context claiming sees nothing it has enabled. */
    g_assert_cmphex(rd32(&f, CLAIM(2)), ==, 0);
    g_assert_cmphex(rd32(&f, CLAIM(3)), ==, 40);
    g_assert_false(f.in.level[1][9]);
    irq_lower(src);
    wr32(&f, CLAIM(3), 40);
    g_assert_false(f.in.level[1][9]);
    /* Sources 64..95 fill the third enable word. */
    wr32(&f, ENABLE(3, 2), 0xffffffff);
    g_assert_cmphex(rd32(&f, ENABLE(3, 2)), ==, 0xffffffff);
    irq_raise(src);
    irq_lower(src);
    fixture_teardown(&f);
}

static void test_bad_config(void)
{
    g_autoptr(GError) err = NULL;
    RiscvClintState *c = riscv_clint_new(0, &err);
    SiFivePlicState *p;

    g_assert_no_error(err);
    g_assert_false(device_realize(DEVICE(c), &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    object_unref(OBJECT(c));
    p = sifive_plic_new(SIFIVE_PLIC_MAX_HARTS + 1, &err);
    g_assert_false(device_realize(DEVICE(p), &err));
    g_assert_nonnull(err);
    object_unref(OBJECT(p));
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/riscv-intc/clint/msip", test_clint_msip);
    g_test_add_func("/hw/riscv-intc/clint/mtime", test_clint_mtime);
    g_test_add_func("/hw/riscv-intc/clint/mtimecmp", test_clint_mtimecmp);
    g_test_add_func("/hw/riscv-intc/clint/stimecmp", test_clint_stimecmp);
    g_test_add_func("/hw/riscv-intc/plic/registers", test_plic_registers);
    g_test_add_func("/hw/riscv-intc/plic/claim-complete", test_plic_claim_complete);
    g_test_add_func("/hw/riscv-intc/plic/contexts", test_plic_contexts);
    g_test_add_func("/hw/riscv-intc/bad-config", test_bad_config);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

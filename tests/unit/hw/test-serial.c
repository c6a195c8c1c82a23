/*
 * Unit tests for hw/char/ns16550a.c: the 16550A as a guest driver sees it through an
 * address space (transmit, receive with and without FIFOs, interrupt identification and
 * priorities, the receive timeout, loopback, the divisor latch, register spacing, reset).
 */
#include <string.h>

#include "engine/chardev.h"
#include "engine/clock.h"
#include "engine/irq.h"
#include "engine/lock.h"
#include "engine/memory.h"
#include "hw/char/ns16550a.h"

#define BASE 0x1000

typedef struct Fixture {
    MemoryRegion *root;
    AddressSpace *as;
    SerialState *uart;
    Chardev *chr;
    IrqLine *irq;
    bool level;
    unsigned edges; /* rising edges seen */
} Fixture;

static void irq_handler(void *opaque, unsigned n, bool level)
{
    Fixture *f = opaque;

    if (level && !f->level) {
        f->edges++;
    }
    f->level = level;
}

static Chardev *ringbuf_new(const char *id)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(Object) obj = object_new(TYPE_CHARDEV_RINGBUF, &err);

    g_assert_no_error(err);
    g_assert_true(chardev_add(CHARDEV(obj), id, &err));
    g_assert_no_error(err);
    return CHARDEV(obj);
}

static void fixture_setup(Fixture *f, unsigned regshift, bool with_chardev)
{
    g_autoptr(GError) err = NULL;

    memset(f, 0, sizeof(*f));
    f->root = memory_region_new_container("root", UINT64_MAX);
    f->as = address_space_new("test", f->root);
    f->irq = irq_line_new(irq_handler, f, 0);
    f->chr = with_chardev ? ringbuf_new("ser0") : NULL;
    f->uart = serial_new(f->chr, regshift, f->irq, &err);
    g_assert_no_error(err);
    g_assert_true(device_realize(DEVICE(f->uart), &err));
    g_assert_no_error(err);
    g_assert_true(memory_region_add_subregion(f->root, BASE, serial_get_region(f->uart), 0,
                                              &err));
    g_assert_cmpuint(memory_region_size(serial_get_region(f->uart)), ==, 8u << regshift);
}

static void fixture_teardown(Fixture *f)
{
    memory_region_del_subregion(f->root, serial_get_region(f->uart));
    device_unrealize(DEVICE(f->uart));
    object_unref(OBJECT(f->uart));
    if (f->chr) {
        g_assert_true(chardev_remove("ser0", NULL));
    }
    address_space_free(f->as);
    memory_region_unref(f->root);
    irq_line_free(f->irq);
}

static uint8_t rd(Fixture *f, unsigned reg)
{
    MemTxResult res = MEMTX_OK;
    uint8_t v = address_space_ldub(f->as, BASE + reg, &res);

    g_assert_cmpuint(res, ==, MEMTX_OK);
    return v;
}

static void wr(Fixture *f, unsigned reg, uint8_t val)
{
    MemTxResult res = MEMTX_OK;

    address_space_stb(f->as, BASE + reg, val, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
}

static char *output(Fixture *f)
{
    return chardev_ringbuf_read(f->chr, 1000, CHARDEV_DATA_UTF8, NULL);
}

static void input(Fixture *f, const char *text)
{
    g_assert_true(chardev_ringbuf_write(f->chr, text, CHARDEV_DATA_UTF8, NULL));
}

static void test_transmit(void)
{
    Fixture f;
    g_autofree char *out = NULL;

    fixture_setup(&f, 0, true);
    g_assert_cmphex(rd(&f, 5), ==, 0x60); /* LSR: THRE | TEMT */
    g_assert_cmphex(rd(&f, 2), ==, 0x01); /* IIR: nothing pending, no FIFOs */
    g_assert_cmphex(rd(&f, 6), ==, 0xb0); /* MSR: DCD DSR CTS */
    for (const char *p = "hello\n"; *p; p++) {
        wr(&f, 0, (uint8_t)*p);
    }
    out = output(&f);
    g_assert_cmpstr(out, ==, "hello\n");
    g_assert_false(f.level);
    fixture_teardown(&f);
}

static void test_no_chardev(void)
{
    Fixture f;

    fixture_setup(&f, 0, false);
    wr(&f, 0, 'x');
    g_assert_cmphex(rd(&f, 5), ==, 0x60);
    g_assert_cmphex(rd(&f, 0), ==, 0);
    fixture_teardown(&f);
}

static void test_thre_interrupt(void)
{
    Fixture f;

    fixture_setup(&f, 0, true);
    wr(&f, 1, 0x02); /* IER: THRI, THR is empty: raised at once */
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0x02);
    /* Reading IIR acknowledged it. */
    g_assert_false(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0x01);
    /* Re-enabling raises it again (Linux's UART_BUG_THRE probe). */
    wr(&f, 1, 0x00);
    wr(&f, 1, 0x02);
    g_assert_cmphex(rd(&f, 2), ==, 0x02);
    /* A byte sent empties THR again. */
    wr(&f, 0, 'a');
    g_assert_true(f.level);
    wr(&f, 1, 0x00);
    g_assert_false(f.level);
    fixture_teardown(&f);
}

static void test_receive_no_fifo(void)
{
    Fixture f;

    fixture_setup(&f, 0, true);
    input(&f, "ab");
    g_assert_cmphex(rd(&f, 5), ==, 0x61); /* DR */
    g_assert_false(f.level);
    wr(&f, 1, 0x01); /* IER: RDI */
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0x04);
    g_assert_cmphex(rd(&f, 0), ==, 'a');
    /* One byte deep: the second came in when the first was read. */
    g_assert_cmphex(rd(&f, 5), ==, 0x61);
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 0), ==, 'b');
    g_assert_cmphex(rd(&f, 5), ==, 0x60);
    g_assert_false(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0x01);
    fixture_teardown(&f);
}

static void test_fifo_trigger_and_timeout(void)
{
    Fixture f;
    char big[41];

    fixture_setup(&f, 0, true);
    clock_set_manual(true);
    wr(&f, 2, 0x87); /* FCR: enable, clear both, trigger 8 */
    g_assert_cmphex(rd(&f, 2), ==, 0xc1);
    wr(&f, 1, 0x01);
    input(&f, "abc");
    /* Below the trigger level: no interrupt until four character times pass. */
    g_assert_false(f.level);
    g_assert_cmphex(rd(&f, 5) & 0x01, ==, 0x01);
    clock_step(100 * 1000);
    g_assert_false(f.level);
    clock_step(10 * 1000 * 1000);
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0xcc); /* character timeout */
    g_assert_cmphex(rd(&f, 0), ==, 'a');
    /* A read restarts the timer and lowers the timeout indication. */
    g_assert_false(f.level);
    g_assert_cmphex(rd(&f, 0), ==, 'b');
    g_assert_cmphex(rd(&f, 0), ==, 'c');
    clock_step(10 * 1000 * 1000);
    g_assert_false(f.level);

    /* 40 bytes: the FIFO takes 16, the backend keeps the rest until there is room. */
    memset(big, 'x', 40);
    big[40] = '\0';
    for (unsigned i = 0; i < 40; i++) {
        big[i] = (char)('A' + i % 26);
    }
    input(&f, big);
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0xc4);
    for (unsigned i = 0; i < 40; i++) {
        g_assert_cmphex(rd(&f, 5) & 0x01, ==, 0x01);
        g_assert_cmphex(rd(&f, 0), ==, big[i]);
    }
    g_assert_cmphex(rd(&f, 5), ==, 0x60);
    g_assert_cmphex(rd(&f, 5) & 0x02, ==, 0); /* never an overrun */

    /* Clearing the receiver FIFO drops what it holds. */
    input(&f, "zz");
    wr(&f, 2, 0x83);
    g_assert_cmphex(rd(&f, 5), ==, 0x60);
    /* Disabling the FIFOs: IIR says so. */
    wr(&f, 2, 0x00);
    g_assert_cmphex(rd(&f, 2), ==, 0x01);
    clock_set_manual(false);
    fixture_teardown(&f);
}

static void test_loopback(void)
{
    Fixture f;
    g_autofree char *out = NULL;

    fixture_setup(&f, 0, true);
    wr(&f, 4, 0x1a); /* LOOP | OUT2 | RTS: Linux's autoconfig check */
    g_assert_cmphex(rd(&f, 6) & 0xf0, ==, 0x90);
    wr(&f, 4, 0x1f);
    g_assert_cmphex(rd(&f, 6) & 0xf0, ==, 0xf0);
    wr(&f, 4, 0x1b); /* RI falls: TERI */
    g_assert_cmphex(rd(&f, 6), ==, 0xb4);
    g_assert_cmphex(rd(&f, 6), ==, 0xb0); /* deltas cleared by the read */
    /* Modem status interrupt. */
    wr(&f, 1, 0x08);
    wr(&f, 4, 0x19); /* RTS off: DCTS */
    g_assert_true(f.level);
    g_assert_cmphex(rd(&f, 2), ==, 0x00);
    g_assert_cmphex(rd(&f, 6), ==, 0xa1);
    g_assert_false(f.level);
    wr(&f, 1, 0x00);

    /* Transmitted bytes come back and do not reach the chardev; outside input waits. */
    input(&f, "o");
    wr(&f, 0, 'L');
    g_assert_cmphex(rd(&f, 5), ==, 0x61);
    g_assert_cmphex(rd(&f, 0), ==, 'L');
    g_assert_cmphex(rd(&f, 5), ==, 0x60);
    out = output(&f);
    g_assert_cmpstr(out, ==, "");
    /* Leaving loopback lets the waiting input in. */
    wr(&f, 4, 0x0b);
    g_assert_cmphex(rd(&f, 0), ==, 'o');
    g_assert_cmphex(rd(&f, 6) & 0xf0, ==, 0xb0);
    fixture_teardown(&f);
}

static void test_divisor_scratch_lcr(void)
{
    Fixture f;

    fixture_setup(&f, 0, true);
    wr(&f, 1, 0x05);
    wr(&f, 3, 0x83); /* DLAB, 8N1 */
    g_assert_cmphex(rd(&f, 0), ==, 0x0c); /* the reset divisor */
    g_assert_cmphex(rd(&f, 1), ==, 0x00);
    wr(&f, 0, 0x01);
    wr(&f, 1, 0x02);
    g_assert_cmphex(rd(&f, 0), ==, 0x01);
    g_assert_cmphex(rd(&f, 1), ==, 0x02);
    g_assert_cmphex(rd(&f, 3), ==, 0x83);
    wr(&f, 3, 0x03);
    g_assert_cmphex(rd(&f, 1), ==, 0x05); /* IER untouched by the latch */
    wr(&f, 1, 0xff);
    g_assert_cmphex(rd(&f, 1), ==, 0x0f);
    wr(&f, 7, 0xa5);
    g_assert_cmphex(rd(&f, 7), ==, 0xa5);
    wr(&f, 4, 0xff);
    g_assert_cmphex(rd(&f, 4), ==, 0x1f);

    device_reset(DEVICE(f.uart));
    g_assert_cmphex(rd(&f, 1), ==, 0x00);
    g_assert_cmphex(rd(&f, 3), ==, 0x00);
    g_assert_cmphex(rd(&f, 4), ==, 0x00);
    g_assert_cmphex(rd(&f, 7), ==, 0x00);
    g_assert_cmphex(rd(&f, 2), ==, 0x01);
    g_assert_false(f.level);
    fixture_teardown(&f);
}

static void test_regshift(void)
{
    Fixture f;
    MemTxResult res = MEMTX_OK;
    g_autofree char *out = NULL;

    fixture_setup(&f, 2, true);
    /* 32-bit registers: LSR at 0x14, the other bytes of a slot read as zero. */
    g_assert_cmphex(address_space_ldl_le(f.as, BASE + 0x14, &res), ==, 0x60);
    g_assert_cmphex(address_space_ldub(f.as, BASE + 0x15, &res), ==, 0);
    address_space_stl_le(f.as, BASE + 0x1c, 0x5a, &res);
    g_assert_cmphex(address_space_ldub(f.as, BASE + 0x1c, &res), ==, 0x5a);
    address_space_stl_le(f.as, BASE, 'k', &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
    out = output(&f);
    g_assert_cmpstr(out, ==, "k");
    /* Wider than the bus allows: refused. */
    address_space_stq_le(f.as, BASE, 0, &res);
    g_assert_cmpuint(res, !=, MEMTX_OK);
    fixture_teardown(&f);
}

/*
 * Random register traffic, input and time: nothing crashes, and every IIR read agrees with
 * the interrupt line (both come from the same state), as a driver's ISR relies on.
 */
static void test_random_traffic(void)
{
    Fixture f;
    GRand *rng = g_rand_new_with_seed(0x16550a);
    static const char *const inputs[] = {"a", "hello", "0123456789abcdefghij", "\n"};

    fixture_setup(&f, 0, true);
    clock_set_manual(true);
    for (unsigned i = 0; i < 200000; i++) {
        unsigned op = g_rand_int_range(rng, 0, 100);
        unsigned reg = g_rand_int_range(rng, 0, 8);

        if (op < 45) {
            bool level = f.level;
            uint8_t v = rd(&f, reg);

            if (reg == 2) {
                /* IIR said "nothing pending" exactly when the line was low. */
                g_assert_cmpint(level, ==, !(v & 1));
            }
        } else if (op < 90) {
            wr(&f, reg, (uint8_t)g_rand_int(rng));
        } else if (op < 95) {
            chardev_ringbuf_write(f.chr, inputs[g_rand_int_range(rng, 0, 4)],
                                  CHARDEV_DATA_UTF8, NULL);
        } else if (op < 99) {
            clock_step(g_rand_int_range(rng, 1, 2000000));
        } else {
            device_reset(DEVICE(f.uart));
            g_assert_false(f.level);
        }
        if (i % 1000 == 0) {
            g_free(output(&f));
        }
    }
    clock_set_manual(false);
    g_rand_free(rng);
    fixture_teardown(&f);
}

static void test_bad_properties(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(serial_new(NULL, 5, NULL, &err));
    g_assert_nonnull(err);
}

int main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hw/serial/transmit", test_transmit);
    g_test_add_func("/hw/serial/no-chardev", test_no_chardev);
    g_test_add_func("/hw/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/hw/serial/receive-no-fifo", test_receive_no_fifo);
    g_test_add_func("/hw/serial/fifo", test_fifo_trigger_and_timeout);
    g_test_add_func("/hw/serial/loopback", test_loopback);
    g_test_add_func("/hw/serial/divisor-scratch-lcr", test_divisor_scratch_lcr);
    g_test_add_func("/hw/serial/regshift", test_regshift);
    g_test_add_func("/hw/serial/random-traffic", test_random_traffic);
    g_test_add_func("/hw/serial/bad-properties", test_bad_properties);
    engine_lock();
    rc = g_test_run();
    engine_unlock();
    return rc;
}

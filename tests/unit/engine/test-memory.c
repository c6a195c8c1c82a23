/*
 * Unit tests for engine/memory: region kinds, overlap resolution, aliases, access-size
 * adaptation, endianness, unassigned accesses, listeners and concurrent readers.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/memory.h"
#include "util/error.h"

/* ---- a register-file device that logs every callback ---- */

typedef struct TestAccess {
    bool is_write;
    uint64_t offset;
    unsigned size;
    uint64_t value;
} TestAccess;

typedef struct TestDevice {
    uint8_t regs[64];
    GArray *log;
    bool fail;
} TestDevice;

static MemTxResult test_dev_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    TestDevice *dev = opaque;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)dev->regs[(offset + i) % sizeof(dev->regs)] << (8 * i);
    }
    *value = v;
    g_array_append_val(dev->log, ((TestAccess){false, offset, size, v}));
    return dev->fail ? MEMTX_ERROR : MEMTX_OK;
}

static MemTxResult test_dev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    TestDevice *dev = opaque;

    for (unsigned i = 0; i < size; i++) {
        dev->regs[(offset + i) % sizeof(dev->regs)] = (uint8_t)(value >> (8 * i));
    }
    g_array_append_val(dev->log, ((TestAccess){true, offset, size, value}));
    return dev->fail ? MEMTX_ERROR : MEMTX_OK;
}

static TestDevice *test_dev_new(void)
{
    TestDevice *dev = g_new0(TestDevice, 1);

    dev->log = g_array_new(false, true, sizeof(TestAccess));
    return dev;
}

static void test_dev_free(TestDevice *dev)
{
    g_array_free(dev->log, true);
    g_free(dev);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestDevice, test_dev_free)

static const TestAccess *test_dev_log(TestDevice *dev, unsigned i)
{
    g_assert_cmpuint(i, <, dev->log->len);
    return &g_array_index(dev->log, TestAccess, i);
}

/* ---- helpers ---- */

static MemoryRegion *new_ram(const char *name, uint64_t size)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr = memory_region_new_ram(name, size, MEMORY_RAM_DEFAULT, &err);

    g_assert_no_error(err);
    return mr;
}

static void map(MemoryRegion *container, uint64_t addr, MemoryRegion *sub, int priority)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(memory_region_add_subregion(container, addr, sub, priority, &err));
    g_assert_no_error(err);
}

static void assert_section(AddressSpace *as, unsigned i, uint64_t gpa, uint64_t size,
                           MemoryRegion *mr, uint64_t offset)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);
    const MemorySection *s;

    g_assert_cmpuint(i, <, flatview_nr_sections(fv));
    s = flatview_section(fv, i);
    g_assert_cmphex(s->gpa, ==, gpa);
    g_assert_cmphex(s->size, ==, size);
    g_assert_true(s->mr == mr);
    g_assert_cmphex(s->offset, ==, offset);
}

static unsigned nr_sections(AddressSpace *as)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);

    return flatview_nr_sections(fv);
}

/* ---- tests ---- */

static void test_ram_round_trip(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x10000);
    g_autoptr(AddressSpace) as = NULL;
    uint8_t out[16], in[16];
    MemTxResult res;

    map(root, 0x80000000, ram, 0);
    as = address_space_new("test", root);

    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = (uint8_t)(i * 7 + 1);
    }
    g_assert_cmpuint(address_space_write(as, 0x80000ff8, out, sizeof(out)), ==, MEMTX_OK);
    g_assert_cmpuint(address_space_read(as, 0x80000ff8, in, sizeof(in)), ==, MEMTX_OK);
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_cmpmem((uint8_t *)memory_region_get_ram_ptr(ram) + 0xff8, 16, out, 16);

    address_space_stl_le(as, 0x80000100, 0x11223344, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
    g_assert_cmphex(address_space_ldub(as, 0x80000100, NULL), ==, 0x44);
    g_assert_cmphex(address_space_ldl_be(as, 0x80000100, NULL), ==, 0x44332211);
    address_space_stq_be(as, 0x80000200, 0x0102030405060708ull, NULL);
    g_assert_cmphex(address_space_ldq_le(as, 0x80000200, NULL), ==, 0x0807060504030201ull);
    g_assert_cmphex(address_space_lduw_le(as, 0x80000206, &res), ==, 0x0807);
    g_assert_cmpuint(res, ==, MEMTX_OK);
}

static void test_unassigned(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x1000);
    g_autoptr(AddressSpace) as = NULL;
    uint8_t buf[0x20];
    MemTxResult res;

    map(root, 0x2000, ram, 0);
    as = address_space_new("test", root);
    memset(memory_region_get_ram_ptr(ram), 0x5a, 0x1000);

    /* Half unassigned, half RAM: both parts are served, the result flags the hole. */
    res = address_space_read(as, 0x1ff0, buf, sizeof(buf));
    g_assert_cmpuint(res, ==, MEMTX_DECODE_ERROR);
    for (unsigned i = 0; i < 0x10; i++) {
        g_assert_cmphex(buf[i], ==, 0xff);
        g_assert_cmphex(buf[0x10 + i], ==, 0x5a);
    }
    g_assert_cmphex(address_space_ldl_le(as, 0x100, &res), ==, 0xffffffff);
    g_assert_cmpuint(res, ==, MEMTX_DECODE_ERROR);
    address_space_stl_le(as, 0x100, 0, &res);
    g_assert_cmpuint(res, ==, MEMTX_DECODE_ERROR);

    /* An access running off the top of the address space does not wrap to 0. */
    res = address_space_read(as, UINT64_MAX - 1, buf, 4);
    g_assert_cmpuint(res, ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(buf[3], ==, 0xff);
}

static void test_priorities(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", 0x100000);
    g_autoptr(MemoryRegion) low = new_ram("low", 0x4000);
    g_autoptr(MemoryRegion) high = new_ram("high", 0x1000);
    g_autoptr(MemoryRegion) same1 = new_ram("same1", 0x1000);
    g_autoptr(MemoryRegion) same2 = new_ram("same2", 0x1000);
    g_autoptr(AddressSpace) as = NULL;

    map(root, 0x0, low, 0);
    map(root, 0x1000, high, 1);
    as = address_space_new("test", root);
    g_assert_cmpuint(nr_sections(as), ==, 3);
    assert_section(as, 0, 0x0, 0x1000, low, 0);
    assert_section(as, 1, 0x1000, 0x1000, high, 0);
    assert_section(as, 2, 0x2000, 0x2000, low, 0x2000);

    /* Lower priority added later stays below. */
    map(root, 0x1800, same1, -1);
    assert_section(as, 1, 0x1000, 0x1000, high, 0);
    assert_section(as, 2, 0x2000, 0x2000, low, 0x2000);

    /* Equal priorities: the later one wins. */
    memory_region_del_subregion(root, same1);
    map(root, 0x10000, same1, 0);
    map(root, 0x10800, same2, 0);
    assert_section(as, 3, 0x10000, 0x800, same1, 0);
    assert_section(as, 4, 0x10800, 0x1000, same2, 0);
    g_assert_cmpuint(nr_sections(as), ==, 5);

    /* Disabling the overlay uncovers what was below; the pieces of `low` are joined. */
    memory_region_set_enabled(high, false);
    assert_section(as, 0, 0x0, 0x4000, low, 0);
    memory_region_set_enabled(high, true);
    assert_section(as, 1, 0x1000, 0x1000, high, 0);

    /* Moving the overlay. */
    g_assert_true(memory_region_set_address(high, 0x3800, NULL));
    assert_section(as, 0, 0x0, 0x3800, low, 0);
    assert_section(as, 1, 0x3800, 0x1000, high, 0);
    g_assert_false(memory_region_set_address(high, 0xff800, NULL));
    assert_section(as, 1, 0x3800, 0x1000, high, 0);
}

static void test_alias_and_nesting(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) bus = memory_region_new_container("bus", 0x10000);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x4000);
    g_autoptr(MemoryRegion) alias = NULL;
    g_autoptr(MemoryRegion) bad = NULL;
    g_autoptr(AddressSpace) as = NULL;
    g_autoptr(GError) err = NULL;
    uint8_t *host = memory_region_get_ram_ptr(ram);

    alias = memory_region_new_alias("window", ram, 0x1000, 0x2000, &err);
    g_assert_no_error(err);
    bad = memory_region_new_alias("bad", ram, 0x3000, 0x2000, &err);
    g_assert_null(bad);
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_clear_error(&err);

    map(root, 0x100000, bus, 0);
    map(bus, 0x800, ram, 0);
    map(root, 0x40000000, alias, 0);
    as = address_space_new("test", root);

    host[0x1004] = 0xab;
    g_assert_cmphex(address_space_ldub(as, 0x40000004, NULL), ==, 0xab);
    g_assert_cmphex(address_space_ldub(as, 0x100800 + 0x1004, NULL), ==, 0xab);
    address_space_stb(as, 0x40001fff, 0xcd, NULL);
    g_assert_cmphex(host[0x2fff], ==, 0xcd);
    /* The alias window ends where it says, even though the RAM goes on. */
    g_assert_cmphex(address_space_ldub(as, 0x40002000, NULL), ==, 0xff);

    /* A container cannot end up inside itself, directly or through an alias. */
    g_assert_false(memory_region_add_subregion(bus, 0, bus, 0, &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    {
        g_autoptr(MemoryRegion) loop = memory_region_new_alias("loop", root, 0, 0x1000, NULL);

        g_assert_false(memory_region_add_subregion(bus, 0x8000, loop, 0, &err));
        g_assert_nonnull(err);
        g_clear_error(&err);
    }
    /* Already mapped, or not fitting: refused, nothing changes. */
    g_assert_false(memory_region_add_subregion(root, 0, ram, 0, &err));
    g_clear_error(&err);
    {
        g_autoptr(MemoryRegion) big = new_ram("big", 0x20000);

        g_assert_false(memory_region_add_subregion(bus, 0, big, 0, &err));
        g_assert_nonnull(err);
    }
    g_assert_cmpuint(nr_sections(as), ==, 2);
}

static void test_mmio_split_and_widen(void)
{
    /* The bus takes 1..8 byte accesses; the device implements only aligned 32-bit ones. */
    static const MemoryRegionOps ops = {
        .read = test_dev_read,
        .write = test_dev_write,
        .endianness = MEMORY_ENDIAN_LITTLE,
        .valid = {.min_size = 1, .max_size = 8, .unaligned = true},
        .impl = {.min_size = 4, .max_size = 4},
    };
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) mmio = memory_region_new_mmio("dev", 0x40, &ops, dev);
    g_autoptr(AddressSpace) as = NULL;
    MemTxResult res;

    map(root, 0x10000000, mmio, 0);
    as = address_space_new("test", root);

    /* A byte write is widened to the 32-bit word with the byte in place. */
    address_space_stb(as, 0x10000001, 0xaa, &res);
    g_assert_cmpuint(res, ==, MEMTX_OK);
    g_assert_cmpuint(dev->log->len, ==, 1);
    g_assert_true(test_dev_log(dev, 0)->is_write);
    g_assert_cmphex(test_dev_log(dev, 0)->offset, ==, 0);
    g_assert_cmpuint(test_dev_log(dev, 0)->size, ==, 4);
    g_assert_cmphex(test_dev_log(dev, 0)->value, ==, 0xaa00);

    /* A 64-bit read is two 32-bit reads combined little-endian. */
    memcpy(dev->regs + 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    g_array_set_size(dev->log, 0);
    g_assert_cmphex(address_space_ldq_le(as, 0x10000008, &res), ==, 0x0807060504030201ull);
    g_assert_cmpuint(res, ==, MEMTX_OK);
    g_assert_cmpuint(dev->log->len, ==, 2);
    g_assert_cmphex(test_dev_log(dev, 0)->offset, ==, 8);
    g_assert_cmphex(test_dev_log(dev, 1)->offset, ==, 12);

    /* An unaligned 16-bit read across a word boundary: two aligned words, bytes picked. */
    g_array_set_size(dev->log, 0);
    g_assert_cmphex(address_space_lduw_le(as, 0x1000000b, NULL), ==, 0x0504);
    g_assert_cmpuint(dev->log->len, ==, 2);
    g_assert_cmphex(test_dev_log(dev, 0)->offset, ==, 8);
    g_assert_cmphex(test_dev_log(dev, 1)->offset, ==, 12);

    /* A 12-byte buffer write: the biggest valid accesses (8 then 4), each split to words. */
    g_array_set_size(dev->log, 0);
    g_assert_cmpuint(address_space_write(as, 0x10000010, "ABCDEFGHIJKL", 12), ==, MEMTX_OK);
    g_assert_cmpmem(dev->regs + 0x10, 12, "ABCDEFGHIJKL", 12);
    g_assert_cmpuint(dev->log->len, ==, 3);

    /* A device error reaches the caller, and the read value is all-ones. */
    dev->fail = true;
    g_assert_cmphex(address_space_ldl_le(as, 0x10000000, &res), ==, 0xffffffff);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
}

static void test_mmio_valid_constraints(void)
{
    /* A 32-bit-only register block: other sizes and misaligned accesses are bus errors. */
    static const MemoryRegionOps ops = {
        .read = test_dev_read,
        .write = test_dev_write,
        .endianness = MEMORY_ENDIAN_LITTLE,
        .valid = {.min_size = 4, .max_size = 4},
    };
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) mmio = memory_region_new_mmio("dev", 0x40, &ops, dev);
    g_autoptr(AddressSpace) as = NULL;
    uint8_t buf[6];
    MemTxResult res;

    map(root, 0x1000, mmio, 0);
    as = address_space_new("test", root);

    g_assert_cmphex(address_space_ldub(as, 0x1000, &res), ==, 0xff);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    address_space_stw_le(as, 0x1000, 1, &res);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    g_assert_cmphex(address_space_ldl_le(as, 0x1002, &res), ==, 0xffffffff);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    address_space_stq_le(as, 0x1000, 1, &res);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    g_assert_cmpuint(dev->log->len, ==, 0);

    /* A buffer access does what it can: one valid word, then two bytes refused. */
    res = address_space_write(as, 0x1004, "wxyz12", 6);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    g_assert_cmpuint(dev->log->len, ==, 1);
    g_assert_cmpmem(dev->regs + 4, 4, "wxyz", 4);
    res = address_space_read(as, 0x1004, buf, 6);
    g_assert_cmpuint(res, ==, MEMTX_ERROR);
    g_assert_cmpmem(buf, 6, "wxyz\xff\xff", 6);
}

static void test_mmio_endianness(void)
{
    static const MemoryRegionOps ops_be = {
        .read = test_dev_read,
        .write = test_dev_write,
        .endianness = MEMORY_ENDIAN_BIG,
        .valid = {.min_size = 1, .max_size = 4},
    };
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) mmio = memory_region_new_mmio("dev", 0x40, &ops_be, dev);
    g_autoptr(AddressSpace) as = NULL;
    uint8_t buf[4];

    map(root, 0, mmio, 0);
    as = address_space_new("test", root);

    /* The device's register value 0x11223344 appears in memory as 11 22 33 44. */
    address_space_stl_be(as, 0, 0x11223344, NULL);
    g_assert_cmphex(test_dev_log(dev, 0)->value, ==, 0x11223344);
    g_assert_cmpuint(address_space_read(as, 0, buf, 4), ==, MEMTX_OK);
    g_assert_cmpmem(buf, 4, "\x11\x22\x33\x44", 4);
    g_assert_cmphex(address_space_ldl_le(as, 0, NULL), ==, 0x44332211);
    g_assert_cmphex(address_space_ldl_be(as, 0, NULL), ==, 0x11223344);
}

static void test_rom(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) rom = memory_region_new_rom("rom", 0x1000, NULL);
    g_autoptr(AddressSpace) as = NULL;
    MemTxResult res;

    g_assert_nonnull(rom);
    map(root, 0x1000, rom, 0);
    as = address_space_new("test", root);

    g_assert_cmpuint(address_space_write_rom(as, 0x1000, "\x13\x00\x00\x00", 4), ==, MEMTX_OK);
    address_space_stl_le(as, 0x1000, 0xdeadbeef, &res);
    g_assert_cmphex(address_space_ldl_le(as, 0x1000, NULL), ==, 0x13);
    g_assert_null(address_space_translate(as, 0x1000, &(uint64_t){4}, true));
    g_assert_nonnull(address_space_translate(as, 0x1000, &(uint64_t){4}, false));
}

typedef struct TestListener {
    MemoryListener listener;
    GString *events;
    unsigned commits;
} TestListener;

static void listener_add(MemoryListener *l, const MemorySection *s)
{
    TestListener *tl = (TestListener *)l;

    g_string_append_printf(tl->events, "+%s@%" G_GINT64_MODIFIER "x/%" G_GINT64_MODIFIER
                           "x%s%s ", memory_region_name(s->mr), s->gpa, s->size,
                           s->readonly ? ",ro" : "", s->host ? ",host" : "");
}

static void listener_del(MemoryListener *l, const MemorySection *s)
{
    TestListener *tl = (TestListener *)l;

    g_string_append_printf(tl->events, "-%s@%" G_GINT64_MODIFIER "x ", memory_region_name(s->mr),
                           s->gpa);
}

static void listener_commit(MemoryListener *l)
{
    ((TestListener *)l)->commits++;
}

static void test_listeners(void)
{
    static const MemoryRegionOps ops = {.read = test_dev_read, .write = test_dev_write};
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x2000);
    g_autoptr(MemoryRegion) rom = memory_region_new_rom("rom", 0x1000, NULL);
    g_autoptr(MemoryRegion) mmio = memory_region_new_mmio("uart", 0x100, &ops, dev);
    g_autoptr(GString) events = g_string_new("");
    TestListener tl = {
        .listener = {.region_add = listener_add, .region_del = listener_del,
                     .commit = listener_commit},
        .events = events,
    };
    AddressSpace *as;

    map(root, 0x80000000, ram, 0);
    as = address_space_new("test", root);
    address_space_add_listener(as, &tl.listener);
    g_assert_cmpstr(events->str, ==, "+ram@80000000/2000,host ");
    g_string_truncate(events, 0);

    /* Three changes in one transaction: one update, one commit. */
    tl.commits = 0;
    memory_region_transaction_begin();
    map(root, 0x1000, rom, 0);
    map(root, 0x10000000, mmio, 0);
    memory_region_set_readonly(ram, true);
    g_assert_cmpstr(events->str, ==, "");
    memory_region_transaction_commit();
    g_assert_cmpuint(tl.commits, ==, 1);
    g_assert_cmpstr(events->str, ==, "-ram@80000000 +rom@1000/1000,ro,host +uart@10000000/100 "
                                     "+ram@80000000/2000,ro,host ");
    g_string_truncate(events, 0);

    /* A change that does not change the view tells nobody. */
    tl.commits = 0;
    memory_region_set_enabled(ram, true);
    g_assert_cmpuint(tl.commits, ==, 0);

    memory_region_del_subregion(root, mmio);
    g_assert_cmpstr(events->str, ==, "-uart@10000000 ");
    g_string_truncate(events, 0);

    address_space_free(as);
    g_assert_cmpstr(events->str, ==, "-rom@1000 -ram@80000000 ");
}

static void test_allocation_failure(void)
{
    g_autoptr(GError) err = NULL;
    MemoryRegion *mr;

    mr = memory_region_new_ram("huge", 1ull << 62, MEMORY_RAM_DEFAULT, &err);
    g_assert_null(mr);
    g_assert_error(err, HULL_ERROR, HULL_ERROR_GENERIC);
    g_assert_nonnull(strstr(err->message, "huge"));
    g_clear_error(&err);

    mr = memory_region_new_ram("huge-memfd", 1ull << 62, MEMORY_RAM_MEMFD, &err);
    g_assert_null(mr);
    g_assert_nonnull(err);
    g_clear_error(&err);

    mr = memory_region_new_ram("empty", 0, MEMORY_RAM_DEFAULT, &err);
    g_assert_null(mr);
    g_assert_nonnull(err);
    g_clear_error(&err);

    mr = memory_region_new_ram("max", UINT64_MAX, MEMORY_RAM_DEFAULT, &err);
    g_assert_null(mr);
    g_assert_nonnull(err);
}

static void test_memfd(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(MemoryRegion) ram = memory_region_new_ram("shared", 0x3000, MEMORY_RAM_MEMFD, &err);
    uint8_t *other;

    g_assert_no_error(err);
    g_assert_cmpint(memory_region_get_fd(ram), >=, 0);
    /* A second mapping of the fd (what vhost-user would do) sees the same bytes. */
    other = mmap(NULL, 0x3000, PROT_READ, MAP_SHARED, memory_region_get_fd(ram), 0);
    g_assert_true(other != MAP_FAILED);
    ((uint8_t *)memory_region_get_ram_ptr(ram))[0x2345] = 0x77;
    g_assert_cmphex(other[0x2345], ==, 0x77);
    munmap(other, 0x3000);
}

static void test_translate_and_map(void)
{
    static const MemoryRegionOps ops = {.read = test_dev_read, .write = test_dev_write};
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(MemoryRegion) ram = new_ram("ram", 0x2000);
    g_autoptr(MemoryRegion) mmio = memory_region_new_mmio("dev", 0x40, &ops, dev);
    g_autoptr(AddressSpace) as = NULL;
    MemoryMapping m;
    uint64_t len;
    uint8_t *p;

    map(root, 0x4000, ram, 0);
    map(root, 0x6000, mmio, 0);
    as = address_space_new("test", root);

    len = 0x10000;
    p = address_space_translate(as, 0x5000, &len, true);
    g_assert_true(p == (uint8_t *)memory_region_get_ram_ptr(ram) + 0x1000);
    g_assert_cmphex(len, ==, 0x1000);
    len = 4;
    g_assert_null(address_space_translate(as, 0x6000, &len, false));

    /* RAM: direct, shortened at the end of the RAM. */
    len = 0x3000;
    p = address_space_map(as, 0x5ff0, &len, true, &m);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x10);
    memcpy(p, "direct", 6);
    address_space_unmap(as, &m, 6);
    g_assert_cmpmem((uint8_t *)memory_region_get_ram_ptr(ram) + 0x1ff0, 6, "direct", 6);

    /* MMIO: through a bounce buffer written back on unmap. */
    len = 0x100;
    p = address_space_map(as, 0x6000, &len, true, &m);
    g_assert_nonnull(p);
    g_assert_cmphex(len, ==, 0x40);
    memcpy(p, "bounce!!", 8);
    g_assert_cmpuint(dev->log->len, ==, 0);
    address_space_unmap(as, &m, 8);
    g_assert_cmpmem(dev->regs, 8, "bounce!!", 8);

    /* Unassigned: nothing. */
    len = 0x10;
    g_assert_null(address_space_map(as, 0x9000, &len, false, &m));
    g_assert_cmpuint(len, ==, 0);
}

/*
 * Random topologies against a reference model: for every address, the flat view must
 * name the region (and offset) that a plain recursive walk of the rules finds.
 */
typedef struct RefNode {
    MemoryRegion *mr;
    struct RefNode *parent;
    uint64_t addr;
    uint64_t size;
    int priority;
    unsigned seq;           /* insertion order: later wins among equal priorities */
    bool is_container;
    MemoryRegion *alias_of; /* RAM target of an alias, or NULL */
    uint64_t alias_offset;
} RefNode;

/* Which terminal region serves `addr` (relative to container `c`), and where in it. */
static MemoryRegion *ref_resolve(GPtrArray *nodes, RefNode *c, uint64_t addr, uint64_t *off)
{
    RefNode *best = NULL;
    MemoryRegion *found = NULL;
    uint64_t found_off = 0;

    /* Try candidates from the highest (priority, seq) down; holes fall through. */
    for (;;) {
        RefNode *next = NULL;

        for (unsigned i = 0; i < nodes->len; i++) {
            RefNode *n = g_ptr_array_index(nodes, i);

            if (n->parent != c || addr < n->addr || addr - n->addr >= n->size) {
                continue;
            }
            if (best && (n->priority > best->priority ||
                         (n->priority == best->priority && n->seq >= best->seq))) {
                continue; /* already tried */
            }
            if (!next || n->priority > next->priority ||
                (n->priority == next->priority && n->seq > next->seq)) {
                next = n;
            }
        }
        if (!next) {
            return NULL;
        }
        best = next;
        if (next->is_container) {
            found = ref_resolve(nodes, next, addr - next->addr, &found_off);
        } else if (next->alias_of) {
            found = next->alias_of;
            found_off = next->alias_offset + (addr - next->addr);
        } else {
            found = next->mr;
            found_off = addr - next->addr;
        }
        if (found) {
            *off = found_off;
            return found;
        }
    }
}

static void test_random_topologies(void)
{
    enum { SPACE = 2048, ROUNDS = 40, REGIONS = 16 };

    for (unsigned round = 0; round < ROUNDS; round++) {
        g_autoptr(GRand) rand = g_rand_new_with_seed(round);
        g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(MemoryRegion) root = memory_region_new_container("root", SPACE);
        g_autoptr(MemoryRegion) backing = new_ram("backing", 4096);
        g_autoptr(AddressSpace) as = address_space_new("test", root);
        g_autoptr(FlatView) fv = NULL;
        GPtrArray *containers = g_ptr_array_new();
        unsigned seq = 0;

        g_ptr_array_add(containers, NULL); /* NULL: the root */
        memory_region_transaction_begin();
        for (unsigned i = 0; i < REGIONS; i++) {
            RefNode *parent = g_ptr_array_index(containers,
                                                g_rand_int_range(rand, 0, containers->len));
            uint64_t psize = parent ? parent->size : SPACE;
            RefNode *n = g_new0(RefNode, 1);
            g_autofree char *name = g_strdup_printf("r%u", i);
            int kind = g_rand_int_range(rand, 0, 3);

            n->size = g_rand_int_range(rand, 1, (gint32)psize + 1);
            n->addr = g_rand_int_range(rand, 0, (gint32)(psize - n->size) + 1);
            n->priority = g_rand_int_range(rand, -2, 3);
            n->parent = parent;
            if (kind == 0) {
                n->is_container = true;
                n->mr = memory_region_new_container(name, n->size);
                g_ptr_array_add(containers, n);
            } else if (kind == 1) {
                n->alias_of = backing;
                n->alias_offset = g_rand_int_range(rand, 0, (gint32)(4096 - n->size) + 1);
                n->mr = memory_region_new_alias(name, backing, n->alias_offset, n->size, NULL);
            } else {
                n->mr = new_ram(name, n->size);
            }
            map(parent ? parent->mr : root, n->addr, n->mr, n->priority);
            n->seq = seq++;
            memory_region_unref(n->mr);
            g_ptr_array_add(nodes, n);
        }
        memory_region_transaction_commit();

        fv = address_space_get_flatview(as);
        for (uint64_t addr = 0; addr < SPACE; addr++) {
            uint64_t off = 0;
            MemoryRegion *want = ref_resolve(nodes, NULL, addr, &off);
            const MemorySection *s = flatview_lookup(fv, addr);

            if (!want) {
                g_assert_null(s);
                continue;
            }
            g_assert_nonnull(s);
            g_assert_true(s->mr == want);
            g_assert_cmphex(s->offset + (addr - s->gpa), ==, off);
        }
        /* Sections are sorted, disjoint and never empty. */
        for (unsigned i = 0; i < flatview_nr_sections(fv); i++) {
            const MemorySection *s = flatview_section(fv, i);

            g_assert_cmpuint(s->size, >, 0);
            if (i > 0) {
                const MemorySection *p = flatview_section(fv, i - 1);

                g_assert_cmpuint(p->gpa + p->size, <=, s->gpa);
            }
        }
        g_ptr_array_free(containers, true);
    }
}

static void count_release(void *opaque)
{
    (*(unsigned *)opaque)++;
}

static void test_owner_outlives_views(void)
{
    static const MemoryRegionOps ops = {.read = test_dev_read, .write = test_dev_write};
    g_autoptr(TestDevice) dev = test_dev_new();
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(AddressSpace) as = NULL;
    MemoryRegion *mmio = memory_region_new_mmio("dev", 0x10, &ops, dev);
    unsigned released = 0;
    FlatView *old;

    memory_region_set_owner(mmio, &released, count_release);
    map(root, 0x1000, mmio, 0);
    as = address_space_new("test", root);

    /* A vCPU holds the current view while the device is unplugged and dropped. */
    old = address_space_get_flatview(as);
    memory_region_del_subregion(root, mmio);
    memory_region_unref(mmio);
    g_assert_cmpuint(released, ==, 0);
    g_assert_cmpuint(nr_sections(as), ==, 0);
    /* The old view still dispatches to the device safely... */
    g_assert_nonnull(flatview_lookup(old, 0x1000));
    /* ...and the device goes when the last view that could reach it goes. */
    flatview_unref(old);
    g_assert_cmpuint(released, ==, 1);
}

/* A reader on another thread keeps reading while the main thread swaps what is mapped. */
typedef struct RaceState {
    AddressSpace *as;
    gint stop;
    unsigned bad;
    gint reads;
} RaceState;

static gpointer race_reader(gpointer opaque)
{
    RaceState *st = opaque;

    while (!g_atomic_int_get(&st->stop)) {
        MemTxResult res;
        uint32_t v = address_space_ldl_le(st->as, 0x1000, &res);

        if (!((res == MEMTX_OK && (v == 0x11111111 || v == 0x22222222)) ||
              (res == MEMTX_DECODE_ERROR && v == 0xffffffff))) {
            st->bad++;
        }
        g_atomic_int_inc(&st->reads);
    }
    return NULL;
}

static void test_concurrent_readers(void)
{
    g_autoptr(MemoryRegion) root = memory_region_new_container("root", UINT64_MAX);
    g_autoptr(AddressSpace) as = address_space_new("test", root);
    RaceState st = {.as = as};
    GThread *reader = g_thread_new("reader", race_reader, &st);

    /* On a loaded host the reader may not run at all before the swaps end: wait for it. */
    while (!g_atomic_int_get(&st.reads)) {
        g_thread_yield();
    }
    for (unsigned i = 0; i < 300; i++) {
        g_autoptr(MemoryRegion) ram = new_ram("ram", 0x2000);

        memset(memory_region_get_ram_ptr(ram), i & 1 ? 0x11 : 0x22, 0x2000);
        map(root, 0, ram, 0);
        g_thread_yield();
        memory_region_del_subregion(root, ram);
    }
    g_atomic_int_set(&st.stop, 1);
    g_thread_join(reader);
    g_assert_cmpuint(st.bad, ==, 0);
    g_assert_cmpint(g_atomic_int_get(&st.reads), >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/engine/memory/ram-round-trip", test_ram_round_trip);
    g_test_add_func("/engine/memory/unassigned", test_unassigned);
    g_test_add_func("/engine/memory/priorities", test_priorities);
    g_test_add_func("/engine/memory/alias-and-nesting", test_alias_and_nesting);
    g_test_add_func("/engine/memory/mmio-split-and-widen", test_mmio_split_and_widen);
    g_test_add_func("/engine/memory/mmio-valid-constraints", test_mmio_valid_constraints);
    g_test_add_func("/engine/memory/mmio-endianness", test_mmio_endianness);
    g_test_add_func("/engine/memory/rom", test_rom);
    g_test_add_func("/engine/memory/listeners", test_listeners);
    g_test_add_func("/engine/memory/allocation-failure", test_allocation_failure);
    g_test_add_func("/engine/memory/memfd", test_memfd);
    g_test_add_func("/engine/memory/translate-and-map", test_translate_and_map);
    g_test_add_func("/engine/memory/random-topologies", test_random_topologies);
    g_test_add_func("/engine/memory/owner-outlives-views", test_owner_outlives_views);
    g_test_add_func("/engine/memory/concurrent-readers", test_concurrent_readers);
    return g_test_run();
}

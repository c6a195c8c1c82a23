/*
 * Tests for kvm/x86-boot.c on images built here: good PVH ELFs (32- and 64-bit) and
 * bzImages, and malformed ones (truncated, overlapping, huge sizes) that must be refused
 * without touching guest RAM. Needs no /dev/kvm.
 */
#include "kvm/x86-boot.h"

#include <elf.h>
#include <string.h>
#include <sys/mman.h>

#define RAM_SIZE (4u << 20)
#define RAM_FILL 0xa5

typedef struct Fixture {
    uint8_t *ram;
    X86RamRange range;
    X86E820Entry reserved;
    X86BootConfig config;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->ram = g_malloc(RAM_SIZE);
    memset(f->ram, RAM_FILL, RAM_SIZE);
    f->range = (X86RamRange){.gpa = 0, .size = RAM_SIZE, .host = f->ram};
    f->reserved = (X86E820Entry){.addr = 0xfeffc000, .size = 0x4000, .type = X86_E820_RESERVED};
    f->config = (X86BootConfig){.ram = &f->range,
                                .n_ram = 1,
                                .reserved = &f->reserved,
                                .n_reserved = 1,
                                .cmdline = "console=ttyS0 quiet"};
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_free(f->ram);
}

static bool ram_untouched(const Fixture *f)
{
    for (size_t i = 0; i < RAM_SIZE; i++) {
        if (f->ram[i] != RAM_FILL) {
            return false;
        }
    }
    return true;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ---------------------------------------------------------------------------------------
 * A small ELF builder
 */

typedef struct TestSeg {
    uint64_t paddr;
    uint32_t filesz;
    uint32_t memsz;
} TestSeg;

typedef struct ElfSpec {
    bool is64;
    TestSeg segs[4];
    int nsegs;
    uint64_t entry;       /* PVH note value */
    uint32_t note_descsz; /* 4 or 8 (0: no note) */
    bool note_in_section; /* SHT_NOTE section instead of PT_NOTE */
} ElfSpec;

static void put16(GByteArray *b, size_t at, uint16_t v)
{
    memcpy(b->data + at, &v, 2);
}

static void put32(GByteArray *b, size_t at, uint32_t v)
{
    memcpy(b->data + at, &v, 4);
}

static void put64(GByteArray *b, size_t at, uint64_t v)
{
    memcpy(b->data + at, &v, 8);
}

/* Segment i's file data is bytes (i + 1) * 0x11 repeated. */
static GByteArray *build_elf(const ElfSpec *s)
{
    GByteArray *b = g_byte_array_new();
    size_t ehsize = s->is64 ? 64 : 52, phentsize = s->is64 ? 56 : 32;
    size_t shentsize = s->is64 ? 64 : 40;
    int nph = s->nsegs + (s->note_descsz && !s->note_in_section);
    size_t phoff = ehsize, note_off = phoff + nph * phentsize;
    size_t note_size = s->note_descsz ? 12 + 4 + ((s->note_descsz + 3) & ~3u) : 0;
    size_t data_off = note_off + note_size;

    g_byte_array_set_size(b, data_off);
    memset(b->data, 0, b->len);
    for (int i = 0; i < s->nsegs; i++) {
        size_t at = b->len;
        g_byte_array_set_size(b, at + s->segs[i].filesz);
        memset(b->data + at, (i + 1) * 0x11, s->segs[i].filesz);
    }
    size_t shoff = b->len;
    if (s->note_in_section) {
        g_byte_array_set_size(b, shoff + 2 * shentsize);
        memset(b->data + shoff, 0, 2 * shentsize);
    }

    memcpy(b->data, ELFMAG, SELFMAG);
    b->data[EI_CLASS] = s->is64 ? ELFCLASS64 : ELFCLASS32;
    b->data[EI_DATA] = ELFDATA2LSB;
    b->data[EI_VERSION] = EV_CURRENT;
    put16(b, 0x10, ET_EXEC);
    put16(b, 0x12, s->is64 ? EM_X86_64 : EM_386);
    put32(b, 0x14, EV_CURRENT);
    if (s->is64) {
        put64(b, 0x18, s->entry);
        put64(b, 0x20, phoff);
        put64(b, 0x28, s->note_in_section ? shoff : 0);
        put16(b, 0x34, (uint16_t)ehsize);
        put16(b, 0x36, (uint16_t)phentsize);
        put16(b, 0x38, (uint16_t)nph);
        put16(b, 0x3a, (uint16_t)shentsize);
        put16(b, 0x3c, s->note_in_section ? 2 : 0);
    } else {
        put32(b, 0x18, (uint32_t)s->entry);
        put32(b, 0x1c, (uint32_t)phoff);
        put32(b, 0x20, s->note_in_section ? (uint32_t)shoff : 0);
        put16(b, 0x28, (uint16_t)ehsize);
        put16(b, 0x2a, (uint16_t)phentsize);
        put16(b, 0x2c, (uint16_t)nph);
        put16(b, 0x2e, (uint16_t)shentsize);
        put16(b, 0x30, s->note_in_section ? 2 : 0);
    }

    size_t file_at = data_off;
    for (int i = 0; i < nph; i++) {
        size_t p = phoff + i * phentsize;
        bool note = i == s->nsegs;
        uint32_t type = note ? PT_NOTE : PT_LOAD;
        uint64_t off = note ? note_off : file_at;
        uint64_t paddr = note ? 0 : s->segs[i].paddr;
        uint64_t filesz = note ? note_size : s->segs[i].filesz;
        uint64_t memsz = note ? 0 : s->segs[i].memsz;
        put32(b, p, type);
        if (s->is64) {
            put64(b, p + 8, off);
            put64(b, p + 16, paddr);
            put64(b, p + 24, paddr);
            put64(b, p + 32, filesz);
            put64(b, p + 40, memsz);
        } else {
            put32(b, p + 4, (uint32_t)off);
            put32(b, p + 8, (uint32_t)paddr);
            put32(b, p + 12, (uint32_t)paddr);
            put32(b, p + 16, (uint32_t)filesz);
            put32(b, p + 20, (uint32_t)memsz);
        }
        if (!note) {
            file_at += s->segs[i].filesz;
        }
    }
    if (s->note_descsz) {
        put32(b, note_off, 4);
        put32(b, note_off + 4, s->note_descsz);
        put32(b, note_off + 8, 18);
        memcpy(b->data + note_off + 12, "Xen", 4);
        if (s->note_descsz == 8) {
            put64(b, note_off + 16, s->entry);
        } else {
            put32(b, note_off + 16, (uint32_t)s->entry);
        }
    }
    if (s->note_in_section) {
        size_t sh = shoff + shentsize; /* section 1; section 0 is the null one */
        put32(b, sh + 4, SHT_NOTE);
        if (s->is64) {
            put64(b, sh + 0x18, note_off);
            put64(b, sh + 0x20, note_size);
        } else {
            put32(b, sh + 0x10, (uint32_t)note_off);
            put32(b, sh + 0x14, (uint32_t)note_size);
        }
    }
    return b;
}

static const ElfSpec good_elf32 = {
    .segs = {{0x100000, 0x40, 0x80}, {0x102000, 0x10, 0x10}},
    .nsegs = 2,
    .entry = 0x100010,
    .note_descsz = 4,
};

/* ---------------------------------------------------------------------------------------
 * PVH
 */

static void check_pvh_loaded(Fixture *f, const X86BootEntry *entry, uint64_t rip)
{
    g_assert_cmpint(entry->mode, ==, X86_BOOT_MODE_PVH);
    g_assert_cmphex(entry->rip, ==, rip);
    g_assert_cmphex(entry->info, ==, X86_BOOT_INFO_ADDR);
    g_assert_cmphex(entry->gdt_base, ==, X86_BOOT_GDT_ADDR);
    g_assert_cmphex(get64(f->ram + X86_BOOT_GDT_ADDR + X86_BOOT_CS), ==, X86_GDT_CODE32);
    g_assert_cmphex(get64(f->ram + X86_BOOT_GDT_ADDR + X86_BOOT_DS), ==, X86_GDT_DATA);

    /* Segment 0: 0x40 bytes of 0x11 then zeros to 0x80; segment 1 of 0x22. */
    g_assert_cmpuint(f->ram[0x100000], ==, 0x11);
    g_assert_cmpuint(f->ram[0x10003f], ==, 0x11);
    g_assert_cmpuint(f->ram[0x100040], ==, 0);
    g_assert_cmpuint(f->ram[0x10007f], ==, 0);
    g_assert_cmpuint(f->ram[0x100080], ==, RAM_FILL);
    g_assert_cmpuint(f->ram[0x102000], ==, 0x22);

    const uint8_t *si = f->ram + X86_BOOT_INFO_ADDR;
    g_assert_cmphex(get32(si), ==, 0x336ec578);
    g_assert_cmpuint(get32(si + 4), ==, 1);
    uint64_t cmdline = get64(si + 24);
    g_assert_cmpstr((const char *)f->ram + cmdline, ==, "console=ttyS0 quiet");
    uint64_t memmap = get64(si + 40);
    uint32_t n = get32(si + 48);
    g_assert_cmpuint(n, ==, 3);
    const uint8_t *m = f->ram + memmap;
    g_assert_cmphex(get64(m), ==, 0);
    g_assert_cmphex(get64(m + 8), ==, 0xa0000);
    g_assert_cmpuint(get32(m + 16), ==, X86_E820_RAM);
    g_assert_cmphex(get64(m + 24), ==, 0x100000);
    g_assert_cmphex(get64(m + 32), ==, RAM_SIZE - 0x100000);
    g_assert_cmphex(get64(m + 48), ==, 0xfeffc000);
    g_assert_cmpuint(get32(m + 64), ==, X86_E820_RESERVED);
}

static void test_pvh_elf32(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) img = build_elf(&good_elf32);
    g_autoptr(GError) err = NULL;
    X86BootEntry entry;

    g_assert_cmpint(x86_kernel_detect(img->data, img->len), ==, X86_KERNEL_PVH_ELF);
    g_assert_true(x86_boot_load(img->data, img->len, &f->config, &entry, &err));
    g_assert_no_error(err);
    check_pvh_loaded(f, &entry, 0x100010);
    /* No initrd: no modules. */
    g_assert_cmpuint(get32(f->ram + X86_BOOT_INFO_ADDR + 12), ==, 0);
}

static void test_pvh_elf64_section_note(Fixture *f, gconstpointer data)
{
    ElfSpec s = good_elf32;
    s.is64 = true;
    s.note_descsz = 8;
    s.note_in_section = true;
    g_autoptr(GByteArray) img = build_elf(&s);
    g_autoptr(GError) err = NULL;
    X86BootEntry entry;

    g_assert_true(x86_boot_load_pvh(img->data, img->len, &f->config, &entry, &err));
    g_assert_no_error(err);
    check_pvh_loaded(f, &entry, 0x100010);
}

static void test_pvh_initrd(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) img = build_elf(&good_elf32);
    g_autoptr(GError) err = NULL;
    uint8_t initrd[5000];
    X86BootEntry entry;

    memset(initrd, 0x5c, sizeof(initrd));
    f->config.initrd = initrd;
    f->config.initrd_size = sizeof(initrd);
    g_assert_true(x86_boot_load_pvh(img->data, img->len, &f->config, &entry, &err));
    g_assert_no_error(err);
    const uint8_t *si = f->ram + X86_BOOT_INFO_ADDR;
    g_assert_cmpuint(get32(si + 12), ==, 1);
    const uint8_t *mod = f->ram + get64(si + 16);
    uint64_t addr = get64(mod);
    g_assert_cmpuint(get64(mod + 8), ==, sizeof(initrd));
    /* At the top of RAM, page aligned, above the kernel. */
    g_assert_cmphex(addr & 0xfff, ==, 0);
    g_assert_cmphex(addr, ==, (RAM_SIZE - sizeof(initrd)) & ~0xfffu);
    g_assert_cmpmem(f->ram + addr, sizeof(initrd), initrd, sizeof(initrd));
}

/* Each malformed image must be refused with an error and RAM left as it was. */
static void expect_refused(Fixture *f, const uint8_t *img, size_t len, const char *what)
{
    g_autoptr(GError) err = NULL;
    X86BootEntry entry;

    g_assert_false(x86_boot_load(img, len, &f->config, &entry, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, what)) {
        g_error("expected an error about '%s', got: %s", what, err->message);
    }
    g_assert_true(ram_untouched(f));
}

static void expect_spec_refused(Fixture *f, const ElfSpec *s, const char *what)
{
    g_autoptr(GByteArray) img = build_elf(s);

    expect_refused(f, img->data, img->len, what);
}

static void test_pvh_malformed(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) img = build_elf(&good_elf32);
    ElfSpec s;

    /* Truncated: in the header, in the program headers, in a segment's data. */
    expect_refused(f, img->data, 30, "truncated");
    expect_refused(f, img->data, 60, "program headers");
    expect_refused(f, img->data, img->len - 1, "segment 1");

    s = good_elf32; /* overlapping segments */
    s.segs[1].paddr = 0x100070;
    expect_spec_refused(f, &s, "overlap");
    s = good_elf32; /* huge memory size */
    s.segs[0].memsz = 0xfffff000;
    expect_spec_refused(f, &s, "does not fit");
    s = good_elf32;
    s.is64 = true;
    s.note_descsz = 8; /* wrapping address */
    s.segs[1].paddr = 0xfffffffffffff000ull;
    s.segs[1].memsz = 0x2000;
    expect_spec_refused(f, &s, "does not fit");
    s = good_elf32; /* past the end of RAM */
    s.segs[1].paddr = RAM_SIZE - 8;
    expect_spec_refused(f, &s, "does not fit");
    s = good_elf32; /* over the loader's own structures */
    s.segs[0].paddr = 0x7000;
    s.entry = 0x7000;
    expect_spec_refused(f, &s, "does not fit");
    s = good_elf32; /* file bigger than memory */
    s.segs[0].memsz = 0x20;
    expect_spec_refused(f, &s, "larger in the file");
    s = good_elf32; /* no PVH note */
    s.note_descsz = 0;
    expect_spec_refused(f, &s, "no PVH entry note");
    s = good_elf32; /* entry outside the loaded segments */
    s.entry = 0x200000;
    expect_spec_refused(f, &s, "entry point");
    s = good_elf32; /* a note value of the wrong size */
    s.note_descsz = 2;
    expect_spec_refused(f, &s, "2-byte");

    /* A note whose name size runs past the note area. */
    g_autoptr(GByteArray) bad_note = build_elf(&good_elf32);
    size_t note_off = 52 + 3 * 32;
    put32(bad_note, note_off, 0xfffffff0);
    expect_refused(f, bad_note->data, bad_note->len, "malformed ELF note");

    /* Wrong machine, wrong class, not an executable. */
    g_autoptr(GByteArray) other = build_elf(&good_elf32);
    put16(other, 0x12, EM_ARM);
    expect_refused(f, other->data, other->len, "not x86");
    put16(other, 0x12, EM_386);
    other->data[EI_CLASS] = 7;
    expect_refused(f, other->data, other->len, "class");
    other->data[EI_CLASS] = ELFCLASS32;
    put16(other, 0x10, ET_REL);
    expect_refused(f, other->data, other->len, "not an executable");

    /* Program headers pointing outside the file. */
    g_autoptr(GByteArray) far = build_elf(&good_elf32);
    put32(far, 0x1c, 0xfffffff0);
    expect_refused(f, far->data, far->len, "program headers");
}

static void test_config_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) img = build_elf(&good_elf32);
    g_autofree char *long_cmdline = g_strnfill(X86_BOOT_CMDLINE_MAX, 'x');
    X86RamRange high = {.gpa = 0x100000, .size = RAM_SIZE - 0x100000, .host = f->ram};

    f->config.cmdline = long_cmdline;
    expect_refused(f, img->data, img->len, "command line too long");
    f->config.cmdline = NULL;
    /* Low memory is where the loader's structures go. */
    f->config.ram = &high;
    expect_refused(f, img->data, img->len, "must be RAM");
    f->config.ram = &f->range;
    f->config.n_ram = 0;
    expect_refused(f, img->data, img->len, "no RAM");
    f->config.n_ram = 1;
    /* An initrd that cannot fit. */
    static uint8_t big_initrd[RAM_SIZE];
    f->config.initrd = big_initrd;
    f->config.initrd_size = sizeof(big_initrd);
    expect_refused(f, img->data, img->len, "initrd");
    /* Neither ELF nor bzImage. */
    uint8_t junk[4096] = {'M', 'Z'};
    expect_refused(f, junk, sizeof(junk), "unsupported kernel image format");
    g_assert_cmpint(x86_kernel_detect(junk, sizeof(junk)), ==, X86_KERNEL_UNKNOWN);
}

/* ---------------------------------------------------------------------------------------
 * bzImage
 */

#define BZ_KERNEL_BYTES 0x600

static GByteArray *build_bzimage(uint16_t version, uint16_t xloadflags, uint32_t init_size)
{
    GByteArray *b = g_byte_array_new();
    unsigned setup_sects = 1;
    size_t kernel_off = (setup_sects + 1) * 512;

    g_byte_array_set_size(b, kernel_off + BZ_KERNEL_BYTES);
    memset(b->data, 0, b->len);
    for (size_t i = 0; i < BZ_KERNEL_BYTES; i++) {
        b->data[kernel_off + i] = (uint8_t)(i * 7 + 1);
    }
    b->data[0x1f1] = (uint8_t)setup_sects;
    put16(b, 0x1fe, 0xaa55);
    b->data[0x200] = 0xeb;
    b->data[0x201] = 0x66;       /* header ends at 0x268 */
    put32(b, 0x202, 0x53726448); /* HdrS */
    put16(b, 0x206, version);
    b->data[0x211] = 0x01;       /* LOADED_HIGH */
    put32(b, 0x214, 0x100000);   /* code32_start */
    put32(b, 0x22c, 0x37ffffff); /* initrd_addr_max */
    put32(b, 0x230, 0x200000);   /* kernel_alignment */
    b->data[0x234] = 1;          /* relocatable */
    put16(b, 0x236, xloadflags);
    put32(b, 0x238, 2047);      /* cmdline_size */
    put64(b, 0x258, 0x1000000); /* pref_address */
    put32(b, 0x260, init_size);
    return b;
}

static void test_bzimage(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) img = build_bzimage(0x020f, 0x3, 0x20000);
    g_autoptr(GError) err = NULL;
    uint8_t initrd[3000];
    X86BootEntry entry;

    memset(initrd, 0x3c, sizeof(initrd));
    f->config.initrd = initrd;
    f->config.initrd_size = sizeof(initrd);
    g_assert_cmpint(x86_kernel_detect(img->data, img->len), ==, X86_KERNEL_BZIMAGE);
    g_assert_true(x86_boot_load(img->data, img->len, &f->config, &entry, &err));
    g_assert_no_error(err);

    g_assert_cmpint(entry.mode, ==, X86_BOOT_MODE_LINUX64);
    g_assert_cmphex(entry.rip, ==, 0x100200);
    g_assert_cmphex(entry.info, ==, X86_BOOT_INFO_ADDR);
    g_assert_cmphex(entry.cr3, ==, X86_BOOT_PML4_ADDR);
    g_assert_cmpmem(f->ram + 0x100000, BZ_KERNEL_BYTES, img->data + 1024, BZ_KERNEL_BYTES);
    g_assert_cmphex(get64(f->ram + X86_BOOT_GDT_ADDR + X86_BOOT_CS), ==, X86_GDT_CODE64);

    const uint8_t *zp = f->ram + X86_BOOT_INFO_ADDR;
    g_assert_cmphex(get32(zp + 0x202), ==, 0x53726448); /* header copied */
    g_assert_cmphex(get32(zp + 0x260), ==, 0x20000);
    g_assert_cmpuint(zp[0x210], ==, 0xff); /* type_of_loader */
    g_assert_cmpuint(zp[0x268], ==, 0);    /* nothing past the header */
    g_assert_cmpstr((const char *)f->ram + get32(zp + 0x228), ==, "console=ttyS0 quiet");
    uint32_t rd_addr = get32(zp + 0x218);
    g_assert_cmpuint(get32(zp + 0x21c), ==, sizeof(initrd));
    g_assert_cmpmem(f->ram + rd_addr, sizeof(initrd), initrd, sizeof(initrd));
    g_assert_cmphex(rd_addr, >=, 0x100000 + 0x20000);
    g_assert_cmpuint(zp[0x1e8], ==, 3); /* e820 entries */
    g_assert_cmphex(get64(zp + 0x2d0 + 20), ==, 0x100000);
    g_assert_cmpuint(get32(zp + 0x2d0 + 20 + 16), ==, X86_E820_RAM);

    /* Identity map: PML4 -> PDPT -> 2 MiB pages. */
    uint64_t pml4e = get64(f->ram + X86_BOOT_PML4_ADDR);
    g_assert_cmphex(pml4e & 1, ==, 1);
    uint64_t pdpte3 = get64(f->ram + (pml4e & ~0xfffull) + 3 * 8);
    uint64_t pde = get64(f->ram + (pdpte3 & ~0xfffull) + 511 * 8);
    g_assert_cmphex(pde & ~0xfffull, ==, 0xffe00000);
    g_assert_cmphex(pde & 0x83, ==, 0x83);
}

static void test_bzimage_malformed(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) old = build_bzimage(0x020b, 0x3, 0x20000);
    expect_refused(f, old->data, old->len, "too old");
    g_autoptr(GByteArray) no64 = build_bzimage(0x020f, 0x2, 0x20000);
    expect_refused(f, no64->data, no64->len, "64-bit entry");
    g_autoptr(GByteArray) huge = build_bzimage(0x020f, 0x3, 0xfffffff0);
    expect_refused(f, huge->data, huge->len, "needs 4294967280 bytes");

    g_autoptr(GByteArray) good = build_bzimage(0x020f, 0x3, 0x20000);
    /* Truncated: no protected-mode kernel, or a header that runs past the file. */
    expect_refused(f, good->data, 1024 + 0x100, "truncated");
    expect_refused(f, good->data, 0x240, "truncated or too long");
    good->data[0x201] = 0xff;
    expect_refused(f, good->data, good->len, "too long");
    good->data[0x201] = 0x66;
    good->data[0x211] = 0;
    expect_refused(f, good->data, good->len, "high-loaded");
    good->data[0x211] = 1;
    /* A command line longer than the kernel accepts. */
    put32(good, 0x238, 5);
    expect_refused(f, good->data, good->len, "at most 5");
    put32(good, 0x238, 2047);
    /* An initrd that must sit below an address the kernel occupies. */
    uint8_t initrd[3000] = {0};
    f->config.initrd = initrd;
    f->config.initrd_size = sizeof(initrd);
    put32(good, 0x22c, 0x110000);
    expect_refused(f, good->data, good->len, "initrd");
    /* Setup sectors claiming more than the file holds. */
    put32(good, 0x22c, 0x37ffffff);
    good->data[0x1f1] = 200;
    expect_refused(f, good->data, good->len, "truncated");
}

/*
 * Random corruption of good images (fixed seeds, so failures reproduce): each mutant is
 * either loaded or refused with an error and RAM untouched; never a crash or an overrun
 * (run under ASan/Valgrind to see the latter).
 */
static void mutate_and_load(Fixture *f, const GByteArray *good, guint32 seed, int rounds)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    g_autofree uint8_t *img = g_malloc(good->len);
    unsigned loaded = 0, refused = 0;

    for (int i = 0; i < rounds; i++) {
        memcpy(img, good->data, good->len);
        int flips = g_rand_int_range(rand, 1, 5);
        for (int k = 0; k < flips; k++) {
            /* Mostly the headers, where the parsers look. */
            guint32 limit = g_rand_boolean(rand) ? MIN(good->len, 0x300u) : good->len;
            guint32 at = g_rand_int_range(rand, 0, (gint32)limit);
            uint8_t bit = (uint8_t)(1u << g_rand_int_range(rand, 0, 8));
            img[at] = g_rand_boolean(rand) ? (uint8_t)g_rand_int(rand) : img[at] ^ bit;
        }
        /* One in eight is also cut short. */
        size_t len = good->len;
        if (g_rand_int_range(rand, 0, 8) == 0) {
            len = (size_t)g_rand_int_range(rand, 0, (gint32)good->len);
        }
        g_autoptr(GError) err = NULL;
        X86BootEntry entry;
        if (x86_boot_load(img, len, &f->config, &entry, &err)) {
            loaded++;
            memset(f->ram, RAM_FILL, RAM_SIZE);
        } else {
            g_assert_nonnull(err);
            g_assert_true(ram_untouched(f));
            refused++;
        }
    }
    g_test_message("%u loaded, %u refused", loaded, refused);
    g_assert_cmpuint(refused, >, 0);
}

static void test_mutated_images(Fixture *f, gconstpointer data)
{
    ElfSpec s64 = good_elf32;
    s64.is64 = true;
    s64.note_descsz = 8;
    s64.note_in_section = true;
    g_autoptr(GByteArray) elf32 = build_elf(&good_elf32);
    g_autoptr(GByteArray) elf64 = build_elf(&s64);
    g_autoptr(GByteArray) bz = build_bzimage(0x020f, 0x3, 0x20000);

    mutate_and_load(f, elf32, 1, 300);
    mutate_and_load(f, elf64, 2, 300);
    mutate_and_load(f, bz, 3, 300);
}

/*
 * A real distribution kernel, when one is around: $HULL_TEST_BZIMAGE, else the newest
 * /boot/vmlinuz-*. Only loaded (not run): running it needs a fast KVM.
 */
static char *find_host_kernel(void)
{
    const char *env = g_getenv("HULL_TEST_BZIMAGE");
    g_autoptr(GDir) dir = NULL;
    g_autofree char *best = NULL;
    const char *name;

    if (env) {
        return g_strdup(env);
    }
    dir = g_dir_open("/boot", 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, "vmlinuz-") && (!best || strcmp(name, best) > 0)) {
            g_free(best);
            best = g_strdup(name);
        }
    }
    return best ? g_build_filename("/boot", best, NULL) : NULL;
}

static void test_bzimage_host_kernel(void)
{
    g_autofree char *path = find_host_kernel();
    g_autoptr(GError) err = NULL;
    g_autofree char *image = NULL;
    gsize size;

    if (!path) {
        g_test_skip("no kernel: set HULL_TEST_BZIMAGE or install linux-image-amd64");
        return;
    }
    if (!g_file_get_contents(path, &image, &size, &err)) {
        g_test_skip(err->message);
        return;
    }
    const size_t ram_size = 256u << 20;
    uint8_t *ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    g_assert(ram != MAP_FAILED);
    X86RamRange range = {.gpa = 0, .size = ram_size, .host = ram};
    X86BootConfig config = {.ram = &range, .n_ram = 1, .cmdline = "console=ttyS0"};
    X86BootEntry entry;

    g_assert_cmpint(x86_kernel_detect((const uint8_t *)image, size), ==, X86_KERNEL_BZIMAGE);
    g_assert_true(x86_boot_load((const uint8_t *)image, size, &config, &entry, &err));
    g_assert_no_error(err);
    g_assert_cmpint(entry.mode, ==, X86_BOOT_MODE_LINUX64);
    g_assert_cmphex(entry.rip, ==, 0x100200);
    const uint8_t *zp = ram + X86_BOOT_INFO_ADDR;
    g_test_message("%s: boot protocol %u.%02u, init_size %u", path, zp[0x207], zp[0x206],
                   get32(zp + 0x260));
    g_assert_cmphex(get32(zp + 0x202), ==, 0x53726448);
    g_assert_cmpuint(zp[0x210], ==, 0xff);
    unsigned setup_sects = image[0x1f1] ? (uint8_t)image[0x1f1] : 4;
    g_assert_cmpmem(ram + 0x100000, 4096, image + (setup_sects + 1) * 512, 4096);
    munmap(ram, ram_size);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/kvm/x86-boot/pvh/elf32", test_pvh_elf32);
    ADD("/kvm/x86-boot/pvh/elf64-section-note", test_pvh_elf64_section_note);
    ADD("/kvm/x86-boot/pvh/initrd", test_pvh_initrd);
    ADD("/kvm/x86-boot/pvh/malformed", test_pvh_malformed);
    ADD("/kvm/x86-boot/config-refused", test_config_refused);
    ADD("/kvm/x86-boot/bzimage/good", test_bzimage);
    ADD("/kvm/x86-boot/bzimage/malformed", test_bzimage_malformed);
    ADD("/kvm/x86-boot/mutated-images", test_mutated_images);
#undef ADD
    g_test_add_func("/kvm/x86-boot/bzimage/host-kernel", test_bzimage_host_kernel);
    return g_test_run();
}

/*
 * x86 guest loaders: PVH ELF kernels (Xen's hvm_start_info ABI) and Linux bzImages (the
 * 64-bit boot protocol). Images are untrusted: everything is checked before RAM is written.
 */
#include "kvm/x86-boot.h"

#include "util/error.h"

#include <elf.h>
#include <string.h>

#define PAGE_SIZE         0x1000ull
#define LEGACY_HOLE_START 0xa0000ull /* VGA and BIOS: no RAM reported here */
#define LEGACY_HOLE_END   0x100000ull

/* PVH: the start-of-day structure (version 1, with the memory map). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC          0x336ec578u
#define HVM_START_INFO_SIZE      56
#define HVM_MODLIST_ENTRY_SIZE   32
#define HVM_MEMMAP_ENTRY_SIZE    24
#define HVM_MODLIST_ADDR         (X86_BOOT_INFO_ADDR + 0x40)

/* bzImage setup header and zero page offsets (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS       0x1f1
#define BZ_BOOT_FLAG         0x1fe
#define BZ_JUMP              0x200
#define BZ_HEADER_MAGIC      0x202
#define BZ_VERSION           0x206
#define BZ_TYPE_OF_LOADER    0x210
#define BZ_LOADFLAGS         0x211
#define BZ_RAMDISK_IMAGE     0x218
#define BZ_RAMDISK_SIZE      0x21c
#define BZ_CMD_LINE_PTR      0x228
#define BZ_INITRD_ADDR_MAX   0x22c
#define BZ_XLOADFLAGS        0x236
#define BZ_CMDLINE_SIZE      0x238
#define BZ_INIT_SIZE         0x260
#define BZ_HEADER_MIN_END    0x264 /* through init_size */
#define BZ_HEADER_MAX_END    0x290 /* where the zero page's next field starts */
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE  0x0c4
#define ZP_EXT_CMD_LINE_PTR  0x0c8
#define ZP_E820_ENTRIES      0x1e8
#define ZP_E820_TABLE        0x2d0
#define ZP_SIZE              0x1000
#define BZ_MAGIC_HDRS        0x53726448u /* "HdrS" */
#define BZ_LOADED_HIGH       0x01
#define BZ_XLF_KERNEL_64     0x0001
#define BZ_MIN_VERSION_64    0x020c
#define BZ_STARTUP_64_OFFSET 0x200

/* Page-table bits for the identity map. */
#define PTE_PRESENT        0x1ull
#define PTE_RW             0x2ull
#define PTE_PS             0x80ull
#define X86_BOOT_PDPT_ADDR (X86_BOOT_PML4_ADDR + PAGE_SIZE)
#define X86_BOOT_PD_ADDR   (X86_BOOT_PML4_ADDR + 2 * PAGE_SIZE)

/* ---------------------------------------------------------------------------------------
 * Little-endian access to untrusted bytes and guest RAM
 */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* Host memory for [gpa, gpa + len) when it lies inside one RAM range, else NULL. */
static uint8_t *guest_ptr(const X86BootConfig *c, uint64_t gpa, uint64_t len)
{
    for (size_t i = 0; i < c->n_ram; i++) {
        const X86RamRange *r = &c->ram[i];
        if (gpa >= r->gpa && gpa - r->gpa <= r->size && len <= r->size - (gpa - r->gpa)) {
            return r->host + (gpa - r->gpa);
        }
    }
    return NULL;
}

/* For the write phase: the range was validated before anything was written. */
static uint8_t *guest_ptr_valid(const X86BootConfig *c, uint64_t gpa, uint64_t len)
{
    uint8_t *p = guest_ptr(c, gpa, len);

    g_assert(p);
    return p;
}

static uint64_t ram_end(const X86BootConfig *c)
{
    return c->n_ram ? c->ram[c->n_ram - 1].gpa + c->ram[c->n_ram - 1].size : 0;
}

static size_t cmdline_len(const X86BootConfig *c)
{
    return c->cmdline ? strlen(c->cmdline) : 0;
}

/* The parts of the configuration every loader relies on. */
static bool check_config(const X86BootConfig *c, GError **errp)
{
    if (c->n_ram == 0 || !c->ram) {
        return hull_error_setg(errp, "the guest has no RAM");
    }
    for (size_t i = 0; i < c->n_ram; i++) {
        const X86RamRange *r = &c->ram[i];
        if (!r->host || r->size == 0 || r->gpa + r->size < r->gpa) {
            return hull_error_setg(errp, "RAM range %zu is empty or wraps", i);
        }
        if (i && r->gpa < c->ram[i - 1].gpa + c->ram[i - 1].size) {
            return hull_error_setg(errp, "RAM ranges are not sorted or overlap");
        }
    }
    if (!guest_ptr(c, 0, X86_BOOT_LOW_END)) {
        return hull_error_setg(errp, "the first %llu KiB of guest-physical memory must be RAM",
                               X86_BOOT_LOW_END / 1024);
    }
    if (cmdline_len(c) + 1 > X86_BOOT_CMDLINE_MAX) {
        return hull_error_setg(errp, "kernel command line too long (%zu bytes, at most %llu)",
                               cmdline_len(c), X86_BOOT_CMDLINE_MAX - 1);
    }
    if (c->initrd_size && !c->initrd) {
        return hull_error_setg(errp, "initrd size given without data");
    }
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Memory map and shared boot structures
 */

static int compare_e820(const void *a, const void *b)
{
    const X86E820Entry *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

bool x86_boot_build_e820(const X86BootConfig *c, X86E820Entry *out, size_t max, size_t *count,
                         GError **errp)
{
    size_t n = 0;

#define E820_ADD(a, s, t)                                                                          \
    do {                                                                                           \
        if (n == max) {                                                                            \
            return hull_error_setg(errp, "the memory map needs more than %zu entries", max);       \
        }                                                                                          \
        out[n++] = (X86E820Entry){.addr = (a), .size = (s), .type = (t)};                          \
    } while (0)

    for (size_t i = 0; i < c->n_ram; i++) {
        uint64_t start = c->ram[i].gpa, end = start + c->ram[i].size;
        if (start < LEGACY_HOLE_START) {
            E820_ADD(start, MIN(end, LEGACY_HOLE_START) - start, X86_E820_RAM);
        }
        if (end > LEGACY_HOLE_END) {
            uint64_t from = MAX(start, LEGACY_HOLE_END);
            E820_ADD(from, end - from, X86_E820_RAM);
        }
    }
    for (size_t i = 0; i < c->n_reserved; i++) {
        E820_ADD(c->reserved[i].addr, c->reserved[i].size, c->reserved[i].type);
    }
#undef E820_ADD
    qsort(out, n, sizeof(*out), compare_e820);
    *count = n;
    return true;
}

/*
 * The highest page-aligned place for the initrd in RAM, above `floor` and ending at or
 * below `limit` (the last usable byte + 1).
 */
static bool place_initrd(const X86BootConfig *c, uint64_t floor, uint64_t limit, uint64_t *addr,
                         GError **errp)
{
    uint64_t size = c->initrd_size;

    for (size_t i = c->n_ram; i-- > 0;) {
        uint64_t start = MAX(c->ram[i].gpa, floor);
        uint64_t top = MIN(c->ram[i].gpa + c->ram[i].size, limit);
        if (top <= start || top - start < size) {
            continue;
        }
        uint64_t at = (top - size) & ~(PAGE_SIZE - 1);
        if (at >= start) {
            *addr = at;
            return true;
        }
    }
    return hull_error_setg(errp,
                           "the initrd (%zu bytes) does not fit in guest RAM between "
                           "0x%" G_GINT64_MODIFIER "x and 0x%" G_GINT64_MODIFIER "x",
                           c->initrd_size, floor, limit);
}

static void write_gdt(const X86BootConfig *c, bool long_mode, X86BootEntry *entry)
{
    uint8_t *gdt = guest_ptr_valid(c, X86_BOOT_GDT_ADDR, X86_BOOT_GDT_ENTRIES * 8);

    memset(gdt, 0, X86_BOOT_GDT_ENTRIES * 8);
    wr64(gdt + X86_BOOT_CS, long_mode ? X86_GDT_CODE64 : X86_GDT_CODE32);
    wr64(gdt + X86_BOOT_DS, X86_GDT_DATA);
    wr64(gdt + X86_BOOT_TSS, X86_GDT_TSS);
    entry->gdt_base = X86_BOOT_GDT_ADDR;
    entry->gdt_limit = X86_BOOT_GDT_ENTRIES * 8 - 1;
}

static void write_cmdline(const X86BootConfig *c)
{
    size_t len = cmdline_len(c);
    uint8_t *dst = guest_ptr_valid(c, X86_BOOT_CMDLINE_ADDR, len + 1);

    memcpy(dst, c->cmdline ? c->cmdline : "", len + 1);
}

/* ---------------------------------------------------------------------------------------
 * PVH ELF
 */

typedef struct ElfView {
    const uint8_t *data;
    size_t size;
    bool is64;
} ElfView;

typedef struct PvhSegment {
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    const uint8_t *data;
} PvhSegment;

typedef struct ElfPhdr {
    uint32_t type;
    uint64_t offset;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
} ElfPhdr;

static bool range_in_file(const ElfView *e, uint64_t offset, uint64_t len)
{
    return offset <= e->size && len <= e->size - offset;
}

static ElfPhdr elf_phdr(const ElfView *e, const uint8_t *p)
{
    if (e->is64) {
        return (ElfPhdr){.type = rd32(p),
                         .offset = rd64(p + 8),
                         .paddr = rd64(p + 24),
                         .filesz = rd64(p + 32),
                         .memsz = rd64(p + 40)};
    }
    return (ElfPhdr){.type = rd32(p),
                     .offset = rd32(p + 4),
                     .paddr = rd32(p + 12),
                     .filesz = rd32(p + 16),
                     .memsz = rd32(p + 20)};
}

/* Looks for Xen's PHYS32_ENTRY note in one note area: 1 found, 0 absent, -1 malformed. */
static int find_pvh_note(const uint8_t *p, uint64_t len, uint64_t *entry, GError **errp)
{
    uint64_t pos = 0;

    while (len - pos >= 12) {
        uint64_t namesz = rd32(p + pos), descsz = rd32(p + pos + 4);
        uint32_t type = rd32(p + pos + 8);
        uint64_t name_off = pos + 12;
        uint64_t desc_off = name_off + ((namesz + 3) & ~3ull);
        uint64_t next = desc_off + ((descsz + 3) & ~3ull);
        if (desc_off > len || next > len || descsz > len) {
            hull_error_setg(errp, "malformed ELF note at offset %" G_GUINT64_FORMAT, pos);
            return -1;
        }
        if (namesz == 4 && memcmp(p + name_off, "Xen", 4) == 0 &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz == 4) {
                *entry = rd32(p + desc_off);
            } else if (descsz == 8) {
                *entry = rd64(p + desc_off);
            } else {
                hull_error_setg(errp, "PVH entry note has a %" G_GUINT64_FORMAT "-byte value",
                                descsz);
                return -1;
            }
            return 1;
        }
        pos = next;
    }
    return 0;
}

static int elf_find_entry_in_sections(const ElfView *e, uint64_t *entry, GError **errp)
{
    const uint8_t *h = e->data;
    uint64_t shoff = e->is64 ? rd64(h + 0x28) : rd32(h + 0x20);
    uint16_t shentsize = rd16(h + (e->is64 ? 0x3a : 0x2e));
    uint16_t shnum = rd16(h + (e->is64 ? 0x3c : 0x30));

    if (shoff == 0 || shnum == 0) {
        return 0;
    }
    if (shentsize != (e->is64 ? 64 : 40) || !range_in_file(e, shoff, (uint64_t)shnum * shentsize)) {
        hull_error_setg(errp, "ELF section headers lie outside the file or are malformed");
        return -1;
    }
    for (uint16_t i = 0; i < shnum; i++) {
        const uint8_t *s = h + shoff + (uint64_t)i * shentsize;
        if (rd32(s + 4) != SHT_NOTE) {
            continue;
        }
        uint64_t off = e->is64 ? rd64(s + 0x18) : rd32(s + 0x10);
        uint64_t len = e->is64 ? rd64(s + 0x20) : rd32(s + 0x14);
        if (!range_in_file(e, off, len)) {
            hull_error_setg(errp, "ELF note section %u lies outside the file", i);
            return -1;
        }
        int found = find_pvh_note(h + off, len, entry, errp);
        if (found) {
            return found;
        }
    }
    return 0;
}

static gint compare_segments(gconstpointer a, gconstpointer b)
{
    const PvhSegment *x = a, *y = b;

    return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* Parses and checks the image against the configuration; fills segments and the entry. */
static bool pvh_parse(const ElfView *e, const X86BootConfig *c, GArray *segments, uint64_t *entry,
                      GError **errp)
{
    const uint8_t *h = e->data;
    uint16_t type = rd16(h + 0x10), machine = rd16(h + 0x12);
    uint64_t phoff = e->is64 ? rd64(h + 0x20) : rd32(h + 0x1c);
    uint16_t phentsize = rd16(h + (e->is64 ? 0x36 : 0x2a));
    uint16_t phnum = rd16(h + (e->is64 ? 0x38 : 0x2c));

    if (h[EI_DATA] != ELFDATA2LSB || h[EI_VERSION] != EV_CURRENT) {
        return hull_error_setg(errp, "not a little-endian ELF version 1 image");
    }
    if (type != ET_EXEC) {
        return hull_error_setg(errp, "ELF image is not an executable (type %u)", type);
    }
    if (machine != (e->is64 ? EM_X86_64 : EM_386)) {
        return hull_error_setg(errp, "ELF image is for machine %u, not x86", machine);
    }
    if (phnum == 0 || phentsize != (e->is64 ? 56 : 32) ||
        !range_in_file(e, phoff, (uint64_t)phnum * phentsize)) {
        return hull_error_setg(errp, "ELF program headers are missing, malformed or lie "
                                     "outside the file");
    }

    int found = 0;
    for (uint16_t i = 0; i < phnum; i++) {
        ElfPhdr ph = elf_phdr(e, h + phoff + (uint64_t)i * phentsize);
        if (ph.type == PT_NOTE && found == 0) {
            if (!range_in_file(e, ph.offset, ph.filesz)) {
                return hull_error_setg(errp, "ELF note segment %u lies outside the file", i);
            }
            found = find_pvh_note(h + ph.offset, ph.filesz, entry, errp);
            if (found < 0) {
                return false;
            }
        }
        if (ph.type != PT_LOAD || ph.memsz == 0) {
            continue;
        }
        if (!range_in_file(e, ph.offset, ph.filesz) || ph.filesz > ph.memsz) {
            return hull_error_setg(errp,
                                   "ELF segment %u is truncated or larger in the file "
                                   "than in memory",
                                   i);
        }
        if (ph.paddr + ph.memsz < ph.paddr || ph.paddr < X86_BOOT_LOW_END ||
            !guest_ptr(c, ph.paddr, ph.memsz)) {
            return hull_error_setg(errp,
                                   "ELF segment %u (0x%" G_GINT64_MODIFIER "x, %" G_GUINT64_FORMAT
                                   " bytes) does not fit in guest RAM "
                                   "between 0x%llx and 0x%" G_GINT64_MODIFIER "x",
                                   i, ph.paddr, ph.memsz, X86_BOOT_LOW_END, ram_end(c));
        }
        PvhSegment seg = {
            .paddr = ph.paddr, .filesz = ph.filesz, .memsz = ph.memsz, .data = h + ph.offset};
        g_array_append_val(segments, seg);
    }
    if (found == 0) {
        found = elf_find_entry_in_sections(e, entry, errp);
        if (found < 0) {
            return false;
        }
    }
    if (found == 0) {
        return hull_error_setg(errp, "ELF image has no PVH entry note "
                                     "(XEN_ELFNOTE_PHYS32_ENTRY): it is not a PVH kernel");
    }
    if (segments->len == 0) {
        return hull_error_setg(errp, "ELF image has no loadable segment");
    }
    g_array_sort(segments, compare_segments);
    bool entry_inside = false;
    for (guint i = 0; i < segments->len; i++) {
        const PvhSegment *s = &g_array_index(segments, PvhSegment, i);
        if (i && s->paddr < g_array_index(segments, PvhSegment, i - 1).paddr +
                                g_array_index(segments, PvhSegment, i - 1).memsz) {
            return hull_error_setg(errp, "ELF segments overlap at 0x%" G_GINT64_MODIFIER "x",
                                   s->paddr);
        }
        entry_inside |= *entry >= s->paddr && *entry - s->paddr < s->memsz;
    }
    if (!entry_inside || *entry > UINT32_MAX) {
        return hull_error_setg(errp,
                               "PVH entry point 0x%" G_GINT64_MODIFIER "x is not in a "
                               "loaded segment below 4 GiB",
                               *entry);
    }
    return true;
}

static void pvh_write_start_info(const X86BootConfig *c, uint64_t initrd_addr,
                                 const X86E820Entry *map, size_t map_n)
{
    uint8_t *si = guest_ptr_valid(c, X86_BOOT_INFO_ADDR, HVM_START_INFO_SIZE);

    memset(si, 0, HVM_START_INFO_SIZE);
    wr32(si + 0, HVM_START_MAGIC);
    wr32(si + 4, 1);                      /* version */
    wr64(si + 24, X86_BOOT_CMDLINE_ADDR); /* cmdline_paddr */
    wr64(si + 40, X86_BOOT_MEMMAP_ADDR);  /* memmap_paddr */
    wr32(si + 48, (uint32_t)map_n);       /* memmap_entries */
    if (c->initrd_size) {
        uint8_t *mod = guest_ptr_valid(c, HVM_MODLIST_ADDR, HVM_MODLIST_ENTRY_SIZE);
        memset(mod, 0, HVM_MODLIST_ENTRY_SIZE);
        wr64(mod + 0, initrd_addr);
        wr64(mod + 8, c->initrd_size);
        wr32(si + 12, 1);                /* nr_modules */
        wr64(si + 16, HVM_MODLIST_ADDR); /* modlist_paddr */
    }
    uint8_t *mm = guest_ptr_valid(c, X86_BOOT_MEMMAP_ADDR, map_n * HVM_MEMMAP_ENTRY_SIZE);
    for (size_t i = 0; i < map_n; i++) {
        uint8_t *m = mm + i * HVM_MEMMAP_ENTRY_SIZE;
        wr64(m + 0, map[i].addr);
        wr64(m + 8, map[i].size);
        wr32(m + 16, map[i].type);
        wr32(m + 20, 0);
    }
}

bool x86_boot_load_pvh(const uint8_t *image, size_t size, const X86BootConfig *config,
                       X86BootEntry *entry, GError **errp)
{
    g_autoptr(GArray) segments = g_array_new(FALSE, FALSE, sizeof(PvhSegment));
    X86E820Entry map[X86_E820_MAX_ENTRIES];
    size_t map_n;
    uint64_t pvh_entry = 0, initrd_addr = 0;

    if (!check_config(config, errp)) {
        return false;
    }
    if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) != 0) {
        return hull_error_setg(errp, "not an ELF image");
    }
    ElfView e = {.data = image, .size = size, .is64 = image[EI_CLASS] == ELFCLASS64};
    if (image[EI_CLASS] != ELFCLASS32 && image[EI_CLASS] != ELFCLASS64) {
        return hull_error_setg(errp, "unknown ELF class %u", image[EI_CLASS]);
    }
    if (size < (e.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
        return hull_error_setg(errp, "ELF image truncated in its header");
    }
    if (!pvh_parse(&e, config, segments, &pvh_entry, errp) ||
        !x86_boot_build_e820(config, map, X86_E820_MAX_ENTRIES, &map_n, errp)) {
        return false;
    }
    if (config->initrd_size) {
        const PvhSegment *last = &g_array_index(segments, PvhSegment, segments->len - 1);
        if (!place_initrd(config, last->paddr + last->memsz, 1ull << 32, &initrd_addr, errp)) {
            return false;
        }
    }

    /* Everything fits: write guest RAM. */
    for (guint i = 0; i < segments->len; i++) {
        const PvhSegment *s = &g_array_index(segments, PvhSegment, i);
        uint8_t *dst = guest_ptr_valid(config, s->paddr, s->memsz);
        memcpy(dst, s->data, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    if (config->initrd_size) {
        memcpy(guest_ptr_valid(config, initrd_addr, config->initrd_size), config->initrd,
               config->initrd_size);
    }
    write_cmdline(config);
    pvh_write_start_info(config, initrd_addr, map, map_n);
    *entry =
        (X86BootEntry){.mode = X86_BOOT_MODE_PVH, .rip = pvh_entry, .info = X86_BOOT_INFO_ADDR};
    write_gdt(config, false, entry);
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Linux bzImage, 64-bit boot protocol
 */

typedef struct BzImage {
    size_t header_end;
    uint64_t kernel_offset; /* of the protected-mode kernel in the file */
    uint64_t kernel_size;
    uint64_t footprint; /* bytes the kernel needs from its load address */
    uint32_t initrd_addr_max;
} BzImage;

static bool bzimage_parse(const uint8_t *image, size_t size, const X86BootConfig *c, BzImage *bz,
                          GError **errp)
{
    if (size < BZ_HEADER_MAGIC + 4 || rd32(image + BZ_HEADER_MAGIC) != BZ_MAGIC_HDRS ||
        rd16(image + BZ_BOOT_FLAG) != 0xaa55) {
        return hull_error_setg(errp, "not a Linux bzImage (no HdrS setup header)");
    }
    uint16_t version = rd16(image + BZ_VERSION);
    bz->header_end = BZ_HEADER_MAGIC + image[BZ_JUMP + 1];
    if (version < BZ_MIN_VERSION_64 || bz->header_end < BZ_HEADER_MIN_END) {
        return hull_error_setg(errp,
                               "bzImage boot protocol %u.%02u is too old for the "
                               "64-bit entry (need 2.12)",
                               version >> 8, version & 0xff);
    }
    if (bz->header_end > BZ_HEADER_MAX_END || bz->header_end > size) {
        return hull_error_setg(errp, "bzImage setup header is truncated or too long");
    }
    if (!(rd16(image + BZ_XLOADFLAGS) & BZ_XLF_KERNEL_64)) {
        return hull_error_setg(errp, "bzImage has no 64-bit entry point (XLF_KERNEL_64)");
    }
    if (!(image[BZ_LOADFLAGS] & BZ_LOADED_HIGH)) {
        return hull_error_setg(errp, "bzImage is not a high-loaded (zImage) kernel");
    }
    unsigned setup_sects = image[BZ_SETUP_SECTS] ? image[BZ_SETUP_SECTS] : 4;
    bz->kernel_offset = (uint64_t)(setup_sects + 1) * 512;
    if (bz->kernel_offset + BZ_STARTUP_64_OFFSET >= size) {
        return hull_error_setg(errp,
                               "bzImage is truncated: no protected-mode kernel after "
                               "%u setup sectors",
                               setup_sects);
    }
    bz->kernel_size = size - bz->kernel_offset;
    bz->footprint = MAX(bz->kernel_size, (uint64_t)rd32(image + BZ_INIT_SIZE));
    if (!guest_ptr(c, X86_BOOT_KERNEL_ADDR, bz->footprint)) {
        return hull_error_setg(errp,
                               "the kernel needs %" G_GUINT64_FORMAT " bytes of RAM "
                               "from 1 MiB; guest RAM ends at 0x%" G_GINT64_MODIFIER "x",
                               bz->footprint, ram_end(c));
    }
    uint32_t cmdline_max = rd32(image + BZ_CMDLINE_SIZE);
    if (cmdline_len(c) > cmdline_max) {
        return hull_error_setg(errp,
                               "kernel command line is %zu bytes; this kernel takes "
                               "at most %u",
                               cmdline_len(c), cmdline_max);
    }
    bz->initrd_addr_max = rd32(image + BZ_INITRD_ADDR_MAX);
    return true;
}

static void write_identity_map(const X86BootConfig *c)
{
    uint8_t *pml4 = guest_ptr_valid(c, X86_BOOT_PML4_ADDR, PAGE_SIZE);
    uint8_t *pdpt = guest_ptr_valid(c, X86_BOOT_PDPT_ADDR, PAGE_SIZE);
    uint8_t *pd = guest_ptr_valid(c, X86_BOOT_PD_ADDR, 4 * PAGE_SIZE);

    memset(pml4, 0, PAGE_SIZE);
    memset(pdpt, 0, PAGE_SIZE);
    wr64(pml4, X86_BOOT_PDPT_ADDR | PTE_PRESENT | PTE_RW);
    /* Four page directories of 2 MiB pages: the first 4 GiB, identity mapped. */
    for (uint64_t g = 0; g < 4; g++) {
        wr64(pdpt + g * 8, (X86_BOOT_PD_ADDR + g * PAGE_SIZE) | PTE_PRESENT | PTE_RW);
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t addr = (g << 30) | (i << 21);
            wr64(pd + (g * 512 + i) * 8, addr | PTE_PRESENT | PTE_RW | PTE_PS);
        }
    }
}

bool x86_boot_load_bzimage(const uint8_t *image, size_t size, const X86BootConfig *config,
                           X86BootEntry *entry, GError **errp)
{
    X86E820Entry map[X86_E820_MAX_ENTRIES];
    size_t map_n;
    uint64_t initrd_addr = 0;
    BzImage bz = {0};

    if (!check_config(config, errp) || !bzimage_parse(image, size, config, &bz, errp) ||
        !x86_boot_build_e820(config, map, X86_E820_MAX_ENTRIES, &map_n, errp)) {
        return false;
    }
    if (config->initrd_size &&
        !place_initrd(config, X86_BOOT_KERNEL_ADDR + bz.footprint, (uint64_t)bz.initrd_addr_max + 1,
                      &initrd_addr, errp)) {
        return false;
    }

    /* Everything fits: write guest RAM. */
    memcpy(guest_ptr_valid(config, X86_BOOT_KERNEL_ADDR, bz.kernel_size), image + bz.kernel_offset,
           bz.kernel_size);
    if (config->initrd_size) {
        memcpy(guest_ptr_valid(config, initrd_addr, config->initrd_size), config->initrd,
               config->initrd_size);
    }
    write_cmdline(config);

    uint8_t *zp = guest_ptr_valid(config, X86_BOOT_INFO_ADDR, ZP_SIZE);
    memset(zp, 0, ZP_SIZE);
    memcpy(zp + BZ_SETUP_SECTS, image + BZ_SETUP_SECTS, bz.header_end - BZ_SETUP_SECTS);
    zp[BZ_TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
    wr32(zp + BZ_CMD_LINE_PTR, (uint32_t)X86_BOOT_CMDLINE_ADDR);
    wr32(zp + ZP_EXT_CMD_LINE_PTR, 0);
    wr32(zp + BZ_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    wr32(zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_addr >> 32));
    wr32(zp + BZ_RAMDISK_SIZE, (uint32_t)config->initrd_size);
    wr32(zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)config->initrd_size >> 32));
    zp[ZP_E820_ENTRIES] = (uint8_t)map_n;
    for (size_t i = 0; i < map_n; i++) {
        uint8_t *m = zp + ZP_E820_TABLE + i * 20;
        wr64(m, map[i].addr);
        wr64(m + 8, map[i].size);
        wr32(m + 16, map[i].type);
    }

    write_identity_map(config);
    *entry = (X86BootEntry){.mode = X86_BOOT_MODE_LINUX64,
                            .rip = X86_BOOT_KERNEL_ADDR + BZ_STARTUP_64_OFFSET,
                            .info = X86_BOOT_INFO_ADDR,
                            .cr3 = X86_BOOT_PML4_ADDR};
    write_gdt(config, true, entry);
    return true;
}

/* ---------------------------------------------------------------------------------------
 * Format detection
 */

X86KernelFormat x86_kernel_detect(const uint8_t *image, size_t size)
{
    if (size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0) {
        return X86_KERNEL_PVH_ELF;
    }
    if (size >= BZ_HEADER_MAGIC + 4 && rd32(image + BZ_HEADER_MAGIC) == BZ_MAGIC_HDRS &&
        rd16(image + BZ_BOOT_FLAG) == 0xaa55) {
        return X86_KERNEL_BZIMAGE;
    }
    return X86_KERNEL_UNKNOWN;
}

const char *x86_kernel_format_name(X86KernelFormat format)
{
    switch (format) {
    case X86_KERNEL_PVH_ELF:
        return "PVH ELF";
    case X86_KERNEL_BZIMAGE:
        return "bzImage";
    case X86_KERNEL_UNKNOWN:
        break;
    }
    return "unknown";
}

bool x86_boot_load(const uint8_t *image, size_t size, const X86BootConfig *config,
                   X86BootEntry *entry, GError **errp)
{
    switch (x86_kernel_detect(image, size)) {
    case X86_KERNEL_PVH_ELF:
        return x86_boot_load_pvh(image, size, config, entry, errp);
    case X86_KERNEL_BZIMAGE:
        return x86_boot_load_bzimage(image, size, config, entry, errp);
    case X86_KERNEL_UNKNOWN:
        break;
    }
    return hull_error_setg(errp, "unsupported kernel image format: expected an ELF kernel "
                                 "with a PVH note or a Linux bzImage");
}

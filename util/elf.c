/*
 * ELF64 parser for guest images: header and program-header validation, PT_LOAD extraction.
 * Fields are read with explicit little-endian loads, so a hostile file cannot rely on
 * struct layout or alignment.
 */
#include "util/elf.h"

#include <string.h>

#include "util/error.h"

/* Values from the System V ABI (gABI). */
#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define PT_LOAD 1

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
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

void elf_image_free(ElfImage *image)
{
    if (image) {
        g_free(image->segments);
        g_free(image);
    }
}

static int elf_segment_cmp(const void *a, const void *b)
{
    const ElfSegment *sa = a, *sb = b;

    return sa->paddr < sb->paddr ? -1 : sa->paddr > sb->paddr;
}

static bool elf_check_header(const uint8_t *data, size_t size, uint16_t machine, GError **errp)
{
    uint16_t type;

    if (size < ELF_EHDR_SIZE) {
        return hull_error_setg(errp, "ELF: file of %zu bytes is shorter than an ELF header",
                               size);
    }
    if (memcmp(data, "\177ELF", 4) != 0) {
        return hull_error_setg(errp, "ELF: bad magic (not an ELF file)");
    }
    if (data[4] != ELFCLASS64) {
        return hull_error_setg(errp, "ELF: class %u is not ELFCLASS64", data[4]);
    }
    if (data[5] != ELFDATA2LSB) {
        return hull_error_setg(errp, "ELF: not little-endian (EI_DATA %u)", data[5]);
    }
    if (data[6] != EV_CURRENT || rd32(data + 20) != EV_CURRENT) {
        return hull_error_setg(errp, "ELF: unknown version");
    }
    type = rd16(data + 16);
    if (type != ET_EXEC && type != ET_DYN) {
        return hull_error_setg(errp, "ELF: type %u is not an executable", type);
    }
    if (machine && rd16(data + 18) != machine) {
        return hull_error_setg(errp, "ELF: machine %u, expected %u", rd16(data + 18), machine);
    }
    if (rd16(data + 52) != ELF_EHDR_SIZE) {
        return hull_error_setg(errp, "ELF: e_ehsize %u is not %u", rd16(data + 52),
                               ELF_EHDR_SIZE);
    }
    return true;
}

static bool elf_read_segment(const uint8_t *data, size_t size, const uint8_t *ph, unsigned idx,
                             ElfSegment *seg, GError **errp)
{
    uint64_t offset = rd64(ph + 8);

    seg->flags = rd32(ph + 4);
    seg->vaddr = rd64(ph + 16);
    seg->paddr = rd64(ph + 24);
    seg->filesz = rd64(ph + 32);
    seg->memsz = rd64(ph + 40);

    if (seg->filesz > seg->memsz) {
        return hull_error_setg(errp, "ELF: segment %u: filesz 0x%" G_GINT64_MODIFIER
                               "x exceeds memsz 0x%" G_GINT64_MODIFIER "x",
                               idx, seg->filesz, seg->memsz);
    }
    if (offset > size || seg->filesz > size - offset) {
        return hull_error_setg(errp, "ELF: segment %u: file range [0x%" G_GINT64_MODIFIER
                               "x, +0x%" G_GINT64_MODIFIER "x) is outside the %zu-byte file",
                               idx, offset, seg->filesz, size);
    }
    if (seg->memsz - 1 > UINT64_MAX - seg->paddr || seg->memsz - 1 > UINT64_MAX - seg->vaddr) {
        return hull_error_setg(errp, "ELF: segment %u: address range wraps around", idx);
    }
    seg->data = data + offset;
    return true;
}

ElfImage *elf_parse(const uint8_t *data, size_t size, uint16_t machine, GError **errp)
{
    g_autoptr(ElfImage) image = NULL;
    uint64_t phoff;
    unsigned phnum, phentsize;
    uint64_t entry;
    bool entry_ok = false;

    if (!elf_check_header(data, size, machine, errp)) {
        return NULL;
    }
    entry = rd64(data + 24);
    phoff = rd64(data + 32);
    phentsize = rd16(data + 54);
    phnum = rd16(data + 56);
    if (phnum == 0 || phnum > ELF_MAX_PHDRS) {
        hull_error_setg(errp, "ELF: %u program headers (1 to %u accepted)", phnum,
                        ELF_MAX_PHDRS);
        return NULL;
    }
    if (phentsize != ELF_PHDR_SIZE) {
        hull_error_setg(errp, "ELF: e_phentsize %u is not %u", phentsize, ELF_PHDR_SIZE);
        return NULL;
    }
    if (phoff > size || (uint64_t)phnum * ELF_PHDR_SIZE > size - phoff) {
        hull_error_setg(errp, "ELF: program headers lie outside the file");
        return NULL;
    }

    image = g_new0(ElfImage, 1);
    image->machine = rd16(data + 18);
    image->entry = entry;
    image->segments = g_new0(ElfSegment, phnum);
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = data + phoff + (uint64_t)i * ELF_PHDR_SIZE;
        ElfSegment seg;

        if (rd32(ph) != PT_LOAD || rd64(ph + 40) == 0) {
            continue;
        }
        if (!elf_read_segment(data, size, ph, i, &seg, errp)) {
            return NULL;
        }
        if (entry >= seg.vaddr && entry - seg.vaddr < seg.memsz) {
            entry_ok = true;
        }
        image->segments[image->nr_segments++] = seg;
    }
    if (image->nr_segments == 0) {
        hull_error_setg(errp, "ELF: no loadable segment");
        return NULL;
    }
    if (!entry_ok) {
        hull_error_setg(errp, "ELF: entry point 0x%" G_GINT64_MODIFIER "x is outside every "
                        "loadable segment", entry);
        return NULL;
    }
    qsort(image->segments, image->nr_segments, sizeof(ElfSegment), elf_segment_cmp);
    for (unsigned i = 1; i < image->nr_segments; i++) {
        const ElfSegment *prev = &image->segments[i - 1];

        if (image->segments[i].paddr - prev->paddr < prev->memsz) {
            hull_error_setg(errp, "ELF: segments at 0x%" G_GINT64_MODIFIER "x and 0x%"
                            G_GINT64_MODIFIER "x overlap", prev->paddr,
                            image->segments[i].paddr);
            return NULL;
        }
    }
    return g_steal_pointer(&image);
}

void elf_image_extent(const ElfImage *image, uint64_t *lo, uint64_t *hi)
{
    const ElfSegment *last = &image->segments[image->nr_segments - 1];

    *lo = image->segments[0].paddr;
    *hi = last->paddr + last->memsz; /* may be 0 when the last segment ends at 2^64 */
}

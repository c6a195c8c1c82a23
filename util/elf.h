/*
 * ELF64 little-endian executable parser for loading guest images. It trusts nothing in
 * the file: every header, offset and size is checked before anything is returned.
 */
#ifndef HULL_UTIL_ELF_H
#define HULL_UTIL_ELF_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Program headers beyond this are refused (real images have a handful). */
#define ELF_MAX_PHDRS 256

/* One PT_LOAD segment: filesz bytes at `data` go to paddr, then memsz - filesz zeros. */
typedef struct ElfSegment {
    uint64_t paddr;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint32_t flags; /* PF_R/PF_W/PF_X */
    const uint8_t *data; /* points into the buffer given to elf_parse() */
} ElfSegment;

typedef struct ElfImage {
    uint16_t machine; /* e_machine, e.g. EM_RISCV (243) */
    uint64_t entry;   /* virtual entry point; inside one of the segments */
    unsigned nr_segments;
    ElfSegment *segments; /* sorted by paddr, non-overlapping, memsz > 0 */
} ElfImage;

/*
 * Parses an ELF64 LSB executable (ET_EXEC or ET_DYN) held in data[0..size). machine, when
 * non-zero, is the required e_machine. Refuses: truncated or inconsistent headers,
 * segments outside the file or with filesz > memsz, address ranges that wrap or overlap,
 * no loadable segment, an entry point outside every segment. The result refers to data,
 * which must outlive it.
 */
ElfImage *elf_parse(const uint8_t *data, size_t size, uint16_t machine, GError **errp);

/* The lowest and one past the highest physical address the segments cover. */
void elf_image_extent(const ElfImage *image, uint64_t *lo, uint64_t *hi);

void elf_image_free(ElfImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ElfImage, elf_image_free)

#endif

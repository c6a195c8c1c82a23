/*
 * Unit tests of the ELF64 guest-image parser (util/elf.c): a valid image, one test per
 * malformed header or segment it must refuse, and random corruption that must never make
 * it read outside the buffer (run under ASan in make check-asan).
 */
#include <glib.h>
#include <string.h>

#include "util/elf.h"

#define EM_RISCV 243
#define EHDR 64
#define PHDR 56

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* A two-segment RISC-V executable: code at 0x80000000 (0x100 bytes in the file) and
 * data at 0x80001000 (0x40 in the file, 0x100 in memory), entry 0x80000010. */
#define IMG_SIZE (EHDR + 2 * PHDR + 0x140)

static void build_image(uint8_t *img)
{
    uint8_t *ph;

    memset(img, 0, IMG_SIZE);
    memcpy(img, "\177ELF", 4);
    img[4] = 2; /* ELFCLASS64 */
    img[5] = 1; /* little-endian */
    img[6] = 1;
    put16(img + 16, 2); /* ET_EXEC */
    put16(img + 18, EM_RISCV);
    put32(img + 20, 1);
    put64(img + 24, 0x80000010);
    put64(img + 32, EHDR);
    put16(img + 52, EHDR);
    put16(img + 54, PHDR);
    put16(img + 56, 2);

    ph = img + EHDR;
    put32(ph, 1); /* PT_LOAD */
    put32(ph + 4, 5);
    put64(ph + 8, EHDR + 2 * PHDR);
    put64(ph + 16, 0x80000000);
    put64(ph + 24, 0x80000000);
    put64(ph + 32, 0x100);
    put64(ph + 40, 0x100);

    ph += PHDR;
    put32(ph, 1);
    put32(ph + 4, 6);
    put64(ph + 8, EHDR + 2 * PHDR + 0x100);
    put64(ph + 16, 0x80001000);
    put64(ph + 24, 0x80001000);
    put64(ph + 32, 0x40);
    put64(ph + 40, 0x100);
    for (unsigned i = 0; i < 0x140; i++) {
        img[EHDR + 2 * PHDR + i] = (uint8_t)i;
    }
}

static void test_valid(void)
{
    uint8_t img[IMG_SIZE];
    g_autoptr(GError) err = NULL;
    g_autoptr(ElfImage) image = NULL;
    uint64_t lo, hi;

    build_image(img);
    image = elf_parse(img, sizeof(img), EM_RISCV, &err);
    g_assert_no_error(err);
    g_assert_cmphex(image->entry, ==, 0x80000010);
    g_assert_cmpuint(image->machine, ==, EM_RISCV);
    g_assert_cmpuint(image->nr_segments, ==, 2);
    g_assert_cmphex(image->segments[1].paddr, ==, 0x80001000);
    g_assert_cmpuint(image->segments[1].filesz, ==, 0x40);
    g_assert_cmpuint(image->segments[1].memsz, ==, 0x100);
    g_assert_true(image->segments[1].data == img + EHDR + 2 * PHDR + 0x100);
    g_assert_cmpuint(image->segments[0].flags, ==, 5);
    elf_image_extent(image, &lo, &hi);
    g_assert_cmphex(lo, ==, 0x80000000);
    g_assert_cmphex(hi, ==, 0x80001100);

    /* Any machine when none is required; segments come back sorted by address. */
    put64(img + EHDR + 24, 0x90000000);
    put64(img + EHDR + 16, 0x90000000);
    put64(img + 24, 0x90000000);
    g_clear_pointer(&image, elf_image_free);
    image = elf_parse(img, sizeof(img), 0, &err);
    g_assert_no_error(err);
    g_assert_cmphex(image->segments[0].paddr, ==, 0x80001000);
}

typedef void (*Corrupt)(uint8_t *img, size_t *size);

static void c_short(uint8_t *img, size_t *size)
{
    *size = EHDR - 1;
}
static void c_magic(uint8_t *img, size_t *size)
{
    img[1] = 'X';
}
static void c_class32(uint8_t *img, size_t *size)
{
    img[4] = 1;
}
static void c_big_endian(uint8_t *img, size_t *size)
{
    img[5] = 2;
}
static void c_version(uint8_t *img, size_t *size)
{
    put32(img + 20, 2);
}
static void c_type_rel(uint8_t *img, size_t *size)
{
    put16(img + 16, 1);
}
static void c_machine(uint8_t *img, size_t *size)
{
    put16(img + 18, 62);
}
static void c_ehsize(uint8_t *img, size_t *size)
{
    put16(img + 52, 52);
}
static void c_phentsize(uint8_t *img, size_t *size)
{
    put16(img + 54, 32);
}
static void c_phnum_zero(uint8_t *img, size_t *size)
{
    put16(img + 56, 0);
}
static void c_phnum_huge(uint8_t *img, size_t *size)
{
    put16(img + 56, 0xffff);
}
static void c_phoff_past_end(uint8_t *img, size_t *size)
{
    put64(img + 32, IMG_SIZE - PHDR);
}
static void c_phoff_wraps(uint8_t *img, size_t *size)
{
    put64(img + 32, UINT64_MAX - 8);
}
static void c_truncated_data(uint8_t *img, size_t *size)
{
    *size = IMG_SIZE - 1;
}
static void c_offset_huge(uint8_t *img, size_t *size)
{
    put64(img + EHDR + 8, UINT64_MAX - 0x10);
}
static void c_filesz_over_memsz(uint8_t *img, size_t *size)
{
    put64(img + EHDR + PHDR + 40, 0x20);
}
static void c_overlap(uint8_t *img, size_t *size)
{
    put64(img + EHDR + PHDR + 24, 0x800000f0);
}
static void c_wrap(uint8_t *img, size_t *size)
{
    put64(img + EHDR + PHDR + 24, UINT64_MAX - 0x10);
}
static void c_vaddr_wrap(uint8_t *img, size_t *size)
{
    put64(img + EHDR + PHDR + 16, UINT64_MAX - 0x10);
}
static void c_entry_outside(uint8_t *img, size_t *size)
{
    put64(img + 24, 0x70000000);
}
static void c_no_load(uint8_t *img, size_t *size)
{
    put32(img + EHDR, 4);
    put32(img + EHDR + PHDR, 6);
}

static const struct {
    const char *name;
    Corrupt fn;
    const char *msg; /* expected part of the error message */
} corruptions[] = {
    {"short", c_short, "shorter than an ELF header"},
    {"magic", c_magic, "bad magic"},
    {"class32", c_class32, "ELFCLASS64"},
    {"big-endian", c_big_endian, "little-endian"},
    {"version", c_version, "version"},
    {"type-rel", c_type_rel, "not an executable"},
    {"machine", c_machine, "machine 62"},
    {"ehsize", c_ehsize, "e_ehsize"},
    {"phentsize", c_phentsize, "e_phentsize"},
    {"phnum-zero", c_phnum_zero, "program headers"},
    {"phnum-huge", c_phnum_huge, "program headers"},
    {"phoff-past-end", c_phoff_past_end, "outside the file"},
    {"phoff-wraps", c_phoff_wraps, "outside the file"},
    {"truncated-data", c_truncated_data, "outside the"},
    {"offset-huge", c_offset_huge, "outside the"},
    {"filesz-over-memsz", c_filesz_over_memsz, "exceeds memsz"},
    {"overlap", c_overlap, "overlap"},
    {"wrap", c_wrap, "wraps"},
    {"vaddr-wrap", c_vaddr_wrap, "wraps"},
    {"entry-outside", c_entry_outside, "entry point"},
    {"no-load", c_no_load, "no loadable segment"},
};

static void test_malformed(gconstpointer data)
{
    unsigned i = GPOINTER_TO_UINT(data);
    uint8_t img[IMG_SIZE];
    size_t size = sizeof(img);
    g_autoptr(GError) err = NULL;
    ElfImage *image;

    build_image(img);
    corruptions[i].fn(img, &size);
    image = elf_parse(img, size, EM_RISCV, &err);
    g_assert_null(image);
    g_assert_nonnull(err);
    g_test_message("%s", err->message);
    g_assert_nonnull(strstr(err->message, corruptions[i].msg));
}

/* Random corruption of headers: never a crash or an out-of-bounds read; whatever parses
 * has every segment inside the buffer. The image is copied into an exact-size heap
 * buffer so that ASan sees any overrun. */
static void test_random_corruption(void)
{
    GRand *rand = g_rand_new_with_seed(0x5eed);
    uint8_t img[IMG_SIZE];

    for (unsigned iter = 0; iter < 20000; iter++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(ElfImage) image = NULL;
        size_t size = IMG_SIZE - g_rand_int_range(rand, 0, 2) * g_rand_int_range(rand, 0, 200);
        g_autofree uint8_t *buf = NULL;

        build_image(img);
        for (unsigned n = g_rand_int_range(rand, 1, 6); n > 0; n--) {
            img[g_rand_int_range(rand, 0, EHDR + 2 * PHDR)] = (uint8_t)g_rand_int(rand);
        }
        buf = g_memdup2(img, size);
        image = elf_parse(buf, size, EM_RISCV, &err);
        g_assert_true((image == NULL) != (err == NULL));
        for (unsigned s = 0; image && s < image->nr_segments; s++) {
            const ElfSegment *seg = &image->segments[s];
            g_assert_true(seg->data >= buf && seg->data + seg->filesz <= buf + size);
            g_assert_cmpuint(seg->filesz, <=, seg->memsz);
        }
    }
    g_rand_free(rand);
}

/* The images the build makes for the guest tests parse. */
static void test_real_image(void)
{
    const char *dir = g_getenv("HULL_RISCV_GUEST_DIR");
    g_autofree char *path = dir ? g_strdup_printf("%s/arith.elf", dir) : NULL;
    g_autofree char *contents = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(ElfImage) image = NULL;
    gsize len;

    if (!path || !g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_test_skip("guest images not built (riscv64-unknown-elf-gcc absent)");
        return;
    }
    g_assert_true(g_file_get_contents(path, &contents, &len, &err));
    image = elf_parse((const uint8_t *)contents, len, EM_RISCV, &err);
    g_assert_no_error(err);
    g_assert_cmphex(image->entry, ==, 0x80000000);
    g_assert_cmpuint(image->nr_segments, >=, 1);
    g_assert_cmphex(image->segments[0].paddr, ==, 0x80000000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/elf/valid", test_valid);
    for (unsigned i = 0; i < G_N_ELEMENTS(corruptions); i++) {
        g_autofree char *path = g_strdup_printf("/elf/malformed/%s", corruptions[i].name);
        g_test_add_data_func(path, GUINT_TO_POINTER(i), test_malformed);
    }
    g_test_add_func("/elf/random-corruption", test_random_corruption);
    g_test_add_func("/elf/real-image", test_real_image);
    return g_test_run();
}

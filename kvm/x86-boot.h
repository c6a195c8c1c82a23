/*
 * Loading x86 guests into RAM: PVH ELF kernels (hvm_start_info, 32-bit protected-mode
 * entry) and Linux bzImages through the 64-bit boot protocol (zero page, long mode).
 */
#ifndef HULL_KVM_X86_BOOT_H
#define HULL_KVM_X86_BOOT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Where the loader puts its own structures, all in the first 192 KiB of RAM (which must
 * therefore be RAM); kernels and initrds may not overlap [0, X86_BOOT_LOW_END).
 */
#define X86_BOOT_GDT_ADDR     0x500ull
#define X86_BOOT_INFO_ADDR    0x7000ull /* zero page, or hvm_start_info + modlist */
#define X86_BOOT_MEMMAP_ADDR  0x8000ull /* PVH memory map */
#define X86_BOOT_PML4_ADDR    0x9000ull /* then one PDPT and four PDs: up to 0xefff */
#define X86_BOOT_CMDLINE_ADDR 0x20000ull
#define X86_BOOT_CMDLINE_MAX  0x10000ull /* bytes including the terminating NUL */
#define X86_BOOT_LOW_END      0x30000ull
#define X86_BOOT_KERNEL_ADDR  0x100000ull /* bzImage protected-mode kernel */

/* The GDT both entries use: null, null, code (0x10), data (0x18), TSS (0x20, 16 bytes). */
#define X86_BOOT_CS          0x10
#define X86_BOOT_DS          0x18
#define X86_BOOT_TSS         0x20
#define X86_BOOT_GDT_ENTRIES 6
#define X86_GDT_CODE32       0x00cf9b000000ffffull /* flat, execute/read, 32-bit, accessed */
#define X86_GDT_CODE64       0x00af9b000000ffffull /* flat, execute/read, long mode, accessed */
#define X86_GDT_DATA         0x00cf93000000ffffull /* flat, read/write, accessed */
#define X86_GDT_TSS          0x00008b0000000067ull /* base 0, limit 0x67, busy 32-bit TSS */

/* E820 / PVH memory map types. */
#define X86_E820_RAM         1
#define X86_E820_RESERVED    2
#define X86_E820_ACPI        3
#define X86_E820_NVS         4
#define X86_E820_MAX_ENTRIES 128 /* what the zero page holds */

typedef struct X86E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} X86E820Entry;

/* A range of guest RAM and the host memory behind it. */
typedef struct X86RamRange {
    uint64_t gpa;
    uint64_t size;
    uint8_t *host;
} X86RamRange;

typedef struct X86BootConfig {
    const X86RamRange *ram; /* sorted by gpa, not overlapping */
    size_t n_ram;
    const X86E820Entry *reserved; /* ranges the board reports as reserved (KVM's hole) */
    size_t n_reserved;
    const char *cmdline;   /* NULL: empty */
    const uint8_t *initrd; /* NULL: none */
    size_t initrd_size;
} X86BootConfig;

typedef enum X86BootMode {
    X86_BOOT_MODE_PVH,     /* 32-bit protected mode, paging off, EBX = start_info */
    X86_BOOT_MODE_LINUX64, /* long mode, identity-mapped 4 GiB, RSI = zero page */
} X86BootMode;

/* The register state a loaded guest starts with (kvm_vcpu_set_boot_entry). */
typedef struct X86BootEntry {
    X86BootMode mode;
    uint64_t rip;
    uint64_t info; /* PVH: hvm_start_info (EBX); Linux: boot_params (RSI) */
    uint64_t cr3;  /* Linux: the PML4 */
    uint64_t gdt_base;
    uint16_t gdt_limit;
} X86BootEntry;

/*
 * What a board hangs on CPUState.arch for an x86 vCPU: with `boot` set, the accelerator
 * puts the vCPU in `entry`'s state after every architectural reset (the boot vCPU of a
 * directly loaded kernel). The board owns it and keeps it until its vCPUs are gone.
 */
typedef struct X86CpuArch {
    bool boot;
    X86BootEntry entry;
} X86CpuArch;

typedef enum X86KernelFormat {
    X86_KERNEL_UNKNOWN,
    X86_KERNEL_PVH_ELF,
    X86_KERNEL_BZIMAGE,
} X86KernelFormat;

/* What the image looks like (by magic only; the loaders validate the rest). */
X86KernelFormat x86_kernel_detect(const uint8_t *image, size_t size);
const char *x86_kernel_format_name(X86KernelFormat format);

/*
 * Each loader validates the whole image and configuration first and writes guest RAM
 * only when everything fits: on error RAM is untouched.
 */
bool x86_boot_load_pvh(const uint8_t *image, size_t size, const X86BootConfig *config,
                       X86BootEntry *entry, GError **errp);
bool x86_boot_load_bzimage(const uint8_t *image, size_t size, const X86BootConfig *config,
                           X86BootEntry *entry, GError **errp);
/* Detects the format and loads it; anything else is refused. */
bool x86_boot_load(const uint8_t *image, size_t size, const X86BootConfig *config,
                   X86BootEntry *entry, GError **errp);

/*
 * The guest's memory map: RAM below 640 KiB and from 1 MiB, plus the reserved ranges,
 * sorted. Fails when it would exceed `max` entries.
 */
bool x86_boot_build_e820(const X86BootConfig *config, X86E820Entry *out, size_t max, size_t *count,
                         GError **errp);

#endif

/*
 * The RISC-V reset vector ROM (at VIRT_MROM_BASE on the virt board) and OpenSBI's
 * fw_dynamic_info: every hart starts in the ROM, which enters the firmware (or a bare
 * kernel) with a0 = mhartid, a1 = the device tree, a2 = fw_dynamic_info, as firmware
 * built for QEMU's virt board expects.
 */
#ifndef HULL_HW_RISCV_BOOT_ROM_H
#define HULL_HW_RISCV_BOOT_ROM_H

#include <stddef.h>
#include <stdint.h>

/* OpenSBI's fw_dynamic_info (version 2): six XLEN words. */
#define FW_DYNAMIC_INFO_MAGIC   0x4942534fULL /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_U  0
#define FW_DYNAMIC_NEXT_MODE_S  1
#define FW_DYNAMIC_NEXT_MODE_M  3

/* Size of what riscv_boot_rom_build() writes. */
#define RISCV_BOOT_ROM_SIZE 88

/*
 * Writes the ROM into buf (RISCV_BOOT_ROM_SIZE bytes, little-endian), assuming it will be
 * placed at rom_base: six instructions, the start and device-tree addresses, then the
 * fw_dynamic_info telling firmware to continue at next_addr in next_mode.
 */
void riscv_boot_rom_build(uint8_t *buf, uint64_t start, uint64_t fdt_addr, uint64_t next_addr,
                          unsigned next_mode);

#endif

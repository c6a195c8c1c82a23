/*
 * The reset vector ROM, assembled here instruction by instruction:
 *
 *     auipc t0, 0          t0 = the ROM's base
 *     addi  a2, t0, 40     a2 = &fw_dynamic_info
 *     csrr  a0, mhartid
 *     ld    a1, 32(t0)     a1 = device tree address
 *     ld    t0, 24(t0)     t0 = start address
 *     jr    t0
 *     .dword start         (offset 24)
 *     .dword fdt_addr      (offset 32)
 *     fw_dynamic_info      (offset 40): magic, version, next_addr, next_mode, options,
 *                          boot_hart (-1: any hart may boot; OpenSBI picks by lottery)
 */
#include "hw/riscv/boot-rom.h"

#include <string.h>

enum { REG_ZERO = 0, REG_T0 = 5, REG_A0 = 10, REG_A1 = 11, REG_A2 = 12 };
#define CSR_MHARTID 0xf14

static uint32_t i_type(uint32_t opcode, unsigned funct3, unsigned rd, unsigned rs1,
                       int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t auipc(unsigned rd, uint32_t imm20)
{
    return imm20 << 12 | rd << 7 | 0x17;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

void riscv_boot_rom_build(uint8_t *buf, uint64_t start, uint64_t fdt_addr, uint64_t next_addr,
                          unsigned next_mode)
{
    const uint32_t code[6] = {
        auipc(REG_T0, 0),
        i_type(0x13, 0, REG_A2, REG_T0, 40),           /* addi a2, t0, 40 */
        i_type(0x73, 2, REG_A0, REG_ZERO, CSR_MHARTID), /* csrrs a0, mhartid, zero */
        i_type(0x03, 3, REG_A1, REG_T0, 32),           /* ld a1, 32(t0) */
        i_type(0x03, 3, REG_T0, REG_T0, 24),           /* ld t0, 24(t0) */
        i_type(0x67, 0, REG_ZERO, REG_T0, 0),          /* jalr zero, 0(t0) */
    };

    memset(buf, 0, RISCV_BOOT_ROM_SIZE);
    for (unsigned i = 0; i < 6; i++) {
        put32(buf + 4 * i, code[i]);
    }
    put64(buf + 24, start);
    put64(buf + 32, fdt_addr);
    put64(buf + 40, FW_DYNAMIC_INFO_MAGIC);
    put64(buf + 48, FW_DYNAMIC_INFO_VERSION);
    put64(buf + 56, next_addr);
    put64(buf + 64, next_mode);
    put64(buf + 72, 0);           /* options */
    put64(buf + 80, UINT64_MAX);  /* boot_hart: not fixed */
}

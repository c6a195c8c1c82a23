/*
 * Macros of the guest ISA tests. gp holds the number of the running check; a failed
 * check reports it through the test device ((gp << 16) | 0x3333), success writes 0x5555.
 */
#ifndef HULL_GUEST_RISCV_TEST_H
#define HULL_GUEST_RISCV_TEST_H

#define TEST_DEVICE 0x100000
#define TEST_PASS 0x5555
#define TEST_FAIL 0x3333

/* Mark the start of check n. */
#define TEST(n) li gp, n

/* Fail unless reg == the 64-bit constant val. Clobbers t6. */
#define CHECK(reg, val) li t6, val; bne reg, t6, fail

/* Run the instruction `insn rd, rs1, rs2` on two constants and check rd. */
#define TEST_RR(n, insn, expect, v1, v2) \
    TEST(n); li a1, v1; li a2, v2; insn a0, a1, a2; CHECK(a0, expect)

/* `insn rd, rs1, imm`. */
#define TEST_RI(n, insn, expect, v1, imm) \
    TEST(n); li a1, v1; insn a0, a1, imm; CHECK(a0, expect)

#endif

/*
 * The SiFive test finisher (QEMU's "riscv.sifive.test"): a register through which a guest
 * powers the machine off, fails with an exit code, or resets it.
 */
#ifndef HULL_HW_MISC_SIFIVE_TEST_H
#define HULL_HW_MISC_SIFIVE_TEST_H

#include "engine/device.h"
#include "engine/memory.h"

#define TYPE_SIFIVE_TEST "riscv.sifive.test"

/* The values of the low 16 bits of a write; FAIL carries the exit code in bits 31:16. */
#define SIFIVE_TEST_FAIL  0x3333
#define SIFIVE_TEST_PASS  0x5555
#define SIFIVE_TEST_RESET 0x7777

/* Bytes of its register window. */
#define SIFIVE_TEST_SIZE 0x1000

typedef struct SiFiveTestState SiFiveTestState;

#define SIFIVE_TEST(obj) OBJECT_CHECK(SiFiveTestState, (obj), TYPE_SIFIVE_TEST)

/* A new, unrealized device; the caller owns the reference (see machine_add_device). */
SiFiveTestState *sifive_test_new(GError **errp);

/* Its register window once realized, for the board to map. */
MemoryRegion *sifive_test_get_region(SiFiveTestState *s);

#endif

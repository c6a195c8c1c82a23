/* Zifencei: code written by stores runs after fence.i, including over an instruction
 * that already ran (and so may be cached or translated). */
#include "test.h"

    .text
    .globl run_tests
run_tests:
    mv s0, ra

    TEST(1)                         /* run the patch site once as it is */
    call patch_site
    CHECK(a0, 1)

    TEST(2)                         /* li a0, 2 over li a0, 1 */
    la a1, patch_site
    lw a2, new_insn
    sw a2, 0(a1)
    fence.i
    call patch_site
    CHECK(a0, 2)

    TEST(3)                         /* a routine built from scratch in data memory */
    la a1, buffer
    lw a2, new_insn
    sw a2, 0(a1)
    lw a2, ret_insn
    sw a2, 4(a1)
    fence.i
    li a0, 0
    jalr a1
    CHECK(a0, 2)

    TEST(4)                         /* patch the buffer again: the new code runs */
    la a1, buffer
    lw a2, other_insn
    sw a2, 0(a1)
    fence.i
    jalr a1
    CHECK(a0, 3)

    mv ra, s0
    ret

    .align 2
patch_site:
    li a0, 1
    ret

    .section .rodata
    .align 2
new_insn:
    li a0, 2
ret_insn:
    ret
other_insn:
    li a0, 3

    .data
    .align 3
buffer:
    .space 16

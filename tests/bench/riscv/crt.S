/* Start-up of the RISC-V benchmark workloads: a stack, main(), then main's return value to
 * the test device at 0x100000: 0 powers off (0x5555), anything else fails with that code. */
    .section .text.init
    .globl _start
_start:
    la sp, stack_top
    call main
    li t0, 0x100000
    bnez a0, 1f
    li t1, 0x5555
    sw t1, 0(t0)
    j 2f
1:  slli a0, a0, 16
    li t1, 0x3333
    or a0, a0, t1
    sw a0, 0(t0)
2:  wfi
    j 2b

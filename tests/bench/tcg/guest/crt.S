/* Start-up of the JIT benchmark guests: a stack, main(), then the result to the
 * QEMU-compatible test device at 0x100000 as (code << 16) | 0x3333. */
    .section .text.init
    .globl _start
_start:
    la sp, stack_top
    call main
    li t0, 0x100000
    slli a0, a0, 16
    li t1, 0x3333
    or a0, a0, t1
    sw a0, 0(t0)
1:  wfi
    j 1b

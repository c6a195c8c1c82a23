/* PVH guest: raises an exception with no IDT (limit 0): a triple fault, i.e. a reset. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    lidt empty_idt
    ud2

    .section .rodata
empty_idt:
    .word 0
    .long 0

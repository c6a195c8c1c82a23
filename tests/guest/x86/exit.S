/* PVH guest: exits with code 42, then (only if resumed) prints "X" and exits with 0. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $42, %al
    mov $0x501, %dx
    outb %al, %dx
    mov $'X', %al
    call putc
    xor %eax, %eax
    jmp exit

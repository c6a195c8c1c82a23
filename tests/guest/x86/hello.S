/* PVH guest: prints a greeting on the serial port and exits with code 0. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $greeting, %esi
    call puts
    xor %eax, %eax
    jmp exit

    .section .rodata
greeting:
    .asciz "Hello from a PVH guest\n"

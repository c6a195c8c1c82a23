/* PVH guest: string port I/O. Reads the line status register 4 times with REP INSB,
 * expects "transmitter empty" in each, then writes a line with one REP OUTSB. Exits with
 * 0, or 0xee if a status byte was wrong. */
#define UART_THR 0x3f8
#define UART_LSR 0x3fd

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    cld
    mov $status, %edi
    mov $4, %ecx
    mov $UART_LSR, %dx
    rep insb
    mov $status, %esi
    mov $4, %ecx
1:  lodsb
    test $0x20, %al
    jz bad
    loop 1b
    mov $line, %esi
    mov $line_end - line, %ecx
    mov $UART_THR, %dx
    rep outsb
    xor %eax, %eax
    jmp exit
bad:
    mov $0xee, %al
    jmp exit

    .section .rodata
line:
    .ascii "string I/O\n"
line_end:

    .bss
status:
    .skip 4

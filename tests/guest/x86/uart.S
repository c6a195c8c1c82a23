/* Console and exit helpers shared by the x86 test guests, for 32-bit and 64-bit code:
 * a polled 16550 transmitter at 0x3f8 and isa-debug-exit at port 0x501. */
#ifdef __x86_64__
#define PUSH_AX push %rax
#define POP_AX pop %rax
    .code64
#else
#define PUSH_AX push %eax
#define POP_AX pop %eax
    .code32
#endif
#define UART_THR 0x3f8
#define UART_LSR 0x3fd
#define LSR_THRE 0x20
#define DEBUG_EXIT_PORT 0x501

    .text
/* putc: writes %al once the transmitter is empty. Clobbers %dx. */
    .globl putc
putc:
    PUSH_AX
    mov $UART_LSR, %dx
1:  inb %dx, %al
    test $LSR_THRE, %al
    jz 1b
    POP_AX
    mov $UART_THR, %dx
    outb %al, %dx
    ret

/* puts: writes the NUL-terminated string at %esi/%rsi. Clobbers %eax, %edx, %esi. */
    .globl puts
puts:
    lodsb
    test %al, %al
    jz 2f
    call putc
    jmp puts
2:  ret

/* exit: reports %al through isa-debug-exit, then stops for good. */
    .globl exit
exit:
    mov $DEBUG_EXIT_PORT, %dx
    outb %al, %dx
3:  cli
    hlt
    jmp 3b

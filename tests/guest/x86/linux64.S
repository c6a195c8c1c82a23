/* A stand-in for a Linux kernel's 64-bit entry (startup_64 at load address + 0x200),
 * wrapped in a bzImage header by the test. Runs in long mode on the loader's identity
 * map: checks the zero page, prints the command line it names and exits with the number
 * of E820 entries; 0xee if the zero page is wrong. */
    .code64
    .text
    .globl _start
_start:
    hlt                             /* the 32-bit entry: not used */
    .org 0x200
startup_64:
    mov $0x90000, %rsp
    mov %rsi, %rbx
    cmpb $0xff, 0x210(%rbx)         /* type_of_loader */
    jne bad
    cmpl $0x53726448, 0x202(%rbx)   /* the setup header was copied */
    jne bad
    mov 0x228(%rbx), %esi           /* cmd_line_ptr */
    call puts
    mov $'\n', %al
    call putc
    movzbl 0x1e8(%rbx), %eax        /* e820_entries */
    jmp exit
bad:
    mov $0xee, %al
    jmp exit

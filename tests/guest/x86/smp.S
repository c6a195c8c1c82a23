/* PVH guest for two vCPUs: the boot processor copies a real-mode trampoline to 0x10000,
 * starts the application processor with INIT and a start-up IPI (vector 0x10), waits for
 * the flag the AP sets, then prints "BSP saw the AP" and exits with 0. The AP writes "+"
 * to the serial port before setting the flag, then halts. */
#define LAPIC_SVR      0xfee000f0
#define LAPIC_ICR_LOW  0xfee00300
#define LAPIC_ICR_HIGH 0xfee00310
#define ICR_INIT       0x4500  /* INIT, assert, edge */
#define ICR_STARTUP    0x4600  /* start-up, assert, edge; vector in bits 0-7 */
#define ICR_BUSY       0x1000
#define AP_APIC_ID     1
#define TRAMPOLINE     0x10000
#define SIPI_VECTOR    (TRAMPOLINE >> 12)
#define AP_FLAG        0x11000

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    cld
    mov $ap_trampoline, %esi
    mov $TRAMPOLINE, %edi
    mov $ap_trampoline_end - ap_trampoline, %ecx
    rep movsb
    movb $0, AP_FLAG

    movl $0x1ff, LAPIC_SVR
    movl $AP_APIC_ID << 24, LAPIC_ICR_HIGH
    movl $ICR_INIT, LAPIC_ICR_LOW
    call wait_icr
    movl $AP_APIC_ID << 24, LAPIC_ICR_HIGH
    movl $ICR_STARTUP | SIPI_VECTOR, LAPIC_ICR_LOW
    call wait_icr
1:  cmpb $0, AP_FLAG
    je 1b
    mov $message, %esi
    call puts
    xor %eax, %eax
    jmp exit

wait_icr:
    testl $ICR_BUSY, LAPIC_ICR_LOW
    jnz wait_icr
    ret

/* Runs at TRAMPOLINE in real mode: CS = 0x1000, IP = 0. */
    .code16
ap_trampoline:
    mov %cs, %ax
    mov %ax, %ds
    mov $0x3f8, %dx
    mov $'+', %al
    outb %al, %dx
    movb $1, AP_FLAG - TRAMPOLINE
2:  cli
    hlt
    jmp 2b
ap_trampoline_end:
    .code32

    .section .rodata
message:
    .asciz "BSP saw the AP\n"

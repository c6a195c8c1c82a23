/* PVH guest: arms the local APIC timer (one-shot, vector 0x40) and halts; the interrupt,
 * delivered through its IDT, prints "tick" and exits with 0. Exercises the in-kernel LAPIC
 * and interrupt delivery. The handler never returns: some software KVMs cannot emulate a
 * protected-mode IRET, and returning is not what this test is about. */
#define LAPIC         0xfee00000
#define LAPIC_EOI     (LAPIC + 0xb0)
#define LAPIC_SVR     (LAPIC + 0xf0)
#define LAPIC_LVT_TMR (LAPIC + 0x320)
#define LAPIC_TMR_ICR (LAPIC + 0x380)
#define LAPIC_TMR_DCR (LAPIC + 0x3e0)
#define TIMER_VECTOR  0x40
#define BOOT_CS       0x10

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    /* A 32-bit interrupt gate for the timer vector. */
    mov $timer_isr, %eax
    mov $idt + TIMER_VECTOR * 8, %edi
    mov %ax, (%edi)
    movw $BOOT_CS, 2(%edi)
    movw $0x8e00, 4(%edi)
    shr $16, %eax
    mov %ax, 6(%edi)
    lidt idt_desc

    movl $0x1ff, LAPIC_SVR          /* software enable, spurious vector 0xff */
    movl $0xb, LAPIC_TMR_DCR        /* divide by 1 */
    movl $TIMER_VECTOR, LAPIC_LVT_TMR
    movl $20000, LAPIC_TMR_ICR
    sti
1:  hlt
    jmp 1b

timer_isr:
    movl $0, LAPIC_EOI
    mov $tick, %esi
    call puts
    xor %eax, %eax
    jmp exit

    .section .rodata
tick:
    .asciz "tick\n"
idt_desc:
    .word 256 * 8 - 1
    .long idt

    .bss
    .balign 8
idt:
    .skip 256 * 8

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

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $timer_isr, %eax
    mov $TIMER_VECTOR, %ecx
    call set_idt_gate

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

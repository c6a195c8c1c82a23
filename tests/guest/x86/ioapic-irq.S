/* PVH guest: routes IOAPIC pin 4 (the first serial port's line) to vector 0x41, masks the
 * legacy PIC, asks the host to raise GSI 4 (a write to port 0x510) and halts; the
 * interrupt prints "irq 4" and exits with 0. Exercises kvm_vm_set_irq() end to end. */
#define LAPIC_EOI      0xfee000b0
#define LAPIC_SVR      0xfee000f0
#define IOAPIC_REGSEL  0xfec00000
#define IOAPIC_WIN     0xfec00010
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))
#define IRQ_VECTOR     0x41
#define IRQ_PIN        4
#define RAISE_IRQ_PORT 0x510

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $irq_isr, %eax
    mov $IRQ_VECTOR, %ecx
    call set_idt_gate

    mov $0xff, %al                  /* mask both PICs: the IOAPIC delivers */
    outb %al, $0xa1
    outb %al, $0x21
    movl $0x1ff, LAPIC_SVR
    /* Fixed delivery to APIC 0, physical, edge, active high, unmasked. */
    movl $IOAPIC_REDIR(IRQ_PIN), IOAPIC_REGSEL
    movl $IRQ_VECTOR, IOAPIC_WIN
    movl $IOAPIC_REDIR(IRQ_PIN) + 1, IOAPIC_REGSEL
    movl $0, IOAPIC_WIN
    sti
    mov $RAISE_IRQ_PORT, %dx
    outb %al, %dx
1:  hlt
    jmp 1b

irq_isr:
    movl $0, LAPIC_EOI
    mov $message, %esi
    call puts
    xor %eax, %eax
    jmp exit

    .section .rodata
message:
    .asciz "irq 4\n"

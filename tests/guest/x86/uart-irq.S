/* PVH guest: routes IOAPIC pin 4 to vector 0x41, masks the legacy PIC and enables the
 * UART's transmitter-empty interrupt; the UART raises ISA IRQ 4, which the board wires to
 * GSI 4 of KVM's in-kernel irqchip. The handler reads IIR, turns the interrupt off, prints
 * "uart irq" and exits with the IIR value (0x02: transmitter empty, FIFOs off). */
#define LAPIC_EOI      0xfee000b0
#define LAPIC_SVR      0xfee000f0
#define IOAPIC_REGSEL  0xfec00000
#define IOAPIC_WIN     0xfec00010
#define IOAPIC_REDIR(pin) (0x10 + 2 * (pin))
#define IRQ_VECTOR     0x41
#define IRQ_PIN        4
#define UART_IER       0x3f9
#define UART_IIR       0x3fa
#define IER_THRI       0x02

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
    mov $IER_THRI, %al
    mov $UART_IER, %dx
    outb %al, %dx
1:  hlt
    jmp 1b

irq_isr:
    mov $UART_IIR, %dx
    inb %dx, %al
    mov %eax, %ebx
    xor %eax, %eax
    mov $UART_IER, %dx
    outb %al, %dx
    movl $0, LAPIC_EOI
    mov $message, %esi
    call puts
    mov %ebx, %eax
    jmp exit

    .section .rodata
message:
    .asciz "uart irq\n"

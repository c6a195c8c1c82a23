/* An IDT for the 32-bit test guests: set_idt_gate installs handler %eax for vector %ecx
 * as a ring-0 interrupt gate on the loader's flat code segment, and loads the IDT. */
#define BOOT_CS 0x10

    .code32
    .text
    .globl set_idt_gate
set_idt_gate:
    lea idt(, %ecx, 8), %edi
    mov %ax, (%edi)
    movw $BOOT_CS, 2(%edi)
    movw $0x8e00, 4(%edi)           /* present, DPL 0, 32-bit interrupt gate */
    shr $16, %eax
    mov %ax, 6(%edi)
    lidt idt_desc
    ret

    .section .rodata
idt_desc:
    .word 256 * 8 - 1
    .long idt

    .bss
    .balign 8
idt:
    .skip 256 * 8

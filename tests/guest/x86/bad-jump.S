/* PVH guest: jumps to an address where nothing is mapped (no RAM, no device). KVM cannot
 * fetch instructions there: an internal error, which must stop the machine, not hulld. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $0xd0000000, %eax
    jmp *%eax

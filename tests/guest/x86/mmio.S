/* PVH guest: MMIO and read-only memory. Writes 0x12345678 to 0xd0000000 and expects
 * 0xcafe0042 back from 0xd0000008 (both served by the host), reads 0x5a from the ROM page
 * at 0xe0000000, writes it (an MMIO exit; the ROM keeps its byte) and reads it again.
 * Exits with 7 when all held, 0xee otherwise. */
#define MMIO_BASE 0xd0000000
#define ROM_BASE  0xe0000000

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    movl $0x12345678, MMIO_BASE
    mov MMIO_BASE + 8, %eax
    cmp $0xcafe0042, %eax
    jne bad
    movb ROM_BASE, %al
    cmp $0x5a, %al
    jne bad
    movb $0xa5, ROM_BASE
    movb ROM_BASE, %al
    cmp $0x5a, %al
    jne bad
    mov $7, %al
    jmp exit
bad:
    mov $0xee, %al
    jmp exit

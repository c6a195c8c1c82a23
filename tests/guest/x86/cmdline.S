/* PVH guest: checks hvm_start_info (magic, version 1), prints the command line it points
 * to and exits with the number of memory map entries; 0xee if start_info is wrong. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    cmpl $0x336ec578, (%ebx)        /* magic */
    jne bad
    cmpl $1, 4(%ebx)                /* version: 1 has the memory map */
    jb bad
    mov 24(%ebx), %esi              /* cmdline_paddr (below 4 GiB) */
    test %esi, %esi
    jz bad
    call puts
    mov $'\n', %al
    call putc
    mov 48(%ebx), %eax              /* memmap_entries */
    jmp exit
bad:
    mov $0xee, %al
    jmp exit

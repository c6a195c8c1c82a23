/* The PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): name "Xen", type 18, the 32-bit
 * physical address of pvh_start, which each guest defines. Also the guests' stack. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4             /* name size */
    .long 4             /* descriptor size */
    .long 18            /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start

    .bss
    .balign 16
    .globl stack_top
stack:
    .skip 4096
stack_top:

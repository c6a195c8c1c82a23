/* PVH guest: finds the MP floating pointer in the BIOS area (0xf0000-0xfffff), checks it
 * and its configuration table (signatures, checksums), prints how many processors the
 * table lists and exits with that count; 0xee when the table is missing or corrupt. */
#define MP_SCAN_START 0xf0000
#define MP_SCAN_END   0x100000
#define MP_FLOATING   0x5f504d5f /* "_MP_" */
#define MP_CONFIG     0x504d4350 /* "PCMP" */

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $MP_SCAN_START, %esi
1:  cmpl $MP_FLOATING, (%esi)
    je found
    add $16, %esi
    cmp $MP_SCAN_END, %esi
    jb 1b
    jmp bad
found:
    mov %esi, %edi
    mov $16, %ecx
    call sum8
    test %al, %al
    jnz bad
    mov 4(%esi), %esi               /* the configuration table */
    cmpl $MP_CONFIG, (%esi)
    jne bad
    mov %esi, %edi
    movzwl 4(%esi), %ecx            /* base table length */
    call sum8
    test %al, %al
    jnz bad
    movzwl 34(%esi), %ecx           /* entry count */
    lea 44(%esi), %esi              /* first entry */
    xor %ebx, %ebx                  /* processors seen */
2:  test %ecx, %ecx
    jz done
    cmpb $0, (%esi)                 /* processor entries are 20 bytes, the others 8 */
    jne 3f
    inc %ebx
    add $20, %esi
    jmp 4f
3:  add $8, %esi
4:  dec %ecx
    jmp 2b
done:
    mov %ebx, %eax
    add $'0', %al
    call putc
    mov $'\n', %al
    call putc
    mov %ebx, %eax
    jmp exit
bad:
    mov $0xee, %al
    jmp exit

/* sum8: the byte sum of %ecx bytes at %edi, in %al. Clobbers %ecx, %edi. */
sum8:
    xor %eax, %eax
5:  add (%edi), %al
    inc %edi
    loop 5b
    ret

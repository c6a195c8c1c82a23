/* PVH guest: self-tests the i8042 keyboard controller (0xaa -> 0x55), reads its command
 * byte, prints "i8042 ok" and resets the machine by pulsing the reset line (0xfe to port
 * 0x64). Prints "i8042 bad" and exits with 0xee if the controller misbehaves, and exits
 * with 0xdd if the reset did not stop it. */
#define I8042_DATA   0x60
#define I8042_STATUS 0x64
#define STATUS_OBF   0x01
#define CMD_READ_CTR 0x20
#define CMD_SELFTEST 0xaa
#define CMD_RESET    0xfe

    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $stack_top, %esp
    mov $CMD_SELFTEST, %al
    call command
    cmp $0x55, %al
    jne bad
    mov $CMD_READ_CTR, %al
    call command
    test $0x04, %al                 /* the system flag is set after the self-test */
    jz bad
    mov $ok, %esi
    call puts
    mov $CMD_RESET, %al
    mov $I8042_STATUS, %dx
    outb %al, %dx
    /* The machine resets from the main loop; give it time, then complain. */
    mov $1000000, %ecx
1:  loop 1b
    mov $0xdd, %al
    jmp exit
bad:
    mov $fail, %esi
    call puts
    mov $0xee, %al
    jmp exit

/* command: sends %al to the controller and returns its reply in %al. */
command:
    mov $I8042_STATUS, %dx
    outb %al, %dx
2:  inb %dx, %al
    test $STATUS_OBF, %al
    jz 2b
    mov $I8042_DATA, %dx
    inb %dx, %al
    ret

    .section .rodata
ok:
    .asciz "i8042 ok\n"
fail:
    .asciz "i8042 bad\n"

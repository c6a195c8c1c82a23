/* PVH guest: writes 7 to port 0xf4, where QEMU users put isa-debug-exit
 * (device_add isa-debug-exit,iobase=0xf4,iosize=4), then stops for good. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    mov $7, %al
    outb %al, $0xf4
1:  cli
    hlt
    jmp 1b

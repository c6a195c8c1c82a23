/* Board test: checks the boot registers (a0 = mhartid) and prints a line on the 16550A
 * UART at 0x10000000, waiting for THRE before each byte as a driver does. */
#include "test.h"

#define UART 0x10000000
#define UART_LSR 5
#define LSR_THRE 0x20

    .text
    .globl run_tests
run_tests:
    TEST(1)                         /* a0 holds the hart id at entry */
    csrr t0, mhartid
    bne a0, t0, fail
    TEST(2)                         /* the UART is there: LSR says THR and TX are empty */
    li t0, UART
    lbu t1, UART_LSR(t0)
    CHECK(t1, 0x60)
    TEST(3)
    la t2, message
1:  lbu t3, 0(t2)
    beqz t3, 3f
2:  lbu t1, UART_LSR(t0)
    andi t1, t1, LSR_THRE
    beqz t1, 2b
    sb t3, 0(t0)
    addi t2, t2, 1
    j 1b
3:  ret

    .section .rodata
message:
    .asciz "Hello from the RISC-V virt board\n"

/* Board test: enables the UART FIFOs (which empties them), prints '>' to say it is ready,
 * then echoes what it receives, upper-cased, until it has echoed a newline. */
#include "test.h"

#define UART 0x10000000
#define UART_FCR 2
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

    .text
    .globl run_tests
run_tests:
    TEST(1)
    li t0, UART
    li t1, 0x07                     /* FCR: enable and clear the FIFOs */
    sb t1, UART_FCR(t0)
    lbu t1, UART_FCR(t0)            /* IIR: FIFOs enabled, nothing pending */
    CHECK(t1, 0xc1)
    li t3, '>'                      /* ready: input sent from now on is kept */
3:  lbu t1, UART_LSR(t0)
    andi t1, t1, LSR_THRE
    beqz t1, 3b
    sb t3, 0(t0)
    li t4, 'a'
    li t5, 'z'
1:  lbu t1, UART_LSR(t0)            /* wait for a byte */
    andi t1, t1, LSR_DR
    beqz t1, 1b
    lbu t3, 0(t0)
    bltu t3, t4, 2f
    bltu t5, t3, 2f
    addi t3, t3, 'A' - 'a'
2:  lbu t1, UART_LSR(t0)
    andi t1, t1, LSR_THRE
    beqz t1, 2b
    sb t3, 0(t0)
    li t1, '\n'
    bne t3, t1, 1b
    ret

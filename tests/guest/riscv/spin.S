/* Board test: runs forever, counting in RAM (for stop, cont, reset and destroy while
 * guest code runs). */
#include "test.h"

#define COUNTER 0x80100000

    .text
    .globl run_tests
run_tests:
    li t0, COUNTER
    li t1, 0
1:  addi t1, t1, 1
    sd t1, 0(t0)
    j 1b

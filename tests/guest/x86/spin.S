/* PVH guest: spins forever with interrupts off; only a kick gets its vCPU back. */
    .code32
    .text
    .globl pvh_start
pvh_start:
    cli
1:  jmp 1b

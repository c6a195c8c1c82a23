/*
 * What every benchmark workload shares: console output on the virt board's 16550A (no
 * interrupts, polling LSR), the retired-instruction counter, and a result check.
 * Each workload defines `uint64_t run(void)` returning a checksum and the expected value
 * EXPECT; main() prints "instret N" (the instructions the run took, read on the
 * emulator that runs it) and returns 0 when the checksum matches.
 */
#ifndef HULL_BENCH_RISCV_H
#define HULL_BENCH_RISCV_H

#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x10000000UL

static inline void uart_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;

    while (!(uart[5] & 0x20)) { /* LSR.THRE */
    }
    uart[0] = (uint8_t)c;
}

static inline void uart_puts(const char *s)
{
    while (*s) {
        uart_putc(*s++);
    }
}

static inline void uart_putu(uint64_t v)
{
    char buf[24];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        uart_putc(buf[--n]);
    }
}

static inline uint64_t rdinstret(void)
{
    uint64_t v;

    __asm__ volatile("csrr %0, minstret" : "=r"(v));
    return v;
}

/* Opaque to the optimizer: keeps results alive without volatile in the loops. */
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

static inline uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* The compiler may emit calls to these for struct copies and loops. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

uint64_t run(void);
int main(void);

#define BENCH_MAIN(expect)                                                                \
    int main(void)                                                                        \
    {                                                                                     \
        uint64_t start = rdinstret();                                                     \
        uint64_t sum = run();                                                             \
        uint64_t end = rdinstret();                                                       \
        uart_puts("instret ");                                                            \
        uart_putu(end - start);                                                           \
        uart_puts("\nchecksum ");                                                         \
        uart_putu(sum);                                                                   \
        uart_puts("\n");                                                                  \
        return sum == (uint64_t)(expect) ? 0 : 1;                                         \
    }

#endif

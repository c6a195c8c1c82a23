/* The benchmark runtime: UART output, memcpy/memset, timing and the report line. */
#include "bench.h"

#define UART ((volatile uint8_t *)0x10000000)
#define UART_LSR 5
#define LSR_THRE 0x20

static void uart_putc(char c)
{
    while (!(UART[UART_LSR] & LSR_THRE)) {
    }
    UART[0] = (uint8_t)c;
}

void uart_puts(const char *s)
{
    while (*s) {
        uart_putc(*s++);
    }
}

static void put_dec(uint64_t v)
{
    char buf[24];
    int i = 0;

    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i) {
        uart_putc(buf[--i]);
    }
}

static void put_hex(uint64_t v)
{
    for (int shift = 60; shift >= 0; shift -= 4) {
        uart_putc("0123456789abcdef"[(v >> shift) & 15]);
    }
}

/* Word-at-a-time when both pointers are aligned: the workloads' own memcpy/memset. */
void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8) {
            *(uint64_t *)d = *(const uint64_t *)s;
        }
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    uint64_t w = (uint8_t)c * 0x0101010101010101ULL;

    for (; n && ((uintptr_t)d & 7); n--) {
        *d++ = (uint8_t)c;
    }
    for (; n >= 8; n -= 8, d += 8) {
        *(uint64_t *)d = w;
    }
    while (n--) {
        *d++ = (uint8_t)c;
    }
    return dst;
}

static inline uint64_t rdtime(void)
{
    uint64_t v;

    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

static inline uint64_t rdinstret(void)
{
    uint64_t v;

    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

int main(void)
{
    uint64_t t0 = rdtime();
    uint64_t i0 = rdinstret();
    uint64_t result = bench_run(1);
    uint64_t i1 = rdinstret();
    uint64_t t1 = rdtime();

    uart_puts("bench ");
    uart_puts(bench_name);
    uart_puts(" insns=");
    put_dec(i1 - i0);
    uart_puts(" ticks=");
    put_dec(t1 - t0);
    uart_puts(" result=");
    put_hex(result);
    uart_puts("\n");
    if (result != bench_expect) {
        uart_puts("bench: wrong result\n");
        return 1;
    }
    return 0;
}

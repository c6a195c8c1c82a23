/*
 * Runtime of the RISC-V benchmark workloads (bare metal, M mode, no libc): each workload
 * defines bench_name, bench_expect (its result, computed once on an x86-64 host from the
 * same C; workloads also self-check against a specification's test vector where there is
 * one) and bench_run(); main() times it with rdtime/rdinstret and prints one line on the
 * UART:
 *     bench <name> insns=<retired> ticks=<time ticks, 10 MHz> result=<hex>
 */
#ifndef HULL_BENCH_RISCV_BENCH_H
#define HULL_BENCH_RISCV_BENCH_H

#include <stddef.h>
#include <stdint.h>

extern const char bench_name[];
extern const uint64_t bench_expect;
uint64_t bench_run(unsigned rounds);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void uart_puts(const char *s);

/* A deterministic pseudo-random sequence (64-bit LCG, upper bits). */
static inline uint32_t bench_rand(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*state >> 33);
}

#endif

/* Recursive calls: the naive Fibonacci recursion (fib(30) = 832040, 2.7 million calls). */
#include "bench.h"

const char bench_name[] = "fib";
const uint64_t bench_expect = 832040ULL * 4;

static uint64_t __attribute__((noinline)) fib(uint64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

uint64_t bench_run(unsigned rounds)
{
    uint64_t sum = 0;

    for (unsigned r = 0; r < 4 * rounds; r++) {
        sum += fib(30);
    }
    return sum;
}

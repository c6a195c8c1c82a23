/* Call-heavy code: naive Fibonacci and Ackermann recursion (returns and stack traffic). */
#include "bench.h"

#define ROUNDS 10

static uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint64_t ack(uint64_t m, uint64_t n)
{
    if (m == 0) {
        return n + 1;
    }
    if (n == 0) {
        return ack(m - 1, 1);
    }
    return ack(m - 1, ack(m, n - 1));
}

uint64_t run(void)
{
    uint64_t total = 0;

    for (unsigned r = 0; r < ROUNDS; r++) {
        total += fib(29 + r % 2);
        total += ack(2, 200 + r);
    }
    return total;
}

BENCH_MAIN(EXPECT)

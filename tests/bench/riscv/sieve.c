/* Sieve of Eratosthenes over a 64 KiB byte array, repeated. */
#include "bench.h"

#define N 65536
#define ROUNDS 360

static uint8_t flags[N];

uint64_t run(void)
{
    uint64_t total = 0;

    for (int r = 0; r < ROUNDS; r++) {
        uint32_t count = 0;

        for (unsigned i = 0; i < N; i++) {
            flags[i] = 1;
        }
        for (unsigned i = 2; i < N; i++) {
            if (flags[i]) {
                count++;
                for (unsigned k = i + i; k < N; k += i) {
                    flags[k] = 0;
                }
            }
        }
        total += count + (uint32_t)r;
    }
    return total;
}

BENCH_MAIN(EXPECT)

/* Sieve of Eratosthenes: primes below two million, counted (148933 each round). */
#include "bench.h"

#define N 2000000

const char bench_name[] = "sieve";
const uint64_t bench_expect = 148933ULL * 4;

static uint8_t composite[N];

uint64_t bench_run(unsigned rounds)
{
    uint64_t total = 0;

    for (unsigned r = 0; r < 4 * rounds; r++) {
        memset(composite, 0, sizeof(composite));
        for (uint64_t i = 2; i < N; i++) {
            if (!composite[i]) {
                total++;
                for (uint64_t j = i * i; j < N; j += i) {
                    composite[j] = 1;
                }
            }
        }
    }
    return total;
}

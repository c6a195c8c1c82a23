/* Recursive quicksort of 32-bit keys (median of three), repeated on fresh data. */
#include "bench.h"

#define N 32768
#define ROUNDS 48

static uint32_t v[N];

static void sort(uint32_t *a, long lo, long hi)
{
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        uint32_t x = a[lo], y = a[mid], z = a[hi];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = lo, j = hi;

        while (i <= j) {
            while (a[i] < pivot) {
                i++;
            }
            while (a[j] > pivot) {
                j--;
            }
            if (i <= j) {
                uint32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            sort(a, lo, j);
            lo = i;
        } else {
            sort(a, i, hi);
            hi = j;
        }
    }
}

uint64_t run(void)
{
    uint32_t seed = 3;
    uint64_t total = 0;

    for (int r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < N; i++) {
            v[i] = lcg(&seed);
        }
        sort(v, 0, N - 1);
        for (unsigned i = 1; i < N; i++) {
            if (v[i - 1] > v[i]) {
                return 0;
            }
        }
        total += v[N / 2] + v[N / 3];
    }
    return total;
}

BENCH_MAIN(EXPECT)

/* Quicksort (recursive, median of three, insertion sort below 16) of 200000 random 32-bit
 * numbers per round; the result checks the order and mixes in the contents. */
#include "bench.h"

#define N 200000

const char bench_name[] = "quicksort";
const uint64_t bench_expect = 0x7d7b3b77c8479b9cULL;

static uint32_t a[N];

static void swap(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;

    *x = *y;
    *y = t;
}

static void sort(uint32_t *v, long lo, long hi)
{
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2, i = lo, j = hi;
        uint32_t pivot;

        if (v[mid] < v[lo]) {
            swap(&v[mid], &v[lo]);
        }
        if (v[hi] < v[lo]) {
            swap(&v[hi], &v[lo]);
        }
        if (v[hi] < v[mid]) {
            swap(&v[hi], &v[mid]);
        }
        pivot = v[mid];
        while (i <= j) {
            while (v[i] < pivot) {
                i++;
            }
            while (v[j] > pivot) {
                j--;
            }
            if (i <= j) {
                swap(&v[i++], &v[j--]);
            }
        }
        /* Recurse into the smaller half, loop on the larger. */
        if (j - lo < hi - i) {
            sort(v, lo, j);
            lo = i;
        } else {
            sort(v, i, hi);
            hi = j;
        }
    }
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t x = v[i];
        long j = i - 1;

        for (; j >= lo && v[j] > x; j--) {
            v[j + 1] = v[j];
        }
        v[j + 1] = x;
    }
}

uint64_t bench_run(unsigned rounds)
{
    uint64_t sum = 0;

    for (unsigned r = 0; r < 8 * rounds; r++) {
        uint64_t seed = r + 1;

        for (long i = 0; i < N; i++) {
            a[i] = bench_rand(&seed);
        }
        sort(a, 0, N - 1);
        for (long i = 1; i < N; i++) {
            if (a[i - 1] > a[i]) {
                return 0;
            }
        }
        for (long i = 0; i < N; i += 97) {
            sum = sum * 31 + a[i];
        }
    }
    return sum;
}

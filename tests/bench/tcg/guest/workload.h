/*
 * The JIT benchmark workload: integer kernels typical of guest code (CRC, sieve, matrix
 * multiply, sorting, hashing, division-heavy arithmetic). Built for the RISC-V guest and
 * natively by the harness, which checks that the guest computed the same checksum.
 */
#ifndef HULL_BENCH_TCG_WORKLOAD_H
#define HULL_BENCH_TCG_WORKLOAD_H

#include <stdint.h>

#define WL_BUF 4096
#define WL_SIEVE 8192
#define WL_MAT 24
#define WL_SORT 1024

typedef struct WorkloadState {
    uint8_t buf[WL_BUF];
    uint8_t sieve[WL_SIEVE];
    int32_t a[WL_MAT][WL_MAT], b[WL_MAT][WL_MAT], c[WL_MAT][WL_MAT];
    uint32_t sort[WL_SORT];
} WorkloadState;

static uint32_t wl_lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static uint32_t wl_crc32(const uint8_t *p, unsigned n)
{
    uint32_t crc = 0xffffffffu;
    for (unsigned i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static uint32_t wl_sieve(uint8_t *flags, unsigned n)
{
    uint32_t count = 0;
    for (unsigned i = 0; i < n; i++) {
        flags[i] = 1;
    }
    for (unsigned i = 2; i < n; i++) {
        if (flags[i]) {
            count++;
            for (unsigned k = i + i; k < n; k += i) {
                flags[k] = 0;
            }
        }
    }
    return count;
}

static int64_t wl_matmul(WorkloadState *w, uint32_t seed)
{
    int64_t sum = 0;
    for (int i = 0; i < WL_MAT; i++) {
        for (int j = 0; j < WL_MAT; j++) {
            w->a[i][j] = (int32_t)(wl_lcg(&seed) >> 20) - 2048;
            w->b[i][j] = (int32_t)(wl_lcg(&seed) >> 20) - 2048;
        }
    }
    for (int i = 0; i < WL_MAT; i++) {
        for (int j = 0; j < WL_MAT; j++) {
            int32_t acc = 0;
            for (int k = 0; k < WL_MAT; k++) {
                acc += w->a[i][k] * w->b[k][j];
            }
            w->c[i][j] = acc;
            sum += acc;
        }
    }
    return sum;
}

static uint32_t wl_sort(uint32_t *v, unsigned n, uint32_t seed)
{
    for (unsigned i = 0; i < n; i++) {
        v[i] = wl_lcg(&seed);
    }
    /* Shell sort: branchy, memory-bound inner loops. */
    for (unsigned gap = n / 2; gap > 0; gap /= 2) {
        for (unsigned i = gap; i < n; i++) {
            uint32_t t = v[i];
            unsigned j = i;
            for (; j >= gap && v[j - gap] > t; j -= gap) {
                v[j] = v[j - gap];
            }
            v[j] = t;
        }
    }
    uint32_t h = 0;
    for (unsigned i = 0; i < n; i += 7) {
        h = h * 31 + v[i];
    }
    return h;
}

static uint64_t wl_divmix(uint64_t seed, unsigned n)
{
    uint64_t acc = 1;
    for (unsigned i = 1; i <= n; i++) {
        uint64_t x = seed * i + 12345;
        acc += x / (i | 1) + x % (i + 7);
        acc ^= (uint64_t)((int64_t)acc >> 3) * 0x9e3779b97f4a7c15ull;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    }
    return acc;
}

static uint64_t workload_run(WorkloadState *w, unsigned rounds)
{
    uint64_t check = 0;
    uint32_t seed = 1;
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned i = 0; i < WL_BUF; i++) {
            w->buf[i] = (uint8_t)(wl_lcg(&seed) >> 24);
        }
        check = check * 3 + wl_crc32(w->buf, WL_BUF);
        check = check * 3 + wl_sieve(w->sieve, WL_SIEVE);
        check = check * 3 + (uint64_t)wl_matmul(w, seed + r);
        check = check * 3 + wl_sort(w->sort, WL_SORT, seed ^ r);
        check = check * 3 + wl_divmix(seed + r, 2000);
    }
    return check;
}

/* The exit code the guest reports: 1..128, derived from the checksum. */
static inline unsigned workload_code(uint64_t check)
{
    return (unsigned)((check ^ (check >> 7) ^ (check >> 29) ^ (check >> 51)) & 0x7f) + 1;
}

#endif

/* Double-precision matrix multiply, 64x64, repeated (loads, fmul, fadd). */
#include "bench.h"

#define M 64
#define ROUNDS 40

static double a[M][M], b[M][M], c[M][M];

uint64_t run(void)
{
    uint32_t seed = 13;
    uint64_t total = 0;

    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            a[i][j] = (double)(int32_t)(lcg(&seed) >> 8) / 16777216.0;
            b[i][j] = (double)(int32_t)(lcg(&seed) >> 8) / 8388608.0;
        }
    }
    for (int r = 0; r < ROUNDS; r++) {
        a[r % M][r % M] += 0.5;
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < M; j++) {
                double acc = 0.0;

                for (int k = 0; k < M; k++) {
                    acc += a[i][k] * b[k][j];
                }
                c[i][j] = acc;
            }
        }
        for (int i = 0; i < M; i++) {
            union {
                double d;
                uint64_t u;
            } v = {c[i][(i * 5) % M]};

            total += v.u >> 12;
        }
    }
    return total;
}

BENCH_MAIN(EXPECT)

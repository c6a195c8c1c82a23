/* Integer matrix multiply, 96x96 of 32-bit values with 64-bit accumulation. */
#include "bench.h"

#define M 96
#define ROUNDS 90

static int32_t a[M][M], b[M][M];
static int64_t c[M][M];

uint64_t run(void)
{
    uint32_t seed = 11;
    uint64_t total = 0;

    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            a[i][j] = (int32_t)(lcg(&seed) >> 16) - 32768;
            b[i][j] = (int32_t)(lcg(&seed) >> 16) - 32768;
        }
    }
    for (int r = 0; r < ROUNDS; r++) {
        a[r][r] += r;
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < M; j++) {
                int64_t acc = 0;

                for (int k = 0; k < M; k++) {
                    acc += (int64_t)a[i][k] * b[k][j];
                }
                c[i][j] = acc;
            }
        }
        for (int i = 0; i < M; i++) {
            total += (uint64_t)c[i][(i * 7) % M];
        }
    }
    return total;
}

BENCH_MAIN(EXPECT)

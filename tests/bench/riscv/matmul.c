/* Integer matrix multiply: 128x128 32-bit matrices, C = A x B, A perturbed each round. */
#include "bench.h"

#define N 128

const char bench_name[] = "matmul";
const uint64_t bench_expect = 0x4cada1328222d7c7ULL;

static int32_t a[N][N], b[N][N], c[N][N];

uint64_t bench_run(unsigned rounds)
{
    uint64_t seed = 3, sum = 0;

    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i][j] = (int32_t)(bench_rand(&seed) % 201) - 100;
            b[i][j] = (int32_t)(bench_rand(&seed) % 201) - 100;
        }
    }
    for (unsigned r = 0; r < 6 * rounds; r++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                int32_t acc = 0;

                for (int k = 0; k < N; k++) {
                    acc += a[i][k] * b[k][j];
                }
                c[i][j] = acc;
            }
        }
        for (int i = 0; i < N; i++) {
            sum = sum * 7 + (uint32_t)c[i][(i * 5 + r) % N];
            a[i][r % N] += 1;
        }
    }
    return sum;
}

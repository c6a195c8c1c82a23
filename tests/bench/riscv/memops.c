/* memcpy and memset of buffers from 3 bytes to 32 KiB, aligned and not. */
#include "bench.h"

#define SIZE 32768
#define ROUNDS 720

static uint8_t src[SIZE + 16], dst[SIZE + 16];

uint64_t run(void)
{
    uint32_t seed = 5;
    uint64_t total = 0;

    for (unsigned i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)(lcg(&seed) >> 24);
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (unsigned len = 3; len <= SIZE; len = len * 2 + 1) {
            unsigned off = (unsigned)r & 7;

            memset(dst, r, sizeof(dst));
            memcpy(dst + off, src + (r & 1), len);
            KEEP(dst);
            total += dst[off + len / 2] + dst[off + len - 1] + dst[sizeof(dst) - 1];
        }
        memcpy(dst, src, SIZE);
        memset(dst + 1, 0, SIZE - 2);
        total += dst[0] + dst[SIZE - 1];
    }
    return total;
}

BENCH_MAIN(EXPECT)

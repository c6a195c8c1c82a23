/* Bitwise CRC-32 (no table) over a 16 KiB buffer, repeated: shifts, xors, masks. */
#include "bench.h"

#define LEN 16384
#define ROUNDS 960

static uint8_t buf[LEN];

uint64_t run(void)
{
    uint32_t seed = 1;
    uint64_t total = 0;

    for (unsigned i = 0; i < LEN; i++) {
        buf[i] = (uint8_t)(lcg(&seed) >> 24);
    }
    for (int r = 0; r < ROUNDS; r++) {
        uint32_t crc = 0xffffffffu;

        buf[r] ^= (uint8_t)r;
        for (unsigned i = 0; i < LEN; i++) {
            crc ^= buf[i];
            for (int k = 0; k < 8; k++) {
                crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
            }
        }
        total += ~crc;
    }
    return total;
}

BENCH_MAIN(EXPECT)

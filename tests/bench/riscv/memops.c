/* memcpy and memset over 1 MiB buffers, aligned and misaligned, then a checksum pass. */
#include "bench.h"

#define LEN (1024 * 1024)

const char bench_name[] = "memops";
const uint64_t bench_expect = 0x00000000029a3b02ULL;

static uint8_t src[LEN + 64], dst[LEN + 64];

uint64_t bench_run(unsigned rounds)
{
    uint64_t seed = 5, sum = 0;

    for (size_t i = 0; i < sizeof(src); i++) {
        src[i] = (uint8_t)bench_rand(&seed);
    }
    for (unsigned r = 0; r < 12 * rounds; r++) {
        size_t off = r % 3 == 2 ? 3 : 0; /* every third round misaligned */

        memset(dst, (int)r, sizeof(dst));
        memcpy(dst + off, src + (r & 7), LEN);
        sum = sum * 3 + dst[(r * 4099) % LEN] + dst[LEN + off - 1];
    }
    return sum;
}

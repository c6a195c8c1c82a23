/* CRC-32 (IEEE 802.3, reflected, table-driven) over a 256 KiB buffer, chained rounds. */
#include "bench.h"

#define LEN (256 * 1024)

const char bench_name[] = "crc32";
const uint64_t bench_expect = 0x00000000aca3a2ceULL;

static uint8_t buf[LEN];
static uint32_t table[256];

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

uint64_t bench_run(unsigned rounds)
{
    uint64_t seed = 1;
    uint32_t crc = 0;

    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    /* The check value of the specification. */
    if (crc32(0, (const uint8_t *)"123456789", 9) != 0xcbf43926u) {
        return 0;
    }
    for (size_t i = 0; i < LEN; i++) {
        buf[i] = (uint8_t)bench_rand(&seed);
    }
    for (unsigned r = 0; r < 24 * rounds; r++) {
        crc = crc32(crc, buf, LEN);
        buf[r % LEN] ^= (uint8_t)crc;
    }
    return crc;
}

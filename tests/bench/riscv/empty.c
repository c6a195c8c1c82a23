/* No work: measures the fixed cost of starting a machine and reporting. */
#include "bench.h"

uint64_t run(void)
{
    return 0;
}

BENCH_MAIN(EXPECT)

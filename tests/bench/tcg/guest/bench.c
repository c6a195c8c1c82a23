/* The RISC-V guest of the JIT benchmark: runs the workload, reports a checksum code. */
#include "workload.h"

#ifndef WL_ROUNDS
#define WL_ROUNDS 40
#endif

static WorkloadState state;

int main(void);

int main(void)
{
    return (int)workload_code(workload_run(&state, WL_ROUNDS));
}

/*
 * The "tcg" accelerator: RISC-V harts (hw/riscv/hart.h) on the JIT or the reference
 * interpreter, one engine vCPU thread per hart. Internal interface between the AccelOps
 * and the QMP commands of qapi-schema/jit.json.
 */
#ifndef HULL_TCG_RISCV_ACCEL_H
#define HULL_TCG_RISCV_ACCEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/accel.h"
#include "tcg/jit.h"

#define TCG_ACCEL_NAME "tcg"

/* Per-machine options object: /machine/tcg-accel (QEMU calls its class "tcg-accel"). */
#define TYPE_TCG_ACCEL "tcg-accel"
#define TCG_ACCEL_OPTIONS_PATH "/machine/tcg-accel"

/* Harts one JIT serves (the most any board asks for). */
#define TCG_ACCEL_MAX_HARTS 64

typedef struct TcgAccel TcgAccel;

/* The TCG state of an accelerator instance, or NULL when it is another accelerator. */
TcgAccel *tcg_accel_of(AccelState *accel);

/* Whether it runs the reference interpreter (mode=interp) instead of the JIT. */
bool tcg_accel_is_interp(const TcgAccel *ta);
/* The JIT, or NULL in interpreter mode. */
TCGJit *tcg_accel_jit(TcgAccel *ta);
/* The code buffer size, per-block limit and switches the JIT was created with. */
const TCGJitOptions *tcg_accel_jit_options(const TcgAccel *ta);

/* Per-vCPU figures, read while the vCPU may run (they are approximate then). */
typedef struct TcgAccelVcpuStats {
    unsigned index;
    uint64_t hartid;
    uint64_t instructions; /* minstret */
    uint64_t pc;
    bool halted;
    TCGCPUStats jit; /* zero in interpreter mode */
} TcgAccelVcpuStats;

/* Every vCPU's figures, in creation order; g_array_unref() it. */
GArray *tcg_accel_vcpu_stats(TcgAccel *ta);

#endif

/*
 * The jit-log command (qapi-schema/jit.json): turns the translation log of the running
 * machine's JIT on or off.
 */
#include "engine/machine.h"
#include "qapi/qapi-commands.h"
#include "tcg/riscv/accel.h"
#include "util/error.h"

void qmp_jit_log(const char *file, bool has_start, uint64_t start, bool has_end, uint64_t end,
                 JitLogItemList *items, GError **errp)
{
    MachineState *ms = machine_get();
    TCGJit *jit = NULL;
    unsigned mask = 0;

    if (ms && ms->accel && g_strcmp0(ms->accel_name, TCG_ACCEL_NAME) == 0) {
        jit = tcg_accel_jit(ms->accel->opaque);
    }
    if (!jit) {
        hull_error_setg(errp, "the machine does not run on the tcg accelerator in jit mode");
        return;
    }
    if (!items) {
        mask = TCG_LOG_IN_ASM | TCG_LOG_OP | TCG_LOG_OUT_ASM;
    }
    for (JitLogItemList *i = items; i; i = i->next) {
        mask |= i->value == JIT_LOG_ITEM_IN_ASM ? TCG_LOG_IN_ASM
              : i->value == JIT_LOG_ITEM_OP     ? TCG_LOG_OP
                                                : TCG_LOG_OUT_ASM;
    }
    tcg_jit_set_log(jit, file, has_start ? start : 0, has_end ? end : UINT64_MAX, mask, errp);
}

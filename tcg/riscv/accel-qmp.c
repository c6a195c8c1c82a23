/*
 * QMP commands of the tcg accelerator (qapi-schema/jit.json): tcg-set-options, which keeps
 * the next start's options in /machine/tcg-accel, query-jit, and jit-log, which turns the
 * JIT's translation log on or off.
 */
#include "engine/machine.h"
#include "qapi/qapi-commands.h"
#include "tcg/riscv/accel.h"
#include "util/error.h"

#define TCG_TB_SIZE_MAX_MIB 4096

static bool machine_uses_tcg(MachineState *ms, GError **errp)
{
    if (!ms || g_strcmp0(ms->accel_name, TCG_ACCEL_NAME) != 0) {
        return hull_error_setg(errp, "the machine does not use the tcg accelerator");
    }
    return true;
}

void qmp_tcg_set_options(bool has_mode, JitMode mode, bool has_tb_size, uint64_t tb_size,
                         bool has_one_insn_per_tb, bool one_insn_per_tb, bool has_chaining,
                         bool chaining, bool has_optimize, bool optimize, GError **errp)
{
    MachineState *ms = machine_get();
    Object *opts;
    g_autoptr(Object) created = NULL;

    if (!machine_uses_tcg(ms, errp)) {
        return;
    }
    /* Everything that can be refused is checked before anything changes. */
    if (has_tb_size && tb_size > TCG_TB_SIZE_MAX_MIB) {
        hull_error_setg(errp, "tb-size must be at most %u (MiB), not %" G_GUINT64_FORMAT,
                        TCG_TB_SIZE_MAX_MIB, tb_size);
        return;
    }
    opts = object_get_child(OBJECT(ms), "tcg-accel");
    if (!opts) {
        created = object_new(TYPE_TCG_ACCEL, errp);
        if (!created) {
            return;
        }
        opts = created;
    }
    if ((has_mode && !object_property_set_str(opts, "mode", JitMode_str(mode), errp)) ||
        (has_tb_size && !object_property_set_uint(opts, "tb-size", tb_size, errp)) ||
        (has_one_insn_per_tb &&
         !object_property_set_bool(opts, "one-insn-per-tb", one_insn_per_tb, errp)) ||
        (has_chaining && !object_property_set_bool(opts, "chaining", chaining, errp)) ||
        (has_optimize && !object_property_set_bool(opts, "optimize", optimize, errp))) {
        return;
    }
    if (created) {
        object_add_child(OBJECT(ms), "tcg-accel", created, errp);
    }
}

JitInfo *qmp_query_jit(GError **errp)
{
    MachineState *ms = machine_get();
    TcgAccel *ta;
    TCGJit *jit;
    g_autoptr(GArray) vcpus = NULL;
    JitInfo *info;
    JitVcpuInfoList **tail;

    if (!machine_uses_tcg(ms, errp)) {
        return NULL;
    }
    ta = tcg_accel_of(ms->accel);
    if (!ta) {
        hull_error_setg(errp, "the machine has not started");
        return NULL;
    }
    info = g_new0(JitInfo, 1);
    info->mode = tcg_accel_is_interp(ta) ? JIT_MODE_INTERP : JIT_MODE_JIT;
    jit = tcg_accel_jit(ta);
    if (jit) {
        TCGJitStats st;

        tcg_jit_get_stats(jit, &st);
        info->blocks_translated = st.tbs_translated;
        info->host_code_bytes = st.host_code_bytes;
        info->guest_code_bytes = st.guest_code_bytes;
        info->flushes = st.flushes;
        info->chained_jumps = st.chained_jumps;
        info->invalidations = st.invalidations;
        info->code_buffer_size = st.code_buffer_size;
        info->code_buffer_used = st.code_buffer_used;
    }
    vcpus = tcg_accel_vcpu_stats(ta);
    tail = &info->vcpus;
    for (guint i = 0; i < vcpus->len; i++) {
        const TcgAccelVcpuStats *s = &g_array_index(vcpus, TcgAccelVcpuStats, i);
        JitVcpuInfoList *entry = g_new0(JitVcpuInfoList, 1);
        JitVcpuInfo *v = g_new0(JitVcpuInfo, 1);

        v->cpu_index = s->index;
        v->arch_id = s->hartid;
        v->instructions = s->instructions;
        v->pc = s->pc;
        v->halted = s->halted;
        v->tlb_misses = s->jit.tlb_misses;
        v->loop_exits = s->jit.loop_exits;
        v->exceptions = s->jit.exceptions;
        v->jump_cache_misses = s->jit.jc_misses;
        entry->value = v;
        *tail = entry;
        tail = &entry->next;
    }
    return info;
}

void qmp_jit_log(const char *file, bool has_start, uint64_t start, bool has_end, uint64_t end,
                 JitLogItemList *items, GError **errp)
{
    MachineState *ms = machine_get();
    TcgAccel *ta;
    TCGJit *jit;
    unsigned mask = items ? 0 : TCG_LOG_IN_ASM | TCG_LOG_OP | TCG_LOG_OUT_ASM;

    if (!machine_uses_tcg(ms, errp)) {
        return;
    }
    ta = tcg_accel_of(ms->accel);
    jit = ta ? tcg_accel_jit(ta) : NULL;
    if (!jit) {
        hull_error_setg(errp, "the machine runs the interpreter: there are no translations "
                        "to log");
        return;
    }
    for (JitLogItemList *i = items; i; i = i->next) {
        mask |= i->value == JIT_LOG_ITEM_IN_ASM ? TCG_LOG_IN_ASM
              : i->value == JIT_LOG_ITEM_OP     ? TCG_LOG_OP
                                                : TCG_LOG_OUT_ASM;
    }
    tcg_jit_set_log(jit, file, has_start ? start : 0, has_end ? end : UINT64_MAX, mask, errp);
}

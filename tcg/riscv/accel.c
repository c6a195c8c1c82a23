/*
 * The "tcg" accelerator: runs the RISC-V harts a board describes (RiscvHartConfig) on the
 * JIT, or on the reference interpreter in mode=interp, one engine vCPU thread per hart.
 * Kicks reach the JIT's exit flag; wfi halts the vCPU; memory topology changes flush the
 * harts' soft-MMU TLBs (and the translations, when RAM went away).
 */
#include "tcg/riscv/accel.h"

#include "engine/cpu.h"
#include "engine/lock.h"
#include "engine/object.h"
#include "hw/riscv/hart.h"
#include "tcg/riscv/bus.h"
#include "tcg/riscv/cpu.h"
#include "tcg/riscv/interp.h"
#include "tcg/riscv/translate.h"
#include "util/error.h"
#include "util/log.h"

/* Interpreter steps between looks at the vCPU's exit request. */
#define TCG_INTERP_SLICE 100000

/* ---- the options object (/machine/tcg-accel) ---- */

typedef struct TcgAccelOptions {
    Object parent_obj;
    char *mode;        /* "jit" or "interp" */
    uint64_t tb_size;  /* MiB of code buffer; 0: the JIT's default */
    bool one_insn_per_tb;
    bool chaining;
    bool optimize;
} TcgAccelOptions;

static const char *const tcg_accel_modes[] = {"jit", "interp", NULL};

static const Property tcg_accel_options_props[] = {
    PROP_STR("mode", TcgAccelOptions, mode, "jit",
             "jit: translate to host code; interp: the reference interpreter (debugging)",
             .enum_values = tcg_accel_modes),
    PROP_UINT("tb-size", TcgAccelOptions, tb_size, 0,
              "translation cache size in MiB (0: 256, capped to host RAM / 8)", .umax = 4096),
    PROP_BOOL("one-insn-per-tb", TcgAccelOptions, one_insn_per_tb, false,
              "translate one guest instruction per block (debugging)"),
    PROP_BOOL("chaining", TcgAccelOptions, chaining, true,
              "patch direct jumps between blocks (off: every block returns to the loop)"),
    PROP_BOOL("optimize", TcgAccelOptions, optimize, true, "run the IR optimizer"),
    PROP_END,
};

static const TypeInfo tcg_accel_options_info = {
    .name = TYPE_TCG_ACCEL,
    .parent = TYPE_OBJECT,
    .description = "options of the tcg accelerator for the machine being configured",
    .instance_size = sizeof(TcgAccelOptions),
    .properties = tcg_accel_options_props,
};
TYPE_REGISTER(tcg_accel_options_info)

/* ---- state ---- */

typedef struct TcgVcpu {
    RiscvCPU cpu; /* first: its JIT state is large and wants the allocation's alignment */
    CPUState *cs;
    TcgAccel *ta;
    RiscvAddressSpaceBus asb;
    IrqLine *irq[RISCV_HART_NR_IRQS];
    gint tlb_flush_pending; /* a topology change since this vCPU last ran */
} TcgVcpu;

struct TcgAccel {
    AccelState *accel;
    bool interp;
    TCGJitOptions jit_opts;
    RiscvTcg *tcg;        /* NULL in interpreter mode */
    GMutex lock;          /* vcpus: appended on vCPU threads, read by the main thread */
    GPtrArray *vcpus;     /* TcgVcpu *, creation order; freed at cleanup */
    bool ram_removed;     /* a RAM/ROM range went away in the current commit */
};

/* The interrupt inputs a hart has (mip bits). */
static const unsigned tcg_hart_irqs[] = {
    RISCV_HART_IRQ_S_SOFT,  RISCV_HART_IRQ_M_SOFT, RISCV_HART_IRQ_S_TIMER,
    RISCV_HART_IRQ_M_TIMER, RISCV_HART_IRQ_S_EXT,  RISCV_HART_IRQ_M_EXT,
};

/* ---- machine ---- */

/* The options object, when the client made one (tcg-set-options), else NULL. */
static Object *tcg_accel_options_object(void)
{
    return object_resolve_path(TCG_ACCEL_OPTIONS_PATH, TYPE_TCG_ACCEL, NULL);
}

static void tcg_accel_read_options(TcgAccel *ta, Object *obj)
{
    TcgAccelOptions *o = (TcgAccelOptions *)obj;

    ta->jit_opts = (TCGJitOptions){0};
    if (!o) {
        return; /* defaults: the JIT with its default code buffer */
    }
    ta->interp = g_strcmp0(o->mode, "interp") == 0;
    ta->jit_opts.code_size = (size_t)o->tb_size << 20;
    ta->jit_opts.max_insns = o->one_insn_per_tb ? 1 : 0;
    ta->jit_opts.no_chaining = !o->chaining;
    ta->jit_opts.no_optimize = !o->optimize;
}

static bool tcg_accel_init_machine(AccelState *accel, GError **errp)
{
    g_autofree TcgAccel *ta = g_new0(TcgAccel, 1);
    Object *opts = tcg_accel_options_object();

    ta->accel = accel;
    tcg_accel_read_options(ta, opts);
    if (!ta->interp) {
        ta->tcg = riscv_tcg_new(TCG_ACCEL_MAX_HARTS, &ta->jit_opts, errp);
        if (!ta->tcg) {
            return false;
        }
    }
    /* The machine runs with these now: the object keeps reading back what is used. */
    if (opts && !object_realize(opts, errp)) {
        riscv_tcg_free(ta->tcg);
        return false;
    }
    g_mutex_init(&ta->lock);
    ta->vcpus = g_ptr_array_new();
    hull_info("tcg", "RISC-V harts on the %s", ta->interp ? "interpreter" : "JIT");
    accel->opaque = g_steal_pointer(&ta);
    return true;
}

static void tcg_vcpu_free(TcgVcpu *v)
{
    for (unsigned i = 0; i < RISCV_HART_NR_IRQS; i++) {
        irq_line_free(v->irq[i]);
    }
    g_free(v);
}

static void tcg_accel_cleanup_machine(AccelState *accel)
{
    TcgAccel *ta = accel->opaque;
    Object *opts = tcg_accel_options_object();

    if (!ta) {
        return;
    }
    /* A machine that failed to start can be configured again. */
    if (opts) {
        object_unrealize(opts);
    }
    /* The JIT detaches the harts, which must still exist. */
    riscv_tcg_free(ta->tcg);
    for (unsigned i = 0; i < ta->vcpus->len; i++) {
        tcg_vcpu_free(g_ptr_array_index(ta->vcpus, i));
    }
    g_ptr_array_free(ta->vcpus, true);
    g_mutex_clear(&ta->lock);
    g_free(ta);
    accel->opaque = NULL;
}

/* ---- memory topology ---- */

static void tcg_accel_region_del(AccelState *accel, const MemorySection *section)
{
    TcgAccel *ta = accel->opaque;

    if (section->host) {
        ta->ram_removed = true;
    }
}

static void tcg_accel_region_add(AccelState *accel, const MemorySection *section)
{
}

/*
 * After a change, no TLB may keep a host pointer or an MMIO/RAM decision of the old view.
 * A vCPU's TLB is flushed on its own thread: at once when the change comes from that
 * vCPU (an MMIO write moving a region), else when it next enters exec (it is kicked).
 */
static void tcg_accel_memory_commit(AccelState *accel)
{
    TcgAccel *ta = accel->opaque;
    CPUState *self = cpu_current();

    if (ta->ram_removed && ta->tcg) {
        /* Code may have come from RAM that is no longer there (or is other RAM now). */
        tcg_tb_flush(riscv_tcg_jit(ta->tcg));
    }
    ta->ram_removed = false;
    g_mutex_lock(&ta->lock);
    for (unsigned i = 0; i < ta->vcpus->len; i++) {
        TcgVcpu *v = g_ptr_array_index(ta->vcpus, i);

        if (ta->interp || !v->cs) {
            continue; /* the interpreter translates every access afresh */
        }
        if (v->cs == self) {
            tcg_tlb_flush(&v->cpu.tcg);
        } else {
            g_atomic_int_set(&v->tlb_flush_pending, 1);
            cpu_kick(v->cs);
        }
    }
    g_mutex_unlock(&ta->lock);
}

/* ---- vCPUs ---- */

/* An interrupt input changed (engine lock held, any thread). */
static void tcg_vcpu_set_irq(void *opaque, unsigned n, bool level)
{
    TcgVcpu *v = opaque;

    riscv_cpu_set_irq(&v->cpu, n, level);
    if (level) {
        g_mutex_lock(&v->ta->lock);
        if (v->cs) {
            cpu_wake(v->cs); /* ends a wfi halt; a running vCPU just looks again */
        }
        g_mutex_unlock(&v->ta->lock);
    }
}

static void tcg_vcpu_apply_boot_state(TcgVcpu *v, const RiscvHartConfig *cfg)
{
    v->cpu.reset_pc = cfg->reset_pc;
    riscv_cpu_reset(&v->cpu);
    v->cpu.env.x[10] = cfg->hartid;
    v->cpu.env.x[11] = cfg->boot_a1;
    /* Reset cleared mip; the wires still carry their levels. */
    for (unsigned i = 0; i < RISCV_HART_NR_IRQS; i++) {
        if (v->irq[i] && irq_get_level(v->irq[i])) {
            riscv_cpu_set_irq(&v->cpu, i, true);
        }
    }
}

static bool tcg_accel_create_vcpu(CPUState *cs, GError **errp)
{
    TcgAccel *ta = cs->accel->opaque;
    RiscvHartConfig *cfg = cs->arch;
    TcgVcpu *v;
    RiscvBus bus;

    if (!cfg || cfg->magic != RISCV_HART_CONFIG_MAGIC) {
        return hull_error_setg(errp, "the tcg accelerator runs RISC-V harts only");
    }
    v = g_new0(TcgVcpu, 1);
    v->cs = cs;
    v->ta = ta;
    v->asb = (RiscvAddressSpaceBus){
        .as = cs->accel->as,
        .get_time = cfg->get_time,
        .time_opaque = cfg->time_opaque,
        .stimecmp_changed = cfg->stimecmp_changed,
    };
    riscv_bus_init_address_space(&bus, &v->asb);
    riscv_cpu_init(&v->cpu, cfg->hartid, cfg->reset_pc, &bus);

    g_mutex_lock(&ta->lock);
    if (ta->tcg && !riscv_tcg_attach(ta->tcg, &v->cpu, errp)) {
        g_mutex_unlock(&ta->lock);
        g_free(v);
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(tcg_hart_irqs); i++) {
        unsigned n = tcg_hart_irqs[i];

        v->irq[n] = irq_line_new(tcg_vcpu_set_irq, v, n);
        cfg->irq[n] = v->irq[n];
    }
    g_ptr_array_add(ta->vcpus, v);
    g_mutex_unlock(&ta->lock);

    tcg_vcpu_apply_boot_state(v, cfg);
    cs->accel_data = v;
    return true;
}

/* The CPUState goes away before the hart (which the JIT and the IRQ lines still name). */
static void tcg_accel_destroy_vcpu(CPUState *cs)
{
    TcgVcpu *v = cs->accel_data;

    g_mutex_lock(&v->ta->lock);
    v->cs = NULL;
    g_mutex_unlock(&v->ta->lock);
}

static CpuExecResult tcg_accel_exec_interp(TcgVcpu *v)
{
    for (;;) {
        switch (riscv_interp_run(&v->cpu, TCG_INTERP_SLICE, NULL)) {
        case RISCV_EXIT_WFI:
            return CPU_EXEC_HALTED;
        case RISCV_EXIT_KICKED:
            return CPU_EXEC_EXIT;
        case RISCV_EXIT_BUDGET:
            if (g_atomic_int_get(&v->cs->exit_request)) {
                return CPU_EXEC_EXIT;
            }
            break;
        }
    }
}

static CpuExecResult tcg_accel_exec(CPUState *cs)
{
    TcgVcpu *v = cs->accel_data;

    if (v->ta->interp) {
        return tcg_accel_exec_interp(v);
    }
    if (g_atomic_int_get(&v->tlb_flush_pending)) {
        g_atomic_int_set(&v->tlb_flush_pending, 0);
        tcg_tlb_flush(&v->cpu.tcg);
    }
    switch (riscv_tcg_exec(&v->cpu)) {
    case TCG_EXEC_HALTED:
        return CPU_EXEC_HALTED;
    case TCG_EXEC_STOPPED:
        break;
    }
    return CPU_EXEC_EXIT;
}

static void tcg_accel_kick_vcpu(CPUState *cs)
{
    TcgVcpu *v = cs->accel_data;

    /* A vCPU still being created has nothing running to stop. */
    if (v) {
        riscv_cpu_kick(&v->cpu);
    }
}

static void tcg_accel_reset_vcpu(CPUState *cs)
{
    TcgVcpu *v = cs->accel_data;

    tcg_vcpu_apply_boot_state(v, cs->arch);
    if (v->ta->tcg) {
        tcg_tlb_flush(&v->cpu.tcg);
        /* Reset rewrites memory behind the JIT's back (firmware and kernel blobs), so
         * translations of what the guest had changed are stale. */
        if (cs->index == 0) {
            tcg_tb_flush(riscv_tcg_jit(v->ta->tcg));
        }
    }
}

static const AccelOps tcg_accel_ops = {
    .name = TCG_ACCEL_NAME,
    .description = "RISC-V harts on Hull's JIT (x86-64 host code) or its interpreter",
    .init_machine = tcg_accel_init_machine,
    .cleanup_machine = tcg_accel_cleanup_machine,
    .region_add = tcg_accel_region_add,
    .region_del = tcg_accel_region_del,
    .memory_commit = tcg_accel_memory_commit,
    .create_vcpu = tcg_accel_create_vcpu,
    .destroy_vcpu = tcg_accel_destroy_vcpu,
    .exec = tcg_accel_exec,
    .kick_vcpu = tcg_accel_kick_vcpu,
    .reset_vcpu = tcg_accel_reset_vcpu,
};
ACCEL_REGISTER(tcg_accel_ops)

/* ---- queries ---- */

bool tcg_accel_is_interp(const TcgAccel *ta)
{
    return ta->interp;
}

TCGJit *tcg_accel_jit(TcgAccel *ta)
{
    return ta->tcg ? riscv_tcg_jit(ta->tcg) : NULL;
}

const TCGJitOptions *tcg_accel_jit_options(const TcgAccel *ta)
{
    return &ta->jit_opts;
}

TcgAccel *tcg_accel_of(AccelState *accel)
{
    return accel && accel->ops == &tcg_accel_ops ? accel->opaque : NULL;
}

GArray *tcg_accel_vcpu_stats(TcgAccel *ta)
{
    GArray *list = g_array_new(false, true, sizeof(TcgAccelVcpuStats));

    g_mutex_lock(&ta->lock);
    for (unsigned i = 0; i < ta->vcpus->len; i++) {
        TcgVcpu *v = g_ptr_array_index(ta->vcpus, i);
        const TCGCPUStats *js = &v->cpu.tcg.stats;
        TcgAccelVcpuStats s;

        if (!v->cs) {
            continue;
        }
        s = (TcgAccelVcpuStats){
            .index = v->cs->index,
            .hartid = v->cpu.env.mhartid,
            .instructions = __atomic_load_n(&v->cpu.env.minstret, __ATOMIC_RELAXED),
            .pc = __atomic_load_n(&v->cpu.env.pc, __ATOMIC_RELAXED),
            .halted = v->cs->halted,
        };

        if (ta->tcg) {
            s.jit.tlb_misses = __atomic_load_n(&js->tlb_misses, __ATOMIC_RELAXED);
            s.jit.loop_exits = __atomic_load_n(&js->loop_exits, __ATOMIC_RELAXED);
            s.jit.exceptions = __atomic_load_n(&js->exceptions, __ATOMIC_RELAXED);
            s.jit.jc_misses = __atomic_load_n(&js->jc_misses, __ATOMIC_RELAXED);
        }
        g_array_append_val(list, s);
    }
    g_mutex_unlock(&ta->lock);
    return list;
}

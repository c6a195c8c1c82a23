/*
 * The RISC-V front end of the JIT: translation of decoded instructions into the IR, the
 * TCGFrontend callbacks (soft-MMU slow paths, interrupts) and the harts' binding to a JIT.
 */
#ifndef HULL_TCG_RISCV_TRANSLATE_H
#define HULL_TCG_RISCV_TRANSLATE_H

#include <glib.h>

#include "tcg/jit.h"
#include "tcg/riscv/cpu.h"

/*
 * TB flags: everything translation depends on. The privilege level (bits 0-1), the
 * privilege of loads and stores, which is also their MMU index (bits 2-3: differs under
 * mstatus.MPRV), the FS state (bits 4-5), and TCG_TB_FLAG_PHYS when fetches are not
 * translated (M mode, or satp.MODE = Bare), which lets blocks chain across pages.
 */
#define RISCV_TB_FLAGS_PRIV_MASK 3u
#define RISCV_TB_FLAGS_DATA_SHIFT 2
#define RISCV_TB_FLAG_FS_ON (1u << 4)    /* mstatus.FS != Off: FP instructions legal */
#define RISCV_TB_FLAG_FS_DIRTY (1u << 5) /* FS = Dirty: FP writes need not mark it */

/* The JIT of one machine's harts. */
typedef struct RiscvTcg RiscvTcg;

/* Creates the JIT (code buffer, TB cache) for up to max_harts harts. opts may be NULL. */
RiscvTcg *riscv_tcg_new(unsigned max_harts, const TCGJitOptions *opts, GError **errp);
void riscv_tcg_free(RiscvTcg *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RiscvTcg, riscv_tcg_free)

/* Binds a hart (already riscv_cpu_init'ed) to the JIT. From then on riscv_cpu_kick() and
 * riscv_cpu_set_irq() reach the JIT's execution loop. */
bool riscv_tcg_attach(RiscvTcg *t, RiscvCPU *cpu, GError **errp);

/*
 * Runs the hart on the calling thread until riscv_cpu_kick() (TCG_EXEC_STOPPED) or until
 * it waits in wfi with nothing pending (TCG_EXEC_HALTED: sleep until an enabled
 * interrupt is pending, i.e. riscv_cpu_wfi_wakeup(), then call again).
 */
TCGExecStatus riscv_tcg_exec(RiscvCPU *cpu);

TCGJit *riscv_tcg_jit(RiscvTcg *t);

/* The guest listing of the translation log (TCGFrontend.disas_guest; tcg/riscv/disas.c). */
char *riscv_tcg_disas_guest(void *env, uint64_t pc, uint32_t size);

/* The front end's callbacks, for tests that drive the JIT's lower layers. */
extern const TCGFrontend riscv_tcg_frontend_template;

/*
 * Emits the IR of one block at pc into s (after tcg_func_start) and returns its guest
 * length; exposed for unit tests of the emitted IR. A fetch fault on the first
 * instruction raises the guest exception (tcg_cpu_loop_exit), so outside the execution
 * loop the first instruction must be fetchable.
 */
uint32_t riscv_tcg_translate_block(TCGContext *s, void *env, uint64_t pc, uint32_t flags,
                                   unsigned max_insns);

#endif

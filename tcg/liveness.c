/*
 * Backward liveness over the op array: marks where each input dies (for the register
 * allocator) and removes ops without side effects whose results are never used.
 */
#include <glib.h>
#include <string.h>

#include "tcg/tcg.h"
#include "tcg/tcg-internal.h"

static bool call_is_pure(const TCGOp *op)
{
    unsigned flags = (unsigned)op->args[op->nb_oargs + op->nb_iargs + TCG_CALL_ARG_FLAGS];
    return (flags & TCG_CALL_PURE) == TCG_CALL_PURE;
}

static bool call_reads_globals(const TCGOp *op)
{
    unsigned flags = (unsigned)op->args[op->nb_oargs + op->nb_iargs + TCG_CALL_ARG_FLAGS];
    return !(flags & TCG_CALL_NO_READ_GLOBALS);
}

/* State at a basic-block boundary: globals and locals may be read later, normals not. */
static void live_at_bb_end(TCGContext *s, uint8_t *live)
{
    for (uint32_t i = 0; i < s->nb_temps; i++) {
        TCGTempKind k = s->temps[i].kind;
        live[i] = k == TCG_TEMP_GLOBAL || k == TCG_TEMP_LOCAL || k == TCG_TEMP_FIXED;
    }
}

static void globals_live(TCGContext *s, uint8_t *live)
{
    memset(live, 1, s->nb_globals);
}

void tcg_liveness(TCGContext *s)
{
    g_autofree uint8_t *live = g_malloc(s->nb_temps ? s->nb_temps : 1);

    /* After the last op: globals are synced by the block exit itself. */
    live_at_bb_end(s, live);
    for (uint32_t n = s->nb_ops; n-- > 0;) {
        TCGOp *op = &s->ops[n];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        unsigned no = op->nb_oargs, ni = op->nb_iargs;

        if (op->opc == INDEX_op_discard) {
            continue;
        }
        op->dead_args = 0;
        if (op->opc == INDEX_op_set_label || (def->flags & TCG_OPF_TB_END) ||
            op->opc == INDEX_op_br) {
            /* Nothing flows past here with normal temps alive. */
            live_at_bb_end(s, live);
        } else if (def->flags & TCG_OPF_BB_END) {
            /* A conditional branch: the fall-through keeps its state; the target (a label)
             * may read any global or local. */
            for (uint32_t i = 0; i < s->nb_temps; i++) {
                TCGTempKind k = s->temps[i].kind;
                live[i] |= k == TCG_TEMP_GLOBAL || k == TCG_TEMP_LOCAL || k == TCG_TEMP_FIXED;
            }
        }
        bool side_effects = (def->flags & (TCG_OPF_SIDE_EFFECTS | TCG_OPF_BB_END)) ||
                            (op->opc == INDEX_op_call && !call_is_pure(op));
        if (!side_effects && no) {
            bool any_live = false;
            for (unsigned i = 0; i < no; i++) {
                any_live |= live[op->args[i]];
            }
            if (!any_live) {
                op->opc = INDEX_op_discard;
                continue;
            }
        }
        for (unsigned i = 0; i < no; i++) {
            if (!live[op->args[i]]) {
                op->dead_args |= 1u << i;
            }
            live[op->args[i]] = 0;
        }
        if ((def->flags & TCG_OPF_READS_GLOBALS) ||
            (op->opc == INDEX_op_call && call_reads_globals(op))) {
            globals_live(s, live);
        }
        for (unsigned i = no; i < no + ni; i++) {
            if (!live[op->args[i]]) {
                op->dead_args |= 1u << i;
            }
        }
        for (unsigned i = no; i < no + ni; i++) {
            live[op->args[i]] = 1;
        }
    }
}

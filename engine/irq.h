/*
 * IRQ lines: a wire from a device's output pin to a receiver's input. The receiver
 * creates its input lines with a handler; senders only set levels. Engine lock held.
 */
#ifndef HULL_ENGINE_IRQ_H
#define HULL_ENGINE_IRQ_H

#include <glib.h>
#include <stdbool.h>

typedef struct IrqLine IrqLine;

/* Called on every level set (also repeated levels: a pulse is raise then lower). */
typedef void IrqHandler(void *opaque, unsigned n, bool level);

/* An input line `n` of a receiver (interrupt controller pin n, CPU irq n...). */
IrqLine *irq_line_new(IrqHandler *handler, void *opaque, unsigned n);
void irq_line_free(IrqLine *irq);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IrqLine, irq_line_free)

/* Inputs `first` .. `first + count - 1` of one receiver, as an array of lines. */
IrqLine **irq_lines_new(IrqHandler *handler, void *opaque, unsigned first, unsigned count);
void irq_lines_free(IrqLine **lines, unsigned count);

/* An unconnected pin is NULL: setting it does nothing, as a floating wire. */
void irq_set_level(IrqLine *irq, bool level);
void irq_raise(IrqLine *irq);
void irq_lower(IrqLine *irq);
void irq_pulse(IrqLine *irq);
/* The level last set (false for NULL). */
bool irq_get_level(const IrqLine *irq);

/*
 * Combiners. An OR gate drives `out` high while any of its inputs is high; a splitter
 * copies its one input to every output. They own their input lines and do not own the
 * lines they drive.
 */
typedef struct IrqOrGate IrqOrGate;
IrqOrGate *irq_or_gate_new(IrqLine *out, unsigned n_inputs);
IrqLine *irq_or_gate_input(IrqOrGate *gate, unsigned i);
void irq_or_gate_free(IrqOrGate *gate);

typedef struct IrqSplitter IrqSplitter;
IrqSplitter *irq_splitter_new(IrqLine *const *outs, unsigned n_outs);
IrqLine *irq_splitter_input(IrqSplitter *splitter);
void irq_splitter_free(IrqSplitter *splitter);

#endif

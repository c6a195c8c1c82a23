/*
 * IRQ lines and the two combiners (OR gate, splitter) boards need to wire devices.
 */
#include "engine/irq.h"

struct IrqLine {
    IrqHandler *handler;
    void *opaque;
    unsigned n;
    bool level;
};

IrqLine *irq_line_new(IrqHandler *handler, void *opaque, unsigned n)
{
    IrqLine *irq = g_new0(IrqLine, 1);

    g_assert(handler);
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

void irq_line_free(IrqLine *irq)
{
    g_free(irq);
}

IrqLine **irq_lines_new(IrqHandler *handler, void *opaque, unsigned first, unsigned count)
{
    IrqLine **lines = g_new0(IrqLine *, count);

    for (unsigned i = 0; i < count; i++) {
        lines[i] = irq_line_new(handler, opaque, first + i);
    }
    return lines;
}

void irq_lines_free(IrqLine **lines, unsigned count)
{
    if (!lines) {
        return;
    }
    for (unsigned i = 0; i < count; i++) {
        irq_line_free(lines[i]);
    }
    g_free(lines);
}

void irq_set_level(IrqLine *irq, bool level)
{
    if (!irq) {
        return;
    }
    irq->level = level;
    irq->handler(irq->opaque, irq->n, level);
}

void irq_raise(IrqLine *irq)
{
    irq_set_level(irq, true);
}

void irq_lower(IrqLine *irq)
{
    irq_set_level(irq, false);
}

void irq_pulse(IrqLine *irq)
{
    irq_set_level(irq, true);
    irq_set_level(irq, false);
}

bool irq_get_level(const IrqLine *irq)
{
    return irq && irq->level;
}

struct IrqOrGate {
    IrqLine *out;
    IrqLine **inputs;
    bool *input_high;
    unsigned n_inputs;
    unsigned n_high;
};

static void irq_or_gate_handler(void *opaque, unsigned n, bool level)
{
    IrqOrGate *gate = opaque;
    bool was_high = gate->n_high > 0;

    if (gate->input_high[n] == level) {
        return;
    }
    gate->input_high[n] = level;
    gate->n_high += level ? 1 : -1;
    if ((gate->n_high > 0) != was_high) {
        irq_set_level(gate->out, gate->n_high > 0);
    }
}

IrqOrGate *irq_or_gate_new(IrqLine *out, unsigned n_inputs)
{
    IrqOrGate *gate = g_new0(IrqOrGate, 1);

    gate->out = out;
    gate->n_inputs = n_inputs;
    gate->inputs = g_new0(IrqLine *, n_inputs);
    gate->input_high = g_new0(bool, n_inputs);
    for (unsigned i = 0; i < n_inputs; i++) {
        gate->inputs[i] = irq_line_new(irq_or_gate_handler, gate, i);
    }
    return gate;
}

IrqLine *irq_or_gate_input(IrqOrGate *gate, unsigned i)
{
    g_assert(i < gate->n_inputs);
    return gate->inputs[i];
}

void irq_or_gate_free(IrqOrGate *gate)
{
    if (!gate) {
        return;
    }
    for (unsigned i = 0; i < gate->n_inputs; i++) {
        irq_line_free(gate->inputs[i]);
    }
    g_free(gate->inputs);
    g_free(gate->input_high);
    g_free(gate);
}

struct IrqSplitter {
    IrqLine *input;
    IrqLine **outs;
    unsigned n_outs;
};

static void irq_splitter_handler(void *opaque, unsigned n, bool level)
{
    IrqSplitter *splitter = opaque;

    for (unsigned i = 0; i < splitter->n_outs; i++) {
        irq_set_level(splitter->outs[i], level);
    }
}

IrqSplitter *irq_splitter_new(IrqLine *const *outs, unsigned n_outs)
{
    IrqSplitter *splitter = g_new0(IrqSplitter, 1);

    splitter->outs = g_memdup2(outs, n_outs * sizeof(IrqLine *));
    splitter->n_outs = n_outs;
    splitter->input = irq_line_new(irq_splitter_handler, splitter, 0);
    return splitter;
}

IrqLine *irq_splitter_input(IrqSplitter *splitter)
{
    return splitter->input;
}

void irq_splitter_free(IrqSplitter *splitter)
{
    if (!splitter) {
        return;
    }
    irq_line_free(splitter->input);
    g_free(splitter->outs);
    g_free(splitter);
}

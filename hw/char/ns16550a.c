/*
 * The 16550A UART: registers, divisor latch, 16-byte FIFOs, the interrupt priorities Linux's
 * 8250 driver relies on, loopback, and a receive timeout. Transmission is immediate: each
 * byte written goes to the chardev at once (which never blocks), so THR is always empty.
 */
#include "hw/char/ns16550a.h"

#include "engine/timer.h"
#include "util/error.h"

/* Register numbers (the offset is reg << regshift). DLAB selects DLL/DLM at 0 and 1. */
enum {
    UART_RBR = 0, /* read: receive buffer; write: THR */
    UART_IER = 1,
    UART_IIR = 2, /* read: interrupt identification; write: FCR */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
    UART_DLL = 0,
    UART_DLM = 1,
};

#define UART_IER_RDI  0x01 /* received data available (and the FIFO timeout) */
#define UART_IER_THRI 0x02 /* transmit holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */
#define UART_IER_MASK 0x0f

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_RLSI   0x06
#define UART_IIR_CTI    0x0c /* character timeout (FIFO mode) */
#define UART_IIR_FIFOS  0xc0 /* both bits set: FIFOs enabled (a 16550A) */

#define UART_FCR_ENABLE     0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_FCR_DMA        0x08
#define UART_FCR_TRIGGER    0xc0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR     0x01
#define UART_LSR_OE     0x02
#define UART_LSR_PE     0x04
#define UART_LSR_FE     0x08
#define UART_LSR_BI     0x10
#define UART_LSR_THRE   0x20
#define UART_LSR_TEMT   0x40
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS   0x01
#define UART_MSR_DDSR   0x02
#define UART_MSR_TERI   0x04
#define UART_MSR_DDCD   0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS    0x10
#define UART_MSR_DSR    0x20
#define UART_MSR_RI     0x40
#define UART_MSR_DCD    0x80

/* The divisor after reset (9600 baud from a 115200 base). */
#define UART_RESET_DIVISOR 0x0c
/* Bit times a character occupies on the line (start, 8 data, stop), for the timeout. */
#define UART_CHAR_BITS 10

struct SerialState {
    DeviceState parent_obj;

    /* Properties. */
    Object *chr;
    uint64_t regshift;
    uint64_t baudbase;

    /* Wiring, set up at realize. */
    IrqLine *irq;
    MemoryRegion *mmio;
    Timer *timeout_timer;
    bool fe_attached;
    bool input_stalled; /* can_receive said 0: tell the backend when there is room */

    /* Registers. */
    uint16_t divisor;
    uint8_t ier;
    uint8_t fcr; /* what FCR holds: enable, DMA mode, trigger level */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t lsr_errors; /* OE/PE/FE/BI, cleared by reading LSR */
    uint8_t msr;
    uint8_t scr;
    bool thr_ipending;     /* THRE interrupt raised and not yet acknowledged */
    bool timeout_ipending; /* FIFO character timeout */

    /* Receive FIFO (one byte deep when FIFOs are disabled). */
    uint8_t rx[SERIAL_FIFO_SIZE];
    unsigned rx_head;
    unsigned rx_count;
};

/* ---- receive FIFO and interrupts ---- */

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & UART_FCR_ENABLE;
}

static unsigned serial_rx_capacity(const SerialState *s)
{
    return serial_fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger(const SerialState *s)
{
    static const unsigned levels[4] = {1, 4, 8, 14};

    return serial_fifo_enabled(s) ? levels[(s->fcr & UART_FCR_TRIGGER) >> 6] : 1;
}

/* The highest-priority interrupt the UART asserts, as IIR's identification bits. */
static uint8_t serial_iid(const SerialState *s)
{
    if ((s->ier & UART_IER_RLSI) && s->lsr_errors) {
        return UART_IIR_RLSI;
    }
    if ((s->ier & UART_IER_RDI) && s->rx_count >= serial_rx_trigger(s)) {
        return UART_IIR_RDI;
    }
    if ((s->ier & UART_IER_RDI) && s->timeout_ipending) {
        return UART_IIR_CTI;
    }
    if ((s->ier & UART_IER_THRI) && s->thr_ipending) {
        return UART_IIR_THRI;
    }
    if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_DELTAS)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    irq_set_level(s->irq, serial_iid(s) != UART_IIR_NO_INT);
}

/* Four character times at the programmed speed, as a 16550A waits before a timeout. */
static int64_t serial_char_timeout_ns(const SerialState *s)
{
    uint64_t divisor = s->divisor ? s->divisor : 1;

    return (int64_t)(4 * UART_CHAR_BITS * divisor * G_GUINT64_CONSTANT(1000000000) /
                     s->baudbase);
}

/* New data or a read: the timeout restarts while data waits below the trigger level. */
static void serial_rearm_timeout(SerialState *s)
{
    s->timeout_ipending = false;
    if (!s->timeout_timer) {
        return;
    }
    if (serial_fifo_enabled(s) && s->rx_count) {
        timer_mod(s->timeout_timer,
                  clock_get_ns(HULL_CLOCK_VIRTUAL) + serial_char_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void serial_timeout(void *opaque)
{
    SerialState *s = opaque;

    if (serial_fifo_enabled(s) && s->rx_count) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_push(SerialState *s, uint8_t byte)
{
    if (s->rx_count == serial_rx_capacity(s)) {
        s->lsr_errors |= UART_LSR_OE; /* the byte is lost, as on the wire */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
    s->rx_count++;
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
}

/* Room appeared in the receiver: let the backend deliver what it holds back. */
static void serial_accept_input(SerialState *s)
{
    if (s->input_stalled && s->fe_attached) {
        s->input_stalled = false;
        chardev_accept_input(CHARDEV(s->chr));
    }
}

/* ---- modem lines ---- */

/* CTS/DSR/RI/DCD: in loopback they follow RTS/DTR/OUT1/OUT2, else the line is "up". */
static uint8_t serial_modem_status(const SerialState *s)
{
    uint8_t lines = 0;

    if (!(s->mcr & UART_MCR_LOOP)) {
        return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
    }
    lines |= (s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0;
    lines |= (s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0;
    lines |= (s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0;
    lines |= (s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0;
    return lines;
}

static void serial_update_msr(SerialState *s)
{
    uint8_t old = s->msr & ~UART_MSR_DELTAS;
    uint8_t lines = serial_modem_status(s);
    uint8_t changed = old ^ lines;
    uint8_t deltas = s->msr & UART_MSR_DELTAS;

    deltas |= (changed & UART_MSR_CTS) ? UART_MSR_DCTS : 0;
    deltas |= (changed & UART_MSR_DSR) ? UART_MSR_DDSR : 0;
    deltas |= (changed & UART_MSR_DCD) ? UART_MSR_DDCD : 0;
    /* TERI: the trailing edge of RI only. */
    deltas |= ((old & UART_MSR_RI) && !(lines & UART_MSR_RI)) ? UART_MSR_TERI : 0;
    s->msr = lines | deltas;
}

/* ---- register access ---- */

static void serial_transmit(SerialState *s, uint8_t byte)
{
    if (s->mcr & UART_MCR_LOOP) {
        serial_rx_push(s, byte);
        serial_rearm_timeout(s);
    } else if (s->fe_attached) {
        chardev_write(CHARDEV(s->chr), &byte, 1);
    }
    /* The byte left at once: THR is empty again and says so. */
    s->thr_ipending = true;
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if ((val ^ s->fcr) & UART_FCR_ENABLE) {
        /* Switching the FIFOs on or off empties them. */
        serial_rx_clear(s);
    }
    if (!(val & UART_FCR_ENABLE)) {
        s->fcr = 0;
    } else {
        if (val & UART_FCR_CLEAR_RCVR) {
            serial_rx_clear(s);
        }
        /* CLEAR_XMIT: the transmitter never holds anything. */
        s->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
    }
    serial_rearm_timeout(s);
    serial_accept_input(s);
}

static void serial_write(SerialState *s, unsigned reg, uint8_t val)
{
    bool dlab = s->lcr & UART_LCR_DLAB;

    switch (reg) {
    case UART_RBR:
        if (dlab) {
            s->divisor = (s->divisor & 0xff00) | val;
        } else {
            serial_transmit(s, val);
        }
        break;
    case UART_IER:
        if (dlab) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (val << 8));
        } else {
            uint8_t enabled = val & ~s->ier;

            s->ier = val & UART_IER_MASK;
            /* Enabling the THRE interrupt while THR is empty raises it (Linux's 8250
             * driver tests exactly this at start-up). */
            if (enabled & UART_IER_THRI) {
                s->thr_ipending = true;
            }
        }
        break;
    case UART_IIR:
        serial_write_fcr(s, val);
        break;
    case UART_LCR:
        s->lcr = val;
        break;
    case UART_MCR:
        if ((s->mcr ^ val) & UART_MCR_LOOP) {
            /* Bytes looped back and outside input do not mix. */
            serial_rx_clear(s);
            serial_rearm_timeout(s);
        }
        s->mcr = val & UART_MCR_MASK;
        serial_update_msr(s);
        serial_accept_input(s);
        break;
    case UART_LSR:
    case UART_MSR:
        break; /* read-only (factory test modes are not emulated) */
    case UART_SCR:
        s->scr = val;
        break;
    }
    serial_update_irq(s);
}

static uint8_t serial_read(SerialState *s, unsigned reg)
{
    bool dlab = s->lcr & UART_LCR_DLAB;
    uint8_t val = 0;

    switch (reg) {
    case UART_RBR:
        if (dlab) {
            return s->divisor & 0xff;
        }
        if (s->rx_count) {
            val = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
            s->rx_count--;
            serial_rearm_timeout(s);
            serial_accept_input(s);
        }
        break;
    case UART_IER:
        return dlab ? s->divisor >> 8 : s->ier;
    case UART_IIR:
        val = serial_iid(s);
        if (val == UART_IIR_THRI) {
            s->thr_ipending = false; /* reading IIR acknowledges a THRE interrupt */
        }
        val |= serial_fifo_enabled(s) ? UART_IIR_FIFOS : 0;
        break;
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        val = s->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;
        val |= s->rx_count ? UART_LSR_DR : 0;
        s->lsr_errors = 0;
        break;
    case UART_MSR:
        val = s->msr;
        s->msr &= ~UART_MSR_DELTAS;
        break;
    case UART_SCR:
        return s->scr;
    }
    serial_update_irq(s);
    return val;
}

/* Registers are one byte wide at the low address of each 1 << regshift slot; the other
 * bytes of a slot read as zero and ignore writes. */
static MemTxResult serial_mmio_read(void *opaque, uint64_t offset, unsigned size,
                                    uint64_t *value)
{
    SerialState *s = opaque;
    uint64_t slot = UINT64_C(1) << s->regshift;

    *value = (offset & (slot - 1)) ? 0 : serial_read(s, (unsigned)(offset >> s->regshift));
    return MEMTX_OK;
}

static MemTxResult serial_mmio_write(void *opaque, uint64_t offset, unsigned size,
                                     uint64_t value)
{
    SerialState *s = opaque;
    uint64_t slot = UINT64_C(1) << s->regshift;

    if (!(offset & (slot - 1))) {
        serial_write(s, (unsigned)(offset >> s->regshift), (uint8_t)value);
    }
    return MEMTX_OK;
}

static const MemoryRegionOps serial_mmio_ops = {
    .read = serial_mmio_read,
    .write = serial_mmio_write,
    .endianness = MEMORY_ENDIAN_LITTLE,
    .valid = {.min_size = 1, .max_size = 4},
};

/* ---- chardev frontend ---- */

static size_t serial_can_receive(void *opaque)
{
    SerialState *s = opaque;
    /* In loopback the receiver hears only the transmitter. */
    size_t room = (s->mcr & UART_MCR_LOOP) ? 0 : serial_rx_capacity(s) - s->rx_count;

    if (!room) {
        s->input_stalled = true;
    }
    return room;
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;

    for (size_t i = 0; i < len; i++) {
        serial_rx_push(s, buf[i]);
    }
    serial_rearm_timeout(s);
    serial_update_irq(s);
}

static const ChardevFrontendOps serial_fe_ops = {
    .can_receive = serial_can_receive,
    .receive = serial_receive,
};

/* ---- reset, realize, properties, type ---- */

static void serial_reset(DeviceState *dev)
{
    SerialState *s = SERIAL(dev);

    s->divisor = UART_RESET_DIVISOR;
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->lsr_errors = 0;
    s->scr = 0;
    s->thr_ipending = false;
    s->msr = serial_modem_status(s);
    serial_rx_clear(s);
    serial_rearm_timeout(s);
    serial_update_irq(s);
    serial_accept_input(s);
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = SERIAL(dev);

    if (!s->baudbase) {
        return hull_error_setg(errp, "serial: 'baudbase' must be at least 1");
    }
    if (s->chr) {
        if (!chardev_attach_frontend(CHARDEV(s->chr), &serial_fe_ops, s, errp)) {
            return false;
        }
        s->fe_attached = true;
    }
    s->mmio = memory_region_new_mmio("serial", UINT64_C(8) << s->regshift, &serial_mmio_ops, s);
    /* The region may outlive the device's tree position while a view still holds it. */
    memory_region_set_owner(s->mmio, object_ref(OBJECT(s)), (GDestroyNotify)object_unref);
    s->timeout_timer = timer_new(HULL_CLOCK_VIRTUAL, serial_timeout, s);
    serial_reset(dev);
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = SERIAL(dev);

    if (s->fe_attached) {
        chardev_detach_frontend(CHARDEV(s->chr));
        s->fe_attached = false;
    }
    g_clear_pointer(&s->timeout_timer, timer_free);
    /* A mapping keeps the region (and through its owner, this device) alive. */
    g_clear_pointer(&s->mmio, memory_region_unref);
}

SerialState *serial_new(Chardev *chr, unsigned regshift, IrqLine *irq, GError **errp)
{
    g_autoptr(Object) obj = object_new(TYPE_SERIAL, errp);

    if (!obj || !object_property_set_uint(obj, "regshift", regshift, errp)) {
        return NULL;
    }
    if (chr && !object_property_set_link(obj, "chardev", OBJECT(chr), errp)) {
        return NULL;
    }
    SERIAL(obj)->irq = irq;
    return SERIAL(g_steal_pointer(&obj));
}

void serial_set_irq(SerialState *s, IrqLine *irq)
{
    s->irq = irq;
    serial_update_irq(s);
}

MemoryRegion *serial_get_region(SerialState *s)
{
    return s->mmio;
}

static void serial_instance_init(Object *obj)
{
    SerialState *s = SERIAL(obj);

    device_declare_irq_outputs(DEVICE(s), "irq", &s->irq, 1);
}

static void serial_class_init(ObjectClass *klass)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = serial_realize;
    dc->unrealize = serial_unrealize;
    dc->reset = serial_reset;
}

static const Property serial_props[] = {
    PROP_CHARDEV("chardev", SerialState, chr, "the backend for input and output"),
    PROP_UINT("regshift", SerialState, regshift, 0,
              "registers are 1 << regshift bytes apart (0: byte registers, 2: 32-bit)",
              .umax = 4),
    PROP_UINT("baudbase", SerialState, baudbase, 115200,
              "the bit rate at divisor 1 (input clock / 16); sets the receive timeout",
              .umax = 1000000000),
    PROP_END,
};

static const TypeInfo serial_type_info = {
    .name = TYPE_SERIAL,
    .parent = TYPE_DEVICE,
    .description = "16550A UART (8250-compatible) with 16-byte FIFOs",
    .instance_size = sizeof(SerialState),
    .instance_init = serial_instance_init,
    .class_init = serial_class_init,
    .properties = serial_props,
};
TYPE_REGISTER(serial_type_info)

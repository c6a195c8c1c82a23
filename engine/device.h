/*
 * The device base type: realize/unrealize/reset hooks, an optional user id, and where
 * devices live in the composition tree (/machine/peripheral/<id> or
 * /machine/unattached/device[N]).
 */
#ifndef HULL_ENGINE_DEVICE_H
#define HULL_ENGINE_DEVICE_H

#include "engine/irq.h"
#include "engine/object.h"

#define TYPE_DEVICE "device"

typedef struct DeviceState {
    Object parent_obj;
    char *id;         /* the user's id, or NULL */
    GArray *irq_outs; /* DeviceIrqOutputs registered by the device, or NULL */
} DeviceState;

/* A named group of interrupt outputs: pins[i] is the field where the device keeps the
 * line it drives (the board stores the receiver's line there). */
typedef struct DeviceIrqOutputs {
    char *name;
    IrqLine **pins;
    unsigned n;
} DeviceIrqOutputs;

typedef struct DeviceClass {
    ObjectClass parent_class;
    bool user_creatable; /* may be created by device_add */
    bool hotpluggable;   /* device_add/device_del also while the machine runs or is paused
                            (the board's plug/unplug hooks must cope with a live machine) */
    bool (*realize)(DeviceState *dev, GError **errp);
    void (*unrealize)(DeviceState *dev);
    void (*reset)(DeviceState *dev);
} DeviceClass;

#define DEVICE(obj)           OBJECT_CHECK(DeviceState, (obj), TYPE_DEVICE)
#define DEVICE_GET_CLASS(obj) OBJECT_GET_CLASS(DeviceClass, (obj), TYPE_DEVICE)
#define DEVICE_CLASS(klass)   ((DeviceClass *)object_class_dynamic_cast((klass), TYPE_DEVICE))

/* An id as QMP accepts it: a letter, then letters, digits, '-', '.', '_'. */
bool id_wellformed(const char *id);

/*
 * Places a new device in the tree: /machine/peripheral/<id> with an id, else
 * /machine/unattached/device[N]. The machine object must exist at /machine. Fails
 * (changing nothing) on a malformed or duplicate id.
 */
bool device_attach(DeviceState *dev, const char *id, GError **errp);

/* The same for a user's device (device_add): without an id it goes to
 * /machine/peripheral-anon/device[N], as in QEMU. */
bool device_attach_user(DeviceState *dev, const char *id, GError **errp);

/* Declares interrupt outputs (in instance_init, or in realize for per-hart arrays), so
 * that tests can intercept them (qtest-irq-intercept). `pins` points into the device's
 * state; the name is copied. */
void device_declare_irq_outputs(DeviceState *dev, const char *name, IrqLine **pins,
                                unsigned n);
/* Forgets every declared output (an unrealize that frees the pins calls it). */
void device_clear_irq_outputs(DeviceState *dev);

bool device_realize(DeviceState *dev, GError **errp);
void device_unrealize(DeviceState *dev);
void device_reset(DeviceState *dev);

#endif

/*
 * The device base type and its place in the composition tree.
 */
#include "engine/device.h"

#include "util/error.h"

static bool device_object_realize(Object *obj, GError **errp)
{
    DeviceClass *dc = DEVICE_GET_CLASS(obj);

    return !dc->realize || dc->realize(DEVICE(obj), errp);
}

static void device_object_unrealize(Object *obj)
{
    DeviceClass *dc = DEVICE_GET_CLASS(obj);

    if (dc->unrealize) {
        dc->unrealize(DEVICE(obj));
    }
}

static void device_class_init(ObjectClass *klass)
{
    klass->realize = device_object_realize;
    klass->unrealize = device_object_unrealize;
}

static void device_finalize(Object *obj)
{
    DeviceState *dev = DEVICE(obj);

    g_free(dev->id);
    device_clear_irq_outputs(dev);
}

void device_clear_irq_outputs(DeviceState *dev)
{
    if (!dev->irq_outs) {
        return;
    }
    for (guint i = 0; i < dev->irq_outs->len; i++) {
        g_free(g_array_index(dev->irq_outs, DeviceIrqOutputs, i).name);
    }
    g_clear_pointer(&dev->irq_outs, g_array_unref);
}

void device_declare_irq_outputs(DeviceState *dev, const char *name, IrqLine **pins,
                                unsigned n)
{
    DeviceIrqOutputs out = {.name = g_strdup(name), .pins = pins, .n = n};

    if (!dev->irq_outs) {
        dev->irq_outs = g_array_new(false, false, sizeof(DeviceIrqOutputs));
    }
    g_array_append_val(dev->irq_outs, out);
}

static const TypeInfo device_type_info = {
    .name = TYPE_DEVICE,
    .parent = TYPE_OBJECT,
    .description = "the base of every device",
    .abstract = true,
    .instance_size = sizeof(DeviceState),
    .class_size = sizeof(DeviceClass),
    .class_init = device_class_init,
    .instance_finalize = device_finalize,
};
TYPE_REGISTER(device_type_info)

bool id_wellformed(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_') {
            return false;
        }
    }
    return true;
}

bool device_attach(DeviceState *dev, const char *id, GError **errp)
{
    Object *machine = object_resolve_path("/machine", NULL, NULL);

    if (!machine) {
        return hull_error_setg(errp, "there is no machine to attach the device to");
    }
    if (!id) {
        return object_add_child(object_get_container("/machine/unattached"), "device[*]",
                                OBJECT(dev), errp);
    }
    if (!id_wellformed(id)) {
        return hull_error_setg(errp, "invalid device id '%s': it must start with a letter and "
                               "contain only letters, digits, '-', '.', '_'", id);
    }
    if (object_get_child(object_get_container("/machine/peripheral"), id)) {
        return hull_error_setg(errp, "duplicate device id '%s'", id);
    }
    if (!object_add_child(object_get_container("/machine/peripheral"), id, OBJECT(dev), errp)) {
        return false;
    }
    dev->id = g_strdup(id);
    return true;
}

bool device_attach_user(DeviceState *dev, const char *id, GError **errp)
{
    if (id) {
        return device_attach(dev, id, errp);
    }
    if (!object_resolve_path("/machine", NULL, NULL)) {
        return hull_error_setg(errp, "there is no machine to attach the device to");
    }
    return object_add_child(object_get_container("/machine/peripheral-anon"), "device[*]",
                            OBJECT(dev), errp);
}

bool device_realize(DeviceState *dev, GError **errp)
{
    return object_realize(OBJECT(dev), errp);
}

void device_unrealize(DeviceState *dev)
{
    object_unrealize(OBJECT(dev));
}

void device_reset(DeviceState *dev)
{
    DeviceClass *dc = DEVICE_GET_CLASS(dev);

    if (dc->reset) {
        dc->reset(dev);
    }
}

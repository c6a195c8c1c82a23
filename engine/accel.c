/*
 * The accelerator registry and the per-machine accelerator instance, which forwards
 * memory topology changes to the accelerator's hooks.
 */
#include "engine/accel.h"

#include "util/error.h"
#include "util/log.h"

/* Filled by constructors at start-up; read-only afterwards. */
static GPtrArray *accel_registry;

bool accel_register(const AccelOps *ops)
{
    g_assert(ops->name && ops->exec);
    if (accel_find(ops->name)) {
        return false;
    }
    if (!accel_registry) {
        accel_registry = g_ptr_array_new();
    }
    g_ptr_array_add(accel_registry, (gpointer)ops);
    return true;
}

const AccelOps *accel_find(const char *name)
{
    if (!accel_registry || !name) {
        return NULL;
    }
    for (unsigned i = 0; i < accel_registry->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accel_registry, i);

        if (g_str_equal(ops->name, name)) {
            return ops;
        }
    }
    return NULL;
}

static bool accel_probe(const AccelOps *ops, char **reason)
{
    *reason = NULL;
    if (!ops->probe) {
        return true;
    }
    if (ops->probe(reason)) {
        g_clear_pointer(reason, g_free);
        return true;
    }
    if (!*reason) {
        *reason = g_strdup("not usable on this host");
    }
    return false;
}

static gint accel_info_compare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(((const AccelStatus *)a)->name, ((const AccelStatus *)b)->name);
}

static void accel_info_clear(gpointer data)
{
    g_free(((AccelStatus *)data)->reason);
}

GArray *accel_query_all(void)
{
    GArray *list = g_array_new(false, true, sizeof(AccelStatus));

    g_array_set_clear_func(list, accel_info_clear);
    for (unsigned i = 0; accel_registry && i < accel_registry->len; i++) {
        const AccelOps *ops = g_ptr_array_index(accel_registry, i);
        AccelStatus info = {.name = ops->name, .description = ops->description};

        info.usable = accel_probe(ops, &info.reason);
        g_array_append_val(list, info);
    }
    g_array_sort(list, accel_info_compare);
    return list;
}

void accel_info_list_free(GArray *list)
{
    g_array_free(list, true);
}

static void accel_listener_add(MemoryListener *l, const MemorySection *section)
{
    AccelState *accel = l->opaque;

    accel->ops->region_add(accel, section);
}

static void accel_listener_del(MemoryListener *l, const MemorySection *section)
{
    AccelState *accel = l->opaque;

    accel->ops->region_del(accel, section);
}

static void accel_listener_commit(MemoryListener *l)
{
    AccelState *accel = l->opaque;

    accel->ops->memory_commit(accel);
}

AccelState *accel_new(const char *name, AddressSpace *as, GError **errp)
{
    const AccelOps *ops = accel_find(name);
    g_autofree char *reason = NULL;
    AccelState *accel;

    if (!ops) {
        hull_error_setg(errp, "unknown accelerator '%s'", name);
        return NULL;
    }
    if (!accel_probe(ops, &reason)) {
        hull_error_setg(errp, "accelerator '%s' is not usable: %s", name, reason);
        return NULL;
    }
    accel = g_new0(AccelState, 1);
    accel->ops = ops;
    accel->as = as;
    if (ops->init_machine && !ops->init_machine(accel, errp)) {
        g_free(accel);
        return NULL;
    }
    if (ops->region_add || ops->region_del || ops->memory_commit) {
        accel->listener = (MemoryListener){
            .region_add = ops->region_add ? accel_listener_add : NULL,
            .region_del = ops->region_del ? accel_listener_del : NULL,
            .commit = ops->memory_commit ? accel_listener_commit : NULL,
            .opaque = accel,
        };
        address_space_add_listener(as, &accel->listener);
        accel->listening = true;
    }
    hull_info("accel", "accelerator %s initialised", ops->name);
    return accel;
}

void accel_free(AccelState *accel)
{
    if (!accel) {
        return;
    }
    if (accel->listening) {
        address_space_remove_listener(accel->as, &accel->listener);
    }
    if (accel->ops->cleanup_machine) {
        accel->ops->cleanup_machine(accel);
    }
    g_free(accel);
}

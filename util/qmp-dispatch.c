/*
 * QMP command registry and request dispatch (envelope checks, phase and OOB rules,
 * response building).
 */
#include "util/qmp-dispatch.h"

#include <string.h>

#include "util/error.h"

struct QmpCommandList {
    GHashTable *by_name; /* name -> QmpCommand, borrowed from order */
    GPtrArray *order;    /* QmpCommand, owned */
    const QEnumLookup *phases;
};

static void command_free(gpointer data)
{
    QmpCommand *cmd = data;

    g_free(cmd->name);
    g_free(cmd);
}

QmpCommandList *qmp_command_list_new(void)
{
    QmpCommandList *cmds = g_new0(QmpCommandList, 1);

    cmds->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    cmds->order = g_ptr_array_new_with_free_func(command_free);
    return cmds;
}

void qmp_command_list_free(QmpCommandList *cmds)
{
    if (!cmds) {
        return;
    }
    g_hash_table_destroy(cmds->by_name);
    g_ptr_array_free(cmds->order, true);
    g_free(cmds);
}

void qmp_command_list_set_phase_lookup(QmpCommandList *cmds, const QEnumLookup *phases)
{
    cmds->phases = phases;
}

void qmp_register_command(QmpCommandList *cmds, const char *name, QmpMarshalFunc *fn,
                          QmpCommandOptions options, uint64_t phases)
{
    QmpCommand *cmd;

    g_assert(fn != NULL);
    g_assert(!g_hash_table_contains(cmds->by_name, name));
    cmd = g_new0(QmpCommand, 1);
    cmd->name = g_strdup(name);
    cmd->fn = fn;
    cmd->options = options;
    cmd->phases = phases;
    cmd->enabled = true;
    g_ptr_array_add(cmds->order, cmd);
    g_hash_table_insert(cmds->by_name, cmd->name, cmd);
}

const QmpCommand *qmp_find_command(const QmpCommandList *cmds, const char *name)
{
    return g_hash_table_lookup(cmds->by_name, name);
}

void qmp_for_each_command(const QmpCommandList *cmds, QmpCommandIterFunc *fn, void *opaque)
{
    for (guint i = 0; i < cmds->order->len; i++) {
        fn(g_ptr_array_index(cmds->order, i), opaque);
    }
}

bool qmp_command_set_enabled(QmpCommandList *cmds, const char *name, bool enabled)
{
    QmpCommand *cmd = g_hash_table_lookup(cmds->by_name, name);

    if (!cmd) {
        return false;
    }
    cmd->enabled = enabled;
    return true;
}

bool qmp_command_allowed_in_phase(const QmpCommand *cmd, int phase)
{
    if (cmd->phases == QMP_PHASES_ALL) {
        return true;
    }
    return phase >= 0 && phase < 64 && (cmd->phases & QMP_PHASE_BIT(phase));
}

static char *phase_name(const QmpCommandList *cmds, int phase)
{
    const char *name = cmds->phases ? qapi_enum_lookup(cmds->phases, phase) : NULL;

    return name ? g_strdup(name) : g_strdup_printf("%d", phase);
}

static bool error_wrong_phase(const QmpCommandList *cmds, const QmpCommand *cmd, int phase,
                              GError **errp)
{
    g_autoptr(GString) allowed = g_string_new(NULL);
    g_autofree char *current = phase_name(cmds, phase);

    for (int i = 0; i < 64; i++) {
        if (cmd->phases & QMP_PHASE_BIT(i)) {
            g_autofree char *name = NULL;

            if (cmds->phases && i >= cmds->phases->size) {
                break;
            }
            name = phase_name(cmds, i);
            g_string_append_printf(allowed, "%s%s", allowed->len ? ", " : "", name);
        }
    }
    return hull_error_setg(errp, "The command %s is not available in phase '%s' "
                           "(allowed phases: %s)", cmd->name, current, allowed->str);
}

/* The first member of o (in request order) that is not in known, or NULL. */
static const char *first_unknown_member(JsonObject *o, const char *const *known)
{
    g_autoptr(GList) names = json_object_get_members(o);

    for (GList *l = names; l; l = l->next) {
        if (!qapi_name_in(known, l->data)) {
            return l->data;
        }
    }
    return NULL;
}

static bool check_string_member(JsonObject *req, const char *key, GError **errp)
{
    JsonNode *value = json_object_get_member(req, key);

    if (value && !(JSON_NODE_HOLDS_VALUE(value) &&
                   json_node_get_value_type(value) == G_TYPE_STRING)) {
        return hull_error_setg(errp, "QMP input member '%s' must be a string", key);
    }
    return true;
}

/* Checks the request envelope; returns the command name and sets *args / *oob. */
static const char *check_envelope(JsonNode *request, bool allow_oob, JsonObject **args,
                                  bool *oob, GError **errp)
{
    static const char *const known_oob[] = { "execute", "exec-oob", "arguments", "id", NULL };
    static const char *const known[] = { "execute", "arguments", "id", NULL };
    JsonObject *req;
    JsonNode *arguments;
    const char *unknown;
    bool has_execute, has_oob;

    if (!request || !JSON_NODE_HOLDS_OBJECT(request)) {
        hull_error_setg(errp, "QMP input must be a JSON object");
        return NULL;
    }
    req = json_node_get_object(request);
    unknown = first_unknown_member(req, allow_oob ? known_oob : known);
    if (unknown) {
        hull_error_setg(errp, "QMP input member '%s' is unexpected", unknown);
        return NULL;
    }
    has_execute = json_object_has_member(req, "execute");
    has_oob = allow_oob && json_object_has_member(req, "exec-oob");
    if (!check_string_member(req, "execute", errp) ||
        (has_oob && !check_string_member(req, "exec-oob", errp))) {
        return NULL;
    }
    if (has_execute && has_oob) {
        hull_error_setg(errp, "QMP input member 'exec-oob' clashes with 'execute'");
        return NULL;
    }
    arguments = json_object_get_member(req, "arguments");
    if (arguments && !JSON_NODE_HOLDS_OBJECT(arguments)) {
        hull_error_setg(errp, "QMP input member 'arguments' must be an object");
        return NULL;
    }
    if (!has_execute && !has_oob) {
        hull_error_setg(errp, "QMP input lacks member 'execute'");
        return NULL;
    }
    *args = arguments ? json_node_get_object(arguments) : NULL;
    *oob = has_oob;
    return json_object_get_string_member(req, has_oob ? "exec-oob" : "execute");
}

static JsonNode *response_new(const char *key, JsonNode *value, JsonNode *id)
{
    JsonObject *resp = json_object_new();

    json_object_set_member(resp, key, value);
    if (id) {
        json_object_set_member(resp, "id", json_node_copy(id));
    }
    return qapi_node_take_object(resp);
}

JsonNode *qmp_error_response(const GError *err, JsonNode *id)
{
    JsonObject *error = json_object_new();

    json_object_set_string_member(error, "class", hull_error_class(err));
    json_object_set_string_member(error, "desc", err->message);
    return response_new("error", qapi_node_take_object(error), id);
}

JsonNode *qmp_dispatch(const QmpCommandList *cmds, JsonNode *request, bool allow_oob,
                       int current_phase)
{
    g_autoptr(GError) err = NULL;
    JsonNode *id = NULL;
    JsonObject *args = NULL;
    JsonNode *ret = NULL;
    const QmpCommand *cmd;
    const char *name;
    bool oob = false;

    if (request && JSON_NODE_HOLDS_OBJECT(request)) {
        id = json_object_get_member(json_node_get_object(request), "id");
    }
    name = check_envelope(request, allow_oob, &args, &oob, &err);
    if (!name) {
        return qmp_error_response(err, id);
    }
    cmd = qmp_find_command(cmds, name);
    if (!cmd) {
        hull_error_set(&err, HULL_ERROR_COMMAND_NOT_FOUND, "The command %s has not been found",
                       name);
        return qmp_error_response(err, id);
    }
    if (!cmd->enabled) {
        hull_error_setg(&err, "The command %s has been disabled for this instance", name);
        return qmp_error_response(err, id);
    }
    if (oob && !(cmd->options & QCO_ALLOW_OOB)) {
        hull_error_setg(&err, "The command %s does not support OOB", name);
        return qmp_error_response(err, id);
    }
    if (!qmp_command_allowed_in_phase(cmd, current_phase)) {
        error_wrong_phase(cmds, cmd, current_phase, &err);
        return qmp_error_response(err, id);
    }
    cmd->fn(args, &ret, &err);
    if (err) {
        if (ret) {
            json_node_unref(ret);
        }
        return qmp_error_response(err, id);
    }
    if (cmd->options & QCO_NO_SUCCESS_RESP) {
        if (ret) {
            json_node_unref(ret);
        }
        return NULL;
    }
    if (!ret) {
        ret = qapi_node_take_object(json_object_new());
    }
    return response_new("return", ret, id);
}

bool qmp_is_oob(JsonObject *req)
{
    return req && json_object_has_member(req, "exec-oob") &&
           !json_object_has_member(req, "execute");
}

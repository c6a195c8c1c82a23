/*
 * QMP command registry and dispatch: the contract between QAPI-generated marshallers
 * (qapi/qapi-commands.h) and the QMP server. Stable interface; see docs/qapi-gen.md.
 */
#ifndef HULL_UTIL_QMP_DISPATCH_H
#define HULL_UTIL_QMP_DISPATCH_H

#include "util/qapi-util.h"
#include "util/qapi-visit-core.h"

/*
 * A generated (or hand-written, for 'gen': false commands) marshaller. args is the
 * request's "arguments" object, NULL when the request had none (not a reference the
 * marshaller owns). On success it sets *ret to the result (transfer full) or leaves it
 * NULL for commands without 'returns'; on failure it sets *errp.
 */
typedef void QmpMarshalFunc(JsonObject *args, JsonNode **ret, GError **errp);

typedef enum QmpCommandOptions {
    QCO_NO_OPTIONS = 0,
    QCO_NO_SUCCESS_RESP = 1 << 0, /* 'success-response': false: no reply on success */
    QCO_ALLOW_OOB = 1 << 1,       /* 'allow-oob': true: may be sent with "exec-oob" */
    QCO_DEPRECATED = 1 << 2,      /* feature 'deprecated' */
    QCO_UNSTABLE = 1 << 3,        /* feature 'unstable' */
} QmpCommandOptions;

/* Allowed-phase masks: bit N allows phase value N of the schema's phase enum
 * ({ 'pragma': { 'phase-enum': 'MachinePhase' } }, so MACHINE_PHASE_* constants). */
#define QMP_PHASE_BIT(phase) (UINT64_C(1) << (phase))
#define QMP_PHASES_ALL UINT64_MAX

/* One registered command. Read-only for users of the registry. */
typedef struct QmpCommand {
    char *name;
    QmpMarshalFunc *fn;
    QmpCommandOptions options;
    uint64_t phases;
    bool enabled;
} QmpCommand;

typedef struct QmpCommandList QmpCommandList;

QmpCommandList *qmp_command_list_new(void);
void qmp_command_list_free(QmpCommandList *cmds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpCommandList, qmp_command_list_free)

/*
 * Names the phases for error messages: the generated qmp_init_marshal() passes the phase
 * enum's lookup table (&MachinePhase_lookup). Without it, phases are shown as numbers.
 */
void qmp_command_list_set_phase_lookup(QmpCommandList *cmds, const QEnumLookup *phases);

/* Registers a command (enabled). Registering a name twice is a programming error. */
void qmp_register_command(QmpCommandList *cmds, const char *name, QmpMarshalFunc *fn,
                          QmpCommandOptions options, uint64_t phases);

/* The command called name, or NULL. */
const QmpCommand *qmp_find_command(const QmpCommandList *cmds, const char *name);

/* Calls fn for every command, in registration order (for query-commands). */
typedef void QmpCommandIterFunc(const QmpCommand *cmd, void *opaque);
void qmp_for_each_command(const QmpCommandList *cmds, QmpCommandIterFunc *fn, void *opaque);

/* A disabled command answers "The command NAME has been disabled for this instance".
 * Returns false when there is no such command. */
bool qmp_command_set_enabled(QmpCommandList *cmds, const char *name, bool enabled);

/* Whether cmd may run in phase (a value of the phase enum). */
bool qmp_command_allowed_in_phase(const QmpCommand *cmd, int phase);

/*
 * Executes one request (a parsed JSON value) and returns the full response object
 * (transfer full):
 *   {"return": RESULT, "id": ID}  ({} as RESULT for commands without 'returns')
 *   {"error": {"class": CLASS, "desc": TEXT}, "id": ID}
 * "id" is copied verbatim when the request is an object that has one. Returns NULL only
 * for a successful QCO_NO_SUCCESS_RESP command. With allow_oob, "exec-oob" is accepted in
 * place of "execute" (the session negotiated the oob capability); otherwise it is an
 * unexpected member. Errors, with QEMU's texts:
 *   GenericError "QMP input must be a JSON object"
 *   GenericError "QMP input member 'execute' must be a string" (same for 'exec-oob')
 *   GenericError "QMP input member 'exec-oob' clashes with 'execute'"
 *   GenericError "QMP input member 'arguments' must be an object"
 *   GenericError "QMP input member 'X' is unexpected"
 *   GenericError "QMP input lacks member 'execute'"
 *   CommandNotFound "The command X has not been found"
 *   GenericError "The command X has been disabled for this instance"
 *   GenericError "The command X does not support OOB"
 *   GenericError "The command X is not available in phase 'P' (allowed phases: A, B)"
 *   and whatever the marshaller (argument checking) or the command reports.
 */
JsonNode *qmp_dispatch(const QmpCommandList *cmds, JsonNode *request, bool allow_oob,
                       int current_phase);

/* Whether req is an out-of-band request ("exec-oob" and no "execute"). */
bool qmp_is_oob(JsonObject *req);

/* {"error": {"class", "desc"}} for err, with a copy of id unless it is NULL. For errors
 * found before dispatch (JSON syntax, size limits). */
JsonNode *qmp_error_response(const GError *err, JsonNode *id);

#endif

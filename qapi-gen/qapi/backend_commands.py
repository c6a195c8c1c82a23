# Backend 'commands': one marshaller per command (JSON arguments -> C call -> JSON
# result), the qmp_NAME prototypes hand-written code implements, and the registration
# function recording options and allowed phases.

from .common import CFile, c_name, c_string, guard, wrap_if
from .gen_c import arg_params, free_stmt, ret_ctype
from .error import QAPIError
from .schema import BuiltinType, QAPISchemaVisitor


class CommandsGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'qapi-commands.h', 'Schema-defined QAPI/QMP commands')
        self.c = CFile(prefix + 'qapi-commands.c', 'Schema-defined QAPI/QMP commands: '
                       'marshallers and registration')
        self.decls = []
        self.bodies = []
        self.regs = []

    def visit_begin(self, schema):
        self.schema = schema

    def visit_command(self, cmd):
        flags = []
        if not cmd.success_response:
            flags.append(('QCO_NO_SUCCESS_RESP', None))
        if cmd.allow_oob:
            flags.append(('QCO_ALLOW_OOB', None))
        for f in cmd.features:
            if f.is_special:
                flags.append(('QCO_' + f.name.upper(), f.ifcond))
        if cmd.phases is None:
            phases = 'QMP_PHASES_ALL'
        else:
            enum = self.schema.phase_enum
            phases = ' | '.join('QMP_PHASE_BIT(%s)' % enum.const(p) for p in cmd.phases)
        name = c_name(cmd.name)
        reg = self._registration(cmd, name, flags, phases)
        self.regs.append(wrap_if(cmd.ifcond, reg))
        if not cmd.gen:
            # 'gen': false: the marshaller is hand-written and sees the raw arguments (for
            # commands taking arbitrary members, like device_add); its prototype and its
            # registration, with the schema's options and phases, are generated.
            self.decls.append(wrap_if(cmd.ifcond, 'void qmp_marshal_%s(JsonObject *args, '
                                      'JsonNode **ret, GError **errp);\n\n' % name))
            return
        params, call = arg_params(cmd)
        if cmd.arg_type is not None and not cmd.boxed:
            for m in cmd.arg_type.members:
                if m.ifcond:
                    raise QAPIError(cmd.info, "%s is conditional, which needs 'boxed': true"
                                    % m.describe())
        proto = '%sqmp_%s(%s)' % (ret_ctype(cmd.ret_type), name,
                                  ', '.join(params + ['GError **errp']))
        self.decls.append(wrap_if(cmd.ifcond, '%s;\nvoid qmp_marshal_%s(JsonObject *args, '
                                  'JsonNode **ret, GError **errp);\n\n' % (proto, name)))
        self.bodies.append(wrap_if(cmd.ifcond, self._marshal(cmd, name, call)))

    @staticmethod
    def _registration(cmd, name, flags, phases):
        plain = [f for f, cond in flags if not cond]
        conditional = [(f, cond) for f, cond in flags if cond]
        opts = ' | '.join(plain) if plain else 'QCO_NO_OPTIONS'
        fn = 'qmp_marshal_%s' % name
        if not conditional:
            return '    qmp_register_command(cmds, %s, %s,\n                         %s,\n' \
                   '                         %s);\n' % (c_string(cmd.name), fn, opts, phases)
        text = '    {\n        QmpCommandOptions opts = %s;\n\n' % opts
        for f, cond in conditional:
            text += wrap_if(cond, '        opts |= %s;\n' % f)
        text += '        qmp_register_command(cmds, %s, %s, opts,\n' \
                '                             %s);\n    }\n' % (c_string(cmd.name), fn, phases)
        return text

    def _marshal(self, cmd, name, call):
        arg_t = cmd.arg_type
        ret_t = cmd.ret_type
        lines = ['void qmp_marshal_%s(JsonObject *args, JsonNode **ret, GError **errp)\n{\n'
                 % name]
        if arg_t is not None:
            lines.append('    g_autoptr(JsonObject) empty = NULL;\n'
                         '    %s arg = { 0 };\n' % arg_t.c_name)
        lines.append('    GError *err = NULL;\n')
        if ret_t is not None:
            lines.append('    %sretval;\n' % ret_ctype(ret_t))
        lines.append('\n')
        if arg_t is not None:
            lines.append('    if (!args) {\n        args = empty = json_object_new();\n    }\n'
                         '    if (!visit_in_%s_object(args, NULL, &arg, errp)) {\n'
                         '        qapi_free_%s_members(&arg);\n        return;\n    }\n'
                         % (arg_t.c_name, arg_t.c_name))
        else:
            lines.append('    if (!qmp_check_no_args(args, errp)) {\n        return;\n    }\n')
        callexpr = 'qmp_%s(%s)' % (name, ', '.join(call + ['&err']))
        if ret_t is not None:
            lines.append('    retval = %s;\n' % callexpr)
        else:
            lines.append('    %s;\n' % callexpr)
        if arg_t is not None:
            lines.append('    qapi_free_%s_members(&arg);\n' % arg_t.c_name)
        # A handler that fails should return nothing; release it anyway if it did.
        free_on_error = free_stmt(ret_t, 'retval') if ret_t is not None else ''
        lines.append('    if (err) {\n%s        g_propagate_error(errp, err);\n        return;\n'
                     '    }\n' % (('        %s\n' % free_on_error) if free_on_error else ''))
        if ret_t is not None:
            if isinstance(ret_t, BuiltinType) and ret_t.name in ('any', 'null'):
                lines.append('    *ret = retval ? retval : json_node_new(JSON_NODE_NULL);\n')
            else:
                lines.append('    *ret = visit_out_%s(retval);\n' % ret_t.c_name)
                free = free_stmt(ret_t, 'retval')
                if free:
                    lines.append('    %s\n' % free)
        lines.append('}\n\n')
        return ''.join(lines)

    def visit_end(self):
        g = guard(self.h.fname)
        init = c_name(self.prefix) + 'qmp_init_marshal'
        self.h.add('#ifndef %s\n#define %s\n\n#include "util/qmp-dispatch.h"\n'
                   '#include "%s"\n\n' % (g, g, self.prefix + 'qapi-types.h'))
        self.h.add('/* Registers every generated command, with its options and phases. */\n'
                   'void %s(QmpCommandList *cmds);\n\n' % init)
        self.h.add(''.join(self.decls))
        self.h.add('#endif /* %s */\n' % g)
        self.c.add('#include "config-host.h"\n#include "%s"\n#include "%s"\n\n'
                   % (self.h.fname, self.prefix + 'qapi-visit.h'))
        self.c.add(''.join(self.bodies))
        body = ''
        if self.schema.phase_enum is not None:
            body += '    qmp_command_list_set_phase_lookup(cmds, &%s_lookup);\n' \
                    % self.schema.phase_enum.c_name
        body += ''.join(self.regs)
        self.c.add('void %s(QmpCommandList *cmds)\n{\n%s}\n' % (init, body))


def generate(schema, prefix):
    gen = CommandsGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]

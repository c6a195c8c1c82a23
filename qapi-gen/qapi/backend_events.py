# Backend 'events': one qapi_event_send_NAME() per event; it serializes the data with
# the output visitor and hands the event to the sink the service installed.

from .common import CFile, c_name, c_string, guard, wrap_if
from .error import QAPIError
from .gen_c import arg_params
from .schema import QAPISchemaVisitor


class EventsGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'qapi-events.h', 'Schema-defined QAPI/QMP events')
        self.c = CFile(prefix + 'qapi-events.c', 'Schema-defined QAPI/QMP events')
        self.decls = []
        self.bodies = []

    def visit_event(self, ev):
        name = 'qapi_event_send_%s' % c_name(ev.name.lower())
        params, _ = arg_params(ev)
        t = ev.arg_type
        if ev.boxed:
            params = ['const %s *arg' % t.c_name]
        proto = 'void %s(%s)' % (name, ', '.join(params) or 'void')
        self.decls.append(wrap_if(ev.ifcond, proto + ';\n'))
        body = [proto + '\n{\n']
        if t is None:
            body.append('    qapi_event_emit(%s, NULL);\n' % c_string(ev.name))
        elif ev.boxed:
            body.append('    JsonObject *data = json_object_new();\n\n'
                        '    visit_out_%s_members(data, arg);\n'
                        '    qapi_event_emit(%s, data);\n' % (t.c_name, c_string(ev.name)))
        else:
            body.append('    %s arg = { 0 };\n    JsonObject *data = json_object_new();\n\n'
                        % t.c_name)
            for m in t.members:
                if m.ifcond:
                    raise QAPIError(ev.info, "%s is conditional, which needs 'boxed': true"
                                    % m.describe())
                if m.need_has():
                    body.append('    arg.has_%s = has_%s;\n' % (m.c_name, m.c_name))
                cast = '(char *)' if m.type.c_param_type() != m.type.c_type() else ''
                body.append('    arg.%s = %s%s;\n' % (m.c_name, cast, m.c_name))
            body.append('    visit_out_%s_members(data, &arg);\n'
                        '    qapi_event_emit(%s, data);\n' % (t.c_name, c_string(ev.name)))
        body.append('}\n\n')
        self.bodies.append(wrap_if(ev.ifcond, ''.join(body)))

    def visit_end(self):
        g = guard(self.h.fname)
        self.h.add('#ifndef %s\n#define %s\n\n#include "util/qapi-event.h"\n'
                   '#include "%s"\n\n' % (g, g, self.prefix + 'qapi-types.h'))
        self.h.add(''.join(self.decls))
        self.h.add('\n#endif /* %s */\n' % g)
        self.c.add('#include "config-host.h"\n#include "%s"\n#include "%s"\n\n'
                   % (self.h.fname, self.prefix + 'qapi-visit.h'))
        self.c.add(''.join(self.bodies))


def generate(schema, prefix):
    gen = EventsGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]

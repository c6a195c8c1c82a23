# Backend 'c_client': the typed half of libhull-client (hull-client.h/.c): one synchronous
# function per command, hull_NAME(client, args, ret, errp), built on the generated C types
# and visitors (qapi-types.h, qapi-visit.h), and one typed handler registration per event,
# hull_on_NAME(client, handler, opaque), on the runtime in clients/c/hull-client-core.h.

import textwrap

from .common import CFile, c_name, c_string, guard, wrap_if
from .error import QAPIError
from .schema import QAPISchemaVisitor

# hull_* names the runtime and util/ already use: a command must not map onto them.
RESERVED = ('info', 'warn', 'error', 'debug')
RESERVED_PREFIXES = ('client_', 'error_', 'on_')


def camel(name):
    return ''.join(p[:1].upper() + p[1:] for p in c_name(name, protect=False).split('_') if p)


def extra_args(cmd):
    """A 'gen': false command with arguments takes members beyond its schema (QEMU's
    device_add convention): its function gets a JsonObject *extra for them."""
    return not cmd.gen and cmd.arg_type is not None and not cmd.boxed


def c_comment(text):
    """A block comment wrapped at 95 columns."""
    lines = textwrap.wrap(text, 92)
    if len(lines) <= 1:
        return '/* %s */\n' % text
    return '/*\n' + ''.join(' * %s\n' % ln for ln in lines) + ' */\n'


def first_line(doc):
    if doc is None or not doc.body_text:
        return ''
    text = doc.body_text.split('\n\n')[0].replace('\n', ' ')
    return text.replace('*/', '* /')


class CClientGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'hull-client.h', 'libhull-client: typed QMP commands and '
                       'events of the schema')
        self.c = CFile(prefix + 'hull-client.c', 'libhull-client: typed QMP commands and '
                       'events of the schema')
        self.decls = []
        self.bodies = []
        self.names = {}

    def claim(self, fname, ent):
        base = fname[len('hull_'):]
        if base in RESERVED or base.startswith(RESERVED_PREFIXES):
            raise QAPIError(ent.info, "%s maps to C function %s, which libhull-client "
                            "reserves" % (ent.describe(), fname))
        other = self.names.get(fname)
        if other is not None:
            raise QAPIError(ent.info, "%s and %s both map to C function %s"
                            % (ent.describe(), other.describe(), fname))
        self.names[fname] = ent

    def visit_command(self, cmd):
        name = c_name(cmd.name)
        fn = 'hull_' + name
        self.claim(fn, cmd)
        t = cmd.arg_type
        params = ['HullClient *client']
        decl = ''
        if t is not None:
            if t.is_implicit():
                alias = 'Hull%sArgs' % camel(cmd.name)
                decl += 'typedef %s %s;\n' % (t.c_name, alias)
            else:
                alias = t.c_name
            params.append('const %s *args' % alias)
            if extra_args(cmd):
                params.append('JsonObject *extra')
        ret = cmd.ret_type
        if ret is not None:
            ctype = ret.c_type()
            params.append('%s%s*ret' % (ctype, '' if ctype.endswith('*') else ' '))
        params.append('GError **errp')
        proto = 'bool %s(%s)' % (fn, ', '.join(params))
        what = first_line(cmd.doc)
        comment = c_comment('%s%s' % (cmd.name, (': ' + what) if what else ''))
        if extra_args(cmd):
            comment += ('/* extra (may be NULL): further members, sent as given (the schema '
                        'does not list them). */\n')
        if ret is not None:
            comment += '/* On success *ret holds the result (free it with %s). */\n' % (
                'qapi_free_%s()' % ret.c_name if ret.is_pointer() and ret.name not in
                ('any', 'null', 'str') else 'json_node_unref()' if ret.name in ('any', 'null')
                else 'g_free()' if ret.name == 'str' else 'nothing to free')
        self.decls.append(wrap_if(cmd.ifcond, decl + comment + proto + ';\n\n'))
        body = [proto + '\n{\n']
        if ret is not None:
            body.append('    g_autoptr(JsonNode) reply = NULL;\n')
        if t is not None:
            # NULL args: no arguments (all members optional, or let the server say what
            # is missing).
            body.append('    g_autoptr(JsonNode) arguments = args ? visit_out_%s(args) : NULL;\n'
                        % t.c_name)
        if extra_args(cmd):
            body.append('    JsonNode *merged = hull_client_merge_arguments(arguments, extra);\n\n'
                        '    g_clear_pointer(&arguments, json_node_unref);\n'
                        '    arguments = merged;\n')
        body.append('\n')
        argexpr = ('arguments ? json_node_get_object(arguments) : NULL' if t is not None
                   else 'NULL')
        retexpr = '&reply' if ret is not None else 'NULL'
        if cmd.success_response:
            body.append('    if (!hull_client_execute(client, %s, %s, %s, errp)) {\n'
                        '        return false;\n    }\n'
                        % (c_string(cmd.name), argexpr, retexpr))
        else:
            # The server sends no reply on success: only an error would come back.
            body.append('    if (!hull_client_send(client, %s, %s, errp)) {\n'
                        '        return false;\n    }\n' % (c_string(cmd.name), argexpr))
        if ret is not None:
            body.append('    if (!visit_in_%s(reply, NULL, ret, errp)) {\n'
                        '        g_prefix_error(errp, "reply to %s: ");\n'
                        '        return false;\n    }\n' % (ret.c_name, cmd.name))
        body.append('    return true;\n}\n\n')
        self.bodies.append(wrap_if(cmd.ifcond, ''.join(body)))

    def visit_event(self, ev):
        lname = c_name(ev.name.lower())
        fn = 'hull_on_' + lname
        if fn in self.names:
            raise QAPIError(ev.info, "%s and %s both map to C function %s"
                            % (ev.describe(), self.names[fn].describe(), fn))
        self.names[fn] = ev
        t = ev.arg_type
        handler = 'Hull%sHandler' % camel(ev.name.lower())
        data_param = ''
        decl = ''
        if t is not None:
            if t.is_implicit():
                alias = 'Hull%sData' % camel(ev.name.lower())
                decl += 'typedef %s %s;\n' % (t.c_name, alias)
            else:
                alias = t.c_name
            data_param = 'const %s *data, ' % alias
        what = first_line(ev.doc)
        decl += c_comment('%s%s' % (ev.name, (': ' + what) if what else ''))
        decl += ('typedef void %s(HullClient *client, %sconst HullTimestamp *timestamp,\n'
                 '%*sgpointer opaque);\n'
                 '/* Calls handler for every %s event, from the client\'s GMainContext; '
                 'returns an id\n * for hull_client_remove_event_handler(). */\n'
                 'guint %s(HullClient *client, %s *handler, gpointer opaque);\n\n'
                 % (handler, data_param,
                    len('typedef void %s(' % handler), '', ev.name, fn, handler))
        self.decls.append(wrap_if(ev.ifcond, decl))
        call_data = ''
        parse = ''
        if t is not None:
            call_data = '&value, '
            parse = ('    %(t)s value = { 0 };\n'
                     '    g_autoptr(GError) err = NULL;\n\n'
                     '    if (!visit_in_%(t)s_object(data, NULL, &value, &err)) {\n'
                     '        qapi_free_%(t)s_members(&value);\n'
                     '        hull_client_event_mismatch(client, %(name)s, err);\n'
                     '        return;\n    }\n' % {'t': t.c_name, 'name': c_string(ev.name)})
        free = ('    qapi_free_%s_members(&value);\n' % t.c_name) if t is not None else ''
        self.bodies.append(wrap_if(ev.ifcond, '''\
static void %(fn)s_dispatch(HullClient *client, const char *name, JsonObject *data,
%(pad)s const HullTimestamp *timestamp, gpointer opaque)
{
    HullTypedHandler *typed = opaque;
%(parse)s
    ((%(handler)s *)typed->fn)(client, %(call)stimestamp, typed->opaque);
%(free)s}

guint %(fn)s(HullClient *client, %(handler)s *handler, gpointer opaque)
{
    HullTypedHandler *typed = g_new(HullTypedHandler, 1);

    typed->fn = (void (*)(void))handler;
    typed->opaque = opaque;
    return hull_client_add_event_handler(client, %(name)s, %(fn)s_dispatch, typed, g_free);
}

''' % {'fn': fn, 'pad': ' ' * len('static void %s_dispatch' % fn), 'parse': parse,
       'handler': handler, 'call': call_data, 'free': free, 'name': c_string(ev.name)}))

    def visit_end(self):
        g = guard(self.h.fname)
        self.h.add('#ifndef %s\n#define %s\n\n#include "hull-client-core.h"\n'
                   '#include "qapi/%sqapi-types.h"\n\n' % (g, g, self.prefix))
        self.h.add('/*\n * One function per command: hull_NAME(client[, args][, ret], errp).\n'
                   ' * args points to the command\'s argument struct (HullNAMEArgs for '
                   'arguments\n * defined inline in the schema; optional members have '
                   'has_X flags or NULL\n * pointers), ret receives the typed result. They '
                   'return false and set errp\n * (HULL_ERROR with the QMP error class as '
                   'code, or G_IO_ERROR when the\n * connection fails) on error.\n */\n\n')
        self.h.add(''.join(self.decls))
        self.h.add('#endif /* %s */\n' % g)
        self.c.add('#include "config-host.h"\n#include "%s"\n#include "qapi/%sqapi-visit.h"\n\n'
                   % (self.h.fname, self.prefix))
        self.c.add(''.join(self.bodies))


def generate(schema, prefix):
    gen = CClientGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]

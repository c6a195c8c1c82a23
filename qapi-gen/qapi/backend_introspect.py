# Backend 'introspect': the answer of query-qmp-schema (QEMU's SchemaInfo format) as a
# constant QapiLit tree, reachable from commands and events, with type names other than
# built-ins masked as numbers. 'if' conditions become #if around the affected entries.

from .common import CFile, c_name, c_string, guard, indent
from .schema import (AlternateType, ArrayType, BuiltinType, EnumType, ObjectType,
                     QAPISchemaVisitor)


class Lit:
    """A JSON value (None, bool, str, list for arrays, tuple of (key, Lit) pairs for
    objects) with an optional condition, rendered as a QapiLit initializer."""

    def __init__(self, value, ifcond=None):
        self.value = value
        self.ifcond = ifcond

    def render(self):
        v = self.value
        if v is None:
            return '{ .type = QAPI_LIT_NULL }'
        if isinstance(v, bool):
            return '{ .type = QAPI_LIT_BOOL, .boolean = %s }' % ('true' if v else 'false')
        if isinstance(v, str):
            return '{ .type = QAPI_LIT_STR, .str = %s }' % c_string(v)
        if isinstance(v, list):
            items = ''.join(_cond(item, item.render() + ',\n') for item in v)
            return '{ .type = QAPI_LIT_ARRAY, .items = (const QapiLit[]) {\n%s    { 0 },\n} }' \
                % indent(items + '')
        entries = ''.join(_cond(val, '{ %s, %s },\n' % (c_string(k), val.render()))
                          for k, val in v)
        return '{ .type = QAPI_LIT_OBJECT, .entries = (const QapiLitEntry[]) {\n%s' \
               '    { NULL },\n} }' % indent(entries)


def _cond(lit, text):
    if not lit.ifcond:
        return text
    c = lit.ifcond.c_expr()
    return '#if %s\n%s#endif\n' % (c, text)


def _lit(value):
    return value if isinstance(value, Lit) else Lit(value)


def _obj(*pairs):
    return Lit(tuple((k, _lit(v)) for k, v in pairs if v is not None))


class IntrospectGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'qapi-introspect.h', 'QAPI/QMP schema introspection')
        self.c = CFile(prefix + 'qapi-introspect.c', 'QAPI/QMP schema introspection: the '
                       'answer of query-qmp-schema')
        self.entries = []
        self.used = []          # types, in order of first use
        self.names = {}         # type name -> masked name
        self.defs = []          # commands and events

    def visit_begin(self, schema):
        self.schema = schema

    def visit_command(self, cmd):
        self.defs.append(cmd)

    def visit_event(self, ev):
        self.defs.append(ev)

    def _use(self, typ):
        """The wire name of typ, queueing it for output."""
        if typ is None:
            typ = self._empty
        if typ.json_type() == 'int' and isinstance(typ, BuiltinType):
            typ = self.schema.lookup('int')
        elif isinstance(typ, ArrayType) and typ.element_type.json_type() == 'int' and \
                isinstance(typ.element_type, BuiltinType):
            typ = self.schema.lookup('intList')
        if typ not in self.used:
            self.used.append(typ)
        if isinstance(typ, BuiltinType):
            return typ.name
        if isinstance(typ, ArrayType):
            return '[' + self._use(typ.element_type) + ']'
        if typ.name not in self.names:
            self.names[typ.name] = str(len(self.names))
        return self.names[typ.name]

    @staticmethod
    def _features(feats):
        if not feats:
            return None
        return Lit([Lit(f.name, f.ifcond) for f in feats])

    def _entity(self, ent):
        if isinstance(ent, (BuiltinType,)):
            return _obj(('name', ent.name), ('meta-type', 'builtin'),
                        ('json-type', ent.json_type()))
        name = self._use(ent)
        feats = self._features(ent.features)
        if isinstance(ent, EnumType):
            members = Lit([Lit(tuple([('name', Lit(m.name))] +
                                     ([('features', self._features(m.features))]
                                      if m.features else [])), m.ifcond)
                           for m in ent.members])
            values = Lit([Lit(m.name, m.ifcond) for m in ent.members])
            return _obj(('name', name), ('meta-type', 'enum'), ('members', members),
                        ('values', values), ('features', feats))
        if isinstance(ent, ArrayType):
            return _obj(('name', name), ('meta-type', 'array'),
                        ('element-type', self._use(ent.element_type)))
        if isinstance(ent, AlternateType):
            members = Lit([Lit((('type', Lit(self._use(v.type))),), v.ifcond)
                           for v in ent.variants.variants])
            return _obj(('name', name), ('meta-type', 'alternate'), ('members', members),
                        ('features', feats))
        members = []
        for m in ent.members:
            pairs = [('name', Lit(m.name)), ('type', Lit(self._use(m.type)))]
            if m.optional:
                pairs.append(('default', Lit(None)))
            if m.features:
                pairs.append(('features', self._features(m.features)))
            members.append(Lit(tuple(pairs), m.ifcond))
        pairs = [('name', name), ('meta-type', 'object'), ('members', Lit(members))]
        if ent.variants:
            pairs.append(('tag', ent.variants.tag_member.name))
            pairs.append(('variants', Lit([Lit((('case', Lit(v.name)),
                                                ('type', Lit(self._use(v.type)))), v.ifcond)
                                           for v in ent.variants.variants])))
        pairs.append(('features', feats))
        return _obj(*pairs)

    def visit_end(self):
        # Commands and events without arguments or result use an empty object type.
        self._empty = ObjectType('q_empty', None, None, None, [], None, [], None)
        self._empty.members = []
        for d in self.defs:
            feats = self._features(d.features)
            if d.meta == 'command':
                lit = _obj(('name', d.name), ('meta-type', 'command'),
                           ('arg-type', self._use(d.arg_type)),
                           ('ret-type', self._use(d.ret_type)),
                           ('allow-oob', True if d.allow_oob else None),
                           ('features', feats))
            else:
                lit = _obj(('name', d.name), ('meta-type', 'event'),
                           ('arg-type', self._use(d.arg_type)), ('features', feats))
            lit.ifcond = d.ifcond
            self.entries.append(lit)
        i = 0
        while i < len(self.used):
            typ = self.used[i]
            lit = self._entity(typ)
            lit.ifcond = typ.ifcond if typ.ifcond else None
            self.entries.append(lit)
            i += 1
        fn = c_name(self.prefix) + 'qapi_introspect_schema'
        g = guard(self.h.fname)
        self.h.add('#ifndef %s\n#define %s\n\n#include "util/qapi-util.h"\n\n'
                   '/* The answer of query-qmp-schema: a new array of SchemaInfo objects. */\n'
                   'JsonNode *%s(void);\n\n#endif /* %s */\n' % (g, g, fn, g))
        self.c.add('#include "config-host.h"\n#include "%s"\n#include "util/qapi-lit.h"\n\n'
                   % self.h.fname)
        self.c.add('static const QapiLit schema = %s;\n\n' % Lit(self.entries).render())
        self.c.add('JsonNode *%s(void)\n{\n    return qapi_lit_to_node(&schema);\n}\n' % fn)


def generate(schema, prefix):
    gen = IntrospectGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]

# Backend 'types': C declarations for every type (enums with lookup tables, structs,
# unions, alternates, FooList lists) and their qapi_free_* functions.

from .common import CFile, c_string, guard, wrap_if
from .gen_c import QTYPE, free_stmt
from .schema import (AlternateType, ArrayType, BuiltinType, EnumType, ObjectType,
                     QAPISchemaVisitor)


class TypesGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'qapi-types.h', 'Schema-defined QAPI types')
        self.c = CFile(prefix + 'qapi-types.c', 'Schema-defined QAPI types: enum lookup '
                       'tables and deallocation')
        self.enums = []
        self.forwards = []
        self.lists = []
        self.objects = []
        self.alternates = []
        self.funcs_h = []
        self.emitted = set()

    def visit_begin(self, schema):
        self.schema = schema

    def visit_enum_type(self, typ):
        lines = ['typedef enum %s {\n' % typ.c_name]
        for m in typ.members:
            lines.append(wrap_if(m.ifcond, '    %s,\n' % typ.const(m.name)))
        lines.append('    %s,\n} %s;\n\n' % (typ.const_max(), typ.c_name))
        lines.append('extern const QEnumLookup %s_lookup;\n\n' % typ.c_name)
        lines.append('#define %s_str(val) qapi_enum_lookup(&%s_lookup, (val))\n\n'
                     % (typ.c_name, typ.c_name))
        lines.append('/* Parses a value name; fails with a GenericError for unknown names. */\n'
                     'static inline bool %s_parse(const char *str, %s *val, GError **errp)\n'
                     '{\n    int v;\n\n'
                     '    if (!qapi_enum_parse(&%s_lookup, str, &v, errp)) {\n'
                     '        return false;\n    }\n'
                     '    *val = (%s)v;\n    return true;\n}\n\n'
                     % (typ.c_name, typ.c_name, typ.c_name, typ.c_name))
        self.enums.append(wrap_if(typ.ifcond, ''.join(lines)))
        body = ['const QEnumLookup %s_lookup = {\n' % typ.c_name,
                '    .array = (const char *const[%s]) {\n' % typ.const_max()]
        for m in typ.members:
            body.append(wrap_if(m.ifcond, '        [%s] = %s,\n'
                                % (typ.const(m.name), c_string(m.name))))
        body.append('    },\n')
        special = [(m, f) for m in typ.members for f in m.features if f.is_special]
        if special:
            body.append('    .special_features = (const unsigned char[%s]) {\n'
                        % typ.const_max())
            for m in typ.members:
                flags = ' | '.join('QAPI_FEATURE_%s' % f.name.upper()
                                   for f in m.features if f.is_special)
                if flags:
                    body.append(wrap_if(m.ifcond, '        [%s] = %s,\n'
                                        % (typ.const(m.name), flags)))
            body.append('    },\n')
        body.append('    .size = %s,\n};\n\n' % typ.const_max())
        self.c.add(wrap_if(typ.ifcond, ''.join(body)))

    def visit_array_type(self, typ):
        elem = typ.element_type
        ctype = elem.c_type()
        sep = '' if ctype.endswith('*') else ' '
        self.forwards.append(wrap_if(typ.ifcond, 'typedef struct %s %s;\n'
                                     % (typ.c_name, typ.c_name)))
        self.lists.append(wrap_if(typ.ifcond, 'struct %s {\n    %s *next;\n    %s%svalue;\n'
                                  '};\n\n' % (typ.c_name, typ.c_name, ctype, sep)))
        self._free_decl(typ)
        free = free_stmt(elem, 'obj->value')
        self.c.add(wrap_if(typ.ifcond,
                           'void qapi_free_%s(%s *obj)\n{\n'
                           '    while (obj) {\n'
                           '        %s *next = obj->next;\n\n'
                           '%s'
                           '        g_free(obj);\n'
                           '        obj = next;\n    }\n}\n\n'
                           % (typ.c_name, typ.c_name, typ.c_name,
                              ('        %s\n' % free) if free else '')))

    def _free_decl(self, typ, members=False):
        text = 'void qapi_free_%s(%s *obj);\n' % (typ.c_name, typ.c_name)
        if members:
            text += '/* Releases what the members own, not obj itself. */\n' \
                    'void qapi_free_%s_members(%s *obj);\n' % (typ.c_name, typ.c_name)
        text += 'G_DEFINE_AUTOPTR_CLEANUP_FUNC(%s, qapi_free_%s)\n\n' % (typ.c_name,
                                                                        typ.c_name)
        self.funcs_h.append(wrap_if(typ.ifcond, text))

    def visit_object_type(self, typ):
        self.forwards.append(wrap_if(typ.ifcond, 'typedef struct %s %s;\n'
                                     % (typ.c_name, typ.c_name)))
        self.objects.append(typ)
        self._free_decl(typ, members=True)
        lines = []
        for m in typ.members:
            free = free_stmt(m.type, 'obj->%s' % m.c_name)
            if free:
                lines.append(wrap_if(m.ifcond, '    %s\n' % free))
        if typ.variants:
            lines.append(self._variant_switch(typ, lambda v: free_stmt_members(v, typ)))
        self.c.add(wrap_if(typ.ifcond,
                           'void qapi_free_%s_members(%s *obj)\n{\n%s}\n\n'
                           'void qapi_free_%s(%s *obj)\n{\n'
                           '    if (!obj) {\n        return;\n    }\n'
                           '    qapi_free_%s_members(obj);\n    g_free(obj);\n}\n\n'
                           % (typ.c_name, typ.c_name, ''.join(lines), typ.c_name,
                              typ.c_name, typ.c_name)))

    @staticmethod
    def _variant_switch(typ, stmt):
        tag = typ.variants.tag_member
        out = ['    switch (obj->%s) {\n' % tag.c_name]
        for v in typ.variants.variants:
            s = stmt(v)
            if s:
                out.append(wrap_if(v.ifcond, '    case %s:\n        %s\n        break;\n'
                                   % (tag.type.const(v.name), s)))
        out.append('    default:\n        break;\n    }\n')
        return ''.join(out)

    def visit_alternate_type(self, typ):
        self.forwards.append(wrap_if(typ.ifcond, 'typedef struct %s %s;\n'
                                     % (typ.c_name, typ.c_name)))
        self._free_decl(typ)
        fields = []
        frees = []
        for v in typ.variants.variants:
            ctype = v.type.c_type()
            sep = '' if ctype.endswith('*') else ' '
            fields.append(wrap_if(v.ifcond, '        %s%s%s;\n' % (ctype, sep, c_member(v))))
            free = free_stmt(v.type, 'obj->u.%s' % c_member(v))
            if free:
                frees.append(wrap_if(v.ifcond, '    case %s:\n        %s\n        break;\n'
                                     % (QTYPE[v.type.json_type()], free)))
        self.alternates.append(wrap_if(typ.ifcond, 'struct %s {\n    QType type;\n'
                                       '    union {\n%s    } u;\n};\n\n'
                                       % (typ.c_name, ''.join(fields))))
        self.c.add(wrap_if(typ.ifcond,
                           'void qapi_free_%s(%s *obj)\n{\n'
                           '    if (!obj) {\n        return;\n    }\n'
                           '    switch (obj->type) {\n%s'
                           '    default:\n        break;\n    }\n'
                           '    g_free(obj);\n}\n\n'
                           % (typ.c_name, typ.c_name, ''.join(frees))))

    def _struct_def(self, typ, out):
        """Struct definitions, with union branches (embedded by value) first."""
        if typ.name in self.emitted:
            return
        self.emitted.add(typ.name)
        if typ.variants:
            for v in typ.variants.variants:
                self._struct_def(v.type, out)
        lines = ['struct %s {\n' % typ.c_name]
        if typ.base is not None:
            lines.append('    /* Members inherited from %s: */\n' % typ.base.c_name)
        for i, m in enumerate(typ.members):
            if typ.base is not None and i == len(typ.base.members):
                lines.append('    /* Own members: */\n')
            text = ''
            if m.need_has():
                text += '    bool has_%s;\n' % m.c_name
            ctype = m.type.c_type()
            text += '    %s%s%s;\n' % (ctype, '' if ctype.endswith('*') else ' ', m.c_name)
            lines.append(wrap_if(m.ifcond, text))
        variants = [v for v in typ.variants.variants if not v.type.is_empty()] \
            if typ.variants else []
        if variants:
            lines.append('    union { /* union tag is @%s */\n' % typ.variants.tag_member.c_name)
            for v in variants:
                lines.append(wrap_if(v.ifcond, '        %s %s;\n' % (v.type.c_name,
                                                                     c_member(v))))
            lines.append('    } u;\n')
        if not typ.members and not variants:
            lines.append('    char qapi_dummy_for_empty_struct;\n')
        lines.append('};\n\n')
        if typ.base is not None and not typ.base.is_implicit():
            lines.append('static inline %s *qapi_%s_base(const %s *obj)\n{\n'
                         '    return (%s *)obj;\n}\n\n'
                         % (typ.base.c_name, typ.c_name, typ.c_name, typ.base.c_name))
        out.append(wrap_if(typ.ifcond, ''.join(lines)))

    def visit_end(self):
        g = guard(self.h.fname)
        self.h.add('#ifndef %s\n#define %s\n\n#include "config-host.h"\n#include "util/qapi-util.h"\n\n' % (g, g))
        self.h.add(''.join(self.enums))
        self.h.add(''.join(self.forwards) + '\n')
        self.h.add(''.join(self.lists))
        structs = []
        for typ in self.objects:
            self._struct_def(typ, structs)
        self.h.add(''.join(structs))
        self.h.add(''.join(self.alternates))
        self.h.add(''.join(self.funcs_h))
        self.h.add('#endif /* %s */\n' % g)
        self.c.parts.insert(0, '#include "config-host.h"\n#include "%s"\n\n' % self.h.fname)


def c_member(v):
    from .common import c_name
    return c_name(v.name)


def free_stmt_members(v, typ):
    if v.type.is_empty():
        return ''
    return 'qapi_free_%s_members(&obj->u.%s);' % (v.type.c_name, c_member(v))


def generate(schema, prefix):
    gen = TypesGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]

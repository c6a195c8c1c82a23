# Backend 'visit': strict JSON input visitors (JsonNode -> C) and output visitors
# (C -> JsonNode) over json-glib. Input errors name the member path, built only on error.

from .common import CFile, c_name, c_string, guard, wrap_if
from .gen_c import JSON_TYPE_DESC, QTYPE
from .schema import BuiltinType, EnumType, QAPISchemaVisitor


def _cm(v):
    return c_name(v.name)


class VisitGen(QAPISchemaVisitor):
    def __init__(self, prefix):
        self.prefix = prefix
        self.h = CFile(prefix + 'qapi-visit.h', 'Schema-defined QAPI visitors: JSON <-> C')
        self.c = CFile(prefix + 'qapi-visit.c', 'Schema-defined QAPI visitors: JSON <-> C')
        self.decls = []
        self.static_decls = []
        self.bodies = []

    def _public(self, typ, text):
        self.decls.append(wrap_if(typ.ifcond, text))

    def visit_enum_type(self, typ):
        n = typ.c_name
        self._public(typ, 'bool visit_in_%s(JsonNode *node, const QapiPath *path, %s *obj, '
                     'GError **errp);\nJsonNode *visit_out_%s(%s value);\n\n' % (n, n, n, n))
        self.bodies.append(wrap_if(typ.ifcond, '''\
bool visit_in_%(n)s(JsonNode *node, const QapiPath *path, %(n)s *obj, GError **errp)
{
    int value;

    if (!visit_in_enum(node, path, &%(n)s_lookup, &value, errp)) {
        return false;
    }
    *obj = (%(n)s)value;
    return true;
}

JsonNode *visit_out_%(n)s(%(n)s value)
{
    return visit_out_enum(&%(n)s_lookup, value);
}

''' % {'n': n}))

    def visit_array_type(self, typ):
        n = typ.c_name
        elem = typ.element_type
        self._public(typ, 'bool visit_in_%s(JsonNode *node, const QapiPath *path, %s **obj, '
                     'GError **errp);\nJsonNode *visit_out_%s(const %s *obj);\n\n'
                     % (n, n, n, n))
        self.bodies.append(wrap_if(typ.ifcond, '''\
bool visit_in_%(n)s(JsonNode *node, const QapiPath *path, %(n)s **obj, GError **errp)
{
    g_autoptr(%(n)s) head = NULL;
    %(n)s **tail = &head;
    JsonArray *array;
    guint len;

    *obj = NULL;
    if (!visit_in_get_array(node, path, &array, errp)) {
        return false;
    }
    len = json_array_get_length(array);
    for (guint i = 0; i < len; i++) {
        const QapiPath elem_path = { path, NULL, i };
        JsonNode *elem_node = json_array_get_element(array, i);
        %(n)s *elem = g_new0(%(n)s, 1);

        *tail = elem;
        tail = &elem->next;
        if (!visit_in_%(e)s(elem_node, &elem_path, &elem->value, errp)) {
            return false;
        }
    }
    *obj = g_steal_pointer(&head);
    return true;
}

JsonNode *visit_out_%(n)s(const %(n)s *obj)
{
    JsonArray *array = json_array_new();

    for (; obj; obj = obj->next) {
        json_array_add_element(array, visit_out_%(e)s(obj->value));
    }
    return qapi_node_take_array(array);
}

''' % {'n': n, 'e': elem.c_name}))

    def visit_object_type(self, typ):
        n = typ.c_name
        self._public(typ, 'bool visit_in_%s(JsonNode *node, const QapiPath *path, %s **obj, '
                     'GError **errp);\n'
                     '/* Fills *obj from the members of o, rejecting unknown ones. */\n'
                     'bool visit_in_%s_object(JsonObject *o, const QapiPath *path, %s *obj, '
                     'GError **errp);\n'
                     'JsonNode *visit_out_%s(const %s *obj);\n'
                     'void visit_out_%s_members(JsonObject *o, const %s *obj);\n\n'
                     % (n, n, n, n, n, n, n, n))
        self.static_decls.append(wrap_if(typ.ifcond, '''\
static bool visit_in_%(n)s_members(JsonObject *o, const QapiPath *path, %(n)s *obj,
%(pad)s guint *consumed, GError **errp);
static bool %(n)s_knows(const void *opaque, const char *name);
''' % {'n': n, 'pad': ' ' * len('static bool visit_in_%s_members' % n)}))
        self.bodies.append(wrap_if(typ.ifcond, self._members_in(typ) + self._knows(typ) +
                                   self._object_in(typ) + self._out(typ)))

    def _members_in(self, typ):
        n = typ.c_name
        lines = []
        own = typ.members
        if typ.base is not None:
            lines.append('    if (!visit_in_%s_members(o, path, (%s *)obj, consumed, errp)) {\n'
                         '        return false;\n    }\n' % (typ.base.c_name, typ.base.c_name))
            own = typ.local_members
        for m in own:
            setter = ('        obj->has_%s = true;\n' % m.c_name) if m.need_has() else ''
            text = '''\
    node = json_object_get_member(o, %(name)s);
    if (node) {
        const QapiPath member_path = { path, %(name)s, 0 };

        ++*consumed;
        if (!visit_in_%(t)s(node, &member_path, &obj->%(c)s, errp)) {
            return false;
        }
%(setter)s    }''' % {'name': c_string(m.name), 't': m.type.c_name, 'c': m.c_name,
                     'setter': setter}
            if m.optional:
                text += '\n'
            else:
                text += ''' else {
        const QapiPath member_path = { path, %s, 0 };

        return visit_error_missing(&member_path, errp);
    }
''' % c_string(m.name)
            lines.append(wrap_if(m.ifcond, text))
        if typ.variants:
            tag = typ.variants.tag_member
            lines.append('    switch (obj->%s) {\n' % tag.c_name)
            for v in typ.variants.variants:
                if v.type.is_empty():
                    continue
                lines.append(wrap_if(v.ifcond, '    case %s:\n'
                                     '        return visit_in_%s_members(o, path, &obj->u.%s, '
                                     'consumed, errp);\n'
                                     % (tag.type.const(v.name), v.type.c_name, _cm(v))))
            lines.append('    default:\n        break;\n    }\n')
        decl = '    JsonNode *node;\n\n' if own else ''
        return '''\
static bool visit_in_%(n)s_members(JsonObject *o, const QapiPath *path, %(n)s *obj,
%(pad)s guint *consumed, GError **errp)
{
%(decl)s%(body)s    return true;
}

''' % {'n': n, 'pad': ' ' * len('static bool visit_in_%s_members' % n), 'decl': decl,
       'body': ''.join(lines)}

    def _knows(self, typ):
        n = typ.c_name
        names = ''.join(wrap_if(m.ifcond, '        %s,\n' % c_string(m.name))
                        for m in typ.members)
        text = '''\
static bool %(n)s_knows(const void *opaque, const char *name)
{
    static const char *const names[] = {
%(names)s        NULL
    };
''' % {'n': n, 'names': names}
        if typ.variants:
            tag = typ.variants.tag_member
            text += '    const %s *obj = opaque;\n\n' % n
            text += '    if (qapi_name_in(names, name)) {\n        return true;\n    }\n'
            text += '    switch (obj->%s) {\n' % tag.c_name
            for v in typ.variants.variants:
                if v.type.is_empty():
                    continue
                text += wrap_if(v.ifcond, '    case %s:\n        return %s_knows(&obj->u.%s, '
                                'name);\n' % (tag.type.const(v.name), v.type.c_name, _cm(v)))
            text += '    default:\n        return false;\n    }\n}\n\n'
        else:
            text += '\n    return qapi_name_in(names, name);\n}\n\n'
        return text

    def _object_in(self, typ):
        return '''\
bool visit_in_%(n)s_object(JsonObject *o, const QapiPath *path, %(n)s *obj, GError **errp)
{
    guint consumed = 0;

    if (!visit_in_%(n)s_members(o, path, obj, &consumed, errp)) {
        return false;
    }
    return visit_in_check_object(o, path, consumed, %(n)s_knows, obj, errp);
}

bool visit_in_%(n)s(JsonNode *node, const QapiPath *path, %(n)s **obj, GError **errp)
{
    g_autoptr(%(n)s) tmp = NULL;
    JsonObject *o;

    *obj = NULL;
    if (!visit_in_get_object(node, path, &o, errp)) {
        return false;
    }
    tmp = g_new0(%(n)s, 1);
    if (!visit_in_%(n)s_object(o, path, tmp, errp)) {
        return false;
    }
    *obj = g_steal_pointer(&tmp);
    return true;
}

''' % {'n': typ.c_name}

    def _out(self, typ):
        n = typ.c_name
        lines = []
        own = typ.members
        if typ.base is not None:
            lines.append('    visit_out_%s_members(o, (const %s *)obj);\n'
                         % (typ.base.c_name, typ.base.c_name))
            own = typ.local_members
        for m in own:
            stmt = 'json_object_set_member(o, %s, visit_out_%s(obj->%s));' % (
                c_string(m.name), m.type.c_name, m.c_name)
            if m.optional:
                cond = ('obj->has_%s' % m.c_name) if m.need_has() else 'obj->%s' % m.c_name
                text = '    if (%s) {\n        %s\n    }\n' % (cond, stmt)
            else:
                text = '    %s\n' % stmt
            lines.append(wrap_if(m.ifcond, text))
        if typ.variants:
            tag = typ.variants.tag_member
            lines.append('    switch (obj->%s) {\n' % tag.c_name)
            for v in typ.variants.variants:
                if v.type.is_empty():
                    continue
                lines.append(wrap_if(v.ifcond, '    case %s:\n'
                                     '        visit_out_%s_members(o, &obj->u.%s);\n'
                                     '        break;\n'
                                     % (tag.type.const(v.name), v.type.c_name, _cm(v))))
            lines.append('    default:\n        break;\n    }\n')
        return '''\
JsonNode *visit_out_%(n)s(const %(n)s *obj)
{
    JsonObject *o;

    if (!obj) {
        return json_node_new(JSON_NODE_NULL);
    }
    o = json_object_new();
    visit_out_%(n)s_members(o, obj);
    return qapi_node_take_object(o);
}

void visit_out_%(n)s_members(JsonObject *o, const %(n)s *obj)
{
%(body)s}

''' % {'n': n, 'body': ''.join(lines)}

    def visit_alternate_type(self, typ):
        n = typ.c_name
        self._public(typ, 'bool visit_in_%s(JsonNode *node, const QapiPath *path, %s **obj, '
                     'GError **errp);\nJsonNode *visit_out_%s(const %s *obj);\n\n'
                     % (n, n, n, n))
        cases_in = []
        cases_out = []
        expected = []
        for v in typ.variants.variants:
            jt = v.type.json_type()
            qt = QTYPE[jt]
            expected.append(JSON_TYPE_DESC['number' if jt == 'int' and any(
                w.type.json_type() == 'number' for w in typ.variants.variants) else jt])
            cases_in.append(wrap_if(v.ifcond, '''\
    case %(qt)s:
        tmp->type = %(qt)s;
        if (!visit_in_%(t)s(node, path, &tmp->u.%(m)s, errp)) {
            return false;
        }
        break;
''' % {'qt': qt, 't': v.type.c_name, 'm': _cm(v)}))
            cases_out.append(wrap_if(v.ifcond, '    case %s:\n        return visit_out_%s('
                                     'obj->u.%s);\n' % (qt, v.type.c_name, _cm(v))))
        if len(expected) > 1:
            expected_text = ', '.join(expected[:-1]) + ' or ' + expected[-1]
        else:
            expected_text = expected[0]
        self.bodies.append(wrap_if(typ.ifcond, '''\
bool visit_in_%(n)s(JsonNode *node, const QapiPath *path, %(n)s **obj, GError **errp)
{
    g_autoptr(%(n)s) tmp = g_new0(%(n)s, 1);

    *obj = NULL;
    switch (visit_in_qtype(node)) {
%(cases)s    default:
        return visit_error_type(path, %(exp)s, errp);
    }
    *obj = g_steal_pointer(&tmp);
    return true;
}

JsonNode *visit_out_%(n)s(const %(n)s *obj)
{
    if (!obj) {
        return json_node_new(JSON_NODE_NULL);
    }
    switch (obj->type) {
%(out)s    default:
        return json_node_new(JSON_NODE_NULL);
    }
}

''' % {'n': n, 'cases': ''.join(cases_in), 'exp': c_string(expected_text),
       'out': ''.join(cases_out)}))

    def visit_end(self):
        g = guard(self.h.fname)
        self.h.add('#ifndef %s\n#define %s\n\n#include "util/qapi-visit-core.h"\n'
                   '#include "%s"\n\n' % (g, g, self.prefix + 'qapi-types.h'))
        self.h.add(''.join(self.decls))
        self.h.add('#endif /* %s */\n' % g)
        self.c.add('#include "config-host.h"\n#include "%s"\n\n' % self.h.fname)
        self.c.add(''.join(self.static_decls) + '\n')
        self.c.add(''.join(self.bodies))


def generate(schema, prefix):
    gen = VisitGen(prefix)
    schema.visit(gen)
    return [gen.h, gen.c]


__all__ = ['generate', 'BuiltinType', 'EnumType']

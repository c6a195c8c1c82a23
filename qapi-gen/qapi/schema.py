# Stage 3: the typed model. Definitions become entities with resolved types; semantic
# rules (unknown types, clashes after C mangling, union/alternate rules, phases, docs)
# are checked here. Backends walk the model through QAPISchemaVisitor.

from .common import Cond, c_enum_const, c_name
from .error import QAPIError
from .expr import check_exprs
from .parser import QAPISchemaParser

# name -> (JSON type, C type, C type when passed as a const argument)
BUILTINS = {
    'str': ('string', 'char *', 'const char *'),
    'number': ('number', 'double', None),
    'int': ('int', 'int64_t', None),
    'int8': ('int', 'int8_t', None),
    'int16': ('int', 'int16_t', None),
    'int32': ('int', 'int32_t', None),
    'int64': ('int', 'int64_t', None),
    'uint8': ('int', 'uint8_t', None),
    'uint16': ('int', 'uint16_t', None),
    'uint32': ('int', 'uint32_t', None),
    'uint64': ('int', 'uint64_t', None),
    'size': ('int', 'uint64_t', None),
    'bool': ('boolean', 'bool', None),
    'null': ('null', 'JsonNode *', None),
    'any': ('value', 'JsonNode *', None),
}


class QAPISchemaVisitor:
    """Backends override what they need; the schema calls these in definition order."""

    def visit_begin(self, schema):
        pass

    def visit_end(self):
        pass

    def visit_builtin_type(self, typ):
        pass

    def visit_enum_type(self, typ):
        pass

    def visit_array_type(self, typ):
        pass

    def visit_object_type(self, typ):
        pass

    def visit_alternate_type(self, typ):
        pass

    def visit_command(self, cmd):
        pass

    def visit_event(self, event):
        pass


class Feature:
    def __init__(self, name, info, ifcond):
        self.name = name
        self.info = info
        self.ifcond = Cond(ifcond)

    @property
    def is_special(self):
        return self.name in ('deprecated', 'unstable')


def _features(raw, info):
    return [Feature(f['name'], info, f.get('if')) for f in raw or []]


class Entity:
    meta = None

    def __init__(self, name, info, doc=None, ifcond=None, features=None):
        self.name = name
        self.info = info
        self.doc = doc
        self.ifcond = ifcond if isinstance(ifcond, Cond) else Cond(ifcond)
        self.features = features or []

    @property
    def c_name(self):
        return c_name(self.name)

    def describe(self):
        return "%s '%s'" % (self.meta, self.name)

    def is_implicit(self):
        return self.info is None or self.name.startswith('q_')

    def has_feature(self, name):
        return any(f.name == name for f in self.features)

    def visit(self, visitor):
        pass


class Type(Entity):
    def json_type(self):
        raise NotImplementedError

    def c_type(self):
        raise NotImplementedError

    def c_param_type(self):
        return self.c_type()

    def is_pointer(self):
        return self.c_type().endswith('*')


class BuiltinType(Type):
    meta = 'built-in'

    def __init__(self, name):
        super().__init__(name, None)
        self._json, self._c, self._param = BUILTINS[name]

    def json_type(self):
        return self._json

    def c_type(self):
        return self._c

    def c_param_type(self):
        return self._param or self._c

    @property
    def c_name(self):
        return self.name

    def is_implicit(self):
        return False

    def visit(self, visitor):
        visitor.visit_builtin_type(self)


class EnumMember:
    def __init__(self, name, info, ifcond, features):
        self.name = name
        self.info = info
        self.ifcond = Cond(ifcond)
        self.features = features


class EnumType(Type):
    meta = 'enum'

    def __init__(self, name, info, doc, ifcond, features, members, prefix):
        super().__init__(name, info, doc, ifcond, features)
        self.members = members
        self.prefix = prefix

    def json_type(self):
        return 'string'

    def c_type(self):
        return self.c_name

    def const(self, value):
        return c_enum_const(self.name, value, self.prefix)

    def const_max(self):
        return c_enum_const(self.name, '_MAX', self.prefix)

    def check(self, schema):
        seen = {}
        for m in self.members:
            cn = c_name(m.name, protect=False)
            if cn in seen:
                raise QAPIError(self.info, "value '%s' of %s collides with value '%s'"
                                % (m.name, self.describe(), seen[cn]))
            seen[cn] = m.name

    def doc_members(self):
        return [m.name for m in self.members]

    def visit(self, visitor):
        visitor.visit_enum_type(self)


class ArrayType(Type):
    meta = 'array'

    def __init__(self, element_name, info):
        super().__init__(element_name + 'List', None)
        self.element_name = element_name
        self.use_info = info
        self.element_type = None

    def check(self, schema):
        self.element_type = schema.resolve(self.element_name, self.use_info, 'array element')
        self.ifcond = self.element_type.ifcond

    def json_type(self):
        return 'array'

    def c_type(self):
        return self.c_name + ' *'

    def is_implicit(self):
        return True

    def visit(self, visitor):
        visitor.visit_array_type(self)


class Member:
    def __init__(self, name, type_ref, optional, info, ifcond=None, features=None):
        self.name = name
        self.type_ref = type_ref
        self.optional = optional
        self.info = info
        self.ifcond = Cond(ifcond)
        self.features = features or []
        self.type = None
        self.owner = None

    @property
    def c_name(self):
        return c_name(self.name)

    def need_has(self):
        return self.optional and not self.type.is_pointer()

    def describe(self):
        return "member '%s' of %s" % (self.name, self.owner.describe())

    def check(self, schema):
        self.type = schema.resolve_ref(self.type_ref, self.info, self.describe())


class Variant:
    def __init__(self, name, type_ref, info, ifcond=None):
        self.name = name
        self.type_ref = type_ref
        self.info = info
        self.ifcond = Cond(ifcond)
        self.type = None


class Variants:
    """Union branches (tag_member is the discriminator) or alternate branches (no tag)."""

    def __init__(self, tag_name, variants):
        self.tag_name = tag_name
        self.tag_member = None
        self.variants = variants


class ObjectType(Type):
    meta = 'struct'

    def __init__(self, name, info, doc, ifcond, features, base_ref, members, variants,
                 meta='struct'):
        super().__init__(name, info, doc, ifcond, features)
        self.meta = meta
        self.base_ref = base_ref
        self.base = None
        self.local_members = members
        for m in members:
            m.owner = self
        self.variants = variants
        self.members = None     # base members + local members, after check()
        self._checking = False

    def json_type(self):
        return 'object'

    def c_type(self):
        return self.c_name + ' *'

    def is_implicit(self):
        return self.name.startswith('q_')

    def is_empty(self):
        return not self.members and not self.variants

    def describe(self):
        if self.name.startswith('q_obj_'):
            return "'%s' of %s" % (self.name[-3:] == 'arg' and 'data' or 'base', self.owner_desc)
        return super().describe()

    def check(self, schema):
        if self.members is not None:
            return
        if self._checking:
            raise QAPIError(self.info, "object '%s' contains itself" % self.name)
        self._checking = True
        members = []
        if self.base_ref is not None:
            self.base = schema.resolve(self.base_ref, self.info, "'base' of %s"
                                       % self.describe())
            if not isinstance(self.base, ObjectType) or self.base.variants:
                raise QAPIError(self.info, "'base' of %s requires a struct type, %s isn't"
                                % (self.describe(), self.base.describe()))
            self.base.check(schema)
            members = list(self.base.members)
        seen = {m.c_name: m for m in members}
        for m in self.local_members:
            m.check(schema)
            other = seen.get(m.c_name)
            if other is not None:
                raise QAPIError(self.info, "%s collides with %s"
                                % (m.describe(), other.describe()))
            seen[m.c_name] = m
            members.append(m)
        self.members = members
        self._checking = False
        if self.variants:
            self._check_variants(schema, seen)

    def _check_variants(self, schema, seen):
        v = self.variants
        tag = next((m for m in self.members if m.name == v.tag_name), None)
        if tag is None:
            raise QAPIError(self.info, "discriminator '%s' is not a member of 'base' of %s"
                            % (v.tag_name, self.describe()))
        if tag.optional:
            raise QAPIError(self.info, "discriminator member '%s' of 'base' of %s must not "
                            "be optional" % (v.tag_name, self.describe()))
        if tag.ifcond:
            raise QAPIError(self.info, "discriminator member '%s' of 'base' of %s must not "
                            "be conditional" % (v.tag_name, self.describe()))
        if not isinstance(tag.type, EnumType):
            raise QAPIError(self.info, "discriminator member '%s' of 'base' of %s must be "
                            "of enum type" % (v.tag_name, self.describe()))
        v.tag_member = tag
        values = [m.name for m in tag.type.members]
        for var in v.variants:
            if var.name not in values:
                raise QAPIError(self.info, "branch '%s' of %s is not a value of %s"
                                % (var.name, self.describe(), tag.type.describe()))
            var.type = schema.resolve_ref(var.type_ref, self.info, "branch '%s' of %s"
                                          % (var.name, self.describe()))
            if not isinstance(var.type, ObjectType) or var.type.variants:
                raise QAPIError(self.info, "branch '%s' of %s cannot use %s"
                                % (var.name, self.describe(), var.type.describe()
                                   if not isinstance(var.type, BuiltinType)
                                   else "built-in type '%s'" % var.type.name))
            var.type.check(schema)
            for m in var.type.members:
                other = seen.get(m.c_name)
                if other is not None:
                    raise QAPIError(self.info, "member '%s' of branch '%s' of %s collides "
                                    "with %s" % (m.name, var.name, self.describe(),
                                                 other.describe()))
            if var.type is self:
                raise QAPIError(self.info, "object '%s' contains itself" % self.name)

    def doc_members(self):
        if self.meta == 'union':
            base = self.base
            return [m.name for m in base.local_members] if base.is_implicit() else []
        return [m.name for m in self.local_members]

    def visit(self, visitor):
        visitor.visit_object_type(self)


class AlternateType(Type):
    meta = 'alternate'

    def __init__(self, name, info, doc, ifcond, features, variants):
        super().__init__(name, info, doc, ifcond, features)
        self.variants = variants

    def json_type(self):
        return 'value'

    def c_type(self):
        return self.c_name + ' *'

    def check(self, schema):
        seen_json = {}
        seen_c = {}
        for var in self.variants.variants:
            what = "branch '%s' of %s" % (var.name, self.describe())
            cn = c_name(var.name)
            if cn in seen_c:
                raise QAPIError(self.info, "%s collides with branch '%s'" % (what, seen_c[cn]))
            seen_c[cn] = var.name
            var.type = schema.resolve_ref(var.type_ref, self.info, what)
            t = var.type
            if isinstance(t, AlternateType):
                raise QAPIError(self.info, "%s cannot use %s" % (what, t.describe()))
            if isinstance(t, BuiltinType) and t.name == 'any':
                raise QAPIError(self.info, "%s cannot use built-in type 'any'" % what)
            jt = t.json_type()
            if jt == 'int':
                jt = 'number'
            if jt in seen_json:
                raise QAPIError(self.info, "%s can't be distinguished from '%s'"
                                % (what, seen_json[jt]))
            seen_json[jt] = var.name

    def doc_members(self):
        return [v.name for v in self.variants.variants]

    def visit(self, visitor):
        visitor.visit_alternate_type(self)


class Command(Entity):
    meta = 'command'

    def __init__(self, name, info, doc, ifcond, features, arg_ref, ret_ref, boxed, gen,
                 success_response, allow_oob, phases):
        super().__init__(name, info, doc, ifcond, features)
        self.arg_ref = arg_ref
        self.ret_ref = ret_ref
        self.boxed = boxed
        self.gen = gen
        self.success_response = success_response
        self.allow_oob = allow_oob
        self.phases = phases        # list of phase names or None (= every phase)
        self.arg_type = None
        self.ret_type = None

    def check(self, schema):
        self.arg_type = _check_arg_type(self, schema)
        if self.ret_ref is not None:
            self.ret_type = schema.resolve_ref(self.ret_ref, self.info,
                                               "'returns' of %s" % self.describe())
            t = self.ret_type
            elem = t.element_type if isinstance(t, ArrayType) else t
            if self.name not in schema.pragma.command_returns_exceptions and \
                    not (isinstance(elem, ObjectType) and not elem.is_implicit()):
                raise QAPIError(self.info, "%s cannot return %s" % (
                    self.describe(), "built-in type '%s'" % t.name if isinstance(t, BuiltinType)
                    else t.describe() if not isinstance(t, ArrayType)
                    else "an array of '%s'" % elem.name))
        if self.phases is not None:
            enum = schema.phase_enum
            if enum is None:
                raise QAPIError(self.info, "%s has 'phases' but no pragma 'phase-enum' "
                                "names the phase enum" % self.describe())
            values = [m.name for m in enum.members]
            for p in self.phases:
                if p not in values:
                    raise QAPIError(self.info, "%s: phase '%s' is not a value of %s"
                                    % (self.describe(), p, enum.describe()))

    def doc_members(self):
        if self.arg_type is not None and self.arg_type.is_implicit():
            return [m.name for m in self.arg_type.local_members]
        return []

    def visit(self, visitor):
        visitor.visit_command(self)


class Event(Entity):
    meta = 'event'

    def __init__(self, name, info, doc, ifcond, features, arg_ref, boxed):
        super().__init__(name, info, doc, ifcond, features)
        self.arg_ref = arg_ref
        self.boxed = boxed
        self.arg_type = None

    def check(self, schema):
        self.arg_type = _check_arg_type(self, schema)

    doc_members = Command.doc_members

    def visit(self, visitor):
        visitor.visit_event(self)


def _check_arg_type(entity, schema):
    if entity.arg_ref is None:
        return None
    t = schema.resolve(entity.arg_ref, entity.info, "'data' of %s" % entity.describe())
    if not isinstance(t, ObjectType):
        raise QAPIError(entity.info, "'data' of %s cannot use %s" % (
            entity.describe(), "built-in type '%s'" % t.name if isinstance(t, BuiltinType)
            else t.describe()))
    if t.variants and not entity.boxed:
        raise QAPIError(entity.info, "'data' of %s cannot use %s without 'boxed': true"
                        % (entity.describe(), t.describe()))
    t.check(schema)
    if not entity.boxed:
        for m in t.members:
            if m.ifcond:
                raise QAPIError(entity.info, "%s is conditional, which needs 'boxed': true"
                                % m.describe())
    return t


class QAPISchema:
    def __init__(self, fname):
        parser = QAPISchemaParser(fname)
        self.files = parser.files
        self.docs = parser.docs
        self.pragma, exprs = check_exprs(parser.exprs)
        self._entities = []
        self._by_name = {}
        for name in BUILTINS:
            self._define(BuiltinType(name))
        for name in BUILTINS:
            self._define(ArrayType(name, None))
        for expr in exprs:
            self._def_expr(expr)
        self._check()

    # --- building ------------------------------------------------------------------------

    def _define(self, ent):
        other = self._by_name.get(ent.name)
        if other is not None:
            if other.info is None:
                raise QAPIError(ent.info, "%s uses a built-in type name" % ent.describe())
            raise QAPIError(ent.info, "'%s' is already defined at %s" % (ent.name, other.info))
        self._by_name[ent.name] = ent
        self._entities.append(ent)
        return ent

    def _make_members(self, data, info):
        return [Member(name, m['type'], m['optional'], info, m.get('if'),
                       _features(m.get('features'), info)) for name, m in data.items()]

    def _make_implicit(self, name, data, info, ifcond, owner):
        t = ObjectType(name, info, None, ifcond, [], None, self._make_members(data, info),
                       None)
        t.owner_desc = owner.describe()
        self._define(t)
        return t.name

    def _def_expr(self, expr):
        d = expr.data
        info, doc, meta = expr.info, expr.doc, expr.meta
        name = d[meta]
        ifcond = d.get('if')
        feats = _features(d.get('features'), info)
        if meta == 'enum':
            members = [EnumMember(m['name'], info, m.get('if'), _features(m.get('features'),
                                                                           info))
                       for m in d['data']]
            ent = EnumType(name, info, doc, ifcond, feats, members, d.get('prefix'))
        elif meta == 'struct':
            ent = ObjectType(name, info, doc, ifcond, feats, d.get('base'),
                             self._make_members(d['data'], info), None)
        elif meta == 'union':
            base = d['base']
            variants = Variants(d['discriminator'],
                                [Variant(k, v['type'], info, v.get('if'))
                                 for k, v in d['data'].items()])
            ent = ObjectType(name, info, doc, ifcond, feats, None, [], variants, meta='union')
            if isinstance(base, dict):
                base = self._make_implicit('q_obj_%s-base' % name, base, info, ifcond, ent)
            ent.base_ref = base
        elif meta == 'alternate':
            variants = Variants(None, [Variant(k, v['type'], info, v.get('if'))
                                       for k, v in d['data'].items()])
            ent = AlternateType(name, info, doc, ifcond, feats, variants)
        elif meta == 'command':
            ent = Command(name, info, doc, ifcond, feats, None, d.get('returns'),
                          d.get('boxed', False), d.get('gen', True),
                          d.get('success-response', True), d.get('allow-oob', False),
                          d.get('phases'))
            ent.arg_ref = self._arg_ref(d.get('data'), name, info, ifcond, ent)
        else:
            ent = Event(name, info, doc, ifcond, feats, None, d.get('boxed', False))
            ent.arg_ref = self._arg_ref(d.get('data'), name, info, ifcond, ent)
        self._define(ent)
        if isinstance(ent, Type):
            arr = ArrayType(name, info)
            self._define(arr)

    def _arg_ref(self, data, name, info, ifcond, owner):
        if isinstance(data, dict):
            if not data:
                return None
            return self._make_implicit('q_obj_%s-arg' % name, data, info, ifcond, owner)
        return data

    # --- resolving and checking ----------------------------------------------------------

    def lookup(self, name):
        return self._by_name.get(name)

    def resolve(self, name, info, what):
        t = self._by_name.get(name)
        if t is None or not isinstance(t, Type):
            raise QAPIError(info, "%s uses unknown type '%s'" % (what, name))
        return t

    def resolve_ref(self, ref, info, what):
        if isinstance(ref, list):
            self.resolve(ref[0], info, what)
            arr = self._by_name[ref[0] + 'List']
            if arr.element_type is None:
                arr.check(self)
            return arr
        return self.resolve(ref, info, what)

    def _check(self):
        self.phase_enum = None
        if self.pragma.phase_enum is not None:
            name, info = self.pragma.phase_enum
            t = self._by_name.get(name)
            if not isinstance(t, EnumType):
                raise QAPIError(info, "pragma 'phase-enum' names %s, which is not an enum"
                                % ("unknown type '%s'" % name if t is None
                                   else t.describe()))
            if any(m.ifcond for m in t.members):
                raise QAPIError(info, "pragma 'phase-enum' names %s, which must not have conditional values"
                                % t.describe())
            if len(t.members) > 64:
                raise QAPIError(info, "pragma 'phase-enum' names %s, which has more than 64 values" % t.describe())
            self.phase_enum = t
        for ent in self._entities:
            if hasattr(ent, 'check'):
                ent.check(self)
        for ent in self._entities:
            if ent.info is not None and not ent.is_implicit():
                self._check_doc(ent)

    def _check_doc(self, ent):
        if ent.doc is None:
            if self.pragma.doc_required:
                raise QAPIError(ent.info, "documentation comment required for %s"
                                % ent.describe())
            return
        ent.doc.check(ent, ent.doc_members(), [f.name for f in ent.features],
                      self.pragma.doc_required)

    # --- walking -------------------------------------------------------------------------

    def entities(self):
        return list(self._entities)

    def visit(self, visitor):
        visitor.visit_begin(self)
        for ent in self._entities:
            ent.visit(visitor)
        visitor.visit_end()

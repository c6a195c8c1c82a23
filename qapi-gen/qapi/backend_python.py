# Backend 'python': the typed part of the asyncio client package `hull` (qapi.py): an
# enum.Enum per enum, a dataclass per struct, union branch and event, a class per
# alternate, one async method per command, and metadata tables (COMMANDS, EVENTS, TYPES)
# that the hand-written runtime (clients/python/hull/) and hullctl work from.

import keyword
import re

from .common import c_name
from .error import QAPIError
from .schema import AlternateType, ArrayType, BuiltinType, Command, EnumType, Event, ObjectType

# Attributes of the client class (clients/python/hull/protocol.py) that a command's method
# must not replace; a command whose Python name is one of these gets a trailing '_'.
CLIENT_RESERVED = frozenset((
    'close', 'connect', 'connected', 'events', 'execute', 'greeting', 'path', 'reconnect',
    'wait_closed', 'with_fds', 'capabilities', 'schema', 'call', 'client', 'send',
    'build_arguments'))
# Attributes of the generated dataclasses and their bases; events also have these.
OBJECT_RESERVED = frozenset(('from_json', 'to_json'))
EVENT_RESERVED = OBJECT_RESERVED | frozenset(('name', 'timestamp', 'data'))
# Module-level names of the generated module.
MODULE_RESERVED = frozenset(('Commands', 'COMMANDS', 'EVENTS', 'TYPES'))

PY_BUILTIN = {'str': 'str', 'number': 'float', 'bool': 'bool', 'null': 'None', 'any': '_t.Any'}


class TextFile:
    def __init__(self, fname, text):
        self.fname = fname
        self._text = text

    def text(self):
        return self._text


def py_ident(name, reserved=()):
    """A Python identifier for a schema name: '-', '.' and '+' become '_', leading '_'
    go; keywords and reserved names get a trailing '_'."""
    out = c_name(name, protect=False)
    # Vendor extensions (__org.example_x): a leading '__' would be name-mangled inside
    # class bodies, and '_' marks private names; org_example_x instead.
    out = out.lstrip('_') or out
    if out[:1].isdigit():
        out = '_' + out
    if keyword.iskeyword(out) or out in reserved or out == 'self':
        out += '_'
    return out


def enum_const(value):
    out = c_name(value, protect=False).upper()
    return '_' + out if out[:1].isdigit() or out.startswith('_') else out


def event_class_name(name):
    return ''.join(p.capitalize() for p in re.split(r'[^A-Za-z0-9]+', name) if p) + 'Event'


def type_ref(typ):
    """How generated metadata names a type: the schema name, [element] for arrays."""
    if isinstance(typ, ArrayType):
        return [type_ref(typ.element_type)]
    return typ.name


def py_type(typ, arg=False):
    """The annotation for a value of typ (arguments also accept enum values as str)."""
    if isinstance(typ, ArrayType):
        return 'list[%s]' % py_type(typ.element_type, arg)
    if isinstance(typ, BuiltinType):
        return PY_BUILTIN.get(typ.name, 'int')
    name = py_ident(typ.name)
    if isinstance(typ, EnumType) and arg:
        return '%s | str' % name
    if isinstance(typ, ObjectType) and arg:
        return '%s | dict' % name
    return name


def quote_doc(text):
    text = text.replace('\\', '\\\\').replace('"""', '\\"\\"\\"')
    return '"""%s"""' % text


def indent(text, n):
    pad = ' ' * n
    return '\n'.join((pad + ln) if ln.strip() else '' for ln in text.split('\n'))


def inline(text):
    """Doc text for Python readers: '@name' references become plain names."""
    return re.sub(r'@([A-Za-z0-9_.-]*[A-Za-z0-9_])', r'\1', text)


def member_doc(doc, name):
    if doc is not None and name in doc.args:
        return inline(doc.args[name].text)
    return ''


def section_text(sec):
    """A tagged doc section ('Returns: ...', 'Example:' and an indented block)."""
    lines = [ln.rstrip() for ln in getattr(sec, 'lines', None) or []]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if sec.tag in ('Example', 'Examples') or len(lines) > 1:
        # Keep the text's own indentation (examples, list items and their continuation
        # lines): only the common part goes.
        common = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
        text = '\n'.join(ln[common:] for ln in lines)
        if sec.tag not in ('Example', 'Examples'):
            text = inline(text)
        return '%s:\n%s' % (sec.tag, indent(text, 4))
    text = inline(sec.text)
    if '\n' in text or text.startswith('-'):
        return '%s:\n%s' % (sec.tag, indent(text, 4))
    return '%s: %s' % (sec.tag, text)


def extra_args(cmd):
    """Whether a command takes members beyond those of its schema: a 'gen': false command
    with arguments (QEMU's device_add convention: every other member is a property)."""
    return not cmd.gen and cmd.arg_type is not None and not cmd.boxed


def describe_type(typ):
    if isinstance(typ, ArrayType):
        return 'list of %s' % describe_type(typ.element_type)
    return typ.name


class PythonGen:
    def __init__(self, schema):
        self.schema = schema
        self.out = []
        self.done = set()
        self.names = {}         # Python class name -> what defined it, for clash checks

    # --- helpers --------------------------------------------------------------------

    def claim(self, pyname, ent):
        if pyname in MODULE_RESERVED or pyname.startswith('_'):
            raise QAPIError(ent.info, "%s maps to Python name '%s', which the generated "
                            "module uses itself" % (ent.describe(), pyname))
        other = self.names.get(pyname)
        if other is not None:
            raise QAPIError(ent.info, "%s and %s both map to Python name '%s'"
                            % (ent.describe(), other.describe(), pyname))
        self.names[pyname] = ent

    def members_meta(self, members, doc, reserved=OBJECT_RESERVED):
        seen = {}
        out = []
        for m in members:
            py = py_ident(m.name, reserved)
            if py in seen:
                raise QAPIError(m.info, "%s and member '%s' both map to Python name '%s'"
                                % (m.describe(), seen[py], py))
            seen[py] = m.name
            out.append('_rt.Member(%r, %r, %r, %r, %r)' % (
                m.name, py, type_ref(m.type), m.optional,
                member_doc(doc if doc is not None else getattr(m.owner, 'doc', None),
                           m.name)))
        if not out:
            return '()'
        return '(\n' + ''.join('        %s,\n' % x for x in out) + '    )'

    @staticmethod
    def field(m, reserved=OBJECT_RESERVED):
        ann = py_type(m.type)
        py = py_ident(m.name, reserved)
        if m.optional:
            return '    %s: %s | None = None\n' % (py, ann)
        return '    %s: %s\n' % (py, ann)

    @staticmethod
    def class_doc(ent, members, extra='', reserved=OBJECT_RESERVED):
        doc = ent.doc
        parts = []
        if doc is not None and doc.body_text:
            parts.append(inline(doc.body_text))
        if members:
            lines = ['Attributes:']
            for m in members:
                text = member_doc(doc, m.name) or member_doc(getattr(m.owner, 'doc', None),
                                                             m.name)
                lines.append('    %s (%s%s): %s' % (
                    py_ident(m.name, reserved), describe_type(m.type),
                    ', optional' if m.optional else '', text.replace('\n', ' ')))
            parts.append('\n'.join(lines))
        if extra:
            parts.append(extra)
        if doc is not None:
            parts.extend(section_text(sec) for sec in doc.sections)
        if ent.ifcond:
            parts.append('Only if %s.' % ent.ifcond.docs())
        return '\n\n'.join(parts) or ent.name

    # --- types ----------------------------------------------------------------------

    def enum(self, typ):
        name = py_ident(typ.name)
        self.claim(name, typ)
        lines = ['class %s(_rt.QAPIEnum):\n' % name,
                 indent(quote_doc(self.class_doc(typ, [], self.enum_values(typ))), 4) + '\n']
        for m in typ.members:
            lines.append('    %s = %r\n' % (enum_const(m.name), m.name))
        self.out.append(''.join(lines) + '\n\n')

    @staticmethod
    def enum_values(typ):
        lines = ['Values:']
        for m in typ.members:
            text = typ.doc.args[m.name].text if typ.doc and m.name in typ.doc.args else ''
            lines.append('    %s: %s' % (m.name, inline(text).replace('\n', ' ')))
        return '\n'.join(lines)

    def object(self, typ):
        if typ.name in self.done:
            return
        self.done.add(typ.name)
        if typ.base is not None and not typ.base.is_implicit():
            self.object(typ.base)
        if typ.variants:
            for v in typ.variants.variants:
                self.object(v.type)
        name = py_ident(typ.name)
        self.claim(name, typ)
        if typ.variants:
            self.union(typ, name)
            return
        bases = [py_ident(typ.base.name)] if typ.base is not None else ['_rt.Struct']
        own = typ.local_members
        text = ['@_rt.qapi_dataclass\nclass %s(%s):\n' % (name, ', '.join(bases)),
                indent(quote_doc(self.class_doc(typ, typ.members)), 4) + '\n']
        text.extend(self.field(m) for m in own)
        text.append('    _qapi_name = %r\n' % typ.name)
        text.append('    _qapi_members = %s\n'
                    % self.members_meta(typ.members, typ.doc))
        self.out.append(''.join(text) + '\n\n')

    def union(self, typ, name):
        base = typ.base
        tag = typ.variants.tag_member
        if base.is_implicit():
            bases = ['_rt.Union']
            own = base.local_members
        else:
            bases = [py_ident(base.name), '_rt.Union']
            own = []
        branches = '\n'.join('    %s: %s' % (v.name, py_ident('%s_%s' % (typ.name, v.name)))
                             for v in typ.variants.variants)
        extra = 'Branches (subclasses by the value of %s):\n%s' % (tag.name, branches)
        text = ['@_rt.qapi_dataclass\nclass %s(%s):\n' % (name, ', '.join(bases)),
                indent(quote_doc(self.class_doc(typ, typ.members, extra)), 4) + '\n']
        text.extend(self.field(m) for m in own)
        text.append('    _qapi_name = %r\n' % typ.name)
        text.append('    _qapi_members = %s\n'
                    % self.members_meta(typ.members, typ.doc or base.doc))
        text.append('    _qapi_tag = _qapi_members[%d]\n' % typ.members.index(tag))
        text.append('    _qapi_variants = {%s}\n' % ', '.join(
            '%r: %r' % (v.name, py_ident('%s_%s' % (typ.name, v.name)))
            for v in typ.variants.variants))
        self.out.append(''.join(text) + '\n\n')
        for v in typ.variants.variants:
            sub = py_ident('%s_%s' % (typ.name, v.name))
            self.claim(sub, typ)
            members = typ.members + v.type.members
            doc = '%s with %s "%s": adds the members of %s.' % (typ.name, tag.name, v.name,
                                                                 v.type.name)
            self.out.append(
                '@_rt.qapi_dataclass\nclass %(sub)s(%(name)s, %(branch)s):\n'
                '    %(doc)s\n'
                '    %(tag)s: %(tagtype)s = _dataclasses.field(default=%(tagtype)s.%(const)s, '
                'init=False)\n'
                '    _qapi_members = %(name)s._qapi_members + %(branch)s._qapi_members\n'
                '    _qapi_tag_value = %(value)r\n\n\n'
                % {'sub': sub, 'name': name, 'branch': py_ident(v.type.name),
                   'doc': quote_doc(doc), 'tag': py_ident(tag.name, OBJECT_RESERVED),
                   'tagtype': py_ident(tag.type.name), 'const': enum_const(v.name),
                   'value': v.name})
            del members

    def alternate(self, typ):
        name = py_ident(typ.name)
        self.claim(name, typ)
        lines = ['Branches:']
        for v in typ.variants.variants:
            text = typ.doc.args[v.name].text if typ.doc and v.name in typ.doc.args else ''
            lines.append('    %s (%s): %s' % (v.name, describe_type(v.type),
                                              inline(text).replace('\n', ' ')))
        self.out.append(
            'class %s(_rt.Alternate):\n%s\n'
            '    _qapi_name = %r\n'
            '    _qapi_branches = (%s)\n\n\n'
            % (name, indent(quote_doc(self.class_doc(typ, [], '\n'.join(lines))), 4),
               typ.name, ''.join('(%r, %r), ' % (v.name, type_ref(v.type))
                                 for v in typ.variants.variants)))

    # --- events ---------------------------------------------------------------------

    def event(self, ev):
        name = event_class_name(ev.name)
        self.claim(name, ev)
        t = ev.arg_type
        text = ['@_rt.qapi_dataclass\nclass %s(_rt.Event):\n' % name]
        if ev.boxed:
            text.append(indent(quote_doc(self.class_doc(
                ev, [], 'Attributes:\n    data (%s): the event data' % t.name)), 4) + '\n')
            text.append('    data: %s\n' % py_type(t))
            text.append('    _qapi_boxed = True\n')
            text.append('    _qapi_data_type = %r\n' % t.name)
            text.append('    _qapi_members = ()\n')
        else:
            members = t.members if t is not None else []
            text.append(indent(quote_doc(self.class_doc(ev, members, '', EVENT_RESERVED)), 4)
                        + '\n')
            text.extend(self.field(m, EVENT_RESERVED) for m in members)
            text.append('    _qapi_members = %s\n'
                        % self.members_meta(members, ev.doc, EVENT_RESERVED))
        text.append('    _qapi_name = %r\n' % ev.name)
        self.out.append(''.join(text) + '\n\n')
        return name

    # --- commands -------------------------------------------------------------------

    def command_doc(self, cmd):
        doc = cmd.doc
        parts = []
        if doc is not None and doc.body_text:
            parts.append(inline(doc.body_text))
        t = cmd.arg_type
        if t is not None and cmd.boxed:
            parts.append('Arguments: one %s (an instance, a dict, or its members as keyword '
                         'arguments).' % t.name)
        elif t is not None:
            lines = ['Arguments:']
            for m in t.members:
                text = member_doc(doc, m.name) or member_doc(t.doc, m.name)
                lines.append('    %s (%s%s): %s' % (
                    py_ident(m.name, ('self',)), describe_type(m.type),
                    ', optional' if m.optional else '', text.replace('\n', '\n        ')))
            if extra_args(cmd):
                lines.append('    **extra: further members, sent as given (the schema does '
                             'not list them; a name with \'-\' goes as **{"a-b": value})')
            parts.append('\n'.join(lines))
        if doc is not None:
            parts.extend(section_text(sec) for sec in doc.sections)
        facts = ['QMP command: %s' % cmd.name]
        if cmd.ret_type is not None:
            facts.append('returns %s' % describe_type(cmd.ret_type))
        facts.append('phases: %s' % (', '.join(cmd.phases) if cmd.phases is not None
                                     else 'any'))
        if cmd.allow_oob:
            facts.append('allows out-of-band execution')
        if cmd.ifcond:
            facts.append('only if %s' % cmd.ifcond.docs())
        parts.append('(%s)' % '; '.join(facts))
        return '\n\n'.join(parts)

    def command(self, cmd):
        meth = py_ident(cmd.name, CLIENT_RESERVED)
        t = cmd.arg_type
        ret = py_type(cmd.ret_type) if cmd.ret_type is not None else 'None'
        doc = indent(quote_doc(self.command_doc(cmd)), 8)
        if t is None:
            sig = 'self'
            args = '{}'
        elif cmd.boxed:
            sig = 'self, arg: %s | None = None, /, **kwargs' % py_type(t, True)
            args = 'arg if arg is not None else kwargs'
        else:
            params = []
            pairs = []
            for m in t.members:
                py = py_ident(m.name, ('self',))
                ann = py_type(m.type, True)
                params.append('%s: %s | None = None' % (py, ann) if m.optional
                              else '%s: %s' % (py, ann))
                pairs.append('%r: %s' % (m.name, py))
            # Required members first only for readability of help(); all are keyword-only.
            params.sort(key=lambda p: '=' in p)
            if extra_args(cmd):
                params.append('**extra')
                pairs.append('**extra')
            sig = 'self, *, ' + ', '.join(params)
            args = '{' + ', '.join(pairs) + '}'
        return ('    async def %s(%s) -> %s:\n%s\n'
                '        return await self._qapi_call(%r, %s)\n\n'
                % (meth, sig, ret, doc, cmd.name, args))

    def command_meta(self, cmd):
        t = cmd.arg_type
        doc = cmd.doc
        summary = ''
        if doc is not None and doc.body_text:
            summary = inline(doc.body_text).split('\n\n')[0].replace('\n', ' ')
        if t is None:
            members = '()'
        elif cmd.boxed:
            members = '()'
        else:
            members = self.members_meta(t.members, doc).replace('\n    ', '\n        ')
        return ('    %r: _rt.CommandMeta(\n        name=%r, method=%r,\n'
                '        members=%s,\n'
                '        boxed=%r, returns=%r, allow_oob=%r, success_response=%r,\n'
                '        phases=%r, summary=%r, ifcond=%r, extra_args=%r),\n'
                % (cmd.name, cmd.name, py_ident(cmd.name, CLIENT_RESERVED), members,
                   t.name if cmd.boxed else None,
                   type_ref(cmd.ret_type) if cmd.ret_type is not None else None,
                   cmd.allow_oob, cmd.success_response,
                   tuple(cmd.phases) if cmd.phases is not None else None, summary,
                   cmd.ifcond.docs() if cmd.ifcond else None, extra_args(cmd)))

    # --- the module -----------------------------------------------------------------

    def generate(self):
        schema = self.schema
        types = []
        events = []
        commands = []
        for ent in schema.entities():
            if isinstance(ent, EnumType):
                self.enum(ent)
                types.append(ent.name)
            elif isinstance(ent, ObjectType) and not ent.is_implicit():
                self.object(ent)
            elif isinstance(ent, AlternateType):
                self.alternate(ent)
                types.append(ent.name)
            elif isinstance(ent, Event):
                events.append((ent.name, self.event(ent)))
            elif isinstance(ent, Command):
                commands.append(ent)
        for ent in schema.entities():
            if isinstance(ent, ObjectType) and not ent.is_implicit():
                types.append(ent.name)
                if ent.variants:
                    types.extend(py_ident('%s_%s' % (ent.name, v.name))
                                 for v in ent.variants.variants)
        head = ['# AUTOMATICALLY GENERATED by qapi-gen (backend python) from the QAPI '
                'schema, DO NOT MODIFY\n',
                '"""Types, events and commands of the QMP schema (%s)."""\n\n'
                % ', '.join(sorted(f.rsplit('/', 1)[-1] for f in schema.files)),
                'from __future__ import annotations\n\n',
                'import dataclasses as _dataclasses\n',
                'import typing as _t\n\n',
                'from . import types as _rt\n\n',
                '__all__ = [\'Commands\', \'COMMANDS\', \'EVENTS\', \'TYPES\'%s]\n\n\n'
                % ''.join(', %r' % n for n in sorted(self.names))]
        body = [''.join(self.out)]
        body.append('class Commands:\n'
                    '    """One coroutine per QMP command. Arguments are keyword-only, named '
                    'as in the\n    schema with \'-\' as \'_\'; results are typed. Errors '
                    'raise hull.QMPError\n    subclasses."""\n\n')
        body.extend(self.command(c) for c in commands)
        body.append('\nCOMMANDS = {\n%s}\n\n' % ''.join(self.command_meta(c) for c in commands))
        body.append('EVENTS = {\n%s}\n\n' % ''.join('    %r: %s,\n' % e for e in events))
        body.append('TYPES = {\n%s}\n\n' % ''.join('    %r: %s,\n' % (n, py_ident(n))
                                                  for n in types))
        body.append('_rt.bind_types(TYPES, EVENTS)\n')
        return ''.join(head + body)


def generate(schema, prefix):
    return [TextFile(prefix + 'qapi.py', PythonGen(schema).generate())]

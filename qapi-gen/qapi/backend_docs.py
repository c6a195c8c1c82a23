# Backend 'docs': the QMP reference manual, as Markdown (qmp-reference.md) and as a man
# page (hull-qmp.7), from the schema's doc comments in definition order.

import os
import re
import time

from .schema import AlternateType, ArrayType, Command, EnumType, Event, ObjectType


class TextFile:
    def __init__(self, fname, text):
        self.fname = fname
        self._text = text

    def text(self):
        return self._text


def type_ref(typ):
    if isinstance(typ, ArrayType):
        return '[%s]' % type_ref(typ.element_type)
    return typ.name


class Item:
    """One documented thing: a definition with everything a reader needs about it."""

    def __init__(self, title, kind):
        self.title = title
        self.kind = kind
        self.body = ''
        self.lists = []       # (heading, [(term, description)])
        self.sections = []    # (heading, text, is_code)
        self.notes = []       # (heading, text) short facts: phases, conditions


def _members(members, doc, optional_note=True):
    out = []
    for m in members:
        desc = doc.args[m.name].text if doc and m.name in doc.args else 'Not documented'
        term = '%s: %s%s' % (m.name, type_ref(m.type), ' (optional)' if m.optional else '')
        extra = []
        if m.ifcond:
            extra.append('only if %s' % m.ifcond.docs())
        for f in m.features:
            extra.append('feature %s' % f.name)
        if extra:
            desc += ' [%s]' % '; '.join(extra)
        out.append((term, desc))
    return out


def _arg_list(ent, doc, what):
    t = ent.arg_type
    if t is None:
        return []
    if t.is_implicit() and not ent.boxed:
        return [(what, _members(t.local_members, doc))]
    return [(what, [('the members of %s' % t.name, 'documented there')])]


def build_items(schema, phase_enum):
    """Free-form sections and definitions, in schema order."""
    items = []
    for doc in schema.docs:
        if doc.symbol is None:
            items.append(('freeform', doc.body_text))
            continue
        ent = doc.entity
        if ent is None:
            continue
        item = Item(ent.name, ent.meta)
        item.body = doc.body_text
        if isinstance(ent, EnumType):
            vals = []
            for m in ent.members:
                desc = doc.args[m.name].text if m.name in doc.args else 'Not documented'
                if m.ifcond:
                    desc += ' [only if %s]' % m.ifcond.docs()
                vals.append((m.name, desc))
            item.lists.append(('Values', vals))
        elif isinstance(ent, ObjectType):
            if ent.meta == 'union':
                base = ent.base
                if base.is_implicit():
                    item.lists.append(('Members', _members(base.local_members, doc)))
                else:
                    item.lists.append(('Members', [('the members of %s' % base.name, '')]))
                item.lists.append(('Variants', [
                    ('when %s is "%s"' % (ent.variants.tag_member.name, v.name),
                     'the members of %s' % v.type.name) for v in ent.variants.variants]))
            else:
                if ent.base is not None:
                    item.lists.append(('Base', [('the members of %s' % ent.base.name, '')]))
                item.lists.append(('Members', _members(ent.local_members, doc)))
        elif isinstance(ent, AlternateType):
            item.lists.append(('One of', [
                ('%s: %s' % (v.name, type_ref(v.type)),
                 doc.args[v.name].text if v.name in doc.args else 'Not documented')
                for v in ent.variants.variants]))
        elif isinstance(ent, Command):
            item.lists.extend(_arg_list(ent, doc, 'Arguments'))
            if ent.phases is not None:
                item.notes.append(('Phases', ', '.join(ent.phases)))
            elif phase_enum is not None:
                item.notes.append(('Phases', 'any'))
            if ent.allow_oob:
                item.notes.append(('Out-of-band', 'yes (may be sent with "exec-oob")'))
            if not ent.success_response:
                item.notes.append(('Response', 'none on success'))
        elif isinstance(ent, Event):
            item.lists.extend(_arg_list(ent, doc, 'Data'))
        if ent.features:
            item.lists.append(('Features', [
                (f.name, doc.features[f.name].text if f.name in doc.features
                 else 'Not documented') for f in ent.features]))
        if ent.ifcond:
            item.notes.append(('Availability', 'only if %s' % ent.ifcond.docs()))
        for sec in doc.sections:
            code = sec.tag in ('Example', 'Examples')
            item.sections.append((sec.tag, sec.text, code))
        items.append(('item', item))
    return items


def _md_inline(text):
    return re.sub(r'@([A-Za-z0-9_.-]*[A-Za-z0-9_])', r'`\1`', text)


def to_markdown(items):
    out = []
    for kind, it in items:
        if kind == 'freeform':
            for line in it.splitlines():
                m = re.match(r'^(=+) (.*)$', line)
                out.append(('#' * len(m.group(1)) + ' ' + m.group(2)) if m
                           else _md_inline(line))
            out.append('')
            continue
        out.append('### `%s` (%s)\n' % (it.title, it.kind))
        if it.body:
            out.append(_md_inline(it.body) + '\n')
        for heading, entries in it.lists:
            out.append('**%s**\n' % heading)
            for term, desc in entries:
                desc = _md_inline(desc).replace('\n', ' ')
                out.append('- `%s`%s' % (term, (': ' + desc) if desc else ''))
            out.append('')
        for heading, text in it.notes:
            out.append('**%s**: %s\n' % (heading, text))
        for heading, text, code in it.sections:
            if code:
                out.append('**%s**\n\n```\n%s\n```\n' % (heading, _dedent(text)))
            else:
                out.append('**%s**: %s\n' % (heading, _md_inline(text)))
    return '\n'.join(out).rstrip('\n') + '\n'


def _dedent(text):
    lines = text.splitlines()
    indent = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return '\n'.join(ln[indent:] for ln in lines).strip('\n')


def _roff(text):
    text = text.replace('\\', '\\e').replace('-', '\\-')
    text = re.sub(r'@([A-Za-z0-9_.\\-]*[A-Za-z0-9_])', r'\\fB\1\\fR', text)
    lines = []
    for ln in text.splitlines():
        if ln.startswith(('.', "'")):
            ln = '\\&' + ln
        lines.append(ln)
    return '\n'.join(lines)


def to_man(items, date):
    out = ['.TH HULL\\-QMP 7 "%s" "Hull" "Hull QMP reference"' % date,
           '.SH NAME', 'hull\\-qmp \\- the QMP commands, events and types of hulld']
    for kind, it in items:
        if kind == 'freeform':
            para = []
            for line in it.splitlines():
                m = re.match(r'^(=+) (.*)$', line)
                if m and len(m.group(1)) <= 2:
                    out.append('.SH ' + _roff(m.group(2)).upper())
                elif m:
                    out.append('.SS ' + _roff(m.group(2)))
                elif line.strip():
                    para.append(_roff(line))
                elif para:
                    out.append('.PP')
                    out.extend(para)
                    para = []
            if para:
                out.append('.PP')
                out.extend(para)
            continue
        out.append('.SS "%s (%s)"' % (_roff(it.title), it.kind))
        if it.body:
            out.append('.PP')
            out.append(_roff(it.body))
        for heading, entries in it.lists:
            out.append('.PP')
            out.append('.B %s' % _roff(heading))
            for term, desc in entries:
                out.append('.TP')
                out.append('.B %s' % _roff(term))
                out.append(_roff(desc) if desc else '\\&')
        for heading, text in it.notes:
            out.append('.PP')
            out.append('\\fB%s:\\fR %s' % (_roff(heading), _roff(text)))
        for heading, text, code in it.sections:
            out.append('.PP')
            if code:
                out.append('.B %s' % _roff(heading))
                out.append('.nf')
                out.append('.RS')
                out.append(_roff(_dedent(text)))
                out.append('.RE')
                out.append('.fi')
            else:
                out.append('\\fB%s:\\fR %s' % (_roff(heading), _roff(text)))
    return '\n'.join(out) + '\n'


def generate(schema, prefix):
    items = build_items(schema, schema.phase_enum)
    # Reproducible builds: SOURCE_DATE_EPOCH when set, else today.
    epoch = os.environ.get('SOURCE_DATE_EPOCH')
    date = time.strftime('%Y-%m-%d', time.gmtime(int(epoch) if epoch else None))
    return [TextFile(prefix + 'qmp-reference.md', to_markdown(items)),
            TextFile('hull-qmp.7' if not prefix else prefix + 'qmp.7', to_man(items, date))]

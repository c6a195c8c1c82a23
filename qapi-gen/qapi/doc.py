# Doc comments: a '##' block either documents the definition that follows it
# ("@Name:" first line) or is free-form text (section headings "= Title").

import re

from .error import QAPIError

# Tagged sections, in the spelling users write them.
SECTION_TAGS = ('Returns', 'Errors', 'Since', 'Example', 'Examples', 'Note', 'Notes', 'TODO')
_ARG_RE = re.compile(r'^@([^:\s]+):(?:\s+(.*))?$')
_TAG_RE = re.compile(r'^(%s):(?:\s+(.*))?$' % '|'.join(SECTION_TAGS))


class QAPIDocSection:
    def __init__(self, info, tag=None, name=None):
        self.info = info
        self.tag = tag          # None for body text, 'Returns' etc. for tagged sections
        self.name = name        # member / feature name for argument sections
        self.lines = []

    @property
    def text(self):
        lines = list(self.lines)
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        # Continuation lines are indented; drop the common indentation.
        indent = min((len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()),
                     default=0)
        return '\n'.join([lines[0].strip()] + [ln[indent:] for ln in lines[1:]]) if lines \
            else ''


class QAPIDoc:
    def __init__(self, info, symbol):
        self.info = info
        self.symbol = symbol
        self.body = []          # QAPIDocSection (untagged text, before and after args)
        self.args = {}          # name -> QAPIDocSection, in order
        self.features = {}      # name -> QAPIDocSection
        self.sections = []      # tagged sections
        self.entity = None      # the definition it documents, set by the schema

    @classmethod
    def parse(cls, info, lines):
        symbol = None
        if lines:
            m = re.match(r'^@([^:\s]+):\s*$', lines[0][1])
            if m:
                symbol = m.group(1)
                lines = lines[1:]
            elif lines[0][1].startswith('@'):
                raise QAPIError(info.at(lines[0][0]), "line should end with ':'")
        doc = cls(info, symbol)
        doc._parse_body(lines)
        return doc

    def _parse_body(self, lines):
        cur = QAPIDocSection(self.info)
        self.body.append(cur)
        in_features = False
        for lineno, text in lines:
            where = self.info.at(lineno)
            if self.symbol is None:
                cur.lines.append(text)
                continue
            m = _ARG_RE.match(text)
            if m:
                name = m.group(1)
                table = self.features if in_features else self.args
                if name in table:
                    raise QAPIError(where, "'%s' %s duplicated"
                                    % (name, 'feature' if in_features else 'parameter'))
                cur = QAPIDocSection(where, name=name)
                cur.lines.append(m.group(2) or '')
                table[name] = cur
                continue
            if text.strip() == 'Features:':
                if self.features or in_features:
                    raise QAPIError(where, "duplicated 'Features:' line")
                in_features = True
                cur = QAPIDocSection(where)
                continue
            m = _TAG_RE.match(text)
            if m:
                tag = m.group(1)
                if tag in ('Returns', 'Errors', 'Since') and \
                        any(s.tag == tag for s in self.sections):
                    raise QAPIError(where, "duplicated '%s' section" % tag)
                cur = QAPIDocSection(where, tag=tag)
                cur.lines.append(m.group(2) or '')
                self.sections.append(cur)
                continue
            if text.startswith('@') and text.rstrip().endswith(':'):
                raise QAPIError(where, "invalid parameter line '%s'" % text)
            if cur.name is not None and text and not text[0].isspace():
                # Unindented text after argument descriptions: more body text.
                cur = QAPIDocSection(where)
                self.body.append(cur)
            elif cur.name is None and cur.tag is None and in_features and text.strip():
                raise QAPIError(where, "text in 'Features:' section must describe a feature")
            cur.lines.append(text)

    def section(self, tag):
        for s in self.sections:
            if s.tag == tag:
                return s
        return None

    @property
    def body_text(self):
        return '\n\n'.join(t for t in (s.text for s in self.body) if t)

    def check(self, entity, members, features, doc_required):
        """Cross-checks against the definition; members are (name, info) pairs."""
        self.entity = entity
        if self.symbol != entity.name:
            raise QAPIError(self.info, "definition of '%s' follows documentation for '%s'"
                            % (entity.name, self.symbol))
        names = [m for m in members]
        for name, sec in self.args.items():
            if name not in names:
                raise QAPIError(sec.info, "documented %s '%s' does not exist"
                                % ('value' if entity.meta == 'enum' else 'member', name))
        for name, sec in self.features.items():
            if name not in features:
                raise QAPIError(sec.info, "documented feature '%s' does not exist" % name)
        if doc_required:
            for name in names:
                if name not in self.args:
                    raise QAPIError(entity.info, "%s '%s' lacks documentation"
                                    % ('value' if entity.meta == 'enum' else 'member', name))
            for name in features:
                if name not in self.features:
                    raise QAPIError(entity.info, "feature '%s' lacks documentation" % name)
        for tag in ('Returns', 'Errors'):
            sec = self.section(tag)
            if sec is not None and entity.meta != 'command':
                raise QAPIError(sec.info, "'%s' section is only valid for commands" % tag)
        sec = self.section('Returns')
        if sec is not None and getattr(entity, 'ret_type', None) is None:
            raise QAPIError(sec.info, "'Returns' section, but command doesn't return anything")

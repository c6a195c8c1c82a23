# Stage 1: read schema text (JSON-like, single-quoted strings, '#' comments, '##' doc
# blocks) into expressions that keep their source position, following 'include'.

import os

from .doc import QAPIDoc
from .error import QAPIError, QAPISourceInfo


class QAPIExpression:
    """One top-level definition: the parsed dict, where it came from, its doc block."""

    def __init__(self, data, info, doc=None):
        self.data = data
        self.info = info
        self.doc = doc


class QAPIParseError(QAPIError):
    pass


_ESCAPES = {'\\': '\\', "'": "'", '"': '"', '/': '/', 'n': '\n', 't': '\t'}


class QAPISchemaParser:
    """Parses one file; recursion on 'include' shares the set of already-read files."""

    def __init__(self, fname, previously_included=None, incl_info=None):
        self.fname = fname
        self.included = previously_included if previously_included is not None else set()
        self.included.add(os.path.abspath(fname))
        self.incl_info = incl_info
        self.exprs = []        # QAPIExpression, includes already expanded
        self.docs = []         # every doc block, in order (free-form ones too)
        self.files = [fname]   # every file read, for build dependencies
        try:
            with open(fname, encoding='utf-8') as fp:
                self.src = fp.read()
        except OSError as e:
            raise QAPIError(incl_info, "can't read %s file '%s': %s"
                            % ('include' if incl_info else 'schema', fname, e.strerror))
        if self.src == '' or self.src[-1] != '\n':
            self.src += '\n'
        self.pos = 0
        self.line = 1
        self.line_pos = 0
        self.info = QAPISourceInfo(fname, 1, incl_info)
        self._parse()

    # --- lexer ---------------------------------------------------------------------------

    def _error(self, msg):
        raise QAPIParseError(QAPISourceInfo(self.fname, self.line, self.incl_info), msg)

    def _accept(self, skip_comments=True):
        """Reads the next token into self.tok (one of '{}[],:', "'" for a string with its
        value in self.val, 't'/'f' for true/false, '#' for a doc block, None at end)."""
        while True:
            self.tok_line = self.line
            if self.pos >= len(self.src):
                self.tok = None
                return
            ch = self.src[self.pos]
            self.pos += 1
            if ch == '#':
                line_start = self.src.rfind('\n', 0, self.pos - 1) + 1
                at_line_start = self.src[line_start:self.pos - 1].strip() == ''
                end = self.src.find('\n', self.pos)
                rest = self.src[self.pos:end]
                if at_line_start and rest.startswith('#') and rest[1:].strip() == '':
                    self.pos = end
                    self.tok = '#'
                    self.val = self._read_doc_lines()
                    if skip_comments:
                        self._error('documentation comment is not allowed here')
                    return
                self.pos = end
            elif ch in '{}[],:':
                self.tok = ch
                return
            elif ch == "'":
                self.tok = "'"
                self.val = self._read_string()
                return
            elif self.src.startswith('rue', self.pos) and ch == 't':
                self.pos += 3
                self.tok = 't'
                self.val = True
                return
            elif self.src.startswith('alse', self.pos) and ch == 'f':
                self.pos += 4
                self.tok = 'f'
                self.val = False
                return
            elif ch == '\n':
                self.line += 1
                self.line_pos = self.pos
            elif ch in ' \t\r':
                pass
            else:
                end = self.pos
                while end < len(self.src) and self.src[end].isalnum():
                    end += 1
                self._error("stray '%s'" % self.src[self.pos - 1:end])

    def _read_string(self):
        out = []
        while True:
            ch = self.src[self.pos]
            self.pos += 1
            if ch == '\n':
                self._error('missing terminating "\'"')
            if ch == "'":
                return ''.join(out)
            if ch == '\\':
                esc = self.src[self.pos]
                self.pos += 1
                if esc not in _ESCAPES:
                    self._error("unknown escape \\%s" % esc)
                ch = _ESCAPES[esc]
            elif not ch.isprintable() and ch != '\t':
                self._error('funny character in string')
            out.append(ch)

    def _read_doc_lines(self):
        """At the newline ending a '##' line: returns (first line, [(line, text)]) of the
        block up to its closing '##'."""
        start = self.line
        lines = []
        while True:
            if self.pos >= len(self.src) - 1:
                self._error("documentation comment must end with '##'")
            self.pos += 1            # the '\n'
            self.line += 1
            end = self.src.find('\n', self.pos)
            text = self.src[self.pos:end]
            self.pos = end
            stripped = text.strip()
            if stripped == '##':
                return (start, lines)
            if not stripped.startswith('#'):
                self._error("documentation comment must end with '##'")
            body = stripped[1:]
            if body and body[0] != ' ':
                self._error("missing space after #")
            lines.append((self.line, body[1:].rstrip()))

    # --- grammar -------------------------------------------------------------------------

    def _get_value(self):
        if self.tok == '{':
            return self._get_members()
        if self.tok == '[':
            return self._get_values()
        if self.tok in ("'", 't', 'f'):
            val = self.val
            self._accept()
            return val
        if self.tok is None:
            self._error('expected value, got end of file')
        self._error("expected '{', '[', string, or boolean")

    def _get_members(self, top=False):
        expr = {}
        self._accept()
        if self.tok == '}':
            self._accept(skip_comments=not top)
            return expr
        while True:
            if self.tok != "'":
                self._error('expected string or "}"')
            key = self.val
            if key in expr:
                self._error("duplicate key '%s'" % key)
            self._accept()
            if self.tok != ':':
                self._error('expected ":"')
            self._accept()
            expr[key] = self._get_value()
            if self.tok == '}':
                self._accept(skip_comments=not top)
                return expr
            if self.tok != ',':
                self._error('expected "," or "}"')
            self._accept()

    def _get_values(self):
        vals = []
        self._accept()
        if self.tok == ']':
            self._accept()
            return vals
        while True:
            if self.tok not in ('{', '[', "'", 't', 'f'):
                self._error("expected '{', '[', ']', string, or boolean")
            vals.append(self._get_value())
            if self.tok == ']':
                self._accept()
                return vals
            if self.tok != ',':
                self._error('expected "," or "]"')
            self._accept()

    def _parse(self):
        pending_doc = None
        self._accept(skip_comments=False)
        while self.tok is not None:
            line = self.tok_line
            info = QAPISourceInfo(self.fname, line, self.incl_info)
            if self.tok == '#':
                if pending_doc is not None and pending_doc.symbol:
                    raise QAPIError(pending_doc.info,
                                    "documentation for '%s' is not followed by the definition"
                                    % pending_doc.symbol)
                start, lines = self.val
                doc = QAPIDoc.parse(QAPISourceInfo(self.fname, start, self.incl_info), lines)
                self.docs.append(doc)
                pending_doc = doc if doc.symbol else None
                self._accept(skip_comments=False)
                continue
            if self.tok != '{':
                self._error('expected top-level expression (an object)')
            data = self._get_members(top=True)
            if 'include' in data:
                self._do_include(data, info, pending_doc)
                pending_doc = None
            elif 'pragma' in data:
                if pending_doc is not None:
                    raise QAPIError(pending_doc.info,
                                    "documentation for '%s' is not followed by the definition"
                                    % pending_doc.symbol)
                self.exprs.append(QAPIExpression(data, info))
            else:
                self.exprs.append(QAPIExpression(data, info, pending_doc))
                pending_doc = None
        if pending_doc is not None:
            raise QAPIError(pending_doc.info,
                            "documentation for '%s' is not followed by the definition"
                            % pending_doc.symbol)

    def _do_include(self, data, info, pending_doc):
        if pending_doc is not None:
            raise QAPIError(pending_doc.info,
                            "documentation for '%s' is not followed by the definition"
                            % pending_doc.symbol)
        if len(data) != 1:
            raise QAPIError(info, "invalid 'include' directive")
        incl = data['include']
        if not isinstance(incl, str):
            raise QAPIError(info, "value of 'include' must be a string")
        path = os.path.join(os.path.dirname(self.fname), incl)
        # An include loop is an error; a file included twice is read once.
        walk = self.incl_info
        chain = [os.path.abspath(self.fname)]
        while walk is not None:
            chain.append(os.path.abspath(walk.fname))
            walk = walk.parent
        if os.path.abspath(path) in chain:
            raise QAPIError(info, "inclusion loop for %s" % incl)
        if os.path.abspath(path) in self.included:
            return
        sub = QAPISchemaParser(path, self.included, info)
        self.exprs.extend(sub.exprs)
        self.docs.extend(sub.docs)
        self.files.extend(sub.files)

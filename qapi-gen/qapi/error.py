# Source positions and the one error type of qapi-gen: every message reads "file:line: text".


class QAPISourceInfo:
    """Where a schema construct comes from: file, line, and the include chain."""

    def __init__(self, fname, line, parent=None):
        self.fname = fname
        self.line = line
        self.parent = parent

    def at(self, line):
        return QAPISourceInfo(self.fname, line, self.parent)

    def __str__(self):
        return '%s:%d' % (self.fname, self.line)


class QAPIError(Exception):
    def __init__(self, info, msg):
        super().__init__(msg)
        self.info = info
        self.msg = msg

    def __str__(self):
        if self.info is None:
            return self.msg
        context = ''
        parent = self.info.parent
        while parent is not None:
            context = 'In file included from %s:\n' % parent + context
            parent = parent.parent
        return '%s%s: %s' % (context, self.info, self.msg)

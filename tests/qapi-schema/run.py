#!/usr/bin/python3
# Golden tests of the QAPI schema compiler: for each CASE.json here, the checked model
# dumped as text must equal CASE.out and the errors (stderr, "file:line: message") must
# equal CASE.err. Usage:
#   run.py [CASE...]            compare (all cases by default); exit status 1 on mismatch
#   run.py --update [CASE...]   rewrite the expectations from the current output, on purpose

import difflib
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'qapi-gen'))

from qapi.error import QAPIError  # noqa: E402
from qapi.schema import (AlternateType, ArrayType, Command, EnumType, Event,  # noqa: E402
                         ObjectType, QAPISchema, QAPISchemaVisitor)


class Dumper(QAPISchemaVisitor):
    """The model as plain text: one line per entity, indented details."""

    def __init__(self, out):
        self.out = out

    def _line(self, text, level=0):
        self.out.write('    ' * level + text + '\n')

    def _extras(self, ifcond, features, level):
        if ifcond:
            self._line('if %s' % ifcond.dump(), level)
        for f in features:
            self._line('feature %s%s' % (f.name, (' if %s' % f.ifcond.dump())
                                         if f.ifcond else ''), level)

    def visit_enum_type(self, typ):
        self._line('enum %s' % typ.name)
        if typ.prefix is not None:
            self._line('prefix %s' % typ.prefix, 1)
        for m in typ.members:
            self._line('member %s' % m.name, 1)
            self._extras(m.ifcond, m.features, 2)
        self._extras(typ.ifcond, typ.features, 1)

    def visit_object_type(self, typ):
        self._line('object %s' % typ.name)
        if typ.base is not None:
            self._line('base %s' % typ.base.name, 1)
        for m in typ.local_members:
            self._line('member %s: %s optional=%s' % (m.name, m.type.name, m.optional), 1)
            self._extras(m.ifcond, m.features, 2)
        if typ.variants:
            self._line('tag %s' % typ.variants.tag_name, 1)
            for v in typ.variants.variants:
                self._line('case %s: %s' % (v.name, v.type.name), 1)
                self._extras(v.ifcond, [], 2)
        self._extras(typ.ifcond, typ.features, 1)

    def visit_alternate_type(self, typ):
        self._line('alternate %s' % typ.name)
        self._line('tag type', 1)
        for v in typ.variants.variants:
            self._line('case %s: %s' % (v.name, v.type.name), 1)
            self._extras(v.ifcond, [], 2)
        self._extras(typ.ifcond, typ.features, 1)

    def visit_command(self, cmd):
        self._line('command %s %s -> %s' % (
            cmd.name, cmd.arg_type.name if cmd.arg_type else None,
            cmd.ret_type.name if cmd.ret_type else None))
        self._line('gen=%s success_response=%s boxed=%s oob=%s' % (
            cmd.gen, cmd.success_response, cmd.boxed, cmd.allow_oob), 1)
        if cmd.phases is not None:
            self._line('phases %s' % ', '.join(cmd.phases), 1)
        self._extras(cmd.ifcond, cmd.features, 1)

    def visit_event(self, ev):
        self._line('event %s %s' % (ev.name, ev.arg_type.name if ev.arg_type else None))
        self._line('boxed=%s' % ev.boxed, 1)
        self._extras(ev.ifcond, ev.features, 1)


def dump_docs(schema, out):
    for doc in schema.docs:
        if doc.symbol:
            out.write('doc symbol=%s\n' % doc.symbol)
        else:
            out.write('doc freeform\n')
        for line in doc.body_text.splitlines():
            out.write('    body=%s\n' % line)
        for name, sec in doc.args.items():
            out.write('    arg=%s %s\n' % (name, sec.text.replace('\n', ' / ')))
        for name, sec in doc.features.items():
            out.write('    feature=%s %s\n' % (name, sec.text.replace('\n', ' / ')))
        for sec in doc.sections:
            out.write('    section=%s %s\n' % (sec.tag, sec.text.replace('\n', ' / ')))


def run_case(name):
    """(stdout, stderr) of compiling NAME.json, with paths relative to this directory."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(HERE)
    try:
        schema = QAPISchema(name + '.json')
        schema.visit(Dumper(out))
        dump_docs(schema, out)
    except QAPIError as e:
        err.write('%s\n' % e)
    finally:
        os.chdir(cwd)
    return out.getvalue(), err.getvalue()


def read(path):
    try:
        with open(path, encoding='utf-8') as fp:
            return fp.read()
    except FileNotFoundError:
        return ''


def main(argv):
    update = '--update' in argv
    names = [a for a in argv if not a.startswith('--')]
    if not names:
        names = sorted(f[:-5] for f in os.listdir(HERE)
                       if f.endswith('.json') and not f.startswith('include-'))
    failed = 0
    for name in names:
        out, err = run_case(name)
        for ext, got in (('.out', out), ('.err', err)):
            path = os.path.join(HERE, name + ext)
            want = read(path)
            if got == want and (os.path.exists(path) or not update):
                continue
            if update:
                with open(path, 'w', encoding='utf-8') as fp:
                    fp.write(got)
                continue
            failed += 1
            print('FAIL %s%s' % (name, ext))
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), name + ext + ' (expected)',
                name + ext + ' (got)'))
    total = len(names)
    if update:
        print('updated expectations of %d cases' % total)
        return 0
    print('%d cases, %d mismatches' % (total, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

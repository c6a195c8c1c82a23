#!/usr/bin/python3
# qapi-gen: compiles a QAPI schema into C (types, visitors, commands, events,
# introspection) and documentation. Usage:
#   qapi-gen.py -o OUTDIR [-p PREFIX] [-b types,visit,...] [--depfile FILE] schema.json

import argparse
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qapi.common import write_file  # noqa: E402
from qapi.error import QAPIError  # noqa: E402
from qapi.schema import QAPISchema  # noqa: E402

DEFAULT_BACKENDS = 'types,visit,commands,events,introspect'


def main(argv):
    ap = argparse.ArgumentParser(description='Generate C and docs from a QAPI schema.')
    ap.add_argument('-o', '--output-dir', default='.', help='where to write the files')
    ap.add_argument('-p', '--prefix', default='', help='prefix for file and symbol names')
    ap.add_argument('-b', '--backends', default=DEFAULT_BACKENDS,
                    help='comma-separated backends (default: %s); backend NAME lives in '
                         'qapi/backend_NAME.py' % DEFAULT_BACKENDS)
    ap.add_argument('--depfile', help='write a Make-style list of schema files read')
    ap.add_argument('schema', help='the root schema file')
    args = ap.parse_args(argv)

    backends = []
    for name in args.backends.split(','):
        try:
            backends.append(importlib.import_module('qapi.backend_' + name))
        except ModuleNotFoundError:
            print('%s: unknown backend %s' % (sys.argv[0], name), file=sys.stderr)
            return 2
    try:
        schema = QAPISchema(args.schema)
    except QAPIError as err:
        print(err, file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    outputs = []
    for mod in backends:
        try:
            files = mod.generate(schema, args.prefix)
        except QAPIError as err:
            print(err, file=sys.stderr)
            return 1
        for f in files:
            path = os.path.join(args.output_dir, f.fname)
            write_file(path, f.text())
            outputs.append(path)
    if args.depfile:
        deps = ' '.join(p.replace(' ', '\\ ') for p in schema.files)
        write_file(args.depfile, '%s: %s\n' % (outputs[0] if outputs else args.schema, deps))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
